/*
 * recovery_rules_test.c — the pure rules of email binding and password reset: which addresses
 * are accepted (outside providers too) and how they are normalised, the masks shown as hints,
 * the 6-digit code (uniform, well-formed), the code and token hashes, reset links, and the texts
 * of mails and link states in both languages.
 */
#include <stdlib.h>
#include <string.h>

#include "core/common/arena.h"
#include "core/identity/recovery_rules.h"
#include "tests/unit/test.h"

static arena_t *A;

static const char *norm(const char *in, eh_err_t *err) {
  const char *out = NULL;
  eh_err_clear(err);
  if (!recovery_email_normalize(A, in, "email", &out, err))
    return NULL;
  return out;
}

static void test_addresses_accepted_and_lower_cased(void) {
  eh_err_t err;
  CHECK_STR(norm("12345678@qq.com", &err), "12345678@qq.com");
  CHECK_STR(norm("  Zhang.San@163.COM ", &err), "zhang.san@163.com");
  CHECK_STR(norm("li_si+ehall@stu.htu.edu.cn", &err), "li_si+ehall@stu.htu.edu.cn");
  CHECK_STR(norm("o'brien@mail-server.example.org", &err), "o'brien@mail-server.example.org");
  /* 64-character local part, 254 bytes in all. */
  char lp[65], big[255];
  memset(lp, 'a', 64);
  lp[64] = '\0';
  CHECK(norm(arena_printf(A, "%s@qq.com", lp), &err) != NULL);
  memset(big, 'b', 254);
  big[254] = '\0';
  memcpy(big, "x@", 2);
  for (int i = 2 + 63; i < 254; i += 64)
    big[i] = '.'; /* labels of 63 */
  memcpy(big + 251, "com", 3);
  CHECK(strlen(big) == 254);
  CHECK(norm(big, &err) != NULL);
}

static void test_addresses_refused_with_the_field(void) {
  eh_err_t err;
  const char *bad[] = {"",
                       "   ",
                       "plainaddress",
                       "@qq.com",
                       "a@",
                       "a@b@qq.com",
                       "a@qq",
                       "a..b@qq.com",
                       ".a@qq.com",
                       "a.@qq.com",
                       "a@-qq.com",
                       "a@qq-.com",
                       "a@qq..com",
                       "a@1.2.3.4",
                       "a b@qq.com",
                       "a@q_q.com",
                       "用户@qq.com",
                       "a@qq.com\r\nBcc: x@y.com",
                       "\"quoted\"@qq.com"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    CHECK(norm(bad[i], &err) == NULL);
    CHECK_INT(err.code, EH_INVALID);
    CHECK_INT(err.nfields, 1);
    CHECK_STR(err.fields[0].field, "email");
    CHECK(err.message[0] != '\0' && err.message_en[0] != '\0');
  }
  /* 65-character local part; 255 bytes. */
  char lp[66];
  memset(lp, 'a', 65);
  lp[65] = '\0';
  CHECK(norm(arena_printf(A, "%s@qq.com", lp), &err) == NULL);
  char big[256];
  memset(big, 'b', 255);
  big[255] = '\0';
  memcpy(big, "x@", 2);
  for (int i = 2 + 63; i < 255; i += 64)
    big[i] = '.';
  memcpy(big + 252, "com", 3);
  CHECK(norm(big, &err) == NULL);
  CHECK(strstr(err.message, "254") != NULL);
}

static void test_masks(void) {
  CHECK_STR(recovery_campus_id_mask(A, "2023010101"), "2023****01");
  CHECK_STR(recovery_campus_id_mask(A, "20230101"), "2023****01");
  CHECK_STR(recovery_campus_id_mask(A, "T1024"), "T***4");
  CHECK_STR(recovery_campus_id_mask(A, "ab"), "a***");
  CHECK_STR(recovery_campus_id_mask(A, ""), "***");
  CHECK(recovery_login_is_email("a@qq.com"));
  CHECK(!recovery_login_is_email("2023010101"));
}

static void test_code_from_random_is_six_digits_and_unbiased(void) {
  char c[RECOVERY_CODE_LEN + 1];
  CHECK(recovery_code_from_random(0, c));
  CHECK_STR(c, "000000");
  CHECK(recovery_code_from_random(123456, c));
  CHECK_STR(c, "123456");
  CHECK(recovery_code_from_random(4293999999u, c));
  CHECK_STR(c, "999999");
  /* The biased tail is refused: the caller draws again. */
  CHECK(!recovery_code_from_random(4294000000u, c));
  CHECK(!recovery_code_from_random(0xffffffffu, c));
  CHECK(recovery_code_wellformed("012345"));
  CHECK(!recovery_code_wellformed("12345"));
  CHECK(!recovery_code_wellformed("1234567"));
  CHECK(!recovery_code_wellformed("12a456"));
  CHECK(!recovery_code_wellformed(" 12345"));
  CHECK(!recovery_code_wellformed(NULL));
}

static void test_code_hash_binds_account_address_and_code(void) {
  char h1[65], h2[65];
  recovery_code_hash("pepper", 7, "a@qq.com", "123456", h1);
  CHECK_INT(strlen(h1), 64);
  recovery_code_hash("pepper", 7, "a@qq.com", "123456", h2);
  CHECK_STR(h1, h2);
  recovery_code_hash("pepper", 8, "a@qq.com", "123456", h2);
  CHECK(strcmp(h1, h2) != 0);
  recovery_code_hash("pepper", 7, "b@qq.com", "123456", h2);
  CHECK(strcmp(h1, h2) != 0);
  recovery_code_hash("pepper", 7, "a@qq.com", "123457", h2);
  CHECK(strcmp(h1, h2) != 0);
  recovery_code_hash("other", 7, "a@qq.com", "123456", h2);
  CHECK(strcmp(h1, h2) != 0);
  recovery_code_hash(NULL, 7, "a@qq.com", "123456", h2); /* no pepper: still a hash */
  CHECK_INT(strlen(h2), 64);
  CHECK(strstr(h2, "123456") == NULL);
}

