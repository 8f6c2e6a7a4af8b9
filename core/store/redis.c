/*
 * redis.c — a bounded pool of hiredis synchronous contexts.
 *
 * Replies are copied into the caller's arena and the hiredis reply freed at once, so a
 * context goes back to the pool as soon as its command returns. A dead context is dropped and
 * reopened by the next borrower. Must never format a command into a string (argv only), log a
 * key or a value, or decide correctness: Redis may lose what it holds.
 */
#include "core/store/redis.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "core/common/crypto.h"
#include "core/common/log.h"

#define REDIS_MODULE "store.redis"

struct store_redis_pool {
  char *host;
  int port;
  int size;
  int timeout_ms;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  redisContext **ctx; /* NULL: not connected */
  int *free_stack;
  int nfree;
  bool down; /* warned once for the current outage */
};

struct store_redis_reply {
  store_redis_type_t type;
  const char *str;
  size_t len;
  long long integer;
  size_t nelem;
  store_redis_reply_t *elem;
};

static int64_t redis__now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

store_redis_pool_t *store_redis_pool_create(const char *host, int port, int size, int timeout_ms) {
  store_redis_pool_t *p = calloc(1, sizeof(*p));
  if (p == NULL || (p->host = strdup(host ? host : "127.0.0.1")) == NULL)
    abort();
  p->port = port;
  p->size = size > 0 ? size : 1;
  p->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
  p->ctx = calloc((size_t)p->size, sizeof(*p->ctx));
  p->free_stack = calloc((size_t)p->size, sizeof(*p->free_stack));
  if (p->ctx == NULL || p->free_stack == NULL)
    abort();
  for (int i = 0; i < p->size; i++)
    p->free_stack[i] = p->size - 1 - i;
  p->nfree = p->size;
  pthread_mutex_init(&p->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&p->cv, &ca);
  pthread_condattr_destroy(&ca);
  return p;
}

void store_redis_pool_destroy(store_redis_pool_t *pool) {
  if (pool == NULL)
    return;
  for (int i = 0; i < pool->size; i++)
    if (pool->ctx[i])
      redisFree(pool->ctx[i]);
  pthread_cond_destroy(&pool->cv);
  pthread_mutex_destroy(&pool->mu);
  free(pool->ctx);
  free(pool->free_stack);
  free(pool->host);
  free(pool);
}

static void redis__note(store_redis_pool_t *pool, bool up, const char *why) {
  pthread_mutex_lock(&pool->mu);
  bool was_down = pool->down;
  pool->down = !up;
  pthread_mutex_unlock(&pool->mu);
  if (up && was_down)
    LOG_INFO(REDIS_MODULE, "redis reachable again addr=%s:%d", pool->host, pool->port);
  else if (!up && !was_down)
    LOG_WARN(REDIS_MODULE, "redis unavailable addr=%s:%d error=\"%.200s\"", pool->host, pool->port,
             why ? why : "");
}

static void redis__set_unavailable(eh_err_t *err, const char *why) {
  eh_err_set(err, EH_UNAVAILABLE, NULL, "缓存服务暂时不可用，请稍后重试",
             "the cache service is temporarily unavailable, please retry later");
  eh_err_detail(err, "redis: %.200s", why ? why : "");
}

/* Borrows a slot, waiting at most the pool's timeout. Returns its index, or -1. */
static int redis__take(store_redis_pool_t *pool, eh_err_t *err) {
  int64_t until = redis__now_ms() + pool->timeout_ms;
  struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000};
  pthread_mutex_lock(&pool->mu);
  while (pool->nfree == 0 && redis__now_ms() < until)
    pthread_cond_timedwait(&pool->cv, &pool->mu, &ts);
  int slot = pool->nfree > 0 ? pool->free_stack[--pool->nfree] : -1;
  pthread_mutex_unlock(&pool->mu);
  if (slot < 0) {
    eh_err_set(err, EH_RESOURCE_EXHAUSTED, NULL, "系统繁忙，请稍后重试",
               "the system is busy, please retry later");
    eh_err_detail(err, "redis pool exhausted size=%d", pool->size);
  }
  return slot;
}

static void redis__give(store_redis_pool_t *pool, int slot) {
  pthread_mutex_lock(&pool->mu);
  pool->free_stack[pool->nfree++] = slot;
  pthread_cond_signal(&pool->cv);
  pthread_mutex_unlock(&pool->mu);
}

