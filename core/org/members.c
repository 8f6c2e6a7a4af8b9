/*
 * members.c — a group's members and their scopes: ListMembers, AddMember, SetMemberScopes,
 * RemoveMember, ImportMembers, ExportMembers, and org__members_import (the RPC's and
 * `ehall-core import members`' common body).
 *
 * A membership is the set of current group_scopes rows of (group, person): ending one sets
 * valid_to, so the history stays answerable. Every change takes the group's advisory lock, so
 * concurrent changes of one group's members serialise, and writes its audit row in the same
 * transaction. Access (groups.c's header): the member list answers NOT_FOUND, changes
 * PERMISSION_DENIED, to whoever may not manage the group. Never logs names.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/common/log.h"
#include "core/common/text.h"
#include "core/identity/audit.h"
#include "core/org/groups_internal.h"
#include "core/org/members_import_rules.h"
#include "core/org/org.h"

#define MEMBERS_PAGE_DEFAULT 100
#define MEMBERS_PAGE_MAX 500
#define MEMBERS_QUERY_MAX 64

static Ehall__Org__V1__Member *members__message(arena_t *a, const char *campus_id, const char *name,
                                                const store_group_scope_t *s, size_t n) {
  Ehall__Org__V1__Member *m = arena_alloc(a, sizeof(*m));
  ehall__org__v1__member__init(m);
  m->campus_id = (char *)campus_id;
  m->name = (char *)name;
  m->scopes = arena_alloc(a, sizeof(*m->scopes) * (n + 1));
  for (size_t i = 0; i < n; i++)
    m->scopes[m->n_scopes++] = org__scope_message(a, &s[i]);
  return m;
}

static bool members__denied(eh_err_t *err) {
  return org_denied(err, "只有该审批组负责部门（或其上级单位）的管理员和大厅管理员可以修改成员",
                    "only admins of the group's owner unit (or a unit above it) and hall admins "
                    "may change its members");
}

/* The group for a change of its members: loaded, and the caller may manage it. */
static bool members__for_change(call_t *call, const char *code, store_group_t *g, eh_err_t *err) {
  bool manage = false;
  if (!org__group_access(call, code, g, &manage, err))
    return false;
  return manage || members__denied(err);
}

/* The group for reading its members: NOT_FOUND unless the caller may manage it. */
static bool members__for_read(call_t *call, const char *code, store_group_t *g, eh_err_t *err) {
  bool manage = false;
  if (!org__group_access(call, code, g, &manage, err))
    return false;
  return manage ||
         eh_err_set(err, EH_NOT_FOUND, "group", "没有这个审批组", "no such approver group");
}

/* Checks and normalises a request's scope codes (sorted, no duplicates): 1–200 well-formed
 * codes. */
static bool members__scopes_arg(arena_t *a, char **in, size_t n, const char ***out, size_t *n_out,
                                eh_err_t *err) {
  if (n == 0)
    return eh_err_set(err, EH_INVALID, "scopes", "请至少填写一个服务范围（单位代码）",
                      "give at least one scope (unit code)");
  if (n > MEMBERS_MAX_SCOPES)
    return eh_err_set(err, EH_INVALID, "scopes", "服务范围最多 200 个单位",
                      "at most 200 scope units");
  const char **v = arena_alloc(a, sizeof(*v) * n);
  for (size_t i = 0; i < n; i++) {
    if (in[i] == NULL || in[i][0] == '\0' || strlen(in[i]) > 64)
      return eh_err_set(err, EH_INVALID, "scopes", "服务范围中有格式不正确的单位代码",
                        "scopes has a malformed unit code");
    for (const char *p = in[i]; *p; p++)
      if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '_' || *p == '.' || *p == '-'))
        return eh_err_set(err, EH_INVALID, "scopes", "服务范围中有格式不正确的单位代码",
                          "scopes has a malformed unit code");
    v[i] = in[i];
  }
  *out = v;
  *n_out = members_sort_unique(v, n);
  return true;
}

