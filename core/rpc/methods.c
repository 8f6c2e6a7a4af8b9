/*
 * methods.c — the one table of served methods. Rows only: no logic here.
 */
#include "core/rpc/methods.h"

#include "core/feedback/feedback.h"
#include "core/identity/identity.h"
#include "core/rpc/health.h"
#include "core/system/system.h"
#include "ehall/feedback/v1/feedback.pb-c.h"
#include "ehall/identity/v1/identity.pb-c.h"
#include "ehall/system/v1/system.pb-c.h"
#include "grpc/health/v1/health.pb-c.h"
#include "grpc/reflection/v1/reflection.pb-c.h"

const rpc_method_t rpc_methods[] = {
    /* Anyone may write (no login), so it spends the stricter per-IP write budget. */
    {"/ehall.feedback.v1.Feedback/SubmitFeedback",
     &ehall__feedback__v1__submit_feedback_request__descriptor,
     &ehall__feedback__v1__feedback_receipt__descriptor, feedback_submit, RPC_KIND_UNARY,
     RPC_METHOD_PUBLIC | RPC_METHOD_MUTATES, RPC_LIMIT_WRITE},
    /* ehall.identity.v1: login-like calls spend the login budget (per IP) on top of identity's
     * own per-account throttling; the ones that wait on the password-hashing pool (or on
     * WeChat's server) are RPC_METHOD_SLOW, so they never hold a worker. */
    {"/ehall.identity.v1.Auth/Login", &ehall__identity__v1__login_request__descriptor,
     &ehall__identity__v1__login_reply__descriptor, identity_login, RPC_KIND_UNARY,
     RPC_METHOD_PUBLIC | RPC_METHOD_SLOW, RPC_LIMIT_LOGIN, NULL},
    {"/ehall.identity.v1.Auth/Logout", &ehall__identity__v1__logout_request__descriptor,
     &ehall__identity__v1__logout_reply__descriptor, identity_logout, RPC_KIND_UNARY,
     RPC_METHOD_FIRST_LOGIN_OK, RPC_LIMIT_WRITE, NULL},
    {"/ehall.identity.v1.Auth/WeChatLogin", &ehall__identity__v1__we_chat_login_request__descriptor,
     &ehall__identity__v1__login_reply__descriptor, identity_wechat_login, RPC_KIND_UNARY,
     RPC_METHOD_PUBLIC | RPC_METHOD_SLOW, RPC_LIMIT_LOGIN, NULL},
    {"/ehall.identity.v1.Auth/WeChatBind", &ehall__identity__v1__we_chat_bind_request__descriptor,
     &ehall__identity__v1__login_reply__descriptor, identity_wechat_bind, RPC_KIND_UNARY,
     RPC_METHOD_PUBLIC | RPC_METHOD_SLOW, RPC_LIMIT_LOGIN, NULL},
    {"/ehall.identity.v1.Auth/RequestPasswordReset", &ehall__identity__v1__request_password_reset_request__descriptor,
     &ehall__identity__v1__request_password_reset_reply__descriptor, identity_request_password_reset, RPC_KIND_UNARY,
     RPC_METHOD_PUBLIC, RPC_LIMIT_LOGIN, NULL},
    {"/ehall.identity.v1.Auth/CheckPasswordReset", &ehall__identity__v1__check_password_reset_request__descriptor,
     &ehall__identity__v1__check_password_reset_reply__descriptor, identity_check_password_reset, RPC_KIND_UNARY,
     RPC_METHOD_PUBLIC, RPC_LIMIT_LOGIN, NULL},
    {"/ehall.identity.v1.Auth/ResetPassword", &ehall__identity__v1__reset_password_request__descriptor,
     &ehall__identity__v1__reset_password_reply__descriptor, identity_reset_password, RPC_KIND_UNARY,
     RPC_METHOD_PUBLIC | RPC_METHOD_SLOW, RPC_LIMIT_LOGIN, NULL},
    {"/ehall.identity.v1.Auth/ExchangeAppToken", &ehall__identity__v1__exchange_app_token_request__descriptor,
     &ehall__identity__v1__app_token__descriptor, identity_exchange_app_token, RPC_KIND_UNARY,
     RPC_METHOD_PUBLIC, RPC_LIMIT_LOGIN, NULL},
    {"/ehall.identity.v1.Accounts/GetMe", &ehall__identity__v1__get_me_request__descriptor,
     &ehall__identity__v1__account__descriptor, identity_get_me, RPC_KIND_UNARY,
     RPC_METHOD_FIRST_LOGIN_OK, RPC_LIMIT_READ, NULL},
    {"/ehall.identity.v1.Accounts/GetAccount", &ehall__identity__v1__get_account_request__descriptor,
     &ehall__identity__v1__account__descriptor, identity_get_account, RPC_KIND_UNARY,
     0, RPC_LIMIT_READ, "identity.accounts.read"},
    {"/ehall.identity.v1.Accounts/ChangePassword", &ehall__identity__v1__change_password_request__descriptor,
     &ehall__identity__v1__login_reply__descriptor, identity_change_password, RPC_KIND_UNARY,
     RPC_METHOD_FIRST_LOGIN_OK | RPC_METHOD_SLOW, RPC_LIMIT_LOGIN, NULL},
    {"/ehall.identity.v1.Accounts/SendEmailCode", &ehall__identity__v1__send_email_code_request__descriptor,
     &ehall__identity__v1__send_email_code_reply__descriptor, identity_send_email_code, RPC_KIND_UNARY,
     RPC_METHOD_FIRST_LOGIN_OK, RPC_LIMIT_WRITE, NULL},
    {"/ehall.identity.v1.Accounts/BindEmail", &ehall__identity__v1__bind_email_request__descriptor,
     &ehall__identity__v1__account__descriptor, identity_bind_email, RPC_KIND_UNARY,
     RPC_METHOD_FIRST_LOGIN_OK | RPC_METHOD_MUTATES, RPC_LIMIT_WRITE, NULL},
    {"/ehall.identity.v1.Accounts/UnbindWeChat", &ehall__identity__v1__unbind_we_chat_request__descriptor,
     &ehall__identity__v1__account__descriptor, identity_unbind_wechat, RPC_KIND_UNARY,
     RPC_METHOD_MUTATES, RPC_LIMIT_WRITE, NULL},
    {"/ehall.identity.v1.Accounts/ListSessions", &ehall__identity__v1__list_sessions_request__descriptor,
     &ehall__identity__v1__list_sessions_reply__descriptor, identity_list_sessions, RPC_KIND_UNARY,
     0, RPC_LIMIT_READ, NULL},
    {"/ehall.identity.v1.Accounts/EndSession", &ehall__identity__v1__end_session_request__descriptor,
     &ehall__identity__v1__end_session_reply__descriptor, identity_end_session, RPC_KIND_UNARY,
     0, RPC_LIMIT_WRITE, NULL},
    {"/ehall.identity.v1.Accounts/EndAllSessions", &ehall__identity__v1__end_all_sessions_request__descriptor,
     &ehall__identity__v1__end_session_reply__descriptor, identity_end_all_sessions, RPC_KIND_UNARY,
     0, RPC_LIMIT_WRITE, NULL},
    {"/ehall.identity.v1.Accounts/UnlockAccount", &ehall__identity__v1__unlock_account_request__descriptor,
     &ehall__identity__v1__account__descriptor, identity_unlock_account, RPC_KIND_UNARY,
     RPC_METHOD_MUTATES, RPC_LIMIT_WRITE, NULL},
    {"/ehall.identity.v1.Accounts/ImportAccounts", &ehall__identity__v1__import_accounts_request__descriptor,
     &ehall__identity__v1__import_report__descriptor, identity_import_accounts, RPC_KIND_UNARY,
     RPC_METHOD_MUTATES | RPC_METHOD_SLOW, RPC_LIMIT_WRITE, NULL},
    /* Not MUTATES: its reply carries the client secret, shown once, which must never sit in
     * idempotency_keys to be replayed. A retried create makes a second app; revoke it. */
    {"/ehall.identity.v1.Apps/CreateApp", &ehall__identity__v1__create_app_request__descriptor,
     &ehall__identity__v1__create_app_reply__descriptor, identity_create_app, RPC_KIND_UNARY,
     0, RPC_LIMIT_WRITE, NULL},
    {"/ehall.identity.v1.Apps/ListApps", &ehall__identity__v1__list_apps_request__descriptor,
     &ehall__identity__v1__list_apps_reply__descriptor, identity_list_apps, RPC_KIND_UNARY,
     0, RPC_LIMIT_READ, NULL},
    {"/ehall.identity.v1.Apps/RevokeApp", &ehall__identity__v1__revoke_app_request__descriptor,
     &ehall__identity__v1__app__descriptor, identity_revoke_app, RPC_KIND_UNARY,
     RPC_METHOD_MUTATES, RPC_LIMIT_WRITE, NULL},
    {"/ehall.system.v1.System/GetInfo", &ehall__system__v1__get_info_request__descriptor,
     &ehall__system__v1__system_info__descriptor, system_info_get, RPC_KIND_UNARY,
     RPC_METHOD_PUBLIC, RPC_LIMIT_READ, "system.read"},
    {"/grpc.health.v1.Health/Check", &grpc__health__v1__health_check_request__descriptor,
     &grpc__health__v1__health_check_response__descriptor, rpc_health_check, RPC_KIND_UNARY,
     RPC_METHOD_PUBLIC, RPC_LIMIT_NONE},
    {"/grpc.health.v1.Health/Watch", &grpc__health__v1__health_check_request__descriptor,
     &grpc__health__v1__health_check_response__descriptor, NULL, RPC_KIND_HEALTH_WATCH,
     RPC_METHOD_PUBLIC, RPC_LIMIT_NONE},
    /* v1alpha is v1 on the wire (same fields, same numbers): one implementation serves both. */
    {"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
     &grpc__reflection__v1__server_reflection_request__descriptor,
     &grpc__reflection__v1__server_reflection_response__descriptor, NULL, RPC_KIND_REFLECTION,
     RPC_METHOD_PUBLIC, RPC_LIMIT_NONE},
    {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
     &grpc__reflection__v1__server_reflection_request__descriptor,
     &grpc__reflection__v1__server_reflection_response__descriptor, NULL, RPC_KIND_REFLECTION,
     RPC_METHOD_PUBLIC, RPC_LIMIT_NONE},
};

const size_t rpc_methods_count = sizeof(rpc_methods) / sizeof(rpc_methods[0]);
