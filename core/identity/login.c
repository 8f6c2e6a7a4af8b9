/*
 * login.c — Login, Logout, ChangePassword, GetMe, GetAccount, the sessions list, UnlockAccount,
 * and the auth gate every call passes (identity_authenticate).
 *
 * Passwords are checked on the hashing pool (hashpool.h), never on a gRPC worker; an unknown
 * campus id costs the same work and gets the same answer as a wrong password. Must never log or
 * audit a password, a token or an email.
 */
#include <stdlib.h>
#include <string.h>

#include "core/common/pbtime.h"
#include "core/common/log.h"
#include "core/common/text.h"
#include "core/config.h"
#include "core/identity/apps.h"
#include "core/identity/audit.h"
#include "core/identity/hashpool.h"
#include "core/identity/identity.h"
#include "core/identity/sessions.h"
#include "core/store/account_store.h"
#include "core/store/session_store.h"
#include "ehall/identity/v1/identity.pb-c.h"

#define LOGIN_CAMPUS_ID_MAX 32
#define LOGIN_DEVICE_MAX 100

/* ---- input checks -------------------------------------------------------------------- */

/* A text field of min..max code points, valid UTF-8. The field name goes into the error. */
static bool login__text(const char *v, const char *field, long min, long max, eh_err_t *err) {
  const char *s = v != NULL ? v : "";
  long n = text_utf8_length(s, strlen(s));
  if (n < 0)
    return eh_err_set(err, EH_INVALID, field, "%s 含有无效字符", "%s contains invalid characters",
                      field);
  if (n < min)
    return eh_err_set(err, EH_INVALID, field, "请填写 %s", "%s is required", field);
  if (n > max)
    return eh_err_set(err, EH_INVALID, field, "%s 过长", "%s is too long", field);
  return true;
}

/* Passwords are limited in bytes (PASSWORD_MAX_LEN) before any hashing. */
static bool login__password(const char *v, const char *field, eh_err_t *err) {
  size_t n = v != NULL ? strlen(v) : 0;
  if (n == 0)
    return eh_err_set(err, EH_INVALID, field, "请输入密码", "the password is required");
  if (n > PASSWORD_MAX_LEN)
    return eh_err_set(err, EH_INVALID, field, "密码过长", "the password is too long");
  if (!text_utf8_valid(v, n))
    return eh_err_set(err, EH_INVALID, field, "密码含有无效字符",
                      "the password contains invalid characters");
  return true;
}

static bool login__client(const char *v, eh_err_t *err) {
  if (v == NULL || *v == '\0' || strcmp(v, "web") == 0 || strcmp(v, "mp") == 0)
    return true;
  return eh_err_set(err, EH_INVALID, "client", "client 只能是 web 或 mp",
                    "client must be web or mp");
}

static bool login__user(call_t *call, eh_err_t *err) {
  if (call->principal.actor == CALL_USER)
    return true;
  return eh_err_set(err, EH_PERMISSION_DENIED, NULL, "此操作仅限本人登录后进行",
                    "only a signed-in person may do this");
}

static bool login__wrong(eh_err_t *err) {
  return eh_err_set(err, EH_UNAUTHENTICATED, NULL, "学号或密码错误", "wrong campus id or password");
}

static const char *login__target(call_t *call, const char *campus_id) {
  return arena_printf(call->arena, "account:%s", campus_id);
}

static void login__audit(call_t *call, const char *action, const char *campus_id,
                         const char *detail) {
  eh_err_t e = EH_ERR_INIT;
  audit_append(call, action, login__target(call, campus_id), detail, &e); /* logs failures */
}

/* ---- transactions ---------------------------------------------------------------------- */

typedef struct {
  call_t *call;
  int64_t id;
  const char *old_hash, *new_hash;
  bool must_change;
  const char *campus_id;
} login_tx_t;

static bool login__rehash_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  login_tx_t *t = ud;
  return store_account_rehash_tx(a, conn, t->id, t->old_hash, t->new_hash, err) &&
         audit_append_tx(t->call, a, conn, AUDIT_PASSWORD_REHASH,
                         login__target(t->call, t->campus_id), NULL, err);
}

