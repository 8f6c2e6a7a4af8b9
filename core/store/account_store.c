/*
 * account_store.c — SQL of accounts, their roles and credentials (migrations/0004). Every
 * statement is parameterised; callers pass validated values. Never logs a row, a hash, an
 * email or an openid.
 */
#include "core/store/account_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Roles come with the account as one text: items "role<US>org_unit" joined by <RS> (control
 * characters never occur in roles or org units: import and the API refuse them). */
#define ACCOUNT_COLUMNS                                                                            \
  "a.id, a.campus_id, a.name, a.kind, a.org_unit, coalesce(a.email, ''), a.phone, a.status,"       \
  " a.password_hash, a.must_change_password, coalesce(a.wechat_openid, ''),"                       \
  " extract(epoch FROM a.created_at)::bigint,"                                                     \
  " coalesce(extract(epoch FROM a.last_login_at)::bigint, 0),"                                     \
  " coalesce(extract(epoch FROM a.password_changed_at)::bigint, 0),"                               \
  " coalesce((SELECT string_agg(r.role || chr(31) || r.org_unit, chr(30)"                          \
  " ORDER BY r.role, r.org_unit) FROM account_roles r WHERE r.account_id = a.id), '')"

static const char SQL_ACCOUNT_BY_CAMPUS_ID[] =
    "SELECT " ACCOUNT_COLUMNS " FROM accounts a WHERE a.campus_id = $1";
static const char SQL_ACCOUNT_BY_EMAIL[] =
    "SELECT " ACCOUNT_COLUMNS " FROM accounts a WHERE a.email = lower($1)";
static const char SQL_ACCOUNT_BY_OPENID[] =
    "SELECT " ACCOUNT_COLUMNS " FROM accounts a WHERE a.wechat_openid = $1";
static const char SQL_ACCOUNT_BY_ID[] =
    "SELECT " ACCOUNT_COLUMNS " FROM accounts a WHERE a.id = $1::bigint";
static const char SQL_ACCOUNT_LOCK[] =
    "SELECT " ACCOUNT_COLUMNS " FROM accounts a WHERE a.id = $1::bigint FOR UPDATE OF a";

static const char SQL_ACCOUNT_SET_PASSWORD[] =
    "UPDATE accounts SET password_hash = $2, must_change_password = $3::boolean,"
    " password_changed_at = now(), updated_at = now() WHERE id = $1::bigint";
static const char SQL_ACCOUNT_REHASH[] =
    "UPDATE accounts SET password_hash = $3 WHERE id = $1::bigint AND password_hash = $2";
static const char SQL_ACCOUNT_TOUCH_LOGIN[] =
    "UPDATE accounts SET last_login_at = now() WHERE id = $1::bigint";
static const char SQL_ACCOUNT_SET_EMAIL[] =
    "UPDATE accounts SET email = nullif(lower($2), ''), updated_at = now() WHERE id = $1::bigint";
static const char SQL_ACCOUNT_SET_OPENID[] =
    "UPDATE accounts SET wechat_openid = nullif($2, ''), updated_at = now() WHERE id = $1::bigint";

/* Import: the row as it is (locked), then an insert or targeted updates. */
/* One import at a time (xact lock: PgBouncer-safe): two imports of the same new people would
 * otherwise race on the unique campus id, and the loser fail with ALREADY_EXISTS. */
static const char SQL_IMPORT_LOCK[] =
    "SELECT pg_advisory_xact_lock(hashtext('ehall.accounts.import'))";

static const char SQL_IMPORT_LOAD[] =
    "SELECT a.id, a.name, a.kind, a.org_unit, coalesce(a.email, ''), a.phone, a.status,"
    " a.password_hash, coalesce(a.idcard_hmac, ''), a.password_changed_at IS NULL,"
    " coalesce((SELECT string_agg(r.role || chr(31) || r.org_unit, chr(30)"
    " ORDER BY r.role, r.org_unit) FROM account_roles r WHERE r.account_id = a.id), '')"
    " FROM accounts a WHERE a.campus_id = $1 FOR UPDATE OF a";
