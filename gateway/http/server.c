/*
 * server.c — h2o event loops and their lifecycle, the request entry (limits h2o does not
 * enforce, dispatch), the response filter and the HTTP/1 body timer.
 *
 * The other files of this folder: reply.c (every answer and the one error writer), proxy.c
 * (JSON ⇄ gRPC), static.c (files, /metrics, /openapi.json); internal.h holds what they share.
 * The lifecycle of a request is in README.md. Never logs bodies, query strings or the
 * Authorization header.
 */
#include "gateway/http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <h2o.h>
#include <h2o/http1.h>

#include "core/common/call.h"
#include "core/common/log.h"
#include "gateway/http/errors.h"
#include "gateway/http/internal.h"
#include "gateway/http/util.h"
#include "core/common/transcode.h"
#include "grpc/health/v1/health.pb-c.h"

__thread http_thread_t *http__self;
__thread http_req_t *http__sending;
/* A destroyed server whose loops still exist (parked): kept reachable until exit. */
static http_server_t *http__retired;

static double http__elapsed(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* ---- the filter: headers on every response, metrics and the access log ----------------- */

static void http__on_setup_ostream(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot) {
  http_thread_t *t = http__self;
  http_req_t *hr = http__sending;
  char rid[65];
  const char *rid_s = hr ? hr->rid : NULL;
  if (rid_s == NULL) {
    /* h2o's own answer (the handler never ran): keep the client's id if it is a valid one. */
    h2o_iovec_t v = http__req_header(req, H2O_STRLIT("x-request-id"));
    if (v.base != NULL && http_request_id_valid(v.base, v.len)) {
      memcpy(rid, v.base, v.len);
      rid[v.len] = '\0';
    } else {
      http_request_id_generate(rid);
    }
    rid_s = rid;
  }
  http__header(req, "x-request-id", rid_s); /* copied: `rid` may be this frame's buffer */
  http__header(req, "x-content-type-options", "nosniff");
  http__header(req, "referrer-policy", "same-origin");
  http__header(req, "x-frame-options", "DENY");
  if (t != NULL) {
    http_server_t *s = t->srv;
    if (hr == NULL && req->res.status >= 400)
      slot = http__replace_h2o_error(s, req, slot);
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

static void http__req_dispose(void *p) {
  http_req_t *hr = p;
  http__call_detach(hr);
  arena_destroy(hr->arena);
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
  /* h2o's own limit is one byte above ours (see http_server_create): a body of exactly
   * body.max_bytes passes both its Content-Length and its chunked check, and the one byte more
   * it lets through is refused here with the same answer h2o's refusals get. */
  if (req->entity.base != NULL && req->entity.len > s->cfg.body_max_bytes) {
    req->http1_is_persistent = 0; /* as after h2o's own 413 */
    eh_err_t e = EH_ERR_INIT;
    int code = http_error_from_h2o(413, s->cfg.body_max_bytes, &e);
    http__send_err_code(hr, 413, code, &e);
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
                 "authorization, content-type, x-request-id, idempotency-key, accept-language, "
                 "x-csrf-token, cache-control");
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

/* ---- the HTTP/1 request timers ---------------------------------------------------------
 * h2o 2.2.5 arms one timer per HTTP/1 connection when it starts waiting for a request and
 * disarms it only when the whole body has arrived; on expiry it closes the socket without an
 * answer. One value cannot say "10 s for the head, 30 s for the body", so h2o's timer is the
 * outer bound (header_ms + body_ms, which is also how long an idle keep-alive connection
 * lives) and this sweep, every few hundred milliseconds per loop, applies the two limits:
 *   - head not complete header_ms after its first byte: closed without an answer (slowloris),
 *     through the connection's own read-error path, exactly as h2o closes on a reset;
 *   - head complete, body not complete body_ms after the head: 408 with our JSON error, then
 *     closed (h2o's error path, so the filter swaps in the JSON body).
 * Requests whose handler already ran (pathconf set) are never touched. */

#define HTTP_SWEEP_MAX 64

typedef struct http_sweep {
  const http_server_t *srv;
  uint64_t now_ms;
  h2o_req_t *late_head[HTTP_SWEEP_MAX], *late_body[HTTP_SWEEP_MAX];
  int nhead, nbody;
} http_sweep_t;

static uint64_t http__tv_ms(const struct timeval *tv) {
  return (uint64_t)tv->tv_sec * 1000 + (uint64_t)tv->tv_usec / 1000;
}

/* Collects only: acting here would free connections under foreach_request's iteration. */
static int http__sweep_one(h2o_req_t *req, void *p) {
  http_sweep_t *sw = p;
  if (req->pathconf != NULL || h2o_timeval_is_null(&req->timestamps.request_begin_at))
    return 0; /* answered or being answered, or an idle keep-alive connection */
  if (!h2o_timeval_is_null(&req->timestamps.request_body_begin_at)) {
    uint64_t since = http__tv_ms(&req->timestamps.request_body_begin_at);
    if (sw->now_ms > since && sw->now_ms - since > (uint64_t)sw->srv->cfg.body_timeout_ms &&
        sw->nbody < HTTP_SWEEP_MAX)
      sw->late_body[sw->nbody++] = req;
  } else {
    uint64_t since = http__tv_ms(&req->timestamps.request_begin_at);
    if (sw->now_ms > since && sw->now_ms - since > (uint64_t)sw->srv->cfg.header_timeout_ms &&
        sw->nhead < HTTP_SWEEP_MAX)
      sw->late_head[sw->nhead++] = req;
  }
  return 0;
}

static void http__on_sweep(h2o_timeout_entry_t *entry) {
  http_thread_t *t = H2O_STRUCT_FROM_MEMBER(http_thread_t, sweep_entry, entry);
  http_sweep_t sw = {.srv = t->srv, .now_ms = http__tv_ms(h2o_get_timestamp(&t->ctx, NULL, NULL))};
  H2O_HTTP1_CALLBACKS.foreach_request(&t->ctx, http__sweep_one, &sw);
  for (int i = 0; i < sw.nhead; i++) {
    h2o_socket_t *sock = sw.late_head[i]->conn->callbacks->get_socket(sw.late_head[i]->conn);
    if (sock != NULL && sock->_cb.read != NULL)
      sock->_cb.read(sock, h2o_socket_error_closed);
  }
  for (int i = 0; i < sw.nbody; i++) {
    h2o_req_t *req = sw.late_body[i];
    h2o_socket_t *sock = req->conn->callbacks->get_socket(req->conn);
    if (sock != NULL)
      h2o_socket_read_stop(sock); /* h2o's body reader must not run again */
    req->http1_is_persistent = 0;
    h2o_send_error_generic(req, 408, "Request Timeout", "request body timeout",
                           H2O_SEND_ERROR_HTTP1_CLOSE_CONNECTION);
  }
  h2o_timeout_link(t->loop, &t->sweep_timeout, &t->sweep_entry);
}

/* Everything h2o of one loop is made here, on the loop's own thread: h2o keeps buffer recycle
 * bins in thread-local storage and a socket remembers the bin of the thread that created it.
 * A queue or listener socket made on the main thread would make every loop thread allocate
 * from (and free into) the main thread's bin at once, without a lock: heap corruption under
 * load (seen as a crash in h2o_mem_alloc_recycle after a burst of gRPC results). */
static void http__thread_init(http_thread_t *t) {
  http_server_t *s = t->srv;
  t->loop = h2o_evloop_create();
  h2o_context_init(&t->ctx, t->loop, &s->globalconf);
  t->accept_ctx.ctx = &t->ctx;
  t->accept_ctx.hosts = s->globalconf.hosts;
  t->queue = h2o_multithread_create_queue(t->loop);
  h2o_multithread_register_receiver(t->queue, &t->results, http__on_results);
  long period = (s->cfg.header_timeout_ms < s->cfg.body_timeout_ms ? s->cfg.header_timeout_ms
                                                                    : s->cfg.body_timeout_ms) / 4;
  h2o_timeout_init(t->loop, &t->sweep_timeout,
                   (uint64_t)(period < 20 ? 20 : period > 500 ? 500 : period));
  t->sweep_entry.cb = http__on_sweep;
  /* The socket is bound and listening since http_server_create: clients wait in its backlog. */
  int fd = dup(s->listen_fd);
  if (fd < 0)
    abort();
  t->listener = h2o_evloop_socket_create(t->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
  t->listener->data = t;
  h2o_socket_read_start(t->listener, http__on_accept);
}

static void *http__thread_main(void *arg) {
  http_thread_t *t = arg;
  http__self = t;
  http__thread_init(t);
  h2o_timeout_link(t->loop, &t->sweep_timeout, &t->sweep_entry);
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
      stop_by = call_now_ms() + t->srv->grace_ms;
    }
    if (t->in_flight == 0 || call_now_ms() > stop_by) {
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

/* The two /healthz answers never change: print them once, through the transcoder like every
 * other body, instead of once per probe. */
static bool http__render_healthz(http_server_t *s, eh_err_t *err) {
  static const Grpc__Health__V1__HealthCheckResponse__ServingStatus st[2] = {
      GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING,
      GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING};
  arena_t *a = arena_create(0);
  bool ok = true;
  for (int i = 0; i < 2 && ok; i++) {
    Grpc__Health__V1__HealthCheckResponse hc;
    grpc__health__v1__health_check_response__init(&hc);
    hc.status = st[i];
    size_t len = 0;
    char *json = transcode_pb_to_json(a, http_schema_get(s->schema), &hc.base, &len, err);
    if (json == NULL) {
      ok = false;
      break;
    }
    s->healthz_body[i] = malloc(len + 1);
    if (s->healthz_body[i] == NULL)
      abort();
    memcpy(s->healthz_body[i], json, len + 1);
    s->healthz_len[i] = len;
  }
  arena_destroy(a);
  return ok;
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

  if (!http__render_healthz(s, err) || !http__listen(s, err)) {
    http_server_destroy(s);
    return NULL;
  }

  h2o_config_init(&s->globalconf);
  s->globalconf.server_name = h2o_iovec_init(H2O_STRLIT("ehall-gateway"));
  /* One byte above ours: h2o refuses a chunked body that reaches its limit (>=) but a
   * Content-Length only above it (>); http__on_req refuses the byte in between. */
  s->globalconf.max_request_entity_size = cfg->body_max_bytes + 1;
  /* The outer bound; the sweep applies header_ms and body_ms (see "request timers"). */
  s->globalconf.http1.req_timeout = (uint64_t)(cfg->header_timeout_ms + cfg->body_timeout_ms);
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
  }
  return s;
}

int http_server_port(const http_server_t *s) { return s->port; }

void http_server_start(http_server_t *s) {
  for (int i = 0; i < s->nthreads; i++) {
    http_thread_t *t = &s->threads[i];
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
  free(s->healthz_body[0]);
  free(s->healthz_body[1]);
  if (s->threads == NULL) {
    pthread_mutex_destroy(&s->openapi_lock);
    free(s);
    return;
  }
  /* The loops and their contexts stay allocated until exit; keep them reachable. */
  http__retired = s;
}
