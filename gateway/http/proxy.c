/*
 * proxy.c — API requests: route match, JSON → protobuf (body, path variables, query), the
 * gRPC call, and the answer printed back as JSON; also /healthz, answered from the state the
 * client's health Watch stream keeps (no gRPC call per probe).
 *
 * Runs on the loop thread except http__on_call_done (the client's completion thread), which
 * only posts the result to the owning loop. The loop never waits for the core. A request that
 * goes away before its answer detaches its call (http__call_detach); the late result is freed
 * unread. Never logs bodies, query strings or metadata values (the bearer token travels there).
 *
 * The web session cookie is transport, not policy: a request without an Authorization header
 * but with the ehall_session cookie is forwarded as `authorization: Bearer <cookie>` (the core
 * alone decides whether it is valid); such a request changing something (not GET/HEAD/OPTIONS)
 * must echo the ehall_csrf cookie in X-CSRF-Token (double submit: a page of another site can
 * make the browser send the cookies but cannot read them). When the core opens or ends a
 * session (initial metadata x-ehall-set-session) the answer sets or clears both cookies; the
 * metadata itself never reaches the client. Cookie values are never logged.
 */
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/common/call.h"
#include "core/common/log.h"
#include "gateway/http/cookie.h"
#include "gateway/http/internal.h"
#include "gateway/http/util.h"
#include "core/common/transcode.h"
#include "gateway/http/cache.h"
#include "google/api/httpbody.pb-c.h"

struct http_call {
  h2o_multithread_message_t msg; /* first: the queue hands back this pointer */
  http_thread_t *t;
  http_req_t *hr; /* NULL once the request was disposed */
  const route_method_t *route;
  client_result_t *res;
};

void http__call_detach(http_req_t *hr) {
  if (hr->call != NULL) {
    hr->call->hr = NULL; /* the result will be dropped when it arrives */
    hr->call = NULL;
  }
}

/* On the client's completion thread: hand over to the loop that owns the request. */
static void http__on_call_done(void *user, client_result_t *res) {
  http_call_t *c = user;
  c->res = res;
  h2o_multithread_send_message(&c->t->results, &c->msg);
}

static void http__start_call(http_req_t *hr, const route_method_t *route, const char *method,
                             const ProtobufCMessage *msg) {
  http_server_t *s = hr->t->srv;
  h2o_req_t *req = hr->req;
  size_t len = protobuf_c_message_get_packed_size(msg);
  uint8_t *buf = arena_alloc(hr->arena, len + 1);
  protobuf_c_message_pack(msg, buf);

  client_md_t md[12];
  size_t n = 0;
  md[n++] = (client_md_t){"x-request-id", hr->rid};
  char ip[NI_MAXHOST];
  struct sockaddr_storage ss;
  socklen_t sl = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
  if (sl > 0 && h2o_socket_getnumerichost((struct sockaddr *)&ss, sl, ip) != SIZE_MAX)
    md[n++] = (client_md_t){"x-forwarded-for", arena_strdup(hr->arena, ip)};
  if (s->cfg.core_secret && *s->cfg.core_secret) {
    md[n++] = (client_md_t){"x-ehall-gateway-secret", s->cfg.core_secret};
    /* For an HTTP client: a web login's token then travels only in the HttpOnly cookie. */
    md[n++] = (client_md_t){"x-ehall-via", "http"};
  }
  static const char *const fwd[][2] = {{"authorization", "authorization"},
                                       {"user-agent", "x-ehall-user-agent"},
                                       {"accept-language", "accept-language"},
                                       {"idempotency-key", "idempotency-key"}};
  for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++) {
    h2o_iovec_t v = http__req_header(req, fwd[i][0], strlen(fwd[i][0]));
    if (v.base != NULL)
      md[n++] = (client_md_t){fwd[i][1], arena_strndup(hr->arena, v.base, v.len)};
  }
  if (hr->cookie_bearer != NULL) /* only set when there is no Authorization header */
    md[n++] = (client_md_t){"authorization", hr->cookie_bearer};

  http_call_t *c = calloc(1, sizeof(*c));
  if (c == NULL)
    abort();
  c->t = hr->t;
  c->hr = hr;
  c->route = route;
  hr->call = c;
  hr->t->in_flight++;
  metrics_in_flight_add(s->metrics, 1);
  client_call_start(s->client, method, buf, len, md, n, s->cfg.deadline_ms, http__on_call_done, c);
}

