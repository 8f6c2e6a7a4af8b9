/*
 * arena_test.c — core/common/arena: alignment, large allocations, cleanup order, printf.
 * Runs under ASan in --config=asan, which also catches overruns between allocations.
 */
#include "core/common/arena.h"

#include <stdint.h>
#include <string.h>

#include "tests/unit/test.h"

static void test_alignment(void) {
  arena_t *a = arena_create(0);
  for (size_t sz = 1; sz < 100; sz += 7) {
    void *p = arena_alloc(a, sz);
    CHECK(((uintptr_t)p % 16) == 0);
    memset(p, 0xab, sz);
  }
  arena_destroy(a);
}

static void test_zalloc_and_dup(void) {
  arena_t *a = arena_create(64);
  unsigned char *z = arena_zalloc(a, 300);
  int nonzero = 0;
  for (int i = 0; i < 300; i++)
    nonzero += z[i] != 0;
  CHECK_INT(nonzero, 0);
  CHECK_STR(arena_strdup(a, "网上办事大厅"), "网上办事大厅");
  CHECK_STR(arena_strndup(a, "abcdef", 3), "abc");
  const char bin[4] = {'a', 0, 'b', 0};
  CHECK(memcmp(arena_memdup(a, bin, 4), bin, 4) == 0);
  arena_destroy(a);
}

static void test_large_allocations(void) {
  arena_t *a = arena_create(0);
  size_t before = arena_bytes_reserved(a);
  char *big = arena_alloc(a, 1 << 20);
  memset(big, 'x', 1 << 20);
  CHECK(arena_bytes_reserved(a) >= before + (1 << 20));
  /* Small allocations still work, and do not overlap the big one. */
  char *small = arena_alloc(a, 10);
  CHECK(small + 10 <= big || small >= big + (1 << 20));
  /* Many small ones grow the chain of blocks. */
  for (int i = 0; i < 10000; i++)
    memset(arena_alloc(a, 100), i & 0xff, 100);
  CHECK(big[(1 << 20) - 1] == 'x');
  arena_destroy(a);
}

/* Regression: a tiny first block and a medium request (below the "large" threshold) used to
 * get a grown block still smaller than the request, and the bump ran past its end. */
static void test_small_first_block_medium_request(void) {
  arena_t *a = arena_create(16);
  char *p = arena_alloc(a, 1000);
  memset(p, 'm', 1000);
  char *q = arena_alloc(a, 1000);
  memset(q, 'n', 1000);
  CHECK(p[999] == 'm' && q[0] == 'n');
  CHECK(q >= p + 1000 || q + 1000 <= p);
  CHECK(arena_bytes_reserved(a) >= 2000);
  arena_destroy(a);
}

static int order[8], norder;
static void record(void *data) {
  order[norder++] = (int)(intptr_t)data;
}

static void test_cleanups_reverse_order(void) {
  norder = 0;
  arena_t *a = arena_create(0);
  arena_cleanup_add(a, record, (void *)1);
  arena_cleanup_add(a, record, (void *)2);
  arena_cleanup_add(a, record, (void *)3);
  CHECK_INT(norder, 0);
  arena_destroy(a);
  CHECK_INT(norder, 3);
  CHECK_INT(order[0], 3);
  CHECK_INT(order[1], 2);
  CHECK_INT(order[2], 1);
  arena_destroy(NULL);
}

static void test_printf(void) {
  arena_t *a = arena_create(16);
  CHECK_STR(arena_printf(a, "%s=%d", "slots", 42), "slots=42");
  char longs[3000];
  memset(longs, 'q', sizeof(longs) - 1);
  longs[sizeof(longs) - 1] = '\0';
  char *p = arena_printf(a, "<%s>", longs);
  CHECK_INT(strlen(p), sizeof(longs) + 1);
  CHECK(p[0] == '<' && p[strlen(p) - 1] == '>');
  CHECK_STR(arena_printf(a, "%s", ""), "");
  arena_destroy(a);
}

static void test_pb_allocator(void) {
  arena_t *a = arena_create(0);
  ProtobufCAllocator al = arena_pb_allocator(a);
  void *p = al.alloc(al.allocator_data, 40);
  memset(p, 1, 40);
  al.free(al.allocator_data, p);
  arena_destroy(a);
  CHECK(1);
}

static void test_buf(void) {
  arena_t *a = arena_create(64);
  arena_buf_t b = {.a = a};
  arena_buf_reserve(&b, 0);
  CHECK_STR(b.p, "");
  arena_buf_puts(&b, "组织");
  arena_buf_putc(&b, ',');
  arena_buf_put(&b, "abcdef", 3);
  arena_buf_printf(&b, "|%d|%s", 42, "x");
  CHECK_STR(b.p, "组织,abc|42|x");
  CHECK_INT(b.len, strlen("组织,abc|42|x"));
  /* Growing well past the first capacity keeps every byte. */
  for (int i = 0; i < 1000; i++)
    arena_buf_printf(&b, "%03d", i % 1000);
  CHECK_INT(b.len, strlen("组织,abc|42|x") + 3000);
  CHECK(memcmp(b.p + b.len - 6, "998999", 6) == 0);
  CHECK(b.p[b.len] == '\0');
  arena_destroy(a);
}

int main(void) {
  RUN(test_alignment);
  RUN(test_zalloc_and_dup);
  RUN(test_large_allocations);
  RUN(test_small_first_block_medium_request);
  RUN(test_cleanups_reverse_order);
  RUN(test_printf);
  RUN(test_pb_allocator);
  RUN(test_buf);
  return test_done();
}
