/*
 * password.h — the pure rules of passwords: our PBKDF2 format, the old portal's hash formats,
 * the policy, the freshman's initial password from the ID-card number. No I/O, no logging;
 * every byte of a password stays in memory the caller owns.
 *
 * Stored format of our hashes: "pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>"
 * (16-byte salt, 32-byte hash). Legacy formats as imported (see ImportAccountsRequest.csv):
 * "md5:HEX", "md5:SALT$HEX" (md5(SALT+pw)), "md5s:SALT$HEX" (md5(pw+SALT)), the same with
 * sha1 / sha1s, and crypt(3) strings ("$1$", "$5$", "$6$", "$y$", "$2b$") verified by libcrypt.
 */
#ifndef EHALL_IDENTITY_PASSWORD_H
#define EHALL_IDENTITY_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"
#include "core/common/status.h"

#define PASSWORD_MAX_LEN 128 /* bytes; longer input is refused before any hashing */
#define PASSWORD_MIN_CHARS 8 /* code points */

/* A new PBKDF2 hash of pw in the stored format (random salt). Owned by a. Slow: run it on the
 * hash pool (hashpool.h), never on a gRPC worker. */
const char *password_hash(arena_t *a, const char *pw, unsigned iterations);

typedef enum {
  PASSWORD_MISMATCH = 0,
  PASSWORD_MATCH,         /* and the stored hash is current */
  PASSWORD_MATCH_REHASH,  /* legacy format or fewer iterations: store password_hash(pw) now */
  PASSWORD_BAD_STORED,    /* the stored string is in no known format (counts as mismatch) */
} password_verdict_t;

/* Checks pw against a stored hash in constant time for its format. `iterations` is the
 * current setting (a PBKDF2 hash with fewer asks for a rehash). Slow for PBKDF2. */
password_verdict_t password_verify(const char *stored, const char *pw, unsigned iterations);

/* Burns the same time as verifying against a PBKDF2 hash of `iterations`, for unknown
 * accounts (no timing difference between "no such account" and "wrong password"). */
void password_dummy_verify(const char *pw, unsigned iterations);

/* True if `stored` parses as a hash this module can verify (import checks every row). */
bool password_stored_valid(const char *stored);

/* The policy for a new password, with Chinese and English messages on field `field`:
 * 8–128 characters (code points; valid UTF-8, no control characters), not the campus id, not
 * `initial` (the initial password when known, may be NULL), not on the common-password list
 * (core/identity/common_passwords.txt, compared case-insensitively). */
bool password_policy_check(const char *pw, const char *campus_id, const char *initial,
                           const char *field, eh_err_t *err);

/* True for an 18-character mainland ID-card number with a correct ISO 7064 MOD 11-2 check
 * digit (last character 0–9 or X/x) and a plausible birth date. */
bool idcard_valid(const char *id);

/* The freshman's initial password: characters 12–17 (1-based) of a valid ID-card number, into
 * out[7]. False if the number is not valid. */
bool idcard_initial_password(const char *id, char out[7]);

#endif
