/*
 * access.c — who may change what in the org area (org.h's file comment has the rules).
 * Department-admin rights are read from PostgreSQL on every check, not from the session's
 * copy: a revoked admin loses them at once.
 */
#include <string.h>

#include "core/config.h"
#include "core/org/org.h"
#include "core/store/org_store.h"

bool org_caller_admins_unit(call_t *call, const char *unit_code, bool *ok, eh_err_t *err) {
  *ok = false;
  if (call->principal.actor != CALL_USER)
    return true;
  if (call_has_role(call, CALL_ROLE_HALL_ADMIN)) {
    *ok = true;
    return true;
  }
  if (unit_code == NULL || unit_code[0] == '\0')
    return true;
  return store_org_admins_unit(call->arena, call->pg, call->deadline_ms, call->principal.account_id,
                               unit_code, ok, err);
}

bool org_caller_is_hr(call_t *call, bool *ok, eh_err_t *err) {
  return org_caller_admins_unit(call, call->cfg->org_hr_unit, ok, err);
}

bool org_denied(eh_err_t *err, const char *zh, const char *en) {
  /* Both formats take the same arguments: each prints its own and skips the other. */
  return eh_err_set(err, EH_PERMISSION_DENIED, NULL, "%s%.0s", "%.0s%s", zh, en);
}
