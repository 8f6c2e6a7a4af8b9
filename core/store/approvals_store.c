/*
 * approvals_store.c — approvals in PostgreSQL (approvals_store.h). Every statement is
 * parameterised; transitions are decided by conditional updates on the task's state.
 */
#include "core/store/approvals_store.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define TS(col) "coalesce((extract(epoch FROM " col ") * 1000000)::bigint, 0)"
#define TODAY "(now() AT TIME ZONE 'Asia/Shanghai')::date"

/* --- process versions ----------------------------------------------------------------------- */

static const char SQL_PROC_CURRENT[] =
    "SELECT c.version, v.definition::text FROM process_current c"
    " JOIN process_versions v ON v.service_id = c.service_id AND v.version = c.version"
    " WHERE c.service_id = $1::bigint";
#define PROC_COLS                                                                                  \
  "v.version, v.definition::text, " TS("v.created_at") ", " TS(                                    \
      "v.published_at") ", coalesce(a.name, ''),"                                                  \
                        " (SELECT count(*) FROM applications p WHERE p.service_id = v.service_id"  \
                        "  AND p.process_version = v.version AND p.state IN (2, 3, 4)),"           \
                        " coalesce(c.version = v.version, false)"
#define PROC_FROM                                                                                  \
  " FROM process_versions v LEFT JOIN accounts a ON a.id = v.created_by"                           \
  " LEFT JOIN process_current c ON c.service_id = v.service_id"
static const char SQL_PROC_VERSION[] =
    "SELECT " PROC_COLS PROC_FROM " WHERE v.service_id = $1::bigint AND v.version = $2::int";
static const char SQL_PROC_VERSIONS[] =
    "SELECT " PROC_COLS PROC_FROM " WHERE v.service_id = $1::bigint ORDER BY v.version DESC";
static const char SQL_PROC_INSERT[] =
    "INSERT INTO process_versions (service_id, version, definition, created_by)"
    " SELECT $1::bigint, coalesce(max(version), 0) + 1, $3::jsonb, nullif($2::bigint, 0)"
    " FROM process_versions WHERE service_id = $1::bigint RETURNING version";
static const char SQL_PROC_PUBLISH[] =
    "WITH v AS (UPDATE process_versions SET published_at = coalesce(published_at, now())"
    "  WHERE service_id = $1::bigint AND version = $2::int RETURNING service_id, version)"
    " INSERT INTO process_current (service_id, version) SELECT service_id, version FROM v"
    " ON CONFLICT (service_id) DO UPDATE SET version = EXCLUDED.version RETURNING version";
static const char SQL_PROC_SET_APP[] =
    "UPDATE applications SET process_version = nullif($2::int, 0) WHERE id = $1::bigint";

/* --- the application ------------------------------------------------------------------------ */

static const char SQL_APP_LOCK[] = "SELECT 1 FROM applications WHERE id = $1::bigint FOR UPDATE";
static const char SQL_APP[] =
    "SELECT p.id, p.service_id, p.account_id, coalesce(p.booking_id, 0), coalesce(col.id, 0),"
    " s.code, coalesce(sv.name, s.code), u.code, coalesce(p.serial, ''), ac.name, ac.campus_id,"
    " coalesce(col.name, ''), p.state, p.form_version, coalesce(p.process_version, 0),"
    " p.data::text, coalesce(pv.definition::text, ''), f.form::text, " TS(
        "p.submitted_at") " FROM applications p JOIN services s ON s.id = p.service_id"
                          " JOIN org_units u ON u.id = s.owner_unit_id JOIN accounts ac ON ac.id = "
                          "p.account_id"
                          " JOIN form_versions f ON f.service_id = p.service_id AND f.version = "
                          "p.form_version"
                          " LEFT JOIN service_versions sv ON sv.service_id = s.id AND sv.state = 2"
                          " LEFT JOIN process_versions pv ON pv.service_id = p.service_id"
                          "  AND pv.version = p.process_version"
                          " LEFT JOIN LATERAL (SELECT c.id, c.name FROM org_units me"
                          "  JOIN org_units c ON c.id = ANY (me.path) AND c.kind IN (2, 3)"
                          "  WHERE me.code = ac.org_unit ORDER BY array_position(me.path, c.id) "
                          "LIMIT 1) col ON true"
                          " WHERE p.id = $1::bigint AND p.state > 1";

/* --- steps ---------------------------------------------------------------------------------- */

/* $1 today's date in tz ($2), $3 working days: the end of the $3-th working day after today. */
#define DUE_AT                                                                                     \
  "CASE WHEN $3::int > 0 THEN ((SELECT d::date FROM generate_series($1::date + 1,"                 \
  " $1::date + 400, interval '1 day') d LEFT JOIN hall_calendar hc ON hc.day = d::date"            \
  " WHERE coalesce(hc.workday, extract(isodow FROM d) < 6) ORDER BY d OFFSET $3::int - 1 LIMIT 1)" \
  " + 1)::timestamp AT TIME ZONE $2 - interval '1 second' END"
