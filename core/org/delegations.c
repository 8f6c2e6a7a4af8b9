/*
 * delegations.c — out-of-office delegation (ehall.org.v1.Delegations): a member hands his
 * approvals to another person for calendar days in Asia/Shanghai (both ends included), for one
 * group or all.
 *
 * Creation runs under a transaction-level advisory lock (store_delegation_lock): it loads the
 * delegations not ended whose days overlap and whose group is compatible, and the pure part
 * (delegation_rules.c) refuses an overlap with another of the same delegator and anything that
 * would close a cycle. Nothing expires by a job: resolution and `active` compare the dates with
 * today (or the time asked about). Access: a member delegates for himself (hall admins for
 * anyone); the delegator or a hall admin ends one; others get NOT_FOUND.
 */
#include <inttypes.h>
#include <string.h>

#include "core/common/csv.h"
#include "core/common/log.h"
#include "core/identity/audit.h"
#include "core/org/delegation_rules.h"
#include "core/org/groups_internal.h"
#include "core/org/org.h"

#define DELEGATION_REASON_MAX 200

static Ehall__Org__V1__Delegation *deleg__message(arena_t *a, const store_delegation_t *d) {
  Ehall__Org__V1__Delegation *m = arena_alloc(a, sizeof(*m));
  ehall__org__v1__delegation__init(m);
  m->id = d->id;
  m->from_campus_id = (char *)d->from_campus_id;
  m->from_name = (char *)d->from_name;
  m->to_campus_id = (char *)d->to_campus_id;
  m->to_name = (char *)d->to_name;
  m->group = (char *)d->group_code;
  m->group_name = (char *)d->group_name;
  m->start_date = (char *)d->start_date;
  m->end_date = (char *)d->end_date;
  m->reason = (char *)d->reason;
  m->active = d->active;
  m->ended = d->ended;
  m->create_time = org__ts(a, d->create_us);
  if (d->end_us != 0)
    m->end_time = org__ts(a, d->end_us);
  return m;
}

static bool deleg__signed_in(const call_t *call, eh_err_t *err) {
  if (call->principal.actor == CALL_USER)
    return true;
  return org_denied(err, "请以个人身份登录后操作", "sign in as a person first");
}

static size_t deleg__chars(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80)
      n++;
  return n;
}

/* --- CreateDelegation ----------------------------------------------------------------------- */

typedef struct deleg_create {
  call_t *call;
  const char *from_campus_id, *to_campus_id, *group, *start, *end, *reason;
  store_delegation_t out;
} deleg_create_t;

static bool deleg__edge(const store_delegation_t *d, delegation_edge_t *e) {
  e->id = d->id;
  e->from = d->from_id;
  e->to = d->to_id;
  e->group = d->group_id;
  e->from_name = d->from_name;
  e->to_name = d->to_name;
  return delegation_date_parse(d->start_date, &e->start) &&
         delegation_date_parse(d->end_date, &e->end);
}

