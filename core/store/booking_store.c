/*
 * booking_store.c — appointment booking in PostgreSQL and Redis (booking_store.h).
 *
 * Must never decide a seat in Redis: the tickets there only shorten the answer "sold out".
 */
#include "core/store/booking_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS(col) "coalesce((extract(epoch FROM " col ") * 1000000)::bigint, 0)"

/* The columns of a slot, its service's code and the day and times in $TZ (a parameter number
 * spelled out by each statement). Keep in step with slot_read. */
#define SLOT_COLS(tz)                                                                              \
  "s.id, s.service_id, sv.code, " TS("s.starts_at") ", " TS(                                       \
      "s.ends_at") ","                                                                             \
                   " to_char(s.starts_at AT TIME ZONE " tz ", 'YYYY-MM-DD'),"                      \
                   " to_char(s.starts_at AT TIME ZONE " tz ", 'HH24:MI') || '-' ||"                \
                   " to_char(s.ends_at AT TIME ZONE " tz ", 'HH24:MI'),"                           \
                   " s.location, s.capacity, s.booked, s.state"
#define SLOT_NCOLS 11

/* The rules of service $1, defaults when it has none (the columns' defaults, spelled once). */
static const char SQL_RULES[] =
    "SELECT coalesce(b.book_cutoff_minutes, 30), coalesce(b.cancel_cutoff_minutes, 60),"
    " coalesce(b.max_active, 1), coalesce(b.max_per_week, 0), coalesce(b.open_days_ahead, 14),"
    " coalesce(b.waitlist, true), coalesce(b.hold_minutes, 2880), " TS(
        "b.updated_at") " FROM (VALUES (1)) v LEFT JOIN booking_settings b ON b.service_id = "
                        "$1::bigint";

static const char SQL_RULES_PUT[] =
    "INSERT INTO booking_settings (service_id, book_cutoff_minutes, cancel_cutoff_minutes,"
    " max_active, max_per_week, open_days_ahead, waitlist, hold_minutes, updated_by)"
    " VALUES ($1::bigint, $2::int, $3::int, $4::int, $5::int, $6::int, $7::boolean, $8::int,"
    " $9::bigint) ON CONFLICT (service_id) DO UPDATE SET"
    " book_cutoff_minutes = EXCLUDED.book_cutoff_minutes,"
    " cancel_cutoff_minutes = EXCLUDED.cancel_cutoff_minutes, max_active = EXCLUDED.max_active,"
    " max_per_week = EXCLUDED.max_per_week, open_days_ahead = EXCLUDED.open_days_ahead,"
    " waitlist = EXCLUDED.waitlist, hold_minutes = EXCLUDED.hold_minutes,"
    " updated_by = EXCLUDED.updated_by, updated_at = now()";
static const char SQL_TEMPLATES_CLEAR[] =
    "DELETE FROM booking_templates WHERE service_id = $1::bigint";
static const char SQL_TEMPLATE_ADD[] =
    "INSERT INTO booking_templates (service_id, weekday, start_time, end_time, location, capacity)"
    " VALUES ($1::bigint, $2::smallint, $3::time, $4::time, $5, $6::int)";
static const char SQL_TEMPLATES[] =
    "SELECT weekday, to_char(start_time, 'HH24:MI'), to_char(end_time, 'HH24:MI'), location,"
    " capacity FROM booking_templates WHERE service_id = $1::bigint"
    " ORDER BY weekday, start_time, location";
static const char SQL_CLOSED_CLEAR[] = "DELETE FROM booking_closures WHERE service_id = $1::bigint"
                                       " AND day >= (now() AT TIME ZONE $2)::date";
static const char SQL_CLOSED_ADD[] =
    "INSERT INTO booking_closures (service_id, day, reason) VALUES ($1::bigint, $2::date, $3)"
    " ON CONFLICT (service_id, day) DO UPDATE SET reason = EXCLUDED.reason";
static const char SQL_CLOSED[] =
    "SELECT to_char(day, 'YYYY-MM-DD'), reason FROM booking_closures"
    " WHERE service_id = $1::bigint AND day >= (now() AT TIME ZONE $2)::date ORDER BY day";

/* Every day of the range from today on; the ones skipped, and the template slots inserted. */
static const char SQL_GENERATE_SKIPPED[] =
    "SELECT to_char(d, 'YYYY-MM-DD') FROM generate_series(greatest($2::date,"
    " (now() AT TIME ZONE $4)::date), $3::date, '1 day') d"
    " WHERE EXISTS (SELECT 1 FROM hall_calendar h WHERE h.day = d AND NOT h.workday)"
    " OR EXISTS (SELECT 1 FROM booking_closures c WHERE c.service_id = $1::bigint AND c.day = d)"
    " ORDER BY d";
static const char SQL_GENERATE[] =
    "WITH days AS (SELECT d::date AS day FROM generate_series(greatest($2::date,"
    "  (now() AT TIME ZONE $4)::date), $3::date, '1 day') d"
    "  WHERE NOT EXISTS (SELECT 1 FROM hall_calendar h WHERE h.day = d AND NOT h.workday)"
    "  AND NOT EXISTS (SELECT 1 FROM booking_closures c WHERE c.service_id = $1::bigint"
    "  AND c.day = d)),"
    " want AS (SELECT ((days.day + t.start_time) AT TIME ZONE $4) AS starts_at,"
    "  ((days.day + t.end_time) AT TIME ZONE $4) AS ends_at, t.location, t.capacity"
    "  FROM days JOIN booking_templates t ON t.service_id = $1::bigint"
    "  AND t.weekday = extract(isodow FROM days.day)),"
    " ins AS (INSERT INTO booking_slots (service_id, starts_at, ends_at, location, capacity,"
    "  created_by) SELECT $1::bigint, starts_at, ends_at, location, capacity, $5::bigint"
    "  FROM want WHERE starts_at > now()"
    "  ON CONFLICT (service_id, starts_at, location) DO NOTHING RETURNING 1)"
    " SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM want WHERE starts_at > now())";

