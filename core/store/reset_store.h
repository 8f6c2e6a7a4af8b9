/*
 * reset_store.h — the storage of account recovery: password-reset links (PostgreSQL,
 * migrations/0006 password_resets) and email binding codes (Redis: they may be lost, a user
 * just asks for a new one).
 *
 * Only hashes are given here and stored: a reset token's SHA-256, a code's keyed hash. Never
 * logs a token, a code, a hash of either, or an address.
 */
#ifndef EHALL_STORE_RESET_STORE_H
#define EHALL_STORE_RESET_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"
#include "core/store/redis.h"

/* --- password-reset links (PostgreSQL) ------------------------------------------------------ */

typedef enum {
  STORE_RESET_UNKNOWN = 0, /* no such token */
  STORE_RESET_VALID,
  STORE_RESET_USED,
  STORE_RESET_EXPIRED,
} store_reset_state_t;

/* Records a new link (token_hash: lower-case hex SHA-256 of the token) valid ttl_s from now,
 * inside the caller's transaction. client_ip: a textual IP address, or NULL. */
bool store_reset_create_tx(arena_t *a, store_pg_conn_t *conn, const char *token_hash,
                           int64_t account_id, int ttl_s, const char *client_ip, eh_err_t *err);

/* The state of a link and, when it exists, its account id and campus id (owned by a). An
 * unknown hash is not an error: state STORE_RESET_UNKNOWN. Used wins over expired. */
bool store_reset_lookup(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                        const char *token_hash, store_reset_state_t *state, int64_t *account_id,
                        const char **campus_id, eh_err_t *err);

/* Consumes a link inside the caller's transaction, exactly once whatever runs concurrently (a
 * conditional UPDATE … WHERE used_at IS NULL AND expires_at > now() RETURNING): state VALID and
 * the account id when this call consumed it; otherwise USED, EXPIRED or UNKNOWN and nothing
 * changed. A consumed link also voids the account's other unused links. */
bool store_reset_consume_tx(arena_t *a, store_pg_conn_t *conn, const char *token_hash,
                            store_reset_state_t *state, int64_t *account_id, eh_err_t *err);

/* --- email binding codes (Redis) ----------------------------------------------------------- */

/* Keeps the one pending binding code of an account: its keyed hash (which covers the address
 * it was sent to) and `attempts` wrong tries allowed, for ttl_s. Replaces an earlier code. */
bool store_reset_code_put(arena_t *a, store_redis_pool_t *pool, int64_t account_id,
                          const char *code_hash, int attempts, int ttl_s, eh_err_t *err);

typedef enum {
  STORE_CODE_NONE = 0, /* no pending code (never sent, expired, used or voided) */
  STORE_CODE_MATCH,    /* right: the code is used up */
  STORE_CODE_WRONG,    /* wrong: *left tries remain (0: the code is now void) */
} store_code_verdict_t;

/* Checks a code's hash against the pending one, atomically (one Lua script): a match deletes
 * the code, a mismatch spends one try and deletes the code when none remain. */
bool store_reset_code_check(arena_t *a, store_redis_pool_t *pool, int64_t account_id,
                            const char *code_hash, store_code_verdict_t *verdict, int *left,
                            eh_err_t *err);

/* A once-per-window gate ("one code per minute"): *allowed true for the first caller with this
 * (what, account) in window_s; otherwise false and *retry_after_ms until the window ends.
 * `what` names the gate: "email_code", "reset_mail". */
bool store_reset_gate(arena_t *a, store_redis_pool_t *pool, const char *what, int64_t account_id,
                      int window_s, bool *allowed, int64_t *retry_after_ms, eh_err_t *err);
/* Opens the gate again (the guarded action failed before anything was sent). */
void store_reset_gate_clear(arena_t *a, store_redis_pool_t *pool, const char *what,
                            int64_t account_id);

#endif