/* Looks up the scope units: every one must exist and be open (INVALID naming the code; unit
 * codes are not personal data). */
static bool members__units(arena_t *a, store_pg_conn_t *conn, const char *const *codes, size_t n,
                           store_group_unit_t **units, eh_err_t *err) {
  store_group_unit_t *found;
  size_t nf;
  if (!store_group_units(a, conn, codes, n, &found, &nf, err))
    return false;
  store_group_unit_t *v = arena_alloc(a, sizeof(*v) * (n + 1));
  for (size_t i = 0; i < n; i++) {
    const store_group_unit_t *u = NULL;
    for (size_t j = 0; j < nf && u == NULL; j++)
      if (strcmp(found[j].code, codes[i]) == 0)
        u = &found[j];
    if (u == NULL || !u->open)
      return eh_err_set(err, EH_INVALID, "scopes", "单位 %s 不存在或已撤销",
                        "unit %s does not exist or is closed", codes[i]);
    v[i] = *u;
  }
  *units = v;
  return true;
}

static const char *members__json_codes(arena_t *a, const char *const *v, size_t n) {
  /* Unit codes: [A-Za-z0-9_.-], nothing to escape. */
  size_t len = 3;
  for (size_t i = 0; i < n; i++)
    len += strlen(v[i]) + 3;
  char *s = arena_alloc(a, len), *p = s;
  *p++ = '[';
  for (size_t i = 0; i < n; i++) {
    if (i)
      *p++ = ',';
    *p++ = '"';
    size_t l = strlen(v[i]);
    memcpy(p, v[i], l);
    p += l;
    *p++ = '"';
  }
  *p++ = ']';
  *p = '\0';
  return s;
}

/* --- ListMembers ---------------------------------------------------------------------------- */

void org_list_members(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__ListMembersRequest *in = (const Ehall__Org__V1__ListMembersRequest *)req;
  store_group_t g;
  if (!members__for_read(call, in->group, &g, err))
    return;
  int size;
  int64_t offset;
  if (!org__page_size(in->page_size, MEMBERS_PAGE_DEFAULT, MEMBERS_PAGE_MAX, &size, err) ||
      !org__page_token_parse(in->page_token, 'm', &offset, err))
    return;
  const char *query = in->query ? in->query : "";
  if (strlen(query) > MEMBERS_QUERY_MAX * 4) {
    eh_err_set(err, EH_INVALID, "query", "搜索词最多 64 个字", "query has at most 64 characters");
    return;
  }
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_group_member_t *m;
  size_t n;
  int total = 0;
  if (!store_group_members(a, conn, g.id, query, offset, size + 1, &m, &n, &total, err))
    return;
  Ehall__Org__V1__ListMembersReply *out = arena_alloc(a, sizeof(*out));
  ehall__org__v1__list_members_reply__init(out);
  size_t shown = n > (size_t)size ? (size_t)size : n;
  out->members = arena_alloc(a, sizeof(*out->members) * (shown + 1));
  for (size_t i = 0; i < shown; i++)
    out->members[out->n_members++] =
        members__message(a, m[i].campus_id, m[i].name, m[i].scopes, m[i].n_scopes);
  if (n > shown)
    out->next_page_token = (char *)org__page_token(a, 'm', offset + (int64_t)shown);
  out->total = total;
  *resp = &out->base;
}

/* --- AddMember / SetMemberScopes / RemoveMember --------------------------------------------- */

typedef enum { MEMBERS_OP_ADD, MEMBERS_OP_SET, MEMBERS_OP_REMOVE } members_op_t;

typedef struct members_change_tx {
  call_t *call;
  members_op_t op;
  const store_group_t *g;
  const char *campus_id;
  const char **codes;
  size_t n_codes;
  store_group_account_t acc;
  store_group_scope_t *after;
  size_t n_after;
} members_change_tx_t;

