/*
 * booking_store.h — the SQL and Redis of appointment booking (core/forms/booking*.c;
 * migrations/0010_create_booking.sql). Owned with core/forms.
 *
 * PostgreSQL decides every seat: store_booking_claim takes one with a conditional update of
 * the slot's count in the statement that inserts the booking, after a transaction-level
 * advisory lock on (service, person) that makes one person's bookings of a service run one at a
 * time (so his limits are counted on committed rows). Redis holds per-slot tickets that only
 * let a caller learn "sold out" without a transaction (store_booking_ticket_*).
 *
 * Days and times of day are in the time zone `tz` (an IANA name from config). Strings returned
 * are owned by the arena given.
 */
#ifndef EHALL_STORE_BOOKING_STORE_H
#define EHALL_STORE_BOOKING_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"
#include "core/store/redis.h"

/* A service's rules (booking_settings, or the column defaults when it has no row). */
typedef struct store_booking_rules {
  int book_cutoff_minutes, cancel_cutoff_minutes, max_active, max_per_week, open_days_ahead;
  bool waitlist;
  int hold_minutes;
  int64_t updated_us; /* 0: never saved (defaults) */
} store_booking_rules_t;

typedef struct store_booking_template {
  int weekday;             /* ISO 1–7 */
  const char *start, *end; /* "09:00" */
  const char *location;
  int capacity;
} store_booking_template_t;

typedef struct store_booking_closed_day {
  const char *day, *reason;
} store_booking_closed_day_t;

typedef struct store_booking_slot {
  int64_t id, service_id;
  const char *service_code;
  int64_t starts_us, ends_us;
  const char *day, *time; /* "2026-12-01", "09:00-09:30" in tz */
  const char *location;
  int capacity, booked, state, waiting;
  int64_t my_booking_id, my_waitlist_id; /* 0: none (lists for a person only) */
} store_booking_slot_t;

typedef struct store_booking {
  int64_t id, account_id, service_id;
  const char *service_code, *service_name, *owner_name;
  store_booking_slot_t slot;
  int state;
  const char *checkin_code;
  bool from_waitlist;
  int64_t created_us, ended_us, checked_in_us;
  int cancel_cutoff_minutes;
  const char *campus_id, *person_name; /* staff lists and check-in only */
  const char *owner_code;
} store_booking_t;

typedef struct store_booking_wait {
  int64_t id, slot_id;
  store_booking_slot_t slot;
  const char *service_name;
  int state, position;
  int64_t booking_id, created_us;
} store_booking_wait_t;

/* Why store_booking_claim took no seat: the facts, for booking_rules.h to name the reason. */
typedef struct store_booking_claim_facts {
  bool slot_found;
  int state, capacity, booked;
  int64_t starts_us, now_us, horizon_us; /* horizon: the first instant past open_days_ahead */
  int here, active, week;                /* the person's live bookings: this slot, not ended,
                                          * in the slot's week */
  store_booking_rules_t rules;
} store_booking_claim_facts_t;

/* --- rules, templates, closed days ---------------------------------------------------------- */

bool store_booking_rules_get(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                             store_booking_rules_t *out, eh_err_t *err);
/* Replaces the rules, templates and the closed days from today on, in the caller's tx. */
bool store_booking_settings_put(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                                int64_t account_id, const store_booking_rules_t *rules,
                                const store_booking_template_t *tpl, size_t n_tpl,
                                const store_booking_closed_day_t *days, size_t n_days,
                                const char *tz, eh_err_t *err);
bool store_booking_templates(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                             store_booking_template_t **out, size_t *n, eh_err_t *err);
bool store_booking_closed_days(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                               const char *tz, store_booking_closed_day_t **out, size_t *n,
                               eh_err_t *err);

/* Creates the template slots for the days [from_day, to_day] (today at the earliest), skipping
 * hall holidays (hall_calendar.workday false), the service's closed days and slots that exist
 * (same start and location). Counts what it created and found; lists the skipped days. */
bool store_booking_generate(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                            int64_t account_id, const char *from_day, const char *to_day,
                            const char *tz, int *created, int *existing, const char ***skipped,
                            size_t *n_skipped, eh_err_t *err);

/* --- slots ------------------------------------------------------------------------------------ */

/* The service's slots starting in [from_day, to_day] (days in tz), by start; for account_id > 0
 * with his live booking and waitlist entry in each. */
bool store_booking_slots(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int64_t account_id,
                         const char *from_day, const char *to_day, const char *tz,
                         store_booking_slot_t **out, size_t *n, eh_err_t *err);
