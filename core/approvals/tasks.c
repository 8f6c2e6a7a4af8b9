/*
 * tasks.c — what approvers do: their to-do, done and cc lists (ListTasks), an application as
 * they see it (GetApproval), and actions on a task with an opinion (ActOnTask, BulkApprove).
 *
 * An action runs in one transaction that first locks the application's row: of two approvers
 * acting at once on an any-of step, the second finds his task cancelled and is told it is
 * already decided. Access: a task is acted on by its assignee or his delegate of today, never by
 * the applicant; anyone else gets NOT_FOUND, as for a missing task.
 */
#include <inttypes.h>
#include <string.h>

#include "core/approvals/approvals.h"
#include "core/approvals/approvals_internal.h"
#include "core/catalog/catalog.h"
#include "core/common/log.h"
#include "core/common/paging.h"
#include "core/common/pbtime.h"
#include "core/common/transcode.h"
#include "core/forms/forms.h"
#include "core/store/booking_store.h"
#include "core/store/catalog_store.h"

#define K(x) EHALL__APPROVALS__V1__##x
#define LIST_PAGE_DEFAULT 20
#define LIST_PAGE_MAX 100
#define BULK_MAX 50

static const transcode_schema_t schema = {0};

static const char *id_s(arena_t *a, int64_t id) {
  return arena_printf(a, "%" PRId64, id);
}

static bool no_task(eh_err_t *err) {
  return eh_err_set(err, EH_NOT_FOUND, "task_id", "没有找到该审批任务", "no such task");
}

/* --- views shared with progress.c ------------------------------------------------------------ */

static Ehall__Approvals__V1__Task *task_pb(arena_t *a, const store_appr_task_t *t, int64_t now) {
  Ehall__Approvals__V1__Task *m = arena_alloc(a, sizeof *m);
  ehall__approvals__v1__task__init(m);
  m->id = (char *)id_s(a, t->id);
  m->application_id = (char *)id_s(a, t->app_id);
  m->assignee_name = (char *)t->assignee_name;
  m->assignee_campus_id = (char *)t->assignee_campus_id;
  m->state = (Ehall__Approvals__V1__TaskState)t->state;
  m->created_at = pbtime_from_us(a, t->created_us);
  if (t->due_us)
    m->due_at = pbtime_from_us(a, t->due_us);
  m->overdue =
      t->due_us && t->due_us < now && (t->state == TASK_PENDING || t->state == TASK_WAITING);
  m->acting_for_name = (char *)t->acting_for_name;
  if (t->decided_us)
    m->decided_at = pbtime_from_us(a, t->decided_us);
  m->opinion = (char *)t->opinion;
  return m;
}

static const char *step_status(int state) {
  static const char *names[] = {"",         "active",  "approved",  "rejected",
                                "returned", "skipped", "cancelled", "cc"};
  return state >= 1 && state <= 7 ? names[state] : "";
}

/* Every step the application entered, with its tasks (hide_task_opinions: blank them). */
Ehall__Approvals__V1__StepView **appr__steps_pb(arena_t *a, store_pg_conn_t *conn, int64_t app_id,
                                                bool applicant, size_t *n_out, eh_err_t *err) {
  store_appr_step_t *s;
  store_appr_task_t *t;
  size_t ns, nt;
  if (!store_appr_steps(a, conn, app_id, false, &s, &ns, err) ||
      !store_appr_tasks(a, conn, 0, app_id, &t, &nt, err))
    return NULL;
  int64_t now = appr__now_us();
  Ehall__Approvals__V1__StepView **v = arena_alloc(a, (ns + 1) * sizeof *v);
  for (size_t i = 0; i < ns; i++) {
    Ehall__Approvals__V1__StepView *m = arena_alloc(a, sizeof *m);
    ehall__approvals__v1__step_view__init(m);
    m->key = (char *)s[i].key;
    m->name = (char *)s[i].name;
    m->name_en = (char *)s[i].name_en;
    m->mode = (Ehall__Approvals__V1__ApprovalMode)s[i].mode;
    m->ratio_percent = s[i].ratio;
    m->status = (char *)step_status(s[i].state);
    m->branch = (char *)s[i].branch_name;
    if (s[i].due_us) {
      m->due_at = pbtime_from_us(a, s[i].due_us);
      m->overdue = s[i].state == STEP_ACTIVE && s[i].due_us < now;
    }
    m->tasks = arena_alloc(a, (nt + 1) * sizeof *m->tasks);
    for (size_t j = 0; j < nt; j++) {
      if (t[j].step_id != s[i].id)
        continue;
      Ehall__Approvals__V1__Task *x = task_pb(a, &t[j], now);
      x->step_key = (char *)s[i].key;
      x->step_name = (char *)s[i].name;
      if (applicant && s[i].hide_opinions)
        x->opinion = "";
      m->tasks[m->n_tasks++] = x;
    }
    v[i] = m;
  }
  *n_out = ns;
  return v;
}

