/*
 * crypto_test.c — core/common/crypto against published vectors (FIPS 180-2, RFC 4231,
 * RFC 7914 §11) plus the properties tokens rely on. Never uses real secrets.
 */
#include "core/common/crypto.h"

#include <string.h>

#include "tests/unit/test.h"

static void test_sha256_abc(void) {
  char hex[65];
  crypto_sha256_hex("abc", 3, hex);
  CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  crypto_sha256_hex("", 0, hex);
  CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_hmac_rfc4231_case2(void) {
  uint8_t mac[32];
  char hex[65];
  const char *data = "what do ya want for nothing?";
  crypto_hmac_sha256("Jefe", 4, data, strlen(data), mac);
  crypto_hex_encode(mac, sizeof(mac), hex);
  CHECK_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_pbkdf2_rfc7914(void) {
  uint8_t dk[64];
  char hex[129];
  CHECK(crypto_pbkdf2_sha256("passwd", 6, "salt", 4, 1, dk, sizeof(dk)));
  crypto_hex_encode(dk, sizeof(dk), hex);
  CHECK_STR(hex, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                 "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
  uint8_t dk2[32];
  CHECK(crypto_pbkdf2_sha256("password", 8, "salt", 4, 4096, dk2, sizeof(dk2)));
  crypto_hex_encode(dk2, sizeof(dk2), hex);
  CHECK_STR(hex, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
  CHECK(!crypto_pbkdf2_sha256("p", 1, "s", 1, 0, dk2, sizeof(dk2)));
}

/* Against Python's hashlib.pbkdf2_hmac (OpenSSL): a key longer than SHA-256's block (hashed
 * first), an output of two blocks cut at 40 bytes, and the production iteration count. */
static void test_pbkdf2_hashlib(void) {
  char pw[101];
  memset(pw, 'a', 100);
  pw[100] = '\0';
  uint8_t dk[40];
  char hex[81];
  CHECK(crypto_pbkdf2_sha256(pw, 100, "NaCl-0123456789", 15, 1000, dk, sizeof(dk)));
  crypto_hex_encode(dk, sizeof(dk), hex);
  CHECK_STR(hex, "b1db1e6f2380409e29c8cd23ca80543d6acd8faa35670ff48f80fe3faba5ca7253dc21b97b0a1152");
  const char *utf8 = "密码Ehall@2026";
  uint8_t dk2[32];
  char hex2[65];
  CHECK(crypto_pbkdf2_sha256(utf8, strlen(utf8), "\x00\x01\x02", 3, 600000, dk2, sizeof(dk2)));
  crypto_hex_encode(dk2, sizeof(dk2), hex2);
  CHECK_STR(hex2, "5f1ab7ebce1aa0f92ab6f517f960b540ed4bd00abde9d45254ce4ac8b03f8d3b");
}

static void test_equal_ct(void) {
  CHECK(crypto_equal_ct("abcdef", "abcdef", 6));
  CHECK(!crypto_equal_ct("abcdef", "abcdeg", 6));
  CHECK(!crypto_equal_ct("xbcdef", "abcdef", 6));
  CHECK(crypto_equal_ct("a", "b", 0));
}

static void test_hex_and_b64url(void) {
  uint8_t raw[4] = {0xfb, 0xff, 0x01, 0x02}, back[4];
  char hex[9], b64[8];
  crypto_hex_encode(raw, 4, hex);
  CHECK_STR(hex, "fbff0102");
  CHECK(crypto_hex_decode("FBff0102", back, 4));
  CHECK(memcmp(raw, back, 4) == 0);
  CHECK(!crypto_hex_decode("fbff010", back, 4));
  CHECK(!crypto_hex_decode("fbff01zz", back, 4));
  crypto_b64url_encode(raw, 2, b64);
  CHECK_STR(b64, "-_8");
  crypto_b64url_encode(raw, 4, b64);
  CHECK_STR(b64, "-_8BAg");
  CHECK_INT(CRYPTO_B64URL_LEN(32), 43);
}

static void test_random_tokens_differ(void) {
  char t1[CRYPTO_B64URL_LEN(32) + 1], t2[CRYPTO_B64URL_LEN(32) + 1];
  crypto_random_token(t1, 32);
  crypto_random_token(t2, 32);
  CHECK_INT(strlen(t1), 43);
  CHECK(strcmp(t1, t2) != 0);
  for (const char *p = t1; *p; p++)
    CHECK((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
          *p == '-' || *p == '_');
  /* A large request crosses the DRBG's per-call limit and must still be filled. */
  static uint8_t big[5000];
  memset(big, 0, sizeof(big));
  crypto_random(big, sizeof(big));
  int zeros_tail = 0;
  for (size_t i = sizeof(big) - 64; i < sizeof(big); i++)
    zeros_tail += big[i] == 0;
  CHECK(zeros_tail < 64);
}

int main(void) {
  RUN(test_sha256_abc);
  RUN(test_hmac_rfc4231_case2);
  RUN(test_pbkdf2_rfc7914);
  RUN(test_pbkdf2_hashlib);
  RUN(test_equal_ct);
  RUN(test_hex_and_b64url);
  RUN(test_random_tokens_differ);
  return test_done();
}
