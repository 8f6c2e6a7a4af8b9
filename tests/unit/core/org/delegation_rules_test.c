/*
 * delegation_rules_test.c — delegation dates (parsing, range checks against today) and the
 * graph decisions: overlaps of one delegator, cycles of two and three people, and what is not a
 * cycle (days that never meet, groups that never meet, a chain without a way back).
 */
#include <string.h>

#include "core/common/arena.h"
#include "core/org/delegation_rules.h"
#include "tests/unit/test.h"

static arena_t *A;

static int32_t day(const char *s) {
  int32_t d = 0;
  CHECK(delegation_date_parse(s, &d));
  return d;
}

static void test_dates(void) {
  int32_t d;
  CHECK(delegation_date_parse("1970-01-02", &d) == false); /* before 2000: refused */
  CHECK(delegation_date_parse("2026-11-28", &d));
  CHECK_STR(delegation_date_format(A, d), "2026-11-28");
  CHECK_INT(day("2026-03-01") - day("2026-02-28"), 1);
  CHECK_INT(day("2028-03-01") - day("2028-02-28"), 2); /* leap year */
  CHECK(!delegation_date_parse("2026-02-29", &d));
  CHECK(!delegation_date_parse("2026-13-01", &d));
  CHECK(!delegation_date_parse("2026-1-01", &d));
  CHECK(!delegation_date_parse("2026/11/28", &d));
  CHECK(!delegation_date_parse("", &d));
  CHECK(!delegation_date_parse(NULL, &d));
  CHECK(!delegation_date_parse("2026-11-28T00", &d));
}

static void test_check_dates(void) {
  int32_t today = day("2026-11-28"), s, e;
  eh_err_t err = EH_ERR_INIT;
  CHECK(delegation_check_dates("2026-11-28", "2026-11-28", today, &s, &e, &err));
  CHECK(delegation_check_dates("2026-11-01", "2026-11-28", today, &s, &e, &err)); /* started */
  CHECK(delegation_check_dates("2026-12-01", "2027-12-01", today, &s, &e, &err)); /* 366 days */
  eh_err_clear(&err);
  CHECK(!delegation_check_dates("2026-12-01", "2027-12-02", today, &s, &e, &err));
  CHECK_INT(err.code, EH_INVALID);
  eh_err_clear(&err);
  CHECK(!delegation_check_dates("2026-11-20", "2026-11-27", today, &s, &e, &err)); /* past */
  CHECK_STR(err.fields[0].field, "end_date");
  eh_err_clear(&err);
  CHECK(!delegation_check_dates("2026-12-02", "2026-12-01", today, &s, &e, &err));
  eh_err_clear(&err);
  CHECK(!delegation_check_dates("tomorrow", "2026-12-01", today, &s, &e, &err));
  CHECK_STR(err.fields[0].field, "start_date");
}

static delegation_edge_t edge(int64_t id, int64_t from, int64_t to, int64_t group,
                              const char *start, const char *end) {
  static const char *names[] = {"", "甲", "乙", "丙", "丁"};
  delegation_edge_t e = {id, from, to, group, day(start), day(end), names[from], names[to]};
  return e;
}

static void test_overlap(void) {
  delegation_edge_t have[] = {edge(1, 1, 2, 7, "2026-12-01", "2026-12-10")};
  delegation_edge_t add = edge(0, 1, 3, 7, "2026-12-10", "2026-12-12");
  CHECK_INT(delegation_find_overlap(have, 1, &add), 0);
  add = edge(0, 1, 3, 0, "2026-12-05", "2026-12-06"); /* all groups meets group 7 */
  CHECK_INT(delegation_find_overlap(have, 1, &add), 0);
  add = edge(0, 1, 3, 8, "2026-12-05", "2026-12-06"); /* another group */
  CHECK_INT(delegation_find_overlap(have, 1, &add), -1);
  add = edge(0, 1, 3, 7, "2026-12-11", "2026-12-12"); /* after */
  CHECK_INT(delegation_find_overlap(have, 1, &add), -1);
  add = edge(0, 2, 3, 7, "2026-12-01", "2026-12-12"); /* someone else */
  CHECK_INT(delegation_find_overlap(have, 1, &add), -1);
}