static const char SQL_SLOTS[] = "SELECT " SLOT_COLS(
    "$5") ","
          " (SELECT count(*) FROM booking_waitlist w WHERE w.slot_id = s.id AND w.state = 1),"
          " coalesce((SELECT k.id FROM bookings k WHERE k.slot_id = s.id AND k.account_id = "
          "$2::bigint"
          "  AND k.state IN (1, 2, 3)), 0),"
          " coalesce((SELECT w.id FROM booking_waitlist w WHERE w.slot_id = s.id"
          "  AND w.account_id = $2::bigint AND w.state = 1), 0)"
          " FROM booking_slots s JOIN services sv ON sv.id = s.service_id"
          " WHERE s.service_id = $1::bigint AND s.starts_at >= ($3::date)::timestamp AT TIME ZONE "
          "$5"
          " AND s.starts_at < ($4::date + 1)::timestamp AT TIME ZONE $5"
          " ORDER BY s.starts_at, s.location LIMIT 2000";

static const char SQL_SLOT_GET[] = "SELECT " SLOT_COLS(
    "$2") ","
          " (SELECT count(*) FROM booking_waitlist w WHERE w.slot_id = s.id AND w.state = 1), 0, 0"
          " FROM booking_slots s JOIN services sv ON sv.id = s.service_id WHERE s.id = $1::bigint";
static const char SQL_SEATS_LEFT[] =
    "SELECT capacity - booked, state = 1 FROM booking_slots WHERE id = $1::bigint"
    " AND service_id = $2::bigint";
static const char SQL_SLOT_LOCK[] = "SELECT 1 FROM booking_slots WHERE id = $1::bigint FOR UPDATE";

static const char SQL_SLOT_INSERT[] =
    "INSERT INTO booking_slots (service_id, starts_at, ends_at, location, capacity, created_by)"
    " VALUES ($1::bigint, ($2::date + $3::time) AT TIME ZONE $7, ($2::date + $4::time)"
    " AT TIME ZONE $7, $5, $6::int, $8::bigint) RETURNING id";
static const char SQL_SLOT_UPDATE[] =
    "UPDATE booking_slots SET capacity = CASE WHEN $2::int < 0 THEN capacity ELSE $2::int END,"
    " state = CASE WHEN $3::int = 0 THEN state ELSE $3::smallint END, updated_at = now()"
    " WHERE id = $1::bigint";

/* Two 32-bit halves would collide with other areas' keys; a hash of the names does not. */
static const char SQL_LOCK_PERSON[] =
    "SELECT pg_advisory_xact_lock(hashtextextended('ehall.booking.' || $1 || '.' || $2, 0))";

/* The seat itself: booking_claim (migrations/0010) takes the person lock, counts his live
 * bookings and runs the conditional update and the insert, server-side, in one statement. */
static const char SQL_CLAIM[] =
    "SELECT booking_id, seats_left, starts_us, ends_us, slot_day, slot_time, slot_location,"
    " slot_capacity, slot_booked, cancel_cutoff, created_us FROM booking_claim($1::bigint,"
    " $2::bigint, $3::bigint, $4::smallint, $5, $6::boolean, $7)";

static const char SQL_CLAIM_FACTS[] =
    "WITH t AS (SELECT starts_at FROM booking_slots WHERE id = $1::bigint)"
    " SELECT s.id IS NOT NULL, coalesce(s.state, 0), coalesce(s.capacity, 0),"
    " coalesce(s.booked, 0), " TS("s.starts_at") ", " TS(
        "now()") ","
                 " " TS("((now() AT TIME ZONE $4)::date + coalesce(b.open_days_ahead, 14) + "
                        "1)::timestamp"
                        " AT TIME ZONE $4") ","
                                            " (SELECT count(*) FROM bookings k WHERE k.slot_id = "
                                            "$1::bigint"
                                            "  AND k.account_id = $3::bigint AND k.state IN (1, 2, "
                                            "3)),"
                                            " (SELECT count(*) FROM bookings k JOIN booking_slots "
                                            "x ON x.id = k.slot_id"
                                            "  WHERE k.account_id = $3::bigint AND k.service_id = "
                                            "$2::bigint AND k.state IN (1, 2, 3)"
                                            "  AND x.ends_at > now()),"
                                            " (SELECT count(*) FROM bookings k JOIN booking_slots "
                                            "x ON x.id = k.slot_id"
                                            "  WHERE k.account_id = $3::bigint AND k.service_id = "
                                            "$2::bigint AND k.state IN (1, 2, 3)"
                                            "  AND date_trunc('week', x.starts_at AT TIME ZONE $4)"
                                            "  = (SELECT date_trunc('week', t.starts_at AT TIME "
                                            "ZONE $4) FROM t))"
                                            " FROM (VALUES (1)) v"
                                            " LEFT JOIN booking_slots s ON s.id = $1::bigint AND "
                                            "s.service_id = $2::bigint"
                                            " LEFT JOIN booking_settings b ON b.service_id = "
                                            "$2::bigint";