static const char SQL_STEP_INSERT[] =
    "WITH due AS (SELECT " DUE_AT " AS at),"
    " s AS (INSERT INTO approval_steps (application_id, step_key, step_name, step_name_en, stage,"
    "  branch, pos, branch_name, kind, mode, ratio_percent, state, hide_opinions, group_id, due_at)"
    "  SELECT $5::bigint, $6, $7, $8, $9::smallint, $10::smallint, $11::smallint, $12,"
    "  $13::smallint, $14::smallint, $15::smallint, $16::smallint, $17::boolean,"
    "  nullif($18::bigint, 0), due.at FROM due RETURNING id, due_at),"
    " t AS (INSERT INTO approval_timers (step_id, kind, fire_at)"
    "  SELECT s.id, k.kind, CASE k.kind WHEN 1 THEN s.due_at - make_interval(hours => $4::int)"
    "  ELSE s.due_at END FROM s, (VALUES (1), (2)) k (kind)"
    "  WHERE s.due_at IS NOT NULL AND (k.kind = 2 OR $4::int > 0))"
    " SELECT id, " TS("due_at") " FROM s";
static const char SQL_TODAY_IN[] = "SELECT (now() AT TIME ZONE $1)::date::text";
static const char SQL_STEP_END[] =
    "WITH s AS (UPDATE approval_steps SET state = $2::smallint, ended_at = now()"
    "  WHERE id = $1::bigint RETURNING id)"
    " UPDATE approval_timers SET done_at = now() WHERE step_id IN (SELECT id FROM s)"
    "  AND done_at IS NULL";
#define STEP_COLS                                                                                  \
  "id, application_id, coalesce(group_id, 0), step_key, step_name, step_name_en, branch_name,"     \
  " stage, branch, pos, kind, mode, ratio_percent, state, hide_opinions, " TS("due_at") ", " TS(   \
      "started_at") ", " TS("ended_at") ", " TS("reminded_at") ", coalesce(reminded_on::text, '')"
static const char SQL_STEP_GET[] = "SELECT " STEP_COLS " FROM approval_steps WHERE id = $1::bigint";
static const char SQL_STEPS[] =
    "SELECT " STEP_COLS " FROM approval_steps"
    " WHERE application_id = $1::bigint AND (NOT $2::boolean OR state = 1)"
    " ORDER BY id";
static const char SQL_STEP_REMIND[] =
    "UPDATE approval_steps SET reminded_on = (now() AT TIME ZONE $2)::date, reminded_at = now()"
    " WHERE id = $1::bigint AND state = 1"
    " AND reminded_on IS DISTINCT FROM (now() AT TIME ZONE $2)::date";

static const char SQL_STEP_ESCALATE[] =
    "WITH s AS (UPDATE approval_steps SET mode = 2 WHERE id = $1::bigint RETURNING id)"
    " UPDATE approval_tasks SET state = 6, decided_at = now()"
    " WHERE step_id IN (SELECT id FROM s) AND state IN (1, 2)";

/* --- tasks ---------------------------------------------------------------------------------- */

static const char SQL_TASK_INSERT[] =
    "INSERT INTO approval_tasks (step_id, application_id, service_id, applicant_college_id,"
    " assignee_id, acting_for_id, kind, state, waiting_for, due_at) VALUES ($1::bigint, $2::bigint,"
    " $3::bigint, nullif($4::bigint, 0), $5::bigint, nullif($6::bigint, 0), $7::smallint,"
    " $8::smallint, nullif($9::bigint, 0),"
    " CASE WHEN $10::bigint > 0 THEN to_timestamp($10::bigint / 1000000.0) END) RETURNING id";
#define TASK_COLS                                                                                  \
  "t.id, t.step_id, t.application_id, t.service_id, t.assignee_id, coalesce(t.acting_for_id, 0),"  \
  " coalesce(t.waiting_for, 0), coalesce(t.decided_by, 0), t.kind, t.state, a.name, a.campus_id,"  \
  " coalesce(f.name, ''), coalesce(d.name, ''), t.opinion, " TS("t.created_at") ", " TS(           \
      "t.decided_at") ", " TS("t.due_at")
#define TASK_FROM                                                                                  \
  " FROM approval_tasks t JOIN accounts a ON a.id = t.assignee_id"                                 \
  " LEFT JOIN accounts f ON f.id = t.acting_for_id LEFT JOIN accounts d ON d.id = t.decided_by"
static const char SQL_TASK_GET[] = "SELECT " TASK_COLS TASK_FROM " WHERE t.id = $1::bigint";
static const char SQL_TASK_LOCK[] = "SELECT 1 FROM approval_tasks WHERE id = $1::bigint FOR UPDATE";
static const char SQL_TASKS[] =
    "SELECT " TASK_COLS TASK_FROM " WHERE ($1::bigint > 0 AND t.step_id = $1::bigint)"
    " OR ($1::bigint = 0 AND t.application_id = $2::bigint) ORDER BY t.id";
static const char SQL_TASK_DECIDE[] =
    "UPDATE approval_tasks SET state = $3::smallint, decided_at = now(),"
    " decided_by = nullif($4::bigint, 0), opinion = $5"
    " WHERE id = $1::bigint AND state = $2::smallint";
static const char SQL_TASK_SET[] =
    "UPDATE approval_tasks SET state = $2::smallint, waiting_for = nullif($3::bigint, 0)"
    " WHERE id = $1::bigint";
