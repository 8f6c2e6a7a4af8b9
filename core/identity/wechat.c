/*
 * wechat.c — mini-program login: WeChatLogin (the wx.login code → jscode2session → our own
 * session, or a bind ticket the first time), WeChatBind (ticket + campus id + password) and
 * UnbindWeChat.
 *
 * jscode2session is called with libcurl at wechat.base_url (a loopback stand-in in tests),
 * 3-second timeouts. The session_key WeChat returns is never kept, stored, logged or sent on:
 * the reply buffer is wiped once the openid is read. Must never log the AppSecret, the code,
 * the session_key, the openid, a bind ticket or a password.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "core/common/crypto.h"
#include "core/common/log.h"
#include "core/config.h"
#include "core/identity/audit.h"
#include "core/identity/hashpool.h"
#include "core/identity/identity.h"
#include "core/identity/sessions.h"
#include "core/store/account_store.h"
#include "core/store/app_store.h"
#include "ehall/identity/v1/identity.pb-c.h"

#define WX_MODULE "wechat"
#define WX_TIMEOUT_MS 3000
#define WX_REPLY_MAX 16384
#define WX_TICKET_BYTES 24
#define WX_TICKET_TTL_S 600
#define WX_CODE_MAX 256
#define WX_RATE_RETRY_MS 60000

typedef struct wx_buf {
  char *data;
  size_t len;
  bool overflow;
} wx_buf_t;

static size_t wx__write(char *p, size_t size, size_t n, void *ud) {
  wx_buf_t *b = ud;
  size_t got = size * n;
  if (b->len + got >= WX_REPLY_MAX) {
    b->overflow = true;
    return 0;
  }
  memcpy(b->data + b->len, p, got);
  b->len += got;
  b->data[b->len] = '\0';
  return got;
}

static bool wx__unavailable(eh_err_t *err) {
  return eh_err_set(err, EH_UNAVAILABLE, NULL, "微信服务暂时不可用，请稍后再试",
                    "WeChat is unavailable, please try again later");
}

/* Maps a jscode2session errcode (never 0) to our status. */
static bool wx__errcode(long code, eh_err_t *err) {
  switch (code) {
  case 40029: /* invalid code */
  case 40163: /* code already used */
    return eh_err_set(err, EH_INVALID, "code", "登录凭证无效，请重新进入小程序",
                      "the login code is invalid; please reopen the mini-program");
  case 45011: /* 100 per minute per user */
    eh_err_set(err, EH_RESOURCE_EXHAUSTED, NULL, "登录过于频繁，请一分钟后再试",
               "too many logins; please try again in a minute");
    err->retry_after_ms = WX_RATE_RETRY_MS;
    return false;
  case 40226: /* high-risk user */
    return eh_err_set(err, EH_PERMISSION_DENIED, NULL, "该微信账号存在安全风险，暂时无法登录",
                      "this WeChat account is restricted for security reasons");
  default: /* -1 busy, and our own misconfiguration (40013 appid, 40125 secret) alike */
    wx__unavailable(err);
    eh_err_detail(err, "jscode2session errcode=%ld", code);
    return false;
  }
}

