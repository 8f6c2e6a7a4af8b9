/*
 * booking_rules.h — the pure part of booking: why a seat was refused, whether a booking may
 * still be cancelled, the checks of settings and slots a department enters, and the .ics file.
 * No I/O, no logging; unit-tested in tests/unit/core/forms.
 */
#ifndef EHALL_FORMS_BOOKING_RULES_H
#define EHALL_FORMS_BOOKING_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"

#define BOOKING_LOCATION_MAX 64
#define BOOKING_CAPACITY_MAX 10000
#define BOOKING_TEMPLATES_MAX 50
#define BOOKING_CLOSED_DAYS_MAX 100
#define BOOKING_GENERATE_DAYS_MAX 92
#define BOOKING_WAITS_MAX 10 /* live waitlist entries per person */
#define BOOKING_HOLIDAY_NAME_MAX 32
#define BOOKING_CLOSED_REASON_MAX 64

/* Booking states (ehall.forms.v1.BookingState, bookings.state). */
enum {
  BOOKING_HELD = 1,
  BOOKING_BOOKED = 2,
  BOOKING_CHECKED_IN = 3,
  BOOKING_CANCELLED = 4,
  BOOKING_RELEASED = 5,
  BOOKING_CLOSED = 6,
};
enum { SLOT_OPEN = 1, SLOT_CLOSED = 2 };

typedef struct booking_rules {
  int book_cutoff_minutes, cancel_cutoff_minutes, max_active, max_per_week, open_days_ahead;
  bool waitlist;
  int hold_minutes;
} booking_rules_t;

/* What PostgreSQL saw when it refused a seat. */
typedef struct booking_facts {
  bool slot_found;
  int state, capacity, booked;
  int64_t starts_us, now_us, horizon_us;
  int here, active, week;
  booking_rules_t rules;
} booking_facts_t;

typedef enum {
  BOOKING_OK = 0,
  BOOKING_NO_SLOT,      /* no such slot of this service */
  BOOKING_SLOT_CLOSED,  /* closed by the department */
  BOOKING_TOO_LATE,     /* past the cut-off (or started) */
  BOOKING_NOT_YET_OPEN, /* beyond the horizon */
  BOOKING_ALREADY,      /* he holds a seat of this slot */
  BOOKING_QUOTA_ACTIVE, /* max_active live bookings */
  BOOKING_QUOTA_WEEK,   /* max_per_week this week */
  BOOKING_FULL,         /* no seat left */
} booking_refusal_t;

/* The reason, checked in the order a person can act on (a closed or past slot before his own
 * limits, his limits before "full", so nobody joins a waitlist he could never leave). */
booking_refusal_t booking_refusal(const booking_facts_t *f);
/* Fills err for a refusal: NOT_FOUND (slot_id), FAILED_PRECONDITION (slot_id),
 * ALREADY_EXISTS (slot_id), RESOURCE_EXHAUSTED on `quota` for his limits and on `slot_id` for
 * a full slot ("该时段已约满"). Returns false. */
bool booking_refusal_err(booking_refusal_t why, const booking_rules_t *rules, eh_err_t *err);

/* Whether a seat of a full slot can be waited for now. */
bool booking_waitlist_open(const booking_rules_t *rules, int state, int capacity, int booked,
                           int64_t starts_us, int64_t now_us);
/* Bookable now: open, a seat left, before the cut-off (the horizon is the store's). */
bool booking_slot_bookable(const booking_rules_t *rules, int state, int capacity, int booked,
                           int64_t starts_us, int64_t now_us);
/* The last instant a live booking may be cancelled or moved. */
int64_t booking_cancel_until_us(int64_t starts_us, int cancel_cutoff_minutes);
bool booking_can_cancel(int state, int64_t starts_us, int cancel_cutoff_minutes, int64_t now_us);

/* --- what departments enter (each failure names its field) ------------------------------------ */

/* "2026-12-01", a real calendar day. */
bool booking_day_valid(const char *s);
/* "09:30" (00:00–23:59). */
bool booking_time_valid(const char *s);
/* Days from a to b (both valid), b − a. */
int booking_days_between(const char *a, const char *b);

bool booking_rules_check(const booking_rules_t *r, const char *prefix, eh_err_t *err);
/* One weekly template or one slot's times: start < end, location ≤ 64, capacity 1–10,000.
 * prefix names the field path ("templates[2]"). */
bool booking_times_check(const char *start, const char *end, const char *location, int capacity,
                         const char *prefix, eh_err_t *err);

/* --- the calendar file ------------------------------------------------------------------------ */

typedef struct booking_ics {
  int64_t booking_id;
  const char *host; /* for the UID ("ehall") */
  const char *summary, *location, *description;
  int64_t starts_us, ends_us, stamp_us;
  bool cancelled;
} booking_ics_t;

/* An RFC 5545 VCALENDAR with one VEVENT (times in UTC, text escaped, lines folded at 75
 * octets without splitting a UTF-8 character). In a. */
char *booking_ics_render(arena_t *a, const booking_ics_t *e, size_t *len);

#endif
