/*
 * account_store.h — the SQL behind accounts, their roles and credentials (migrations/0004).
 * Callers pass validated values; every statement is parameterised. Never logs a row.
 */
#ifndef EHALL_STORE_ACCOUNT_STORE_H
#define EHALL_STORE_ACCOUNT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"

/* Values of accounts.kind and accounts.status (= the proto enums' numbers). */
#define STORE_ACCOUNT_STUDENT 1
#define STORE_ACCOUNT_STAFF 2
#define STORE_ACCOUNT_ACTIVE 1
#define STORE_ACCOUNT_LOCKED 2
#define STORE_ACCOUNT_DISABLED 3
#define STORE_ACCOUNT_GRADUATED 4

typedef struct store_role {
  const char *name;     /* "student", "staff", "dept_admin", "hall_admin" */
  const char *org_unit; /* dept_admin: the unit; "" otherwise */
} store_role_t;

typedef struct store_account {
  int64_t id;
  const char *campus_id;
  const char *name;
  int kind;
  const char *org_unit;
  const char *email; /* "" when none */
  const char *phone;
  int status;
  const char *password_hash; /* password.h formats */
  bool must_change_password;
  const char *wechat_openid; /* "" when none; never leaves the core */
  int64_t create_unix_s;
  int64_t last_login_unix_s;      /* 0: never */
  int64_t password_change_unix_s; /* 0: never */
  const store_role_t *roles;
  size_t n_roles;
} store_account_t;

/* Lookups: false with NOT_FOUND when there is no such account (no field set: callers decide
 * what the user is told). Rows and strings owned by a. `conn` NULL borrows from the pool. */
bool store_account_by_campus_id(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                const char *campus_id, store_account_t *out, eh_err_t *err);
bool store_account_by_email(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                            const char *email, store_account_t *out, eh_err_t *err);
bool store_account_by_openid(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                             const char *openid, store_account_t *out, eh_err_t *err);
bool store_account_by_id(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int64_t id,
                         store_account_t *out, eh_err_t *err);
/* The same inside a transaction, locking the row (FOR UPDATE). */
bool store_account_lock_tx(arena_t *a, store_pg_conn_t *conn, int64_t id, store_account_t *out,
                           eh_err_t *err);

/* Updates inside a transaction. set_password also sets password_changed_at = now() and
 * must_change_password = must_change. */
bool store_account_set_password_tx(arena_t *a, store_pg_conn_t *conn, int64_t id,
                                   const char *password_hash, bool must_change, eh_err_t *err);
/* Only the hash (a legacy or weaker hash upgraded at login): nothing else changes. If the
 * stored hash is no longer old_hash (changed meanwhile) nothing is written and it succeeds. */
bool store_account_rehash_tx(arena_t *a, store_pg_conn_t *conn, int64_t id, const char *old_hash,
                             const char *new_hash, eh_err_t *err);
bool store_account_touch_login(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int64_t id,
                               eh_err_t *err);
/* email "" removes it; ALREADY_EXISTS (field "email") if another account has it. */
bool store_account_set_email_tx(arena_t *a, store_pg_conn_t *conn, int64_t id, const char *email,
                                eh_err_t *err);
/* openid "" unbinds; ALREADY_EXISTS if another account has it. */
bool store_account_set_openid_tx(arena_t *a, store_pg_conn_t *conn, int64_t id, const char *openid,
                                 eh_err_t *err);

/* One account as imported (core/identity/import.c validated it). */
typedef struct store_account_import {
  int line;
  const char *campus_id, *name, *org_unit, *email, *phone;
  int kind, status;
  const store_role_t *roles;
  size_t n_roles;
  const char *password_hash; /* a legacy hash, or our PBKDF2 of the initial password */
  const char *idcard_hmac;   /* hex HMAC of the ID-card number, or NULL */
  /* password_hash was made from the ID card (a fresh salt each import): the credentials then
   * count as unchanged while idcard_hmac is, so a re-import changes nothing. */
  bool password_from_idcard;
} store_account_import_t;

typedef struct store_import_counts {
  int created, updated, unchanged;
} store_import_counts_t;

/* Applies all rows in one transaction (all or nothing), keyed by campus id: new accounts are
 * created with must_change_password; existing ones get their profile fields and roles updated,
 * and their credentials only while they still have never changed the password. An empty email
 * keeps the account's bound one. Importing the same file twice changes nothing the second time.
 * A row that collides with another account (email, ID card) fails the whole import with
 * ALREADY_EXISTS naming the row's line and the field. */
/* then (optional) runs last in the same transaction with the counts, e.g. to write the audit
 * row: its failure undoes the import. */
typedef bool (*store_import_then_fn)(void *ud, arena_t *a, store_pg_conn_t *conn,
                                     const store_import_counts_t *counts, eh_err_t *err);
bool store_account_import(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                          const store_account_import_t *rows, size_t n, store_import_then_fn then,
                          void *then_ud, store_import_counts_t *counts, eh_err_t *err);
/* The same, rolled back at the end: the counts a real import would give now (dry run). */
bool store_account_import_preview(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                  const store_account_import_t *rows, size_t n,
                                  store_import_counts_t *counts, eh_err_t *err);

#endif
