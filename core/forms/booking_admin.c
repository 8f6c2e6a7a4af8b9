/*
 * booking_admin.c — ehall.forms.v1.BookingAdmin: the owning department runs a service's slots
 * (rules, weekly templates, closed days, generation, single slots, resizing and closing), sees
 * a day's bookings and checks people in; hall admins keep the holiday calendar.
 *
 * Access (forms.h): catalog_service_for_admin decides for every service-scoped call before its
 * transaction; a slot is reached through its service; a check-in code through its booking's
 * service. Every change is audited in its transaction.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/catalog/catalog.h"
#include "core/common/log.h"
#include "core/common/pbtime.h"
#include "core/common/text.h"
#include "core/forms/forms.h"
#include "core/forms/forms_internal.h"
#include "core/identity/audit.h"
#include "core/org/org.h"

static const char *target(arena_t *a, const char *code) {
  return arena_printf(a, "service:%s", code);
}

/* --- settings --------------------------------------------------------------------------------- */

typedef struct {
  call_t *call;
  catalog_service_ref_t svc;
  const Ehall__Forms__V1__UpdateBookingSettingsRequest *in; /* NULL: read only */
  store_booking_rules_t rules;
  store_booking_template_t *tpl;
  size_t n_tpl;
  store_booking_closed_day_t *days;
  size_t n_days;
} settings_ctx_t;

static bool settings_read(arena_t *a, store_pg_conn_t *conn, settings_ctx_t *c, eh_err_t *err) {
  return store_booking_rules_get(a, conn, c->svc.id, &c->rules, err) &&
         store_booking_templates(a, conn, c->svc.id, &c->tpl, &c->n_tpl, err) &&
         store_booking_closed_days(a, conn, c->svc.id, forms__tz(c->call), &c->days, &c->n_days,
                                   err);
}

static bool settings_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  settings_ctx_t *c = ud;
  if (c->in != NULL) {
    if (!store_booking_settings_put(a, conn, c->svc.id, c->call->principal.account_id, &c->rules,
                                    c->tpl, c->n_tpl, c->days, c->n_days, forms__tz(c->call),
                                    err) ||
        !audit_append_tx(c->call, a, conn, AUDIT_BOOKING_SETTINGS, target(a, c->svc.code), NULL,
                         err))
      return false;
  }
  return settings_read(a, conn, c, err);
}

static Ehall__Forms__V1__BookingSettings *settings_pb(arena_t *a, settings_ctx_t *c) {
  booking_rules_t r;
  forms__rules_from(&c->rules, &r);
  Ehall__Forms__V1__BookingSettings *m = arena_alloc(a, sizeof *m);
  ehall__forms__v1__booking_settings__init(m);
  m->service_code = (char *)c->svc.code;
  m->service_name = (char *)c->svc.name;
  m->rules = forms__rules_pb(a, &r);
  m->n_templates = c->n_tpl;
  m->templates = arena_alloc(a, (c->n_tpl ? c->n_tpl : 1) * sizeof *m->templates);
  for (size_t i = 0; i < c->n_tpl; i++) {
    Ehall__Forms__V1__BookingTemplate *t = arena_alloc(a, sizeof *t);
    ehall__forms__v1__booking_template__init(t);
    t->weekday = c->tpl[i].weekday;
    t->start_time = (char *)c->tpl[i].start;
    t->end_time = (char *)c->tpl[i].end;
    t->location = (char *)c->tpl[i].location;
    t->capacity = c->tpl[i].capacity;
    m->templates[i] = t;
  }
  m->n_closed_days = c->n_days;
  m->closed_days = arena_alloc(a, (c->n_days ? c->n_days : 1) * sizeof *m->closed_days);
  for (size_t i = 0; i < c->n_days; i++) {
    Ehall__Forms__V1__ClosedDay *d = arena_alloc(a, sizeof *d);
    ehall__forms__v1__closed_day__init(d);
    d->day = (char *)c->days[i].day;
    d->reason = (char *)c->days[i].reason;
    m->closed_days[i] = d;
  }
  if (c->rules.updated_us > 0)
    m->updated_at = pbtime_from_us(a, c->rules.updated_us);
  return m;
}

