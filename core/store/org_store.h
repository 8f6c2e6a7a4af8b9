/*
 * org_store.h — the SQL of the org tree (migrations/0008): org units, people's units,
 * department admins' units, HR's import. Callers pass validated values; every statement is
 * parameterised. Never logs a row.
 *
 * Structure changes (create, move, close, import) take one transaction-level advisory lock
 * first (store_org_tree_lock_tx), so two of them never interleave and a move can never race
 * another move into a cycle. Returned strings are owned by the arena given.
 */
#ifndef EHALL_STORE_ORG_STORE_H
#define EHALL_STORE_ORG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"

/* *ok true when account_id holds dept_admin (account_roles) for unit_code or for one of its
 * ancestors. An unknown unit code answers *ok false. */
bool store_org_admins_unit(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                           int64_t account_id, const char *unit_code, bool *ok, eh_err_t *err);

/* ---- units ------------------------------------------------------------------------------- */

typedef struct store_org_ref {
  const char *code, *name;
  int kind;
} store_org_ref_t;

typedef struct store_org_unit {
  int64_t id, parent_id; /* parent_id 0 for a root */
  const char *code, *name, *name_en, *parent_code;
  int kind;
  int64_t closed_us;       /* 0 while open */
  int child_count;         /* open child units */
  int people_count;        /* current direct people */
  const int64_t *path_ids; /* root … the unit itself */
  size_t n_path_ids;
  store_org_ref_t *path; /* root … the parent (filled by store_org_units_paths) */
  size_t n_path;
} store_org_unit_t;

/* Holds the tree's advisory lock until the transaction ends. */
bool store_org_tree_lock_tx(arena_t *a, store_pg_conn_t *conn, eh_err_t *err);

/* One unit by code (*found false when there is none); lock: FOR UPDATE. Path not filled. */
bool store_org_unit_get(arena_t *a, store_pg_conn_t *conn, const char *code, bool lock,
                        store_org_unit_t *out, bool *found, eh_err_t *err);

/* Units under parent_code ("" the roots), or with query non-empty every unit whose name or
 * code contains it (case-insensitive, no pattern characters). Ordered by kind, code. */
bool store_org_unit_list(arena_t *a, store_pg_conn_t *conn, const char *parent_code,
                         const char *query, bool include_closed, int64_t offset, int limit,
                         store_org_unit_t **out, size_t *n, eh_err_t *err);

/* Fills path/n_path of each unit (one query for all). */
bool store_org_units_paths(arena_t *a, store_pg_conn_t *conn, store_org_unit_t *units, size_t n,
                           eh_err_t *err);

/* Inserts units (each parent_codes[i] "" for a root, else an existing unit: insert parents in
 * an earlier call), with their paths. */
bool store_org_units_insert_tx(arena_t *a, store_pg_conn_t *conn, const char *const *codes,
                               const char *const *names, const char *const *names_en,
                               const int *kinds, const char *const *parent_codes, size_t n,
                               eh_err_t *err);

/* Sets name and name_en of the units named. */
bool store_org_units_rename_tx(arena_t *a, store_pg_conn_t *conn, const char *const *codes,
                               const char *const *names, const char *const *names_en, size_t n,
                               eh_err_t *err);

/* Moves one unit under new_parent_id, rewriting its path and every descendant's. */
bool store_org_unit_move_tx(arena_t *a, store_pg_conn_t *conn, int64_t id, int64_t new_parent_id,
                            eh_err_t *err);

/* Sets the parents of many units, then rebuilds every path of the tree from the roots (the
 * caller guarantees the result is a tree). */
bool store_org_units_reparent_tx(arena_t *a, store_pg_conn_t *conn, const char *const *codes,
                                 const char *const *parent_codes, size_t n, eh_err_t *err);

/* Closes (closed = true) or reopens the units named. */
bool store_org_units_set_closed_tx(arena_t *a, store_pg_conn_t *conn, const char *const *codes,
                                   size_t n, bool closed, eh_err_t *err);

/* Ends every current membership of unit from_id and starts one in to_id (same title) for each
 * of those people, in this transaction; accounts whose org_unit was from_code get to_code.
 * *moved: how many people. */
bool store_org_unit_move_people_tx(arena_t *a, store_pg_conn_t *conn, int64_t from_id,
                                   const char *from_code, int64_t to_id, const char *to_code,
                                   int *moved, eh_err_t *err);

/* ---- people ------------------------------------------------------------------------------ */

typedef struct store_org_account {
  int64_t id;
  const char *campus_id, *name, *org_unit;
  int kind, status; /* STORE_ACCOUNT_* numbers (1 student / 2 staff; 1 active …) */
} store_org_account_t;

bool store_org_account_get(arena_t *a, store_pg_conn_t *conn, const char *campus_id,
                           store_org_account_t *out, bool *found, eh_err_t *err);

typedef struct store_org_person_unit {
  store_org_ref_t unit;
  const char *title;
  int64_t since_us;
} store_org_person_unit_t;

/* The account's current units, its accounts.org_unit first, then in the order they began. */
bool store_org_person_units(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                            store_org_person_unit_t **out, size_t *n, eh_err_t *err);

/* For the people campus_ids[0..n_ids): ends every current membership not among the rows
 * (row_ids[i], row_units[i], row_titles[i]) (same unit and title), and starts the rows not
 * current yet. Unit codes must exist. */
bool store_org_people_set_tx(arena_t *a, store_pg_conn_t *conn, const char *const *campus_ids,
                             size_t n_ids, const char *const *row_ids, const char *const *row_units,
                             const char *const *row_titles, size_t n_rows, eh_err_t *err);

/* accounts.org_unit = units[i] for campus_ids[i] where it differs. */
bool store_org_accounts_unit_tx(arena_t *a, store_pg_conn_t *conn, const char *const *campus_ids,
                                const char *const *units, size_t n, eh_err_t *err);

/* ---- department admins ------------------------------------------------------------------- */

typedef struct store_org_admin {
  const char *campus_id, *name;
} store_org_admin_t;

bool store_org_unit_admins(arena_t *a, store_pg_conn_t *conn, const char *unit_code,
                           store_org_admin_t **out, size_t *n, eh_err_t *err);
/* *changed false when the row was already there (add) or absent (remove). */
bool store_org_admin_add_tx(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                            const char *unit_code, bool *changed, eh_err_t *err);
bool store_org_admin_remove_tx(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                               const char *unit_code, bool *changed, eh_err_t *err);

/* ---- HR's import ------------------------------------------------------------------------- */

typedef struct store_org_tree_unit {
  const char *code, *name, *name_en, *parent_code;
  int kind;
  bool closed;
} store_org_tree_unit_t;

typedef struct store_org_membership {
  const char *campus_id, *unit_code, *title;
} store_org_membership_t;

/* Every unit (closed too) and every current membership, in two queries. */
bool store_org_tree_load(arena_t *a, store_pg_conn_t *conn, store_org_tree_unit_t **units,
                         size_t *n_units, store_org_membership_t **members, size_t *n_members,
                         eh_err_t *err);

/* The accounts among campus_ids that exist (campus id and name). */
bool store_org_accounts_named(arena_t *a, store_pg_conn_t *conn, const char *const *campus_ids,
                              size_t n, store_org_admin_t **out, size_t *n_out, eh_err_t *err);

#endif