/* Walks `path` ("a.b") through message fields of `msg`, for response_body. */
static const ProtobufCMessage *http__sub_message(const ProtobufCMessage *msg, const char *path) {
  char seg[128];
  while (msg != NULL && *path) {
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    if (n >= sizeof(seg))
      return NULL;
    memcpy(seg, path, n);
    seg[n] = '\0';
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, seg);
    if (f == NULL || f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED)
      return NULL;
    msg = *(const ProtobufCMessage *const *)((const char *)msg + f->offset);
    path = dot ? dot + 1 : path + n;
  }
  return msg;
}

/* ---- the web session cookie --------------------------------------------------------- */

/* Cookie `name` from any of the request's Cookie headers (HTTP/2 may split them). */
static bool http__cookie(h2o_req_t *req, const char *name, h2o_iovec_t *out) {
  for (ssize_t i = -1; (i = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, i)) != -1;) {
    const char *v;
    size_t n;
    if (http_cookie_find(req->headers.entries[i].value.base, req->headers.entries[i].value.len,
                         name, &v, &n)) {
      *out = h2o_iovec_init(v, n);
      return true;
    }
  }
  return false;
}

/* Before the call: take the session from the cookie when there is no Authorization header,
 * and refuse a cookie-authenticated change without the matching CSRF token. False when the
 * answer was sent. */
static bool http__session_from_cookie(http_req_t *hr) {
  h2o_req_t *req = hr->req;
  if (http__req_header(req, H2O_STRLIT("authorization")).base != NULL)
    return true; /* mini-program and apps: an explicit header, nothing ambient to forge */
  h2o_iovec_t tok;
  if (!http__cookie(req, HTTP_COOKIE_SESSION, &tok) || !http_cookie_value_ok(tok.base, tok.len))
    return true; /* none, or not a value we ever set: the call goes out anonymous */
  if (!http_method_is_safe(req->method.base, req->method.len)) {
    h2o_iovec_t csrf = {NULL, 0}, sent = http__req_header(req, H2O_STRLIT("x-csrf-token"));
    if (!http__cookie(req, HTTP_COOKIE_CSRF, &csrf) ||
        !http_csrf_match(sent.base, sent.len, csrf.base, csrf.len)) {
      LOG_INFO("http", "refused: cookie session without a matching CSRF token");
      HTTP_ERR(hr, 403, EH_PERMISSION_DENIED, "请求缺少 CSRF 令牌或令牌不匹配，请刷新页面后重试",
               "the request lacks a valid CSRF token; reload the page and retry");
      return false;
    }
  }
  hr->cookie_bearer = arena_printf(hr->arena, "Bearer %.*s", (int)tok.len, tok.base);
  return true;
}

/* After a successful call that opened or ended a session: set (or clear) both cookies. A value
 * unfit for a cookie is a core bug: logged without the value, no cookie set. */
static void http__set_session_cookies(http_req_t *hr, const client_result_t *res) {
  http_server_t *s = hr->t->srv;
  const char *token = res->set_session;
  size_t tl = strlen(token);
  if (tl > 0 && !http_cookie_value_ok(token, tl)) {
    LOG_ERROR("http", "core sent a session token unfit for a cookie (len=%zu): not set", tl);
    return;
  }
  long long age = http_cookie_max_age_parse(res->session_max_age);
  char csrf[HTTP_CSRF_TOKEN_LEN + 1] = "";
  if (tl > 0)
    http_csrf_generate(csrf);
  http__header(hr->req, "set-cookie",
               http_cookie_session_format(hr->arena, token, age, s->cfg.cookie_secure));
  http__header(hr->req, "set-cookie",
               http_cookie_csrf_format(hr->arena, csrf, age, s->cfg.cookie_secure));
  /* An answer that carries a credential is never stored by a cache. */
  h2o_set_header(&hr->req->pool, &hr->req->res.headers, H2O_TOKEN_CACHE_CONTROL,
                 H2O_STRLIT("no-store"), 0);
}

