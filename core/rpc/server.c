/*
 * server.c — queues, workers and the life of every call on the gRPC C core.
 *
 * Each worker thread owns one completion queue and every call that arrives on it: all
 * grpc_call_start_batch calls of a call happen on its worker's thread, so no call needs a lock.
 * Unary handlers block their worker (PostgreSQL), so a worker re-posts its request for a
 * method only after it has answered: a busy worker holds no pending request for that method,
 * and gRPC hands the next call to an idle worker instead of queueing it behind the busy one.
 * It still holds its requests for every OTHER method, so a handler that may wait long (a login
 * waiting on the password-hashing pool: RPC_METHOD_SLOW) must never run on a worker: the
 * worker hands it to the slow lane (its own threads and bounded queue) and re-posts at once,
 * so cheap calls never queue behind logins. A full slow lane answers RESOURCE_EXHAUSTED.
 * Writes of several statements that come in floods (approvals' actions: RPC_METHOD_WRITE_LANE)
 * run the same way on the write lane's few threads (config write_workers), so a flood of them
 * holds neither every worker nor every database connection, and reads keep their latency: the
 * lane runs at a lower priority (write_nice) and, while workers are answering calls, takes at
 * most write_share percent of the time (it rests after each call in proportion to it).
 * A handler may also finish on the claim lane (call_t.then): a booking takes its seat's ticket
 * on the worker and waits for the seat's row lock on a claim thread, so in a rush the workers
 * stay free to answer "full" at once. Continuations with the same key (call_t.then_key: the
 * slot) run at most claim_per_key (1) at a time, in arrival order, the rest waiting in the lane
 * without a thread or a database connection: on one row, PostgreSQL books several times
 * faster with one claim at the row lock than with eight queued on it (the waiters' wake-ups
 * cost it more than the bookings), and the other connections stay free for the rest.
 * A call's batches may then start on a slow-lane thread; its completions still arrive on its
 * worker's queue, which is the only place the call is freed.
 * Streams (health Watch, reflection) never block: they are small state machines driven by
 * completions, and Watch is re-checked every RPC_POLL_MS.
 *
 * Must never log a request payload, a token or a forwarded address.
 */
#include "core/rpc/server.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "core/common/absl_shim.h"
#include "core/common/arena.h"
#include "core/common/call.h"
#include "core/common/log.h"
#include "core/config.h"
#include "core/identity/identity.h"
#include "core/rpc/errors.h"
#include "core/rpc/gates.h"
#include "core/rpc/health.h"
#include "core/rpc/meta.h"
#include "core/rpc/methods.h"
#include "core/rpc/reflection.h"
#include "core/rpc/turns.h"
#include "grpc/health/v1/health.pb-c.h"
#include "grpc/reflection/v1/reflection.pb-c.h"

extern const unsigned char ehall_descriptor_set[];
extern const size_t ehall_descriptor_set_len;

#define RPC_MAX_MESSAGE (1 << 20)
#define RPC_POLL_MS 200
/* The longest rest a lane takes after one call to keep to its share (config write_share). */
#define RPC_LANE_REST_MAX_MS 100
#define RPC_MAX_METADATA 64
/* Requests posted per method at shutdown to match calls still waiting for a worker. */
#define RPC_DRAIN_REQUESTS 256
/* At most this long (and a quarter of the grace period) of serving on before the shutdown. */
#define RPC_LAME_DUCK_MS 500

typedef enum {
  RPC_ST_REQ_REGISTERED,
  RPC_ST_REQ_GENERIC,
  RPC_ST_FINISHED, /* the last batch of a call completed: free it */
  RPC_ST_WATCH_SENT,
  RPC_ST_WATCH_CLOSED,
  RPC_ST_REFL_RECV,
  RPC_ST_REFL_SENT,
} rpc_state_t;

typedef struct rpc_ctx rpc_ctx_t;
typedef struct rpc_worker rpc_worker_t;

/* What a completion-queue tag points at: the call and what the completion means. */
typedef struct rpc_tag {
  rpc_state_t state;
  rpc_ctx_t *ctx;
} rpc_tag_t;

struct rpc_ctx {
  rpc_tag_t tag;       /* the call's main sequence of batches */
  rpc_tag_t close_tag; /* Watch's RECV_CLOSE_ON_SERVER, pending alongside sends */
  rpc_worker_t *w;
  int method; /* index in rpc_methods; -1 for a generic (unknown) call */
  grpc_call *call;
  gpr_timespec deadline;
  grpc_metadata_array md;
  grpc_call_details details; /* generic calls only */
  grpc_byte_buffer *payload;
  grpc_byte_buffer *reply;
  grpc_slice status_details;
  bool has_status_details;
  grpc_metadata trailer;
  bool has_trailer;
  /* x-ehall-set-session and x-ehall-session-max-age for the web's cookie (call_t.set_session_*) */
  grpc_metadata initial[3];
  size_t n_initial;
  int cancelled;
  bool md_sent;
  bool active;            /* counted in rpc_server.active until freed */
  struct rpc_unary *cont; /* a handler's continuation queued for the claim lane (call_t.then) */
  int64_t lane_key;       /* its call_t.then_key (0: none) */
  bool close_pending;     /* a RECV_CLOSE_ON_SERVER batch is already started */
  /* Watch */
  rpc_ctx_t *next_watch;
  char *watch_service;
  int watch_last;
  bool watch_inflight, watch_closed, watch_finishing;
};

struct rpc_worker {
  struct rpc_server *s;
  int index;
  grpc_completion_queue *cq;
  pthread_t thread;
  bool started;
  rpc_ctx_t *watches;
};

/* Threads that run the handlers of one lane (RPC_METHOD_SLOW: logins; RPC_METHOD_WRITE_LANE:
 * multi-statement writes such as approvals' actions; the claim lane: continuations), fed by the
 * workers through a bounded ring of what may run now; a keyed continuation whose key has no
 * room waits for its turn in `turns` instead (counted in len, not in the ring). */
typedef struct rpc_slow_lane {
  const char *name;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  rpc_ctx_t **ring;
  int cap, head, nready; /* the ring: calls a thread may take now */
  int len;               /* queued in all: the ring and the keys' waiting lists (at most cap) */
  rpc_turns_t *turns;    /* keyed continuations take turns (config claim_per_key); NULL: none */
  pthread_t *threads;
  int nthreads;
  int nice;  /* the threads' nice value (Linux: per thread); 0 keeps the process's */
  int share; /* percent of the time a thread may run calls while workers run some; 100: all */
  atomic_int *busy; /* the server's on_workers */
  bool stop;
} rpc_slow_lane_t;

