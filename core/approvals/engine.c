/*
 * engine.c — runs an application through its process, inside the caller's transaction: steps
 * start (approvers resolved, delegation applied, the applicant never his own approver; when
 * nobody resolves, the step's when_empty decides), steps pass (the branch goes on, then the
 * stage), and the application ends approved, rejected or returned. Every transition writes its
 * timeline event and its outbox row in the same transaction. Also the hooks applications call
 * on submit, resubmit and withdrawal.
 *
 * Must never log form contents or opinions.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/time.h>

#include "core/approvals/approvals.h"
#include "core/approvals/approvals_internal.h"
#include "core/common/transcode.h"
#include "core/config.h"
#include "core/forms/forms.h"
#include "core/store/forms_store.h"
#include "core/store/group_store.h"

static const transcode_schema_t schema = {0};

#define K(x) EHALL__APPROVALS__V1__##x

bool appr__no_application(eh_err_t *err) {
  return eh_err_set(err, EH_NOT_FOUND, "application_id", "没有找到该申请", "no such application");
}

const char *appr__tz(const call_t *call) {
  return call->cfg->booking_timezone;
}

process_def_t *appr__def_from_json(arena_t *a, const char *json, eh_err_t *err) {
  eh_err_t perr = EH_ERR_INIT;
  ProtobufCMessage *m = transcode_json_to_pb(
      a, &schema, &ehall__approvals__v1__process_definition__descriptor, json, strlen(json), &perr);
  if (m == NULL) {
    eh_err_set(err, EH_INTERNAL, NULL, "审批流程数据损坏，请联系管理员",
               "a stored process could not be read; please contact the administrator");
    return NULL;
  }
  return (process_def_t *)m;
}

static Google__Protobuf__Struct *values_from_json(arena_t *a, const char *json, eh_err_t *err) {
  eh_err_t perr = EH_ERR_INIT;
  ProtobufCMessage *m = transcode_json_to_pb(a, &schema, &google__protobuf__struct__descriptor,
                                             json, strlen(json), &perr);
  if (m == NULL)
    eh_err_set(err, EH_INTERNAL, NULL, "申请数据损坏", "stored values could not be read");
  return (Google__Protobuf__Struct *)m;
}

bool appr__load(appr_run_t *r, arena_t *a, store_pg_conn_t *conn, const char *tz, int64_t app_id,
                bool *found, eh_err_t *err) {
  memset(r, 0, sizeof *r);
  r->a = a;
  r->conn = conn;
  r->tz = tz;
  if (!store_appr_app(a, conn, app_id, true, &r->app, found, err))
    return false;
  if (!*found || r->app.process_version == 0) {
    *found = false;
    return true;
  }
  r->def = appr__def_from_json(a, r->app.process_json, err);
  r->values = r->def ? values_from_json(a, r->app.data_json, err) : NULL;
  return r->values != NULL;
}

bool appr__event(appr_run_t *r, const char *action, int64_t actor, int64_t acting_for,
                 const char *note, int64_t step_id, int64_t task_id, int64_t target_id,
                 const char *target_step, eh_err_t *err) {
  store_appr_event_t e = {.app_id = r->app.id,
                          .actor_id = actor,
                          .acting_for_id = acting_for,
                          .step_id = step_id,
                          .task_id = task_id,
                          .target_id = target_id,
                          .action = action,
                          .note = note,
                          .target_step = target_step};
  return store_appr_event(r->a, r->conn, &e, err);
}

bool appr__outbox(appr_run_t *r, const char *topic, const char *extra, eh_err_t *err) {
  const char *payload = arena_printf(r->a, "{\"applicationId\":\"%" PRId64 "\"%s%s}", r->app.id,
                                     extra[0] ? "," : "", extra);
  return store_appr_outbox(r->a, r->conn, topic, r->app.id, payload, err);
}

/* --- resolution ------------------------------------------------------------------------------ */

