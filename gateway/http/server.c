/*
 * server.c — h2o event loops, request dispatch, the one error writer and the response filter.
 *
 * Lifecycle of an API request (see README.md in this folder): on_req parses and transcodes on
 * the loop thread, starts the gRPC call and returns; the client's completion thread posts the
 * result to the loop's multithread queue; the loop writes the response. The per-request state
 * lives in h2o's request pool with a dispose hook, so a result that arrives after the client
 * went away is dropped instead of touching freed memory.
 * Never logs bodies, query strings or the Authorization header.
 */
#include "gateway/http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <h2o.h>

#include "core/common/arena.h"
#include "core/common/log.h"
#include "gateway/http/metrics.h"
#include "gateway/http/schema.h"
#include "gateway/http/util.h"
#include "gateway/transcode/transcode.h"
#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "grpc/health/v1/health.pb-c.h"

/* Fixed metric labels; route i is label HTTP_LABEL_ROUTES + i. */
enum { HTTP_LABEL_NONE, HTTP_LABEL_STATIC, HTTP_LABEL_HEALTHZ, HTTP_LABEL_METRICS,
       HTTP_LABEL_OPENAPI, HTTP_LABEL_PREFLIGHT, HTTP_LABEL_ROUTES };

#define HTTP_MAX_ORIGINS 16

static const char http__csp[] =
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self'; "
    "media-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'";

typedef struct http_thread http_thread_t;

struct http_server {
  http_config_t cfg;
  char *origins[HTTP_MAX_ORIGINS];
  int norigins;
  const routes_t *routes;
  http_schema_t *schema;
  client_pool_t *client;
  metrics_t *metrics;
  h2o_globalconf_t globalconf;
  int listen_fd;
  int port;
  atomic_bool stopping;
  long grace_ms;
  http_thread_t *threads;
  int nthreads;
  pthread_mutex_t openapi_lock;
  pthread_mutex_t done_lock; /* loop threads report the end of their loop */
  pthread_cond_t done_cond;
  int nstarted, ndone;
  char *openapi; /* built once, then read-only */
  size_t openapi_len;
};

struct http_thread {
  http_server_t *srv;
  int index;
  pthread_t tid;
  h2o_evloop_t *loop;
  h2o_context_t ctx;
  h2o_accept_ctx_t accept_ctx;
  h2o_socket_t *listener;
  h2o_multithread_queue_t *queue;
  h2o_multithread_receiver_t results;
  long in_flight; /* calls waiting for the core; loop thread only */
};

typedef struct http_call http_call_t;

/* Per request, in h2o's request pool (freed with the request). */
typedef struct http_req {
  h2o_req_t *req;
  http_thread_t *t;
  arena_t *arena;
  http_call_t *call; /* pending gRPC call, or NULL */
  size_t label;
  struct timespec start;
  char rid[65];
  bool english;
  bool cors; /* the Origin is allowed: add CORS headers */
  h2o_iovec_t origin;
} http_req_t;

typedef enum { HTTP_CALL_API, HTTP_CALL_HEALTH } http_call_kind_t;

struct http_call {
  h2o_multithread_message_t msg; /* first: the queue hands back this pointer */
  http_thread_t *t;
  http_req_t *hr; /* NULL once the request was disposed */
  http_call_kind_t kind;
  const route_method_t *route;
  client_result_t *res;
};

static __thread http_thread_t *http__self;
static http_server_t *http__retired;
/* The request whose response is being started right now (read by the filter). */
static __thread http_req_t *http__sending;

static const char *http__reason(int status) {
  switch (status) {
  case 200: return "OK";
  case 204: return "No Content";
  case 304: return "Not Modified";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 409: return "Conflict";
  case 413: return "Payload Too Large";
  case 415: return "Unsupported Media Type";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 499: return "Client Closed Request";
  case 501: return "Not Implemented";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  default: return status < 500 ? "Client Error" : "Internal Server Error";
  }
}

static void http__header(h2o_req_t *req, const char *name, const char *value) {
  h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 1, NULL, value,
                        strlen(value));
}

static h2o_iovec_t http__req_header(h2o_req_t *req, const char *name, size_t len) {
  ssize_t i = h2o_find_header_by_str(&req->headers, name, len, -1);
  return i < 0 ? h2o_iovec_init(NULL, 0) : req->headers.entries[i].value;
}

