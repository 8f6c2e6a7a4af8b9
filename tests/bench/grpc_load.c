/* grpc_load — a closed-loop unary gRPC load client on the C core API.
 *
 * It keeps a fixed number of calls in flight against one loopback server, spread over a few
 * client threads that each own one completion queue and one channel (so one HTTP/2
 * connection each), and prints one line of key=value figures: calls/s, latency percentiles
 * from a log-linear histogram (no per-call samples are kept), and errors by status code.
 * It is what the benchmarks in tests/bench/ compare servers with; the same client against
 * each server is what makes the comparison fair.
 *
 * It must never aim at a non-loopback address (it is a load generator, not a tool for other
 * people's servers), never run unbounded (duration and concurrency are capped, every call has
 * a deadline, and it stops by itself), and never keep a sample per call.
 *
 * Usage: grpc_load --target=127.0.0.1:PORT [--method=/grpc.health.v1.Health/Check]
 *                  [--request-hex= | --request-file=PATH] [--concurrency=64] [--threads=2]
 *                  [--duration=5] [--warmup=1] [--deadline-ms=10000] [--max-calls=50000000]
 *                  [--label=NAME] [--metadata=KEY:VALUE]... (up to 4: "authorization:Bearer …")
 * --request-file names a file of requests, one per line: the serialized message in hex ("-":
 * empty), then optionally, each after a tab, KEY:VALUE metadata for that call alone (sent after
 * --metadata; at most 4 in all). Calls take the lines in turn, shared by the threads, and start
 * over after the last (the output then says requests_wrapped=1): so each call of a run can name
 * a different row, as the session of whoever owns it. At most 1,000,000 lines and 256 MiB.
 * Exit status: 0 when the run completed (errors are reported, not fatal), 2 on bad usage or
 * when the server never became reachable.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#define LOAD_MAX_THREADS 16
#define LOAD_MAX_CONCURRENCY 4096
#define LOAD_MAX_DURATION_S 600
#define LOAD_MAX_REQUEST_BYTES 65536
#define LOAD_MAX_REQUEST_LINES 1000000
#define LOAD_MAX_REQUEST_FILE_BYTES (256u << 20)
#define LOAD_MAX_METADATA 4
#define LOAD_MAX_CALLS 1000000000LL
#define LOAD_STATUS_CODES 17 /* GRPC_STATUS_OK .. GRPC_STATUS_UNAUTHENTICATED */

/* Log-linear histogram of nanoseconds: values below 2^SUB_BITS land in their own bucket, above
 * that each power of two is split into 2^(SUB_BITS-1) buckets, so a bucket is at most ~1.6%
 * wide. 2^SUB_BITS + 40 * 2^(SUB_BITS-1) buckets cover up to ~2^46 ns (19 hours). */
#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_HALF (HIST_SUB / 2)
#define HIST_BUCKETS (HIST_SUB + 40 * HIST_HALF)

typedef struct load_hist {
  uint64_t count[HIST_BUCKETS];
  uint64_t total;
  uint64_t max_ns;
} load_hist_t;

static unsigned load_hist_index(uint64_t v) {
  if (v < HIST_SUB)
    return (unsigned)v;
  unsigned msb = 63u - (unsigned)__builtin_clzll(v);
  unsigned shift = msb - (HIST_SUB_BITS - 1);
  unsigned idx = HIST_SUB + (shift - 1) * HIST_HALF + (unsigned)((v >> shift) - HIST_HALF);
  return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

/* The middle of a bucket: what a percentile reports. */
static uint64_t load_hist_value(unsigned idx) {
  if (idx < HIST_SUB)
    return idx;
  unsigned k = idx - HIST_SUB;
  unsigned shift = k / HIST_HALF + 1;
  uint64_t m = (uint64_t)(k % HIST_HALF) + HIST_HALF;
  uint64_t lo = m << shift, hi = ((m + 1) << shift) - 1;
  return lo + (hi - lo) / 2;
}

static void load_hist_add(load_hist_t *h, uint64_t ns) {
  h->count[load_hist_index(ns)]++;
  h->total++;
  if (ns > h->max_ns)
    h->max_ns = ns;
}

static void load_hist_merge(load_hist_t *into, const load_hist_t *from) {
  for (unsigned i = 0; i < HIST_BUCKETS; i++)
    into->count[i] += from->count[i];
  into->total += from->total;
  if (from->max_ns > into->max_ns)
    into->max_ns = from->max_ns;
}

static uint64_t load_hist_percentile(const load_hist_t *h, double p) {
  if (h->total == 0)
    return 0;
  uint64_t rank = (uint64_t)(p / 100.0 * (double)h->total);
  if (rank >= h->total)
    rank = h->total - 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < HIST_BUCKETS; i++) {
    seen += h->count[i];
    if (seen > rank) {
      uint64_t v = load_hist_value(i);
      return v < h->max_ns ? v : h->max_ns;
    }
  }
  return h->max_ns;
}

