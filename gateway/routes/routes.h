/*
 * routes.h — HTTP routes built at start-up from the google.api.http annotations in the embedded
 * descriptor set (the same contract Envoy's gRPC-JSON transcoder reads).
 *
 * Also the schema the transcoder needs (json names and a message registry, read from the same
 * descriptor set) and the OpenAPI document. All of it is built once and read-only afterwards,
 * so the gateway's threads share one routes_t without locks.
 */
#ifndef EHALL_GATEWAY_ROUTES_H
#define EHALL_GATEWAY_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/common/transcode.h"

typedef struct routes routes_t;

typedef struct route_method {
  const char *http_method;   /* "GET", "POST", "PUT", "PATCH", "DELETE" (custom kinds: as given) */
  const char *path_template; /* "/api/v1/services/{id}", also the metrics label */
  const char *grpc_path;     /* "/ehall.catalog.v1.Catalog/GetService" */
  const ProtobufCMessageDescriptor *input;
  const ProtobufCMessageDescriptor *output;
  const char *body;          /* NULL: no body; "*": the whole request; else a field path */
  const char *response_body; /* NULL: the whole response; else a field path */
} route_method_t;

#define ROUTE_MAX_VARS 8

typedef struct route_match {
  const route_method_t *route;
  int nvars;
  struct {
    const char *field_path; /* "id", "parent.name" */
    const char *value;      /* percent-decoded, in the arena */
  } vars[ROUTE_MAX_VARS];
} route_match_t;

typedef enum { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_METHOD_NOT_ALLOWED } route_result_t;

/* Builds the routes from a serialized FileDescriptorSet and the protobuf-c service descriptors
 * linked into the binary (each annotated method must have one, else INVALID naming it).
 * Conflicting routes (same verb and template) are INVALID too. Caller owns the result. */
routes_t *routes_create(const uint8_t *descriptor_set, size_t len,
                        const ProtobufCServiceDescriptor *const *services, size_t nservices,
                        eh_err_t *err);
void routes_destroy(routes_t *r);

/* Matches a request line. `path` is the raw path without the query string. On
 * ROUTE_METHOD_NOT_ALLOWED, `allow` gets the methods that exist for the path ("GET, HEAD, POST";
 * truncated at a whole entry if `allow_cap` is small). HEAD is matched by GET routes. A literal
 * segment beats a variable, `*` beats `**`, a `:verb` template beats one without. A trailing
 * slash or an empty segment matches nothing (404). Variable values are percent-decoded into
 * `a` ("%2F" in a one-segment variable is a '/' in the value; in a multi-segment one, e.g.
 * {name=shelves/(star)} or {path=**}, it stays "%2F", per google/api/http.proto). A bad escape
 * ("%zz", "%4"), a decoded NUL or invalid UTF-8 in a bound value is ROUTE_NOT_FOUND: such a
 * path names no resource, and no invalid string ever reaches the transcoder or the core.
 * No locks and no allocation outside `a`: any thread may call it. */
route_result_t routes_match(const routes_t *r, arena_t *a, const char *method, size_t method_len,
                            const char *path, size_t path_len, route_match_t *out, char *allow,
                            size_t allow_cap);

size_t routes_count(const routes_t *r);
const route_method_t *routes_at(const routes_t *r, size_t i);
/* The i such that routes_at(r, i) == m, in O(1) (per-route metrics); m must come from r. */
size_t routes_index(const routes_t *r, const route_method_t *m);

/* JSON names and message registry from the descriptor set, for the transcoder. Valid as long
 * as `r` lives. json_name gives FieldDescriptorProto.json_name (explicit json_name options
 * included) for every message reachable from the services, the google.rpc error details and
 * the well-known types (derived as protoc does when the set lacks the message); NULL only for
 * a message it never saw. find_message knows those same messages. */
const transcode_schema_t *routes_schema(const routes_t *r);

/* The OpenAPI 3.0 document for every route (paths, parameters, request and response schemas
 * from the message descriptors, leading comments as descriptions), as JSON in `a`. */
char *routes_openapi_json(const routes_t *r, arena_t *a, const char *title, const char *version,
                          size_t *len);

#endif
