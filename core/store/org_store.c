/*
 * org_store.c — SQL of the org tree (migrations/0008): units, people's units, department
 * admins, HR's import. Every statement is parameterised; callers pass validated values. Never
 * logs a row.
 */
#include "core/store/org_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The unit's path holds every ancestor's id and its own. */
static const char SQL_ORG_ADMINS_UNIT[] =
    "SELECT EXISTS (SELECT 1 FROM account_roles r JOIN org_units u ON u.code = r.org_unit"
    " WHERE r.account_id = $1::bigint AND r.role = 'dept_admin'"
    " AND u.id = ANY ((SELECT t.path FROM org_units t WHERE t.code = $2)::bigint[]))";

bool store_org_admins_unit(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                           int64_t account_id, const char *unit_code, bool *ok, eh_err_t *err) {
  *ok = false;
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  char idbuf[24];
  snprintf(idbuf, sizeof(idbuf), "%" PRId64, account_id);
  const char *params[] = {idbuf, unit_code};
  store_rows_t *r = store_pg_exec(a, conn, SQL_ORG_ADMINS_UNIT, 2, params, err);
  if (r == NULL)
    return false;
  *ok = store_rows_count(r) == 1 && strcmp(store_rows_get(r, 0, 0), "t") == 0;
  return true;
}
