/*
 * progress.c — what the applicant sees of his application's process (GetProgress: every step,
 * who holds it, every opinion he may see) and 催办 (Remind: once per step per day, written to
 * the timeline and the outbox). Only his own application; anyone else's answers NOT_FOUND.
 */
#include <inttypes.h>
#include <string.h>

#include "core/approvals/approvals.h"
#include "core/approvals/approvals_internal.h"
#include "core/common/paging.h"
#include "core/common/pbtime.h"
#include "core/store/booking_store.h"

typedef struct {
  call_t *call;
  int64_t app_id;
  Ehall__Approvals__V1__Progress *out;
  int reminded;
} progress_t;

static bool progress_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  progress_t *p = ud;
  store_appr_app_t app;
  bool found = false;
  if (!store_appr_app(a, conn, p->app_id, false, &app, &found, err))
    return false;
  if (!found || app.account_id != p->call->principal.account_id)
    return appr__no_application(err);
  Ehall__Approvals__V1__Progress *m = arena_alloc(a, sizeof *m);
  ehall__approvals__v1__progress__init(m);
  m->application_id = (char *)arena_printf(a, "%" PRId64, app.id);
  m->state = app.state;
  m->process_version = app.process_version;
  if ((m->steps = appr__steps_pb(a, conn, app.id, true, &m->n_steps, err)) == NULL ||
      (m->opinions = appr__opinions_pb(a, conn, app.id, true, &m->n_opinions, err)) == NULL)
    return false;
  store_appr_step_t *s;
  size_t n;
  const char *today;
  if (!store_appr_steps(a, conn, app.id, true, &s, &n, err) ||
      !store_booking_today(a, conn, appr__tz(p->call), 0, &today, err))
    return false;
  for (size_t i = 0; i < n; i++) {
    m->can_remind |= app.state == APP_IN_REVIEW && strcmp(s[i].reminded_on, today) != 0;
    if (s[i].reminded_us)
      m->reminded_at = pbtime_from_us(a, s[i].reminded_us);
  }
  p->out = m;
  return true;
}

void approvals_get_progress(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err) {
  const Ehall__Approvals__V1__GetProgressRequest *in =
      (const Ehall__Approvals__V1__GetProgressRequest *)req;
  progress_t p = {.call = call};
  if (!call_signed_in(call, err) ||
      !paging_id(in->application_id, "application_id", &p.app_id, err) ||
      !store_pg_tx(call->arena, call->pg, call->deadline_ms, progress_tx, &p, err))
    return;
  *resp = &p.out->base;
}

static bool remind_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  progress_t *p = ud;
  appr_run_t r;
  bool found = false;
  int64_t me = p->call->principal.account_id;
  if (!appr__load(&r, a, conn, appr__tz(p->call), p->app_id, &found, err))
    return false;
  if (!found || r.app.account_id != me)
    return appr__no_application(err);
  if (r.app.state != APP_IN_REVIEW)
    return eh_err_set(err, EH_FAILED_PRECONDITION, "application_id", "该申请不在审批中，无需催办",
                      "this application is not waiting for approval");
  store_appr_step_t *s;
  size_t n;
  if (!store_appr_steps(a, conn, r.app.id, true, &s, &n, err))
    return false;
  bool any = false;
  for (size_t i = 0; i < n; i++) {
    bool done = false;
    store_appr_task_t *t;
    size_t nt;
    if (!store_appr_step_remind(a, conn, s[i].id, r.tz, &done, err))
      return false;
    if (!done)
      continue;
    any = true;
    if (!store_appr_tasks(a, conn, s[i].id, 0, &t, &nt, err) ||
        !appr__event(&r, "remind", me, 0, "", s[i].id, 0, 0, "", err))
      return false;
    for (size_t j = 0; j < nt; j++) {
      if (t[j].state != TASK_PENDING && t[j].state != TASK_WAITING)
        continue;
      p->reminded++;
      if (!appr__outbox(&r, "approvals.remind",
                        arena_printf(a, "\"taskId\":\"%" PRId64 "\",\"assigneeId\":\"%" PRId64 "\"",
                                     t[j].id, t[j].assignee_id),
                        err))
        return false;
    }
  }
  if (!any)
    return eh_err_set(err, EH_RESOURCE_EXHAUSTED, "application_id",
                      "今天已经催办过当前步骤，请明天再试",
                      "you already reminded the current step today; try again tomorrow");
  return true;
}

void approvals_remind(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err) {
  const Ehall__Approvals__V1__RemindRequest *in = (const Ehall__Approvals__V1__RemindRequest *)req;
  progress_t p = {.call = call};
  if (!call_signed_in(call, err) ||
      !paging_id(in->application_id, "application_id", &p.app_id, err) ||
      !store_pg_tx(call->arena, call->pg, call->deadline_ms, remind_tx, &p, err))
    return;
  Ehall__Approvals__V1__RemindReply *out = arena_alloc(call->arena, sizeof *out);
  ehall__approvals__v1__remind_reply__init(out);
  out->reminded = p.reminded;
  *resp = &out->base;
}