struct rpc_server {
  const core_config_t *cfg;
  struct store_pg_pool *pg;
  struct store_redis_pool *redis;
  grpc_server *srv;
  void **handles; /* per rpc_methods row */
  grpc_completion_queue *shutdown_cq;
  rpc_worker_t *workers;
  int nworkers;
  int port;
  bool started;
  atomic_bool draining; /* SIGTERM seen: health says NOT_SERVING, watches end, calls still served */
  atomic_int active;    /* calls matched and not finished yet */
  atomic_int on_workers; /* unary calls running on a worker right now (the lanes' not counted) */
  atomic_bool stopping;  /* no more requests are posted: grpc_server_shutdown_and_notify follows */
  rpc_reflection_t *refl;
  rpc_sweeper_t *sweeper; /* deletes expired idempotency keys */
  rpc_slow_lane_t slow, writes, claims;
};

/* ---- small helpers ---- */

static rpc_ctx_t *rpc__ctx_new(rpc_worker_t *w, int method) {
  rpc_ctx_t *c = calloc(1, sizeof(*c));
  if (c == NULL)
    abort();
  c->w = w;
  c->method = method;
  c->tag.ctx = c;
  c->close_tag.ctx = c;
  c->close_tag.state = RPC_ST_WATCH_CLOSED;
  grpc_metadata_array_init(&c->md);
  return c;
}

static void rpc__ctx_free(rpc_ctx_t *c) {
  if (c->active)
    atomic_fetch_sub(&c->w->s->active, 1);
  grpc_metadata_array_destroy(&c->md);
  if (c->method < 0)
    grpc_call_details_destroy(&c->details);
  if (c->payload)
    grpc_byte_buffer_destroy(c->payload);
  if (c->reply)
    grpc_byte_buffer_destroy(c->reply);
  if (c->has_status_details)
    grpc_slice_unref(c->status_details);
  if (c->has_trailer) {
    grpc_slice_unref(c->trailer.key);
    grpc_slice_unref(c->trailer.value);
  }
  for (size_t i = 0; i < c->n_initial; i++) {
    grpc_slice_unref(c->initial[i].key);
    grpc_slice_unref(c->initial[i].value);
  }
  if (c->call)
    grpc_call_unref(c->call);
  free(c->watch_service);
  free(c);
}

static void rpc__start_batch(rpc_ctx_t *c, const grpc_op *ops, size_t n, rpc_tag_t *tag) {
  grpc_call_error e = grpc_call_start_batch(c->call, ops, n, tag, NULL);
  /* A non-OK result is a bug in this file (wrong op order or payload type), as in grpc's own
   * C++ wrappers. */
  if (e != GRPC_CALL_OK) {
    LOG_ERROR("rpc", "grpc_call_start_batch failed error=%d", (int)e);
    abort();
  }
}

static int64_t rpc__deadline_ms(gpr_timespec deadline) {
  gpr_timespec d = gpr_convert_clock_type(deadline, GPR_CLOCK_MONOTONIC);
  if (gpr_time_cmp(d, gpr_inf_future(GPR_CLOCK_MONOTONIC)) == 0)
    return INT64_MAX;
  /* gpr's monotonic clock may have another origin than CLOCK_MONOTONIC: carry the time left. */
  gpr_timespec left = gpr_time_sub(d, gpr_now(GPR_CLOCK_MONOTONIC));
  return call_now_ms() + gpr_time_to_millis(left);
}

/* Reads a whole byte buffer into memory owned by `a`. */
static uint8_t *rpc__read_payload(arena_t *a, grpc_byte_buffer *bb, size_t *len) {
  grpc_byte_buffer_reader r;
  if (!grpc_byte_buffer_reader_init(&r, bb))
    return NULL;
  grpc_slice s = grpc_byte_buffer_reader_readall(&r);
  grpc_byte_buffer_reader_destroy(&r);
  *len = GRPC_SLICE_LENGTH(s);
  uint8_t *out = arena_alloc(a, *len + 1); /* +1: never a zero-size allocation */
  memcpy(out, GRPC_SLICE_START_PTR(s), *len);
  grpc_slice_unref(s);
  return out;
}

static grpc_byte_buffer *rpc__pack(const ProtobufCMessage *m) {
  size_t n = protobuf_c_message_get_packed_size(m);
  grpc_slice s = grpc_slice_malloc(n);
  protobuf_c_message_pack(m, GRPC_SLICE_START_PTR(s));
  grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
  grpc_slice_unref(s);
  return bb;
}

static grpc_byte_buffer *rpc__buffer(const uint8_t *bytes, size_t n) {
  grpc_slice s = grpc_slice_from_copied_buffer((const char *)bytes, n);
  grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
  grpc_slice_unref(s);
  return bb;
}

static size_t rpc__md_to_kv(const grpc_metadata_array *md, rpc_kv_t *kv, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < md->count && n < cap; i++) {
    kv[n].key = (const char *)GRPC_SLICE_START_PTR(md->metadata[i].key);
    kv[n].key_len = GRPC_SLICE_LENGTH(md->metadata[i].key);
    kv[n].value = (const char *)GRPC_SLICE_START_PTR(md->metadata[i].value);
    kv[n].value_len = GRPC_SLICE_LENGTH(md->metadata[i].value);
    n++;
  }
  return n;
}

/* Stores an error's message and grpc-status-details-bin trailer in c so they live until the
 * batch completes. Returns the grpc status code. */
static int rpc__prepare_error(rpc_ctx_t *c, const rpc_error_reply_t *er) {
  c->status_details = grpc_slice_from_copied_string(er->message);
  c->has_status_details = true;
  c->trailer.key = grpc_slice_from_static_string("grpc-status-details-bin");
  c->trailer.value = grpc_slice_from_copied_buffer((const char *)er->details, er->details_len);
  c->has_trailer = true;
  return er->grpc_code;
}

/* Stores the status message and, on error, the grpc-status-details-bin trailer in c so they
 * live until the batch completes. Returns the grpc status code. */
static int rpc__prepare_status(rpc_ctx_t *c, arena_t *a, const eh_err_t *err, const char *lang) {
  if (err == NULL || err->code == EH_OK) {
    c->status_details = grpc_slice_from_static_string("");
    c->has_status_details = true;
    return GRPC_STATUS_OK;
  }
  rpc_error_reply_t er;
  rpc_error_reply_build(a, err, lang, &er);
  return rpc__prepare_error(c, &er);
}

/* The last batch of a call: [initial metadata], [message], status, close. */
static void rpc__finish(rpc_ctx_t *c, int code) {
  grpc_op ops[4];
  memset(ops, 0, sizeof(ops));
  size_t n = 0;
  if (!c->md_sent) {
    ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[n].data.send_initial_metadata.count = c->n_initial;
    ops[n++].data.send_initial_metadata.metadata = c->n_initial ? c->initial : NULL;
    c->md_sent = true;
  }
  if (c->reply && code == GRPC_STATUS_OK) {
    ops[n].op = GRPC_OP_SEND_MESSAGE;
    ops[n++].data.send_message.send_message = c->reply;
  }
  ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  ops[n].data.send_status_from_server.status = (grpc_status_code)code;
  ops[n].data.send_status_from_server.status_details = &c->status_details;
  if (c->has_trailer) {
    ops[n].data.send_status_from_server.trailing_metadata_count = 1;
    ops[n].data.send_status_from_server.trailing_metadata = &c->trailer;
  }
  n++;
  /* Watch has its own RECV_CLOSE pending already. */
  if (!c->close_pending) {
    ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[n++].data.recv_close_on_server.cancelled = &c->cancelled;
  }
  c->tag.state = RPC_ST_FINISHED;
  rpc__start_batch(c, ops, n, &c->tag);
}

