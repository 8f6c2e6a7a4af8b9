/*
 * process_admin.c — ehall.approvals.v1.ProcessAdmin: the owning department keeps a service's
 * approval process. Saving checks the whole definition (process_rules.c; conditions and form
 * fields against the service's current form) and stores it as the next version, unpublished;
 * publishing makes a version the one new submissions start on. Running applications keep their
 * version. Each change is audited in its transaction.
 */
#include <string.h>

#include "core/approvals/approvals.h"
#include "core/approvals/approvals_internal.h"
#include "core/catalog/catalog.h"
#include "core/common/pbtime.h"
#include "core/common/transcode.h"
#include "core/identity/audit.h"
#include "core/store/forms_store.h"
#include "ehall/forms/v1/forms.pb-c.h"

static const transcode_schema_t schema = {0};

typedef struct {
  call_t *call;
  catalog_service_ref_t svc;
  const Ehall__Approvals__V1__SaveProcessRequest *save;
  int publish, version;
  store_process_version_t *versions, one;
  size_t n_versions;
  int current;
  const char *current_json;
  const char **fields;
  size_t n_fields;
} admin_t;

static bool read_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  admin_t *c = ud;
  return store_process_current(a, conn, c->svc.id, &c->current, &c->current_json, err) &&
         store_process_versions(a, conn, c->svc.id, &c->versions, &c->n_versions, err);
}

/* The keys of the service's current form (conditions and form-field approvers name them). */
static bool form_fields(arena_t *a, store_pg_conn_t *conn, admin_t *c, eh_err_t *err) {
  store_form_version_t f;
  bool found = false;
  c->n_fields = 0;
  c->fields = NULL;
  if (!store_forms_current(a, conn, c->svc.id, &f, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_FAILED_PRECONDITION, "service_code", "请先为该服务设置申请表单",
                      "give the service an application form first");
  eh_err_t perr = EH_ERR_INIT;
  const Ehall__Forms__V1__FormDefinition *def =
      (const Ehall__Forms__V1__FormDefinition *)transcode_json_to_pb(
          a, &schema, &ehall__forms__v1__form_definition__descriptor, f.form_json,
          strlen(f.form_json), &perr);
  if (def == NULL)
    return eh_err_set(err, EH_INTERNAL, NULL, "表单数据损坏", "the stored form is unreadable");
  c->fields = arena_alloc(a, (def->n_fields + 1) * sizeof *c->fields);
  for (size_t i = 0; i < def->n_fields; i++)
    c->fields[c->n_fields++] = def->fields[i]->key;
  return true;
}

static bool check_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  admin_t *c = ud;
  return form_fields(a, conn, c, err) &&
         process_definition_check(a, c->save->process, c->fields, c->n_fields, err) &&
         read_tx(a, conn, c, err);
}

static bool save_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  admin_t *c = ud;
  size_t len;
  if (!check_tx(a, conn, ud, err))
    return false;
  const char *json = transcode_pb_to_json(a, &schema, &c->save->process->base, &len, err);
  return json != NULL &&
         store_process_insert(a, conn, c->svc.id, c->call->principal.account_id, json, &c->version,
                              err) &&
         audit_append_tx(c->call, a, conn, AUDIT_PROCESS_SAVE,
                         arena_printf(a, "service:%s", c->svc.code),
                         arena_printf(a, "{\"version\":%d}", c->version), err) &&
         read_tx(a, conn, c, err);
}

static bool publish_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  admin_t *c = ud;
  bool found = false;
  if (!store_process_publish(a, conn, c->svc.id, c->publish, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_NOT_FOUND, "version", "没有这个流程版本", "no such process version");
  return audit_append_tx(c->call, a, conn, AUDIT_PROCESS_PUBLISH,
                         arena_printf(a, "service:%s", c->svc.code),
                         arena_printf(a, "{\"version\":%d}", c->publish), err) &&
         read_tx(a, conn, c, err);
}

