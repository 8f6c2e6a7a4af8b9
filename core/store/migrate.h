/*
 * migrate.h — forward-only numbered SQL migrations (migrations/NNNN_verb_noun.sql).
 *
 * Each file runs in its own transaction and is recorded with its SHA-256 in
 * schema_migrations; the whole run holds a transaction-level advisory lock so two replicas
 * cannot race (no session-level state, so it works through PgBouncer in transaction mode).
 */
#ifndef EHALL_STORE_MIGRATE_H
#define EHALL_STORE_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common/status.h"
#include "core/store/pg.h"

/* Applies every file in `dir` not yet applied, in number order. Fails (CONFLICT, naming the
 * file) if an applied file's checksum changed or an applied file is missing. *applied gets
 * how many files ran now. */
bool store_migrate_up(store_pg_pool_t *pool, const char *dir, int *applied, eh_err_t *err);

/* Checks without changing anything: CONFLICT if an applied file was edited or removed,
 * FAILED_PRECONDITION if some file is not applied yet. Used by the core at start. */
bool store_migrate_check(store_pg_pool_t *pool, const char *dir, eh_err_t *err);

/* The highest applied migration number (0 if none). */
bool store_migrate_version(store_pg_pool_t *pool, int64_t deadline_ms, int64_t *version,
                           eh_err_t *err);

#endif
