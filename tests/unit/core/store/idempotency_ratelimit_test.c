/*
 * idempotency_ratelimit_test.c — core/store's idempotency_keys SQL and the GCRA rate limiter
 * against a real PostgreSQL and Redis (never mocks).
 *
 * Needs EHALL_TEST_PG_DSN and EHALL_TEST_REDIS_PORT (--test_env, as ./dev test passes them);
 * fails without them. Works in its own schema (the repository's migrations applied there) and
 * its own Redis keys, and drops them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/common/arena.h"
#include "core/common/log.h"
#include "core/store/idempotency_store.h"
#include "core/store/migrate.h"
#include "core/store/pg.h"
#include "core/store/ratelimit.h"
#include "core/store/redis.h"
#include "tests/unit/test.h"

static const char *base_dsn;
static char run_id[48];
static char schema[80];
static store_pg_pool_t *admin, *pool;
static store_redis_pool_t *redis;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static store_rows_t *exec_on(arena_t *a, store_pg_pool_t *p, const char *sql, int n,
                             const char *const *params) {
  eh_err_t err = EH_ERR_INIT;
  store_pg_conn_t *c = store_pg_acquire(a, p, now_ms() + 10000, &err);
  store_rows_t *r = c ? store_pg_exec(a, c, sql, n, params, &err) : NULL;
  if (r == NULL)
    fprintf(stderr, "exec failed: %s: %s\n", sql, err.detail);
  CHECK(r != NULL);
  if (c)
    store_pg_release(c);
  return r;
}

static void hash_of(const char *s, uint8_t out[32]) {
  memset(out, 0, 32);
  size_t n = strlen(s);
  memcpy(out, s, n < 32 ? n : 32);
}

#define STALE_MS 60000
#define TTL_MS (24LL * 3600 * 1000)

static store_idem_claim_t claim(arena_t *a, const char *key, const char *body, eh_err_t *err) {
  uint8_t h[32];
  hash_of(body, h);
  store_idem_claim_t c;
  CHECK(store_idempotency_claim(a, pool, now_ms() + 10000, "anon:10.0.0.1", "/m/Do", key, h,
                                STALE_MS, TTL_MS, &c, err));
  return c;
}

static const char *key_state(arena_t *a, const char *key) {
  const char *p[] = {key};
  store_rows_t *r = exec_on(a, pool,
                            "SELECT state || ':' || coalesce(grpc_code::text, '-') || ':' || "
                            "coalesce(encode(response, 'hex'), '-') FROM idempotency_keys "
                            "WHERE key = $1",
                            1, p);
  return r && store_rows_count(r) == 1 ? store_rows_get(r, 0, 0) : "";
}

static void test_claim_complete_replay(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  store_idem_claim_t c = claim(a, "k1", "body-1", &err);
  CHECK_INT(c.state, STORE_IDEM_CLAIMED);
  CHECK_STR(key_state(a, "k1"), "0:-:-");
  /* Same request while the first runs: pending. Another body: mismatch. */
  CHECK_INT(claim(a, "k1", "body-1", &err).state, STORE_IDEM_PENDING);
  CHECK_INT(claim(a, "k1", "body-2", &err).state, STORE_IDEM_MISMATCH);
  const uint8_t resp[] = {0x0a, 0x03, 'a', 0x00, 'c'};
  CHECK(store_idempotency_complete_pool(a, pool, now_ms() + 10000, "anon:10.0.0.1", "/m/Do", "k1",
                                        0, resp, sizeof(resp), &err));
  CHECK_STR(key_state(a, "k1"), "1:0:0a03610063");
  c = claim(a, "k1", "body-1", &err);
  CHECK_INT(c.state, STORE_IDEM_DONE);
  CHECK_INT(c.grpc_code, 0);
  CHECK_INT(c.response_len, sizeof(resp));
  CHECK(c.response && memcmp(c.response, resp, sizeof(resp)) == 0);
  CHECK_INT(claim(a, "k1", "body-2", &err).state, STORE_IDEM_MISMATCH);
  /* Recording again keeps the first answer. */
  const uint8_t other[] = {0x01};
  CHECK(store_idempotency_complete_pool(a, pool, now_ms() + 10000, "anon:10.0.0.1", "/m/Do", "k1",
                                        3, other, 1, &err));
  CHECK_STR(key_state(a, "k1"), "1:0:0a03610063");
  /* Another scope or method is another key. */
  uint8_t h[32];
  hash_of("body-2", h);
  store_idem_claim_t c2;
  CHECK(store_idempotency_claim(a, pool, now_ms() + 10000, "anon:10.0.0.2", "/m/Do", "k1", h,
                                STALE_MS, TTL_MS, &c2, &err));
  CHECK_INT(c2.state, STORE_IDEM_CLAIMED);
  CHECK(store_idempotency_claim(a, pool, now_ms() + 10000, "anon:10.0.0.1", "/m/Other", "k1", h,
                                STALE_MS, TTL_MS, &c2, &err));
  CHECK_INT(c2.state, STORE_IDEM_CLAIMED);
  CHECK(eh_ok(&err));
  arena_destroy(a);
}

