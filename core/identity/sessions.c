/*
 * sessions.c — user sessions and login throttling (sessions.h) over core/store/session_store,
 * with the decisions taken in session_rules. Also the Account and LoginReply messages.
 *
 * The token leaves this file once, in identity_session_t.token for the client; Redis only ever
 * sees its SHA-256. Never logs a token, a password, an email or a campus id typed at login.
 */
#include "core/common/pbtime.h"
#include "core/identity/sessions.h"

#include <string.h>

#include "core/common/crypto.h"
#include "core/common/log.h"
#include "core/config.h"
#include "core/identity/audit.h"
#include "core/identity/session_rules.h"
#include "core/store/session_store.h"
#include "ehall/identity/v1/identity.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

#define SESSIONS_TOKEN_BYTES 32 /* 256 random bits */
#define SESSIONS_ID_BYTES 12    /* the public id: 16 base64url characters */
#define SESSIONS_DEVICE_CHARS 100
#define SESSIONS_MP_LIFE_S (30 * 86400) /* mini-program: idle only, capped at 30 days */
#define SESSIONS_UNIT_SEP "\x1f"

static void sessions__hash(const char *token, char out[65]) {
  crypto_sha256_hex(token, strlen(token), out);
}

/* Role bits and dept-admin units of an account, as the session keeps them. */
static unsigned sessions__roles(arena_t *a, const store_account_t *acct, const char **units) {
  unsigned bits = 0;
  char *u = "";
  for (size_t i = 0; i < acct->n_roles; i++) {
    const store_role_t *r = &acct->roles[i];
    if (strcmp(r->name, "student") == 0) {
      bits |= CALL_ROLE_STUDENT;
    } else if (strcmp(r->name, "staff") == 0) {
      bits |= CALL_ROLE_STAFF;
    } else if (strcmp(r->name, "hall_admin") == 0) {
      bits |= CALL_ROLE_HALL_ADMIN;
    } else if (strcmp(r->name, "dept_admin") == 0 && r->org_unit != NULL && *r->org_unit) {
      bits |= CALL_ROLE_DEPT_ADMIN;
      u = *u ? arena_printf(a, "%s" SESSIONS_UNIT_SEP "%s", u, r->org_unit)
             : arena_strdup(a, r->org_unit);
    }
  }
  *units = u;
  return bits;
}

bool identity_session_open(call_t *call, const store_account_t *acct, const char *client,
                           const char *device, identity_session_t *out, eh_err_t *err) {
  arena_t *a = call->arena;
  bool mp = client != NULL && strcmp(client, "mp") == 0;
  char *token = arena_alloc(a, CRYPTO_B64URL_LEN(SESSIONS_TOKEN_BYTES) + 1);
  char *sid = arena_alloc(a, CRYPTO_B64URL_LEN(SESSIONS_ID_BYTES) + 1);
  crypto_random_token(token, SESSIONS_TOKEN_BYTES);
  crypto_random_token(sid, SESSIONS_ID_BYTES);
  char th[65];
  sessions__hash(token, th);

  const char *dev = device != NULL && *device ? device : call->user_agent;
  int64_t life_s = mp ? SESSIONS_MP_LIFE_S : call->cfg->session_absolute_s;
  int64_t idle_s = mp ? call->cfg->session_idle_mp_s : call->cfg->session_idle_web_s;
  store_session_t s = {
      .account_id = acct->id,
      .campus_id = acct->campus_id,
      .session_id = sid,
      .must_change = acct->must_change_password,
      .client = mp ? "mp" : "web",
      .device = session_rules_device_cut(a, dev, SESSIONS_DEVICE_CHARS),
      .ip = call->client_ip != NULL ? call->client_ip : "",
      .idle_ms = idle_s * 1000,
      .absolute_ms = life_s * 1000,
  };
  s.roles = sessions__roles(a, acct, &s.admin_units);
  if (!store_session_create(a, call->redis, th, &s, err))
    return false;
  out->token = token;
  out->cookie_only = !mp && call->via_gateway;
  out->session_id = sid;
  out->expire_unix_s = s.expire_unix_ms / 1000;
  out->lifetime_s = life_s;
  return true;
}

