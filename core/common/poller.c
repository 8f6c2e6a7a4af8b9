/*
 * poller.c — background worker threads (poller.h): a condition variable on the monotonic
 * clock, so stopping never waits out a poll interval.
 */
#include "core/common/poller.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/common/log.h"

struct poller {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  pthread_t thread;
  bool stopping, woken;
  long poll_ms;
  size_t batch;
  poller_round_fn round;
  void *ud;
};

static void deadline_in(struct timespec *t, long ms) {
  clock_gettime(CLOCK_MONOTONIC, t);
  t->tv_sec += ms / 1000;
  t->tv_nsec += (ms % 1000) * 1000000L;
  if (t->tv_nsec >= 1000000000L) {
    t->tv_sec++;
    t->tv_nsec -= 1000000000L;
  }
}

static void *poller_main(void *ud) {
  poller_t *p = ud;
  for (;;) {
    size_t done = p->round(p->ud);
    pthread_mutex_lock(&p->lock);
    if (!p->stopping && !p->woken && done < p->batch) {
      struct timespec until;
      deadline_in(&until, p->poll_ms);
      pthread_cond_timedwait(&p->wake, &p->lock, &until);
    }
    p->woken = false;
    bool stop = p->stopping;
    pthread_mutex_unlock(&p->lock);
    if (stop)
      return NULL;
  }
}

poller_t *poller_start(const char *name, long poll_ms, size_t batch, poller_round_fn round,
                       void *ud) {
  poller_t *p = calloc(1, sizeof *p);
  if (p == NULL)
    abort();
  pthread_mutex_init(&p->lock, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&p->wake, &ca);
  pthread_condattr_destroy(&ca);
  p->poll_ms = poll_ms;
  p->batch = batch;
  p->round = round;
  p->ud = ud;
  if (pthread_create(&p->thread, NULL, poller_main, p) != 0) {
    LOG_ERROR("core", "cannot start worker thread name=%s", name);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
    return NULL;
  }
  return p;
}

void poller_wake(poller_t *p) {
  pthread_mutex_lock(&p->lock);
  p->woken = true;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
}

void poller_stop(poller_t *p) {
  if (p == NULL)
    return;
  pthread_mutex_lock(&p->lock);
  p->stopping = true;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
  pthread_join(p->thread, NULL);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->lock);
  free(p);
}
