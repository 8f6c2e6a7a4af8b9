/*
 * password.c — password hashing and checking (our PBKDF2 format and the old portal's formats),
 * the password policy, and the freshman's ID-card rules. Pure: no I/O besides libcrypt's
 * computation, no logging. Must never keep, print or compare a password or a hash in a way
 * whose timing depends on the secret bytes (crypto_equal_ct for every comparison).
 */
#include "core/identity/password.h"

#include <crypt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/crypto.h"
#include "core/common/text.h"

/* The embedded common-password list (core/identity/common_passwords.txt via bazel/embed.sh). */
extern const unsigned char identity_common_passwords[];
extern const size_t identity_common_passwords_len;

#define PBKDF2_PREFIX "pbkdf2-sha256$"
#define PBKDF2_SALT_LEN 16
#define PBKDF2_HASH_LEN 32
#define PBKDF2_MAX_ITERATIONS 100000000u /* beyond this a stored hash is corrupt, not strong */
#define LEGACY_SALT_MAX 64
#define DIGEST_MAX 20

/* ---- base64url (unpadded), the decoder to crypto_b64url_encode ---------------------------- */

static int b64url_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

/* Decodes n chars of unpadded base64url into out (cap bytes); the byte count, or -1. */
static long b64url_decode(const char *s, size_t n, uint8_t *out, size_t cap) {
  if (n % 4 == 1)
    return -1;
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = b64url_value(s[i]);
    if (v < 0)
      return -1;
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o >= cap)
        return -1;
      out[o++] = (uint8_t)(acc >> bits);
    }
  }
  /* Leftover bits must be zero (a canonical encoding). */
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
    return -1;
  return (long)o;
}

/* ---- our PBKDF2 format --------------------------------------------------------------------- */

typedef struct pbkdf2_parsed {
  unsigned iterations;
  uint8_t salt[64];
  size_t salt_len;
  uint8_t hash[64];
  size_t hash_len;
} pbkdf2_parsed_t;

static bool pbkdf2_parse(const char *stored, pbkdf2_parsed_t *p) {
  if (strncmp(stored, PBKDF2_PREFIX, sizeof(PBKDF2_PREFIX) - 1) != 0)
    return false;
  const char *s = stored + sizeof(PBKDF2_PREFIX) - 1;
  unsigned long it = 0;
  const char *q = s;
  while (*q >= '0' && *q <= '9' && q - s < 10)
    it = it * 10 + (unsigned long)(*q++ - '0');
  if (q == s || *q != '$' || *s == '0' || it == 0 || it > PBKDF2_MAX_ITERATIONS)
    return false;
  p->iterations = (unsigned)it;
  const char *salt = q + 1, *d = strchr(salt, '$');
  if (d == NULL || d == salt)
    return false;
  long sl = b64url_decode(salt, (size_t)(d - salt), p->salt, sizeof(p->salt));
  const char *hash = d + 1;
  long hl = b64url_decode(hash, strlen(hash), p->hash, sizeof(p->hash));
  if (sl < 8 || hl < 16)
    return false;
  p->salt_len = (size_t)sl;
  p->hash_len = (size_t)hl;
  return true;
}

const char *password_hash(arena_t *a, const char *pw, unsigned iterations) {
  uint8_t salt[PBKDF2_SALT_LEN], hash[PBKDF2_HASH_LEN];
  crypto_random(salt, sizeof(salt));
  if (!crypto_pbkdf2_sha256(pw, strlen(pw), salt, sizeof(salt), iterations, hash, sizeof(hash)))
    abort(); /* only for iterations == 0: a caller bug */
  char s64[CRYPTO_B64URL_LEN(PBKDF2_SALT_LEN) + 1], h64[CRYPTO_B64URL_LEN(PBKDF2_HASH_LEN) + 1];
  crypto_b64url_encode(salt, sizeof(salt), s64);
  crypto_b64url_encode(hash, sizeof(hash), h64);
  memset(hash, 0, sizeof(hash));
  return arena_printf(a, PBKDF2_PREFIX "%u$%s$%s", iterations, s64, h64);
}

