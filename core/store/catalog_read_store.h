/*
 * catalog_read_store.h — the SQL and Redis of the catalogue's read side (core/catalog: read.c,
 * mine.c, snapshot.c, cache.c): the published catalogue read in one consistent transaction,
 * the caller's units for audience checks, favourites and recently viewed services; in Redis
 * the mirror of the catalogue's generation, the invalidation message and the view counts.
 * Functions taking a pool borrow a connection for one statement (or one transaction).
 * Everything returned is owned by the arena `a`. Never logs a row.
 *
 * Redis keys: ehall:catalog:gen (the generation, raised only, a day's TTL: a lost key is read
 * again from PostgreSQL), ehall:catalog:views (sorted set: service code → views),
 * ehall:catalog:seen:<code>:<client> (SET NX EX: one counted view per client and window);
 * channel ehall:cache:invalidate.
 */
#ifndef EHALL_STORE_CATALOG_READ_STORE_H
#define EHALL_STORE_CATALOG_READ_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/catalog_store.h"
#include "core/store/pg.h"
#include "core/store/redis.h"

/* Every published service (state 2 with its published version), the categories and themes in
 * display order, every template file's metadata, and the generation they reflect: one
 * REPEATABLE READ transaction, so all agree. */
typedef struct store_catalog_read_rows {
  int64_t generation;
  store_catalog_published_t *services;
  size_t n_services;
  store_catalog_category_t *categories;
  size_t n_categories;
  store_catalog_template_meta_t *templates;
  size_t n_templates;
} store_catalog_read_rows_t;
bool store_catalog_read_snapshot(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                 store_catalog_read_rows_t *out, eh_err_t *err);

/* The catalogue's generation in PostgreSQL. */
bool store_catalog_read_generation(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                   int64_t *generation, eh_err_t *err);

/* Codes of every unit on the paths of the person's current units (person_units valid now). */
bool store_catalog_read_unit_paths(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                   int64_t account_id, const char ***codes, size_t *n,
                                   eh_err_t *err);

/* --- favourites and recent views -------------------------------------------------------------- */

/* Adds (idempotent); RESOURCE_EXHAUSTED when the person already has `max`. */
bool store_catalog_read_favourite_add(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                      int64_t account_id, int64_t service_id, int max,
                                      eh_err_t *err);
/* Removes by service code (idempotent; an unknown code is no error). */
bool store_catalog_read_favourite_remove(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                         int64_t account_id, const char *code, eh_err_t *err);
/* Service ids, newest first (at most 500: the limit is 200). */
bool store_catalog_read_favourites(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                   int64_t account_id, int64_t **ids, size_t *n, eh_err_t *err);
/* Whether the service is among the person's favourites. */
bool store_catalog_read_is_favourite(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                     int64_t account_id, int64_t service_id, bool *yes,
                                     eh_err_t *err);
/* Puts the service first among the person's recent views, keeping the newest `keep`. */
bool store_catalog_read_recent_touch(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                     int64_t account_id, int64_t service_id, int keep,
                                     eh_err_t *err);
/* Service ids, newest first, at most limit. */
bool store_catalog_read_recent(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                               int64_t account_id, int limit, int64_t **ids, size_t *n,
                               eh_err_t *err);

/* --- Redis ---------------------------------------------------------------------------------- */

/* The mirror; *generation 0 when the key is missing. UNAVAILABLE when Redis is down. */
bool store_catalog_read_redis_generation(arena_t *a, store_redis_pool_t *pool, int64_t *generation,
                                         eh_err_t *err);
/* Raises the mirror to generation (never lowers it: two publishes may finish out of order). */
bool store_catalog_read_redis_raise(arena_t *a, store_redis_pool_t *pool, int64_t generation,
                                    eh_err_t *err);
/* PUBLISH ehall:cache:invalidate <tag>. */
bool store_catalog_read_redis_announce(arena_t *a, store_redis_pool_t *pool, const char *tag,
                                       eh_err_t *err);
/* Counts a view of the service unless this client had one counted in the last window_s
 * seconds; *views the service's count after. */
bool store_catalog_read_redis_view(arena_t *a, store_redis_pool_t *pool, const char *code,
                                   const char *client, int window_s, int64_t *views, eh_err_t *err);
/* Every service's view count (parallel arrays). */
bool store_catalog_read_redis_views(arena_t *a, store_redis_pool_t *pool, const char ***codes,
                                    int64_t **views, size_t *n, eh_err_t *err);

#endif