int64_t appr__now_us(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

typedef struct {
  process_approver_t *v;
  size_t n, cap;
} people_t;

static void people_add(people_t *p, int64_t who, int64_t acting_for) {
  if (who == 0 || p->n >= p->cap)
    return;
  p->v[p->n].account_id = who;
  p->v[p->n].acting_for_id = acting_for;
  p->n++;
}

/* A named person: he acts, or today's delegate (for every group) for him. */
static bool add_person(appr_run_t *r, const char *campus_id, people_t *p, eh_err_t *err) {
  int64_t id = 0, delegate = 0;
  if (campus_id == NULL || campus_id[0] == '\0' || strlen(campus_id) > 32)
    return true;
  if (!store_appr_account(r->a, r->conn, campus_id, &id, NULL, err) ||
      (id > 0 && !store_appr_delegate_of(r->a, r->conn, id, &delegate, err)))
    return false;
  if (delegate > 0)
    people_add(p, delegate, id);
  else
    people_add(p, id, 0);
  return true;
}

static bool add_group(appr_run_t *r, const Ehall__Approvals__V1__ApproverSource *src, people_t *p,
                      int64_t *group_id, eh_err_t *err) {
  store_group_t g;
  bool found = false;
  if (!store_group_get(r->a, r->conn, src->group_code, &g, &found, err))
    return false;
  if (!found)
    return true;
  bool by_unit = src->kind == K(APPROVER_KIND__UNIT_GROUP);
  int64_t id = r->app.account_id;
  if (by_unit) {
    store_group_unit_t u;
    if (!store_group_unit(r->a, r->conn, src->unit_code, &u, &found, err))
      return false;
    if (!found)
      return true;
    id = u.id;
  }
  if (*group_id == 0)
    *group_id = g.id;
  store_group_candidate_t *c;
  size_t n;
  if (!store_group_resolve(r->a, r->conn, by_unit, id, g.id, appr__now_us(), &c, &n, err))
    return false;
  for (size_t i = 0; i < n; i++) {
    int64_t who = 0, member = 0;
    if (!store_appr_account(r->a, r->conn, c[i].campus_id, &who, NULL, err))
      return false;
    if (c[i].delegation_id != 0 &&
        !store_appr_account(r->a, r->conn, c[i].member_campus_id, &member, NULL, err))
      return false;
    people_add(p, who, member);
  }
  return true;
}

/* A form field's text (a FORM_FIELD source names a campus id); "" when it holds none. */
static const char *value_text(const Google__Protobuf__Struct *s, const char *key) {
  const Google__Protobuf__Value *v = form_value_get(s, key);
  return v != NULL && v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE ? v->string_value
                                                                                 : "";
}

/* The step's approvers; *group_id the first group it resolved through. */
static bool resolve(appr_run_t *r, const process_step_t *st, process_approver_t **out, size_t *n,
                    int64_t *group_id, eh_err_t *err) {
  people_t p = {.cap = PROCESS_SOURCES_MAX * PROCESS_APPROVERS_MAX};
  p.v = arena_alloc(r->a, p.cap * sizeof *p.v);
  *group_id = 0;
  for (size_t i = 0; i < st->n_approvers; i++) {
    const Ehall__Approvals__V1__ApproverSource *src = st->approvers[i];
    bool ok = true;
    switch (src->kind) {
    case K(APPROVER_KIND__APPLICANT_GROUP):
    case K(APPROVER_KIND__UNIT_GROUP):
      ok = add_group(r, src, &p, group_id, err);
      break;
    case K(APPROVER_KIND__PERSON):
      ok = add_person(r, src->campus_id, &p, err);
      break;
    case K(APPROVER_KIND__FORM_FIELD):
      ok = add_person(r, value_text(r->values, src->field), &p, err);
      break;
    default:
      break;
    }
    if (!ok)
      return false;
  }
  *out = arena_alloc(r->a, (p.n ? p.n : 1) * sizeof **out);
  *n = process_approvers_merge(p.v, p.n, r->app.account_id, *out);
  return true;
}

/* The department's admins as approvers (the applicant left out). */
static bool dept_admins(appr_run_t *r, process_approver_t **out, size_t *n, eh_err_t *err) {
  int64_t *ids;
  size_t k;
  if (!store_appr_dept_admins(r->a, r->conn, r->app.service_id, &ids, &k, err))
    return false;
  process_approver_t *in = arena_alloc(r->a, (k ? k : 1) * sizeof *in);
  for (size_t i = 0; i < k; i++)
    in[i] = (process_approver_t){ids[i], 0};
  *out = arena_alloc(r->a, (k ? k : 1) * sizeof **out);
  *n = process_approvers_merge(in, k, r->app.account_id, *out);
  return true;
}

/* --- steps ----------------------------------------------------------------------------------- */

static bool new_step(appr_run_t *r, const process_step_t *st, process_pos_t at, int state,
                     int64_t group_id, int64_t *id, int64_t *due_us, eh_err_t *err) {
  const char *branch_name = "";
  if (at.branch >= 0) {
    const process_step_t *par = r->def->steps[at.stage];
    branch_name = par->branches[at.branch]->name ? par->branches[at.branch]->name : "";
  }
  bool cc = st->kind == K(STEP_KIND__CC);
  store_appr_step_new_t s = {.app_id = r->app.id,
                             .group_id = group_id,
                             .key = st->key,
                             .name = st->name,
                             .name_en = st->name_en,
                             .branch_name = branch_name,
                             .stage = at.stage,
                             .branch = at.branch,
                             .pos = at.pos,
                             .kind = cc ? 2 : 1,
                             .mode = st->mode ? (int)st->mode : 1,
                             .ratio = st->ratio_percent,
                             .state = state,
                             .hide_opinions = st->hide_opinions,
                             .due_working_days = state == STEP_ACTIVE ? st->due_working_days : 0,
                             .remind_hours = st->remind_hours_before};
  return store_appr_step_insert(r->a, r->conn, &s, r->tz, id, due_us, err);
}

static bool new_tasks(appr_run_t *r, int64_t step_id, const process_approver_t *who, size_t n,
                      int kind, int state, int64_t due_us, eh_err_t *err) {
  for (size_t i = 0; i < n; i++) {
    store_appr_task_new_t t = {.step_id = step_id,
                               .app_id = r->app.id,
                               .service_id = r->app.service_id,
                               .college_id = r->app.college_id,
                               .assignee_id = who[i].account_id,
                               .acting_for_id = who[i].acting_for_id,
                               .kind = kind,
                               .state = state,
                               .due_us = due_us};
    int64_t id;
    if (!store_appr_task_insert(r->a, r->conn, &t, &id, err) ||
        !appr__outbox(r, kind == TASK_CC ? "approvals.cc.created" : "approvals.task.created",
                      arena_printf(r->a,
                                   "\"taskId\":\"%" PRId64 "\",\"stepId\":\"%" PRId64
                                   "\",\"assigneeId\":\"%" PRId64 "\"",
                                   id, step_id, who[i].account_id),
                      err))
      return false;
  }
  return true;
}

/* Starts the step at `at` and, while steps end at once (cc, skipped, approved automatically),
 * the ones after it in its branch. *waiting: a step now waits for people. */
static bool begin(appr_run_t *r, process_pos_t at, bool *waiting, eh_err_t *err) {
  *waiting = false;
  for (;;) {
    const process_step_t *st = process_step_at(r->def, at);
    process_approver_t *who;
    size_t n = 0;
    int64_t group_id = 0, step_id = 0, due_us = 0;
    if (st == NULL)
      return true;
    if (!resolve(r, st, &who, &n, &group_id, err))
      return false;
    if (st->kind == K(STEP_KIND__CC)) {
      if (!new_step(r, st, at, STEP_CC, group_id, &step_id, &due_us, err) ||
          !new_tasks(r, step_id, who, n, TASK_CC, TASK_CC_UNREAD, 0, err) ||
          !appr__event(r, "cc", 0, 0, "", step_id, 0, 0, "", err))
        return false;
    } else {
      bool to_admins = n == 0 && (st->when_empty == K(WHEN_EMPTY__DEPARTMENT_ADMIN) ||
                                  st->when_empty == K(WHEN_EMPTY__WHEN_EMPTY_UNSPECIFIED));
      if (to_admins && !dept_admins(r, &who, &n, err))
        return false;
      if (n > 0) {
        if (!new_step(r, st, at, STEP_ACTIVE, group_id, &step_id, &due_us, err) ||
            !new_tasks(r, step_id, who, n, TASK_REGULAR, TASK_PENDING, due_us, err) ||
            (to_admins && !appr__event(r, "routed_to_admins", 0, 0, "", step_id, 0, 0, "", err)))
          return false;
        *waiting = true;
        return true;
      }
      bool approve = st->when_empty == K(WHEN_EMPTY__AUTO_APPROVE);
      if (!new_step(r, st, at, approve ? STEP_APPROVED : STEP_SKIPPED, group_id, &step_id, &due_us,
                    err) ||
          !appr__event(r, approve ? "auto_approved" : "skipped", 0, 0, "", step_id, 0, 0, "", err))
        return false;
    }
    if (at.branch < 0 || !process_next_in_branch(r->def, r->values, at, &at))
      return true;
  }
}

bool appr__enter(appr_run_t *r, int stage, eh_err_t *err) {
  for (;;) {
    process_pos_t at[PROCESS_BRANCHES_MAX];
    size_t n = 0;
    bool end = false;
    process_enter(r->def, r->values, stage, at, &n, &end);
    if (end)
      return appr__finish(r, APP_APPROVED, err);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
      bool waiting = false;
      if (!begin(r, at[i], &waiting, err))
        return false;
      any |= waiting;
    }
    if (any)
      return true;
    stage = at[0].stage + 1;
  }
}

