/*
 * cache.h — the gateway's response cache for answers that are the same for every anonymous
 * caller (the core marks them with x-ehall-cache-max-age: public catalogue reads) and for
 * refusals that are the same for every caller of a request (x-ehall-shared-refusal-ms: a full
 * slot; proxy.c keys them apart). Pure: no h2o, no gRPC; thread-safe (one lock).
 *
 * Never serves what may be stale: an entry lives at most its max age and only within the
 * "epoch" it was stored in; the epoch moves on every invalidation message (any replica's
 * publish) and whenever the subscription to those messages is lost or regained. While the
 * cache is not live (no subscription), nothing is served from it or stored in it.
 */
#ifndef EHALL_GATEWAY_HTTP_CACHE_H
#define EHALL_GATEWAY_HTTP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"

typedef struct http_cache http_cache_t;

/* A cache holding at most max_bytes of keys and bodies. */
http_cache_t *http_cache_create(size_t max_bytes);
void http_cache_destroy(http_cache_t *c);

/* Subscribed (live) or not; either change drops everything. */
void http_cache_set_live(http_cache_t *c, bool live);
/* Drops everything (an invalidation message). */
void http_cache_invalidate(http_cache_t *c);

/* A copy of the body stored under key, in a; false on a miss (or when not live). */
bool http_cache_get(http_cache_t *c, arena_t *a, const char *key, size_t key_len, int64_t now_ms,
                    char **body, size_t *len);
/* Stores a copy (until expires_ms, in the current epoch); evicts the oldest entries to stay
 * within max_bytes. Not stored (false) when not live or when it alone exceeds an eighth of
 * max_bytes. */
bool http_cache_put(http_cache_t *c, const char *key, size_t key_len, const char *body, size_t len,
                    int64_t expires_ms);

typedef struct http_cache_stats {
  uint64_t hits, misses, stores, entries, bytes, invalidations;
  bool live;
} http_cache_stats_t;
void http_cache_stats(http_cache_t *c, http_cache_stats_t *out);

#endif
