/* turns_test.c — keys taking turns (core/rpc/turns.c): the limit per key, arrival order, other
 * keys and key 0 never held back, entries freed when a key's last item ends. */
#include "core/rpc/turns.h"
#include "tests/unit/test.h"

static void test_limit_and_order(void) {
  rpc_turns_t *t = rpc_turns_create(2);
  int a, b, c, d, e;
  CHECK(rpc_turns_admit(t, 7, &a));
  CHECK(rpc_turns_admit(t, 7, &b));
  CHECK(!rpc_turns_admit(t, 7, &c)); /* the third of key 7 waits */
  CHECK(!rpc_turns_admit(t, 7, &d));
  CHECK(rpc_turns_admit(t, 8, &e)); /* another key is not held back */
  CHECK_INT(rpc_turns_waiting(t), 2);
  CHECK_INT(rpc_turns_keys(t), 2);
  CHECK(rpc_turns_done(t, 7) == &c); /* in arrival order */
  CHECK(rpc_turns_done(t, 7) == &d);
  CHECK_INT(rpc_turns_waiting(t), 0);
  CHECK(rpc_turns_done(t, 7) == NULL); /* two still running: c and d */
  CHECK(rpc_turns_admit(t, 7, &a));    /* room again */
  CHECK(!rpc_turns_admit(t, 7, &b));
  CHECK(rpc_turns_done(t, 7) == &b);
  CHECK(rpc_turns_done(t, 7) == NULL);
  CHECK(rpc_turns_done(t, 7) == NULL);
  CHECK_INT(rpc_turns_keys(t), 1); /* key 7 is gone, key 8 still runs */
  CHECK(rpc_turns_done(t, 8) == NULL);
  CHECK_INT(rpc_turns_keys(t), 0);
  CHECK(rpc_turns_done(t, 9) == NULL); /* a key never seen: nothing */
  rpc_turns_destroy(t);
}

static void test_key_zero_and_one_at_a_time(void) {
  rpc_turns_t *t = rpc_turns_create(1);
  int x[5];
  for (int i = 0; i < 5; i++)
    CHECK(rpc_turns_admit(t, 0, &x[i])); /* key 0: no turns */
  CHECK_INT(rpc_turns_keys(t), 0);
  CHECK(rpc_turns_done(t, 0) == NULL);
  /* Keys that share a bucket keep apart. */
  CHECK(rpc_turns_admit(t, 1, &x[0]));
  CHECK(rpc_turns_admit(t, 1 + 256, &x[1]));
  CHECK(!rpc_turns_admit(t, 1, &x[2]));
  CHECK(!rpc_turns_admit(t, 1 + 256, &x[3]));
  CHECK(rpc_turns_done(t, 1 + 256) == &x[3]);
  CHECK(rpc_turns_done(t, 1) == &x[2]);
  CHECK_INT(rpc_turns_keys(t), 2);
  /* Destroying with items still waiting frees them all (ASan's leak check). */
  CHECK(!rpc_turns_admit(t, 1, &x[4]));
  rpc_turns_destroy(t);
}

int main(void) {
  RUN(test_limit_and_order);
  RUN(test_key_zero_and_one_at_a_time);
  return test_done();
}
