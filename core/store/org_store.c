/*
 * org_store.c — SQL of the org tree (migrations/0008): units, people's units, department
 * admins, HR's import. Every statement is parameterised; callers pass validated values. Lists
 * travel as PostgreSQL array literals in one text parameter (quoted and escaped here), so a
 * 50,000-person import is a handful of set-based statements (unnest), never a row per call.
 * Never logs a row.
 */
#include "core/store/org_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The unit's path holds every ancestor's id and its own; a unit code not (yet) in the tree
 * still matches a role granted on exactly that code. */
static const char SQL_ORG_ADMINS_UNIT[] =
    "SELECT EXISTS (SELECT 1 FROM account_roles r WHERE r.account_id = $1::bigint"
    " AND r.role = 'dept_admin' AND (r.org_unit = $2 OR EXISTS (SELECT 1 FROM org_units u"
    " WHERE u.code = r.org_unit"
    " AND u.id = ANY ((SELECT t.path FROM org_units t WHERE t.code = $2)::bigint[]))))";

/* One key for every structure change of the tree (xact lock: PgBouncer-safe). */
static const char SQL_ORG_TREE_LOCK[] = "SELECT pg_advisory_xact_lock(hashtext('ehall.org.tree'))";

#define UNIT_COLS                                                                                  \
  "u.id, u.code, u.name, u.name_en, u.kind, coalesce(p.code, ''), coalesce(u.parent_id, 0),"       \
  " coalesce((extract(epoch FROM u.closed_at) * 1000000)::bigint, 0),"                             \
  " (SELECT count(*) FROM org_units c WHERE c.parent_id = u.id AND c.closed_at IS NULL),"          \
  " (SELECT count(*) FROM person_units pu WHERE pu.unit_id = u.id AND pu.valid_to IS NULL),"       \
  " array_to_string(u.path, ' ')"

static const char SQL_ORG_UNIT_GET[] = "SELECT " UNIT_COLS " FROM org_units u"
                                       " LEFT JOIN org_units p ON p.id = u.parent_id"
                                       " WHERE u.code = $1";

static const char SQL_ORG_UNIT_GET_LOCK[] = "SELECT " UNIT_COLS " FROM org_units u"
                                            " LEFT JOIN org_units p ON p.id = u.parent_id"
                                            " WHERE u.code = $1 FOR UPDATE OF u";

/* strpos, not LIKE: a query holding % or _ means those characters. */
static const char SQL_ORG_UNIT_LIST[] =
    "SELECT " UNIT_COLS " FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id"
    " WHERE ($3::boolean OR u.closed_at IS NULL) AND CASE"
    " WHEN $2 <> '' THEN strpos(lower(u.name), lower($2)) > 0"
    "   OR strpos(lower(u.code), lower($2)) > 0"
    " WHEN $1 = '' THEN u.parent_id IS NULL"
    " ELSE p.code = $1 END"
    " ORDER BY u.kind, u.code LIMIT $4::int OFFSET $5::bigint";

static const char SQL_ORG_REFS[] =
    "SELECT id, code, name, kind FROM org_units WHERE id = ANY ($1::bigint[])";

static const char SQL_ORG_UNITS_INSERT[] =
    "WITH x AS (SELECT nextval(pg_get_serial_sequence('org_units', 'id')) AS id, x.*"
    "  FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::text[])"
    "  AS x(code, name, name_en, kind, parent))"
    " INSERT INTO org_units (id, code, name, name_en, kind, parent_id, path)"
    " OVERRIDING SYSTEM VALUE"
    " SELECT x.id, x.code, x.name, x.name_en, x.kind, p.id,"
    "  CASE WHEN p.id IS NULL THEN ARRAY[x.id] ELSE p.path || x.id END"
    " FROM x LEFT JOIN org_units p ON p.code = x.parent AND x.parent <> ''";

static const char SQL_ORG_UNITS_RENAME[] =
    "UPDATE org_units u SET name = x.name, name_en = x.name_en, updated_at = now()"
    " FROM unnest($1::text[], $2::text[], $3::text[]) AS x(code, name, name_en)"
    " WHERE u.code = x.code";

/* The unit and everything under it: the new parent's path, then the old path from the unit. */
static const char SQL_ORG_UNIT_MOVE[] =
    "UPDATE org_units d SET path = np.path || d.path[array_position(d.path, $1::bigint):],"
    " parent_id = CASE WHEN d.id = $1::bigint THEN $2::bigint ELSE d.parent_id END,"
    " updated_at = CASE WHEN d.id = $1::bigint THEN now() ELSE d.updated_at END"
    " FROM (SELECT path FROM org_units WHERE id = $2::bigint) np"
    " WHERE d.path @> ARRAY[$1::bigint]";