void forms_get_booking_settings(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                                eh_err_t *err) {
  const Ehall__Forms__V1__GetBookingSettingsRequest *in =
      (const Ehall__Forms__V1__GetBookingSettingsRequest *)req;
  settings_ctx_t c = {.call = call};
  if (!catalog_service_for_admin(call, in->service_code, &c.svc, err) ||
      !store_pg_tx(call->arena, call->pg, call->deadline_ms, settings_tx, &c, err))
    return;
  *resp = &settings_pb(call->arena, &c)->base;
}

/* Checks the request and copies it into c; every problem named at its field. */
static bool settings_take(arena_t *a, settings_ctx_t *c, eh_err_t *err) {
  const Ehall__Forms__V1__UpdateBookingSettingsRequest *in = c->in;
  if (in->rules == NULL)
    return eh_err_set(err, EH_INVALID, "rules", "请填写预约规则", "rules are required");
  booking_rules_t r = {
      .book_cutoff_minutes = in->rules->book_cutoff_minutes,
      .cancel_cutoff_minutes = in->rules->cancel_cutoff_minutes,
      .max_active = in->rules->max_active,
      .max_per_week = in->rules->max_per_week,
      .open_days_ahead = in->rules->open_days_ahead,
      .waitlist = in->rules->waitlist,
      .hold_minutes = in->rules->hold_minutes,
  };
  bool ok = booking_rules_check(&r, "rules", err);
  c->rules = (store_booking_rules_t){r.book_cutoff_minutes, r.cancel_cutoff_minutes,
                                     r.max_active,          r.max_per_week,
                                     r.open_days_ahead,     r.waitlist,
                                     r.hold_minutes,        0};
  if (in->n_templates > BOOKING_TEMPLATES_MAX)
    return eh_err_set(err, EH_INVALID, "templates", "每周模板最多 %d 条", "at most %d templates",
                      BOOKING_TEMPLATES_MAX);
  if (in->n_closed_days > BOOKING_CLOSED_DAYS_MAX)
    return eh_err_set(err, EH_INVALID, "closed_days", "停办日期最多 %d 个",
                      "at most %d closed days", BOOKING_CLOSED_DAYS_MAX);
  c->n_tpl = in->n_templates;
  c->tpl = arena_alloc(a, (c->n_tpl ? c->n_tpl : 1) * sizeof *c->tpl);
  for (size_t i = 0; i < in->n_templates; i++) {
    const Ehall__Forms__V1__BookingTemplate *t = in->templates[i];
    const char *prefix = arena_printf(a, "templates[%zu]", i);
    ok &= booking_times_check(t->start_time, t->end_time, t->location, t->capacity, prefix, err);
    if (t->weekday < 1 || t->weekday > 7)
      ok = eh_err_set(err, EH_INVALID, arena_printf(a, "%s.weekday", prefix),
                      "星期应为 1（周一）到 7（周日）", "use 1 (Monday) to 7 (Sunday)");
    c->tpl[i] = (store_booking_template_t){t->weekday, t->start_time, t->end_time, t->location,
                                           t->capacity};
  }
  c->n_days = in->n_closed_days;
  c->days = arena_alloc(a, (c->n_days ? c->n_days : 1) * sizeof *c->days);
  for (size_t i = 0; i < in->n_closed_days; i++) {
    const Ehall__Forms__V1__ClosedDay *d = in->closed_days[i];
    if (!booking_day_valid(d->day))
      ok = eh_err_set(err, EH_INVALID, arena_printf(a, "closed_days[%zu].day", i),
                      "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD");
    if (!text_utf8_valid(d->reason, strlen(d->reason)) ||
        text_utf8_length(d->reason, strlen(d->reason)) > BOOKING_CLOSED_REASON_MAX)
      ok = eh_err_set(err, EH_INVALID, arena_printf(a, "closed_days[%zu].reason", i),
                      "原因最多 %d 个字", "at most %d characters", BOOKING_CLOSED_REASON_MAX);
    c->days[i] = (store_booking_closed_day_t){d->day, d->reason};
  }
  return ok;
}

