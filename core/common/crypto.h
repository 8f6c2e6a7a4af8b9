/*
 * crypto.h — the few primitives ehall needs, over mbedTLS: random bytes and tokens, SHA-256,
 * HMAC-SHA256, PBKDF2-HMAC-SHA256, constant-time comparison, hex and base64url encoding.
 *
 * crypto.c is the only file that includes mbedTLS; callers see plain byte buffers. Nothing here
 * logs, and nothing here may ever log or keep what it is given (passwords, tokens, keys).
 * Every function is thread-safe.
 */
#ifndef EHALL_COMMON_CRYPTO_H
#define EHALL_COMMON_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA256_LEN 32
/* Characters (without the NUL) of n bytes in hex and in unpadded base64url. */
#define CRYPTO_HEX_LEN(n) ((n)*2)
#define CRYPTO_B64URL_LEN(n) (((n)*4 + 2) / 3)

/* Fills buf with n bytes from a CTR_DRBG seeded from the system's entropy (one generator,
 * seeded once per process, guarded by a mutex). A broken entropy source aborts the process:
 * there is no safe fallback for a token generator. */
void crypto_random(void *buf, size_t n);

/* A fresh random token of `nbytes` random bytes (≥ 16 for session tokens), written as unpadded
 * base64url into out, which must hold CRYPTO_B64URL_LEN(nbytes) + 1 chars. */
void crypto_random_token(char *out, size_t nbytes);

void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN]);
/* Lower-case hex of the SHA-256; out must hold 65 chars. */
void crypto_sha256_hex(const void *data, size_t len,
                       char out[CRYPTO_HEX_LEN(CRYPTO_SHA256_LEN) + 1]);

/* MD5 and SHA-1: only to verify the old portal's imported password hashes (password.c). */
#define CRYPTO_MD5_LEN 16
#define CRYPTO_SHA1_LEN 20
void crypto_md5(const void *data, size_t len, uint8_t out[CRYPTO_MD5_LEN]);
void crypto_sha1(const void *data, size_t len, uint8_t out[CRYPTO_SHA1_LEN]);

void crypto_hmac_sha256(const void *key, size_t klen, const void *data, size_t len,
                        uint8_t out[CRYPTO_SHA256_LEN]);

/* PBKDF2-HMAC-SHA256 into out[outlen]. False only if mbedTLS refuses (bad arguments). */
bool crypto_pbkdf2_sha256(const void *pw, size_t pwlen, const void *salt, size_t saltlen,
                          unsigned iterations, uint8_t *out, size_t outlen);

/* True if a[0..n) equals b[0..n); the time taken depends only on n. */
bool crypto_equal_ct(const void *a, const void *b, size_t n);

/* Lower-case hex of data into out (CRYPTO_HEX_LEN(len) + 1 chars, NUL-terminated). */
void crypto_hex_encode(const void *data, size_t len, char *out);
/* Decodes exactly 2*outlen hex chars (either case) from hex; false if hex is not that. */
bool crypto_hex_decode(const char *hex, uint8_t *out, size_t outlen);
/* Unpadded base64url (RFC 4648 §5) into out (CRYPTO_B64URL_LEN(len) + 1 chars). */
void crypto_b64url_encode(const void *data, size_t len, char *out);

#endif
