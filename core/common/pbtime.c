/*
 * pbtime.c — Timestamp messages (pbtime.h).
 */
#include "core/common/pbtime.h"

Google__Protobuf__Timestamp *pbtime_from_us(arena_t *a, int64_t unix_us) {
  if (unix_us == 0)
    return NULL;
  Google__Protobuf__Timestamp *ts = arena_alloc(a, sizeof(*ts));
  google__protobuf__timestamp__init(ts);
  int64_t s = unix_us / 1000000, us = unix_us % 1000000;
  if (us < 0) { /* before 1970: nanos stay non-negative, as the message requires */
    s--;
    us += 1000000;
  }
  ts->seconds = s;
  ts->nanos = (int32_t)us * 1000;
  return ts;
}

int64_t pbtime_to_us(const Google__Protobuf__Timestamp *ts) {
  if (ts == NULL)
    return 0;
  return ts->seconds * 1000000 + ts->nanos / 1000;
}