void forms_update_booking_settings(call_t *call, const ProtobufCMessage *req,
                                   ProtobufCMessage **resp, eh_err_t *err) {
  settings_ctx_t c = {.call = call,
                      .in = (const Ehall__Forms__V1__UpdateBookingSettingsRequest *)req};
  if (!catalog_service_for_admin(call, c.in->service_code, &c.svc, err) ||
      !settings_take(call->arena, &c, err) ||
      !store_pg_tx(call->arena, call->pg, call->deadline_ms, settings_tx, &c, err))
    return;
  *resp = &settings_pb(call->arena, &c)->base;
}

/* --- slots ------------------------------------------------------------------------------------ */

typedef struct {
  call_t *call;
  catalog_service_ref_t svc;
  const char *from, *to;
  int created, existing;
  const char **skipped;
  size_t n_skipped;
} generate_ctx_t;

static bool generate_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  generate_ctx_t *c = ud;
  return store_booking_generate(a, conn, c->svc.id, c->call->principal.account_id, c->from, c->to,
                                forms__tz(c->call), &c->created, &c->existing, &c->skipped,
                                &c->n_skipped, err) &&
         audit_append_tx(c->call, a, conn, AUDIT_BOOKING_GENERATE, target(a, c->svc.code),
                         arena_printf(a, "{\"from\":\"%s\",\"to\":\"%s\",\"created\":%d}", c->from,
                                      c->to, c->created),
                         err);
}

void forms_generate_slots(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  const Ehall__Forms__V1__GenerateSlotsRequest *in =
      (const Ehall__Forms__V1__GenerateSlotsRequest *)req;
  arena_t *a = call->arena;
  generate_ctx_t c = {.call = call, .from = in->from_day, .to = in->to_day};
  if (!catalog_service_for_admin(call, in->service_code, &c.svc, err))
    return;
  bool ok = true;
  if (!booking_day_valid(c.from))
    ok = eh_err_set(err, EH_INVALID, "from_day", "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD");
  if (!booking_day_valid(c.to))
    ok = eh_err_set(err, EH_INVALID, "to_day", "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD");
  if (ok && booking_days_between(c.from, c.to) < 0)
    ok = eh_err_set(err, EH_INVALID, "to_day", "结束日期不能早于开始日期",
                    "must not be before from_day");
  if (ok && booking_days_between(c.from, c.to) >= BOOKING_GENERATE_DAYS_MAX)
    ok = eh_err_set(err, EH_INVALID, "to_day", "一次最多生成 %d 天", "at most %d days at once",
                    BOOKING_GENERATE_DAYS_MAX);
  if (!ok || !store_pg_tx(a, call->pg, call->deadline_ms, generate_tx, &c, err))
    return;
  Ehall__Forms__V1__GenerateSlotsReply *out = arena_alloc(a, sizeof *out);
  ehall__forms__v1__generate_slots_reply__init(out);
  out->created = c.created;
  out->existing = c.existing;
  out->n_skipped_days = c.n_skipped;
  out->skipped_days = (char **)c.skipped;
  *resp = &out->base;
}

typedef struct {
  call_t *call;
  catalog_service_ref_t svc;
  const Ehall__Forms__V1__CreateSlotRequest *in;
  int64_t slot_id;
  store_booking_slot_t slot;
  store_booking_rules_t rules;
  /* UpdateSlot */
  const Ehall__Forms__V1__UpdateSlotRequest *up;
  int promoted;
} slot_ctx_t;

static bool slot_read_tx(arena_t *a, store_pg_conn_t *conn, slot_ctx_t *c, eh_err_t *err) {
  bool found = false;
  return store_booking_slot_get(a, conn, c->slot_id, false, forms__tz(c->call), &c->slot, &found,
                                err) &&
         store_booking_rules_get(a, conn, c->svc.id, &c->rules, err);
}

static bool create_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  slot_ctx_t *c = ud;
  const Ehall__Forms__V1__CreateSlotRequest *in = c->in;
  if (!store_booking_slot_insert(a, conn, c->svc.id, c->call->principal.account_id, in->day,
                                 in->start_time, in->end_time, in->location, in->capacity,
                                 forms__tz(c->call), &c->slot_id, err)) {
    if (err->code == EH_ALREADY_EXISTS) {
      eh_err_clear(err);
      eh_err_set(err, EH_ALREADY_EXISTS, "start_time", "该时间和地点已有时段",
                 "a slot at this time and place exists already");
    }
    return false;
  }
  return audit_append_tx(c->call, a, conn, AUDIT_BOOKING_SLOT_CREATE, target(a, c->svc.code),
                         arena_printf(a, "{\"slot\":%" PRId64 "}", c->slot_id), err) &&
         slot_read_tx(a, conn, c, err);
}