/* ---- requests ---- */

static void rpc__request_registered(rpc_worker_t *w, int m) {
  struct rpc_server *s = w->s;
  rpc_ctx_t *c = rpc__ctx_new(w, m);
  c->tag.state = RPC_ST_REQ_REGISTERED;
  grpc_byte_buffer **payload = rpc_methods[m].kind == RPC_KIND_REFLECTION ? NULL : &c->payload;
  grpc_call_error e = grpc_server_request_registered_call(
      s->srv, s->handles[m], &c->call, &c->deadline, &c->md, payload, w->cq, w->cq, &c->tag);
  if (e != GRPC_CALL_OK) {
    LOG_ERROR("rpc", "request_registered_call failed method=%s error=%d", rpc_methods[m].name,
              (int)e);
    rpc__ctx_free(c);
  }
}

/* Keeps one request posted for method m on w's queue, until the server stops. */
static void rpc__post_registered(rpc_worker_t *w, int m) {
  if (!atomic_load(&w->s->stopping))
    rpc__request_registered(w, m);
}

static void rpc__request_generic(rpc_worker_t *w) {
  struct rpc_server *s = w->s;
  rpc_ctx_t *c = rpc__ctx_new(w, -1);
  c->tag.state = RPC_ST_REQ_GENERIC;
  grpc_call_details_init(&c->details);
  grpc_call_error e =
      grpc_server_request_call(s->srv, &c->call, &c->details, &c->md, w->cq, w->cq, &c->tag);
  if (e != GRPC_CALL_OK) {
    LOG_ERROR("rpc", "request_call failed error=%d", (int)e);
    rpc__ctx_free(c);
  }
}

static void rpc__post_generic(rpc_worker_t *w) {
  if (!atomic_load(&w->s->stopping))
    rpc__request_generic(w);
}

/* ---- unary calls ---- */

static void rpc__log_failure(const char *method, const eh_err_t *err, int grpc_code,
                             int64_t started_ms) {
  LOG_WARN("rpc", "call failed method=%s status=%s grpc_code=%d duration_ms=%lld detail=%s", method,
           eh_status_name(err->code), grpc_code, (long long)(call_now_ms() - started_ms),
           err->detail[0] ? err->detail : "-");
}

/* A handler opened (or closed: "") the caller's session: say so in the initial metadata, which
 * the gateway turns into the web app's HttpOnly cookie. Never logged. */
static void rpc__session_metadata(rpc_ctx_t *c, const call_t *call) {
  char age[24];
  snprintf(age, sizeof(age), "%lld", (long long)call->set_session_max_age_s);
  c->initial[c->n_initial].key = grpc_slice_from_static_string("x-ehall-set-session");
  c->initial[c->n_initial++].value = grpc_slice_from_copied_string(call->set_session_token);
  c->initial[c->n_initial].key = grpc_slice_from_static_string("x-ehall-session-max-age");
  c->initial[c->n_initial++].value = grpc_slice_from_copied_string(age);
}

/* The answer is the same for every anonymous caller: the gateway may serve it again from its
 * response cache for this many seconds (call_t.cache_public_max_age_s). */
static void rpc__cache_metadata(rpc_ctx_t *c, const call_t *call) {
  char age[24];
  snprintf(age, sizeof(age), "%d", (int)call->cache_public_max_age_s);
  c->initial[c->n_initial].key = grpc_slice_from_static_string("x-ehall-cache-max-age");
  c->initial[c->n_initial++].value = grpc_slice_from_copied_string(age);
}

static void rpc__shared_refusal_metadata(rpc_ctx_t *c, const call_t *call) {
  char ms[24];
  snprintf(ms, sizeof(ms), "%d", (int)call->shared_refusal_ms);
  c->initial[c->n_initial].key = grpc_slice_from_static_string("x-ehall-shared-refusal-ms");
  c->initial[c->n_initial++].value = grpc_slice_from_copied_string(ms);
}

/* A unary call from its handler to its answer. In the call's arena, so a handler may hand the
 * rest of its work to the claim lane (call_t.then) and the answer is sent from there. */
typedef struct rpc_unary {
  call_t call;
  ProtobufCMessage *req, *resp;
  eh_err_t err;
  rpc_idem_t idem;
  int64_t started;
} rpc_unary_t;

static bool rpc__lane_continue(rpc_slow_lane_t *l, rpc_ctx_t *c, rpc_unary_t *u);

