/*
 * recovery.c — email binding and password reset: SendEmailCode, BindEmail (Accounts),
 * RequestPasswordReset, CheckPasswordReset, ResetPassword (Auth). The rules and texts are in
 * recovery_rules.c; links and codes are stored hashed (core/store/reset_store); mail is queued
 * in the same transaction as the row that justifies it (mailer.h).
 *
 * Never logs an address, a code, a token or a password, and never tells a caller whether an
 * account exists or has an email (RequestPasswordReset answers the same bytes every time).
 */
#include <string.h>
#include <time.h>

#include "core/common/pbtime.h"
#include "core/common/crypto.h"
#include "core/common/log.h"
#include "core/common/text.h"
#include "core/config.h"
#include "core/identity/audit.h"
#include "core/identity/hashpool.h"
#include "core/identity/identity.h"
#include "core/identity/mailer.h"
#include "core/identity/password.h"
#include "core/identity/recovery_rules.h"
#include "core/identity/session_rules.h"
#include "core/identity/sessions.h"
#include "core/store/account_store.h"
#include "core/store/reset_store.h"
#include "ehall/identity/v1/identity.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

#define RECOVERY_CODE_GATE "email_code"
#define RECOVERY_MAIL_GATE "reset_mail"
#define RECOVERY_GATE_S 60 /* one code (one reset mail) per account per minute */
#define RECOVERY_LOGIN_MAX 254

static bool recovery__user(const call_t *call, eh_err_t *err) {
  if (call->principal.actor == CALL_USER && call->principal.account_id > 0)
    return true;
  return eh_err_set(err, EH_PERMISSION_DENIED, NULL, "只有本人登录后才能操作",
                    "only a signed-in account holder may do this");
}

static const char *recovery__target(arena_t *a, const char *campus_id) {
  return arena_printf(a, "account:%s", campus_id);
}

/* The IP for the inet column: anything that is not a plain address (a unix-socket peer) is
 * stored as NULL rather than failing the request. */
static const char *recovery__ip_or_null(const char *ip) {
  if (ip == NULL || *ip == '\0' || strlen(ip) > 45)
    return NULL;
  for (const char *p = ip; *p; p++) {
    char c = *p;
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' ||
          c == ':'))
      return NULL;
  }
  return ip;
}

/* --- SendEmailCode -------------------------------------------------------------------------- */

typedef struct {
  const char *to, *subject, *body;
} recovery_mail_t;

static bool recovery__tx_mail(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  const recovery_mail_t *m = ud;
  return mail_enqueue_tx(a, conn, m->to, m->subject, m->body, err);
}

void identity_send_email_code(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Identity__V1__SendEmailCodeRequest *in =
      (const Ehall__Identity__V1__SendEmailCodeRequest *)req;
  if (!recovery__user(call, err))
    return;
  const char *email = NULL;
  if (!recovery_email_normalize(a, in->email, "email", &email, err))
    return;
  int64_t me = call->principal.account_id;

  /* An address bound to someone else can never be bound here: say so now, before a code is
   * mailed to it in vain. */
  store_account_t other;
  eh_err_t lookup = EH_ERR_INIT;
  if (store_account_by_email(a, call->pg, call->deadline_ms, email, &other, &lookup)) {
    if (other.id != me) {
      eh_err_set(err, EH_ALREADY_EXISTS, "email", "该邮箱已绑定其他账号",
                 "this email is bound to another account");
      return;
    }
  } else if (lookup.code != EH_NOT_FOUND) {
    *err = lookup;
    return;
  }

  bool allowed = false;
  int64_t retry_ms = 0;
  if (!store_reset_gate(a, call->redis, RECOVERY_CODE_GATE, me, RECOVERY_GATE_S, &allowed,
                        &retry_ms, err))
    return;
  if (!allowed) {
    long s = (long)((retry_ms + 999) / 1000);
    eh_err_set(err, EH_RESOURCE_EXHAUSTED, NULL, "验证码发送过于频繁，请 %ld 秒后再试",
               "codes are sent at most once a minute: try again in %ld seconds", s);
    err->retry_after_ms = retry_ms;
    return;
  }

  char code[RECOVERY_CODE_LEN + 1];
  uint32_t r;
  do {
    crypto_random(&r, sizeof(r));
  } while (!recovery_code_from_random(r, code));
  char code_hash[RECOVERY_HASH_HEX_LEN + 1];
  recovery_code_hash(identity_pepper(call->cfg, NULL), me, email, code, code_hash);

  recovery_mail_t mail = {.to = email};
  recovery_code_mail(a, code, call->cfg->email_code_ttl_s, &mail.subject, &mail.body);
  memset(code, 0, sizeof(code));
  bool ok = store_reset_code_put(a, call->redis, me, code_hash, (int)call->cfg->email_code_attempts,
                                 (int)call->cfg->email_code_ttl_s, err) &&
            store_pg_tx(a, call->pg, call->deadline_ms, recovery__tx_mail, &mail, err);
  if (!ok) {
    /* Nothing went out: the user may ask again at once. */
    store_reset_gate_clear(a, call->redis, RECOVERY_CODE_GATE, me);
    return;
  }
  LOG_INFO("identity", "email code queued account_id=%lld", (long long)me);

  Ehall__Identity__V1__SendEmailCodeReply *out = arena_alloc(a, sizeof(*out));
  ehall__identity__v1__send_email_code_reply__init(out);
  out->email_hint = (char *)session_rules_mask_email(a, email);
  out->expire_time =
      pbtime_from_us(a, ((int64_t)time(NULL) + call->cfg->email_code_ttl_s) * 1000000);
  *resp = &out->base;
}