/* --- options ------------------------------------------------------------------------------ */

typedef struct load_opts {
  const char *target;
  const char *method;
  const char *label;
  unsigned char *request;
  size_t request_len;
  const char *request_file; /* NULL: the one request of --request-hex */
  int concurrency;
  int threads;
  double duration_s;
  double warmup_s;
  int deadline_ms;
  long long max_calls;                 /* calls started in all, warm-up included */
  grpc_metadata md[LOAD_MAX_METADATA]; /* sent with every call (--metadata) */
  size_t n_md;
} load_opts_t;

/* One request the calls take in turn: its message and all the metadata it is sent with. */
typedef struct load_request {
  grpc_slice body;
  grpc_metadata md[LOAD_MAX_METADATA]; /* --metadata first, then the line's own */
  size_t n_md;
  size_t n_own_md; /* the line's own, unreferenced at exit */
} load_request_t;

static int load_hex_decode(const char *hex, unsigned char **out, size_t *out_len) {
  size_t n = strlen(hex);
  if (n % 2 != 0 || n / 2 > LOAD_MAX_REQUEST_BYTES)
    return -1;
  unsigned char *b = malloc(n / 2 + 1);
  if (b == NULL)
    abort();
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
      free(b);
      return -1;
    }
    b[i] = (unsigned char)v;
  }
  *out = b;
  *out_len = n / 2;
  return 0;
}

/* Loopback only: 127.0.0.0/8, ::1, localhost, or a unix socket. */
static bool load_target_is_loopback(const char *t) {
  static const char *const prefixes[] = {
      "127.",           "ipv4:127.",         "dns:127.", "dns:///127.", "localhost:",
      "dns:localhost:", "dns:///localhost:", "[::1]:",   "ipv6:[::1]:", "unix:"};
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
    if (strncmp(t, prefixes[i], strlen(prefixes[i])) == 0)
      return true;
  return false;
}

static void load_usage(void) {
  fprintf(stderr,
          "usage: grpc_load --target=127.0.0.1:PORT [--method=/grpc.health.v1.Health/Check]\n"
          "                 [--request-hex=HEX | --request-file=PATH] [--concurrency=64] "
          "[--threads=2]\n"
          "                 [--duration=5] [--warmup=1] [--deadline-ms=10000] "
          "[--max-calls=50000000]\n"
          "                 [--label=NAME] [--metadata=KEY:VALUE]...\n"
          "  PATH: one request per line, hex (\"-\": empty), then tab-separated KEY:VALUE "
          "metadata\n");
}

static bool load_opt_value(const char *arg, const char *name, const char **value) {
  size_t n = strlen(name);
  if (strncmp(arg, name, n) != 0 || arg[n] != '=')
    return false;
  *value = arg + n + 1;
  return true;
}

