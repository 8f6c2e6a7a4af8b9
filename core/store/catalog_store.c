/*
 * catalog_store.c — SQL and Redis of the catalogue (catalog_store.h). Every statement is
 * parameterised; lists travel as one array-literal parameter, quoted here. Bytes (template
 * files) travel as hex text, as statements take text parameters. Never logs a row.
 */
#include "core/store/catalog_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/crypto.h"

#define TS(col) "coalesce((extract(epoch FROM " col ") * 1000000)::bigint, 0)"

/* The service with its owner and the versions that matter, by code. */
#define SERVICE_SELECT                                                                             \
  "SELECT s.id, s.code, s.owner_unit_id, u.code, u.name, s.state,"                                 \
  " coalesce((SELECT v.version FROM service_versions v WHERE v.service_id = s.id"                  \
  "   AND v.state = 2), 0),"                                                                       \
  " coalesce((SELECT v.version FROM service_versions v WHERE v.service_id = s.id"                  \
  "   AND v.state = 1), 0),"                                                                       \
  " coalesce((SELECT max(v.version) FROM service_versions v WHERE v.service_id = s.id), 0),"       \
  " coalesce((SELECT v.name FROM service_versions v WHERE v.service_id = s.id"                     \
  "   ORDER BY v.state = 1 DESC, v.state = 2 DESC, v.version DESC LIMIT 1), ''),"                  \
  " " TS("s.updated_at") ", " TS(                                                                  \
      "s.published_at") " FROM services s JOIN org_units u ON u.id = s.owner_unit_id "

static const char SQL_SERVICE_GET[] = SERVICE_SELECT "WHERE s.code = $1";
/* Locks first, then reads in a statement of its own: under READ COMMITTED a statement that
 * waited for the lock would still see the versions as they were when it started. */
static const char SQL_SERVICE_LOCK[] = "SELECT id FROM services WHERE code = $1 FOR UPDATE";

static const char SQL_SERVICE_INSERT[] =
    "INSERT INTO services (code, owner_unit_id, created_by) VALUES ($1, $2::bigint,"
    " nullif($3::bigint, 0)) RETURNING id";

static const char SQL_SERVICE_SET_STATE[] =
    "UPDATE services SET state = $2::smallint, updated_at = now(),"
    " published_at = CASE WHEN $2::smallint = 2 THEN now() ELSE published_at END"
    " WHERE id = $1::bigint";

static const char SQL_VERSION_INSERT[] =
    "INSERT INTO service_versions (service_id, version, state, name, guide, created_by,"
    " updated_by) VALUES ($1::bigint, $2::int, 1, $3, $4::jsonb, nullif($5::bigint, 0),"
    " nullif($5::bigint, 0))";

static const char SQL_DRAFT_UPDATE[] =
    "UPDATE service_versions SET name = $3, guide = $4::jsonb, updated_by = nullif($5::bigint, 0),"
    " updated_at = now() WHERE service_id = $1::bigint AND version = $2::int AND state = 1";

static const char SQL_VERSION_SET_STATE[] =
    "UPDATE service_versions SET state = $3::smallint,"
    " published_by = CASE WHEN $3::smallint = 2 THEN nullif($4::bigint, 0) ELSE published_by END,"
    " published_at = CASE WHEN $3::smallint = 2 THEN now() ELSE published_at END,"
    " retired_at = CASE WHEN $3::smallint IN (3, 4) THEN now() ELSE NULL END"
    " WHERE service_id = $1::bigint AND version = $2::int";

#define VERSION_COLS                                                                               \
  "v.version, v.state, v.name, coalesce(c.campus_id, ''), coalesce(c.name, ''),"                   \
  " coalesce(up.campus_id, ''), coalesce(pb.campus_id, ''), " TS("v.created_at") ", " TS(          \
      "v.updated_at") ", " TS("v.published_at") ", " TS("v.retired_at")
#define VERSION_FROM                                                                               \
  " FROM service_versions v LEFT JOIN accounts c ON c.id = v.created_by"                           \
  " LEFT JOIN accounts up ON up.id = v.updated_by LEFT JOIN accounts pb ON pb.id = v.published_by"

static const char SQL_VERSION_GET[] = "SELECT " VERSION_COLS ", v.guide::text" VERSION_FROM
                                      " WHERE v.service_id = $1::bigint AND v.version = $2::int";
