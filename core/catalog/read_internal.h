/*
 * read_internal.h — what read.c shares with mine.c: who is looking, and summaries.
 */
#ifndef EHALL_CATALOG_READ_INTERNAL_H
#define EHALL_CATALOG_READ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/catalog/snapshot.h"
#include "core/common/call.h"

/* The caller as the audience rules see him; his units are read once, when first needed. */
typedef struct catalog_viewer {
  call_t *call;
  bool user, hall, student, staff;
  bool units_loaded, failed; /* failed: reading his units failed (err set) */
  const char **units;        /* codes of every unit on his current units' paths */
  size_t n_units;
} catalog_viewer_t;

void catalog__viewer_init(call_t *call, catalog_viewer_t *v);
/* Whether v may see e; false with v->failed and err set when that could not be decided. */
bool catalog__visible(catalog_viewer_t *v, const catalog_entry_t *e, eh_err_t *err);

Ehall__Catalog__V1__ServiceSummary *catalog__summary(arena_t *a, const catalog_entry_t *e);
/* Summaries of the visible services among ids, in ids' order, at most limit; NULL with err. */
Ehall__Catalog__V1__ServiceSummary **
catalog__summaries_of_ids(catalog_viewer_t *v, const catalog_snapshot_t *s, const int64_t *ids,
                          size_t n_ids, size_t limit, size_t *n, eh_err_t *err);
/* The visible published entry with this code; NULL with NOT_FOUND (or the failure) in err. */
const catalog_entry_t *catalog__entry_for(call_t *call, const catalog_snapshot_t *s,
                                          const char *code, eh_err_t *err);

#endif