static const char SQL_TASKS_CANCEL[] =
    "UPDATE approval_tasks SET state = 7, decided_at = now() WHERE state IN (1, 2)"
    " AND (($1::bigint > 0 AND step_id = $1::bigint)"
    "  OR ($1::bigint = 0 AND application_id = $2::bigint))";
static const char SQL_TASKS_RELEASE[] = "UPDATE approval_tasks SET state = 1, waiting_for = NULL"
                                        " WHERE waiting_for = $1::bigint AND state = 2";
static const char SQL_CC_READ[] =
    "UPDATE approval_tasks SET state = 9, decided_at = now() WHERE application_id = $1::bigint"
    " AND assignee_id = $2::bigint AND state = 8";

/* --- timeline and outbox -------------------------------------------------------------------- */

static const char SQL_EVENT[] =
    "INSERT INTO application_events (application_id, action, actor_id, acting_for_id, note,"
    " step_id, task_id, target_id, target_step) VALUES ($1::bigint, $2, nullif($3::bigint, 0),"
    " nullif($4::bigint, 0), $5, nullif($6::bigint, 0), nullif($7::bigint, 0),"
    " nullif($8::bigint, 0), $9)";
static const char SQL_OPINIONS[] =
    "SELECT " TS("e.at") ", coalesce(e.step_id, 0), e.action, coalesce(a.name, ''),"
                         " coalesce(f.name, ''), e.note, coalesce(t.name, ''), e.target_step,"
                         " coalesce(s.step_key, ''), coalesce(s.step_name, ''), "
                         "coalesce(s.hide_opinions, false),"
                         " e.actor_id IS NULL"
                         " FROM application_events e LEFT JOIN accounts a ON a.id = e.actor_id"
                         " LEFT JOIN accounts f ON f.id = e.acting_for_id LEFT JOIN accounts t ON "
                         "t.id = e.target_id"
                         " LEFT JOIN approval_steps s ON s.id = e.step_id"
                         " WHERE e.application_id = $1::bigint ORDER BY e.id LIMIT 500";
static const char SQL_OUTBOX[] =
    "INSERT INTO outbox (topic, application_id, payload) VALUES ($1, nullif($2::bigint, 0),"
    " $3::jsonb)";

/* --- people --------------------------------------------------------------------------------- */

#define DELEG_ACTIVE "d.ended_at IS NULL AND " TODAY " BETWEEN d.start_date AND d.end_date"
static const char SQL_DELEG_TO[] =
    "SELECT d.from_account_id, coalesce(d.group_id, 0) FROM delegations d"
    " WHERE d.to_account_id = $1::bigint AND " DELEG_ACTIVE;
static const char SQL_DELEGATE_OF[] =
    "SELECT d.to_account_id FROM delegations d JOIN accounts a ON a.id = d.to_account_id"
    " AND a.status = 1"
    " WHERE d.from_account_id = $1::bigint AND d.group_id IS NULL AND " DELEG_ACTIVE
    " ORDER BY d.id DESC LIMIT 1";
static const char SQL_ACCOUNT[] =
    "SELECT id, name FROM accounts WHERE campus_id = $1 AND status = 1";
/* The nearest unit on the owner's path (itself first) that has admins; else hall admins. */
static const char SQL_DEPT_ADMINS[] =
    "WITH owner AS (SELECT u.path FROM services s JOIN org_units u ON u.id = s.owner_unit_id"
    "  WHERE s.id = $1::bigint),"
    " near AS (SELECT r.account_id, array_position(o.path, u.id) AS depth"
    "  FROM owner o JOIN org_units u ON u.id = ANY (o.path)"
    "  JOIN account_roles r ON r.role = 'dept_admin' AND r.org_unit = u.code"
    "  JOIN accounts a ON a.id = r.account_id AND a.status = 1),"
    " best AS (SELECT account_id FROM near WHERE depth = (SELECT max(depth) FROM near))"
    " SELECT account_id FROM best"
    " UNION SELECT r.account_id FROM account_roles r JOIN accounts a ON a.id = r.account_id"
    "  AND a.status = 1 WHERE r.role = 'hall_admin' AND NOT EXISTS (SELECT 1 FROM best)"
    " ORDER BY 1 LIMIT 50";
static const char SQL_INVOLVED[] =
    "SELECT EXISTS (SELECT 1 FROM approval_tasks t WHERE t.application_id = $1::bigint"
    " AND (t.assignee_id = $2::bigint OR t.decided_by = $2::bigint"
    "  OR (t.state IN (1, 2) AND EXISTS (SELECT 1 FROM delegations d"
    "   JOIN approval_steps s ON s.id = t.step_id"
    "   WHERE d.to_account_id = $2::bigint AND d.from_account_id = t.assignee_id"
    "   AND (d.group_id IS NULL OR d.group_id = s.group_id) AND " DELEG_ACTIVE "))))";

/* --- lists ---------------------------------------------------------------------------------- */

/* Whose to-do the caller sees: his own and, for today, his delegators' (for every group or the
 * step's). The assignees come first, as an array, so approval_tasks_todo drives the scan; the
 * step's group is looked up only for a delegator's task. */
