/*
 * session_rules_test.c — login throttling arithmetic (delays, account lock, hourly cap, IP
 * lock, window expiry), the throttle messages, email masking, device cuts and account keys.
 */
#include <stdint.h>
#include <string.h>

#include "core/common/arena.h"
#include "core/identity/session_rules.h"
#include "tests/unit/test.h"

static arena_t *A;

static const session_throttle_cfg_t CFG = {
    .free_failures = 3,
    .lock_failures = 10,
    .lock_s = 900,
    .window_s = 900,
    .max_per_hour = 100,
    .ip_lock_failures = 50,
};

static void test_delay_grows_and_caps(void) {
  CHECK_INT(session_rules_delay_ms(3, 0), 0);
  CHECK_INT(session_rules_delay_ms(3, 3), 0);
  CHECK_INT(session_rules_delay_ms(3, 4), 1000);
  CHECK_INT(session_rules_delay_ms(3, 5), 2000);
  CHECK_INT(session_rules_delay_ms(3, 6), 4000);
  CHECK_INT(session_rules_delay_ms(3, 9), 32000);
  CHECK_INT(session_rules_delay_ms(3, 10), 60000);
  CHECK_INT(session_rules_delay_ms(3, 1000000), 60000);
  CHECK_INT(session_rules_delay_ms(0, 1), 1000);
}

static void test_free_failures_pass(void) {
  int64_t now = 1000000000, wait = -1;
  session_fail_counts_t c = {.fails = 3, .window_start_ms = now - 5000, .last_fail_ms = now - 1,
                             .hour_fails = 3, .hour_start_ms = now - 5000};
  CHECK_INT(session_rules_throttle(&CFG, &c, NULL, now, &wait), SESSION_THROTTLE_OK);
  CHECK_INT(wait, 0);
  session_fail_counts_t none = {0};
  CHECK_INT(session_rules_throttle(&CFG, &none, &none, now, &wait), SESSION_THROTTLE_OK);
}

static void test_delay_after_free_failures(void) {
  int64_t now = 1000000000, wait = 0;
  session_fail_counts_t c = {.fails = 5, .window_start_ms = now - 5000, .last_fail_ms = now - 500,
                             .hour_fails = 5, .hour_start_ms = now - 5000};
  CHECK_INT(session_rules_throttle(&CFG, &c, NULL, now, &wait), SESSION_THROTTLE_DELAY);
  CHECK_INT(wait, 1500); /* 2 s after the 5th failure, 0.5 s gone */
  CHECK_INT(session_rules_throttle(&CFG, &c, NULL, now + 1500, &wait), SESSION_THROTTLE_OK);
}

static void test_lock_at_lock_failures(void) {
  int64_t now = 1000000000, wait = 0;
  session_fail_counts_t c = {.fails = 10, .window_start_ms = now - 60000, .last_fail_ms = now - 1000,
                             .hour_fails = 10, .hour_start_ms = now - 60000};
  CHECK_INT(session_rules_throttle(&CFG, &c, NULL, now, &wait), SESSION_THROTTLE_LOCKED);
  CHECK_INT(wait, 899000);
  /* The lock outlives the window it was earned in. */
  CHECK_INT(session_rules_throttle(&CFG, &c, NULL, now + 850000, &wait), SESSION_THROTTLE_LOCKED);
  CHECK_INT(wait, 49000);
  CHECK_INT(session_rules_throttle(&CFG, &c, NULL, now + 899000, &wait), SESSION_THROTTLE_OK);
}

static void test_window_expiry_forgets_delays(void) {
  int64_t now = 1000000000, wait = 0;
  session_fail_counts_t c = {.fails = 9, .window_start_ms = now - 900000,
                             .last_fail_ms = now - 1, .hour_fails = 9,
                             .hour_start_ms = now - 900000};
  CHECK_INT(session_rules_throttle(&CFG, &c, NULL, now, &wait), SESSION_THROTTLE_OK);
  c.window_start_ms = now - 899999;
  CHECK_INT(session_rules_throttle(&CFG, &c, NULL, now, &wait), SESSION_THROTTLE_DELAY);
}

