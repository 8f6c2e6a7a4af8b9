/*
 * booking.c — ehall.forms.v1.Booking: a signed-in person lists a service's slots, books,
 * waits, cancels, moves and downloads his bookings.
 *
 * A booking attempt: the catalogue says whether the service is offered to him (in-process);
 * the slot's Redis tickets may answer "sold out" at once; otherwise one statement, alone on
 * its connection, takes the person lock and the seat (booking_claim, booking_store.h), and only
 * a refusal costs a second statement to name its reason. A taken ticket the claim did not use goes
 * back. Cancelling hands the seat to the waitlist in the same transaction. Must never let Redis
 * take a seat.
 */
#include <inttypes.h>
#include <string.h>

#include "core/catalog/catalog.h"
#include "core/common/log.h"
#include "core/common/pbtime.h"
#include "core/forms/forms.h"
#include "core/forms/forms_internal.h"
#include "ehall/catalog/v1/catalog.pb-c.h"
#include "google/api/httpbody.pb-c.h"

#define SLOT_RANGE_DAYS_MAX 92
/* How long the gateway may repeat "this slot is full" to anyone else asking for the same slot
 * without asking again (call_t.shared_refusal_ms): a seat freed meanwhile goes to the waitlist
 * first anyway, and a second later the core answers again. */
#define FULL_REFUSAL_SHARED_MS 1000

static bool bookable_service(call_t *call, const char *code, catalog_service_ref_t *svc,
                             eh_err_t *err) {
  if (!catalog_service_for_caller(call, code, "service_code", svc, err))
    return false;
  if (svc->mode == EHALL__CATALOG__V1__HANDLING_MODE__HANDLING_MODE_BOOKING ||
      svc->mode == EHALL__CATALOG__V1__HANDLING_MODE__HANDLING_MODE_BOTH)
    return true;
  return eh_err_set(err, EH_FAILED_PRECONDITION, "service_code", "该服务无需预约",
                    "this service takes no appointments");
}

/* --- ListSlots -------------------------------------------------------------------------------- */

typedef struct {
  call_t *call;
  int64_t service_id;
  const char *from, *to;
  store_booking_rules_t rules;
  store_booking_slot_t *slots;
  size_t n;
} list_ctx_t;

static bool check_range(const char *from, const char *to, eh_err_t *err) {
  if (!booking_day_valid(from))
    return eh_err_set(err, EH_INVALID, "from_day", "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD");
  if (!booking_day_valid(to))
    return eh_err_set(err, EH_INVALID, "to_day", "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD");
  int days = booking_days_between(from, to);
  if (days < 0)
    return eh_err_set(err, EH_INVALID, "to_day", "结束日期不能早于开始日期",
                      "must not be before from_day");
  if (days > SLOT_RANGE_DAYS_MAX)
    return eh_err_set(err, EH_INVALID, "to_day", "一次最多查询 %d 天", "at most %d days at once",
                      SLOT_RANGE_DAYS_MAX);
  return true;
}

/* Fills the range's defaults (today … today + horizon) and checks it. */
static bool list_range(list_ctx_t *c, arena_t *a, store_pg_conn_t *conn, eh_err_t *err) {
  const char *tz = forms__tz(c->call);
  if (c->from == NULL || c->from[0] == '\0') {
    if (!store_booking_today(a, conn, tz, 0, &c->from, err))
      return false;
  }
  if (c->to == NULL || c->to[0] == '\0') {
    if (!booking_day_valid(c->from))
      return eh_err_set(err, EH_INVALID, "from_day", "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD");
    if (!store_booking_today(a, conn, tz, c->rules.open_days_ahead, &c->to, err))
      return false;
    if (booking_days_between(c->from, c->to) < 0)
      c->to = c->from;
  }
  return check_range(c->from, c->to, err);
}

static bool list_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  list_ctx_t *c = ud;
  int64_t who = c->call->principal.actor == CALL_USER ? c->call->principal.account_id : 0;
  return store_booking_rules_get(a, conn, c->service_id, &c->rules, err) &&
         list_range(c, a, conn, err) &&
         store_booking_slots(a, conn, c->service_id, who, c->from, c->to, forms__tz(c->call),
                             &c->slots, &c->n, err);
}

