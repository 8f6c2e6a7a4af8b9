/*
 * errors.h — the gateway's error answers as google.rpc.Status, decided without h2o or gRPC:
 * an eh_err_t becomes the same Status the core sends (BadRequest for field violations,
 * RetryInfo when a retry delay is known, LocalizedMessage with the English text), h2o's own
 * refusals (413, 400, 408, 417) get a message of ours, and a Status's RetryInfo gives the
 * Retry-After header.
 *
 * Pure: no I/O, no logging, so every rule is unit-tested on its own. Never puts a log-only
 * detail (eh_err_t.detail) into a Status.
 */
#ifndef EHALL_GATEWAY_HTTP_ERRORS_H
#define EHALL_GATEWAY_HTTP_ERRORS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "google/rpc/status.pb-c.h"

/* The Status for `err` with gRPC code `grpc_code`: message in English when `english`, else
 * zh-CN; details BadRequest (if err has fields), RetryInfo (if err->retry_after_ms > 0) and
 * LocalizedMessage{locale "en"}. Everything lives in `a` and points into `err`, which must
 * outlive the result. */
Google__Rpc__Status *http_error_status(arena_t *a, int grpc_code, const eh_err_t *err,
                                       bool english);

/* Seconds for a Retry-After header, from the first google.rpc.RetryInfo in st->details,
 * rounded up to a whole second; -1 when there is none (or it is negative or undecodable). */
long long http_error_retry_after_s(const Google__Rpc__Status *st);

/* h2o answers some requests itself before our handler runs (the body over the limit, a broken
 * chunked body, an unknown Expect, a body that did not arrive in time). Fills `err` with our
 * message for that HTTP status and returns the gRPC code to print; `body_max_bytes` is the
 * limit named in the 413 message. */
int http_error_from_h2o(int http_status, size_t body_max_bytes, eh_err_t *err);

/* "1 MiB", "16 KiB", "1000 B": a size as people read a limit. */
void http_error_size_text(size_t bytes, char *out, size_t cap);

#endif