static const char SQL_ORG_UNITS_REPARENT[] =
    "UPDATE org_units u SET parent_id = p.id, updated_at = now()"
    " FROM unnest($1::text[], $2::text[]) AS x(code, parent) JOIN org_units p ON p.code = x.parent"
    " WHERE u.code = x.code";

static const char SQL_ORG_PATHS_REBUILD[] =
    "WITH RECURSIVE t(id, path) AS ("
    "  SELECT id, ARRAY[id] FROM org_units WHERE parent_id IS NULL"
    "  UNION ALL SELECT c.id, t.path || c.id FROM org_units c JOIN t ON c.parent_id = t.id)"
    " UPDATE org_units u SET path = t.path FROM t WHERE u.id = t.id AND u.path <> t.path";

static const char SQL_ORG_UNITS_CLOSE[] =
    "UPDATE org_units SET closed_at = now(), updated_at = now()"
    " WHERE code = ANY ($1::text[]) AND closed_at IS NULL";

static const char SQL_ORG_UNITS_REOPEN[] =
    "UPDATE org_units SET closed_at = NULL, updated_at = now()"
    " WHERE code = ANY ($1::text[]) AND closed_at IS NOT NULL";

static const char SQL_ORG_MOVE_PEOPLE[] =
    "WITH ended AS (UPDATE person_units SET valid_to = now()"
    "  WHERE unit_id = $1::bigint AND valid_to IS NULL RETURNING account_id, title),"
    " started AS (INSERT INTO person_units (account_id, unit_id, title)"
    "  SELECT e.account_id, $2::bigint, e.title FROM ended e"
    "  WHERE NOT EXISTS (SELECT 1 FROM person_units c WHERE c.account_id = e.account_id"
    "   AND c.unit_id = $2::bigint AND c.valid_to IS NULL)"
    "  RETURNING account_id),"
    " synced AS (UPDATE accounts a SET org_unit = $4, updated_at = now() FROM ended e"
    "  WHERE a.id = e.account_id AND a.org_unit = $3 RETURNING a.id)"
    " SELECT (SELECT count(*) FROM ended), (SELECT count(*) FROM started),"
    " (SELECT count(*) FROM synced)";

static const char SQL_ORG_ACCOUNT_GET[] =
    "SELECT id, campus_id, name, org_unit, kind, status FROM accounts WHERE campus_id = $1";

static const char SQL_ORG_PERSON_UNITS[] =
    "SELECT u.code, u.name, u.kind, pu.title,"
    " (extract(epoch FROM pu.valid_from) * 1000000)::bigint"
    " FROM person_units pu JOIN org_units u ON u.id = pu.unit_id"
    " JOIN accounts a ON a.id = pu.account_id"
    " WHERE pu.account_id = $1::bigint AND pu.valid_to IS NULL"
    " ORDER BY (u.code = a.org_unit) DESC, pu.id";

/* Rows are (campus id, unit code, title); a membership stays only when the same unit and title
 * are among the person's rows. */
static const char SQL_ORG_PEOPLE_END[] =
    "WITH x AS (SELECT a.id AS account_id, u.id AS unit_id, x.title"
    "  FROM unnest($2::text[], $3::text[], $4::text[]) AS x(campus_id, unit, title)"
    "  JOIN accounts a ON a.campus_id = x.campus_id JOIN org_units u ON u.code = x.unit)"
    " UPDATE person_units pu SET valid_to = now()"
    " FROM accounts a WHERE a.campus_id = ANY ($1::text[]) AND pu.account_id = a.id"
    " AND pu.valid_to IS NULL AND NOT EXISTS (SELECT 1 FROM x WHERE x.account_id = pu.account_id"
    "  AND x.unit_id = pu.unit_id AND x.title = pu.title)";

static const char SQL_ORG_PEOPLE_START[] =
    "INSERT INTO person_units (account_id, unit_id, title)"
    " SELECT a.id, u.id, x.title"
    " FROM unnest($1::text[], $2::text[], $3::text[]) AS x(campus_id, unit, title)"
    " JOIN accounts a ON a.campus_id = x.campus_id JOIN org_units u ON u.code = x.unit"
    " WHERE NOT EXISTS (SELECT 1 FROM person_units c WHERE c.account_id = a.id"
    "  AND c.unit_id = u.id AND c.valid_to IS NULL)";