#define BOOKING_COLS(tz)                                                                           \
  "k.id, k.account_id, k.service_id, sv.code, coalesce(v.name, sv.code), u.name, k.state,"         \
  " k.checkin_code, k.from_waitlist, " TS("k.created_at") ", " TS(                                 \
      "k.ended_at") ","                                                                            \
                    " " TS("k.checked_in_at") ", coalesce(b.cancel_cutoff_minutes, 60), "          \
                                              "a.campus_id, a.name,"                               \
                                              " u.code, " SLOT_COLS(tz)
#define BOOKING_NCOLS 16
#define BOOKING_FROM                                                                               \
  " FROM bookings k JOIN booking_slots s ON s.id = k.slot_id"                                      \
  " JOIN services sv ON sv.id = k.service_id JOIN org_units u ON u.id = sv.owner_unit_id"          \
  " JOIN accounts a ON a.id = k.account_id"                                                        \
  " LEFT JOIN service_versions v ON v.service_id = sv.id AND v.state = 2"                          \
  " LEFT JOIN booking_settings b ON b.service_id = sv.id"

static const char SQL_BOOKING_GET[] = "SELECT " BOOKING_COLS("$3") BOOKING_FROM
    " WHERE k.id = $1::bigint AND ($2::bigint = 0 OR k.account_id = $2::bigint)";
static const char SQL_BOOKING_LOCK[] = "SELECT 1 FROM bookings WHERE id = $1::bigint FOR UPDATE";
static const char SQL_BOOKING_END[] =
    "WITH e AS (UPDATE bookings SET state = $2::smallint, ended_at = now()"
    "  WHERE id = $1::bigint AND state IN (1, 2) RETURNING slot_id)"
    " UPDATE booking_slots s SET booked = s.booked - 1, updated_at = now() FROM e"
    " WHERE s.id = e.slot_id";
static const char SQL_BOOKING_CONFIRM[] =
    "UPDATE bookings SET state = 2, hold_expires_at = NULL WHERE id = $1::bigint AND state = 1";
static const char SQL_BOOKING_CHECK_IN[] =
    "UPDATE bookings SET state = 3, checked_in_at = now(), checked_in_by = $2::bigint"
    " WHERE id = $1::bigint AND state = 2";
static const char SQL_BOOKING_BY_CODE[] = "SELECT " BOOKING_COLS("$2") BOOKING_FROM
    " WHERE k.checkin_code = $1 AND (k.state IN (1, 2) OR (k.state = 3"
    " AND (k.checked_in_at AT TIME ZONE $2)::date = (now() AT TIME ZONE $2)::date))"
    " ORDER BY k.state LIMIT 1";
static const char SQL_BOOKING_MINE[] = "SELECT " BOOKING_COLS("$3") BOOKING_FROM
    " WHERE k.account_id = $1::bigint AND (k.state IN (1, 2, 3) AND s.ends_at > now()"
    " OR $2::boolean) ORDER BY (k.state IN (1, 2, 3) AND s.ends_at > now()) DESC,"
    " CASE WHEN k.state IN (1, 2, 3) AND s.ends_at > now() THEN s.starts_at END,"
    " k.created_at DESC LIMIT 200";
/* The caller's dept_admin units cover a service when one is on its owner's path. */
static const char SQL_BOOKING_DAY[] = "SELECT " BOOKING_COLS("$5") BOOKING_FROM
    " WHERE k.state IN (2, 3) AND s.starts_at >= ($1::date)::timestamp AT TIME ZONE $5"
    " AND s.starts_at < ($1::date + 1)::timestamp AT TIME ZONE $5"
    " AND ($4::bigint = 0 OR k.service_id = $4::bigint)"
    " AND ($3::boolean OR EXISTS (SELECT 1 FROM account_roles r JOIN org_units au"
    "  ON au.code = r.org_unit WHERE r.account_id = $2::bigint AND r.role = 'dept_admin'"
    "  AND au.id = ANY (u.path)))"
    " ORDER BY s.starts_at, s.location, a.campus_id LIMIT 2000";

static const char SQL_WAIT_INSERT[] =
    "INSERT INTO booking_waitlist (slot_id, account_id) VALUES ($1::bigint, $2::bigint)"
    " RETURNING id";
static const char SQL_WAIT_COUNT[] =
    "SELECT count(*) FROM booking_waitlist WHERE account_id = $1::bigint AND state = 1";
#define WAIT_COLS(tz)                                                                              \
  "w.id, w.slot_id, w.state, coalesce(w.booking_id, 0), " TS(                                      \
      "w.created_at") ","                                                                          \
                      " CASE WHEN w.state = 1 THEN (SELECT count(*) FROM booking_waitlist q "      \
                      "WHERE q.slot_id ="                                                          \
                      " w.slot_id AND q.state = 1 AND q.id <= w.id) ELSE 0 END, coalesce(v.name, " \
                      "sv.code), " SLOT_COLS(tz)
#define WAIT_NCOLS 7
#define WAIT_FROM                                                                                  \
  " FROM booking_waitlist w JOIN booking_slots s ON s.id = w.slot_id"                              \
  " JOIN services sv ON sv.id = s.service_id"                                                      \
  " LEFT JOIN service_versions v ON v.service_id = sv.id AND v.state = 2"
static const char SQL_WAIT_GET[] =
    "SELECT " WAIT_COLS("$3") WAIT_FROM " WHERE w.id = $1::bigint AND w.account_id = $2::bigint";
static const char SQL_WAIT_END[] =
    "UPDATE booking_waitlist SET state = $2::smallint, ended_at = now(),"
    " booking_id = nullif($3::bigint, 0) WHERE id = $1::bigint AND state = 1";
