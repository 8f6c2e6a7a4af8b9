/*
 * common.c — the small pieces every org file shares (org_internal.h): timestamps,
 * import row errors, diff digests, unit refs.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/crypto.h"
#include "core/common/pbtime.h"
#include "core/org/org_internal.h"

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