static double http__elapsed(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* ---- responses ------------------------------------------------------------------------ */

static void http__send(http_req_t *hr, int status, const char *ctype, const char *body, size_t len) {
  h2o_req_t *req = hr->req;
  req->res.status = status;
  req->res.reason = http__reason(status);
  if (ctype)
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype, strlen(ctype));
  req->res.content_length = len;
  http__sending = hr;
  h2o_send_inline(req, body, len);
  http__sending = NULL;
}

static void http__send_json(http_req_t *hr, int status, const char *json, size_t len) {
  http__send(hr, status, "application/json; charset=utf-8", json, len);
}

static Google__Protobuf__Any *http__any(arena_t *a, const ProtobufCMessage *m) {
  Google__Protobuf__Any *any = arena_alloc(a, sizeof(*any));
  google__protobuf__any__init(any);
  any->type_url = arena_printf(a, "type.googleapis.com/%s", m->descriptor->name);
  any->value.len = protobuf_c_message_get_packed_size(m);
  any->value.data = arena_alloc(a, any->value.len + 1);
  protobuf_c_message_pack(m, any->value.data);
  return any;
}

/* The one error writer: prints a google.rpc.Status through the transcoder, so an error from
 * the gateway and one from the core have the same shape. */
static void http__send_status(http_req_t *hr, int http_status, const Google__Rpc__Status *st) {
  eh_err_t perr = EH_ERR_INIT;
  size_t len = 0;
  char *json = transcode_pb_to_json(hr->arena, http_schema_get(hr->t->srv->schema),
                                    &st->base, &len, &perr);
  if (json == NULL) {
    /* A detail of a type we cannot print: keep code and message, drop the details. */
    LOG_WARN("http", "error details not printable code=%d", st->code);
    Google__Rpc__Status bare = *st;
    bare.n_details = 0;
    bare.details = NULL;
    eh_err_clear(&perr);
    json = transcode_pb_to_json(hr->arena, http_schema_get(hr->t->srv->schema), &bare.base, &len,
                                &perr);
    if (json == NULL)
      abort(); /* google.rpc.Status without details always prints */
  }
  http__send_json(hr, http_status, json, len);
}

/* An error made by the gateway itself: same details as the core sends (BadRequest for field
 * violations, LocalizedMessage with the English text). */
static void http__send_err_code(http_req_t *hr, int http_status, int grpc_code, const eh_err_t *err) {
  arena_t *a = hr->arena;
  Google__Rpc__Status st;
  google__rpc__status__init(&st);
  st.code = grpc_code;
  st.message = (char *)(hr->english ? err->message_en : err->message);
  st.details = arena_alloc(a, 2 * sizeof(*st.details));
  if (err->nfields > 0) {
    Google__Rpc__BadRequest *br = arena_alloc(a, sizeof(*br));
    google__rpc__bad_request__init(br);
    br->field_violations = arena_alloc(a, (size_t)err->nfields * sizeof(*br->field_violations));
    for (int i = 0; i < err->nfields; i++) {
      Google__Rpc__BadRequest__FieldViolation *fv = arena_alloc(a, sizeof(*fv));
      google__rpc__bad_request__field_violation__init(fv);
      fv->field = (char *)err->fields[i].field;
      fv->description = (char *)(hr->english ? err->fields[i].message_en : err->fields[i].message);
      br->field_violations[br->n_field_violations++] = fv;
    }
    st.details[st.n_details++] = http__any(a, &br->base);
  }
  Google__Rpc__LocalizedMessage lm;
  google__rpc__localized_message__init(&lm);
  lm.locale = "en";
  lm.message = (char *)err->message_en;
  st.details[st.n_details++] = http__any(a, &lm.base);
  http__send_status(hr, http_status, &st);
}

static void http__send_err(http_req_t *hr, int http_status, const eh_err_t *err) {
  http__send_err_code(hr, http_status, eh_status_to_grpc(err->code), err);
}

#define HTTP_ERR(hr, http_status, code, zh, en)                                                   \
  do {                                                                                            \
    eh_err_t e__ = EH_ERR_INIT;                                                                   \
    eh_err_set(&e__, code, NULL, zh, en);                                                         \
    http__send_err(hr, http_status, &e__);                                                        \
  } while (0)

/* ---- the filter: headers on every response, metrics and the access log ----------------- */