static bool login__set_password_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  login_tx_t *t = ud;
  return store_account_set_password_tx(a, conn, t->id, t->new_hash, t->must_change, err) &&
         audit_append_tx(t->call, a, conn, AUDIT_PASSWORD_CHANGE,
                         login__target(t->call, t->campus_id), NULL, err);
}

/* A legacy or weaker hash is replaced after a correct password. A failure here does not fail
 * the login (the old hash still works); it is logged and tried again next time. */
static void login__upgrade(call_t *call, const store_account_t *acct, const char *pw) {
  eh_err_t e = EH_ERR_INIT;
  const char *h = NULL;
  if (!hashpool_hash(call, pw, &h, &e)) {
    LOG_WARN("identity", "password rehash skipped: %s", eh_status_name(e.code));
    return;
  }
  login_tx_t t = {.call = call,
                  .id = acct->id,
                  .old_hash = acct->password_hash,
                  .new_hash = h,
                  .campus_id = acct->campus_id};
  if (!store_pg_tx(call->arena, call->pg, call->deadline_ms, login__rehash_tx, &t, &e))
    LOG_WARN("identity", "password rehash not stored: %s %s", eh_status_name(e.code), e.detail);
}

/* Opens a session and sets the web cookie from it. */
static bool login__open(call_t *call, const store_account_t *acct, const char *client,
                        const char *device, identity_session_t *s, eh_err_t *err) {
  if (!identity_session_open(call, acct, client, device, s, err))
    return false;
  call->set_session_token = s->token;
  call->set_session_max_age_s = s->lifetime_s;
  return true;
}

/* ---- Auth ------------------------------------------------------------------------------ */

void identity_login(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err) {
  const Ehall__Identity__V1__LoginRequest *in = (const Ehall__Identity__V1__LoginRequest *)req;
  bool ok = login__text(in->campus_id, "campus_id", 1, LOGIN_CAMPUS_ID_MAX, err);
  ok = login__password(in->password, "password", err) && ok;
  ok = login__text(in->device, "device", 0, LOGIN_DEVICE_MAX, err) && ok;
  ok = login__client(in->client, err) && ok;
  if (!ok)
    return;
  if (!identity_throttle_check(call, in->campus_id, err))
    return;

  store_account_t acct;
  bool known = store_account_by_campus_id(call->arena, call->pg, call->deadline_ms, in->campus_id,
                                          &acct, err);
  if (!known) {
    if (err->code != EH_NOT_FOUND)
      return;
    eh_err_clear(err);
  }
  password_verdict_t v = PASSWORD_MISMATCH;
  if (!hashpool_verify(call, known ? acct.password_hash : NULL, in->password, &v, err))
    return;
  if (!known || (v != PASSWORD_MATCH && v != PASSWORD_MATCH_REHASH)) {
    identity_throttle_fail(call, in->campus_id);
    /* An id that names no account is not written down: people type passwords into it. */
    login__audit(call, AUDIT_LOGIN_FAIL, known ? acct.campus_id : "?",
                 v == PASSWORD_BAD_STORED ? "{\"reason\":\"bad_stored_hash\"}" : NULL);
    if (v == PASSWORD_BAD_STORED)
      LOG_WARN("identity", "stored password hash unreadable account_id=%lld", (long long)acct.id);
    login__wrong(err);
    return;
  }
  identity_throttle_ok(call, in->campus_id);
  if (!identity_account_may_log_in(&acct, err))
    return;
  if (v == PASSWORD_MATCH_REHASH)
    login__upgrade(call, &acct, in->password);

  identity_session_t s;
  if (!login__open(call, &acct, in->client, in->device, &s, err))
    return;
  eh_err_t e = EH_ERR_INIT;
  if (!store_account_touch_login(call->arena, call->pg, call->deadline_ms, acct.id, &e))
    LOG_WARN("identity", "last login not recorded: %s", e.detail);
  login__audit(call, AUDIT_LOGIN_OK, acct.campus_id,
               arena_printf(call->arena, "{\"session_id\":\"%s\"}", s.session_id));
  *resp = identity_login_reply(call, &acct, &s);
}