static int load_opts_parse(int argc, char **argv, load_opts_t *o) {
  o->target = NULL;
  o->method = "/grpc.health.v1.Health/Check";
  o->label = "";
  o->request = NULL;
  o->request_len = 0;
  o->request_file = NULL;
  o->n_md = 0;
  o->concurrency = 64;
  o->threads = 2;
  o->duration_s = 5;
  o->warmup_s = 1;
  o->deadline_ms = 10000;
  o->max_calls = 50000000;
  for (int i = 1; i < argc; i++) {
    const char *v;
    char *end;
    if (load_opt_value(argv[i], "--target", &v)) {
      o->target = v;
    } else if (load_opt_value(argv[i], "--method", &v)) {
      o->method = v;
    } else if (load_opt_value(argv[i], "--metadata", &v)) {
      const char *colon = strchr(v, ':');
      if (colon == NULL || colon == v || o->n_md >= LOAD_MAX_METADATA) {
        fprintf(stderr, "grpc_load: --metadata wants KEY:VALUE (at most 4)\n");
        return -1;
      }
      o->md[o->n_md].key = grpc_slice_from_copied_buffer(v, (size_t)(colon - v));
      o->md[o->n_md].value = grpc_slice_from_copied_string(colon + 1);
      o->n_md++;
    } else if (load_opt_value(argv[i], "--label", &v)) {
      o->label = v;
    } else if (load_opt_value(argv[i], "--request-hex", &v)) {
      free(o->request);
      o->request = NULL;
      if (load_hex_decode(v, &o->request, &o->request_len) != 0) {
        fprintf(stderr,
                "grpc_load: --request-hex must be an even number of hex digits (max %d bytes)\n",
                LOAD_MAX_REQUEST_BYTES);
        return -1;
      }
    } else if (load_opt_value(argv[i], "--request-file", &v)) {
      o->request_file = v;
    } else if (load_opt_value(argv[i], "--concurrency", &v)) {
      o->concurrency = (int)strtol(v, &end, 10);
      if (*end != '\0')
        return -1;
    } else if (load_opt_value(argv[i], "--threads", &v)) {
      o->threads = (int)strtol(v, &end, 10);
      if (*end != '\0')
        return -1;
    } else if (load_opt_value(argv[i], "--duration", &v)) {
      o->duration_s = strtod(v, &end);
      if (*end != '\0')
        return -1;
    } else if (load_opt_value(argv[i], "--warmup", &v)) {
      o->warmup_s = strtod(v, &end);
      if (*end != '\0')
        return -1;
    } else if (load_opt_value(argv[i], "--max-calls", &v)) {
      o->max_calls = strtoll(v, &end, 10);
      if (*end != '\0')
        return -1;
    } else if (load_opt_value(argv[i], "--deadline-ms", &v)) {
      o->deadline_ms = (int)strtol(v, &end, 10);
      if (*end != '\0')
        return -1;
    } else {
      fprintf(stderr, "grpc_load: unknown argument %s\n", argv[i]);
      return -1;
    }
  }
  if (o->target == NULL) {
    fprintf(stderr, "grpc_load: --target is required\n");
    return -1;
  }
  if (o->request_file != NULL && o->request != NULL) {
    fprintf(stderr, "grpc_load: give --request-hex or --request-file, not both\n");
    return -1;
  }
  if (!load_target_is_loopback(o->target)) {
    fprintf(stderr, "grpc_load: refusing non-loopback target %s\n", o->target);
    return -1;
  }
  if (o->method[0] != '/') {
    fprintf(stderr, "grpc_load: --method must be a full name like /pkg.Service/Method\n");
    return -1;
  }
  if (o->threads < 1 || o->threads > LOAD_MAX_THREADS || o->concurrency < o->threads ||
      o->concurrency > LOAD_MAX_CONCURRENCY || !(o->duration_s > 0) ||
      o->duration_s > LOAD_MAX_DURATION_S || o->warmup_s < 0 || o->warmup_s > LOAD_MAX_DURATION_S ||
      o->deadline_ms < 1 || o->deadline_ms > 60000 || o->max_calls < o->concurrency ||
      o->max_calls > LOAD_MAX_CALLS) {
    fprintf(stderr,
            "grpc_load: need 1<=threads<=%d, threads<=concurrency<=%d, 0<duration<=%d, "
            "0<=warmup<=%d, 1<=deadline-ms<=60000, concurrency<=max-calls<=%lld\n",
            LOAD_MAX_THREADS, LOAD_MAX_CONCURRENCY, LOAD_MAX_DURATION_S, LOAD_MAX_DURATION_S,
            LOAD_MAX_CALLS);
    return -1;
  }
  return 0;
}