static bool deleg__create_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  deleg_create_t *c = ud;
  if (!store_delegation_lock(a, conn, err))
    return false;
  const char *today_text;
  int32_t today, start, end;
  if (!store_delegation_today(a, conn, &today_text, err))
    return false;
  if (!delegation_date_parse(today_text, &today))
    return eh_err_set(err, EH_INTERNAL, NULL, "服务器日期异常", "the server's date is odd");
  if (!delegation_check_dates(c->start, c->end, today, &start, &end, err))
    return false;

  store_group_account_t from, to;
  bool found = false;
  if (!store_group_account(a, conn, c->from_campus_id, &from, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_NOT_FOUND, "from_campus_id", "没有这个学工号的账号",
                      "no account has this campus_id");
  if (!store_group_account(a, conn, c->to_campus_id, &to, &found, err))
    return false;
  if (!found || to.status != 1)
    return eh_err_set(err, EH_INVALID, "to_campus_id", "被委托人须为正常使用中的账号",
                      "the delegate must be an active account");
  if (to.id == from.id)
    return eh_err_set(err, EH_INVALID, "to_campus_id", "不能委托给自己",
                      "you cannot delegate to yourself");
  store_group_t g = {0};
  if (c->group[0] != '\0') {
    if (!org__group_code_ok(c->group) || !store_group_get(a, conn, c->group, &g, &found, err) ||
        !found)
      return err->code != EH_OK ? false
                                : eh_err_set(err, EH_NOT_FOUND, "group", "没有这个审批组",
                                             "no such approver group");
  }
  bool member = false;
  if (!store_group_is_member(a, conn, from.id, g.id, &member, err))
    return false;
  if (!member)
    return c->group[0] != '\0'
               ? eh_err_set(
                     err, EH_FAILED_PRECONDITION, "group", "委托人目前不是%s的成员，无需委托",
                     "the delegator is not currently a member of %s: nothing to delegate", g.name)
               : eh_err_set(err, EH_FAILED_PRECONDITION, NULL,
                            "委托人目前不是任何审批组的成员，无需委托",
                            "the delegator is not currently a member of any approver group");

  store_delegation_t *rows;
  size_t n;
  if (!store_delegation_overlapping(a, conn, delegation_date_format(a, start),
                                    delegation_date_format(a, end), g.id, &rows, &n, err))
    return false;
  delegation_edge_t *edges = arena_alloc(a, sizeof(*edges) * (n + 1));
  size_t ne = 0;
  for (size_t i = 0; i < n; i++)
    if (deleg__edge(&rows[i], &edges[ne]))
      ne++;
  delegation_edge_t add = {.from = from.id,
                           .to = to.id,
                           .group = g.id,
                           .start = start,
                           .end = end,
                           .from_name = from.name,
                           .to_name = to.name};
  int clash = delegation_find_overlap(edges, ne, &add);
  if (clash >= 0) {
    const char *s = delegation_date_format(a, edges[clash].start);
    const char *e = delegation_date_format(a, edges[clash].end);
    return eh_err_set(err, EH_CONFLICT, "start_date",
                      "与已有的委托（%s 至 %s）日期重叠：请先结束那一项或换个日期",
                      "overlaps an existing delegation (%s to %s): end that one first or pick "
                      "other dates",
                      s, e);
  }
  const char **names;
  size_t n_names;
  if (delegation_closes_cycle(a, edges, ne, &add, &names, &n_names))
    return eh_err_set(err, EH_CONFLICT, "to_campus_id", "会形成循环委托：%s",
                      "this would make a delegation cycle: %s",
                      delegation_cycle_text(a, names, n_names));

  int64_t id;
  if (!store_delegation_insert(a, conn, from.id, to.id, g.id, delegation_date_format(a, start),
                               delegation_date_format(a, end), c->reason,
                               c->call->principal.account_id, &id, err))
    return false;
  if (!store_delegation_get(a, conn, id, false, &c->out, &found, err))
    return false;
  return audit_append_tx(
      c->call, a, conn, AUDIT_ORG_DELEGATION_CREATE, arena_printf(a, "delegation:%" PRId64, id),
      arena_printf(a,
                   "{\"from\":\"%s\",\"to\":\"%s\",\"group\":\"%s\","
                   "\"start\":\"%s\",\"end\":\"%s\"}",
                   from.campus_id, to.campus_id, c->group, c->out.start_date, c->out.end_date),
      err);
}

static bool deleg__campus_id_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 32)
    return false;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
          ch == '_' || ch == '.' || ch == '-'))
      return false;
  }
  return true;
}