/* After a handler (or its continuation) returned: it must have answered one way. */
static void rpc__unary_check(rpc_unary_t *u) {
  if (eh_ok(&u->err) && u->resp == NULL) {
    eh_err_set(&u->err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
    eh_err_detail(&u->err, "handler returned neither a reply nor an error");
  }
}

/* Runs the continuation a handler left in call.then (once). */
static void rpc__unary_then(rpc_unary_t *u) {
  call_unary_fn then = u->call.then;
  u->call.then = NULL;
  then(&u->call, u->req, &u->resp, &u->err);
  rpc__unary_check(u);
}

/* Sends the answer (a replay, the reply, or the error), logs a failure, frees the arena. */
static void rpc__unary_end(rpc_ctx_t *c, rpc_unary_t *u) {
  const rpc_method_t *m = &rpc_methods[c->method];
  call_t *call = &u->call;
  arena_t *a = call->arena;
  int code;
  if (u->idem.replay) {
    /* The first answer of this key, byte for byte (the same receipt, or the same error). */
    rpc_error_reply_t er;
    if (u->idem.replay_code == GRPC_STATUS_OK) {
      c->reply = rpc__buffer(u->idem.replay_bytes, u->idem.replay_len);
      code = rpc__prepare_status(c, a, NULL, NULL);
    } else if (rpc_error_reply_from_status(a, u->idem.replay_bytes, u->idem.replay_len, &er)) {
      code = rpc__prepare_error(c, &er);
    } else {
      eh_err_set(&u->err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
      eh_err_detail(&u->err, "recorded idempotent error is not a google.rpc.Status");
      code = rpc__prepare_status(c, a, &u->err, call->language);
    }
  } else if (eh_ok(&u->err)) {
    size_t n = protobuf_c_message_get_packed_size(u->resp);
    uint8_t *bytes = arena_alloc(a, n + 1);
    protobuf_c_message_pack(u->resp, bytes);
    rpc_gate_idem_finish(call, &u->idem, &u->err, GRPC_STATUS_OK, bytes, n);
    c->reply = rpc__buffer(bytes, n);
    if (call->set_session_token != NULL)
      rpc__session_metadata(c, call);
    if (call->cache_public_max_age_s > 0 && call->principal.actor == CALL_ANONYMOUS)
      rpc__cache_metadata(c, call);
    code = rpc__prepare_status(c, a, NULL, NULL);
  } else {
    rpc_error_reply_t er;
    rpc_error_reply_build(a, &u->err, call->language, &er);
    rpc_gate_idem_finish(call, &u->idem, &u->err, er.grpc_code, er.details, er.details_len);
    if (call->shared_refusal_ms > 0)
      rpc__shared_refusal_metadata(c, call);
    code = rpc__prepare_error(c, &er);
  }
  rpc__finish(c, code);
  if (!eh_ok(&u->err))
    rpc__log_failure(m->name, &u->err, code, u->started);
  /* Everything the batch needs was copied into slices: give the pooled connections back now. */
  arena_destroy(a);
  log_set_request_id(NULL);
}

static void rpc__unary(rpc_ctx_t *c) {
  struct rpc_server *s = c->w->s;
  const rpc_method_t *m = &rpc_methods[c->method];
  arena_t *a = arena_create(0);
  rpc_unary_t *u = arena_zalloc(a, sizeof *u);
  u->started = call_now_ms();
  u->err = (eh_err_t)EH_ERR_INIT;
  call_t *call = &u->call;
  call->arena = a;
  call->method = m->name;
  call->pg = s->pg;
  call->redis = s->redis;
  call->cfg = s->cfg;
  call->deadline_ms = rpc__deadline_ms(c->deadline);

  rpc_kv_t kv[RPC_MAX_METADATA];
  size_t nkv = rpc__md_to_kv(&c->md, kv, RPC_MAX_METADATA);
  char *peer = grpc_call_get_peer(c->call);
  rpc_meta_parse(call, kv, nkv, peer, s->cfg->gateway_secret);
  gpr_free(peer);
  log_set_request_id(call->request_id);

  eh_err_t *err = &u->err;
  /* Rate limit first: a throttled call costs no unpacking and no PostgreSQL. */
  bool go = rpc_gate_ratelimit(call, m, err);
  if (go && c->payload != NULL) {
    size_t len = 0;
    uint8_t *bytes = rpc__read_payload(a, c->payload, &len);
    ProtobufCAllocator alloc = arena_pb_allocator(a);
    if (bytes != NULL)
      u->req = protobuf_c_message_unpack(m->input, &alloc, len, bytes);
  }
  if (!go) {
  } else if (u->req == NULL) {
    eh_err_set(err, EH_INVALID, NULL, "请求无法解析", "malformed request");
    eh_err_detail(err, "request did not unpack as %s", m->input->name);
  } else if (call_ms_left(call) <= 0) {
    eh_err_set(err, EH_DEADLINE, NULL, "请求超时", "deadline exceeded");
    eh_err_detail(err, "deadline passed before the handler ran");
  } else if (!identity_authenticate(call, (m->flags & RPC_METHOD_PUBLIC) != 0,
                                    (m->flags & RPC_METHOD_FIRST_LOGIN_OK) != 0, m->app_scope,
                                    err)) {
    /* err says why: no session, first login, or an app without the scope. */
  } else if (rpc_gate_idem_begin(call, m, u->req, &u->idem, err) && !u->idem.replay) {
    m->handler(call, u->req, &u->resp, err);
    if (call->then != NULL && eh_ok(err) && u->resp == NULL) {
      /* The rest waits (a seat's row lock): on the claim lane, so this worker is free at once.
       * A full lane: here, as before the lane. */
      if (rpc__lane_continue(&s->claims, c, u)) {
        log_set_request_id(NULL);
        return;
      }
      rpc__unary_then(u);
    }
    rpc__unary_check(u);
  }
  rpc__unary_end(c, u);
}

/* Answers a call with err without running anything (no handler, no gate). */
static void rpc__refuse(rpc_ctx_t *c, const char *method, const eh_err_t *err) {
  arena_t *a = arena_create(0);
  const char *lang = "zh-CN";
  for (size_t i = 0; i < c->md.count; i++)
    if (grpc_slice_str_cmp(c->md.metadata[i].key, "accept-language") == 0)
      lang = rpc_language_pick((const char *)GRPC_SLICE_START_PTR(c->md.metadata[i].value),
                               GRPC_SLICE_LENGTH(c->md.metadata[i].value));
  if (method == NULL)
    method = arena_strndup(a, (const char *)GRPC_SLICE_START_PTR(c->details.method),
                           GRPC_SLICE_LENGTH(c->details.method));
  int code = rpc__prepare_status(c, a, err, lang);
  rpc__finish(c, code);
  rpc__log_failure(method, err, code, call_now_ms());
  arena_destroy(a);
}

static void rpc__unimplemented(rpc_ctx_t *c) {
  eh_err_t err = EH_ERR_INIT;
  eh_err_set(&err, EH_UNIMPLEMENTED, NULL, "不支持的方法", "method not implemented");
  rpc__refuse(c, NULL, &err);
}

/* ---- the lanes: slow (logins) and writes ---- */

/* Under l->mu: c may be taken by a thread now. */
static void rpc__lane_ready(rpc_slow_lane_t *l, rpc_ctx_t *c) {
  l->ring[(l->head + l->nready) % l->cap] = c;
  l->nready++;
  pthread_cond_signal(&l->cv);
}

/* Under l->mu: a keyed continuation runs now if its key has room, else waits for its turn. */
static void rpc__lane_admit(rpc_slow_lane_t *l, rpc_ctx_t *c) {
  if (l->turns == NULL || rpc_turns_admit(l->turns, c->lane_key, c))
    rpc__lane_ready(l, c);
}

/* On the worker: queue c for a thread of lane l, or refuse it at once when the lane is full. */
static void rpc__slow_submit(rpc_slow_lane_t *l, rpc_ctx_t *c) {
  pthread_mutex_lock(&l->mu);
  bool stopping = l->stop, queued = !stopping && l->len < l->cap;
  if (queued) {
    c->lane_key = 0;
    l->len++;
    rpc__lane_ready(l, c);
  }
  pthread_mutex_unlock(&l->mu);
  if (!queued) {
    eh_err_t err = EH_ERR_INIT;
    if (stopping) {
      eh_err_set(&err, EH_UNAVAILABLE, NULL, "服务正在停止，请稍后重试",
                 "the server is shutting down; retry shortly");
    } else {
      eh_err_set(&err, EH_RESOURCE_EXHAUSTED, NULL, "当前请求较多，请稍后再试",
                 "too many requests right now; try again shortly");
      err.retry_after_ms = 1000;
      eh_err_detail(&err, "%s lane full (%d queued)", l->name, l->cap);
    }
    rpc__refuse(c, rpc_methods[c->method].name, &err);
  }
}

/* On the worker: queue the call's continuation for a thread of lane l; false when the lane is
 * full or stopping (the caller then runs it itself: a continuation is never refused, its
 * handler already did part of the work). */
static bool rpc__lane_continue(rpc_slow_lane_t *l, rpc_ctx_t *c, rpc_unary_t *u) {
  pthread_mutex_lock(&l->mu);
  bool queued = l->threads != NULL && !l->stop && l->len < l->cap;
  if (queued) {
    c->cont = u;
    c->lane_key = u->call.then_key;
    l->len++;
    rpc__lane_admit(l, c);
  }
  pthread_mutex_unlock(&l->mu);
  return queued;
}

static void *rpc__slow_main(void *arg) {
  rpc_slow_lane_t *l = arg;
  /* A lane of lower priority yields the CPU to the workers' reads when both want it (Linux
   * applies a thread id's nice value to that thread alone). Raising nice needs no privilege. */
  if (l->nice != 0 && setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), l->nice) != 0)
    LOG_WARN("rpc", "could not lower the %s lane's priority errno=%d", l->name, errno);
  pthread_mutex_lock(&l->mu);
  rpc_ctx_t *c = NULL; /* the next of the key this thread just ran, if one waited */
  for (;;) {
    if (c == NULL) {
      while (l->nready == 0 && !l->stop)
        pthread_cond_wait(&l->cv, &l->mu);
      if (l->nready == 0)
        break; /* stopping and nothing this thread may take (a key's next comes after its run) */
      c = l->ring[l->head];
      l->head = (l->head + 1) % l->cap;
      l->nready--;
    }
    l->len--;
    bool stop = l->stop;
    int64_t key = c->lane_key; /* c may be freed once answered */
    pthread_mutex_unlock(&l->mu);
    if (c->cont != NULL) {
      /* A handler's continuation: finished even when stopping (it holds part of its work). */
      rpc_unary_t *u = c->cont;
      c->cont = NULL;
      log_set_request_id(u->call.request_id);
      rpc__unary_then(u);
      rpc__unary_end(c, u);
    } else if (stop) {
      /* Shutting down: the grace period is over and the call was cancelled; answer it rather
       * than start the slow work. */
      eh_err_t err = EH_ERR_INIT;
      eh_err_set(&err, EH_UNAVAILABLE, NULL, "服务正在停止，请稍后重试",
                 "the server is shutting down; retry shortly");
      rpc__refuse(c, rpc_methods[c->method].name, &err);
    } else {
      int64_t t0 = call_now_ms();
      rpc__unary(c);
      /* While the workers answer calls, the lane runs at most `share` percent of the time: a
       * flood of writes queues here and never takes the CPU and PostgreSQL from the reads. */
      if (l->share < 100 && atomic_load_explicit(l->busy, memory_order_relaxed) > 0) {
        int64_t rest = (call_now_ms() - t0 + 1) * (100 - l->share) / l->share;
        rest = rest > RPC_LANE_REST_MAX_MS ? RPC_LANE_REST_MAX_MS : rest;
        struct timespec ts = {.tv_sec = rest / 1000, .tv_nsec = (rest % 1000) * 1000000L};
        nanosleep(&ts, NULL);
      }
    }
    pthread_mutex_lock(&l->mu);
    /* The key's next in line runs on this thread at once: no hand-over to another thread (a
     * wake-up per booking), so the row lock waits for nobody between two claims. */
    c = l->turns != NULL ? rpc_turns_done(l->turns, key) : NULL;
  }
  pthread_mutex_unlock(&l->mu);
  return NULL;
}

