/*
 * metrics.c — per-thread counters and histograms, summed when /metrics is scraped.
 *
 * A thread's request counters live in a small open-addressing table keyed by
 * (label, method, status); only the owning thread inserts, publishing a key with a release
 * store after its counter is zero, so a concurrent scrape sees either nothing or a valid slot.
 * Must never take a lock on the request path.
 */
#include "gateway/http/metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_SLOTS 2048 /* per thread; keys beyond it land in the overflow slot */
#define METRICS_NBUCKETS 13
#define METRICS_NCODES 17

static const double metrics__buckets[METRICS_NBUCKETS] = {.001, .0025, .005, .01, .025, .05,     .1,
                                                          .25,  .5,    1,    2.5, 5,    INFINITY};
static const char *const metrics__methods[] = {"GET",   "HEAD",   "POST",    "PUT",
                                               "PATCH", "DELETE", "OPTIONS", "OTHER"};
#define METRICS_NMETHODS 8

typedef struct metrics_slot {
  _Atomic uint32_t key; /* 0: empty; else (label+1)<<13 | method<<10 | status */
  _Atomic uint64_t count;
} metrics_slot_t;

typedef struct metrics_thread {
  metrics_slot_t slots[METRICS_SLOTS];
  _Atomic uint64_t overflow;
  _Atomic uint64_t *hist;   /* [nuniq][METRICS_NBUCKETS] cumulative counts */
  _Atomic uint64_t *sum_us; /* [nuniq] */
  _Atomic uint64_t grpc_errors[METRICS_NCODES];
} metrics_thread_t;

struct metrics {
  char **uniq; /* distinct label strings */
  size_t nuniq;
  size_t *map; /* label index → uniq index */
  size_t nlabels;
  int nthreads;
  metrics_thread_t *threads;
  _Atomic long in_flight;
};

static void *metrics__xcalloc(size_t n, size_t s) {
  void *p = calloc(n ? n : 1, s);
  if (p == NULL)
    abort();
  return p;
}

metrics_t *metrics_create(const char *const *labels, size_t nlabels, int nthreads) {
  metrics_t *m = metrics__xcalloc(1, sizeof(*m));
  m->uniq = metrics__xcalloc(nlabels, sizeof(char *));
  m->map = metrics__xcalloc(nlabels, sizeof(size_t));
  m->nlabels = nlabels;
  for (size_t i = 0; i < nlabels; i++) {
    size_t j = 0;
    while (j < m->nuniq && strcmp(m->uniq[j], labels[i]) != 0)
      j++;
    if (j == m->nuniq) {
      m->uniq[j] = strdup(labels[i]);
      if (m->uniq[j] == NULL)
        abort();
      m->nuniq++;
    }
    m->map[i] = j;
  }
  m->nthreads = nthreads < 1 ? 1 : nthreads;
  m->threads = metrics__xcalloc((size_t)m->nthreads, sizeof(metrics_thread_t));
  for (int t = 0; t < m->nthreads; t++) {
    m->threads[t].hist = metrics__xcalloc(m->nuniq * METRICS_NBUCKETS, sizeof(uint64_t));
    m->threads[t].sum_us = metrics__xcalloc(m->nuniq, sizeof(uint64_t));
  }
  return m;
}

void metrics_destroy(metrics_t *m) {
  if (m == NULL)
    return;
  for (int t = 0; t < m->nthreads; t++) {
    free((void *)m->threads[t].hist);
    free((void *)m->threads[t].sum_us);
  }
  for (size_t i = 0; i < m->nuniq; i++)
    free(m->uniq[i]);
  free(m->uniq);
  free(m->map);
  free(m->threads);
  free(m);
}

static unsigned metrics__method_index(const char *method) {
  for (unsigned i = 0; i < METRICS_NMETHODS - 1; i++)
    if (strcmp(method, metrics__methods[i]) == 0)
      return i;
  return METRICS_NMETHODS - 1;
}

void metrics_request(metrics_t *m, int thread, size_t label, const char *method, int status,
                     double seconds) {
  metrics_thread_t *t = &m->threads[thread % m->nthreads];
  size_t u = label < m->nlabels ? m->map[label] : 0;
  if (status < 100 || status > 999)
    status = 999;
  uint32_t key = (uint32_t)((u + 1) << 13 | metrics__method_index(method) << 10 | (unsigned)status);
  uint32_t h = (key * 2654435761u) % METRICS_SLOTS;
  for (unsigned probe = 0; probe < METRICS_SLOTS; probe++) {
    metrics_slot_t *s = &t->slots[(h + probe) % METRICS_SLOTS];
    uint32_t k = atomic_load_explicit(&s->key, memory_order_relaxed);
    if (k == key) {
      atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
      goto hist;
    }
    if (k == 0) {
      atomic_store_explicit(&s->count, 1, memory_order_relaxed);
      atomic_store_explicit(&s->key, key, memory_order_release);
      goto hist;
    }
  }
  atomic_fetch_add_explicit(&t->overflow, 1, memory_order_relaxed);
hist:
  for (int b = 0; b < METRICS_NBUCKETS; b++)
    if (seconds <= metrics__buckets[b])
      atomic_fetch_add_explicit(&t->hist[u * METRICS_NBUCKETS + (size_t)b], 1,
                                memory_order_relaxed);
  atomic_fetch_add_explicit(&t->sum_us[u], (uint64_t)(seconds * 1e6), memory_order_relaxed);
}

void metrics_grpc_error(metrics_t *m, int thread, int code) {
  if (code < 0 || code >= METRICS_NCODES)
    code = 2; /* UNKNOWN */
  atomic_fetch_add_explicit(&m->threads[thread % m->nthreads].grpc_errors[code], 1,
                            memory_order_relaxed);
}