/* --- requests ----------------------------------------------------------------------------- */

static load_request_t *load_requests; /* the calls take them in turn */
static size_t load_n_requests;
static atomic_ullong load_next_request;

static void load_request_common_md(const load_opts_t *o, load_request_t *r) {
  for (size_t i = 0; i < o->n_md; i++)
    r->md[i] = o->md[i];
  r->n_md = o->n_md;
  r->n_own_md = 0;
}

/* One line of --request-file, NUL-terminated without its newline, into r; -1 on a bad line. */
static int load_request_parse_line(const load_opts_t *o, char *line, load_request_t *r) {
  char *field = strchr(line, '\t');
  if (field != NULL)
    *field++ = '\0';
  unsigned char *body = NULL;
  size_t len = 0;
  if (strcmp(line, "-") != 0 && load_hex_decode(line, &body, &len) != 0)
    return -1;
  r->body = grpc_slice_from_copied_buffer(body ? (const char *)body : "", len);
  free(body);
  load_request_common_md(o, r);
  while (field != NULL) {
    char *next = strchr(field, '\t');
    if (next != NULL)
      *next++ = '\0';
    const char *colon = strchr(field, ':');
    if (colon == NULL || colon == field || r->n_md >= LOAD_MAX_METADATA) {
      grpc_slice_unref(r->body);
      for (size_t i = r->n_md - r->n_own_md; i < r->n_md; i++) {
        grpc_slice_unref(r->md[i].key);
        grpc_slice_unref(r->md[i].value);
      }
      return -1;
    }
    r->md[r->n_md].key = grpc_slice_from_copied_buffer(field, (size_t)(colon - field));
    r->md[r->n_md].value = grpc_slice_from_copied_string(colon + 1);
    r->n_md++;
    r->n_own_md++;
    field = next;
  }
  return 0;
}

/* The requests of a run: the lines of --request-file, or the one of --request-hex. */
static int load_requests_read(const load_opts_t *o) {
  if (o->request_file == NULL) {
    load_requests = calloc(1, sizeof *load_requests);
    if (load_requests == NULL)
      abort();
    load_requests[0].body =
        grpc_slice_from_copied_buffer(o->request ? (const char *)o->request : "", o->request_len);
    load_request_common_md(o, &load_requests[0]);
    load_n_requests = 1;
    return 0;
  }
  FILE *f = fopen(o->request_file, "r");
  if (f == NULL) {
    fprintf(stderr, "grpc_load: cannot open %s: %s\n", o->request_file, strerror(errno));
    return -1;
  }
  size_t cap = 0, total = 0, lineno = 0;
  char *line = NULL;
  size_t line_cap = 0;
  ssize_t got;
  int rc = 0;
  while ((got = getline(&line, &line_cap, f)) >= 0) {
    lineno++;
    total += (size_t)got;
    while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
      line[--got] = '\0';
    if (got == 0)
      continue;
    if (load_n_requests >= LOAD_MAX_REQUEST_LINES || total > LOAD_MAX_REQUEST_FILE_BYTES) {
      fprintf(stderr, "grpc_load: %s has more than %d requests or %u bytes\n", o->request_file,
              LOAD_MAX_REQUEST_LINES, LOAD_MAX_REQUEST_FILE_BYTES);
      rc = -1;
      break;
    }
    if (load_n_requests == cap) {
      cap = cap ? cap * 2 : 1024;
      load_requests = realloc(load_requests, cap * sizeof *load_requests);
      if (load_requests == NULL)
        abort();
    }
    if (load_request_parse_line(o, line, &load_requests[load_n_requests]) != 0) {
      fprintf(stderr,
              "grpc_load: %s:%zu: want HEX (max %d bytes) or \"-\", then tab-separated "
              "KEY:VALUE (at most %d metadata in all)\n",
              o->request_file, lineno, LOAD_MAX_REQUEST_BYTES, LOAD_MAX_METADATA);
      rc = -1;
      break;
    }
    load_n_requests++;
  }
  free(line);
  fclose(f);
  if (rc == 0 && load_n_requests == 0) {
    fprintf(stderr, "grpc_load: %s holds no request\n", o->request_file);
    rc = -1;
  }
  return rc;
}