/* --- BindEmail ------------------------------------------------------------------------------ */

typedef struct {
  call_t *call;
  const char *email;
} recovery_bind_t;

static bool recovery__tx_bind(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  const recovery_bind_t *b = ud;
  call_t *call = b->call;
  if (!store_account_set_email_tx(a, conn, call->principal.account_id, b->email, err)) {
    if (err->code == EH_ALREADY_EXISTS && err->nfields == 0)
      eh_err_add_field(err, "email", "该邮箱已绑定其他账号",
                       "this email is bound to another account");
    return false;
  }
  const char *detail = arena_printf(a, "{\"email\":\"%s\"}", session_rules_mask_email(a, b->email));
  return audit_append_tx(call, a, conn, AUDIT_EMAIL_BIND,
                         recovery__target(a, call->principal.campus_id), detail, err);
}

void identity_bind_email(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Identity__V1__BindEmailRequest *in =
      (const Ehall__Identity__V1__BindEmailRequest *)req;
  if (!recovery__user(call, err))
    return;
  const char *email = NULL;
  if (!recovery_email_normalize(a, in->email, "email", &email, err))
    return;
  if (!recovery_code_wellformed(in->code)) {
    eh_err_set(err, EH_INVALID, "code", "请输入 6 位数字验证码", "enter the 6-digit code");
    return;
  }
  int64_t me = call->principal.account_id;
  char code_hash[RECOVERY_HASH_HEX_LEN + 1];
  recovery_code_hash(identity_pepper(call->cfg, NULL), me, email, in->code, code_hash);
  store_code_verdict_t verdict;
  int left = 0;
  if (!store_reset_code_check(a, call->redis, me, code_hash, &verdict, &left, err))
    return;
  if (verdict == STORE_CODE_NONE) {
    recovery_code_error(-1, err);
    return;
  }
  if (verdict == STORE_CODE_WRONG) {
    recovery_code_error(left, err);
    return;
  }

  recovery_bind_t b = {.call = call, .email = email};
  if (!store_pg_tx(a, call->pg, call->deadline_ms, recovery__tx_bind, &b, err))
    return;
  LOG_INFO("identity", "email bound account_id=%lld", (long long)me);

  store_account_t acct;
  if (!store_account_by_id(a, call->pg, call->deadline_ms, me, &acct, err))
    return;
  *resp = identity_account_message(call, &acct, true);
}

/* --- RequestPasswordReset ------------------------------------------------------------------- */

typedef struct {
  call_t *call;
  const store_account_t *acct;
  const char *token_hash;
  recovery_mail_t mail;
} recovery_request_t;

static bool recovery__tx_request(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  const recovery_request_t *q = ud;
  call_t *call = q->call;
  return store_reset_create_tx(a, conn, q->token_hash, q->acct->id, (int)call->cfg->reset_ttl_s,
                               recovery__ip_or_null(call->client_ip), err) &&
         mail_enqueue_tx(a, conn, q->mail.to, q->mail.subject, q->mail.body, err) &&
         audit_append_tx(call, a, conn, AUDIT_PASSWORD_RESET_REQUEST,
                         recovery__target(a, q->acct->campus_id), "{\"via\":\"email\"}", err);
}

/* Creates the link and queues its mail when the account can receive one. Never fails: a
 * failure here (after the account was found) must not answer differently from "no such
 * account", so it is logged and the caller answers the same as always. */