static void http__on_setup_ostream(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot) {
  http_thread_t *t = http__self;
  http_req_t *hr = http__sending;
  char rid[33];
  const char *rid_s = hr ? hr->rid : NULL;
  if (rid_s == NULL) {
    http_request_id_generate(rid);
    rid_s = rid;
  }
  http__header(req, "x-request-id", rid_s);
  http__header(req, "x-content-type-options", "nosniff");
  http__header(req, "referrer-policy", "same-origin");
  http__header(req, "x-frame-options", "DENY");
  if (t != NULL) {
    http_server_t *s = t->srv;
    if (s->norigins > 0)
      http__header(req, "vary", "Origin");
    if (hr && hr->cors) {
      h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("access-control-allow-origin"),
                            1, NULL, hr->origin.base, hr->origin.len);
      http__header(req, "access-control-expose-headers", "X-Request-Id");
    }
    double secs = 0;
    if (hr) {
      secs = http__elapsed(&hr->start);
    }
    char method[16];
    size_t ml = req->method.len < sizeof(method) - 1 ? req->method.len : sizeof(method) - 1;
    memcpy(method, req->method.base, ml);
    method[ml] = '\0';
    metrics_request(s->metrics, t->index, hr ? hr->label : HTTP_LABEL_NONE, method, req->res.status,
                    secs);
    if (s->cfg.access_log) {
      char ip[NI_MAXHOST] = "-";
      struct sockaddr_storage ss;
      socklen_t sl = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
      if (sl > 0)
        h2o_socket_getnumerichost((struct sockaddr *)&ss, sl, ip);
      size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
      if (plen > 512)
        plen = 512;
      log_set_request_id(rid_s);
      LOG_INFO("access", "method=%s path=%.*s status=%d bytes=%zu duration_ms=%.2f ip=%s", method,
               (int)plen, req->path.base, req->res.status,
               req->res.content_length == SIZE_MAX ? (size_t)0 : req->res.content_length,
               secs * 1000.0, ip);
      log_set_request_id(NULL);
    }
  }
  h2o_setup_next_ostream(req, slot);
}

/* ---- gRPC calls ----------------------------------------------------------------------- */

static void http__req_dispose(void *p) {
  http_req_t *hr = p;
  if (hr->call != NULL)
    hr->call->hr = NULL; /* the result will be dropped when it arrives */
  arena_destroy(hr->arena);
}

/* On the client's completion thread: hand over to the loop that owns the request. */
static void http__on_call_done(void *user, client_result_t *res) {
  http_call_t *c = user;
  c->res = res;
  h2o_multithread_send_message(&c->t->results, &c->msg);
}

static void http__start_call(http_req_t *hr, http_call_kind_t kind, const route_method_t *route,
                             const char *method, const ProtobufCMessage *msg) {
  http_server_t *s = hr->t->srv;
  h2o_req_t *req = hr->req;
  size_t len = protobuf_c_message_get_packed_size(msg);
  uint8_t *buf = arena_alloc(hr->arena, len + 1);
  protobuf_c_message_pack(msg, buf);

  client_md_t md[8];
  size_t n = 0;
  md[n++] = (client_md_t){"x-request-id", hr->rid};
  char ip[NI_MAXHOST];
  struct sockaddr_storage ss;
  socklen_t sl = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
  if (sl > 0 && h2o_socket_getnumerichost((struct sockaddr *)&ss, sl, ip) != SIZE_MAX)
    md[n++] = (client_md_t){"x-forwarded-for", arena_strdup(hr->arena, ip)};
  if (s->cfg.core_secret && *s->cfg.core_secret)
    md[n++] = (client_md_t){"x-ehall-gateway-secret", s->cfg.core_secret};
  static const char *const fwd[][2] = {{"authorization", "authorization"},
                                       {"accept-language", "accept-language"},
                                       {"idempotency-key", "idempotency-key"}};
  for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++) {
    h2o_iovec_t v = http__req_header(req, fwd[i][0], strlen(fwd[i][0]));
    if (v.base != NULL)
      md[n++] = (client_md_t){fwd[i][1], arena_strndup(hr->arena, v.base, v.len)};
  }

  http_call_t *c = calloc(1, sizeof(*c));
  if (c == NULL)
    abort();
  c->t = hr->t;
  c->hr = hr;
  c->kind = kind;
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
    http__send_status(hr, http_status_from_grpc(res->code), st);
    return;
  }
  ProtobufCAllocator al = arena_pb_allocator(hr->arena);
  ProtobufCMessage *out =
      protobuf_c_message_unpack(route->output, &al, res->payload_len, res->payload);
  if (out == NULL) {
    LOG_ERROR("http", "core answered an undecodable message method=%s", route->grpc_path);
    HTTP_ERR(hr, 500, EH_INTERNAL, "服务内部错误", "internal error");
    return;
  }
  const ProtobufCMessage *body = out;
  if (route->response_body != NULL && strcmp(route->response_body, "*") != 0) {
    body = http__sub_message(out, route->response_body);
    if (body == NULL)
      body = transcode_message_new(hr->arena,
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
  http__send_json(hr, 200, json, len);
}

static void http__finish_health(http_req_t *hr, client_result_t *res) {
  http_server_t *s = hr->t->srv;
  Grpc__Health__V1__HealthCheckResponse *hc = NULL;
  if (res->code == 0) {
    ProtobufCAllocator al = arena_pb_allocator(hr->arena);
    hc = grpc__health__v1__health_check_response__unpack(&al, res->payload_len, res->payload);
  } else {
    metrics_grpc_error(s->metrics, hr->t->index, res->code);
  }
  bool up = hc != NULL && hc->status == GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
  if (!up) {
    hc = arena_alloc(hr->arena, sizeof(*hc));
    grpc__health__v1__health_check_response__init(hc);
    hc->status = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
  }
  eh_err_t err = EH_ERR_INIT;
  size_t len = 0;
  char *json = transcode_pb_to_json(hr->arena, http_schema_get(s->schema), &hc->base, &len, &err);
  if (json == NULL) {
    HTTP_ERR(hr, 500, EH_INTERNAL, "服务内部错误", "internal error");
    return;
  }
  http__send_json(hr, up ? 200 : 503, json, len);
}

static void http__on_results(h2o_multithread_receiver_t *r, h2o_linklist_t *messages) {
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
      if (c->kind == HTTP_CALL_HEALTH)
        http__finish_health(hr, c->res);
      else
        http__finish_api(hr, c->route, c->res);
      log_set_request_id(NULL);
    }
    client_result_free(c->res);
    free(c);
  }
}