static void test_release_and_stale_and_expired(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  CHECK_INT(claim(a, "k2", "b", &err).state, STORE_IDEM_CLAIMED);
  CHECK(store_idempotency_release(a, pool, now_ms() + 10000, "anon:10.0.0.1", "/m/Do", "k2", &err));
  CHECK_STR(key_state(a, "k2"), "");
  CHECK_INT(claim(a, "k2", "b", &err).state, STORE_IDEM_CLAIMED);
  /* A release never drops a recorded answer. */
  const uint8_t r[] = {7};
  CHECK(store_idempotency_complete_pool(a, pool, now_ms() + 10000, "anon:10.0.0.1", "/m/Do", "k2",
                                        5, r, 1, &err));
  CHECK(store_idempotency_release(a, pool, now_ms() + 10000, "anon:10.0.0.1", "/m/Do", "k2", &err));
  CHECK_STR(key_state(a, "k2"), "1:5:07");

  /* A pending claim older than stale_ms is taken over by the same request only. */
  CHECK_INT(claim(a, "k3", "b", &err).state, STORE_IDEM_CLAIMED);
  const char *p[] = {"k3"};
  exec_on(a, pool,
          "UPDATE idempotency_keys SET created_at = now() - interval '61 seconds' "
          "WHERE key = $1",
          1, p);
  CHECK_INT(claim(a, "k3", "other", &err).state, STORE_IDEM_MISMATCH);
  CHECK_INT(claim(a, "k3", "b", &err).state, STORE_IDEM_CLAIMED);
  CHECK_INT(claim(a, "k3", "b", &err).state, STORE_IDEM_PENDING); /* fresh again */

  /* A done row past the TTL is no row at all: any request claims the key. */
  exec_on(a, pool,
          "UPDATE idempotency_keys SET state = 1, grpc_code = 0, response = '\\x00', "
          "created_at = now() - interval '25 hours' WHERE key = $1",
          1, p);
  CHECK_INT(claim(a, "k3", "new body", &err).state, STORE_IDEM_CLAIMED);
  CHECK_STR(key_state(a, "k3"), "0:-:-");
  CHECK(eh_ok(&err));
  arena_destroy(a);
}

/* complete() inside the handler's own transaction: rolled back with it, committed with it. */
typedef struct {
  const char *key;
  bool commit;
} tx_ud_t;

static bool tx_fn(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  tx_ud_t *u = ud;
  const uint8_t r[] = {1, 2};
  if (!store_idempotency_complete(a, conn, "anon:10.0.0.1", "/m/Do", u->key, 0, r, 2, err))
    return false;
  return u->commit;
}

static void test_complete_in_tx(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  CHECK_INT(claim(a, "k4", "b", &err).state, STORE_IDEM_CLAIMED);
  tx_ud_t u = {"k4", false};
  CHECK(!store_pg_tx(a, pool, now_ms() + 10000, tx_fn, &u, &err));
  CHECK_STR(key_state(a, "k4"), "0:-:-");
  eh_err_clear(&err);
  u.commit = true;
  CHECK(store_pg_tx(a, pool, now_ms() + 10000, tx_fn, &u, &err));
  CHECK_STR(key_state(a, "k4"), "1:0:0102");
  arena_destroy(a);
}

static void test_sweep(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  exec_on(a, pool,
          "INSERT INTO idempotency_keys (scope, method, key, request_hash, created_at) "
          "SELECT 'anon:x', '/m/Old', 'old' || i, '\\x00', now() - interval '2 days' "
          "FROM generate_series(1, 25) i",
          0, NULL);
  CHECK_INT(claim(a, "k5", "b", &err).state, STORE_IDEM_CLAIMED);
  int deleted = -1, total = 0;
  do {
    CHECK(store_idempotency_sweep(a, pool, now_ms() + 10000, TTL_MS, 10, &deleted, &err));
    total += deleted;
  } while (deleted == 10);
  CHECK_INT(total, 25);
  CHECK_STR(key_state(a, "k5"), "0:-:-"); /* young rows stay */
  arena_destroy(a);
}

/* ---- rate limits ---- */

static void test_rate_arithmetic(void) {
  store_ratelimit_rate_t r = store_ratelimit_rate(600, 20);
  CHECK_INT(r.interval_us, 100000);
  CHECK_INT(r.tolerance_us, 19 * 100000);
  r = store_ratelimit_rate(7, 1);
  CHECK_INT(r.interval_us, 8571428);
  CHECK_INT(r.tolerance_us, 0);
  r = store_ratelimit_rate(0, 0); /* clamped, never a division by zero */
  CHECK_INT(r.interval_us, 60000000);
  CHECK_INT(r.tolerance_us, 0);
}

