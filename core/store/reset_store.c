/*
 * reset_store.c — SQL of password_resets and the Redis keys of email binding codes (see
 * reset_store.h). Keys:
 *   ehall:email_code:<account id>        hash {h: code hash, n: tries left}, EX email.code_ttl_s
 *   ehall:gate:<what>:<account id>       "1", EX window (SET NX)
 * Never logs a token, a code, their hashes or an address.
 */
#include "core/store/reset_store.h"

#include <string.h>

static const char SQL_RESET_CREATE[] =
    "INSERT INTO password_resets (token_hash, account_id, expires_at, requested_ip)"
    " VALUES ($1, $2::bigint, now() + make_interval(secs => $3::int), $4::inet)";

static const char SQL_RESET_LOOKUP[] =
    "SELECT r.account_id, r.used_at IS NOT NULL, r.expires_at <= now(), a.campus_id"
    " FROM password_resets r JOIN accounts a ON a.id = r.account_id WHERE r.token_hash = $1";

/* The one statement that decides a link is used: concurrent consumers of the same token
 * serialise on the row, and the loser sees used_at set and gets no row back. */
static const char SQL_RESET_CONSUME[] =
    "UPDATE password_resets SET used_at = now()"
    " WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING account_id";

static const char SQL_RESET_STATE[] =
    "SELECT used_at IS NOT NULL, expires_at <= now() FROM password_resets WHERE token_hash = $1";

/* A new password voids every other link that was sent for the old one. */
static const char SQL_RESET_VOID_OTHERS[] =
    "UPDATE password_resets SET used_at = now()"
    " WHERE account_id = $1::bigint AND used_at IS NULL AND token_hash <> $2";

/* Compares and spends a try in one step, so parallel guesses cannot exceed the tries. */
static const char LUA_CODE_CHECK[] =
    "local v = redis.call('HMGET', KEYS[1], 'h', 'n')\n"
    "if not v[1] then return {0, 0} end\n"
    "if v[1] == ARGV[1] then redis.call('DEL', KEYS[1]) return {1, 0} end\n"
    "local n = redis.call('HINCRBY', KEYS[1], 'n', -1)\n"
    "if n <= 0 then redis.call('DEL', KEYS[1]) n = 0 end\n"
    "return {2, n}\n";

static store_reset_state_t reset__state(const char *used, const char *expired) {
  if (strcmp(used, "t") == 0)
    return STORE_RESET_USED;
  if (strcmp(expired, "t") == 0)
    return STORE_RESET_EXPIRED;
  return STORE_RESET_VALID;
}

bool store_reset_create_tx(arena_t *a, store_pg_conn_t *conn, const char *token_hash,
                           int64_t account_id, int ttl_s, const char *client_ip, eh_err_t *err) {
  const char *params[] = {token_hash, arena_printf(a, "%lld", (long long)account_id),
                          arena_printf(a, "%d", ttl_s), client_ip};
  return store_pg_exec(a, conn, SQL_RESET_CREATE, 4, params, err) != NULL;
}

bool store_reset_lookup(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                        const char *token_hash, store_reset_state_t *state, int64_t *account_id,
                        const char **campus_id, eh_err_t *err) {
  *state = STORE_RESET_UNKNOWN;
  *account_id = 0;
  *campus_id = "";
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  const char *params[] = {token_hash};
  store_rows_t *r = store_pg_exec(a, conn, SQL_RESET_LOOKUP, 1, params, err);
  store_pg_release(conn);
  if (r == NULL)
    return false;
  if (store_rows_count(r) == 1) {
    *account_id = store_rows_int64(r, 0, 0);
    *state = reset__state(store_rows_get(r, 0, 1), store_rows_get(r, 0, 2));
    *campus_id = store_rows_get(r, 0, 3);
  }
  return true;
}

bool store_reset_consume_tx(arena_t *a, store_pg_conn_t *conn, const char *token_hash,
                            store_reset_state_t *state, int64_t *account_id, eh_err_t *err) {
  *state = STORE_RESET_UNKNOWN;
  *account_id = 0;
  const char *params[] = {token_hash};
  store_rows_t *r = store_pg_exec(a, conn, SQL_RESET_CONSUME, 1, params, err);
  if (r == NULL)
    return false;
  if (store_rows_count(r) == 1) {
    *state = STORE_RESET_VALID;
    *account_id = store_rows_int64(r, 0, 0);
    const char *vp[] = {arena_printf(a, "%lld", (long long)*account_id), token_hash};
    return store_pg_exec(a, conn, SQL_RESET_VOID_OTHERS, 2, vp, err) != NULL;
  }
  r = store_pg_exec(a, conn, SQL_RESET_STATE, 1, params, err);
  if (r == NULL)
    return false;
  if (store_rows_count(r) == 1) {
    *state = reset__state(store_rows_get(r, 0, 0), store_rows_get(r, 0, 1));
    /* The UPDATE and this SELECT share the transaction's now(), so the state read here is why
     * the UPDATE matched nothing. VALID cannot happen; were it ever to, the answer is "used",
     * never a second success. */
    if (*state == STORE_RESET_VALID)
      *state = STORE_RESET_USED;
  }
  return true;
}

