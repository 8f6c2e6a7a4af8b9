/*
 * util.h — the gateway's pure HTTP decisions: status mapping, request ids, query strings,
 * Content-Length checks, static path safety and content types.
 *
 * No I/O, no logging, no h2o or gRPC types here, so every rule is unit-tested on its own.
 */
#ifndef EHALL_GATEWAY_HTTP_UTIL_H
#define EHALL_GATEWAY_HTTP_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"
#include "core/common/status.h"

/* The one mapping gRPC status code → HTTP status (grpc-gateway / Envoy's table). */
int http_status_from_grpc(int grpc_code);

/* A client-supplied X-Request-Id is kept when it is 1–64 chars of [A-Za-z0-9._-]. */
bool http_request_id_valid(const char *s, size_t len);
/* Writes a new random id (32 hex chars + NUL) into out. */
void http_request_id_generate(char out[33]);

typedef struct http_param {
  char *key;   /* percent-decoded, in the arena */
  char *value; /* percent-decoded ('+' is a space), in the arena */
} http_param_t;

/* Splits a query string ("a.b=1&x=1&x=2", without '?') into decoded pairs, in order; empty
 * pieces ("a=1&&b=2") are skipped; a key without '=' has the value "". Returns the count, or
 * -1 with err set (INVALID) on a broken percent escape or a NUL byte. */
int http_query_parse(arena_t *a, const char *qs, size_t len, http_param_t **out, eh_err_t *err);

/* Decodes %XX escapes (and '+' as space when plus_is_space). NULL on a broken escape or an
 * escaped NUL. Result is NUL-terminated, in the arena. */
char *http_percent_decode(arena_t *a, const char *s, size_t len, bool plus_is_space);

/* Content-Length is acceptable when it appears at most once and, if present, is only digits
 * (RFC 9110 §8.6: a repeated or list value must be refused by a server that cannot be sure). */
bool http_content_length_ok(size_t count, const char *value, size_t len);

/* Maps a URL path under the static root to a relative file path ("assets/app.js"), or NULL
 * when it must be refused: a "." or ".." segment, a backslash, a NUL, a broken escape. "/"
 * maps to "index.html". In the arena. */
char *http_static_path(arena_t *a, const char *path, size_t len);

/* Content type by file extension ("application/octet-stream" if unknown). */
const char *http_content_type(const char *file_path);

/* True for a hashed build asset ("assets/…"): those get the immutable cache policy. */
bool http_static_is_immutable(const char *rel_path);

#endif