/* A method answering google.api.HttpBody (a file: a guide's template, later a calendar file):
 * its bytes as they are, as a download (Content-Disposition: attachment; with the nosniff every
 * answer carries, a browser never renders an uploaded file as one of our pages). */
static void http__send_http_body(http_req_t *hr, const Google__Api__HttpBody *b) {
  const char *ct = b->content_type != NULL && b->content_type[0] != '\0'
                       ? b->content_type
                       : "application/octet-stream";
  for (const char *p = ct; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      ct = "application/octet-stream";
  http__header(hr->req, "content-disposition", "attachment");
  http__send(hr, 200, ct, (const char *)b->data.data, b->data.len);
}

/* ---- shared refusals --------------------------------------------------------------------
 * A refusal the core marked as the same for every caller of the same request (a full slot:
 * x-ehall-shared-refusal-ms) is kept in the response cache under the request's refusal key for
 * that long, and repeated to the next signed-in callers of that request without calling the
 * core. Stored as "<grpc code> <message length>\n", the status message, then the core's
 * google.rpc.Status as it sent it, so a repeat is built exactly as the first answer was. */

#define HTTP_REFUSAL_BODY_MAX 1024 /* a longer body is never a key */

static void http__refusal_put(http_req_t *hr, const client_result_t *res) {
  size_t ml = strlen(res->message);
  char *head = arena_printf(hr->arena, "%d %zu\n", res->code, ml);
  size_t hl = strlen(head), n = hl + ml + res->details_len;
  char *v = arena_alloc(hr->arena, n);
  memcpy(v, head, hl);
  memcpy(v + hl, res->message, ml);
  memcpy(v + hl + ml, res->details_bin, res->details_len);
  if (http_cache_put(hr->t->srv->cfg.cache, hr->refusal_key, hr->refusal_key_len, v, n,
                     call_now_ms() + res->shared_refusal_ms))
    http__header(hr->req, "x-cache", "MISS");
}

/* A signed-in caller's request other than GET: answered with a shared refusal stored a moment
 * ago for the same request, if any; otherwise its key is kept so http__finish_api can store
 * one. True when answered. The caller's credential is not checked here (the core checks it on
 * every call that reaches it): a repeated refusal only ever says no. A request carrying
 * Cache-Control: no-cache always goes to the core. */
static bool http__refused(http_req_t *hr) {
  h2o_req_t *req = hr->req;
  http_cache_t *cache = hr->t->srv->cfg.cache;
  h2o_iovec_t cc = http__req_header(req, H2O_STRLIT("cache-control"));
  if (cache == NULL || h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) ||
      req->entity.len > HTTP_REFUSAL_BODY_MAX ||
      (hr->cookie_bearer == NULL &&
       http__req_header(req, H2O_STRLIT("authorization")).base == NULL))
    return false;
  /* Cache-Control: no-cache (a press re-sent with the same Idempotency-Key after its answer
   * was lost): the core answers, so a replay gets its first answer. */
  if (cc.base != NULL && h2o_strstr(cc.base, cc.len, H2O_STRLIT("no-cache")) != SIZE_MAX)
    return false;
  h2o_iovec_t lang = http__req_header(req, H2O_STRLIT("accept-language"));
  if (lang.len > 64)
    lang.len = 64;
  char *key =
      arena_printf(hr->arena, "refusal\n%.*s\n%.*s\n%.*s\n", (int)req->method.len, req->method.base,
                   (int)req->path.len, req->path.base, (int)lang.len, lang.base ? lang.base : "");
  size_t kl = strlen(key);
  if (req->entity.len > 0) {
    char *k = arena_alloc(hr->arena, kl + req->entity.len);
    memcpy(k, key, kl);
    memcpy(k + kl, req->entity.base, req->entity.len);
    key = k;
    kl += req->entity.len;
  }
  char *v;
  size_t n;
  if (http_cache_get(cache, hr->arena, key, kl, call_now_ms(), &v, &n)) {
    /* "<code> <message length>\n" <message> <google.rpc.Status> (http__refusal_put) */
    const char *nl = memchr(v, '\n', n < 32 ? n : 32);
    char head[32];
    int code = 0;
    size_t ml = 0, used = nl ? (size_t)(nl - v) + 1 : 0;
    if (nl != NULL) {
      memcpy(head, v, used - 1);
      head[used - 1] = '\0';
    }
    if (nl != NULL && sscanf(head, "%d %zu", &code, &ml) == 2 && code > 0 && used + ml <= n) {
      ProtobufCAllocator al = arena_pb_allocator(hr->arena);
      Google__Rpc__Status *st =
          google__rpc__status__unpack(&al, n - used - ml, (const uint8_t *)v + used + ml);
      if (st != NULL) {
        st->code = code;
        st->message = arena_strndup(hr->arena, v + used, ml);
        http__header(req, "x-cache", "HIT");
        http__send_status(hr, http_status_from_grpc(code), st);
        return true;
      }
    }
  }
  hr->refusal_key = key;
  hr->refusal_key_len = kl;
  return false;
}

