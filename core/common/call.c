/* call.c — deadline arithmetic for call_t. */
#include "core/common/call.h"

#include <time.h>

int64_t call_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t call_ms_left(const call_t *call) {
  if (call->deadline_ms == INT64_MAX)
    return INT64_MAX;
  return call->deadline_ms - call_now_ms();
}
