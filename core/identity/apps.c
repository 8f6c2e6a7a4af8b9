/*
 * apps.c — third-party campus apps: CreateApp / ListApps / RevokeApp (hall admins only),
 * ExchangeAppToken (client credentials → a short-lived app token) and the token check of the
 * auth gate (apps.h).
 *
 * Secrets and tokens are 32 random bytes; only their SHA-256 is stored (PostgreSQL for the
 * secret, Redis for tokens), and the secret is shown once, in CreateApp's reply. Must never
 * log a secret or a token.
 */
#include "core/common/pbtime.h"
#include "core/identity/apps.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/common/crypto.h"
#include "core/common/log.h"
#include "core/config.h"
#include "core/identity/apps_rules.h"
#include "core/identity/audit.h"
#include "core/identity/identity.h"
#include "core/store/app_store.h"
#include "ehall/identity/v1/identity.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

#define APPS_MODULE "apps"
#define APPS_CLIENT_ID_PREFIX "cli_"
#define APPS_SECRET_BYTES 32
#define APPS_TOKEN_BYTES 32
#define APPS_PAGE_DEFAULT 20
#define APPS_PAGE_MAX 100

static Ehall__Identity__V1__App *apps__message(arena_t *a, const store_app_t *app) {
  Ehall__Identity__V1__App *m = arena_alloc(a, sizeof(*m));
  ehall__identity__v1__app__init(m);
  m->client_id = (char *)app->client_id;
  m->name = (char *)app->name;
  m->n_scopes = app->n_scopes;
  m->scopes = (char **)app->scopes;
  m->n_allowed_ips = app->n_allowed_ips;
  m->allowed_ips = (char **)app->allowed_ips;
  m->create_time = pbtime_from_us(a, app->create_unix_us);
  if (app->revoke_unix_us != 0) {
    m->revoke_time = pbtime_from_us(a, app->revoke_unix_us);
    m->revoked = true;
  }
  return m;
}

static bool apps__hall_admin(call_t *call, eh_err_t *err) {
  if (call->principal.actor == CALL_USER && call_has_role(call, CALL_ROLE_HALL_ADMIN))
    return true;
  return eh_err_set(err, EH_PERMISSION_DENIED, NULL, "仅大厅管理员可以管理第三方应用",
                    "only hall admins may manage third-party apps");
}

/* Lower-case hex SHA-256 of a string (secrets, tokens): what is stored and looked up. */
static const char *apps__sha(arena_t *a, const char *s) {
  char *hex = arena_alloc(a, CRYPTO_HEX_LEN(CRYPTO_SHA256_LEN) + 1);
  crypto_sha256_hex(s, strlen(s), hex);
  return hex;
}

static const char *apps__scopes_json(arena_t *a, const char *const *scopes, size_t n) {
  /* Scope names come from the published list: plain ASCII, nothing to escape. */
  size_t cap = 16;
  for (size_t i = 0; i < n; i++)
    cap += strlen(scopes[i]) + 4;
  char *s = arena_alloc(a, cap), *p = s;
  *p++ = '[';
  for (size_t i = 0; i < n; i++)
    p += sprintf(p, "%s\"%s\"", i ? "," : "", scopes[i]);
  *p++ = ']';
  *p = '\0';
  return s;
}

/* --- CreateApp -------------------------------------------------------------------------- */

typedef struct apps_create {
  call_t *call;
  store_app_t in, out;
} apps_create_t;

static bool apps__create_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  apps_create_t *c = ud;
  if (!store_app_insert_tx(a, conn, &c->in, &c->out, err))
    return false;
  const char *detail =
      arena_printf(a, "{\"scopes\":%s,\"allowed_ips\":%zu}",
                   apps__scopes_json(a, c->in.scopes, c->in.n_scopes), c->in.n_allowed_ips);
  return audit_append_tx(c->call, a, conn, AUDIT_APP_CREATE,
                         arena_printf(a, "app:%s", c->out.client_id), detail, err);
}

void identity_create_app(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Identity__V1__CreateAppRequest *in =
      (const Ehall__Identity__V1__CreateAppRequest *)req;
  if (!apps__hall_admin(call, err))
    return;
  apps_new_t clean;
  if (!apps_rules_new(a, in->name, (const char *const *)in->scopes, in->n_scopes,
                      (const char *const *)in->allowed_ips, in->n_allowed_ips, &clean, err))
    return;

  char idpart[CRYPTO_B64URL_LEN(12) + 1];
  crypto_random_token(idpart, 12);
  char *secret = arena_alloc(a, CRYPTO_B64URL_LEN(APPS_SECRET_BYTES) + 1);
  crypto_random_token(secret, APPS_SECRET_BYTES);

  apps_create_t c = {.call = call};
  c.in.client_id = arena_printf(a, APPS_CLIENT_ID_PREFIX "%s", idpart);
  c.in.name = clean.name;
  c.in.scopes = clean.scopes;
  c.in.n_scopes = clean.n_scopes;
  c.in.allowed_ips = clean.allowed_ips;
  c.in.n_allowed_ips = clean.n_allowed_ips;
  c.in.secret_hash = apps__sha(a, secret);
  c.in.created_by = call->principal.campus_id ? call->principal.campus_id : "";
  if (!store_pg_tx(a, call->pg, call->deadline_ms, apps__create_tx, &c, err))
    return;
  LOG_INFO(APPS_MODULE, "app created client_id=%s scopes=%zu", c.out.client_id, c.out.n_scopes);

  Ehall__Identity__V1__CreateAppReply *out = arena_alloc(a, sizeof(*out));
  ehall__identity__v1__create_app_reply__init(out);
  out->app = apps__message(a, &c.out);
  out->client_secret = secret;
  *resp = &out->base;
}