static bool rpc__slow_start(rpc_slow_lane_t *l, const char *name, int nthreads, int cap, int nice,
                            int share, int per_key, atomic_int *busy) {
  l->name = name;
  if (per_key > 0 && (l->turns = rpc_turns_create(per_key)) == NULL)
    abort();
  l->nice = nice;
  l->share = share;
  l->busy = busy;
  pthread_mutex_init(&l->mu, NULL);
  pthread_cond_init(&l->cv, NULL);
  l->cap = cap;
  l->ring = calloc((size_t)cap, sizeof(*l->ring));
  l->threads = calloc((size_t)nthreads, sizeof(*l->threads));
  if (l->ring == NULL || l->threads == NULL)
    abort();
  for (int i = 0; i < nthreads; i++) {
    if (pthread_create(&l->threads[i], NULL, rpc__slow_main, l) != 0)
      return false;
    l->nthreads++;
  }
  return true;
}

/* Lets the threads finish what they run, answers what is queued, joins them. */
static void rpc__slow_stop(rpc_slow_lane_t *l) {
  if (l->threads == NULL)
    return;
  pthread_mutex_lock(&l->mu);
  l->stop = true;
  pthread_cond_broadcast(&l->cv);
  pthread_mutex_unlock(&l->mu);
  for (int i = 0; i < l->nthreads; i++)
    pthread_join(l->threads[i], NULL);
  l->nthreads = 0;
}

/* ---- health Watch ---- */

static void rpc__watch_send(rpc_ctx_t *c, int status) {
  Grpc__Health__V1__HealthCheckResponse r = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
  r.status = (Grpc__Health__V1__HealthCheckResponse__ServingStatus)status;
  if (c->reply)
    grpc_byte_buffer_destroy(c->reply);
  c->reply = rpc__pack(&r.base);
  grpc_op ops[2];
  memset(ops, 0, sizeof(ops));
  size_t n = 0;
  if (!c->md_sent) {
    ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[n].data.send_initial_metadata.count = c->n_initial;
    ops[n++].data.send_initial_metadata.metadata = c->n_initial ? c->initial : NULL;
    c->md_sent = true;
  }
  ops[n].op = GRPC_OP_SEND_MESSAGE;
  ops[n++].data.send_message.send_message = c->reply;
  c->watch_last = status;
  c->watch_inflight = true;
  c->tag.state = RPC_ST_WATCH_SENT;
  rpc__start_batch(c, ops, n, &c->tag);
}

static void rpc__watch_start(rpc_ctx_t *c) {
  Grpc__Health__V1__HealthCheckRequest *req = NULL;
  arena_t *a = arena_create(0);
  if (c->payload) {
    size_t len = 0;
    uint8_t *bytes = rpc__read_payload(a, c->payload, &len);
    if (bytes)
      req = grpc__health__v1__health_check_request__unpack(NULL, len, bytes);
  }
  if (req == NULL) {
    eh_err_t err = EH_ERR_INIT;
    eh_err_set(&err, EH_INVALID, NULL, "请求无法解析", "malformed request");
    rpc__finish(c, rpc__prepare_status(c, a, &err, "zh-CN"));
    arena_destroy(a);
    return;
  }
  c->watch_service = strdup(req->service ? req->service : "");
  grpc__health__v1__health_check_request__free_unpacked(req, NULL);
  arena_destroy(a);
  c->next_watch = c->w->watches;
  c->w->watches = c;
  grpc_op close;
  memset(&close, 0, sizeof(close));
  close.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  close.data.recv_close_on_server.cancelled = &c->cancelled;
  rpc__start_batch(c, &close, 1, &c->close_tag);
  c->close_pending = true;
  rpc__watch_send(c, rpc_health_status(c->watch_service));
}

static void rpc__watch_unlink(rpc_ctx_t *c) {
  for (rpc_ctx_t **p = &c->w->watches; *p; p = &(*p)->next_watch)
    if (*p == c) {
      *p = c->next_watch;
      return;
    }
}