static void recovery__send_reset(call_t *call, const store_account_t *acct) {
  arena_t *a = call->arena;
  if (acct->email == NULL || acct->email[0] == '\0' || acct->status == STORE_ACCOUNT_DISABLED)
    return;
  bool allowed = false;
  int64_t retry_ms = 0;
  eh_err_t err = EH_ERR_INIT;
  /* A flood of requests must not flood the owner's mailbox: one link a minute, silently. With
   * Redis down the gate is skipped (the per-IP limit of core/rpc still holds): refusing would
   * answer differently for accounts that exist. */
  if (!store_reset_gate(a, call->redis, RECOVERY_MAIL_GATE, acct->id, RECOVERY_GATE_S, &allowed,
                        &retry_ms, &err)) {
    LOG_WARN("identity", "reset mail gate unavailable, sending anyway status=%s",
             eh_status_name(err.code));
    allowed = true;
    eh_err_clear(&err);
  }
  if (!allowed)
    return;
  char token[RECOVERY_TOKEN_LEN + 1];
  crypto_random_token(token, RECOVERY_TOKEN_BYTES);
  char token_hash[RECOVERY_HASH_HEX_LEN + 1];
  recovery_token_hash(token, token_hash);
  recovery_request_t q = {.call = call, .acct = acct, .token_hash = token_hash};
  q.mail.to = acct->email;
  recovery_reset_mail(a, recovery_campus_id_mask(a, acct->campus_id),
                      recovery_reset_link(a, call->cfg->reset_url, token), call->cfg->reset_ttl_s,
                      &q.mail.subject, &q.mail.body);
  memset(token, 0, sizeof(token));
  if (!store_pg_tx(a, call->pg, call->deadline_ms, recovery__tx_request, &q, &err)) {
    LOG_ERROR("identity", "password reset link not created account_id=%lld status=%s detail=%s",
              (long long)acct->id, eh_status_name(err.code), err.detail);
    store_reset_gate_clear(a, call->redis, RECOVERY_MAIL_GATE, acct->id);
    return;
  }
  LOG_INFO("identity", "password reset link queued account_id=%lld", (long long)acct->id);
}

void identity_request_password_reset(call_t *call, const ProtobufCMessage *req,
                                     ProtobufCMessage **resp, eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Identity__V1__RequestPasswordResetRequest *in =
      (const Ehall__Identity__V1__RequestPasswordResetRequest *)req;
  const char *login = in->login ? in->login : "";
  while (*login == ' ' || *login == '\t')
    login++;
  size_t n = strlen(login);
  while (n > 0 && (login[n - 1] == ' ' || login[n - 1] == '\t'))
    n--;
  if (n == 0) {
    eh_err_set(err, EH_INVALID, "login", "请输入学号/工号或邮箱",
               "enter a campus id or an email address");
    return;
  }
  if (n > RECOVERY_LOGIN_MAX || !text_utf8_valid(login, n)) {
    eh_err_set(err, EH_INVALID, "login", "学号/工号或邮箱格式不正确",
               "the campus id or email address is malformed");
    return;
  }
  login = arena_strndup(a, login, n);

  store_account_t acct;
  eh_err_t lookup = EH_ERR_INIT;
  bool found;
  if (recovery_login_is_email(login)) {
    const char *email = NULL;
    if (!recovery_email_normalize(a, login, "login", &email, err))
      return;
    found = store_account_by_email(a, call->pg, call->deadline_ms, email, &acct, &lookup);
  } else {
    found = store_account_by_campus_id(a, call->pg, call->deadline_ms, login, &acct, &lookup);
  }
  if (!found && lookup.code != EH_NOT_FOUND) {
    *err = lookup; /* the database is down: that says nothing about the account */
    return;
  }
  if (found)
    recovery__send_reset(call, &acct);

  Ehall__Identity__V1__RequestPasswordResetReply *out = arena_alloc(a, sizeof(*out));
  ehall__identity__v1__request_password_reset_reply__init(out);
  out->message = (char *)recovery_reset_requested_message(call->language);
  *resp = &out->base;
}

/* --- CheckPasswordReset --------------------------------------------------------------------- */

static recovery_link_state_t recovery__link_state(store_reset_state_t s) {
  switch (s) {
  case STORE_RESET_VALID:
    return RECOVERY_LINK_VALID;
  case STORE_RESET_USED:
    return RECOVERY_LINK_USED;
  case STORE_RESET_EXPIRED:
    return RECOVERY_LINK_EXPIRED;
  default:
    return RECOVERY_LINK_INVALID;
  }
}

/* The state of the link carrying `token` (malformed → INVALID without a query). */
static bool recovery__lookup(call_t *call, const char *token, recovery_link_state_t *state,
                             int64_t *account_id, const char **campus_id, eh_err_t *err) {
  *state = RECOVERY_LINK_INVALID;
  *account_id = 0;
  *campus_id = "";
  if (!recovery_token_wellformed(token))
    return true;
  char token_hash[RECOVERY_HASH_HEX_LEN + 1];
  recovery_token_hash(token, token_hash);
  store_reset_state_t s;
  if (!store_reset_lookup(call->arena, call->pg, call->deadline_ms, token_hash, &s, account_id,
                          campus_id, err))
    return false;
  *state = recovery__link_state(s);
  return true;
}

