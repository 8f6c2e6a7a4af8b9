/*
 * session_rules.h — the pure decisions behind sessions and login throttling: how long a failed
 * login makes the next one wait, when an account or an IP is locked, the words that say so,
 * email masking and the cut of a device description. No I/O, no logging, no clock (callers
 * pass "now"), so every rule is unit-tested (tests/unit/core/identity/session_rules_test.c).
 */
#ifndef EHALL_IDENTITY_SESSION_RULES_H
#define EHALL_IDENTITY_SESSION_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"

/* The throttle settings (login.* in core/config), in plain numbers. */
typedef struct session_throttle_cfg {
  long free_failures;    /* failures before each further try must wait */
  long lock_failures;    /* failures within window_s that lock for lock_s */
  long lock_s;
  long window_s;
  long max_per_hour;     /* failures per account per hour, whatever the locks */
  long ip_lock_failures; /* failures per IP within window_s that lock the IP for lock_s */
} session_throttle_cfg_t;

/* Counters as Redis keeps them (core/store/session_store.h); times in ms of Redis's clock.
 * Zero everywhere means "never failed". */
typedef struct session_fail_counts {
  int64_t fails;        /* failures in the window that started at window_start_ms */
  int64_t window_start_ms;
  int64_t last_fail_ms;
  int64_t hour_fails;   /* failures in the hour that started at hour_start_ms (accounts only) */
  int64_t hour_start_ms;
} session_fail_counts_t;

typedef enum {
  SESSION_THROTTLE_OK = 0,
  SESSION_THROTTLE_DELAY,  /* a short growing wait after a few failures */
  SESSION_THROTTLE_LOCKED, /* the account (or IP) is locked for a while, or the hourly cap */
} session_throttle_t;

/* The wait the `fails`-th failure imposes before the next try: 0 up to free_failures, then
 * 1 s, 2 s, 4 s … doubling, capped at 60 s. */
int64_t session_rules_delay_ms(long free_failures, int64_t fails);

/* May a login for this account from this IP be tried now? *wait_ms says how long to wait when
 * not (≥ 1). ip may be NULL (no address known). */
session_throttle_t session_rules_throttle(const session_throttle_cfg_t *cfg,
                                          const session_fail_counts_t *acct,
                                          const session_fail_counts_t *ip, int64_t now_ms,
                                          int64_t *wait_ms);

/* Fills err (RESOURCE_EXHAUSTED, retry_after_ms = wait_ms) with "登录失败次数过多，请 N 分钟后再试"
 * (or "N 秒" under a minute) and its English twin. Returns false. */
bool session_rules_throttle_error(session_throttle_t t, int64_t wait_ms, eh_err_t *err);

/* The email as shown to others: first character, "***", then "@domain" ("z***@qq.com").
 * "" stays "". Owned by a. */
const char *session_rules_mask_email(arena_t *a, const char *email);

/* A device description fit for the sessions list: at most max_chars code points of valid UTF-8,
 * control characters dropped, invalid bytes dropped, trimmed. NULL → "". Owned by a. */
const char *session_rules_device_cut(arena_t *a, const char *device, size_t max_chars);

/* The throttle key of a campus id as typed: ASCII lower case, so "ABC" and "abc" (and unknown
 * ids) count alike. Owned by a. */
const char *session_rules_account_key(arena_t *a, const char *campus_id);

#endif