static bool members__change_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  members_change_tx_t *c = ud;
  if (!store_group_lock(a, conn, c->g->id, err))
    return false;
  bool found = false;
  if (!store_group_account(a, conn, c->campus_id, &c->acc, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_NOT_FOUND, "campus_id", "没有这个学工号的账号",
                      "no account has this campus_id");
  store_group_scope_t *before;
  size_t n_before;
  if (!store_group_member_scopes(a, conn, c->g->id, c->acc.id, &before, &n_before, err))
    return false;
  if (c->op != MEMBERS_OP_ADD && n_before == 0)
    return eh_err_set(err, EH_NOT_FOUND, "campus_id", "此人不是该审批组的成员",
                      "this person is not a member of the group");
  store_group_unit_t *units = NULL;
  if (c->op != MEMBERS_OP_REMOVE && !members__units(a, conn, c->codes, c->n_codes, &units, err))
    return false;

  const char **added = arena_alloc(a, sizeof(*added) * (c->n_codes + 1));
  const char **removed = arena_alloc(a, sizeof(*removed) * (n_before + 1));
  size_t n_added = 0, n_removed = 0;
  for (size_t i = 0; i < c->n_codes && c->op != MEMBERS_OP_REMOVE; i++) {
    bool had = false;
    for (size_t j = 0; j < n_before && !had; j++)
      had = before[j].unit_id == units[i].id;
    if (!had)
      added[n_added++] = units[i].code;
  }
  if (c->op == MEMBERS_OP_ADD && n_before + n_added > MEMBERS_MAX_SCOPES)
    return eh_err_set(err, EH_INVALID, "scopes", "每位成员最多服务 200 个单位",
                      "a member serves at most 200 units");
  for (size_t j = 0; j < n_before && c->op != MEMBERS_OP_ADD; j++) {
    bool keep = false;
    for (size_t i = 0; i < c->n_codes && !keep && c->op == MEMBERS_OP_SET; i++)
      keep = before[j].unit_id == units[i].id;
    if (!keep) {
      removed[n_removed++] = before[j].code;
      if (!store_group_scope_end(a, conn, c->g->id, c->acc.id, before[j].unit_id, NULL, err))
        return false;
    }
  }
  for (size_t i = 0; i < c->n_codes && c->op != MEMBERS_OP_REMOVE; i++)
    if (!store_group_scope_add(a, conn, c->g->id, c->acc.id, units[i].id, err))
      return false;
  if (!store_group_member_scopes(a, conn, c->g->id, c->acc.id, &c->after, &c->n_after, err))
    return false;
  if (n_added == 0 && n_removed == 0)
    return true; /* nothing changed: nothing to audit */
  static const char *const action[] = {AUDIT_ORG_MEMBER_ADD, AUDIT_ORG_MEMBER_SCOPES,
                                       AUDIT_ORG_MEMBER_REMOVE};
  return audit_append_tx(c->call, a, conn, action[c->op],
                         arena_printf(a, "group:%s/member:%s", c->g->code, c->acc.campus_id),
                         arena_printf(a, "{\"added\":%s,\"removed\":%s}",
                                      members__json_codes(a, added, n_added),
                                      members__json_codes(a, removed, n_removed)),
                         err);
}

static void members__change(call_t *call, members_op_t op, const char *group, const char *campus_id,
                            char **scopes, size_t n_scopes, ProtobufCMessage **resp,
                            eh_err_t *err) {
  arena_t *a = call->arena;
  store_group_t g;
  if (!members__for_change(call, group, &g, err))
    return;
  members_change_tx_t c = {.call = call, .op = op, .g = &g, .campus_id = campus_id};
  if (!text_is_code(campus_id, 32)) {
    eh_err_set(err, EH_INVALID, "campus_id", "请填写正确的学工号", "give a valid campus_id");
    return;
  }
  if (op != MEMBERS_OP_REMOVE &&
      !members__scopes_arg(a, scopes, n_scopes, &c.codes, &c.n_codes, err))
    return;
  if (!store_pg_tx(a, call->pg, call->deadline_ms, members__change_tx, &c, err))
    return;
  LOG_INFO(ORG_MODULE, "group members changed group=%s op=%d scopes=%zu", g.code, (int)op,
           c.n_after);
  if (op == MEMBERS_OP_REMOVE) {
    Ehall__Org__V1__RemoveMemberReply *out = arena_alloc(a, sizeof(*out));
    ehall__org__v1__remove_member_reply__init(out);
    *resp = &out->base;
    return;
  }
  *resp = &members__message(a, c.acc.campus_id, c.acc.name, c.after, c.n_after)->base;
}

