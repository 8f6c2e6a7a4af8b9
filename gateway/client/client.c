/*
 * client.c — unary gRPC calls to the core on the C core API, finished on one
 * completion-queue thread, and the one health Watch stream that thread keeps open.
 *
 * Each unary call is a single batch (send metadata, message, close; receive metadata,
 * message, status), so a call needs no state machine. Of the initial metadata only the
 * session hand-over (x-ehall-set-session, x-ehall-session-max-age) is kept for the caller.
 * Channels use a local subchannel pool: without it gRPC shares one connection between
 * identical channels and the pool would be a pool of one. Never logs metadata values (they
 * carry the caller's bearer token or a new session's).
 *
 * The Watch stream (so that /healthz costs no gRPC call): two batches are pending on it at
 * all times, RECV_MESSAGE (re-armed after every answer) and RECV_STATUS_ON_CLIENT. When the
 * core dies its TCP connection resets and both fail at once; keepalive pings catch a core
 * that vanished without a reset. The stream's batches are started under `watch.mu` (by the
 * caller of client_health_watch_start for the first, by the completion-queue thread for the
 * rest), so two batches never start on it in parallel and client_pool_destroy can cancel it
 * from another thread. The re-open timer is the completion queue's own wait deadline.
 */
#include "gateway/client/client.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#include "core/common/absl_shim.h"
#include "core/common/log.h"
#include "grpc/health/v1/health.pb-c.h"

#define CLIENT_MAX_MD 16

#define CLIENT_WATCH_METHOD "/grpc.health.v1.Health/Watch"

/* The health Watch stream. `state` and `reconnects` are read by any thread; the rest only
 * under `mu`. */
typedef struct client_watch {
  pthread_mutex_t mu;
  bool enabled;     /* client_health_watch_start was called */
  bool stopping;    /* client_pool_destroy: cancel, never re-open */
  bool opened;      /* a stream was opened before: the next open counts as a reconnect */
  grpc_call *call;  /* the current stream, NULL between streams */
  int pending;      /* batches not yet completed on `call` */
  bool answered;    /* `call` delivered at least one answer */
  bool down_logged; /* the stream's failure was logged; reset by an answer */
  grpc_byte_buffer *req, *resp;
  grpc_metadata_array initial_md, trailing_md;
  grpc_status_code status;
  grpc_slice details;
  bool reopen; /* a re-open is due at `reopen_at` */
  gpr_timespec reopen_at;
  int64_t backoff_ms, backoff_min_ms, backoff_max_ms;
  char msg_tag, status_tag; /* their addresses are the completion tags */
  atomic_int state;         /* client_core_health_t */
  atomic_ullong reconnects;
} client_watch_t;

struct client_pool {
  grpc_channel **channels;
  int nchannels;
  atomic_uint next;
  atomic_long in_flight;
  grpc_completion_queue *cq;
  pthread_t thread;
  client_watch_t watch;
};

typedef struct client_call {
  grpc_call *call;
  grpc_byte_buffer *req;
  grpc_byte_buffer *resp;
  grpc_metadata md[CLIENT_MAX_MD];
  size_t nmd;
  grpc_metadata_array initial_md;
  grpc_metadata_array trailing_md;
  grpc_status_code status;
  grpc_slice details;
  client_done_fn done;
  void *user;
} client_call_t;

static void *client__xcalloc(size_t n, size_t size) {
  void *p = calloc(n, size);
  if (p == NULL)
    abort();
  return p;
}

bool client_md_value_ok(const char *v) {
  for (const unsigned char *p = (const unsigned char *)v; *p; p++)
    if (*p < 0x20 || *p > 0x7e)
      return false;
  return true;
}