/* GET {base}/sns/jscode2session: *openid (owned by a) or an error. */
static bool wx__jscode2session(call_t *call, const char *code, const char **openid, eh_err_t *err) {
  arena_t *a = call->arena;
  const core_config_t *cfg = call->cfg;
  int64_t left = call_ms_left(call);
  if (left <= 0)
    return eh_err_set(err, EH_DEADLINE, NULL, "请求超时", "deadline exceeded");
  CURL *c = curl_easy_init();
  if (c == NULL)
    return wx__unavailable(err);
  char *appid = curl_easy_escape(c, cfg->wechat_appid, 0);
  char *secret = curl_easy_escape(c, cfg->wechat_secret ? cfg->wechat_secret : "", 0);
  char *jscode = curl_easy_escape(c, code, 0);
  size_t bl = strlen(cfg->wechat_base_url);
  while (bl > 0 && cfg->wechat_base_url[bl - 1] == '/')
    bl--;
  char *url = arena_printf(
      a, "%.*s/sns/jscode2session?appid=%s&secret=%s&js_code=%s&grant_type=authorization_code",
      (int)bl, cfg->wechat_base_url, appid ? appid : "", secret ? secret : "",
      jscode ? jscode : "");
  curl_free(appid);
  curl_free(secret);
  curl_free(jscode);

  wx_buf_t buf = {.data = arena_alloc(a, WX_REPLY_MAX)};
  buf.data[0] = '\0';
  long timeout = left < WX_TIMEOUT_MS ? (long)left : WX_TIMEOUT_MS;
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, wx__write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &buf);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "ehall-core");
  CURLcode rc = curl_easy_perform(c);
  long http = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
  curl_easy_cleanup(c);
  /* The URL holds the AppSecret and the code: wipe it now. */
  explicit_bzero(url, strlen(url));

  bool ok = false;
  if (rc != CURLE_OK || http != 200 || buf.overflow) {
    LOG_WARN(WX_MODULE, "jscode2session failed curl=%s http=%ld", curl_easy_strerror(rc), http);
    wx__unavailable(err);
    eh_err_detail(err, "jscode2session curl=%d http=%ld", (int)rc, http);
  } else {
    cJSON *j = cJSON_ParseWithLength(buf.data, buf.len);
    const cJSON *ec = j ? cJSON_GetObjectItemCaseSensitive(j, "errcode") : NULL;
    const cJSON *oid = j ? cJSON_GetObjectItemCaseSensitive(j, "openid") : NULL;
    long code_num = cJSON_IsNumber(ec) ? (long)ec->valuedouble : 0;
    if (j == NULL || !cJSON_IsObject(j)) {
      LOG_WARN(WX_MODULE, "jscode2session answered something that is not a JSON object");
      wx__unavailable(err);
    } else if (code_num != 0) {
      LOG_INFO(WX_MODULE, "jscode2session errcode=%ld", code_num);
      wx__errcode(code_num, err);
    } else if (!cJSON_IsString(oid) || oid->valuestring[0] == '\0' ||
               strlen(oid->valuestring) > 128) {
      LOG_WARN(WX_MODULE, "jscode2session answered without an openid");
      wx__unavailable(err);
    } else {
      *openid = arena_strdup(a, oid->valuestring);
      ok = true;
    }
    if (j != NULL) {
      /* cJSON's copies of the session_key go back to the heap: wipe them first. */
      const cJSON *sk = cJSON_GetObjectItemCaseSensitive(j, "session_key");
      if (cJSON_IsString(sk))
        explicit_bzero(sk->valuestring, strlen(sk->valuestring));
      cJSON_Delete(j);
    }
  }
  explicit_bzero(buf.data, WX_REPLY_MAX);
  return ok;
}

static const char *wx__sha(arena_t *a, const char *s) {
  char *hex = arena_alloc(a, CRYPTO_HEX_LEN(CRYPTO_SHA256_LEN) + 1);
  crypto_sha256_hex(s, strlen(s), hex);
  return hex;
}

/* Opens an "mp" session for acct and answers its LoginReply. */
static bool wx__open(call_t *call, const store_account_t *acct, const char *device,
                     const char *method, ProtobufCMessage **resp, eh_err_t *err) {
  identity_session_t s;
  if (!identity_session_open(call, acct, "mp", device ? device : "", &s, err))
    return false;
  eh_err_t ignore = EH_ERR_INIT;
  store_account_touch_login(call->arena, call->pg, call->deadline_ms, acct->id, &ignore);
  eh_err_t aerr = EH_ERR_INIT;
  audit_append(call, AUDIT_LOGIN_OK, arena_printf(call->arena, "account:%s", acct->campus_id),
               arena_printf(call->arena, "{\"method\":\"%s\",\"client\":\"mp\"}", method), &aerr);
  *resp = identity_login_reply(call, acct, &s);
  return true;
}