static const char SQL_VERSIONS[] =
    "SELECT " VERSION_COLS VERSION_FROM " WHERE v.service_id = $1::bigint ORDER BY v.version DESC";

/* A department admin edits services owned by a unit he administers or one below it. */
static const char SQL_MANAGED[] = SERVICE_SELECT
    "WHERE ($1::bigint = 0 OR EXISTS (SELECT 1 FROM account_roles r JOIN org_units a"
    "   ON a.code = r.org_unit WHERE r.account_id = $1::bigint AND r.role = 'dept_admin'"
    "   AND a.id = ANY (u.path)))"
    " AND ($2 = '' OR u.code = $2)"
    " AND ($3 = '' OR strpos(s.code, $3) > 0 OR EXISTS (SELECT 1 FROM service_versions v"
    "   WHERE v.service_id = s.id AND strpos(lower(v.name), lower($3)) > 0))"
    " ORDER BY s.updated_at DESC, s.id DESC LIMIT $4::int OFFSET $5::bigint";

static const char SQL_GENERATION_BUMP[] =
    "UPDATE catalog_generation SET generation = generation + 1, changed_at = now()"
    " RETURNING generation";

static const char SQL_UNIT_OPEN[] =
    "SELECT id FROM org_units WHERE code = $1 AND closed_at IS NULL";

static const char SQL_CATEGORIES[] =
    "SELECT code, kind, name, name_en, icon, sort_order FROM catalog_categories"
    " ORDER BY kind, sort_order, code";
static const char SQL_CATEGORY_UPSERT[] =
    "INSERT INTO catalog_categories (code, kind, name, name_en, icon, sort_order)"
    " VALUES ($1, $2::smallint, $3, $4, $5, $6::int) ON CONFLICT (code) DO UPDATE SET"
    " kind = EXCLUDED.kind, name = EXCLUDED.name, name_en = EXCLUDED.name_en,"
    " icon = EXCLUDED.icon, sort_order = EXCLUDED.sort_order, updated_at = now()";

/* One row per file (a file several departments uploaded has one row per department). */
static const char SQL_TEMPLATES_META[] =
    "SELECT DISTINCT ON (t.sha256) t.sha256, t.content_type, t.size, u.code"
    " FROM service_templates t JOIN org_units u ON u.id = t.owner_unit_id"
    " WHERE t.sha256 = ANY ($1::text[]) ORDER BY t.sha256, t.created_at";
static const char SQL_TEMPLATE_PUT[] =
    "INSERT INTO service_templates (sha256, content_type, size, content, owner_unit_id,"
    " uploaded_by) VALUES ($1, $2, $3::int, decode($4, 'hex'), $5::bigint, nullif($6::bigint, 0))"
    " ON CONFLICT (sha256, owner_unit_id) DO NOTHING";
/* The bytes, with every department that uploaded them (space-separated unit codes). */
static const char SQL_TEMPLATE_GET[] =
    "SELECT t.sha256, t.content_type, t.size,"
    " (SELECT string_agg(u.code, ' ') FROM service_templates x JOIN org_units u"
    "   ON u.id = x.owner_unit_id WHERE x.sha256 = t.sha256), encode(t.content, 'hex')"
    " FROM service_templates t WHERE t.sha256 = $1 LIMIT 1";

/* --- helpers ---------------------------------------------------------------------------------- */

static const char *i64(arena_t *a, int64_t v) {
  return arena_printf(a, "%" PRId64, v);
}

static int64_t num(const store_rows_t *r, int row, int col) {
  return store_rows_int64(r, row, col);
}

static void service_row(const store_rows_t *r, int i, store_catalog_service_t *s) {
  s->id = num(r, i, 0);
  s->code = store_rows_get(r, i, 1);
  s->owner_id = num(r, i, 2);
  s->owner_code = store_rows_get(r, i, 3);
  s->owner_name = store_rows_get(r, i, 4);
  s->state = (int)num(r, i, 5);
  s->published_version = (int)num(r, i, 6);
  s->draft_version = (int)num(r, i, 7);
  s->latest_version = (int)num(r, i, 8);
  s->name = store_rows_get(r, i, 9);
  s->updated_us = num(r, i, 10);
  s->published_us = num(r, i, 11);
}

