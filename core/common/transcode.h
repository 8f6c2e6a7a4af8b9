/*
 * transcode.h — JSON ⇄ protobuf-c by descriptor, following the proto3 JSON mapping.
 *
 * No endpoint has JSON code of its own: every gateway body goes through here, and the core
 * stores JSON documents (catalogue guides) through it. Parsing accepts the
 * lowerCamelCase JSON name and the original field name; prints JSON names; 64-bit integers as
 * strings (numbers accepted on input); enums as names (numbers accepted); bytes as base64;
 * google.protobuf.Timestamp as RFC 3339; Duration as "1.5s"; Struct/Value/ListValue as plain
 * JSON; wrappers as their value; Any with "@type"; repeated, maps, nested messages; fields with
 * default values omitted on output. An unknown field or a wrong type is EH_INVALID with the
 * field's path ("items[2].name") in the error's field violation. Everything is allocated in
 * the arena; nothing is freed on its own.
 */
#ifndef EHALL_COMMON_TRANSCODE_H
#define EHALL_COMMON_TRANSCODE_H

#include <stdbool.h>
#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "core/common/arena.h"
#include "core/common/status.h"

/* What the transcoder needs to know beyond protobuf-c's descriptors (which carry no
 * json_name and have no type registry). NULL callbacks: json names are derived as protoc
 * derives them, and Any holds no known type. */
typedef struct transcode_schema {
  const char *(*json_name)(const void *ctx, const ProtobufCMessageDescriptor *msg,
                           const ProtobufCFieldDescriptor *field);
  /* "google.rpc.BadRequest" → its descriptor, for Any; NULL if unknown. */
  const ProtobufCMessageDescriptor *(*find_message)(const void *ctx, const char *full_name);
  const void *ctx;
} transcode_schema_t;

/* Limits that keep a hostile body from costing more than its size. */
#define TRANSCODE_MAX_DEPTH 32

/* A new message of type `desc` with its defaults, allocated in `a`. */
ProtobufCMessage *transcode_message_new(arena_t *a, const ProtobufCMessageDescriptor *desc);

/* Parses `json` (len bytes, not necessarily NUL-terminated) into a new message of type `desc`.
 * An empty body (len 0 or only white space) is the empty message. NULL with err set on failure. */
ProtobufCMessage *transcode_json_to_pb(arena_t *a, const transcode_schema_t *schema,
                                       const ProtobufCMessageDescriptor *desc, const char *json,
                                       size_t len, eh_err_t *err);

/* Merges `json` into the existing message `msg` (fields present in JSON overwrite). */
bool transcode_json_merge(arena_t *a, const transcode_schema_t *schema, ProtobufCMessage *msg,
                          const char *json, size_t len, eh_err_t *err);

/* Sets the field at `path` ("id", "page.size", json or original names) from a text value, as
 * a path variable or query parameter: scalars, enums (name or number), bool ("true"/"false"),
 * bytes (base64), Timestamp (RFC 3339), wrappers; for a repeated field the value is appended.
 * Missing intermediate messages are created. */
bool transcode_set_field_text(arena_t *a, const transcode_schema_t *schema, ProtobufCMessage *msg,
                              const char *path, const char *value, eh_err_t *err);

/* Finds the sub-message field at `path` (for `body: "field"`): its descriptor, so the caller can
 * parse the body as that type and store it with transcode_set_field_message. */
const ProtobufCFieldDescriptor *transcode_field_at(const transcode_schema_t *schema,
                                                   const ProtobufCMessageDescriptor *desc,
                                                   const char *path);
bool transcode_set_field_message(arena_t *a, const transcode_schema_t *schema,
                                 ProtobufCMessage *msg, const char *path, ProtobufCMessage *value,
                                 eh_err_t *err);

/* Prints `msg` as compact JSON (NUL-terminated, in `a`); *len gets its length. */
char *transcode_pb_to_json(arena_t *a, const transcode_schema_t *schema, const ProtobufCMessage *msg,
                           size_t *len, eh_err_t *err);

/* Derives the JSON name as protoc does ("page_size" → "pageSize"), in `a`. */
char *transcode_json_name_derive(arena_t *a, const char *proto_name);

#endif