bool store_booking_slot_get(arena_t *a, store_pg_conn_t *conn, int64_t slot_id, bool lock,
                            const char *tz, store_booking_slot_t *out, bool *found, eh_err_t *err);
/* The seats of an open slot of the service not taken by a committed booking (no lock: what a
 * Redis count starts from); *open false when the slot is closed, gone or not the service's. */
bool store_booking_seats_left(arena_t *a, store_pg_conn_t *conn, int64_t slot_id,
                              int64_t service_id, int *left, bool *open, eh_err_t *err);
/* ALREADY_EXISTS when the service has a slot with that start and location. */
bool store_booking_slot_insert(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                               int64_t account_id, const char *day, const char *start,
                               const char *end, const char *location, int capacity, const char *tz,
                               int64_t *id, eh_err_t *err);
/* Sets capacity (< 0: keep) and state (0: keep) of a locked slot. */
bool store_booking_slot_update(arena_t *a, store_pg_conn_t *conn, int64_t slot_id, int capacity,
                               int state, eh_err_t *err);

/* --- bookings --------------------------------------------------------------------------------- */

/* Serialises one person's bookings of one service (transaction-level advisory lock). */
bool store_booking_lock_person(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                               int64_t account_id, eh_err_t *err);
/* Takes a seat of slot_id for account_id when the slot is open, not full, before its cut-off
 * and within the horizon, and the person's limits allow (the SQL function booking_claim, which
 * takes the person lock itself). One statement: run it in the caller's transaction, or alone
 * on a connection outside any (autocommit: the slot's row lock is then released by the
 * server's commit, not after a round trip). Taken: got->id > 0 with the booking and its slot
 * filled (all but the service's and the person's names) and *remaining the seats left;
 * refused: got->id 0 (store_booking_claim_facts says why). state: 1 held (hold_minutes) or
 * 2 booked. */
bool store_booking_claim(arena_t *a, store_pg_conn_t *conn, int64_t slot_id, int64_t service_id,
                         int64_t account_id, int state, const char *checkin_code,
                         bool from_waitlist, const char *tz, store_booking_t *got, int *remaining,
                         eh_err_t *err);
bool store_booking_claim_facts(arena_t *a, store_pg_conn_t *conn, int64_t slot_id,
                               int64_t service_id, int64_t account_id, const char *tz,
                               store_booking_claim_facts_t *out, eh_err_t *err);

/* One booking with its slot and service; account_id > 0 limits it to that person's (NOT
 * found otherwise). lock: FOR UPDATE of the booking row. */
bool store_booking_get(arena_t *a, store_pg_conn_t *conn, int64_t id, int64_t account_id, bool lock,
                       const char *tz, store_booking_t *out, bool *found, eh_err_t *err);
/* Ends a live booking (state 4, 5 or 6) and gives its seat back to the slot. */
bool store_booking_end(arena_t *a, store_pg_conn_t *conn, int64_t id, int state, eh_err_t *err);
/* A held seat becomes booked (its application was approved); nothing when it is not held. */
bool store_booking_confirm(arena_t *a, store_pg_conn_t *conn, int64_t id, eh_err_t *err);
bool store_booking_check_in(arena_t *a, store_pg_conn_t *conn, int64_t id, int64_t staff_id,
                            eh_err_t *err);
/* The booking with this check-in code: a live one, else one checked in today. */
bool store_booking_by_code(arena_t *a, store_pg_conn_t *conn, const char *code, const char *tz,
                           store_booking_t *out, bool *found, eh_err_t *err);

/* The person's live bookings by start (include_past: and his newest 100 ended ones too). */
bool store_booking_mine(arena_t *a, store_pg_conn_t *conn, int64_t account_id, bool include_past,
                        const char *tz, store_booking_t **out, size_t *n, eh_err_t *err);
/* Live bookings of slots starting on `day` of services whose owning unit is `owner_code` or
 * below (NULL: every service; service_id > 0: that one), by start. */
bool store_booking_day(arena_t *a, store_pg_conn_t *conn, const char *day, int64_t account_id,
                       bool hall_admin, int64_t service_id, const char *tz, store_booking_t **out,
                       size_t *n, eh_err_t *err);

/* --- waitlist --------------------------------------------------------------------------------- */

/* ALREADY_EXISTS when he waits for the slot already. */
bool store_booking_wait_insert(arena_t *a, store_pg_conn_t *conn, int64_t slot_id,
                               int64_t account_id, int64_t *id, eh_err_t *err);