static Ehall__Forms__V1__Slot *slot_pb(arena_t *a, slot_ctx_t *c) {
  booking_rules_t r;
  forms__rules_from(&c->rules, &r);
  return forms__slot_pb(a, &c->slot, &r, forms__now_us());
}

void forms_create_slot(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                       eh_err_t *err) {
  slot_ctx_t c = {.call = call, .in = (const Ehall__Forms__V1__CreateSlotRequest *)req};
  if (!catalog_service_for_admin(call, c.in->service_code, &c.svc, err))
    return;
  bool ok = booking_times_check(c.in->start_time, c.in->end_time, c.in->location, c.in->capacity,
                                "", err);
  if (!booking_day_valid(c.in->day))
    ok = eh_err_set(err, EH_INVALID, "day", "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD");
  if (!ok || !store_pg_tx(call->arena, call->pg, call->deadline_ms, create_tx, &c, err))
    return;
  *resp = &slot_pb(call->arena, &c)->base;
}

static bool update_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  slot_ctx_t *c = ud;
  const Ehall__Forms__V1__UpdateSlotRequest *up = c->up;
  const char *tz = forms__tz(c->call);
  bool found = false;
  if (!store_booking_slot_get(a, conn, c->slot_id, true, tz, &c->slot, &found, err))
    return false;
  int capacity = up->resize ? up->capacity : -1;
  if (up->resize && up->capacity < c->slot.booked)
    return eh_err_set(err, EH_FAILED_PRECONDITION, "capacity", "名额不能少于已预约人数 %d",
                      "the capacity cannot be below the %d seats booked", c->slot.booked);
  int state = (int)up->state;
  if (!store_booking_slot_update(a, conn, c->slot_id, capacity, state, err) ||
      !audit_append_tx(c->call, a, conn, AUDIT_BOOKING_SLOT_UPDATE, target(a, c->svc.code),
                       arena_printf(a, "{\"slot\":%" PRId64 ",\"capacity\":%d,\"state\":%d}",
                                    c->slot_id, capacity, state),
                       err))
    return false;
  /* More seats, or open again: the waitlist first. */
  if (!forms__promote(a, conn, c->slot_id, c->svc.id, tz, &c->promoted, err))
    return false;
  return slot_read_tx(a, conn, c, err);
}

/* The slot's service, for its admins only (someone else: NOT_FOUND, as a missing slot). */
static bool slot_service(call_t *call, int64_t slot_id, catalog_service_ref_t *svc, eh_err_t *err) {
  arena_t *a = call->arena;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return false;
  store_booking_slot_t s;
  bool found = false;
  if (!store_booking_slot_get(a, conn, slot_id, false, forms__tz(call), &s, &found, err))
    return false;
  store_pg_release(conn);
  eh_err_t e = EH_ERR_INIT;
  if (found && catalog_service_for_admin(call, s.service_code, svc, &e))
    return true;
  if (e.code == EH_UNAVAILABLE || e.code == EH_DEADLINE || e.code == EH_INTERNAL) {
    *err = e;
    return false;
  }
  return eh_err_set(err, EH_NOT_FOUND, "slot_id", "没有这个时段，或您无权管理它",
                    "no such slot, or you may not manage it");
}

