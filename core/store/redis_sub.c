/*
 * redis_sub.c — a pub/sub subscriber thread (redis_sub.h). Reads with poll() and hiredis's
 * reader rather than blocking reads with a timeout, because a hiredis context that timed out is
 * unusable; poll's one-second tick is also how the thread notices it should stop.
 */
#include "core/store/redis_sub.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/common/log.h"

struct store_redis_sub {
  char *host, *channel;
  int port;
  store_redis_sub_fn fn;
  void *ud;
  atomic_bool stop;
  pthread_t thread;
};

static void sub__sleep_1s(store_redis_sub_t *s) {
  for (int i = 0; i < 10 && !atomic_load(&s->stop); i++)
    nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
}

/* A "message" push: ["message", channel, payload]. */
static const char *sub__payload(const redisReply *r) {
  if (r->type != REDIS_REPLY_ARRAY)
    return NULL;
  if (r->elements != 3 || r->element[0]->type != REDIS_REPLY_STRING ||
      strcmp(r->element[0]->str, "message") != 0 || r->element[2]->type != REDIS_REPLY_STRING)
    return NULL;
  return r->element[2]->str;
}

/* One connection's life: subscribe, then report messages until it breaks or we stop. */
static void sub__session(store_redis_sub_t *s) {
  struct timeval tv = {1, 0};
  redisContext *c = redisConnectWithTimeout(s->host, s->port, tv);
  if (c == NULL || c->err) {
    if (c)
      redisFree(c);
    s->fn(s->ud, false, NULL);
    return;
  }
  redisSetTimeout(c, tv);
  redisReply *ack = redisCommand(c, "SUBSCRIBE %s", s->channel);
  bool ok = ack != NULL && (ack->type == REDIS_REPLY_ARRAY);
  if (ack)
    freeReplyObject(ack);
  if (!ok) {
    redisFree(c);
    s->fn(s->ud, false, NULL);
    return;
  }
  s->fn(s->ud, true, NULL);
  while (!atomic_load(&s->stop)) {
    void *reply = NULL;
    if (redisGetReplyFromReader(c, &reply) != REDIS_OK)
      break;
    if (reply != NULL) {
      const char *msg = sub__payload(reply);
      if (msg != NULL)
        s->fn(s->ud, true, msg);
      freeReplyObject(reply);
      continue;
    }
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    int n = poll(&p, 1, 1000);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || (n > 0 && redisBufferRead(c) != REDIS_OK))
      break;
  }
  redisFree(c);
  if (!atomic_load(&s->stop)) {
    LOG_WARN("store", "redis subscription lost channel=%s: reconnecting", s->channel);
    s->fn(s->ud, false, NULL);
  }
}

static void *sub__main(void *arg) {
  store_redis_sub_t *s = arg;
  while (!atomic_load(&s->stop)) {
    sub__session(s);
    if (!atomic_load(&s->stop))
      sub__sleep_1s(s);
  }
  return NULL;
}

store_redis_sub_t *store_redis_sub_start(const char *host, int port, const char *channel,
                                         store_redis_sub_fn fn, void *ud) {
  store_redis_sub_t *s = calloc(1, sizeof *s);
  if (s == NULL || (s->host = strdup(host)) == NULL || (s->channel = strdup(channel)) == NULL)
    abort();
  s->port = port;
  s->fn = fn;
  s->ud = ud;
  atomic_init(&s->stop, false);
  if (pthread_create(&s->thread, NULL, sub__main, s) != 0)
    abort();
  return s;
}

void store_redis_sub_stop(store_redis_sub_t *s) {
  if (s == NULL)
    return;
  atomic_store(&s->stop, true);
  pthread_join(s->thread, NULL);
  free(s->host);
  free(s->channel);
  free(s);
}