static const char SQL_WAITS_MINE[] = "SELECT " WAIT_COLS("$2") WAIT_FROM
    " WHERE w.account_id = $1::bigint AND w.state = 1 AND s.starts_at > now()"
    " ORDER BY s.starts_at LIMIT 100";
static const char SQL_WAIT_QUEUE[] =
    "SELECT id, account_id FROM booking_waitlist WHERE slot_id = $1::bigint AND state = 1"
    " ORDER BY id LIMIT $2::int FOR UPDATE SKIP LOCKED";

static const char SQL_HOLDS_DUE[] =
    "SELECT id, slot_id, service_id, coalesce(application_id, 0) FROM bookings"
    " WHERE state = 1 AND hold_expires_at <= now() ORDER BY hold_expires_at"
    " LIMIT $1::int FOR UPDATE SKIP LOCKED";
static const char SQL_WAITS_EXPIRE[] =
    "UPDATE booking_waitlist w SET state = 4, ended_at = now() FROM booking_slots s"
    " WHERE w.slot_id = s.id AND w.state = 1 AND (s.starts_at <= now() OR s.state = 2)";

static const char SQL_HOLIDAYS[] =
    "SELECT to_char(day, 'YYYY-MM-DD'), workday, name FROM hall_calendar"
    " WHERE day BETWEEN $1::date AND $2::date ORDER BY day";
static const char SQL_HOLIDAY_PUT[] =
    "INSERT INTO hall_calendar (day, workday, name, updated_by)"
    " VALUES ($1::date, $2::boolean, $3, $4::bigint) ON CONFLICT (day) DO UPDATE SET"
    " workday = EXCLUDED.workday, name = EXCLUDED.name, updated_by = EXCLUDED.updated_by,"
    " updated_at = now()";
static const char SQL_HOLIDAY_DELETE[] = "DELETE FROM hall_calendar WHERE day = $1::date";
/* A holiday's open slots: those without a live booking closed, those with one counted. */
static const char SQL_HOLIDAY_CLOSE_SLOTS[] =
    "WITH d AS (SELECT s.id, EXISTS (SELECT 1 FROM bookings k WHERE k.slot_id = s.id"
    "  AND k.state IN (1, 2, 3)) AS booked FROM booking_slots s"
    "  WHERE s.state = 1 AND (s.starts_at AT TIME ZONE $2)::date = $1::date FOR UPDATE OF s),"
    " c AS (UPDATE booking_slots s SET state = 2, updated_at = now() FROM d"
    "  WHERE s.id = d.id AND NOT d.booked RETURNING s.id)"
    " SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM d WHERE d.booked)";
static const char SQL_TODAY[] =
    "SELECT to_char((now() AT TIME ZONE $1)::date + $2::int, 'YYYY-MM-DD')";

#define KEY_TICKETS "ehall:booking:tickets:"
#define TICKET_TTL_S "5"

/* 1 taken, 0 none left, -1 no count. */
static store_redis_script_t script_take =
    STORE_REDIS_SCRIPT("local v = redis.call('GET', KEYS[1]) "
                       "if not v then return -1 end "
                       "if tonumber(v) <= 0 then return 0 end "
                       "redis.call('DECR', KEYS[1]) return 1");
/* Gives a ticket back only while the count still exists (a fresh seed already counts it). */
static store_redis_script_t script_return = STORE_REDIS_SCRIPT(
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[1]) end return -1");

static const char *i64(arena_t *a, int64_t v) {
  return arena_printf(a, "%" PRId64, v);
}
static const char *int_s(arena_t *a, int v) {
  return arena_printf(a, "%d", v);
}
static bool b_of(const store_rows_t *r, int row, int col) {
  return strcmp(store_rows_get(r, row, col), "t") == 0;
}

static void slot_read(const store_rows_t *r, int row, int c, store_booking_slot_t *s) {
  memset(s, 0, sizeof *s);
  s->id = store_rows_int64(r, row, c);
  s->service_id = store_rows_int64(r, row, c + 1);
  s->service_code = store_rows_get(r, row, c + 2);
  s->starts_us = store_rows_int64(r, row, c + 3);
  s->ends_us = store_rows_int64(r, row, c + 4);
  s->day = store_rows_get(r, row, c + 5);
  s->time = store_rows_get(r, row, c + 6);
  s->location = store_rows_get(r, row, c + 7);
  s->capacity = (int)store_rows_int64(r, row, c + 8);
  s->booked = (int)store_rows_int64(r, row, c + 9);
  s->state = (int)store_rows_int64(r, row, c + 10);
}

static void booking_read(const store_rows_t *r, int row, store_booking_t *b) {
  memset(b, 0, sizeof *b);
  b->id = store_rows_int64(r, row, 0);
  b->account_id = store_rows_int64(r, row, 1);
  b->service_id = store_rows_int64(r, row, 2);
  b->service_code = store_rows_get(r, row, 3);
  b->service_name = store_rows_get(r, row, 4);
  b->owner_name = store_rows_get(r, row, 5);
  b->state = (int)store_rows_int64(r, row, 6);
  b->checkin_code = store_rows_get(r, row, 7);
  b->from_waitlist = b_of(r, row, 8);
  b->created_us = store_rows_int64(r, row, 9);
  b->ended_us = store_rows_int64(r, row, 10);
  b->checked_in_us = store_rows_int64(r, row, 11);
  b->cancel_cutoff_minutes = (int)store_rows_int64(r, row, 12);
  b->campus_id = store_rows_get(r, row, 13);
  b->person_name = store_rows_get(r, row, 14);
  b->owner_code = store_rows_get(r, row, 15);
  slot_read(r, row, BOOKING_NCOLS, &b->slot);
}

