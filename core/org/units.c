/*
 * units.c — the org tree's units: ListUnits, GetUnit (anyone signed in, apps with org.read),
 * CreateUnit, UpdateUnit, CloseUnit (hall admins and the HR unit's admins). Structure changes
 * run under the tree's advisory lock (org_store.h) in one transaction with their audit row;
 * kinds and codes are checked by units_rules. Units are closed, never deleted.
 */
#include <string.h>

#include "core/common/log.h"
#include "core/identity/audit.h"
#include "core/org/org.h"
#include "core/org/org_internal.h"
#include "core/org/units_rules.h"
#include "core/store/org_store.h"

#define UNITS_PAGE_DEFAULT 100
#define UNITS_PAGE_MAX 500

static Ehall__Org__V1__Unit *units__message(arena_t *a, const store_org_unit_t *u) {
  Ehall__Org__V1__Unit *m = arena_alloc(a, sizeof(*m));
  ehall__org__v1__unit__init(m);
  m->code = (char *)u->code;
  m->name = (char *)u->name;
  m->name_en = (char *)u->name_en;
  m->kind = (Ehall__Org__V1__UnitKind)u->kind;
  m->parent_code = (char *)u->parent_code;
  m->path = arena_alloc(a, (u->n_path + 1) * sizeof(*m->path));
  for (size_t i = 0; i < u->n_path; i++)
    m->path[m->n_path++] = org__unit_ref(a, u->path[i].code, u->path[i].name, u->path[i].kind);
  if (u->closed_us != 0) {
    m->closed = true;
    m->close_time = org__ts(a, u->closed_us);
  }
  m->child_count = u->child_count;
  m->people_count = u->people_count;
  return m;
}

static bool units__hr(call_t *call, eh_err_t *err) {
  bool ok = false;
  if (!org_caller_is_hr(call, &ok, err))
    return false;
  if (!ok)
    return org_denied(err, "只有大厅管理员和人事处管理员可以维护组织机构",
                      "only hall admins and the HR unit's admins may change the org tree");
  return true;
}

/* The unit as it is now, with its path; NOT_FOUND when there is none. */
static bool units__load(arena_t *a, store_pg_conn_t *conn, const char *code, bool lock,
                        store_org_unit_t *u, eh_err_t *err) {
  bool found = false;
  if (!org_units_code_valid(code))
    return eh_err_set(err, EH_NOT_FOUND, "code", "单位不存在", "no such unit");
  if (!store_org_unit_get(a, conn, code, lock, u, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_NOT_FOUND, "code", "单位不存在", "no such unit");
  return true;
}

static bool units__reply(arena_t *a, store_pg_conn_t *conn, const char *code,
                         Ehall__Org__V1__Unit **out, eh_err_t *err) {
  store_org_unit_t u;
  if (!units__load(a, conn, code, false, &u, err) || !store_org_units_paths(a, conn, &u, 1, err))
    return false;
  *out = units__message(a, &u);
  return true;
}

/* --- ListUnits / GetUnit ------------------------------------------------------------------ */

void org_list_units(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__ListUnitsRequest *in = (const Ehall__Org__V1__ListUnitsRequest *)req;
  const char *query = in->query ? in->query : "";
  const char *parent = in->parent_code ? in->parent_code : "";
  if (*query != '\0' && !org_units_name_valid(query)) {
    eh_err_set(err, EH_INVALID, "query", "搜索词须为 1–64 个字符",
               "the query must have 1–64 characters");
    return;
  }
  int size;
  int64_t offset;
  if (!org__page_size(in->page_size, UNITS_PAGE_DEFAULT, UNITS_PAGE_MAX, &size, err) ||
      !org__page_token_parse(in->page_token, 'u', &offset, err))
    return;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  if (*query == '\0' && *parent != '\0') {
    store_org_unit_t p;
    if (!units__load(a, conn, parent, false, &p, err)) {
      if (err->code == EH_NOT_FOUND)
        eh_err_add_field(err, "parent_code", "上级单位不存在", "no such parent unit");
      return;
    }
  }
  store_org_unit_t *units;
  size_t n;
  if (!store_org_unit_list(a, conn, parent, query, in->include_closed, offset, size + 1, &units, &n,
                           err))
    return;
  size_t shown = n > (size_t)size ? (size_t)size : n;
  if (!store_org_units_paths(a, conn, units, shown, err))
    return;
  Ehall__Org__V1__ListUnitsReply *out = arena_alloc(a, sizeof(*out));
  ehall__org__v1__list_units_reply__init(out);
  out->units = arena_alloc(a, (shown + 1) * sizeof(*out->units));
  for (size_t i = 0; i < shown; i++)
    out->units[out->n_units++] = units__message(a, &units[i]);
  if (n > shown)
    out->next_page_token = (char *)org__page_token(a, 'u', offset + (int64_t)shown);
  *resp = &out->base;
}

void org_get_unit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                  eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__GetUnitRequest *in = (const Ehall__Org__V1__GetUnitRequest *)req;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  Ehall__Org__V1__Unit *u;
  if (units__reply(a, conn, in->code, &u, err))
    *resp = &u->base;
}