static const char SQL_IMPORT_INSERT[] =
    "INSERT INTO accounts (campus_id, name, kind, org_unit, email, phone, status, password_hash,"
    " must_change_password, idcard_hmac)"
    " VALUES ($1, $2, $3::smallint, $4, nullif($5, ''), $6, $7::smallint, $8, true, $9)"
    " RETURNING id";
static const char SQL_IMPORT_PROFILE[] =
    "UPDATE accounts SET name = $2, kind = $3::smallint, org_unit = $4,"
    " email = coalesce(nullif($5, ''), email), phone = $6, status = $7::smallint,"
    " updated_at = now() WHERE id = $1::bigint";
static const char SQL_IMPORT_CREDENTIALS[] =
    "UPDATE accounts SET password_hash = $2, idcard_hmac = $3, must_change_password = true,"
    " updated_at = now() WHERE id = $1::bigint AND password_changed_at IS NULL";
static const char SQL_IMPORT_ROLES_CLEAR[] =
    "DELETE FROM account_roles WHERE account_id = $1::bigint";
static const char SQL_IMPORT_ROLE_ADD[] =
    "INSERT INTO account_roles (account_id, role, org_unit) VALUES ($1::bigint, $2, $3)"
    " ON CONFLICT DO NOTHING";

/* ---- rows → structs ------------------------------------------------------------------------ */

static void roles_parse(arena_t *a, const char *agg, const store_role_t **out, size_t *n) {
  size_t count = 0;
  if (*agg != '\0') {
    count = 1;
    for (const char *p = agg; *p; p++)
      count += *p == '\x1e';
  }
  store_role_t *roles = arena_zalloc(a, (count + 1) * sizeof(*roles));
  const char *p = agg;
  for (size_t i = 0; i < count; i++) {
    const char *end = strchr(p, '\x1e');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *us = memchr(p, '\x1f', len);
    size_t name_len = us ? (size_t)(us - p) : len;
    roles[i].name = arena_strndup(a, p, name_len);
    roles[i].org_unit = us ? arena_strndup(a, us + 1, len - name_len - 1) : "";
    p += len + (end ? 1 : 0);
  }
  *out = roles;
  *n = count;
}

static void account_from_row(arena_t *a, const store_rows_t *r, store_account_t *out) {
  memset(out, 0, sizeof(*out));
  out->id = store_rows_int64(r, 0, 0);
  out->campus_id = store_rows_get(r, 0, 1);
  out->name = store_rows_get(r, 0, 2);
  out->kind = (int)store_rows_int64(r, 0, 3);
  out->org_unit = store_rows_get(r, 0, 4);
  out->email = store_rows_get(r, 0, 5);
  out->phone = store_rows_get(r, 0, 6);
  out->status = (int)store_rows_int64(r, 0, 7);
  out->password_hash = store_rows_get(r, 0, 8);
  out->must_change_password = strcmp(store_rows_get(r, 0, 9), "t") == 0;
  out->wechat_openid = store_rows_get(r, 0, 10);
  out->create_unix_s = store_rows_int64(r, 0, 11);
  out->last_login_unix_s = store_rows_int64(r, 0, 12);
  out->password_change_unix_s = store_rows_int64(r, 0, 13);
  roles_parse(a, store_rows_get(r, 0, 14), &out->roles, &out->n_roles);
}

static bool account_not_found(eh_err_t *err) {
  return eh_err_set(err, EH_NOT_FOUND, NULL, "账号不存在", "no such account");
}

static bool account_one(arena_t *a, store_pg_conn_t *conn, const char *sql, const char *param,
                        store_account_t *out, eh_err_t *err) {
  const char *params[] = {param};
  store_rows_t *r = store_pg_exec(a, conn, sql, 1, params, err);
  if (r == NULL)
    return false;
  if (store_rows_count(r) != 1)
    return account_not_found(err);
  account_from_row(a, r, out);
  return true;
}

static bool account_lookup(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, const char *sql,
                           const char *param, store_account_t *out, eh_err_t *err) {
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  bool ok = account_one(a, conn, sql, param, out, err);
  store_pg_release(conn);
  return ok;
}

bool store_account_by_campus_id(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                const char *campus_id, store_account_t *out, eh_err_t *err) {
  return account_lookup(a, pool, deadline_ms, SQL_ACCOUNT_BY_CAMPUS_ID, campus_id, out, err);
}

