/*
 * booking_common.c — what booking.c and booking_admin.c share (forms_internal.h): ids, the
 * replies' messages, check-in codes, and handing freed seats to the waitlist.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/common/crypto.h"
#include "core/common/paging.h"
#include "core/common/pbtime.h"
#include "core/config.h"
#include "core/forms/forms_internal.h"

bool forms__signed_in(call_t *call, eh_err_t *err) {
  return call_signed_in(call, err);
}

bool forms__id(const char *s, const char *field, int64_t *id, eh_err_t *err) {
  return paging_id(s, field, id, err);
}

const char *forms__tz(const call_t *call) {
  return call->cfg->booking_timezone;
}

int64_t forms__now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void forms__rules_from(const store_booking_rules_t *s, booking_rules_t *r) {
  r->book_cutoff_minutes = s->book_cutoff_minutes;
  r->cancel_cutoff_minutes = s->cancel_cutoff_minutes;
  r->max_active = s->max_active;
  r->max_per_week = s->max_per_week;
  r->open_days_ahead = s->open_days_ahead;
  r->waitlist = s->waitlist;
  r->hold_minutes = s->hold_minutes;
}

Ehall__Forms__V1__BookingRules *forms__rules_pb(arena_t *a, const booking_rules_t *r) {
  Ehall__Forms__V1__BookingRules *m = arena_alloc(a, sizeof *m);
  ehall__forms__v1__booking_rules__init(m);
  m->book_cutoff_minutes = r->book_cutoff_minutes;
  m->cancel_cutoff_minutes = r->cancel_cutoff_minutes;
  m->max_active = r->max_active;
  m->max_per_week = r->max_per_week;
  m->open_days_ahead = r->open_days_ahead;
  m->waitlist = r->waitlist;
  m->hold_minutes = r->hold_minutes;
  return m;
}

static char *id_s(arena_t *a, int64_t id) {
  return id > 0 ? arena_printf(a, "%" PRId64, id) : (char *)"";
}

Ehall__Forms__V1__Slot *forms__slot_pb(arena_t *a, const store_booking_slot_t *s,
                                       const booking_rules_t *r, int64_t now_us) {
  Ehall__Forms__V1__Slot *m = arena_alloc(a, sizeof *m);
  ehall__forms__v1__slot__init(m);
  m->id = id_s(a, s->id);
  m->service_code = (char *)s->service_code;
  m->starts_at = pbtime_from_us(a, s->starts_us);
  m->ends_at = pbtime_from_us(a, s->ends_us);
  m->day = (char *)s->day;
  m->time = (char *)s->time;
  m->location = (char *)s->location;
  m->capacity = s->capacity;
  m->booked = s->booked;
  m->remaining = s->capacity > s->booked ? s->capacity - s->booked : 0;
  m->state = (Ehall__Forms__V1__SlotState)s->state;
  if (r != NULL) {
    m->bookable = booking_slot_bookable(r, s->state, s->capacity, s->booked, s->starts_us, now_us);
    m->waitlist_open =
        booking_waitlist_open(r, s->state, s->capacity, s->booked, s->starts_us, now_us);
  }
  m->waiting = s->waiting;
  m->my_booking_id = id_s(a, s->my_booking_id);
  m->my_waitlist_id = id_s(a, s->my_waitlist_id);
  return m;
}

Ehall__Forms__V1__BookingInfo *forms__booking_pb(arena_t *a, const store_booking_t *b,
                                                 const booking_rules_t *r, int64_t now_us,
                                                 bool staff) {
  Ehall__Forms__V1__BookingInfo *m = arena_alloc(a, sizeof *m);
  ehall__forms__v1__booking_info__init(m);
  m->id = id_s(a, b->id);
  m->service_code = (char *)b->service_code;
  m->service_name = (char *)b->service_name;
  m->slot = forms__slot_pb(a, &b->slot, r, now_us);
  m->state = (Ehall__Forms__V1__BookingState)b->state;
  m->checkin_code = (char *)b->checkin_code;
  m->created_at = pbtime_from_us(a, b->created_us);
  if (b->ended_us > 0)
    m->ended_at = pbtime_from_us(a, b->ended_us);
  if (b->checked_in_us > 0)
    m->checked_in_at = pbtime_from_us(a, b->checked_in_us);
  m->from_waitlist = b->from_waitlist;
  m->can_cancel = booking_can_cancel(b->state, b->slot.starts_us, b->cancel_cutoff_minutes, now_us);
  m->cancel_until =
      pbtime_from_us(a, booking_cancel_until_us(b->slot.starts_us, b->cancel_cutoff_minutes));
  m->owner_unit_name = (char *)b->owner_name;
  if (staff) {
    m->person_campus_id = (char *)b->campus_id;
    m->person_name = (char *)b->person_name;
  }
  return m;
}

void forms__checkin_code(char out[9]) {
  uint32_t v;
  crypto_random(&v, sizeof v);
  snprintf(out, 9, "%08u", (unsigned)(v % 100000000u));
}

static void facts_from(const store_booking_claim_facts_t *s, booking_facts_t *f) {
  f->slot_found = s->slot_found;
  f->state = s->state;
  f->capacity = s->capacity;
  f->booked = s->booked;
  f->starts_us = s->starts_us;
  f->now_us = s->now_us;
  f->horizon_us = s->horizon_us;
  f->here = s->here;
  f->active = s->active;
  f->week = s->week;
  forms__rules_from(&s->rules, &f->rules);
}

bool forms__claim(arena_t *a, store_pg_conn_t *conn, int64_t slot_id, int64_t service_id,
                  int64_t account_id, int state, bool from_waitlist, const char *tz,
                  store_booking_t *got, int *remaining, booking_facts_t *facts, eh_err_t *err) {
  char code[9];
  forms__checkin_code(code);
  if (!store_booking_claim(a, conn, slot_id, service_id, account_id, state, code, from_waitlist, tz,
                           got, remaining, err))
    return false;
  if (got->id > 0)
    return true;
  store_booking_claim_facts_t sf;
  if (!store_booking_claim_facts(a, conn, slot_id, service_id, account_id, tz, &sf, err))
    return false;
  facts_from(&sf, facts);
  return true;
}

bool forms__promote(arena_t *a, store_pg_conn_t *conn, int64_t slot_id, int64_t service_id,
                    const char *tz, int *promoted, eh_err_t *err) {
  *promoted = 0;
  int64_t *ids, *accounts;
  size_t n;
  if (!store_booking_wait_queue(a, conn, slot_id, FORMS_PROMOTE_TRIES, &ids, &accounts, &n, err))
    return false;
  for (size_t i = 0; i < n; i++) {
    store_booking_t got;
    int remaining = 0;
    booking_facts_t f;
    if (!forms__claim(a, conn, slot_id, service_id, accounts[i], BOOKING_BOOKED, true, tz, &got,
                      &remaining, &f, err))
      return false;
    if (got.id > 0) {
      if (!store_booking_wait_end(a, conn, ids[i], 2, got.id, err))
        return false;
      ++*promoted;
      if (remaining <= 0)
        return true;
      continue;
    }
    booking_refusal_t why = booking_refusal(&f);
    if (why == BOOKING_FULL || why == BOOKING_SLOT_CLOSED || why == BOOKING_TOO_LATE ||
        why == BOOKING_NO_SLOT)
      return true; /* no seat for anyone */
    /* His own limits: he stays waiting, the next one gets the seat. */
  }
  return true;
}

bool forms__claim_now(call_t *call, int64_t slot_id, int64_t service_id, store_booking_t *got,
                      int *remaining, booking_facts_t *facts, eh_err_t *err) {
  store_pg_conn_t *conn = store_pg_acquire(call->arena, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return false;
  for (int attempt = 0;; attempt++) {
    if (forms__claim(call->arena, conn, slot_id, service_id, call->principal.account_id,
                     BOOKING_BOOKED, false, forms__tz(call), got, remaining, facts, err)) {
      store_pg_release(conn);
      return true;
    }
    bool again = store_pg_err_constraint(err, "bookings_live_code") || store_pg_retryable(err);
    if (attempt >= 3 || !again || call_ms_left(call) <= 0)
      return false;
    eh_err_clear(err);
  }
}

bool forms__tx(call_t *call, store_pg_tx_fn fn, void *ud, eh_err_t *err) {
  for (int attempt = 0;; attempt++) {
    if (store_pg_tx(call->arena, call->pg, call->deadline_ms, fn, ud, err))
      return true;
    if (attempt >= 3 || !store_pg_err_constraint(err, "bookings_live_code"))
      return false;
    eh_err_clear(err);
  }
}
