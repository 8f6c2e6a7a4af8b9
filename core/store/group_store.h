/*
 * group_store.h — the SQL of approver groups (migrations/0008): groups, their members' scopes
 * (group_scopes, history kept), approver resolution and dated delegations. Every function runs
 * on a borrowed connection (store_pg_acquire, or the one of a store_pg_tx); callers pass
 * validated values. Everything returned is owned by the arena `a`. Never logs a row.
 */
#ifndef EHALL_STORE_GROUP_STORE_H
#define EHALL_STORE_GROUP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"

typedef struct store_group_unit {
  int64_t id;
  const char *code, *name;
  int kind;
  bool open;
} store_group_unit_t;

typedef struct store_group {
  int64_t id;
  const char *code, *name, *name_en, *description;
  bool builtin;
  int64_t owner_id;
  const char *owner_code, *owner_name;
  int owner_kind;
  int member_count; /* current members */
} store_group_t;

typedef struct store_group_account {
  int64_t id;
  const char *campus_id, *name;
  int kind, status; /* accounts.kind, accounts.status (1 active) */
} store_group_account_t;

typedef struct store_group_scope {
  int64_t unit_id;
  const char *code, *name;
  int kind;
  int64_t since_us;
} store_group_scope_t;

typedef struct store_group_member {
  int64_t account_id;
  const char *campus_id, *name;
  store_group_scope_t *scopes; /* by unit code */
  size_t n_scopes;
} store_group_member_t;

/* One answer of resolution: who acts (the member, or his delegate at the end of a chain). */
typedef struct store_group_candidate {
  const char *campus_id, *name;
  const char *member_campus_id,
      *member_name;      /* the member served; same as above if no delegation */
  int64_t delegation_id; /* 0: the member himself */
  const char *scope_code, *scope_name;
  int scope_kind;
} store_group_candidate_t;

/* One scope a person serves, with its group (ListMemberScopes). */
typedef struct store_group_served {
  store_group_t group;
  store_group_scope_t scope;
} store_group_served_t;

/* --- groups ------------------------------------------------------------------------------ */

/* Every group, by code, with its owner, and its current member count when count_members (else
 * 0: counting scans every group's scopes). */
bool store_group_list(arena_t *a, store_pg_conn_t *conn, bool count_members, store_group_t **out,
                      size_t *n, eh_err_t *err);
/* One group by code, with its owner; member_count is 0 (not counted). */
bool store_group_get(arena_t *a, store_pg_conn_t *conn, const char *code, store_group_t *out,
                     bool *found, eh_err_t *err);
/* ALREADY_EXISTS when the code is taken. */
bool store_group_insert(arena_t *a, store_pg_conn_t *conn, const char *code, const char *name,
                        const char *name_en, const char *description, int64_t owner_id,
                        store_group_t *out, eh_err_t *err);

/* Ids of the groups account_id manages as a department admin (account_roles dept_admin of the
 * owner unit or of one of its ancestors, read now), in one statement. */
bool store_group_managed_ids(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int64_t **ids,
                             size_t *n, eh_err_t *err);

/* --- look-ups ---------------------------------------------------------------------------- */

bool store_group_unit(arena_t *a, store_pg_conn_t *conn, const char *code, store_group_unit_t *out,
                      bool *found, eh_err_t *err);
/* The units among codes that exist (open or closed). Codes hold no spaces (their format). */
bool store_group_units(arena_t *a, store_pg_conn_t *conn, const char *const *codes, size_t n,
                       store_group_unit_t **out, size_t *n_out, eh_err_t *err);
bool store_group_account(arena_t *a, store_pg_conn_t *conn, const char *campus_id,
                         store_group_account_t *out, bool *found, eh_err_t *err);
bool store_group_account_by_id(arena_t *a, store_pg_conn_t *conn, int64_t id,
                               store_group_account_t *out, bool *found, eh_err_t *err);
/* The accounts among campus_ids that exist. Campus ids hold no spaces (their format). */
bool store_group_accounts(arena_t *a, store_pg_conn_t *conn, const char *const *campus_ids,
                          size_t n, store_group_account_t **out, size_t *n_out, eh_err_t *err);

/* --- members ----------------------------------------------------------------------------- */

