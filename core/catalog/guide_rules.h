/*
 * guide_rules.h — the rules of a guide's content: validation against the limits stated in
 * catalog.proto, template files, and the field-by-field diff of two versions. Pure (no I/O).
 */
#ifndef EHALL_CATALOG_GUIDE_RULES_H
#define EHALL_CATALOG_GUIDE_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "ehall/catalog/v1/catalog.pb-c.h"

/* The codes a guide may use (from catalog_categories). */
typedef struct guide_known {
  const char *const *categories;
  size_t n_categories;
  const char *const *themes;
  size_t n_themes;
} guide_known_t;

/* Checks every field of g. On failure INVALID, the message naming the first bad field, and a
 * field violation for each bad field (JSON paths: "name", "locations[1].hours[0].open"), up to
 * EH_ERR_MAX_FIELDS. Text is accepted as given (HTML included: the pages escape it) but must be
 * UTF-8 without control characters other than newlines and tabs. audience_units and template
 * file ids are checked by the caller (they need the database). */
bool guide_validate(const Ehall__Catalog__V1__Guide *g, const guide_known_t *known, eh_err_t *err);

/* A service code: [a-z0-9][a-z0-9-]{1,63}. INVALID (field "code") otherwise. */
bool guide_code_check(const char *code, eh_err_t *err);

/* A category's fields (code, name, name_en, icon, kind). INVALID naming the field. */
bool guide_category_check(const char *code, const Ehall__Catalog__V1__Category *c, eh_err_t *err);

/* A template upload: its name (≤ 100 characters, an allowed extension) and size (1 byte to
 * 512 KiB); *content_type from the extension. INVALID (field "name") or RESOURCE_EXHAUSTED
 * (field "content") otherwise. */
bool guide_template_check(const char *name, size_t size, const char **content_type, eh_err_t *err);

/* What changed from `from` to `to`, field by field in Guide's order; lists and multi-line text
 * also line by line. Labels in lang ("en" or zh-CN). Returns the number of changes (0: same);
 * *out in a. */
size_t guide_diff(arena_t *a, const Ehall__Catalog__V1__Guide *from,
                  const Ehall__Catalog__V1__Guide *to, const char *lang,
                  Ehall__Catalog__V1__FieldChange ***out);

#endif
