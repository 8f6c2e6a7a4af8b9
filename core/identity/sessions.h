/*
 * sessions.h — user sessions (opaque tokens, hashed in Redis) and login throttling, as the
 * other identity files use them. Keys, expiry and the Lua behind them: core/store/session_store.
 */
#ifndef EHALL_IDENTITY_SESSIONS_H
#define EHALL_IDENTITY_SESSIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common/call.h"
#include "core/store/account_store.h"

typedef struct identity_session {
  const char *token;      /* give to the client once; owned by call->arena */
  const char *session_id;
  int64_t expire_unix_s;  /* the earlier of idle and absolute expiry, as of now */
  int64_t lifetime_s;     /* the absolute lifetime (the web cookie's max age) */
  /* A web session opened through the gateway: the token travels only in the HttpOnly cookie
   * (call->set_session_token), never in the reply body where page scripts could read it. */
  bool cookie_only;
} identity_session_t;

/* Opens a session for acct (roles copied in), client "web" or "mp" ("" = web), device (""
 * = the call's user agent, cut to 100 characters), the call's client IP. */
bool identity_session_open(call_t *call, const store_account_t *acct, const char *client,
                           const char *device, identity_session_t *out, eh_err_t *err);

/* The account's status after its owner proved who they are (a correct password, a bound
 * WeChat user): disabled and admin-locked accounts stop here, and only then, so the answer
 * never tells a stranger that the account exists. Every way of logging in calls it. */
bool identity_account_may_log_in(const store_account_t *acct, eh_err_t *err);

/* Ends every session of the account except keep_session_id (NULL: all). *ended may be NULL. */
bool identity_sessions_end_all(call_t *call, int64_t account_id, const char *keep_session_id,
                               int *ended, eh_err_t *err);

/* Login throttling around a password check, per account (campus id as typed, so unknown ids
 * are throttled alike) and per client IP:
 *   identity_throttle_check before verifying: RESOURCE_EXHAUSTED with retry_after_ms and a
 *     message saying when to try again ("请 N 分钟后再试") when locked or delayed;
 *   identity_throttle_fail after a failed check; identity_throttle_ok after success. */
bool identity_throttle_check(call_t *call, const char *campus_id, eh_err_t *err);
void identity_throttle_fail(call_t *call, const char *campus_id);
void identity_throttle_ok(call_t *call, const char *campus_id);

/* The gate's half for user sessions (one Redis round trip): looks the token up, extends its
 * idle expiry and fills call->principal (CALL_USER). *found false for an unknown, ended or
 * expired token (principal untouched). false with err only when Redis fails. */
bool identity_session_resolve(call_t *call, const char *token, bool *found, eh_err_t *err);

/* Forgets an account's login-failure counters (admin unlock). */
bool identity_throttle_clear(call_t *call, const char *campus_id, eh_err_t *err);


/* Fills an ehall.identity.v1.LoginReply (as ProtobufCMessage) for a new session of acct. */
ProtobufCMessage *identity_login_reply(call_t *call, const store_account_t *acct,
                                       const identity_session_t *s);

/* An ehall.identity.v1.Account message for acct; `full` shows the email unmasked. */
ProtobufCMessage *identity_account_message(call_t *call, const store_account_t *acct, bool full);

#endif