bool store_account_by_email(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                            const char *email, store_account_t *out, eh_err_t *err) {
  if (email == NULL || *email == '\0')
    return account_not_found(err);
  return account_lookup(a, pool, deadline_ms, SQL_ACCOUNT_BY_EMAIL, email, out, err);
}

bool store_account_by_openid(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                             const char *openid, store_account_t *out, eh_err_t *err) {
  if (openid == NULL || *openid == '\0')
    return account_not_found(err);
  return account_lookup(a, pool, deadline_ms, SQL_ACCOUNT_BY_OPENID, openid, out, err);
}

bool store_account_by_id(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int64_t id,
                         store_account_t *out, eh_err_t *err) {
  char idbuf[24];
  snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
  return account_lookup(a, pool, deadline_ms, SQL_ACCOUNT_BY_ID, idbuf, out, err);
}

bool store_account_lock_tx(arena_t *a, store_pg_conn_t *conn, int64_t id, store_account_t *out,
                           eh_err_t *err) {
  char idbuf[24];
  snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
  return account_one(a, conn, SQL_ACCOUNT_LOCK, idbuf, out, err);
}

/* ---- updates ------------------------------------------------------------------------------- */

/* Runs an UPDATE of one account; NOT_FOUND when no row matched and `must_match`. */
static bool account_update(arena_t *a, store_pg_conn_t *conn, const char *sql, int n,
                           const char *const *params, bool must_match, eh_err_t *err) {
  store_rows_t *r = store_pg_exec(a, conn, sql, n, params, err);
  if (r == NULL)
    return false;
  if (must_match && store_rows_affected(r) == 0)
    return account_not_found(err);
  return true;
}

bool store_account_set_password_tx(arena_t *a, store_pg_conn_t *conn, int64_t id,
                                   const char *password_hash, bool must_change, eh_err_t *err) {
  char idbuf[24];
  snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
  const char *params[] = {idbuf, password_hash, must_change ? "true" : "false"};
  return account_update(a, conn, SQL_ACCOUNT_SET_PASSWORD, 3, params, true, err);
}

bool store_account_rehash_tx(arena_t *a, store_pg_conn_t *conn, int64_t id, const char *old_hash,
                             const char *new_hash, eh_err_t *err) {
  char idbuf[24];
  snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
  const char *params[] = {idbuf, old_hash, new_hash};
  /* No match: the password changed meanwhile, and the newer hash wins. */
  return account_update(a, conn, SQL_ACCOUNT_REHASH, 3, params, false, err);
}

bool store_account_touch_login(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int64_t id,
                               eh_err_t *err) {
  char idbuf[24];
  snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
  const char *params[] = {idbuf};
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  bool ok = account_update(a, conn, SQL_ACCOUNT_TOUCH_LOGIN, 1, params, true, err);
  store_pg_release(conn);
  return ok;
}

/* A unique violation on `constraint` becomes ALREADY_EXISTS on `field` with these messages. */
static bool remap_unique(eh_err_t *err, const char *constraint, const char *field, const char *zh,
                         const char *en) {
  if (!store_pg_err_constraint(err, constraint))
    return false;
  char detail[sizeof(err->detail)];
  memcpy(detail, err->detail, sizeof(detail));
  eh_err_clear(err);
  eh_err_set(err, EH_ALREADY_EXISTS, field, "%s%.0s", "%.0s%s", zh, en);
  eh_err_detail(err, "%s", detail);
  return false;
}

bool store_account_set_email_tx(arena_t *a, store_pg_conn_t *conn, int64_t id, const char *email,
                                eh_err_t *err) {
  char idbuf[24];
  snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
  const char *params[] = {idbuf, email ? email : ""};
  if (account_update(a, conn, SQL_ACCOUNT_SET_EMAIL, 2, params, true, err))
    return true;
  remap_unique(err, "accounts_email_key", "email", "该邮箱已被其他账号绑定",
               "this email is bound to another account");
  return false;
}

bool store_account_set_openid_tx(arena_t *a, store_pg_conn_t *conn, int64_t id, const char *openid,
                                 eh_err_t *err) {
  char idbuf[24];
  snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
  const char *params[] = {idbuf, openid ? openid : ""};
  if (account_update(a, conn, SQL_ACCOUNT_SET_OPENID, 2, params, true, err))
    return true;
  remap_unique(err, "accounts_wechat_openid_key", NULL, "该微信已绑定其他账号",
               "this WeChat user is bound to another account");
  return false;
}

