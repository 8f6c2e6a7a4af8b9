/*
 * snapshot.c — the published catalogue in memory (snapshot.h).
 *
 * One current snapshot per process, swapped under `mu`; readers take a reference under `mu`
 * and drop it when their call ends, so a swap never frees what a reader still uses. Rebuilds
 * are single-flight (`build_mu`): while one caller builds, the others keep answering from the
 * old snapshot when it is only aged (its view counts older than a minute), or wait for the
 * build when the catalogue's generation moved past it, then use its result. A failed build
 * leaves the old snapshot in use only if it is still at the current generation; otherwise the
 * caller gets the error (never a guide that was unpublished).
 */
#include "core/catalog/snapshot.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog/catalog_internal.h"
#include "core/common/log.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t build_mu = PTHREAD_MUTEX_INITIALIZER;
static catalog_snapshot_t *current;
static int64_t expired_below; /* a snapshot below this generation is stale (under mu) */
static bool redis_warned;     /* logged once per outage (under mu) */
/* The generation the last call found, and when (CLOCK_MONOTONIC ms; under mu). */
static int64_t checked_gen, checked_ms;

static void unref(void *p) {
  catalog_snapshot_t *s = p;
  pthread_mutex_lock(&mu);
  bool last = --s->refs == 0;
  pthread_mutex_unlock(&mu);
  if (last)
    arena_destroy(s->arena);
}

void catalog__snapshot_expire(int64_t generation) {
  pthread_mutex_lock(&mu);
  if (generation > expired_below)
    expired_below = generation;
  pthread_mutex_unlock(&mu);
}

/* The generation the catalogue is at: Redis's mirror, else PostgreSQL (and the mirror set). */
static bool generation_now(call_t *call, int64_t *gen, eh_err_t *err) {
  eh_err_t rerr = EH_ERR_INIT;
  *gen = 0;
  bool redis_ok = call->redis != NULL &&
                  store_catalog_read_redis_generation(call->arena, call->redis, gen, &rerr);
  pthread_mutex_lock(&mu);
  bool warn = !redis_ok && call->redis != NULL && !redis_warned;
  redis_warned = !redis_ok;
  pthread_mutex_unlock(&mu);
  if (warn)
    LOG_WARN(CATALOG_MODULE, "redis unavailable: reading the catalogue generation from "
                             "PostgreSQL on each call until it is back");
  if (*gen <= 0) {
    if (!store_catalog_read_generation(call->arena, call->pg, call->deadline_ms, gen, err))
      return false;
    if (redis_ok) {
      eh_err_t ignored = EH_ERR_INIT;
      store_catalog_read_redis_raise(call->arena, call->redis, *gen, &ignored);
    }
  }
  pthread_mutex_lock(&mu);
  checked_gen = *gen;
  checked_ms = call_now_ms();
  pthread_mutex_unlock(&mu);
  return true;
}

static int entry_cmp(const void *x, const void *y) {
  const catalog_entry_t *a = x, *b = y;
  if (a->hot != b->hot)
    return a->hot > b->hot ? -1 : 1;
  if (a->published_us != b->published_us)
    return a->published_us > b->published_us ? -1 : 1;
  return strcmp(a->code, b->code);
}

static catalog_snapshot_t *build(call_t *call, eh_err_t *err) {
  arena_t *a = arena_create(256 * 1024);
  catalog_snapshot_t *s = arena_zalloc(a, sizeof *s);
  s->arena = a;
  store_catalog_read_rows_t rows;
  if (!store_catalog_read_snapshot(a, call->pg, call->deadline_ms, &rows, err)) {
    arena_destroy(a);
    return NULL;
  }
  /* Views live in Redis (lost with it: only the hot order suffers). */
  const char **view_codes = NULL;
  int64_t *views = NULL;
  size_t n_views = 0;
  eh_err_t verr = EH_ERR_INIT;
  if (call->redis == NULL ||
      !store_catalog_read_redis_views(a, call->redis, &view_codes, &views, &n_views, &verr))
    n_views = 0;
  s->generation = rows.generation;
  s->categories = rows.categories;
  s->n_categories = rows.n_categories;
  s->templates = rows.templates;
  s->n_templates = rows.n_templates;
  s->entries = arena_zalloc(a, (rows.n_services + 1) * sizeof *s->entries);
  for (size_t i = 0; i < rows.n_services; i++) {
    const store_catalog_published_t *p = &rows.services[i];
    eh_err_t gerr = EH_ERR_INIT;
    Ehall__Catalog__V1__Guide *g =
        catalog__guide_from_json(a, p->guide_json, strlen(p->guide_json), &gerr);
    if (g == NULL) { /* skip one bad document rather than the whole catalogue */
      LOG_ERROR(CATALOG_MODULE, "published guide unreadable service_id=%lld detail=%s",
                (long long)p->id, gerr.detail);
      continue;
    }
    catalog__fill_templates(a, g, rows.templates, rows.n_templates);
    catalog_entry_t *e = &s->entries[s->n++];
    *e = (catalog_entry_t){.id = p->id,
                           .code = p->code,
                           .owner_code = p->owner_code,
                           .owner_name = p->owner_name,
                           .owner_name_en = p->owner_name_en,
                           .version = p->version,
                           .guide = g,
                           .published_us = p->published_us,
                           .applications = p->applications};
    for (size_t k = 0; k < n_views; k++)
      if (strcmp(view_codes[k], p->code) == 0)
        e->views = views[k];
    e->hot = e->views + 5 * e->applications;
  }
  qsort(s->entries, s->n, sizeof *s->entries, entry_cmp);
  search_doc_t *docs = arena_alloc(a, (s->n + 1) * sizeof *docs);
  for (size_t i = 0; i < s->n; i++) {
    const Ehall__Catalog__V1__Guide *g = s->entries[i].guide;
    docs[i] = (search_doc_t){.name = g->name ? g->name : "",
                             .name_en = g->name_en ? g->name_en : "",
                             .keywords = (const char *const *)g->keywords,
                             .n_keywords = g->n_keywords};
  }
  s->index = search_index_build(a, docs, s->n);
  s->built_ms = call_now_ms();
  s->refs = 1; /* the process's own reference while it is current */
  return s;
}