bool appr__step_passed(appr_run_t *r, const store_appr_step_t *s, eh_err_t *err) {
  if (!store_appr_step_end(r->a, r->conn, s->id, STEP_APPROVED, err) ||
      !store_appr_tasks_cancel(r->a, r->conn, s->id, 0, err) ||
      !appr__outbox(r, "approvals.step.passed",
                    arena_printf(r->a, "\"stepId\":\"%" PRId64 "\"", s->id), err))
    return false;
  process_pos_t at = {s->stage, s->branch, s->pos}, next;
  if (s->branch >= 0) {
    bool waiting = false;
    if (process_next_in_branch(r->def, r->values, at, &next) && !begin(r, next, &waiting, err))
      return false;
    if (waiting)
      return true;
    /* The branch is done: the stage goes on when no other branch still runs. */
    store_appr_step_t *open;
    size_t n;
    if (!store_appr_steps(r->a, r->conn, r->app.id, true, &open, &n, err))
      return false;
    for (size_t i = 0; i < n; i++)
      if (open[i].stage == s->stage)
        return true;
  }
  return appr__enter(r, s->stage + 1, err);
}

bool appr__close_open(appr_run_t *r, int step_state, eh_err_t *err) {
  store_appr_step_t *open;
  size_t n;
  if (!store_appr_steps(r->a, r->conn, r->app.id, true, &open, &n, err))
    return false;
  for (size_t i = 0; i < n; i++)
    if (!store_appr_step_end(r->a, r->conn, open[i].id, step_state, err))
      return false;
  return store_appr_tasks_cancel(r->a, r->conn, 0, r->app.id, err);
}