static void client__call_free(client_call_t *c) {
  for (size_t i = 0; i < c->nmd; i++) {
    grpc_slice_unref(c->md[i].key);
    grpc_slice_unref(c->md[i].value);
  }
  if (c->req)
    grpc_byte_buffer_destroy(c->req);
  if (c->resp)
    grpc_byte_buffer_destroy(c->resp);
  grpc_metadata_array_destroy(&c->initial_md);
  grpc_metadata_array_destroy(&c->trailing_md);
  grpc_slice_unref(c->details);
  if (c->call)
    grpc_call_unref(c->call);
  free(c);
}

static client_result_t *client__result_new(int code, const char *msg, size_t msg_len) {
  client_result_t *r = client__xcalloc(1, sizeof(*r));
  r->code = code;
  r->message = client__xcalloc(1, msg_len + 1);
  memcpy(r->message, msg, msg_len);
  return r;
}

/* A positive integer metadata value of at most max; 0 when absent, malformed or out of range. */
static int client__md_int(grpc_slice v, long max) {
  char buf[12] = "";
  size_t n = GRPC_SLICE_LENGTH(v);
  if (n == 0 || n >= sizeof(buf))
    return 0;
  memcpy(buf, GRPC_SLICE_START_PTR(v), n);
  long x = strtol(buf, NULL, 10);
  return x > 0 && x <= max ? (int)x : 0;
}

static void client__finish(client_pool_t *p, client_call_t *c, bool ok) {
  client_result_t *r;
  if (!ok) {
    r = client__result_new(GRPC_STATUS_UNAVAILABLE, "call failed", 11);
  } else {
    r = client__result_new((int)c->status, (const char *)GRPC_SLICE_START_PTR(c->details),
                           GRPC_SLICE_LENGTH(c->details));
    if (c->resp != NULL) {
      grpc_byte_buffer_reader rd;
      if (grpc_byte_buffer_reader_init(&rd, c->resp)) {
        grpc_slice s = grpc_byte_buffer_reader_readall(&rd);
        r->payload_len = GRPC_SLICE_LENGTH(s);
        r->payload = client__xcalloc(1, r->payload_len + 1);
        memcpy(r->payload, GRPC_SLICE_START_PTR(s), r->payload_len);
        grpc_slice_unref(s);
        grpc_byte_buffer_reader_destroy(&rd);
      }
    }
    for (size_t i = 0; i < c->initial_md.count; i++) {
      const grpc_metadata *m = &c->initial_md.metadata[i];
      char **slot = NULL;
      if (grpc_slice_str_cmp(m->key, "x-ehall-cache-max-age") == 0) {
        r->cache_max_age_s = client__md_int(m->value, 86400);
        continue;
      }
      if (grpc_slice_str_cmp(m->key, "x-ehall-shared-refusal-ms") == 0) {
        r->shared_refusal_ms = client__md_int(m->value, 60000);
        continue;
      }
      if (grpc_slice_str_cmp(m->key, "x-ehall-set-session") == 0)
        slot = &r->set_session;
      else if (grpc_slice_str_cmp(m->key, "x-ehall-session-max-age") == 0)
        slot = &r->session_max_age;
      if (slot != NULL && *slot == NULL) {
        size_t n = GRPC_SLICE_LENGTH(m->value);
        *slot = client__xcalloc(1, n + 1);
        memcpy(*slot, GRPC_SLICE_START_PTR(m->value), n);
      }
    }
    for (size_t i = 0; i < c->trailing_md.count; i++) {
      const grpc_metadata *m = &c->trailing_md.metadata[i];
      if (grpc_slice_str_cmp(m->key, "grpc-status-details-bin") == 0) {
        r->details_len = GRPC_SLICE_LENGTH(m->value);
        r->details_bin = client__xcalloc(1, r->details_len + 1);
        memcpy(r->details_bin, GRPC_SLICE_START_PTR(m->value), r->details_len);
        break;
      }
    }
  }
  client_done_fn done = c->done;
  void *user = c->user;
  client__call_free(c);
  atomic_fetch_sub(&p->in_flight, 1);
  done(user, r);
}

