/*
 * form_admin.c — ehall.forms.v1.FormAdmin: the owning department keeps a service's form.
 * Saving validates the whole definition (form_rules.c) and stores it as the next version in
 * one transaction with its audit row; running applications keep the version they started with.
 */
#include <string.h>

#include "core/catalog/catalog.h"
#include "core/common/pbtime.h"
#include "core/common/transcode.h"
#include "core/forms/form_rules.h"
#include "core/forms/forms.h"
#include "core/forms/forms_internal.h"
#include "core/identity/audit.h"
#include "core/store/forms_store.h"

static const transcode_schema_t schema = {0};

typedef struct {
  call_t *call;
  catalog_service_ref_t svc;
  const Ehall__Forms__V1__SaveFormRequest *save;
  store_form_version_t current;
  bool found;
  form_def_t *def;
  store_form_version_t *versions;
  size_t n_versions;
  int running_on_older;
} admin_ctx_t;

/* Applications in progress on versions before `version`. */
static int running_before(const store_form_version_t *v, size_t n, int version) {
  int sum = 0;
  for (size_t i = 0; i < n; i++)
    if (v[i].version < version)
      sum += v[i].running;
  return sum;
}

static bool read_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  admin_ctx_t *c = ud;
  if (!store_forms_current(a, conn, c->svc.id, &c->current, &c->found, err) ||
      !store_forms_versions(a, conn, c->svc.id, &c->versions, &c->n_versions, err))
    return false;
  if (c->found) {
    c->def = forms__def_from_json(a, c->current.form_json, err);
    if (c->def == NULL)
      return false;
  }
  c->running_on_older = running_before(c->versions, c->n_versions, c->current.version + 1);
  return true;
}

static bool save_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  admin_ctx_t *c = ud;
  size_t len;
  const char *json = transcode_pb_to_json(a, &schema, &c->save->form->base, &len, err);
  int version = 0;
  if (json == NULL ||
      !store_forms_insert(a, conn, c->svc.id, c->call->principal.account_id, json, &version, err) ||
      !audit_append_tx(c->call, a, conn, AUDIT_FORMS_SAVE,
                       arena_printf(a, "service:%s", c->svc.code),
                       arena_printf(a, "{\"version\":%d}", version), err))
    return false;
  return read_tx(a, conn, c, err);
}

static Ehall__Forms__V1__FormVersion *version_pb(arena_t *a, admin_ctx_t *c) {
  Ehall__Forms__V1__FormVersion *m = arena_alloc(a, sizeof *m);
  ehall__forms__v1__form_version__init(m);
  m->service_code = (char *)c->svc.code;
  if (c->found) {
    m->version = c->current.version;
    m->form = c->def;
    m->created_at = pbtime_from_us(a, c->current.created_us);
    m->created_by = (char *)c->current.created_by;
  }
  m->running_on_older =
      c->found ? running_before(c->versions, c->n_versions, c->current.version) : 0;
  return m;
}

void forms_get_form(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err) {
  const Ehall__Forms__V1__GetFormRequest *in = (const Ehall__Forms__V1__GetFormRequest *)req;
  admin_ctx_t c = {.call = call};
  if (!catalog_service_for_admin(call, in->service_code, &c.svc, err) ||
      !store_pg_tx(call->arena, call->pg, call->deadline_ms, read_tx, &c, err))
    return;
  *resp = &version_pb(call->arena, &c)->base;
}

void forms_save_form(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  admin_ctx_t c = {.call = call, .save = (const Ehall__Forms__V1__SaveFormRequest *)req};
  arena_t *a = call->arena;
  if (!catalog_service_for_admin(call, c.save->service_code, &c.svc, err))
    return;
  if (c.save->form == NULL) {
    eh_err_set(err, EH_INVALID, "form", "请提供表单定义", "the form is required");
    return;
  }
  if (!form_definition_check(a, c.save->form, err))
    return;
  if (c.save->validate_only) {
    if (!store_pg_tx(a, call->pg, call->deadline_ms, read_tx, &c, err))
      return;
    Ehall__Forms__V1__FormVersion *m = version_pb(a, &c);
    m->form = c.save->form; /* the checked definition, not stored */
    *resp = &m->base;
    return;
  }
  if (!store_pg_tx(a, call->pg, call->deadline_ms, save_tx, &c, err))
    return;
  *resp = &version_pb(a, &c)->base;
}

void forms_list_form_versions(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err) {
  const Ehall__Forms__V1__ListFormVersionsRequest *in =
      (const Ehall__Forms__V1__ListFormVersionsRequest *)req;
  arena_t *a = call->arena;
  admin_ctx_t c = {.call = call};
  if (!catalog_service_for_admin(call, in->service_code, &c.svc, err) ||
      !store_pg_tx(a, call->pg, call->deadline_ms, read_tx, &c, err))
    return;
  Ehall__Forms__V1__ListFormVersionsReply *out = arena_alloc(a, sizeof *out);
  ehall__forms__v1__list_form_versions_reply__init(out);
  out->n_versions = c.n_versions;
  out->versions = arena_alloc(a, (c.n_versions ? c.n_versions : 1) * sizeof *out->versions);
  for (size_t i = 0; i < c.n_versions; i++) {
    Ehall__Forms__V1__FormVersion *m = arena_alloc(a, sizeof *m);
    ehall__forms__v1__form_version__init(m);
    m->service_code = (char *)c.svc.code;
    m->version = c.versions[i].version;
    m->created_at = pbtime_from_us(a, c.versions[i].created_us);
    m->created_by = (char *)c.versions[i].created_by;
    m->running_on_older = c.versions[i].running; /* here: running on this version */
    out->versions[i] = m;
  }
  *resp = &out->base;
}
