/*
 * groups_internal.h — what the approver-group files (groups.c, members.c, resolve.c,
 * delegations.c) share: loading a group with the caller's rights on it, and the Group / Scope
 * messages. Not for other areas.
 */
#ifndef EHALL_ORG_GROUPS_INTERNAL_H
#define EHALL_ORG_GROUPS_INTERNAL_H

#include <stdbool.h>

#include "core/common/call.h"
#include "core/org/org_internal.h"
#include "core/store/group_store.h"

/* Group codes: 1–64 of a–z 0–9 _ (approver_groups.code). */
bool org__group_code_ok(const char *code);

/* Loads the group named by code (NOT_FOUND, field "group", when unknown or malformed) and sets
 * *may_manage: a hall admin, or an admin of the owning unit or of an ancestor of it (read from
 * account_roles now). Borrows and returns a connection of its own. */
bool org__group_access(call_t *call, const char *code, store_group_t *g, bool *may_manage,
                       eh_err_t *err);

/* managed[i] for each of groups: whether the caller may manage it (hall admin: all; a user's
 * dept_admin units read now; apps and anonymous callers: none). One statement on conn, where
 * calling org_caller_admins_unit per group would borrow a connection each. */
bool org__groups_managed(call_t *call, store_pg_conn_t *conn, const store_group_t *groups, size_t n,
                         bool *managed, eh_err_t *err);

/* The Group message; member_count only when show_count. */
Ehall__Org__V1__Group *org__group_message(arena_t *a, const store_group_t *g, bool show_count,
                                          bool can_manage);
Ehall__Org__V1__Scope *org__scope_message(arena_t *a, const store_group_scope_t *s);

/* True when the caller reads English. */
bool org__en(const call_t *call);

#endif
