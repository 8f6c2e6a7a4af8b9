/*
 * system_store.h — the queries behind ehall.system.v1.System: the hall's settings and the
 * database clock. Callers see plain values; the SQL stays in system_store.c.
 */
#ifndef EHALL_STORE_SYSTEM_STORE_H
#define EHALL_STORE_SYSTEM_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"

typedef struct store_system_settings {
  const char *name;    /* hall.name, or NULL when the row is missing; owned by the arena */
  const char *name_en; /* hall.name_en, or NULL */
  int64_t now_unix_us; /* PostgreSQL's now(), microseconds since the epoch */
} store_system_settings_t;

/* One round trip: the hall's names and the database's clock. UNAVAILABLE when PostgreSQL cannot
 * be reached; everything honours deadline_ms. */
bool store_system_settings(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                           store_system_settings_t *out, eh_err_t *err);

#endif
