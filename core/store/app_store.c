/*
 * app_store.c — SQL and Redis of outside clients: third-party apps (migrations/0007) and their
 * tokens, WeChat bind tickets. Keys are listed in app_store.h. Arrays travel as space-joined
 * text (scope names and cidr text never hold a space). Never logs a token, secret, ticket or
 * openid.
 */
#include "core/store/app_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define APP_COLS                                                                                   \
  "id, client_id, name, array_to_string(scopes, ' '),"                                             \
  " array_to_string(allowed_ips::text[], ' '), secret_hash, created_by,"                           \
  " (extract(epoch FROM created_at) * 1000000)::bigint,"                                           \
  " coalesce((extract(epoch FROM revoked_at) * 1000000)::bigint, 0)"

static const char SQL_APP_INSERT[] =
    "INSERT INTO apps (client_id, name, scopes, allowed_ips, secret_hash, created_by)"
    " VALUES ($1, $2, string_to_array($3, ' '), string_to_array($4, ' ')::cidr[], $5, $6)"
    " RETURNING " APP_COLS;

static const char SQL_APP_BY_CLIENT_ID[] = "SELECT " APP_COLS " FROM apps WHERE client_id = $1";

static const char SQL_APP_LIST[] = "SELECT " APP_COLS " FROM apps"
                                   " WHERE ($1::bigint = 0 OR id < $1::bigint)"
                                   " ORDER BY id DESC LIMIT $2::int";

static const char SQL_APP_REVOKE[] = "UPDATE apps SET revoked_at = now()"
                                     " WHERE client_id = $1 AND revoked_at IS NULL"
                                     " RETURNING " APP_COLS;

/* Stores a token unless the app was revoked meanwhile; prunes expired hashes from the app's
 * set. KEYS: token, app set, revoked marker. ARGV: ttl, client id, scopes, nets, token hash,
 * expiry (unix s), now (unix s). */
static const char LUA_TOKEN_PUT[] =
    "if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end\n"
    "redis.call('HSET', KEYS[1], 'c', ARGV[2], 's', ARGV[3], 'i', ARGV[4])\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[1])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[7])\n"
    "redis.call('ZADD', KEYS[2], ARGV[6], ARGV[5])\n"
    "redis.call('EXPIRE', KEYS[2], ARGV[1])\n"
    "return 1\n";

/* KEYS: app set, revoked marker. ARGV: marker ttl, token key prefix. */
static const char LUA_TOKENS_REVOKE[] =
    "redis.call('SET', KEYS[2], '1', 'EX', ARGV[1])\n"
    "local m = redis.call('ZRANGE', KEYS[1], 0, -1)\n"
    "for _, h in ipairs(m) do redis.call('DEL', ARGV[2] .. h) end\n"
    "redis.call('DEL', KEYS[1])\n"
    "return #m\n";

#define APP_TOKEN_KEY "ehall:app:tok:"

/* Splits space-joined words into an array owned by a. */
static const char **app__split(arena_t *a, const char *s, size_t *n) {
  size_t cap = 1;
  for (const char *p = s; *p; p++)
    if (*p == ' ')
      cap++;
  const char **v = arena_alloc(a, sizeof(char *) * cap);
  *n = 0;
  const char *p = s;
  while (*p) {
    const char *e = strchr(p, ' ');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len > 0)
      v[(*n)++] = arena_strndup(a, p, len);
    p += len;
    if (*p == ' ')
      p++;
  }
  return v;
}

static const char *app__join(arena_t *a, const char *const *v, size_t n) {
  size_t len = 1;
  for (size_t i = 0; i < n; i++)
    len += strlen(v[i]) + 1;
  char *s = arena_alloc(a, len), *p = s;
  for (size_t i = 0; i < n; i++) {
    if (i)
      *p++ = ' ';
    size_t l = strlen(v[i]);
    memcpy(p, v[i], l);
    p += l;
  }
  *p = '\0';
  return s;
}

