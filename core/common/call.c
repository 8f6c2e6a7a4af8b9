/* call.c — deadline arithmetic and principal checks for call_t. */
#include "core/common/call.h"

#include <string.h>
#include <time.h>

int64_t call_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t call_ms_left(const call_t *call) {
  if (call->deadline_ms == INT64_MAX)
    return INT64_MAX;
  return call->deadline_ms - call_now_ms();
}

bool call_has_role(const call_t *call, unsigned role) {
  return call->principal.actor == CALL_USER && (call->principal.roles & role) == role;
}

bool call_admins_unit(const call_t *call, const char *org_unit) {
  if (call_has_role(call, CALL_ROLE_HALL_ADMIN))
    return true;
  if (!call_has_role(call, CALL_ROLE_DEPT_ADMIN) || org_unit == NULL || *org_unit == '\0')
    return false;
  for (size_t i = 0; i < call->principal.n_admin_units; i++)
    if (strcmp(call->principal.admin_units[i], org_unit) == 0)
      return true;
  return false;
}

bool call_signed_in(const call_t *call, eh_err_t *err) {
  return call->principal.actor == CALL_USER ||
         eh_err_set(err, EH_UNAUTHENTICATED, NULL, "请先登录", "please sign in first");
}
