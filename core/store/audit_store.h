/*
 * audit_store.h — the append-only, hash-chained audit log (migrations/0005).
 *
 * Appenders are serialised by pg_advisory_xact_lock (transaction-scoped, so it works through
 * PgBouncer in transaction mode) plus the audit_head row; each row's hash is the SHA-256 hex
 * of its canonical text (store_audit_canonical), which starts with the previous row's hash.
 * Verification recomputes the very same text. Never logs a row's content.
 */
#ifndef EHALL_STORE_AUDIT_STORE_H
#define EHALL_STORE_AUDIT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"

typedef struct store_audit_entry {
  const char *actor;       /* required */
  const char *action;      /* required, e.g. "login.ok" */
  const char *target;      /* NULL: "" */
  const char *client_ip;   /* a plain IPv4/IPv6 address or NULL (stored as NULL) */
  const char *request_id;  /* NULL: "" */
  const char *detail_json; /* a JSON object's text or NULL ({}) */
} store_audit_entry_t;

/* Appends one row inside the caller's transaction: takes the append lock (held until the
 * caller's transaction ends), reads and advances audit_head. *id may be NULL. */
bool store_audit_append_tx(arena_t *a, store_pg_conn_t *conn, const store_audit_entry_t *e,
                           int64_t *id, eh_err_t *err);

/* The canonical text a row's hash covers (owned by a): "ehall-audit-v1\n", then for each of
 * prev_hash, id, at (UTC microseconds since the epoch), actor, action, target, client_ip
 * (PostgreSQL's inet text, "" for NULL), request_id, detail (jsonb's text), its byte length
 * in decimal, ':', the bytes and '\n'. Length prefixes make it unambiguous. */
const char *store_audit_canonical(arena_t *a, const char *prev_hash, int64_t id, int64_t at_us,
                                  const char *actor, const char *action, const char *target,
                                  const char *client_ip, const char *request_id,
                                  const char *detail);

typedef struct store_audit_report {
  int64_t rows;      /* rows checked */
  int64_t broken_id; /* 0: intact; else the first row at fault */
  char reason[256];  /* why (English, for the operator) */
} store_audit_report_t;

/* Walks every row in id order (in pages), recomputing each hash and checking the prev links,
 * id continuity (1, 2, 3 …) and the head. A broken chain is not an error: it is reported in
 * *out (broken_id ≠ 0); err is set only when the walk itself fails. */
bool store_audit_verify(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                        store_audit_report_t *out, eh_err_t *err);

#endif
