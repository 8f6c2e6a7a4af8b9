/*
 * cache.c — the response cache (cache.h): a chained hash table under one mutex, entries in a
 * FIFO list for eviction (oldest stored goes first), each tagged with the epoch it was stored in.
 * Bodies are copied in and out, so no caller ever holds memory the cache may free.
 */
#include "gateway/http/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_BUCKETS 4096

typedef struct entry {
  struct entry *next_in_bucket;
  struct entry *older, *newer; /* FIFO */
  uint64_t hash, epoch;
  int64_t expires_ms;
  size_t key_len, body_len;
  char *key, *body;
} entry_t;

struct http_cache {
  pthread_mutex_t mu;
  size_t max_bytes, bytes;
  uint64_t epoch;
  bool live;
  entry_t *buckets[CACHE_BUCKETS];
  entry_t *oldest, *newest;
  http_cache_stats_t st;
};

static uint64_t hash_of(const char *k, size_t n) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
  return h;
}

http_cache_t *http_cache_create(size_t max_bytes) {
  http_cache_t *c = calloc(1, sizeof *c);
  if (c == NULL)
    abort();
  pthread_mutex_init(&c->mu, NULL);
  c->max_bytes = max_bytes;
  return c;
}

static void unlink_entry(http_cache_t *c, entry_t *e) {
  entry_t **p = &c->buckets[e->hash % CACHE_BUCKETS];
  while (*p != e)
    p = &(*p)->next_in_bucket;
  *p = e->next_in_bucket;
  if (e->older)
    e->older->newer = e->newer;
  else
    c->oldest = e->newer;
  if (e->newer)
    e->newer->older = e->older;
  else
    c->newest = e->older;
  c->bytes -= e->key_len + e->body_len + sizeof *e;
  c->st.entries--;
  free(e->key);
  free(e->body);
  free(e);
}

static void drop_all(http_cache_t *c) {
  while (c->oldest)
    unlink_entry(c, c->oldest);
  c->epoch++;
  c->st.invalidations++;
}

void http_cache_destroy(http_cache_t *c) {
  if (c == NULL)
    return;
  drop_all(c);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

void http_cache_set_live(http_cache_t *c, bool live) {
  pthread_mutex_lock(&c->mu);
  c->live = live;
  drop_all(c);
  pthread_mutex_unlock(&c->mu);
}

void http_cache_invalidate(http_cache_t *c) {
  pthread_mutex_lock(&c->mu);
  drop_all(c);
  pthread_mutex_unlock(&c->mu);
}

static entry_t *find(http_cache_t *c, uint64_t h, const char *key, size_t key_len) {
  for (entry_t *e = c->buckets[h % CACHE_BUCKETS]; e; e = e->next_in_bucket)
    if (e->hash == h && e->key_len == key_len && memcmp(e->key, key, key_len) == 0)
      return e;
  return NULL;
}

bool http_cache_get(http_cache_t *c, arena_t *a, const char *key, size_t key_len, int64_t now_ms,
                    char **body, size_t *len) {
  uint64_t h = hash_of(key, key_len);
  bool hit = false;
  pthread_mutex_lock(&c->mu);
  entry_t *e = c->live ? find(c, h, key, key_len) : NULL;
  if (e != NULL && (e->epoch != c->epoch || e->expires_ms <= now_ms)) {
    unlink_entry(c, e);
    e = NULL;
  }
  if (e != NULL) {
    *body = arena_memdup(a, e->body, e->body_len);
    *len = e->body_len;
    hit = true;
    c->st.hits++;
  } else {
    c->st.misses++;
  }
  pthread_mutex_unlock(&c->mu);
  return hit;
}

bool http_cache_put(http_cache_t *c, const char *key, size_t key_len, const char *body, size_t len,
                    int64_t expires_ms) {
  size_t need = key_len + len + sizeof(entry_t);
  if (need > c->max_bytes / 8)
    return false;
  entry_t *e = calloc(1, sizeof *e);
  char *k = malloc(key_len), *b = malloc(len ? len : 1);
  if (e == NULL || k == NULL || b == NULL)
    abort();
  memcpy(k, key, key_len);
  memcpy(b, body, len);
  *e = (entry_t){.hash = hash_of(key, key_len),
                 .expires_ms = expires_ms,
                 .key_len = key_len,
                 .body_len = len,
                 .key = k,
                 .body = b};
  pthread_mutex_lock(&c->mu);
  if (!c->live) {
    pthread_mutex_unlock(&c->mu);
    free(k);
    free(b);
    free(e);
    return false;
  }
  entry_t *old = find(c, e->hash, key, key_len);
  if (old)
    unlink_entry(c, old);
  while (c->oldest && c->bytes + need > c->max_bytes)
    unlink_entry(c, c->oldest);
  e->epoch = c->epoch;
  e->next_in_bucket = c->buckets[e->hash % CACHE_BUCKETS];
  c->buckets[e->hash % CACHE_BUCKETS] = e;
  e->older = c->newest;
  if (c->newest)
    c->newest->newer = e;
  else
    c->oldest = e;
  c->newest = e;
  c->bytes += need;
  c->st.entries++;
  c->st.stores++;
  pthread_mutex_unlock(&c->mu);
  return true;
}

void http_cache_stats(http_cache_t *c, http_cache_stats_t *out) {
  pthread_mutex_lock(&c->mu);
  *out = c->st;
  out->bytes = c->bytes;
  out->live = c->live;
  pthread_mutex_unlock(&c->mu);
}
