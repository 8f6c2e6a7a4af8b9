/*
 * org_store.h — the SQL of the org tree (migrations/0008): org units, people's units,
 * department admins' units, HR's import. Callers pass validated values; every statement is
 * parameterised. Never logs a row.
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

#endif