static void version_row(const store_rows_t *r, int i, store_catalog_version_t *v) {
  v->version = (int)num(r, i, 0);
  v->state = (int)num(r, i, 1);
  v->name = store_rows_get(r, i, 2);
  v->created_by = store_rows_get(r, i, 3);
  v->created_by_name = store_rows_get(r, i, 4);
  v->updated_by = store_rows_get(r, i, 5);
  v->published_by = store_rows_get(r, i, 6);
  v->created_us = num(r, i, 7);
  v->updated_us = num(r, i, 8);
  v->published_us = num(r, i, 9);
  v->retired_us = num(r, i, 10);
  v->guide_json = NULL;
}

static void template_row(const store_rows_t *r, int i, store_catalog_template_meta_t *t) {
  t->sha256 = store_rows_get(r, i, 0);
  t->content_type = store_rows_get(r, i, 1);
  t->size = (int)num(r, i, 2);
  t->owner_code = store_rows_get(r, i, 3);
}

/* --- services and versions -------------------------------------------------------------------- */

bool store_catalog_service_get(arena_t *a, store_pg_conn_t *conn, const char *code, bool lock,
                               store_catalog_service_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {code};
  *found = false;
  if (lock) {
    store_rows_t *l = store_pg_exec(a, conn, SQL_SERVICE_LOCK, 1, p, err);
    if (l == NULL)
      return false;
    if (store_rows_count(l) == 0)
      return true;
  }
  store_rows_t *r = store_pg_exec(a, conn, SQL_SERVICE_GET, 1, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    service_row(r, 0, out);
  return true;
}

bool store_catalog_service_insert(arena_t *a, store_pg_conn_t *conn, const char *code,
                                  int64_t owner_id, int64_t account_id, int64_t *id,
                                  eh_err_t *err) {
  const char *p[] = {code, i64(a, owner_id), i64(a, account_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_SERVICE_INSERT, 3, p, err);
  if (r == NULL)
    return false;
  *id = num(r, 0, 0);
  return true;
}

bool store_catalog_service_set_state(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                                     int state, eh_err_t *err) {
  const char *p[] = {i64(a, service_id), i64(a, state)};
  return store_pg_exec(a, conn, SQL_SERVICE_SET_STATE, 2, p, err) != NULL;
}

bool store_catalog_version_insert(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                                  int version, const char *name, const char *guide_json,
                                  int64_t account_id, eh_err_t *err) {
  const char *p[] = {i64(a, service_id), i64(a, version), name, guide_json, i64(a, account_id)};
  return store_pg_exec(a, conn, SQL_VERSION_INSERT, 5, p, err) != NULL;
}

bool store_catalog_draft_update(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int version,
                                const char *name, const char *guide_json, int64_t account_id,
                                eh_err_t *err) {
  const char *p[] = {i64(a, service_id), i64(a, version), name, guide_json, i64(a, account_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_DRAFT_UPDATE, 5, p, err);
  if (r == NULL)
    return false;
  if (store_rows_affected(r) != 1)
    return eh_err_set(err, EH_CONFLICT, NULL, "草稿已被他人发布或放弃，请刷新后重试",
                      "the draft was published or discarded meanwhile; reload and try again");
  return true;
}

bool store_catalog_version_set_state(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                                     int version, int state, int64_t account_id, eh_err_t *err) {
  const char *p[] = {i64(a, service_id), i64(a, version), i64(a, state), i64(a, account_id)};
  return store_pg_exec(a, conn, SQL_VERSION_SET_STATE, 4, p, err) != NULL;
}

bool store_catalog_version_get(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int version,
                               store_catalog_version_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, service_id), i64(a, version)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_VERSION_GET, 2, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found) {
    version_row(r, 0, out);
    out->guide_json = store_rows_get(r, 0, 11);
  }
  return true;
}

bool store_catalog_versions(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                            store_catalog_version_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, service_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_VERSIONS, 1, p, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, (size_t)(rows ? rows : 1) * sizeof **out);
  for (int i = 0; i < rows; i++)
    version_row(r, i, &(*out)[i]);
  *n = (size_t)rows;
  return true;
}

bool store_catalog_managed(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                           const char *department, const char *query, int limit, int64_t offset,
                           store_catalog_service_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, account_id), department ? department : "", query ? query : "",
                     i64(a, limit), i64(a, offset)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_MANAGED, 5, p, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, (size_t)(rows ? rows : 1) * sizeof **out);
  for (int i = 0; i < rows; i++)
    service_row(r, i, &(*out)[i]);
  *n = (size_t)rows;
  return true;
}