void identity_check_password_reset(call_t *call, const ProtobufCMessage *req,
                                   ProtobufCMessage **resp, eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Identity__V1__CheckPasswordResetRequest *in =
      (const Ehall__Identity__V1__CheckPasswordResetRequest *)req;
  recovery_link_state_t state;
  int64_t account_id;
  const char *campus_id;
  if (!recovery__lookup(call, in->token, &state, &account_id, &campus_id, err))
    return;
  Ehall__Identity__V1__CheckPasswordResetReply *out = arena_alloc(a, sizeof(*out));
  ehall__identity__v1__check_password_reset_reply__init(out);
  out->state = (Ehall__Identity__V1__ResetTokenState)state;
  out->message = (char *)recovery_link_message(state, call->language);
  if (state == RECOVERY_LINK_VALID)
    out->campus_id_hint = (char *)recovery_campus_id_mask(a, campus_id);
  *resp = &out->base;
}

/* --- ResetPassword -------------------------------------------------------------------------- */

typedef struct {
  call_t *call;
  const char *token_hash;
  int64_t account_id;
  const char *campus_id;
  const char *password_hash;
} recovery_reset_t;

static bool recovery__tx_reset(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  const recovery_reset_t *r = ud;
  store_reset_state_t s;
  int64_t account_id = 0;
  if (!store_reset_consume_tx(a, conn, r->token_hash, &s, &account_id, err))
    return false;
  /* Someone else used it (or it expired) since the check before hashing. */
  if (s != STORE_RESET_VALID || account_id != r->account_id)
    return recovery_link_error(recovery__link_state(s), err);
  /* An account disabled after the link was mailed keeps its credentials as they are. */
  store_account_t acct;
  if (!store_account_lock_tx(a, conn, account_id, &acct, err))
    return false;
  if (acct.status == STORE_ACCOUNT_DISABLED)
    return eh_err_set(err, EH_PERMISSION_DENIED, NULL, "账号已停用，如有疑问请联系管理员",
                      "this account is disabled; contact the administrator");
  return store_account_set_password_tx(a, conn, account_id, r->password_hash, false, err) &&
         audit_append_tx(r->call, a, conn, AUDIT_PASSWORD_RESET, recovery__target(a, r->campus_id),
                         "{\"via\":\"email\"}", err);
}

void identity_reset_password(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Identity__V1__ResetPasswordRequest *in =
      (const Ehall__Identity__V1__ResetPasswordRequest *)req;
  recovery_link_state_t state;
  recovery_reset_t r = {.call = call};
  if (!recovery__lookup(call, in->token, &state, &r.account_id, &r.campus_id, err))
    return;
  if (state != RECOVERY_LINK_VALID) {
    recovery_link_error(state, err);
    return;
  }
  const char *pw = in->new_password ? in->new_password : "";
  if (strlen(pw) > PASSWORD_MAX_LEN) {
    eh_err_set(err, EH_INVALID, "new_password", "密码过长（最多 128 个字符）",
               "the password is too long (at most 128 characters)");
    return;
  }
  if (!password_policy_check(pw, r.campus_id, NULL, "new_password", err))
    return;
  if (!hashpool_hash(call, pw, &r.password_hash, err))
    return;
  char token_hash[RECOVERY_HASH_HEX_LEN + 1];
  recovery_token_hash(in->token, token_hash);
  r.token_hash = token_hash;
  if (!store_pg_tx(a, call->pg, call->deadline_ms, recovery__tx_reset, &r, err))
    return;
  LOG_INFO("identity", "password reset account_id=%lld", (long long)r.account_id);

  /* The password changed: every session opened with the old one ends now. Redis failing here
   * is reported, not hidden: the caller must know the old sessions may still be open. */
  int ended = 0;
  if (!identity_sessions_end_all(call, r.account_id, NULL, &ended, err)) {
    LOG_ERROR("identity", "password reset but sessions not ended account_id=%lld status=%s",
              (long long)r.account_id, eh_status_name(err->code));
    return;
  }
  /* A forgotten password often comes after a lock: the new one works at once. */
  identity_throttle_ok(call, r.campus_id);

  Ehall__Identity__V1__ResetPasswordReply *out = arena_alloc(a, sizeof(*out));
  ehall__identity__v1__reset_password_reply__init(out);
  out->message = (char *)recovery_reset_done_message(call->language);
  *resp = &out->base;
}