#define MINE_TODO                                                                                  \
  "(t.assignee_id = ANY (ARRAY(SELECT $1::bigint UNION ALL SELECT d.from_account_id"               \
  " FROM delegations d WHERE d.to_account_id = $1::bigint AND " DELEG_ACTIVE "))"                  \
  " AND (t.assignee_id = $1::bigint OR EXISTS (SELECT 1 FROM delegations d"                        \
  " WHERE d.to_account_id = $1::bigint AND d.from_account_id = t.assignee_id"                      \
  " AND (d.group_id IS NULL OR d.group_id = (SELECT x.group_id FROM approval_steps x"              \
  " WHERE x.id = t.step_id)) AND " DELEG_ACTIVE ")))"
/* One statement per box, so each is prepared once and PostgreSQL can keep one generic plan for
 * it (a CASE on the box defeated that: every call was planned anew, ~4 ms of its ~5).
 * $1 the caller, $2 a service code or '', $3 a college code or '', $4 overdue only, $5 the page
 * token (0: the first page), $6 the page size. */
#define BOX_TODO " t.state IN (1, 2) AND t.kind <> 4 AND " MINE_TODO
#define BOX_DONE " t.decided_by = $1::bigint AND t.kind <> 4"
#define BOX_CC " t.kind = 4 AND t.assignee_id = $1::bigint"
#define FILTERS                                                                                    \
  " AND ($2 = '' OR t.service_id = (SELECT id FROM services WHERE code = $2))"                     \
  " AND ($3 = '' OR t.applicant_college_id = (SELECT id FROM org_units WHERE code = $3))"          \
  " AND (NOT $4::boolean OR (t.due_at < now() AND t.state IN (1, 2)))"
#define ROW_JOINS                                                                                  \
  " JOIN approval_steps s ON s.id = t.step_id"                                                     \
  " JOIN applications p ON p.id = t.application_id JOIN accounts ac ON ac.id = p.account_id"       \
  " JOIN services sv ON sv.id = t.service_id"                                                      \
  " LEFT JOIN service_versions g ON g.service_id = sv.id AND g.state = 2"                          \
  " LEFT JOIN org_units col ON col.id = t.applicant_college_id"                                    \
  " LEFT JOIN accounts fa ON fa.id = CASE WHEN t.assignee_id <> $1::bigint THEN t.assignee_id"     \
  "  ELSE t.acting_for_id END"
#define LIST(box, after, order)                                                                    \
  "SELECT t.id, t.application_id, " TS("t.decided_at") ", " TS("t.created_at") ", " TS(            \
      "t.due_at") ", coalesce(p.serial, ''), sv.code, coalesce(g.name, sv.code), ac.name,"         \
                  " ac.campus_id, coalesce(col.name, ''), s.step_key, s.step_name,"                \
                  " coalesce(fa.name, ''), t.opinion, t.state"                                     \
                  " FROM (SELECT t.* FROM approval_tasks t WHERE" box FILTERS                      \
                  " AND ($5::bigint = 0 OR " after ") ORDER BY " order                             \
                  " LIMIT $6::int) t" ROW_JOINS " ORDER BY " order
static const char SQL_LIST_TODO[] = LIST(BOX_TODO, "t.id < $5::bigint", "t.id DESC");
static const char SQL_LIST_DONE[] =
    LIST(BOX_DONE, TS("t.decided_at") " < $5::bigint", "t.decided_at DESC, t.id DESC");
static const char SQL_LIST_CC[] = LIST(BOX_CC, "t.id < $5::bigint", "t.id DESC");
/* The caller's counts: to-do, overdue, done, unread cc, every cc ($1 only: one generic plan).
 * Without filters a box's total is one of them; with filters it is SQL_TOTAL_<box>. */
static const char SQL_COUNTS[] =
    "SELECT (SELECT count(*) FROM approval_tasks t"
    "  WHERE t.state IN (1, 2) AND t.kind <> 4 AND " MINE_TODO "),"
    " (SELECT count(*) FROM approval_tasks t"
    "  WHERE t.state IN (1, 2) AND t.kind <> 4 AND t.due_at < now() AND " MINE_TODO "),"
    " (SELECT count(*) FROM approval_tasks t WHERE t.decided_by = $1::bigint AND t.kind <> 4),"
    " (SELECT count(*) FROM approval_tasks t WHERE t.assignee_id = $1::bigint AND t.kind = 4"
    "  AND t.state = 8),"
    " (SELECT count(*) FROM approval_tasks t WHERE t.assignee_id = $1::bigint AND t.kind = 4)";
#define TOTAL(box) "SELECT count(*) FROM approval_tasks t WHERE" box FILTERS
static const char SQL_TOTAL_TODO[] = TOTAL(BOX_TODO);
static const char SQL_TOTAL_DONE[] = TOTAL(BOX_DONE);
static const char SQL_TOTAL_CC[] = TOTAL(BOX_CC);

/* --- timers --------------------------------------------------------------------------------- */