/* ---- the health Watch stream ------------------------------------------------------------ */

/* Stores the state; a change the core announced is logged here, a broken stream once by
 * client__watch_on_status. */
static void client__watch_set(client_watch_t *w, client_core_health_t st, bool from_core) {
  int was = atomic_exchange(&w->state, (int)st);
  if (was == (int)st || !from_core)
    return;
  if (st == CLIENT_CORE_SERVING)
    LOG_INFO("client", "core health SERVING (watch)");
  else
    LOG_WARN("client", "core health NOT_SERVING: the core says so (watch)");
}

/* Under w->mu, no stream open: starts one. A batch that cannot start is a bug (assert), as the
 * gRPC core treats a non-OK grpc_call_error. */
static void client__watch_open(client_pool_t *p) {
  client_watch_t *w = &p->watch;
  w->reopen = false;
  if (w->opened)
    atomic_fetch_add(&w->reconnects, 1);
  w->opened = true;
  w->answered = false;
  w->details = grpc_empty_slice();
  w->resp = NULL;
  grpc_metadata_array_init(&w->initial_md);
  grpc_metadata_array_init(&w->trailing_md);
  /* HealthCheckRequest{service: ""} packs to zero bytes. */
  grpc_slice empty = grpc_empty_slice();
  w->req = grpc_raw_byte_buffer_create(&empty, 1);
  grpc_slice m = grpc_slice_from_static_string(CLIENT_WATCH_METHOD);
  /* No deadline: the stream lives as long as the core does. */
  w->call = grpc_channel_create_call(p->channels[0], NULL, GRPC_PROPAGATE_DEFAULTS, p->cq, m, NULL,
                                     gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
  grpc_op ops[5];
  memset(ops, 0, sizeof(ops));
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = w->req;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &w->initial_md;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &w->resp;
  grpc_call_error ce = grpc_call_start_batch(w->call, ops, 5, &w->msg_tag, NULL);
  assert(ce == GRPC_CALL_OK);
  grpc_op st;
  memset(&st, 0, sizeof(st));
  st.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  st.data.recv_status_on_client.trailing_metadata = &w->trailing_md;
  st.data.recv_status_on_client.status = &w->status;
  st.data.recv_status_on_client.status_details = &w->details;
  ce = grpc_call_start_batch(w->call, &st, 1, &w->status_tag, NULL);
  assert(ce == GRPC_CALL_OK);
  (void)ce;
  w->pending = 2;
}

/* Under w->mu: once both batches completed, frees the stream and schedules the next one. */
static void client__watch_maybe_end(client_pool_t *p) {
  client_watch_t *w = &p->watch;
  if (w->pending > 0 || w->call == NULL)
    return;
  grpc_call_unref(w->call);
  w->call = NULL;
  grpc_byte_buffer_destroy(w->req);
  w->req = NULL;
  grpc_metadata_array_destroy(&w->initial_md);
  grpc_metadata_array_destroy(&w->trailing_md);
  grpc_slice_unref(w->details);
  if (w->stopping)
    return;
  w->backoff_ms =
      client_backoff_next(w->backoff_ms, w->answered, w->backoff_min_ms, w->backoff_max_ms);
  w->reopen = true;
  w->reopen_at =
      gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(w->backoff_ms, GPR_TIMESPAN));
}

