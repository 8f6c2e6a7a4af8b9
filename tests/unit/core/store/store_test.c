/*
 * store_test.c — core/store against a real PostgreSQL and Redis (never mocks).
 *
 * Needs EHALL_TEST_PG_DSN (keyword form, e.g. "host=127.0.0.1 port=55501 user=ehall
 * dbname=ehall_test") and EHALL_TEST_REDIS_PORT (Redis on 127.0.0.1), passed with --test_env by
 * ./dev test. Without them the test FAILS: a store test that silently passes proves nothing.
 * Each run works in its own schemas (search_path set through the DSN's options) and drops them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/common/arena.h"
#include "core/common/log.h"
#include "core/store/migrate.h"
#include "core/store/pg.h"
#include "core/store/redis.h"
#include "tests/unit/test.h"

static const char *base_dsn;
static int redis_port;
static char tmpdir[1024];
static char run_id[48];
static char schema[80];        /* this run's main schema */
static store_pg_pool_t *admin; /* public search_path, for set-up and spying */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* A DSN whose sessions use `sch` first. */
static char *dsn_for(arena_t *a, const char *sch) {
  return arena_printf(a, "%s options='-c search_path=%s'", base_dsn, sch);
}

/* Runs one statement on the admin pool; the test fails if it fails. */
static store_rows_t *admin_exec(arena_t *a, const char *sql, int n, const char *const *p) {
  eh_err_t err = EH_ERR_INIT;
  store_pg_conn_t *c = store_pg_acquire(a, admin, now_ms() + 10000, &err);
  store_rows_t *r = c ? store_pg_exec(a, c, sql, n, p, &err) : NULL;
  if (r == NULL)
    fprintf(stderr, "admin_exec failed: %s: %s\n", sql, err.detail);
  CHECK(r != NULL);
  if (c)
    store_pg_release(c);
  return r;
}

static void make_schema(const char *sch) {
  arena_t *a = arena_create(0);
  /* Schema names come from this test (pid-based), never from input: formatting is fine here
   * only because libpq offers no parameter for identifiers; ehall code never does this. */
  admin_exec(a, arena_printf(a, "DROP SCHEMA IF EXISTS %s CASCADE", sch), 0, NULL);
  admin_exec(a, arena_printf(a, "CREATE SCHEMA %s", sch), 0, NULL);
  arena_destroy(a);
}

static void drop_schema(const char *sch) {
  arena_t *a = arena_create(0);
  admin_exec(a, arena_printf(a, "DROP SCHEMA IF EXISTS %s CASCADE", sch), 0, NULL);
  arena_destroy(a);
}

/* ---- PostgreSQL ------------------------------------------------------------------------ */

static store_pg_pool_t *pool; /* size 2, search_path = schema */

static void test_exec_params_and_nulls(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  store_pg_conn_t *c = store_pg_acquire(a, pool, now_ms() + 10000, &err);
  CHECK(c != NULL);
  if (!c) {
    arena_destroy(a);
    return;
  }
  CHECK(store_pg_exec(a, c,
                      "CREATE TABLE item (id serial PRIMARY KEY, name text UNIQUE, qty int "
                      "CONSTRAINT qty_nonneg CHECK (qty >= 0), note text)",
                      0, NULL, &err) != NULL);
  const char *evil = "'); DROP TABLE item; -- 网上办事";
  const char *p[] = {evil, "3", NULL};
  store_rows_t *r = store_pg_exec(
      a, c, "INSERT INTO item (name, qty, note) VALUES ($1, $2, $3) RETURNING id, name, note", 3, p,
      &err);
  CHECK(r != NULL && eh_ok(&err));
  if (r) {
    CHECK_INT(store_rows_count(r), 1);
    CHECK_INT(store_rows_affected(r), 1);
    CHECK(store_rows_int64(r, 0, 0) > 0);
    CHECK_STR(store_rows_get(r, 0, 1), evil);
    CHECK(store_rows_isnull(r, 0, 2));
    CHECK_STR(store_rows_get(r, 0, 2), "");
    CHECK(!store_rows_isnull(r, 0, 1));
  }
  r = store_pg_exec(a, c, "SELECT count(*) FROM item WHERE name = $1", 1, p, &err);
  CHECK(r != NULL && store_rows_int64(r, 0, 0) == 1);
  const char *p2[] = {"2"};
  r = store_pg_exec(a, c, "UPDATE item SET qty = qty + 1 WHERE qty > $1", 1, p2, &err);
  CHECK(r != NULL && store_rows_affected(r) == 1 && store_rows_count(r) == 0);
  arena_destroy(a);
}

