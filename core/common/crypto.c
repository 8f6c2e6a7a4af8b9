/*
 * crypto.c — the one file that includes mbedTLS (2.28 on Debian 12).
 * Must never log, copy into long-lived memory, or return early on secret-dependent data
 * (crypto_equal_ct); scratch buffers holding secrets are wiped before returning.
 */
#include "core/common/crypto.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/text.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/md5.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>

/* One generator for the process: tokens are not hot enough for per-thread generators to pay
 * for their set-up and teardown. */
static pthread_once_t crypto__once = PTHREAD_ONCE_INIT;
static pthread_mutex_t crypto__mu = PTHREAD_MUTEX_INITIALIZER;
static mbedtls_entropy_context crypto__entropy;
static mbedtls_ctr_drbg_context crypto__drbg;

static void crypto__fatal(const char *what, int rc) {
  fprintf(stderr, "ehall: crypto: %s failed (mbedtls %d)\n", what, rc);
  abort();
}

static void crypto__init(void) {
  static const char pers[] = "ehall-ctr-drbg";
  mbedtls_entropy_init(&crypto__entropy);
  mbedtls_ctr_drbg_init(&crypto__drbg);
  int rc = mbedtls_ctr_drbg_seed(&crypto__drbg, mbedtls_entropy_func, &crypto__entropy,
                                 (const unsigned char *)pers, sizeof(pers) - 1);
  if (rc != 0)
    crypto__fatal("ctr_drbg_seed", rc);
  /* Reseeds from the entropy source periodically on its own (every 10,000 requests). */
  mbedtls_ctr_drbg_set_prediction_resistance(&crypto__drbg, MBEDTLS_CTR_DRBG_PR_OFF);
}

void crypto_random(void *buf, size_t n) {
  pthread_once(&crypto__once, crypto__init);
  unsigned char *p = buf;
  pthread_mutex_lock(&crypto__mu);
  while (n > 0) {
    size_t chunk = n > MBEDTLS_CTR_DRBG_MAX_REQUEST ? MBEDTLS_CTR_DRBG_MAX_REQUEST : n;
    int rc = mbedtls_ctr_drbg_random(&crypto__drbg, p, chunk);
    if (rc != 0)
      crypto__fatal("ctr_drbg_random", rc);
    p += chunk;
    n -= chunk;
  }
  pthread_mutex_unlock(&crypto__mu);
}

void crypto_random_token(char *out, size_t nbytes) {
  unsigned char stackbuf[64];
  unsigned char *buf = nbytes <= sizeof(stackbuf) ? stackbuf : malloc(nbytes);
  if (buf == NULL)
    abort();
  crypto_random(buf, nbytes);
  crypto_b64url_encode(buf, nbytes, out);
  mbedtls_platform_zeroize(buf, nbytes);
  if (buf != stackbuf)
    free(buf);
}

void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN]) {
  int rc = mbedtls_sha256_ret(data, len, out, 0);
  if (rc != 0)
    crypto__fatal("sha256", rc);
}

void crypto_sha256_hex(const void *data, size_t len,
                       char out[CRYPTO_HEX_LEN(CRYPTO_SHA256_LEN) + 1]) {
  uint8_t d[CRYPTO_SHA256_LEN];
  crypto_sha256(data, len, d);
  crypto_hex_encode(d, sizeof(d), out);
}

void crypto_md5(const void *data, size_t len, uint8_t out[CRYPTO_MD5_LEN]) {
  int rc = mbedtls_md5_ret(data, len, out);
  if (rc != 0)
    crypto__fatal("md5", rc);
}

void crypto_sha1(const void *data, size_t len, uint8_t out[CRYPTO_SHA1_LEN]) {
  int rc = mbedtls_sha1_ret(data, len, out);
  if (rc != 0)
    crypto__fatal("sha1", rc);
}

void crypto_hmac_sha256(const void *key, size_t klen, const void *data, size_t len,
                        uint8_t out[CRYPTO_SHA256_LEN]) {
  int rc = mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, klen, data, len, out);
  if (rc != 0)
    crypto__fatal("hmac_sha256", rc);
}

/* PBKDF2-HMAC-SHA256 (RFC 8018) with the HMAC key's inner and outer SHA-256 states computed
 * once and cloned per iteration: two compressions per iteration instead of the four that
 * mbedtls_pkcs5_pbkdf2_hmac spends (it re-keys the HMAC every time), so a login costs half
 * the CPU at the same iteration count. Verified against RFC 7914's vectors and mbedTLS's own
 * function (tests/unit/core/common/crypto_test.c). */
