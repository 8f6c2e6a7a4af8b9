/*
 * applications.c — ehall.forms.v1.Forms: the form of a service with its prefill, drafts,
 * submission (with the appointment of a service that takes one, in the same transaction),
 * withdrawal, resubmission after a return, the applicant's lists, and attached files.
 *
 * Every call reads or changes only the caller's own rows (the store queries carry his account
 * id); another person's id answers NOT_FOUND. Values are checked by form_rules.c against the
 * version the application started with; nothing is written when a check fails. Must never log
 * form contents.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/catalog/catalog.h"
#include "core/common/crypto.h"
#include "core/common/log.h"
#include "core/common/paging.h"
#include "core/common/pbtime.h"
#include "core/common/text.h"
#include "core/common/transcode.h"
#include "core/forms/form_rules.h"
#include "core/forms/forms.h"
#include "core/forms/forms_internal.h"
#include "core/org/org.h"
#include "core/store/forms_store.h"
#include "ehall/catalog/v1/catalog.pb-c.h"
#include "google/api/httpbody.pb-c.h"

#define FILE_MAX_BYTES (512 * 1024)
#define FILES_DAY_BYTES (20 * 1024 * 1024)
#define WITHDRAW_REASON_MAX 200
#define APPS_PAGE_DEFAULT 20
#define APPS_PAGE_MAX 100

static const transcode_schema_t schema = {0};

static forms_process_hooks_t hooks;

void forms_set_process_hooks(const forms_process_hooks_t *h) {
  hooks = *h;
}

/* --- JSON of stored definitions and values ---------------------------------------------------- */

form_def_t *forms__def_from_json(arena_t *a, const char *json, eh_err_t *err) {
  eh_err_t perr = EH_ERR_INIT;
  ProtobufCMessage *m = transcode_json_to_pb(
      a, &schema, &ehall__forms__v1__form_definition__descriptor, json, strlen(json), &perr);
  if (m == NULL) {
    eh_err_set(err, EH_INTERNAL, NULL, "表单数据损坏，请联系管理员",
               "a stored form could not be read; please contact the administrator");
    eh_err_detail(err, "form json: %s", perr.detail);
  }
  return (form_def_t *)m;
}

static form_values_t *values_from_json(arena_t *a, const char *json, eh_err_t *err) {
  if (json == NULL || json[0] == '\0')
    json = "{}";
  ProtobufCMessage *m = transcode_json_to_pb(a, &schema, &google__protobuf__struct__descriptor,
                                             json, strlen(json), err);
  return (form_values_t *)m;
}

static const char *values_json(arena_t *a, const form_values_t *v, eh_err_t *err) {
  size_t len;
  form_values_t empty = GOOGLE__PROTOBUF__STRUCT__INIT;
  return transcode_pb_to_json(a, &schema, v ? &v->base : &empty.base, &len, err);
}

/* --- the service ------------------------------------------------------------------------------ */

static bool online_service(call_t *call, const char *code, catalog_service_ref_t *svc,
                           eh_err_t *err) {
  if (!forms__signed_in(call, err) ||
      !catalog_service_for_caller(call, code, "service_code", svc, err))
    return false;
  if (svc->mode == EHALL__CATALOG__V1__HANDLING_MODE__HANDLING_MODE_ONLINE ||
      svc->mode == EHALL__CATALOG__V1__HANDLING_MODE__HANDLING_MODE_BOTH)
    return true;
  return eh_err_set(err, EH_FAILED_PRECONDITION, "service_code", "该服务不支持网上申请",
                    "this service is not handled online");
}

static bool takes_appointments(const catalog_service_ref_t *svc) {
  return svc->mode == EHALL__CATALOG__V1__HANDLING_MODE__HANDLING_MODE_BOTH;
}

/* The form an application of this person uses: its draft's version, else the newest. */
typedef struct {
  store_form_version_t version;
  form_def_t *def;
  store_application_t draft;
  bool has_draft;
} form_ctx_t;