static const struct {
  const char *name;
  int action;
  bool automatic;
} opinion_actions[] = {
    {"approve", K(ACTION__APPROVE), false},
    {"reject", K(ACTION__REJECT), false},
    {"return", K(ACTION__RETURN_TO_APPLICANT), false},
    {"return_to_step", K(ACTION__RETURN_TO_STEP), false},
    {"transfer", K(ACTION__TRANSFER), false},
    {"add_signer_before", K(ACTION__ADD_SIGNER_BEFORE), false},
    {"add_signer_after", K(ACTION__ADD_SIGNER_AFTER), false},
    {"comment", K(ACTION__COMMENT), false},
    {"auto_approved", K(ACTION__APPROVE), true},
    {"auto_rejected", K(ACTION__REJECT), true},
};

/* Every level's opinions, oldest first (applicant: opinions of steps that hide them blanked). */
Ehall__Approvals__V1__Opinion **appr__opinions_pb(arena_t *a, store_pg_conn_t *conn, int64_t app_id,
                                                  bool applicant, size_t *n_out, eh_err_t *err) {
  store_appr_opinion_t *o;
  size_t n;
  if (!store_appr_opinions(a, conn, app_id, &o, &n, err))
    return NULL;
  Ehall__Approvals__V1__Opinion **v = arena_alloc(a, (n + 1) * sizeof *v);
  *n_out = 0;
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    while (k < sizeof opinion_actions / sizeof *opinion_actions &&
           strcmp(opinion_actions[k].name, o[i].action) != 0)
      k++;
    if (k == sizeof opinion_actions / sizeof *opinion_actions)
      continue;
    Ehall__Approvals__V1__Opinion *m = arena_alloc(a, sizeof *m);
    ehall__approvals__v1__opinion__init(m);
    m->step_key = (char *)o[i].step_key;
    m->step_name = (char *)o[i].step_name;
    m->actor_name = (char *)o[i].actor_name;
    m->acting_for_name = (char *)o[i].acting_for_name;
    m->action = (Ehall__Approvals__V1__Action)opinion_actions[k].action;
    m->opinion = (char *)(applicant && o[i].hidden ? "" : o[i].note);
    m->at = pbtime_from_us(a, o[i].at_us);
    m->target_name = (char *)(o[i].target_name[0] ? o[i].target_name : o[i].target_step);
    m->automatic = opinion_actions[k].automatic || o[i].automatic;
    v[(*n_out)++] = m;
  }
  return v;
}

/* --- who acts -------------------------------------------------------------------------------- */

/* Whether the caller may act on t (his, or his delegator's today); *acting_for set. */
static bool may_act(arena_t *a, store_pg_conn_t *conn, call_t *call, const store_appr_app_t *app,
                    const store_appr_task_t *t, int64_t group_id, int64_t *acting_for,
                    eh_err_t *err) {
  store_appr_delegation_t *d;
  size_t n;
  if (!store_appr_delegations_to(a, conn, call->principal.account_id, &d, &n, err))
    return false;
  process_delegation_t *pd = arena_alloc(a, (n ? n : 1) * sizeof *pd);
  for (size_t i = 0; i < n; i++)
    pd[i] = (process_delegation_t){d[i].from_id, d[i].group_id};
  if (!process_may_act(call->principal.account_id, app->account_id, t->assignee_id, group_id, pd, n,
                       acting_for))
    return no_task(err);
  if (*acting_for == 0)
    *acting_for = t->acting_for_id; /* given to him by delegation when the step started */
  return true;
}