/* ---- API requests --------------------------------------------------------------------- */

static size_t http__route_label(const http_server_t *s, const route_method_t *route) {
  size_t n = routes_count(s->routes);
  for (size_t i = 0; i < n; i++)
    if (routes_at(s->routes, i) == route)
      return HTTP_LABEL_ROUTES + i;
  return HTTP_LABEL_NONE;
}

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

static void http__api(http_req_t *hr) {
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
  hr->label = http__route_label(s, route);
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
  http__start_call(hr, HTTP_CALL_API, route, route->grpc_path, msg);
}

/* ---- built-in endpoints --------------------------------------------------------------- */

static void http__healthz(http_req_t *hr) {
  Grpc__Health__V1__HealthCheckRequest hreq;
  grpc__health__v1__health_check_request__init(&hreq);
  http__start_call(hr, HTTP_CALL_HEALTH, NULL, "/grpc.health.v1.Health/Check", &hreq.base);
}

static void http__metrics(http_req_t *hr) {
  size_t len;
  char *text = metrics_render(hr->t->srv->metrics, hr->arena, &len);
  http__send(hr, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static void http__openapi(http_req_t *hr) {
  http_server_t *s = hr->t->srv;
  pthread_mutex_lock(&s->openapi_lock);
  if (s->openapi == NULL) {
    arena_t *a = arena_create(0);
    size_t len = 0;
    char *doc = routes_openapi_json(s->routes, a, "ehall", s->cfg.version, &len);
    if (doc != NULL) {
      s->openapi = malloc(len + 1);
      if (s->openapi == NULL)
        abort();
      memcpy(s->openapi, doc, len + 1);
      s->openapi_len = len;
    }
    arena_destroy(a);
  }
  pthread_mutex_unlock(&s->openapi_lock);
  if (s->openapi == NULL) {
    HTTP_ERR(hr, 500, EH_INTERNAL, "服务内部错误", "internal error");
    return;
  }
  http__send_json(hr, 200, s->openapi, s->openapi_len);
}

static bool http__send_file(http_req_t *hr, const char *rel) {
  http_server_t *s = hr->t->srv;
  char *full = arena_printf(hr->arena, "%s/%s", s->cfg.static_dir, rel);
  struct stat st;
  if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
    return false;
  h2o_req_t *req = hr->req;
  http__header(req, "cache-control",
               http_static_is_immutable(rel) ? "public, max-age=31536000, immutable" : "no-cache");
  if (strcmp(http_content_type(rel), "text/html; charset=utf-8") == 0)
    http__header(req, "content-security-policy", http__csp);
  const char *ct = http_content_type(rel);
  http__sending = hr;
  int rc = h2o_file_send(req, 200, "OK", full, h2o_iovec_init(ct, strlen(ct)), 0);
  http__sending = NULL;
  return rc == 0;
}

static void http__static(http_req_t *hr) {
  h2o_req_t *req = hr->req;
  hr->label = HTTP_LABEL_STATIC;
  if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
      !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
    http__header(req, "allow", "GET, HEAD");
    HTTP_ERR(hr, 405, EH_UNIMPLEMENTED, "该地址不支持此请求方法", "this path does not accept this method");
    return;
  }
  size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
  char *rel = http_static_path(hr->arena, req->path.base, plen);
  if (rel == NULL) {
    hr->label = HTTP_LABEL_NONE;
    HTTP_ERR(hr, 404, EH_NOT_FOUND, "未找到该页面", "no such page");
    return;
  }
  if (http__send_file(hr, rel))
    return;
  /* SPA fallback: a path without an extension is a client-side route. */
  const char *last = strrchr(rel, '/');
  last = last ? last + 1 : rel;
  if (strchr(last, '.') == NULL && http__send_file(hr, "index.html"))
    return;
  hr->label = HTTP_LABEL_NONE;
  HTTP_ERR(hr, 404, EH_NOT_FOUND, "未找到该页面", "no such page");
}

static bool http__origin_allowed(const http_server_t *s, h2o_iovec_t o) {
  for (int i = 0; i < s->norigins; i++)
    if (strlen(s->origins[i]) == o.len && memcmp(s->origins[i], o.base, o.len) == 0)
      return true;
  return false;
}

/* ---- entry ---------------------------------------------------------------------------- */

static size_t http__header_bytes(const h2o_req_t *req) {
  size_t n = req->method.len + req->path.len + 12;
  for (size_t i = 0; i < req->headers.size; i++)
    n += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
  return n;
}

/* h2o 2.2 keeps only the first Content-Length and drops it from req->headers, so a repeated
 * one (a request-smuggling vector) is invisible there. For HTTP/1 the request head is still at
 * the start of the socket's input buffer while the handler runs: count the lines there. If the
 * buffer does not start with this request's line, nothing is counted (HTTP/2 has no such
 * ambiguity: its framing carries the length). */
static void http__raw_content_length(h2o_req_t *req, size_t *count, h2o_iovec_t *first) {
  *count = 0;
  if (req->version >= 0x200 || req->conn->callbacks->get_socket == NULL)
    return;
  h2o_socket_t *sock = req->conn->callbacks->get_socket(req->conn);
  if (sock == NULL || sock->input == NULL)
    return;
  const char *p = sock->input->bytes, *end = p + sock->input->size;
  if ((size_t)(end - p) < req->method.len + 1 ||
      memcmp(p, req->method.base, req->method.len) != 0 || p[req->method.len] != ' ')
    return;
  static const char name[] = "content-length:";
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL)
      return;
    const char *line = p;
    size_t len = (size_t)(nl - line);
    if (len > 0 && line[len - 1] == '\r')
      len--;
    if (len == 0 && line != sock->input->bytes)
      return; /* end of the head */
    if (len >= sizeof(name) - 1 && strncasecmp(line, name, sizeof(name) - 1) == 0) {
      const char *v = line + sizeof(name) - 1, *ve = line + len;
      while (v < ve && (*v == ' ' || *v == '\t'))
        v++;
      while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
        ve--;
      if ((*count)++ == 0)
        *first = h2o_iovec_init(v, (size_t)(ve - v));
    }
    p = nl + 1;
  }
}