static void app__row(arena_t *a, const store_rows_t *r, int i, store_app_t *out) {
  out->id = store_rows_int64(r, i, 0);
  out->client_id = store_rows_get(r, i, 1);
  out->name = store_rows_get(r, i, 2);
  out->scopes = app__split(a, store_rows_get(r, i, 3), &out->n_scopes);
  out->allowed_ips = app__split(a, store_rows_get(r, i, 4), &out->n_allowed_ips);
  out->secret_hash = store_rows_get(r, i, 5);
  out->created_by = store_rows_get(r, i, 6);
  out->create_unix_us = store_rows_int64(r, i, 7);
  out->revoke_unix_us = store_rows_int64(r, i, 8);
}

static bool app__not_found(eh_err_t *err) {
  return eh_err_set(err, EH_NOT_FOUND, NULL, "应用不存在", "no such app");
}

bool store_app_insert_tx(arena_t *a, store_pg_conn_t *conn, const store_app_t *app,
                         store_app_t *out, eh_err_t *err) {
  const char *p[] = {app->client_id,
                     app->name,
                     app__join(a, app->scopes, app->n_scopes),
                     app__join(a, app->allowed_ips, app->n_allowed_ips),
                     app->secret_hash,
                     app->created_by};
  store_rows_t *r = store_pg_exec(a, conn, SQL_APP_INSERT, 6, p, err);
  if (r == NULL)
    return false;
  app__row(a, r, 0, out);
  return true;
}

bool store_app_by_client_id(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                            const char *client_id, store_app_t *out, eh_err_t *err) {
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  const char *p[] = {client_id};
  store_rows_t *r = store_pg_exec(a, conn, SQL_APP_BY_CLIENT_ID, 1, p, err);
  store_pg_release(conn);
  if (r == NULL)
    return false;
  if (store_rows_count(r) == 0)
    return app__not_found(err);
  app__row(a, r, 0, out);
  return true;
}

bool store_app_list(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int64_t before_id,
                    int limit, store_app_t **out, size_t *n, eh_err_t *err) {
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  char before[24], lim[16];
  snprintf(before, sizeof(before), "%" PRId64, before_id);
  snprintf(lim, sizeof(lim), "%d", limit);
  const char *p[] = {before, lim};
  store_rows_t *r = store_pg_exec(a, conn, SQL_APP_LIST, 2, p, err);
  store_pg_release(conn);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_zalloc(a, sizeof(store_app_t) * (*n + 1));
  for (size_t i = 0; i < *n; i++)
    app__row(a, r, (int)i, &(*out)[i]);
  return true;
}

bool store_app_revoke_tx(arena_t *a, store_pg_conn_t *conn, const char *client_id, store_app_t *out,
                         bool *newly, eh_err_t *err) {
  const char *p[] = {client_id};
  store_rows_t *r = store_pg_exec(a, conn, SQL_APP_REVOKE, 1, p, err);
  if (r == NULL)
    return false;
  *newly = store_rows_count(r) == 1;
  if (*newly) {
    app__row(a, r, 0, out);
    return true;
  }
  r = store_pg_exec(a, conn, SQL_APP_BY_CLIENT_ID, 1, p, err);
  if (r == NULL)
    return false;
  if (store_rows_count(r) == 0)
    return app__not_found(err);
  app__row(a, r, 0, out);
  return true;
}

static store_redis_script_t app__token_put = STORE_REDIS_SCRIPT(LUA_TOKEN_PUT),
                            app__tokens_revoke = STORE_REDIS_SCRIPT(LUA_TOKENS_REVOKE);

bool store_app_token_put(arena_t *a, store_redis_pool_t *redis, const char *token_hash,
                         const store_app_t *app, int64_t ttl_s, eh_err_t *err) {
  char ttl[24], exp[24], now[24];
  int64_t t = (int64_t)time(NULL);
  snprintf(ttl, sizeof(ttl), "%" PRId64, ttl_s);
  snprintf(exp, sizeof(exp), "%" PRId64, t + ttl_s);
  snprintf(now, sizeof(now), "%" PRId64, t);
  const char *args[] = {arena_printf(a, APP_TOKEN_KEY "%s", token_hash),
                        arena_printf(a, "ehall:app:toks:%s", app->client_id),
                        arena_printf(a, "ehall:app:revoked:%s", app->client_id),
                        ttl,
                        app->client_id,
                        app__join(a, app->scopes, app->n_scopes),
                        app__join(a, app->allowed_ips, app->n_allowed_ips),
                        token_hash,
                        exp,
                        now};
  store_redis_reply_t *r = store_redis_eval(a, redis, &app__token_put, 3, 10, args, err);
  if (r == NULL)
    return false;
  if (store_redis_reply_type(r) != STORE_REDIS_INTEGER || store_redis_reply_int(r) != 1)
    return eh_err_set(err, EH_CONFLICT, NULL, "应用已被撤销", "the app has been revoked");
  return true;
}

