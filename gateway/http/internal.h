/*
 * internal.h — what the files of gateway/http share and nobody else sees: the server, loop
 * thread and per-request structs, and the functions one file offers the others (h2o style:
 * double underscore, `http__`).
 *
 * Threads: http_server_t is read-only once the loops run (except the atomics and locks named
 * below); an http_thread_t and everything reached from a request belong to that thread's loop.
 * Only http__on_call_done (proxy.c) runs on another thread, and it touches nothing but its
 * own http_call_t and the loop's multithread queue.
 */
#ifndef EHALL_GATEWAY_HTTP_INTERNAL_H
#define EHALL_GATEWAY_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include <h2o.h>

#include "core/common/arena.h"
#include "gateway/http/http.h"
#include "gateway/http/metrics.h"
#include "gateway/http/schema.h"
#include "google/rpc/status.pb-c.h"

/* Fixed metric labels; route i is label HTTP_LABEL_ROUTES + i. */
enum {
  HTTP_LABEL_NONE,
  HTTP_LABEL_STATIC,
  HTTP_LABEL_HEALTHZ,
  HTTP_LABEL_METRICS,
  HTTP_LABEL_OPENAPI,
  HTTP_LABEL_PREFLIGHT,
  HTTP_LABEL_ROUTES
};

#define HTTP_MAX_ORIGINS 16

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
  pthread_mutex_t openapi_lock; /* guards the lazy build of `openapi` */
  pthread_mutex_t done_lock;    /* loop threads report the end of their loop */
  pthread_cond_t done_cond;
  int nstarted, ndone;
  char *openapi; /* built once, then read-only */
  size_t openapi_len;
  /* The two /healthz bodies, printed once at create through the transcoder from
   * grpc.health.v1.HealthCheckResponse; [1] SERVING, [0] NOT_SERVING. Read-only. */
  char *healthz_body[2];
  size_t healthz_len[2];
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
  h2o_timeout_t sweep_timeout; /* the HTTP/1 body timer (server.c) */
  h2o_timeout_entry_t sweep_entry;
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
  /* "Bearer <ehall_session cookie>" when the request has no Authorization header but the web
   * session cookie (proxy.c); in the arena. A credential: never logged. */
  const char *cookie_bearer;
  /* An anonymous GET the response cache may answer next time: its key (path, query and
   * language), in the arena; NULL otherwise. */
  const char *cache_key;
  size_t cache_key_len;
  /* A signed-in caller's request whose refusal the core may mark as shared (the same for every
   * caller, x-ehall-shared-refusal-ms): its key (method, path, language and body), in the
   * arena; NULL otherwise. */
  const char *refusal_key;
  size_t refusal_key_len;
} http_req_t;

/* The loop thread's own http_thread_t (NULL on other threads). */
extern __thread http_thread_t *http__self;
/* The request whose response is being started right now: the filter reads it to tell our
 * answers from h2o's own. */
extern __thread http_req_t *http__sending;

/* ---- reply.c: every answer goes out through these ---- */
const char *http__reason(int status);
void http__header(h2o_req_t *req, const char *name, const char *value);
h2o_iovec_t http__req_header(h2o_req_t *req, const char *name, size_t len);
void http__send(http_req_t *hr, int status, const char *ctype, const char *body, size_t len);
void http__send_json(http_req_t *hr, int status, const char *json, size_t len);
/* The one error writer: a google.rpc.Status printed as proto3 JSON; adds Retry-After to a
 * 429/503 whose details carry a RetryInfo. */
void http__send_status(http_req_t *hr, int http_status, const Google__Rpc__Status *st);
/* An error made by the gateway itself, with the gRPC code printed in the body. */
void http__send_err_code(http_req_t *hr, int http_status, int grpc_code, const eh_err_t *err);
void http__send_err(http_req_t *hr, int http_status, const eh_err_t *err);
/* Called by the filter for a response h2o started itself (413, 400, 408…): swaps h2o's text
 * body for our JSON error. Returns the slot the next ostream goes into. */
h2o_ostream_t **http__replace_h2o_error(http_server_t *s, h2o_req_t *req, h2o_ostream_t **slot);

#define HTTP_ERR(hr, http_status, code, zh, en)                                                    \
  do {                                                                                             \
    eh_err_t e__ = EH_ERR_INIT;                                                                    \
    eh_err_set(&e__, code, NULL, zh, en);                                                          \
    http__send_err(hr, http_status, &e__);                                                         \
  } while (0)

/* ---- proxy.c: JSON ⇄ gRPC ---- */
void http__api(http_req_t *hr);
void http__healthz(http_req_t *hr);
void http__on_results(h2o_multithread_receiver_t *r, h2o_linklist_t *messages);
/* The request is going away: a pending call's result will be dropped. */
void http__call_detach(http_req_t *hr);

/* ---- static.c: files and the built-in documents ---- */
void http__static(http_req_t *hr);
void http__metrics(http_req_t *hr);
void http__openapi(http_req_t *hr);

#endif
