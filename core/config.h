/*
 * config.h — ehall-core's one config struct, filled once at start from core_config_table
 * (defaults, file, EHALL_CORE_* environment, --key=value) and read-only afterwards.
 *
 * Nothing outside core/main.c reads the environment; everything else gets this struct
 * (through call_t.cfg in handlers). Secrets (gateway.secret) are never printed or logged.
 */
#ifndef EHALL_CORE_CONFIG_H
#define EHALL_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/config.h"

#define CORE_VERSION "0.1.0"

struct core_config {
  char *listen;
  char *pg_dsn;
  long pg_pool_size;
  bool pg_prepare_statements;
  char *redis_host;
  long redis_port;
  long redis_pool_size;
  long workers;
  long slow_workers; /* threads of the slow lane (RPC_METHOD_SLOW handlers: logins) */
  long slow_queue;   /* slow calls that may wait for one before RESOURCE_EXHAUSTED */
  long write_workers; /* threads of the write lane (RPC_METHOD_WRITE_LANE: approvals' actions) */
  long write_queue;   /* such writes that may wait for one before RESOURCE_EXHAUSTED */
  long write_nice;    /* their nice value: reads first when both want the CPU */
  long write_share;   /* percent of the time they may run while workers answer calls */
  long claim_workers; /* threads of the claim lane (call_t.then: a booking waiting for its seat) */
  long claim_queue;   /* continuations that may wait for one (beyond: run on the worker) */
  long claim_per_key; /* continuations of one call_t.then_key running at once (0: no limit) */
  char *migrations_dir;
  char *log_level;
  bool log_json;
  char *gateway_secret;
  char *tls_cert;
  char *tls_key;
  char *tls_client_ca;
  long shutdown_grace_ms;
  /* Rate limits per client IP (GCRA in Redis; core/rpc before dispatch). */
  bool ratelimit_enabled;
  long ratelimit_read_per_min;
  long ratelimit_read_burst;
  long ratelimit_write_per_min;
  long ratelimit_write_burst;
  long ratelimit_login_per_min;
  long ratelimit_login_burst;
  /* Idempotency keys (core/rpc, idempotency_keys table). */
  long idempotency_ttl_s;
  long idempotency_stale_ms;
  long idempotency_sweep_ms;
  /* Identity (core/identity): sessions, passwords, throttling, recovery, WeChat, apps. */
  long session_idle_web_s;
  long session_idle_mp_s;
  long session_absolute_s;
  long pbkdf2_iterations;
  long hash_threads;      /* the bounded PBKDF2 pool */
  long hash_queue;        /* waiting hashes beyond which logins answer RESOURCE_EXHAUSTED */
  char *identity_pepper;  /* HMAC key for ID-card numbers and reset tokens (secret) */
  long login_free_failures;    /* failures before delays start */
  long login_lock_failures;    /* failures (per account, per window) that lock */
  long login_lock_s;           /* how long a lock lasts */
  long login_window_s;         /* the counting window */
  long login_max_per_hour;     /* hard cap of failures per account per hour */
  long login_ip_lock_failures; /* failures per client IP per window that lock the IP */
  long email_code_ttl_s;
  long email_code_attempts;
  long reset_ttl_s;
  char *reset_url;        /* the page a reset link opens; "?token=…" is appended */
  char *smtp_url;         /* smtp://host:port; empty: mail stays queued */
  char *smtp_from;
  char *smtp_user;
  char *smtp_password;    /* secret */
  long mail_poll_ms;
  char *wechat_base_url;
  char *wechat_appid;
  char *wechat_secret;    /* secret */
  long app_token_ttl_s;
  char *org_hr_unit;      /* the org unit (人事处) whose admins maintain the org tree */
  char *booking_timezone; /* IANA name: days and times of day of slots are in it */
  long booking_hold_poll_ms;
  long approvals_timer_poll_ms; /* SLA timers (core/approvals/timers.c) */

  /* Not settings: facts of this process, filled by main before serving. */
  int64_t started_unix_ms;  /* wall clock at start */
  int64_t started_mono_ms;  /* CLOCK_MONOTONIC at start, for uptime */
};

typedef struct core_config core_config_t;

extern const cfg_entry_t core_config_table[];
extern const size_t core_config_table_len;

/* Seconds since the Unix epoch at which this binary was built (Bazel's BUILD_TIMESTAMP). */
int64_t core_build_time_unix(void);

#endif