/* --- ListApps --------------------------------------------------------------------------- */

void identity_list_apps(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Identity__V1__ListAppsRequest *in =
      (const Ehall__Identity__V1__ListAppsRequest *)req;
  if (!apps__hall_admin(call, err))
    return;
  if (in->page_size < 0) {
    eh_err_set(err, EH_INVALID, "page_size", "每页条数不能为负数",
               "page_size must not be negative");
    return;
  }
  int size = in->page_size == 0 ? APPS_PAGE_DEFAULT
                                : (in->page_size > APPS_PAGE_MAX ? APPS_PAGE_MAX : in->page_size);
  int64_t before = 0;
  if (in->page_token != NULL && in->page_token[0] != '\0') {
    /* The token is the id of the last app shown, as "a<id>": opaque to clients. */
    char *end = NULL;
    const char *t = in->page_token;
    long long v = t[0] == 'a' ? strtoll(t + 1, &end, 10) : 0;
    if (v <= 0 || end == NULL || *end != '\0' || strlen(t) > 21) {
      eh_err_set(err, EH_INVALID, "page_token", "分页标记无效", "invalid page_token");
      return;
    }
    before = v;
  }
  store_app_t *apps;
  size_t n;
  if (!store_app_list(a, call->pg, call->deadline_ms, before, size + 1, &apps, &n, err))
    return;
  Ehall__Identity__V1__ListAppsReply *out = arena_alloc(a, sizeof(*out));
  ehall__identity__v1__list_apps_reply__init(out);
  size_t shown = n > (size_t)size ? (size_t)size : n;
  out->apps = arena_alloc(a, sizeof(*out->apps) * (shown + 1));
  for (size_t i = 0; i < shown; i++)
    out->apps[out->n_apps++] = apps__message(a, &apps[i]);
  if (n > shown)
    out->next_page_token = arena_printf(a, "a%" PRId64, apps[shown - 1].id);
  *resp = &out->base;
}

/* --- RevokeApp -------------------------------------------------------------------------- */

typedef struct apps_revoke {
  call_t *call;
  const char *client_id;
  store_app_t out;
  bool newly;
} apps_revoke_t;

static bool apps__revoke_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  apps_revoke_t *r = ud;
  if (!store_app_revoke_tx(a, conn, r->client_id, &r->out, &r->newly, err))
    return false;
  if (!r->newly)
    return true;
  return audit_append_tx(r->call, a, conn, AUDIT_APP_REVOKE,
                         arena_printf(a, "app:%s", r->client_id), NULL, err);
}

void identity_revoke_app(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Identity__V1__RevokeAppRequest *in =
      (const Ehall__Identity__V1__RevokeAppRequest *)req;
  if (!apps__hall_admin(call, err))
    return;
  if (in->client_id == NULL || in->client_id[0] == '\0' || strlen(in->client_id) > 64) {
    eh_err_set(err, EH_INVALID, "client_id", "请填写应用的 client_id", "client_id is required");
    return;
  }
  apps_revoke_t r = {.call = call, .client_id = in->client_id};
  if (!store_pg_tx(a, call->pg, call->deadline_ms, apps__revoke_tx, &r, err))
    return;
  /* Always, even for an app revoked before: a retry after Redis was down finishes the job. */
  int ended = 0;
  if (!store_app_tokens_revoke(a, call->redis, r.client_id, call->cfg->app_token_ttl_s + 60, &ended,
                               err))
    return;
  LOG_INFO(APPS_MODULE, "app revoked client_id=%s tokens=%d", r.client_id, ended);
  *resp = &apps__message(a, &r.out)->base;
}

/* --- ExchangeAppToken ------------------------------------------------------------------- */

static bool apps__bad_credentials(eh_err_t *err) {
  return eh_err_set(err, EH_UNAUTHENTICATED, NULL, "应用凭证无效", "invalid client credentials");
}

/* True when the app may be used from ip: it has no allow-list, or ip is in one of its
 * networks. An allow-list entry that no longer parses fails closed (it never widens the list:
 * a list of only unreadable entries would otherwise allow every address). */
static bool apps__ip_ok(arena_t *a, const char *const *allowed, size_t n, const char *ip) {
  if (n == 0)
    return true;
  apps_cidr_t *nets = arena_alloc(a, sizeof(*nets) * n);
  for (size_t i = 0; i < n; i++)
    if (!apps_rules_cidr_parse(allowed[i], &nets[i], NULL)) {
      LOG_WARN(APPS_MODULE, "stored allow-list entry does not parse; refusing");
      return false;
    }
  return apps_rules_ip_allowed(nets, n, ip);
}