static Ehall__Forms__V1__ListSlotsReply *slots_reply(arena_t *a, const char *code, const char *name,
                                                     list_ctx_t *c) {
  booking_rules_t r;
  forms__rules_from(&c->rules, &r);
  int64_t now = forms__now_us();
  Ehall__Forms__V1__ListSlotsReply *out = arena_alloc(a, sizeof *out);
  ehall__forms__v1__list_slots_reply__init(out);
  out->service_code = (char *)code;
  out->service_name = (char *)name;
  out->rules = forms__rules_pb(a, &r);
  out->n_slots = c->n;
  out->slots = arena_alloc(a, (c->n ? c->n : 1) * sizeof *out->slots);
  for (size_t i = 0; i < c->n; i++)
    out->slots[i] = forms__slot_pb(a, &c->slots[i], &r, now);
  return out;
}

void forms_list_slots(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err) {
  const Ehall__Forms__V1__ListSlotsRequest *in = (const Ehall__Forms__V1__ListSlotsRequest *)req;
  catalog_service_ref_t svc;
  if (!bookable_service(call, in->service_code, &svc, err))
    return;
  list_ctx_t c = {.call = call, .service_id = svc.id, .from = in->from_day, .to = in->to_day};
  if (!store_pg_tx(call->arena, call->pg, call->deadline_ms, list_tx, &c, err))
    return;
  *resp = &slots_reply(call->arena, svc.code, svc.name, &c)->base;
}

/* --- BookSlot --------------------------------------------------------------------------------- */

typedef struct {
  call_t *call;
  int64_t slot_id, service_id, old_booking_id;
  int64_t id;
  int remaining;
  booking_facts_t facts;
  store_booking_t booking, moved;
  int promoted;
} book_ctx_t;

static void booking_reply(call_t *call, int64_t id, ProtobufCMessage **resp, eh_err_t *err) {
  arena_t *a = call->arena;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_booking_t b;
  bool found = false;
  store_booking_rules_t sr;
  if (!store_booking_get(a, conn, id, call->principal.account_id, false, forms__tz(call), &b,
                         &found, err))
    return;
  if (!found) {
    eh_err_set(err, EH_NOT_FOUND, "id", "没有找到该预约", "no such booking");
    return;
  }
  if (!store_booking_rules_get(a, conn, b.service_id, &sr, err))
    return;
  store_pg_release(conn);
  booking_rules_t r;
  forms__rules_from(&sr, &r);
  *resp = &forms__booking_pb(a, &b, &r, forms__now_us(), false)->base;
}

/* What BookSlot's quick part (on a worker) leaves for its claim (on the claim lane). */
typedef struct {
  catalog_service_ref_t svc;
  int64_t slot_id;
  int ticket; /* 1 taken, -1 Redis did not know (PostgreSQL decides either way) */
} book_claim_t;

/* The claim: PostgreSQL decides the seat (waiting on the slot's row lock in a rush), then the
 * Redis tickets follow what it said. */
static void book_slot_claim(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err) {
  (void)req;
  arena_t *a = call->arena;
  const book_claim_t *k = call->then_ud;
  book_ctx_t c = {.call = call, .slot_id = k->slot_id, .service_id = k->svc.id};
  if (call_ms_left(call) <= 0) {
    /* Its turn came after the caller stopped waiting: no seat for someone who is gone. */
    if (k->ticket == 1)
      store_booking_ticket_return(a, call->redis, c.service_id, c.slot_id);
    eh_err_set(err, EH_DEADLINE, NULL, "请求超时，请重试", "the request timed out; try again");
    return;
  }
  if (!forms__claim_now(call, c.slot_id, c.service_id, &c.booking, &c.remaining, &c.facts, err)) {
    if (k->ticket == 1)
      store_booking_ticket_return(a, call->redis, c.service_id, c.slot_id);
    return;
  }
  if (c.booking.id == 0) {
    booking_refusal_t why = booking_refusal(&c.facts);
    if (why == BOOKING_FULL)
      store_booking_ticket_seed(a, call->redis, c.service_id, c.slot_id, 0, true);
    else if (k->ticket == 1)
      store_booking_ticket_return(a, call->redis, c.service_id, c.slot_id);
    booking_refusal_err(why, &c.facts.rules, err);
    if (why == BOOKING_FULL)
      call->shared_refusal_ms = FULL_REFUSAL_SHARED_MS;
    return;
  }
  if (k->ticket != 1)
    store_booking_ticket_seed(a, call->redis, c.service_id, c.slot_id, c.remaining, false);
  c.booking.service_code = c.booking.slot.service_code = k->svc.code;
  c.booking.service_name = k->svc.name;
  c.booking.owner_name = k->svc.owner_name;
  c.booking.owner_code = k->svc.owner_code;
  *resp = &forms__booking_pb(a, &c.booking, NULL, forms__now_us(), false)->base;
}