/* --- ActOnTask ------------------------------------------------------------------------------- */

typedef struct {
  call_t *call;
  int64_t task_id;
  int action;
  const char *opinion, *target, *return_to;
  appr_run_t run;
  store_appr_task_t task;
  const char **next;
  size_t n_next;
} act_t;

static bool decided_err(const store_appr_task_t *t, eh_err_t *err) {
  switch (t->state) {
  case TASK_CANCELLED:
    return eh_err_set(err, EH_FAILED_PRECONDITION, "task_id",
                      "该步骤已由他人处理或已结束，无需再审批",
                      "this step was already decided by someone else or has ended");
  case TASK_TRANSFERRED:
    return eh_err_set(err, EH_FAILED_PRECONDITION, "task_id", "该任务已转办给他人",
                      "this task was transferred to someone else");
  default:
    return eh_err_set(err, EH_FAILED_PRECONDITION, "task_id", "该任务已处理，不能重复审批",
                      "this task is already decided");
  }
}

/* The person an action names (transfer, add signer): active, not the applicant, not the one
 * acting, not already holding an open task of the step. */
static bool target_person(act_t *c, const store_appr_task_t *step_tasks, size_t n, int64_t *id,
                          eh_err_t *err) {
  appr_run_t *r = &c->run;
  if (!store_appr_account(r->a, r->conn, c->target, id, NULL, err))
    return false;
  if (*id == 0)
    return eh_err_set(err, EH_NOT_FOUND, "target_campus_id", "没有这个学工号的在职人员",
                      "no active account has this campus id");
  if (*id == r->app.account_id)
    return eh_err_set(err, EH_INVALID, "target_campus_id", "不能交给申请人本人审批",
                      "the applicant cannot approve his own application");
  if (*id == c->call->principal.account_id || *id == c->task.assignee_id)
    return eh_err_set(err, EH_INVALID, "target_campus_id", "请选择其他人",
                      "choose someone other than yourself");
  for (size_t i = 0; i < n; i++)
    if (step_tasks[i].assignee_id == *id &&
        (step_tasks[i].state == TASK_PENDING || step_tasks[i].state == TASK_WAITING))
      return eh_err_set(err, EH_ALREADY_EXISTS, "target_campus_id", "此人已在本步骤待办中",
                        "this person already has an open task on this step");
  return true;
}

static bool add_task(act_t *c, const store_appr_step_t *s, int64_t who, int kind, int64_t *id,
                     eh_err_t *err) {
  appr_run_t *r = &c->run;
  store_appr_task_new_t t = {.step_id = s->id,
                             .app_id = r->app.id,
                             .service_id = r->app.service_id,
                             .college_id = r->app.college_id,
                             .assignee_id = who,
                             .kind = kind,
                             .state = TASK_PENDING,
                             .due_us = s->due_us};
  return store_appr_task_insert(r->a, r->conn, &t, id, err) &&
         appr__outbox(r, "approvals.task.created",
                      arena_printf(r->a,
                                   "\"taskId\":\"%" PRId64 "\",\"stepId\":\"%" PRId64
                                   "\",\"assigneeId\":\"%" PRId64 "\"",
                                   *id, s->id, who),
                      err);
}

/* After a decision: the step's outcome under its mode. */
static bool settle_step(act_t *c, const store_appr_step_t *s, eh_err_t *err) {
  appr_run_t *r = &c->run;
  store_appr_task_t *t;
  size_t n;
  if (!store_appr_tasks(r->a, r->conn, s->id, 0, &t, &n, err))
    return false;
  process_task_t *pt = arena_alloc(r->a, (n ? n : 1) * sizeof *pt);
  for (size_t i = 0; i < n; i++)
    pt[i] = (process_task_t){t[i].kind, t[i].state};
  switch (process_step_outcome(s->mode, s->ratio, pt, n)) {
  case STEP_PASSED:
    return appr__step_passed(r, s, err);
  case STEP_FAILED:
    return store_appr_step_end(r->a, r->conn, s->id, STEP_REJECTED, err) &&
           appr__finish(r, APP_REJECTED, err);
  default:
    return true;
  }
}

