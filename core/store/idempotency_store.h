/*
 * idempotency_store.h — the idempotency_keys table: claim a key before a state-changing call,
 * record its answer after, drop the claim after a transient failure, sweep old rows.
 *
 * PostgreSQL decides (a row per (scope, method, key), claimed with INSERT … ON CONFLICT), so
 * two replicas never both run the first call of a key, unless a claim goes stale (see
 * core/rpc/README.md). Never logs a key or a scope (the scope holds the client's address).
 */
#ifndef EHALL_STORE_IDEMPOTENCY_STORE_H
#define EHALL_STORE_IDEMPOTENCY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"

#define STORE_IDEMPOTENCY_HASH_LEN 32 /* SHA-256 */

typedef enum {
  STORE_IDEM_CLAIMED,  /* the key is ours now (new, expired, or a stale pending claim taken over) */
  STORE_IDEM_DONE,     /* answered before for the same request: replay grpc_code + response */
  STORE_IDEM_MISMATCH, /* the key was used for a different request */
  STORE_IDEM_PENDING,  /* the same request is running elsewhere right now */
} store_idem_state_t;

typedef struct store_idem_claim {
  store_idem_state_t state;
  int grpc_code;     /* DONE */
  uint8_t *response; /* DONE; owned by the arena */
  size_t response_len;
} store_idem_claim_t;

/* Claims (scope, method, key) for a request whose SHA-256 is `hash`. A row older than ttl_ms
 * counts as absent; a pending row of the same request older than stale_ms is taken over. */
bool store_idempotency_claim(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                             const char *scope, const char *method, const char *key,
                             const uint8_t hash[STORE_IDEMPOTENCY_HASH_LEN], int64_t stale_ms,
                             int64_t ttl_ms, store_idem_claim_t *out, eh_err_t *err);

/* Records the answer of a claimed key (grpc_code 0 and the serialized reply, or an error code
 * and its serialized google.rpc.Status). Only a pending row changes, so recording twice keeps
 * the first answer. Takes a connection so a handler can call it inside its own store_pg_tx:
 * then the answer commits with the effect, and a crash cannot separate them (the later
 * recording by core/rpc is a no-op). */
bool store_idempotency_complete(arena_t *a, store_pg_conn_t *conn, const char *scope,
                                const char *method, const char *key, int grpc_code,
                                const uint8_t *response, size_t response_len, eh_err_t *err);

/* The same on a connection of its own (core/rpc, after the handler). */
bool store_idempotency_complete_pool(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                     const char *scope, const char *method, const char *key,
                                     int grpc_code, const uint8_t *response, size_t response_len,
                                     eh_err_t *err);

/* Drops a pending claim (after a transient failure) so the client can retry with the key. */
bool store_idempotency_release(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                               const char *scope, const char *method, const char *key,
                               eh_err_t *err);

/* Deletes up to `batch` rows older than ttl_ms (oldest first, skipping rows another session
 * holds locked). *deleted gets how many. */
bool store_idempotency_sweep(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int64_t ttl_ms,
                             int batch, int *deleted, eh_err_t *err);

#endif
