/*
 * groups.c — approver groups: ListGroups and CreateGroup (ehall.org.v1.Groups), and what the
 * group files share (groups_internal.h).
 *
 * Access: any signed-in person (or an app with org.read) lists the groups — code, names, owner,
 * builtin; member_count and can_manage only where the caller may manage the group (a hall
 * admin, or an admin of the owning unit or an ancestor, read from account_roles on every call).
 * Only hall admins define groups. Members (members.c): reading a group's member list answers
 * NOT_FOUND to whoever may not manage the group (as if there were none to see); changing them
 * answers PERMISSION_DENIED (the group itself is public, so saying "not allowed" leaks nothing).
 */
#include <string.h>

#include "core/common/csv.h"
#include "core/common/log.h"
#include "core/identity/audit.h"
#include "core/org/groups_internal.h"
#include "core/org/org.h"
#include "core/store/pg.h"

#define GROUP_NAME_MAX 64
#define GROUP_NAME_EN_MAX 128
#define GROUP_DESCRIPTION_MAX 500

bool org__en(const call_t *call) {
  return call->language != NULL && strncmp(call->language, "en", 2) == 0;
}

bool org__group_code_ok(const char *code) {
  size_t n = code ? strlen(code) : 0;
  if (n == 0 || n > 64)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = code[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

static bool org__group_not_found(eh_err_t *err) {
  return eh_err_set(err, EH_NOT_FOUND, "group", "没有这个审批组", "no such approver group");
}

bool org__group_access(call_t *call, const char *code, store_group_t *g, bool *may_manage,
                       eh_err_t *err) {
  *may_manage = false;
  if (!org__group_code_ok(code))
    return org__group_not_found(err);
  store_pg_conn_t *conn = store_pg_acquire(call->arena, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return false;
  bool found = false;
  bool ok = store_group_get(call->arena, conn, code, g, &found, err);
  store_pg_release(conn);
  if (!ok)
    return false;
  if (!found)
    return org__group_not_found(err);
  return org_caller_admins_unit(call, g->owner_code, may_manage, err);
}

bool org__groups_managed(call_t *call, store_pg_conn_t *conn, const store_group_t *groups, size_t n,
                         bool *managed, eh_err_t *err) {
  bool hall = call_has_role(call, CALL_ROLE_HALL_ADMIN);
  for (size_t i = 0; i < n; i++)
    managed[i] = hall;
  if (hall || call->principal.actor != CALL_USER)
    return true;
  int64_t *ids;
  size_t n_ids;
  if (!store_group_managed_ids(call->arena, conn, call->principal.account_id, &ids, &n_ids, err))
    return false;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n_ids && !managed[i]; j++)
      managed[i] = groups[i].id == ids[j];
  return true;
}

Ehall__Org__V1__Group *org__group_message(arena_t *a, const store_group_t *g, bool show_count,
                                          bool can_manage) {
  Ehall__Org__V1__Group *m = arena_alloc(a, sizeof(*m));
  ehall__org__v1__group__init(m);
  m->code = (char *)g->code;
  m->name = (char *)g->name;
  m->name_en = (char *)g->name_en;
  m->owner = org__unit_ref(a, g->owner_code, g->owner_name, g->owner_kind);
  m->builtin = g->builtin;
  m->member_count = show_count ? g->member_count : 0;
  m->can_manage = can_manage;
  m->description = (char *)g->description;
  return m;
}

Ehall__Org__V1__Scope *org__scope_message(arena_t *a, const store_group_scope_t *s) {
  Ehall__Org__V1__Scope *m = arena_alloc(a, sizeof(*m));
  ehall__org__v1__scope__init(m);
  m->unit = org__unit_ref(a, s->code, s->name, s->kind);
  m->since = org__ts(a, s->since_us);
  return m;
}

/* --- ListGroups ----------------------------------------------------------------------------- */

void org_list_groups(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__ListGroupsRequest *in = (const Ehall__Org__V1__ListGroupsRequest *)req;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_group_t *groups;
  size_t n;
  if (!store_group_list(a, conn, true, &groups, &n, err))
    return;
  bool *managed = arena_alloc(a, sizeof(*managed) * (n + 1));
  if (!org__groups_managed(call, conn, groups, n, managed, err))
    return;
  Ehall__Org__V1__ListGroupsReply *out = arena_alloc(a, sizeof(*out));
  ehall__org__v1__list_groups_reply__init(out);
  out->groups = arena_alloc(a, sizeof(*out->groups) * (n + 1));
  for (size_t i = 0; i < n; i++) {
    if (in->manageable_only && !managed[i])
      continue;
    out->groups[out->n_groups++] = org__group_message(a, &groups[i], managed[i], managed[i]);
  }
  *resp = &out->base;
}

/* --- CreateGroup ---------------------------------------------------------------------------- */

typedef struct org_group_create {
  call_t *call;
  const char *code, *name, *name_en, *description, *owner_code;
  store_group_t out;
} org_group_create_t;

static bool org__group_create_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  org_group_create_t *c = ud;
  store_group_unit_t owner;
  bool found = false;
  if (!store_group_unit(a, conn, c->owner_code, &owner, &found, err))
    return false;
  if (!found || !owner.open)
    return eh_err_set(err, EH_INVALID, "owner_code", "负责部门不存在或已撤销",
                      "the owner unit does not exist or is closed");
  if (!store_group_insert(a, conn, c->code, c->name, c->name_en, c->description, owner.id, &c->out,
                          err)) {
    if (err->code == EH_ALREADY_EXISTS) {
      eh_err_clear(err);
      eh_err_set(err, EH_ALREADY_EXISTS, "code", "已有这个代码的审批组",
                 "an approver group with this code exists");
    }
    return false;
  }
  return audit_append_tx(c->call, a, conn, AUDIT_ORG_GROUP_CREATE,
                         arena_printf(a, "group:%s", c->code),
                         arena_printf(a, "{\"owner\":\"%s\"}", c->owner_code), err);
}

static size_t org__chars(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80)
      n++;
  return n;
}

