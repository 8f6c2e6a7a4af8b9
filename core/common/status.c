/*
 * status.c — error filling and the single mapping between our status and gRPC codes.
 */
#include "core/common/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void eh_err_clear(eh_err_t *err) {
  err->code = EH_OK;
  err->message[0] = err->message_en[0] = err->detail[0] = '\0';
  err->nfields = 0;
  err->retry_after_ms = 0;
}

static void eh__copy(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (n >= cap) {
    n = cap - 1;
    /* Do not cut a UTF-8 sequence in half. */
    while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
      n--;
  }
  memcpy(dst, src, n);
  dst[n] = '\0';
}

void eh_err_add_field(eh_err_t *err, const char *field, const char *zh, const char *en) {
  if (err->nfields >= EH_ERR_MAX_FIELDS)
    return;
  eh_field_violation_t *f = &err->fields[err->nfields++];
  eh__copy(f->field, sizeof(f->field), field);
  eh__copy(f->message, sizeof(f->message), zh);
  eh__copy(f->message_en, sizeof(f->message_en), en);
}

bool eh_err_set(eh_err_t *err, eh_status_t code, const char *field, const char *zh_fmt,
                const char *en_fmt, ...) {
  char zh[256], en[256];
  va_list ap, ap2;
  va_start(ap, en_fmt);
  va_copy(ap2, ap);
  vsnprintf(zh, sizeof(zh), zh_fmt, ap);
  vsnprintf(en, sizeof(en), en_fmt, ap2);
  va_end(ap2);
  va_end(ap);
  if (err->code == EH_OK) {
    err->code = code;
    eh__copy(err->message, sizeof(err->message), zh);
    eh__copy(err->message_en, sizeof(err->message_en), en);
  }
  if (field != NULL)
    eh_err_add_field(err, field, zh, en);
  return false;
}

void eh_err_detail(eh_err_t *err, const char *fmt, ...) {
  size_t used = strlen(err->detail);
  if (used + 3 >= sizeof(err->detail))
    return;
  if (used > 0) {
    memcpy(err->detail + used, "; ", 2);
    used += 2;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->detail + used, sizeof(err->detail) - used, fmt, ap);
  va_end(ap);
}

/* grpc_status_code values, fixed by the gRPC protocol. */
enum {
  G_OK = 0, G_CANCELLED = 1, G_UNKNOWN = 2, G_INVALID_ARGUMENT = 3, G_DEADLINE_EXCEEDED = 4,
  G_NOT_FOUND = 5, G_ALREADY_EXISTS = 6, G_PERMISSION_DENIED = 7, G_RESOURCE_EXHAUSTED = 8,
  G_FAILED_PRECONDITION = 9, G_ABORTED = 10, G_OUT_OF_RANGE = 11, G_UNIMPLEMENTED = 12,
  G_INTERNAL = 13, G_UNAVAILABLE = 14, G_DATA_LOSS = 15, G_UNAUTHENTICATED = 16
};

static const struct {
  const char *name;
  int grpc;
} eh__status_table[EH_STATUS_COUNT] = {
    [EH_OK] = {"OK", G_OK},
    [EH_INVALID] = {"INVALID", G_INVALID_ARGUMENT},
    [EH_NOT_FOUND] = {"NOT_FOUND", G_NOT_FOUND},
    [EH_ALREADY_EXISTS] = {"ALREADY_EXISTS", G_ALREADY_EXISTS},
    [EH_CONFLICT] = {"CONFLICT", G_ABORTED},
    [EH_FAILED_PRECONDITION] = {"FAILED_PRECONDITION", G_FAILED_PRECONDITION},
    [EH_PERMISSION_DENIED] = {"PERMISSION_DENIED", G_PERMISSION_DENIED},
    [EH_UNAUTHENTICATED] = {"UNAUTHENTICATED", G_UNAUTHENTICATED},
    [EH_RESOURCE_EXHAUSTED] = {"RESOURCE_EXHAUSTED", G_RESOURCE_EXHAUSTED},
    [EH_UNAVAILABLE] = {"UNAVAILABLE", G_UNAVAILABLE},
    [EH_DEADLINE] = {"DEADLINE", G_DEADLINE_EXCEEDED},
    [EH_UNIMPLEMENTED] = {"UNIMPLEMENTED", G_UNIMPLEMENTED},
    [EH_INTERNAL] = {"INTERNAL", G_INTERNAL},
};

int eh_status_to_grpc(eh_status_t code) {
  return (code >= 0 && code < EH_STATUS_COUNT) ? eh__status_table[code].grpc : G_INTERNAL;
}

eh_status_t eh_status_from_grpc(int g) {
  switch (g) {
  case G_OK: return EH_OK;
  case G_INVALID_ARGUMENT: case G_OUT_OF_RANGE: return EH_INVALID;
  case G_NOT_FOUND: return EH_NOT_FOUND;
  case G_ALREADY_EXISTS: return EH_ALREADY_EXISTS;
  case G_ABORTED: return EH_CONFLICT;
  case G_FAILED_PRECONDITION: return EH_FAILED_PRECONDITION;
  case G_PERMISSION_DENIED: return EH_PERMISSION_DENIED;
  case G_UNAUTHENTICATED: return EH_UNAUTHENTICATED;
  case G_RESOURCE_EXHAUSTED: return EH_RESOURCE_EXHAUSTED;
  case G_UNAVAILABLE: case G_CANCELLED: return EH_UNAVAILABLE;
  case G_DEADLINE_EXCEEDED: return EH_DEADLINE;
  case G_UNIMPLEMENTED: return EH_UNIMPLEMENTED;
  default: return EH_INTERNAL;
  }
}

const char *eh_status_name(eh_status_t code) {
  return (code >= 0 && code < EH_STATUS_COUNT) ? eh__status_table[code].name : "UNKNOWN";
}