bool identity_session_resolve(call_t *call, const char *token, bool *found, eh_err_t *err) {
  arena_t *a = call->arena;
  *found = false;
  /* Our tokens are 43 characters; anything far off is not worth a hash and a round trip. */
  size_t n = strlen(token);
  if (n < 16 || n > 256)
    return true;
  char th[65];
  sessions__hash(token, th);
  store_session_t s;
  if (!store_session_touch(a, call->redis, th, &s, found, err) || !*found)
    return eh_ok(err);
  call_principal_t *p = &call->principal;
  p->actor = CALL_USER;
  p->account_id = s.account_id;
  p->campus_id = s.campus_id;
  p->session_id = s.session_id;
  p->roles = s.roles;
  p->must_change_password = s.must_change;
  p->admin_units = NULL;
  p->n_admin_units = 0;
  if (s.admin_units != NULL && *s.admin_units) {
    size_t cnt = 1;
    for (const char *q = s.admin_units; *q; q++)
      cnt += *q == SESSIONS_UNIT_SEP[0];
    const char **units = arena_alloc(a, sizeof(*units) * cnt);
    char *copy = arena_strdup(a, s.admin_units);
    size_t i = 0;
    for (char *save = NULL, *tok = strtok_r(copy, SESSIONS_UNIT_SEP, &save); tok && i < cnt;
         tok = strtok_r(NULL, SESSIONS_UNIT_SEP, &save))
      units[i++] = tok;
    p->admin_units = units;
    p->n_admin_units = i;
  }
  return true;
}

bool identity_account_may_log_in(const store_account_t *acct, eh_err_t *err) {
  if (acct->status == STORE_ACCOUNT_DISABLED)
    return eh_err_set(err, EH_PERMISSION_DENIED, NULL, "账号已停用，如有疑问请联系管理员",
                      "this account is disabled; contact the administrator");
  if (acct->status == STORE_ACCOUNT_LOCKED)
    return eh_err_set(err, EH_PERMISSION_DENIED, NULL, "账号已锁定，请联系管理员解锁",
                      "this account is locked; ask the administrator to unlock it");
  return true; /* active, graduated */
}

bool identity_sessions_end_all(call_t *call, int64_t account_id, const char *keep_session_id,
                               int *ended, eh_err_t *err) {
  return store_session_end_all(call->arena, call->redis, account_id, keep_session_id, ended, err);
}

static session_throttle_cfg_t sessions__throttle_cfg(const call_t *call) {
  const struct core_config *c = call->cfg;
  session_throttle_cfg_t t = {
      .free_failures = c->login_free_failures,
      .lock_failures = c->login_lock_failures,
      .lock_s = c->login_lock_s,
      .window_s = c->login_window_s,
      .max_per_hour = c->login_max_per_hour,
      .ip_lock_failures = c->login_ip_lock_failures,
  };
  return t;
}

bool identity_throttle_check(call_t *call, const char *campus_id, eh_err_t *err) {
  arena_t *a = call->arena;
  const char *key = session_rules_account_key(a, campus_id);
  store_login_counts_t ac, ic;
  int64_t now = 0;
  if (!store_login_counts_get(a, call->redis, key, call->client_ip, &ac, &ic, &now, err))
    return false; /* Redis down: no login without its counters (never a guess) */
  session_fail_counts_t acct = {ac.fails, ac.window_start_ms, ac.last_fail_ms, ac.hour_fails,
                                ac.hour_start_ms};
  session_fail_counts_t ip = {ic.fails, ic.window_start_ms, ic.last_fail_ms, 0, 0};
  session_throttle_cfg_t cfg = sessions__throttle_cfg(call);
  int64_t wait = 0;
  session_throttle_t t = session_rules_throttle(&cfg, &acct, &ip, now, &wait);
  if (t == SESSION_THROTTLE_OK)
    return true;
  if (t == SESSION_THROTTLE_LOCKED) {
    eh_err_t ae = EH_ERR_INIT;
    const char *detail = arena_printf(a, "{\"retry_after_ms\":%lld}", (long long)wait);
    audit_append(call, AUDIT_LOGIN_LOCKED, arena_printf(a, "account:%s", key), detail, &ae);
  }
  return session_rules_throttle_error(t, wait, err);
}