static bool form_load(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int64_t service_id,
                      bool lock, form_ctx_t *f, eh_err_t *err) {
  bool found = false;
  if (!store_forms_draft(a, conn, account_id, service_id, lock, &f->draft, &f->has_draft, err))
    return false;
  if (f->has_draft ? !store_forms_version(a, conn, service_id, f->draft.form_version, &f->version,
                                          &found, err)
                   : !store_forms_current(a, conn, service_id, &f->version, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_FAILED_PRECONDITION, "service_code",
                      "该服务的网上申请表尚未发布，请先按指南办理",
                      "this service has no online form yet; follow its guide");
  f->def = forms__def_from_json(a, f->version.form_json, err);
  return f->def != NULL;
}

/* The prefilled values of f's fields that have a source. */
static bool prefill(call_t *call, store_pg_conn_t *conn, int64_t service_id, const form_def_t *f,
                    form_values_t **out, eh_err_t *err) {
  arena_t *a = call->arena;
  int64_t who = call->principal.account_id;
  form_values_t *v = arena_alloc(a, sizeof *v);
  google__protobuf__struct__init(v);
  *out = v;
  store_forms_profile_t p;
  bool have_profile = false;
  form_values_t *previous = NULL;
  const char *counselor = NULL;
  for (size_t i = 0; i < f->n_fields; i++) {
    const form_field_t *x = f->fields[i];
    int src = (int)x->prefill;
    if (src == EHALL__FORMS__V1__PREFILL_SOURCE__PREFILL_SOURCE_NONE)
      continue;
    if (src == EHALL__FORMS__V1__PREFILL_SOURCE__PREFILL_SOURCE_PREVIOUS) {
      if (previous == NULL) {
        const char *json;
        if (!store_forms_previous(a, conn, who, service_id, &json, err))
          return false;
        eh_err_t ignored = EH_ERR_INIT; /* an unreadable old value is simply not offered */
        previous = values_from_json(a, json, &ignored);
        if (previous == NULL) {
          previous = arena_alloc(a, sizeof *previous);
          google__protobuf__struct__init(previous);
        }
      }
      const Google__Protobuf__Value *pv = form_value_get(previous, x->key);
      if (pv != NULL)
        form_value_set(a, v, x->key, (Google__Protobuf__Value *)pv);
      continue;
    }
    if (src == EHALL__FORMS__V1__PREFILL_SOURCE__PREFILL_SOURCE_COUNSELOR) {
      if (counselor == NULL) {
        const char **names;
        size_t n;
        if (!org_approver_names(a, conn, who, "counselor", &names, &n, err))
          return false;
        counselor = "";
        for (size_t j = 0; j < n; j++)
          counselor = arena_printf(a, "%s%s%s", counselor, j ? "、" : "", names[j]);
      }
      if (counselor[0])
        form_value_set(a, v, x->key, form_value_string(a, counselor));
      continue;
    }
    if (!have_profile) {
      if (!store_forms_profile(a, conn, who, &p, err))
        return false;
      have_profile = true;
    }
    const char *s = "";
    switch (src) {
    case EHALL__FORMS__V1__PREFILL_SOURCE__PREFILL_SOURCE_NAME:
      s = p.name;
      break;
    case EHALL__FORMS__V1__PREFILL_SOURCE__PREFILL_SOURCE_CAMPUS_ID:
      s = p.campus_id;
      break;
    case EHALL__FORMS__V1__PREFILL_SOURCE__PREFILL_SOURCE_COLLEGE:
      s = p.college;
      break;
    case EHALL__FORMS__V1__PREFILL_SOURCE__PREFILL_SOURCE_MAJOR:
      s = p.major;
      break;
    case EHALL__FORMS__V1__PREFILL_SOURCE__PREFILL_SOURCE_CLASS:
      s = p.class_name;
      break;
    case EHALL__FORMS__V1__PREFILL_SOURCE__PREFILL_SOURCE_PHONE:
      s = p.phone;
      break;
    case EHALL__FORMS__V1__PREFILL_SOURCE__PREFILL_SOURCE_EMAIL:
      s = p.email;
      break;
    default:
      break;
    }
    if (s[0])
      form_value_set(a, v, x->key, form_value_string(a, s));
  }
  return true;
}

/* The locked fields' prefilled values (what the applicant may not change). */
static form_values_t *locked_values(arena_t *a, const form_def_t *f, const form_values_t *pre) {
  form_values_t *v = arena_alloc(a, sizeof *v);
  google__protobuf__struct__init(v);
  for (size_t i = 0; i < f->n_fields; i++) {
    const Google__Protobuf__Value *pv = form_value_get(pre, f->fields[i]->key);
    if (f->fields[i]->locked && pv != NULL)
      form_value_set(a, v, f->fields[i]->key, (Google__Protobuf__Value *)pv);
  }
  return v;
}

/* Checks values and that every attachment they name is his file of this service and, in a
 * submission (complete), of a type its field accepts (every such file at its path). */
static bool values_ok(call_t *call, store_pg_conn_t *conn, int64_t service_id, const form_def_t *f,
                      const form_values_t *data, bool complete, const form_values_t *locked,
                      form_values_t **clean, eh_err_t *err) {
  form_file_t *files;
  size_t n_files;
  if (!form_values_check(call->arena, f, data, complete, locked, clean, &files, &n_files, err))
    return false;
  if (n_files == 0)
    return true;
  const char **ids = arena_alloc(call->arena, n_files * sizeof *ids), **types;
  for (size_t i = 0; i < n_files; i++)
    ids[i] = files[i].id;
  if (!store_forms_files_types(call->arena, conn, call->principal.account_id, service_id, ids,
                               n_files, &types, err))
    return false;
  for (size_t i = 0; i < n_files; i++)
    if (types[i] == NULL)
      return eh_err_set(err, EH_INVALID, "data", "附件不存在或已失效，请重新上传",
                        "an attachment is unknown or not yours; upload it again");
  for (size_t i = 0; complete && i < n_files; i++)
    if (!form_file_type_ok(files[i].field, types[i]))
      eh_err_set(err, EH_INVALID, files[i].path, "此处不接受该类型的文件（%s）",
                 "this field does not take files of this type (%s)", types[i]);
  return eh_ok(err);
}

/* --- replies ---------------------------------------------------------------------------------- */

static const char *id_s(arena_t *a, int64_t id) {
  return id > 0 ? arena_printf(a, "%" PRId64, id) : "";
}

static Ehall__Forms__V1__Application *app_pb(call_t *call, store_pg_conn_t *conn,
                                             const store_application_t *x, bool full,
                                             eh_err_t *err) {
  arena_t *a = call->arena;
  Ehall__Forms__V1__Application *m = arena_alloc(a, sizeof *m);
  ehall__forms__v1__application__init(m);
  m->id = (char *)id_s(a, x->id);
  m->service_code = (char *)x->service_code;
  m->service_name = (char *)x->service_name;
  m->state = (Ehall__Forms__V1__ApplicationState)x->state;
  m->form_version = x->form_version;
  m->serial = (char *)x->serial;
  m->created_at = pbtime_from_us(a, x->created_us);
  m->updated_at = pbtime_from_us(a, x->updated_us);
  if (x->submitted_us > 0)
    m->submitted_at = pbtime_from_us(a, x->submitted_us);
  int next;
  m->can_withdraw = application_next(x->state, APP_ACT_WITHDRAW, &next);
  if (!full)
    return m;
  m->data = values_from_json(a, x->data_json, err);
  if (m->data == NULL)
    return NULL;
  store_app_event_t *ev;
  size_t n;
  if (!store_forms_events(a, conn, x->id, &ev, &n, err))
    return NULL;
  m->n_timeline = n;
  m->timeline = arena_alloc(a, (n ? n : 1) * sizeof *m->timeline);
  for (size_t i = 0; i < n; i++) {
    Ehall__Forms__V1__TimelineEvent *e = arena_alloc(a, sizeof *e);
    ehall__forms__v1__timeline_event__init(e);
    e->at = pbtime_from_us(a, ev[i].at_us);
    e->action = (char *)ev[i].action;
    e->actor_name = (char *)ev[i].actor_name;
    e->note = (char *)ev[i].note;
    e->step_name = (char *)ev[i].step_name;
    e->acting_for_name = (char *)ev[i].acting_for_name;
    m->timeline[i] = e;
  }
  if (x->booking_id > 0) {
    store_booking_t b;
    bool found = false;
    if (!store_booking_get(a, conn, x->booking_id, x->account_id, false, forms__tz(call), &b,
                           &found, err))
      return NULL;
    if (found)
      m->booking = forms__booking_pb(a, &b, NULL, forms__now_us(), false);
  }
  return m;
}

/* Answers the caller's application id in full. */
static void app_reply(call_t *call, int64_t id, ProtobufCMessage **resp, eh_err_t *err) {
  arena_t *a = call->arena;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_application_t x;
  bool found = false;
  if (!store_forms_get(a, conn, id, call->principal.account_id, false, &x, &found, err))
    return;
  if (!found) {
    eh_err_set(err, EH_NOT_FOUND, "id", "没有找到该申请", "no such application");
    return;
  }
  Ehall__Forms__V1__Application *m = app_pb(call, conn, &x, true, err);
  if (m != NULL)
    *resp = &m->base;
}

/* --- GetApplyForm ----------------------------------------------------------------------------- */

typedef struct {
  call_t *call;
  catalog_service_ref_t svc;
  form_ctx_t form;
  form_values_t *pre, *data, *clean;
  const char *slot_id;
  int64_t id, booking_id, slot;
  const Ehall__Forms__V1__WithdrawApplicationRequest *withdraw;
  store_application_t app;
} app_ctx_t;

static bool apply_form_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  app_ctx_t *c = ud;
  return form_load(a, conn, c->call->principal.account_id, c->svc.id, false, &c->form, err) &&
         prefill(c->call, conn, c->svc.id, c->form.def, &c->pre, err);
}

