/*
 * hashpool.c — the bounded password-hashing pool (hashpool.h).
 *
 * `threads` workers run at the lowest CPU priority (nice 19, see hp__lower_priority), so a flood
 * of logins only uses CPU that cheap calls leave over. Callers (core/rpc's slow-lane threads)
 * queue a job and wait on its condition variable until it is done or their deadline passes.
 * A job is reference-counted: a caller that gave up leaves the job to the worker, which frees
 * it; a job still queued when its caller leaves is skipped (no hashing for nobody).
 *
 * Must never keep or log a password: every copy is wiped with explicit_bzero before it is freed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "core/identity/hashpool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/common/log.h"
#include "core/config.h"

typedef enum { HP_VERIFY, HP_HASH } hp_kind_t;

typedef struct hp_job {
  hp_kind_t kind;
  char *pw;     /* malloc'd copy, wiped */
  char *stored; /* HP_VERIFY: malloc'd copy, or NULL for the dummy verification */
  unsigned iterations;
  int refs;       /* the caller and the pool; guarded by hp.lock */
  bool started;   /* a worker took it */
  bool done;      /* result is ready */
  bool abandoned; /* the caller left (deadline) */
  password_verdict_t verdict;
  char *hash; /* HP_HASH: malloc'd result */
  pthread_cond_t cond;
} hp_job_t;

static struct {
  pthread_mutex_t lock;
  pthread_cond_t work; /* a job was queued, or stopping */
  hp_job_t **ring;
  int cap, head, count;
  pthread_t *threads;
  int nthreads;
  bool running, stopping;
  int64_t avg_ms; /* recent job time, for the retry hint */
} hp = {.lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER};

static void hp__wipe_free(char *s) {
  if (s == NULL)
    return;
  explicit_bzero(s, strlen(s));
  free(s);
}

static char *hp__dup(const char *s) {
  char *d = strdup(s);
  if (d == NULL)
    abort(); /* out of memory aborts, as arena allocations do */
  return d;
}

/* Drops one reference; the last one frees the job (hp.lock held). */
static void hp__unref_locked(hp_job_t *j) {
  if (--j->refs > 0)
    return;
  hp__wipe_free(j->pw);
  hp__wipe_free(j->stored);
  free(j->hash);
  pthread_cond_destroy(&j->cond);
  free(j);
}

/* Lowest normal priority for this thread: nice 19 (per thread on Linux), about 1.5 % of a
 * nice-0 thread's share when they compete. Not SCHED_IDLE, though it sounds better: the
 * scheduler counts a CPU running only SCHED_IDLE work as idle and wakes the request path's
 * threads onto it, where they must preempt the hash; measured on this 2-vCPU machine, a
 * SCHED_IDLE spinner raised a cheap call's p99 by 1.2–1.5×, a nice-19 one by 0.9–1.15×
 * (tests/bench/lib/identity_login.sh). Failures are logged, not fatal. */
static void hp__lower_priority(void) {
  pid_t tid = (pid_t)syscall(SYS_gettid);
  if (setpriority(PRIO_PROCESS, (id_t)tid, 19) != 0)
    LOG_WARN("hashpool", "setpriority failed errno=%d", errno);
}

static void hp__run(hp_job_t *j) {
  if (j->kind == HP_VERIFY) {
    if (j->stored == NULL) {
      password_dummy_verify(j->pw, j->iterations);
      j->verdict = PASSWORD_MISMATCH;
    } else {
      j->verdict = password_verify(j->stored, j->pw, j->iterations);
      /* A legacy (md5, sha1, crypt) or weaker PBKDF2 hash verifies faster than the dummy
       * hash of an unknown account: spend the difference, so the time of an answer never
       * tells which accounts exist with an old-portal password. */
      char current[48];
      snprintf(current, sizeof(current), "pbkdf2-sha256$%u$", j->iterations);
      if (strncmp(j->stored, current, strlen(current)) != 0)
        password_dummy_verify(j->pw, j->iterations);
    }
  } else {
    arena_t *a = arena_create(0);
    const char *h = password_hash(a, j->pw, j->iterations);
    j->hash = h != NULL ? hp__dup(h) : NULL;
    arena_destroy(a);
  }
}