static void test_token_shape_and_hash(void) {
  char tok[RECOVERY_TOKEN_LEN + 1];
  crypto_random_token(tok, RECOVERY_TOKEN_BYTES);
  CHECK_INT(strlen(tok), 43);
  CHECK(recovery_token_wellformed(tok));
  CHECK(!recovery_token_wellformed(""));
  CHECK(!recovery_token_wellformed("abc"));
  char bad[44];
  memcpy(bad, tok, 44);
  bad[10] = '=';
  CHECK(!recovery_token_wellformed(bad));
  bad[10] = '\'';
  CHECK(!recovery_token_wellformed(bad));
  char h[65];
  recovery_token_hash("abc", h);
  /* SHA-256("abc"), FIPS 180-2. */
  CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_reset_link(void) {
  CHECK_STR(recovery_reset_link(A, "http://127.0.0.1:8080/#/pages/auth/reset", "T0K"),
            "http://127.0.0.1:8080/#/pages/auth/reset?token=T0K");
  CHECK_STR(recovery_reset_link(A, "https://hall.example/reset?lang=en", "T0K"),
            "https://hall.example/reset?lang=en&token=T0K");
  CHECK_STR(recovery_reset_link(A, "https://hall.example/?x=1#/reset", "T0K"),
            "https://hall.example/?x=1#/reset?token=T0K");
}

static void test_mail_texts(void) {
  const char *subject, *body;
  recovery_code_mail(A, "123456", 600, &subject, &body);
  CHECK(strstr(subject, "【网上办事大厅】邮箱验证码") == subject);
  CHECK(strstr(body, "【网上办事大厅】邮箱验证码 123456，10 分钟内有效") == body);
  CHECK(strstr(body, "Your email verification code is 123456. It is valid for 10 minutes.") !=
        NULL);
  recovery_code_mail(A, "000001", 61, &subject, &body);
  CHECK(strstr(body, "000001，2 分钟内有效") != NULL);

  recovery_reset_mail(A, "2023****01", "http://h/#/r?token=XYZ", 1800, &subject, &body);
  CHECK(strstr(subject, "重置密码") != NULL);
  CHECK(strstr(body, "2023****01") != NULL);
  CHECK(strstr(body, "\nhttp://h/#/r?token=XYZ\n") != NULL);
  CHECK(strstr(body, "30 分钟内") != NULL);
  CHECK(strstr(body, "within 30 minutes") != NULL);
}

static void test_link_states_and_errors(void) {
  CHECK_STR(recovery_link_message(RECOVERY_LINK_USED, "zh-CN"), "链接已使用，请重新申请重置密码");
  CHECK_STR(recovery_link_message(RECOVERY_LINK_EXPIRED, NULL), "链接已过期，请重新申请重置密码");
  CHECK_STR(recovery_link_message(RECOVERY_LINK_EXPIRED, "en"),
            "This link has expired: request a new one.");
  CHECK_STR(recovery_link_message((recovery_link_state_t)99, "zh-CN"),
            "链接无效，请重新申请重置密码");
  eh_err_t err;
  eh_err_clear(&err);
  recovery_link_error(RECOVERY_LINK_USED, &err);
  CHECK_INT(err.code, EH_FAILED_PRECONDITION);
  CHECK(strstr(err.message, "链接已使用") == err.message);
  CHECK_INT(err.nfields, 0);
  eh_err_clear(&err);
  recovery_link_error(RECOVERY_LINK_EXPIRED, &err);
  CHECK_INT(err.code, EH_FAILED_PRECONDITION);
  CHECK(strstr(err.message, "链接已过期") == err.message);
  eh_err_clear(&err);
  recovery_link_error(RECOVERY_LINK_INVALID, &err);
  CHECK_INT(err.code, EH_INVALID);
  CHECK_STR(err.fields[0].field, "token");
  CHECK_STR(recovery_reset_requested_message("zh-CN"),
            "如果该账号存在且已绑定邮箱，重置链接已发送");
  CHECK(strncmp(recovery_reset_requested_message("en-US"), "If the account exists", 21) == 0);
}

static void test_code_errors(void) {
  eh_err_t err;
  eh_err_clear(&err);
  recovery_code_error(3, &err);
  CHECK_INT(err.code, EH_INVALID);
  CHECK_STR(err.message, "验证码错误，还可尝试 3 次");
  CHECK_STR(err.message_en, "wrong code, 3 tries left");
  CHECK_STR(err.fields[0].field, "code");
  eh_err_clear(&err);
  recovery_code_error(0, &err);
  CHECK(strstr(err.message, "次数过多") != NULL);
  eh_err_clear(&err);
  recovery_code_error(-1, &err);
  CHECK(strstr(err.message, "重新获取") != NULL);
}

int main(void) {
  A = arena_create(0);
  RUN(test_addresses_accepted_and_lower_cased);
  RUN(test_addresses_refused_with_the_field);
  RUN(test_masks);
  RUN(test_code_from_random_is_six_digits_and_unbiased);
  RUN(test_code_hash_binds_account_address_and_code);
  RUN(test_token_shape_and_hash);
  RUN(test_reset_link);
  RUN(test_mail_texts);
  RUN(test_link_states_and_errors);
  RUN(test_code_errors);
  arena_destroy(A);
  return test_done();
}
