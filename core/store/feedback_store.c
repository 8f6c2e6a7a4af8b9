/*
 * feedback_store.c — SQL of the feedback area. Inserts only; staff reading and marking
 * feedback will come with the admin area. Never logs content or contact.
 */
#include "core/store/feedback_store.h"

#include <stdio.h>

static const char SQL_FEEDBACK_INSERT[] =
    "INSERT INTO feedback (category, content, contact, page, client_ip, request_id)"
    " VALUES ($1::smallint, $2, $3, $4, $5::inet, $6)"
    " RETURNING id, (extract(epoch FROM created_at) * 1000000)::bigint";

bool store_feedback_insert(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                           const store_feedback_row_t *row, store_feedback_receipt_t *out,
                           eh_err_t *err) {
  char category[12];
  snprintf(category, sizeof(category), "%d", row->category);
  const char *params[] = {category,      row->content,   row->contact,
                          row->page,     row->client_ip, row->request_id};
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  store_rows_t *r = store_pg_exec(a, conn, SQL_FEEDBACK_INSERT, 6, params, err);
  if (r == NULL)
    return false;
  store_pg_release(conn);
  if (store_rows_count(r) != 1)
    return eh_err_set(err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
  out->id = store_rows_get(r, 0, 0);
  out->create_unix_us = store_rows_int64(r, 0, 1);
  return true;
}