static void rpc__watch_maybe_free(rpc_ctx_t *c) {
  if (!c->watch_inflight && c->watch_closed) {
    rpc__watch_unlink(c);
    rpc__ctx_free(c);
  }
}

/* Sends each watcher the current status if it changed; ends watches when the server stops. */
static void rpc__watch_poll(rpc_worker_t *w) {
  bool stopping = atomic_load(&w->s->draining);
  for (rpc_ctx_t *c = w->watches; c; c = c->next_watch) {
    if (c->watch_inflight || c->watch_closed || c->watch_finishing)
      continue;
    int st = rpc_health_status(c->watch_service);
    if (st != c->watch_last) {
      rpc__watch_send(c, st);
    } else if (stopping) {
      c->watch_finishing = true;
      eh_err_t err = EH_ERR_INIT;
      eh_err_set(&err, EH_UNAVAILABLE, NULL, "服务正在关闭", "server is shutting down");
      arena_t *a = arena_create(0);
      int code = rpc__prepare_status(c, a, &err, "zh-CN");
      arena_destroy(a);
      c->watch_inflight = true;
      rpc__finish(c, code);
    }
  }
}

/* ---- reflection ---- */

static void rpc__refl_recv(rpc_ctx_t *c) {
  grpc_op ops[2];
  memset(ops, 0, sizeof(ops));
  size_t n = 0;
  if (!c->md_sent) {
    ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[n].data.send_initial_metadata.count = c->n_initial;
    ops[n++].data.send_initial_metadata.metadata = c->n_initial ? c->initial : NULL;
    c->md_sent = true;
  }
  ops[n].op = GRPC_OP_RECV_MESSAGE;
  ops[n++].data.recv_message.recv_message = &c->payload;
  c->tag.state = RPC_ST_REFL_RECV;
  rpc__start_batch(c, ops, n, &c->tag);
}

static void rpc__refl_received(rpc_ctx_t *c, bool success) {
  if (!success || c->payload == NULL) {
    /* The client half-closed (or went away): end the stream. */
    rpc__finish(c, rpc__prepare_status(c, NULL, NULL, NULL));
    return;
  }
  arena_t *a = arena_create(0);
  size_t len = 0;
  uint8_t *bytes = rpc__read_payload(a, c->payload, &len);
  grpc_byte_buffer_destroy(c->payload);
  c->payload = NULL;
  ProtobufCAllocator alloc = arena_pb_allocator(a);
  Grpc__Reflection__V1__ServerReflectionRequest *req =
      bytes ? grpc__reflection__v1__server_reflection_request__unpack(&alloc, len, bytes) : NULL;
  if (req == NULL) {
    eh_err_t err = EH_ERR_INIT;
    eh_err_set(&err, EH_INVALID, NULL, "请求无法解析", "malformed request");
    rpc__finish(c, rpc__prepare_status(c, a, &err, "zh-CN"));
    arena_destroy(a);
    return;
  }
  Grpc__Reflection__V1__ServerReflectionResponse *resp =
      rpc_reflection_answer(a, c->w->s->refl, req);
  if (c->reply)
    grpc_byte_buffer_destroy(c->reply);
  c->reply = rpc__pack(&resp->base);
  arena_destroy(a);
  grpc_op op;
  memset(&op, 0, sizeof(op));
  op.op = GRPC_OP_SEND_MESSAGE;
  op.data.send_message.send_message = c->reply;
  c->tag.state = RPC_ST_REFL_SENT;
  rpc__start_batch(c, &op, 1, &c->tag);
}

/* ---- the worker loop ---- */

/* A stream's message was sent: its buffer must not go out again with the final status. */
static void rpc__reply_drop(rpc_ctx_t *c) {
  if (c->reply) {
    grpc_byte_buffer_destroy(c->reply);
    c->reply = NULL;
  }
}

static void rpc__dispatch(rpc_worker_t *w, rpc_tag_t *tag, bool success) {
  rpc_ctx_t *c = tag->ctx;
  if ((tag->state == RPC_ST_REQ_REGISTERED || tag->state == RPC_ST_REQ_GENERIC) && success) {
    c->active = true;
    atomic_fetch_add(&w->s->active, 1);
  }
  switch (tag->state) {
  case RPC_ST_REQ_REGISTERED: {
    if (!success) { /* the server is shutting down */
      rpc__ctx_free(c);
      return;
    }
    int m = c->method;
    switch (rpc_methods[m].kind) {
    case RPC_KIND_UNARY:
      if (rpc_methods[m].flags & (RPC_METHOD_SLOW | RPC_METHOD_WRITE_LANE)) {
        /* never on a worker: see the file comment */
        rpc__slow_submit(rpc_methods[m].flags & RPC_METHOD_SLOW ? &w->s->slow : &w->s->writes, c);
        rpc__post_registered(w, m);
        break;
      }
      atomic_fetch_add_explicit(&w->s->on_workers, 1, memory_order_relaxed);
      rpc__unary(c);
      atomic_fetch_sub_explicit(&w->s->on_workers, 1, memory_order_relaxed);
      rpc__post_registered(w, m); /* only now: see the file comment */
      break;
    case RPC_KIND_HEALTH_WATCH:
      rpc__post_registered(w, m);
      rpc__watch_start(c);
      break;
    case RPC_KIND_REFLECTION:
      rpc__post_registered(w, m);
      rpc__refl_recv(c);
      break;
    }
    return;
  }
  case RPC_ST_REQ_GENERIC:
    if (!success) {
      rpc__ctx_free(c);
      return;
    }
    rpc__post_generic(w);
    rpc__unimplemented(c);
    return;
  case RPC_ST_FINISHED:
    if (c->close_pending) { /* a Watch: free once its RECV_CLOSE is in too */
      c->watch_inflight = false;
      rpc__watch_maybe_free(c);
      return;
    }
    rpc__ctx_free(c);
    return;
  case RPC_ST_WATCH_SENT:
    rpc__reply_drop(c);
    c->watch_inflight = false;
    rpc__watch_maybe_free(c);
    return;
  case RPC_ST_WATCH_CLOSED:
    c->watch_closed = true;
    rpc__watch_maybe_free(c);
    return;
  case RPC_ST_REFL_RECV:
    rpc__refl_received(c, success);
    return;
  case RPC_ST_REFL_SENT:
    rpc__reply_drop(c);
    if (success)
      rpc__refl_recv(c);
    else
      rpc__finish(c, rpc__prepare_status(c, NULL, NULL, NULL));
    return;
  }
}

static void *rpc__worker_main(void *arg) {
  rpc_worker_t *w = arg;
  for (;;) {
    gpr_timespec dl =
        gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(RPC_POLL_MS, GPR_TIMESPAN));
    grpc_event ev = grpc_completion_queue_next(w->cq, dl, NULL);
    if (ev.type == GRPC_QUEUE_SHUTDOWN)
      break;
    if (ev.type == GRPC_OP_COMPLETE)
      rpc__dispatch(w, ev.tag, ev.success != 0);
    rpc__watch_poll(w);
  }
  return NULL;
}

/* ---- life cycle ---- */

