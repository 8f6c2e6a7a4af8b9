/*
 * forms_store.c — applications in PostgreSQL (forms_store.h).
 */
#include "core/store/forms_store.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/crypto.h"

#define TS(col) "coalesce((extract(epoch FROM " col ") * 1000000)::bigint, 0)"

static const char SQL_FORM_CURRENT[] = "SELECT f.version, f.form::text, " TS(
    "f.created_at") ", coalesce(a.campus_id, '')"
                    " FROM form_versions f LEFT JOIN accounts a ON a.id = f.created_by"
                    " WHERE f.service_id = $1::bigint ORDER BY f.version DESC LIMIT 1";
static const char SQL_FORM_VERSION[] = "SELECT f.version, f.form::text, " TS(
    "f.created_at") ", coalesce(a.campus_id, '')"
                    " FROM form_versions f LEFT JOIN accounts a ON a.id = f.created_by"
                    " WHERE f.service_id = $1::bigint AND f.version = $2::int";
static const char SQL_FORM_INSERT[] =
    "INSERT INTO form_versions (service_id, version, form, created_by)"
    " SELECT $1::bigint, coalesce(max(version), 0) + 1, $3::jsonb, $2::bigint FROM form_versions"
    " WHERE service_id = $1::bigint RETURNING version";
static const char SQL_FORM_VERSIONS[] = "SELECT f.version, '', " TS(
    "f.created_at") ", coalesce(a.campus_id, ''),"
                    " (SELECT count(*) FROM applications p WHERE p.service_id = f.service_id"
                    "  AND p.form_version = f.version AND p.state IN (2, 3, 4))"
                    " FROM form_versions f LEFT JOIN accounts a ON a.id = f.created_by"
                    " WHERE f.service_id = $1::bigint ORDER BY f.version DESC LIMIT 500";

/* His current units' ancestors by kind: 2 college, 4 major, 5 class. */
static const char SQL_PROFILE[] =
    "SELECT a.name, a.campus_id, a.phone, coalesce(a.email, ''),"
    " coalesce((SELECT u.name FROM person_units pu JOIN org_units c ON c.id = pu.unit_id"
    "  JOIN org_units u ON u.id = ANY (c.path) AND u.kind = 2 WHERE pu.account_id = a.id"
    "  AND pu.valid_from <= now() AND (pu.valid_to IS NULL OR pu.valid_to > now())"
    "  ORDER BY pu.id LIMIT 1), ''),"
    " coalesce((SELECT u.name FROM person_units pu JOIN org_units c ON c.id = pu.unit_id"
    "  JOIN org_units u ON u.id = ANY (c.path) AND u.kind = 4 WHERE pu.account_id = a.id"
    "  AND pu.valid_from <= now() AND (pu.valid_to IS NULL OR pu.valid_to > now())"
    "  ORDER BY pu.id LIMIT 1), ''),"
    " coalesce((SELECT u.name FROM person_units pu JOIN org_units u ON u.id = pu.unit_id"
    "  AND u.kind = 5 WHERE pu.account_id = a.id AND pu.valid_from <= now()"
    "  AND (pu.valid_to IS NULL OR pu.valid_to > now()) ORDER BY pu.id LIMIT 1), '')"
    " FROM accounts a WHERE a.id = $1::bigint";
static const char SQL_PREVIOUS[] =
    "SELECT data::text FROM applications WHERE account_id = $1::bigint AND service_id = $2::bigint"
    " AND state > 1 ORDER BY submitted_at DESC NULLS LAST, id DESC LIMIT 1";

#define APP_COLS                                                                                   \
  "p.id, p.service_id, p.account_id, coalesce(p.booking_id, 0), s.code,"                           \
  " coalesce(v.name, s.code), u.code, p.form_version, p.state, p.data::text,"                      \
  " coalesce(p.serial, ''), " TS("p.created_at") ", " TS("p.updated_at") ","                       \
                                                                         " " TS("p.submitted_at")
#define APP_FROM                                                                                   \
  " FROM applications p JOIN services s ON s.id = p.service_id"                                    \
  " JOIN org_units u ON u.id = s.owner_unit_id"                                                    \
  " LEFT JOIN service_versions v ON v.service_id = s.id AND v.state = 2"