/* --- CreateUnit --------------------------------------------------------------------------- */

typedef struct units_create {
  call_t *call;
  const Ehall__Org__V1__CreateUnitRequest *in;
  Ehall__Org__V1__Unit *out;
} units_create_t;

static bool units__create_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  units_create_t *c = ud;
  const Ehall__Org__V1__CreateUnitRequest *in = c->in;
  if (!store_org_tree_lock_tx(a, conn, err))
    return false;
  store_org_unit_t existing;
  bool found = false;
  if (!store_org_unit_get(a, conn, in->code, false, &existing, &found, err))
    return false;
  if (found)
    return eh_err_set(err, EH_ALREADY_EXISTS, "code", "单位代码已被使用（含已关闭的单位）",
                      "the unit code is taken (closed units keep theirs)");
  int parent_kind = 0;
  const char *parent = in->parent_code ? in->parent_code : "";
  if (in->kind == ORG_KIND_UNIVERSITY) {
    store_org_unit_t *roots;
    size_t n;
    if (!store_org_unit_list(a, conn, "", "", false, 0, 10, &roots, &n, err))
      return false;
    for (size_t i = 0; i < n; i++)
      if (roots[i].kind == ORG_KIND_UNIVERSITY)
        return eh_err_set(err, EH_CONFLICT, "kind", "已有一所学校（%s）：只能有一个根单位",
                          "there is a university already (%s): only one root", roots[i].code);
  } else {
    store_org_unit_t p;
    if (!store_org_unit_get(a, conn, parent, true, &p, &found, err))
      return false;
    if (!found)
      return eh_err_set(err, EH_INVALID, "parent_code", "上级单位不存在", "no such parent unit");
    if (p.closed_us != 0)
      return eh_err_set(err, EH_INVALID, "parent_code", "上级单位已关闭",
                        "the parent unit is closed");
    parent_kind = p.kind;
  }
  const char *zh, *en;
  if (!org_units_kind_parent_ok(in->kind, parent_kind, &zh, &en))
    return eh_err_set(err, EH_INVALID, "parent_code", "%s%.0s", "%.0s%s", zh, en);
  const char *name_en = in->name_en ? in->name_en : "";
  int kind = in->kind;
  if (!store_org_units_insert_tx(a, conn, (const char *const *)&in->code,
                                 (const char *const *)&in->name, &name_en, &kind, &parent, 1, err))
    return false;
  if (!audit_append_tx(
          c->call, a, conn, AUDIT_ORG_UNIT_CREATE, arena_printf(a, "unit:%s", in->code),
          arena_printf(a, "{\"kind\":\"%s\",\"parent\":\"%s\"}", org_units_kind_name(kind), parent),
          err))
    return false;
  return units__reply(a, conn, in->code, &c->out, err);
}