/* ---- the old portal's formats ---------------------------------------------------------------- */

typedef enum { LEGACY_MD5, LEGACY_SHA1 } legacy_algo_t;

typedef struct legacy_parsed {
  legacy_algo_t algo;
  bool salt_after; /* md5s/sha1s: digest(pw + salt); md5/sha1: digest(salt + pw) */
  const char *salt;
  size_t salt_len;
  uint8_t digest[DIGEST_MAX];
  size_t digest_len;
} legacy_parsed_t;

static bool legacy_parse(const char *stored, legacy_parsed_t *p) {
  static const struct {
    const char *prefix;
    legacy_algo_t algo;
    bool salt_after;
    size_t len;
  } kinds[] = {
      {"md5:", LEGACY_MD5, false, CRYPTO_MD5_LEN},    {"md5s:", LEGACY_MD5, true, CRYPTO_MD5_LEN},
      {"sha1:", LEGACY_SHA1, false, CRYPTO_SHA1_LEN}, {"sha1s:", LEGACY_SHA1, true, CRYPTO_SHA1_LEN},
  };
  for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
    size_t pl = strlen(kinds[k].prefix);
    if (strncmp(stored, kinds[k].prefix, pl) != 0)
      continue;
    const char *rest = stored + pl, *dollar = strrchr(rest, '$');
    const char *hex = dollar ? dollar + 1 : rest;
    p->algo = kinds[k].algo;
    p->salt_after = kinds[k].salt_after;
    p->salt = dollar ? rest : "";
    p->salt_len = dollar ? (size_t)(dollar - rest) : 0;
    p->digest_len = kinds[k].len;
    /* The salted forms need a salt; the plain one has none (md5s without one is no format). */
    if (dollar != NULL && (p->salt_len == 0 || p->salt_len > LEGACY_SALT_MAX))
      return false;
    if (dollar == NULL && p->salt_after)
      return false;
    return crypto_hex_decode(hex, p->digest, p->digest_len);
  }
  return false;
}

static bool legacy_check(const legacy_parsed_t *p, const char *pw) {
  size_t pwl = strlen(pw), n = pwl + p->salt_len;
  char buf[PASSWORD_MAX_LEN + LEGACY_SALT_MAX + 1];
  if (pwl > PASSWORD_MAX_LEN)
    return false;
  if (p->salt_after) {
    memcpy(buf, pw, pwl);
    memcpy(buf + pwl, p->salt, p->salt_len);
  } else {
    memcpy(buf, p->salt, p->salt_len);
    memcpy(buf + p->salt_len, pw, pwl);
  }
  uint8_t d[DIGEST_MAX];
  if (p->algo == LEGACY_MD5)
    crypto_md5(buf, n, d);
  else
    crypto_sha1(buf, n, d);
  memset(buf, 0, sizeof(buf));
  return crypto_equal_ct(d, p->digest, p->digest_len);
}

/* crypt(3) strings: the prefixes libxcrypt verifies, checked for shape here so an import does
 * not need to run a (slow) hash per row just to know the string is usable. */
static bool crypt_charset(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '/'))
      return false;
  }
  return true;
}