void org_add_member(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err) {
  const Ehall__Org__V1__AddMemberRequest *in = (const Ehall__Org__V1__AddMemberRequest *)req;
  members__change(call, MEMBERS_OP_ADD, in->group, in->campus_id, in->scopes, in->n_scopes, resp,
                  err);
}

void org_set_member_scopes(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  const Ehall__Org__V1__SetMemberScopesRequest *in =
      (const Ehall__Org__V1__SetMemberScopesRequest *)req;
  members__change(call, MEMBERS_OP_SET, in->group, in->campus_id, in->scopes, in->n_scopes, resp,
                  err);
}

void org_remove_member(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                       eh_err_t *err) {
  const Ehall__Org__V1__RemoveMemberRequest *in = (const Ehall__Org__V1__RemoveMemberRequest *)req;
  members__change(call, MEMBERS_OP_REMOVE, in->group, in->campus_id, NULL, 0, resp, err);
}

/* --- import --------------------------------------------------------------------------------- */

typedef struct members_import_tx {
  call_t *call;
  const char *group;
  members_file_t *file;
  bool apply;
  const char *expected_digest;
  /* out */
  members_diff_t diff;
  const char *digest;
  bool applied;
} members_import_tx_t;

/* Current members as the rules' entries (scopes sorted by strcmp). */
static members_entry_t *members__entries(arena_t *a, const store_group_member_t *m, size_t n) {
  members_entry_t *v = arena_alloc(a, sizeof(*v) * (n + 1));
  for (size_t i = 0; i < n; i++) {
    v[i].campus_id = m[i].campus_id;
    v[i].name = m[i].name;
    const char **sc = arena_alloc(a, sizeof(*sc) * (m[i].n_scopes + 1));
    for (size_t j = 0; j < m[i].n_scopes; j++)
      sc[j] = m[i].scopes[j].code;
    v[i].scopes = sc;
    v[i].n_scopes = members_sort_unique(sc, m[i].n_scopes);
  }
  return v;
}

static int64_t members__account_id(const store_group_account_t *v, size_t n, const char *cid) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i].campus_id, cid) == 0)
      return v[i].id;
  return 0;
}

static int64_t members__unit_id(const store_group_unit_t *v, size_t n, const char *code) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i].code, code) == 0)
      return v[i].id;
  return 0;
}

static bool members__in(const char *const *v, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], s) == 0)
      return true;
  return false;
}

