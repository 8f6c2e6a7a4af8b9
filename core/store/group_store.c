/*
 * group_store.c — SQL of approver groups, members' scopes, resolution and delegations
 * (migrations/0008). Every statement is parameterised; lists travel as space-joined text
 * (campus ids and unit codes never hold a space) and aggregated columns are joined by the unit
 * separator chr(31). Never logs a row.
 */
#include "core/store/group_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GROUP_US(col) "(extract(epoch FROM " col ") * 1000000)::bigint"

#define GROUP_BASE_COLS                                                                            \
  "g.id, g.code, g.name, g.name_en, g.description, g.builtin, o.id, o.code, o.name, o.kind,"
#define GROUP_COLS                                                                                 \
  GROUP_BASE_COLS " (SELECT count(DISTINCT s.account_id) FROM group_scopes s"                      \
                  "  WHERE s.group_id = g.id AND s.valid_to IS NULL)"
#define GROUP_FROM " FROM approver_groups g JOIN org_units o ON o.id = g.owner_unit_id"

static const char SQL_GROUP_LIST[] = "SELECT " GROUP_COLS GROUP_FROM " ORDER BY g.code";
static const char SQL_GROUP_LIST_UNCOUNTED[] =
    "SELECT " GROUP_BASE_COLS " 0" GROUP_FROM " ORDER BY g.code";

/* Loading one group (for an access check or a change) never shows its member count: 0. */
static const char SQL_GROUP_GET[] = "SELECT " GROUP_BASE_COLS " 0" GROUP_FROM " WHERE g.code = $1";

static const char SQL_GROUP_INSERT[] =
    "WITH g AS (INSERT INTO approver_groups (code, name, name_en, description, owner_unit_id)"
    " VALUES ($1, $2, $3, $4, $5::bigint) RETURNING *)"
    " SELECT " GROUP_COLS " FROM g JOIN org_units o ON o.id = g.owner_unit_id";

/* The same rule as store_org_admins_unit (org_store.c), for every group at once. */
static const char SQL_GROUP_MANAGED[] =
    "SELECT g.id FROM approver_groups g JOIN org_units o ON o.id = g.owner_unit_id"
    " WHERE EXISTS (SELECT 1 FROM account_roles r JOIN org_units u ON u.code = r.org_unit"
    " WHERE r.account_id = $1::bigint AND r.role = 'dept_admin' AND u.id = ANY (o.path))"
    " ORDER BY g.id";

#define UNIT_COLS "u.id, u.code, u.name, u.kind, u.closed_at IS NULL"

static const char SQL_GROUP_UNIT[] = "SELECT " UNIT_COLS " FROM org_units u WHERE u.code = $1";

static const char SQL_GROUP_UNITS[] =
    "SELECT " UNIT_COLS " FROM org_units u WHERE u.code = ANY (string_to_array($1, ' '))";

#define ACCOUNT_COLS "a.id, a.campus_id, a.name, a.kind, a.status"

static const char SQL_GROUP_ACCOUNT[] =
    "SELECT " ACCOUNT_COLS " FROM accounts a WHERE a.campus_id = $1";

static const char SQL_GROUP_ACCOUNT_BY_ID[] =
    "SELECT " ACCOUNT_COLS " FROM accounts a WHERE a.id = $1::bigint";

static const char SQL_GROUP_ACCOUNTS[] =
    "SELECT " ACCOUNT_COLS " FROM accounts a WHERE a.campus_id = ANY (string_to_array($1, ' '))";

/* Class 8008 of advisory locks: one group's members; 8009: delegation creation. */
static const char SQL_GROUP_LOCK[] = "SELECT pg_advisory_xact_lock(8008, $1::int)";