void forms_update_slot(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                       eh_err_t *err) {
  slot_ctx_t c = {.call = call, .up = (const Ehall__Forms__V1__UpdateSlotRequest *)req};
  if (!forms__signed_in(call, err) || !forms__id(c.up->slot_id, "slot_id", &c.slot_id, err) ||
      !slot_service(call, c.slot_id, &c.svc, err))
    return;
  if (c.up->resize && (c.up->capacity < 0 || c.up->capacity > BOOKING_CAPACITY_MAX)) {
    eh_err_set(err, EH_INVALID, "capacity", "名额应在 0 到 %d 之间", "must be between 0 and %d",
               BOOKING_CAPACITY_MAX);
    return;
  }
  if ((int)c.up->state != 0 && (int)c.up->state != SLOT_OPEN && (int)c.up->state != SLOT_CLOSED) {
    eh_err_set(err, EH_INVALID, "state", "状态无效", "unknown state");
    return;
  }
  if (!store_pg_tx(call->arena, call->pg, call->deadline_ms, update_tx, &c, err))
    return;
  store_booking_ticket_forget(call->arena, call->redis, c.svc.id, c.slot_id);
  *resp = &slot_pb(call->arena, &c)->base;
}

typedef struct {
  call_t *call;
  int64_t service_id;
  const char *from, *to;
  store_booking_rules_t rules;
  store_booking_slot_t *slots;
  size_t n;
} admin_list_ctx_t;

static bool admin_list_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  admin_list_ctx_t *c = ud;
  const char *tz = forms__tz(c->call);
  if (!store_booking_rules_get(a, conn, c->service_id, &c->rules, err))
    return false;
  if ((c->from == NULL || !c->from[0]) && !store_booking_today(a, conn, tz, 0, &c->from, err))
    return false;
  if ((c->to == NULL || !c->to[0]) &&
      !store_booking_today(a, conn, tz, c->rules.open_days_ahead, &c->to, err))
    return false;
  if (!booking_day_valid(c->from))
    return eh_err_set(err, EH_INVALID, "from_day", "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD");
  if (!booking_day_valid(c->to) || booking_days_between(c->from, c->to) < 0 ||
      booking_days_between(c->from, c->to) > BOOKING_GENERATE_DAYS_MAX)
    return eh_err_set(err, EH_INVALID, "to_day", "日期范围无效（最多 %d 天）",
                      "invalid range (at most %d days)", BOOKING_GENERATE_DAYS_MAX);
  return store_booking_slots(a, conn, c->service_id, 0, c->from, c->to, tz, &c->slots, &c->n, err);
}

void forms_list_service_slots(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err) {
  const Ehall__Forms__V1__ListServiceSlotsRequest *in =
      (const Ehall__Forms__V1__ListServiceSlotsRequest *)req;
  arena_t *a = call->arena;
  catalog_service_ref_t svc;
  if (!catalog_service_for_admin(call, in->service_code, &svc, err))
    return;
  admin_list_ctx_t c = {.call = call, .service_id = svc.id, .from = in->from_day, .to = in->to_day};
  if (!store_pg_tx(a, call->pg, call->deadline_ms, admin_list_tx, &c, err))
    return;
  booking_rules_t r;
  forms__rules_from(&c.rules, &r);
  int64_t now = forms__now_us();
  Ehall__Forms__V1__ListSlotsReply *out = arena_alloc(a, sizeof *out);
  ehall__forms__v1__list_slots_reply__init(out);
  out->service_code = (char *)svc.code;
  out->service_name = (char *)svc.name;
  out->rules = forms__rules_pb(a, &r);
  out->n_slots = c.n;
  out->slots = arena_alloc(a, (c.n ? c.n : 1) * sizeof *out->slots);
  for (size_t i = 0; i < c.n; i++)
    out->slots[i] = forms__slot_pb(a, &c.slots[i], &r, now);
  *resp = &out->base;
}

/* --- a day's bookings and check-in ------------------------------------------------------------ */

static bool runs_services(call_t *call, eh_err_t *err) {
  if (call->principal.actor == CALL_USER &&
      (call_has_role(call, CALL_ROLE_HALL_ADMIN) || call_has_role(call, CALL_ROLE_DEPT_ADMIN)))
    return true;
  return org_denied(err, "只有办理部门的管理员可以查看预约和签到",
                    "only the admins of the office that runs a service see its bookings");
}

