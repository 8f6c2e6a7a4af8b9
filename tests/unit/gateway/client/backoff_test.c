/*
 * backoff_test.c — the health Watch's re-open backoff (100 ms doubling to the cap, reset by a
 * stream that answered) and which Watch answers count as serving.
 */
#include "gateway/client/backoff.h"
#include "tests/unit/test.h"

static void test_doubles_to_the_cap(void) {
  int64_t waits[8], w = 0;
  for (int i = 0; i < 8; i++)
    waits[i] = w = client_backoff_next(w, false, 100, 2000);
  CHECK_INT(waits[0], 100);
  CHECK_INT(waits[1], 200);
  CHECK_INT(waits[2], 400);
  CHECK_INT(waits[3], 800);
  CHECK_INT(waits[4], 1600);
  CHECK_INT(waits[5], 2000);
  CHECK_INT(waits[6], 2000);
  CHECK_INT(waits[7], 2000);
}

static void test_a_stream_that_answered_resets(void) {
  CHECK_INT(client_backoff_next(2000, true, 100, 2000), 100);
  CHECK_INT(client_backoff_next(0, false, 100, 2000), 100);
  CHECK_INT(client_backoff_next(-5, false, 100, 2000), 100);
}

static void test_odd_bounds(void) {
  /* A cap below the first wait: every wait is the cap. */
  CHECK_INT(client_backoff_next(0, false, 100, 50), 50);
  CHECK_INT(client_backoff_next(50, false, 100, 50), 50);
  /* A cap that is not a power-of-two multiple is reached exactly, never passed. */
  CHECK_INT(client_backoff_next(1600, false, 100, 3000), 3000);
  CHECK_INT(client_backoff_next(1400, false, 100, 3000), 2800);
  /* No overflow near the top of int64. */
  CHECK_INT(client_backoff_next(INT64_MAX / 2 + 1, false, 1, INT64_MAX), INT64_MAX);
  CHECK_INT(client_backoff_next(0, false, 0, 0), 1);
}

static void test_only_serving_serves(void) {
  CHECK_INT(client_core_health_from_status(1), CLIENT_CORE_SERVING);
  CHECK_INT(client_core_health_from_status(0), CLIENT_CORE_NOT_SERVING);
  CHECK_INT(client_core_health_from_status(2), CLIENT_CORE_NOT_SERVING);
  CHECK_INT(client_core_health_from_status(3), CLIENT_CORE_NOT_SERVING);
  CHECK_INT(client_core_health_from_status(-1), CLIENT_CORE_NOT_SERVING);
}

int main(void) {
  RUN(test_doubles_to_the_cap);
  RUN(test_a_stream_that_answered_resets);
  RUN(test_odd_bounds);
  RUN(test_only_serving_serves);
  return test_done();
}