// clang-format off
static const char SQL_GROUP_MEMBERS[] =
    "SELECT a.id, a.campus_id, a.name,"
    " string_agg(u.id::text, chr(31) ORDER BY u.code), string_agg(u.code, chr(31) ORDER BY u.code),"
    " string_agg(u.name, chr(31) ORDER BY u.code), string_agg(u.kind::text, chr(31) ORDER BY u.code),"
    " string_agg(" GROUP_US("s.valid_from") "::text, chr(31) ORDER BY u.code),"
    " count(*) OVER ()"
    " FROM group_scopes s JOIN accounts a ON a.id = s.account_id JOIN org_units u ON u.id = s.unit_id"
    " WHERE s.group_id = $1::bigint AND s.valid_to IS NULL"
    " AND ($2 = '' OR strpos(lower(a.campus_id), lower($2)) > 0 OR strpos(lower(a.name), lower($2)) > 0)"
    " GROUP BY a.id ORDER BY a.campus_id OFFSET $3::bigint LIMIT $4::int";

static const char SQL_GROUP_MEMBER_SCOPES[] =
    "SELECT u.id, u.code, u.name, u.kind, " GROUP_US("s.valid_from")
    " FROM group_scopes s JOIN org_units u ON u.id = s.unit_id"
    " WHERE s.group_id = $1::bigint AND s.account_id = $2::bigint AND s.valid_to IS NULL"
    " ORDER BY u.code";

static const char SQL_GROUP_SCOPE_ADD[] =
    "INSERT INTO group_scopes (group_id, account_id, unit_id) VALUES ($1::bigint, $2::bigint, $3::bigint)"
    " ON CONFLICT (group_id, account_id, unit_id) WHERE valid_to IS NULL DO NOTHING";

static const char SQL_GROUP_SCOPE_END[] =
    "UPDATE group_scopes SET valid_to = greatest(now(), valid_from)"
    " WHERE group_id = $1::bigint AND account_id = $2::bigint AND valid_to IS NULL"
    " AND ($3::bigint = 0 OR unit_id = $3::bigint)";

static const char SQL_GROUP_IS_MEMBER[] =
    "SELECT EXISTS (SELECT 1 FROM group_scopes s WHERE s.account_id = $1::bigint"
    " AND s.valid_to IS NULL AND ($2::bigint = 0 OR s.group_id = $2::bigint))";

static const char SQL_GROUP_SERVED[] =
    "SELECT " GROUP_COLS ", u.id, u.code, u.name, u.kind, " GROUP_US("sc.valid_from") GROUP_FROM
    " JOIN group_scopes sc ON sc.group_id = g.id JOIN org_units u ON u.id = sc.unit_id"
    " WHERE sc.account_id = $1::bigint AND sc.valid_to IS NULL ORDER BY g.code, u.code";

/*
 * Resolution: "who is group $2's approver for $1 at time $3". The starting units (a person's
 * units valid at $3 — or, for a person who never had any, the open unit named by
 * accounts.org_unit — or the one unit asked about) are walked up their paths (ids root..self,
 * unnest WITH ORDINALITY gives the depth); for each start the deepest unit with a scope of the
 * group valid at $3 wins (rank 1), and every member scoped there is a candidate (once, with his
 * nearest scope). Then each candidate is replaced by his delegate at $3 (the Asia/Shanghai date
 * of $3 within the delegation's days, not ended by $3, for this group or all), following chains
 * up to 8 steps and never revisiting a person. One statement, so the benchmark can run it with
 * pgbench: $1 bigint account id (or unit id), $2 bigint group id, $3 timestamptz.
 * Columns: acting campus id, name; member campus id, name; delegation id (0: none); the scope
 * unit's code, name, kind.
 */
#define GROUP_VALID_AT(t) \
  " " t ".valid_from <= $3::timestamptz AND (" t ".valid_to IS NULL OR " t ".valid_to > $3::timestamptz)"

/* The OFFSET 0 keeps the planner from flattening the EXISTS into a join over every scope of the
 * group (measured: a prepared run went from ~1 ms to ~0.3 ms). */