static int http__on_req(h2o_handler_t *self, h2o_req_t *req) {
  http_thread_t *t = http__self;
  http_server_t *s = t->srv;
  http_req_t *hr = h2o_mem_alloc_shared(&req->pool, sizeof(*hr), http__req_dispose);
  memset(hr, 0, sizeof(*hr));
  hr->req = req;
  hr->t = t;
  hr->arena = arena_create(0);
  hr->label = HTTP_LABEL_NONE;
  clock_gettime(CLOCK_MONOTONIC, &hr->start);

  h2o_iovec_t rid = http__req_header(req, H2O_STRLIT("x-request-id"));
  if (rid.base != NULL && http_request_id_valid(rid.base, rid.len)) {
    memcpy(hr->rid, rid.base, rid.len);
    hr->rid[rid.len] = '\0';
  } else {
    http_request_id_generate(hr->rid);
  }
  h2o_iovec_t lang = http__req_header(req, H2O_STRLIT("accept-language"));
  hr->english = lang.len >= 2 && strncasecmp(lang.base, "en", 2) == 0;
  h2o_iovec_t origin = http__req_header(req, H2O_STRLIT("origin"));
  if (origin.base != NULL && http__origin_allowed(s, origin)) {
    hr->cors = true;
    hr->origin = origin;
  }
  log_set_request_id(hr->rid);

  /* Limits h2o does not enforce itself. After either answer the connection is closed: the
   * bytes that follow cannot be trusted to start a new request. */
  if (http__header_bytes(req) > s->cfg.header_max_bytes) {
    req->http1_is_persistent = 0;
    HTTP_ERR(hr, 431, EH_INVALID, "请求头过大", "request headers are too large");
    goto out;
  }
  size_t ncl = 0;
  h2o_iovec_t cl = {NULL, 0};
  http__raw_content_length(req, &ncl, &cl);
  if (!http_content_length_ok(ncl, cl.base, cl.len)) {
    req->http1_is_persistent = 0;
    HTTP_ERR(hr, 400, EH_INVALID, "Content-Length 请求头重复或无效",
             "Content-Length is repeated or invalid");
    goto out;
  }

  size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
  h2o_iovec_t path = h2o_iovec_init(req->path.base, plen);
  bool is_options = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("OPTIONS"));
  if (is_options && origin.base != NULL &&
      http__req_header(req, H2O_STRLIT("access-control-request-method")).base != NULL) {
    hr->label = HTTP_LABEL_PREFLIGHT;
    if (!hr->cors) {
      HTTP_ERR(hr, 403, EH_PERMISSION_DENIED, "不允许该来源的跨域请求", "this origin is not allowed");
      goto out;
    }
    http__header(req, "access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    http__header(req, "access-control-allow-headers",
                 "authorization, content-type, x-request-id, idempotency-key, accept-language");
    http__header(req, "access-control-max-age", "600");
    http__send(hr, 204, NULL, "", 0);
    goto out;
  }
  bool is_get = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) ||
                h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
  if (h2o_memis(path.base, path.len, H2O_STRLIT("/healthz"))) {
    hr->label = HTTP_LABEL_HEALTHZ;
    if (is_get)
      http__healthz(hr);
    else {
      http__header(req, "allow", "GET, HEAD");
      HTTP_ERR(hr, 405, EH_UNIMPLEMENTED, "该地址不支持此请求方法", "this path does not accept this method");
    }
  } else if (h2o_memis(path.base, path.len, H2O_STRLIT("/metrics"))) {
    hr->label = HTTP_LABEL_METRICS;
    if (is_get)
      http__metrics(hr);
    else {
      http__header(req, "allow", "GET, HEAD");
      HTTP_ERR(hr, 405, EH_UNIMPLEMENTED, "该地址不支持此请求方法", "this path does not accept this method");
    }
  } else if (h2o_memis(path.base, path.len, H2O_STRLIT("/openapi.json"))) {
    hr->label = HTTP_LABEL_OPENAPI;
    if (is_get)
      http__openapi(hr);
    else {
      http__header(req, "allow", "GET, HEAD");
      HTTP_ERR(hr, 405, EH_UNIMPLEMENTED, "该地址不支持此请求方法", "this path does not accept this method");
    }
  } else if (path.len >= 5 && memcmp(path.base, "/api/", 5) == 0) {
    http__api(hr);
  } else {
    http__static(hr);
  }