bool store_catalog_generation_bump(arena_t *a, store_pg_conn_t *conn, int64_t *generation,
                                   eh_err_t *err) {
  store_rows_t *r = store_pg_exec(a, conn, SQL_GENERATION_BUMP, 0, NULL, err);
  if (r == NULL)
    return false;
  *generation = num(r, 0, 0);
  return true;
}

/* --- units, categories, templates ------------------------------------------------------------- */

bool store_catalog_unit_open(arena_t *a, store_pg_conn_t *conn, const char *code, int64_t *id,
                             bool *found, eh_err_t *err) {
  const char *p[] = {code};
  store_rows_t *r = store_pg_exec(a, conn, SQL_UNIT_OPEN, 1, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  *id = *found ? num(r, 0, 0) : 0;
  return true;
}

static void categories_of(arena_t *a, const store_rows_t *r, store_catalog_category_t **out,
                          size_t *n) {
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, (size_t)(rows ? rows : 1) * sizeof **out);
  for (int i = 0; i < rows; i++) {
    store_catalog_category_t *c = &(*out)[i];
    c->code = store_rows_get(r, i, 0);
    c->kind = (int)num(r, i, 1);
    c->name = store_rows_get(r, i, 2);
    c->name_en = store_rows_get(r, i, 3);
    c->icon = store_rows_get(r, i, 4);
    c->sort_order = (int)num(r, i, 5);
  }
  *n = (size_t)rows;
}

bool store_catalog_categories(arena_t *a, store_pg_conn_t *conn, store_catalog_category_t **out,
                              size_t *n, eh_err_t *err) {
  store_rows_t *r = store_pg_exec(a, conn, SQL_CATEGORIES, 0, NULL, err);
  if (r == NULL)
    return false;
  categories_of(a, r, out, n);
  return true;
}

bool store_catalog_category_upsert(arena_t *a, store_pg_conn_t *conn,
                                   const store_catalog_category_t *c, eh_err_t *err) {
  const char *p[] = {c->code,    i64(a, c->kind),        c->name,
                     c->name_en, c->icon ? c->icon : "", i64(a, c->sort_order)};
  return store_pg_exec(a, conn, SQL_CATEGORY_UPSERT, 6, p, err) != NULL;
}

static void templates_of(arena_t *a, const store_rows_t *r, store_catalog_template_meta_t **out,
                         size_t *n) {
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, (size_t)(rows ? rows : 1) * sizeof **out);
  for (int i = 0; i < rows; i++)
    template_row(r, i, &(*out)[i]);
  *n = (size_t)rows;
}

bool store_catalog_templates_meta(arena_t *a, store_pg_conn_t *conn, const char *const *ids,
                                  size_t n_ids, store_catalog_template_meta_t **out, size_t *n,
                                  eh_err_t *err) {
  const char *p[] = {store_pg_text_array(a, ids, n_ids)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_TEMPLATES_META, 1, p, err);
  if (r == NULL)
    return false;
  templates_of(a, r, out, n);
  return true;
}

bool store_catalog_template_put(arena_t *a, store_pg_conn_t *conn, const char *sha256,
                                const char *content_type, const uint8_t *data, size_t len,
                                int64_t owner_id, int64_t account_id, eh_err_t *err) {
  char *hex = arena_alloc(a, len * 2 + 1);
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    hex[2 * i] = digits[data[i] >> 4];
    hex[2 * i + 1] = digits[data[i] & 15];
  }
  hex[2 * len] = '\0';
  const char *p[] = {sha256, content_type,     i64(a, (int64_t)len),
                     hex,    i64(a, owner_id), i64(a, account_id)};
  return store_pg_exec(a, conn, SQL_TEMPLATE_PUT, 6, p, err) != NULL;
}

bool store_catalog_template_get(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                const char *sha256, store_catalog_template_meta_t *meta,
                                const uint8_t **data, size_t *len, bool *found, eh_err_t *err) {
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  const char *p[] = {sha256};
  store_rows_t *r = store_pg_exec(a, conn, SQL_TEMPLATE_GET, 1, p, err);
  store_pg_release(conn);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (!*found)
    return true;
  template_row(r, 0, meta);
  const char *hex = store_rows_get(r, 0, 4);
  size_t n = strlen(hex) / 2;
  uint8_t *bytes = arena_alloc(a, n ? n : 1);
  if (!crypto_hex_decode(hex, bytes, n))
    return eh_err_set(err, EH_INTERNAL, NULL, "文件读取失败", "the file could not be read");
  *data = bytes;
  *len = n;
  return true;
}
