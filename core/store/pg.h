/*
 * pg.h — the PostgreSQL connection pool and queries. Only core/store includes libpq; callers
 * see these opaque types.
 *
 * Statements are parameterised ($1…) with text parameters; SQL text lives as named constants at
 * the top of each store file. A connection borrowed for a call is registered on the call's arena
 * and goes back to the pool when the arena is destroyed (or earlier with store_pg_release).
 * Every wait and every statement honours the deadline (CLOCK_MONOTONIC ms, INT64_MAX: none).
 */
#ifndef EHALL_STORE_PG_H
#define EHALL_STORE_PG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"

typedef struct store_pg_pool store_pg_pool_t;
typedef struct store_pg_conn store_pg_conn_t;
typedef struct store_rows store_rows_t;

/* A bounded pool of `size` connections to `dsn`, opened lazily and reopened after the server
 * restarts. The caller owns it. Never fails for an unreachable server (calls fail instead). */
store_pg_pool_t *store_pg_pool_create(const char *dsn, int size, int connect_timeout_ms);
void store_pg_pool_destroy(store_pg_pool_t *pool);

/* Borrows a connection, waiting for one until the deadline (then RESOURCE_EXHAUSTED or
 * DEADLINE); UNAVAILABLE if the server cannot be reached. The connection is returned when `a`
 * is destroyed. */
store_pg_conn_t *store_pg_acquire(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                  eh_err_t *err);
void store_pg_release(store_pg_conn_t *conn);

/* Runs one parameterised statement. NULL entries in params are SQL NULL. The result is owned
 * by `a`. SQLSTATE maps to our status in one place (unique → ALREADY_EXISTS, check/exclusion →
 * CONFLICT, 40001/40P01 → CONFLICT with store_pg_retryable() true, query_canceled → DEADLINE,
 * connection loss → UNAVAILABLE). */
store_rows_t *store_pg_exec(arena_t *a, store_pg_conn_t *conn, const char *sql, int nparams,
                            const char *const *params, eh_err_t *err);

int store_rows_count(const store_rows_t *r);
int store_rows_affected(const store_rows_t *r); /* UPDATE/INSERT/DELETE row count */
/* Text value of (row, col); "" for NULL. Owned by the rows (the arena). */
const char *store_rows_get(const store_rows_t *r, int row, int col);
bool store_rows_isnull(const store_rows_t *r, int row, int col);
int64_t store_rows_int64(const store_rows_t *r, int row, int col);

/* Runs fn inside BEGIN … COMMIT on one connection; ROLLBACK if fn returns false. Retries the
 * whole transaction on serialization failure or deadlock (bounded, with jitter) while the
 * deadline allows. The statement_timeout of the transaction follows the deadline. */
typedef bool (*store_pg_tx_fn)(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err);
bool store_pg_tx(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, store_pg_tx_fn fn,
                 void *ud, eh_err_t *err);

/* store_pg_tx with an isolation level given to BEGIN (a fn cannot SET TRANSACTION ISOLATION
 * LEVEL itself: the transaction's statement_timeout is set first, with a query). */
typedef enum {
  STORE_PG_READ_COMMITTED = 0,
  STORE_PG_REPEATABLE_READ,
  STORE_PG_SERIALIZABLE
} store_pg_isolation_t;
bool store_pg_tx_iso(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                     store_pg_isolation_t iso, store_pg_tx_fn fn, void *ud, eh_err_t *err);

/* True when err came from a serialization failure or deadlock. */
bool store_pg_retryable(const eh_err_t *err);

/* True when err came from a constraint violation on the named constraint (e.g. to turn a unique
 * violation into a field error). */
bool store_pg_err_constraint(const eh_err_t *err, const char *constraint);

/* How long store_pg_acquire queues for a free connection before RESOURCE_EXHAUSTED when the
 * caller's deadline is later (default 5000 ms; INT64_MAX: only the deadline). Set before use. */
void store_pg_pool_set_queue_wait(store_pg_pool_t *pool, int64_t ms);
/* Whether connections keep the statements they run prepared (default true); false for a
 * pooler that does not keep prepared statements per client. Set before the first acquire. */
void store_pg_pool_set_prepare(store_pg_pool_t *pool, bool prepare);

/* A cheap round trip for health: fills the server version ("15.18") and the latency. */
bool store_pg_ping(store_pg_pool_t *pool, int64_t deadline_ms, char *version, size_t cap,
                   double *latency_ms, eh_err_t *err);

/* A PostgreSQL text[] literal of v[0..n) for one text parameter ("{\"a\",\"b\"}"): every
 * element quoted, with " and \ escaped; in a. Lists travel this way so a statement stays one
 * parameterised statement however long the list. */
const char *store_pg_text_array(arena_t *a, const char *const *v, size_t n);

#endif