static const char SQL_TIMERS_DUE[] =
    "WITH c AS (SELECT m.id FROM approval_timers m WHERE m.done_at IS NULL AND m.fire_at <= now()"
    "  ORDER BY m.fire_at LIMIT $1::int FOR UPDATE SKIP LOCKED)"
    " UPDATE approval_timers m SET done_at = now() FROM c, approval_steps s"
    " WHERE m.id = c.id AND s.id = m.step_id RETURNING m.id, m.step_id, s.application_id, m.kind";

/* --- helpers -------------------------------------------------------------------------------- */

static const char *i64(arena_t *a, int64_t v) {
  return arena_printf(a, "%" PRId64, v);
}

static const char *num(arena_t *a, int v) {
  return arena_printf(a, "%d", v);
}

static bool flag(const store_rows_t *r, int row, int col) {
  return strcmp(store_rows_get(r, row, col), "t") == 0;
}

/* --- process versions ----------------------------------------------------------------------- */

bool store_process_current(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int *version,
                           const char **json, eh_err_t *err) {
  const char *p[] = {i64(a, service_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_PROC_CURRENT, 1, p, err);
  if (r == NULL)
    return false;
  *version = store_rows_count(r) == 1 ? (int)store_rows_int64(r, 0, 0) : 0;
  *json = *version ? store_rows_get(r, 0, 1) : "";
  return true;
}

static void version_read(const store_rows_t *r, int row, store_process_version_t *v) {
  v->version = (int)store_rows_int64(r, row, 0);
  v->json = store_rows_get(r, row, 1);
  v->created_us = store_rows_int64(r, row, 2);
  v->published_us = store_rows_int64(r, row, 3);
  v->created_by = store_rows_get(r, row, 4);
  v->running = (int)store_rows_int64(r, row, 5);
  v->current = flag(r, row, 6);
}

bool store_process_version(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int version,
                           store_process_version_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, service_id), num(a, version)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_PROC_VERSION, 2, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    version_read(r, 0, out);
  return true;
}

bool store_process_insert(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int64_t account_id,
                          const char *json, int *version, eh_err_t *err) {
  const char *p[] = {i64(a, service_id), i64(a, account_id), json};
  store_rows_t *r = store_pg_exec(a, conn, SQL_PROC_INSERT, 3, p, err);
  if (r == NULL)
    return false;
  *version = (int)store_rows_int64(r, 0, 0);
  return true;
}

bool store_process_versions(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                            store_process_version_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, service_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_PROC_VERSIONS, 1, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    version_read(r, (int)i, &(*out)[i]);
    (*out)[i].json = "";
  }
  return true;
}

bool store_process_publish(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int version,
                           bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, service_id), num(a, version)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_PROC_PUBLISH, 2, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  return true;
}

bool store_process_set_app(arena_t *a, store_pg_conn_t *conn, int64_t app_id, int version,
                           eh_err_t *err) {
  const char *p[] = {i64(a, app_id), num(a, version)};
  return store_pg_exec(a, conn, SQL_PROC_SET_APP, 2, p, err) != NULL;
}

/* --- the application ------------------------------------------------------------------------ */

bool store_appr_app(arena_t *a, store_pg_conn_t *conn, int64_t app_id, bool lock,
                    store_appr_app_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, app_id)};
  if (lock && store_pg_exec(a, conn, SQL_APP_LOCK, 1, p, err) == NULL)
    return false;
  store_rows_t *r = store_pg_exec(a, conn, SQL_APP, 1, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (!*found)
    return true;
  out->id = store_rows_int64(r, 0, 0);
  out->service_id = store_rows_int64(r, 0, 1);
  out->account_id = store_rows_int64(r, 0, 2);
  out->booking_id = store_rows_int64(r, 0, 3);
  out->college_id = store_rows_int64(r, 0, 4);
  out->service_code = store_rows_get(r, 0, 5);
  out->service_name = store_rows_get(r, 0, 6);
  out->owner_code = store_rows_get(r, 0, 7);
  out->serial = store_rows_get(r, 0, 8);
  out->applicant_name = store_rows_get(r, 0, 9);
  out->applicant_campus_id = store_rows_get(r, 0, 10);
  out->college_name = store_rows_get(r, 0, 11);
  out->state = (int)store_rows_int64(r, 0, 12);
  out->form_version = (int)store_rows_int64(r, 0, 13);
  out->process_version = (int)store_rows_int64(r, 0, 14);
  out->data_json = store_rows_get(r, 0, 15);
  out->process_json = store_rows_get(r, 0, 16);
  out->form_json = store_rows_get(r, 0, 17);
  out->submitted_us = store_rows_int64(r, 0, 18);
  return true;
}

/* --- steps ---------------------------------------------------------------------------------- */