static const char SQL_ORG_ACCOUNTS_UNIT[] =
    "UPDATE accounts a SET org_unit = x.unit, updated_at = now()"
    " FROM unnest($1::text[], $2::text[]) AS x(campus_id, unit)"
    " WHERE a.campus_id = x.campus_id AND a.org_unit <> x.unit";

static const char SQL_ORG_ADMINS[] =
    "SELECT a.campus_id, a.name FROM account_roles r JOIN accounts a ON a.id = r.account_id"
    " WHERE r.role = 'dept_admin' AND r.org_unit = $1 ORDER BY a.campus_id";

static const char SQL_ORG_ADMIN_ADD[] =
    "INSERT INTO account_roles (account_id, role, org_unit) VALUES ($1::bigint, 'dept_admin', $2)"
    " ON CONFLICT DO NOTHING";

static const char SQL_ORG_ADMIN_REMOVE[] =
    "DELETE FROM account_roles WHERE account_id = $1::bigint AND role = 'dept_admin'"
    " AND org_unit = $2";

static const char SQL_ORG_TREE_UNITS[] =
    "SELECT u.code, u.name, u.name_en, coalesce(p.code, ''), u.kind, u.closed_at IS NOT NULL"
    " FROM org_units u LEFT JOIN org_units p ON p.id = u.parent_id";

static const char SQL_ORG_TREE_MEMBERS[] =
    "SELECT a.campus_id, u.code, pu.title FROM person_units pu"
    " JOIN accounts a ON a.id = pu.account_id JOIN org_units u ON u.id = pu.unit_id"
    " WHERE pu.valid_to IS NULL ORDER BY pu.id";

static const char SQL_ORG_ACCOUNTS_NAMED[] =
    "SELECT campus_id, name FROM accounts WHERE campus_id = ANY ($1::text[])";

/* ---- helpers ------------------------------------------------------------------------------- */

static const char *org__i64(arena_t *a, int64_t v) {
  return arena_printf(a, "%" PRId64, v);
}

/* A text[] literal: store_pg_text_array (pg.h). */
#define org__text_array store_pg_text_array

static const char *org__int_array(arena_t *a, const int *v, size_t n) {
  char *s = arena_alloc(a, n * 12 + 3), *p = s;
  *p++ = '{';
  for (size_t i = 0; i < n; i++)
    p += sprintf(p, "%s%d", i ? "," : "", v[i]);
  *p++ = '}';
  *p = '\0';
  return s;
}

static int64_t *org__split_ids(arena_t *a, const char *s, size_t *n) {
  size_t cap = 1;
  for (const char *p = s; *p; p++)
    cap += *p == ' ';
  int64_t *v = arena_alloc(a, cap * sizeof(*v));
  *n = 0;
  for (const char *p = s; *p;) {
    char *end;
    long long x = strtoll(p, &end, 10);
    if (end == p)
      break;
    v[(*n)++] = x;
    p = end;
    while (*p == ' ')
      p++;
  }
  return v;
}

static void org__unit_row(arena_t *a, const store_rows_t *r, int i, store_org_unit_t *u) {
  memset(u, 0, sizeof(*u));
  u->id = store_rows_int64(r, i, 0);
  u->code = store_rows_get(r, i, 1);
  u->name = store_rows_get(r, i, 2);
  u->name_en = store_rows_get(r, i, 3);
  u->kind = (int)store_rows_int64(r, i, 4);
  u->parent_code = store_rows_get(r, i, 5);
  u->parent_id = store_rows_int64(r, i, 6);
  u->closed_us = store_rows_int64(r, i, 7);
  u->child_count = (int)store_rows_int64(r, i, 8);
  u->people_count = (int)store_rows_int64(r, i, 9);
  u->path_ids = org__split_ids(a, store_rows_get(r, i, 10), &u->n_path_ids);
}

static bool org__exec(arena_t *a, store_pg_conn_t *conn, const char *sql, int n,
                      const char *const *params, eh_err_t *err) {
  return store_pg_exec(a, conn, sql, n, params, err) != NULL;
}

/* ---- access -------------------------------------------------------------------------------- */

