/*
 * redis_sub.h — a Redis pub/sub subscriber on a thread of its own, for processes that must hear
 * "this changed" from every replica (the gateway's response cache listens on
 * ehall:cache:invalidate). It never decides anything: it reports whether it is subscribed and
 * every message, and reconnects (once a second) after Redis goes away.
 */
#ifndef EHALL_STORE_REDIS_SUB_H
#define EHALL_STORE_REDIS_SUB_H

#include <stdbool.h>

typedef struct store_redis_sub store_redis_sub_t;

/* Called on the subscriber's thread: subscribed false when the connection is lost (or could
 * not be made), true once SUBSCRIBE is confirmed (message NULL) and with every message. */
typedef void (*store_redis_sub_fn)(void *ud, bool subscribed, const char *message);

/* Starts the thread; the caller owns the handle. Never fails for an unreachable Redis (fn
 * hears subscribed false, and the thread keeps trying). */
store_redis_sub_t *store_redis_sub_start(const char *host, int port, const char *channel,
                                         store_redis_sub_fn fn, void *ud);
/* Stops and joins the thread (within about a second), then frees. NULL is allowed. */
void store_redis_sub_stop(store_redis_sub_t *sub);

#endif
