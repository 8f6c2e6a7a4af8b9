/*
 * app_store.h — the credentials of outside clients: third-party apps in PostgreSQL
 * (migrations/0007) with their tokens in Redis, and the WeChat mini-program's bind tickets in
 * Redis.
 *
 * Redis keys (hashes of tokens only, never a token itself):
 *   ehall:app:tok:<sha256 hex of token>  hash {c: client id, s: scopes, i: allowed nets}, TTL
 *   ehall:app:toks:<client id>           sorted set of the app's token hashes, scored by expiry
 *   ehall:app:revoked:<client id>        set by a revocation, so a token issued in a race dies too
 *   ehall:wx:bind:<sha256 hex of ticket> the openid waiting to be bound, TTL 10 minutes
 * Never logs a token, a secret, a ticket or an openid.
 */
#ifndef EHALL_STORE_APP_STORE_H
#define EHALL_STORE_APP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"
#include "core/store/redis.h"

typedef struct store_app {
  int64_t id;
  const char *client_id;
  const char *name;
  const char **scopes;
  size_t n_scopes;
  const char **allowed_ips; /* PostgreSQL cidr text ("10.0.0.0/8"); none: any address */
  size_t n_allowed_ips;
  const char *secret_hash; /* SHA-256 hex of the client secret */
  const char *created_by;
  int64_t create_unix_us;
  int64_t revoke_unix_us; /* 0 while not revoked */
} store_app_t;

/* Inserts app (client_id, name, scopes, allowed_ips, secret_hash, created_by) and fills
 * out (a copy with id and create time). ALREADY_EXISTS on a client id clash. */
bool store_app_insert_tx(arena_t *a, store_pg_conn_t *conn, const store_app_t *app,
                         store_app_t *out, eh_err_t *err);

/* NOT_FOUND when there is no such app. */
bool store_app_by_client_id(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                            const char *client_id, store_app_t *out, eh_err_t *err);

/* Newest first; before_id 0: from the newest. *out (n rows) owned by a. */
bool store_app_list(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int64_t before_id,
                    int limit, store_app_t **out, size_t *n, eh_err_t *err);

/* Sets revoked_at (once); *newly says whether this call revoked it. NOT_FOUND if unknown. */
bool store_app_revoke_tx(arena_t *a, store_pg_conn_t *conn, const char *client_id, store_app_t *out,
                         bool *newly, eh_err_t *err);

/* Stores a token of app for ttl_s seconds. CONFLICT when the app was revoked meanwhile. */
bool store_app_token_put(arena_t *a, store_redis_pool_t *redis, const char *token_hash,
                         const store_app_t *app, int64_t ttl_s, eh_err_t *err);

/* A live token, in one round trip: *found false when unknown or expired (not an error). */
typedef struct store_app_token {
  const char *client_id;
  const char **scopes;
  size_t n_scopes;
  const char **allowed_ips;
  size_t n_allowed_ips;
} store_app_token_t;
bool store_app_token_get(arena_t *a, store_redis_pool_t *redis, const char *token_hash,
                         store_app_token_t *out, bool *found, eh_err_t *err);

/* Deletes every token of the app at once and refuses new ones for marker_ttl_s. *ended may
 * be NULL. */
bool store_app_tokens_revoke(arena_t *a, store_redis_pool_t *redis, const char *client_id,
                             int64_t marker_ttl_s, int *ended, eh_err_t *err);

/* WeChat bind tickets. put: stores openid for ttl_s; peek: *openid NULL when unknown or
 * expired; take: the same, deleting it (single use: of two takers only one gets it). */
bool store_wechat_ticket_put(arena_t *a, store_redis_pool_t *redis, const char *ticket_hash,
                             const char *openid, int64_t ttl_s, eh_err_t *err);
bool store_wechat_ticket_peek(arena_t *a, store_redis_pool_t *redis, const char *ticket_hash,
                              const char **openid, eh_err_t *err);
bool store_wechat_ticket_take(arena_t *a, store_redis_pool_t *redis, const char *ticket_hash,
                              const char **openid, eh_err_t *err);

#endif