static bool crypt_shape_valid(const char *stored) {
  size_t n = strlen(stored);
  /* LEGACY ($1$, few-round $5$) is still verified: these are the hashes we import to replace. */
  int cs = crypt_checksalt(stored);
  if (n > CRYPT_OUTPUT_SIZE - 1 || (cs != CRYPT_SALT_OK && cs != CRYPT_SALT_METHOD_LEGACY))
    return false;
  if (strncmp(stored, "$2b$", 4) == 0 || strncmp(stored, "$2a$", 4) == 0 ||
      strncmp(stored, "$2y$", 4) == 0)
    /* $2b$NN$ + 22 salt chars + 31 hash chars */
    return n == 60 && stored[4] >= '0' && stored[4] <= '3' && stored[5] >= '0' &&
           stored[5] <= '9' && stored[6] == '$' && crypt_charset(stored + 7, 53);
  const char *last = strrchr(stored, '$');
  size_t hash_len = strlen(last + 1);
  if (strncmp(stored, "$1$", 3) == 0)
    return hash_len == 22 && crypt_charset(last + 1, hash_len);
  if (strncmp(stored, "$5$", 3) == 0)
    return hash_len == 43 && crypt_charset(last + 1, hash_len);
  if (strncmp(stored, "$6$", 3) == 0)
    return hash_len == 86 && crypt_charset(last + 1, hash_len);
  if (strncmp(stored, "$y$", 3) == 0)
    return hash_len == 43 && crypt_charset(last + 1, hash_len);
  return false;
}

static bool crypt_check(const char *stored, const char *pw) {
  /* struct crypt_data is ~32 KiB: too big for the stacks of some worker threads. */
  struct crypt_data *cd = calloc(1, sizeof(*cd));
  if (cd == NULL)
    abort();
  const char *out = crypt_rn(pw, stored, cd, (int)sizeof(*cd));
  size_t n = strlen(stored);
  bool ok = out != NULL && strlen(out) == n && crypto_equal_ct(out, stored, n);
  explicit_bzero(cd, sizeof(*cd));
  free(cd);
  return ok;
}

/* ---- verification -------------------------------------------------------------------------- */

password_verdict_t password_verify(const char *stored, const char *pw, unsigned iterations) {
  if (stored == NULL || pw == NULL)
    return PASSWORD_BAD_STORED;
  pbkdf2_parsed_t p;
  if (pbkdf2_parse(stored, &p)) {
    if (strlen(pw) > PASSWORD_MAX_LEN) {
      password_dummy_verify(pw, p.iterations);
      return PASSWORD_MISMATCH;
    }
    uint8_t got[64];
    if (!crypto_pbkdf2_sha256(pw, strlen(pw), p.salt, p.salt_len, p.iterations, got, p.hash_len))
      return PASSWORD_BAD_STORED;
    bool eq = crypto_equal_ct(got, p.hash, p.hash_len);
    memset(got, 0, sizeof(got));
    if (!eq)
      return PASSWORD_MISMATCH;
    return p.iterations < iterations ? PASSWORD_MATCH_REHASH : PASSWORD_MATCH;
  }
  legacy_parsed_t l;
  if (legacy_parse(stored, &l))
    return legacy_check(&l, pw) ? PASSWORD_MATCH_REHASH : PASSWORD_MISMATCH;
  if (stored[0] == '$' && crypt_shape_valid(stored)) {
    if (strlen(pw) > PASSWORD_MAX_LEN)
      return PASSWORD_MISMATCH;
    return crypt_check(stored, pw) ? PASSWORD_MATCH_REHASH : PASSWORD_MISMATCH;
  }
  return PASSWORD_BAD_STORED;
}

void password_dummy_verify(const char *pw, unsigned iterations) {
  static const uint8_t salt[PBKDF2_SALT_LEN] = "ehall-dummy-salt";
  uint8_t out[PBKDF2_HASH_LEN];
  size_t n = strlen(pw);
  if (n > PASSWORD_MAX_LEN)
    n = PASSWORD_MAX_LEN;
  crypto_pbkdf2_sha256(pw, n, salt, sizeof(salt), iterations ? iterations : 1, out, sizeof(out));
  /* Keep the compiler from dropping the work whose only purpose is its duration. */
  volatile uint8_t sink = out[0];
  (void)sink;
}

bool password_stored_valid(const char *stored) {
  if (stored == NULL || *stored == '\0' || strlen(stored) > 512)
    return false;
  pbkdf2_parsed_t p;
  legacy_parsed_t l;
  return pbkdf2_parse(stored, &p) || legacy_parse(stored, &l) ||
         (stored[0] == '$' && crypt_shape_valid(stored));
}