static void test_gcra_in_redis(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  const char *key = arena_printf(a, "rl:test:%s", run_id);
  /* One call a minute, three at once: the burst passes, the fourth waits about a minute. */
  store_ratelimit_rate_t rate = store_ratelimit_rate(1, 3);
  bool allowed = false;
  int64_t wait = -1;
  for (int i = 0; i < 3; i++) {
    CHECK(store_ratelimit_take(a, redis, key, rate, &allowed, &wait, &err));
    CHECK(allowed);
    CHECK_INT(wait, 0);
  }
  CHECK(store_ratelimit_take(a, redis, key, rate, &allowed, &wait, &err));
  CHECK(!allowed);
  CHECK(wait > 50000 && wait <= 60000);
  /* The bucket expires by itself (PX) once it is full again. */
  const char *pttl[] = {"PTTL", key};
  size_t lens[] = {4, strlen(key)};
  store_redis_reply_t *r = store_redis_cmd(a, redis, 2, pttl, lens, &err);
  CHECK(r && store_redis_reply_int(r) > 0 && store_redis_reply_int(r) <= 3 * 60000 + 1);

  /* Redis forgot the script (restart, SCRIPT FLUSH): EVAL takes over. */
  const char *flush[] = {"SCRIPT", "FLUSH"};
  size_t flens[] = {6, 5};
  CHECK(store_redis_cmd(a, redis, 2, flush, flens, &err) != NULL);
  const char *key2 = arena_printf(a, "rl:test2:%s", run_id);
  CHECK(store_ratelimit_take(a, redis, key2, rate, &allowed, &wait, &err));
  CHECK(allowed);
  CHECK(eh_ok(&err));
  const char *del[] = {"DEL", key, key2};
  size_t dlens[] = {3, strlen(key), strlen(key2)};
  store_redis_cmd(a, redis, 3, del, dlens, &err);
  arena_destroy(a);
}

static void test_redis_down(void) {
  arena_t *a = arena_create(0);
  /* Port 1: nothing listens (connection refused). */
  store_redis_pool_t *down = store_redis_pool_create("127.0.0.1", 1, 1, 500);
  eh_err_t err = EH_ERR_INIT;
  bool allowed = false;
  int64_t wait = 0;
  CHECK(!store_ratelimit_take(a, down, "rl:x", store_ratelimit_rate(1, 1), &allowed, &wait, &err));
  CHECK_INT(err.code, EH_UNAVAILABLE);
  arena_destroy(a);
  store_redis_pool_destroy(down);
}

int main(void) {
  base_dsn = getenv("EHALL_TEST_PG_DSN");
  const char *rp = getenv("EHALL_TEST_REDIS_PORT");
  if (base_dsn == NULL || *base_dsn == '\0' || rp == NULL || *rp == '\0') {
    fprintf(stderr, "needs a real PostgreSQL and Redis: set EHALL_TEST_PG_DSN and "
                    "EHALL_TEST_REDIS_PORT with --test_env (./dev test passes them)\n");
    CHECK(!"EHALL_TEST_PG_DSN and EHALL_TEST_REDIS_PORT are set");
    return test_done();
  }
  log_init(LOG_LEVEL_ERROR, false);
  struct timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  snprintf(run_id, sizeof(run_id), "%d_%lx_%lx", (int)getpid(), (long)rt.tv_sec, (long)rt.tv_nsec);
  snprintf(schema, sizeof(schema), "idem_test_%s", run_id);
  redis = store_redis_pool_create("127.0.0.1", atoi(rp), 2, 2000);

  arena_t *a = arena_create(0);
  admin = store_pg_pool_create(base_dsn, 1, 5000);
  /* The schema name comes from this test (pid-based), never from input. */
  exec_on(a, admin, arena_printf(a, "CREATE SCHEMA %s", schema), 0, NULL);
  pool = store_pg_pool_create(arena_printf(a, "%s options='-c search_path=%s'", base_dsn, schema),
                              2, 5000);
  const char *srcdir = getenv("TEST_SRCDIR"), *ws = getenv("TEST_WORKSPACE");
  char *dir = arena_printf(a, "%s/%s/migrations", srcdir ? srcdir : ".", ws ? ws : "ehall");
  eh_err_t err = EH_ERR_INIT;
  int applied = 0;
  CHECK(store_migrate_up(pool, dir, &applied, &err));
  if (!eh_ok(&err)) {
    fprintf(stderr, "migrations: %s %s\n", err.message_en, err.detail);
  } else {
    RUN(test_claim_complete_replay);
    RUN(test_release_and_stale_and_expired);
    RUN(test_complete_in_tx);
    RUN(test_sweep);
  }
  RUN(test_rate_arithmetic);
  RUN(test_gcra_in_redis);
  RUN(test_redis_down);

  store_pg_pool_destroy(pool);
  exec_on(a, admin, arena_printf(a, "DROP SCHEMA IF EXISTS %s CASCADE", schema), 0, NULL);
  arena_destroy(a);
  store_pg_pool_destroy(admin);
  store_redis_pool_destroy(redis);
  return test_done();
}