/* Serialises the changes of one group's members for the rest of the transaction. */
bool store_group_lock(arena_t *a, store_pg_conn_t *conn, int64_t group_id, eh_err_t *err);

/* Current members by campus id; query ("" for all) filters campus id or name (contains, case
 * insensitive); limit 0: all. *total counts every match. */
bool store_group_members(arena_t *a, store_pg_conn_t *conn, int64_t group_id, const char *query,
                         int64_t offset, int limit, store_group_member_t **out, size_t *n,
                         int *total, eh_err_t *err);
/* One member's current scopes (none: not a member). */
bool store_group_member_scopes(arena_t *a, store_pg_conn_t *conn, int64_t group_id,
                               int64_t account_id, store_group_scope_t **out, size_t *n,
                               eh_err_t *err);
/* Starts serving unit_id (nothing when already served). */
bool store_group_scope_add(arena_t *a, store_pg_conn_t *conn, int64_t group_id, int64_t account_id,
                           int64_t unit_id, eh_err_t *err);
/* Ends serving unit_id (0: every scope of the member); *ended counts the rows ended. */
bool store_group_scope_end(arena_t *a, store_pg_conn_t *conn, int64_t group_id, int64_t account_id,
                           int64_t unit_id, int *ended, eh_err_t *err);
/* *is true when account_id currently serves group_id (0: any group). */
bool store_group_is_member(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int64_t group_id,
                           bool *is, eh_err_t *err);
/* Every current scope account_id serves, by group code then unit code. */
bool store_group_served(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                        store_group_served_t **out, size_t *n, eh_err_t *err);

/* --- resolution -------------------------------------------------------------------------- */

/* Who is the group's approver at at_us (unix µs) for a person (by_unit false: id is the account
 * id) or for a unit (by_unit true: id is the unit id): SQL_GROUP_RESOLVE_PERSON /
 * SQL_GROUP_RESOLVE_UNIT in group_store.c, delegation applied. Ordered by the member's name
 * and campus id. */
bool store_group_resolve(arena_t *a, store_pg_conn_t *conn, bool by_unit, int64_t id,
                         int64_t group_id, int64_t at_us, store_group_candidate_t **out, size_t *n,
                         eh_err_t *err);

/* --- delegations ------------------------------------------------------------------------- */

typedef struct store_delegation {
  int64_t id;
  int64_t from_id, to_id;
  const char *from_campus_id, *from_name, *to_campus_id, *to_name;
  int64_t group_id;                    /* 0: all groups */
  const char *group_code, *group_name; /* "" for all groups */
  const char *start_date, *end_date;   /* YYYY-MM-DD */
  const char *reason;
  bool active, ended;
  int64_t create_us, end_us; /* end_us 0 when not ended */
} store_delegation_t;

/* Serialises delegation creation (cycle and overlap checks) for the rest of the transaction. */
bool store_delegation_lock(arena_t *a, store_pg_conn_t *conn, eh_err_t *err);
/* Today in Asia/Shanghai, YYYY-MM-DD. */
bool store_delegation_today(arena_t *a, store_pg_conn_t *conn, const char **today, eh_err_t *err);
/* Delegations not ended whose days overlap [start, end] and whose group is compatible with
 * group_id (0: all groups matches every group). */
bool store_delegation_overlapping(arena_t *a, store_pg_conn_t *conn, const char *start,
                                  const char *end, int64_t group_id, store_delegation_t **out,
                                  size_t *n, eh_err_t *err);
bool store_delegation_insert(arena_t *a, store_pg_conn_t *conn, int64_t from_id, int64_t to_id,
                             int64_t group_id, const char *start, const char *end,
                             const char *reason, int64_t created_by, int64_t *id, eh_err_t *err);
/* for_update locks the row. */
bool store_delegation_get(arena_t *a, store_pg_conn_t *conn, int64_t id, bool for_update,
                          store_delegation_t *out, bool *found, eh_err_t *err);
/* Given and received by account_id: current and future first (by start date), then past;
 * past and ended ones only with include_past. */
bool store_delegation_list(arena_t *a, store_pg_conn_t *conn, int64_t account_id, bool include_past,
                           store_delegation_t **out, size_t *n, eh_err_t *err);
/* Ends it now (nothing when already ended). */
bool store_delegation_end(arena_t *a, store_pg_conn_t *conn, int64_t id, eh_err_t *err);

#endif