/* No count in Redis (the slot's first attempt, or the count expired): seeds it from the seats
 * PostgreSQL has committed and takes a ticket of it, so a rush's first attempts do not all go
 * to wait on the slot's row lock (every one of them beyond the seats would be refused only
 * there, after the queue). -1 when the slot is not open or either server did not answer: the
 * claim decides and names the reason. */
static int ticket_seeded(call_t *call, const book_claim_t *k) {
  arena_t *a = call->arena;
  eh_err_t err = EH_ERR_INIT;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, &err);
  if (conn == NULL)
    return -1;
  int left = 0;
  bool open = false;
  bool ok = store_booking_seats_left(a, conn, k->slot_id, k->svc.id, &left, &open, &err);
  store_pg_release(conn);
  if (!ok || !open)
    return -1;
  store_booking_ticket_seed(a, call->redis, k->svc.id, k->slot_id, left, false);
  return store_booking_ticket_take(a, call->redis, k->svc.id, k->slot_id, &err);
}

/* The quick part, on a worker: who, which service, which slot, and a ticket from Redis (seeded
 * from PostgreSQL when Redis has no count). No ticket left: "full" at once (shared with
 * everyone asking for this slot for a second). A ticket (or no word from Redis): the claim goes
 * on on the claim lane (call_t.then). */
void forms_book_slot(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  (void)resp;
  const Ehall__Forms__V1__BookSlotRequest *in = (const Ehall__Forms__V1__BookSlotRequest *)req;
  arena_t *a = call->arena;
  book_claim_t *k = arena_zalloc(a, sizeof *k);
  if (!forms__signed_in(call, err) || !bookable_service(call, in->service_code, &k->svc, err) ||
      !forms__id(in->slot_id, "slot_id", &k->slot_id, err))
    return;
  booking_rules_t none = {.waitlist = true};
  eh_err_t rerr = EH_ERR_INIT;
  k->ticket = store_booking_ticket_take(a, call->redis, k->svc.id, k->slot_id, &rerr);
  if (k->ticket == -1 && eh_ok(&rerr))
    k->ticket = ticket_seeded(call, k);
  if (k->ticket == 0) {
    booking_refusal_err(BOOKING_FULL, &none, err);
    call->shared_refusal_ms = FULL_REFUSAL_SHARED_MS;
    return;
  }
  call->then = book_slot_claim;
  call->then_ud = k;
  call->then_key = k->slot_id; /* one slot's claims take turns at its row lock */
}

/* --- the waitlist ----------------------------------------------------------------------------- */

typedef struct {
  call_t *call;
  int64_t slot_id, service_id, id;
  booking_facts_t facts;
  bool seat_free;
} wait_ctx_t;