/* --- Redis ---------------------------------------------------------------------------------- */

static const char *reset__code_key(arena_t *a, int64_t account_id) {
  return arena_printf(a, "ehall:email_code:%lld", (long long)account_id);
}

static const char *reset__gate_key(arena_t *a, const char *what, int64_t account_id) {
  return arena_printf(a, "ehall:gate:%s:%lld", what, (long long)account_id);
}

bool store_reset_code_put(arena_t *a, store_redis_pool_t *pool, int64_t account_id,
                          const char *code_hash, int attempts, int ttl_s, eh_err_t *err) {
  const char *key = reset__code_key(a, account_id);
  /* One script, so the three steps are atomic; DEL first so a new code never inherits the old
   * one's spent tries. */
  static const char lua[] = "redis.call('DEL', KEYS[1])\n"
                            "redis.call('HSET', KEYS[1], 'h', ARGV[1], 'n', ARGV[2])\n"
                            "redis.call('EXPIRE', KEYS[1], ARGV[3])\n"
                            "return 1\n";
  static store_redis_script_t script = STORE_REDIS_SCRIPT(lua);
  const char *args[] = {key, code_hash, arena_printf(a, "%d", attempts),
                        arena_printf(a, "%d", ttl_s)};
  return store_redis_eval(a, pool, &script, 1, 4, args, err) != NULL;
}

bool store_reset_code_check(arena_t *a, store_redis_pool_t *pool, int64_t account_id,
                            const char *code_hash, store_code_verdict_t *verdict, int *left,
                            eh_err_t *err) {
  *verdict = STORE_CODE_NONE;
  *left = 0;
  static store_redis_script_t script = STORE_REDIS_SCRIPT(LUA_CODE_CHECK);
  const char *args[] = {reset__code_key(a, account_id), code_hash};
  store_redis_reply_t *r = store_redis_eval(a, pool, &script, 1, 2, args, err);
  if (r == NULL)
    return false;
  if (store_redis_reply_type(r) != STORE_REDIS_ARRAY || store_redis_reply_len(r) != 2) {
    eh_err_set(err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
    eh_err_detail(err, "email code script gave an odd reply");
    return false;
  }
  long long v = store_redis_reply_int(store_redis_reply_at(r, 0));
  long long n = store_redis_reply_int(store_redis_reply_at(r, 1));
  *verdict = v == 1 ? STORE_CODE_MATCH : v == 2 ? STORE_CODE_WRONG : STORE_CODE_NONE;
  *left = (int)n;
  return true;
}

bool store_reset_gate(arena_t *a, store_redis_pool_t *pool, const char *what, int64_t account_id,
                      int window_s, bool *allowed, int64_t *retry_after_ms, eh_err_t *err) {
  *allowed = false;
  *retry_after_ms = 0;
  const char *key = reset__gate_key(a, what, account_id);
  const char *argv[] = {"SET", key, "1", "NX", "EX", arena_printf(a, "%d", window_s)};
  store_redis_reply_t *r = store_redis_cmd(a, pool, 6, argv, NULL, err);
  if (r == NULL)
    return false;
  if (store_redis_reply_type(r) != STORE_REDIS_NIL) {
    *allowed = true;
    return true;
  }
  const char *pargv[] = {"PTTL", key};
  r = store_redis_cmd(a, pool, 2, pargv, NULL, err);
  if (r == NULL)
    return false;
  long long ms = store_redis_reply_int(r);
  /* -2: expired between the two commands; -1 cannot happen (SET gave EX). Either way a short
   * wait is the honest answer. */
  *retry_after_ms = ms > 0 ? ms : 1000;
  return true;
}

void store_reset_gate_clear(arena_t *a, store_redis_pool_t *pool, const char *what,
                            int64_t account_id) {
  eh_err_t e = EH_ERR_INIT;
  const char *argv[] = {"DEL", reset__gate_key(a, what, account_id)};
  (void)store_redis_cmd(a, pool, 2, argv, NULL, &e);
}