out:
  log_set_request_id(NULL);
  return 0;
}

/* ---- loops ---------------------------------------------------------------------------- */

static void http__on_accept(h2o_socket_t *listener, const char *err) {
  http_thread_t *t = listener->data;
  if (err != NULL)
    return;
  /* Several loops share the socket: losing the race is EAGAIN and NULL here. */
  h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
  if (sock != NULL)
    h2o_accept(&t->accept_ctx, sock);
}

static int64_t http__now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *http__thread_main(void *arg) {
  http_thread_t *t = arg;
  http__self = t;
  int64_t stop_by = 0;
  for (;;) {
    h2o_evloop_run(t->loop, 50);
    if (!atomic_load(&t->srv->stopping))
      continue;
    if (t->listener != NULL) {
      h2o_socket_read_stop(t->listener);
      h2o_socket_close(t->listener);
      t->listener = NULL;
      h2o_context_request_shutdown(&t->ctx);
      stop_by = http__now_ms() + t->srv->grace_ms;
    }
    if (t->in_flight == 0 || http__now_ms() > stop_by) {
      /* Let the last responses leave the socket buffers. */
      for (int i = 0; i < 5; i++)
        h2o_evloop_run(t->loop, 20);
      break;
    }
  }
  /* Report done, then park instead of exiting: h2o keeps per-thread buffer recycle bins in
   * thread-local storage, which would become leaks at exit if the thread ended. */
  pthread_mutex_lock(&t->srv->done_lock);
  t->srv->ndone++;
  pthread_cond_broadcast(&t->srv->done_cond);
  pthread_mutex_unlock(&t->srv->done_lock);
  for (;;)
    pause();
  return NULL;
}