static void test_cycles(void) {
  const char **names;
  size_t n;
  /* A→B, then B→A. */
  delegation_edge_t ab[] = {edge(1, 1, 2, 0, "2026-12-01", "2026-12-10")};
  delegation_edge_t ba = edge(0, 2, 1, 0, "2026-12-05", "2026-12-20");
  CHECK(delegation_closes_cycle(A, ab, 1, &ba, &names, &n));
  CHECK_STR(delegation_cycle_text(A, names, n), "乙→甲→乙");

  /* A→B, B→C, then C→A. */
  delegation_edge_t abc[] = {edge(1, 1, 2, 0, "2026-12-01", "2026-12-10"),
                             edge(2, 2, 3, 0, "2026-12-01", "2026-12-10")};
  delegation_edge_t ca = edge(0, 3, 1, 0, "2026-12-03", "2026-12-03");
  CHECK(delegation_closes_cycle(A, abc, 2, &ca, &names, &n));
  CHECK_INT(n, 4);
  CHECK_STR(delegation_cycle_text(A, names, n), "丙→甲→乙→丙");

  /* Days that never meet: not a cycle (B→A only after A→B has ended). */
  ba = edge(0, 2, 1, 0, "2026-12-11", "2026-12-20");
  CHECK(!delegation_closes_cycle(A, ab, 1, &ba, &names, &n));
  /* Each pair overlaps the new one, but A→B and B→C never share a day with each other. */
  delegation_edge_t apart[] = {edge(1, 1, 2, 0, "2026-12-01", "2026-12-05"),
                               edge(2, 2, 3, 0, "2026-12-06", "2026-12-10")};
  ca = edge(0, 3, 1, 0, "2026-12-01", "2026-12-10");
  CHECK(!delegation_closes_cycle(A, apart, 2, &ca, &names, &n));

  /* Groups that never meet: A→B for group 7, B→A for group 8. */
  delegation_edge_t ab7[] = {edge(1, 1, 2, 7, "2026-12-01", "2026-12-10")};
  ba = edge(0, 2, 1, 8, "2026-12-01", "2026-12-10");
  CHECK(!delegation_closes_cycle(A, ab7, 1, &ba, &names, &n));
  ba = edge(0, 2, 1, 0, "2026-12-01", "2026-12-10"); /* all groups meets 7 */
  CHECK(delegation_closes_cycle(A, ab7, 1, &ba, &names, &n));
  /* A→B (7), B→C (8), C→A (all): 7 and 8 never meet along the way. */
  delegation_edge_t mixed[] = {edge(1, 1, 2, 7, "2026-12-01", "2026-12-10"),
                               edge(2, 2, 3, 8, "2026-12-01", "2026-12-10")};
  ca = edge(0, 3, 1, 0, "2026-12-01", "2026-12-10");
  CHECK(!delegation_closes_cycle(A, mixed, 2, &ca, &names, &n));

  /* A chain without a way back, and a side loop not through the new edge's start. */
  delegation_edge_t chain[] = {edge(1, 1, 2, 0, "2026-12-01", "2026-12-10"),
                               edge(2, 2, 3, 0, "2026-12-01", "2026-12-10"),
                               edge(3, 3, 2, 0, "2026-12-01", "2026-12-10")};
  delegation_edge_t d_to_b = edge(0, 4, 2, 0, "2026-12-01", "2026-12-10");
  CHECK(!delegation_closes_cycle(A, chain, 3, &d_to_b, &names, &n));
}

int main(void) {
  A = arena_create(0);
  RUN(test_dates);
  RUN(test_check_dates);
  RUN(test_overlap);
  RUN(test_cycles);
  arena_destroy(A);
  return test_done();
}
