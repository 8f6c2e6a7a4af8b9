/*
 * redis.h — the Redis client pool. Only core/store includes hiredis.
 *
 * Redis holds what may be lost: sessions, counters, caches. A miss is not an error. Redis being
 * down answers UNAVAILABLE (logged once as a warning until it comes back), never a guess.
 */
#ifndef EHALL_STORE_REDIS_H
#define EHALL_STORE_REDIS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"

typedef struct store_redis_pool store_redis_pool_t;
typedef struct store_redis_reply store_redis_reply_t;

/* A bounded pool of `size` connections with connect and command timeouts; reconnects after the
 * server restarts. Never fails for an unreachable server (calls fail instead). */
store_redis_pool_t *store_redis_pool_create(const char *host, int port, int size, int timeout_ms);
void store_redis_pool_destroy(store_redis_pool_t *pool);

/* One command given as an argument vector (binary-safe, never formatted into a string). The
 * reply is owned by `a`. A Redis error reply sets err (INTERNAL, detail = its text). */
store_redis_reply_t *store_redis_cmd(arena_t *a, store_redis_pool_t *pool, int argc,
                                     const char *const *argv, const size_t *argvlen, eh_err_t *err);

/* Several commands sent in one write and answered in order: one round trip for all. Each
 * replies[i] is owned by `a`; NULL for a command Redis answered with an error (then err is set
 * from the first such error and the function returns false, the other replies still filled). */
typedef struct store_redis_cmd {
  int argc;
  const char *const *argv;
  const size_t *argvlen;
} store_redis_cmd_t;
bool store_redis_pipeline(arena_t *a, store_redis_pool_t *pool, size_t n,
                          const store_redis_cmd_t *cmds, store_redis_reply_t **replies,
                          eh_err_t *err);

/* A Lua script, run by its SHA-1 (EVALSHA) so its text crosses the wire only when Redis has
 * not cached it yet (first use, restart, SCRIPT FLUSH: then EVAL, which caches it). Declare
 * each as `static store_redis_script_t x = STORE_REDIS_SCRIPT(TEXT);`; thread-safe. */
typedef struct store_redis_script {
  const char *text;
  size_t len;
  char sha[41]; /* hex SHA-1 of text; "" until first use (guarded inside redis.c) */
} store_redis_script_t;
#define STORE_REDIS_SCRIPT(t)                                                                      \
  { t, sizeof(t) - 1, "" }

/* Runs s with nkeys keys then the other arguments (args[0..nargs), NUL-terminated, the keys
 * first). The reply is owned by `a`. */
store_redis_reply_t *store_redis_eval(arena_t *a, store_redis_pool_t *pool, store_redis_script_t *s,
                                      int nkeys, int nargs, const char *const *args, eh_err_t *err);

typedef enum {
  STORE_REDIS_NIL,
  STORE_REDIS_STRING,
  STORE_REDIS_INTEGER,
  STORE_REDIS_ARRAY,
  STORE_REDIS_STATUS
} store_redis_type_t;

store_redis_type_t store_redis_reply_type(const store_redis_reply_t *r);
const char *store_redis_reply_str(const store_redis_reply_t *r, size_t *len);
long long store_redis_reply_int(const store_redis_reply_t *r);
size_t store_redis_reply_len(const store_redis_reply_t *r); /* array length */
const store_redis_reply_t *store_redis_reply_at(const store_redis_reply_t *r, size_t i);

/* PING plus INFO server's redis_version, and the latency. */
bool store_redis_ping(store_redis_pool_t *pool, char *version, size_t cap, double *latency_ms,
                      eh_err_t *err);

#endif