bool store_org_admins_unit(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                           int64_t account_id, const char *unit_code, bool *ok, eh_err_t *err) {
  *ok = false;
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  char idbuf[24];
  snprintf(idbuf, sizeof(idbuf), "%" PRId64, account_id);
  const char *params[] = {idbuf, unit_code};
  store_rows_t *r = store_pg_exec(a, conn, SQL_ORG_ADMINS_UNIT, 2, params, err);
  store_pg_release(conn);
  if (r == NULL)
    return false;
  *ok = store_rows_count(r) == 1 && strcmp(store_rows_get(r, 0, 0), "t") == 0;
  return true;
}

/* ---- units --------------------------------------------------------------------------------- */

bool store_org_tree_lock_tx(arena_t *a, store_pg_conn_t *conn, eh_err_t *err) {
  return org__exec(a, conn, SQL_ORG_TREE_LOCK, 0, NULL, err);
}

bool store_org_unit_get(arena_t *a, store_pg_conn_t *conn, const char *code, bool lock,
                        store_org_unit_t *out, bool *found, eh_err_t *err) {
  *found = false;
  const char *params[] = {code};
  store_rows_t *r =
      store_pg_exec(a, conn, lock ? SQL_ORG_UNIT_GET_LOCK : SQL_ORG_UNIT_GET, 1, params, err);
  if (r == NULL)
    return false;
  if (store_rows_count(r) == 1) {
    org__unit_row(a, r, 0, out);
    *found = true;
  }
  return true;
}