static const char SQL_DRAFT[] =
    "SELECT " APP_COLS APP_FROM
    " WHERE p.account_id = $1::bigint AND p.service_id = $2::bigint AND p.state = 1";
static const char SQL_DRAFT_LOCK[] =
    "SELECT 1 FROM applications WHERE account_id = $1::bigint AND service_id = $2::bigint"
    " AND state = 1 FOR UPDATE";
static const char SQL_DRAFT_PUT[] =
    "INSERT INTO applications (service_id, account_id, form_version, state, data)"
    " VALUES ($2::bigint, $1::bigint, $3::int, 1, $4::jsonb)"
    " ON CONFLICT (account_id, service_id) WHERE state = 1"
    " DO UPDATE SET data = EXCLUDED.data, updated_at = now() RETURNING id";
static const char SQL_DRAFT_DELETE[] =
    "DELETE FROM applications WHERE account_id = $1::bigint AND service_id = $2::bigint"
    " AND state = 1";
static const char SQL_SERIAL[] = "SELECT to_char(now() AT TIME ZONE $1, 'YYYYMMDD') || '-'"
                                 " || lpad(nextval('application_serial_seq')::text, 6, '0')";
static const char SQL_SUBMIT_DRAFT[] =
    "UPDATE applications SET state = 2, data = $2::jsonb, serial = $3,"
    " booking_id = nullif($4::bigint, 0), submitted_at = now(), updated_at = now()"
    " WHERE id = $1::bigint AND state = 1 RETURNING id";
static const char SQL_SUBMIT_NEW[] =
    "INSERT INTO applications (service_id, account_id, form_version, state, data, serial,"
    " booking_id, submitted_at) VALUES ($1::bigint, $2::bigint, $3::int, 2, $4::jsonb, $5,"
    " nullif($6::bigint, 0), now()) RETURNING id";
static const char SQL_COUNT_SERVICE[] =
    "UPDATE services SET applications = applications + 1 WHERE id = $1::bigint";
static const char SQL_EVENT[] =
    "INSERT INTO application_events (application_id, action, actor_id, note)"
    " VALUES ($1::bigint, $2, nullif($3::bigint, 0), $4)";
static const char SQL_GET[] =
    "SELECT " APP_COLS APP_FROM
    " WHERE p.id = $1::bigint AND ($2::bigint = 0 OR p.account_id = $2::bigint)";
static const char SQL_LOCK[] = "SELECT 1 FROM applications WHERE id = $1::bigint FOR UPDATE";
/* What the applicant sees: an opinion of a step that hides its opinions is left out. */
static const char SQL_EVENTS[] = "SELECT " TS(
    "e.at") ", e.action, coalesce(a.name, ''),"
            " CASE WHEN coalesce(s.hide_opinions, false) THEN '' ELSE e.note END,"
            " coalesce(s.step_name, ''), coalesce(f.name, '') FROM application_events e"
            " LEFT JOIN accounts a ON a.id = e.actor_id LEFT JOIN accounts f ON f.id = "
            "e.acting_for_id"
            " LEFT JOIN approval_steps s ON s.id = e.step_id WHERE e.application_id = $1::bigint"
            " ORDER BY e.id LIMIT 500";
static const char SQL_MINE[] =
    "SELECT " APP_COLS APP_FROM
    " WHERE p.account_id = $1::bigint AND ($2::bigint = 0 OR p.id < $2::bigint)"
    " ORDER BY p.id DESC LIMIT $3::int";
static const char SQL_SET_STATE[] =
    "UPDATE applications SET state = $2::smallint, data = coalesce($3::jsonb, data),"
    " updated_at = now(), ended_at = CASE WHEN $4::boolean THEN now() ELSE ended_at END"
    " WHERE id = $1::bigint";
static const char SQL_LINK_BOOKING[] =
    "UPDATE bookings SET application_id = $2::bigint WHERE id = $1::bigint";

static const char SQL_FILE_PUT[] =
    "INSERT INTO application_files (account_id, service_id, name, content_type, size, sha256,"
    " data) VALUES ($1::bigint, $2::bigint, $3, $4, $5::int, $6, decode($7, 'hex')) RETURNING id";
