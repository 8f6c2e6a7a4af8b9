/*
 * booking_rules.c — the pure part of booking (booking_rules.h).
 */
#include "core/forms/booking_rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/common/text.h"

#define US_PER_MIN INT64_C(60000000)

booking_refusal_t booking_refusal(const booking_facts_t *f) {
  if (!f->slot_found)
    return BOOKING_NO_SLOT;
  if (f->state != SLOT_OPEN)
    return BOOKING_SLOT_CLOSED;
  if (f->starts_us <= f->now_us + (int64_t)f->rules.book_cutoff_minutes * US_PER_MIN)
    return BOOKING_TOO_LATE;
  if (f->starts_us >= f->horizon_us)
    return BOOKING_NOT_YET_OPEN;
  if (f->here > 0)
    return BOOKING_ALREADY;
  if (f->active >= f->rules.max_active)
    return BOOKING_QUOTA_ACTIVE;
  if (f->rules.max_per_week > 0 && f->week >= f->rules.max_per_week)
    return BOOKING_QUOTA_WEEK;
  if (f->booked >= f->capacity)
    return BOOKING_FULL;
  return BOOKING_OK;
}

bool booking_refusal_err(booking_refusal_t why, const booking_rules_t *rules, eh_err_t *err) {
  switch (why) {
  case BOOKING_OK:
    break;
  case BOOKING_NO_SLOT:
    return eh_err_set(err, EH_NOT_FOUND, "slot_id", "没有这个预约时段", "no such slot");
  case BOOKING_SLOT_CLOSED:
    return eh_err_set(err, EH_FAILED_PRECONDITION, "slot_id", "该时段已停止预约",
                      "this slot is closed for booking");
  case BOOKING_TOO_LATE:
    return eh_err_set(err, EH_FAILED_PRECONDITION, "slot_id",
                      "该时段已截止预约（开始前 %d 分钟截止）",
                      "booking for this slot has closed (%d minutes before it starts)",
                      rules->book_cutoff_minutes);
  case BOOKING_NOT_YET_OPEN:
    return eh_err_set(
        err, EH_FAILED_PRECONDITION, "slot_id", "该时段尚未开放预约（最多可提前 %d 天预约）",
        "this slot is not open yet (bookable up to %d days ahead)", rules->open_days_ahead);
  case BOOKING_ALREADY:
    return eh_err_set(err, EH_ALREADY_EXISTS, "slot_id", "您已预约该时段",
                      "you have booked this slot already");
  case BOOKING_QUOTA_ACTIVE:
    return eh_err_set(err, EH_RESOURCE_EXHAUSTED, "quota",
                      "您在本服务已有 %d 个未完成的预约，请先办理或取消",
                      "you already hold %d open bookings of this service; use or cancel one first",
                      rules->max_active);
  case BOOKING_QUOTA_WEEK:
    return eh_err_set(err, EH_RESOURCE_EXHAUSTED, "quota", "本服务每周最多预约 %d 次",
                      "this service can be booked at most %d times a week", rules->max_per_week);
  case BOOKING_FULL:
    /* The same words whether PostgreSQL or the Redis tickets found it full; the page offers
     * the waitlist when the slot's rules have one. */
    return eh_err_set(err, EH_RESOURCE_EXHAUSTED, "slot_id", "该时段已约满",
                      "this slot is fully booked");
  }
  return eh_err_set(err, EH_INTERNAL, NULL, "预约失败", "booking failed");
}

bool booking_slot_bookable(const booking_rules_t *rules, int state, int capacity, int booked,
                           int64_t starts_us, int64_t now_us) {
  return state == SLOT_OPEN && booked < capacity &&
         starts_us > now_us + (int64_t)rules->book_cutoff_minutes * US_PER_MIN;
}

bool booking_waitlist_open(const booking_rules_t *rules, int state, int capacity, int booked,
                           int64_t starts_us, int64_t now_us) {
  return rules->waitlist && state == SLOT_OPEN && booked >= capacity &&
         starts_us > now_us + (int64_t)rules->book_cutoff_minutes * US_PER_MIN;
}

int64_t booking_cancel_until_us(int64_t starts_us, int cancel_cutoff_minutes) {
  return starts_us - (int64_t)cancel_cutoff_minutes * US_PER_MIN;
}