static bool wait_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  wait_ctx_t *c = ud;
  call_t *call = c->call;
  const char *tz = forms__tz(call);
  store_booking_slot_t slot;
  bool found = false;
  store_booking_claim_facts_t sf;
  int64_t who = call->principal.account_id;
  /* The slot's row lock orders this with cancellations (which promote under it). */
  if (!store_booking_slot_get(a, conn, c->slot_id, true, tz, &slot, &found, err) ||
      !store_booking_lock_person(a, conn, c->service_id, who, err) ||
      !store_booking_claim_facts(a, conn, c->slot_id, c->service_id, who, tz, &sf, err))
    return false;
  booking_facts_t *f = &c->facts;
  f->slot_found = sf.slot_found;
  f->state = sf.state;
  f->capacity = sf.capacity;
  f->booked = sf.booked;
  f->starts_us = sf.starts_us;
  f->now_us = sf.now_us;
  f->horizon_us = sf.horizon_us;
  f->here = sf.here;
  f->active = sf.active;
  f->week = sf.week;
  forms__rules_from(&sf.rules, &f->rules);
  booking_refusal_t why = booking_refusal(f);
  if (why == BOOKING_OK) {
    c->seat_free = true;
    return eh_err_set(err, EH_FAILED_PRECONDITION, "slot_id", "该时段还有空位，请直接预约",
                      "this slot has a free seat; book it instead");
  }
  if (why != BOOKING_FULL)
    return booking_refusal_err(why, &f->rules, err);
  if (!f->rules.waitlist)
    return eh_err_set(err, EH_FAILED_PRECONDITION, "slot_id", "该服务不设候补",
                      "this service has no waitlist");
  int waiting = 0;
  if (!store_booking_wait_count(a, conn, who, &waiting, err))
    return false;
  if (waiting >= BOOKING_WAITS_MAX)
    return eh_err_set(err, EH_RESOURCE_EXHAUSTED, "quota", "您最多同时候补 %d 个时段",
                      "you may wait for at most %d slots at once", BOOKING_WAITS_MAX);
  if (!store_booking_wait_insert(a, conn, c->slot_id, who, &c->id, err)) {
    if (err->code == EH_ALREADY_EXISTS) {
      eh_err_clear(err);
      eh_err_set(err, EH_ALREADY_EXISTS, "slot_id", "您已在该时段的候补队列中",
                 "you are on this slot's waitlist already");
    }
    return false;
  }
  return true;
}

static void wait_reply(call_t *call, int64_t id, ProtobufCMessage **resp, eh_err_t *err) {
  arena_t *a = call->arena;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_booking_wait_t w;
  bool found = false;
  if (!store_booking_wait_get(a, conn, id, call->principal.account_id, forms__tz(call), &w, &found,
                              err))
    return;
  if (!found) {
    eh_err_set(err, EH_NOT_FOUND, "id", "没有找到该候补", "no such waitlist entry");
    return;
  }
  Ehall__Forms__V1__WaitlistEntry *m = arena_alloc(a, sizeof *m);
  ehall__forms__v1__waitlist_entry__init(m);
  m->id = arena_printf(a, "%" PRId64, w.id);
  m->slot = forms__slot_pb(a, &w.slot, NULL, 0);
  m->service_name = (char *)w.service_name;
  m->position = w.position;
  m->state = w.state;
  m->booking_id = w.booking_id > 0 ? arena_printf(a, "%" PRId64, w.booking_id) : (char *)"";
  m->created_at = pbtime_from_us(a, w.created_us);
  *resp = &m->base;
}

void forms_join_waitlist(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  const Ehall__Forms__V1__JoinWaitlistRequest *in =
      (const Ehall__Forms__V1__JoinWaitlistRequest *)req;
  catalog_service_ref_t svc;
  wait_ctx_t c = {.call = call};
  if (!forms__signed_in(call, err) || !bookable_service(call, in->service_code, &svc, err) ||
      !forms__id(in->slot_id, "slot_id", &c.slot_id, err))
    return;
  c.service_id = svc.id;
  if (!store_pg_tx(call->arena, call->pg, call->deadline_ms, wait_tx, &c, err))
    return;
  wait_reply(call, c.id, resp, err);
}

typedef struct {
  call_t *call;
  int64_t id;
  bool found;
} leave_ctx_t;

static bool leave_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  leave_ctx_t *c = ud;
  store_booking_wait_t w;
  if (!store_booking_wait_get(a, conn, c->id, c->call->principal.account_id, forms__tz(c->call), &w,
                              &c->found, err))
    return false;
  if (!c->found)
    return eh_err_set(err, EH_NOT_FOUND, "id", "没有找到该候补", "no such waitlist entry");
  return w.state != 1 || store_booking_wait_end(a, conn, c->id, 3, 0, err);
}

