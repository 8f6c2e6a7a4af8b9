/*
 * http.h — the gateway's HTTP server on h2o's evloop: one event loop per thread sharing one
 * listening socket, JSON ⇄ gRPC for the annotated routes, and the built-in endpoints
 * (/healthz, /metrics, /openapi.json, the H5 static files).
 *
 * The loops never wait for the core: a gRPC call is started, the loop moves on, and the
 * result comes back to the loop that owns the request through an h2o multithread queue.
 * Holds no business rule: every body goes through the transcoder, every error through one
 * writer.
 */
#ifndef EHALL_GATEWAY_HTTP_H
#define EHALL_GATEWAY_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/status.h"
#include "gateway/client/client.h"
#include "gateway/routes/routes.h"

typedef struct http_config {
  const char *listen; /* "127.0.0.1:8080" */
  int threads;
  const char *static_dir; /* H5 build; may not exist (then only the API is served) */
  size_t body_max_bytes;
  size_t header_max_bytes;
  long header_timeout_ms;   /* HTTP/1: the head must arrive within it after its first byte */
  long body_timeout_ms;     /* HTTP/1: the body within it after the head (else 408); HTTP/2: idle */
  long deadline_ms;         /* deadline of every gRPC call */
  const char *cors_origins; /* comma-separated allowed origins, "" for none */
  const char *core_secret;  /* sent as x-ehall-gateway-secret; "" or NULL: not sent */
  const char *version;      /* for OpenAPI's info.version */
  bool access_log;
  bool cookie_secure; /* the site is served over HTTPS: session cookies get `Secure` */
  /* Answers the core marked as the same for every anonymous caller are served again from it
   * (gateway/http/cache.h); NULL: no response cache. Not owned. */
  struct http_cache *cache;
} http_config_t;

typedef struct http_server http_server_t;

/* Binds the listening socket (so a port clash fails here, before any thread starts). Does not
 * take ownership of routes or client; both must outlive the server. The config strings are
 * copied. */
http_server_t *http_server_create(const http_config_t *cfg, const routes_t *routes,
                                  client_pool_t *client, eh_err_t *err);

/* Starts the loop threads. */
void http_server_start(http_server_t *s);

/* Graceful stop: every loop stops accepting, finishes the requests waiting for the core (up to
 * `grace_ms`) and flushes them, then stops running. Returns when every loop has stopped; the
 * threads stay parked until the process exits. */
void http_server_stop(http_server_t *s, long grace_ms);

void http_server_destroy(http_server_t *s);

/* The port actually bound (useful with port 0). */
int http_server_port(const http_server_t *s);

#endif
