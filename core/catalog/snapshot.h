/*
 * snapshot.h — the published catalogue in this process's memory (README.md, "Read side"): every
 * published guide, the categories, the template files' metadata and the search index, built
 * from one consistent read of PostgreSQL at a catalogue generation. Immutable once built and
 * shared by every thread; a call holds a reference until its arena is destroyed.
 */
#ifndef EHALL_CATALOG_SNAPSHOT_H
#define EHALL_CATALOG_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/catalog/search_rules.h"
#include "core/common/call.h"
#include "core/store/catalog_read_store.h"
#include "ehall/catalog/v1/catalog.pb-c.h"

typedef struct catalog_entry {
  int64_t id;
  const char *code, *owner_code, *owner_name, *owner_name_en;
  int version;
  Ehall__Catalog__V1__Guide *guide; /* templates' output fields filled */
  int64_t published_us;
  int64_t views, applications, hot; /* hot = views + 5 × applications */
} catalog_entry_t;

typedef struct catalog_snapshot {
  int64_t generation;
  int64_t built_ms;         /* CLOCK_MONOTONIC */
  catalog_entry_t *entries; /* hottest first */
  size_t n;
  search_index_t *index; /* over entries, same order */
  store_catalog_category_t *categories;
  size_t n_categories;
  store_catalog_template_meta_t *templates;
  size_t n_templates;
  /* private */
  struct arena *arena;
  int refs;
} catalog_snapshot_t;

/* Views change the hot list without a new generation: a snapshot older than this is rebuilt. */
#define CATALOG_SNAPSHOT_MAX_AGE_MS 60000

/* The current snapshot, rebuilt first when the catalogue's generation moved on (checked in
 * Redis on every call, in PostgreSQL when Redis is down) or it is older than the max age. The
 * reference is dropped when call->arena is destroyed. NULL with err when it cannot be built. */
const catalog_snapshot_t *catalog__snapshot(call_t *call, eh_err_t *err);

/* The same, without asking Redis when some call of this process found the generation within
 * the last max_age_ms (for other areas' hot paths: a booking attempt need not see a publish of
 * the last second). */
const catalog_snapshot_t *catalog__snapshot_recent(call_t *call, int64_t max_age_ms, eh_err_t *err);

/* The entry with this code, or NULL. */
const catalog_entry_t *catalog__snapshot_find(const catalog_snapshot_t *s, const char *code);

/* Makes the next catalog__snapshot rebuild unless it is already at generation or later. */
void catalog__snapshot_expire(int64_t generation);

#endif