static void load_requests_free(void) {
  for (size_t i = 0; i < load_n_requests; i++) {
    load_request_t *r = &load_requests[i];
    grpc_slice_unref(r->body);
    for (size_t k = r->n_md - r->n_own_md; k < r->n_md; k++) {
      grpc_slice_unref(r->md[k].key);
      grpc_slice_unref(r->md[k].value);
    }
  }
  free(load_requests);
  load_requests = NULL;
  load_n_requests = 0;
}

/* --- the load ----------------------------------------------------------------------------- */

static uint64_t load_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct load_call {
  grpc_call *call;
  grpc_byte_buffer *send;
  grpc_byte_buffer *recv;
  grpc_metadata_array initial_md;
  grpc_metadata_array trailing_md;
  grpc_status_code status;
  grpc_slice details;
  uint64_t started_ns;
} load_call_t;

typedef struct load_worker {
  const load_opts_t *opts;
  pthread_t thread;
  grpc_channel *channel;
  grpc_completion_queue *cq;
  void *registered_method;
  int inflight_target;
  long long calls_left; /* this thread's share of --max-calls */
  uint64_t warm_ns;     /* calls completing from here on are measured */
  uint64_t end_ns;      /* no new call starts from here on */
  /* results */
  load_hist_t hist;
  uint64_t ok;
  uint64_t by_status[LOAD_STATUS_CODES];
  uint64_t batch_failed;
  uint64_t start_failed;
  uint64_t no_message;
} load_worker_t;

static bool load_call_start(load_worker_t *w, load_call_t *c) {
  if (w->calls_left <= 0)
    return false;
  w->calls_left--;
  gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                       gpr_time_from_millis(w->opts->deadline_ms, GPR_TIMESPAN));
  unsigned long long k = atomic_fetch_add_explicit(&load_next_request, 1, memory_order_relaxed);
  load_request_t *r = &load_requests[k % load_n_requests];
  memset(c, 0, sizeof *c);
  c->call = grpc_channel_create_registered_call(w->channel, NULL, GRPC_PROPAGATE_DEFAULTS, w->cq,
                                                w->registered_method, deadline, NULL);
  grpc_metadata_array_init(&c->initial_md);
  grpc_metadata_array_init(&c->trailing_md);
  c->send = grpc_raw_byte_buffer_create(&r->body, 1);
  c->details = grpc_empty_slice();

  grpc_op ops[6];
  memset(ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[0].data.send_initial_metadata.count = r->n_md;
  ops[0].data.send_initial_metadata.metadata = r->n_md ? r->md : NULL;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = c->send;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &c->initial_md;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &c->recv;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &c->trailing_md;
  ops[5].data.recv_status_on_client.status = &c->status;
  ops[5].data.recv_status_on_client.status_details = &c->details;
  c->started_ns = load_now_ns();
  grpc_call_error e = grpc_call_start_batch(c->call, ops, 6, c, NULL);
  if (e != GRPC_CALL_OK) {
    w->start_failed++;
    grpc_call_unref(c->call);
    grpc_byte_buffer_destroy(c->send);
    grpc_metadata_array_destroy(&c->initial_md);
    grpc_metadata_array_destroy(&c->trailing_md);
    c->call = NULL;
    return false;
  }
  return true;
}

static void load_call_release(load_call_t *c) {
  grpc_metadata_array_destroy(&c->initial_md);
  grpc_metadata_array_destroy(&c->trailing_md);
  grpc_slice_unref(c->details);
  grpc_byte_buffer_destroy(c->send);
  if (c->recv != NULL)
    grpc_byte_buffer_destroy(c->recv);
  grpc_call_unref(c->call);
  c->call = NULL;
}

