/*
 * audit.h — what identity (and later areas) write to the append-only audit log. Each row
 * carries the SHA-256 of the previous row's hash and its own content; `ehall-core audit verify`
 * walks the chain (core/store/audit_store.h).
 *
 * Never put a password, token, code, ID-card number or full email into `detail`.
 */
#ifndef EHALL_IDENTITY_AUDIT_H
#define EHALL_IDENTITY_AUDIT_H

#include <stdbool.h>

#include "core/common/call.h"
#include "core/store/pg.h"

/* Actions (stable strings; reports group by them). */
#define AUDIT_LOGIN_OK "login.ok"
#define AUDIT_LOGIN_FAIL "login.fail"
#define AUDIT_LOGIN_LOCKED "login.locked"
#define AUDIT_LOGOUT "logout"
#define AUDIT_PASSWORD_CHANGE "password.change"
#define AUDIT_PASSWORD_RESET_REQUEST "password.reset_request"
#define AUDIT_PASSWORD_RESET "password.reset"
#define AUDIT_PASSWORD_REHASH "password.rehash"
#define AUDIT_EMAIL_BIND "email.bind"
#define AUDIT_WECHAT_BIND "wechat.bind"
#define AUDIT_WECHAT_UNBIND "wechat.unbind"
#define AUDIT_ACCOUNT_UNLOCK "account.unlock"
#define AUDIT_ACCOUNTS_IMPORT "accounts.import"
#define AUDIT_APP_CREATE "app.create"
#define AUDIT_APP_REVOKE "app.revoke"
#define AUDIT_APP_TOKEN "app.token"
#define AUDIT_SESSION_END "session.end"

/* Appends one row inside the caller's transaction (conn). actor: the caller's campus id or
 * "app:<client_id>" or "anonymous" from call->principal; target: the object ("account:<campus
 * id>", "app:<client id>"); detail: a JSON object text or NULL. */
bool audit_append_tx(call_t *call, arena_t *a, store_pg_conn_t *conn, const char *action,
                     const char *target, const char *detail_json, eh_err_t *err);

/* The same in a transaction of its own (for events that change nothing else, e.g. a failed
 * login). Failures are logged and returned. */
bool audit_append(call_t *call, const char *action, const char *target, const char *detail_json,
                  eh_err_t *err);

#endif