void identity_logout(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  (void)req;
  if (!login__user(call, err))
    return;
  bool found = false;
  if (!store_session_end(call->arena, call->redis, call->principal.account_id,
                         call->principal.session_id, &found, err))
    return;
  call->set_session_token = "";
  call->set_session_max_age_s = 0;
  login__audit(call, AUDIT_LOGOUT, call->principal.campus_id, NULL);
  Ehall__Identity__V1__LogoutReply *out = arena_alloc(call->arena, sizeof(*out));
  ehall__identity__v1__logout_reply__init(out);
  *resp = &out->base;
}

/* ---- Accounts -------------------------------------------------------------------------- */

/* The caller's own account row (a session whose account is gone answers UNAUTHENTICATED). */
static bool login__me(call_t *call, store_account_t *acct, eh_err_t *err) {
  if (!login__user(call, err))
    return false;
  if (store_account_by_id(call->arena, call->pg, call->deadline_ms, call->principal.account_id,
                          acct, err))
    return true;
  if (err->code == EH_NOT_FOUND) {
    eh_err_clear(err);
    eh_err_set(err, EH_UNAUTHENTICATED, NULL, "登录已过期，请重新登录",
               "your session has expired; please log in again");
  }
  return false;
}

void identity_change_password(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err) {
  const Ehall__Identity__V1__ChangePasswordRequest *in =
      (const Ehall__Identity__V1__ChangePasswordRequest *)req;
  if (!login__user(call, err))
    return;
  bool ok = login__password(in->old_password, "old_password", err);
  ok = login__password(in->new_password, "new_password", err) && ok;
  ok = login__text(in->device, "device", 0, LOGIN_DEVICE_MAX, err) && ok;
  ok = login__client(in->client, err) && ok;
  if (!ok)
    return;
  const char *campus = call->principal.campus_id;
  if (!identity_throttle_check(call, campus, err))
    return;
  store_account_t acct;
  if (!login__me(call, &acct, err))
    return;
  password_verdict_t v = PASSWORD_MISMATCH;
  if (!hashpool_verify(call, acct.password_hash, in->old_password, &v, err))
    return;
  if (v != PASSWORD_MATCH && v != PASSWORD_MATCH_REHASH) {
    identity_throttle_fail(call, campus);
    login__audit(call, AUDIT_LOGIN_FAIL, acct.campus_id, "{\"reason\":\"change_password\"}");
    eh_err_set(err, EH_INVALID, "old_password", "原密码不正确", "the current password is wrong");
    return;
  }
  identity_throttle_ok(call, campus);
  /* While the initial or imported password is in force, the new one must differ from it. */
  if (!password_policy_check(in->new_password, acct.campus_id,
                             acct.must_change_password ? in->old_password : NULL, "new_password",
                             err))
    return;
  if (strcmp(in->new_password, in->old_password) == 0) {
    eh_err_set(err, EH_INVALID, "new_password", "新密码不能与原密码相同",
               "the new password must differ from the current one");
    return;
  }
  const char *h = NULL;
  if (!hashpool_hash(call, in->new_password, &h, err))
    return;
  login_tx_t t = {.call = call,
                  .id = acct.id,
                  .new_hash = h,
                  .must_change = false,
                  .campus_id = acct.campus_id};
  if (!store_pg_tx(call->arena, call->pg, call->deadline_ms, login__set_password_tx, &t, err))
    return;
  acct.must_change_password = false;
  acct.password_hash = h;
  /* Every session that knew the old password ends, this one included: the reply carries a new
   * token. A Redis failure here is reported, since old sessions would otherwise live on. */
  if (!identity_sessions_end_all(call, acct.id, NULL, NULL, err))
    return;
  identity_session_t s;
  if (!login__open(call, &acct, in->client, in->device, &s, err))
    return;
  *resp = identity_login_reply(call, &acct, &s);
}

void identity_get_me(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  (void)req;
  store_account_t acct;
  if (!login__me(call, &acct, err))
    return;
  *resp = identity_account_message(call, &acct, true);
}

static bool login__not_found(eh_err_t *err) {
  return eh_err_set(err, EH_NOT_FOUND, NULL, "账号不存在", "no such account");
}

