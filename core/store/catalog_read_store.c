/*
 * catalog_read_store.c — the catalogue's read side in PostgreSQL and Redis
 * (catalog_read_store.h).
 */
#include "core/store/catalog_read_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS(col) "coalesce((extract(epoch FROM " col ") * 1000000)::bigint, 0)"

static const char SQL_GENERATION[] = "SELECT generation FROM catalog_generation";

static const char SQL_PUBLISHED[] =
    "SELECT s.id, s.code, u.code, u.name, u.name_en, v.version, v.guide::text,"
    " " TS("v.published_at") ", s.applications"
                             " FROM services s"
                             " JOIN service_versions v ON v.service_id = s.id AND v.state = 2"
                             " JOIN org_units u ON u.id = s.owner_unit_id"
                             " WHERE s.state = 2 ORDER BY s.id";

static const char SQL_CATEGORIES[] =
    "SELECT code, kind, name, name_en, icon, sort_order FROM catalog_categories"
    " ORDER BY kind, sort_order, code";

static const char SQL_TEMPLATES[] =
    "SELECT t.sha256, t.content_type, t.size, u.code FROM service_templates t"
    " JOIN org_units u ON u.id = t.owner_unit_id";

/* Every unit on the paths of the person's current units. */
static const char SQL_UNIT_PATHS[] =
    "SELECT DISTINCT a.code FROM person_units pu JOIN org_units u ON u.id = pu.unit_id"
    " JOIN org_units a ON a.id = ANY (u.path)"
    " WHERE pu.account_id = $1::bigint AND pu.valid_from <= now()"
    " AND (pu.valid_to IS NULL OR pu.valid_to > now())";

/* Inserts unless the person has $3 already (then nothing: the caller tells which case). */
static const char SQL_FAVOURITE_ADD[] =
    "WITH n AS (SELECT count(*) AS c FROM service_favourites WHERE account_id = $1::bigint)"
    " INSERT INTO service_favourites (account_id, service_id)"
    " SELECT $1::bigint, $2::bigint FROM n WHERE n.c < $3::int"
    " ON CONFLICT DO NOTHING RETURNING 1";
static const char SQL_FAVOURITE_EXISTS[] =
    "SELECT 1 FROM service_favourites WHERE account_id = $1::bigint AND service_id = $2::bigint";
static const char SQL_FAVOURITE_REMOVE[] =
    "DELETE FROM service_favourites f USING services s"
    " WHERE f.account_id = $1::bigint AND f.service_id = s.id AND s.code = $2";
static const char SQL_FAVOURITES[] =
    "SELECT service_id FROM service_favourites WHERE account_id = $1::bigint"
    " ORDER BY created_at DESC, service_id DESC LIMIT 500";

/* Upserts this view, then drops all but the newest $3 of the person's. */
static const char SQL_RECENT_TOUCH[] =
    "WITH t AS (INSERT INTO service_recent (account_id, service_id)"
    "  VALUES ($1::bigint, $2::bigint) ON CONFLICT (account_id, service_id)"
    "  DO UPDATE SET viewed_at = now() RETURNING service_id)"
    " DELETE FROM service_recent r WHERE r.account_id = $1::bigint"
    " AND r.service_id <> $2::bigint AND EXISTS (SELECT 1 FROM t)"
    " AND r.service_id NOT IN (SELECT service_id FROM service_recent"
    "  WHERE account_id = $1::bigint AND service_id <> $2::bigint"
    "  ORDER BY viewed_at DESC, service_id DESC LIMIT $3::int - 1)";
static const char SQL_RECENT[] =
    "SELECT service_id FROM service_recent WHERE account_id = $1::bigint"
    " ORDER BY viewed_at DESC, service_id DESC LIMIT $2::int";

#define KEY_GENERATION "ehall:catalog:gen"
#define KEY_VIEWS "ehall:catalog:views"
#define KEY_SEEN "ehall:catalog:seen:"
#define CHANNEL_INVALIDATE "ehall:cache:invalidate"

static store_redis_script_t script_raise = STORE_REDIS_SCRIPT(
    "local cur = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'EX', 86400) "
    "return tonumber(ARGV[1]) end return cur");

static store_redis_script_t script_view =
    STORE_REDIS_SCRIPT("if redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[2])) then "
                       "return tonumber(redis.call('ZINCRBY', KEYS[1], 1, ARGV[1])) end "
                       "return tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0')");

static const char *i64(arena_t *a, int64_t v) {
  return arena_printf(a, "%" PRId64, v);
}

/* One statement on a borrowed connection. */
static store_rows_t *exec1(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, const char *sql,
                           int n, const char *const *p, eh_err_t *err) {
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return NULL;
  store_rows_t *r = store_pg_exec(a, conn, sql, n, p, err);
  store_pg_release(conn);
  return r;
}

static void ids_of(arena_t *a, const store_rows_t *r, int64_t **ids, size_t *n) {
  int rows = store_rows_count(r);
  *ids = arena_alloc(a, (size_t)(rows ? rows : 1) * sizeof **ids);
  for (int i = 0; i < rows; i++)
    (*ids)[i] = store_rows_int64(r, i, 0);
  *n = (size_t)rows;
}

