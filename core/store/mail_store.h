/*
 * mail_store.h — the SQL behind the mail outbox (migrations/0006 mail_outbox): queue a mail in
 * the caller's transaction, claim due mail for sending (FOR UPDATE SKIP LOCKED, so several
 * cores never send the same row at once), record the outcome.
 *
 * Never logs an address, a subject or a body (codes and reset links are secrets).
 */
#ifndef EHALL_STORE_MAIL_STORE_H
#define EHALL_STORE_MAIL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"

typedef struct store_mail {
  int64_t id;
  const char *to_addr;
  const char *subject;
  const char *body;
  int attempts;           /* tries before this one */
  int64_t created_unix_s; /* for the Date header */
} store_mail_t;

/* Inserts one queued mail inside the caller's transaction. */
bool store_mail_enqueue_tx(arena_t *a, store_pg_conn_t *conn, const char *to, const char *subject,
                           const char *body, eh_err_t *err);

/* Claims up to `max` due mails (unsent, next_attempt_at <= now(), attempts < max_attempts), in
 * due order, in one short transaction: each claimed row's next_attempt_at moves lease_s ahead so
 * no other core takes it while this one sends (a core that dies mid-send only delays the mail).
 * *out is an array owned by a; *n its length (0 is fine). */
bool store_mail_claim(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int max,
                      int max_attempts, int lease_s, store_mail_t **out, size_t *n, eh_err_t *err);

/* The SMTP server accepted mail `id`. */
bool store_mail_mark_sent(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int64_t id,
                          eh_err_t *err);

/* A try failed: attempts + 1, next try after retry_s, last_error = `error` (no personal data;
 * cut to 500 characters by the caller). */
bool store_mail_mark_failed(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, int64_t id,
                            int retry_s, const char *error, eh_err_t *err);

#endif
