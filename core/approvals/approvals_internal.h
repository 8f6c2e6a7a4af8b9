/*
 * approvals_internal.h — what the approvals files share: the engine (engine.c) that starts and
 * advances an application's process inside the caller's transaction, and small helpers.
 */
#ifndef EHALL_APPROVALS_APPROVALS_INTERNAL_H
#define EHALL_APPROVALS_APPROVALS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/approvals/process_rules.h"
#include "core/common/call.h"
#include "core/forms/form_rules.h" /* APP_* (ehall.forms.v1.ApplicationState) */
#include "core/store/approvals_store.h"

/* One application's process being run, inside one transaction that holds the application's row
 * lock (store_appr_app with lock): every transition of an application is serialised by it. */
typedef struct appr_run {
  arena_t *a;
  store_pg_conn_t *conn;
  const char *tz;
  store_appr_app_t app;
  process_def_t *def;
  Google__Protobuf__Struct *values;
  int64_t slot_to_forget; /* a released seat's slot: its Redis tickets are forgotten after commit */
} appr_run_t;

/* Loads and locks the application with its process and values (found false: none or no process). */
bool appr__load(appr_run_t *r, arena_t *a, store_pg_conn_t *conn, const char *tz, int64_t app_id,
                bool *found, eh_err_t *err);
/* Enters the process at stage (0: from the start), starting steps until one waits for people
 * or the process is complete (the application approved). */
bool appr__enter(appr_run_t *r, int stage, eh_err_t *err);
/* A step passed: ends it (its open tasks cancelled) and goes on (the branch, then the stage). */
bool appr__step_passed(appr_run_t *r, const store_appr_step_t *s, eh_err_t *err);
/* Ends every open step and task (state for the steps: cancelled or returned). */
bool appr__close_open(appr_run_t *r, int step_state, eh_err_t *err);
/* The application ends: approved (5) or rejected (6); its seat settled; the outbox told. */
bool appr__finish(appr_run_t *r, int app_state, eh_err_t *err);
/* A step reached its due time: what its definition says (on_due), with an outbox row. */
bool appr__due(appr_run_t *r, const store_appr_step_t *s, eh_err_t *err);
/* Returned to the applicant for amendment (4). */
bool appr__returned(appr_run_t *r, eh_err_t *err);
/* An outbox row: {"applicationId":…, <extra>} where extra is "" or more JSON members. */
bool appr__outbox(appr_run_t *r, const char *topic, const char *extra, eh_err_t *err);
/* An event on the timeline. */
bool appr__event(appr_run_t *r, const char *action, int64_t actor, int64_t acting_for,
                 const char *note, int64_t step_id, int64_t task_id, int64_t target_id,
                 const char *target_step, eh_err_t *err);
/* The definition stored as JSON; NULL with INTERNAL when unreadable. */
process_def_t *appr__def_from_json(arena_t *a, const char *json, eh_err_t *err);
const char *appr__tz(const call_t *call);
int64_t appr__now_us(void);
/* Views shared by tasks.c and progress.c: every step the application entered with its tasks,
 * and every level's opinions, oldest first; applicant: opinions of steps that hide them are
 * blanked. NULL with err on failure. */
Ehall__Approvals__V1__StepView **appr__steps_pb(arena_t *a, store_pg_conn_t *conn, int64_t app_id,
                                                bool applicant, size_t *n_out, eh_err_t *err);
Ehall__Approvals__V1__Opinion **appr__opinions_pb(arena_t *a, store_pg_conn_t *conn, int64_t app_id,
                                                  bool applicant, size_t *n_out, eh_err_t *err);
/* NOT_FOUND on application_id: a missing application and one the caller may not see answer
 * alike. */
bool appr__no_application(eh_err_t *err);
/* Gives applications the engine's hooks (forms_set_process_hooks). */
void approvals__register(void);

/* approval_steps.state */
enum {
  STEP_ACTIVE = 1,
  STEP_APPROVED = 2,
  STEP_REJECTED = 3,
  STEP_RETURNED = 4,
  STEP_SKIPPED = 5,
  STEP_CANCELLED = 6,
  STEP_CC = 7
};

#endif
