/*
 * health.c — the health state and the thread that keeps it. The thread only pings
 * PostgreSQL (1 s timeout) and flips one atomic; it never blocks a worker.
 */
#include "core/rpc/health.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "core/common/log.h"
#include "core/rpc/methods.h"
#include "core/store/pg.h"
#include "grpc/health/v1/health.pb-c.h"

#define HEALTH_SERVING GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
#define HEALTH_NOT_SERVING GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING
#define HEALTH_UNKNOWN GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN

static struct {
  store_pg_pool_t *pg;
  atomic_bool pg_up;
  atomic_bool shutting_down;
  bool running;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool stop;
} health = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void health__check_once(void) {
  char version[64];
  double ms;
  eh_err_t err = EH_ERR_INIT;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  int64_t deadline = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + 1000;
  bool up = store_pg_ping(health.pg, deadline, version, sizeof(version), &ms, &err);
  bool was = atomic_exchange(&health.pg_up, up);
  if (up != was) {
    if (up)
      LOG_INFO("rpc", "health SERVING: postgresql answers version=%s", version);
    else
      LOG_WARN("rpc", "health NOT_SERVING: postgresql unreachable detail=%s", err.detail);
  }
}

static void *health__main(void *arg) {
  pthread_mutex_lock(&health.mu);
  while (!health.stop) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += 1;
    pthread_cond_timedwait(&health.cv, &health.mu, &ts);
    if (health.stop)
      break;
    pthread_mutex_unlock(&health.mu);
    health__check_once();
    pthread_mutex_lock(&health.mu);
  }
  pthread_mutex_unlock(&health.mu);
  return NULL;
}

void rpc_health_start(struct store_pg_pool *pg) {
  health.pg = pg;
  health.stop = false;
  atomic_store(&health.shutting_down, false);
  /* Assume up so that a first failure is logged as a change. */
  atomic_store(&health.pg_up, true);
  health__check_once();
  /* The cv waits on CLOCK_MONOTONIC so a wall-clock jump cannot stall the checks. */
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_destroy(&health.cv);
  pthread_cond_init(&health.cv, &ca);
  pthread_condattr_destroy(&ca);
  health.running = pthread_create(&health.thread, NULL, health__main, NULL) == 0;
}

void rpc_health_stop(void) {
  if (!health.running)
    return;
  pthread_mutex_lock(&health.mu);
  health.stop = true;
  pthread_cond_signal(&health.cv);
  pthread_mutex_unlock(&health.mu);
  pthread_join(health.thread, NULL);
  health.running = false;
}

void rpc_health_set_shutting_down(void) { atomic_store(&health.shutting_down, true); }

/* "" or a service of the method table ("/pkg.Svc/Method" → "pkg.Svc"). */
static bool health__known(const char *service) {
  if (service == NULL || *service == '\0')
    return true;
  size_t n = strlen(service);
  for (size_t i = 0; i < rpc_methods_count; i++) {
    const char *m = rpc_methods[i].name + 1;
    if (strncmp(m, service, n) == 0 && m[n] == '/')
      return true;
  }
  return false;
}

int rpc_health_status(const char *service) {
  if (!health__known(service))
    return HEALTH_UNKNOWN;
  if (atomic_load(&health.shutting_down) || !atomic_load(&health.pg_up))
    return HEALTH_NOT_SERVING;
  return HEALTH_SERVING;
}

void rpc_health_check(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err) {
  const Grpc__Health__V1__HealthCheckRequest *r = (const Grpc__Health__V1__HealthCheckRequest *)req;
  int st = rpc_health_status(r->service);
  if (st == HEALTH_UNKNOWN) {
    eh_err_set(err, EH_NOT_FOUND, NULL, "未知服务", "unknown service");
    return;
  }
  Grpc__Health__V1__HealthCheckResponse *out = arena_alloc(call->arena, sizeof(*out));
  grpc__health__v1__health_check_response__init(out);
  out->status = (Grpc__Health__V1__HealthCheckResponse__ServingStatus)st;
  *resp = &out->base;
}