static bool act_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  act_t *c = ud;
  appr_run_t *r = &c->run;
  bool found = false;
  if (!store_appr_task_get(a, conn, c->task_id, false, &c->task, &found, err))
    return false;
  if (!found || c->task.kind == TASK_CC)
    return no_task(err);
  /* The application's lock first, then the task as it is now. */
  if (!appr__load(r, a, conn, appr__tz(c->call), c->task.app_id, &found, err))
    return false;
  if (!found || !store_appr_task_get(a, conn, c->task_id, false, &c->task, &found, err))
    return found ? false : no_task(err);
  store_appr_step_t s;
  if (!store_appr_step_get(a, conn, c->task.step_id, &s, &found, err))
    return false;
  int64_t acting_for = 0, me = c->call->principal.account_id;
  if (!may_act(a, conn, c->call, &r->app, &c->task, s.group_id, &acting_for, err))
    return false;
  process_pos_t at = {s.stage, s.branch, s.pos}, targets[PROCESS_STEPS_MAX];
  size_t n_targets = 0;
  process_return_targets(r->def, at, targets, &n_targets);
  unsigned allowed = process_actions_allowed(c->task.kind, c->task.state, n_targets > 0);
  if (allowed == 0 || r->app.state != APP_IN_REVIEW || s.state != STEP_ACTIVE)
    return decided_err(&c->task, err);
  if (!PROCESS_ALLOWS(allowed, c->action))
    return eh_err_set(err, EH_FAILED_PRECONDITION, "action", "此任务当前不能执行该操作",
                      "this task does not allow that action now");
  store_appr_task_t *st;
  size_t n_st;
  if (!store_appr_tasks(a, conn, s.id, 0, &st, &n_st, err))
    return false;
  bool changed = false;
  int64_t target = 0, new_id = 0;
  const char *op = c->opinion;
#define DECIDE(to)                                                                                 \
  (store_appr_task_decide(a, conn, c->task.id, c->task.state, to, me, op, &changed, err) &&        \
   (changed || decided_err(&c->task, err)))
#define EVENT(name, tgt, tstep)                                                                    \
  appr__event(r, name, me, acting_for, op, s.id, c->task.id, tgt, tstep, err)
  switch (c->action) {
  case K(ACTION__APPROVE):
    if (!DECIDE(TASK_APPROVED) || !EVENT("approve", 0, "") ||
        !store_appr_tasks_release(a, conn, c->task.id, err))
      return false;
    return settle_step(c, &s, err);
  case K(ACTION__REJECT):
    if (!DECIDE(TASK_REJECTED) || !EVENT("reject", 0, ""))
      return false;
    return settle_step(c, &s, err);
  case K(ACTION__RETURN_TO_APPLICANT):
    return DECIDE(TASK_RETURNED) && EVENT("return", 0, "") &&
           store_appr_step_end(a, conn, s.id, STEP_RETURNED, err) && appr__returned(r, err);
  case K(ACTION__RETURN_TO_STEP): {
    process_pos_t to;
    size_t k = 0;
    if (process_find(r->def, c->return_to, &to))
      while (k < n_targets && !(targets[k].stage == to.stage && targets[k].branch == to.branch &&
                                targets[k].pos == to.pos))
        k++;
    if (k >= n_targets || !process_find(r->def, c->return_to, &to))
      return eh_err_set(err, EH_INVALID, "return_to_step", "只能退回到之前的审批步骤",
                        "you can return only to an earlier approval step");
    return DECIDE(TASK_RETURNED) && EVENT("return_to_step", 0, c->return_to) &&
           store_appr_step_end(a, conn, s.id, STEP_RETURNED, err) &&
           appr__close_open(r, STEP_CANCELLED, err) &&
           appr__outbox(r, "approvals.step.returned",
                        arena_printf(a, "\"stepId\":\"%" PRId64 "\"", s.id), err) &&
           appr__enter(r, to.stage, err);
  }
  case K(ACTION__TRANSFER):
    return target_person(c, st, n_st, &target, err) && DECIDE(TASK_TRANSFERRED) &&
           EVENT("transfer", target, "") && add_task(c, &s, target, TASK_REGULAR, &new_id, err);
  case K(ACTION__ADD_SIGNER_BEFORE):
    return target_person(c, st, n_st, &target, err) &&
           add_task(c, &s, target, TASK_BEFORE, &new_id, err) &&
           store_appr_task_set(a, conn, c->task.id, TASK_WAITING, new_id, err) &&
           EVENT("add_signer_before", target, "");
  case K(ACTION__ADD_SIGNER_AFTER):
    if (!target_person(c, st, n_st, &target, err) || !DECIDE(TASK_APPROVED) ||
        !add_task(c, &s, target, TASK_AFTER, &new_id, err) ||
        !EVENT("add_signer_after", target, ""))
      return false;
    return settle_step(c, &s, err);
  case K(ACTION__COMMENT):
    return EVENT("comment", 0, "");
  default:
    return eh_err_set(err, EH_INVALID, "action", "请选择操作", "choose an action");
  }