static void test_hourly_cap(void) {
  session_throttle_cfg_t cfg = CFG;
  cfg.lock_failures = 1000;
  int64_t now = 1000000000, wait = 0;
  session_fail_counts_t c = {.fails = 1, .window_start_ms = now - 10, .last_fail_ms = now - 3000,
                             .hour_fails = 100, .hour_start_ms = now - 600000};
  CHECK_INT(session_rules_throttle(&cfg, &c, NULL, now, &wait), SESSION_THROTTLE_LOCKED);
  CHECK_INT(wait, 3000000);
  c.hour_fails = 99;
  CHECK_INT(session_rules_throttle(&cfg, &c, NULL, now, &wait), SESSION_THROTTLE_OK);
}

static void test_ip_lock(void) {
  int64_t now = 1000000000, wait = 0;
  session_fail_counts_t acct = {0};
  session_fail_counts_t ip = {.fails = 50, .window_start_ms = now - 100000,
                              .last_fail_ms = now - 100000};
  CHECK_INT(session_rules_throttle(&CFG, &acct, &ip, now, &wait), SESSION_THROTTLE_LOCKED);
  CHECK_INT(wait, 800000);
  ip.fails = 49;
  CHECK_INT(session_rules_throttle(&CFG, &acct, &ip, now, &wait), SESSION_THROTTLE_OK);
}

static void test_messages(void) {
  eh_err_t err = EH_ERR_INIT;
  CHECK(!session_rules_throttle_error(SESSION_THROTTLE_LOCKED, 899000, &err));
  CHECK_INT(err.code, EH_RESOURCE_EXHAUSTED);
  CHECK_STR(err.message, "登录失败次数过多，请 15 分钟后再试");
  CHECK_STR(err.message_en, "Too many failed logins; try again in 15 minutes");
  CHECK_INT(err.retry_after_ms, 899000);
  eh_err_clear(&err);
  session_rules_throttle_error(SESSION_THROTTLE_DELAY, 1500, &err);
  CHECK_STR(err.message, "登录失败次数过多，请 2 秒后再试");
  CHECK_INT(err.retry_after_ms, 1500);
  eh_err_clear(&err);
  session_rules_throttle_error(SESSION_THROTTLE_LOCKED, 60001, &err);
  CHECK_STR(err.message, "登录失败次数过多，请 2 分钟后再试");
}

static void test_mask_email(void) {
  CHECK_STR(session_rules_mask_email(A, "zhang@qq.com"), "z***@qq.com");
  CHECK_STR(session_rules_mask_email(A, "a@163.com"), "a***@163.com");
  CHECK_STR(session_rules_mask_email(A, ""), "");
  CHECK_STR(session_rules_mask_email(A, NULL), "");
  CHECK_STR(session_rules_mask_email(A, "张三@example.cn"), "张***@example.cn");
  CHECK_STR(session_rules_mask_email(A, "noat"), "***");
}

static void test_device_cut(void) {
  CHECK_STR(session_rules_device_cut(A, "  iPhone 微信  ", 100), "iPhone 微信");
  CHECK_STR(session_rules_device_cut(A, NULL, 100), "");
  CHECK_STR(session_rules_device_cut(A, "a\x01" "b\nc", 100), "abc");
  CHECK_STR(session_rules_device_cut(A, "ab\xff\xfe" "cd", 100), "abcd");
  char long_ua[400];
  for (int i = 0; i < 150; i++)
    memcpy(long_ua + i * 2, "x", 2);
  memset(long_ua, 'x', 150);
  long_ua[150] = '\0';
  CHECK_INT(strlen(session_rules_device_cut(A, long_ua, 100)), 100);
  /* 101 Chinese characters: cut at 100 code points, never inside one. */
  char zh[400] = "";
  for (int i = 0; i < 101; i++)
    strcat(zh, "汉");
  const char *cut = session_rules_device_cut(A, zh, 100);
  CHECK_INT(strlen(cut), 300);
}

static void test_account_key(void) {
  CHECK_STR(session_rules_account_key(A, "2023ABc01"), "2023abc01");
  CHECK_STR(session_rules_account_key(A, ""), "");
}

int main(void) {
  A = arena_create(0);
  RUN(test_delay_grows_and_caps);
  RUN(test_free_failures_pass);
  RUN(test_delay_after_free_failures);
  RUN(test_lock_at_lock_failures);
  RUN(test_window_expiry_forgets_delays);
  RUN(test_hourly_cap);
  RUN(test_ip_lock);
  RUN(test_messages);
  RUN(test_mask_email);
  RUN(test_device_cut);
  RUN(test_account_key);
  arena_destroy(A);
  return test_done();
}