bool store_org_unit_list(arena_t *a, store_pg_conn_t *conn, const char *parent_code,
                         const char *query, bool include_closed, int64_t offset, int limit,
                         store_org_unit_t **out, size_t *n, eh_err_t *err) {
  const char *params[] = {parent_code ? parent_code : "", query ? query : "",
                          include_closed ? "true" : "false", org__i64(a, limit),
                          org__i64(a, offset)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_ORG_UNIT_LIST, 5, params, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *out = arena_alloc(a, (size_t)(rows + 1) * sizeof(**out));
  for (int i = 0; i < rows; i++)
    org__unit_row(a, r, i, &(*out)[i]);
  *n = (size_t)rows;
  return true;
}

bool store_org_units_paths(arena_t *a, store_pg_conn_t *conn, store_org_unit_t *units, size_t n,
                           eh_err_t *err) {
  size_t total = 0;
  for (size_t i = 0; i < n; i++)
    total += units[i].n_path_ids;
  if (total == 0)
    return true;
  char *ids = arena_alloc(a, total * 22 + 3), *p = ids;
  *p++ = '{';
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < units[i].n_path_ids; j++)
      p += sprintf(p, "%s%" PRId64, k++ ? "," : "", units[i].path_ids[j]);
  *p++ = '}';
  *p = '\0';
  const char *params[] = {ids};
  store_rows_t *r = store_pg_exec(a, conn, SQL_ORG_REFS, 1, params, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  for (size_t i = 0; i < n; i++) {
    store_org_unit_t *u = &units[i];
    size_t len = u->n_path_ids > 0 ? u->n_path_ids - 1 : 0; /* the unit itself is not shown */
    u->path = arena_zalloc(a, (len + 1) * sizeof(*u->path));
    u->n_path = 0;
    for (size_t j = 0; j < len; j++)
      for (int row = 0; row < rows; row++)
        if (store_rows_int64(r, row, 0) == u->path_ids[j]) {
          u->path[u->n_path].code = store_rows_get(r, row, 1);
          u->path[u->n_path].name = store_rows_get(r, row, 2);
          u->path[u->n_path].kind = (int)store_rows_int64(r, row, 3);
          u->n_path++;
          break;
        }
  }
  return true;
}

bool store_org_units_insert_tx(arena_t *a, store_pg_conn_t *conn, const char *const *codes,
                               const char *const *names, const char *const *names_en,
                               const int *kinds, const char *const *parent_codes, size_t n,
                               eh_err_t *err) {
  if (n == 0)
    return true;
  const char *params[] = {org__text_array(a, codes, n), org__text_array(a, names, n),
                          org__text_array(a, names_en, n), org__int_array(a, kinds, n),
                          org__text_array(a, parent_codes, n)};
  return org__exec(a, conn, SQL_ORG_UNITS_INSERT, 5, params, err);
}

bool store_org_units_rename_tx(arena_t *a, store_pg_conn_t *conn, const char *const *codes,
                               const char *const *names, const char *const *names_en, size_t n,
                               eh_err_t *err) {
  if (n == 0)
    return true;
  const char *params[] = {org__text_array(a, codes, n), org__text_array(a, names, n),
                          org__text_array(a, names_en, n)};
  return org__exec(a, conn, SQL_ORG_UNITS_RENAME, 3, params, err);
}

bool store_org_unit_move_tx(arena_t *a, store_pg_conn_t *conn, int64_t id, int64_t new_parent_id,
                            eh_err_t *err) {
  const char *params[] = {org__i64(a, id), org__i64(a, new_parent_id)};
  return org__exec(a, conn, SQL_ORG_UNIT_MOVE, 2, params, err);
}

bool store_org_units_reparent_tx(arena_t *a, store_pg_conn_t *conn, const char *const *codes,
                                 const char *const *parent_codes, size_t n, eh_err_t *err) {
  if (n == 0)
    return true;
  const char *params[] = {org__text_array(a, codes, n), org__text_array(a, parent_codes, n)};
  return org__exec(a, conn, SQL_ORG_UNITS_REPARENT, 2, params, err) &&
         org__exec(a, conn, SQL_ORG_PATHS_REBUILD, 0, NULL, err);
}

bool store_org_units_set_closed_tx(arena_t *a, store_pg_conn_t *conn, const char *const *codes,
                                   size_t n, bool closed, eh_err_t *err) {
  if (n == 0)
    return true;
  const char *params[] = {org__text_array(a, codes, n)};
  return org__exec(a, conn, closed ? SQL_ORG_UNITS_CLOSE : SQL_ORG_UNITS_REOPEN, 1, params, err);
}

bool store_org_unit_move_people_tx(arena_t *a, store_pg_conn_t *conn, int64_t from_id,
                                   const char *from_code, int64_t to_id, const char *to_code,
                                   int *moved, eh_err_t *err) {
  const char *params[] = {org__i64(a, from_id), org__i64(a, to_id), from_code, to_code};
  store_rows_t *r = store_pg_exec(a, conn, SQL_ORG_MOVE_PEOPLE, 4, params, err);
  if (r == NULL)
    return false;
  *moved = (int)store_rows_int64(r, 0, 0);
  return true;
}

/* ---- people -------------------------------------------------------------------------------- */

bool store_org_account_get(arena_t *a, store_pg_conn_t *conn, const char *campus_id,
                           store_org_account_t *out, bool *found, eh_err_t *err) {
  *found = false;
  const char *params[] = {campus_id};
  store_rows_t *r = store_pg_exec(a, conn, SQL_ORG_ACCOUNT_GET, 1, params, err);
  if (r == NULL)
    return false;
  if (store_rows_count(r) == 1) {
    out->id = store_rows_int64(r, 0, 0);
    out->campus_id = store_rows_get(r, 0, 1);
    out->name = store_rows_get(r, 0, 2);
    out->org_unit = store_rows_get(r, 0, 3);
    out->kind = (int)store_rows_int64(r, 0, 4);
    out->status = (int)store_rows_int64(r, 0, 5);
    *found = true;
  }
  return true;
}

bool store_org_person_units(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                            store_org_person_unit_t **out, size_t *n, eh_err_t *err) {
  const char *params[] = {org__i64(a, account_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_ORG_PERSON_UNITS, 1, params, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, (size_t)(rows + 1) * sizeof(**out));
  for (int i = 0; i < rows; i++) {
    store_org_person_unit_t *u = &(*out)[i];
    u->unit.code = store_rows_get(r, i, 0);
    u->unit.name = store_rows_get(r, i, 1);
    u->unit.kind = (int)store_rows_int64(r, i, 2);
    u->title = store_rows_get(r, i, 3);
    u->since_us = store_rows_int64(r, i, 4);
  }
  *n = (size_t)rows;
  return true;
}

bool store_org_people_set_tx(arena_t *a, store_pg_conn_t *conn, const char *const *campus_ids,
                             size_t n_ids, const char *const *row_ids, const char *const *row_units,
                             const char *const *row_titles, size_t n_rows, eh_err_t *err) {
  if (n_ids == 0)
    return true;
  const char *rows_ids = org__text_array(a, row_ids, n_rows);
  const char *rows_units = org__text_array(a, row_units, n_rows);
  const char *rows_titles = org__text_array(a, row_titles, n_rows);
  const char *end[] = {org__text_array(a, campus_ids, n_ids), rows_ids, rows_units, rows_titles};
  const char *start[] = {rows_ids, rows_units, rows_titles};
  return org__exec(a, conn, SQL_ORG_PEOPLE_END, 4, end, err) &&
         org__exec(a, conn, SQL_ORG_PEOPLE_START, 3, start, err);
}

bool store_org_accounts_unit_tx(arena_t *a, store_pg_conn_t *conn, const char *const *campus_ids,
                                const char *const *units, size_t n, eh_err_t *err) {
  if (n == 0)
    return true;
  const char *params[] = {org__text_array(a, campus_ids, n), org__text_array(a, units, n)};
  return org__exec(a, conn, SQL_ORG_ACCOUNTS_UNIT, 2, params, err);
}

/* ---- department admins ------------------------------------------------------------------- */

/* Rows of (campus id, name) as store_org_admin_t; answers how many. */
static size_t org__people_rows(arena_t *a, store_rows_t *r, store_org_admin_t **out) {
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, (size_t)(rows + 1) * sizeof(**out));
  for (int i = 0; i < rows; i++) {
    (*out)[i].campus_id = store_rows_get(r, i, 0);
    (*out)[i].name = store_rows_get(r, i, 1);
  }
  return (size_t)rows;
}

bool store_org_unit_admins(arena_t *a, store_pg_conn_t *conn, const char *unit_code,
                           store_org_admin_t **out, size_t *n, eh_err_t *err) {
  const char *params[] = {unit_code};
  store_rows_t *r = store_pg_exec(a, conn, SQL_ORG_ADMINS, 1, params, err);
  if (r == NULL)
    return false;
  *n = org__people_rows(a, r, out);
  return true;
}

bool store_org_admin_add_tx(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                            const char *unit_code, bool *changed, eh_err_t *err) {
  const char *params[] = {org__i64(a, account_id), unit_code};
  store_rows_t *r = store_pg_exec(a, conn, SQL_ORG_ADMIN_ADD, 2, params, err);
  if (r == NULL)
    return false;
  *changed = store_rows_affected(r) > 0;
  return true;
}

bool store_org_admin_remove_tx(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                               const char *unit_code, bool *changed, eh_err_t *err) {
  const char *params[] = {org__i64(a, account_id), unit_code};
  store_rows_t *r = store_pg_exec(a, conn, SQL_ORG_ADMIN_REMOVE, 2, params, err);
  if (r == NULL)
    return false;
  *changed = store_rows_affected(r) > 0;
  return true;
}

/* ---- HR's import --------------------------------------------------------------------------- */

bool store_org_tree_load(arena_t *a, store_pg_conn_t *conn, store_org_tree_unit_t **units,
                         size_t *n_units, store_org_membership_t **members, size_t *n_members,
                         eh_err_t *err) {
  store_rows_t *r = store_pg_exec(a, conn, SQL_ORG_TREE_UNITS, 0, NULL, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *units = arena_zalloc(a, (size_t)(rows + 1) * sizeof(**units));
  for (int i = 0; i < rows; i++) {
    store_org_tree_unit_t *u = &(*units)[i];
    u->code = store_rows_get(r, i, 0);
    u->name = store_rows_get(r, i, 1);
    u->name_en = store_rows_get(r, i, 2);
    u->parent_code = store_rows_get(r, i, 3);
    u->kind = (int)store_rows_int64(r, i, 4);
    u->closed = strcmp(store_rows_get(r, i, 5), "t") == 0;
  }
  *n_units = (size_t)rows;
  r = store_pg_exec(a, conn, SQL_ORG_TREE_MEMBERS, 0, NULL, err);
  if (r == NULL)
    return false;
  rows = store_rows_count(r);
  *members = arena_zalloc(a, (size_t)(rows + 1) * sizeof(**members));
  for (int i = 0; i < rows; i++) {
    store_org_membership_t *m = &(*members)[i];
    m->campus_id = store_rows_get(r, i, 0);
    m->unit_code = store_rows_get(r, i, 1);
    m->title = store_rows_get(r, i, 2);
  }
  *n_members = (size_t)rows;
  return true;
}

bool store_org_accounts_named(arena_t *a, store_pg_conn_t *conn, const char *const *campus_ids,
                              size_t n, store_org_admin_t **out, size_t *n_out, eh_err_t *err) {
  const char *params[] = {org__text_array(a, campus_ids, n)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_ORG_ACCOUNTS_NAMED, 1, params, err);
  if (r == NULL)
    return false;
  *n_out = org__people_rows(a, r, out);
  return true;
}