#define GROUP_RESOLVE_TAIL \
  " walk AS (" \
  "  SELECT st.unit_id AS start_id, p.anc_id, p.depth" \
  "  FROM starts st JOIN org_units ou ON ou.id = st.unit_id" \
  "  CROSS JOIN LATERAL unnest(ou.path) WITH ORDINALITY AS p (anc_id, depth)" \
  " ), served AS (" \
  "  SELECT w.start_id, w.anc_id, w.depth," \
  "   rank() OVER (PARTITION BY w.start_id ORDER BY w.depth DESC) AS rk" \
  "  FROM walk w WHERE EXISTS (SELECT 1 FROM group_scopes gs WHERE gs.group_id = $2::bigint" \
  "   AND gs.unit_id = w.anc_id AND" GROUP_VALID_AT("gs") " OFFSET 0)" \
  " ), members AS (" \
  "  SELECT DISTINCT ON (gs.account_id) gs.account_id, sv.anc_id AS scope_id" \
  "  FROM served sv JOIN group_scopes gs ON gs.group_id = $2::bigint AND gs.unit_id = sv.anc_id" \
  "   AND" GROUP_VALID_AT("gs") \
  "  WHERE sv.rk = 1 ORDER BY gs.account_id, sv.depth DESC" \
  " ), chain AS (" \
  "  SELECT m.account_id AS member_id, m.scope_id, m.account_id AS acting_id," \
  "   0::bigint AS delegation_id, 0 AS hops, ARRAY[m.account_id] AS seen FROM members m" \
  "  UNION ALL" \
  "  SELECT c.member_id, c.scope_id, d.to_account_id, d.id, c.hops + 1, c.seen || d.to_account_id" \
  "  FROM chain c CROSS JOIN LATERAL (SELECT x.id, x.to_account_id FROM delegations x" \
  "   WHERE x.from_account_id = c.acting_id AND (x.group_id IS NULL OR x.group_id = $2::bigint)" \
  "   AND ($3::timestamptz AT TIME ZONE 'Asia/Shanghai')::date BETWEEN x.start_date AND x.end_date" \
  "   AND (x.ended_at IS NULL OR x.ended_at > $3::timestamptz)" \
  "   ORDER BY x.group_id IS NULL, x.id DESC LIMIT 1) d" \
  "  WHERE c.hops < 8 AND d.to_account_id <> ALL (c.seen)" \
  " ), final AS (SELECT DISTINCT ON (member_id) * FROM chain ORDER BY member_id, hops DESC)" \
  " SELECT act.campus_id, act.name, mem.campus_id, mem.name, f.delegation_id," \
  "  su.code, su.name, su.kind" \
  " FROM final f JOIN accounts act ON act.id = f.acting_id JOIN accounts mem ON mem.id = f.member_id" \
  " JOIN org_units su ON su.id = f.scope_id ORDER BY mem.name, mem.campus_id"

/* $1: the person's account id. */
static const char SQL_GROUP_RESOLVE_PERSON[] =
    "WITH RECURSIVE starts AS ("
    "  SELECT pu.unit_id FROM person_units pu"
    "  WHERE pu.account_id = $1::bigint AND" GROUP_VALID_AT("pu")
    "  UNION"
    "  SELECT ou.id FROM accounts ac JOIN org_units ou ON ou.code = ac.org_unit AND ou.closed_at IS NULL"
    "  WHERE ac.id = $1::bigint AND NOT EXISTS (SELECT 1 FROM person_units px WHERE px.account_id = $1::bigint)"
    " )," GROUP_RESOLVE_TAIL;

/* $1: the unit's id. */
static const char SQL_GROUP_RESOLVE_UNIT[] =
    "WITH RECURSIVE starts AS (SELECT $1::bigint AS unit_id)," GROUP_RESOLVE_TAIL;
// clang-format on

/* --- delegations -------------------------------------------------------------------------- */

#define DELEG_TODAY "(now() AT TIME ZONE 'Asia/Shanghai')::date"
#define DELEG_COLS                                                                                 \
  "d.id, d.from_account_id, d.to_account_id, fa.campus_id, fa.name, ta.campus_id, ta.name,"        \
  " coalesce(d.group_id, 0), coalesce(g.code, ''), coalesce(g.name, ''),"                          \
  " to_char(d.start_date, 'YYYY-MM-DD'), to_char(d.end_date, 'YYYY-MM-DD'), d.reason,"             \
  " d.ended_at IS NULL AND " DELEG_TODAY " BETWEEN d.start_date AND d.end_date,"                   \
  " d.ended_at IS NOT NULL, " GROUP_US("d.created_at") ", coalesce(" GROUP_US("d.ended_at") ", 0)"
