/*
 * delegation_rules.h — the pure part of out-of-office delegation: calendar dates (YYYY-MM-DD,
 * Asia/Shanghai days, both ends included), the range checks of a new delegation, and whether
 * it would overlap another of the same delegator or close a cycle among the delegations that
 * apply on some common day for some common group. No I/O, no logging.
 */
#ifndef EHALL_ORG_DELEGATION_RULES_H
#define EHALL_ORG_DELEGATION_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"

/* A delegation spans at most this many days (both ends included). */
#define DELEGATION_MAX_DAYS 366
/* Resolution follows chains (A→B→C) at most this deep. */
#define DELEGATION_MAX_CHAIN 8

/* Days since 1970-01-01 of a strict "YYYY-MM-DD" (a real date, years 2000–2999); false when
 * malformed. */
bool delegation_date_parse(const char *s, int32_t *day);
/* The "YYYY-MM-DD" of a day number, in a. */
const char *delegation_date_format(arena_t *a, int32_t day);

/* Checks a new delegation's dates against today (days): both well-formed, start ≤ end, end not
 * before today, at most DELEGATION_MAX_DAYS days. INVALID with the field at fault. */
bool delegation_check_dates(const char *start, const char *end, int32_t today, int32_t *start_day,
                            int32_t *end_day, eh_err_t *err);

/* A delegation that has not been ended: from → to for days [start, end], group 0 = all. */
typedef struct delegation_edge {
  int64_t id;
  int64_t from, to;
  int64_t group; /* 0: every group */
  int32_t start, end;
  const char *from_name, *to_name;
} delegation_edge_t;

/* The index of an existing delegation of the same delegator whose days overlap the new one's
 * and whose group is compatible (either is "all groups", or both the same), or -1. */
int delegation_find_overlap(const delegation_edge_t *edges, size_t n, const delegation_edge_t *add);

/* True when adding `add` would close a cycle: a chain add.to → … → add.from of existing edges
 * that, together with add, apply on at least one common day for at least one common group.
 * *names then holds the cycle's people from add.from round to add.from again (n_names of them,
 * the first and last equal), for the message "甲→乙→甲". */
bool delegation_closes_cycle(arena_t *a, const delegation_edge_t *edges, size_t n,
                             const delegation_edge_t *add, const char ***names, size_t *n_names);

/* "甲→乙→甲" of names. */
const char *delegation_cycle_text(arena_t *a, const char *const *names, size_t n);

#endif