static bool members__import_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  members_import_tx_t *t = ud;
  store_group_t g;
  bool found = false;
  if (!store_group_get(a, conn, t->group, &g, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_NOT_FOUND, "group", "没有这个审批组", "no such approver group");
  if (t->apply && !store_group_lock(a, conn, g.id, err))
    return false;
  const char **ids, **codes;
  size_t n_ids, n_codes;
  members_keys(a, t->file, &ids, &n_ids, &codes, &n_codes);
  store_group_account_t *accs = NULL;
  store_group_unit_t *units = NULL;
  size_t n_accs = 0, n_units = 0;
  if (n_ids > 0 && !store_group_accounts(a, conn, ids, n_ids, &accs, &n_accs, err))
    return false;
  if (n_codes > 0 && !store_group_units(a, conn, codes, n_codes, &units, &n_units, err))
    return false;
  store_group_member_t *cur;
  size_t n_cur;
  int total;
  if (!store_group_members(a, conn, g.id, "", 0, 0, &cur, &n_cur, &total, err))
    return false;
  members_account_t *ma = arena_alloc(a, sizeof(*ma) * (n_accs + 1));
  for (size_t i = 0; i < n_accs; i++)
    ma[i] = (members_account_t){.campus_id = accs[i].campus_id, .name = accs[i].name};
  members_unit_t *mu = arena_alloc(a, sizeof(*mu) * (n_units + 1));
  for (size_t i = 0; i < n_units; i++)
    mu[i] = (members_unit_t){.code = units[i].code, .open = units[i].open};
  members_diff(a, t->file, g.code, ma, n_accs, mu, n_units, members__entries(a, cur, n_cur), n_cur,
               &t->diff);
  t->digest = org__digest(a, t->diff.canonical, t->diff.canonical_len);
  if (!t->apply || t->file->csv.n_errors > 0)
    return true; /* nothing written */
  if (t->expected_digest != NULL && t->expected_digest[0] != '\0' &&
      strcmp(t->expected_digest, t->digest) != 0)
    return eh_err_set(err, EH_CONFLICT, "expected_digest",
                      "成员名单在预览后已被修改，请重新预览后再导入",
                      "the members changed since the preview: preview again, then import");
  int added = 0, removed = 0, changed = 0;
  for (size_t i = 0; i < t->diff.n_changes; i++) {
    const members_change_t *ch = &t->diff.changes[i];
    int64_t acc = members__account_id(accs, n_accs, ch->campus_id);
    if (acc == 0) /* a removed member is not in the file: his id comes from the members */
      for (size_t j = 0; j < n_cur && acc == 0; j++)
        if (strcmp(cur[j].campus_id, ch->campus_id) == 0)
          acc = cur[j].account_id;
    for (size_t j = 0; j < ch->n_old; j++)
      if (!members__in(ch->new_scopes, ch->n_new, ch->old_scopes[j])) {
        int64_t unit = 0;
        for (size_t k = 0; k < n_cur && unit == 0; k++)
          for (size_t s = 0; s < cur[k].n_scopes && unit == 0; s++)
            if (cur[k].account_id == acc && strcmp(cur[k].scopes[s].code, ch->old_scopes[j]) == 0)
              unit = cur[k].scopes[s].unit_id;
        if (!store_group_scope_end(a, conn, g.id, acc, unit, NULL, err))
          return false;
      }
    for (size_t j = 0; j < ch->n_new; j++)
      if (!members__in(ch->old_scopes, ch->n_old, ch->new_scopes[j]) &&
          !store_group_scope_add(a, conn, g.id, acc,
                                 members__unit_id(units, n_units, ch->new_scopes[j]), err))
        return false;
    added += ch->kind == MEMBERS_ADDED;
    removed += ch->kind == MEMBERS_REMOVED;
    changed += ch->kind == MEMBERS_SCOPES_CHANGED;
  }
  t->applied = true;
  return audit_append_tx(t->call, a, conn, AUDIT_ORG_MEMBERS_IMPORT,
                         arena_printf(a, "group:%s", g.code),
                         arena_printf(a,
                                      "{\"added\":%d,\"removed\":%d,\"scopes_changed\":%d,"
                                      "\"unchanged\":%d,\"digest\":\"%s\"}",
                                      added, removed, changed, t->diff.unchanged, t->digest),
                         err);
}

static char **members__strv(arena_t *a, const char *const *v, size_t n) {
  char **o = arena_alloc(a, sizeof(*o) * (n + 1));
  for (size_t i = 0; i < n; i++)
    o[i] = (char *)v[i];
  return o;
}

