/*
 * schema.c — the transcoder's schema from the descriptor set: JSON names (protoc's
 * FieldDescriptorProto.json_name, so explicit json_name options are honoured) and a registry
 * of every message the gateway can meet (the services' messages, google.rpc error details and
 * the well-known types), for Any's "@type".
 *
 * Built once in routes_create; the callbacks only read, so any thread may call them. They must
 * never allocate: a name the set does not know comes back NULL (the transcoder then derives it).
 */
#include <string.h>

#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/duration.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "google/protobuf/wrappers.pb-c.h"
#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"

#include "gateway/routes/routes_internal.h"


const routes__fieldproto_t *
routes__field_proto(const routes_t *r, const ProtobufCMessageDescriptor *msg, unsigned number) {
  const routes__msg_t *m = routes__map_get(&r->msgs, msg->name);
  if (m == NULL)
    return NULL;
  for (size_t i = 0; i < m->proto->n_field; i++)
    if (m->proto->field[i]->has_number && (unsigned)m->proto->field[i]->number == number)
      return m->proto->field[i];
  return NULL;
}

bool routes__is_map_entry(const routes_t *r, const ProtobufCMessageDescriptor *msg) {
  const routes__msg_t *m = routes__map_get(&r->msgs, msg->name);
  return m != NULL && m->map_entry;
}

/* protoc's rule: drop each '_' and capitalise the letter after it. */
static const char *routes__derive(arena_t *a, const char *name) {
  char *out = arena_alloc(a, strlen(name) + 1), *o = out;
  bool up = false;
  for (const char *p = name; *p; p++) {
    if (*p == '_') {
      up = true;
      continue;
    }
    *o++ = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
    up = false;
  }
  *o = '\0';
  return out;
}

static void routes__register(routes_t *r, const ProtobufCMessageDescriptor *d) {
  if (d == NULL || routes__map_get(&r->json_names, d) != NULL)
    return;
  const char **names = arena_zalloc(r->arena, (d->n_fields + 1) * sizeof(*names));
  routes__map_put(&r->json_names, r->arena, d, names);
  routes__map_put(&r->registry, r->arena, d->name, d);
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    const routes__fieldproto_t *fp = routes__field_proto(r, d, f->id);
    names[i] =
        fp && fp->json_name && fp->json_name[0] ? fp->json_name : routes__derive(r->arena, f->name);
    if (f->type == PROTOBUF_C_TYPE_MESSAGE)
      routes__register(r, f->descriptor);
  }
}

const char *routes__json_name(const routes_t *r, const ProtobufCMessageDescriptor *msg,
                              const ProtobufCFieldDescriptor *field) {
  const char *const *names = routes__map_get(&r->json_names, msg);
  if (names != NULL && field >= msg->fields && field < msg->fields + msg->n_fields)
    return names[field - msg->fields];
  const routes__fieldproto_t *fp = routes__field_proto(r, msg, field->id);
  return fp && fp->json_name && fp->json_name[0] ? fp->json_name : NULL;
}

static const char *routes__schema_json_name(const void *ctx, const ProtobufCMessageDescriptor *msg,
                                            const ProtobufCFieldDescriptor *field) {
  return routes__json_name(ctx, msg, field);
}

static const ProtobufCMessageDescriptor *routes__schema_find(const void *ctx,
                                                             const char *full_name) {
  const routes_t *r = ctx;
  return routes__map_get(&r->registry, full_name);
}

bool routes__schema_build(routes_t *r, const ProtobufCServiceDescriptor *const *services,
                          size_t nservices, eh_err_t *err) {
  (void)err;
  for (size_t s = 0; s < nservices; s++)
    for (unsigned m = 0; services[s] && m < services[s]->n_methods; m++) {
      routes__register(r, services[s]->methods[m].input);
      routes__register(r, services[s]->methods[m].output);
    }
  const ProtobufCMessageDescriptor *fixed[] = {
      &google__rpc__status__descriptor,
      &google__rpc__bad_request__descriptor,
      &google__rpc__error_info__descriptor,
      &google__rpc__localized_message__descriptor,
      &google__rpc__retry_info__descriptor,
      &google__rpc__debug_info__descriptor,
      &google__rpc__quota_failure__descriptor,
      &google__rpc__precondition_failure__descriptor,
      &google__rpc__resource_info__descriptor,
      &google__rpc__help__descriptor,
      &google__rpc__request_info__descriptor,
      &google__protobuf__timestamp__descriptor,
      &google__protobuf__duration__descriptor,
      &google__protobuf__struct__descriptor,
      &google__protobuf__value__descriptor,
      &google__protobuf__list_value__descriptor,
      &google__protobuf__empty__descriptor,
      &google__protobuf__any__descriptor,
      &google__protobuf__double_value__descriptor,
      &google__protobuf__float_value__descriptor,
      &google__protobuf__int64_value__descriptor,
      &google__protobuf__uint64_value__descriptor,
      &google__protobuf__int32_value__descriptor,
      &google__protobuf__uint32_value__descriptor,
      &google__protobuf__bool_value__descriptor,
      &google__protobuf__string_value__descriptor,
      &google__protobuf__bytes_value__descriptor,
  };
  for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
    routes__register(r, fixed[i]);
  routes__register(r, &google__protobuf__field_mask__descriptor);
  r->schema.json_name = routes__schema_json_name;
  r->schema.find_message = routes__schema_find;
  r->schema.ctx = r;
  return true;
}