static void *load_worker_run(void *arg) {
  load_worker_t *w = arg;
  load_call_t *calls = calloc((size_t)w->inflight_target, sizeof *calls);
  if (calls == NULL)
    abort();
  int inflight = 0;
  for (int i = 0; i < w->inflight_target; i++)
    if (load_call_start(w, &calls[i]))
      inflight++;

  /* The hard stop: even a server that never answers cannot hold us past every deadline. */
  uint64_t hard_stop_ns = w->end_ns + (uint64_t)w->opts->deadline_ms * 1000000u + 2000000000u;
  while (inflight > 0) {
    gpr_timespec wait =
        gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(100, GPR_TIMESPAN));
    grpc_event ev = grpc_completion_queue_next(w->cq, wait, NULL);
    uint64_t now = load_now_ns();
    if (ev.type == GRPC_QUEUE_TIMEOUT) {
      if (now > hard_stop_ns)
        break;
      continue;
    }
    if (ev.type != GRPC_OP_COMPLETE)
      break;
    load_call_t *c = ev.tag;
    inflight--;
    bool measured = now >= w->warm_ns && now < w->end_ns;
    if (measured) {
      if (!ev.success) {
        w->batch_failed++;
      } else {
        if ((unsigned)c->status < LOAD_STATUS_CODES)
          w->by_status[c->status]++;
        if (c->status == GRPC_STATUS_OK) {
          if (c->recv == NULL)
            w->no_message++;
          w->ok++;
          load_hist_add(&w->hist, now - c->started_ns);
        }
      }
    }
    load_call_release(c);
    if (now < w->end_ns && load_call_start(w, c))
      inflight++;
  }
  /* Past the hard stop: cancel what is left and collect it so nothing leaks. */
  if (inflight > 0) {
    for (int i = 0; i < w->inflight_target; i++)
      if (calls[i].call != NULL)
        grpc_call_cancel(calls[i].call, NULL);
    while (inflight > 0) {
      grpc_event ev = grpc_completion_queue_next(w->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
      if (ev.type != GRPC_OP_COMPLETE)
        break;
      load_call_release(ev.tag);
      inflight--;
    }
  }
  free(calls);
  return NULL;
}

/* Waits until the channel is READY so connection set-up is not measured; false on timeout. */
static bool load_channel_wait_ready(grpc_channel *ch, grpc_completion_queue *cq, int timeout_ms) {
  gpr_timespec deadline =
      gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(timeout_ms, GPR_TIMESPAN));
  for (;;) {
    grpc_connectivity_state s = grpc_channel_check_connectivity_state(ch, 1);
    if (s == GRPC_CHANNEL_READY)
      return true;
    if (gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), deadline) >= 0)
      return false;
    grpc_channel_watch_connectivity_state(ch, s, deadline, cq, NULL);
    grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
    if (ev.type != GRPC_OP_COMPLETE)
      return false;
  }
}

static const char *const load_status_names[LOAD_STATUS_CODES] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

