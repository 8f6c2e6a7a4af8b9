/*
 * unit_admins.c — department admins of a unit (account_roles dept_admin@<unit>):
 * ListUnitAdmins (hall admins and the unit's admins), AddUnitAdmin and RemoveUnitAdmin (hall
 * admins only, each with its audit row). Rights are read from account_roles on every call
 * (access.c), so a change takes effect on the person's next call.
 */
#include <inttypes.h>
#include <string.h>

#include "core/common/log.h"
#include "core/identity/audit.h"
#include "core/org/org.h"
#include "core/org/org_internal.h"
#include "core/org/units_rules.h"
#include "core/store/org_store.h"

#define ADMINS_STAFF 2  /* accounts.kind */
#define ADMINS_ACTIVE 1 /* accounts.status */

static bool admins__hall(call_t *call, eh_err_t *err) {
  if (call->principal.actor == CALL_USER && call_has_role(call, CALL_ROLE_HALL_ADMIN))
    return true;
  return org_denied(err, "只有大厅管理员可以任免部门管理员",
                    "only hall admins may appoint or remove department admins");
}

static bool admins__unit(arena_t *a, store_pg_conn_t *conn, const char *code, store_org_unit_t *u,
                         eh_err_t *err) {
  bool found = false;
  if (org_units_code_valid(code) && !store_org_unit_get(a, conn, code, false, u, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_NOT_FOUND, "code", "单位不存在", "no such unit");
  return true;
}

void org_list_unit_admins(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__ListUnitAdminsRequest *in =
      (const Ehall__Org__V1__ListUnitAdminsRequest *)req;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_org_unit_t u;
  if (!admins__unit(a, conn, in->code, &u, err))
    return;
  bool ok = false;
  if (!org_caller_admins_unit(call, u.code, &ok, err))
    return;
  if (!ok) {
    org_denied(err, "只有大厅管理员和本单位管理员可以查看本单位的管理员",
               "only hall admins and the unit's admins may list its admins");
    return;
  }
  store_org_admin_t *admins;
  size_t n;
  if (!store_org_unit_admins(a, conn, u.code, &admins, &n, err))
    return;
  Ehall__Org__V1__ListUnitAdminsReply *out = arena_alloc(a, sizeof(*out));
  ehall__org__v1__list_unit_admins_reply__init(out);
  out->admins = arena_alloc(a, (n + 1) * sizeof(*out->admins));
  for (size_t i = 0; i < n; i++) {
    Ehall__Org__V1__UnitAdmin *m = arena_alloc(a, sizeof(*m));
    ehall__org__v1__unit_admin__init(m);
    m->campus_id = (char *)admins[i].campus_id;
    m->name = (char *)admins[i].name;
    m->unit_code = (char *)u.code;
    out->admins[out->n_admins++] = m;
  }
  *resp = &out->base;
}

typedef struct admins_change {
  call_t *call;
  const char *code, *campus_id;
  bool add;
  store_org_account_t acc;
} admins_change_t;

static bool admins__change_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  admins_change_t *c = ud;
  store_org_unit_t u;
  if (!admins__unit(a, conn, c->code, &u, err))
    return false;
  bool found = false;
  if (org_units_campus_id_valid(c->campus_id) &&
      !store_org_account_get(a, conn, c->campus_id, &c->acc, &found, err))
    return false;
  bool changed = false;
  if (c->add) {
    if (u.closed_us != 0)
      return eh_err_set(err, EH_CONFLICT, "code", "单位已关闭", "the unit is closed");
    if (!found || c->acc.kind != ADMINS_STAFF || c->acc.status != ADMINS_ACTIVE)
      return eh_err_set(err, EH_INVALID, "campus_id", "部门管理员须为在职（账号正常）的教职工",
                        "a department admin must be staff with an active account");
    if (!store_org_admin_add_tx(a, conn, c->acc.id, u.code, &changed, err))
      return false;
  } else {
    if (found && !store_org_admin_remove_tx(a, conn, c->acc.id, u.code, &changed, err))
      return false;
    if (!changed)
      return eh_err_set(err, EH_NOT_FOUND, "campus_id", "此人不是该单位的管理员",
                        "this person is not an admin of the unit");
  }
  if (!changed) /* already an admin: nothing to audit */
    return true;
  return audit_append_tx(c->call, a, conn, c->add ? AUDIT_ORG_ADMIN_ADD : AUDIT_ORG_ADMIN_REMOVE,
                         arena_printf(a, "unit:%s", u.code),
                         arena_printf(a, "{\"campus_id\":\"%s\"}", c->campus_id), err);
}

void org_add_unit_admin(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__AddUnitAdminRequest *in = (const Ehall__Org__V1__AddUnitAdminRequest *)req;
  if (!admins__hall(call, err))
    return;
  admins_change_t c = {.call = call, .code = in->code, .campus_id = in->campus_id, .add = true};
  if (!store_pg_tx(a, call->pg, call->deadline_ms, admins__change_tx, &c, err))
    return;
  LOG_INFO(ORG_MODULE, "unit admin added unit=%s account=%" PRId64, c.code, c.acc.id);
  Ehall__Org__V1__UnitAdmin *m = arena_alloc(a, sizeof(*m));
  ehall__org__v1__unit_admin__init(m);
  m->campus_id = (char *)c.acc.campus_id;
  m->name = (char *)c.acc.name;
  m->unit_code = (char *)c.code;
  *resp = &m->base;
}

void org_remove_unit_admin(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__RemoveUnitAdminRequest *in =
      (const Ehall__Org__V1__RemoveUnitAdminRequest *)req;
  if (!admins__hall(call, err))
    return;
  admins_change_t c = {.call = call, .code = in->code, .campus_id = in->campus_id};
  if (!store_pg_tx(a, call->pg, call->deadline_ms, admins__change_tx, &c, err))
    return;
  LOG_INFO(ORG_MODULE, "unit admin removed unit=%s account=%" PRId64, c.code, c.acc.id);
  Ehall__Org__V1__RemoveUnitAdminReply *out = arena_alloc(a, sizeof(*out));
  ehall__org__v1__remove_unit_admin_reply__init(out);
  *resp = &out->base;
}
