/*
 * identity.h — ehall.identity.v1 (Auth, Accounts, Apps): the handlers in core/rpc/methods.c,
 * and the auth gate every call passes.
 *
 * Files by topic: login.c (Login, Logout, ChangePassword, GetMe, GetAccount, sessions,
 * UnlockAccount, the gate), import.c (ImportAccounts), recovery.c (email binding and password
 * reset), wechat.c (WeChat login and binding), apps.c (third-party apps).
 * Never logs a password, a token, a code, an ID-card number or an email address.
 */
#ifndef EHALL_IDENTITY_IDENTITY_H
#define EHALL_IDENTITY_IDENTITY_H

#include <stdbool.h>

#include "core/common/call.h"

struct rpc_method;

/* The auth gate, run by core/rpc before the handler of every call. Reads call->authorization
 * (a session token or an app token), fills call->principal, and decides whether the caller may
 * run a method with these properties:
 *   - public: a missing/invalid/expired token leaves the caller anonymous, never fails;
 *   - otherwise: no valid token → UNAUTHENTICATED ("请先登录" / "登录已过期，请重新登录");
 *   - must_change_password and !first_login_ok → FAILED_PRECONDITION ("请先修改初始密码");
 *   - an app token: app_scope NULL or not among its scopes → PERMISSION_DENIED.
 * A user session's idle expiry is extended by the call. Redis down → UNAVAILABLE for
 * non-public methods (never a guess). */
bool identity_authenticate(call_t *call, bool is_public, bool first_login_ok,
                           const char *app_scope, eh_err_t *err);

/* Process-wide state (the hashing pool, the mail sender and its thread): started once by main
 * after the store pools exist, stopped before they are destroyed. */
struct store_pg_pool;
struct store_redis_pool;
struct core_config;
bool identity_start(const struct core_config *cfg, struct store_pg_pool *pg,
                    struct store_redis_pool *redis);
void identity_stop(void);

/* The HMAC key of ID-card numbers and email codes: identity.pepper, or (unset: development and
 * tests only, `serve` refuses it beyond loopback) a fixed key. *len may be NULL. */
const char *identity_pepper(const struct core_config *cfg, size_t *len);

/* Command-line tools of ehall-core (core/main.c dispatches; they print to stdout/stderr and
 * return the process exit code):
 *   ehall-core import accounts FILE [--dry-run]   (import.c)
 *   ehall-core audit verify                       (audit.c) */
int identity_cli_import(const struct core_config *cfg, int argc, char **argv);
int identity_cli_audit(const struct core_config *cfg, int argc, char **argv);

/* Auth (login.c, wechat.c, recovery.c, apps.c) */
void identity_login(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err);
void identity_logout(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err);
void identity_wechat_login(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err);
void identity_wechat_bind(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);
void identity_request_password_reset(call_t *call, const ProtobufCMessage *req,
                                     ProtobufCMessage **resp, eh_err_t *err);
void identity_check_password_reset(call_t *call, const ProtobufCMessage *req,
                                   ProtobufCMessage **resp, eh_err_t *err);
void identity_reset_password(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err);
void identity_exchange_app_token(call_t *call, const ProtobufCMessage *req,
                                 ProtobufCMessage **resp, eh_err_t *err);

/* Accounts */
void identity_get_me(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err);
void identity_get_account(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);
void identity_change_password(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err);
void identity_send_email_code(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err);
void identity_bind_email(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err);
void identity_unbind_wechat(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err);
void identity_list_sessions(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err);
void identity_end_session(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);
void identity_end_all_sessions(call_t *call, const ProtobufCMessage *req,
                               ProtobufCMessage **resp, eh_err_t *err);
void identity_unlock_account(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err);
void identity_import_accounts(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err);

/* Apps */
void identity_create_app(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err);
void identity_list_apps(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err);
void identity_revoke_app(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err);

#endif