/* --- the snapshot ------------------------------------------------------------------------------
 */

static bool snapshot_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  store_catalog_read_rows_t *o = ud;
  store_rows_t *g = store_pg_exec(a, conn, SQL_GENERATION, 0, NULL, err);
  store_rows_t *r = g ? store_pg_exec(a, conn, SQL_PUBLISHED, 0, NULL, err) : NULL;
  store_rows_t *c = r ? store_pg_exec(a, conn, SQL_CATEGORIES, 0, NULL, err) : NULL;
  store_rows_t *t = c ? store_pg_exec(a, conn, SQL_TEMPLATES, 0, NULL, err) : NULL;
  if (t == NULL)
    return false;
  o->generation = store_rows_int64(g, 0, 0);
  int rows = store_rows_count(r);
  o->services = arena_zalloc(a, (size_t)(rows ? rows : 1) * sizeof *o->services);
  for (int i = 0; i < rows; i++) {
    store_catalog_published_t *s = &o->services[i];
    s->id = store_rows_int64(r, i, 0);
    s->code = store_rows_get(r, i, 1);
    s->owner_code = store_rows_get(r, i, 2);
    s->owner_name = store_rows_get(r, i, 3);
    s->owner_name_en = store_rows_get(r, i, 4);
    s->version = (int)store_rows_int64(r, i, 5);
    s->guide_json = store_rows_get(r, i, 6);
    s->published_us = store_rows_int64(r, i, 7);
    s->applications = store_rows_int64(r, i, 8);
  }
  o->n_services = (size_t)rows;
  rows = store_rows_count(c);
  o->categories = arena_zalloc(a, (size_t)(rows ? rows : 1) * sizeof *o->categories);
  for (int i = 0; i < rows; i++) {
    store_catalog_category_t *k = &o->categories[i];
    k->code = store_rows_get(c, i, 0);
    k->kind = (int)store_rows_int64(c, i, 1);
    k->name = store_rows_get(c, i, 2);
    k->name_en = store_rows_get(c, i, 3);
    k->icon = store_rows_get(c, i, 4);
    k->sort_order = (int)store_rows_int64(c, i, 5);
  }
  o->n_categories = (size_t)rows;
  rows = store_rows_count(t);
  o->templates = arena_zalloc(a, (size_t)(rows ? rows : 1) * sizeof *o->templates);
  for (int i = 0; i < rows; i++) {
    store_catalog_template_meta_t *m = &o->templates[i];
    m->sha256 = store_rows_get(t, i, 0);
    m->content_type = store_rows_get(t, i, 1);
    m->size = (int)store_rows_int64(t, i, 2);
    m->owner_code = store_rows_get(t, i, 3);
  }
  o->n_templates = (size_t)rows;
  return true;
}

bool store_catalog_read_snapshot(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                 store_catalog_read_rows_t *out, eh_err_t *err) {
  memset(out, 0, sizeof *out);
  return store_pg_tx_iso(a, pool, deadline_ms, STORE_PG_REPEATABLE_READ, snapshot_tx, out, err);
}

bool store_catalog_read_generation(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                   int64_t *generation, eh_err_t *err) {
  store_rows_t *r = exec1(a, pool, deadline_ms, SQL_GENERATION, 0, NULL, err);
  if (r == NULL)
    return false;
  *generation = store_rows_count(r) == 1 ? store_rows_int64(r, 0, 0) : 0;
  return true;
}

bool store_catalog_read_unit_paths(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                   int64_t account_id, const char ***codes, size_t *n,
                                   eh_err_t *err) {
  const char *p[] = {i64(a, account_id)};
  store_rows_t *r = exec1(a, pool, deadline_ms, SQL_UNIT_PATHS, 1, p, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *codes = arena_alloc(a, (size_t)(rows ? rows : 1) * sizeof **codes);
  for (int i = 0; i < rows; i++)
    (*codes)[i] = store_rows_get(r, i, 0);
  *n = (size_t)rows;
  return true;
}

/* --- favourites and recent views -------------------------------------------------------------- */

bool store_catalog_read_favourite_add(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                      int64_t account_id, int64_t service_id, int max,
                                      eh_err_t *err) {
  const char *p[] = {i64(a, account_id), i64(a, service_id), i64(a, max)};
  store_rows_t *r = exec1(a, pool, deadline_ms, SQL_FAVOURITE_ADD, 3, p, err);
  if (r == NULL)
    return false;
  if (store_rows_count(r) == 1)
    return true;
  /* Nothing inserted: a favourite already (fine), or the list is full. */
  store_rows_t *e = exec1(a, pool, deadline_ms, SQL_FAVOURITE_EXISTS, 2, p, err);
  if (e == NULL)
    return false;
  if (store_rows_count(e) == 1)
    return true;
  return eh_err_set(err, EH_RESOURCE_EXHAUSTED, NULL,
                    "收藏已达上限（%d 项），请先取消一些收藏再添加",
                    "you have %d favourites, the most allowed; remove some first", max);
}

bool store_catalog_read_favourite_remove(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                         int64_t account_id, const char *code, eh_err_t *err) {
  const char *p[] = {i64(a, account_id), code};
  return exec1(a, pool, deadline_ms, SQL_FAVOURITE_REMOVE, 2, p, err) != NULL;
}

bool store_catalog_read_favourites(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                   int64_t account_id, int64_t **ids, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, account_id)};
  store_rows_t *r = exec1(a, pool, deadline_ms, SQL_FAVOURITES, 1, p, err);
  if (r == NULL)
    return false;
  ids_of(a, r, ids, n);
  return true;
}