static void *hp__worker(void *arg) {
  (void)arg;
  hp__lower_priority();
  pthread_mutex_lock(&hp.lock);
  for (;;) {
    while (hp.count == 0 && !hp.stopping)
      pthread_cond_wait(&hp.work, &hp.lock);
    if (hp.count == 0 && hp.stopping)
      break;
    hp_job_t *j = hp.ring[hp.head];
    hp.head = (hp.head + 1) % hp.cap;
    hp.count--;
    if (j->abandoned) {
      hp__unref_locked(j);
      continue;
    }
    j->started = true;
    pthread_mutex_unlock(&hp.lock);
    int64_t t0 = call_now_ms();
    hp__run(j);
    int64_t took = call_now_ms() - t0;
    /* The password is not needed any more, whether or not the caller still waits. */
    explicit_bzero(j->pw, strlen(j->pw));
    pthread_mutex_lock(&hp.lock);
    hp.avg_ms = hp.avg_ms == 0 ? took : (hp.avg_ms * 7 + took) / 8;
    j->done = true;
    pthread_cond_signal(&j->cond);
    hp__unref_locked(j);
  }
  pthread_mutex_unlock(&hp.lock);
  return NULL;
}

bool hashpool_start(int threads, int queue) {
  if (threads < 1)
    threads = 1;
  if (queue < 1)
    queue = 1;
  pthread_mutex_lock(&hp.lock);
  if (hp.running) {
    pthread_mutex_unlock(&hp.lock);
    return true;
  }
  hp.ring = calloc((size_t)queue, sizeof(*hp.ring));
  hp.threads = calloc((size_t)threads, sizeof(*hp.threads));
  if (hp.ring == NULL || hp.threads == NULL)
    abort();
  hp.cap = queue;
  hp.head = hp.count = 0;
  hp.stopping = false;
  hp.nthreads = 0;
  pthread_mutex_unlock(&hp.lock);
  for (int i = 0; i < threads; i++) {
    if (pthread_create(&hp.threads[i], NULL, hp__worker, NULL) != 0) {
      LOG_ERROR("hashpool", "cannot start hashing thread %d", i);
      break;
    }
    hp.nthreads++;
  }
  if (hp.nthreads == 0) {
    free(hp.ring);
    free(hp.threads);
    hp.ring = NULL;
    hp.threads = NULL;
    return false;
  }
  pthread_mutex_lock(&hp.lock);
  hp.running = true;
  pthread_mutex_unlock(&hp.lock);
  LOG_INFO("hashpool", "hashing pool started threads=%d queue=%d", hp.nthreads, queue);
  return true;
}

void hashpool_stop(void) {
  pthread_mutex_lock(&hp.lock);
  if (!hp.running) {
    pthread_mutex_unlock(&hp.lock);
    return;
  }
  hp.stopping = true;
  pthread_cond_broadcast(&hp.work);
  pthread_mutex_unlock(&hp.lock);
  /* Workers finish the queue (callers may still wait for it), then leave. */
  for (int i = 0; i < hp.nthreads; i++)
    pthread_join(hp.threads[i], NULL);
  pthread_mutex_lock(&hp.lock);
  free(hp.ring);
  free(hp.threads);
  hp.ring = NULL;
  hp.threads = NULL;
  hp.nthreads = 0;
  hp.running = false;
  pthread_mutex_unlock(&hp.lock);
}

static void hp__abstime(int64_t deadline_ms, struct timespec *ts) {
  ts->tv_sec = (time_t)(deadline_ms / 1000);
  ts->tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
}

/* Queues the job and waits for it. True when done (the caller keeps its reference until it has
 * read the result and calls hp__release). False with err: the job is not the caller's any more. */