bool store_appr_step_insert(arena_t *a, store_pg_conn_t *conn, const store_appr_step_new_t *s,
                            const char *tz, int64_t *id, int64_t *due_us, eh_err_t *err) {
  const char *tp[] = {tz};
  store_rows_t *today = store_pg_exec(a, conn, SQL_TODAY_IN, 1, tp, err);
  if (today == NULL)
    return false;
  const char *p[] = {store_rows_get(today, 0, 0),
                     tz,
                     num(a, s->due_working_days),
                     num(a, s->remind_hours),
                     i64(a, s->app_id),
                     s->key,
                     s->name,
                     s->name_en ? s->name_en : "",
                     num(a, s->stage),
                     num(a, s->branch),
                     num(a, s->pos),
                     s->branch_name ? s->branch_name : "",
                     num(a, s->kind),
                     num(a, s->mode),
                     num(a, s->ratio),
                     num(a, s->state),
                     s->hide_opinions ? "true" : "false",
                     i64(a, s->group_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_STEP_INSERT, 18, p, err);
  if (r == NULL)
    return false;
  *id = store_rows_int64(r, 0, 0);
  *due_us = store_rows_int64(r, 0, 1);
  return true;
}

bool store_appr_step_end(arena_t *a, store_pg_conn_t *conn, int64_t step_id, int state,
                         eh_err_t *err) {
  const char *p[] = {i64(a, step_id), num(a, state)};
  return store_pg_exec(a, conn, SQL_STEP_END, 2, p, err) != NULL;
}

static void step_read(const store_rows_t *r, int row, store_appr_step_t *s) {
  s->id = store_rows_int64(r, row, 0);
  s->app_id = store_rows_int64(r, row, 1);
  s->group_id = store_rows_int64(r, row, 2);
  s->key = store_rows_get(r, row, 3);
  s->name = store_rows_get(r, row, 4);
  s->name_en = store_rows_get(r, row, 5);
  s->branch_name = store_rows_get(r, row, 6);
  s->stage = (int)store_rows_int64(r, row, 7);
  s->branch = (int)store_rows_int64(r, row, 8);
  s->pos = (int)store_rows_int64(r, row, 9);
  s->kind = (int)store_rows_int64(r, row, 10);
  s->mode = (int)store_rows_int64(r, row, 11);
  s->ratio = (int)store_rows_int64(r, row, 12);
  s->state = (int)store_rows_int64(r, row, 13);
  s->hide_opinions = flag(r, row, 14);
  s->due_us = store_rows_int64(r, row, 15);
  s->started_us = store_rows_int64(r, row, 16);
  s->ended_us = store_rows_int64(r, row, 17);
  s->reminded_us = store_rows_int64(r, row, 18);
  s->reminded_on = store_rows_get(r, row, 19);
}

bool store_appr_step_get(arena_t *a, store_pg_conn_t *conn, int64_t step_id, store_appr_step_t *out,
                         bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, step_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_STEP_GET, 1, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    step_read(r, 0, out);
  return true;
}

bool store_appr_steps(arena_t *a, store_pg_conn_t *conn, int64_t app_id, bool active_only,
                      store_appr_step_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, app_id), active_only ? "true" : "false"};
  store_rows_t *r = store_pg_exec(a, conn, SQL_STEPS, 2, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++)
    step_read(r, (int)i, &(*out)[i]);
  return true;
}

bool store_appr_step_remind(arena_t *a, store_pg_conn_t *conn, int64_t step_id, const char *tz,
                            bool *done, eh_err_t *err) {
  const char *p[] = {i64(a, step_id), tz};
  store_rows_t *r = store_pg_exec(a, conn, SQL_STEP_REMIND, 2, p, err);
  if (r == NULL)
    return false;
  *done = store_rows_affected(r) == 1;
  return true;
}

bool store_appr_step_escalate(arena_t *a, store_pg_conn_t *conn, int64_t step_id, eh_err_t *err) {
  const char *p[] = {i64(a, step_id)};
  return store_pg_exec(a, conn, SQL_STEP_ESCALATE, 1, p, err) != NULL;
}

/* --- tasks ---------------------------------------------------------------------------------- */

bool store_appr_task_insert(arena_t *a, store_pg_conn_t *conn, const store_appr_task_new_t *t,
                            int64_t *id, eh_err_t *err) {
  const char *p[] = {i64(a, t->step_id),    i64(a, t->app_id),      i64(a, t->service_id),
                     i64(a, t->college_id), i64(a, t->assignee_id), i64(a, t->acting_for_id),
                     num(a, t->kind),       num(a, t->state),       i64(a, t->waiting_for),
                     i64(a, t->due_us)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_TASK_INSERT, 10, p, err);
  if (r == NULL)
    return false;
  *id = store_rows_int64(r, 0, 0);
  return true;
}

static void task_read(const store_rows_t *r, int row, store_appr_task_t *t) {
  t->id = store_rows_int64(r, row, 0);
  t->step_id = store_rows_int64(r, row, 1);
  t->app_id = store_rows_int64(r, row, 2);
  t->service_id = store_rows_int64(r, row, 3);
  t->assignee_id = store_rows_int64(r, row, 4);
  t->acting_for_id = store_rows_int64(r, row, 5);
  t->waiting_for = store_rows_int64(r, row, 6);
  t->decided_by = store_rows_int64(r, row, 7);
  t->kind = (int)store_rows_int64(r, row, 8);
  t->state = (int)store_rows_int64(r, row, 9);
  t->assignee_name = store_rows_get(r, row, 10);
  t->assignee_campus_id = store_rows_get(r, row, 11);
  t->acting_for_name = store_rows_get(r, row, 12);
  t->decided_by_name = store_rows_get(r, row, 13);
  t->opinion = store_rows_get(r, row, 14);
  t->created_us = store_rows_int64(r, row, 15);
  t->decided_us = store_rows_int64(r, row, 16);
  t->due_us = store_rows_int64(r, row, 17);
}