void org_create_unit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__CreateUnitRequest *in = (const Ehall__Org__V1__CreateUnitRequest *)req;
  if (!units__hr(call, err))
    return;
  if (!org_units_code_valid(in->code))
    eh_err_set(err, EH_INVALID, "code", "单位代码须为 1–64 个字母、数字或 _ . -",
               "the unit code must be 1–64 letters, digits or _ . -");
  if (!org_units_name_valid(in->name))
    eh_err_set(err, EH_INVALID, "name", "单位名称须为 1–64 个字符",
               "the unit name must have 1–64 characters");
  if (!org_units_name_en_valid(in->name_en ? in->name_en : ""))
    eh_err_set(err, EH_INVALID, "name_en", "英文名称最多 128 个字符",
               "the English name has at most 128 characters");
  if (in->kind < ORG_KIND_UNIVERSITY || in->kind > ORG_KIND_CLASS)
    eh_err_set(err, EH_INVALID, "kind", "请选择单位类型（学校、学院、部门、专业或班级）",
               "choose the kind (university, college, department, major or class)");
  const char *parent = in->parent_code ? in->parent_code : "";
  if (in->kind == ORG_KIND_UNIVERSITY && *parent != '\0')
    eh_err_set(err, EH_INVALID, "parent_code", "学校是根单位，不能有上级单位",
               "the university is the root: it has no parent");
  else if (in->kind != ORG_KIND_UNIVERSITY && !org_units_code_valid(parent))
    eh_err_set(err, EH_INVALID, "parent_code", "请填写上级单位代码", "the parent unit is required");
  if (!eh_ok(err))
    return;
  units_create_t c = {.call = call, .in = in};
  if (!store_pg_tx(a, call->pg, call->deadline_ms, units__create_tx, &c, err))
    return;
  LOG_INFO(ORG_MODULE, "unit created code=%s kind=%d", in->code, in->kind);
  *resp = &c.out->base;
}

/* --- UpdateUnit --------------------------------------------------------------------------- */

typedef struct units_update {
  call_t *call;
  const char *code, *name, *name_en, *parent;
  Ehall__Org__V1__Unit *out;
} units_update_t;

static bool units__update_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  units_update_t *c = ud;
  if (!store_org_tree_lock_tx(a, conn, err))
    return false;
  store_org_unit_t u;
  if (!units__load(a, conn, c->code, true, &u, err))
    return false;
  if (u.closed_us != 0)
    return eh_err_set(err, EH_CONFLICT, "code", "单位已关闭，不能修改", "the unit is closed");
  const char *name = *c->name ? c->name : u.name;
  const char *name_en = *c->name_en ? c->name_en : u.name_en;
  bool renamed = strcmp(name, u.name) != 0 || strcmp(name_en, u.name_en) != 0;
  bool moved = *c->parent != '\0' && strcmp(c->parent, u.parent_code) != 0;
  if (moved) {
    if (u.kind == ORG_KIND_UNIVERSITY)
      return eh_err_set(err, EH_INVALID, "parent_code", "学校是根单位，不能移动",
                        "the university is the root: it cannot move");
    store_org_unit_t p;
    bool found = false;
    if (!store_org_unit_get(a, conn, c->parent, true, &p, &found, err))
      return false;
    if (!found)
      return eh_err_set(err, EH_INVALID, "parent_code", "上级单位不存在", "no such parent unit");
    for (size_t i = 0; i < p.n_path_ids; i++)
      if (p.path_ids[i] == u.id)
        return eh_err_set(err, EH_INVALID, "parent_code", "不能把单位移到它自身或它的下级单位之下",
                          "a unit cannot move under itself or one of its descendants");
    if (p.closed_us != 0)
      return eh_err_set(err, EH_INVALID, "parent_code", "上级单位已关闭",
                        "the parent unit is closed");
    const char *zh, *en;
    if (!org_units_kind_parent_ok(u.kind, p.kind, &zh, &en))
      return eh_err_set(err, EH_INVALID, "parent_code", "%s%.0s", "%.0s%s", zh, en);
    if (!store_org_unit_move_tx(a, conn, u.id, p.id, err))
      return false;
  }
  if (renamed && !store_org_units_rename_tx(a, conn, &c->code, &name, &name_en, 1, err))
    return false;
  if (renamed || moved) {
    const char *detail =
        moved ? arena_printf(a, "{\"renamed\":%s,\"moved_from\":\"%s\",\"moved_to\":\"%s\"}",
                             renamed ? "true" : "false", u.parent_code, c->parent)
              : "{\"renamed\":true}";
    if (!audit_append_tx(c->call, a, conn, AUDIT_ORG_UNIT_UPDATE,
                         arena_printf(a, "unit:%s", c->code), detail, err))
      return false;
  }
  return units__reply(a, conn, c->code, &c->out, err);
}

