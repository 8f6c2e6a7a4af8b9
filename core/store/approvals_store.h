/*
 * approvals_store.h — the SQL of approvals (core/approvals; migrations/0012_create_approvals.sql):
 * process versions, the steps and tasks of running applications, their events on the
 * application's timeline, the SLA timers, the outbox, and the lists approvers read. Owned with
 * core/approvals. Definitions travel as JSON text; strings returned are owned by the arena given.
 */
#ifndef EHALL_STORE_APPROVALS_STORE_H
#define EHALL_STORE_APPROVALS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"

/* --- process versions ------------------------------------------------------------------------ */

typedef struct store_process_version {
  int version;
  const char *json;                 /* "" in lists */
  int64_t created_us, published_us; /* published_us 0: never */
  const char *created_by;           /* name, "" */
  int running;                      /* applications in review or returned on it */
  bool current;
} store_process_version_t;

/* The version new submissions start on (*version 0: none) and its definition. */
bool store_process_current(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int *version,
                           const char **json, eh_err_t *err);
bool store_process_version(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int version,
                           store_process_version_t *out, bool *found, eh_err_t *err);
/* Stores the next version, unpublished (CONFLICT when another save took the number). */
bool store_process_insert(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int64_t account_id,
                          const char *json, int *version, eh_err_t *err);
/* Every version, newest first, without definitions. */
bool store_process_versions(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                            store_process_version_t **out, size_t *n, eh_err_t *err);
/* Makes version current (found false: no such version). */
bool store_process_publish(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int version,
                           bool *found, eh_err_t *err);
/* Records the version an application runs on. */
bool store_process_set_app(arena_t *a, store_pg_conn_t *conn, int64_t app_id, int version,
                           eh_err_t *err);

/* --- the application as approvals see it ------------------------------------------------------ */

typedef struct store_appr_app {
  int64_t id, service_id, account_id, booking_id, college_id;
  const char *service_code, *service_name, *owner_code;
  const char *serial, *applicant_name, *applicant_campus_id, *college_name;
  int state, form_version, process_version; /* process_version 0: none */
  const char *data_json, *process_json, *form_json;
  int64_t submitted_us;
} store_appr_app_t;

/* lock: FOR UPDATE of the application row (serialises every transition of one application). */
bool store_appr_app(arena_t *a, store_pg_conn_t *conn, int64_t app_id, bool lock,
                    store_appr_app_t *out, bool *found, eh_err_t *err);

/* --- steps and tasks ------------------------------------------------------------------------- */

typedef struct store_appr_step {
  int64_t id, app_id, group_id;
  const char *key, *name, *name_en, *branch_name;
  int stage, branch, pos, kind, mode, ratio, state;
  bool hide_opinions;
  int64_t due_us, started_us, ended_us, reminded_us; /* 0: none */
  const char *reminded_on;                           /* YYYY-MM-DD, "" */
} store_appr_step_t;

typedef struct store_appr_step_new {
  int64_t app_id, group_id;
  const char *key, *name, *name_en, *branch_name;
  int stage, branch, pos, kind, mode, ratio, state;
  bool hide_opinions;
  int due_working_days, remind_hours; /* 0: none */
} store_appr_step_new_t;

/* Inserts a step; its due time is the end of the due_working_days-th working day after today
 * (tz; the hall calendar, else Monday–Friday), with its timers (remind, due). */
bool store_appr_step_insert(arena_t *a, store_pg_conn_t *conn, const store_appr_step_new_t *s,
                            const char *tz, int64_t *id, int64_t *due_us, eh_err_t *err);
/* Ends a step in state (its open timers done). */
bool store_appr_step_end(arena_t *a, store_pg_conn_t *conn, int64_t step_id, int state,
                         eh_err_t *err);
bool store_appr_step_get(arena_t *a, store_pg_conn_t *conn, int64_t step_id, store_appr_step_t *out,
                         bool *found, eh_err_t *err);
/* Every step of the application in order of start (active_only: state 1 only). */
bool store_appr_steps(arena_t *a, store_pg_conn_t *conn, int64_t app_id, bool active_only,
                      store_appr_step_t **out, size_t *n, eh_err_t *err);
/* 催办: marks the step reminded today (tz); *done false when it already was. */
bool store_appr_step_remind(arena_t *a, store_pg_conn_t *conn, int64_t step_id, const char *tz,
                            bool *done, eh_err_t *err);

/* Escalation at due: the step's open tasks are handed over (transferred) and it becomes any-of,
 * for the tasks the caller then gives the department's admins. */
bool store_appr_step_escalate(arena_t *a, store_pg_conn_t *conn, int64_t step_id, eh_err_t *err);

typedef struct store_appr_task {
  int64_t id, step_id, app_id, service_id, assignee_id, acting_for_id, waiting_for, decided_by;
  int kind, state;
  const char *assignee_name, *assignee_campus_id, *acting_for_name, *decided_by_name, *opinion;
  int64_t created_us, decided_us, due_us;
} store_appr_task_t;

typedef struct store_appr_task_new {
  int64_t step_id, app_id, service_id, college_id, assignee_id, acting_for_id, waiting_for;
  int kind, state;
  int64_t due_us; /* 0: none */
} store_appr_task_new_t;

bool store_appr_task_insert(arena_t *a, store_pg_conn_t *conn, const store_appr_task_new_t *t,
                            int64_t *id, eh_err_t *err);
