/*
 * booking_rules_test.c — why a seat is refused (in the order a person can act on), the cancel
 * window, what departments enter (each bad field named), and the .ics file (escaping, folding
 * on UTF-8 boundaries, UTC times).
 */
#include <stdbool.h>
#include <string.h>

#include "core/common/arena.h"
#include "core/forms/booking_rules.h"
#include "tests/unit/test.h"

static arena_t *A;

#define MIN INT64_C(60000000)
#define NOW (INT64_C(1796000000) * 1000000)

static booking_facts_t open_slot(void) {
  booking_facts_t f = {
      .slot_found = true,
      .state = SLOT_OPEN,
      .capacity = 10,
      .booked = 3,
      .starts_us = NOW + 120 * MIN,
      .now_us = NOW,
      .horizon_us = NOW + 14 * 24 * 60 * MIN,
      .rules = {.book_cutoff_minutes = 30,
                .cancel_cutoff_minutes = 60,
                .max_active = 1,
                .max_per_week = 0,
                .open_days_ahead = 14,
                .waitlist = true,
                .hold_minutes = 60},
  };
  return f;
}

static void test_refusal_order(void) {
  booking_facts_t f = open_slot();
  CHECK_INT(booking_refusal(&f), BOOKING_OK);
  f.booked = 10;
  CHECK_INT(booking_refusal(&f), BOOKING_FULL);
  /* his own limit comes before "full": no waitlist he could never leave */
  f.active = 1;
  CHECK_INT(booking_refusal(&f), BOOKING_QUOTA_ACTIVE);
  f.here = 1;
  CHECK_INT(booking_refusal(&f), BOOKING_ALREADY);
  f = open_slot();
  f.rules.max_active = 5;
  f.rules.max_per_week = 2;
  f.active = 2;
  f.week = 2;
  CHECK_INT(booking_refusal(&f), BOOKING_QUOTA_WEEK);
  f.week = 1;
  CHECK_INT(booking_refusal(&f), BOOKING_OK);
  /* the cut-off: 30 minutes before the start is already too late */
  f = open_slot();
  f.starts_us = NOW + 30 * MIN;
  CHECK_INT(booking_refusal(&f), BOOKING_TOO_LATE);
  f.starts_us = NOW + 30 * MIN + 1;
  CHECK_INT(booking_refusal(&f), BOOKING_OK);
  f.starts_us = f.horizon_us;
  CHECK_INT(booking_refusal(&f), BOOKING_NOT_YET_OPEN);
  f = open_slot();
  f.state = SLOT_CLOSED;
  f.booked = 10;
  CHECK_INT(booking_refusal(&f), BOOKING_SLOT_CLOSED);
  f.slot_found = false;
  CHECK_INT(booking_refusal(&f), BOOKING_NO_SLOT);
}

static void test_refusal_errors(void) {
  booking_facts_t f = open_slot();
  eh_err_t err = EH_ERR_INIT;
  CHECK(!booking_refusal_err(BOOKING_FULL, &f.rules, &err));
  CHECK_INT(err.code, EH_RESOURCE_EXHAUSTED);
  CHECK_STR(err.fields[0].field, "slot_id");
  CHECK(strstr(err.message, "已约满") != NULL);
  eh_err_clear(&err);
  f.rules.max_per_week = 2;
  booking_refusal_err(BOOKING_QUOTA_WEEK, &f.rules, &err);
  CHECK_INT(err.code, EH_RESOURCE_EXHAUSTED);
  CHECK_STR(err.fields[0].field, "quota");
  CHECK(strstr(err.message, "每周最多预约 2 次") != NULL);
  CHECK(strstr(err.message_en, "at most 2 times a week") != NULL);
  eh_err_clear(&err);
  booking_refusal_err(BOOKING_TOO_LATE, &f.rules, &err);
  CHECK_INT(err.code, EH_FAILED_PRECONDITION);
  CHECK(strstr(err.message, "30 分钟") != NULL);
  eh_err_clear(&err);
  booking_refusal_err(BOOKING_ALREADY, &f.rules, &err);
  CHECK_INT(err.code, EH_ALREADY_EXISTS);
}

static void test_bookable_waitlist_cancel(void) {
  booking_rules_t r = open_slot().rules;
  int64_t start = NOW + 120 * MIN;
  CHECK(booking_slot_bookable(&r, SLOT_OPEN, 2, 1, start, NOW));
  CHECK(!booking_slot_bookable(&r, SLOT_OPEN, 2, 2, start, NOW));
  CHECK(!booking_slot_bookable(&r, SLOT_CLOSED, 2, 1, start, NOW));
  CHECK(booking_waitlist_open(&r, SLOT_OPEN, 2, 2, start, NOW));
  CHECK(!booking_waitlist_open(&r, SLOT_OPEN, 2, 1, start, NOW)); /* a seat is free: book */
  r.waitlist = false;
  CHECK(!booking_waitlist_open(&r, SLOT_OPEN, 2, 2, start, NOW));
  /* cancelling closes 60 minutes before */
  CHECK(booking_can_cancel(BOOKING_BOOKED, start, 60, NOW));
  CHECK(booking_can_cancel(BOOKING_HELD, start, 60, NOW));
  CHECK(!booking_can_cancel(BOOKING_BOOKED, start, 60, start - 60 * MIN));
  CHECK(!booking_can_cancel(BOOKING_CHECKED_IN, start, 60, NOW));
  CHECK(!booking_can_cancel(BOOKING_CANCELLED, start, 60, NOW));
  CHECK(booking_cancel_until_us(start, 60) == NOW + 60 * MIN);
}