int main(int argc, char **argv) {
  load_opts_t opts;
  if (load_opts_parse(argc, argv, &opts) != 0) {
    load_usage();
    free(opts.request);
    return 2;
  }
  grpc_init();
  if (load_requests_read(&opts) != 0) {
    load_requests_free();
    free(opts.request);
    grpc_shutdown();
    return 2;
  }

  load_worker_t *workers = calloc((size_t)opts.threads, sizeof *workers);
  if (workers == NULL)
    abort();
  int rc = 0;
  int made = 0;
  for (int i = 0; i < opts.threads; i++, made++) {
    load_worker_t *w = &workers[i];
    w->opts = &opts;
    /* A local subchannel pool gives each thread its own connection, as separate clients have. */
    grpc_arg args[1];
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = (char *)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
    args[0].value.integer = 1;
    grpc_channel_args ch_args = {1, args};
    grpc_channel_credentials *creds = grpc_insecure_credentials_create();
    w->channel = grpc_channel_create(opts.target, creds, &ch_args);
    grpc_channel_credentials_release(creds);
    w->cq = grpc_completion_queue_create_for_next(NULL);
    w->registered_method = grpc_channel_register_call(w->channel, opts.method, NULL, NULL);
    w->inflight_target =
        opts.concurrency / opts.threads + (i < opts.concurrency % opts.threads ? 1 : 0);
    w->calls_left = opts.max_calls / opts.threads;
    if (!load_channel_wait_ready(w->channel, w->cq, 5000)) {
      fprintf(stderr, "grpc_load: %s did not become reachable within 5 s\n", opts.target);
      made++;
      rc = 2;
      break;
    }
  }

  uint64_t t0 = load_now_ns();
  if (rc == 0) {
    uint64_t warm = t0 + (uint64_t)(opts.warmup_s * 1e9);
    uint64_t end = warm + (uint64_t)(opts.duration_s * 1e9);
    for (int i = 0; i < opts.threads; i++) {
      workers[i].warm_ns = warm;
      workers[i].end_ns = end;
      if (pthread_create(&workers[i].thread, NULL, load_worker_run, &workers[i]) != 0)
        abort();
    }
    for (int i = 0; i < opts.threads; i++)
      pthread_join(workers[i].thread, NULL);
  }

  if (rc == 0) {
    load_hist_t *all = calloc(1, sizeof *all);
    if (all == NULL)
      abort();
    uint64_t ok = 0, batch_failed = 0, start_failed = 0, no_message = 0, errors = 0;
    uint64_t by_status[LOAD_STATUS_CODES] = {0};
    for (int i = 0; i < opts.threads; i++) {
      load_hist_merge(all, &workers[i].hist);
      ok += workers[i].ok;
      batch_failed += workers[i].batch_failed;
      start_failed += workers[i].start_failed;
      no_message += workers[i].no_message;
      for (int s = 0; s < LOAD_STATUS_CODES; s++)
        by_status[s] += workers[i].by_status[s];
    }
    for (int s = 1; s < LOAD_STATUS_CODES; s++)
      errors += by_status[s];
    errors += batch_failed + start_failed;
    printf("%s%s%starget=%s method=%s threads=%d concurrency=%d duration_s=%.1f calls=%" PRIu64
           " calls_per_s=%.0f p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f errors=%" PRIu64,
           opts.label[0] ? "label=" : "", opts.label, opts.label[0] ? " " : "", opts.target,
           opts.method, opts.threads, opts.concurrency, opts.duration_s, ok,
           (double)ok / opts.duration_s, (double)load_hist_percentile(all, 50) / 1e3,
           (double)load_hist_percentile(all, 90) / 1e3, (double)load_hist_percentile(all, 99) / 1e3,
           (double)all->max_ns / 1e3, errors);
    for (int s = 1; s < LOAD_STATUS_CODES; s++)
      if (by_status[s] != 0)
        printf(" status_%s=%" PRIu64, load_status_names[s], by_status[s]);
    if (batch_failed != 0)
      printf(" batch_failed=%" PRIu64, batch_failed);
    if (start_failed != 0)
      printf(" start_failed=%" PRIu64, start_failed);
    if (no_message != 0)
      printf(" ok_without_message=%" PRIu64, no_message);
    if (opts.request_file != NULL) {
      printf(" requests=%zu", load_n_requests);
      if (atomic_load(&load_next_request) > load_n_requests)
        printf(" requests_wrapped=1"); /* some calls named a request a second time */
    }
    for (int i = 0; i < opts.threads; i++) {
      if (workers[i].calls_left <= 0) {
        printf(" max_calls_reached=1"); /* the run ended early: calls/s is understated */
        break;
      }
    }
    printf("\n");
    fflush(stdout);
    free(all);
  }

  for (int i = 0; i < made && i < opts.threads; i++) {
    grpc_channel_destroy(workers[i].channel);
    grpc_completion_queue_shutdown(workers[i].cq);
    while (
        grpc_completion_queue_next(workers[i].cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type !=
        GRPC_QUEUE_SHUTDOWN) {
    }
    grpc_completion_queue_destroy(workers[i].cq);
  }
  load_requests_free();
  free(workers);
  free(opts.request);
  grpc_shutdown();
  return rc;
}