bool store_app_token_get(arena_t *a, store_redis_pool_t *redis, const char *token_hash,
                         store_app_token_t *out, bool *found, eh_err_t *err) {
  memset(out, 0, sizeof(*out));
  *found = false;
  const char *argv[] = {"HMGET", arena_printf(a, APP_TOKEN_KEY "%s", token_hash), "c", "s", "i"};
  store_redis_reply_t *r = store_redis_cmd(a, redis, 5, argv, NULL, err);
  if (r == NULL)
    return false;
  if (store_redis_reply_type(r) != STORE_REDIS_ARRAY || store_redis_reply_len(r) != 3)
    return true;
  const char *v[3];
  for (size_t i = 0; i < 3; i++) {
    const store_redis_reply_t *e = store_redis_reply_at(r, i);
    if (store_redis_reply_type(e) != STORE_REDIS_STRING)
      return true; /* a miss (or a half-written key): unknown */
    size_t len;
    const char *s = store_redis_reply_str(e, &len);
    v[i] = arena_strndup(a, s, len);
  }
  out->client_id = v[0];
  out->scopes = app__split(a, v[1], &out->n_scopes);
  out->allowed_ips = app__split(a, v[2], &out->n_allowed_ips);
  *found = true;
  return true;
}

bool store_app_tokens_revoke(arena_t *a, store_redis_pool_t *redis, const char *client_id,
                             int64_t marker_ttl_s, int *ended, eh_err_t *err) {
  char ttl[24];
  snprintf(ttl, sizeof(ttl), "%" PRId64, marker_ttl_s);
  const char *args[] = {arena_printf(a, "ehall:app:toks:%s", client_id),
                        arena_printf(a, "ehall:app:revoked:%s", client_id), ttl, APP_TOKEN_KEY};
  store_redis_reply_t *r = store_redis_eval(a, redis, &app__tokens_revoke, 2, 4, args, err);
  if (r == NULL)
    return false;
  if (ended)
    *ended = store_redis_reply_type(r) == STORE_REDIS_INTEGER ? (int)store_redis_reply_int(r) : 0;
  return true;
}

bool store_wechat_ticket_put(arena_t *a, store_redis_pool_t *redis, const char *ticket_hash,
                             const char *openid, int64_t ttl_s, eh_err_t *err) {
  char ttl[24];
  snprintf(ttl, sizeof(ttl), "%" PRId64, ttl_s);
  const char *argv[] = {"SET", arena_printf(a, "ehall:wx:bind:%s", ticket_hash), openid, "EX", ttl};
  return store_redis_cmd(a, redis, 5, argv, NULL, err) != NULL;
}

static bool wechat__ticket(arena_t *a, store_redis_pool_t *redis, const char *cmd,
                           const char *ticket_hash, const char **openid, eh_err_t *err) {
  *openid = NULL;
  const char *argv[] = {cmd, arena_printf(a, "ehall:wx:bind:%s", ticket_hash)};
  store_redis_reply_t *r = store_redis_cmd(a, redis, 2, argv, NULL, err);
  if (r == NULL)
    return false;
  if (store_redis_reply_type(r) == STORE_REDIS_STRING) {
    size_t len;
    const char *s = store_redis_reply_str(r, &len);
    *openid = arena_strndup(a, s, len);
  }
  return true;
}

bool store_wechat_ticket_peek(arena_t *a, store_redis_pool_t *redis, const char *ticket_hash,
                              const char **openid, eh_err_t *err) {
  return wechat__ticket(a, redis, "GET", ticket_hash, openid, err);
}

bool store_wechat_ticket_take(arena_t *a, store_redis_pool_t *redis, const char *ticket_hash,
                              const char **openid, eh_err_t *err) {
  return wechat__ticket(a, redis, "GETDEL", ticket_hash, openid, err);
}
