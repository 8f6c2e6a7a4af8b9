/*
 * mail_store.c — SQL of the mail outbox (see mail_store.h). Never logs an address, a subject or
 * a body.
 */
#include "core/store/mail_store.h"

#include <stdio.h>
#include <stdlib.h>

static const char SQL_MAIL_ENQUEUE[] =
    "INSERT INTO mail_outbox (to_addr, subject, body) VALUES ($1, $2, $3)";

/* One statement, so the claim is its own short transaction: the rows are locked by the inner
 * SELECT (SKIP LOCKED: another core's claim in progress is passed over, never waited for) and
 * leased by pushing next_attempt_at ahead before anyone sends. */
static const char SQL_MAIL_CLAIM[] =
    "UPDATE mail_outbox m SET next_attempt_at = now() + make_interval(secs => $3::int)"
    " FROM (SELECT id FROM mail_outbox"
    "       WHERE sent_at IS NULL AND next_attempt_at <= now() AND attempts < $2::int"
    "       ORDER BY next_attempt_at, id LIMIT $1::int FOR UPDATE SKIP LOCKED) due"
    " WHERE m.id = due.id"
    " RETURNING m.id, m.to_addr, m.subject, m.body, m.attempts,"
    "           extract(epoch FROM m.created_at)::bigint";

/* The body goes once it is delivered: it holds binding codes and reset links, which must not
 * outlive their use in a table and its backups (only their hashes are kept elsewhere). */
static const char SQL_MAIL_SENT[] =
    "UPDATE mail_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL,"
    " body = ''"
    " WHERE id = $1::bigint AND sent_at IS NULL";

static const char SQL_MAIL_FAILED[] =
    "UPDATE mail_outbox SET attempts = attempts + 1,"
    " next_attempt_at = now() + make_interval(secs => $2::int), last_error = left($3, 500)"
    " WHERE id = $1::bigint AND sent_at IS NULL";

bool store_mail_enqueue_tx(arena_t *a, store_pg_conn_t *conn, const char *to, const char *subject,
                           const char *body, eh_err_t *err) {
  const char *params[] = {to, subject, body};
  return store_pg_exec(a, conn, SQL_MAIL_ENQUEUE, 3, params, err) != NULL;
}

static int mail__by_id(const void *x, const void *y) {
  const store_mail_t *p = x, *q = y;
  return (p->id > q->id) - (p->id < q->id);
}

bool store_mail_claim(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int max,
                      int max_attempts, int lease_s, store_mail_t **out, size_t *n, eh_err_t *err) {
  *out = NULL;
  *n = 0;
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  const char *params[] = {arena_printf(a, "%d", max), arena_printf(a, "%d", max_attempts),
                          arena_printf(a, "%d", lease_s)};
  store_rows_t *r = store_pg_exec(a, conn, SQL_MAIL_CLAIM, 3, params, err);
  store_pg_release(conn);
  if (r == NULL)
    return false;
  int count = store_rows_count(r);
  if (count == 0)
    return true;
  store_mail_t *m = arena_zalloc(a, sizeof(*m) * (size_t)count);
  for (int i = 0; i < count; i++) {
    m[i].id = store_rows_int64(r, i, 0);
    m[i].to_addr = store_rows_get(r, i, 1);
    m[i].subject = store_rows_get(r, i, 2);
    m[i].body = store_rows_get(r, i, 3);
    m[i].attempts = (int)store_rows_int64(r, i, 4);
    m[i].created_unix_s = store_rows_int64(r, i, 5);
  }
  /* UPDATE … RETURNING gives no order: send the oldest first. */
  qsort(m, (size_t)count, sizeof(*m), mail__by_id);
  *out = m;
  *n = (size_t)count;
  return true;
}

bool store_mail_mark_sent(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int64_t id,
                          eh_err_t *err) {
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  const char *params[] = {arena_printf(a, "%lld", (long long)id)};
  bool ok = store_pg_exec(a, conn, SQL_MAIL_SENT, 1, params, err) != NULL;
  store_pg_release(conn);
  return ok;
}

bool store_mail_mark_failed(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int64_t id,
                            int retry_s, const char *error, eh_err_t *err) {
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  const char *params[] = {arena_printf(a, "%lld", (long long)id), arena_printf(a, "%d", retry_s),
                          error ? error : ""};
  bool ok = store_pg_exec(a, conn, SQL_MAIL_FAILED, 3, params, err) != NULL;
  store_pg_release(conn);
  return ok;
}