bool crypto_pbkdf2_sha256(const void *pw, size_t pwlen, const void *salt, size_t saltlen,
                          unsigned iterations, uint8_t *out, size_t outlen) {
  if (iterations == 0 || outlen == 0)
    return false;
  unsigned char key[64] = {0}, pad[64];
  if (pwlen > sizeof(key)) {
    if (mbedtls_sha256_ret(pw, pwlen, key, 0) != 0)
      return false;
  } else if (pwlen > 0) {
    memcpy(key, pw, pwlen);
  }
  mbedtls_sha256_context ipad, opad, ctx;
  mbedtls_sha256_init(&ipad);
  mbedtls_sha256_init(&opad);
  mbedtls_sha256_init(&ctx);
  int rc = 0;
  for (size_t i = 0; i < 64; i++)
    pad[i] = key[i] ^ 0x36;
  rc |= mbedtls_sha256_starts_ret(&ipad, 0) | mbedtls_sha256_update_ret(&ipad, pad, 64);
  for (size_t i = 0; i < 64; i++)
    pad[i] = key[i] ^ 0x5c;
  rc |= mbedtls_sha256_starts_ret(&opad, 0) | mbedtls_sha256_update_ret(&opad, pad, 64);
  unsigned char u[CRYPTO_SHA256_LEN], t[CRYPTO_SHA256_LEN], be[4];
  for (uint32_t block = 1; rc == 0 && outlen > 0; block++) {
    be[0] = (unsigned char)(block >> 24);
    be[1] = (unsigned char)(block >> 16);
    be[2] = (unsigned char)(block >> 8);
    be[3] = (unsigned char)block;
    /* U1 = HMAC(key, salt || INT(block)) */
    mbedtls_sha256_clone(&ctx, &ipad);
    rc |= mbedtls_sha256_update_ret(&ctx, salt, saltlen) | mbedtls_sha256_update_ret(&ctx, be, 4) |
          mbedtls_sha256_finish_ret(&ctx, u);
    mbedtls_sha256_clone(&ctx, &opad);
    rc |= mbedtls_sha256_update_ret(&ctx, u, sizeof(u)) | mbedtls_sha256_finish_ret(&ctx, u);
    memcpy(t, u, sizeof(t));
    /* Uj = HMAC(key, Uj-1); T = U1 ^ U2 ^ … */
    for (unsigned j = 1; j < iterations && rc == 0; j++) {
      mbedtls_sha256_clone(&ctx, &ipad);
      rc |= mbedtls_sha256_update_ret(&ctx, u, sizeof(u)) | mbedtls_sha256_finish_ret(&ctx, u);
      mbedtls_sha256_clone(&ctx, &opad);
      rc |= mbedtls_sha256_update_ret(&ctx, u, sizeof(u)) | mbedtls_sha256_finish_ret(&ctx, u);
      for (size_t k = 0; k < sizeof(t); k++)
        t[k] ^= u[k];
    }
    size_t n = outlen < sizeof(t) ? outlen : sizeof(t);
    memcpy(out, t, n);
    out += n;
    outlen -= n;
  }
  /* Everything here was keyed with the password. */
  mbedtls_sha256_free(&ipad);
  mbedtls_sha256_free(&opad);
  mbedtls_sha256_free(&ctx);
  mbedtls_platform_zeroize(key, sizeof(key));
  mbedtls_platform_zeroize(pad, sizeof(pad));
  mbedtls_platform_zeroize(u, sizeof(u));
  mbedtls_platform_zeroize(t, sizeof(t));
  return rc == 0;
}

bool crypto_equal_ct(const void *a, const void *b, size_t n) {
  const volatile unsigned char *x = a, *y = b;
  unsigned char diff = 0;
  for (size_t i = 0; i < n; i++)
    diff |= x[i] ^ y[i];
  return diff == 0;
}

void crypto_hex_encode(const void *data, size_t len, char *out) {
  static const char digits[] = "0123456789abcdef";
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  out[2 * len] = '\0';
}

bool crypto_hex_decode(const char *hex, uint8_t *out, size_t outlen) {
  if (strlen(hex) != 2 * outlen)
    return false;
  for (size_t i = 0; i < outlen; i++) {
    int hi = text_hex_value(hex[2 * i]), lo = text_hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return true;
}

void crypto_b64url_encode(const void *data, size_t len, char *out) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const unsigned char *p = data;
  size_t o = 0, i = 0;
  for (; i + 3 <= len; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    out[o++] = tbl[v >> 18 & 63];
    out[o++] = tbl[v >> 12 & 63];
    out[o++] = tbl[v >> 6 & 63];
    out[o++] = tbl[v & 63];
  }
  if (len - i == 1) {
    uint32_t v = (uint32_t)p[i] << 16;
    out[o++] = tbl[v >> 18 & 63];
    out[o++] = tbl[v >> 12 & 63];
  } else if (len - i == 2) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
    out[o++] = tbl[v >> 18 & 63];
    out[o++] = tbl[v >> 12 & 63];
    out[o++] = tbl[v >> 6 & 63];
  }
  out[o] = '\0';
}