bool appr__finish(appr_run_t *r, int app_state, eh_err_t *err) {
  bool approved = app_state == APP_APPROVED;
  if (!appr__close_open(r, STEP_CANCELLED, err) ||
      !store_forms_set_state(r->a, r->conn, r->app.id, app_state, NULL, true, err) ||
      !appr__event(r, approved ? "approved" : "rejected", 0, 0, "", 0, 0, 0, "", err) ||
      !appr__outbox(r,
                    approved ? "approvals.application.approved" : "approvals.application.rejected",
                    "", err))
    return false;
  r->app.state = app_state;
  return r->app.booking_id == 0 || forms_booking_settle(r->a, r->conn, r->app.booking_id, approved,
                                                        r->tz, &r->slot_to_forget, err);
}

bool appr__returned(appr_run_t *r, eh_err_t *err) {
  if (!appr__close_open(r, STEP_CANCELLED, err) ||
      !store_forms_set_state(r->a, r->conn, r->app.id, APP_RETURNED, NULL, false, err) ||
      !appr__outbox(r, "approvals.application.returned", "", err))
    return false;
  r->app.state = APP_RETURNED;
  return true;
}

bool appr__due(appr_run_t *r, const store_appr_step_t *s, eh_err_t *err) {
  process_pos_t at;
  const process_step_t *st = process_find(r->def, s->key, &at) ? process_step_at(r->def, at) : NULL;
  int on_due = st != NULL ? (int)st->on_due : 0;
  const char *step = arena_printf(r->a, "\"stepId\":\"%" PRId64 "\"", s->id);
  if (!appr__outbox(r, "approvals.sla.overdue", step, err))
    return false;
  switch (on_due) {
  case K(ON_DUE__ESCALATE): {
    process_approver_t *who;
    size_t n;
    if (!dept_admins(r, &who, &n, err))
      return false;
    if (n == 0)
      return true; /* nobody to escalate to: it stays overdue */
    return store_appr_step_escalate(r->a, r->conn, s->id, err) &&
           new_tasks(r, s->id, who, n, TASK_REGULAR, TASK_PENDING, 0, err) &&
           appr__event(r, "escalated", 0, 0, "", s->id, 0, 0, "", err);
  }
  case K(ON_DUE__AUTO_APPROVE_AT_DUE):
    return appr__event(r, "auto_approved", 0, 0, "", s->id, 0, 0, "", err) &&
           appr__step_passed(r, s, err);
  case K(ON_DUE__AUTO_REJECT_AT_DUE):
    return appr__event(r, "auto_rejected", 0, 0, "", s->id, 0, 0, "", err) &&
           store_appr_step_end(r->a, r->conn, s->id, STEP_REJECTED, err) &&
           appr__finish(r, APP_REJECTED, err);
  default:
    return true;
  }
}