static char *rpc__read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  if (buf == NULL)
    abort();
  size_t r;
  while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += r;
    if (n + 1 == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      if (buf == NULL)
        abort();
    }
  }
  fclose(f);
  buf[n] = '\0';
  return buf;
}

static grpc_server_credentials *rpc__credentials(const core_config_t *cfg, eh_err_t *err) {
  bool has_cert = cfg->tls_cert && *cfg->tls_cert, has_key = cfg->tls_key && *cfg->tls_key;
  if (!has_cert && !has_key) {
    if (!rpc_address_is_loopback(cfg->listen)) {
      eh_err_set(err, EH_INVALID, "listen", "非本机地址必须配置 TLS（tls.cert 与 tls.key）",
                 "refusing to listen on a non-loopback address without TLS: set tls.cert and "
                 "tls.key");
      return NULL;
    }
    return grpc_insecure_server_credentials_create();
  }
  if (!has_cert || !has_key) {
    eh_err_set(err, EH_INVALID, has_cert ? "tls.key" : "tls.cert", "tls.cert 与 tls.key 须同时配置",
               "tls.cert and tls.key must be set together");
    return NULL;
  }
  char *cert = rpc__read_file(cfg->tls_cert), *key = rpc__read_file(cfg->tls_key);
  bool has_ca = cfg->tls_client_ca && *cfg->tls_client_ca;
  char *ca = has_ca ? rpc__read_file(cfg->tls_client_ca) : NULL;
  grpc_server_credentials *creds = NULL;
  if (cert == NULL || key == NULL || (has_ca && ca == NULL)) {
    const char *which = cert == NULL ? "tls.cert" : key == NULL ? "tls.key" : "tls.client_ca";
    eh_err_set(err, EH_INVALID, which, "无法读取 %s 指定的文件", "cannot read the file named by %s",
               which);
  } else {
    grpc_ssl_pem_key_cert_pair pair = {.private_key = key, .cert_chain = cert};
    creds = grpc_ssl_server_credentials_create_ex(
        ca, &pair, 1,
        has_ca ? GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY
               : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
        NULL);
    if (creds == NULL)
      eh_err_set(err, EH_INVALID, "tls.cert", "TLS 证书或私钥无效",
                 "invalid TLS certificate or key");
  }
  if (key) {
    memset(key, 0, strlen(key)); /* the private key should not linger in freed memory */
    free(key);
  }
  free(cert);
  free(ca);
  return creds;
}

rpc_server_t *rpc_server_create(const core_config_t *cfg, struct store_pg_pool *pg,
                                struct store_redis_pool *redis, eh_err_t *err) {
  rpc_server_t *s = calloc(1, sizeof(*s));
  if (s == NULL)
    abort();
  s->cfg = cfg;
  s->pg = pg;
  s->redis = redis;
  atomic_store(&s->stopping, false);
  atomic_store(&s->draining, false);

  /* Service names (for list_services) from the method table, each once. */
  const char *services[64];
  size_t nservices = 0;
  char names[64][128];
  for (size_t i = 0; i < rpc_methods_count && nservices < 64; i++) {
    const char *m = rpc_methods[i].name + 1, *slash = strchr(m, '/');
    snprintf(names[nservices], sizeof(names[0]), "%.*s", (int)(slash - m), m);
    bool dup = false;
    for (size_t j = 0; j < nservices; j++)
      dup |= strcmp(services[j], names[nservices]) == 0;
    if (!dup) {
      services[nservices] = names[nservices];
      nservices++;
    }
  }
  s->refl =
      rpc_reflection_create(ehall_descriptor_set, ehall_descriptor_set_len, services, nservices);
  if (s->refl == NULL) {
    eh_err_set(err, EH_INTERNAL, NULL, "内嵌的描述符集无法解析",
               "embedded descriptor set is broken");
    free(s);
    return NULL;
  }

  absl_shim_deadlock_detection_off();
  grpc_init();
  grpc_arg args[4];
  memset(args, 0, sizeof(args));
  args[0].type = GRPC_ARG_INTEGER;
  args[0].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
  args[0].value.integer = RPC_MAX_MESSAGE;
  args[1].type = GRPC_ARG_INTEGER;
  args[1].key = GRPC_ARG_MAX_SEND_MESSAGE_LENGTH;
  args[1].value.integer = 4 * RPC_MAX_MESSAGE;
  /* The gateway pings every 10 s, also with no call open (its idle channels) and with only
   * its health Watch open (no data for hours): allow one ping per 5 s, else gRPC's defaults
   * (5 min, 2 strikes) answer GOAWAY too_many_pings and the gateway drops its connection. */
  args[2].type = GRPC_ARG_INTEGER;
  args[2].key = GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS;
  args[2].value.integer = 1;
  args[3].type = GRPC_ARG_INTEGER;
  args[3].key = GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS;
  args[3].value.integer = 5000;
  grpc_channel_args ca = {.num_args = 4, .args = args};
  s->srv = grpc_server_create(&ca, NULL);
  s->handles = calloc(rpc_methods_count, sizeof(void *));
  for (size_t i = 0; i < rpc_methods_count; i++) {
    grpc_server_register_method_payload_handling mode =
        rpc_methods[i].kind == RPC_KIND_REFLECTION ? GRPC_SRM_PAYLOAD_NONE
                                                   : GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER;
    s->handles[i] = grpc_server_register_method(s->srv, rpc_methods[i].name, NULL, mode, 0);
    assert(s->handles[i] != NULL); /* NULL only for a duplicate row: a bug in methods.c */
  }
  s->nworkers = (int)cfg->workers;
  s->workers = calloc((size_t)s->nworkers, sizeof(*s->workers));
  for (int i = 0; i < s->nworkers; i++) {
    s->workers[i].s = s;
    s->workers[i].index = i;
    s->workers[i].cq = grpc_completion_queue_create_for_next(NULL);
    grpc_server_register_completion_queue(s->srv, s->workers[i].cq, NULL);
  }
  s->shutdown_cq = grpc_completion_queue_create_for_pluck(NULL);

  grpc_server_credentials *creds = rpc__credentials(cfg, err);
  if (creds == NULL) {
    rpc_server_destroy(s);
    return NULL;
  }
  s->port = grpc_server_add_http2_port(s->srv, cfg->listen, creds);
  grpc_server_credentials_release(creds);
  if (s->port == 0) {
    eh_err_set(err, EH_UNAVAILABLE, "listen", "无法监听地址 %s", "cannot listen on %s",
               cfg->listen);
    rpc_server_destroy(s);
    return NULL;
  }
  return s;
}