bool store_booking_wait_count(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int *n,
                              eh_err_t *err);
bool store_booking_wait_get(arena_t *a, store_pg_conn_t *conn, int64_t id, int64_t account_id,
                            const char *tz, store_booking_wait_t *out, bool *found, eh_err_t *err);
/* Ends an entry (3 left, 4 expired) or marks it promoted (2, booking_id). */
bool store_booking_wait_end(arena_t *a, store_pg_conn_t *conn, int64_t id, int state,
                            int64_t booking_id, eh_err_t *err);
/* The person's waiting entries with their positions. */
bool store_booking_waits_mine(arena_t *a, store_pg_conn_t *conn, int64_t account_id, const char *tz,
                              store_booking_wait_t **out, size_t *n, eh_err_t *err);
/* The first waiting entries of a slot, oldest first, each locked (SKIP LOCKED), at most max. */
bool store_booking_wait_queue(arena_t *a, store_pg_conn_t *conn, int64_t slot_id, int max,
                              int64_t **ids, int64_t **accounts, size_t *n, eh_err_t *err);

/* --- holds and stale waitlist entries (the expiry worker) ------------------------------------ */

typedef struct store_booking_due {
  int64_t id, slot_id, service_id, application_id; /* application_id 0: none */
} store_booking_due_t;

/* Held bookings whose hold has expired, oldest first, each locked (SKIP LOCKED: several cores
 * share the work), at most max. */
bool store_booking_holds_due(arena_t *a, store_pg_conn_t *conn, int max, store_booking_due_t **out,
                             size_t *n, eh_err_t *err);
/* Ends the waiting entries of slots that have begun or closed (state 4); *n counts them. */
bool store_booking_waits_expire(arena_t *a, store_pg_conn_t *conn, int *n, eh_err_t *err);

/* --- the hall calendar ---------------------------------------------------------------------- */

typedef struct store_booking_holiday {
  const char *day, *name;
  bool workday;
} store_booking_holiday_t;

bool store_booking_holidays(arena_t *a, store_pg_conn_t *conn, const char *from_day,
                            const char *to_day, store_booking_holiday_t **out, size_t *n,
                            eh_err_t *err);
bool store_booking_holiday_put(arena_t *a, store_pg_conn_t *conn, const char *day, bool workday,
                               const char *name, bool remove, int64_t account_id, eh_err_t *err);
/* A day became a holiday: its open slots (starting that day in tz) with no live booking are
 * closed (*closed), those with one are left open and counted (*with_bookings). */
bool store_booking_holiday_close_slots(arena_t *a, store_pg_conn_t *conn, const char *day,
                                       const char *tz, int *closed, int *with_bookings,
                                       eh_err_t *err);

/* Today in tz ("2026-12-01") and day + n. */
bool store_booking_today(arena_t *a, store_pg_conn_t *conn, const char *tz, int plus_days,
                         const char **day, eh_err_t *err);

/* --- Redis tickets: "sold out" without a transaction ------------------------------------------ */

/* Tickets are kept per service and slot (a sold-out answer never tells about a slot of a service
 * the caller was not let into). Takes a ticket of the slot: 1 taken, 0 none left (sold out), -1
 * unknown (no count in Redis: seed one from store_booking_seats_left). Redis down: err set (the
 * caller asks PostgreSQL). */
int store_booking_ticket_take(arena_t *a, store_redis_pool_t *pool, int64_t service_id,
                              int64_t slot_id, eh_err_t *err);
/* Gives a taken ticket back (the claim did not take a seat). */
void store_booking_ticket_return(arena_t *a, store_redis_pool_t *pool, int64_t service_id,
                                 int64_t slot_id);
/* Sets the count PostgreSQL just saw (seats left: store_booking_seats_left, or what a claim
 * left) when Redis has none; with `overwrite`,
 * replaces any count (a claim found the slot full). Expires after a few seconds, so a count
 * that went wrong (a replica died holding tickets) mends itself. */
void store_booking_ticket_seed(arena_t *a, store_redis_pool_t *pool, int64_t service_id,
                               int64_t slot_id, int remaining, bool overwrite);
/* Forgets the count (seats came back: cancel, resize, reopen); the next attempt re-seeds it. */
void store_booking_ticket_forget(arena_t *a, store_redis_pool_t *pool, int64_t service_id,
                                 int64_t slot_id);

#endif