/* A reference on current if it serves generation gen (not expired by an invalidation);
 * *aged when it is older than CATALOG_SNAPSHOT_MAX_AGE_MS (its view counts are). */
static catalog_snapshot_t *take(int64_t gen, bool *aged) {
  pthread_mutex_lock(&mu);
  catalog_snapshot_t *s = current;
  bool ok = s != NULL && s->generation >= gen && s->generation >= expired_below;
  if (ok) {
    s->refs++;
    *aged = call_now_ms() - s->built_ms >= CATALOG_SNAPSHOT_MAX_AGE_MS;
  }
  pthread_mutex_unlock(&mu);
  return ok ? s : NULL;
}

/* Makes built current (keeping one reference for the caller). */
static void install(catalog_snapshot_t *built) {
  pthread_mutex_lock(&mu);
  catalog_snapshot_t *old = current;
  current = built;
  built->refs++; /* the caller's */
  bool free_old = old != NULL && --old->refs == 0;
  pthread_mutex_unlock(&mu);
  if (free_old)
    arena_destroy(old->arena);
}

/*
 * Three cases. Fresh: used as it is. Only aged (right generation, old view counts): one caller
 * rebuilds while the others keep answering from it, and if the rebuild fails it stays in use.
 * Behind the generation (or none yet): every caller waits for the one rebuild, since answering
 * from it could show a guide that was unpublished.
 */
const catalog_snapshot_t *catalog__snapshot(call_t *call, eh_err_t *err) {
  int64_t gen;
  if (!generation_now(call, &gen, err))
    return NULL;
  bool aged = false;
  catalog_snapshot_t *s = take(gen, &aged);
  if (s != NULL && !aged)
    goto done;
  if (s != NULL) {
    if (pthread_mutex_trylock(&build_mu) != 0)
      goto done; /* someone is rebuilding: the aged one meanwhile */
  } else {
    pthread_mutex_lock(&build_mu);
  }
  bool aged_again = false;
  catalog_snapshot_t *again = take(gen, &aged_again); /* built while we waited? */
  if (again != NULL && !aged_again) {
    if (s != NULL)
      unref(s);
    s = again;
  } else {
    if (again != NULL)
      unref(again);
    eh_err_t berr = EH_ERR_INIT;
    catalog_snapshot_t *built = build(call, s != NULL ? &berr : err);
    if (built != NULL) {
      install(built);
      if (s != NULL)
        unref(s);
      s = built;
    } else if (s != NULL) {
      LOG_WARN(CATALOG_MODULE,
               "catalogue snapshot rebuild failed, serving the previous one "
               "generation=%lld status=%s",
               (long long)s->generation, eh_status_name(berr.code));
    }
  }
  pthread_mutex_unlock(&build_mu);
  if (s == NULL)
    return NULL;
done:
  arena_cleanup_add(call->arena, unref, s);
  return s;
}

const catalog_snapshot_t *catalog__snapshot_recent(call_t *call, int64_t max_age_ms,
                                                   eh_err_t *err) {
  pthread_mutex_lock(&mu);
  int64_t gen = checked_gen, at = checked_ms;
  pthread_mutex_unlock(&mu);
  if (gen > 0 && call_now_ms() - at < max_age_ms) {
    bool aged = false;
    catalog_snapshot_t *s = take(gen, &aged);
    if (s != NULL && !aged) {
      arena_cleanup_add(call->arena, unref, s);
      return s;
    }
    if (s != NULL)
      unref(s);
  }
  return catalog__snapshot(call, err);
}

const catalog_entry_t *catalog__snapshot_find(const catalog_snapshot_t *s, const char *code) {
  if (code == NULL)
    return NULL;
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->entries[i].code, code) == 0)
      return &s->entries[i];
  return NULL;
}