bool rpc_server_start(rpc_server_t *s, eh_err_t *err) {
  if (!rpc__slow_start(&s->slow, "slow", (int)s->cfg->slow_workers, (int)s->cfg->slow_queue, 0, 100,
                       0, &s->on_workers) ||
      !rpc__slow_start(&s->writes, "write", (int)s->cfg->write_workers, (int)s->cfg->write_queue,
                       (int)s->cfg->write_nice, (int)s->cfg->write_share, 0, &s->on_workers) ||
      !rpc__slow_start(&s->claims, "claim", (int)s->cfg->claim_workers, (int)s->cfg->claim_queue, 0,
                       100, (int)s->cfg->claim_per_key, &s->on_workers))
    return eh_err_set(err, EH_INTERNAL, NULL, "无法创建工作线程", "cannot start a worker thread");
  rpc_health_start(s->pg);
  s->sweeper = rpc_sweeper_start(s->pg, s->cfg);
  grpc_server_start(s->srv);
  s->started = true;
  for (int i = 0; i < s->nworkers; i++) {
    rpc_worker_t *w = &s->workers[i];
    for (size_t m = 0; m < rpc_methods_count; m++)
      rpc__post_registered(w, (int)m);
    rpc__post_generic(w);
    if (pthread_create(&w->thread, NULL, rpc__worker_main, w) != 0)
      return eh_err_set(err, EH_INTERNAL, NULL, "无法创建工作线程", "cannot start a worker thread");
    w->started = true;
  }
  LOG_INFO("rpc", "serving addr=%s port=%d workers=%d tls=%s", s->cfg->listen, s->port, s->nworkers,
           s->cfg->tls_cert && *s->cfg->tls_cert ? "on" : "off");
  return true;
}

int rpc_server_port(const rpc_server_t *s) {
  return s->port;
}

void rpc_server_shutdown(rpc_server_t *s, long grace_ms) {
  rpc_health_set_shutting_down();
  atomic_store(&s->draining, true);
  if (s->started) {
    /* Lame duck: calls the transport has taken in but not yet handed to the server (their
     * message still being read) would be cancelled by grpc_server_shutdown_and_notify, and the
     * client would see CANCELLED. Keep serving normally for a moment so they land first; health
     * already says NOT_SERVING so balancers move new calls elsewhere. */
    long lame_ms = grace_ms / 4 < RPC_LAME_DUCK_MS ? grace_ms / 4 : RPC_LAME_DUCK_MS;
    struct timespec ts = {.tv_sec = lame_ms / 1000, .tv_nsec = (lame_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    grace_ms -= lame_ms;
  }
  atomic_store(&s->stopping, true);
  if (s->started) {
    /* grpc_server_shutdown_and_notify cancels every call that arrived but is not matched to a
     * request yet (the client would see CANCELLED). Match them all first with a burst of
     * requests (a pending call is matched inside the request call), so they are served like
     * any in-flight call; unused requests come back with success=0 and are freed. */
    for (int k = 0; k < RPC_DRAIN_REQUESTS; k++) {
      rpc_worker_t *w = &s->workers[k % s->nworkers];
      for (size_t m = 0; m < rpc_methods_count; m++)
        if (rpc_methods[m].kind == RPC_KIND_UNARY)
          rpc__request_registered(w, (int)m);
      rpc__request_generic(w);
    }
    int tag;
    grpc_server_shutdown_and_notify(s->srv, s->shutdown_cq, &tag);
    gpr_timespec dl =
        gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(grace_ms, GPR_TIMESPAN));
    /* The shutdown completes only when every client has closed its connection too, which an
     * idle client may never do: once no call is left, disconnect them instead of waiting. */
    bool done = false, cancelled = false;
    int idle_checks = 0; /* twice in a row: a call matched but not yet popped by an idle worker
                          * shows up within microseconds, far less than one step */
    while (!done) {
      gpr_timespec step =
          gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(20, GPR_TIMESPAN));
      if (gpr_time_cmp(step, dl) > 0)
        step = dl;
      grpc_event ev = grpc_completion_queue_pluck(s->shutdown_cq, &tag, step, NULL);
      if (ev.type == GRPC_OP_COMPLETE)
        break;
      bool over = gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), dl) >= 0;
      idle_checks = atomic_load(&s->active) == 0 ? idle_checks + 1 : 0;
      if (over || (!cancelled && idle_checks >= 2)) {
        if (over)
          LOG_WARN("rpc",
                   "grace period over, cancelling the calls still running grace_ms=%ld "
                   "calls=%d",
                   grace_ms, atomic_load(&s->active));
        grpc_server_cancel_all_calls(s->srv);
        cancelled = true;
        if (over) {
          grpc_completion_queue_pluck(s->shutdown_cq, &tag, gpr_inf_future(GPR_CLOCK_MONOTONIC),
                                      NULL);
          done = true;
        }
      }
    }
  }
  /* A handler still running (a slow query, a login waiting on the hashing pool) starts its
   * last batch on its worker's queue when it returns, and gRPC aborts if that queue is shut
   * down by then: keep the queues (and the workers popping them) until every call is freed.
   * The calls were cancelled above, so this is bounded by the handlers' own deadlines. */
  rpc__slow_stop(&s->slow);
  rpc__slow_stop(&s->writes);
  rpc__slow_stop(&s->claims);
  for (long waited = 0; atomic_load(&s->active) > 0; waited += 10) {
    if (waited > 0 && waited % 5000 == 0)
      LOG_WARN("rpc", "waiting for handlers to return calls=%d", atomic_load(&s->active));
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
  for (int i = 0; i < s->nworkers; i++)
    grpc_completion_queue_shutdown(s->workers[i].cq);
  for (int i = 0; i < s->nworkers; i++)
    if (s->workers[i].started) {
      pthread_join(s->workers[i].thread, NULL);
      s->workers[i].started = false;
    }
  rpc_health_stop();
  rpc_sweeper_stop(s->sweeper);
  s->sweeper = NULL;
  LOG_INFO("rpc", "server stopped");
}

void rpc_server_destroy(rpc_server_t *s) {
  if (s == NULL)
    return;
  if (s->srv) {
    if (!s->started) {
      /* Never started (no port bound): no call to drain, only empty queues to close. */
      for (int i = 0; i < s->nworkers; i++) {
        grpc_completion_queue_shutdown(s->workers[i].cq);
        while (
            grpc_completion_queue_next(s->workers[i].cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL)
                .type != GRPC_QUEUE_SHUTDOWN)
          ;
      }
    }
    grpc_server_destroy(s->srv);
  }
  for (int i = 0; i < s->nworkers; i++)
    grpc_completion_queue_destroy(s->workers[i].cq);
  rpc_slow_lane_t *lanes[] = {&s->slow, &s->writes, &s->claims};
  for (size_t i = 0; i < sizeof lanes / sizeof *lanes; i++) {
    if (lanes[i]->ring != NULL) {
      pthread_mutex_destroy(&lanes[i]->mu);
      pthread_cond_destroy(&lanes[i]->cv);
    }
    free(lanes[i]->ring);
    free(lanes[i]->threads);
    rpc_turns_destroy(lanes[i]->turns);
  }
  if (s->shutdown_cq) {
    grpc_completion_queue_shutdown(s->shutdown_cq);
    grpc_completion_queue_destroy(s->shutdown_cq);
  }
  free(s->workers);
  free(s->handles);
  rpc_reflection_destroy(s->refl);
  free(s);
  grpc_shutdown();
}