static Ehall__Approvals__V1__ProcessVersion *version_pb(arena_t *a,
                                                        const store_process_version_t *v) {
  Ehall__Approvals__V1__ProcessVersion *m = arena_alloc(a, sizeof *m);
  ehall__approvals__v1__process_version__init(m);
  m->version = v->version;
  m->created_at = pbtime_from_us(a, v->created_us);
  m->created_by_name = (char *)v->created_by;
  if (v->published_us)
    m->published_at = pbtime_from_us(a, v->published_us);
  m->running = v->running;
  m->current = v->current;
  return m;
}

static bool info(arena_t *a, admin_t *c, ProtobufCMessage **resp, eh_err_t *err) {
  Ehall__Approvals__V1__ProcessInfo *m = arena_alloc(a, sizeof *m);
  ehall__approvals__v1__process_info__init(m);
  m->service_code = (char *)c->svc.code;
  m->service_name = (char *)c->svc.name;
  m->published_version = c->current;
  if (c->current > 0 && (m->published = appr__def_from_json(a, c->current_json, err)) == NULL)
    return false;
  m->versions = arena_alloc(a, (c->n_versions + 1) * sizeof *m->versions);
  for (size_t i = 0; i < c->n_versions; i++)
    m->versions[m->n_versions++] = version_pb(a, &c->versions[i]);
  *resp = &m->base;
  return true;
}

void approvals_get_process(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  const Ehall__Approvals__V1__GetProcessRequest *in =
      (const Ehall__Approvals__V1__GetProcessRequest *)req;
  admin_t c = {.call = call};
  if (catalog_service_for_admin(call, in->service_code, &c.svc, err) &&
      store_pg_tx(call->arena, call->pg, call->deadline_ms, read_tx, &c, err))
    info(call->arena, &c, resp, err);
}

void approvals_save_process(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err) {
  admin_t c = {.call = call, .save = (const Ehall__Approvals__V1__SaveProcessRequest *)req};
  if (!catalog_service_for_admin(call, c.save->service_code, &c.svc, err))
    return;
  if (c.save->process == NULL) {
    eh_err_set(err, EH_INVALID, "process", "请提供审批流程", "the process is required");
    return;
  }
  if (!store_pg_tx(call->arena, call->pg, call->deadline_ms,
                   c.save->validate_only ? check_tx : save_tx, &c, err) ||
      !info(call->arena, &c, resp, err))
    return;
  ((Ehall__Approvals__V1__ProcessInfo *)*resp)->validated = c.save->validate_only;
}

void approvals_publish_process(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                               eh_err_t *err) {
  const Ehall__Approvals__V1__PublishProcessRequest *in =
      (const Ehall__Approvals__V1__PublishProcessRequest *)req;
  admin_t c = {.call = call, .publish = in->version};
  if (!catalog_service_for_admin(call, in->service_code, &c.svc, err))
    return;
  if (in->version <= 0) {
    eh_err_set(err, EH_INVALID, "version", "请指定要发布的版本", "give the version to publish");
    return;
  }
  if (store_pg_tx(call->arena, call->pg, call->deadline_ms, publish_tx, &c, err))
    info(call->arena, &c, resp, err);
}

static bool version_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  admin_t *c = ud;
  bool found = false;
  if (!store_process_version(a, conn, c->svc.id, c->version, &c->one, &found, err))
    return false;
  return found ||
         eh_err_set(err, EH_NOT_FOUND, "version", "没有这个流程版本", "no such process version");
}

void approvals_get_process_version(call_t *call, const ProtobufCMessage *req,
                                   ProtobufCMessage **resp, eh_err_t *err) {
  const Ehall__Approvals__V1__GetProcessVersionRequest *in =
      (const Ehall__Approvals__V1__GetProcessVersionRequest *)req;
  admin_t c = {.call = call, .version = in->version};
  arena_t *a = call->arena;
  if (!catalog_service_for_admin(call, in->service_code, &c.svc, err) ||
      !store_pg_tx(a, call->pg, call->deadline_ms, version_tx, &c, err))
    return;
  Ehall__Approvals__V1__ProcessVersion *m = version_pb(a, &c.one);
  if ((m->process = appr__def_from_json(a, c.one.json, err)) == NULL)
    return;
  *resp = &m->base;
}