/* The account a request names by campus id (checked as a field), with our NOT_FOUND wording. */
static bool login__account(call_t *call, const char *campus_id, store_account_t *acct,
                           eh_err_t *err) {
  if (!login__text(campus_id, "campus_id", 1, LOGIN_CAMPUS_ID_MAX, err))
    return false;
  if (store_account_by_campus_id(call->arena, call->pg, call->deadline_ms, campus_id, acct, err))
    return true;
  if (err->code == EH_NOT_FOUND) {
    eh_err_clear(err);
    login__not_found(err);
  }
  return false;
}

void identity_get_account(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  const Ehall__Identity__V1__GetAccountRequest *in =
      (const Ehall__Identity__V1__GetAccountRequest *)req;
  store_account_t acct;
  if (!login__account(call, in->campus_id, &acct, err))
    return;
  /* Own account, an admin of its unit, or an app holding identity.accounts.read (the gate
   * checked the scope). Anyone else learns nothing, not even that it exists. */
  bool own = call->principal.actor == CALL_USER && call->principal.account_id == acct.id;
  bool admin = call_admins_unit(call, acct.org_unit);
  bool app = call->principal.actor == CALL_APP;
  if (!own && !admin && !app) {
    login__not_found(err);
    return;
  }
  *resp = identity_account_message(call, &acct, own || admin);
}

static int login__newest_first(const void *x, const void *y) {
  const store_session_t *a = x, *b = y;
  return a->create_unix_ms < b->create_unix_ms ? 1 : a->create_unix_ms > b->create_unix_ms ? -1 : 0;
}

void identity_list_sessions(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err) {
  (void)req;
  if (!login__user(call, err))
    return;
  arena_t *a = call->arena;
  store_session_t *v = NULL;
  size_t n = 0;
  if (!store_session_list(a, call->redis, call->principal.account_id, &v, &n, err))
    return;
  if (n > 1)
    qsort(v, n, sizeof(*v), login__newest_first);
  Ehall__Identity__V1__ListSessionsReply *out = arena_alloc(a, sizeof(*out));
  ehall__identity__v1__list_sessions_reply__init(out);
  out->n_sessions = n;
  out->sessions = arena_alloc(a, sizeof(*out->sessions) * (n + 1));
  for (size_t i = 0; i < n; i++) {
    Ehall__Identity__V1__Session *s = arena_alloc(a, sizeof(*s));
    ehall__identity__v1__session__init(s);
    s->session_id = (char *)v[i].session_id;
    s->device = (char *)v[i].device;
    s->ip = (char *)v[i].ip;
    s->client = (char *)v[i].client;
    s->create_time = pbtime_from_us(a, v[i].create_unix_ms * 1000);
    s->last_seen_time = pbtime_from_us(a, v[i].last_seen_unix_ms * 1000);
    s->expire_time = pbtime_from_us(a, v[i].expire_unix_ms * 1000);
    s->current = strcmp(v[i].session_id, call->principal.session_id) == 0;
    out->sessions[i] = s;
  }
  *resp = &out->base;
}

static ProtobufCMessage *login__ended(call_t *call, int n) {
  Ehall__Identity__V1__EndSessionReply *out = arena_alloc(call->arena, sizeof(*out));
  ehall__identity__v1__end_session_reply__init(out);
  out->ended = n;
  return &out->base;
}

void identity_end_session(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  const Ehall__Identity__V1__EndSessionRequest *in =
      (const Ehall__Identity__V1__EndSessionRequest *)req;
  if (!login__user(call, err))
    return;
  if (!login__text(in->session_id, "session_id", 1, 64, err))
    return;
  bool found = false;
  /* Looked up in the caller's own index only: another account's id is simply not there. */
  if (!store_session_end(call->arena, call->redis, call->principal.account_id, in->session_id,
                         &found, err))
    return;
  if (!found) {
    eh_err_set(err, EH_NOT_FOUND, NULL, "会话不存在或已结束", "no such session");
    return;
  }
  if (strcmp(in->session_id, call->principal.session_id) == 0) {
    call->set_session_token = "";
    call->set_session_max_age_s = 0;
  }
  login__audit(call, AUDIT_SESSION_END, call->principal.campus_id, NULL);
  *resp = login__ended(call, 1);
}