static bool bookings_read(arena_t *a, const store_rows_t *r, store_booking_t **out, size_t *n) {
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++)
    booking_read(r, (int)i, &(*out)[i]);
  return true;
}

static void wait_read(const store_rows_t *r, int row, store_booking_wait_t *w) {
  memset(w, 0, sizeof *w);
  w->id = store_rows_int64(r, row, 0);
  w->slot_id = store_rows_int64(r, row, 1);
  w->state = (int)store_rows_int64(r, row, 2);
  w->booking_id = store_rows_int64(r, row, 3);
  w->created_us = store_rows_int64(r, row, 4);
  w->position = (int)store_rows_int64(r, row, 5);
  w->service_name = store_rows_get(r, row, 6);
  slot_read(r, row, WAIT_NCOLS, &w->slot);
}

/* --- rules, templates, closed days ------------------------------------------------------------ */

bool store_booking_rules_get(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                             store_booking_rules_t *out, eh_err_t *err) {
  const char *p[] = {i64(a, service_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_RULES, 1, p, err);
  if (r == NULL)
    return false;
  out->book_cutoff_minutes = (int)store_rows_int64(r, 0, 0);
  out->cancel_cutoff_minutes = (int)store_rows_int64(r, 0, 1);
  out->max_active = (int)store_rows_int64(r, 0, 2);
  out->max_per_week = (int)store_rows_int64(r, 0, 3);
  out->open_days_ahead = (int)store_rows_int64(r, 0, 4);
  out->waitlist = b_of(r, 0, 5);
  out->hold_minutes = (int)store_rows_int64(r, 0, 6);
  out->updated_us = store_rows_int64(r, 0, 7);
  return true;
}

bool store_booking_settings_put(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                                int64_t account_id, const store_booking_rules_t *rules,
                                const store_booking_template_t *tpl, size_t n_tpl,
                                const store_booking_closed_day_t *days, size_t n_days,
                                const char *tz, eh_err_t *err) {
  const char *sid = i64(a, service_id);
  const char *p[] = {sid,
                     int_s(a, rules->book_cutoff_minutes),
                     int_s(a, rules->cancel_cutoff_minutes),
                     int_s(a, rules->max_active),
                     int_s(a, rules->max_per_week),
                     int_s(a, rules->open_days_ahead),
                     rules->waitlist ? "true" : "false",
                     int_s(a, rules->hold_minutes),
                     i64(a, account_id)};
  if (store_pg_exec(a, conn, SQL_RULES_PUT, 9, p, err) == NULL)
    return false;
  const char *pc[] = {sid};
  if (store_pg_exec(a, conn, SQL_TEMPLATES_CLEAR, 1, pc, err) == NULL)
    return false;
  for (size_t i = 0; i < n_tpl; i++) {
    const char *pt[] = {sid,        int_s(a, tpl[i].weekday), tpl[i].start,
                        tpl[i].end, tpl[i].location,          int_s(a, tpl[i].capacity)};
    if (store_pg_exec(a, conn, SQL_TEMPLATE_ADD, 6, pt, err) == NULL)
      return false;
  }
  const char *pd[] = {sid, tz};
  if (store_pg_exec(a, conn, SQL_CLOSED_CLEAR, 2, pd, err) == NULL)
    return false;
  for (size_t i = 0; i < n_days; i++) {
    const char *pa[] = {sid, days[i].day, days[i].reason};
    if (store_pg_exec(a, conn, SQL_CLOSED_ADD, 3, pa, err) == NULL)
      return false;
  }
  return true;
}

bool store_booking_templates(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                             store_booking_template_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, service_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_TEMPLATES, 1, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    (*out)[i].weekday = (int)store_rows_int64(r, (int)i, 0);
    (*out)[i].start = store_rows_get(r, (int)i, 1);
    (*out)[i].end = store_rows_get(r, (int)i, 2);
    (*out)[i].location = store_rows_get(r, (int)i, 3);
    (*out)[i].capacity = (int)store_rows_int64(r, (int)i, 4);
  }
  return true;
}

bool store_booking_closed_days(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                               const char *tz, store_booking_closed_day_t **out, size_t *n,
                               eh_err_t *err) {
  const char *p[] = {i64(a, service_id), tz};
  store_rows_t *r = store_pg_exec(a, conn, SQL_CLOSED, 2, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    (*out)[i].day = store_rows_get(r, (int)i, 0);
    (*out)[i].reason = store_rows_get(r, (int)i, 1);
  }
  return true;
}

bool store_booking_generate(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                            int64_t account_id, const char *from_day, const char *to_day,
                            const char *tz, int *created, int *existing, const char ***skipped,
                            size_t *n_skipped, eh_err_t *err) {
  const char *p[] = {i64(a, service_id), from_day, to_day, tz, i64(a, account_id)};
  store_rows_t *s = store_pg_exec(a, conn, SQL_GENERATE_SKIPPED, 4, p, err);
  if (s == NULL)
    return false;
  *n_skipped = (size_t)store_rows_count(s);
  *skipped = arena_alloc(a, (*n_skipped ? *n_skipped : 1) * sizeof **skipped);
  for (size_t i = 0; i < *n_skipped; i++)
    (*skipped)[i] = store_rows_get(s, (int)i, 0);
  store_rows_t *r = store_pg_exec(a, conn, SQL_GENERATE, 5, p, err);
  if (r == NULL)
    return false;
  *created = (int)store_rows_int64(r, 0, 0);
  *existing = (int)(store_rows_int64(r, 0, 1) - *created);
  return true;
}

/* --- slots ------------------------------------------------------------------------------------ */

