/*
 * resolve.c — "who is the <group> for person P (or unit U) at time T": ResolveApprovers,
 * GetMyApprovers (the caller's own approvers, names only), and ListMemberScopes (which scopes a
 * member serves). The walk itself is one SQL statement (SQL_GROUP_RESOLVE_PERSON /
 * SQL_GROUP_RESOLVE_UNIT in core/store/group_store.c), delegation applied there too.
 *
 * Access: ResolveApprovers — hall admins, admins of the group's owner unit (or above), apps
 * with org.resolve; others PERMISSION_DENIED. GetMyApprovers — any signed-in person, for
 * himself only, and it never answers a campus id. ListMemberScopes — the member himself
 * ("me"), hall admins (every group), department admins (the groups they manage only);
 * everyone else NOT_FOUND. No candidate is an answer (found = false), not an error.
 */
#include <string.h>
#include <sys/time.h>

#include "core/common/pbtime.h"
#include "core/org/groups_internal.h"
#include "core/org/org.h"

static int64_t resolve__now_us(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static bool resolve__app_may(const call_t *call) {
  if (call->principal.actor != CALL_APP)
    return false;
  for (size_t i = 0; i < call->principal.n_scopes; i++)
    if (strcmp(call->principal.scopes[i], "org.resolve") == 0)
      return true;
  return false;
}

static Ehall__Org__V1__Candidate *resolve__candidate(arena_t *a, const store_group_candidate_t *c) {
  Ehall__Org__V1__Candidate *m = arena_alloc(a, sizeof(*m));
  ehall__org__v1__candidate__init(m);
  m->campus_id = (char *)c->campus_id;
  m->name = (char *)c->name;
  if (c->delegation_id != 0) {
    m->acting_for_campus_id = (char *)c->member_campus_id;
    m->acting_for_name = (char *)c->member_name;
    m->delegation_id = c->delegation_id;
  }
  m->scope = org__unit_ref(a, c->scope_code, c->scope_name, c->scope_kind);
  return m;
}

void org_resolve_approvers(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__ResolveApproversRequest *in =
      (const Ehall__Org__V1__ResolveApproversRequest *)req;
  store_group_t g;
  bool manage = false;
  if (!org__group_access(call, in->group, &g, &manage, err))
    return;
  if (!manage && !resolve__app_may(call)) {
    org_denied(err, "只有大厅管理员、该审批组负责部门的管理员和获授权的应用可以查询审批人",
               "only hall admins, admins of the group's owner unit and apps with org.resolve may "
               "resolve approvers");
    return;
  }
  const char *cid = in->campus_id ? in->campus_id : "";
  const char *unit = in->unit_code ? in->unit_code : "";
  if ((cid[0] == '\0') == (unit[0] == '\0')) {
    eh_err_set(err, EH_INVALID, cid[0] ? "unit_code" : "campus_id",
               "请填写学工号或单位代码中的一项", "give either campus_id or unit_code");
    return;
  }
  if (strlen(cid) > 32 || strlen(unit) > 64) {
    eh_err_set(err, EH_NOT_FOUND, cid[0] ? "campus_id" : "unit_code", "没有这个人或单位",
               "no such person or unit");
    return;
  }
  int64_t at = in->at != NULL ? org__ts_us(in->at) : resolve__now_us();
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  bool found = false;
  int64_t id = 0;
  const char *who = "";
  if (cid[0] != '\0') {
    store_group_account_t acc;
    if (!store_group_account(a, conn, cid, &acc, &found, err))
      return;
    if (!found) {
      eh_err_set(err, EH_NOT_FOUND, "campus_id", "没有这个学工号的账号",
                 "no account has this campus_id");
      return;
    }
    id = acc.id;
    who = acc.name;
  } else {
    store_group_unit_t u;
    if (!store_group_unit(a, conn, unit, &u, &found, err))
      return;
    if (!found) {
      eh_err_set(err, EH_NOT_FOUND, "unit_code", "没有这个单位", "no such unit");
      return;
    }
    id = u.id;
    who = u.name;
  }
  store_group_candidate_t *c;
  size_t n;
  if (!store_group_resolve(a, conn, unit[0] != '\0', id, g.id, at, &c, &n, err))
    return;
  Ehall__Org__V1__ResolveApproversReply *out = arena_alloc(a, sizeof(*out));
  ehall__org__v1__resolve_approvers_reply__init(out);
  out->found = n > 0;
  out->candidates = arena_alloc(a, sizeof(*out->candidates) * (n + 1));
  for (size_t i = 0; i < n; i++)
    out->candidates[out->n_candidates++] = resolve__candidate(a, &c[i]);
  if (n == 0) {
    if (org__en(call))
      out->reason = arena_printf(a, "No %s found: neither %s%s nor any unit above is covered",
                                 g.name_en[0] ? g.name_en : g.name, who, cid[0] ? "'s units" : "");
    else
      out->reason = arena_printf(a, "未找到%s：%s%s及其上级均未设置", g.name, who,
                                 cid[0] ? "所在的组织" : "");
  }
  *resp = &out->base;
}

/* --- GetMyApprovers ------------------------------------------------------------------------- */

void org_get_my_approvers(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  arena_t *a = call->arena;
  (void)req;
  if (call->principal.actor != CALL_USER) {
    org_denied(err, "请先登录", "sign in first");
    return;
  }
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_group_t *groups;
  size_t n_groups;
  if (!store_group_list(a, conn, false, &groups, &n_groups, err))
    return;
  int64_t now = resolve__now_us();
  Ehall__Org__V1__GetMyApproversReply *out = arena_alloc(a, sizeof(*out));
  ehall__org__v1__get_my_approvers_reply__init(out);
  out->approvers = arena_alloc(a, sizeof(*out->approvers) * (n_groups + 1));
  for (size_t i = 0; i < n_groups; i++) {
    store_group_candidate_t *c;
    size_t n;
    if (!store_group_resolve(a, conn, false, call->principal.account_id, groups[i].id, now, &c, &n,
                             err))
      return;
    if (n == 0)
      continue;
    Ehall__Org__V1__MyApprover *m = arena_alloc(a, sizeof(*m));
    ehall__org__v1__my_approver__init(m);
    m->group_code = (char *)groups[i].code;
    m->group_name = (char *)groups[i].name;
    m->group_name_en = (char *)groups[i].name_en;
    m->names = arena_alloc(a, sizeof(*m->names) * n);
    m->acting_for = arena_alloc(a, sizeof(*m->acting_for) * n);
    for (size_t j = 0; j < n; j++) {
      m->names[j] = (char *)c[j].name;
      m->acting_for[j] = (char *)(c[j].delegation_id != 0 ? c[j].member_name : "");
    }
    m->n_names = m->n_acting_for = n;
    out->approvers[out->n_approvers++] = m;
  }
  *resp = &out->base;
}

/* --- ListMemberScopes ----------------------------------------------------------------------- */

static bool resolve__nobody(eh_err_t *err) {
  return eh_err_set(err, EH_NOT_FOUND, "campus_id", "没有这个人的服务范围",
                    "no scopes of this person to show");
}

void org_list_member_scopes(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__ListMemberScopesRequest *in =
      (const Ehall__Org__V1__ListMemberScopesRequest *)req;
  if (call->principal.actor != CALL_USER) {
    resolve__nobody(err);
    return;
  }
  const char *cid = in->campus_id ? in->campus_id : "";
  bool self = strcmp(cid, "me") == 0 ||
              (call->principal.campus_id && strcmp(cid, call->principal.campus_id) == 0);
  if (self)
    cid = call->principal.campus_id;
  if (cid == NULL || cid[0] == '\0' || strlen(cid) > 32) {
    resolve__nobody(err);
    return;
  }
  bool hall = call_has_role(call, CALL_ROLE_HALL_ADMIN);
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_group_t *groups = NULL;
  size_t n_groups = 0;
  if (!self && !hall && !store_group_list(a, conn, false, &groups, &n_groups, err))
    return;
  store_group_account_t acc;
  bool found = false;
  if (!store_group_account(a, conn, cid, &acc, &found, err))
    return;
  store_group_served_t *s = NULL;
  size_t n = 0;
  if (found && !store_group_served(a, conn, acc.id, &s, &n, err))
    return;
  /* A department admin sees only the groups he manages; someone who manages none sees nothing. */
  bool *is_managed = arena_alloc(a, sizeof(*is_managed) * (n_groups + 1));
  if (!org__groups_managed(call, conn, groups, n_groups, is_managed, err))
    return;
  const char **managed = arena_alloc(a, sizeof(*managed) * (n_groups + 1));
  size_t n_managed = 0;
  for (size_t i = 0; i < n_groups; i++)
    if (is_managed[i])
      managed[n_managed++] = groups[i].code;
  if (!found || (!self && !hall && n_managed == 0)) {
    resolve__nobody(err);
    return;
  }
  Ehall__Org__V1__ListMemberScopesReply *out = arena_alloc(a, sizeof(*out));
  ehall__org__v1__list_member_scopes_reply__init(out);
  out->campus_id = (char *)acc.campus_id;
  out->name = (char *)acc.name;
  out->groups = arena_alloc(a, sizeof(*out->groups) * (n + 1));
  Ehall__Org__V1__MemberScope *cur = NULL;
  for (size_t i = 0; i < n; i++) {
    bool visible = self || hall;
    for (size_t j = 0; j < n_managed && !visible; j++)
      visible = strcmp(managed[j], s[i].group.code) == 0;
    if (!visible)
      continue;
    if (cur == NULL || strcmp(cur->group->code, s[i].group.code) != 0) {
      cur = arena_alloc(a, sizeof(*cur));
      ehall__org__v1__member_scope__init(cur);
      /* The member himself does not get the counts of groups he may not manage. */
      cur->group = org__group_message(a, &s[i].group, !self || hall, !self || hall);
      cur->scopes = arena_alloc(a, sizeof(*cur->scopes) * (n + 1));
      out->groups[out->n_groups++] = cur;
    }
    cur->scopes[cur->n_scopes++] = org__scope_message(a, &s[i].scope);
  }
  *resp = &out->base;
}

bool org_approver_names(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                        const char *group_code, const char ***names, size_t *n, eh_err_t *err) {
  store_group_t g;
  bool found = false;
  *n = 0;
  *names = NULL;
  if (!store_group_get(a, conn, group_code, &g, &found, err))
    return false;
  if (!found)
    return true;
  store_group_candidate_t *c;
  size_t nc;
  if (!store_group_resolve(a, conn, false, account_id, g.id, resolve__now_us(), &c, &nc, err))
    return false;
  *names = arena_alloc(a, (nc ? nc : 1) * sizeof **names);
  for (size_t i = 0; i < nc; i++)
    (*names)[i] = c[i].name;
  *n = nc;
  return true;
}
