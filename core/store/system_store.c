/*
 * system_store.c — SQL of the system area. Read-only; never writes hall_settings (admins do,
 * through their own area).
 */
#include "core/store/system_store.h"

static const char SQL_SYSTEM_SETTINGS[] =
    "SELECT (SELECT value FROM hall_settings WHERE key = 'hall.name'),"
    "       (SELECT value FROM hall_settings WHERE key = 'hall.name_en'),"
    "       (extract(epoch FROM now()) * 1000000)::bigint";

bool store_system_settings(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                           store_system_settings_t *out, eh_err_t *err) {
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  store_rows_t *r = store_pg_exec(a, conn, SQL_SYSTEM_SETTINGS, 0, NULL, err);
  if (r == NULL)
    return false;
  store_pg_release(conn);
  if (store_rows_count(r) != 1)
    return eh_err_set(err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
  out->name = store_rows_isnull(r, 0, 0) ? NULL : store_rows_get(r, 0, 0);
  out->name_en = store_rows_isnull(r, 0, 1) ? NULL : store_rows_get(r, 0, 1);
  out->now_unix_us = store_rows_int64(r, 0, 2);
  return true;
}