#undef DECIDE
#undef EVENT
}

/* The names of the steps now active (after the action). */
static bool next_steps(act_t *c, eh_err_t *err) {
  appr_run_t *r = &c->run;
  store_appr_step_t *s;
  size_t n;
  if (!store_appr_steps(r->a, r->conn, r->app.id, true, &s, &n, err))
    return false;
  c->next = arena_alloc(r->a, (n ? n : 1) * sizeof *c->next);
  for (size_t i = 0; i < n; i++)
    c->next[i] = s[i].name;
  c->n_next = n;
  bool found;
  return store_appr_task_get(r->a, r->conn, c->task_id, false, &c->task, &found, err);
}

static bool act_all_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  return act_tx(a, conn, ud, err) && next_steps(ud, err);
}

/* One action in its own transaction; the seat released by it, if any, forgotten in Redis. */
static bool act_run(act_t *c, eh_err_t *err) {
  call_t *call = c->call;
  if (!process_request_check(c->action, c->opinion, c->target, c->return_to, err) ||
      !store_pg_tx(call->arena, call->pg, call->deadline_ms, act_all_tx, c, err))
    return false;
  if (c->run.slot_to_forget > 0)
    store_booking_ticket_forget(call->arena, call->redis, c->run.app.service_id,
                                c->run.slot_to_forget);
  LOG_INFO("approvals", "task acted task=%" PRId64 " action=%d app=%" PRId64 " state=%d",
           c->task_id, c->action, c->run.app.id, c->run.app.state);
  return true;
}

void approvals_act_on_task(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  const Ehall__Approvals__V1__ActOnTaskRequest *in =
      (const Ehall__Approvals__V1__ActOnTaskRequest *)req;
  arena_t *a = call->arena;
  act_t c = {.call = call,
             .action = (int)in->action,
             .opinion = in->opinion ? in->opinion : "",
             .target = in->target_campus_id ? in->target_campus_id : "",
             .return_to = in->return_to_step ? in->return_to_step : ""};
  if (!call_signed_in(call, err) || !paging_id(in->task_id, "task_id", &c.task_id, err) ||
      !act_run(&c, err))
    return;
  Ehall__Approvals__V1__ActOnTaskReply *out = arena_alloc(a, sizeof *out);
  ehall__approvals__v1__act_on_task_reply__init(out);
  out->task = task_pb(a, &c.task, appr__now_us());
  out->application_state = c.run.app.state;
  out->next_steps = (char **)c.next;
  out->n_next_steps = c.n_next;
  *resp = &out->base;
}

