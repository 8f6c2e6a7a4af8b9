/*
 * recovery_rules.h — the pure part of email binding and password reset: what an acceptable
 * address is, masking for hints, the 6-digit code and the reset token's shape and hashes, and
 * every text the user sees (mails and messages, zh-CN with an English line).
 *
 * No I/O, no logging, no randomness of its own (callers pass random bytes in). Results are owned
 * by the arena given.
 */
#ifndef EHALL_IDENTITY_RECOVERY_RULES_H
#define EHALL_IDENTITY_RECOVERY_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/crypto.h"
#include "core/common/status.h"

#define RECOVERY_EMAIL_MAX 254 /* RFC 5321's path limit, less the angle brackets */
#define RECOVERY_CODE_LEN 6
#define RECOVERY_TOKEN_BYTES 32                                    /* a reset link's random part */
#define RECOVERY_TOKEN_LEN CRYPTO_B64URL_LEN(RECOVERY_TOKEN_BYTES) /* 43 characters */
#define RECOVERY_HASH_HEX_LEN CRYPTO_HEX_LEN(CRYPTO_SHA256_LEN)    /* 64 */

/* Trims blanks and lower-cases an address, then checks it: at most 254 bytes, ASCII, one '@',
 * a local part of 1–64 atext characters with dots only between them (RFC 5322 dot-atom), a
 * domain of at least two dot-separated labels (1–63 of a-z, 0-9, '-', not at a label's ends)
 * ending in a letter label. Outside providers (qq.com, 163.com) are as good as the campus's.
 * Wrong: INVALID on `field` ("请输入有效的邮箱地址"). *out owned by a. */
bool recovery_email_normalize(arena_t *a, const char *in, const char *field, const char **out,
                              eh_err_t *err);

/* True when a RequestPasswordReset login looks like an address (has an '@'), not a campus id. */
bool recovery_login_is_email(const char *login);

/* "2023****01" for ids of 8 or more characters (first 4, last 2); shorter ones keep the first
 * and last character ("a***z"); 1–2 characters give the first and "***". */
const char *recovery_campus_id_mask(arena_t *a, const char *campus_id);

/* A uniformly random 6-digit code from 32 random bits: false (draw again) for the top
 * 2^32 mod 10^6 values, which would bias the result. out: "000000"–"999999". */
bool recovery_code_from_random(uint32_t r, char out[RECOVERY_CODE_LEN + 1]);

/* True for exactly 6 ASCII digits. */
bool recovery_code_wellformed(const char *code);

/* The stored form of a code: hex HMAC-SHA256 keyed with the pepper (may be NULL or "") over
 * account id, address and code, so a code only matches the account and address it was sent for
 * and Redis never holds a code a reader could use. out: 65 chars. */
void recovery_code_hash(const char *pepper, int64_t account_id, const char *email, const char *code,
                        char out[RECOVERY_HASH_HEX_LEN + 1]);

/* True for a token of exactly RECOVERY_TOKEN_LEN base64url characters (what a link carries). */
bool recovery_token_wellformed(const char *token);

/* The stored form of a reset token: lower-case hex SHA-256. out: 65 chars. */
void recovery_token_hash(const char *token, char out[RECOVERY_HASH_HEX_LEN + 1]);

/* reset_url + "?token=" + token ("&token=" when reset_url already has a query). */
const char *recovery_reset_link(arena_t *a, const char *reset_url, const char *token);

/* The mails (plain UTF-8 text; both languages in one mail, Chinese first). */
void recovery_code_mail(arena_t *a, const char *code, long ttl_s, const char **subject,
                        const char **body);
void recovery_reset_mail(arena_t *a, const char *campus_id_hint, const char *link, long ttl_s,
                         const char **subject, const char **body);

/* States of a reset link, in the order of ehall.identity.v1.ResetTokenState. */
typedef enum {
  RECOVERY_LINK_VALID = 1,
  RECOVERY_LINK_USED = 2,
  RECOVERY_LINK_EXPIRED = 3,
  RECOVERY_LINK_INVALID = 4,
} recovery_link_state_t;

/* What the reset page says for a link in this state, in `language` ("en…" or zh-CN). */
const char *recovery_link_message(recovery_link_state_t state, const char *language);

/* Fills err for a link that cannot be used (USED, EXPIRED → FAILED_PRECONDITION; INVALID →
 * INVALID on field "token") with the same texts as recovery_link_message. */
bool recovery_link_error(recovery_link_state_t state, eh_err_t *err);

/* RequestPasswordReset's one answer, whatever happened. */
const char *recovery_reset_requested_message(const char *language);
/* ResetPassword's answer. */
const char *recovery_reset_done_message(const char *language);

/* Fills err for a wrong code with `left` tries remaining (0: the code is void now), or for no
 * pending code (left < 0). INVALID on field "code". */
bool recovery_code_error(int left, eh_err_t *err);

#endif
