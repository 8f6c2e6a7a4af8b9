/*
 * idempotency_store.c — SQL of the idempotency_keys table (see idempotency_store.h). Binary
 * values travel as hex text (decode/encode in SQL) because statements take text parameters.
 *
 * Must never log a key, a scope or a stored answer.
 */
#include "core/store/idempotency_store.h"

#include <stdio.h>
#include <string.h>

#include "core/common/crypto.h"

/* A conflicting row is replaced when it expired, or when it is a stale pending claim of the
 * same request (its owner crashed or hung: see core/rpc/README.md). ON CONFLICT DO UPDATE locks
 * the row, so concurrent claims of one key serialize and exactly one gets a row back. */
static const char SQL_CLAIM[] =
    "INSERT INTO idempotency_keys AS k (scope, method, key, request_hash) "
    "VALUES ($1, $2, $3, decode($4, 'hex')) "
    "ON CONFLICT (scope, method, key) DO UPDATE "
    "SET request_hash = EXCLUDED.request_hash, state = 0, grpc_code = NULL, response = NULL, "
    "    created_at = now() "
    "WHERE k.created_at < now() - make_interval(secs => $6::double precision / 1000) "
    "   OR (k.state = 0 AND k.request_hash = EXCLUDED.request_hash "
    "       AND k.created_at < now() - make_interval(secs => $5::double precision / 1000)) "
    "RETURNING 1";

static const char SQL_LOOK[] =
    "SELECT state, request_hash = decode($4, 'hex'), grpc_code, encode(response, 'hex') "
    "FROM idempotency_keys WHERE scope = $1 AND method = $2 AND key = $3";

static const char SQL_COMPLETE[] =
    "UPDATE idempotency_keys SET state = 1, grpc_code = $4, response = decode($5, 'hex') "
    "WHERE scope = $1 AND method = $2 AND key = $3 AND state = 0";

static const char SQL_RELEASE[] =
    "DELETE FROM idempotency_keys WHERE scope = $1 AND method = $2 AND key = $3 AND state = 0";

/* Batches, oldest first; SKIP LOCKED so replicas sweeping at once never wait on each other or
 * on a claim in progress. */
static const char SQL_SWEEP[] =
    "DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY("
    "  SELECT ctid FROM idempotency_keys "
    "  WHERE created_at < now() - make_interval(secs => $1::double precision / 1000) "
    "  ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))";

/* A claim can race with a release (the row vanishes between INSERT and SELECT): try again. */
#define IDEM_CLAIM_TRIES 3

static char *idem__hex(arena_t *a, const uint8_t *data, size_t len) {
  char *out = arena_alloc(a, CRYPTO_HEX_LEN(len) + 1);
  crypto_hex_encode(data, len, out);
  return out;
}

bool store_idempotency_claim(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                             const char *scope, const char *method, const char *key,
                             const uint8_t hash[STORE_IDEMPOTENCY_HASH_LEN], int64_t stale_ms,
                             int64_t ttl_ms, store_idem_claim_t *out, eh_err_t *err) {
  memset(out, 0, sizeof(*out));
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  const char *hex = idem__hex(a, hash, STORE_IDEMPOTENCY_HASH_LEN);
  const char *stale = arena_printf(a, "%lld", (long long)stale_ms);
  const char *ttl = arena_printf(a, "%lld", (long long)ttl_ms);
  const char *params[] = {scope, method, key, hex, stale, ttl};
  bool ok = false;
  for (int i = 0; i < IDEM_CLAIM_TRIES; i++) {
    store_rows_t *r = store_pg_exec(a, conn, SQL_CLAIM, 6, params, err);
    if (r == NULL)
      break;
    if (store_rows_count(r) == 1) {
      out->state = STORE_IDEM_CLAIMED;
      ok = true;
      break;
    }
    r = store_pg_exec(a, conn, SQL_LOOK, 4, params, err);
    if (r == NULL)
      break;
    if (store_rows_count(r) == 0)
      continue; /* released meanwhile */
    bool same = strcmp(store_rows_get(r, 0, 1), "t") == 0;
    if (!same) {
      out->state = STORE_IDEM_MISMATCH;
    } else if (store_rows_int64(r, 0, 0) == 0) {
      out->state = STORE_IDEM_PENDING;
    } else {
      const char *resp = store_rows_get(r, 0, 3);
      size_t n = strlen(resp) / 2;
      out->state = STORE_IDEM_DONE;
      out->grpc_code = (int)store_rows_int64(r, 0, 2);
      out->response = arena_alloc(a, n + 1);
      out->response_len = n;
      if (!crypto_hex_decode(resp, out->response, n)) {
        eh_err_set(err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
        eh_err_detail(err, "stored idempotent answer is not hex");
        break;
      }
    }
    ok = true;
    break;
  }
  if (ok == false && eh_ok(err)) {
    eh_err_set(err, EH_CONFLICT, NULL, "相同的请求正在处理，请稍后",
               "the same request is in progress, retry later");
    eh_err_detail(err, "idempotency claim kept racing with releases");
  }
  store_pg_release(conn);
  return ok;
}

bool store_idempotency_complete(arena_t *a, store_pg_conn_t *conn, const char *scope,
                                const char *method, const char *key, int grpc_code,
                                const uint8_t *response, size_t response_len, eh_err_t *err) {
  const char *code = arena_printf(a, "%d", grpc_code);
  const char *params[] = {scope, method, key, code, idem__hex(a, response, response_len)};
  return store_pg_exec(a, conn, SQL_COMPLETE, 5, params, err) != NULL;
}

bool store_idempotency_complete_pool(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                     const char *scope, const char *method, const char *key,
                                     int grpc_code, const uint8_t *response, size_t response_len,
                                     eh_err_t *err) {
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  bool ok = store_idempotency_complete(a, conn, scope, method, key, grpc_code, response,
                                       response_len, err);
  store_pg_release(conn);
  return ok;
}

bool store_idempotency_release(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                               const char *scope, const char *method, const char *key,
                               eh_err_t *err) {
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  const char *params[] = {scope, method, key};
  bool ok = store_pg_exec(a, conn, SQL_RELEASE, 3, params, err) != NULL;
  store_pg_release(conn);
  return ok;
}

bool store_idempotency_sweep(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int64_t ttl_ms,
                             int batch, int *deleted, eh_err_t *err) {
  *deleted = 0;
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  const char *params[] = {arena_printf(a, "%lld", (long long)ttl_ms), arena_printf(a, "%d", batch)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_SWEEP, 2, params, err);
  if (r != NULL)
    *deleted = store_rows_affected(r);
  store_pg_release(conn);
  return r != NULL;
}