void identity_throttle_fail(call_t *call, const char *campus_id) {
  arena_t *a = call->arena;
  const struct core_config *c = call->cfg;
  int64_t keep_s = c->login_window_s;
  if (c->login_lock_s > keep_s)
    keep_s = c->login_lock_s;
  if (keep_s < 3600)
    keep_s = 3600; /* the hourly cap must outlive the window */
  eh_err_t e = EH_ERR_INIT;
  if (!store_login_fail(a, call->redis, session_rules_account_key(a, campus_id), call->client_ip,
                        (int64_t)c->login_window_s * 1000, keep_s * 1000, &e))
    LOG_WARN("identity", "cannot count a failed login: %s", e.detail);
}

void identity_throttle_ok(call_t *call, const char *campus_id) {
  eh_err_t e = EH_ERR_INIT;
  if (!identity_throttle_clear(call, campus_id, &e))
    LOG_WARN("identity", "cannot clear login failures: %s", e.detail);
}

bool identity_throttle_clear(call_t *call, const char *campus_id, eh_err_t *err) {
  return store_login_clear(call->arena, call->redis,
                           session_rules_account_key(call->arena, campus_id), err);
}

ProtobufCMessage *identity_account_message(call_t *call, const store_account_t *acct, bool full) {
  arena_t *a = call->arena;
  Ehall__Identity__V1__Account *m = arena_alloc(a, sizeof(*m));
  ehall__identity__v1__account__init(m);
  m->campus_id = (char *)acct->campus_id;
  m->name = (char *)acct->name;
  m->kind = (Ehall__Identity__V1__AccountKind)acct->kind;
  m->org_unit = (char *)(acct->org_unit != NULL ? acct->org_unit : "");
  const char *email = acct->email != NULL ? acct->email : "";
  m->email = (char *)(full ? email : session_rules_mask_email(a, email));
  m->phone = (char *)(acct->phone != NULL ? acct->phone : "");
  if (!full && *m->phone) {
    size_t pl = strlen(m->phone);
    m->phone = pl > 7 ? arena_printf(a, "%.3s****%s", m->phone, m->phone + pl - 4) : "****";
  }
  m->status = (Ehall__Identity__V1__AccountStatus)acct->status;
  m->n_roles = acct->n_roles;
  m->roles = arena_alloc(a, sizeof(*m->roles) * (acct->n_roles + 1));
  for (size_t i = 0; i < acct->n_roles; i++) {
    Ehall__Identity__V1__Role *r = arena_alloc(a, sizeof(*r));
    ehall__identity__v1__role__init(r);
    r->name = (char *)acct->roles[i].name;
    r->org_unit = (char *)(acct->roles[i].org_unit != NULL ? acct->roles[i].org_unit : "");
    m->roles[i] = r;
  }
  m->must_change_password = acct->must_change_password;
  m->wechat_bound = acct->wechat_openid != NULL && *acct->wechat_openid;
  m->create_time = pbtime_from_us(a, acct->create_unix_s * 1000000);
  m->last_login_time = pbtime_from_us(a, acct->last_login_unix_s * 1000000);
  m->password_change_time = pbtime_from_us(a, acct->password_change_unix_s * 1000000);
  return &m->base;
}

ProtobufCMessage *identity_login_reply(call_t *call, const store_account_t *acct,
                                       const identity_session_t *s) {
  Ehall__Identity__V1__LoginReply *r = arena_alloc(call->arena, sizeof(*r));
  ehall__identity__v1__login_reply__init(r);
  r->token = (char *)(s->cookie_only ? "" : s->token);
  r->expire_time = pbtime_from_us(call->arena, s->expire_unix_s * 1000000);
  r->must_change_password = acct->must_change_password;
  r->account = (Ehall__Identity__V1__Account *)identity_account_message(call, acct, true);
  return &r->base;
}
