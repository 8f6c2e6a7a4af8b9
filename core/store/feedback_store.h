/*
 * feedback_store.h — the SQL behind ehall.feedback.v1.Feedback: storing one submission. Callers
 * pass plain, already validated values (core/feedback/feedback_rules.h); the SQL stays in
 * feedback_store.c. Never logs a row's text (personal data).
 */
#ifndef EHALL_STORE_FEEDBACK_STORE_H
#define EHALL_STORE_FEEDBACK_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"

typedef struct store_feedback_row {
  int category;           /* 1–4 */
  const char *content;    /* trimmed, 5–2000 code points */
  const char *contact;    /* "" when none */
  const char *page;       /* "" when unknown */
  const char *client_ip;  /* a textual IPv4/IPv6 address, or NULL to store NULL */
  const char *request_id; /* or NULL */
} store_feedback_row_t;

typedef struct store_feedback_receipt {
  const char *id;       /* the new row's uuid, owned by the arena */
  int64_t create_unix_us; /* created_at, microseconds since the epoch */
} store_feedback_receipt_t;

/* Inserts one row in one statement (autocommit) and returns its id and creation time. A row the
 * table's checks refuse answers CONFLICT (the rules should have caught it first); UNAVAILABLE
 * when PostgreSQL cannot be reached; everything honours deadline_ms. */
bool store_feedback_insert(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                           const store_feedback_row_t *row, store_feedback_receipt_t *out,
                           eh_err_t *err);

#endif
