/*
 * mailer.h — the hall's outgoing mail: queued in PostgreSQL inside the transaction that
 * decided to send it (mail_outbox, migrations/0006), delivered by one sender thread per core
 * over SMTP (libcurl), claimed with FOR UPDATE SKIP LOCKED so several cores never send the
 * same mail twice; retried with backoff while the SMTP server refuses.
 *
 * Never logs a recipient or a body (codes and reset links are secrets).
 */
#ifndef EHALL_IDENTITY_MAILER_H
#define EHALL_IDENTITY_MAILER_H

#include <stdbool.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"

struct core_config;

/* Queues one plain-text UTF-8 mail inside the caller's transaction. */
bool mail_enqueue_tx(arena_t *a, store_pg_conn_t *conn, const char *to, const char *subject,
                     const char *body, eh_err_t *err);

/* The sender thread (nothing is sent while smtp.url is empty). */
bool mailer_start(const struct core_config *cfg, store_pg_pool_t *pg);
void mailer_stop(void);

#endif
