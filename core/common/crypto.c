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
#include <mbedtls/pkcs5.h>
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

bool crypto_pbkdf2_sha256(const void *pw, size_t pwlen, const void *salt, size_t saltlen,
                          unsigned iterations, uint8_t *out, size_t outlen) {
  if (iterations == 0 || outlen == 0)
    return false;
  mbedtls_md_context_t md;
  mbedtls_md_init(&md);
  int rc = mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1);
  if (rc == 0)
    rc =
        mbedtls_pkcs5_pbkdf2_hmac(&md, pw, pwlen, salt, saltlen, iterations, (uint32_t)outlen, out);
  mbedtls_md_free(&md); /* wipes the HMAC state keyed with the password */
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