void forms_get_apply_form(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  const Ehall__Forms__V1__GetApplyFormRequest *in =
      (const Ehall__Forms__V1__GetApplyFormRequest *)req;
  arena_t *a = call->arena;
  app_ctx_t c = {.call = call};
  if (!online_service(call, in->service_code, &c.svc, err) ||
      !store_pg_tx_iso(a, call->pg, call->deadline_ms, STORE_PG_REPEATABLE_READ, apply_form_tx, &c,
                       err))
    return;
  Ehall__Forms__V1__ApplyForm *out = arena_alloc(a, sizeof *out);
  ehall__forms__v1__apply_form__init(out);
  out->service_code = (char *)c.svc.code;
  out->service_name = (char *)c.svc.name;
  out->form_version = c.form.version.version;
  out->form = c.form.def;
  out->takes_appointments = takes_appointments(&c.svc);
  if (c.form.has_draft) {
    out->values = values_from_json(a, c.form.draft.data_json, err);
    if (out->values == NULL)
      return;
    /* Locked values always show what the record says. */
    for (size_t i = 0; i < c.form.def->n_fields; i++) {
      const Google__Protobuf__Value *pv = form_value_get(c.pre, c.form.def->fields[i]->key);
      if (c.form.def->fields[i]->locked && pv != NULL)
        form_value_set(a, out->values, c.form.def->fields[i]->key, (Google__Protobuf__Value *)pv);
    }
    out->draft_id = (char *)id_s(a, c.form.draft.id);
    out->draft_saved_at = pbtime_from_us(a, c.form.draft.updated_us);
  } else {
    out->values = c.pre;
    out->draft_id = "";
  }
  out->locked = arena_alloc(a, (c.form.def->n_fields + 1) * sizeof *out->locked);
  for (size_t i = 0; i < c.form.def->n_fields; i++)
    if (c.form.def->fields[i]->locked)
      out->locked[out->n_locked++] = c.form.def->fields[i]->key;
  *resp = &out->base;
}

