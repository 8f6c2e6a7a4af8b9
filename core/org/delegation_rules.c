/*
 * delegation_rules.c — dates and the graph decisions of delegation (see the header). Pure.
 */
#include "core/org/delegation_rules.h"

#include <stdio.h>
#include <string.h>

/* Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int32_t delegation__days(int y, int m, int d) {
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void delegation__civil(int32_t z, int *y, int *m, int *d) {
  z += 719468;
  int era = (z >= 0 ? z : z - 146096) / 146097;
  int doe = z - era * 146097;
  int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int yy = yoe + era * 400;
  int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp + (mp < 10 ? 3 : -9);
  *y = yy + (*m <= 2);
}

bool delegation_date_parse(const char *s, int32_t *day) {
  if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
    return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
      return false;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0');
  int d = (s[8] - '0') * 10 + (s[9] - '0');
  if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
    return false;
  int32_t z = delegation__days(y, m, d);
  int yy, mm, dd;
  delegation__civil(z, &yy, &mm, &dd);
  if (yy != y || mm != m || dd != d) /* 2026-02-30 */
    return false;
  *day = z;
  return true;
}

const char *delegation_date_format(arena_t *a, int32_t day) {
  int y, m, d;
  delegation__civil(day, &y, &m, &d);
  return arena_printf(a, "%04d-%02d-%02d", y, m, d);
}

bool delegation_check_dates(const char *start, const char *end, int32_t today, int32_t *start_day,
                            int32_t *end_day, eh_err_t *err) {
  bool ok = true;
  if (!delegation_date_parse(start, start_day))
    ok = eh_err_set(err, EH_INVALID, "start_date", "开始日期应为 YYYY-MM-DD 格式的有效日期",
                    "start_date must be a valid date as YYYY-MM-DD");
  if (!delegation_date_parse(end, end_day))
    ok = eh_err_set(err, EH_INVALID, "end_date", "结束日期应为 YYYY-MM-DD 格式的有效日期",
                    "end_date must be a valid date as YYYY-MM-DD");
  if (!ok)
    return false;
  if (*end_day < *start_day)
    return eh_err_set(err, EH_INVALID, "end_date", "结束日期不能早于开始日期",
                      "end_date must not be before start_date");
  if (*end_day < today)
    return eh_err_set(err, EH_INVALID, "end_date", "结束日期已经过去（按北京时间）",
                      "end_date is in the past (Asia/Shanghai)");
  if (*end_day - *start_day + 1 > DELEGATION_MAX_DAYS)
    return eh_err_set(err, EH_INVALID, "end_date", "委托期限最长 366 天",
                      "a delegation lasts at most 366 days");
  return true;
}

/* The group both apply to, or -1 when none: 0 is "all groups". */
static int64_t delegation__group_meet(int64_t g1, int64_t g2) {
  if (g1 == 0)
    return g2;
  if (g2 == 0 || g2 == g1)
    return g1;
  return -1;
}

int delegation_find_overlap(const delegation_edge_t *edges, size_t n,
                            const delegation_edge_t *add) {
  for (size_t i = 0; i < n; i++) {
    const delegation_edge_t *e = &edges[i];
    if (e->from != add->from || e->id == add->id)
      continue;
    if (e->end < add->start || e->start > add->end)
      continue;
    if (delegation__group_meet(e->group, add->group) < 0)
      continue;
    return (int)i;
  }
  return -1;
}

/* Depth-first over simple paths from `at` towards `goal`, narrowing the common days [lo, hi]
 * and the common group as it goes; every step bounded so a large graph cannot stall a call. */
typedef struct delegation_walk {
  const delegation_edge_t *edges;
  size_t n;
  int64_t goal, start;
  size_t *path; /* edge indexes */
  size_t depth;
  int budget;
} delegation_walk_t;

#define DELEGATION_WALK_DEPTH 64
#define DELEGATION_WALK_BUDGET 100000

static bool delegation__on_path(const delegation_walk_t *w, int64_t node) {
  if (node == w->start)
    return true;
  for (size_t i = 0; i < w->depth; i++)
    if (w->edges[w->path[i]].to == node)
      return true;
  return false;
}

static bool delegation__walk(delegation_walk_t *w, int64_t at, int32_t lo, int32_t hi,
                             int64_t group) {
  if (at == w->goal)
    return true;
  if (w->depth >= DELEGATION_WALK_DEPTH || --w->budget <= 0)
    return false;
  for (size_t i = 0; i < w->n; i++) {
    const delegation_edge_t *e = &w->edges[i];
    if (e->from != at)
      continue;
    int32_t nlo = e->start > lo ? e->start : lo, nhi = e->end < hi ? e->end : hi;
    if (nlo > nhi)
      continue;
    int64_t g = delegation__group_meet(group, e->group);
    if (g < 0 || (e->to != w->goal && delegation__on_path(w, e->to)))
      continue;
    w->path[w->depth++] = i;
    if (delegation__walk(w, e->to, nlo, nhi, g))
      return true;
    w->depth--;
  }
  return false;
}

bool delegation_closes_cycle(arena_t *a, const delegation_edge_t *edges, size_t n,
                             const delegation_edge_t *add, const char ***names, size_t *n_names) {
  *names = NULL;
  *n_names = 0;
  delegation_walk_t w = {.edges = edges,
                         .n = n,
                         .goal = add->from,
                         .start = add->to,
                         .path = arena_alloc(a, sizeof(size_t) * (DELEGATION_WALK_DEPTH + 1)),
                         .budget = DELEGATION_WALK_BUDGET};
  if (add->from == add->to)
    return true;
  if (!delegation__walk(&w, add->to, add->start, add->end, add->group))
    return false;
  const char **v = arena_alloc(a, sizeof(*v) * (w.depth + 3));
  size_t k = 0;
  v[k++] = add->from_name;
  v[k++] = add->to_name;
  for (size_t i = 0; i < w.depth; i++)
    v[k++] = edges[w.path[i]].to_name;
  *names = v;
  *n_names = k;
  return true;
}

const char *delegation_cycle_text(arena_t *a, const char *const *names, size_t n) {
  size_t len = 1;
  for (size_t i = 0; i < n; i++)
    len += strlen(names[i] ? names[i] : "") + 4;
  char *s = arena_alloc(a, len), *p = s;
  *p = '\0';
  for (size_t i = 0; i < n; i++) {
    if (i) {
      memcpy(p, "\xE2\x86\x92", 3); /* → */
      p += 3;
    }
    size_t l = strlen(names[i] ? names[i] : "");
    memcpy(p, names[i] ? names[i] : "", l);
    p += l;
  }
  *p = '\0';
  return s;
}