static bool hp__submit_wait(call_t *call, hp_job_t *j, eh_err_t *err) {
  pthread_mutex_lock(&hp.lock);
  if (!hp.running || hp.stopping) {
    pthread_mutex_unlock(&hp.lock);
    /* No pool (command-line tools, tests): hash on this thread. */
    hp__run(j);
    j->done = true;
    return true;
  }
  if (hp.count >= hp.cap) {
    int64_t wait = hp.avg_ms * (hp.count / (hp.nthreads > 0 ? hp.nthreads : 1) + 1);
    pthread_mutex_unlock(&hp.lock);
    if (wait < 1000)
      wait = 1000;
    eh_err_set(err, EH_RESOURCE_EXHAUSTED, NULL, "登录人数较多，请稍后再试",
               "Too many people are logging in; please try again shortly");
    eh_err_detail(err, "hash pool queue full");
    err->retry_after_ms = wait;
    return false;
  }
  j->refs = 2;
  hp.ring[(hp.head + hp.count) % hp.cap] = j;
  hp.count++;
  pthread_cond_signal(&hp.work);
  struct timespec ts;
  bool timed = call->deadline_ms != INT64_MAX;
  if (timed)
    hp__abstime(call->deadline_ms, &ts);
  while (!j->done) {
    int rc = timed ? pthread_cond_timedwait(&j->cond, &hp.lock, &ts)
                   : pthread_cond_wait(&j->cond, &hp.lock);
    if (rc == ETIMEDOUT && !j->done) {
      /* Leave the job to the pool: a queued one is skipped, a running one freed when done. */
      j->abandoned = true;
      hp__unref_locked(j);
      pthread_mutex_unlock(&hp.lock);
      eh_err_set(err, EH_DEADLINE, NULL, "请求超时，请稍后再试", "deadline exceeded; try again");
      eh_err_detail(err, "password hashing did not finish before the deadline");
      return false;
    }
  }
  pthread_mutex_unlock(&hp.lock);
  return true;
}

static hp_job_t *hp__job_new(hp_kind_t kind, const char *pw, const char *stored,
                             unsigned iterations) {
  hp_job_t *j = calloc(1, sizeof(*j));
  if (j == NULL)
    abort();
  j->kind = kind;
  j->pw = hp__dup(pw);
  j->stored = stored != NULL ? hp__dup(stored) : NULL;
  j->iterations = iterations;
  j->refs = 1;
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* deadlines are CLOCK_MONOTONIC */
  pthread_cond_init(&j->cond, &ca);
  pthread_condattr_destroy(&ca);
  return j;
}

/* The caller's last word on a job it kept (done or never queued). */
static void hp__release(hp_job_t *j) {
  pthread_mutex_lock(&hp.lock);
  hp__unref_locked(j);
  pthread_mutex_unlock(&hp.lock);
}

static unsigned hp__iterations(const call_t *call) {
  return call->cfg != NULL ? (unsigned)call->cfg->pbkdf2_iterations : 600000u;
}

bool hashpool_verify(call_t *call, const char *stored, const char *pw,
                     password_verdict_t *verdict, eh_err_t *err) {
  hp_job_t *j = hp__job_new(HP_VERIFY, pw, stored, hp__iterations(call));
  if (!hp__submit_wait(call, j, err)) {
    if (err->code == EH_RESOURCE_EXHAUSTED)
      hp__release(j); /* never queued: ours alone */
    return false;
  }
  *verdict = j->verdict;
  hp__release(j);
  return true;
}

bool hashpool_hash(call_t *call, const char *pw, const char **out, eh_err_t *err) {
  hp_job_t *j = hp__job_new(HP_HASH, pw, NULL, hp__iterations(call));
  if (!hp__submit_wait(call, j, err)) {
    if (err->code == EH_RESOURCE_EXHAUSTED)
      hp__release(j);
    return false;
  }
  bool ok = j->hash != NULL;
  if (ok)
    *out = arena_strdup(call->arena, j->hash);
  hp__release(j);
  if (!ok) {
    eh_err_set(err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
    eh_err_detail(err, "password_hash failed");
  }
  return ok;
}
