/*
 * catalog_store.h — the SQL and Redis of the catalogue (migrations/0009, core/catalog):
 * services and their guide versions, categories, template files, the catalogue's generation.
 * The published catalogue, favourites, recent views and everything in Redis are
 * catalog_read_store.h's. Functions taking a connection run on a borrowed one (store_pg_acquire, or
 * a store_pg_tx's); those taking a pool borrow one. Callers pass validated values. Everything
 * returned is owned by the arena `a`. Never logs a row.
 */
#ifndef EHALL_STORE_CATALOG_STORE_H
#define EHALL_STORE_CATALOG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/pg.h"

/* migrations/0009's numbers (ehall.catalog.v1's enums). */
enum {
  STORE_SERVICE_DRAFT = 1,
  STORE_SERVICE_PUBLISHED = 2,
  STORE_SERVICE_UNPUBLISHED = 3,
};
enum {
  STORE_VERSION_DRAFT = 1,
  STORE_VERSION_PUBLISHED = 2,
  STORE_VERSION_SUPERSEDED = 3,
  STORE_VERSION_DISCARDED = 4,
};

typedef struct store_catalog_service {
  int64_t id;
  const char *code;
  int64_t owner_id;
  const char *owner_code, *owner_name;
  int state;
  int published_version, draft_version, latest_version; /* 0: none */
  const char *name; /* of the draft if any, else of the published or latest version */
  int64_t updated_us, published_us;
} store_catalog_service_t;

typedef struct store_catalog_version {
  int version, state;
  const char *name;
  const char *guide_json; /* GetVersion only (store_catalog_version_get) */
  const char *created_by, *created_by_name, *updated_by, *published_by; /* campus ids, "" */
  int64_t created_us, updated_us, published_us, retired_us;
} store_catalog_version_t;

typedef struct store_catalog_category {
  const char *code;
  int kind;
  const char *name, *name_en, *icon;
  int sort_order;
} store_catalog_category_t;

typedef struct store_catalog_template_meta {
  const char *sha256, *content_type, *owner_code;
  int size;
} store_catalog_template_meta_t;

/* A published service as the snapshot reads it. */
typedef struct store_catalog_published {
  int64_t id;
  const char *code, *owner_code, *owner_name, *owner_name_en;
  int version;
  const char *guide_json;
  int64_t published_us, applications;
} store_catalog_published_t;

/* --- services and versions (editing) -------------------------------------------------------- */

/* The service by code (lock: FOR UPDATE of its row, which every change of it takes first). */
bool store_catalog_service_get(arena_t *a, store_pg_conn_t *conn, const char *code, bool lock,
                               store_catalog_service_t *out, bool *found, eh_err_t *err);
/* ALREADY_EXISTS when the code is taken. */
bool store_catalog_service_insert(arena_t *a, store_pg_conn_t *conn, const char *code,
                                  int64_t owner_id, int64_t account_id, int64_t *id, eh_err_t *err);
/* Sets the service's state and updated_at (and published_at when it becomes published). */
bool store_catalog_service_set_state(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                                     int state, eh_err_t *err);
bool store_catalog_version_insert(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                                  int version, const char *name, const char *guide_json,
                                  int64_t account_id, eh_err_t *err);
bool store_catalog_draft_update(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int version,
                                const char *name, const char *guide_json, int64_t account_id,
                                eh_err_t *err);
/* Moves a version to `state`: PUBLISHED records who and when; SUPERSEDED and DISCARDED when it
 * retired. CONFLICT if the one-draft / one-published indexes refuse it. */
bool store_catalog_version_set_state(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                                     int version, int state, int64_t account_id, eh_err_t *err);
bool store_catalog_version_get(arena_t *a, store_pg_conn_t *conn, int64_t service_id, int version,
                               store_catalog_version_t *out, bool *found, eh_err_t *err);
/* Every version, newest first, without the guides. */
bool store_catalog_versions(arena_t *a, store_pg_conn_t *conn, int64_t service_id,
                            store_catalog_version_t **out, size_t *n, eh_err_t *err);
/* The services a department admin may edit (owned by a unit he administers or one below it);
 * account_id 0: every service (hall admins). Optional filters: owner unit code, a name or
 * code substring. Ordered by the latest change. */
bool store_catalog_managed(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                           const char *department, const char *query, int limit, int64_t offset,
                           store_catalog_service_t **out, size_t *n, eh_err_t *err);
/* Bumps catalog_generation; *generation the new value. In the changing transaction. */
bool store_catalog_generation_bump(arena_t *a, store_pg_conn_t *conn, int64_t *generation,
                                   eh_err_t *err);

/* --- org units, categories, templates -------------------------------------------------------- */

/* An open unit's id by code (*found false when missing or closed). */
bool store_catalog_unit_open(arena_t *a, store_pg_conn_t *conn, const char *code, int64_t *id,
                             bool *found, eh_err_t *err);
bool store_catalog_categories(arena_t *a, store_pg_conn_t *conn, store_catalog_category_t **out,
                              size_t *n, eh_err_t *err);
bool store_catalog_category_upsert(arena_t *a, store_pg_conn_t *conn,
                                   const store_catalog_category_t *c, eh_err_t *err);
/* Metadata of the files among ids that exist (any order). */
bool store_catalog_templates_meta(arena_t *a, store_pg_conn_t *conn, const char *const *ids,
                                  size_t n_ids, store_catalog_template_meta_t **out, size_t *n,
                                  eh_err_t *err);
/* Stores a file (the same bytes once: an existing id is left as it is). */
bool store_catalog_template_put(arena_t *a, store_pg_conn_t *conn, const char *sha256,
                                const char *content_type, const uint8_t *data, size_t len,
                                int64_t owner_id, int64_t account_id, eh_err_t *err);
/* A file with its bytes; meta->owner_code lists every department that uploaded it
 * (space-separated unit codes). */
bool store_catalog_template_get(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                const char *sha256, store_catalog_template_meta_t *meta,
                                const uint8_t **data, size_t *len, bool *found, eh_err_t *err);

#endif
