/*
 * holds.c — the booking expiry worker: one thread per core that releases seats held for
 * applications whose hold ran out (hold_minutes; the seat goes to the waitlist first and the
 * application's timeline says so) and ends waitlist entries of slots that began or closed.
 * Work is claimed with FOR UPDATE SKIP LOCKED, so several cores share it and a restart loses
 * nothing (the rows are the state). Polls every booking.hold_poll_ms.
 */
#include <inttypes.h>
#include <stdbool.h>

#include "core/common/call.h"
#include "core/common/log.h"
#include "core/common/poller.h"
#include "core/config.h"
#include "core/forms/forms.h"
#include "core/forms/forms_internal.h"
#include "core/store/forms_store.h"

#define HOLDS_BATCH 50
#define HOLDS_DB_TIMEOUT_MS 10000

static struct {
  const core_config_t *cfg;
  store_pg_pool_t *pg;
  store_redis_pool_t *redis;
  poller_t *poller;
  bool db_down;
} holds;

typedef struct {
  const char *tz;
  store_booking_due_t *due;
  size_t n;
  int expired_waits;
} round_t;

static bool round_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  round_t *r = ud;
  if (!store_booking_holds_due(a, conn, HOLDS_BATCH, &r->due, &r->n, err))
    return false;
  for (size_t i = 0; i < r->n; i++) {
    const store_booking_due_t *d = &r->due[i];
    int promoted = 0;
    if (!store_booking_end(a, conn, d->id, BOOKING_RELEASED, err) ||
        (d->application_id > 0 && !store_forms_event(a, conn, d->application_id, "hold_expired", 0,
                                                     "预约保留已到期，时段已释放", err)) ||
        !forms__promote(a, conn, d->slot_id, d->service_id, r->tz, &promoted, err))
      return false;
  }
  return store_booking_waits_expire(a, conn, &r->expired_waits, err);
}

/* One pass; the number of holds released (a full batch: go again at once). */
static size_t holds__round(void *ud) {
  (void)ud;
  bool *db_down = &holds.db_down;
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  round_t r = {.tz = holds.cfg->booking_timezone};
  if (!store_pg_tx(a, holds.pg, call_now_ms() + HOLDS_DB_TIMEOUT_MS, round_tx, &r, &err)) {
    if (!*db_down)
      LOG_WARN("forms", "hold expiry failed status=%s detail=%s", eh_status_name(err.code),
               err.detail);
    *db_down = true;
    arena_destroy(a);
    return 0;
  }
  *db_down = false;
  for (size_t i = 0; i < r.n; i++) {
    store_booking_ticket_forget(a, holds.redis, r.due[i].service_id, r.due[i].slot_id);
    LOG_INFO("forms", "hold expired booking=%" PRId64 " slot=%" PRId64, r.due[i].id,
             r.due[i].slot_id);
  }
  if (r.expired_waits > 0)
    LOG_INFO("forms", "waitlist entries expired n=%d", r.expired_waits);
  size_t n = r.n;
  arena_destroy(a);
  return n;
}

bool forms_start(const core_config_t *cfg, store_pg_pool_t *pg, store_redis_pool_t *redis) {
  holds.cfg = cfg;
  holds.pg = pg;
  holds.redis = redis;
  holds.db_down = false;
  holds.poller =
      poller_start("booking-holds", cfg->booking_hold_poll_ms, HOLDS_BATCH, holds__round, NULL);
  return holds.poller != NULL;
}

void forms_stop(void) {
  poller_stop(holds.poller);
  holds.poller = NULL;
}