static bool http__listen(http_server_t *s, eh_err_t *err) {
  const char *addr = s->cfg.listen;
  const char *colon = strrchr(addr, ':');
  if (colon == NULL)
    return eh_err_set(err, EH_INVALID, "listen", "监听地址 %s 无效（应为 host:port）",
                      "listen address %s is invalid (want host:port)", addr);
  char host[256];
  size_t hl = (size_t)(colon - addr);
  if (hl >= sizeof(host))
    hl = sizeof(host) - 1;
  memcpy(host, addr, hl);
  host[hl] = '\0';
  if (host[0] == '[' && hl > 1 && host[hl - 1] == ']') {
    memmove(host, host + 1, hl - 2);
    host[hl - 2] = '\0';
  }
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE},
                  *res = NULL;
  if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res) != 0 || res == NULL)
    return eh_err_set(err, EH_INVALID, "listen", "监听地址 %s 无法解析", "cannot resolve listen address %s",
                      addr);
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
    int e = errno;
    if (fd >= 0)
      close(fd);
    freeaddrinfo(res);
    eh_err_set(err, EH_UNAVAILABLE, "listen", "无法监听 %s", "cannot listen on %s", addr);
    eh_err_detail(err, "errno=%d %s", e, strerror(e));
    return false;
  }
  freeaddrinfo(res);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  struct sockaddr_storage ss;
  socklen_t sl = sizeof(ss);
  getsockname(fd, (struct sockaddr *)&ss, &sl);
  s->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                     : ntohs(((struct sockaddr_in *)&ss)->sin_port);
  s->listen_fd = fd;
  return true;
}

static char *http__xstrdup(const char *v) {
  char *d = strdup(v ? v : "");
  if (d == NULL)
    abort();
  return d;
}

