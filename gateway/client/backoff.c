/*
 * backoff.c — pure rules of the health Watch: the re-open backoff and the status mapping.
 * Never does I/O, never reads the clock.
 */
#include "gateway/client/backoff.h"

int64_t client_backoff_next(int64_t prev_ms, bool healthy, int64_t min_ms, int64_t max_ms) {
  if (max_ms < 1)
    max_ms = 1;
  if (min_ms < 1)
    min_ms = 1;
  if (min_ms > max_ms)
    min_ms = max_ms;
  if (healthy || prev_ms <= 0)
    return min_ms;
  /* Doubling from a value already at the cap must not overflow. */
  if (prev_ms >= max_ms / 2)
    return max_ms;
  int64_t next = prev_ms * 2;
  return next < min_ms ? min_ms : next;
}

client_core_health_t client_core_health_from_status(int serving_status) {
  return serving_status == 1 ? CLIENT_CORE_SERVING : CLIENT_CORE_NOT_SERVING;
}
