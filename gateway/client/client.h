/*
 * client.h — the gateway's gRPC client: a small pool of channels to the core, one
 * completion-queue thread that finishes unary calls asynchronously, and one long-lived
 * grpc.health.v1.Health/Watch stream whose latest answer any thread may read for free.
 *
 * Only this module (and core/rpc) includes grpc headers: callers see bytes in, bytes out.
 * It decodes no message but the Watch stream's HealthCheckResponse, and never blocks the
 * caller on the network: client_call_start returns at once and `done` runs later on the
 * client's own thread.
 */
#ifndef EHALL_GATEWAY_CLIENT_H
#define EHALL_GATEWAY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/status.h"
#include "gateway/client/backoff.h"

typedef struct client_pool client_pool_t;

typedef struct client_md {
  const char *key;   /* lower case, e.g. "x-request-id" */
  const char *value; /* printable ASCII; other values are dropped, never sent */
} client_md_t;

/* What came back from one call. All of it is malloc'd and owned by the receiver of `done`,
 * who frees it with client_result_free. */
typedef struct client_result {
  int code;         /* grpc_status_code as a number, 0 = OK */
  char *message;    /* status message (NUL-terminated, maybe empty) */
  uint8_t *payload; /* the response message, serialized; NULL if none */
  size_t payload_len;
  uint8_t *details_bin; /* grpc-status-details-bin (serialized google.rpc.Status) or NULL */
  size_t details_len;
  /* From the response's initial metadata: the core opened (token) or ended ("") the caller's
   * session (x-ehall-set-session), and its lifetime in seconds as sent
   * (x-ehall-session-max-age). NULL when absent. Credentials: never log them. */
  char *set_session;
  char *session_max_age;
  /* x-ehall-cache-max-age: the answer is the same for every anonymous caller and may be served
   * again for this many seconds (0: absent). */
  int cache_max_age_s;
  /* x-ehall-shared-refusal-ms: the error is the same for every caller of the same request and
   * may be repeated for this many milliseconds (0: absent; at most 60,000). */
  int shared_refusal_ms;
} client_result_t;

/* Runs on the client's completion-queue thread: hand the result to another thread quickly. */
typedef void (*client_done_fn)(void *user, client_result_t *res);

/* Starts gRPC (grpc_init) and `nchannels` channels to `target` ("127.0.0.1:50051") with
 * keepalive (a ping every 10 s, also without calls, 5 s to answer: a core that vanished
 * without a TCP reset is noticed within 15 s) and message size limits; one thread polls their
 * completion queue. Caller owns the pool. Connecting is lazy: an unreachable core shows up as
 * UNAVAILABLE on calls. */
client_pool_t *client_pool_create(const char *target, int nchannels, size_t max_message_bytes,
                                  eh_err_t *err);

/* Cancels the health Watch, waits for in-flight calls to finish (their `done` runs), stops
 * the thread, grpc_shutdown. */
void client_pool_destroy(client_pool_t *p);

/* Starts the unary call `method` ("/pkg.Svc/Method") with the serialized request (copied),
 * the metadata (copied) and a deadline `deadline_ms` from now. `done(user, result)` runs
 * exactly once, also when the call fails to start. */
void client_call_start(client_pool_t *p, const char *method, const uint8_t *req, size_t len,
                       const client_md_t *md, size_t nmd, int64_t deadline_ms, client_done_fn done,
                       void *user);

void client_result_free(client_result_t *r);

/* Opens the one grpc.health.v1.Health/Watch stream (service "") on the pool's first channel;
 * the completion-queue thread owns it from then on. Each answer is stored in an atomic; when
 * the stream ends or fails the state becomes NOT_SERVING at once and the stream is re-opened
 * after `backoff_min_ms`, doubling up to `backoff_max_ms` while attempts keep failing (reset
 * by a stream that answered). Call once, after client_pool_create. Until the first answer
 * the state is UNKNOWN. */
void client_health_watch_start(client_pool_t *p, int64_t backoff_min_ms, int64_t backoff_max_ms);

/* The latest state seen on the Watch stream (UNKNOWN before the first answer). Lock-free; any
 * thread. */
client_core_health_t client_core_health(const client_pool_t *p);

/* How many times the Watch stream was re-opened after it ended or failed to open. */
uint64_t client_health_watch_reconnects(const client_pool_t *p);

/* True if every byte of `v` may travel as a gRPC ASCII metadata value (0x20..0x7e). */
bool client_md_value_ok(const char *v);

#endif