static void slots_read_extra(const store_rows_t *r, int row, store_booking_slot_t *s) {
  slot_read(r, row, 0, s);
  s->waiting = (int)store_rows_int64(r, row, SLOT_NCOLS);
  s->my_booking_id = store_rows_int64(r, row, SLOT_NCOLS + 1);
  s->my_waitlist_id = store_rows_int64(r, row, SLOT_NCOLS + 2);
}

bool store_booking_slots(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int64_t account_id,
                         const char *from_day, const char *to_day, const char *tz,
                         store_booking_slot_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, service_id), i64(a, account_id), from_day, to_day, tz};
  store_rows_t *r = store_pg_exec(a, conn, SQL_SLOTS, 5, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++)
    slots_read_extra(r, (int)i, &(*out)[i]);
  return true;
}

bool store_booking_slot_get(arena_t *a, store_pg_conn_t *conn, int64_t slot_id, bool lock,
                            const char *tz, store_booking_slot_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, slot_id), tz};
  if (lock && store_pg_exec(a, conn, SQL_SLOT_LOCK, 1, p, err) == NULL)
    return false;
  store_rows_t *r = store_pg_exec(a, conn, SQL_SLOT_GET, 2, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    slots_read_extra(r, 0, out);
  return true;
}

bool store_booking_seats_left(arena_t *a, store_pg_conn_t *conn, int64_t slot_id,
                              int64_t service_id, int *left, bool *open, eh_err_t *err) {
  const char *p[] = {i64(a, slot_id), i64(a, service_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_SEATS_LEFT, 2, p, err);
  if (r == NULL)
    return false;
  *open = store_rows_count(r) == 1 && b_of(r, 0, 1);
  *left = *open ? (int)store_rows_int64(r, 0, 0) : 0;
  return true;
}

bool store_booking_slot_insert(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                               int64_t account_id, const char *day, const char *start,
                               const char *end, const char *location, int capacity, const char *tz,
                               int64_t *id, eh_err_t *err) {
  const char *p[] = {i64(a, service_id), day, start, end, location, int_s(a, capacity), tz,
                     i64(a, account_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_SLOT_INSERT, 8, p, err);
  if (r == NULL)
    return false;
  *id = store_rows_int64(r, 0, 0);
  return true;
}

bool store_booking_slot_update(arena_t *a, store_pg_conn_t *conn, int64_t slot_id, int capacity,
                               int state, eh_err_t *err) {
  const char *p[] = {i64(a, slot_id), int_s(a, capacity), int_s(a, state)};
  return store_pg_exec(a, conn, SQL_SLOT_UPDATE, 3, p, err) != NULL;
}

/* --- bookings --------------------------------------------------------------------------------- */

bool store_booking_lock_person(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                               int64_t account_id, eh_err_t *err) {
  const char *p[] = {i64(a, service_id), i64(a, account_id)};
  return store_pg_exec(a, conn, SQL_LOCK_PERSON, 2, p, err) != NULL;
}

bool store_booking_claim(arena_t *a, store_pg_conn_t *conn, int64_t slot_id, int64_t service_id,
                         int64_t account_id, int state, const char *checkin_code,
                         bool from_waitlist, const char *tz, store_booking_t *got, int *remaining,
                         eh_err_t *err) {
  const char *p[] = {i64(a, slot_id),
                     i64(a, service_id),
                     i64(a, account_id),
                     int_s(a, state),
                     checkin_code,
                     from_waitlist ? "true" : "false",
                     tz};
  store_rows_t *r = store_pg_exec(a, conn, SQL_CLAIM, 7, p, err);
  if (r == NULL)
    return false;
  memset(got, 0, sizeof *got);
  *remaining = 0;
  if (store_rows_count(r) != 1)
    return true;
  got->id = store_rows_int64(r, 0, 0);
  *remaining = (int)store_rows_int64(r, 0, 1);
  got->account_id = account_id;
  got->service_id = service_id;
  got->state = state;
  got->checkin_code = arena_strdup(a, checkin_code);
  got->from_waitlist = from_waitlist;
  got->cancel_cutoff_minutes = (int)store_rows_int64(r, 0, 9);
  got->created_us = store_rows_int64(r, 0, 10);
  store_booking_slot_t *s = &got->slot;
  s->id = slot_id;
  s->service_id = service_id;
  s->starts_us = store_rows_int64(r, 0, 2);
  s->ends_us = store_rows_int64(r, 0, 3);
  s->day = store_rows_get(r, 0, 4);
  s->time = store_rows_get(r, 0, 5);
  s->location = store_rows_get(r, 0, 6);
  s->capacity = (int)store_rows_int64(r, 0, 7);
  s->booked = (int)store_rows_int64(r, 0, 8);
  s->state = 1;
  s->my_booking_id = got->id;
  return true;
}

bool store_booking_claim_facts(arena_t *a, store_pg_conn_t *conn, int64_t slot_id,
                               int64_t service_id, int64_t account_id, const char *tz,
                               store_booking_claim_facts_t *out, eh_err_t *err) {
  memset(out, 0, sizeof *out);
  if (!store_booking_rules_get(a, conn, service_id, &out->rules, err))
    return false;
  const char *p[] = {i64(a, slot_id), i64(a, service_id), i64(a, account_id), tz};
  store_rows_t *r = store_pg_exec(a, conn, SQL_CLAIM_FACTS, 4, p, err);
  if (r == NULL)
    return false;
  out->slot_found = b_of(r, 0, 0);
  out->state = (int)store_rows_int64(r, 0, 1);
  out->capacity = (int)store_rows_int64(r, 0, 2);
  out->booked = (int)store_rows_int64(r, 0, 3);
  out->starts_us = store_rows_int64(r, 0, 4);
  out->now_us = store_rows_int64(r, 0, 5);
  out->horizon_us = store_rows_int64(r, 0, 6);
  out->here = (int)store_rows_int64(r, 0, 7);
  out->active = (int)store_rows_int64(r, 0, 8);
  out->week = (int)store_rows_int64(r, 0, 9);
  return true;
}

bool store_booking_get(arena_t *a, store_pg_conn_t *conn, int64_t id, int64_t account_id, bool lock,
                       const char *tz, store_booking_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, id), i64(a, account_id), tz};
  if (lock && store_pg_exec(a, conn, SQL_BOOKING_LOCK, 1, p, err) == NULL)
    return false;
  store_rows_t *r = store_pg_exec(a, conn, SQL_BOOKING_GET, 3, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    booking_read(r, 0, out);
  return true;
}

bool store_booking_end(arena_t *a, store_pg_conn_t *conn, int64_t id, int state, eh_err_t *err) {
  const char *p[] = {i64(a, id), int_s(a, state)};
  return store_pg_exec(a, conn, SQL_BOOKING_END, 2, p, err) != NULL;
}

bool store_booking_confirm(arena_t *a, store_pg_conn_t *conn, int64_t id, eh_err_t *err) {
  const char *p[] = {i64(a, id)};
  return store_pg_exec(a, conn, SQL_BOOKING_CONFIRM, 1, p, err) != NULL;
}

bool store_booking_check_in(arena_t *a, store_pg_conn_t *conn, int64_t id, int64_t staff_id,
                            eh_err_t *err) {
  const char *p[] = {i64(a, id), i64(a, staff_id)};
  return store_pg_exec(a, conn, SQL_BOOKING_CHECK_IN, 2, p, err) != NULL;
}

bool store_booking_by_code(arena_t *a, store_pg_conn_t *conn, const char *code, const char *tz,
                           store_booking_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {code, tz};
  store_rows_t *r = store_pg_exec(a, conn, SQL_BOOKING_BY_CODE, 2, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    booking_read(r, 0, out);
  return true;
}

bool store_booking_mine(arena_t *a, store_pg_conn_t *conn, int64_t account_id, bool include_past,
                        const char *tz, store_booking_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, account_id), include_past ? "true" : "false", tz};
  store_rows_t *r = store_pg_exec(a, conn, SQL_BOOKING_MINE, 3, p, err);
  return r != NULL && bookings_read(a, r, out, n);
}