static void http__finish_api(http_req_t *hr, const route_method_t *route, client_result_t *res) {
  http_server_t *s = hr->t->srv;
  const transcode_schema_t *schema = http_schema_get(s->schema);
  if (res->code != 0) {
    metrics_grpc_error(s->metrics, hr->t->index, res->code);
    Google__Rpc__Status *st = NULL;
    if (res->details_bin != NULL) {
      ProtobufCAllocator al = arena_pb_allocator(hr->arena);
      st = google__rpc__status__unpack(&al, res->details_len, res->details_bin);
    }
    if (st == NULL) {
      /* Not an answer of the core's handlers (transport failure, deadline, gRPC's own error):
       * its text is for operators, so log it and show the user a message of ours. */
      LOG_WARN("http", "core call failed method=%s code=%d message=%s", route->grpc_path, res->code,
               res->message);
      eh_err_t e = EH_ERR_INIT;
      if (res->code == 14)
        eh_err_set(&e, EH_UNAVAILABLE, NULL, "服务暂时不可用，请稍后重试",
                   "the service is unavailable, please retry later");
      else if (res->code == 4)
        eh_err_set(&e, EH_DEADLINE, NULL, "服务响应超时，请稍后重试",
                   "the service did not answer in time, please retry later");
      else
        eh_err_set(&e, EH_INTERNAL, NULL, "服务内部错误", "internal error");
      http__send_err_code(hr, http_status_from_grpc(res->code), res->code, &e);
      return;
    }
    st->code = res->code; /* the status line is authoritative */
    st->message = arena_strdup(hr->arena, res->message);
    if (hr->refusal_key != NULL && res->shared_refusal_ms > 0)
      http__refusal_put(hr, res);
    http__send_status(hr, http_status_from_grpc(res->code), st);
    return;
  }
  if (res->set_session != NULL)
    http__set_session_cookies(hr, res);
  ProtobufCAllocator al = arena_pb_allocator(hr->arena);
  ProtobufCMessage *out =
      protobuf_c_message_unpack(route->output, &al, res->payload_len, res->payload);
  if (out == NULL) {
    LOG_ERROR("http", "core answered an undecodable message method=%s", route->grpc_path);
    HTTP_ERR(hr, 500, EH_INTERNAL, "服务内部错误", "internal error");
    return;
  }
  if (strcmp(route->output->name, "google.api.HttpBody") == 0) {
    http__send_http_body(hr, (const Google__Api__HttpBody *)out);
    return;
  }
  const ProtobufCMessage *body = out;
  if (route->response_body != NULL && strcmp(route->response_body, "*") != 0) {
    body = http__sub_message(out, route->response_body);
    if (body == NULL)
      body = transcode_message_new(
          hr->arena,
          transcode_field_at(schema, route->output, route->response_body)
              ? transcode_field_at(schema, route->output, route->response_body)->descriptor
              : route->output);
  }
  eh_err_t err = EH_ERR_INIT;
  size_t len = 0;
  char *json = transcode_pb_to_json(hr->arena, schema, body, &len, &err);
  if (json == NULL) {
    LOG_ERROR("http", "response not printable method=%s detail=%s", route->grpc_path, err.detail);
    HTTP_ERR(hr, 500, EH_INTERNAL, "服务内部错误", "internal error");
    return;
  }
  if (hr->cache_key != NULL && res->cache_max_age_s > 0 &&
      http_cache_put(hr->t->srv->cfg.cache, hr->cache_key, hr->cache_key_len, json, len,
                     call_now_ms() + (int64_t)res->cache_max_age_s * 1000))
    http__header(hr->req, "x-cache", "MISS");
  http__send_json(hr, 200, json, len);
}