#define DELEG_FROM                                                                                 \
  " FROM delegations d JOIN accounts fa ON fa.id = d.from_account_id"                              \
  " JOIN accounts ta ON ta.id = d.to_account_id LEFT JOIN approver_groups g ON g.id = d.group_id"

static const char SQL_DELEG_LOCK[] = "SELECT pg_advisory_xact_lock(8009, 0)";

static const char SQL_DELEG_TODAY[] = "SELECT to_char(" DELEG_TODAY ", 'YYYY-MM-DD')";

static const char SQL_DELEG_OVERLAPPING[] =
    "SELECT " DELEG_COLS DELEG_FROM " WHERE d.ended_at IS NULL"
    " AND d.end_date >= $1::date AND d.start_date <= $2::date"
    " AND ($3::bigint = 0 OR d.group_id IS NULL OR d.group_id = $3::bigint) ORDER BY d.id";

static const char SQL_DELEG_INSERT[] =
    "INSERT INTO delegations (from_account_id, to_account_id, group_id, start_date, end_date,"
    " reason, created_by) VALUES ($1::bigint, $2::bigint, nullif($3::bigint, 0), $4::date,"
    " $5::date, $6, $7::bigint) RETURNING id";

static const char SQL_DELEG_GET[] = "SELECT " DELEG_COLS DELEG_FROM " WHERE d.id = $1::bigint";

static const char SQL_DELEG_GET_FOR_UPDATE[] =
    "SELECT " DELEG_COLS DELEG_FROM " WHERE d.id = $1::bigint FOR UPDATE OF d";

static const char SQL_DELEG_LIST[] =
    "SELECT " DELEG_COLS DELEG_FROM
    " WHERE (d.from_account_id = $1::bigint OR d.to_account_id = $1::bigint)"
    " AND ($2::boolean OR (d.ended_at IS NULL AND d.end_date >= " DELEG_TODAY "))"
    " ORDER BY (d.ended_at IS NOT NULL OR d.end_date < " DELEG_TODAY "), d.start_date, d.id"
    " LIMIT 500";

static const char SQL_DELEG_END[] =
    "UPDATE delegations SET ended_at = now() WHERE id = $1::bigint AND ended_at IS NULL";

/* --- helpers ------------------------------------------------------------------------------ */

static const char *group__i64(arena_t *a, int64_t v) {
  return arena_printf(a, "%" PRId64, v);
}

static bool group__bool(const store_rows_t *r, int row, int col) {
  return strcmp(store_rows_get(r, row, col), "t") == 0;
}

static const char *group__str(arena_t *a, const store_rows_t *r, int row, int col) {
  return arena_strdup(a, store_rows_get(r, row, col));
}

/* Space-joined list of codes (they never hold a space). */
static const char *group__join(arena_t *a, const char *const *v, size_t n) {
  size_t len = 1;
  for (size_t i = 0; i < n; i++)
    len += strlen(v[i]) + 1;
  char *s = arena_alloc(a, len), *p = s;
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(v[i]);
    if (i)
      *p++ = ' ';
    memcpy(p, v[i], l);
    p += l;
  }
  *p = '\0';
  return s;
}

/* Splits a chr(31)-joined aggregate into n pieces (owned by a). */
static const char **group__split(arena_t *a, const char *s, size_t *n) {
  size_t cap = 1;
  for (const char *p = s; *p; p++)
    if (*p == '\x1f')
      cap++;
  const char **v = arena_alloc(a, sizeof(*v) * cap);
  *n = 0;
  const char *p = s;
  for (;;) {
    const char *e = strchr(p, '\x1f');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    v[(*n)++] = arena_strndup(a, p, len);
    if (e == NULL)
      break;
    p = e + 1;
  }
  return v;
}

static void group__row(arena_t *a, const store_rows_t *r, int i, int c, store_group_t *g) {
  g->id = store_rows_int64(r, i, c + 0);
  g->code = group__str(a, r, i, c + 1);
  g->name = group__str(a, r, i, c + 2);
  g->name_en = group__str(a, r, i, c + 3);
  g->description = group__str(a, r, i, c + 4);
  g->builtin = group__bool(r, i, c + 5);
  g->owner_id = store_rows_int64(r, i, c + 6);
  g->owner_code = group__str(a, r, i, c + 7);
  g->owner_name = group__str(a, r, i, c + 8);
  g->owner_kind = (int)store_rows_int64(r, i, c + 9);
  g->member_count = (int)store_rows_int64(r, i, c + 10);
}

