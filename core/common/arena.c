/*
 * arena.c — bump allocator in a chain of blocks, with a cleanup list.
 * Must never return NULL (aborts instead) and never free a single allocation.
 */
#include "core/common/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_BLOCK 4096
#define ARENA_LARGE (ARENA_DEFAULT_BLOCK / 4)

typedef struct arena_block {
  struct arena_block *next;
  size_t size; /* usable bytes after the header */
  size_t used;
  _Alignas(ARENA_ALIGN) unsigned char data[];
} arena_block_t;

typedef struct arena_cleanup {
  struct arena_cleanup *next;
  void (*fn)(void *);
  void *data;
} arena_cleanup_t;

struct arena {
  arena_block_t *head;  /* current block for small allocations */
  arena_block_t *large; /* dedicated blocks for large allocations */
  arena_cleanup_t *cleanups;
  size_t block_size;
  size_t reserved;
};

static void *arena__xmalloc(size_t n) {
  void *p = malloc(n);
  if (p == NULL) {
    fprintf(stderr, "ehall: out of memory allocating %zu bytes\n", n);
    abort();
  }
  return p;
}

static arena_block_t *arena__block_new(arena_t *a, size_t size) {
  arena_block_t *b = arena__xmalloc(sizeof(*b) + size);
  b->size = size;
  b->used = 0;
  a->reserved += sizeof(*b) + size;
  return b;
}

arena_t *arena_create(size_t first_block) {
  arena_t *a = arena__xmalloc(sizeof(*a));
  memset(a, 0, sizeof(*a));
  a->block_size = first_block ? first_block : ARENA_DEFAULT_BLOCK;
  a->head = arena__block_new(a, a->block_size);
  a->head->next = NULL;
  return a;
}

void arena_destroy(arena_t *a) {
  if (a == NULL)
    return;
  for (arena_cleanup_t *c = a->cleanups; c != NULL; c = c->next)
    c->fn(c->data);
  for (arena_block_t *b = a->large, *n; b != NULL; b = n) {
    n = b->next;
    free(b);
  }
  for (arena_block_t *b = a->head, *n; b != NULL; b = n) {
    n = b->next;
    free(b);
  }
  free(a);
}

void *arena_alloc(arena_t *a, size_t size) {
  size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  if (need == 0)
    need = ARENA_ALIGN;
  if (need > ARENA_LARGE && need > a->block_size / 4) {
    arena_block_t *b = arena__block_new(a, need);
    b->used = need;
    b->next = a->large;
    a->large = b;
    return b->data;
  }
  if (a->head->size - a->head->used < need) {
    /* Grow geometrically up to 64 KiB so big requests take few mallocs. */
    if (a->block_size < 65536)
      a->block_size *= 2;
    /* A small first block can be smaller than a request that is not "large": never hand out
     * a block that cannot hold it. */
    arena_block_t *b = arena__block_new(a, a->block_size < need ? need : a->block_size);
    b->next = a->head;
    a->head = b;
  }
  void *p = a->head->data + a->head->used;
  a->head->used += need;
  return p;
}

void *arena_zalloc(arena_t *a, size_t size) {
  void *p = arena_alloc(a, size);
  memset(p, 0, size);
  return p;
}

void *arena_memdup(arena_t *a, const void *p, size_t n) {
  void *d = arena_alloc(a, n);
  if (n)
    memcpy(d, p, n);
  return d;
}

char *arena_strndup(arena_t *a, const char *s, size_t n) {
  char *d = arena_alloc(a, n + 1);
  if (n)
    memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *arena_strdup(arena_t *a, const char *s) {
  return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(arena_t *a, const char *fmt, va_list ap) {
  va_list cp;
  va_copy(cp, ap);
  int n = vsnprintf(NULL, 0, fmt, cp);
  va_end(cp);
  if (n < 0)
    n = 0;
  char *d = arena_alloc(a, (size_t)n + 1);
  vsnprintf(d, (size_t)n + 1, fmt, ap);
  return d;
}

char *arena_printf(arena_t *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *d = arena_vprintf(a, fmt, ap);
  va_end(ap);
  return d;
}

void arena_cleanup_add(arena_t *a, void (*fn)(void *), void *data) {
  arena_cleanup_t *c = arena_alloc(a, sizeof(*c));
  c->fn = fn;
  c->data = data;
  c->next = a->cleanups;
  a->cleanups = c;
}

static void *arena__pb_alloc(void *data, size_t size) {
  return arena_alloc(data, size);
}
static void arena__pb_free(void *data, void *p) {
  (void)data, (void)p;
}

ProtobufCAllocator arena_pb_allocator(arena_t *a) {
  ProtobufCAllocator al = {.alloc = arena__pb_alloc, .free = arena__pb_free, .allocator_data = a};
  return al;
}

size_t arena_bytes_reserved(const arena_t *a) {
  return a->reserved;
}

void arena_buf_reserve(arena_buf_t *b, size_t n) {
  if (b->p != NULL && b->len + n + 1 <= b->cap)
    return;
  size_t cap = b->cap ? b->cap * 2 : 256;
  while (cap < b->len + n + 1)
    cap *= 2;
  char *p = arena_alloc(b->a, cap);
  if (b->len)
    memcpy(p, b->p, b->len);
  p[b->len] = '\0';
  b->p = p;
  b->cap = cap;
}

void arena_buf_put(arena_buf_t *b, const char *s, size_t n) {
  arena_buf_reserve(b, n);
  if (n)
    memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void arena_buf_putc(arena_buf_t *b, char c) {
  arena_buf_put(b, &c, 1);
}

void arena_buf_puts(arena_buf_t *b, const char *s) {
  arena_buf_put(b, s, strlen(s));
}

void arena_buf_printf(arena_buf_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n <= 0)
    return;
  arena_buf_reserve(b, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}