http_server_t *http_server_create(const http_config_t *cfg, const routes_t *routes,
                                  client_pool_t *client, eh_err_t *err) {
  http_server_t *s = calloc(1, sizeof(*s));
  if (s == NULL)
    abort();
  s->cfg = *cfg;
  s->cfg.listen = http__xstrdup(cfg->listen);
  s->cfg.static_dir = http__xstrdup(cfg->static_dir);
  s->cfg.cors_origins = http__xstrdup(cfg->cors_origins);
  s->cfg.core_secret = http__xstrdup(cfg->core_secret);
  s->cfg.version = http__xstrdup(cfg->version ? cfg->version : "dev");
  s->routes = routes;
  s->client = client;
  s->listen_fd = -1;
  s->nthreads = cfg->threads < 1 ? 1 : cfg->threads;
  pthread_mutex_init(&s->openapi_lock, NULL);
  pthread_mutex_init(&s->done_lock, NULL);
  pthread_cond_init(&s->done_cond, NULL);

  /* Allowed CORS origins: exact strings, comma-separated, blanks trimmed. */
  for (const char *p = s->cfg.cors_origins; *p && s->norigins < HTTP_MAX_ORIGINS;) {
    while (*p == ' ' || *p == ',')
      p++;
    const char *e = p;
    while (*e && *e != ',')
      e++;
    const char *end = e;
    while (end > p && end[-1] == ' ')
      end--;
    if (end > p)
      s->origins[s->norigins++] = strndup(p, (size_t)(end - p));
    p = e;
  }

  s->schema = http_schema_create(routes_schema(routes));
  size_t nroutes = routes_count(routes);
  const char **labels = calloc(HTTP_LABEL_ROUTES + nroutes, sizeof(char *));
  if (labels == NULL)
    abort();
  labels[HTTP_LABEL_NONE] = "none";
  labels[HTTP_LABEL_STATIC] = "static";
  labels[HTTP_LABEL_HEALTHZ] = "/healthz";
  labels[HTTP_LABEL_METRICS] = "/metrics";
  labels[HTTP_LABEL_OPENAPI] = "/openapi.json";
  labels[HTTP_LABEL_PREFLIGHT] = "preflight";
  for (size_t i = 0; i < nroutes; i++)
    labels[HTTP_LABEL_ROUTES + i] = routes_at(routes, i)->path_template;
  s->metrics = metrics_create(labels, HTTP_LABEL_ROUTES + nroutes, s->nthreads);
  free(labels);

  if (!http__listen(s, err)) {
    http_server_destroy(s);
    return NULL;
  }

  h2o_config_init(&s->globalconf);
  s->globalconf.server_name = h2o_iovec_init(H2O_STRLIT("ehall-gateway"));
  s->globalconf.max_request_entity_size = cfg->body_max_bytes;
  s->globalconf.http1.req_timeout = (uint64_t)cfg->header_timeout_ms;
  s->globalconf.http2.idle_timeout = (uint64_t)cfg->body_timeout_ms;
  h2o_hostconf_t *host =
      h2o_config_register_host(&s->globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
  h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
  h2o_handler_t *h = h2o_create_handler(path, sizeof(*h));
  h->on_req = http__on_req;
  h2o_filter_t *f = h2o_create_filter(path, sizeof(*f));
  f->on_setup_ostream = http__on_setup_ostream;
  /* h2o's own errors (413, malformed requests) are bound to the fallback path. */
  h2o_filter_t *f2 = h2o_create_filter(&host->fallback_path, sizeof(*f2));
  f2->on_setup_ostream = http__on_setup_ostream;

  s->threads = calloc((size_t)s->nthreads, sizeof(http_thread_t));
  if (s->threads == NULL)
    abort();
  for (int i = 0; i < s->nthreads; i++) {
    http_thread_t *t = &s->threads[i];
    t->srv = s;
    t->index = i;
    t->loop = h2o_evloop_create();
    h2o_context_init(&t->ctx, t->loop, &s->globalconf);
    t->accept_ctx.ctx = &t->ctx;
    t->accept_ctx.hosts = s->globalconf.hosts;
    t->queue = h2o_multithread_create_queue(t->loop);
    h2o_multithread_register_receiver(t->queue, &t->results, http__on_results);
    int fd = dup(s->listen_fd);
    if (fd < 0)
      abort();
    t->listener = h2o_evloop_socket_create(t->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    t->listener->data = t;
  }
  return s;
}

int http_server_port(const http_server_t *s) { return s->port; }

void http_server_start(http_server_t *s) {
  for (int i = 0; i < s->nthreads; i++) {
    http_thread_t *t = &s->threads[i];
    h2o_socket_read_start(t->listener, http__on_accept);
    if (pthread_create(&t->tid, NULL, http__thread_main, t) != 0)
      abort();
    s->nstarted++;
  }
}

void http_server_stop(http_server_t *s, long grace_ms) {
  s->grace_ms = grace_ms;
  atomic_store(&s->stopping, true);
  pthread_mutex_lock(&s->done_lock);
  while (s->ndone < s->nstarted)
    pthread_cond_wait(&s->done_cond, &s->done_lock);
  pthread_mutex_unlock(&s->done_lock);
  if (s->listen_fd >= 0) {
    close(s->listen_fd);
    s->listen_fd = -1;
  }
}

void http_server_destroy(http_server_t *s) {
  if (s == NULL)
    return;
  /* Loops, contexts and open keep-alive connections are left to process exit: h2o cannot
   * dispose a context that still has connections, and the process is ending anyway. */
  if (s->listen_fd >= 0)
    close(s->listen_fd);
  metrics_destroy(s->metrics);
  http_schema_destroy(s->schema);
  for (int i = 0; i < s->norigins; i++)
    free(s->origins[i]);
  free((char *)s->cfg.listen);
  free((char *)s->cfg.static_dir);
  free((char *)s->cfg.cors_origins);
  free((char *)s->cfg.core_secret);
  free((char *)s->cfg.version);
  free(s->openapi);
  if (s->threads == NULL) {
    pthread_mutex_destroy(&s->openapi_lock);
    free(s);
    return;
  }
  /* The loops and their contexts stay allocated until exit; keep them reachable. */
  http__retired = s;
}
