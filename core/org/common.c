/*
 * common.c — the small pieces every org file shares (org_internal.h): timestamps, paging,
 * import row errors, diff digests, unit refs.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/crypto.h"
#include "core/common/pbtime.h"
#include "core/org/org_internal.h"

bool org__page_size(int32_t requested, int def, int max, int *out, eh_err_t *err) {
  if (requested < 0)
    return eh_err_set(err, EH_INVALID, "page_size", "每页条数不能为负数",
                      "page_size must not be negative");
  *out = requested == 0 ? def : (requested > max ? max : requested);
  return true;
}

const char *org__page_token(arena_t *a, char prefix, int64_t n) {
  return arena_printf(a, "%c%" PRId64, prefix, n);
}

bool org__page_token_parse(const char *token, char prefix, int64_t *out, eh_err_t *err) {
  *out = 0;
  if (token == NULL || token[0] == '\0')
    return true;
  char *end = NULL;
  long long v = token[0] == prefix ? strtoll(token + 1, &end, 10) : 0;
  if (v <= 0 || end == NULL || *end != '\0' || strlen(token) > 21)
    return eh_err_set(err, EH_INVALID, "page_token", "分页标记无效", "invalid page_token");
  *out = v;
  return true;
}

void org__row_errors(arena_t *a, const call_t *call, const csv_error_t *errors, size_t n,
                     Ehall__Org__V1__ImportRowError ***out, size_t *n_out) {
  bool en = call->language != NULL && strncmp(call->language, "en", 2) == 0;
  *out = arena_alloc(a, sizeof(**out) * (n + 1));
  for (size_t i = 0; i < n; i++) {
    Ehall__Org__V1__ImportRowError *e = arena_alloc(a, sizeof(*e));
    ehall__org__v1__import_row_error__init(e);
    e->line = errors[i].line;
    e->column = (char *)errors[i].column;
    e->reason = (char *)(en ? errors[i].reason_en : errors[i].reason);
    (*out)[i] = e;
  }
  *n_out = n;
}

const char *org__digest(arena_t *a, const char *canonical_text, size_t len) {
  char *hex = arena_alloc(a, CRYPTO_HEX_LEN(CRYPTO_SHA256_LEN) + 1);
  crypto_sha256_hex(canonical_text, len, hex);
  return hex;
}

Ehall__Org__V1__UnitRef *org__unit_ref(arena_t *a, const char *code, const char *name, int kind) {
  Ehall__Org__V1__UnitRef *u = arena_alloc(a, sizeof(*u));
  ehall__org__v1__unit_ref__init(u);
  u->code = (char *)code;
  u->name = (char *)name;
  u->kind = (Ehall__Org__V1__UnitKind)kind;
  return u;
}