static redisContext *redis__connect(store_redis_pool_t *pool, eh_err_t *err) {
  struct timeval tv = {.tv_sec = pool->timeout_ms / 1000,
                       .tv_usec = (pool->timeout_ms % 1000) * 1000};
  redisContext *c = redisConnectWithTimeout(pool->host, pool->port, tv);
  if (c == NULL)
    abort(); /* hiredis could not allocate */
  if (c->err || redisSetTimeout(c, tv) != REDIS_OK) {
    char why[160];
    snprintf(why, sizeof(why), "%s", c->err ? c->errstr : "cannot set timeout");
    redisFree(c);
    redis__note(pool, false, why);
    redis__set_unavailable(err, why);
    return NULL;
  }
  redis__note(pool, true, NULL);
  return c;
}

static void redis__copy(arena_t *a, const redisReply *src, store_redis_reply_t *dst) {
  memset(dst, 0, sizeof(*dst));
  switch (src->type) {
  case REDIS_REPLY_STRING:
  case REDIS_REPLY_STATUS:
    dst->type = src->type == REDIS_REPLY_STRING ? STORE_REDIS_STRING : STORE_REDIS_STATUS;
    dst->str = arena_strndup(a, src->str, src->len); /* NUL-terminated and binary-safe */
    dst->len = src->len;
    break;
  case REDIS_REPLY_INTEGER:
    dst->type = STORE_REDIS_INTEGER;
    dst->integer = src->integer;
    break;
  case REDIS_REPLY_ARRAY:
    dst->type = STORE_REDIS_ARRAY;
    dst->nelem = src->elements;
    dst->elem = src->elements ? arena_alloc(a, src->elements * sizeof(*dst->elem)) : NULL;
    for (size_t i = 0; i < src->elements; i++)
      redis__copy(a, src->element[i], &dst->elem[i]);
    break;
  default:
    dst->type = STORE_REDIS_NIL;
    break;
  }
}