void approvals_bulk_approve(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err) {
  const Ehall__Approvals__V1__BulkApproveRequest *in =
      (const Ehall__Approvals__V1__BulkApproveRequest *)req;
  arena_t *a = call->arena;
  if (!call_signed_in(call, err))
    return;
  if (in->n_task_ids == 0 || in->n_task_ids > BULK_MAX) {
    eh_err_set(err, EH_INVALID, "task_ids", "请选择 1 到 %d 个待办", "choose 1 to %d tasks",
               BULK_MAX);
    return;
  }
  Ehall__Approvals__V1__BulkApproveReply *out = arena_alloc(a, sizeof *out);
  ehall__approvals__v1__bulk_approve_reply__init(out);
  out->results = arena_alloc(a, in->n_task_ids * sizeof *out->results);
  for (size_t i = 0; i < in->n_task_ids; i++) {
    Ehall__Approvals__V1__BulkResult *m = arena_alloc(a, sizeof *m);
    ehall__approvals__v1__bulk_result__init(m);
    m->task_id = in->task_ids[i];
    act_t c = {.call = call,
               .action = K(ACTION__APPROVE),
               .opinion = in->opinion ? in->opinion : "",
               .target = "",
               .return_to = ""};
    eh_err_t one = EH_ERR_INIT;
    m->ok = paging_id(in->task_ids[i], "task_ids", &c.task_id, &one) && act_run(&c, &one);
    bool en = call->language != NULL && strncmp(call->language, "en", 2) == 0;
    m->message = m->ok ? "" : arena_strdup(a, en ? one.message_en : one.message);
    out->approved += m->ok;
    out->results[out->n_results++] = m;
  }
  *resp = &out->base;
}

/* --- ListTasks ------------------------------------------------------------------------------- */

void approvals_list_tasks(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  const Ehall__Approvals__V1__ListTasksRequest *in =
      (const Ehall__Approvals__V1__ListTasksRequest *)req;
  arena_t *a = call->arena;
  int box = in->box == K(BOX__DONE) ? 2 : in->box == K(BOX__CC_BOX) ? 3 : 1;
  store_appr_filter_t f = {.box = box,
                           .college_code = in->college_code ? in->college_code : "",
                           .overdue_only = in->overdue_only};
  if (!call_signed_in(call, err) ||
      !paging_size(in->page_size, LIST_PAGE_DEFAULT, LIST_PAGE_MAX, &f.limit, err) ||
      !paging_token_parse(in->page_token, 't', &f.before_id, err))
    return;
  if (strlen(f.college_code) > 64) {
    eh_err_set(err, EH_INVALID, "college_code", "单位代码过长", "unit code too long");
    return;
  }
  f.service_code = in->service_code ? in->service_code : "";
  if (strlen(f.service_code) > 64) {
    eh_err_set(err, EH_INVALID, "service_code", "服务代码过长", "service code too long");
    return;
  }
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_appr_row_t *rows;
  size_t n;
  store_appr_counts_t counts;
  if (!store_appr_list(a, conn, call->principal.account_id, &f, &rows, &n, &counts, err))
    return;
  int64_t now = appr__now_us();
  Ehall__Approvals__V1__ListTasksReply *out = arena_alloc(a, sizeof *out);
  ehall__approvals__v1__list_tasks_reply__init(out);
  out->tasks = arena_alloc(a, (n + 1) * sizeof *out->tasks);
  for (size_t i = 0; i < n; i++) {
    const store_appr_row_t *x = &rows[i];
    Ehall__Approvals__V1__Task *m = arena_alloc(a, sizeof *m);
    ehall__approvals__v1__task__init(m);
    m->id = (char *)id_s(a, x->task_id);
    m->application_id = (char *)id_s(a, x->app_id);
    m->serial = (char *)x->serial;
    m->service_code = (char *)x->service_code;
    m->service_name = (char *)x->service_name;
    m->applicant_name = (char *)x->applicant_name;
    m->applicant_campus_id = (char *)x->applicant_campus_id;
    m->applicant_college = (char *)x->college_name;
    m->step_key = (char *)x->step_key;
    m->step_name = (char *)x->step_name;
    m->state = (Ehall__Approvals__V1__TaskState)x->state;
    m->created_at = pbtime_from_us(a, x->created_us);
    if (x->due_us)
      m->due_at = pbtime_from_us(a, x->due_us);
    m->overdue =
        x->due_us && x->due_us < now && (x->state == TASK_PENDING || x->state == TASK_WAITING);
    m->acting_for_name = (char *)x->acting_for_name;
    if (x->decided_us)
      m->decided_at = pbtime_from_us(a, x->decided_us);
    m->opinion = (char *)x->opinion;
    out->tasks[out->n_tasks++] = m;
  }
  if ((int)n == f.limit && n > 0)
    out->next_page_token =
        (char *)paging_token(a, 't', box == 2 ? rows[n - 1].decided_us : rows[n - 1].task_id);
  else
    out->next_page_token = "";
  out->todo_count = counts.todo;
  out->overdue_count = counts.overdue;
  out->done_count = counts.done;
  out->cc_unread_count = counts.cc_unread;
  out->total = counts.total;
  *resp = &out->base;
}

