/*
 * errors.h — the one place an eh_err_t becomes what a gRPC client sees: the status code (via
 * eh_status_to_grpc), the message in the caller's language, and the bytes of the
 * grpc-status-details-bin trailer (google.rpc.Status with BadRequest field violations, a
 * RetryInfo when err->retry_after_ms is set, and a LocalizedMessage in English). Pure: no grpc types, so it is unit-tested directly.
 *
 * Never puts err->detail (log-only) into anything a client receives.
 */
#ifndef EHALL_RPC_ERRORS_H
#define EHALL_RPC_ERRORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"

typedef struct rpc_error_reply {
  int grpc_code;          /* grpc_status_code value */
  const char *message;    /* zh-CN or English; owned by the arena or static */
  uint8_t *details;       /* serialized google.rpc.Status; owned by the arena */
  size_t details_len;
} rpc_error_reply_t;

/* err must not be OK. language is "en" or "zh-CN". */
void rpc_error_reply_build(arena_t *a, const eh_err_t *err, const char *language,
                           rpc_error_reply_t *out);

/* The reverse, for an idempotent replay: a stored google.rpc.Status (as built above) back into
 * the code, message and the very same details bytes. False if the bytes are not a Status with
 * an error code. */
bool rpc_error_reply_from_status(arena_t *a, const uint8_t *status, size_t len,
                                 rpc_error_reply_t *out);

#endif
