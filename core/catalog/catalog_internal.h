/*
 * catalog_internal.h — what the catalogue's files share among themselves (not for other
 * areas): the stored form of a guide and small builders. Add here rather than copy.
 */
#ifndef EHALL_CATALOG_INTERNAL_H
#define EHALL_CATALOG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"
#include "core/common/paging.h"
#include "core/common/status.h"
#include "ehall/catalog/v1/catalog.pb-c.h"

#define CATALOG_MODULE "catalog"

/* A guide as stored in service_versions.guide: its proto3 JSON (core/common/transcode.h),
 * NUL-terminated, in a. Output-only fields of templates (content_type, size, download_url) are
 * left out. */
char *catalog__guide_to_json(arena_t *a, const Ehall__Catalog__V1__Guide *g, size_t *len,
                             eh_err_t *err);

/* A stored guide back, in a. A stored document that does not parse is INTERNAL (it was
 * validated before it was stored). */
Ehall__Catalog__V1__Guide *catalog__guide_from_json(arena_t *a, const char *json, size_t len,
                                                    eh_err_t *err);

/* "/api/v1/catalog/templates/<file_id>/<name>" with name percent-encoded, in a. */
const char *catalog__template_url(arena_t *a, const char *file_id, const char *name);

/* A JSON string literal (quoted, escaped) of s, in a: for audit details holding free text. */
const char *catalog__json_str(arena_t *a, const char *s);

/* The codes guides may use (guide_rules.h) from the stored categories and themes; the arrays
 * in a, the strings borrowed from cats. */
struct guide_known;
struct store_catalog_category;
void catalog__known_codes(arena_t *a, const struct store_catalog_category *cats, size_t n,
                          struct guide_known *out);

/* The Template messages of a guide with their output fields (content type, size, download URL)
 * filled from what is stored; files not found keep only id and name. */
struct store_catalog_template_meta;
void catalog__fill_templates(arena_t *a, Ehall__Catalog__V1__Guide *g,
                             const struct store_catalog_template_meta *meta, size_t n_meta);

#endif