bool org__members_import(call_t *call, const char *group, const uint8_t *csv, size_t len,
                         bool apply, const char *expected_digest,
                         Ehall__Org__V1__MembersImportReport **out, eh_err_t *err) {
  arena_t *a = call->arena;
  Ehall__Org__V1__MembersImportReport *r = arena_alloc(a, sizeof(*r));
  ehall__org__v1__members_import_report__init(r);
  *out = r;
  if (!org__group_code_ok(group))
    return eh_err_set(err, EH_NOT_FOUND, "group", "没有这个审批组", "no such approver group");
  members_file_t *f = arena_alloc(a, sizeof(*f));
  bool readable =
      members_parse(a, (const char *)csv, len, ORG_MEMBERS_MAX_BYTES, ORG_MEMBERS_MAX_ROWS, f);
  r->encoding = (char *)(f->csv.encoding ? f->csv.encoding : "");
  r->rows = (int32_t)f->csv.n_records;
  members_import_tx_t t = {
      .call = call, .group = group, .file = f, .apply = apply, .expected_digest = expected_digest};
  if (readable && !store_pg_tx(a, call->pg, call->deadline_ms, members__import_tx, &t, err))
    return false;
  if (f->csv.n_errors > 0) {
    org__row_errors(a, call, csv_errors_sorted(&f->csv), f->csv.n_errors, &r->errors, &r->n_errors);
    LOG_INFO(ORG_MODULE, "members import refused group=%s errors=%zu", group, f->csv.n_errors);
    return true;
  }
  r->changes = arena_alloc(a, sizeof(*r->changes) * (t.diff.n_changes + 1));
  for (size_t i = 0; i < t.diff.n_changes; i++) {
    const members_change_t *ch = &t.diff.changes[i];
    Ehall__Org__V1__MemberChange *m = arena_alloc(a, sizeof(*m));
    ehall__org__v1__member_change__init(m);
    m->change = (Ehall__Org__V1__MemberChange__Change)ch->kind;
    m->campus_id = (char *)ch->campus_id;
    m->name = (char *)ch->name;
    m->old_scopes = members__strv(a, ch->old_scopes, ch->n_old);
    m->n_old_scopes = ch->n_old;
    m->new_scopes = members__strv(a, ch->new_scopes, ch->n_new);
    m->n_new_scopes = ch->n_new;
    r->changes[r->n_changes++] = m;
  }
  r->unchanged = t.diff.unchanged;
  r->diff_digest = (char *)t.digest;
  r->applied = t.applied;
  if (t.applied)
    LOG_INFO(ORG_MODULE, "members imported group=%s changes=%zu unchanged=%d", group,
             t.diff.n_changes, t.diff.unchanged);
  return true;
}

void org_import_members(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err) {
  const Ehall__Org__V1__ImportMembersRequest *in =
      (const Ehall__Org__V1__ImportMembersRequest *)req;
  store_group_t g;
  if (!members__for_change(call, in->group, &g, err))
    return;
  if (in->csv.len > ORG_MEMBERS_MAX_BYTES) {
    eh_err_set(err, EH_RESOURCE_EXHAUSTED, "csv", "文件超过 2 MiB", "the file is over 2 MiB");
    return;
  }
  Ehall__Org__V1__MembersImportReport *r;
  if (!org__members_import(call, g.code, in->csv.data, in->csv.len, in->apply, in->expected_digest,
                           &r, err))
    return;
  *resp = &r->base;
}

/* --- ExportMembers -------------------------------------------------------------------------- */

void org_export_members(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__ExportMembersRequest *in =
      (const Ehall__Org__V1__ExportMembersRequest *)req;
  store_group_t g;
  if (!members__for_read(call, in->group, &g, err))
    return;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_group_member_t *m;
  size_t n;
  int total;
  if (!store_group_members(a, conn, g.id, "", 0, 0, &m, &n, &total, err))
    return;
  size_t len = 0;
  const char *text = members_export_csv(a, members__entries(a, m, n), n, &len);
  /* The file's date is today in Asia/Shanghai (UTC+8, no daylight saving). */
  time_t now = time(NULL) + 8 * 3600;
  struct tm tm;
  gmtime_r(&now, &tm);
  Ehall__Org__V1__ExportMembersReply *out = arena_alloc(a, sizeof(*out));
  ehall__org__v1__export_members_reply__init(out);
  out->filename = arena_printf(a, "%s-members-%04d%02d%02d.csv", g.code, tm.tm_year + 1900,
                               tm.tm_mon + 1, tm.tm_mday);
  out->csv.data = (uint8_t *)text;
  out->csv.len = len;
  *resp = &out->base;
}