void metrics_in_flight_add(metrics_t *m, long delta) {
  atomic_fetch_add_explicit(&m->in_flight, delta, memory_order_relaxed);
}

/* A growing buffer in the arena; the text is small (series × threads are summed first). */
/* Label values escape \, " and newline (text format 0.0.4). */
static const char *metrics__escape(arena_t *a, const char *s) {
  char *o = arena_alloc(a, strlen(s) * 2 + 1), *p = o;
  for (; *s; s++) {
    if (*s == '\\' || *s == '"') {
      *p++ = '\\';
      *p++ = *s;
    } else if (*s == '\n') {
      *p++ = '\\';
      *p++ = 'n';
    } else {
      *p++ = *s;
    }
  }
  *p = '\0';
  return o;
}

char *metrics_render(const metrics_t *m, arena_t *a, size_t *len) {
  arena_buf_t b = {.a = a};
  arena_buf_reserve(&b, 4096);
  const char **esc = arena_alloc(a, (m->nuniq ? m->nuniq : 1) * sizeof(char *));
  for (size_t i = 0; i < m->nuniq; i++)
    esc[i] = metrics__escape(a, m->uniq[i]);

  /* Sum the request counters of every thread by key (small: a few hundred series). */
  uint32_t *keys = arena_alloc(a, sizeof(uint32_t) * METRICS_SLOTS * (size_t)m->nthreads);
  uint64_t *counts = arena_alloc(a, sizeof(uint64_t) * METRICS_SLOTS * (size_t)m->nthreads);
  size_t nk = 0;
  uint64_t overflow = 0;
  for (int t = 0; t < m->nthreads; t++) {
    const metrics_thread_t *th = &m->threads[t];
    overflow += atomic_load_explicit(&th->overflow, memory_order_relaxed);
    for (size_t s = 0; s < METRICS_SLOTS; s++) {
      uint32_t k = atomic_load_explicit(&th->slots[s].key, memory_order_acquire);
      if (k == 0)
        continue;
      uint64_t c = atomic_load_explicit(&th->slots[s].count, memory_order_relaxed);
      size_t j = 0;
      while (j < nk && keys[j] != k)
        j++;
      if (j == nk) {
        keys[nk] = k;
        counts[nk++] = 0;
      }
      counts[j] += c;
    }
  }
  arena_buf_printf(&b,
                   "# HELP ehall_http_requests_total HTTP requests answered, by route template, "
                   "method and status.\n# TYPE ehall_http_requests_total counter\n");
  for (size_t j = 0; j < nk; j++) {
    size_t u = (keys[j] >> 13) - 1;
    unsigned meth = (keys[j] >> 10) & 7, status = keys[j] & 1023;
    arena_buf_printf(&b,
                     "ehall_http_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} %llu\n",
                     u < m->nuniq ? esc[u] : "none", metrics__methods[meth], status,
                     (unsigned long long)counts[j]);
  }
  if (overflow)
    arena_buf_printf(
        &b, "ehall_http_requests_total{route=\"overflow\",method=\"OTHER\",status=\"0\"} %llu\n",
        (unsigned long long)overflow);

  arena_buf_printf(&b, "# HELP ehall_http_request_duration_seconds Time from request start to "
                       "response start.\n# TYPE ehall_http_request_duration_seconds histogram\n");
  for (size_t u = 0; u < m->nuniq; u++) {
    uint64_t hb[METRICS_NBUCKETS] = {0}, sum = 0;
    for (int t = 0; t < m->nthreads; t++) {
      for (int k = 0; k < METRICS_NBUCKETS; k++)
        hb[k] += atomic_load_explicit(&m->threads[t].hist[u * METRICS_NBUCKETS + (size_t)k],
                                      memory_order_relaxed);
      sum += atomic_load_explicit(&m->threads[t].sum_us[u], memory_order_relaxed);
    }
    if (hb[METRICS_NBUCKETS - 1] == 0)
      continue;
    for (int k = 0; k < METRICS_NBUCKETS; k++) {
      if (k == METRICS_NBUCKETS - 1)
        arena_buf_printf(
            &b, "ehall_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
            esc[u], (unsigned long long)hb[k]);
      else
        arena_buf_printf(
            &b, "ehall_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", esc[u],
            metrics__buckets[k], (unsigned long long)hb[k]);
    }
    arena_buf_printf(&b, "ehall_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", esc[u],
                     (double)sum / 1e6);
    arena_buf_printf(&b, "ehall_http_request_duration_seconds_count{route=\"%s\"} %llu\n", esc[u],
                     (unsigned long long)hb[METRICS_NBUCKETS - 1]);
  }

  arena_buf_printf(&b,
                   "# HELP ehall_http_in_flight Requests waiting for the core.\n"
                   "# TYPE ehall_http_in_flight gauge\nehall_http_in_flight %ld\n",
                   atomic_load_explicit(&((metrics_t *)m)->in_flight, memory_order_relaxed));

  arena_buf_printf(&b, "# HELP ehall_grpc_errors_total Calls to the core that ended with a non-OK "
                       "status, by gRPC code.\n# TYPE ehall_grpc_errors_total counter\n");
  for (int c = 1; c < METRICS_NCODES; c++) {
    uint64_t n = 0;
    for (int t = 0; t < m->nthreads; t++)
      n += atomic_load_explicit(&m->threads[t].grpc_errors[c], memory_order_relaxed);
    if (n)
      arena_buf_printf(&b, "ehall_grpc_errors_total{code=\"%d\"} %llu\n", c, (unsigned long long)n);
  }
  *len = b.len;
  return b.p;
}