bool store_appr_task_get(arena_t *a, store_pg_conn_t *conn, int64_t id, bool lock,
                         store_appr_task_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, id)};
  if (lock && store_pg_exec(a, conn, SQL_TASK_LOCK, 1, p, err) == NULL)
    return false;
  store_rows_t *r = store_pg_exec(a, conn, SQL_TASK_GET, 1, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    task_read(r, 0, out);
  return true;
}

bool store_appr_tasks(arena_t *a, store_pg_conn_t *conn, int64_t step_id, int64_t app_id,
                      store_appr_task_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, step_id), i64(a, app_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_TASKS, 2, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++)
    task_read(r, (int)i, &(*out)[i]);
  return true;
}

bool store_appr_task_decide(arena_t *a, store_pg_conn_t *conn, int64_t id, int from, int state,
                            int64_t decided_by, const char *opinion, bool *changed, eh_err_t *err) {
  const char *p[] = {i64(a, id), num(a, from), num(a, state), i64(a, decided_by),
                     opinion ? opinion : ""};
  store_rows_t *r = store_pg_exec(a, conn, SQL_TASK_DECIDE, 5, p, err);
  if (r == NULL)
    return false;
  *changed = store_rows_affected(r) == 1;
  return true;
}

bool store_appr_task_set(arena_t *a, store_pg_conn_t *conn, int64_t id, int state,
                         int64_t waiting_for, eh_err_t *err) {
  const char *p[] = {i64(a, id), num(a, state), i64(a, waiting_for)};
  return store_pg_exec(a, conn, SQL_TASK_SET, 3, p, err) != NULL;
}

bool store_appr_tasks_cancel(arena_t *a, store_pg_conn_t *conn, int64_t step_id, int64_t app_id,
                             eh_err_t *err) {
  const char *p[] = {i64(a, step_id), i64(a, app_id)};
  return store_pg_exec(a, conn, SQL_TASKS_CANCEL, 2, p, err) != NULL;
}

bool store_appr_tasks_release(arena_t *a, store_pg_conn_t *conn, int64_t task_id, eh_err_t *err) {
  const char *p[] = {i64(a, task_id)};
  return store_pg_exec(a, conn, SQL_TASKS_RELEASE, 1, p, err) != NULL;
}

bool store_appr_cc_read(arena_t *a, store_pg_conn_t *conn, int64_t app_id, int64_t caller,
                        eh_err_t *err) {
  const char *p[] = {i64(a, app_id), i64(a, caller)};
  return store_pg_exec(a, conn, SQL_CC_READ, 2, p, err) != NULL;
}

/* --- timeline and outbox -------------------------------------------------------------------- */

bool store_appr_event(arena_t *a, store_pg_conn_t *conn, const store_appr_event_t *e,
                      eh_err_t *err) {
  const char *p[] = {i64(a, e->app_id),
                     e->action,
                     i64(a, e->actor_id),
                     i64(a, e->acting_for_id),
                     e->note ? e->note : "",
                     i64(a, e->step_id),
                     i64(a, e->task_id),
                     i64(a, e->target_id),
                     e->target_step ? e->target_step : ""};
  return store_pg_exec(a, conn, SQL_EVENT, 9, p, err) != NULL;
}

bool store_appr_opinions(arena_t *a, store_pg_conn_t *conn, int64_t app_id,
                         store_appr_opinion_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, app_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_OPINIONS, 1, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    store_appr_opinion_t *o = &(*out)[i];
    int row = (int)i;
    o->at_us = store_rows_int64(r, row, 0);
    o->step_id = store_rows_int64(r, row, 1);
    o->action = store_rows_get(r, row, 2);
    o->actor_name = store_rows_get(r, row, 3);
    o->acting_for_name = store_rows_get(r, row, 4);
    o->note = store_rows_get(r, row, 5);
    o->target_name = store_rows_get(r, row, 6);
    o->target_step = store_rows_get(r, row, 7);
    o->step_key = store_rows_get(r, row, 8);
    o->step_name = store_rows_get(r, row, 9);
    o->hidden = flag(r, row, 10);
    o->automatic = flag(r, row, 11);
  }
  return true;
}

bool store_appr_outbox(arena_t *a, store_pg_conn_t *conn, const char *topic, int64_t app_id,
                       const char *payload, eh_err_t *err) {
  const char *p[] = {topic, i64(a, app_id), payload};
  return store_pg_exec(a, conn, SQL_OUTBOX, 3, p, err) != NULL;
}

/* --- people --------------------------------------------------------------------------------- */

bool store_appr_delegations_to(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                               store_appr_delegation_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, account_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_DELEG_TO, 1, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    (*out)[i].from_id = store_rows_int64(r, (int)i, 0);
    (*out)[i].group_id = store_rows_int64(r, (int)i, 1);
  }
  return true;
}