void identity_end_all_sessions(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                               eh_err_t *err) {
  const Ehall__Identity__V1__EndAllSessionsRequest *in =
      (const Ehall__Identity__V1__EndAllSessionsRequest *)req;
  if (!login__user(call, err))
    return;
  int n = 0;
  if (!identity_sessions_end_all(call, call->principal.account_id,
                                 in->keep_current ? call->principal.session_id : NULL, &n, err))
    return;
  if (!in->keep_current) {
    call->set_session_token = "";
    call->set_session_max_age_s = 0;
  }
  login__audit(call, AUDIT_SESSION_END, call->principal.campus_id,
               arena_printf(call->arena, "{\"ended\":%d}", n));
  *resp = login__ended(call, n);
}

void identity_unlock_account(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err) {
  const Ehall__Identity__V1__UnlockAccountRequest *in =
      (const Ehall__Identity__V1__UnlockAccountRequest *)req;
  if (!call_has_role(call, CALL_ROLE_HALL_ADMIN)) {
    eh_err_set(err, EH_PERMISSION_DENIED, NULL, "仅大厅管理员可以解锁账号",
               "only a hall admin may unlock accounts");
    return;
  }
  store_account_t acct;
  if (!login__account(call, in->campus_id, &acct, err))
    return;
  /* Both the id as typed and as stored: the counters are keyed by the typed id. */
  if (!identity_throttle_clear(call, in->campus_id, err) ||
      !identity_throttle_clear(call, acct.campus_id, err))
    return;
  login__audit(call, AUDIT_ACCOUNT_UNLOCK, acct.campus_id, NULL);
  *resp = identity_account_message(call, &acct, true);
}

/* ---- the gate -------------------------------------------------------------------------- */

static bool login__has_scope(const call_t *call, const char *scope) {
  if (scope == NULL)
    return false;
  for (size_t i = 0; i < call->principal.n_scopes; i++)
    if (strcmp(call->principal.scopes[i], scope) == 0)
      return true;
  return false;
}

static void login__anonymous(call_t *call) {
  memset(&call->principal, 0, sizeof(call->principal));
  call->principal.actor = CALL_ANONYMOUS;
}

bool identity_authenticate(call_t *call, bool is_public, bool first_login_ok, const char *app_scope,
                           eh_err_t *err) {
  const char *token = call->authorization;
  login__anonymous(call);
  if (token == NULL || *token == '\0') {
    if (is_public)
      return true;
    return eh_err_set(err, EH_UNAUTHENTICATED, NULL, "请先登录", "please log in first");
  }
  eh_err_t e = EH_ERR_INIT;
  if (strncmp(token, APPS_TOKEN_PREFIX, strlen(APPS_TOKEN_PREFIX)) == 0) {
    if (!apps_token_authenticate(call, token, &e)) {
      login__anonymous(call);
      if (is_public)
        return true; /* a stale token never blocks a public call */
      *err = e;
      return false;
    }
    if (!is_public && !login__has_scope(call, app_scope))
      return eh_err_set(err, EH_PERMISSION_DENIED, NULL, "该应用无权调用此接口",
                        "this app may not call this method");
    return true;
  }
  bool found = false;
  if (!identity_session_resolve(call, token, &found, &e)) {
    login__anonymous(call);
    if (is_public) {
      LOG_WARN("identity", "session lookup failed, caller treated as anonymous: %s", e.detail);
      return true;
    }
    *err = e;
    if (err->code == EH_INTERNAL)
      err->code = EH_UNAVAILABLE;
    return false;
  }
  if (!found) {
    if (is_public)
      return true;
    return eh_err_set(err, EH_UNAUTHENTICATED, NULL, "登录已过期，请重新登录",
                      "your session has expired; please log in again");
  }
  if (call->principal.must_change_password && !first_login_ok && !is_public)
    return eh_err_set(err, EH_FAILED_PRECONDITION, NULL, "请先修改初始密码",
                      "please change your initial password first");
  return true;
}