void http__on_results(h2o_multithread_receiver_t *r, h2o_linklist_t *messages) {
  while (!h2o_linklist_is_empty(messages)) {
    h2o_multithread_message_t *m =
        H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
    h2o_linklist_unlink(&m->link);
    http_call_t *c = (http_call_t *)m;
    http_thread_t *t = c->t;
    t->in_flight--;
    metrics_in_flight_add(t->srv->metrics, -1);
    if (c->hr != NULL) {
      http_req_t *hr = c->hr;
      hr->call = NULL;
      log_set_request_id(hr->rid);
      http__finish_api(hr, c->route, c->res);
      log_set_request_id(NULL);
    }
    client_result_free(c->res);
    free(c);
  }
}

/* ---- API requests --------------------------------------------------------------------- */

static bool http__is_json(h2o_iovec_t ct) {
  static const char want[] = "application/json";
  if (ct.len < sizeof(want) - 1 || strncasecmp(ct.base, want, sizeof(want) - 1) != 0)
    return false;
  return ct.len == sizeof(want) - 1 || ct.base[sizeof(want) - 1] == ';' ||
         ct.base[sizeof(want) - 1] == ' ';
}

static bool http__bound(const route_match_t *mt, const char *key) {
  for (int i = 0; i < mt->nvars; i++)
    if (strcmp(mt->vars[i].field_path, key) == 0)
      return true;
  const char *body = mt->route->body;
  if (body != NULL) {
    if (strcmp(body, "*") == 0)
      return true;
    size_t bl = strlen(body);
    if (strncmp(key, body, bl) == 0 && (key[bl] == '\0' || key[bl] == '.'))
      return true;
  }
  return false;
}

/* An anonymous GET (no Authorization header, no session cookie) is answered from the response
 * cache when the core marked the same request's answer as public a moment ago (cache.h);
 * otherwise its key is kept so http__finish_api can store the answer. True when answered. */
static bool http__cached(http_req_t *hr) {
  h2o_req_t *req = hr->req;
  http_cache_t *cache = hr->t->srv->cfg.cache;
  if (cache == NULL || !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) ||
      hr->cookie_bearer != NULL || http__req_header(req, H2O_STRLIT("authorization")).base != NULL)
    return false;
  h2o_iovec_t lang = http__req_header(req, H2O_STRLIT("accept-language"));
  if (lang.len > 64)
    lang.len = 64;
  char *key = arena_printf(hr->arena, "%.*s\n%.*s", (int)req->path.len, req->path.base,
                           (int)lang.len, lang.base ? lang.base : "");
  size_t key_len = strlen(key);
  char *body;
  size_t len;
  if (http_cache_get(cache, hr->arena, key, key_len, call_now_ms(), &body, &len)) {
    http__header(req, "x-cache", "HIT");
    http__send_json(hr, 200, body, len);
    return true;
  }
  hr->cache_key = key;
  hr->cache_key_len = key_len;
  return false;
}

