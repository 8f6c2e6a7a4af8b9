/*
 * audit_store.c — SQL of the append-only audit log (migrations/0005): append under a
 * transaction-scoped advisory lock, verify by walking the chain.
 *
 * The canonical text and its hash are computed here in C, for appending and verifying alike,
 * from values as PostgreSQL stores and prints them (the detail through jsonb, the address
 * through host(inet), the time as read back), so both sides hash the very same bytes.
 * Must never log a row's content (it may name people).
 */
#include "core/store/audit_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/common/crypto.h"

/* pg_advisory_xact_lock key of the appenders ("audit" among ehall's lock keys). */
static const char AUDIT_LOCK_KEY[] = "1701339505";
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
#define AUDIT_PAGE "1000"

static const char SQL_AUDIT_LOCK[] = "SELECT pg_advisory_xact_lock($1::bigint)";

/* The head, the time of the new row (as text, so the insert stores exactly what was hashed)
 * and the detail and address normalised the way they will be read back. FOR UPDATE: under
 * REPEATABLE READ a head moved by another appender is a serialization failure (retried by
 * store_pg_tx), never a stale read. */
static const char SQL_AUDIT_HEAD_LOCK[] =
    "SELECT h.last_id, h.hash, t.ts::text,"
    " (extract(epoch FROM t.ts) * 1000000)::bigint,"
    " coalesce($1::jsonb, '{}'::jsonb)::text, coalesce(host($2::inet), '')"
    " FROM audit_head h, (SELECT clock_timestamp() AS ts) t FOR UPDATE OF h";

static const char SQL_AUDIT_INSERT[] =
    "INSERT INTO audit_log (id, at, actor, action, target, client_ip, request_id, detail,"
    " prev_hash, hash)"
    " VALUES ($1::bigint, $2::timestamptz, $3, $4, $5, $6::inet, $7, $8::jsonb, $9, $10)";

static const char SQL_AUDIT_HEAD_SET[] = "UPDATE audit_head SET last_id = $1::bigint, hash = $2";

static const char SQL_AUDIT_HEAD_READ[] = "SELECT last_id, hash FROM audit_head";

static const char SQL_AUDIT_PAGE[] =
    "SELECT id, (extract(epoch FROM at) * 1000000)::bigint, actor, action, target,"
    " coalesce(host(client_ip), ''), request_id, detail::text, prev_hash, hash"
    " FROM audit_log WHERE id > $1::bigint ORDER BY id LIMIT " AUDIT_PAGE;

static void audit__field(char **p, const char *s) {
  size_t n = strlen(s);
  *p += sprintf(*p, "%zu:", n);
  memcpy(*p, s, n);
  *p += n;
  *(*p)++ = '\n';
}

const char *store_audit_canonical(arena_t *a, const char *prev_hash, int64_t id, int64_t at_us,
                                  const char *actor, const char *action, const char *target,
                                  const char *client_ip, const char *request_id,
                                  const char *detail) {
  char ids[24], ats[24];
  snprintf(ids, sizeof(ids), "%" PRId64, id);
  snprintf(ats, sizeof(ats), "%" PRId64, at_us);
  const char *f[] = {prev_hash, ids, ats, actor, action, target, client_ip, request_id, detail};
  size_t cap = 32;
  for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
    cap += strlen(f[i]) + 24;
  char *out = arena_alloc(a, cap);
  char *p = out;
  p += sprintf(p, "ehall-audit-v1\n");
  for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
    audit__field(&p, f[i]);
  *p = '\0';
  return out;
}

static void audit__hash(arena_t *a, const char *prev_hash, int64_t id, int64_t at_us,
                        const char *actor, const char *action, const char *target, const char *ip,
                        const char *rid, const char *detail, char out[65]) {
  const char *c =
      store_audit_canonical(a, prev_hash, id, at_us, actor, action, target, ip, rid, detail);
  crypto_sha256_hex(c, strlen(c), out);
}