/* --- drafts ----------------------------------------------------------------------------------- */

static bool draft_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  app_ctx_t *c = ud;
  int64_t who = c->call->principal.account_id;
  if (!form_load(a, conn, who, c->svc.id, true, &c->form, err) ||
      !prefill(c->call, conn, c->svc.id, c->form.def, &c->pre, err) ||
      !values_ok(c->call, conn, c->svc.id, c->form.def, c->data, false,
                 locked_values(a, c->form.def, c->pre), &c->clean, err))
    return false;
  const char *json = values_json(a, c->clean, err);
  return json != NULL &&
         store_forms_draft_put(a, conn, who, c->svc.id, c->form.version.version, json, &c->id, err);
}

void forms_save_draft(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err) {
  const Ehall__Forms__V1__SaveDraftRequest *in = (const Ehall__Forms__V1__SaveDraftRequest *)req;
  app_ctx_t c = {.call = call, .data = in->data};
  if (!online_service(call, in->service_code, &c.svc, err) ||
      !store_pg_tx(call->arena, call->pg, call->deadline_ms, draft_tx, &c, err))
    return;
  app_reply(call, c.id, resp, err);
}

static bool discard_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  app_ctx_t *c = ud;
  return store_forms_draft_delete(a, conn, c->call->principal.account_id, c->svc.id, err);
}