void http__api(http_req_t *hr) {
  http_server_t *s = hr->t->srv;
  h2o_req_t *req = hr->req;
  arena_t *a = hr->arena;
  const transcode_schema_t *schema = http_schema_get(s->schema);
  size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
  route_match_t mt;
  char allow[128] = "";
  route_result_t rr = routes_match(s->routes, a, req->method.base, req->method.len, req->path.base,
                                   plen, &mt, allow, sizeof(allow));
  if (rr == ROUTE_NOT_FOUND) {
    HTTP_ERR(hr, 404, EH_NOT_FOUND, "未找到该接口", "no such endpoint");
    return;
  }
  if (rr == ROUTE_METHOD_NOT_ALLOWED) {
    http__header(req, "allow", allow);
    HTTP_ERR(hr, 405, EH_UNIMPLEMENTED, "该接口不支持此请求方法",
             "this endpoint does not accept this method");
    return;
  }
  const route_method_t *route = mt.route;
  hr->label = HTTP_LABEL_ROUTES + routes_index(s->routes, route);
  if (!http__session_from_cookie(hr))
    return;
  if (http__cached(hr) || http__refused(hr))
    return;
  eh_err_t err = EH_ERR_INIT;
  ProtobufCMessage *msg = NULL;

  bool has_body = req->entity.base != NULL && req->entity.len > 0;
  if (route->body != NULL && has_body &&
      !http__is_json(http__req_header(req, H2O_STRLIT("content-type")))) {
    HTTP_ERR(hr, 415, EH_INVALID, "请求体必须是 JSON（Content-Type: application/json）",
             "the body must be JSON (Content-Type: application/json)");
    return;
  }
  if (route->body != NULL && strcmp(route->body, "*") == 0) {
    msg = transcode_json_to_pb(a, schema, route->input, has_body ? req->entity.base : "",
                               has_body ? req->entity.len : 0, &err);
  } else {
    msg = transcode_message_new(a, route->input);
    if (route->body != NULL && has_body) {
      const ProtobufCFieldDescriptor *f = transcode_field_at(schema, route->input, route->body);
      ProtobufCMessage *sub = NULL;
      if (f == NULL || f->type != PROTOBUF_C_TYPE_MESSAGE) {
        LOG_ERROR("http", "route body field is not a message route=%s", route->path_template);
        HTTP_ERR(hr, 500, EH_INTERNAL, "服务内部错误", "internal error");
        return;
      }
      sub = transcode_json_to_pb(a, schema, f->descriptor, req->entity.base, req->entity.len, &err);
      if (sub == NULL || !transcode_set_field_message(a, schema, msg, route->body, sub, &err))
        msg = NULL;
    }
  }
  if (msg == NULL) {
    if (err.code == EH_OK)
      eh_err_set(&err, EH_INVALID, NULL, "请求体不是有效的 JSON", "the body is not valid JSON");
    http__send_err(hr, http_status_from_grpc(eh_status_to_grpc(err.code)), &err);
    return;
  }
  for (int i = 0; i < mt.nvars; i++) {
    if (!transcode_set_field_text(a, schema, msg, mt.vars[i].field_path, mt.vars[i].value, &err)) {
      http__send_err(hr, 400, &err);
      return;
    }
  }
  if (req->query_at != SIZE_MAX) {
    http_param_t *ps;
    int np = http_query_parse(a, req->path.base + req->query_at + 1,
                              req->path.len - req->query_at - 1, &ps, &err);
    if (np < 0) {
      http__send_err(hr, 400, &err);
      return;
    }
    for (int i = 0; i < np; i++) {
      eh_err_t ferr = EH_ERR_INIT;
      if (http__bound(&mt, ps[i].key) ||
          !transcode_set_field_text(a, schema, msg, ps[i].key, ps[i].value, &ferr)) {
        if (err.code == EH_OK)
          eh_err_set(&err, EH_INVALID, NULL, "查询参数 %s 无效或不被该接口接受",
                     "query parameter %s is unknown or not accepted here", ps[i].key);
        eh_err_add_field(&err, ps[i].key,
                         ferr.code != EH_OK ? ferr.message : "该参数不被该接口接受",
                         ferr.code != EH_OK ? ferr.message_en : "not accepted by this endpoint");
      }
    }
    if (err.code != EH_OK) {
      http__send_err(hr, 400, &err);
      return;
    }
  }
  http__start_call(hr, route, route->grpc_path, msg);
}

/* The latest answer of the core's health Watch (client.h), read from an atomic; the bodies
 * were printed once at start. UNKNOWN (no answer yet, stream down) is 503 like NOT_SERVING. */
void http__healthz(http_req_t *hr) {
  http_server_t *s = hr->t->srv;
  int up = client_core_health(s->client) == CLIENT_CORE_SERVING;
  h2o_add_header(&hr->req->pool, &hr->req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                 H2O_STRLIT("no-store")); /* a probe's answer is never reused */
  http__send_json(hr, up ? 200 : 503, s->healthz_body[up], s->healthz_len[up]);
}