static void test_constraint_errors(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  store_pg_conn_t *c = store_pg_acquire(a, pool, now_ms() + 10000, &err);
  CHECK(c != NULL);
  if (!c) {
    arena_destroy(a);
    return;
  }
  const char *dup[] = {"dup-name", "1"};
  CHECK(store_pg_exec(a, c, "INSERT INTO item (name, qty) VALUES ($1, $2)", 2, dup, &err));
  CHECK(!store_pg_exec(a, c, "INSERT INTO item (name, qty) VALUES ($1, $2)", 2, dup, &err));
  CHECK_INT(err.code, EH_ALREADY_EXISTS);
  CHECK(strstr(err.detail, "sqlstate=23505") != NULL);
  CHECK(store_pg_err_constraint(&err, "item_name_key"));
  CHECK(strstr(err.detail, "dup-name") == NULL); /* the row's values stay out of the log */
  CHECK(!store_pg_retryable(&err));

  eh_err_clear(&err);
  const char *neg[] = {"negative", "-1"};
  CHECK(!store_pg_exec(a, c, "INSERT INTO item (name, qty) VALUES ($1, $2)", 2, neg, &err));
  CHECK_INT(err.code, EH_CONFLICT);
  CHECK(store_pg_err_constraint(&err, "qty_nonneg"));
  CHECK(!store_pg_retryable(&err));

  eh_err_clear(&err);
  const char *bad[] = {"badint", "secret-looking-42x"};
  CHECK(!store_pg_exec(a, c, "INSERT INTO item (name, qty) VALUES ($1, $2)", 2, bad, &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK(strstr(err.detail, "22P02") != NULL);
  CHECK(strstr(err.detail, "secret-looking") == NULL); /* parameters never reach the detail */

  eh_err_clear(&err);
  CHECK(!store_pg_exec(a, c, "SELEC 1", 0, NULL, &err));
  CHECK_INT(err.code, EH_INTERNAL);
  /* The connection is still good after errors outside a transaction. */
  eh_err_clear(&err);
  store_rows_t *r = store_pg_exec(a, c, "SELECT 1", 0, NULL, &err);
  CHECK(r != NULL && store_rows_int64(r, 0, 0) == 1);
  arena_destroy(a);
}

static void test_deadline_cancels_query(void) {
  store_pg_pool_t *p1 = NULL;
  arena_t *a = arena_create(0);
  p1 = store_pg_pool_create(dsn_for(a, schema), 1, 5000);
  eh_err_t err = EH_ERR_INIT;
  int64_t t0 = now_ms();
  store_pg_conn_t *c = store_pg_acquire(a, p1, t0 + 200, &err);
  CHECK(c != NULL);
  if (c) {
    CHECK(store_pg_exec(a, c, "SELECT pg_sleep(5)", 0, NULL, &err) == NULL);
    CHECK_INT(err.code, EH_DEADLINE);
    CHECK(now_ms() - t0 < 5000); /* returned without waiting for the sleep */
    store_pg_release(c);
  }
  /* The same (only) connection answers the next borrower. */
  eh_err_t e2 = EH_ERR_INIT;
  arena_t *b = arena_create(0);
  c = store_pg_acquire(b, p1, now_ms() + 10000, &e2);
  store_rows_t *r = c ? store_pg_exec(b, c, "SELECT 2", 0, NULL, &e2) : NULL;
  CHECK(r != NULL && store_rows_int64(r, 0, 0) == 2);
  arena_destroy(b);
  /* A deadline already past fails before sending anything. */
  b = arena_create(0);
  eh_err_t e3 = EH_ERR_INIT;
  c = store_pg_acquire(b, p1, now_ms() + 10000, &e3);
  arena_destroy(b);
  arena_destroy(a);
  store_pg_pool_destroy(p1);
}

typedef struct {
  store_pg_conn_t *conn;
  int delay_ms;
} releaser_t;

static void *release_later(void *arg) {
  releaser_t *r = arg;
  sleep_ms(r->delay_ms);
  store_pg_release(r->conn);
  return NULL;
}

static void test_pool_exhaustion(void) {
  arena_t *a = arena_create(0);
  store_pg_pool_t *p1 = store_pg_pool_create(dsn_for(a, schema), 1, 5000);
  eh_err_t err = EH_ERR_INIT;
  arena_t *a1 = arena_create(0);
  store_pg_conn_t *c1 = store_pg_acquire(a1, p1, INT64_MAX, &err);
  CHECK(c1 != NULL);

  /* Caller's deadline first → DEADLINE. */
  arena_t *a2 = arena_create(0);
  CHECK(store_pg_acquire(a2, p1, now_ms() + 100, &err) == NULL);
  CHECK_INT(err.code, EH_DEADLINE);
  /* The pool's queue limit first → RESOURCE_EXHAUSTED. */
  eh_err_clear(&err);
  store_pg_pool_set_queue_wait(p1, 100);
  CHECK(store_pg_acquire(a2, p1, INT64_MAX, &err) == NULL);
  CHECK_INT(err.code, EH_RESOURCE_EXHAUSTED);
  store_pg_pool_set_queue_wait(p1, INT64_MAX);

  /* A waiter gets the connection when it comes back. */
  eh_err_clear(&err);
  releaser_t rel = {c1, 100};
  pthread_t th;
  pthread_create(&th, NULL, release_later, &rel);
  store_pg_conn_t *c2 = store_pg_acquire(a2, p1, now_ms() + 20000, &err);
  pthread_join(th, NULL);
  CHECK(c2 != NULL);
  CHECK(c2 == c1); /* the pool has one connection */
  /* Destroying a1 now must not return c2's borrow (c1 was released early). */
  arena_destroy(a1);
  arena_t *a3 = arena_create(0);
  eh_err_clear(&err);
  CHECK(store_pg_acquire(a3, p1, now_ms() + 100, &err) == NULL);
  CHECK_INT(err.code, EH_DEADLINE);
  /* Destroying a2 returns it. */
  arena_destroy(a2);
  eh_err_clear(&err);
  CHECK(store_pg_acquire(a3, p1, now_ms() + 10000, &err) != NULL);
  arena_destroy(a3);
  store_pg_pool_destroy(p1);
  arena_destroy(a);
}

static int64_t count_items(arena_t *a, const char *name);

/* A borrower that leaves a transaction open must not pass it to the next one. */
static void test_release_rolls_back_open_tx(void) {
  arena_t *a = arena_create(0);
  store_pg_pool_t *p1 = store_pg_pool_create(dsn_for(a, schema), 1, 5000);
  eh_err_t err = EH_ERR_INIT;
  arena_t *b = arena_create(0);
  store_pg_conn_t *c = store_pg_acquire(b, p1, now_ms() + 10000, &err);
  const char *p[] = {"left-open", "1"};
  CHECK(c && store_pg_exec(b, c, "BEGIN", 0, NULL, &err));
  CHECK(c && store_pg_exec(b, c, "INSERT INTO item (name, qty) VALUES ($1, $2)", 2, p, &err));
  arena_destroy(b); /* returns the connection mid-transaction */
  b = arena_create(0);
  c = store_pg_acquire(b, p1, now_ms() + 10000, &err);
  store_rows_t *r =
      c ? store_pg_exec(b, c, "SELECT count(*) FROM item WHERE name = $1", 1, p, &err) : NULL;
  CHECK(r && store_rows_int64(r, 0, 0) == 0);
  /* Not inside a transaction any more: what it writes now is visible to others at once. */
  const char *p2[] = {"after-open", "1"};
  CHECK(c && store_pg_exec(b, c, "INSERT INTO item (name, qty) VALUES ($1, $2)", 2, p2, &err));
  CHECK_INT(count_items(b, "after-open"), 1);
  arena_destroy(b);
  arena_destroy(a);
  store_pg_pool_destroy(p1);
}

static void test_unreachable_and_recovery(void) {
  arena_t *a = arena_create(0);
  /* Nothing listens on port 1. */
  store_pg_pool_t *dead = store_pg_pool_create("host=127.0.0.1 port=1 user=x dbname=x", 1, 2000);
  eh_err_t err = EH_ERR_INIT;
  CHECK(store_pg_acquire(a, dead, now_ms() + 10000, &err) == NULL);
  CHECK_INT(err.code, EH_UNAVAILABLE);
  store_pg_pool_destroy(dead);

  /* A backend killed under an idle pooled connection (what a server restart does) is noticed
   * and replaced on the next borrow. */
  store_pg_pool_t *p1 = store_pg_pool_create(dsn_for(a, schema), 1, 5000);
  eh_err_clear(&err);
  store_pg_conn_t *c = store_pg_acquire(a, p1, now_ms() + 10000, &err);
  store_rows_t *r = c ? store_pg_exec(a, c, "SELECT pg_backend_pid()", 0, NULL, &err) : NULL;
  CHECK(r != NULL);
  char pid[32] = "0";
  if (r)
    snprintf(pid, sizeof(pid), "%s", store_rows_get(r, 0, 0));
  store_pg_release(c);
  const char *pp[] = {pid};
  admin_exec(a, "SELECT pg_terminate_backend($1::int)", 1, pp);
  for (int i = 0; i < 100; i++) {
    store_rows_t *g =
        admin_exec(a, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", 1, pp);
    if (g && store_rows_int64(g, 0, 0) == 0)
      break;
    sleep_ms(20);
  }
  sleep_ms(50);
  arena_t *b = arena_create(0);
  c = store_pg_acquire(b, p1, now_ms() + 10000, &err);
  r = c ? store_pg_exec(b, c, "SELECT pg_backend_pid()", 0, NULL, &err) : NULL;
  CHECK(r != NULL);
  if (r)
    CHECK(strcmp(store_rows_get(r, 0, 0), pid) != 0);
  if (!r)
    fprintf(stderr, "after terminate: %s %s\n", eh_status_name(err.code), err.detail);
  arena_destroy(b);
  arena_destroy(a); /* arenas holding leases go before their pool */
  store_pg_pool_destroy(p1);
}

/* How many prepared statements of this session have exactly this text. */
static int64_t prepared_count(arena_t *a, store_pg_conn_t *c, const char *sql) {
  eh_err_t err = EH_ERR_INIT;
  const char *p[] = {sql};
  store_rows_t *r = store_pg_exec(
      a, c, "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", 1, p, &err);
  CHECK(r != NULL);
  return r ? store_rows_int64(r, 0, 0) : -1;
}

/* A connection prepares each statement once and keeps it; a bad statement fails as it would
 * unnamed and is not kept; a table changed under a kept statement costs that call an error and
 * the connection, never the next borrower; with preparing off nothing is kept. */
static void test_prepared_statements(void) {
  arena_t *a = arena_create(0);
  store_pg_pool_t *p1 = store_pg_pool_create(dsn_for(a, schema), 1, 5000);
  eh_err_t err = EH_ERR_INIT;
  static const char SQL_ADD[] = "SELECT $1::int + 1";
  static const char SQL_BAD[] = "SELECT no_such_column FROM item WHERE id = $1::int";
  static const char SQL_ALL[] = "SELECT * FROM shape WHERE id = $1::int";
  const char *one[] = {"41"};
  arena_t *b = arena_create(0);
  store_pg_conn_t *c = store_pg_acquire(b, p1, now_ms() + 10000, &err);
  CHECK(c != NULL);
  for (int i = 0; c && i < 3; i++) {
    store_rows_t *r = store_pg_exec(b, c, SQL_ADD, 1, one, &err);
    CHECK(r && store_rows_int64(r, 0, 0) == 42);
  }
  CHECK(c && prepared_count(b, c, SQL_ADD) == 1);
  /* A statement built at run time is kept by its text, not its address. */
  char *copy = arena_printf(b, "%s", SQL_ADD);
  store_rows_t *r = c ? store_pg_exec(b, c, copy, 1, one, &err) : NULL;
  CHECK(r && store_rows_int64(r, 0, 0) == 42);
  CHECK(c && prepared_count(b, c, SQL_ADD) == 1);
  eh_err_clear(&err);
  CHECK(c && !store_pg_exec(b, c, SQL_BAD, 1, one, &err));
  CHECK(strstr(err.detail, "sqlstate=42703") != NULL);
  eh_err_clear(&err);
  CHECK(c && prepared_count(b, c, SQL_BAD) == 0);
  CHECK(c && store_pg_exec(b, c, "CREATE TABLE shape (id int, a text)", 0, NULL, &err));
  CHECK(c && store_pg_exec(b, c, SQL_ALL, 1, one, &err));
  CHECK(c && store_pg_exec(b, c, "ALTER TABLE shape ADD COLUMN extra int", 0, NULL, &err));
  CHECK(c && !store_pg_exec(b, c, SQL_ALL, 1, one, &err));
  CHECK(strstr(err.detail, "sqlstate=0A000") != NULL);
  eh_err_clear(&err);
  arena_destroy(b);
  b = arena_create(0);
  c = store_pg_acquire(b, p1, now_ms() + 10000, &err);
  r = c ? store_pg_exec(b, c, SQL_ALL, 1, one, &err) : NULL;
  CHECK(r != NULL && store_rows_count(r) == 0);
  CHECK(c && prepared_count(b, c, SQL_ADD) == 0); /* a new session: the old one's are gone */
  arena_destroy(b);
  admin_exec(a, arena_printf(a, "DROP TABLE %s.shape", schema), 0, NULL);
  arena_destroy(a);
  store_pg_pool_destroy(p1);

  /* A prepared statement that vanished (what a pooler in transaction mode that does not keep
   * them does) fails that call; the pool then sends everything unnamed, on a new session. */
  a = arena_create(0);
  p1 = store_pg_pool_create(dsn_for(a, schema), 1, 5000);
  b = arena_create(0);
  c = store_pg_acquire(b, p1, now_ms() + 10000, &err);
  CHECK(c && store_pg_exec(b, c, SQL_ADD, 1, one, &err));
  CHECK(c && store_pg_exec(b, c, "DEALLOCATE ALL", 0, NULL, &err));
  CHECK(c && !store_pg_exec(b, c, SQL_ADD, 1, one, &err));
  CHECK(strstr(err.detail, "sqlstate=26000") != NULL);
  eh_err_clear(&err);
  arena_destroy(b);
  b = arena_create(0);
  c = store_pg_acquire(b, p1, now_ms() + 10000, &err);
  r = c ? store_pg_exec(b, c, SQL_ADD, 1, one, &err) : NULL;
  CHECK(r && store_rows_int64(r, 0, 0) == 42);
  CHECK(c && prepared_count(b, c, SQL_ADD) == 0);
  arena_destroy(b);
  arena_destroy(a);
  store_pg_pool_destroy(p1);

  a = arena_create(0);
  p1 = store_pg_pool_create(dsn_for(a, schema), 1, 5000);
  store_pg_pool_set_prepare(p1, false);
  c = store_pg_acquire(a, p1, now_ms() + 10000, &err);
  r = c ? store_pg_exec(a, c, SQL_ADD, 1, one, &err) : NULL;
  CHECK(r && store_rows_int64(r, 0, 0) == 42);
  r = c ? store_pg_exec(a, c, "SELECT count(*) FROM pg_prepared_statements", 0, NULL, &err) : NULL;
  CHECK(r && store_rows_int64(r, 0, 0) == 0);
  arena_destroy(a);
  store_pg_pool_destroy(p1);
}

static bool tx_insert(arena_t *a, store_pg_conn_t *c, void *ud, eh_err_t *err) {
  const char *p[] = {ud, "1"};
  return store_pg_exec(a, c, "INSERT INTO item (name, qty) VALUES ($1, $2)", 2, p, err) != NULL;
}

static bool tx_insert_then_fail(arena_t *a, store_pg_conn_t *c, void *ud, eh_err_t *err) {
  if (!tx_insert(a, c, ud, err))
    return false;
  return eh_err_set(err, EH_INVALID, "name", "名称无效", "invalid name");
}

static bool tx_swallow_error(arena_t *a, store_pg_conn_t *c, void *ud, eh_err_t *err) {
  eh_err_t ignored = EH_ERR_INIT;
  store_pg_exec(a, c, "SELEC broken", 0, NULL, &ignored);
  return true; /* a buggy fn that ignores the failure: COMMIT must not pretend success */
}

static int64_t count_items(arena_t *a, const char *name) {
  eh_err_t err = EH_ERR_INIT;
  store_pg_conn_t *c = store_pg_acquire(a, pool, now_ms() + 10000, &err);
  const char *p[] = {name};
  store_rows_t *r =
      c ? store_pg_exec(a, c, "SELECT count(*) FROM item WHERE name = $1", 1, p, &err) : NULL;
  if (c)
    store_pg_release(c);
  return r ? store_rows_int64(r, 0, 0) : -1;
}

static void test_tx_commit_and_rollback(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  CHECK(store_pg_tx(a, pool, now_ms() + 10000, tx_insert, "tx-commit", &err));
  CHECK(eh_ok(&err));
  CHECK_INT(count_items(a, "tx-commit"), 1);

  CHECK(!store_pg_tx(a, pool, now_ms() + 10000, tx_insert_then_fail, "tx-rollback", &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK_INT(err.nfields, 1);
  CHECK_INT(count_items(a, "tx-rollback"), 0);

  /* A failing statement inside → its error, rolled back, pool still healthy. */
  eh_err_clear(&err);
  CHECK(!store_pg_tx(a, pool, INT64_MAX, tx_insert, "tx-commit", &err));
  CHECK_INT(err.code, EH_ALREADY_EXISTS);
  eh_err_clear(&err);
  CHECK(!store_pg_tx(a, pool, INT64_MAX, tx_swallow_error, NULL, &err));
  CHECK(err.code != EH_OK);
  eh_err_clear(&err);
  CHECK(store_pg_tx(a, pool, INT64_MAX, tx_insert, "tx-after", &err));
  CHECK_INT(count_items(a, "tx-after"), 1);
  arena_destroy(a);
}

static bool tx_sleep(arena_t *a, store_pg_conn_t *c, void *ud, eh_err_t *err) {
  return store_pg_exec(a, c, "SELECT pg_sleep(5)", 0, NULL, err) != NULL;
}

static void test_tx_deadline(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  int64_t t0 = now_ms();
  CHECK(!store_pg_tx(a, pool, t0 + 200, tx_sleep, NULL, &err));
  CHECK_INT(err.code, EH_DEADLINE);
  CHECK(now_ms() - t0 < 5000);
  eh_err_clear(&err);
  CHECK(store_pg_tx(a, pool, now_ms() + 10000, tx_insert, "after-deadline", &err));
  arena_destroy(a);
}

typedef struct {
  int attempts;
  store_pg_pool_t *other;
} retry_ctx_t;

/* Reads the counter (fixing the snapshot), lets another session change it on the first
 * attempt, then updates it: REPEATABLE READ answers 40001 the first time. */
static bool tx_bump(arena_t *a, store_pg_conn_t *c, void *ud, eh_err_t *err) {
  retry_ctx_t *rc = ud;
  rc->attempts++;
  if (!store_pg_exec(a, c, "SELECT n FROM counter WHERE id = 1", 0, NULL, err))
    return false;
  if (rc->attempts == 1) {
    eh_err_t e2 = EH_ERR_INIT;
    arena_t *b = arena_create(0);
    store_pg_conn_t *o = store_pg_acquire(b, rc->other, now_ms() + 10000, &e2);
    CHECK(o && store_pg_exec(b, o, "UPDATE counter SET n = n + 100 WHERE id = 1", 0, NULL, &e2));
    arena_destroy(b);
  }
  return store_pg_exec(a, c, "UPDATE counter SET n = n + 1 WHERE id = 1", 0, NULL, err) != NULL;
}

static void test_tx_retry_on_serialization_failure(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  store_pg_pool_t *other = store_pg_pool_create(dsn_for(a, schema), 1, 5000);
  store_pg_conn_t *c = store_pg_acquire(a, pool, now_ms() + 10000, &err);
  CHECK(c && store_pg_exec(a, c, "CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)", 0,
                           NULL, &err));
  CHECK(c && store_pg_exec(a, c, "INSERT INTO counter VALUES (1, 0)", 0, NULL, &err));
  store_pg_release(c);
  retry_ctx_t rc = {0, other};
  CHECK(store_pg_tx_iso(a, pool, now_ms() + 20000, STORE_PG_REPEATABLE_READ, tx_bump, &rc, &err));
  if (!eh_ok(&err))
    fprintf(stderr, "retry tx: %s %s\n", eh_status_name(err.code), err.detail);
  CHECK_INT(rc.attempts, 2);
  c = store_pg_acquire(a, pool, now_ms() + 10000, &err);
  store_rows_t *r =
      c ? store_pg_exec(a, c, "SELECT n FROM counter WHERE id = 1", 0, NULL, &err) : NULL;
  CHECK(r && store_rows_int64(r, 0, 0) == 101);
  arena_destroy(a);
  store_pg_pool_destroy(other);
}

static void test_ping(void) {
  char ver[32] = "";
  double ms = -1;
  eh_err_t err = EH_ERR_INIT;
  CHECK(store_pg_ping(pool, now_ms() + 10000, ver, sizeof(ver), &ms, &err));
  CHECK(ver[0] >= '1' && ver[0] <= '9');
  CHECK(ms >= 0);
}

/* ---- migrations ------------------------------------------------------------------------ */

static char *mkdir_in_tmp(arena_t *a, const char *name) {
  char *d = arena_printf(a, "%s/%s", tmpdir, name);
  mkdir(d, 0700);
  return d;
}

static void write_file(arena_t *a, const char *dir, const char *name, const char *text) {
  FILE *f = fopen(arena_printf(a, "%s/%s", dir, name), "w");
  fputs(text, f);
  fclose(f);
}

static void test_migrate_fresh_rerun_edit(void) {
  arena_t *a = arena_create(0);
  char *sch = arena_printf(a, "%s_m1", schema);
  make_schema(sch);
  store_pg_pool_t *p = store_pg_pool_create(dsn_for(a, sch), 2, 5000);
  char *dir = mkdir_in_tmp(a, "mig1");
  write_file(a, dir, "0001_create_things.sql",
             "CREATE TABLE things (id int PRIMARY KEY, label text);\n"
             "INSERT INTO things VALUES (1, '第一'), (2, 'second');\n");
  write_file(a, dir, "0002_add_things_note.sql", "ALTER TABLE things ADD COLUMN note text;\n");
  write_file(a, dir, "README.md", "not a migration\n");

  eh_err_t err = EH_ERR_INIT;
  int applied = -1;
  int64_t v = -1;
  CHECK(store_migrate_version(p, now_ms() + 10000, &v, &err) && v == 0);
  CHECK(!store_migrate_check(p, dir, &err));
  CHECK_INT(err.code, EH_FAILED_PRECONDITION);
  eh_err_clear(&err);
  CHECK(store_migrate_up(p, dir, &applied, &err));
  CHECK_INT(applied, 2);
  CHECK(store_migrate_version(p, now_ms() + 10000, &v, &err) && v == 2);
  CHECK(store_migrate_check(p, dir, &err));

  CHECK(store_migrate_up(p, dir, &applied, &err));
  CHECK_INT(applied, 0);

  write_file(a, dir, "0003_add_things_rank.sql", "ALTER TABLE things ADD COLUMN rank int;\n");
  CHECK(!store_migrate_check(p, dir, &err));
  CHECK_INT(err.code, EH_FAILED_PRECONDITION);
  eh_err_clear(&err);
  CHECK(store_migrate_up(p, dir, &applied, &err));
  CHECK_INT(applied, 1);

  /* Editing an applied file is refused, naming it. */
  write_file(a, dir, "0002_add_things_note.sql", "ALTER TABLE things ADD COLUMN note2 text;\n");
  CHECK(!store_migrate_up(p, dir, &applied, &err));
  CHECK_INT(err.code, EH_CONFLICT);
  CHECK(strstr(err.message_en, "0002_add_things_note.sql") != NULL);
  eh_err_clear(&err);
  CHECK(!store_migrate_check(p, dir, &err));
  CHECK_INT(err.code, EH_CONFLICT);
  write_file(a, dir, "0002_add_things_note.sql", "ALTER TABLE things ADD COLUMN note text;\n");

  /* Removing an applied file is refused too. */
  unlink(arena_printf(a, "%s/0003_add_things_rank.sql", dir));
  eh_err_clear(&err);
  CHECK(!store_migrate_up(p, dir, &applied, &err));
  CHECK_INT(err.code, EH_CONFLICT);

  /* The checksums recorded are SHA-256 hex of the files. */
  store_pg_conn_t *c = store_pg_acquire(a, p, now_ms() + 10000, &err);
  store_rows_t *r =
      c ? store_pg_exec(a, c, "SELECT checksum, name FROM schema_migrations WHERE version = 1", 0,
                        NULL, &err)
        : NULL;
  CHECK(r && strlen(store_rows_get(r, 0, 0)) == 64);
  CHECK(r && !strcmp(store_rows_get(r, 0, 1), "0001_create_things.sql"));
  drop_schema(sch);
  arena_destroy(a); /* sch lives in a; leases go before their pool */
  store_pg_pool_destroy(p);
}

static void test_migrate_bad_files(void) {
  arena_t *a = arena_create(0);
  char *sch = arena_printf(a, "%s_m2", schema);
  make_schema(sch);
  store_pg_pool_t *p = store_pg_pool_create(dsn_for(a, sch), 1, 5000);
  eh_err_t err = EH_ERR_INIT;
  int applied;

  char *d1 = mkdir_in_tmp(a, "mig_badname");
  write_file(a, d1, "0001_ok_name.sql", "SELECT 1;\n");
  write_file(a, d1, "2-Bad Name.sql", "SELECT 1;\n");
  CHECK(!store_migrate_up(p, d1, &applied, &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK(strstr(err.message_en, "2-Bad Name.sql") != NULL);

  char *d2 = mkdir_in_tmp(a, "mig_dup");
  write_file(a, d2, "0001_create_a.sql", "CREATE TABLE a (x int);\n");
  write_file(a, d2, "0001_create_b.sql", "CREATE TABLE b (x int);\n");
  eh_err_clear(&err);
  CHECK(!store_migrate_up(p, d2, &applied, &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK(strstr(err.message_en, "duplicate") != NULL);

  /* A failing file names itself, is not recorded, and leaves nothing half-done. */
  char *d3 = mkdir_in_tmp(a, "mig_fail");
  write_file(a, d3, "0001_create_ok.sql", "CREATE TABLE ok1 (x int);\n");
  write_file(a, d3, "0002_create_broken.sql", "CREATE TABLE half (x int);\nCREATE TABLEX oops;\n");
  eh_err_clear(&err);
  CHECK(!store_migrate_up(p, d3, &applied, &err));
  CHECK_INT(applied, 1);
  CHECK(strstr(err.message_en, "0002_create_broken.sql") != NULL);
  int64_t v = -1;
  CHECK(store_migrate_version(p, now_ms() + 10000, &v, &err) && v == 1);
  store_pg_conn_t *c = store_pg_acquire(a, p, now_ms() + 10000, &err);
  store_rows_t *r =
      c ? store_pg_exec(a, c, "SELECT to_regclass('half') IS NULL", 0, NULL, &err) : NULL;
  CHECK(r && !strcmp(store_rows_get(r, 0, 0), "t"));
  drop_schema(sch);
  arena_destroy(a); /* sch lives in a; leases go before their pool */
  store_pg_pool_destroy(p);
}

typedef struct {
  const char *dsn;
  const char *dir;
  int applied;
  bool ok;
  eh_err_t err;
} migrator_t;

static void *run_migrator(void *arg) {
  migrator_t *m = arg;
  store_pg_pool_t *p = store_pg_pool_create(m->dsn, 1, 5000); /* like a separate replica */
  m->err = (eh_err_t)EH_ERR_INIT;
  m->ok = store_migrate_up(p, m->dir, &m->applied, &m->err);
  store_pg_pool_destroy(p);
  return NULL;
}

static void test_migrate_concurrent(void) {
  arena_t *a = arena_create(0);
  char *sch = arena_printf(a, "%s_m3", schema);
  make_schema(sch);
  char *dir = mkdir_in_tmp(a, "mig_conc");
  /* Each file appends a row: applying one twice would leave a duplicate behind. */
  write_file(a, dir, "0001_create_log.sql",
             "CREATE TABLE runlog (file text);\nINSERT INTO runlog VALUES ('0001');\n"
             "SELECT pg_sleep(0.2);\n");
  write_file(a, dir, "0002_insert_log.sql",
             "INSERT INTO runlog VALUES ('0002');\nSELECT pg_sleep(0.1);\n");
  write_file(a, dir, "0003_insert_log.sql", "INSERT INTO runlog VALUES ('0003');\n");
  migrator_t m[3];
  pthread_t th[3];
  for (int i = 0; i < 3; i++) {
    m[i] = (migrator_t){.dsn = dsn_for(a, sch), .dir = dir};
    pthread_create(&th[i], NULL, run_migrator, &m[i]);
  }
  int total = 0;
  for (int i = 0; i < 3; i++) {
    pthread_join(th[i], NULL);
    CHECK(m[i].ok);
    if (!m[i].ok)
      fprintf(stderr, "migrator %d: %s %s\n", i, m[i].err.message_en, m[i].err.detail);
    total += m[i].applied;
  }
  CHECK_INT(total, 3);
  store_pg_pool_t *p = store_pg_pool_create(dsn_for(a, sch), 1, 5000);
  eh_err_t err = EH_ERR_INIT;
  store_pg_conn_t *c = store_pg_acquire(a, p, now_ms() + 10000, &err);
  store_rows_t *r =
      c ? store_pg_exec(a, c, "SELECT count(*), count(DISTINCT file) FROM runlog", 0, NULL, &err)
        : NULL;
  CHECK(r && store_rows_int64(r, 0, 0) == 3 && store_rows_int64(r, 0, 1) == 3);
  r = c ? store_pg_exec(a, c, "SELECT count(*) FROM schema_migrations", 0, NULL, &err) : NULL;
  CHECK(r && store_rows_int64(r, 0, 0) == 3);
  drop_schema(sch);
  arena_destroy(a); /* sch lives in a; leases go before their pool */
  store_pg_pool_destroy(p);
}

/* The repository's own migrations apply cleanly to an empty schema. */
static void test_repo_migrations(void) {
  const char *srcdir = getenv("TEST_SRCDIR"), *ws = getenv("TEST_WORKSPACE");
  arena_t *a = arena_create(0);
  char *dir = arena_printf(a, "%s/%s/migrations", srcdir ? srcdir : ".", ws ? ws : "ehall");
  char *sch = arena_printf(a, "%s_m4", schema);
  make_schema(sch);
  store_pg_pool_t *p = store_pg_pool_create(dsn_for(a, sch), 1, 5000);
  eh_err_t err = EH_ERR_INIT;
  int applied = 0;
  CHECK(store_migrate_up(p, dir, &applied, &err));
  if (!eh_ok(&err))
    fprintf(stderr, "repo migrations: %s %s\n", err.message_en, err.detail);
  CHECK(applied >= 1);
  store_pg_conn_t *c = store_pg_acquire(a, p, now_ms() + 10000, &err);
  const char *k[] = {"hall.name"};
  store_rows_t *r =
      c ? store_pg_exec(a, c, "SELECT value FROM hall_settings WHERE key = $1", 1, k, &err) : NULL;
  CHECK(r && !strcmp(store_rows_get(r, 0, 0), "网上办事大厅"));
  drop_schema(sch);
  arena_destroy(a); /* sch lives in a; leases go before their pool */
  store_pg_pool_destroy(p);
}

/* ---- Redis ----------------------------------------------------------------------------- */

static store_redis_reply_t *rcmd(arena_t *a, store_redis_pool_t *p, eh_err_t *err, int argc,
                                 const char *const *argv) {
  size_t lens[8];
  for (int i = 0; i < argc; i++)
    lens[i] = strlen(argv[i]);
  return store_redis_cmd(a, p, argc, argv, lens, err);
}

static void test_redis_basic(void) {
  store_redis_pool_t *p = store_redis_pool_create("127.0.0.1", redis_port, 2, 2000);
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  char key[96], ctr[96], miss[96];
  snprintf(key, sizeof(key), "ehall:test:%s:k", run_id);
  snprintf(ctr, sizeof(ctr), "ehall:test:%s:c", run_id);
  snprintf(miss, sizeof(miss), "ehall:test:%s:missing", run_id);

  const char *set[] = {"SET", key, "值 value", "EX", "60"};
  store_redis_reply_t *r = rcmd(a, p, &err, 5, set);
  CHECK(r && store_redis_reply_type(r) == STORE_REDIS_STATUS);
  CHECK(r && !strcmp(store_redis_reply_str(r, NULL), "OK"));
  const char *get[] = {"GET", key};
  r = rcmd(a, p, &err, 2, get);
  CHECK(r && store_redis_reply_type(r) == STORE_REDIS_STRING);
  CHECK_STR(r ? store_redis_reply_str(r, NULL) : NULL, "值 value");

  const char *del[] = {"DEL", ctr};
  rcmd(a, p, &err, 2, del);
  const char *incr[] = {"INCR", ctr};
  rcmd(a, p, &err, 2, incr);
  r = rcmd(a, p, &err, 2, incr);
  CHECK(r && store_redis_reply_type(r) == STORE_REDIS_INTEGER && store_redis_reply_int(r) == 2);

  /* Binary-safe: a NUL in the middle survives the round trip. */
  const char bin[] = {'a', '\0', 'b', '\xff'};
  const char *bset[] = {"SET", key, bin};
  size_t blen[] = {3, strlen(key), sizeof(bin)};
  CHECK(store_redis_cmd(a, p, 3, bset, blen, &err) != NULL);
  r = rcmd(a, p, &err, 2, get);
  size_t len = 0;
  const char *s = r ? store_redis_reply_str(r, &len) : NULL;
  CHECK(s && len == sizeof(bin) && memcmp(s, bin, sizeof(bin)) == 0);

  /* A miss is NIL, not an error. */
  const char *gm[] = {"GET", miss};
  r = rcmd(a, p, &err, 2, gm);
  CHECK(r && store_redis_reply_type(r) == STORE_REDIS_NIL);
  CHECK(eh_ok(&err));

  const char *mget[] = {"MGET", key, miss};
  r = rcmd(a, p, &err, 3, mget);
  CHECK(r && store_redis_reply_len(r) == 2);
  CHECK(r && store_redis_reply_type(store_redis_reply_at(r, 1)) == STORE_REDIS_NIL);
  CHECK(r && store_redis_reply_at(r, 2) == NULL);

  /* An error reply → INTERNAL with the text in the detail. */
  const char *wrong[] = {"INCR", key};
  CHECK(rcmd(a, p, &err, 2, wrong) == NULL);
  CHECK_INT(err.code, EH_INTERNAL);
  CHECK(strstr(err.detail, "redis error reply") != NULL);

  eh_err_clear(&err);
  const char *cleanup[] = {"DEL", key, ctr};
  rcmd(a, p, &err, 3, cleanup);
  char ver[32] = "";
  double ms = -1;
  CHECK(store_redis_ping(p, ver, sizeof(ver), &ms, &err));
  CHECK(ver[0] >= '1' && ver[0] <= '9' && ms >= 0);
  arena_destroy(a);
  store_redis_pool_destroy(p);
}

static void test_redis_down(void) {
  store_redis_pool_t *p = store_redis_pool_create("127.0.0.1", 1, 1, 500);
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  const char *ping[] = {"PING"};
  CHECK(rcmd(a, p, &err, 1, ping) == NULL);
  CHECK_INT(err.code, EH_UNAVAILABLE);
  eh_err_clear(&err);
  CHECK(rcmd(a, p, &err, 1, ping) == NULL); /* and again: no crash, still UNAVAILABLE */
  CHECK_INT(err.code, EH_UNAVAILABLE);
  eh_err_clear(&err);
  CHECK(!store_redis_ping(p, NULL, 0, NULL, &err));
  CHECK_INT(err.code, EH_UNAVAILABLE);
  arena_destroy(a);
  store_redis_pool_destroy(p);
}

/* A pooled context whose server connection was killed is replaced by the next command. */
static void test_redis_reconnects(void) {
  store_redis_pool_t *p = store_redis_pool_create("127.0.0.1", redis_port, 1, 2000);
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  char victim[96];
  snprintf(victim, sizeof(victim), "ehall-store-test-victim-%s", run_id);
  const char *setname[] = {"CLIENT", "SETNAME", victim};
  CHECK(rcmd(a, p, &err, 3, setname) != NULL);
  store_redis_pool_t *killer = store_redis_pool_create("127.0.0.1", redis_port, 1, 2000);
  const char *list[] = {"CLIENT", "LIST"};
  store_redis_reply_t *r = rcmd(a, killer, &err, 2, list);
  const char *text = r ? store_redis_reply_str(r, NULL) : "";
  char needle[110];
  snprintf(needle, sizeof(needle), "name=%s ", victim);
  const char *line = strstr(text, needle);
  const char *id = NULL;
  if (line) {
    while (line > text && line[-1] != '\n')
      line--;
    id = line + 3; /* "id=NNN " */
  }
  CHECK(id != NULL);
  if (id) {
    char idbuf[32];
    snprintf(idbuf, sizeof(idbuf), "%.*s", (int)strcspn(id, " "), id);
    const char *kill[] = {"CLIENT", "KILL", "ID", idbuf};
    CHECK(rcmd(a, killer, &err, 4, kill) != NULL);
  }
  /* The pool notices the hung-up idle context and reconnects: the caller sees no error. */
  const char *ping[] = {"PING"};
  eh_err_t e1 = EH_ERR_INIT;
  CHECK(rcmd(a, p, &e1, 1, ping) != NULL);
  if (!eh_ok(&e1))
    fprintf(stderr, "after CLIENT KILL: %s %s\n", eh_status_name(e1.code), e1.detail);
  const char *getname[] = {"CLIENT", "GETNAME"};
  store_redis_reply_t *nm = rcmd(a, p, &e1, 2, getname);
  CHECK(nm && store_redis_reply_type(nm) == STORE_REDIS_NIL); /* a new connection */
  arena_destroy(a);
  store_redis_pool_destroy(killer);
  store_redis_pool_destroy(p);
}

int main(void) {
  base_dsn = getenv("EHALL_TEST_PG_DSN");
  const char *rp = getenv("EHALL_TEST_REDIS_PORT");
  if (base_dsn == NULL || *base_dsn == '\0' || rp == NULL || *rp == '\0') {
    fprintf(stderr,
            "store_test needs a real PostgreSQL and Redis: set EHALL_TEST_PG_DSN (keyword form) "
            "and EHALL_TEST_REDIS_PORT, e.g.\n  bazel test //tests/unit/core/store:store_test "
            "--test_env=EHALL_TEST_PG_DSN='host=127.0.0.1 port=5432 user=ehall dbname=ehall_test' "
            "--test_env=EHALL_TEST_REDIS_PORT=6379\n(./dev test passes them)\n");
    CHECK(!"EHALL_TEST_PG_DSN and EHALL_TEST_REDIS_PORT are set");
    return test_done();
  }
  redis_port = atoi(rp);
  const char *t = getenv("TEST_TMPDIR");
  snprintf(tmpdir, sizeof(tmpdir), "%s", t ? t : "/tmp");
  log_init(LOG_LEVEL_WARN, false);
  /* Unique per run even when runs share a PID namespace (Bazel's sandbox gives the same pid). */
  struct timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  snprintf(run_id, sizeof(run_id), "%d_%lx_%lx", (int)getpid(), (long)rt.tv_sec, (long)rt.tv_nsec);
  snprintf(schema, sizeof(schema), "store_test_%s", run_id);

  admin = store_pg_pool_create(base_dsn, 2, 5000);
  char ver[32];
  eh_err_t err = EH_ERR_INIT;
  if (!store_pg_ping(admin, now_ms() + 10000, ver, sizeof(ver), NULL, &err)) {
    fprintf(stderr, "cannot reach PostgreSQL at EHALL_TEST_PG_DSN: %s\n", err.detail);
    CHECK(!"PostgreSQL reachable");
    store_pg_pool_destroy(admin);
    return test_done();
  }
  make_schema(schema);
  arena_t *a = arena_create(0);
  pool = store_pg_pool_create(dsn_for(a, schema), 2, 5000);

  RUN(test_exec_params_and_nulls);
  RUN(test_constraint_errors);
  RUN(test_deadline_cancels_query);
  RUN(test_pool_exhaustion);
  RUN(test_release_rolls_back_open_tx);
  RUN(test_unreachable_and_recovery);
  RUN(test_prepared_statements);
  RUN(test_tx_commit_and_rollback);
  RUN(test_tx_deadline);
  RUN(test_tx_retry_on_serialization_failure);
  RUN(test_ping);
  RUN(test_migrate_fresh_rerun_edit);
  RUN(test_migrate_bad_files);
  RUN(test_migrate_concurrent);
  RUN(test_repo_migrations);
  RUN(test_redis_basic);
  RUN(test_redis_down);
  RUN(test_redis_reconnects);

  store_pg_pool_destroy(pool);
  arena_destroy(a);
  drop_schema(schema);
  store_pg_pool_destroy(admin);
  return test_done();
}