void forms_discard_draft(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  const Ehall__Forms__V1__DiscardDraftRequest *in =
      (const Ehall__Forms__V1__DiscardDraftRequest *)req;
  app_ctx_t c = {.call = call};
  if (!online_service(call, in->service_code, &c.svc, err) ||
      !store_pg_tx(call->arena, call->pg, call->deadline_ms, discard_tx, &c, err))
    return;
  Ehall__Forms__V1__DiscardDraftReply *out = arena_alloc(call->arena, sizeof *out);
  ehall__forms__v1__discard_draft_reply__init(out);
  *resp = &out->base;
}

/* --- submit ----------------------------------------------------------------------------------- */

static bool submit_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  app_ctx_t *c = ud;
  call_t *call = c->call;
  int64_t who = call->principal.account_id;
  if (!form_load(a, conn, who, c->svc.id, true, &c->form, err) ||
      !prefill(call, conn, c->svc.id, c->form.def, &c->pre, err) ||
      !values_ok(call, conn, c->svc.id, c->form.def, c->data, true,
                 locked_values(a, c->form.def, c->pre), &c->clean, err))
    return false;
  c->booking_id = 0;
  int process = 0;
  if (hooks.version != NULL && !hooks.version(a, conn, c->svc.id, &process, err))
    return false;
  if (takes_appointments(&c->svc)) {
    if (c->slot_id == NULL || c->slot_id[0] == '\0')
      return eh_err_set(err, EH_INVALID, "slot_id", "请选择预约时段", "choose an appointment slot");
    if (!forms__id(c->slot_id, "slot_id", &c->slot, err))
      return false;
    int remaining = 0;
    booking_facts_t facts;
    store_booking_t got;
    /* A seat waiting for approval is held (released on rejection, withdrawal or expiry). */
    if (!forms__claim(a, conn, c->slot, c->svc.id, who, process > 0 ? BOOKING_HELD : BOOKING_BOOKED,
                      false, forms__tz(call), &got, &remaining, &facts, err))
      return false;
    c->booking_id = got.id;
    if (c->booking_id == 0)
      return booking_refusal_err(booking_refusal(&facts), &facts.rules, err);
  }
  const char *json = values_json(a, c->clean, err);
  if (json == NULL ||
      !store_forms_submit(a, conn, c->form.has_draft ? c->form.draft.id : 0, who, c->svc.id,
                          c->form.version.version, json, c->booking_id, forms__tz(call), &c->id,
                          err) ||
      !store_forms_event(a, conn, c->id, "submitted", who, "", err) ||
      (c->booking_id > 0 && !store_forms_link_booking(a, conn, c->booking_id, c->id, err)))
    return false;
  return process == 0 || hooks.start(call, conn, c->id, process, err);
}