bool booking_can_cancel(int state, int64_t starts_us, int cancel_cutoff_minutes, int64_t now_us) {
  return (state == BOOKING_HELD || state == BOOKING_BOOKED) &&
         now_us < booking_cancel_until_us(starts_us, cancel_cutoff_minutes);
}

/* --- what departments enter ------------------------------------------------------------------- */

static bool digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

static bool day_parse(const char *s, int *y, int *m, int *d) {
  if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) ||
      !digits(s + 5, 2) || !digits(s + 8, 2))
    return false;
  *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  *m = (s[5] - '0') * 10 + (s[6] - '0');
  *d = (s[8] - '0') * 10 + (s[9] - '0');
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (*y < 2000 || *y > 2999 || *m < 1 || *m > 12 || *d < 1)
    return false;
  bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
  return *d <= mdays[*m - 1] + (*m == 2 && leap);
}

bool booking_day_valid(const char *s) {
  int y, m, d;
  return day_parse(s, &y, &m, &d);
}

/* Days since 1970-01-01 (civil calendar; Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int booking_days_between(const char *a, const char *b) {
  int ya, ma, da, yb, mb, db;
  if (!day_parse(a, &ya, &ma, &da) || !day_parse(b, &yb, &mb, &db))
    return 0;
  return (int)(days_from_civil(yb, mb, db) - days_from_civil(ya, ma, da));
}

bool booking_time_valid(const char *s) {
  if (s == NULL || strlen(s) != 5 || s[2] != ':' || !digits(s, 2) || !digits(s + 3, 2))
    return false;
  return (s[0] - '0') * 10 + (s[1] - '0') < 24 && (s[3] - '0') * 10 + (s[4] - '0') < 60;
}

static bool range(int v, int lo, int hi, const char *prefix, const char *name, eh_err_t *err) {
  if (v >= lo && v <= hi)
    return true;
  char field[64];
  snprintf(field, sizeof field, "%s%s%s", prefix, *prefix ? "." : "", name);
  return eh_err_set(err, EH_INVALID, field, "应在 %d 到 %d 之间", "must be between %d and %d", lo,
                    hi);
}

bool booking_rules_check(const booking_rules_t *r, const char *prefix, eh_err_t *err) {
  bool ok = range(r->book_cutoff_minutes, 0, 43200, prefix, "book_cutoff_minutes", err);
  ok &= range(r->cancel_cutoff_minutes, 0, 43200, prefix, "cancel_cutoff_minutes", err);
  ok &= range(r->max_active, 1, 20, prefix, "max_active", err);
  ok &= range(r->max_per_week, 0, 50, prefix, "max_per_week", err);
  ok &= range(r->open_days_ahead, 1, 365, prefix, "open_days_ahead", err);
  ok &= range(r->hold_minutes, 5, 43200, prefix, "hold_minutes", err);
  return ok;
}

static bool field_err(const char *prefix, const char *name, const char *zh, const char *en,
                      eh_err_t *err) {
  char field[64];
  snprintf(field, sizeof field, "%s%s%s", prefix, *prefix ? "." : "", name);
  return eh_err_set(err, EH_INVALID, field, "%s%.0s", "%.0s%s", zh, en);
}

bool booking_times_check(const char *start, const char *end, const char *location, int capacity,
                         const char *prefix, eh_err_t *err) {
  bool ok = true;
  bool times = booking_time_valid(start) && booking_time_valid(end);
  if (!booking_time_valid(start))
    ok = field_err(prefix, "start_time", "时间格式应为 HH:MM", "use HH:MM", err);
  if (!booking_time_valid(end))
    ok = field_err(prefix, "end_time", "时间格式应为 HH:MM", "use HH:MM", err);
  if (times && strcmp(start, end) >= 0)
    ok = field_err(prefix, "end_time", "结束时间应晚于开始时间", "must be after the start", err);
  if (location == NULL || !text_utf8_valid(location, strlen(location)) ||
      text_utf8_length(location, strlen(location)) > BOOKING_LOCATION_MAX)
    ok = field_err(prefix, "location", "地点最多 64 个字", "at most 64 characters", err);
  ok &= range(capacity, 1, BOOKING_CAPACITY_MAX, prefix, "capacity", err);
  return ok;
}

/* --- the calendar file ------------------------------------------------------------------------ */