/* ---- import -------------------------------------------------------------------------------- */

typedef struct import_ctx {
  const store_account_import_t *rows;
  size_t n;
  store_import_counts_t counts;
  store_import_then_fn then;
  void *then_ud;
  bool preview;      /* roll back after counting */
  bool preview_done; /* every row went through: the rollback is the intended end */
} import_ctx_t;

/* The row's roles in the same text form SQL_IMPORT_LOAD aggregates (sorted by role, unit). */
static const char *roles_text(arena_t *a, const store_role_t *roles, size_t n) {
  const store_role_t **sorted = arena_alloc(a, (n + 1) * sizeof(*sorted));
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    bool dup = false;
    for (size_t j = 0; j < m; j++)
      dup |= strcmp(sorted[j]->name, roles[i].name) == 0 &&
             strcmp(sorted[j]->org_unit, roles[i].org_unit) == 0;
    if (!dup)
      sorted[m++] = &roles[i];
  }
  for (size_t i = 1; i < m; i++) /* insertion sort: a handful of roles */
    for (size_t j = i; j > 0; j--) {
      int c = strcmp(sorted[j - 1]->name, sorted[j]->name);
      if (c == 0)
        c = strcmp(sorted[j - 1]->org_unit, sorted[j]->org_unit);
      if (c <= 0)
        break;
      const store_role_t *t = sorted[j];
      sorted[j] = sorted[j - 1];
      sorted[j - 1] = t;
    }
  const char *s = "";
  for (size_t i = 0; i < m; i++)
    s = arena_printf(a, "%s%s%s\x1f%s", s, i ? "\x1e" : "", sorted[i]->name, sorted[i]->org_unit);
  return s;
}

/* Names the row in an error from the database (a collision with another account). */
static bool import_row_failed(const store_account_import_t *row, eh_err_t *err) {
  if (store_pg_err_constraint(err, "accounts_email_key")) {
    eh_err_clear(err);
    return eh_err_set(err, EH_ALREADY_EXISTS, "email", "第 %d 行：该邮箱已被其他账号使用",
                      "line %d: the email is used by another account", row->line);
  }
  if (store_pg_err_constraint(err, "accounts_idcard_hmac_key")) {
    eh_err_clear(err);
    return eh_err_set(err, EH_ALREADY_EXISTS, "id_card", "第 %d 行：该身份证号已属于其他账号",
                      "line %d: the ID-card number belongs to another account", row->line);
  }
  eh_err_detail(err, " (import line %d)", row->line);
  return false;
}

static bool import_roles(arena_t *a, store_pg_conn_t *conn, const char *idbuf,
                         const store_account_import_t *row, bool clear, eh_err_t *err) {
  const char *p1[] = {idbuf};
  if (clear && store_pg_exec(a, conn, SQL_IMPORT_ROLES_CLEAR, 1, p1, err) == NULL)
    return false;
  for (size_t i = 0; i < row->n_roles; i++) {
    const char *p[] = {idbuf, row->roles[i].name, row->roles[i].org_unit};
    if (store_pg_exec(a, conn, SQL_IMPORT_ROLE_ADD, 3, p, err) == NULL)
      return false;
  }
  return true;
}