/* --- hooks for applications ------------------------------------------------------------------- */

static bool hook_version(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int *version,
                         eh_err_t *err) {
  const char *json;
  return store_process_current(a, conn, service_id, version, &json, err);
}

static bool hook_start(call_t *call, store_pg_conn_t *conn, int64_t app_id, int version,
                       eh_err_t *err) {
  arena_t *a = call->arena;
  appr_run_t r;
  bool found = false;
  if (version > 0 && !store_process_set_app(a, conn, app_id, version, err))
    return false;
  if (!appr__load(&r, a, conn, appr__tz(call), app_id, &found, err))
    return false;
  if (!found)
    return true; /* resubmitted, no process */
  if (!store_forms_set_state(a, conn, app_id, APP_IN_REVIEW, NULL, false, err) ||
      !appr__outbox(&r, "approvals.application.started",
                    arena_printf(a, "\"processVersion\":%d", r.app.process_version), err))
    return false;
  r.app.state = APP_IN_REVIEW;
  return appr__enter(&r, 0, err);
}

static bool hook_stop(call_t *call, store_pg_conn_t *conn, int64_t app_id, eh_err_t *err) {
  appr_run_t r;
  bool found = false;
  if (!appr__load(&r, call->arena, conn, appr__tz(call), app_id, &found, err))
    return false;
  return !found || (appr__close_open(&r, STEP_CANCELLED, err) &&
                    appr__outbox(&r, "approvals.application.withdrawn", "", err));
}

void approvals__register(void) {
  static const forms_process_hooks_t h = {hook_version, hook_start, hook_stop};
  forms_set_process_hooks(&h);
}