/* --- GetApproval ----------------------------------------------------------------------------- */

typedef struct {
  call_t *call;
  int64_t app_id, file_id;
  store_appr_app_t app;
  Ehall__Approvals__V1__Approval *out;
  ProtobufCMessage *file;
} view_t;

/* Whether the caller may read the application: he holds or held a task on it (or his
 * delegator does today), or he administers its service. */
static bool may_read(view_t *v, store_pg_conn_t *conn, eh_err_t *err) {
  bool involved = false;
  if (!store_appr_involved(v->call->arena, conn, v->app.id, v->call->principal.account_id,
                           &involved, err))
    return false;
  if (involved)
    return true;
  catalog_service_ref_t svc;
  eh_err_t denied = EH_ERR_INIT;
  return catalog_service_for_admin(v->call, v->app.service_code, &svc, &denied);
}

/* Loads the application when the caller may read it as an approver; NOT_FOUND otherwise. */
static bool view_load(view_t *v, store_pg_conn_t *conn, eh_err_t *err) {
  bool found = false;
  if (!store_appr_app(v->call->arena, conn, v->app_id, false, &v->app, &found, err))
    return false;
  if (found && v->app.process_version > 0 && v->app.account_id != v->call->principal.account_id) {
    found = may_read(v, conn, err);
    if (err->code != EH_OK)
      return false;
  } else
    found = false;
  return found || appr__no_application(err);
}

static bool view_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  view_t *v = ud;
  call_t *call = v->call;
  bool found = false;
  if (!view_load(v, conn, err))
    return false;
  Ehall__Approvals__V1__Approval *m = arena_alloc(a, sizeof *m);
  ehall__approvals__v1__approval__init(m);
  m->application_id = (char *)id_s(a, v->app.id);
  m->serial = (char *)v->app.serial;
  m->service_code = (char *)v->app.service_code;
  m->service_name = (char *)v->app.service_name;
  m->applicant_name = (char *)v->app.applicant_name;
  m->applicant_campus_id = (char *)v->app.applicant_campus_id;
  m->applicant_college = (char *)v->app.college_name;
  m->state = v->app.state;
  m->process_version = v->app.process_version;
  m->submitted_at = pbtime_from_us(a, v->app.submitted_us);
  m->form_json = (char *)v->app.form_json;
  eh_err_t perr = EH_ERR_INIT;
  m->data = (Google__Protobuf__Struct *)transcode_json_to_pb(
      a, &schema, &google__protobuf__struct__descriptor, v->app.data_json, strlen(v->app.data_json),
      &perr);
  if ((m->steps = appr__steps_pb(a, conn, v->app.id, false, &m->n_steps, err)) == NULL ||
      (m->opinions = appr__opinions_pb(a, conn, v->app.id, false, &m->n_opinions, err)) == NULL)
    return false;
  /* His open task, if any, and what it allows. */
  store_appr_task_t *t;
  size_t nt;
  if (!store_appr_tasks(a, conn, 0, v->app.id, &t, &nt, err))
    return false;
  process_def_t *def = appr__def_from_json(a, v->app.process_json, err);
  if (def == NULL)
    return false;
  bool mine = false;
  for (size_t i = 0; i < nt && !mine; i++) {
    if (t[i].kind == TASK_CC || (t[i].state != TASK_PENDING && t[i].state != TASK_WAITING))
      continue;
    store_appr_step_t s;
    int64_t acting_for = 0;
    eh_err_t no = EH_ERR_INIT;
    if (!store_appr_step_get(a, conn, t[i].step_id, &s, &found, err))
      return false;
    if (!may_act(a, conn, call, &v->app, &t[i], s.group_id, &acting_for, &no)) {
      if (no.code != EH_NOT_FOUND)
        return eh_err_set(err, no.code, NULL, "%s%.0s", "%.0s%s", no.message, no.message_en);
      continue;
    }
    process_pos_t at = {s.stage, s.branch, s.pos}, targets[PROCESS_STEPS_MAX];
    size_t n_targets = 0;
    process_return_targets(def, at, targets, &n_targets);
    unsigned allowed = process_actions_allowed(t[i].kind, t[i].state, n_targets > 0);
    mine = true;
    m->my_task_id = (char *)id_s(a, t[i].id);
    m->allowed = arena_alloc(a, 16 * sizeof *m->allowed);
    for (int act = 1; act < 16; act++)
      if (PROCESS_ALLOWS(allowed, act))
        m->allowed[m->n_allowed++] = (Ehall__Approvals__V1__Action)act;
    m->return_targets = arena_alloc(a, (n_targets + 1) * sizeof *m->return_targets);
    for (size_t k = 0; k < n_targets; k++) {
      const process_step_t *ps = process_step_at(def, targets[k]);
      Ehall__Approvals__V1__StepView *sv = arena_alloc(a, sizeof *sv);
      ehall__approvals__v1__step_view__init(sv);
      sv->key = ps->key;
      sv->name = ps->name;
      sv->name_en = ps->name_en;
      sv->status = "";
      m->return_targets[m->n_return_targets++] = sv;
    }
  }
  v->out = m;
  return store_appr_cc_read(a, conn, v->app.id, call->principal.account_id, err);
}