static const char SQL_FILE_DAY[] =
    "SELECT coalesce(sum(size), 0) FROM application_files WHERE account_id = $1::bigint"
    " AND created_at >= (now() AT TIME ZONE $2)::date::timestamp AT TIME ZONE $2";
static const char SQL_FILE_GET[] =
    "SELECT id, account_id, service_id, name, content_type, sha256, size, encode(data, 'hex')"
    " FROM application_files WHERE id = $1::bigint AND account_id = $2::bigint";
static const char SQL_FILES_TYPES[] =
    "SELECT id::text, content_type FROM application_files WHERE account_id = $1::bigint"
    " AND service_id = $2::bigint AND id::text = ANY ($3::text[])";

static const char *i64(arena_t *a, int64_t v) {
  return arena_printf(a, "%" PRId64, v);
}

static void version_read(const store_rows_t *r, int row, store_form_version_t *v) {
  memset(v, 0, sizeof *v);
  v->version = (int)store_rows_int64(r, row, 0);
  v->form_json = store_rows_get(r, row, 1);
  v->created_us = store_rows_int64(r, row, 2);
  v->created_by = store_rows_get(r, row, 3);
}

bool store_forms_current(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                         store_form_version_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, service_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_FORM_CURRENT, 1, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    version_read(r, 0, out);
  return true;
}

bool store_forms_version(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int version,
                         store_form_version_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, service_id), arena_printf(a, "%d", version)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_FORM_VERSION, 2, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    version_read(r, 0, out);
  return true;
}

bool store_forms_insert(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int64_t account_id,
                        const char *form_json, int *version, eh_err_t *err) {
  const char *p[] = {i64(a, service_id), i64(a, account_id), form_json};
  store_rows_t *r = store_pg_exec(a, conn, SQL_FORM_INSERT, 3, p, err);
  if (r == NULL) {
    if (err->code == EH_ALREADY_EXISTS) {
      eh_err_clear(err);
      eh_err_set(err, EH_CONFLICT, NULL, "表单刚被他人修改，请刷新后重试",
                 "someone else saved the form just now; reload and try again");
    }
    return false;
  }
  *version = (int)store_rows_int64(r, 0, 0);
  return true;
}

bool store_forms_versions(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                          store_form_version_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, service_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_FORM_VERSIONS, 1, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    version_read(r, (int)i, &(*out)[i]);
    (*out)[i].running = (int)store_rows_int64(r, (int)i, 4);
  }
  return true;
}