bool store_booking_day(arena_t *a, store_pg_conn_t *conn, const char *day, int64_t account_id,
                       bool hall_admin, int64_t service_id, const char *tz, store_booking_t **out,
                       size_t *n, eh_err_t *err) {
  const char *p[] = {day, i64(a, account_id), hall_admin ? "true" : "false", i64(a, service_id),
                     tz};
  store_rows_t *r = store_pg_exec(a, conn, SQL_BOOKING_DAY, 5, p, err);
  return r != NULL && bookings_read(a, r, out, n);
}

/* --- waitlist --------------------------------------------------------------------------------- */

bool store_booking_wait_insert(arena_t *a, store_pg_conn_t *conn, int64_t slot_id,
                               int64_t account_id, int64_t *id, eh_err_t *err) {
  const char *p[] = {i64(a, slot_id), i64(a, account_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_WAIT_INSERT, 2, p, err);
  if (r == NULL)
    return false;
  *id = store_rows_int64(r, 0, 0);
  return true;
}

bool store_booking_wait_count(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int *n,
                              eh_err_t *err) {
  const char *p[] = {i64(a, account_id)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_WAIT_COUNT, 1, p, err);
  if (r == NULL)
    return false;
  *n = (int)store_rows_int64(r, 0, 0);
  return true;
}

bool store_booking_wait_get(arena_t *a, store_pg_conn_t *conn, int64_t id, int64_t account_id,
                            const char *tz, store_booking_wait_t *out, bool *found, eh_err_t *err) {
  const char *p[] = {i64(a, id), i64(a, account_id), tz};
  store_rows_t *r = store_pg_exec(a, conn, SQL_WAIT_GET, 3, p, err);
  if (r == NULL)
    return false;
  *found = store_rows_count(r) == 1;
  if (*found)
    wait_read(r, 0, out);
  return true;
}

bool store_booking_wait_end(arena_t *a, store_pg_conn_t *conn, int64_t id, int state,
                            int64_t booking_id, eh_err_t *err) {
  const char *p[] = {i64(a, id), int_s(a, state), i64(a, booking_id)};
  return store_pg_exec(a, conn, SQL_WAIT_END, 3, p, err) != NULL;
}

bool store_booking_waits_mine(arena_t *a, store_pg_conn_t *conn, int64_t account_id, const char *tz,
                              store_booking_wait_t **out, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, account_id), tz};
  store_rows_t *r = store_pg_exec(a, conn, SQL_WAITS_MINE, 2, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++)
    wait_read(r, (int)i, &(*out)[i]);
  return true;
}