bool store_audit_append_tx(arena_t *a, store_pg_conn_t *conn, const store_audit_entry_t *e,
                           int64_t *id, eh_err_t *err) {
  const char *lp[] = {AUDIT_LOCK_KEY};
  if (store_pg_exec(a, conn, SQL_AUDIT_LOCK, 1, lp, err) == NULL)
    return false;
  const char *hp[] = {e->detail_json, e->client_ip};
  store_rows_t *h = store_pg_exec(a, conn, SQL_AUDIT_HEAD_LOCK, 2, hp, err);
  if (h == NULL)
    return false;
  if (store_rows_count(h) != 1) {
    eh_err_set(err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
    eh_err_detail(err, "audit_head has no row");
    return false;
  }
  int64_t new_id = store_rows_int64(h, 0, 0) + 1;
  const char *prev = store_rows_get(h, 0, 1);
  const char *at_text = store_rows_get(h, 0, 2);
  int64_t at_us = store_rows_int64(h, 0, 3);
  const char *detail = store_rows_get(h, 0, 4);
  const char *ip = store_rows_get(h, 0, 5);
  const char *target = e->target ? e->target : "";
  const char *rid = e->request_id ? e->request_id : "";

  char hash[65];
  audit__hash(a, prev, new_id, at_us, e->actor, e->action, target, ip, rid, detail, hash);
  char ids[24];
  snprintf(ids, sizeof(ids), "%" PRId64, new_id);
  const char *ip_param = *ip ? ip : NULL;
  const char *ip_params[] = {ids,      at_text, e->actor, e->action, target,
                             ip_param, rid,     detail,   prev,      hash};
  if (store_pg_exec(a, conn, SQL_AUDIT_INSERT, 10, ip_params, err) == NULL)
    return false;
  const char *sp[] = {ids, hash};
  if (store_pg_exec(a, conn, SQL_AUDIT_HEAD_SET, 2, sp, err) == NULL)
    return false;
  if (id)
    *id = new_id;
  return true;
}

typedef struct audit_walk {
  store_audit_report_t *out;
} audit_walk_t;

static bool audit__broken(store_audit_report_t *out, int64_t id, const char *fmt, int64_t n) {
  out->broken_id = id;
  snprintf(out->reason, sizeof(out->reason), fmt, n);
  return true;
}

static bool audit__walk_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  store_audit_report_t *out = ((audit_walk_t *)ud)->out;
  memset(out, 0, sizeof(*out));
  store_rows_t *h = store_pg_exec(a, conn, SQL_AUDIT_HEAD_READ, 0, NULL, err);
  if (h == NULL)
    return false;
  if (store_rows_count(h) != 1)
    return audit__broken(out, 1, "the head row is missing (%" PRId64 " rows)", 0);
  int64_t head_id = store_rows_int64(h, 0, 0);
  char head_hash[65];
  snprintf(head_hash, sizeof(head_hash), "%s", store_rows_get(h, 0, 1));

  int64_t last_id = 0;
  char last_hash[65] = AUDIT_GENESIS;
  for (;;) {
    /* One arena per page: a long log is walked in constant memory. */
    arena_t *pa = arena_create(0);
    char after[24];
    snprintf(after, sizeof(after), "%" PRId64, last_id);
    const char *pp[] = {after};
    store_rows_t *r = store_pg_exec(pa, conn, SQL_AUDIT_PAGE, 1, pp, err);
    if (r == NULL) {
      arena_destroy(pa);
      return false;
    }
    int n = store_rows_count(r);
    for (int i = 0; i < n; i++) {
      int64_t id = store_rows_int64(r, i, 0);
      if (id != last_id + 1) {
        audit__broken(out, last_id + 1, "row is missing (the next row is %" PRId64 ")", id);
        arena_destroy(pa);
        return true;
      }
      if (strcmp(store_rows_get(r, i, 8), last_hash) != 0) {
        audit__broken(out, id, "prev_hash does not match the hash of row %" PRId64, last_id);
        arena_destroy(pa);
        return true;
      }
      char hash[65];
      audit__hash(pa, last_hash, id, store_rows_int64(r, i, 1), store_rows_get(r, i, 2),
                  store_rows_get(r, i, 3), store_rows_get(r, i, 4), store_rows_get(r, i, 5),
                  store_rows_get(r, i, 6), store_rows_get(r, i, 7), hash);
      if (strcmp(hash, store_rows_get(r, i, 9)) != 0) {
        audit__broken(out, id, "content does not match its hash (edited row %" PRId64 ")", id);
        arena_destroy(pa);
        return true;
      }
      last_id = id;
      memcpy(last_hash, hash, sizeof(last_hash));
      out->rows++;
    }
    arena_destroy(pa);
    if (n == 0)
      break;
  }
  if (head_id > last_id)
    return audit__broken(out, last_id + 1,
                         "row is missing: the head records %" PRId64 " rows (deleted)", head_id);
  if (head_id < last_id)
    return audit__broken(out, head_id + 1, "row is not recorded in the head (head at %" PRId64 ")",
                         head_id);
  if (strcmp(head_hash, last_hash) != 0)
    return audit__broken(out, last_id, "the head's hash differs from row %" PRId64, last_id);
  return true;
}

bool store_audit_verify(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                        store_audit_report_t *out, eh_err_t *err) {
  audit_walk_t w = {out};
  /* One snapshot for the head and every page: rows appended meanwhile are not half-seen. */
  return store_pg_tx_iso(a, pool, deadline_ms, STORE_PG_REPEATABLE_READ, audit__walk_tx, &w, err);
}