#define GROUP_NCOLS 11

static void group__unit_row(arena_t *a, const store_rows_t *r, int i, store_group_unit_t *u) {
  u->id = store_rows_int64(r, i, 0);
  u->code = group__str(a, r, i, 1);
  u->name = group__str(a, r, i, 2);
  u->kind = (int)store_rows_int64(r, i, 3);
  u->open = group__bool(r, i, 4);
}

static void group__account_row(arena_t *a, const store_rows_t *r, int i, store_group_account_t *x) {
  x->id = store_rows_int64(r, i, 0);
  x->campus_id = group__str(a, r, i, 1);
  x->name = group__str(a, r, i, 2);
  x->kind = (int)store_rows_int64(r, i, 3);
  x->status = (int)store_rows_int64(r, i, 4);
}

static void group__deleg_row(arena_t *a, const store_rows_t *r, int i, store_delegation_t *d) {
  d->id = store_rows_int64(r, i, 0);
  d->from_id = store_rows_int64(r, i, 1);
  d->to_id = store_rows_int64(r, i, 2);
  d->from_campus_id = group__str(a, r, i, 3);
  d->from_name = group__str(a, r, i, 4);
  d->to_campus_id = group__str(a, r, i, 5);
  d->to_name = group__str(a, r, i, 6);
  d->group_id = store_rows_int64(r, i, 7);
  d->group_code = group__str(a, r, i, 8);
  d->group_name = group__str(a, r, i, 9);
  d->start_date = group__str(a, r, i, 10);
  d->end_date = group__str(a, r, i, 11);
  d->reason = group__str(a, r, i, 12);
  d->active = group__bool(r, i, 13);
  d->ended = group__bool(r, i, 14);
  d->create_us = store_rows_int64(r, i, 15);
  d->end_us = store_rows_int64(r, i, 16);
}

/* "YYYY-MM-DD HH:MM:SS.ffffff+00" of unix µs. */
static const char *group__timestamptz(arena_t *a, int64_t us) {
  int64_t s = us / 1000000, frac = us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    s -= 1;
  }
  time_t t = (time_t)s;
  struct tm tm;
  gmtime_r(&t, &tm);
  return arena_printf(a, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
}

/* --- groups ------------------------------------------------------------------------------- */

bool store_group_list(arena_t *a, store_pg_conn_t *conn, bool count_members, store_group_t **out,
                      size_t *n, eh_err_t *err) {
  store_rows_t *r = store_pg_exec(
      a, conn, count_members ? SQL_GROUP_LIST : SQL_GROUP_LIST_UNCOUNTED, 0, NULL, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, sizeof(**out) * (size_t)(rows + 1));
  for (int i = 0; i < rows; i++)
    group__row(a, r, i, 0, &(*out)[i]);
  *n = (size_t)rows;
  return true;
}