bool store_forms_profile(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                         store_forms_profile_t *out, eh_err_t *err) {
  const char *p[] = {i64(a, account_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_PROFILE, 1, p, err);
  if (r == NULL)
    return false;
  memset(out, 0, sizeof *out);
  if (store_rows_count(r) != 1)
    return eh_err_set(err, EH_NOT_FOUND, NULL, "账号不存在", "no such account");
  out->name = store_rows_get(r, 0, 0);
  out->campus_id = store_rows_get(r, 0, 1);
  out->phone = store_rows_get(r, 0, 2);
  out->email = store_rows_get(r, 0, 3);
  out->college = store_rows_get(r, 0, 4);
  out->major = store_rows_get(r, 0, 5);
  out->class_name = store_rows_get(r, 0, 6);
  return true;
}

bool store_forms_previous(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int64_t service_id,
                          const char **data_json, eh_err_t *err) {
  const char *p[] = {i64(a, account_id), i64(a, service_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_PREVIOUS, 2, p, err);
  if (r == NULL)
    return false;
  *data_json = store_rows_count(r) == 1 ? store_rows_get(r, 0, 0) : "";
  return true;
}

static void app_read(const store_rows_t *r, int row, store_application_t *x) {
  memset(x, 0, sizeof *x);
  x->id = store_rows_int64(r, row, 0);
  x->service_id = store_rows_int64(r, row, 1);
  x->account_id = store_rows_int64(r, row, 2);
  x->booking_id = store_rows_int64(r, row, 3);
  x->service_code = store_rows_get(r, row, 4);
  x->service_name = store_rows_get(r, row, 5);
  x->owner_code = store_rows_get(r, row, 6);
  x->form_version = (int)store_rows_int64(r, row, 7);
  x->state = (int)store_rows_int64(r, row, 8);
  x->data_json = store_rows_get(r, row, 9);
  x->serial = store_rows_get(r, row, 10);
  x->created_us = store_rows_int64(r, row, 11);
  x->updated_us = store_rows_int64(r, row, 12);
  x->submitted_us = store_rows_int64(r, row, 13);
}

bool store_forms_draft(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int64_t service_id,
                       bool lock, store_application_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, account_id), i64(a, service_id)};
  if (lock && store_pg_exec(a, conn, SQL_DRAFT_LOCK, 2, p, err) == NULL)
    return false;
  store_rows_t *r = store_pg_exec(a, conn, SQL_DRAFT, 2, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    app_read(r, 0, out);
  return true;
}

bool store_forms_draft_put(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                           int64_t service_id, int form_version, const char *data_json, int64_t *id,
                           eh_err_t *err) {
  const char *p[] = {i64(a, account_id), i64(a, service_id), arena_printf(a, "%d", form_version),
                     data_json};
  store_rows_t *r = store_pg_exec(a, conn, SQL_DRAFT_PUT, 4, p, err);
  if (r == NULL)
    return false;
  *id = store_rows_int64(r, 0, 0);
  return true;
}

bool store_forms_draft_delete(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                              int64_t service_id, eh_err_t *err) {
  const char *p[] = {i64(a, account_id), i64(a, service_id)};
  return store_pg_exec(a, conn, SQL_DRAFT_DELETE, 2, p, err) != NULL;
}

bool store_forms_submit(arena_t *a, store_pg_conn_t *conn, int64_t draft_id, int64_t account_id,
                        int64_t service_id, int form_version, const char *data_json,
                        int64_t booking_id, const char *tz, int64_t *id, eh_err_t *err) {
  const char *pt[] = {tz};
  store_rows_t *s = store_pg_exec(a, conn, SQL_SERIAL, 1, pt, err);
  if (s == NULL)
    return false;
  const char *serial = store_rows_get(s, 0, 0);
  store_rows_t *r;
  if (draft_id > 0) {
    const char *p[] = {i64(a, draft_id), data_json, serial, i64(a, booking_id)};
    r = store_pg_exec(a, conn, SQL_SUBMIT_DRAFT, 4, p, err);
  } else {
    const char *p[] = {i64(a, service_id),
                       i64(a, account_id),
                       arena_printf(a, "%d", form_version),
                       data_json,
                       serial,
                       i64(a, booking_id)};
    r = store_pg_exec(a, conn, SQL_SUBMIT_NEW, 6, p, err);
  }
  if (r == NULL)
    return false;
  if (store_rows_count(r) != 1)
    return eh_err_set(err, EH_CONFLICT, NULL, "草稿已被提交或删除，请刷新",
                      "the draft was submitted or discarded meanwhile; reload");
  *id = store_rows_int64(r, 0, 0);
  const char *pc[] = {i64(a, service_id)};
  return store_pg_exec(a, conn, SQL_COUNT_SERVICE, 1, pc, err) != NULL;
}

bool store_forms_event(arena_t *a, store_pg_conn_t *conn, int64_t app_id, const char *action,
                       int64_t actor_id, const char *note, eh_err_t *err) {
  const char *p[] = {i64(a, app_id), action, i64(a, actor_id), note ? note : ""};
  return store_pg_exec(a, conn, SQL_EVENT, 4, p, err) != NULL;
}

bool store_forms_get(arena_t *a, store_pg_conn_t *conn, int64_t id, int64_t account_id, bool lock,
                     store_application_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, id), i64(a, account_id)};
  if (lock && store_pg_exec(a, conn, SQL_LOCK, 1, p, err) == NULL)
    return false;
  store_rows_t *r = store_pg_exec(a, conn, SQL_GET, 2, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    app_read(r, 0, out);
  return true;
}

bool store_forms_events(arena_t *a, store_pg_conn_t *conn, int64_t app_id, store_app_event_t **out,
                        size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, app_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_EVENTS, 1, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    (*out)[i].at_us = store_rows_int64(r, (int)i, 0);
    (*out)[i].action = store_rows_get(r, (int)i, 1);
    (*out)[i].actor_name = store_rows_get(r, (int)i, 2);
    (*out)[i].note = store_rows_get(r, (int)i, 3);
    (*out)[i].step_name = store_rows_get(r, (int)i, 4);
    (*out)[i].acting_for_name = store_rows_get(r, (int)i, 5);
  }
  return true;
}