void identity_wechat_login(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Identity__V1__WeChatLoginRequest *in =
      (const Ehall__Identity__V1__WeChatLoginRequest *)req;
  const char *code = in->code ? in->code : "";
  if (code[0] == '\0' || strlen(code) > WX_CODE_MAX) {
    eh_err_set(err, EH_INVALID, "code", "登录凭证无效，请重新进入小程序",
               "the login code is invalid; please reopen the mini-program");
    return;
  }
  if (in->device && strlen(in->device) > 400) {
    eh_err_set(err, EH_INVALID, "device", "设备描述过长", "device is too long");
    return;
  }
  if (call->cfg->wechat_appid == NULL || call->cfg->wechat_appid[0] == '\0') {
    eh_err_set(err, EH_UNAVAILABLE, NULL, "微信登录尚未开通", "WeChat login is not configured");
    return;
  }
  const char *openid = NULL;
  if (!wx__jscode2session(call, code, &openid, err))
    return;

  store_account_t acct;
  eh_err_t lookup = EH_ERR_INIT;
  if (store_account_by_openid(a, call->pg, call->deadline_ms, openid, &acct, &lookup)) {
    if (!identity_account_may_log_in(&acct, err))
      return;
    wx__open(call, &acct, in->device, "wechat", resp, err);
    return;
  }
  if (lookup.code != EH_NOT_FOUND) {
    *err = lookup;
    return;
  }
  /* Not bound yet: a single-use ticket that remembers the openid for the bind step. */
  char *ticket = arena_alloc(a, CRYPTO_B64URL_LEN(WX_TICKET_BYTES) + 1);
  crypto_random_token(ticket, WX_TICKET_BYTES);
  if (!store_wechat_ticket_put(a, call->redis, wx__sha(a, ticket), openid, WX_TICKET_TTL_S, err))
    return;
  Ehall__Identity__V1__LoginReply *out = arena_alloc(a, sizeof(*out));
  ehall__identity__v1__login_reply__init(out);
  out->bind_required = true;
  out->bind_ticket = ticket;
  *resp = &out->base;
}

typedef struct wx_bind {
  call_t *call;
  int64_t account_id;
  const char *openid;
  store_account_t acct;
} wx_bind_t;

static bool wx__bind_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  wx_bind_t *b = ud;
  if (!store_account_lock_tx(a, conn, b->account_id, &b->acct, err))
    return false;
  if (b->acct.wechat_openid[0] != '\0' && strcmp(b->acct.wechat_openid, b->openid) != 0)
    return eh_err_set(err, EH_ALREADY_EXISTS, NULL, "该账号已绑定其他微信，请先解绑",
                      "this account is bound to another WeChat user; unbind it first");
  eh_err_t e = EH_ERR_INIT;
  if (!store_account_set_openid_tx(a, conn, b->account_id, b->openid, &e)) {
    if (e.code == EH_ALREADY_EXISTS)
      return eh_err_set(err, EH_ALREADY_EXISTS, NULL, "该微信已绑定其他账号，请先解绑",
                        "this WeChat user is bound to another account; unbind it first");
    *err = e;
    return false;
  }
  b->acct.wechat_openid = b->openid;
  return audit_append_tx(b->call, a, conn, AUDIT_WECHAT_BIND,
                         arena_printf(a, "account:%s", b->acct.campus_id), NULL, err);
}

static bool wx__ticket_gone(eh_err_t *err) {
  return eh_err_set(err, EH_UNAUTHENTICATED, "bind_ticket", "绑定已过期，请重新进入小程序",
                    "the bind ticket has expired; please reopen the mini-program");
}

