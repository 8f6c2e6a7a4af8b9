/*
 * forms_store.h — the SQL of applications (core/forms; migrations/0011_create_applications.sql).
 * Owned with core/forms. Form definitions and values travel as JSON text (the core's transcoder
 * makes and reads it); files as bytes. Strings returned are owned by the arena given.
 */
#ifndef EHALL_STORE_FORMS_STORE_H
#define EHALL_STORE_FORMS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"

/* --- form versions --------------------------------------------------------------------------- */

typedef struct store_form_version {
  int version;
  const char *form_json;
  int64_t created_us;
  const char *created_by; /* campus id, "" */
  int running;            /* applications in progress (submitted, in review, returned) on it */
} store_form_version_t;

/* The newest version (found false: the service has no form yet). */
bool store_forms_current(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                         store_form_version_t *out, bool *found, eh_err_t *err);
bool store_forms_version(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int version,
                         store_form_version_t *out, bool *found, eh_err_t *err);
/* Stores the next version (CONFLICT when another save took the number meanwhile). */
bool store_forms_insert(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int64_t account_id,
                        const char *form_json, int *version, eh_err_t *err);
/* Every version, newest first, without the definitions. */
bool store_forms_versions(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                          store_form_version_t **out, size_t *n, eh_err_t *err);

/* --- the applicant --------------------------------------------------------------------------- */

typedef struct store_forms_profile {
  const char *name, *campus_id, *phone, *email;
  const char *college, *major, *class_name; /* "" when not placed */
} store_forms_profile_t;

bool store_forms_profile(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                         store_forms_profile_t *out, eh_err_t *err);
/* The values of his newest submitted application to the service ("" when none). */
bool store_forms_previous(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int64_t service_id,
                          const char **data_json, eh_err_t *err);

/* --- applications -------------------------------------------------------------------------- */

typedef struct store_application {
  int64_t id, service_id, account_id, booking_id;
  const char *service_code, *service_name, *owner_code;
  int form_version, state;
  const char *data_json, *serial;
  int64_t created_us, updated_us, submitted_us;
} store_application_t;

typedef struct store_app_event {
  int64_t at_us;
  const char *action, *actor_name, *note;
  const char *step_name, *acting_for_name; /* "" outside approval steps / no delegation */
} store_app_event_t;

/* His draft of the service (lock: FOR UPDATE). */
bool store_forms_draft(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int64_t service_id,
                       bool lock, store_application_t *out, bool *found, eh_err_t *err);
/* Creates his draft on form_version, or replaces its values (a draft keeps its version). */
bool store_forms_draft_put(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                           int64_t service_id, int form_version, const char *data_json, int64_t *id,
                           eh_err_t *err);
bool store_forms_draft_delete(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                              int64_t service_id, eh_err_t *err);
/* Submits: the draft draft_id (> 0) or a new application becomes state 2 with a serial
 * (YYYYMMDD-NNNNNN in tz), the values and the booking; counts it for the service's hot list. */
bool store_forms_submit(arena_t *a, store_pg_conn_t *conn, int64_t draft_id, int64_t account_id,
                        int64_t service_id, int form_version, const char *data_json,
                        int64_t booking_id, const char *tz, int64_t *id, eh_err_t *err);
bool store_forms_event(arena_t *a, store_pg_conn_t *conn, int64_t app_id, const char *action,
                       int64_t actor_id, const char *note, eh_err_t *err);
/* One application (account_id > 0: only his, else NOT found). */
bool store_forms_get(arena_t *a, store_pg_conn_t *conn, int64_t id, int64_t account_id, bool lock,
                     store_application_t *out, bool *found, eh_err_t *err);
bool store_forms_events(arena_t *a, store_pg_conn_t *conn, int64_t app_id, store_app_event_t **out,
                        size_t *n, eh_err_t *err);
/* His applications, newest first, ids below before_id (0: from the newest), at most limit. */
bool store_forms_mine(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int64_t before_id,
                      int limit, store_application_t **out, size_t *n, eh_err_t *err);
/* Sets the state (and the values when data_json is not NULL; ended: ended_at now). */
bool store_forms_set_state(arena_t *a, store_pg_conn_t *conn, int64_t id, int state,
                           const char *data_json, bool ended, eh_err_t *err);
/* Records which application a booking was made for. */
bool store_forms_link_booking(arena_t *a, store_pg_conn_t *conn, int64_t booking_id, int64_t app_id,
                              eh_err_t *err);

/* --- files ------------------------------------------------------------------------------------ */

typedef struct store_forms_file {
  int64_t id, account_id, service_id;
  const char *name, *content_type, *sha256;
  int size;
  const uint8_t *data; /* store_forms_file_get only */
} store_forms_file_t;

bool store_forms_file_put(arena_t *a, store_pg_conn_t *conn, int64_t account_id, int64_t service_id,
                          const char *name, const char *content_type, const uint8_t *data,
                          size_t len, const char *sha256, int64_t *id, eh_err_t *err);
/* Bytes he stored since midnight (tz). */
bool store_forms_file_day_bytes(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                                const char *tz, int64_t *bytes, eh_err_t *err);
/* The file (with its bytes) when it is account_id's. */
bool store_forms_file_get(arena_t *a, store_pg_conn_t *conn, int64_t id, int64_t account_id,
                          store_forms_file_t *out, bool *found, eh_err_t *err);
/* The content type of each of ids that is his file of the service, in ids' order; NULL for
 * one that is not. */
bool store_forms_files_types(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                             int64_t service_id, const char *const *ids, size_t n,
                             const char ***types, eh_err_t *err);

#endif