void org_update_unit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__UpdateUnitRequest *in = (const Ehall__Org__V1__UpdateUnitRequest *)req;
  if (!units__hr(call, err))
    return;
  units_update_t c = {.call = call,
                      .code = in->code ? in->code : "",
                      .name = in->name ? in->name : "",
                      .name_en = in->name_en ? in->name_en : "",
                      .parent = in->parent_code ? in->parent_code : ""};
  if (*c.name != '\0' && !org_units_name_valid(c.name))
    eh_err_set(err, EH_INVALID, "name", "单位名称须为 1–64 个字符",
               "the unit name must have 1–64 characters");
  if (!org_units_name_en_valid(c.name_en))
    eh_err_set(err, EH_INVALID, "name_en", "英文名称最多 128 个字符",
               "the English name has at most 128 characters");
  if (*c.parent != '\0' && !org_units_code_valid(c.parent))
    eh_err_set(err, EH_INVALID, "parent_code", "上级单位不存在", "no such parent unit");
  if (!eh_ok(err))
    return;
  if (!store_pg_tx(a, call->pg, call->deadline_ms, units__update_tx, &c, err))
    return;
  LOG_INFO(ORG_MODULE, "unit updated code=%s", c.code);
  *resp = &c.out->base;
}

/* --- CloseUnit ---------------------------------------------------------------------------- */

typedef struct units_close {
  call_t *call;
  const char *code, *move_to;
  int moved;
  Ehall__Org__V1__Unit *out;
} units_close_t;

static bool units__close_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  units_close_t *c = ud;
  c->moved = 0;
  if (!store_org_tree_lock_tx(a, conn, err))
    return false;
  store_org_unit_t u;
  if (!units__load(a, conn, c->code, true, &u, err))
    return false;
  if (u.closed_us != 0) /* closing twice changes nothing */
    return units__reply(a, conn, c->code, &c->out, err);
  if (u.child_count > 0)
    return eh_err_set(
        err, EH_CONFLICT, NULL, "该单位下还有 %d 个未关闭的下级单位：请先关闭或移走它们",
        "the unit still has %d open child units: close or move them first", u.child_count);
  store_org_unit_t t = {0};
  if (*c->move_to != '\0') {
    bool found = false;
    if (!store_org_unit_get(a, conn, c->move_to, true, &t, &found, err))
      return false;
    if (!found || t.closed_us != 0 || t.id == u.id)
      return eh_err_set(err, EH_INVALID, "move_people_to", "人员转入的单位须为另一个未关闭的单位",
                        "move_people_to must name another open unit");
  }
  if (u.people_count > 0) {
    if (t.id == 0)
      return eh_err_set(err, EH_CONFLICT, "move_people_to",
                        "该单位还有 %d 人：请指定他们转入的单位（move_people_to）",
                        "%d people still belong to the unit: say where they go (move_people_to)",
                        u.people_count);
    if (!store_org_unit_move_people_tx(a, conn, u.id, u.code, t.id, t.code, &c->moved, err))
      return false;
  }
  if (!store_org_units_set_closed_tx(a, conn, &c->code, 1, true, err))
    return false;
  const char *detail =
      t.id ? arena_printf(a, "{\"people_moved\":%d,\"moved_to\":\"%s\"}", c->moved, t.code)
           : "{\"people_moved\":0}";
  if (!audit_append_tx(c->call, a, conn, AUDIT_ORG_UNIT_CLOSE, arena_printf(a, "unit:%s", c->code),
                       detail, err))
    return false;
  return units__reply(a, conn, c->code, &c->out, err);
}

void org_close_unit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__CloseUnitRequest *in = (const Ehall__Org__V1__CloseUnitRequest *)req;
  if (!units__hr(call, err))
    return;
  units_close_t c = {.call = call,
                     .code = in->code ? in->code : "",
                     .move_to = in->move_people_to ? in->move_people_to : ""};
  if (*c.move_to != '\0' && !org_units_code_valid(c.move_to)) {
    eh_err_set(err, EH_INVALID, "move_people_to", "人员转入的单位须为另一个未关闭的单位",
               "move_people_to must name another open unit");
    return;
  }
  if (!store_pg_tx(a, call->pg, call->deadline_ms, units__close_tx, &c, err))
    return;
  LOG_INFO(ORG_MODULE, "unit closed code=%s people_moved=%d", c.code, c.moved);
  *resp = &c.out->base;
}
