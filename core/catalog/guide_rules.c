/* guide_rules.c — a stub of the contract. */
#include "core/catalog/guide_rules.h"

bool guide_validate(const Ehall__Catalog__V1__Guide *g, const guide_known_t *known, eh_err_t *err) {
  (void)g;
  (void)known;
  (void)err;
  return true;
}

bool guide_code_check(const char *code, eh_err_t *err) {
  (void)code;
  (void)err;
  return true;
}

bool guide_category_check(const char *code, const Ehall__Catalog__V1__Category *c, eh_err_t *err) {
  (void)code;
  (void)c;
  (void)err;
  return true;
}

bool guide_template_check(const char *name, size_t size, const char **content_type, eh_err_t *err) {
  (void)name;
  (void)size;
  (void)err;
  *content_type = "application/octet-stream";
  return true;
}

size_t guide_diff(arena_t *a, const Ehall__Catalog__V1__Guide *from,
                  const Ehall__Catalog__V1__Guide *to, const char *lang,
                  Ehall__Catalog__V1__FieldChange ***out) {
  (void)a;
  (void)from;
  (void)to;
  (void)lang;
  *out = NULL;
  return 0;
}