void forms_leave_waitlist(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  const Ehall__Forms__V1__LeaveWaitlistRequest *in =
      (const Ehall__Forms__V1__LeaveWaitlistRequest *)req;
  leave_ctx_t c = {.call = call};
  if (!forms__signed_in(call, err) || !forms__id(in->id, "id", &c.id, err) ||
      !store_pg_tx(call->arena, call->pg, call->deadline_ms, leave_tx, &c, err))
    return;
  wait_reply(call, c.id, resp, err);
}

/* --- my bookings ------------------------------------------------------------------------------ */

void forms_list_my_bookings(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err) {
  const Ehall__Forms__V1__ListMyBookingsRequest *in =
      (const Ehall__Forms__V1__ListMyBookingsRequest *)req;
  arena_t *a = call->arena;
  if (!forms__signed_in(call, err))
    return;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_booking_t *b;
  store_booking_wait_t *w;
  size_t nb, nw;
  const char *tz = forms__tz(call);
  int64_t who = call->principal.account_id;
  if (!store_booking_mine(a, conn, who, in->include_past, tz, &b, &nb, err) ||
      !store_booking_waits_mine(a, conn, who, tz, &w, &nw, err))
    return;
  store_pg_release(conn);
  int64_t now = forms__now_us();
  Ehall__Forms__V1__ListMyBookingsReply *out = arena_alloc(a, sizeof *out);
  ehall__forms__v1__list_my_bookings_reply__init(out);
  out->n_bookings = nb;
  out->bookings = arena_alloc(a, (nb ? nb : 1) * sizeof *out->bookings);
  for (size_t i = 0; i < nb; i++)
    out->bookings[i] = forms__booking_pb(a, &b[i], NULL, now, false);
  out->n_waitlist = nw;
  out->waitlist = arena_alloc(a, (nw ? nw : 1) * sizeof *out->waitlist);
  for (size_t i = 0; i < nw; i++) {
    Ehall__Forms__V1__WaitlistEntry *m = arena_alloc(a, sizeof *m);
    ehall__forms__v1__waitlist_entry__init(m);
    m->id = arena_printf(a, "%" PRId64, w[i].id);
    m->slot = forms__slot_pb(a, &w[i].slot, NULL, now);
    m->service_name = (char *)w[i].service_name;
    m->position = w[i].position;
    m->state = w[i].state;
    m->booking_id = (char *)"";
    m->created_at = pbtime_from_us(a, w[i].created_us);
    out->waitlist[i] = m;
  }
  *resp = &out->base;
}

void forms_get_booking(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                       eh_err_t *err) {
  const Ehall__Forms__V1__GetBookingRequest *in = (const Ehall__Forms__V1__GetBookingRequest *)req;
  int64_t id;
  if (forms__signed_in(call, err) && forms__id(in->id, "id", &id, err))
    booking_reply(call, id, resp, err);
}

/* --- cancel and reschedule -------------------------------------------------------------------- */

static bool live_and_movable(const store_booking_t *b, int64_t now_us, eh_err_t *err) {
  if (b->state != BOOKING_HELD && b->state != BOOKING_BOOKED)
    return eh_err_set(err, EH_FAILED_PRECONDITION, "id", "该预约已结束，不能再取消或改约",
                      "this booking has ended; it cannot be cancelled or moved");
  if (!booking_can_cancel(b->state, b->slot.starts_us, b->cancel_cutoff_minutes, now_us))
    return eh_err_set(
        err, EH_FAILED_PRECONDITION, "id", "已过取消截止时间（开始前 %d 分钟），请联系办理部门",
        "too late to cancel or move (%d minutes before the start); contact the office",
        b->cancel_cutoff_minutes);
  return true;
}