void identity_exchange_app_token(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                                 eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Identity__V1__ExchangeAppTokenRequest *in =
      (const Ehall__Identity__V1__ExchangeAppTokenRequest *)req;
  const char *cid = in->client_id ? in->client_id : "";
  const char *secret = in->client_secret ? in->client_secret : "";
  bool ok = true;
  if (cid[0] == '\0' || strlen(cid) > 64)
    ok = eh_err_set(err, EH_INVALID, "client_id", "请填写 client_id", "client_id is required");
  if (secret[0] == '\0' || strlen(secret) > 128)
    ok = eh_err_set(err, EH_INVALID, "client_secret", "请填写 client_secret",
                    "client_secret is required");
  if (!ok)
    return;

  store_app_t app;
  eh_err_t lookup = EH_ERR_INIT;
  bool found = store_app_by_client_id(a, call->pg, call->deadline_ms, cid, &app, &lookup);
  if (!found && lookup.code != EH_NOT_FOUND) {
    *err = lookup;
    return;
  }
  /* The secret is hashed and compared either way, so an unknown id costs the same. */
  const char *given = apps__sha(a, secret);
  const char *want =
      found ? app.secret_hash : "0000000000000000000000000000000000000000000000000000000000000000";
  bool match = crypto_equal_ct(given, want, CRYPTO_HEX_LEN(CRYPTO_SHA256_LEN));
  if (!found || !match) {
    LOG_INFO(APPS_MODULE, "app token refused reason=credentials");
    apps__bad_credentials(err);
    return;
  }
  if (app.revoke_unix_us != 0) {
    eh_err_set(err, EH_UNAUTHENTICATED, NULL, "该应用已被撤销", "this app has been revoked");
    return;
  }
  if (!apps__ip_ok(a, app.allowed_ips, app.n_allowed_ips, call->client_ip)) {
    LOG_INFO(APPS_MODULE, "app token refused client_id=%s reason=ip", app.client_id);
    eh_err_set(err, EH_PERMISSION_DENIED, NULL, "该应用不允许从此 IP 地址访问",
               "this app may not be used from this IP address");
    return;
  }

  /* Audited before the token exists: no token is ever issued without its row. */
  if (!audit_append(call, AUDIT_APP_TOKEN, arena_printf(a, "app:%s", app.client_id), NULL, err))
    return;
  char *token = arena_alloc(a, sizeof(APPS_TOKEN_PREFIX) + CRYPTO_B64URL_LEN(APPS_TOKEN_BYTES));
  memcpy(token, APPS_TOKEN_PREFIX, sizeof(APPS_TOKEN_PREFIX) - 1);
  crypto_random_token(token + sizeof(APPS_TOKEN_PREFIX) - 1, APPS_TOKEN_BYTES);
  int64_t ttl = call->cfg->app_token_ttl_s;
  eh_err_t put = EH_ERR_INIT;
  if (!store_app_token_put(a, call->redis, apps__sha(a, token), &app, ttl, &put)) {
    if (put.code == EH_CONFLICT)
      eh_err_set(err, EH_UNAUTHENTICATED, NULL, "该应用已被撤销", "this app has been revoked");
    else
      *err = put;
    return;
  }
  Ehall__Identity__V1__AppToken *out = arena_alloc(a, sizeof(*out));
  ehall__identity__v1__app_token__init(out);
  out->token = token;
  out->expire_time = pbtime_from_us(a, ((int64_t)time(NULL) + ttl) * 1000000);
  out->n_scopes = app.n_scopes;
  out->scopes = (char **)app.scopes;
  *resp = &out->base;
}

/* --- the gate's check ------------------------------------------------------------------- */

bool apps_token_authenticate(call_t *call, const char *token, eh_err_t *err) {
  arena_t *a = call->arena;
  if (token == NULL || strncmp(token, APPS_TOKEN_PREFIX, sizeof(APPS_TOKEN_PREFIX) - 1) != 0 ||
      strlen(token) > 256)
    return eh_err_set(err, EH_UNAUTHENTICATED, NULL, "应用令牌无效或已过期",
                      "invalid or expired app token");
  store_app_token_t t;
  bool found;
  if (!store_app_token_get(a, call->redis, apps__sha(a, token), &t, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_UNAUTHENTICATED, NULL, "应用令牌无效或已过期",
                      "invalid or expired app token");
  if (!apps__ip_ok(a, t.allowed_ips, t.n_allowed_ips, call->client_ip))
    return eh_err_set(err, EH_PERMISSION_DENIED, NULL, "该应用不允许从此 IP 地址访问",
                      "this app may not be used from this IP address");
  call_principal_t *p = &call->principal;
  memset(p, 0, sizeof(*p));
  p->actor = CALL_APP;
  p->app_client_id = t.client_id;
  p->scopes = t.scopes;
  p->n_scopes = t.n_scopes;
  return true;
}