/* RECV_MESSAGE completed: an answer (re-arm) or the end of the stream. */
static void client__watch_on_message(client_pool_t *p, bool ok) {
  client_watch_t *w = &p->watch;
  pthread_mutex_lock(&w->mu);
  w->pending--;
  if (ok && w->resp != NULL) {
    int serving = -1;
    grpc_byte_buffer_reader rd;
    if (grpc_byte_buffer_reader_init(&rd, w->resp)) {
      grpc_slice s = grpc_byte_buffer_reader_readall(&rd);
      Grpc__Health__V1__HealthCheckResponse *r = grpc__health__v1__health_check_response__unpack(
          NULL, GRPC_SLICE_LENGTH(s), GRPC_SLICE_START_PTR(s));
      if (r != NULL) {
        serving = (int)r->status;
        grpc__health__v1__health_check_response__free_unpacked(r, NULL);
      }
      grpc_slice_unref(s);
      grpc_byte_buffer_reader_destroy(&rd);
    }
    grpc_byte_buffer_destroy(w->resp);
    w->resp = NULL;
    w->answered = true;
    w->down_logged = false;
    client__watch_set(w, client_core_health_from_status(serving), true);
    if (!w->stopping) {
      grpc_op op;
      memset(&op, 0, sizeof(op));
      op.op = GRPC_OP_RECV_MESSAGE;
      op.data.recv_message.recv_message = &w->resp;
      grpc_call_error ce = grpc_call_start_batch(w->call, &op, 1, &w->msg_tag, NULL);
      assert(ce == GRPC_CALL_OK);
      (void)ce;
      w->pending++;
    }
  } else {
    /* Ended or failed (the status batch tells why): the core is not known to serve any more. */
    if (w->resp != NULL) {
      grpc_byte_buffer_destroy(w->resp);
      w->resp = NULL;
    }
    client__watch_set(w, CLIENT_CORE_NOT_SERVING, false);
  }
  client__watch_maybe_end(p);
  pthread_mutex_unlock(&w->mu);
}

static void client__watch_on_status(client_pool_t *p) {
  client_watch_t *w = &p->watch;
  pthread_mutex_lock(&w->mu);
  w->pending--;
  client__watch_set(w, CLIENT_CORE_NOT_SERVING, false);
  if (!w->stopping && !w->down_logged) {
    /* Once per outage, not once per re-open attempt. The details are gRPC's or the core's
     * status text: no request data travels on this stream. */
    LOG_WARN("client",
             "core health NOT_SERVING: watch stream ended code=%d message=%.*s; "
             "re-opening with backoff",
             (int)w->status, (int)GRPC_SLICE_LENGTH(w->details),
             (const char *)GRPC_SLICE_START_PTR(w->details));
    w->down_logged = true;
  }
  client__watch_maybe_end(p);
  pthread_mutex_unlock(&w->mu);
}

/* How long the completion-queue thread may wait: until the next re-open, if one is due. */
static gpr_timespec client__watch_deadline(client_pool_t *p) {
  client_watch_t *w = &p->watch;
  pthread_mutex_lock(&w->mu);
  gpr_timespec dl = w->reopen && !w->stopping ? w->reopen_at : gpr_inf_future(GPR_CLOCK_MONOTONIC);
  pthread_mutex_unlock(&w->mu);
  return dl;
}

static void client__watch_on_timer(client_pool_t *p) {
  client_watch_t *w = &p->watch;
  pthread_mutex_lock(&w->mu);
  if (w->reopen && !w->stopping && w->call == NULL &&
      gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), w->reopen_at) >= 0)
    client__watch_open(p);
  pthread_mutex_unlock(&w->mu);
}

void client_health_watch_start(client_pool_t *p, int64_t backoff_min_ms, int64_t backoff_max_ms) {
  client_watch_t *w = &p->watch;
  pthread_mutex_lock(&w->mu);
  assert(!w->enabled); /* one stream per pool */
  w->enabled = true;
  w->backoff_min_ms = backoff_min_ms;
  w->backoff_max_ms = backoff_max_ms;
  if (!w->stopping)
    client__watch_open(p);
  pthread_mutex_unlock(&w->mu);
}

client_core_health_t client_core_health(const client_pool_t *p) {
  return (client_core_health_t)atomic_load(&((client_pool_t *)p)->watch.state);
}

uint64_t client_health_watch_reconnects(const client_pool_t *p) {
  return atomic_load(&((client_pool_t *)p)->watch.reconnects);
}