bool store_group_get(arena_t *a, store_pg_conn_t *conn, const char *code, store_group_t *out,
                     bool *found, eh_err_t *err) {
  const char *p[] = {code};
  store_rows_t *r = store_pg_exec(a, conn, SQL_GROUP_GET, 1, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    group__row(a, r, 0, 0, out);
  return true;
}

bool store_group_insert(arena_t *a, store_pg_conn_t *conn, const char *code, const char *name,
                        const char *name_en, const char *description, int64_t owner_id,
                        store_group_t *out, eh_err_t *err) {
  const char *p[] = {code, name, name_en, description, group__i64(a, owner_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_GROUP_INSERT, 5, p, err);
  if (r == NULL)
    return false;
  group__row(a, r, 0, 0, out);
  return true;
}

bool store_group_managed_ids(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int64_t **ids,
                             size_t *n, eh_err_t *err) {
  const char *p[] = {group__i64(a, account_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_GROUP_MANAGED, 1, p, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *ids = arena_zalloc(a, sizeof(**ids) * (size_t)(rows + 1));
  for (int i = 0; i < rows; i++)
    (*ids)[i] = store_rows_int64(r, i, 0);
  *n = (size_t)rows;
  return true;
}

/* --- look-ups ----------------------------------------------------------------------------- */

bool store_group_unit(arena_t *a, store_pg_conn_t *conn, const char *code, store_group_unit_t *out,
                      bool *found, eh_err_t *err) {
  const char *p[] = {code};
  store_rows_t *r = store_pg_exec(a, conn, SQL_GROUP_UNIT, 1, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    group__unit_row(a, r, 0, out);
  return true;
}

bool store_group_units(arena_t *a, store_pg_conn_t *conn, const char *const *codes, size_t n,
                       store_group_unit_t **out, size_t *n_out, eh_err_t *err) {
  const char *p[] = {group__join(a, codes, n)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_GROUP_UNITS, 1, p, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, sizeof(**out) * (size_t)(rows + 1));
  for (int i = 0; i < rows; i++)
    group__unit_row(a, r, i, &(*out)[i]);
  *n_out = (size_t)rows;
  return true;
}

static bool group__account_one(arena_t *a, store_pg_conn_t *conn, const char *sql, const char *arg,
                               store_group_account_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {arg};
  store_rows_t *r = store_pg_exec(a, conn, sql, 1, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    group__account_row(a, r, 0, out);
  return true;
}

bool store_group_account(arena_t *a, store_pg_conn_t *conn, const char *campus_id,
                         store_group_account_t *out, bool *found, eh_err_t *err) {
  return group__account_one(a, conn, SQL_GROUP_ACCOUNT, campus_id, out, found, err);
}

bool store_group_account_by_id(arena_t *a, store_pg_conn_t *conn, int64_t id,
                               store_group_account_t *out, bool *found, eh_err_t *err) {
  return group__account_one(a, conn, SQL_GROUP_ACCOUNT_BY_ID, group__i64(a, id), out, found, err);
}

bool store_group_accounts(arena_t *a, store_pg_conn_t *conn, const char *const *campus_ids,
                          size_t n, store_group_account_t **out, size_t *n_out, eh_err_t *err) {
  const char *p[] = {group__join(a, campus_ids, n)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_GROUP_ACCOUNTS, 1, p, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, sizeof(**out) * (size_t)(rows + 1));
  for (int i = 0; i < rows; i++)
    group__account_row(a, r, i, &(*out)[i]);
  *n_out = (size_t)rows;
  return true;
}

/* --- members ------------------------------------------------------------------------------ */

bool store_group_lock(arena_t *a, store_pg_conn_t *conn, int64_t group_id, eh_err_t *err) {
  const char *p[] = {group__i64(a, group_id)};
  return store_pg_exec(a, conn, SQL_GROUP_LOCK, 1, p, err) != NULL;
}

bool store_group_members(arena_t *a, store_pg_conn_t *conn, int64_t group_id, const char *query,
                         int64_t offset, int limit, store_group_member_t **out, size_t *n,
                         int *total, eh_err_t *err) {
  const char *p[] = {group__i64(a, group_id), query ? query : "", group__i64(a, offset),
                     limit > 0 ? group__i64(a, limit) : NULL};
  store_rows_t *r = store_pg_exec(a, conn, SQL_GROUP_MEMBERS, 4, p, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, sizeof(**out) * (size_t)(rows + 1));
  *total = 0;
  for (int i = 0; i < rows; i++) {
    store_group_member_t *m = &(*out)[i];
    m->account_id = store_rows_int64(r, i, 0);
    m->campus_id = group__str(a, r, i, 1);
    m->name = group__str(a, r, i, 2);
    size_t ni, nc, nn, nk, ns;
    const char **ids = group__split(a, store_rows_get(r, i, 3), &ni);
    const char **codes = group__split(a, store_rows_get(r, i, 4), &nc);
    const char **names = group__split(a, store_rows_get(r, i, 5), &nn);
    const char **kinds = group__split(a, store_rows_get(r, i, 6), &nk);
    const char **since = group__split(a, store_rows_get(r, i, 7), &ns);
    size_t k = ni;
    if (nc < k)
      k = nc;
    if (nn < k)
      k = nn;
    if (nk < k)
      k = nk;
    if (ns < k)
      k = ns;
    m->scopes = arena_zalloc(a, sizeof(*m->scopes) * (k + 1));
    for (size_t j = 0; j < k; j++) {
      m->scopes[j].unit_id = strtoll(ids[j], NULL, 10);
      m->scopes[j].code = codes[j];
      m->scopes[j].name = names[j];
      m->scopes[j].kind = atoi(kinds[j]);
      m->scopes[j].since_us = strtoll(since[j], NULL, 10);
    }
    m->n_scopes = k;
    *total = (int)store_rows_int64(r, i, 8);
  }
  *n = (size_t)rows;
  if (rows == 0 && offset > 0) {
    /* A page past the end still answers the total. */
    store_group_member_t *none;
    size_t nn;
    int t = 0;
    if (!store_group_members(a, conn, group_id, query, 0, 1, &none, &nn, &t, err))
      return false;
    *total = t;
  }
  return true;
}

bool store_group_member_scopes(arena_t *a, store_pg_conn_t *conn, int64_t group_id,
                               int64_t account_id, store_group_scope_t **out, size_t *n,
                               eh_err_t *err) {
  const char *p[] = {group__i64(a, group_id), group__i64(a, account_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_GROUP_MEMBER_SCOPES, 2, p, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, sizeof(**out) * (size_t)(rows + 1));
  for (int i = 0; i < rows; i++) {
    store_group_scope_t *s = &(*out)[i];
    s->unit_id = store_rows_int64(r, i, 0);
    s->code = group__str(a, r, i, 1);
    s->name = group__str(a, r, i, 2);
    s->kind = (int)store_rows_int64(r, i, 3);
    s->since_us = store_rows_int64(r, i, 4);
  }
  *n = (size_t)rows;
  return true;
}

bool store_group_scope_add(arena_t *a, store_pg_conn_t *conn, int64_t group_id, int64_t account_id,
                           int64_t unit_id, eh_err_t *err) {
  const char *p[] = {group__i64(a, group_id), group__i64(a, account_id), group__i64(a, unit_id)};
  return store_pg_exec(a, conn, SQL_GROUP_SCOPE_ADD, 3, p, err) != NULL;
}

bool store_group_scope_end(arena_t *a, store_pg_conn_t *conn, int64_t group_id, int64_t account_id,
                           int64_t unit_id, int *ended, eh_err_t *err) {
  const char *p[] = {group__i64(a, group_id), group__i64(a, account_id), group__i64(a, unit_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_GROUP_SCOPE_END, 3, p, err);
  if (r == NULL)
    return false;
  if (ended)
    *ended = store_rows_affected(r);
  return true;
}

bool store_group_is_member(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int64_t group_id,
                           bool *is, eh_err_t *err) {
  const char *p[] = {group__i64(a, account_id), group__i64(a, group_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_GROUP_IS_MEMBER, 2, p, err);
  if (r == NULL)
    return false;
  *is = store_rows_count(r) == 1 && group__bool(r, 0, 0);
  return true;
}

bool store_group_served(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                        store_group_served_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {group__i64(a, account_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_GROUP_SERVED, 1, p, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, sizeof(**out) * (size_t)(rows + 1));
  for (int i = 0; i < rows; i++) {
    store_group_served_t *s = &(*out)[i];
    group__row(a, r, i, 0, &s->group);
    s->scope.unit_id = store_rows_int64(r, i, GROUP_NCOLS + 0);
    s->scope.code = group__str(a, r, i, GROUP_NCOLS + 1);
    s->scope.name = group__str(a, r, i, GROUP_NCOLS + 2);
    s->scope.kind = (int)store_rows_int64(r, i, GROUP_NCOLS + 3);
    s->scope.since_us = store_rows_int64(r, i, GROUP_NCOLS + 4);
  }
  *n = (size_t)rows;
  return true;
}

/* --- resolution --------------------------------------------------------------------------- */

bool store_group_resolve(arena_t *a, store_pg_conn_t *conn, bool by_unit, int64_t id,
                         int64_t group_id, int64_t at_us, store_group_candidate_t **out, size_t *n,
                         eh_err_t *err) {
  const char *p[] = {group__i64(a, id), group__i64(a, group_id), group__timestamptz(a, at_us)};
  store_rows_t *r = store_pg_exec(
      a, conn, by_unit ? SQL_GROUP_RESOLVE_UNIT : SQL_GROUP_RESOLVE_PERSON, 3, p, err);
  if (r == NULL)
    return false;
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, sizeof(**out) * (size_t)(rows + 1));
  for (int i = 0; i < rows; i++) {
    store_group_candidate_t *c = &(*out)[i];
    c->campus_id = group__str(a, r, i, 0);
    c->name = group__str(a, r, i, 1);
    c->member_campus_id = group__str(a, r, i, 2);
    c->member_name = group__str(a, r, i, 3);
    c->delegation_id = store_rows_int64(r, i, 4);
    c->scope_code = group__str(a, r, i, 5);
    c->scope_name = group__str(a, r, i, 6);
    c->scope_kind = (int)store_rows_int64(r, i, 7);
  }
  *n = (size_t)rows;
  return true;
}

/* --- delegations -------------------------------------------------------------------------- */

bool store_delegation_lock(arena_t *a, store_pg_conn_t *conn, eh_err_t *err) {
  return store_pg_exec(a, conn, SQL_DELEG_LOCK, 0, NULL, err) != NULL;
}

bool store_delegation_today(arena_t *a, store_pg_conn_t *conn, const char **today, eh_err_t *err) {
  store_rows_t *r = store_pg_exec(a, conn, SQL_DELEG_TODAY, 0, NULL, err);
  if (r == NULL)
    return false;
  *today = group__str(a, r, 0, 0);
  return true;
}

static bool group__deleg_rows(arena_t *a, store_rows_t *r, store_delegation_t **out, size_t *n) {
  int rows = store_rows_count(r);
  *out = arena_zalloc(a, sizeof(**out) * (size_t)(rows + 1));
  for (int i = 0; i < rows; i++)
    group__deleg_row(a, r, i, &(*out)[i]);
  *n = (size_t)rows;
  return true;
}

bool store_delegation_overlapping(arena_t *a, store_pg_conn_t *conn, const char *start,
                                  const char *end, int64_t group_id, store_delegation_t **out,
                                  size_t *n, eh_err_t *err) {
  const char *p[] = {start, end, group__i64(a, group_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_DELEG_OVERLAPPING, 3, p, err);
  return r != NULL && group__deleg_rows(a, r, out, n);
}

bool store_delegation_insert(arena_t *a, store_pg_conn_t *conn, int64_t from_id, int64_t to_id,
                             int64_t group_id, const char *start, const char *end,
                             const char *reason, int64_t created_by, int64_t *id, eh_err_t *err) {
  const char *p[] = {
      group__i64(a, from_id),   group__i64(a, to_id), group__i64(a, group_id), start, end, reason,
      group__i64(a, created_by)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_DELEG_INSERT, 7, p, err);
  if (r == NULL)
    return false;
  *id = store_rows_int64(r, 0, 0);
  return true;
}

bool store_delegation_get(arena_t *a, store_pg_conn_t *conn, int64_t id, bool for_update,
                          store_delegation_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {group__i64(a, id)};
  store_rows_t *r =
      store_pg_exec(a, conn, for_update ? SQL_DELEG_GET_FOR_UPDATE : SQL_DELEG_GET, 1, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    group__deleg_row(a, r, 0, out);
  return true;
}

bool store_delegation_list(arena_t *a, store_pg_conn_t *conn, int64_t account_id, bool include_past,
                           store_delegation_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {group__i64(a, account_id), include_past ? "true" : "false"};
  store_rows_t *r = store_pg_exec(a, conn, SQL_DELEG_LIST, 2, p, err);
  return r != NULL && group__deleg_rows(a, r, out, n);
}

bool store_delegation_end(arena_t *a, store_pg_conn_t *conn, int64_t id, eh_err_t *err) {
  const char *p[] = {group__i64(a, id)};
  return store_pg_exec(a, conn, SQL_DELEG_END, 1, p, err) != NULL;
}