/* ---- policy -------------------------------------------------------------------------------- */

static bool ascii_equal_nocase(const char *a, size_t an, const char *b, size_t bn) {
  if (an != bn)
    return false;
  for (size_t i = 0; i < an; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (x >= 'A' && x <= 'Z')
      x = (unsigned char)(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z')
      y = (unsigned char)(y - 'A' + 'a');
    if (x != y)
      return false;
  }
  return true;
}

static bool password_is_common(const char *pw) {
  size_t n = strlen(pw);
  const char *list = (const char *)identity_common_passwords;
  size_t len = identity_common_passwords_len, i = 0;
  while (i < len) {
    const char *nl = memchr(list + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - list) : len, ln = end - i;
    if (ln > 0 && list[i + ln - 1] == '\r')
      ln--;
    if (ascii_equal_nocase(list + i, ln, pw, n))
      return true;
    i = end + 1;
  }
  return false;
}

bool password_policy_check(const char *pw, const char *campus_id, const char *initial,
                           const char *field, eh_err_t *err) {
  size_t n = strlen(pw);
  if (n > PASSWORD_MAX_LEN)
    return eh_err_set(err, EH_INVALID, field, "密码不能超过 %d 个字节",
                      "the password must not exceed %d bytes", PASSWORD_MAX_LEN);
  long chars = 0;
  const unsigned char *s = (const unsigned char *)pw;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t l = text_utf8_next(s + i, n - i, &cp);
    if (l == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
      return eh_err_set(err, EH_INVALID, field, "密码含有不允许的字符",
                        "the password contains characters that are not allowed");
    i += l;
    chars++;
  }
  if (chars < PASSWORD_MIN_CHARS)
    return eh_err_set(err, EH_INVALID, field, "密码至少 %d 个字符",
                      "the password must have at least %d characters", PASSWORD_MIN_CHARS);
  if (campus_id != NULL && *campus_id != '\0' &&
      ascii_equal_nocase(pw, n, campus_id, strlen(campus_id)))
    return eh_err_set(err, EH_INVALID, field, "密码不能与学号（工号）相同",
                      "the password must not be the same as the campus id");
  if (initial != NULL && *initial != '\0' && strlen(initial) == n &&
      crypto_equal_ct(pw, initial, n))
    return eh_err_set(err, EH_INVALID, field, "密码不能与初始密码相同",
                      "the password must not be the initial password");
  if (password_is_common(pw))
    return eh_err_set(err, EH_INVALID, field, "密码过于常见，请换一个更难猜的密码",
                      "the password is too common; choose one that is harder to guess");
  return true;
}

/* ---- ID-card numbers (GB 11643-1999) --------------------------------------------------------- */

static bool leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool idcard_valid(const char *id) {
  static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static const char check[] = "10X98765432";
  if (id == NULL || strlen(id) != 18)
    return false;
  int sum = 0;
  for (int i = 0; i < 17; i++) {
    if (id[i] < '0' || id[i] > '9')
      return false;
    sum += (id[i] - '0') * weights[i];
  }
  char last = id[17] == 'x' ? 'X' : id[17];
  if (last != check[sum % 11] || id[0] == '0')
    return false;
  /* Characters 7–14: the birth date YYYYMMDD. */
  int y = 0, m = 0, d = 0;
  for (int i = 6; i < 10; i++)
    y = y * 10 + (id[i] - '0');
  m = (id[10] - '0') * 10 + (id[11] - '0');
  d = (id[12] - '0') * 10 + (id[13] - '0');
  static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1)
    return false;
  int max = mdays[m - 1] + (m == 2 && leap_year(y) ? 1 : 0);
  return d <= max;
}

bool idcard_initial_password(const char *id, char out[7]) {
  if (!idcard_valid(id))
    return false;
  memcpy(out, id + 11, 6);
  out[6] = '\0';
  return true;
}