bool store_forms_mine(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int64_t before_id,
                      int limit, store_application_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, account_id), i64(a, before_id), arena_printf(a, "%d", limit)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_MINE, 3, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++)
    app_read(r, (int)i, &(*out)[i]);
  return true;
}

bool store_forms_set_state(arena_t *a, store_pg_conn_t *conn, int64_t id, int state,
                           const char *data_json, bool ended, eh_err_t *err) {
  const char *p[] = {i64(a, id), arena_printf(a, "%d", state), data_json, ended ? "true" : "false"};
  return store_pg_exec(a, conn, SQL_SET_STATE, 4, p, err) != NULL;
}

bool store_forms_link_booking(arena_t *a, store_pg_conn_t *conn, int64_t booking_id, int64_t app_id,
                              eh_err_t *err) {
  const char *p[] = {i64(a, booking_id), i64(a, app_id)};
  return store_pg_exec(a, conn, SQL_LINK_BOOKING, 2, p, err) != NULL;
}

bool store_forms_file_put(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int64_t service_id,
                          const char *name, const char *content_type, const uint8_t *data,
                          size_t len, const char *sha256, int64_t *id, eh_err_t *err) {
  char *hex = arena_alloc(a, len * 2 + 1);
  crypto_hex_encode(data, len, hex);
  hex[len * 2] = '\0';
  const char *p[] = {i64(a, account_id),
                     i64(a, service_id),
                     name,
                     content_type,
                     arena_printf(a, "%zu", len),
                     sha256,
                     hex};
  store_rows_t *r = store_pg_exec(a, conn, SQL_FILE_PUT, 7, p, err);
  if (r == NULL)
    return false;
  *id = store_rows_int64(r, 0, 0);
  return true;
}

bool store_forms_file_day_bytes(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                                const char *tz, int64_t *bytes, eh_err_t *err) {
  const char *p[] = {i64(a, account_id), tz};
  store_rows_t *r = store_pg_exec(a, conn, SQL_FILE_DAY, 2, p, err);
  if (r == NULL)
    return false;
  *bytes = store_rows_int64(r, 0, 0);
  return true;
}

bool store_forms_file_get(arena_t *a, store_pg_conn_t *conn, int64_t id, int64_t account_id,
                          store_forms_file_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, id), i64(a, account_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_FILE_GET, 2, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (!*found)
    return true;
  memset(out, 0, sizeof *out);
  out->id = store_rows_int64(r, 0, 0);
  out->account_id = store_rows_int64(r, 0, 1);
  out->service_id = store_rows_int64(r, 0, 2);
  out->name = store_rows_get(r, 0, 3);
  out->content_type = store_rows_get(r, 0, 4);
  out->sha256 = store_rows_get(r, 0, 5);
  out->size = (int)store_rows_int64(r, 0, 6);
  const char *hex = store_rows_get(r, 0, 7);
  uint8_t *bytes = arena_alloc(a, (size_t)out->size + 1);
  if ((int)strlen(hex) != out->size * 2 || !crypto_hex_decode(hex, bytes, (size_t)out->size))
    return eh_err_set(err, EH_INTERNAL, NULL, "附件损坏", "the file is damaged");
  out->data = bytes;
  return true;
}

bool store_forms_files_types(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                             int64_t service_id, const char *const *ids, size_t n,
                             const char ***types, eh_err_t *err) {
  const char *p[] = {i64(a, account_id), i64(a, service_id), store_pg_text_array(a, ids, n)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_FILES_TYPES, 3, p, err);
  if (r == NULL)
    return false;
  *types = arena_zalloc(a, (n ? n : 1) * sizeof **types);
  for (int row = 0; row < store_rows_count(r); row++)
    for (size_t i = 0; i < n; i++)
      if (strcmp(ids[i], store_rows_get(r, row, 0)) == 0)
        (*types)[i] = store_rows_get(r, row, 1);
  return true;
}
