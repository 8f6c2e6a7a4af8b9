/*
 * client.c — unary gRPC calls to the core on the C core API, finished on one
 * completion-queue thread.
 *
 * Each call is a single batch (send metadata, message, close; receive metadata, message,
 * status), so a call needs no state machine. Channels use a local subchannel pool: without it
 * gRPC shares one connection between identical channels and the pool would be a pool of one.
 * Never logs metadata values (they carry the caller's bearer token).
 */
#include "gateway/client/client.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#include "core/common/log.h"

#define CLIENT_MAX_MD 16

struct client_pool {
  grpc_channel **channels;
  int nchannels;
  atomic_uint next;
  atomic_long in_flight;
  grpc_completion_queue *cq;
  pthread_t thread;
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

static void *client__thread_main(void *arg) {
  client_pool_t *p = arg;
  for (;;) {
    grpc_event ev = grpc_completion_queue_next(p->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
    if (ev.type == GRPC_QUEUE_SHUTDOWN)
      break;
    if (ev.type == GRPC_OP_COMPLETE)
      client__finish(p, ev.tag, ev.success != 0);
  }
  return NULL;
}

client_pool_t *client_pool_create(const char *target, int nchannels, size_t max_message_bytes,
                                  eh_err_t *err) {
  if (nchannels < 1)
    nchannels = 1;
  grpc_init();
  client_pool_t *p = client__xcalloc(1, sizeof(*p));
  p->nchannels = nchannels;
  p->channels = client__xcalloc((size_t)nchannels, sizeof(*p->channels));
  p->cq = grpc_completion_queue_create_for_next(NULL);
  for (int i = 0; i < nchannels; i++) {
    grpc_arg args[] = {
        {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_KEEPALIVE_TIME_MS, .value.integer = 30000},
        {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_KEEPALIVE_TIMEOUT_MS, .value.integer = 10000},
        {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
         .value.integer = (int)max_message_bytes},
        {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_MAX_SEND_MESSAGE_LENGTH,
         .value.integer = (int)max_message_bytes},
        /* Identical channels would otherwise share one subchannel (one TCP connection). */
        {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, .value.integer = 1},
        {.type = GRPC_ARG_INTEGER, .key = (char *)"ehall.channel_index", .value.integer = i},
        {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
         .value.integer = 200},
        {.type = GRPC_ARG_INTEGER, .key = (char *)GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, .value.integer = 2000},
    };
    grpc_channel_args ca = {sizeof(args) / sizeof(args[0]), args};
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    p->channels[i] = grpc_channel_create(target, creds, &ca);
    grpc_channel_credentials_release(creds);
    if (p->channels[i] == NULL) {
      eh_err_set(err, EH_INVALID, "core.addr", "无法连接核心服务地址 %s", "cannot use core address %s",
                 target);
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
  grpc_completion_queue_destroy(p->cq);
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
  gpr_timespec dl = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                 gpr_time_from_millis(deadline_ms, GPR_TIMESPAN));
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
  free(r);
}