bool store_booking_wait_queue(arena_t *a, store_pg_conn_t *conn, int64_t slot_id, int max,
                              int64_t **ids, int64_t **accounts, size_t *n, eh_err_t *err) {
  const char *p[] = {i64(a, slot_id), int_s(a, max)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_WAIT_QUEUE, 2, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *ids = arena_alloc(a, (*n ? *n : 1) * sizeof **ids);
  *accounts = arena_alloc(a, (*n ? *n : 1) * sizeof **accounts);
  for (size_t i = 0; i < *n; i++) {
    (*ids)[i] = store_rows_int64(r, (int)i, 0);
    (*accounts)[i] = store_rows_int64(r, (int)i, 1);
  }
  return true;
}

/* --- holds and stale waitlist entries --------------------------------------------------------- */

bool store_booking_holds_due(arena_t *a, store_pg_conn_t *conn, int max, store_booking_due_t **out,
                             size_t *n, eh_err_t *err) {
  const char *p[] = {int_s(a, max)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_HOLDS_DUE, 1, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    (*out)[i].id = store_rows_int64(r, (int)i, 0);
    (*out)[i].slot_id = store_rows_int64(r, (int)i, 1);
    (*out)[i].service_id = store_rows_int64(r, (int)i, 2);
    (*out)[i].application_id = store_rows_int64(r, (int)i, 3);
  }
  return true;
}

bool store_booking_waits_expire(arena_t *a, store_pg_conn_t *conn, int *n, eh_err_t *err) {
  store_rows_t *r = store_pg_exec(a, conn, SQL_WAITS_EXPIRE, 0, NULL, err);
  if (r == NULL)
    return false;
  *n = store_rows_affected(r);
  return true;
}

/* --- the hall calendar ------------------------------------------------------------------------ */

bool store_booking_holidays(arena_t *a, store_pg_conn_t *conn, const char *from_day,
                            const char *to_day, store_booking_holiday_t **out, size_t *n,
                            eh_err_t *err) {
  const char *p[] = {from_day, to_day};
  store_rows_t *r = store_pg_exec(a, conn, SQL_HOLIDAYS, 2, p, err);
  if (r == NULL)
    return false;
  *n = (size_t)store_rows_count(r);
  *out = arena_alloc(a, (*n ? *n : 1) * sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    (*out)[i].day = store_rows_get(r, (int)i, 0);
    (*out)[i].workday = b_of(r, (int)i, 1);
    (*out)[i].name = store_rows_get(r, (int)i, 2);
  }
  return true;
}

bool store_booking_holiday_put(arena_t *a, store_pg_conn_t *conn, const char *day, bool workday,
                               const char *name, bool remove, int64_t account_id, eh_err_t *err) {
  if (remove) {
    const char *p[] = {day};
    return store_pg_exec(a, conn, SQL_HOLIDAY_DELETE, 1, p, err) != NULL;
  }
  const char *p[] = {day, workday ? "true" : "false", name, i64(a, account_id)};
  return store_pg_exec(a, conn, SQL_HOLIDAY_PUT, 4, p, err) != NULL;
}

bool store_booking_holiday_close_slots(arena_t *a, store_pg_conn_t *conn, const char *day,
                                       const char *tz, int *closed, int *with_bookings,
                                       eh_err_t *err) {
  const char *p[] = {day, tz};
  store_rows_t *r = store_pg_exec(a, conn, SQL_HOLIDAY_CLOSE_SLOTS, 2, p, err);
  if (r == NULL)
    return false;
  *closed = (int)store_rows_int64(r, 0, 0);
  *with_bookings = (int)store_rows_int64(r, 0, 1);
  return true;
}

bool store_booking_today(arena_t *a, store_pg_conn_t *conn, const char *tz, int plus_days,
                         const char **day, eh_err_t *err) {
  const char *p[] = {tz, int_s(a, plus_days)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_TODAY, 2, p, err);
  if (r == NULL)
    return false;
  *day = store_rows_get(r, 0, 0);
  return true;
}

/* --- Redis tickets ---------------------------------------------------------------------------- */

/* Per service and slot: a count answers only through the service the caller was let into. */
static const char *ticket_key(arena_t *a, int64_t service_id, int64_t slot_id) {
  return arena_printf(a, KEY_TICKETS "%" PRId64 ":%" PRId64, service_id, slot_id);
}

int store_booking_ticket_take(arena_t *a, store_redis_pool_t *pool, int64_t service_id,
                              int64_t slot_id, eh_err_t *err) {
  const char *args[] = {ticket_key(a, service_id, slot_id)};
  store_redis_reply_t *r = store_redis_eval(a, pool, &script_take, 1, 1, args, err);
  if (r == NULL || store_redis_reply_type(r) != STORE_REDIS_INTEGER)
    return -1;
  return (int)store_redis_reply_int(r);
}

void store_booking_ticket_return(arena_t *a, store_redis_pool_t *pool, int64_t service_id,
                                 int64_t slot_id) {
  eh_err_t err = EH_ERR_INIT;
  const char *args[] = {ticket_key(a, service_id, slot_id)};
  (void)store_redis_eval(a, pool, &script_return, 1, 1, args, &err);
}

void store_booking_ticket_seed(arena_t *a, store_redis_pool_t *pool, int64_t service_id,
                               int64_t slot_id, int remaining, bool overwrite) {
  eh_err_t err = EH_ERR_INIT;
  const char *argv[] = {"SET",
                        ticket_key(a, service_id, slot_id),
                        int_s(a, remaining < 0 ? 0 : remaining),
                        "EX",
                        TICKET_TTL_S,
                        overwrite ? "XX" : "NX"};
  /* A full slot (overwrite) sets 0 even when the count expired meanwhile. */
  (void)store_redis_cmd(a, pool, overwrite && remaining <= 0 ? 5 : 6, argv, NULL, &err);
}

void store_booking_ticket_forget(arena_t *a, store_redis_pool_t *pool, int64_t service_id,
                                 int64_t slot_id) {
  eh_err_t err = EH_ERR_INIT;
  const char *argv[] = {"DEL", ticket_key(a, service_id, slot_id)};
  (void)store_redis_cmd(a, pool, 2, argv, NULL, &err);
}