static bool cancel_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  book_ctx_t *c = ud;
  call_t *call = c->call;
  const char *tz = forms__tz(call);
  bool found = false;
  if (!store_booking_get(a, conn, c->old_booking_id, call->principal.account_id, true, tz,
                         &c->booking, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_NOT_FOUND, "id", "没有找到该预约", "no such booking");
  if (!live_and_movable(&c->booking, forms__now_us(), err))
    return false;
  if (c->slot_id > 0) { /* reschedule: the new seat first; refused → roll back */
    if (c->slot_id == c->booking.slot.id)
      return eh_err_set(err, EH_INVALID, "slot_id", "新时段与原时段相同", "that is the same slot");
    if (!store_booking_end(a, conn, c->old_booking_id, BOOKING_CANCELLED, err) ||
        !forms__claim(a, conn, c->slot_id, c->booking.service_id, call->principal.account_id,
                      BOOKING_BOOKED, false, tz, &c->moved, &c->remaining, &c->facts, err))
      return false;
    c->id = c->moved.id;
    if (c->id == 0)
      return booking_refusal_err(booking_refusal(&c->facts), &c->facts.rules, err);
  } else if (!store_booking_end(a, conn, c->old_booking_id, BOOKING_CANCELLED, err)) {
    return false;
  }
  return forms__promote(a, conn, c->booking.slot.id, c->booking.service_id, tz, &c->promoted, err);
}

void forms_cancel_booking(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  const Ehall__Forms__V1__CancelBookingRequest *in =
      (const Ehall__Forms__V1__CancelBookingRequest *)req;
  book_ctx_t c = {.call = call};
  if (!forms__signed_in(call, err) || !forms__id(in->id, "id", &c.old_booking_id, err) ||
      !forms__tx(call, cancel_tx, &c, err))
    return;
  store_booking_ticket_forget(call->arena, call->redis, c.booking.service_id, c.booking.slot.id);
  LOG_INFO("forms", "booking cancelled booking=%" PRId64 " promoted=%d", c.old_booking_id,
           c.promoted);
  booking_reply(call, c.old_booking_id, resp, err);
}

void forms_reschedule_booking(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err) {
  const Ehall__Forms__V1__RescheduleBookingRequest *in =
      (const Ehall__Forms__V1__RescheduleBookingRequest *)req;
  book_ctx_t c = {.call = call};
  if (!forms__signed_in(call, err) || !forms__id(in->id, "id", &c.old_booking_id, err) ||
      !forms__id(in->slot_id, "slot_id", &c.slot_id, err) || !forms__tx(call, cancel_tx, &c, err))
    return;
  store_booking_ticket_forget(call->arena, call->redis, c.booking.service_id, c.booking.slot.id);
  store_booking_ticket_forget(call->arena, call->redis, c.booking.service_id, c.slot_id);
  booking_reply(call, c.id, resp, err);
}

/* --- the calendar file ------------------------------------------------------------------------ */

void forms_get_booking_calendar(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                                eh_err_t *err) {
  const Ehall__Forms__V1__GetBookingCalendarRequest *in =
      (const Ehall__Forms__V1__GetBookingCalendarRequest *)req;
  arena_t *a = call->arena;
  int64_t id;
  if (!forms__signed_in(call, err) || !forms__id(in->id, "id", &id, err))
    return;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_booking_t b;
  bool found = false;
  if (!store_booking_get(a, conn, id, call->principal.account_id, false, forms__tz(call), &b,
                         &found, err))
    return;
  store_pg_release(conn);
  if (!found) {
    eh_err_set(err, EH_NOT_FOUND, "id", "没有找到该预约", "no such booking");
    return;
  }
  booking_ics_t e = {
      .booking_id = b.id,
      .host = "ehall",
      .summary = arena_printf(a, "预约：%s", b.service_name),
      .location = b.slot.location,
      .description = arena_printf(a, "%s · 签到码 %s", b.owner_name, b.checkin_code),
      .starts_us = b.slot.starts_us,
      .ends_us = b.slot.ends_us,
      .stamp_us = forms__now_us(),
      .cancelled =
          b.state != BOOKING_HELD && b.state != BOOKING_BOOKED && b.state != BOOKING_CHECKED_IN,
  };
  size_t len = 0;
  char *ics = booking_ics_render(a, &e, &len);
  Google__Api__HttpBody *out = arena_alloc(a, sizeof *out);
  google__api__http_body__init(out);
  out->content_type = (char *)"text/calendar; charset=utf-8";
  out->data.data = (uint8_t *)ics;
  out->data.len = len;
  *resp = &out->base;
}