static bool import_one(arena_t *a, store_pg_conn_t *conn, const store_account_import_t *row,
                       store_import_counts_t *counts, eh_err_t *err) {
  char kind[12], status[12];
  snprintf(kind, sizeof(kind), "%d", row->kind);
  snprintf(status, sizeof(status), "%d", row->status);
  const char *email = row->email ? row->email : "", *phone = row->phone ? row->phone : "";
  const char *org = row->org_unit ? row->org_unit : "";
  const char *lp[] = {row->campus_id};
  store_rows_t *cur = store_pg_exec(a, conn, SQL_IMPORT_LOAD, 1, lp, err);
  if (cur == NULL)
    return false;

  if (store_rows_count(cur) == 0) {
    const char *p[] = {row->campus_id,     row->name,       kind, org, email, phone, status,
                       row->password_hash, row->idcard_hmac};
    store_rows_t *r = store_pg_exec(a, conn, SQL_IMPORT_INSERT, 9, p, err);
    if (r == NULL)
      return false;
    if (!import_roles(a, conn, store_rows_get(r, 0, 0), row, false, err))
      return false;
    counts->created++;
    return true;
  }

  const char *idbuf = store_rows_get(cur, 0, 0);
  bool changed = false;
  bool profile =
      strcmp(store_rows_get(cur, 0, 1), row->name) != 0 ||
      store_rows_int64(cur, 0, 2) != row->kind || strcmp(store_rows_get(cur, 0, 3), org) != 0 ||
      (*email != '\0' && strcmp(store_rows_get(cur, 0, 4), email) != 0) ||
      strcmp(store_rows_get(cur, 0, 5), phone) != 0 || store_rows_int64(cur, 0, 6) != row->status;
  if (profile) {
    const char *p[] = {idbuf, row->name, kind, org, email, phone, status};
    if (store_pg_exec(a, conn, SQL_IMPORT_PROFILE, 7, p, err) == NULL)
      return false;
    changed = true;
  }

  bool never_changed = strcmp(store_rows_get(cur, 0, 9), "t") == 0;
  const char *hmac = row->idcard_hmac ? row->idcard_hmac : "";
  bool same_card = strcmp(store_rows_get(cur, 0, 8), hmac) == 0;
  bool same_hash = strcmp(store_rows_get(cur, 0, 7), row->password_hash) == 0;
  bool credentials = row->password_from_idcard ? !same_card : !(same_hash && same_card);
  if (never_changed && credentials) {
    const char *p[] = {idbuf, row->password_hash, row->idcard_hmac};
    if (store_pg_exec(a, conn, SQL_IMPORT_CREDENTIALS, 3, p, err) == NULL)
      return false;
    changed = true;
  }

  if (strcmp(store_rows_get(cur, 0, 10), roles_text(a, row->roles, row->n_roles)) != 0) {
    if (!import_roles(a, conn, idbuf, row, true, err))
      return false;
    changed = true;
  }
  if (changed)
    counts->updated++;
  else
    counts->unchanged++;
  return true;
}

static bool import_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  import_ctx_t *ctx = ud;
  memset(&ctx->counts, 0, sizeof(ctx->counts)); /* a retried transaction counts afresh */
  if (store_pg_exec(a, conn, SQL_IMPORT_LOCK, 0, NULL, err) == NULL)
    return false;
  for (size_t i = 0; i < ctx->n; i++) {
    /* One scratch arena per row: up to 100,000 rows must not pile up their results. */
    arena_t *scratch = arena_create(0);
    bool ok = import_one(scratch, conn, &ctx->rows[i], &ctx->counts, err);
    arena_destroy(scratch);
    if (!ok)
      return import_row_failed(&ctx->rows[i], err);
  }
  if (ctx->preview) {
    ctx->preview_done = true;
    /* Any error makes store_pg_tx roll back (and FAILED_PRECONDITION is never retried). */
    return eh_err_set(err, EH_FAILED_PRECONDITION, NULL, "预览结束", "preview rolled back");
  }
  return ctx->then == NULL || ctx->then(ctx->then_ud, a, conn, &ctx->counts, err);
}

bool store_account_import(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                          const store_account_import_t *rows, size_t n, store_import_then_fn then,
                          void *then_ud, store_import_counts_t *counts, eh_err_t *err) {
  import_ctx_t ctx = {.rows = rows, .n = n, .then = then, .then_ud = then_ud};
  if (!store_pg_tx(a, pool, deadline_ms, import_tx, &ctx, err))
    return false;
  *counts = ctx.counts;
  return true;
}

bool store_account_import_preview(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                  const store_account_import_t *rows, size_t n,
                                  store_import_counts_t *counts, eh_err_t *err) {
  import_ctx_t ctx = {.rows = rows, .n = n, .preview = true};
  eh_err_t e = EH_ERR_INIT;
  store_pg_tx(a, pool, deadline_ms, import_tx, &ctx, &e);
  if (!ctx.preview_done) {
    *err = e;
    return false;
  }
  *counts = ctx.counts;
  return true;
}
