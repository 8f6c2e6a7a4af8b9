/*
 * schema.c — wraps the routes' transcoder schema with the gateway's own message types, so an
 * Any holding google.rpc.BadRequest or LocalizedMessage prints as proto3 JSON.
 * Must never hold request data: it is shared read-only by every thread.
 */
#include "gateway/http/schema.h"

#include <stdlib.h>
#include <string.h>

#include "core/common/arena.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/duration.pb-c.h"
#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "grpc/health/v1/health.pb-c.h"

static const ProtobufCMessageDescriptor *const schema__own[] = {
    &google__rpc__status__descriptor,
    &google__rpc__bad_request__descriptor,
    &google__rpc__bad_request__field_violation__descriptor,
    &google__rpc__localized_message__descriptor,
    &google__rpc__error_info__descriptor,
    &google__rpc__error_info__metadata_entry__descriptor,
    &google__rpc__retry_info__descriptor,
    &google__rpc__debug_info__descriptor,
    &google__rpc__quota_failure__descriptor,
    &google__rpc__quota_failure__violation__descriptor,
    &google__rpc__precondition_failure__descriptor,
    &google__rpc__precondition_failure__violation__descriptor,
    &google__rpc__request_info__descriptor,
    &google__rpc__resource_info__descriptor,
    &google__rpc__help__descriptor,
    &google__rpc__help__link__descriptor,
    &grpc__health__v1__health_check_request__descriptor,
    &grpc__health__v1__health_check_response__descriptor,
    &google__protobuf__any__descriptor,
    &google__protobuf__duration__descriptor,
};
#define SCHEMA_NOWN (sizeof(schema__own) / sizeof(schema__own[0]))

typedef struct schema_name {
  const ProtobufCFieldDescriptor *field;
  const char *json;
} schema_name_t;

struct http_schema {
  transcode_schema_t pub;
  const transcode_schema_t *base;
  arena_t *arena;
  schema_name_t *names;
  size_t nnames;
};

static bool schema__is_own(const ProtobufCMessageDescriptor *d) {
  for (size_t i = 0; i < SCHEMA_NOWN; i++)
    if (schema__own[i] == d)
      return true;
  return false;
}

static const char *schema__json_name(const void *ctx, const ProtobufCMessageDescriptor *msg,
                                     const ProtobufCFieldDescriptor *field) {
  const http_schema_t *s = ctx;
  if (schema__is_own(msg)) {
    for (size_t i = 0; i < s->nnames; i++)
      if (s->names[i].field == field)
        return s->names[i].json;
  }
  if (s->base && s->base->json_name) {
    const char *n = s->base->json_name(s->base->ctx, msg, field);
    if (n != NULL)
      return n;
  }
  return NULL;
}

static const ProtobufCMessageDescriptor *schema__find(const void *ctx, const char *full_name) {
  const http_schema_t *s = ctx;
  for (size_t i = 0; i < SCHEMA_NOWN; i++)
    if (strcmp(schema__own[i]->name, full_name) == 0)
      return schema__own[i];
  if (s->base && s->base->find_message)
    return s->base->find_message(s->base->ctx, full_name);
  return NULL;
}

http_schema_t *http_schema_create(const transcode_schema_t *base) {
  http_schema_t *s = calloc(1, sizeof(*s));
  if (s == NULL)
    abort();
  s->base = base;
  s->arena = arena_create(0);
  size_t n = 0;
  for (size_t i = 0; i < SCHEMA_NOWN; i++)
    n += schema__own[i]->n_fields;
  s->names = arena_alloc(s->arena, n * sizeof(*s->names));
  for (size_t i = 0; i < SCHEMA_NOWN; i++)
    for (unsigned j = 0; j < schema__own[i]->n_fields; j++) {
      const ProtobufCFieldDescriptor *f = &schema__own[i]->fields[j];
      s->names[s->nnames].field = f;
      s->names[s->nnames].json = transcode_json_name_derive(s->arena, f->name);
      s->nnames++;
    }
  s->pub.json_name = schema__json_name;
  s->pub.find_message = schema__find;
  s->pub.ctx = s;
  return s;
}

void http_schema_destroy(http_schema_t *s) {
  if (s == NULL)
    return;
  arena_destroy(s->arena);
  free(s);
}

const transcode_schema_t *http_schema_get(const http_schema_t *s) { return &s->pub; }
