/*
 * schema.h — the transcoder schema the gateway prints with: the routes' schema (json names
 * and messages of the descriptor set) plus the messages the gateway itself speaks that the
 * API protos do not import (google.rpc.* error details, grpc.health.v1).
 *
 * Built once at start, read-only afterwards, shared by every thread.
 */
#ifndef EHALL_GATEWAY_HTTP_SCHEMA_H
#define EHALL_GATEWAY_HTTP_SCHEMA_H

#include "core/common/transcode.h"

typedef struct http_schema http_schema_t;

/* `base` (may be NULL) must outlive the result. */
http_schema_t *http_schema_create(const transcode_schema_t *base);
void http_schema_destroy(http_schema_t *s);
const transcode_schema_t *http_schema_get(const http_schema_t *s);

#endif