void approvals_get_approval(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err) {
  const Ehall__Approvals__V1__GetApprovalRequest *in =
      (const Ehall__Approvals__V1__GetApprovalRequest *)req;
  view_t v = {.call = call};
  if (!call_signed_in(call, err) ||
      !paging_id(in->application_id, "application_id", &v.app_id, err) ||
      !store_pg_tx(call->arena, call->pg, call->deadline_ms, view_tx, &v, err))
    return;
  *resp = &v.out->base;
}

/* --- GetApprovalAttachment ------------------------------------------------------------------- */

/* Whether the values name the file (a file field's list holds its id). */
static bool names_file(const Google__Protobuf__Struct *data, const char *id) {
  for (size_t i = 0; data != NULL && i < data->n_fields; i++) {
    const Google__Protobuf__Value *v = data->fields[i]->value;
    if (v == NULL || v->kind_case != GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE ||
        v->list_value == NULL)
      continue;
    for (size_t j = 0; j < v->list_value->n_values; j++) {
      const Google__Protobuf__Value *e = v->list_value->values[j];
      if (e->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE &&
          strcmp(e->string_value, id) == 0)
        return true;
    }
  }
  return false;
}

static bool file_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  view_t *v = ud;
  if (!view_load(v, conn, err))
    return false;
  eh_err_t perr = EH_ERR_INIT;
  const Google__Protobuf__Struct *data = (const Google__Protobuf__Struct *)transcode_json_to_pb(
      a, &schema, &google__protobuf__struct__descriptor, v->app.data_json, strlen(v->app.data_json),
      &perr);
  if (!names_file(data, id_s(a, v->file_id)))
    return eh_err_set(err, EH_NOT_FOUND, "attachment_id", "没有找到该附件", "no such attachment");
  return forms_attachment_body(a, conn, v->file_id, v->app.account_id, "attachment_id", &v->file,
                               err);
}

void approvals_get_attachment(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err) {
  const Ehall__Approvals__V1__GetApprovalAttachmentRequest *in =
      (const Ehall__Approvals__V1__GetApprovalAttachmentRequest *)req;
  view_t v = {.call = call};
  if (!call_signed_in(call, err) ||
      !paging_id(in->application_id, "application_id", &v.app_id, err) ||
      !paging_id(in->attachment_id, "attachment_id", &v.file_id, err) ||
      !store_pg_tx(call->arena, call->pg, call->deadline_ms, file_tx, &v, err))
    return;
  *resp = v.file;
}