void forms_submit_application(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err) {
  const Ehall__Forms__V1__SubmitApplicationRequest *in =
      (const Ehall__Forms__V1__SubmitApplicationRequest *)req;
  app_ctx_t c = {.call = call, .data = in->data, .slot_id = in->slot_id};
  if (!online_service(call, in->service_code, &c.svc, err) || !forms__tx(call, submit_tx, &c, err))
    return;
  LOG_INFO("forms", "application submitted id=%" PRId64 " booking=%" PRId64, c.id, c.booking_id);
  app_reply(call, c.id, resp, err);
}

/* --- withdraw and resubmit -------------------------------------------------------------------- */

static bool own_app(arena_t *a, store_pg_conn_t *conn, app_ctx_t *c, eh_err_t *err) {
  bool found = false;
  if (!store_forms_get(a, conn, c->id, c->call->principal.account_id, true, &c->app, &found, err))
    return false;
  if (!found || c->app.state == APP_DRAFT)
    return eh_err_set(err, EH_NOT_FOUND, "id", "没有找到该申请", "no such application");
  return true;
}

static bool withdraw_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  app_ctx_t *c = ud;
  int next;
  if (!own_app(a, conn, c, err))
    return false;
  if (!application_next(c->app.state, APP_ACT_WITHDRAW, &next))
    return eh_err_set(err, EH_FAILED_PRECONDITION, "id", "该申请已办结，不能撤回",
                      "this application is already decided; it cannot be withdrawn");
  if (!store_forms_set_state(a, conn, c->id, next, NULL, true, err) ||
      !store_forms_event(a, conn, c->id, "withdrawn", c->call->principal.account_id,
                         c->withdraw->reason, err) ||
      (hooks.stop != NULL && !hooks.stop(c->call, conn, c->id, err)))
    return false;
  /* Its seat goes back (to the waitlist first). */
  return c->app.booking_id == 0 ||
         forms_booking_settle(a, conn, c->app.booking_id, false, forms__tz(c->call), &c->slot, err);
}

bool forms_booking_settle(arena_t *a, store_pg_conn_t *conn, int64_t booking_id, bool approved,
                          const char *tz, int64_t *slot_id, eh_err_t *err) {
  store_booking_t b;
  bool found = false;
  int promoted = 0;
  *slot_id = 0;
  if (!store_booking_get(a, conn, booking_id, 0, true, tz, &b, &found, err))
    return false;
  if (!found || (b.state != BOOKING_HELD && b.state != BOOKING_BOOKED))
    return true;
  if (approved)
    return b.state != BOOKING_HELD || store_booking_confirm(a, conn, b.id, err);
  *slot_id = b.slot.id;
  return store_booking_end(a, conn, b.id, BOOKING_RELEASED, err) &&
         forms__promote(a, conn, b.slot.id, b.service_id, tz, &promoted, err);
}

void forms_withdraw_application(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                                eh_err_t *err) {
  const Ehall__Forms__V1__WithdrawApplicationRequest *in =
      (const Ehall__Forms__V1__WithdrawApplicationRequest *)req;
  app_ctx_t c = {.call = call, .withdraw = in};
  const char *reason = in->reason ? in->reason : "";
  if (!forms__signed_in(call, err) || !forms__id(in->id, "id", &c.id, err))
    return;
  if (!text_utf8_valid(reason, strlen(reason)) ||
      text_utf8_length(reason, strlen(reason)) > WITHDRAW_REASON_MAX) {
    eh_err_set(err, EH_INVALID, "reason", "原因最多 %d 个字", "at most %d characters",
               WITHDRAW_REASON_MAX);
    return;
  }
  if (!forms__tx(call, withdraw_tx, &c, err))
    return;
  if (c.slot > 0)
    store_booking_ticket_forget(call->arena, call->redis, c.app.service_id, c.slot);
  app_reply(call, c.id, resp, err);
}