/* ---- the completion-queue thread -------------------------------------------------------- */

static void *client__thread_main(void *arg) {
  client_pool_t *p = arg;
  for (;;) {
    grpc_event ev = grpc_completion_queue_next(p->cq, client__watch_deadline(p), NULL);
    if (ev.type == GRPC_QUEUE_SHUTDOWN)
      break;
    if (ev.type == GRPC_QUEUE_TIMEOUT)
      client__watch_on_timer(p);
    else if (ev.type == GRPC_OP_COMPLETE && ev.tag == &p->watch.msg_tag)
      client__watch_on_message(p, ev.success != 0);
    else if (ev.type == GRPC_OP_COMPLETE && ev.tag == &p->watch.status_tag)
      client__watch_on_status(p);
    else if (ev.type == GRPC_OP_COMPLETE)
      client__finish(p, ev.tag, ev.success != 0);
  }
  return NULL;
}

client_pool_t *client_pool_create(const char *target, int nchannels, size_t max_message_bytes,
                                  eh_err_t *err) {
  if (nchannels < 1)
    nchannels = 1;
  absl_shim_deadlock_detection_off(); /* before grpc_init, as in the core */
  grpc_init();
  client_pool_t *p = client__xcalloc(1, sizeof(*p));
  p->nchannels = nchannels;
  p->channels = client__xcalloc((size_t)nchannels, sizeof(*p->channels));
  p->cq = grpc_completion_queue_create_for_next(NULL);
  pthread_mutex_init(&p->watch.mu, NULL);
  atomic_init(&p->watch.state, CLIENT_CORE_UNKNOWN);
  atomic_init(&p->watch.reconnects, 0);
  for (int i = 0; i < nchannels; i++) {
    grpc_arg args[] = {
        /* A ping every 10 s even without calls (the Watch stream is idle for hours), 5 s to
         * answer; the core's server args permit this rate (core/rpc/server.c). */
        {.type = GRPC_ARG_INTEGER,
         .key = (char *)GRPC_ARG_KEEPALIVE_TIME_MS,
         .value.integer = 10000},
        {.type = GRPC_ARG_INTEGER,
         .key = (char *)GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
         .value.integer = 5000},
        {.type = GRPC_ARG_INTEGER,
         .key = (char *)GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS,
         .value.integer = 1},
        /* Without this a client stops pinging after 2 pings with no data frame in between. */
        {.type = GRPC_ARG_INTEGER,
         .key = (char *)GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA,
         .value.integer = 0},
        {.type = GRPC_ARG_INTEGER,
         .key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
         .value.integer = (int)max_message_bytes},
        {.type = GRPC_ARG_INTEGER,
         .key = (char *)GRPC_ARG_MAX_SEND_MESSAGE_LENGTH,
         .value.integer = (int)max_message_bytes},
        /* Identical channels would otherwise share one subchannel (one TCP connection). */
        {.type = GRPC_ARG_INTEGER,
         .key = (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL,
         .value.integer = 1},
        {.type = GRPC_ARG_INTEGER, .key = (char *)"ehall.channel_index", .value.integer = i},
        {.type = GRPC_ARG_INTEGER,
         .key = (char *)GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
         .value.integer = 200},
        {.type = GRPC_ARG_INTEGER,
         .key = (char *)GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
         .value.integer = 2000},
    };
    grpc_channel_args ca = {sizeof(args) / sizeof(args[0]), args};
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    p->channels[i] = grpc_channel_create(target, creds, &ca);
    grpc_channel_credentials_release(creds);
    if (p->channels[i] == NULL) {
      eh_err_set(err, EH_INVALID, "core.addr", "无法连接核心服务地址 %s",
                 "cannot use core address %s", target);
      p->nchannels = i;
      client_pool_destroy(p);
      return NULL;
    }
  }
  if (pthread_create(&p->thread, NULL, client__thread_main, p) != 0)
    abort();
  return p;
}

void client_pool_destroy(client_pool_t *p) {
  if (p == NULL)
    return;
  /* The Watch stream has no deadline: cancel it, and no re-open after that. Its last
   * completions arrive before the queue's shutdown event. */
  pthread_mutex_lock(&p->watch.mu);
  p->watch.stopping = true;
  p->watch.reopen = false;
  if (p->watch.call != NULL)
    grpc_call_cancel(p->watch.call, NULL);
  pthread_mutex_unlock(&p->watch.mu);
  /* In-flight calls end by their deadline at the latest. */
  while (atomic_load(&p->in_flight) > 0)
    usleep(10000);
  grpc_completion_queue_shutdown(p->cq);
  if (p->thread)
    pthread_join(p->thread, NULL);
  else
    while (grpc_completion_queue_next(p->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
           GRPC_QUEUE_SHUTDOWN) {
    }
  for (int i = 0; i < p->nchannels; i++)
    grpc_channel_destroy(p->channels[i]);
  assert(p->watch.call == NULL);
  grpc_completion_queue_destroy(p->cq);
  pthread_mutex_destroy(&p->watch.mu);
  free(p->channels);
  free(p);
  grpc_shutdown();
}

void client_call_start(client_pool_t *p, const char *method, const uint8_t *req, size_t len,
                       const client_md_t *md, size_t nmd, int64_t deadline_ms, client_done_fn done,
                       void *user) {
  client_call_t *c = client__xcalloc(1, sizeof(*c));
  c->done = done;
  c->user = user;
  c->details = grpc_empty_slice();
  grpc_metadata_array_init(&c->initial_md);
  grpc_metadata_array_init(&c->trailing_md);
  for (size_t i = 0; i < nmd && c->nmd < CLIENT_MAX_MD; i++) {
    if (md[i].value == NULL || !client_md_value_ok(md[i].value))
      continue;
    c->md[c->nmd].key = grpc_slice_from_copied_string(md[i].key);
    c->md[c->nmd].value = grpc_slice_from_copied_string(md[i].value);
    c->nmd++;
  }
  grpc_slice s = grpc_slice_from_copied_buffer((const char *)req, len);
  c->req = grpc_raw_byte_buffer_create(&s, 1);
  grpc_slice_unref(s);

  unsigned i = atomic_fetch_add(&p->next, 1) % (unsigned)p->nchannels;
  gpr_timespec dl =
      gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(deadline_ms, GPR_TIMESPAN));
  grpc_slice m = grpc_slice_from_copied_string(method);
  c->call = grpc_channel_create_call(p->channels[i], NULL, GRPC_PROPAGATE_DEFAULTS, p->cq, m, NULL,
                                     dl, NULL);
  grpc_slice_unref(m);

  grpc_op ops[6];
  memset(ops, 0, sizeof(ops));
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[0].data.send_initial_metadata.count = c->nmd;
  ops[0].data.send_initial_metadata.metadata = c->md;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = c->req;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &c->initial_md;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &c->resp;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &c->trailing_md;
  ops[5].data.recv_status_on_client.status = &c->status;
  ops[5].data.recv_status_on_client.status_details = &c->details;
  atomic_fetch_add(&p->in_flight, 1);
  grpc_call_error ce = grpc_call_start_batch(c->call, ops, 6, c, NULL);
  if (ce != GRPC_CALL_OK) {
    LOG_ERROR("client", "grpc_call_start_batch failed method=%s error=%d", method, (int)ce);
    atomic_fetch_sub(&p->in_flight, 1);
    client__call_free(c);
    done(user, client__result_new(GRPC_STATUS_INTERNAL, "call failed to start", 20));
  }
}

void client_result_free(client_result_t *r) {
  if (r == NULL)
    return;
  free(r->message);
  free(r->payload);
  free(r->details_bin);
  free(r->set_session);
  free(r->session_max_age);
  free(r);
}