void org_create_group(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__CreateGroupRequest *in = (const Ehall__Org__V1__CreateGroupRequest *)req;
  if (!call_has_role(call, CALL_ROLE_HALL_ADMIN)) {
    org_denied(err, "仅大厅管理员可以新建审批组", "only hall admins may define approver groups");
    return;
  }
  org_group_create_t c = {.call = call,
                          .code = in->code ? in->code : "",
                          .name = in->name ? in->name : "",
                          .name_en = in->name_en ? in->name_en : "",
                          .description = in->description ? in->description : "",
                          .owner_code = in->owner_code ? in->owner_code : ""};
  bool ok = true;
  if (!org__group_code_ok(c.code))
    ok = eh_err_set(err, EH_INVALID, "code", "代码应为 1–64 位小写字母、数字或 _",
                    "code must be 1-64 of a-z 0-9 _");
  if (c.name[0] == '\0' || org__chars(c.name) > GROUP_NAME_MAX || csv_has_control(c.name))
    ok = eh_err_set(err, EH_INVALID, "name", "请填写名称（最多 64 个字）",
                    "name is required (at most 64 characters)");
  if (org__chars(c.name_en) > GROUP_NAME_EN_MAX || csv_has_control(c.name_en))
    ok = eh_err_set(err, EH_INVALID, "name_en", "英文名称最多 128 个字符",
                    "name_en has at most 128 characters");
  if (org__chars(c.description) > GROUP_DESCRIPTION_MAX)
    ok = eh_err_set(err, EH_INVALID, "description", "说明最多 500 个字",
                    "description has at most 500 characters");
  if (c.owner_code[0] == '\0' || strlen(c.owner_code) > 64)
    ok = eh_err_set(err, EH_INVALID, "owner_code", "请填写负责部门的单位代码",
                    "owner_code is required");
  if (!ok)
    return;
  if (!store_pg_tx(a, call->pg, call->deadline_ms, org__group_create_tx, &c, err))
    return;
  LOG_INFO(ORG_MODULE, "group created code=%s", c.code);
  *resp = &org__group_message(a, &c.out, true, true)->base;
}
