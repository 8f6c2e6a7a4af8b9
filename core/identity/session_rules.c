/*
 * session_rules.c — throttle arithmetic, masking and device cuts (session_rules.h).
 * Pure: no I/O, no clock, no logging. Must never see a password or a token.
 */
#include "core/identity/session_rules.h"

#include <string.h>

#include "core/common/text.h"

#define SESSION_RULES_DELAY_CAP_MS 60000
#define SESSION_RULES_HOUR_MS 3600000

int64_t session_rules_delay_ms(long free_failures, int64_t fails) {
  if (fails <= free_failures)
    return 0;
  int64_t steps = fails - free_failures - 1; /* 0 → 1 s */
  if (steps >= 6)                             /* 64 s > cap: stop doubling before overflow */
    return SESSION_RULES_DELAY_CAP_MS;
  int64_t d = (int64_t)1000 << steps;
  return d > SESSION_RULES_DELAY_CAP_MS ? SESSION_RULES_DELAY_CAP_MS : d;
}

/* Keeps the longest wait seen and the strongest kind. */
static void sr__worse(session_throttle_t *t, int64_t *wait, session_throttle_t kind, int64_t w) {
  if (w <= 0)
    return;
  if (kind > *t)
    *t = kind;
  if (w > *wait)
    *wait = w;
}

session_throttle_t session_rules_throttle(const session_throttle_cfg_t *cfg,
                                          const session_fail_counts_t *acct,
                                          const session_fail_counts_t *ip, int64_t now_ms,
                                          int64_t *wait_ms) {
  session_throttle_t t = SESSION_THROTTLE_OK;
  int64_t wait = 0;
  int64_t lock_ms = (int64_t)cfg->lock_s * 1000;
  int64_t window_ms = (int64_t)cfg->window_s * 1000;
  if (acct != NULL && acct->fails > 0) {
    /* A lock outlives the window it was earned in: judge it from the locking failure. */
    if (acct->fails >= cfg->lock_failures)
      sr__worse(&t, &wait, SESSION_THROTTLE_LOCKED, acct->last_fail_ms + lock_ms - now_ms);
    if (acct->hour_fails >= cfg->max_per_hour)
      sr__worse(&t, &wait, SESSION_THROTTLE_LOCKED,
                acct->hour_start_ms + SESSION_RULES_HOUR_MS - now_ms);
    bool window_live = now_ms - acct->window_start_ms < window_ms;
    if (window_live)
      sr__worse(&t, &wait, SESSION_THROTTLE_DELAY,
                acct->last_fail_ms + session_rules_delay_ms(cfg->free_failures, acct->fails) -
                    now_ms);
  }
  if (ip != NULL && ip->fails >= cfg->ip_lock_failures)
    sr__worse(&t, &wait, SESSION_THROTTLE_LOCKED, ip->last_fail_ms + lock_ms - now_ms);
  *wait_ms = t == SESSION_THROTTLE_OK ? 0 : wait;
  return t;
}

bool session_rules_throttle_error(session_throttle_t t, int64_t wait_ms, eh_err_t *err) {
  if (wait_ms < 1)
    wait_ms = 1;
  if (wait_ms < 60000) {
    long s = (long)((wait_ms + 999) / 1000);
    eh_err_set(err, EH_RESOURCE_EXHAUSTED, NULL, "登录失败次数过多，请 %ld 秒后再试",
               "Too many failed logins; try again in %ld seconds", s);
  } else {
    long m = (long)((wait_ms + 59999) / 60000);
    eh_err_set(err, EH_RESOURCE_EXHAUSTED, NULL, "登录失败次数过多，请 %ld 分钟后再试",
               "Too many failed logins; try again in %ld minutes", m);
  }
  eh_err_detail(err, "login throttled: %s", t == SESSION_THROTTLE_LOCKED ? "locked" : "delay");
  err->retry_after_ms = wait_ms;
  return false;
}

const char *session_rules_mask_email(arena_t *a, const char *email) {
  if (email == NULL || *email == '\0')
    return "";
  const char *at = strrchr(email, '@');
  if (at == NULL || at == email)
    return "***";
  /* The first character, whole (a UTF-8 sequence is never cut in two). */
  uint32_t cp;
  size_t first = text_utf8_next((const unsigned char *)email, (size_t)(at - email), &cp);
  if (first == 0)
    first = 1;
  return arena_printf(a, "%.*s***%s", (int)first, email, at);
}

const char *session_rules_device_cut(arena_t *a, const char *device, size_t max_chars) {
  if (device == NULL)
    return "";
  size_t n = strlen(device);
  char *out = arena_alloc(a, n + 1);
  size_t o = 0, chars = 0, i = 0;
  while (i < n && chars < max_chars) {
    uint32_t cp;
    size_t len = text_utf8_next((const unsigned char *)device + i, n - i, &cp);
    if (len == 0) {
      i++; /* an invalid byte: dropped */
      continue;
    }
    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
      i += len; /* control characters have no place in a list row */
      continue;
    }
    if (o == 0 && cp == ' ') {
      i += len;
      continue;
    }
    memcpy(out + o, device + i, len);
    o += len;
    i += len;
    chars++;
  }
  while (o > 0 && out[o - 1] == ' ')
    o--;
  out[o] = '\0';
  return out;
}

const char *session_rules_account_key(arena_t *a, const char *campus_id) {
  char *k = arena_strdup(a, campus_id != NULL ? campus_id : "");
  for (char *p = k; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  return k;
}
