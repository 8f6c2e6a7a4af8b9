/*
 * poller.h — a background worker thread that runs one round of work, then sleeps poll_ms (or
 * goes again at once when the round did a full batch), until stopped. The core's workers
 * (booking hold expiry, approval SLA timers) claim their rows with FOR UPDATE SKIP LOCKED, so
 * the rows are the state: a poller keeps nothing that a restart or another replica needs.
 */
#ifndef EHALL_COMMON_POLLER_H
#define EHALL_COMMON_POLLER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct poller poller_t;

/* One round: the items it handled. A round that handled `batch` or more runs again at once. */
typedef size_t (*poller_round_fn)(void *ud);

/* Starts the thread (NULL when it cannot start). name goes to the log; ud is the round's. The
 * poller owns nothing of ud. */
poller_t *poller_start(const char *name, long poll_ms, size_t batch, poller_round_fn round,
                       void *ud);
/* Wakes the thread early (a round runs now). */
void poller_wake(poller_t *p);
/* Stops after the running round and frees it; NULL is a no-op. */
void poller_stop(poller_t *p);

#endif
