/*
 * routes_internal.h — what routes.c, schema.c and openapi.c share: the parsed descriptor set,
 * the compiled path templates and two small hash maps. Not for use outside gateway/routes.
 *
 * Everything hangs off routes_t's arena and is read-only once routes_create returns, so nothing
 * here may be written at request time (the gateway's threads share it without locks).
 */
#ifndef EHALL_GATEWAY_ROUTES_INTERNAL_H
#define EHALL_GATEWAY_ROUTES_INTERNAL_H

#include "gateway/routes/descriptor_shadow.pb-c.h"
#include "gateway/routes/routes.h"

typedef Ehall__Gateway__Shadow__FileDescriptorSet routes__fdset_t;
typedef Ehall__Gateway__Shadow__FileDescriptorProto routes__file_t;
typedef Ehall__Gateway__Shadow__DescriptorProto routes__msgproto_t;
typedef Ehall__Gateway__Shadow__FieldDescriptorProto routes__fieldproto_t;
typedef Ehall__Gateway__Shadow__EnumDescriptorProto routes__enumproto_t;
typedef Ehall__Gateway__Shadow__ServiceDescriptorProto routes__svcproto_t;
typedef Ehall__Gateway__Shadow__MethodDescriptorProto routes__methodproto_t;

/* Open addressing, keys never removed; a NULL key marks an empty slot. String keys are
 * compared by content, pointer keys by address. */
typedef struct routes__map {
  size_t cap, n;
  const void **keys;
  const void **vals;
  bool by_string;
} routes__map_t;

void routes__map_init(routes__map_t *m, arena_t *a, bool by_string);
void routes__map_put(routes__map_t *m, arena_t *a, const void *key, const void *val);
const void *routes__map_get(const routes__map_t *m, const void *key);

/* A message of the descriptor set. */
typedef struct routes__msg {
  const char *full_name; /* "ehall.system.v1.SystemInfo", no leading dot */
  const routes__msgproto_t *proto;
  bool map_entry;
} routes__msg_t;

typedef enum { ROUTES__SEG_LITERAL, ROUTES__SEG_STAR, ROUTES__SEG_DSTAR } routes__seg_kind_t;

typedef struct routes__seg {
  routes__seg_kind_t kind;
  const char *lit;
  size_t len;
} routes__seg_t;

typedef struct routes__var {
  const char *field_path;
  int start, end;      /* template segments [start, end); a DSTAR at end-1 takes the rest */
  bool multi;          /* spans several segments: %2F stays encoded in the value */
  const char *pattern; /* "shelves/<star>" as written, NULL for a plain {var} */
} routes__var_t;

typedef struct routes__route {
  route_method_t m;
  routes__seg_t *segs;
  int nsegs;
  bool dstar; /* the last segment is ** */
  const char *verb;
  size_t verb_len;
  routes__var_t vars[ROUTE_MAX_VARS];
  int nvars;
  const char *shape; /* method, literals, wildcards and verb: equal shapes conflict */
  /* For the OpenAPI document. */
  const char *service; /* full name */
  const char *service_short;
  const char *method_name;
  const char *comment;
  int binding; /* 0: the main rule, 1…: additional bindings */
} routes__route_t;

struct routes {
  arena_t *arena;
  routes__fdset_t *set;
  routes__route_t *routes;
  size_t nroutes;
  routes__map_t msgs;       /* full name → routes__msg_t */
  routes__map_t comments;   /* shadow node (message, field, service, method, enum) → comment */
  routes__map_t registry;   /* full name → ProtobufCMessageDescriptor */
  routes__map_t json_names; /* ProtobufCMessageDescriptor → const char *[n_fields] */
  transcode_schema_t schema;
};

/* schema.c: fills registry and json_names from the services' messages and the fixed list. */
bool routes__schema_build(routes_t *r, const ProtobufCServiceDescriptor *const *services,
                          size_t nservices, eh_err_t *err);
/* The descriptor-set field of `msg` with this number, NULL if the message is not in the set. */
const routes__fieldproto_t *
routes__field_proto(const routes_t *r, const ProtobufCMessageDescriptor *msg, unsigned number);
bool routes__is_map_entry(const routes_t *r, const ProtobufCMessageDescriptor *msg);
/* routes.c: the field at a proto-name path ("parent.name"); NULL if absent. */
const ProtobufCFieldDescriptor *routes__field_path(const ProtobufCMessageDescriptor *msg,
                                                   const char *path);
const char *routes__json_name(const routes_t *r, const ProtobufCMessageDescriptor *msg,
                              const ProtobufCFieldDescriptor *field);

#endif