static bool resubmit_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  app_ctx_t *c = ud;
  int next;
  bool found = false;
  if (!own_app(a, conn, c, err))
    return false;
  if (!application_next(c->app.state, APP_ACT_RESUBMIT, &next))
    return eh_err_set(err, EH_FAILED_PRECONDITION, "id", "只有退回修改的申请可以重新提交",
                      "only an application returned for amendment can be submitted again");
  if (!store_forms_version(a, conn, c->app.service_id, c->app.form_version, &c->form.version,
                           &found, err))
    return false;
  c->form.def = found ? forms__def_from_json(a, c->form.version.form_json, err) : NULL;
  if (c->form.def == NULL)
    return err->code != EH_OK
               ? false
               : eh_err_set(err, EH_INTERNAL, NULL, "表单版本不存在", "form missing");
  if (!prefill(c->call, conn, c->app.service_id, c->form.def, &c->pre, err) ||
      !values_ok(c->call, conn, c->app.service_id, c->form.def, c->data, true,
                 locked_values(a, c->form.def, c->pre), &c->clean, err))
    return false;
  const char *json = values_json(a, c->clean, err);
  return json != NULL && store_forms_set_state(a, conn, c->id, next, json, false, err) &&
         store_forms_event(a, conn, c->id, "resubmitted", c->call->principal.account_id, "", err) &&
         (hooks.start == NULL || hooks.start(c->call, conn, c->id, 0, err));
}

void forms_resubmit_application(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                                eh_err_t *err) {
  const Ehall__Forms__V1__ResubmitApplicationRequest *in =
      (const Ehall__Forms__V1__ResubmitApplicationRequest *)req;
  app_ctx_t c = {.call = call, .data = in->data};
  if (!forms__signed_in(call, err) || !forms__id(in->id, "id", &c.id, err) ||
      !store_pg_tx(call->arena, call->pg, call->deadline_ms, resubmit_tx, &c, err))
    return;
  app_reply(call, c.id, resp, err);
}

/* --- lists ------------------------------------------------------------------------------------ */

void forms_list_my_applications(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                                eh_err_t *err) {
  const Ehall__Forms__V1__ListMyApplicationsRequest *in =
      (const Ehall__Forms__V1__ListMyApplicationsRequest *)req;
  arena_t *a = call->arena;
  int size;
  int64_t before = 0;
  if (!forms__signed_in(call, err) ||
      !paging_size(in->page_size, APPS_PAGE_DEFAULT, APPS_PAGE_MAX, &size, err) ||
      !paging_token_parse(in->page_token, 'a', &before, err))
    return;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_application_t *x;
  size_t n;
  if (!store_forms_mine(a, conn, call->principal.account_id, before, size + 1, &x, &n, err))
    return;
  Ehall__Forms__V1__ListMyApplicationsReply *out = arena_alloc(a, sizeof *out);
  ehall__forms__v1__list_my_applications_reply__init(out);
  size_t shown = n > (size_t)size ? (size_t)size : n;
  out->applications = arena_alloc(a, (shown ? shown : 1) * sizeof *out->applications);
  for (size_t i = 0; i < shown; i++)
    out->applications[out->n_applications++] = app_pb(call, conn, &x[i], false, err);
  out->next_page_token =
      n > (size_t)size ? (char *)paging_token(a, 'a', x[shown - 1].id) : (char *)"";
  *resp = &out->base;
}

void forms_get_application(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  const Ehall__Forms__V1__GetApplicationRequest *in =
      (const Ehall__Forms__V1__GetApplicationRequest *)req;
  int64_t id;
  if (forms__signed_in(call, err) && forms__id(in->id, "id", &id, err))
    app_reply(call, id, resp, err);
}

/* --- attachments ------------------------------------------------------------------------------ */

static bool file_name_ok(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || !text_utf8_valid(s, n) || text_utf8_length(s, n) > 128)
    return false;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == '/' || s[i] == '\\' || s[i] == 0x7f)
      return false;
  return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static bool content_type_ok(const char *s) {
  size_t n = s ? strlen(s) : 0;
  const char *slash = s ? strchr(s, '/') : NULL;
  if (n < 3 || n > 100 || slash == NULL || slash == s || slash[1] == '\0')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || strchr("/.+-", s[i])))
      return false;
  return true;
}

