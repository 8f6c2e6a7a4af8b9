/*
 * pbtime.h — google.protobuf.Timestamp messages from our clocks, for every area's replies.
 */
#ifndef EHALL_COMMON_PBTIME_H
#define EHALL_COMMON_PBTIME_H

#include <stdint.h>

#include "core/common/arena.h"
#include "google/protobuf/timestamp.pb-c.h"

/* A Timestamp for unix microseconds, allocated in a; NULL (the field stays unset) for 0. */
Google__Protobuf__Timestamp *pbtime_from_us(arena_t *a, int64_t unix_us);

/* Unix microseconds of a Timestamp; 0 for NULL. */
int64_t pbtime_to_us(const Google__Protobuf__Timestamp *ts);

#endif