/* One task (lock: FOR UPDATE). */
bool store_appr_task_get(arena_t *a, store_pg_conn_t *conn, int64_t id, bool lock,
                         store_appr_task_t *out, bool *found, eh_err_t *err);
/* The tasks of a step (step_id > 0) or of an application (app_id > 0), in order. */
bool store_appr_tasks(arena_t *a, store_pg_conn_t *conn, int64_t step_id, int64_t app_id,
                      store_appr_task_t **out, size_t *n, eh_err_t *err);
/* Decides a task that is still in state `from`: state, who acted (0: the system), opinion.
 * *changed false when it was not in `from` any more (someone decided first). */
bool store_appr_task_decide(arena_t *a, store_pg_conn_t *conn, int64_t id, int from, int state,
                            int64_t decided_by, const char *opinion, bool *changed, eh_err_t *err);
/* Sets a task's state and what it waits for (0: nothing). */
bool store_appr_task_set(arena_t *a, store_pg_conn_t *conn, int64_t id, int state,
                         int64_t waiting_for, eh_err_t *err);
/* Open tasks (pending, waiting) of a step (step_id > 0) or application → cancelled. */
bool store_appr_tasks_cancel(arena_t *a, store_pg_conn_t *conn, int64_t step_id, int64_t app_id,
                             eh_err_t *err);
/* The tasks waiting for task_id → pending. */
bool store_appr_tasks_release(arena_t *a, store_pg_conn_t *conn, int64_t task_id, eh_err_t *err);
/* Marks caller's cc tasks of the application read. */
bool store_appr_cc_read(arena_t *a, store_pg_conn_t *conn, int64_t app_id, int64_t caller,
                        eh_err_t *err);

/* --- timeline and outbox -----------------------------------------------------------------------
 */

typedef struct store_appr_event {
  int64_t app_id, actor_id, acting_for_id, step_id, task_id, target_id;
  const char *action, *note, *target_step;
} store_appr_event_t;

bool store_appr_event(arena_t *a, store_pg_conn_t *conn, const store_appr_event_t *e,
                      eh_err_t *err);

typedef struct store_appr_opinion {
  int64_t at_us, step_id;
  const char *action, *actor_name, *acting_for_name, *note, *target_name, *target_step;
  const char *step_key, *step_name;
  bool hidden, automatic;
} store_appr_opinion_t;

/* Every event of the application with its step (oldest first, ≤ 500). */
bool store_appr_opinions(arena_t *a, store_pg_conn_t *conn, int64_t app_id,
                         store_appr_opinion_t **out, size_t *n, eh_err_t *err);

/* An outbox row (payload: JSON text). */
bool store_appr_outbox(arena_t *a, store_pg_conn_t *conn, const char *topic, int64_t app_id,
                       const char *payload, eh_err_t *err);

/* --- people ------------------------------------------------------------------------------------
 */

typedef struct store_appr_delegation {
  int64_t from_id, group_id;
} store_appr_delegation_t;

/* Delegations account_id received that are active today (Asia/Shanghai). */
bool store_appr_delegations_to(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                               store_appr_delegation_t **out, size_t *n, eh_err_t *err);
/* Who acts for account_id today for every group (0: himself). */
bool store_appr_delegate_of(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                            int64_t *delegate, eh_err_t *err);
/* An account by campus id (*id 0: none or not active). */
bool store_appr_account(arena_t *a, store_pg_conn_t *conn, const char *campus_id, int64_t *id,
                        const char **name, eh_err_t *err);
/* The admins of the service's department (or the nearest unit above it with any); when there
 * are none, the hall admins. */
bool store_appr_dept_admins(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int64_t **ids,
                            size_t *n, eh_err_t *err);
/* Whether caller holds or held a task of the application, or is today's delegate of someone who
 * does. */
bool store_appr_involved(arena_t *a, store_pg_conn_t *conn, int64_t app_id, int64_t caller,
                         bool *involved, eh_err_t *err);

/* --- lists ------------------------------------------------------------------------------------ */

typedef struct store_appr_row {
  int64_t task_id, app_id, decided_us, created_us, due_us;
  const char *serial, *service_code, *service_name, *applicant_name, *applicant_campus_id;
  const char *college_name, *step_key, *step_name, *acting_for_name, *opinion;
  int state;
} store_appr_row_t;

typedef struct store_appr_filter {
  int box;                  /* 1 to-do, 2 done, 3 cc */
  const char *service_code; /* "": any */
  const char *college_code; /* "": any */
  bool overdue_only;
  int64_t before_id; /* paging: task id (to-do, cc) or decided µs (done); 0: first page */
  int limit;
} store_appr_filter_t;

typedef struct store_appr_counts {
  int todo, overdue, done, cc_unread, total;
} store_appr_counts_t;

/* The caller's box (to-do: his pending and waiting tasks and those of people who delegated to
 * him today), newest first, with the counts. */
bool store_appr_list(arena_t *a, store_pg_conn_t *conn, int64_t caller,
                     const store_appr_filter_t *f, store_appr_row_t **out, size_t *n,
                     store_appr_counts_t *counts, eh_err_t *err);

/* --- timers ------------------------------------------------------------------------------------
 */

typedef struct store_appr_timer {
  int64_t id, step_id, app_id;
  int kind;
} store_appr_timer_t;

/* Claims up to limit due timers (FOR UPDATE SKIP LOCKED) and marks them done in the caller's
 * transaction. */
bool store_appr_timers_due(arena_t *a, store_pg_conn_t *conn, int limit, store_appr_timer_t **out,
                           size_t *n, eh_err_t *err);

#endif
