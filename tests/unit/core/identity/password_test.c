/*
 * password_test.c — core/identity/password.c: our PBKDF2 format, the old portal's formats
 * (vectors computed with Python's hashlib and crypt, i.e. libxcrypt), the policy, ID cards.
 */
#include <string.h>

#include "core/common/arena.h"
#include "core/common/crypto.h"
#include "core/identity/password.h"
#include "tests/unit/test.h"

static void test_pbkdf2_vectors(void) {
  /* RFC 7914 §11 / Python hashlib.pbkdf2_hmac("sha256", b"password", b"salt", n, 32). */
  uint8_t out[32];
  char hex[65];
  CHECK(crypto_pbkdf2_sha256("password", 8, "salt", 4, 1, out, 32));
  crypto_hex_encode(out, 32, hex);
  CHECK_STR(hex, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
  CHECK(crypto_pbkdf2_sha256("password", 8, "salt", 4, 4096, out, 32));
  crypto_hex_encode(out, 32, hex);
  CHECK_STR(hex, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");

  /* Our stored format, made by Python: salt bytes 0..15, 1000 iterations. */
  const char *stored = "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$"
                       "yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ";
  CHECK(password_stored_valid(stored));
  CHECK_INT(password_verify(stored, "correct horse", 1000), PASSWORD_MATCH);
  CHECK_INT(password_verify(stored, "correct horse", 600000), PASSWORD_MATCH_REHASH);
  CHECK_INT(password_verify(stored, "correct horsE", 1000), PASSWORD_MISMATCH);
  CHECK_INT(password_verify(stored, "", 1000), PASSWORD_MISMATCH);
}

static void test_hash_roundtrip(void) {
  arena_t *a = arena_create(0);
  const char *h1 = password_hash(a, "Tr0ub4dor&3", 2000);
  const char *h2 = password_hash(a, "Tr0ub4dor&3", 2000);
  CHECK(strncmp(h1, "pbkdf2-sha256$2000$", 19) == 0);
  CHECK_INT(strlen(h1), 19 + 22 + 1 + 43);
  CHECK(strcmp(h1, h2) != 0); /* a fresh salt each time */
  CHECK(password_stored_valid(h1));
  CHECK_INT(password_verify(h1, "Tr0ub4dor&3", 2000), PASSWORD_MATCH);
  CHECK_INT(password_verify(h1, "Tr0ub4dor&3", 1000), PASSWORD_MATCH);
  CHECK_INT(password_verify(h1, "Tr0ub4dor&3", 2001), PASSWORD_MATCH_REHASH);
  CHECK_INT(password_verify(h1, "tr0ub4dor&3", 2000), PASSWORD_MISMATCH);
  const char *zh = password_hash(a, "我的密码很长很安全", 1000);
  CHECK_INT(password_verify(zh, "我的密码很长很安全", 1000), PASSWORD_MATCH);
  /* Longer than PASSWORD_MAX_LEN never matches. */
  char longpw[200];
  memset(longpw, 'a', sizeof(longpw) - 1);
  longpw[sizeof(longpw) - 1] = '\0';
  CHECK_INT(password_verify(h1, longpw, 2000), PASSWORD_MISMATCH);
  password_dummy_verify("whatever", 1000);
  arena_destroy(a);
}

static void test_legacy_digests(void) {
  CHECK_INT(password_verify("md5:5f4dcc3b5aa765d61d8327deb882cf99", "password", 600000),
            PASSWORD_MATCH_REHASH);
  CHECK_INT(password_verify("md5:5F4DCC3B5AA765D61D8327DEB882CF99", "password", 600000),
            PASSWORD_MATCH_REHASH);
  CHECK_INT(password_verify("md5:5f4dcc3b5aa765d61d8327deb882cf99", "Password", 600000),
            PASSWORD_MISMATCH);
  CHECK_INT(password_verify("sha1:5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", "password", 1),
            PASSWORD_MATCH_REHASH);
  CHECK_INT(password_verify("sha1:5baa61e4c9b93f3f0682250b6cf8331b7ee68fd9", "password", 1),
            PASSWORD_MISMATCH);
  /* Salt placement: md5:SALT$HEX is md5(SALT+pw); md5s:SALT$HEX is md5(pw+SALT). */
  CHECK_INT(password_verify("md5:s@lt$b43d54a8971551f57b5a998dd2d69dbb", "Secret-pw9", 1),
            PASSWORD_MATCH_REHASH);
  CHECK_INT(password_verify("md5s:s@lt$f92397a6dd6c15543dc40313ee669457", "Secret-pw9", 1),
            PASSWORD_MATCH_REHASH);
  CHECK_INT(password_verify("md5s:s@lt$b43d54a8971551f57b5a998dd2d69dbb", "Secret-pw9", 1),
            PASSWORD_MISMATCH);
  CHECK_INT(password_verify("sha1:NaCl$84541870ad17b4d11231897cdafccbea2807e6c8", "密码Secret", 1),
            PASSWORD_MATCH_REHASH);
  CHECK_INT(
      password_verify("sha1s:NaCl$f5ab2c8e0bd4d7ec07df0e2998792c3dc1b8e6eb", "密码Secret", 1),
      PASSWORD_MATCH_REHASH);
  CHECK_INT(
      password_verify("sha1s:NaCl$f5ab2c8e0bd4d7ec07df0e2998792c3dc1b8e6eb", "密码secret", 1),
      PASSWORD_MISMATCH);
}

static void test_crypt(void) {
  static const char *const hashes[] = {
      "$1$saltsalt$OyQJyYRkhCm1N3/JFe01G0",
      "$5$rounds=1000$saltstring$48tW/x1JAKVoLXaqZfjUKt2iEE.34OQGGosCHCmTXY3",
      "$6$JB3LTTaeLYQv7xkW$1U7KdOY2.zdBS4PpwJi65UyPYONaDlh1kF3slWh4nU9CORlhXxW5pmyJmOeTADFA8zZgTY/"
      "WI5DIrPn.71GzQ/",
      "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$98bSj7YQqjWbsb/UTgRNDdLVCu6BgA3kEnZU/hgZEeD",
      "$2b$05$abcdefghijklmnopqrstuuFzCRC/y6A8jqy9pzffOLCgAKhcmnlTS",
  };
  for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
    CHECK(password_stored_valid(hashes[i]));
    CHECK_INT(password_verify(hashes[i], "Old-Portal1", 600000), PASSWORD_MATCH_REHASH);
    CHECK_INT(password_verify(hashes[i], "Old-Portal2", 600000), PASSWORD_MISMATCH);
  }
}

static void test_bad_stored(void) {
  static const char *const bad[] = {
      "",
      "plain",
      "md5:5f4dcc3b5aa765d61d8327deb882cf9",    /* 31 hex */
      "md5:5f4dcc3b5aa765d61d8327deb882cf99a", /* 33 hex */
      "md5:zf4dcc3b5aa765d61d8327deb882cf99",
      "md5s:5f4dcc3b5aa765d61d8327deb882cf99", /* md5s needs a salt */
      "md5:$5f4dcc3b5aa765d61d8327deb882cf99", /* empty salt */
      "sha1:5f4dcc3b5aa765d61d8327deb882cf99",  /* md5 length for sha1 */
      "pbkdf2-sha256$0$AAECAwQFBgcICQoLDA0ODw$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
      "pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$",
      "pbkdf2-sha256$1000$$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
      "pbkdf2-sha256$x$AAECAwQFBgcICQoLDA0ODw$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
      "pbkdf2-sha256$1000$AAEC*wQFBgcICQoLDA0ODw$yRTMTwbMbo9G0VfjobWqerzuuxe7BETNTErBbKKumGQ",
      "$1$saltsalt$OyQJyYRkhCm1N3/JFe01G",  /* short */
      "$6$JB3LTTaeLYQv7xkW$short",
      "$9$abc$def",
      "$2b$05$abcdefghijklmnopqrstuu",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (password_stored_valid(bad[i]))
      fprintf(stderr, "accepted: %s\n", bad[i]);
    CHECK(!password_stored_valid(bad[i]));
    CHECK_INT(password_verify(bad[i], "password", 1000), PASSWORD_BAD_STORED);
  }
}

static void expect_policy(const char *pw, const char *campus, const char *initial,
                          const char *zh_part) {
  eh_err_t err = EH_ERR_INIT;
  bool ok = password_policy_check(pw, campus, initial, "new_password", &err);
  if (zh_part == NULL) {
    if (!ok)
      fprintf(stderr, "policy refused %s: %s\n", pw, err.message);
    CHECK(ok);
    return;
  }
  CHECK(!ok);
  CHECK_INT(err.code, EH_INVALID);
  CHECK(strstr(err.message, zh_part) != NULL);
  CHECK(err.message_en[0] != '\0');
  CHECK_INT(err.nfields, 1);
  CHECK_STR(err.fields[0].field, "new_password");
}

static void test_policy(void) {
  expect_policy("Kq7#mzP2", "2019001", "123456", NULL);
  expect_policy("我爱北京天安门广场", "2019001", NULL, NULL); /* 9 code points */
  expect_policy("Kq7#mzP", "2019001", NULL, "至少 8 个字符");
  expect_policy("你好你好你好你", "2019001", NULL, "至少 8 个字符"); /* 21 bytes, 7 chars */
  expect_policy("20190012345", "20190012345", NULL, "学号");
  expect_policy("st2019abcd", "ST2019ABCD", NULL, "学号");
  expect_policy("12051234", "2019001", "12051234", "初始密码");
  expect_policy("password", "2019001", NULL, "过于常见");
  expect_policy("PassWord123", "2019001", NULL, "过于常见");
  expect_policy("woaini1314", "2019001", NULL, "过于常见");
  expect_policy("1qaz2wsx", "2019001", NULL, "过于常见");
  expect_policy("qq123456", "2019001", NULL, "过于常见");
  expect_policy("abc\x01" "defgh", "2019001", NULL, "不允许");
  expect_policy("abc\xff" "defgh", "2019001", NULL, "不允许");
  char longpw[PASSWORD_MAX_LEN + 2];
  memset(longpw, 'k', sizeof(longpw) - 1);
  longpw[sizeof(longpw) - 1] = '\0';
  expect_policy(longpw, "2019001", NULL, "不能超过");
}

static void test_idcard(void) {
  CHECK(idcard_valid("11010519491231002X"));
  CHECK(idcard_valid("11010519491231002x"));
  CHECK(idcard_valid("440304200108151231"));
  CHECK(idcard_valid("410702200102291237") == false); /* 2001-02-29 does not exist */
  CHECK(idcard_valid("41070220000229123X"));          /* 2000 was a leap year */
  CHECK(!idcard_valid("320106199913050010"));         /* month 13, right check digit */
  CHECK(!idcard_valid("110105194912310021"));         /* wrong check digit */
  CHECK(!idcard_valid("440304200108151232"));
  CHECK(!idcard_valid("44030420010815123"));  /* 17 chars */
  CHECK(!idcard_valid("4403042001081512311")); /* 19 chars */
  CHECK(!idcard_valid("44030420010815123A"));
  CHECK(!idcard_valid("4403042O0108151231")); /* letter O */
  CHECK(!idcard_valid(""));
  CHECK(!idcard_valid(NULL));
  char pw[7];
  CHECK(idcard_initial_password("11010519491231002X", pw));
  CHECK_STR(pw, "231002");
  CHECK(idcard_initial_password("440304200108151231", pw));
  CHECK_STR(pw, "815123");
  CHECK(!idcard_initial_password("110105194912310021", pw));
}

int main(void) {
  RUN(test_pbkdf2_vectors);
  RUN(test_hash_roundtrip);
  RUN(test_legacy_digests);
  RUN(test_crypt);
  RUN(test_bad_stored);
  RUN(test_policy);
  RUN(test_idcard);
  return test_done();
}