bool store_appr_delegate_of(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                            int64_t *delegate, eh_err_t *err) {
  const char *p[] = {i64(a, account_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_DELEGATE_OF, 1, p, err);
  if (r == NULL)
    return false;
  *delegate = store_rows_count(r) == 1 ? store_rows_int64(r, 0, 0) : 0;
  return true;
}

bool store_appr_account(arena_t *a, store_pg_conn_t *conn, const char *campus_id, int64_t *id,
                        const char **name, eh_err_t *err) {
  const char *p[] = {campus_id};
  store_rows_t *r = store_pg_exec(a, conn, SQL_ACCOUNT, 1, p, err);
  if (r == NULL)
    return false;
  bool found = store_rows_count(r) == 1;
  *id = found ? store_rows_int64(r, 0, 0) : 0;
  if (name != NULL)
    *name = found ? store_rows_get(r, 0, 1) : "";
  return true;
}

bool store_appr_dept_admins(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int64_t **ids,
                            size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, service_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_DEPT_ADMINS, 1, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *ids = arena_alloc(a, (*n ? *n : 1) * sizeof **ids);
  for (size_t i = 0; i < *n; i++)
    (*ids)[i] = store_rows_int64(r, (int)i, 0);
  return true;
}

bool store_appr_involved(arena_t *a, store_pg_conn_t *conn, int64_t app_id, int64_t caller,
                         bool *involved, eh_err_t *err) {
  const char *p[] = {i64(a, app_id), i64(a, caller)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_INVOLVED, 2, p, err);
  if (r == NULL)
    return false;
  *involved = flag(r, 0, 0);
  return true;
}

/* --- lists ---------------------------------------------------------------------------------- */

bool store_appr_list(arena_t *a, store_pg_conn_t *conn, int64_t caller,
                     const store_appr_filter_t *f, store_appr_row_t **out, size_t *n,
                     store_appr_counts_t *counts, eh_err_t *err) {
  const char *p[] = {i64(a, caller),
                     f->service_code ? f->service_code : "",
                     f->college_code ? f->college_code : "",
                     f->overdue_only ? "true" : "false",
                     i64(a, f->before_id),
                     num(a, f->limit)};
  /* Each box's statements; 1 to-do, 2 done, anything else cc (as store_appr_filter_t says). */
  static const struct {
    const char *list, *total;
  } boxes[] = {{SQL_LIST_CC, SQL_TOTAL_CC},
               {SQL_LIST_TODO, SQL_TOTAL_TODO},
               {SQL_LIST_DONE, SQL_TOTAL_DONE}};
  int box = f->box == 1 || f->box == 2 ? f->box : 0;
  const char *list = boxes[box].list;
  store_rows_t *r = store_pg_exec(a, conn, list, 6, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    store_appr_row_t *x = &(*out)[i];
    int row = (int)i;
    x->task_id = store_rows_int64(r, row, 0);
    x->app_id = store_rows_int64(r, row, 1);
    x->decided_us = store_rows_int64(r, row, 2);
    x->created_us = store_rows_int64(r, row, 3);
    x->due_us = store_rows_int64(r, row, 4);
    x->serial = store_rows_get(r, row, 5);
    x->service_code = store_rows_get(r, row, 6);
    x->service_name = store_rows_get(r, row, 7);
    x->applicant_name = store_rows_get(r, row, 8);
    x->applicant_campus_id = store_rows_get(r, row, 9);
    x->college_name = store_rows_get(r, row, 10);
    x->step_key = store_rows_get(r, row, 11);
    x->step_name = store_rows_get(r, row, 12);
    x->acting_for_name = store_rows_get(r, row, 13);
    x->opinion = store_rows_get(r, row, 14);
    x->state = (int)store_rows_int64(r, row, 15);
  }
  store_rows_t *c = store_pg_exec(a, conn, SQL_COUNTS, 1, p, err);
  if (c == NULL)
    return false;
  counts->todo = (int)store_rows_int64(c, 0, 0);
  counts->overdue = (int)store_rows_int64(c, 0, 1);
  counts->done = (int)store_rows_int64(c, 0, 2);
  counts->cc_unread = (int)store_rows_int64(c, 0, 3);
  /* Without filters a box's total is one of the counts, in the order of boxes[]. */
  const int unfiltered[] = {(int)store_rows_int64(c, 0, 4), counts->todo, counts->done};
  if (*p[1] == '\0' && *p[2] == '\0' && !f->overdue_only) {
    counts->total = unfiltered[box];
    return true;
  }
  store_rows_t *t = store_pg_exec(a, conn, boxes[box].total, 4, p, err);
  if (t == NULL)
    return false;
  counts->total = (int)store_rows_int64(t, 0, 0);
  return true;
}

/* --- timers --------------------------------------------------------------------------------- */

bool store_appr_timers_due(arena_t *a, store_pg_conn_t *conn, int limit, store_appr_timer_t **out,
                           size_t *n, eh_err_t *err) {
  const char *p[] = {num(a, limit)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_TIMERS_DUE, 1, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    (*out)[i].id = store_rows_int64(r, (int)i, 0);
    (*out)[i].step_id = store_rows_int64(r, (int)i, 1);
    (*out)[i].app_id = store_rows_int64(r, (int)i, 2);
    (*out)[i].kind = (int)store_rows_int64(r, (int)i, 3);
  }
  return true;
}
