/*
 * timers.c — the SLA worker: one thread per core that claims due approval timers (FOR UPDATE
 * SKIP LOCKED, so replicas share them and a restart loses none: the rows are the state) and
 * acts on each in the same transaction: a reminder before due goes to the outbox; at due the
 * step's on_due is applied (engine.c, appr__due). Polls every approvals.timer_poll_ms. Also
 * where the engine is registered with applications.
 */
#include <inttypes.h>

#include "core/approvals/approvals.h"
#include "core/approvals/approvals_internal.h"
#include "core/common/log.h"
#include "core/common/poller.h"
#include "core/config.h"

#define TIMERS_BATCH 20
#define TIMERS_DB_TIMEOUT_MS 10000

static struct {
  const core_config_t *cfg;
  store_pg_pool_t *pg;
  poller_t *poller;
  bool db_down;
} timers;

typedef struct {
  size_t n;
} round_t;

static bool fire(arena_t *a, store_pg_conn_t *conn, const store_appr_timer_t *t, eh_err_t *err) {
  appr_run_t r;
  store_appr_step_t s;
  bool found = false;
  if (!appr__load(&r, a, conn, timers.cfg->booking_timezone, t->app_id, &found, err))
    return false;
  if (!found || r.app.state != APP_IN_REVIEW)
    return true;
  if (!store_appr_step_get(a, conn, t->step_id, &s, &found, err))
    return false;
  if (!found || s.state != STEP_ACTIVE)
    return true;
  if (t->kind == 1)
    return appr__outbox(&r, "approvals.sla.remind",
                        arena_printf(a, "\"stepId\":\"%" PRId64 "\"", s.id), err);
  return appr__due(&r, &s, err);
}

static bool round_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  round_t *r = ud;
  store_appr_timer_t *t;
  if (!store_appr_timers_due(a, conn, TIMERS_BATCH, &t, &r->n, err))
    return false;
  for (size_t i = 0; i < r->n; i++)
    if (!fire(a, conn, &t[i], err))
      return false;
  return true;
}

static size_t timers_round(void *ud) {
  (void)ud;
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  round_t r = {0};
  if (!store_pg_tx(a, timers.pg, call_now_ms() + TIMERS_DB_TIMEOUT_MS, round_tx, &r, &err)) {
    if (!timers.db_down)
      LOG_WARN("approvals", "timers failed status=%s detail=%s", eh_status_name(err.code),
               err.detail);
    timers.db_down = true;
    arena_destroy(a);
    return 0;
  }
  timers.db_down = false;
  if (r.n > 0)
    LOG_INFO("approvals", "timers fired n=%zu", r.n);
  arena_destroy(a);
  return r.n;
}

bool approvals_start(const core_config_t *cfg, store_pg_pool_t *pg) {
  approvals__register();
  timers.cfg = cfg;
  timers.pg = pg;
  timers.db_down = false;
  timers.poller = poller_start("approval-timers", cfg->approvals_timer_poll_ms, TIMERS_BATCH,
                               timers_round, NULL);
  return timers.poller != NULL;
}

void approvals_stop(void) {
  poller_stop(timers.poller);
  timers.poller = NULL;
}
