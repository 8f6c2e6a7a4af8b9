/*
 * cache_test.c — the gateway's response cache (gateway/http/cache.h): nothing is served or
 * stored unless live; hits return the stored bytes; expiry, invalidation and a lost
 * subscription drop entries; eviction keeps it within its bytes; oversized answers are not kept.
 */
#include <string.h>

#include "core/common/arena.h"
#include "gateway/http/cache.h"
#include "tests/unit/test.h"

static arena_t *A;

static bool get(http_cache_t *c, const char *k, int64_t now, const char **body) {
  char *b;
  size_t n;
  if (!http_cache_get(c, A, k, strlen(k), now, &b, &n))
    return false;
  *body = arena_strndup(A, b, n);
  return true;
}

static void test_live_hit_expiry(void) {
  http_cache_t *c = http_cache_create(1 << 20);
  const char *b;
  CHECK(!http_cache_put(c, "k", 1, "v", 1, 1000)); /* not live yet */
  CHECK(!get(c, "k", 0, &b));
  http_cache_set_live(c, true);
  CHECK(http_cache_put(c, "k", 1, "{\"a\":1}", 7, 1000));
  CHECK(get(c, "k", 999, &b));
  CHECK_STR(b, "{\"a\":1}");
  CHECK(!get(c, "k", 1000, &b)); /* expired */
  CHECK(!get(c, "other", 0, &b));
  http_cache_stats_t st;
  http_cache_stats(c, &st);
  CHECK_INT((long long)st.hits, 1);
  CHECK_INT((long long)st.entries, 0);
  http_cache_destroy(c);
}

static void test_invalidation(void) {
  http_cache_t *c = http_cache_create(1 << 20);
  const char *b;
  http_cache_set_live(c, true);
  CHECK(http_cache_put(c, "k", 1, "v1", 2, 10000));
  http_cache_invalidate(c);
  CHECK(!get(c, "k", 0, &b));
  CHECK(http_cache_put(c, "k", 1, "v2", 2, 10000));
  CHECK(get(c, "k", 0, &b));
  CHECK_STR(b, "v2");
  http_cache_set_live(c, false); /* subscription lost: nothing served */
  CHECK(!get(c, "k", 0, &b));
  http_cache_set_live(c, true); /* regained: still nothing from before */
  CHECK(!get(c, "k", 0, &b));
  http_cache_destroy(c);
}

static void test_eviction_and_size(void) {
  http_cache_t *c = http_cache_create(64 * 1024);
  http_cache_set_live(c, true);
  char body[4000];
  memset(body, 'x', sizeof body);
  char key[16];
  for (int i = 0; i < 100; i++) {
    int n = snprintf(key, sizeof key, "k%d", i);
    CHECK(http_cache_put(c, key, (size_t)n, body, sizeof body, 100000));
  }
  http_cache_stats_t st;
  http_cache_stats(c, &st);
  CHECK(st.bytes <= 64 * 1024);
  CHECK(st.entries < 100);
  const char *b;
  CHECK(!get(c, "k0", 0, &b)); /* the oldest went first */
  CHECK(get(c, "k99", 0, &b)); /* the newest stayed */
  char big[9000];
  memset(big, 'y', sizeof big);
  CHECK(!http_cache_put(c, "big", 3, big, sizeof big, 100000)); /* over an eighth */
  http_cache_destroy(c);
}

int main(void) {
  A = arena_create(0);
  RUN(test_live_hit_expiry);
  RUN(test_invalidation);
  RUN(test_eviction_and_size);
  arena_destroy(A);
  return test_done();
}