void forms_list_day_bookings(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err) {
  const Ehall__Forms__V1__ListDayBookingsRequest *in =
      (const Ehall__Forms__V1__ListDayBookingsRequest *)req;
  arena_t *a = call->arena;
  if (!runs_services(call, err))
    return;
  catalog_service_ref_t svc = {0};
  if (in->service_code != NULL && in->service_code[0] != '\0' &&
      !catalog_service_for_admin(call, in->service_code, &svc, err))
    return;
  if (in->day != NULL && in->day[0] != '\0' && !booking_day_valid(in->day)) {
    eh_err_set(err, EH_INVALID, "day", "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD");
    return;
  }
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  const char *tz = forms__tz(call), *day = in->day;
  if ((day == NULL || day[0] == '\0') && !store_booking_today(a, conn, tz, 0, &day, err))
    return;
  store_booking_t *b;
  size_t n;
  if (!store_booking_day(a, conn, day, call->principal.account_id,
                         call_has_role(call, CALL_ROLE_HALL_ADMIN), svc.id, tz, &b, &n, err))
    return;
  store_pg_release(conn);
  int64_t now = forms__now_us();
  Ehall__Forms__V1__ListDayBookingsReply *out = arena_alloc(a, sizeof *out);
  ehall__forms__v1__list_day_bookings_reply__init(out);
  out->day = (char *)day;
  out->n_bookings = n;
  out->bookings = arena_alloc(a, (n ? n : 1) * sizeof *out->bookings);
  for (size_t i = 0; i < n; i++) {
    out->bookings[i] = forms__booking_pb(a, &b[i], NULL, now, true);
    out->checked_in += b[i].state == BOOKING_CHECKED_IN;
  }
  *resp = &out->base;
}

typedef struct {
  call_t *call;
  const char *code;
  store_booking_t b;
  const char *today;
} checkin_ctx_t;

static bool checkin_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  checkin_ctx_t *c = ud;
  call_t *call = c->call;
  const char *tz = forms__tz(call);
  bool found = false, may = false;
  if (!store_booking_by_code(a, conn, c->code, tz, &c->b, &found, err))
    return false;
  if (found && !org_caller_admins_unit(call, c->b.owner_code, &may, err))
    return false;
  if (!found || !may)
    return eh_err_set(err, EH_NOT_FOUND, "code", "签到码无效，或不是本部门的预约",
                      "unknown check-in code, or not a booking of your office");
  if (!store_booking_today(a, conn, tz, 0, &c->today, err))
    return false;
  if (strcmp(c->b.slot.day, c->today) != 0)
    return eh_err_set(err, EH_FAILED_PRECONDITION, "code", "该预约不是今天的（%s %s）",
                      "this booking is not for today (%s %s)", c->b.slot.day, c->b.slot.time);
  if (c->b.state == BOOKING_CHECKED_IN)
    return true; /* a second scan answers the first */
  if (c->b.state == BOOKING_HELD)
    return eh_err_set(err, EH_FAILED_PRECONDITION, "code", "该预约尚在审核中，不能签到",
                      "this booking awaits approval; it cannot be checked in yet");
  if (!store_booking_check_in(a, conn, c->b.id, call->principal.account_id, err))
    return false;
  return store_booking_get(a, conn, c->b.id, 0, false, tz, &c->b, &found, err);
}

void forms_check_in(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err) {
  const Ehall__Forms__V1__CheckInRequest *in = (const Ehall__Forms__V1__CheckInRequest *)req;
  checkin_ctx_t c = {.call = call, .code = in->code};
  if (!runs_services(call, err))
    return;
  if (c.code == NULL || strlen(c.code) != 8 || strspn(c.code, "0123456789") != 8) {
    eh_err_set(err, EH_INVALID, "code", "签到码为 8 位数字", "the check-in code has 8 digits");
    return;
  }
  if (!store_pg_tx(call->arena, call->pg, call->deadline_ms, checkin_tx, &c, err))
    return;
  LOG_INFO("forms", "checked in booking=%" PRId64, c.b.id);
  *resp = &forms__booking_pb(call->arena, &c.b, NULL, forms__now_us(), true)->base;
}

/* --- the hall calendar ------------------------------------------------------------------------ */