typedef struct {
  arena_t *a;
  char *buf;
  size_t len, cap;
} sb_t;

static void sb_put(sb_t *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->cap ? b->cap : 512) * 2;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *nb = arena_alloc(b->a, cap);
    if (b->len > 0)
      memcpy(nb, b->buf, b->len);
    b->buf = nb;
    b->cap = cap;
  }
  memcpy(b->buf + b->len, s, n);
  b->len += n;
  b->buf[b->len] = '\0';
}

/* One content line: folded at 75 octets (RFC 5545 3.1) on a UTF-8 character boundary. */
static void ics_line(sb_t *b, const char *line) {
  size_t n = strlen(line), col = 0;
  for (size_t i = 0; i < n;) {
    size_t clen = 1;
    unsigned char c = (unsigned char)line[i];
    if (c >= 0xf0)
      clen = 4;
    else if (c >= 0xe0)
      clen = 3;
    else if (c >= 0xc0)
      clen = 2;
    if (i + clen > n)
      clen = n - i;
    if (col + clen > 75) {
      sb_put(b, "\r\n ", 3);
      col = 1;
    }
    sb_put(b, line + i, clen);
    col += clen;
    i += clen;
  }
  sb_put(b, "\r\n", 2);
}

/* TEXT value escaping (RFC 5545 3.3.11); control characters dropped. */
static const char *ics_text(arena_t *a, const char *s) {
  size_t n = s ? strlen(s) : 0;
  char *out = arena_alloc(a, n * 2 + 1), *o = out;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '\\' || c == ';' || c == ',') {
      *o++ = '\\';
      *o++ = c;
    } else if (c == '\n') {
      *o++ = '\\';
      *o++ = 'n';
    } else if ((unsigned char)c >= 0x20 && c != 0x7f) {
      *o++ = c;
    }
  }
  *o = '\0';
  return out;
}

static const char *ics_time(arena_t *a, int64_t us) {
  time_t t = (time_t)(us / 1000000);
  struct tm tm;
  gmtime_r(&t, &tm);
  return arena_printf(a, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                      tm.tm_hour, tm.tm_min, tm.tm_sec);
}

char *booking_ics_render(arena_t *a, const booking_ics_t *e, size_t *len) {
  sb_t b = {.a = a};
  ics_line(&b, "BEGIN:VCALENDAR");
  ics_line(&b, "VERSION:2.0");
  ics_line(&b, "PRODID:-//ehall//booking//ZH");
  ics_line(&b, "CALSCALE:GREGORIAN");
  ics_line(&b, e->cancelled ? "METHOD:CANCEL" : "METHOD:PUBLISH");
  ics_line(&b, "BEGIN:VEVENT");
  ics_line(&b, arena_printf(a, "UID:booking-%" PRId64 "@%s", e->booking_id, e->host));
  ics_line(&b, arena_printf(a, "DTSTAMP:%s", ics_time(a, e->stamp_us)));
  ics_line(&b, arena_printf(a, "DTSTART:%s", ics_time(a, e->starts_us)));
  ics_line(&b, arena_printf(a, "DTEND:%s", ics_time(a, e->ends_us)));
  ics_line(&b, arena_printf(a, "SUMMARY:%s", ics_text(a, e->summary)));
  if (e->location != NULL && e->location[0] != '\0')
    ics_line(&b, arena_printf(a, "LOCATION:%s", ics_text(a, e->location)));
  if (e->description != NULL && e->description[0] != '\0')
    ics_line(&b, arena_printf(a, "DESCRIPTION:%s", ics_text(a, e->description)));
  ics_line(&b, e->cancelled ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
  if (!e->cancelled) {
    ics_line(&b, "BEGIN:VALARM");
    ics_line(&b, "ACTION:DISPLAY");
    ics_line(&b, "DESCRIPTION:预约提醒");
    ics_line(&b, "TRIGGER:-PT30M");
    ics_line(&b, "END:VALARM");
  }
  ics_line(&b, "END:VEVENT");
  ics_line(&b, "END:VCALENDAR");
  *len = b.len;
  return b.buf;
}