static void test_days_and_times(void) {
  CHECK(booking_day_valid("2026-12-01"));
  CHECK(booking_day_valid("2028-02-29"));
  CHECK(!booking_day_valid("2026-02-29"));
  CHECK(!booking_day_valid("2100-02-29"));
  CHECK(booking_day_valid("2000-02-29"));
  CHECK(!booking_day_valid("2026-13-01"));
  CHECK(!booking_day_valid("2026-1-01"));
  CHECK(!booking_day_valid("2026-12-01x"));
  CHECK(!booking_day_valid(NULL));
  CHECK_INT(booking_days_between("2026-12-30", "2027-01-02"), 3);
  CHECK_INT(booking_days_between("2028-02-28", "2028-03-01"), 2);
  CHECK_INT(booking_days_between("2026-12-02", "2026-12-01"), -1);
  CHECK(booking_time_valid("00:00"));
  CHECK(booking_time_valid("23:59"));
  CHECK(!booking_time_valid("24:00"));
  CHECK(!booking_time_valid("9:30"));
  CHECK(!booking_time_valid("09:60"));
}

static void test_checks_name_fields(void) {
  eh_err_t err = EH_ERR_INIT;
  booking_rules_t r = open_slot().rules;
  CHECK(booking_rules_check(&r, "rules", &err));
  r.max_active = 0;
  r.open_days_ahead = 400;
  CHECK(!booking_rules_check(&r, "rules", &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK_INT(err.nfields, 2);
  CHECK_STR(err.fields[0].field, "rules.max_active");
  CHECK_STR(err.fields[1].field, "rules.open_days_ahead");
  eh_err_clear(&err);
  CHECK(booking_times_check("09:00", "09:30", "行政楼 101", 5, "templates[0]", &err));
  CHECK(!booking_times_check("10:00", "09:30", "", 0, "templates[3]", &err));
  CHECK_INT(err.nfields, 2);
  CHECK_STR(err.fields[0].field, "templates[3].end_time");
  CHECK_STR(err.fields[1].field, "templates[3].capacity");
  eh_err_clear(&err);
  /* 64 characters of Chinese pass, 65 do not; invalid UTF-8 does not */
  char loc[65 * 3 + 1] = "";
  for (int i = 0; i < 64; i++)
    strcat(loc, "楼");
  CHECK(booking_times_check("09:00", "09:30", loc, 1, "", &err));
  strcat(loc, "楼");
  CHECK(!booking_times_check("09:00", "09:30", loc, 1, "", &err));
  CHECK_STR(err.fields[0].field, "location");
  eh_err_clear(&err);
  CHECK(!booking_times_check("09:00", "09:30", "\xff", 1, "", &err));
  eh_err_clear(&err);
  CHECK(!booking_times_check("9", "09:30", "x", 10001, "", &err));
  CHECK_STR(err.fields[0].field, "start_time");
  CHECK_STR(err.fields[1].field, "capacity");
}

static void test_ics(void) {
  booking_ics_t e = {
      .booking_id = 42,
      .host = "ehall",
      .summary = "预约：心理咨询预约",
      .location = "行政楼 101; 东区, 一层\\",
      .description = "学生处 · 签到码 12345678\nline two",
      .starts_us = INT64_C(1796090400) * 1000000, /* 2026-12-01 02:00:00 UTC */
      .ends_us = INT64_C(1796092200) * 1000000,
      .stamp_us = INT64_C(1796000000) * 1000000,
  };
  size_t len = 0;
  char *s = booking_ics_render(A, &e, &len);
  CHECK_INT((long)len, (long)strlen(s));
  CHECK(strncmp(s, "BEGIN:VCALENDAR\r\n", 17) == 0);
  CHECK(strstr(s, "UID:booking-42@ehall\r\n") != NULL);
  CHECK(strstr(s, "DTSTART:20261201T020000Z\r\n") != NULL);
  CHECK(strstr(s, "DTEND:20261201T023000Z\r\n") != NULL);
  CHECK(strstr(s, "LOCATION:行政楼 101\\; 东区\\, 一层\\\\\r\n") != NULL);
  CHECK(strstr(s, "\\nline two") != NULL);
  CHECK(strstr(s, "STATUS:CONFIRMED") != NULL);
  /* every physical line ≤ 75 octets and no UTF-8 character split by a fold */
  const char *p = s;
  while (*p) {
    const char *eol = strstr(p, "\r\n");
    CHECK(eol != NULL);
    CHECK(eol - p <= 75);
    if (eol[2] == ' ')
      CHECK(((unsigned char)eol[3] & 0xc0) != 0x80);
    p = eol + 2;
  }
  /* a long Chinese summary is folded */
  e.summary = "预约：一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十";
  e.cancelled = true;
  s = booking_ics_render(A, &e, &len);
  CHECK(strstr(s, "\r\n ") != NULL);
  CHECK(strstr(s, "STATUS:CANCELLED") != NULL);
  CHECK(strstr(s, "VALARM") == NULL);
}

int main(void) {
  A = arena_create(0);
  RUN(test_refusal_order);
  RUN(test_refusal_errors);
  RUN(test_bookable_waitlist_cancel);
  RUN(test_days_and_times);
  RUN(test_checks_name_fields);
  RUN(test_ics);
  arena_destroy(A);
  return test_done();
}