void identity_wechat_bind(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Identity__V1__WeChatBindRequest *in =
      (const Ehall__Identity__V1__WeChatBindRequest *)req;
  const char *ticket = in->bind_ticket ? in->bind_ticket : "";
  const char *cid = in->campus_id ? in->campus_id : "";
  const char *pw = in->password ? in->password : "";
  bool ok = true;
  if (ticket[0] == '\0' || strlen(ticket) > 128)
    ok = wx__ticket_gone(err);
  if (cid[0] == '\0' || strlen(cid) > 32)
    ok =
        eh_err_set(err, EH_INVALID, "campus_id", "请输入学号或工号", "please enter your campus id");
  if (pw[0] == '\0' || strlen(pw) > PASSWORD_MAX_LEN)
    ok = eh_err_set(err, EH_INVALID, "password", "请输入密码", "please enter your password");
  if (in->device && strlen(in->device) > 400)
    ok = eh_err_set(err, EH_INVALID, "device", "设备描述过长", "device is too long");
  if (!ok)
    return;

  const char *thash = wx__sha(a, ticket);
  const char *openid;
  if (!store_wechat_ticket_peek(a, call->redis, thash, &openid, err))
    return;
  if (openid == NULL) {
    wx__ticket_gone(err);
    return;
  }
  if (!identity_throttle_check(call, cid, err))
    return;
  store_account_t acct;
  eh_err_t lookup = EH_ERR_INIT;
  bool found = store_account_by_campus_id(a, call->pg, call->deadline_ms, cid, &acct, &lookup);
  if (!found && lookup.code != EH_NOT_FOUND) {
    *err = lookup;
    return;
  }
  password_verdict_t verdict = PASSWORD_MISMATCH;
  /* An unknown account is verified against nothing (a dummy hash): same time, same answer. */
  if (!hashpool_verify(call, found ? acct.password_hash : NULL, pw, &verdict, err))
    return;
  if (!found || (verdict != PASSWORD_MATCH && verdict != PASSWORD_MATCH_REHASH)) {
    identity_throttle_fail(call, cid);
    eh_err_t aerr = EH_ERR_INIT;
    /* An id that names no account is not written down: people type passwords into it. */
    audit_append(call, AUDIT_LOGIN_FAIL, found ? arena_printf(a, "account:%s", acct.campus_id)
                                               : "account:?",
                 "{\"method\":\"wechat_bind\"}", &aerr);
    eh_err_set(err, EH_UNAUTHENTICATED, NULL, "学号或密码错误", "wrong campus id or password");
    return;
  }
  identity_throttle_ok(call, cid);
  if (!identity_account_may_log_in(&acct, err))
    return;
  /* Single use: of two binds racing with one ticket, only one takes it. */
  if (!store_wechat_ticket_take(a, call->redis, thash, &openid, err))
    return;
  if (openid == NULL) {
    wx__ticket_gone(err);
    return;
  }
  wx_bind_t b = {.call = call, .account_id = acct.id, .openid = openid};
  if (!store_pg_tx(a, call->pg, call->deadline_ms, wx__bind_tx, &b, err))
    return;
  LOG_INFO(WX_MODULE, "wechat bound account_id=%lld", (long long)acct.id);
  wx__open(call, &b.acct, in->device, "wechat_bind", resp, err);
}

typedef struct wx_unbind {
  call_t *call;
  store_account_t acct;
  bool changed;
} wx_unbind_t;

static bool wx__unbind_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  wx_unbind_t *u = ud;
  if (!store_account_lock_tx(a, conn, u->call->principal.account_id, &u->acct, err))
    return false;
  u->changed = u->acct.wechat_openid[0] != '\0';
  if (!u->changed)
    return true;
  if (!store_account_set_openid_tx(a, conn, u->acct.id, "", err))
    return false;
  u->acct.wechat_openid = "";
  return audit_append_tx(u->call, a, conn, AUDIT_WECHAT_UNBIND,
                         arena_printf(a, "account:%s", u->acct.campus_id), NULL, err);
}

void identity_unbind_wechat(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err) {
  (void)req;
  if (call->principal.actor != CALL_USER) {
    eh_err_set(err, EH_UNAUTHENTICATED, NULL, "请先登录", "please log in first");
    return;
  }
  wx_unbind_t u = {.call = call};
  if (!store_pg_tx(call->arena, call->pg, call->deadline_ms, wx__unbind_tx, &u, err))
    return;
  if (u.changed)
    LOG_INFO(WX_MODULE, "wechat unbound account_id=%lld", (long long)u.acct.id);
  *resp = identity_account_message(call, &u.acct, true);
}
