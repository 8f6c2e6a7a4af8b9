/*
 * status.h — the one status enum and error struct of the whole code base.
 *
 * An error is filled where the failure happens and passed up unchanged. `message` and
 * `message_en` are safe to show a user (zh-CN first, English fallback); `detail` goes only to
 * the log (PostgreSQL's errmsg / errdetail split) and must never hold secrets or personal data.
 * Field violations let a form mark each field.
 */
#ifndef EHALL_COMMON_STATUS_H
#define EHALL_COMMON_STATUS_H

#include <stdbool.h>

typedef enum {
  EH_OK = 0,
  EH_INVALID,             /* the caller's input is wrong: fix it and retry */
  EH_NOT_FOUND,           /* also "not yours": the two answer the same */
  EH_ALREADY_EXISTS,
  EH_CONFLICT,            /* the object's state forbids it now (check violation, lost race) */
  EH_FAILED_PRECONDITION, /* the caller must do something else first */
  EH_PERMISSION_DENIED,
  EH_UNAUTHENTICATED,
  EH_RESOURCE_EXHAUSTED,  /* rate limit, pool or queue full, size limit */
  EH_UNAVAILABLE,         /* a dependency is down: retry later */
  EH_DEADLINE,
  EH_UNIMPLEMENTED,
  EH_INTERNAL,
  EH_STATUS_COUNT
} eh_status_t;

/* Enough for a whole application form's errors at once (ehall.forms.v1 shows each at its
 * field); further violations are dropped, the first message stays. */
#define EH_ERR_MAX_FIELDS 32

typedef struct eh_field_violation {
  char field[64];
  char message[192];
  char message_en[192];
} eh_field_violation_t;

typedef struct eh_err {
  eh_status_t code;
  char message[256];    /* zh-CN, shown to the user */
  char message_en[256]; /* English fallback */
  char detail[512];     /* log only */
  int nfields;
  eh_field_violation_t fields[EH_ERR_MAX_FIELDS];
  long long retry_after_ms; /* > 0: the client may retry after this long (google.rpc.RetryInfo) */
} eh_err_t;

#define EH_ERR_INIT {.code = EH_OK}

static inline bool eh_ok(const eh_err_t *err) { return err->code == EH_OK; }

void eh_err_clear(eh_err_t *err);

/* Sets code and both user messages. zh_fmt and en_fmt take the same arguments. If `field` is
 * not NULL a field violation with the same messages is added too. Returns false, so a
 * function can `return eh_err_set(...)`. The first error set wins: later calls on an error
 * that is already set only add field violations. */
bool eh_err_set(eh_err_t *err, eh_status_t code, const char *field, const char *zh_fmt,
                const char *en_fmt, ...) __attribute__((format(printf, 4, 6)))
    __attribute__((format(printf, 5, 6)));

/* Adds a field violation without changing code or message. */
void eh_err_add_field(eh_err_t *err, const char *field, const char *zh, const char *en);

/* Appends a log-only detail (e.g. the SQLSTATE and server message). */
void eh_err_detail(eh_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one mapping to gRPC status codes (numeric values of grpc_status_code). */
int eh_status_to_grpc(eh_status_t code);
/* And back, for a client that received a gRPC status. */
eh_status_t eh_status_from_grpc(int grpc_code);

/* "INVALID", "NOT_FOUND", … for logs. */
const char *eh_status_name(eh_status_t code);

#endif
