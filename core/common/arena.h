/*
 * arena.h — per-request memory (nginx's r->pool, h2o's request pool).
 *
 * One arena per request: created when the call is accepted, destroyed after the reply is
 * sent. Nothing allocated from it is freed on its own. Non-memory resources taken during the
 * request (a PGresult, a borrowed connection) are registered with arena_cleanup_add the moment
 * they are taken; arena_destroy runs the cleanups in reverse order, then frees the memory.
 *
 * Out of memory aborts the process (as h2o_fatal / palloc do), so results are never NULL.
 * An arena is used by one thread at a time; it has no locks.
 */
#ifndef EHALL_COMMON_ARENA_H
#define EHALL_COMMON_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

typedef struct arena arena_t;

/* Creates an arena whose first block holds about `first_block` bytes (0: a default). The
 * caller owns it and must arena_destroy it. */
arena_t *arena_create(size_t first_block);

/* Runs the cleanups (last registered first), then frees every block. NULL is allowed. */
void arena_destroy(arena_t *a);

/* Memory owned by the arena, aligned for any type. Never NULL. */
void *arena_alloc(arena_t *a, size_t size);
void *arena_zalloc(arena_t *a, size_t size);
char *arena_strdup(arena_t *a, const char *s);
char *arena_strndup(arena_t *a, const char *s, size_t n);
void *arena_memdup(arena_t *a, const void *p, size_t n);
char *arena_printf(arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena_t *a, const char *fmt, va_list ap);

/* A growing text (or byte) buffer in an arena: start it as {.a = a}; p is NUL-terminated after
 * every call (NULL until the first), len excludes the NUL. Out of memory aborts, as above. */
typedef struct arena_buf {
  arena_t *a;
  char *p;
  size_t len, cap;
} arena_buf_t;

/* Makes room for n more bytes and the NUL. */
void arena_buf_reserve(arena_buf_t *b, size_t n);
void arena_buf_put(arena_buf_t *b, const char *s, size_t n);
void arena_buf_putc(arena_buf_t *b, char c);
void arena_buf_puts(arena_buf_t *b, const char *s);
void arena_buf_printf(arena_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Registers fn(data) to run at arena_destroy. */
void arena_cleanup_add(arena_t *a, void (*fn)(void *data), void *data);

/* A protobuf-c allocator that allocates from `a` (its free is a no-op), for *_unpack. */
ProtobufCAllocator arena_pb_allocator(arena_t *a);

/* Bytes taken from the system so far (for metrics and tests). */
size_t arena_bytes_reserved(const arena_t *a);

#endif