bool store_catalog_read_is_favourite(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                     int64_t account_id, int64_t service_id, bool *yes,
                                     eh_err_t *err) {
  const char *p[] = {i64(a, account_id), i64(a, service_id)};
  store_rows_t *r = exec1(a, pool, deadline_ms, SQL_FAVOURITE_EXISTS, 2, p, err);
  if (r == NULL)
    return false;
  *yes = store_rows_count(r) == 1;
  return true;
}

bool store_catalog_read_recent_touch(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                     int64_t account_id, int64_t service_id, int keep,
                                     eh_err_t *err) {
  const char *p[] = {i64(a, account_id), i64(a, service_id), i64(a, keep)};
  return exec1(a, pool, deadline_ms, SQL_RECENT_TOUCH, 3, p, err) != NULL;
}

bool store_catalog_read_recent(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                               int64_t account_id, int limit, int64_t **ids, size_t *n,
                               eh_err_t *err) {
  const char *p[] = {i64(a, account_id), i64(a, limit)};
  store_rows_t *r = exec1(a, pool, deadline_ms, SQL_RECENT, 2, p, err);
  if (r == NULL)
    return false;
  ids_of(a, r, ids, n);
  return true;
}

/* --- Redis --------------------------------------------------------------------------------------
 */

bool store_catalog_read_redis_generation(arena_t *a, store_redis_pool_t *pool, int64_t *generation,
                                         eh_err_t *err) {
  const char *argv[] = {"GET", KEY_GENERATION};
  store_redis_reply_t *r = store_redis_cmd(a, pool, 2, argv, NULL, err);
  if (r == NULL)
    return false;
  *generation = 0;
  if (store_redis_reply_type(r) == STORE_REDIS_STRING)
    *generation = strtoll(store_redis_reply_str(r, NULL), NULL, 10);
  return true;
}

bool store_catalog_read_redis_raise(arena_t *a, store_redis_pool_t *pool, int64_t generation,
                                    eh_err_t *err) {
  const char *args[] = {KEY_GENERATION, i64(a, generation)};
  return store_redis_eval(a, pool, &script_raise, 1, 2, args, err) != NULL;
}

bool store_catalog_read_redis_announce(arena_t *a, store_redis_pool_t *pool, const char *tag,
                                       eh_err_t *err) {
  const char *argv[] = {"PUBLISH", CHANNEL_INVALIDATE, tag};
  return store_redis_cmd(a, pool, 3, argv, NULL, err) != NULL;
}

bool store_catalog_read_redis_view(arena_t *a, store_redis_pool_t *pool, const char *code,
                                   const char *client, int window_s, int64_t *views,
                                   eh_err_t *err) {
  const char *args[] = {KEY_VIEWS, arena_printf(a, KEY_SEEN "%s:%s", code, client), code,
                        i64(a, window_s)};
  store_redis_reply_t *r = store_redis_eval(a, pool, &script_view, 2, 4, args, err);
  if (r == NULL)
    return false;
  *views = store_redis_reply_type(r) == STORE_REDIS_INTEGER ? store_redis_reply_int(r) : 0;
  return true;
}

bool store_catalog_read_redis_views(arena_t *a, store_redis_pool_t *pool, const char ***codes,
                                    int64_t **views, size_t *n, eh_err_t *err) {
  const char *argv[] = {"ZRANGE", KEY_VIEWS, "0", "-1", "WITHSCORES"};
  store_redis_reply_t *r = store_redis_cmd(a, pool, 5, argv, NULL, err);
  if (r == NULL)
    return false;
  size_t len = store_redis_reply_type(r) == STORE_REDIS_ARRAY ? store_redis_reply_len(r) : 0;
  *n = len / 2;
  *codes = arena_alloc(a, (*n ? *n : 1) * sizeof **codes);
  *views = arena_alloc(a, (*n ? *n : 1) * sizeof **views);
  for (size_t i = 0; i < *n; i++) {
    (*codes)[i] = arena_strdup(a, store_redis_reply_str(store_redis_reply_at(r, 2 * i), NULL));
    (*views)[i] =
        strtoll(store_redis_reply_str(store_redis_reply_at(r, 2 * i + 1), NULL), NULL, 10);
  }
  return true;
}