typedef struct {
  call_t *call;
  catalog_service_ref_t svc;
  const Ehall__Forms__V1__UploadAttachmentRequest *in;
  char sha[65];
  int64_t id;
} upload_ctx_t;

static bool upload_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  upload_ctx_t *c = ud;
  int64_t used = 0, who = c->call->principal.account_id;
  if (!store_forms_file_day_bytes(a, conn, who, forms__tz(c->call), &used, err))
    return false;
  if (used + (int64_t)c->in->data.len > FILES_DAY_BYTES)
    return eh_err_set(err, EH_RESOURCE_EXHAUSTED, "data",
                      "今天上传的附件已达 20 MB 上限，请明天再试",
                      "you have uploaded 20 MB today; try again tomorrow");
  return store_forms_file_put(a, conn, who, c->svc.id, c->in->name, c->in->content_type,
                              c->in->data.data, c->in->data.len, c->sha, &c->id, err);
}

void forms_upload_attachment(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err) {
  upload_ctx_t c = {.call = call, .in = (const Ehall__Forms__V1__UploadAttachmentRequest *)req};
  arena_t *a = call->arena;
  if (!online_service(call, c.in->service_code, &c.svc, err))
    return;
  bool ok = true;
  if (!file_name_ok(c.in->name))
    ok = eh_err_set(err, EH_INVALID, "name", "文件名为 1 到 128 个字，不含 / 和控制字符",
                    "a file name has 1–128 characters, without / or control characters");
  if (!content_type_ok(c.in->content_type))
    ok = eh_err_set(err, EH_INVALID, "content_type", "文件类型无效（如 application/pdf）",
                    "not a content type (e.g. application/pdf)");
  if (c.in->data.len == 0)
    ok = eh_err_set(err, EH_INVALID, "data", "文件为空", "the file is empty");
  else if (c.in->data.len > FILE_MAX_BYTES)
    ok = eh_err_set(err, EH_INVALID, "data", "文件不能超过 512 KB", "a file may be at most 512 KB");
  if (!ok)
    return;
  uint8_t digest[CRYPTO_SHA256_LEN];
  crypto_sha256(c.in->data.data, c.in->data.len, digest);
  crypto_hex_encode(digest, sizeof digest, c.sha);
  c.sha[64] = '\0';
  if (!store_pg_tx(a, call->pg, call->deadline_ms, upload_tx, &c, err))
    return;
  Ehall__Forms__V1__Attachment *out = arena_alloc(a, sizeof *out);
  ehall__forms__v1__attachment__init(out);
  out->id = (char *)id_s(a, c.id);
  out->name = c.in->name;
  out->content_type = c.in->content_type;
  out->size = (int64_t)c.in->data.len;
  out->sha256 = arena_strdup(a, c.sha);
  *resp = &out->base;
}

bool forms_attachment_body(arena_t *a, store_pg_conn_t *conn, int64_t attachment_id,
                           int64_t owner_id, const char *field, ProtobufCMessage **body,
                           eh_err_t *err) {
  store_forms_file_t f;
  bool found = false;
  if (!store_forms_file_get(a, conn, attachment_id, owner_id, &f, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_NOT_FOUND, field, "没有找到该附件", "no such attachment");
  Google__Api__HttpBody *out = arena_alloc(a, sizeof *out);
  google__api__http_body__init(out);
  out->content_type = (char *)f.content_type;
  out->data.data = (uint8_t *)f.data;
  out->data.len = (size_t)f.size;
  *body = &out->base;
  return true;
}

void forms_get_attachment(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  const Ehall__Forms__V1__GetAttachmentRequest *in =
      (const Ehall__Forms__V1__GetAttachmentRequest *)req;
  arena_t *a = call->arena;
  int64_t id;
  if (!forms__signed_in(call, err) || !forms__id(in->id, "id", &id, err))
    return;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn != NULL)
    forms_attachment_body(a, conn, id, call->principal.account_id, "id", resp, err);
}