void forms_list_holidays(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  const Ehall__Forms__V1__ListHolidaysRequest *in =
      (const Ehall__Forms__V1__ListHolidaysRequest *)req;
  arena_t *a = call->arena;
  if (!runs_services(call, err))
    return;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  const char *from = in->from_day, *to = in->to_day, *tz = forms__tz(call);
  if ((from == NULL || !from[0]) && !store_booking_today(a, conn, tz, 0, &from, err))
    return;
  if ((to == NULL || !to[0]) && !store_booking_today(a, conn, tz, 366, &to, err))
    return;
  if (!booking_day_valid(from) || !booking_day_valid(to) || booking_days_between(from, to) < 0 ||
      booking_days_between(from, to) > 731) {
    eh_err_set(err, EH_INVALID, "to_day", "日期范围无效（最多两年）",
               "invalid range (at most two years)");
    return;
  }
  store_booking_holiday_t *h;
  size_t n;
  if (!store_booking_holidays(a, conn, from, to, &h, &n, err))
    return;
  store_pg_release(conn);
  Ehall__Forms__V1__ListHolidaysReply *out = arena_alloc(a, sizeof *out);
  ehall__forms__v1__list_holidays_reply__init(out);
  out->n_days = n;
  out->days = arena_alloc(a, (n ? n : 1) * sizeof *out->days);
  for (size_t i = 0; i < n; i++) {
    Ehall__Forms__V1__Holiday *m = arena_alloc(a, sizeof *m);
    ehall__forms__v1__holiday__init(m);
    m->day = (char *)h[i].day;
    m->workday = h[i].workday;
    m->name = (char *)h[i].name;
    out->days[i] = m;
  }
  *resp = &out->base;
}

typedef struct {
  call_t *call;
  const Ehall__Forms__V1__SaveHolidayRequest *in;
  int closed, with_bookings;
} holiday_ctx_t;

/* A holiday closes that day's slots nobody booked (generated before the holiday was known);
 * slots with bookings stay open and are counted, for their staff to move or cancel. */
static bool holiday_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  holiday_ctx_t *c = ud;
  const Ehall__Forms__V1__SaveHolidayRequest *in = c->in;
  bool holiday = !in->remove && !in->workday;
  c->closed = c->with_bookings = 0;
  return store_booking_holiday_put(a, conn, in->day, in->workday, in->name, in->remove,
                                   c->call->principal.account_id, err) &&
         (!holiday || store_booking_holiday_close_slots(a, conn, in->day, forms__tz(c->call),
                                                        &c->closed, &c->with_bookings, err)) &&
         audit_append_tx(c->call, a, conn, AUDIT_BOOKING_HOLIDAY,
                         arena_printf(a, "day:%s", in->day),
                         holiday ? arena_printf(a, "{\"slots_closed\":%d,\"slots_with_bookings\":%d}",
                                                c->closed, c->with_bookings)
                                 : NULL,
                         err);
}

void forms_save_holiday(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err) {
  holiday_ctx_t c = {.call = call, .in = (const Ehall__Forms__V1__SaveHolidayRequest *)req};
  arena_t *a = call->arena;
  if (call->principal.actor != CALL_USER || !call_has_role(call, CALL_ROLE_HALL_ADMIN)) {
    org_denied(err, "只有大厅管理员可以维护节假日", "only hall admins maintain the holidays");
    return;
  }
  const char *name = c.in->name ? c.in->name : "";
  bool ok = true;
  if (!booking_day_valid(c.in->day))
    ok = eh_err_set(err, EH_INVALID, "day", "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD");
  if (!text_utf8_valid(name, strlen(name)) ||
      text_utf8_length(name, strlen(name)) > BOOKING_HOLIDAY_NAME_MAX)
    ok = eh_err_set(err, EH_INVALID, "name", "名称最多 %d 个字", "at most %d characters",
                    BOOKING_HOLIDAY_NAME_MAX);
  if (!ok || !store_pg_tx(a, call->pg, call->deadline_ms, holiday_tx, &c, err))
    return;
  Ehall__Forms__V1__Holiday *m = arena_alloc(a, sizeof *m);
  ehall__forms__v1__holiday__init(m);
  m->day = c.in->day;
  m->workday = c.in->remove ? false : c.in->workday;
  m->name = c.in->remove ? (char *)"" : (char *)name;
  m->slots_closed = c.closed;
  m->slots_with_bookings = c.with_bookings;
  *resp = &m->base;
}
