/*
 * apps.h — third-party app tokens as the auth gate sees them (apps.c; tokens in Redis,
 * apps in PostgreSQL: core/store/app_store).
 */
#ifndef EHALL_IDENTITY_APPS_H
#define EHALL_IDENTITY_APPS_H

#include <stdbool.h>

#include "core/common/call.h"

/* App tokens start with this prefix, so the gate knows which store to ask. */
#define APPS_TOKEN_PREFIX "app_"

/* Validates an app token: fills call->principal (CALL_APP, client id, scopes) or answers
 * UNAUTHENTICATED (unknown, expired, revoked) / PERMISSION_DENIED (client IP not allowed). */
bool apps_token_authenticate(call_t *call, const char *token, eh_err_t *err);

#endif