void org_create_delegation(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__CreateDelegationRequest *in =
      (const Ehall__Org__V1__CreateDelegationRequest *)req;
  if (!deleg__signed_in(call, err))
    return;
  deleg_create_t c = {.call = call,
                      .from_campus_id = in->from_campus_id ? in->from_campus_id : "",
                      .to_campus_id = in->to_campus_id ? in->to_campus_id : "",
                      .group = in->group ? in->group : "",
                      .start = in->start_date ? in->start_date : "",
                      .end = in->end_date ? in->end_date : "",
                      .reason = in->reason ? in->reason : ""};
  if (c.from_campus_id[0] == '\0')
    c.from_campus_id = call->principal.campus_id;
  if (strcmp(c.from_campus_id, call->principal.campus_id) != 0 &&
      !call_has_role(call, CALL_ROLE_HALL_ADMIN)) {
    org_denied(err, "只能为自己设置委托（大厅管理员除外）",
               "you may only delegate your own approvals (hall admins excepted)");
    return;
  }
  bool ok = true;
  if (!deleg__campus_id_ok(c.to_campus_id))
    ok = eh_err_set(err, EH_INVALID, "to_campus_id", "请填写被委托人的学工号",
                    "give the delegate's campus_id");
  if (!deleg__campus_id_ok(c.from_campus_id))
    ok = eh_err_set(err, EH_INVALID, "from_campus_id", "委托人的学工号格式不正确",
                    "from_campus_id is malformed");
  if (deleg__chars(c.reason) > DELEGATION_REASON_MAX || csv_has_control(c.reason))
    ok = eh_err_set(err, EH_INVALID, "reason", "事由最多 200 个字，且不能含控制字符",
                    "reason has at most 200 characters and no control characters");
  if (!ok)
    return;
  if (!store_pg_tx(a, call->pg, call->deadline_ms, deleg__create_tx, &c, err))
    return;
  LOG_INFO(ORG_MODULE, "delegation created id=%" PRId64, c.out.id);
  *resp = &deleg__message(a, &c.out)->base;
}

/* --- ListDelegations ------------------------------------------------------------------------ */

void org_list_delegations(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__ListDelegationsRequest *in =
      (const Ehall__Org__V1__ListDelegationsRequest *)req;
  if (!deleg__signed_in(call, err))
    return;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_delegation_t *d;
  size_t n;
  if (!store_delegation_list(a, conn, call->principal.account_id, in->include_past, &d, &n, err))
    return;
  Ehall__Org__V1__ListDelegationsReply *out = arena_alloc(a, sizeof(*out));
  ehall__org__v1__list_delegations_reply__init(out);
  out->given = arena_alloc(a, sizeof(*out->given) * (n + 1));
  out->received = arena_alloc(a, sizeof(*out->received) * (n + 1));
  for (size_t i = 0; i < n; i++) {
    if (d[i].from_id == call->principal.account_id)
      out->given[out->n_given++] = deleg__message(a, &d[i]);
    if (d[i].to_id == call->principal.account_id)
      out->received[out->n_received++] = deleg__message(a, &d[i]);
  }
  *resp = &out->base;
}

/* --- EndDelegation -------------------------------------------------------------------------- */

typedef struct deleg_end {
  call_t *call;
  int64_t id;
  store_delegation_t out;
} deleg_end_t;

static bool deleg__end_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  deleg_end_t *e = ud;
  bool found = false;
  if (!store_delegation_get(a, conn, e->id, true, &e->out, &found, err))
    return false;
  if (!found || (e->out.from_id != e->call->principal.account_id &&
                 !call_has_role(e->call, CALL_ROLE_HALL_ADMIN)))
    return eh_err_set(err, EH_NOT_FOUND, "id", "没有这项委托", "no such delegation");
  if (e->out.ended)
    return true;
  if (!store_delegation_end(a, conn, e->id, err) ||
      !store_delegation_get(a, conn, e->id, false, &e->out, &found, err))
    return false;
  return audit_append_tx(e->call, a, conn, AUDIT_ORG_DELEGATION_END,
                         arena_printf(a, "delegation:%" PRId64, e->id), NULL, err);
}

void org_end_delegation(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__EndDelegationRequest *in =
      (const Ehall__Org__V1__EndDelegationRequest *)req;
  if (!deleg__signed_in(call, err))
    return;
  if (in->id <= 0) {
    eh_err_set(err, EH_NOT_FOUND, "id", "没有这项委托", "no such delegation");
    return;
  }
  deleg_end_t e = {.call = call, .id = in->id};
  if (!store_pg_tx(a, call->pg, call->deadline_ms, deleg__end_tx, &e, err))
    return;
  LOG_INFO(ORG_MODULE, "delegation ended id=%" PRId64, e.id);
  *resp = &deleg__message(a, &e.out)->base;
}