bool store_redis_pipeline(arena_t *a, store_redis_pool_t *pool, size_t n,
                          const store_redis_cmd_t *cmds, store_redis_reply_t **replies,
                          eh_err_t *err) {
  for (size_t i = 0; i < n; i++)
    replies[i] = NULL;
  int slot = redis__take(pool, err);
  if (slot < 0)
    return false;
  redisContext *c = pool->ctx[slot];
  if (c != NULL) {
    /* An idle synchronous context has nothing to read; if its socket is readable the server
     * hung up (restart, CLIENT KILL, idle timeout): reconnect instead of failing this call. */
    struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
    if (poll(&pfd, 1, 0) != 0) {
      redisFree(c);
      c = pool->ctx[slot] = NULL;
    }
  }
  if (c == NULL) {
    c = pool->ctx[slot] = redis__connect(pool, err);
    if (c == NULL) {
      redis__give(pool, slot);
      return false;
    }
  }
  /* All commands go out in one write, then every reply is read: one round trip. */
  bool io_ok = true;
  for (size_t i = 0; i < n && io_ok; i++)
    io_ok = redisAppendCommandArgv(c, cmds[i].argc, (const char **)cmds[i].argv, cmds[i].argvlen) ==
            REDIS_OK;
  redisReply **raw = arena_zalloc(a, n * sizeof(*raw));
  for (size_t i = 0; i < n && io_ok; i++) {
    void *r = NULL;
    io_ok = redisGetReply(c, &r) == REDIS_OK && r != NULL;
    raw[i] = r;
  }
  if (!io_ok) {
    /* I/O error, timeout or protocol error: the context is unusable from now on. */
    char why[160];
    snprintf(why, sizeof(why), "%s", c->errstr);
    for (size_t i = 0; i < n; i++)
      if (raw[i] != NULL)
        freeReplyObject(raw[i]);
    redisFree(c);
    pool->ctx[slot] = NULL;
    redis__give(pool, slot);
    redis__note(pool, false, why);
    redis__set_unavailable(err, why);
    return false;
  }
  redis__give(pool, slot);
  bool ok = true;
  for (size_t i = 0; i < n; i++) {
    if (raw[i]->type == REDIS_REPLY_ERROR) {
      if (ok) {
        eh_err_set(err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
        eh_err_detail(err, "redis error reply: %.200s", raw[i]->str);
      }
      ok = false;
    } else {
      replies[i] = arena_alloc(a, sizeof(*replies[i]));
      redis__copy(a, raw[i], replies[i]);
    }
    freeReplyObject(raw[i]);
  }
  return ok;
}

store_redis_reply_t *store_redis_cmd(arena_t *a, store_redis_pool_t *pool, int argc,
                                     const char *const *argv, const size_t *argvlen,
                                     eh_err_t *err) {
  store_redis_cmd_t cmd = {.argc = argc, .argv = argv, .argvlen = argvlen};
  store_redis_reply_t *reply = NULL;
  return store_redis_pipeline(a, pool, 1, &cmd, &reply, err) ? reply : NULL;
}

store_redis_type_t store_redis_reply_type(const store_redis_reply_t *r) {
  return r->type;
}

const char *store_redis_reply_str(const store_redis_reply_t *r, size_t *len) {
  if (r->type != STORE_REDIS_STRING && r->type != STORE_REDIS_STATUS) {
    if (len)
      *len = 0;
    return NULL;
  }
  if (len)
    *len = r->len;
  return r->str;
}

long long store_redis_reply_int(const store_redis_reply_t *r) {
  return r->type == STORE_REDIS_INTEGER ? r->integer : 0;
}

size_t store_redis_reply_len(const store_redis_reply_t *r) {
  return r->type == STORE_REDIS_ARRAY ? r->nelem : 0;
}

const store_redis_reply_t *store_redis_reply_at(const store_redis_reply_t *r, size_t i) {
  return r->type == STORE_REDIS_ARRAY && i < r->nelem ? &r->elem[i] : NULL;
}

bool store_redis_ping(store_redis_pool_t *pool, char *version, size_t cap, double *latency_ms,
                      eh_err_t *err) {
  arena_t *a = arena_create(4096);
  bool ok = false;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  const char *ping[] = {"PING"};
  size_t pinglen[] = {4};
  store_redis_reply_t *r = store_redis_cmd(a, pool, 1, ping, pinglen, err);
  if (r != NULL) {
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (latency_ms)
      *latency_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    const char *info[] = {"INFO", "server"};
    size_t infolen[] = {4, 6};
    store_redis_reply_t *ir = store_redis_cmd(a, pool, 2, info, infolen, err);
    const char *text = ir ? store_redis_reply_str(ir, NULL) : NULL;
    if (text != NULL) {
      const char *v = strstr(text, "redis_version:");
      if (version && cap) {
        size_t n = 0;
        if (v) {
          v += strlen("redis_version:");
          n = strcspn(v, "\r\n");
        }
        snprintf(version, cap, "%.*s", (int)n, v ? v : "");
      }
      ok = true;
    }
  }
  arena_destroy(a);
  return ok;
}

/* --- scripts ------------------------------------------------------------------------------ */

static pthread_mutex_t redis__script_lock = PTHREAD_MUTEX_INITIALIZER;

store_redis_reply_t *store_redis_eval(arena_t *a, store_redis_pool_t *pool, store_redis_script_t *s,
                                      int nkeys, int nargs, const char *const *args,
                                      eh_err_t *err) {
  char sha[41];
  pthread_mutex_lock(&redis__script_lock);
  if (s->sha[0] == '\0') {
    uint8_t d[CRYPTO_SHA1_LEN];
    crypto_sha1(s->text, s->len, d);
    for (int i = 0; i < CRYPTO_SHA1_LEN; i++)
      snprintf(s->sha + 2 * i, 3, "%02x", d[i]);
  }
  memcpy(sha, s->sha, sizeof(sha));
  pthread_mutex_unlock(&redis__script_lock);

  char nk[12];
  snprintf(nk, sizeof(nk), "%d", nkeys);
  const char **argv = arena_alloc(a, sizeof(*argv) * (size_t)(nargs + 3));
  size_t *lens = arena_alloc(a, sizeof(*lens) * (size_t)(nargs + 3));
  argv[0] = "EVALSHA";
  lens[0] = 7;
  argv[1] = sha;
  lens[1] = 40;
  argv[2] = nk;
  lens[2] = strlen(nk);
  for (int i = 0; i < nargs; i++) {
    argv[i + 3] = args[i];
    lens[i + 3] = strlen(args[i]);
  }
  eh_err_t e = EH_ERR_INIT;
  store_redis_reply_t *r = store_redis_cmd(a, pool, nargs + 3, argv, lens, &e);
  if (r == NULL && strstr(e.detail, "NOSCRIPT") != NULL) {
    eh_err_clear(&e);
    argv[0] = "EVAL";
    lens[0] = 4;
    argv[1] = s->text;
    lens[1] = s->len;
    r = store_redis_cmd(a, pool, nargs + 3, argv, lens, &e);
  }
  if (r == NULL)
    *err = e;
  return r;
}
