/*
 * openapi.c — the OpenAPI 3.0.3 document of every HTTP route, generated from the same
 * descriptors the gateway serves with, so the document cannot drift from the API.
 *
 * Schemas follow the proto3 JSON mapping the transcoder speaks (json names, 64-bit integers as
 * strings, enums as names, well-known types inlined as their JSON form). Descriptions are the
 * leading comments of the .proto files. Built on request (it is cheap and rarely asked for);
 * it must never write to routes_t.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/routes/routes_internal.h"

typedef struct routes__oa {
  const routes_t *r;
  arena_t *a;
  cJSON *schemas;
  routes__map_t seen; /* component name → non-NULL */
  const void **todo;  /* message or enum descriptors waiting for their component */
  bool *todo_is_enum;
  size_t ntodo, captodo;
} routes__oa_t;

static cJSON *routes__oa_type(const char *type, const char *format) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "type", type);
  if (format != NULL)
    cJSON_AddStringToObject(o, "format", format);
  return o;
}

static cJSON *routes__oa_ref(routes__oa_t *oa, const char *name, const void *desc, bool is_enum) {
  if (routes__map_get(&oa->seen, name) == NULL) {
    routes__map_put(&oa->seen, oa->a, name, desc);
    if (oa->ntodo == oa->captodo) {
      size_t cap = oa->captodo ? oa->captodo * 2 : 32;
      const void **t = arena_alloc(oa->a, cap * sizeof(*t));
      bool *e = arena_alloc(oa->a, cap * sizeof(*e));
      if (oa->ntodo) {
        memcpy(t, oa->todo, oa->ntodo * sizeof(*t));
        memcpy(e, oa->todo_is_enum, oa->ntodo * sizeof(*e));
      }
      oa->todo = t, oa->todo_is_enum = e, oa->captodo = cap;
    }
    oa->todo[oa->ntodo] = desc;
    oa->todo_is_enum[oa->ntodo++] = is_enum;
  }
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "$ref", arena_printf(oa->a, "#/components/schemas/%s", name));
  return o;
}

/* The JSON form of a well-known type, NULL for any other message. */
static cJSON *routes__oa_wkt(const char *name) {
  if (strncmp(name, "google.protobuf.", 16) != 0)
    return NULL;
  const char *n = name + 16;
  static const struct {
    const char *name, *type, *format;
  } wrappers[] = {
      {"DoubleValue", "number", "double"}, {"FloatValue", "number", "float"},
      {"Int64Value", "string", "int64"},   {"UInt64Value", "string", "uint64"},
      {"Int32Value", "integer", "int32"},  {"UInt32Value", "integer", "int64"},
      {"BoolValue", "boolean", NULL},      {"StringValue", "string", NULL},
      {"BytesValue", "string", "byte"},
  };
  for (size_t i = 0; i < sizeof(wrappers) / sizeof(wrappers[0]); i++)
    if (strcmp(n, wrappers[i].name) == 0) {
      cJSON *o = routes__oa_type(wrappers[i].type, wrappers[i].format);
      cJSON_AddBoolToObject(o, "nullable", 1);
      return o;
    }
  if (strcmp(n, "Timestamp") == 0)
    return routes__oa_type("string", "date-time");
  if (strcmp(n, "Duration") == 0) {
    cJSON *o = routes__oa_type("string", NULL);
    cJSON_AddStringToObject(o, "pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$");
    return o;
  }
  if (strcmp(n, "FieldMask") == 0)
    return routes__oa_type("string", NULL);
  if (strcmp(n, "Struct") == 0) {
    cJSON *o = routes__oa_type("object", NULL);
    cJSON_AddBoolToObject(o, "additionalProperties", 1);
    return o;
  }
  if (strcmp(n, "Value") == 0) {
    cJSON *o = cJSON_CreateObject(); /* any JSON value */
    cJSON_AddBoolToObject(o, "nullable", 1);
    return o;
  }
  if (strcmp(n, "ListValue") == 0) {
    cJSON *o = routes__oa_type("array", NULL);
    cJSON_AddItemToObject(o, "items", cJSON_CreateObject());
    return o;
  }
  if (strcmp(n, "Empty") == 0)
    return routes__oa_type("object", NULL);
  if (strcmp(n, "Any") == 0) {
    cJSON *o = routes__oa_type("object", NULL);
    cJSON *props = cJSON_AddObjectToObject(o, "properties");
    cJSON_AddItemToObject(props, "@type", routes__oa_type("string", NULL));
    cJSON_AddBoolToObject(o, "additionalProperties", 1);
    return o;
  }
  return NULL;
}

/* The schema of one value of field `f` (ignoring repeated). */
static cJSON *routes__oa_value(routes__oa_t *oa, const ProtobufCFieldDescriptor *f) {
  switch (f->type) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32:
    return routes__oa_type("integer", "int32");
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32: {
    cJSON *o = routes__oa_type("integer", "int64");
    cJSON_AddNumberToObject(o, "minimum", 0);
    return o;
  }
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
    return routes__oa_type("string", "int64");
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
    return routes__oa_type("string", "uint64");
  case PROTOBUF_C_TYPE_FLOAT:
    return routes__oa_type("number", "float");
  case PROTOBUF_C_TYPE_DOUBLE:
    return routes__oa_type("number", "double");
  case PROTOBUF_C_TYPE_BOOL:
    return routes__oa_type("boolean", NULL);
  case PROTOBUF_C_TYPE_STRING:
    return routes__oa_type("string", NULL);
  case PROTOBUF_C_TYPE_BYTES:
    return routes__oa_type("string", "byte");
  case PROTOBUF_C_TYPE_ENUM: {
    const ProtobufCEnumDescriptor *e = f->descriptor;
    return routes__oa_ref(oa, e->name, e, true);
  }
  case PROTOBUF_C_TYPE_MESSAGE: {
    const ProtobufCMessageDescriptor *m = f->descriptor;
    cJSON *w = routes__oa_wkt(m->name);
    return w ? w : routes__oa_ref(oa, m->name, m, false);
  }
  }
  return cJSON_CreateObject();
}

static const char *routes__oa_field_comment(const routes__oa_t *oa,
                                            const ProtobufCMessageDescriptor *owner,
                                            const ProtobufCFieldDescriptor *f) {
  const routes__fieldproto_t *fp = routes__field_proto(oa->r, owner, f->id);
  return fp ? routes__map_get(&oa->r->comments, fp) : NULL;
}

/* The schema of field `f` of `owner` as it appears in JSON: arrays, maps, a description. */
static cJSON *routes__oa_field(routes__oa_t *oa, const ProtobufCMessageDescriptor *owner,
                               const ProtobufCFieldDescriptor *f) {
  cJSON *s;
  if (f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE &&
      routes__is_map_entry(oa->r, f->descriptor)) {
    const ProtobufCMessageDescriptor *entry = f->descriptor;
    const ProtobufCFieldDescriptor *value = protobuf_c_message_descriptor_get_field(entry, 2);
    s = routes__oa_type("object", NULL);
    cJSON_AddItemToObject(s, "additionalProperties",
                          value ? routes__oa_value(oa, value) : cJSON_CreateObject());
  } else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
    s = routes__oa_type("array", NULL);
    cJSON_AddItemToObject(s, "items", routes__oa_value(oa, f));
  } else {
    s = routes__oa_value(oa, f);
  }
  const char *c = routes__oa_field_comment(oa, owner, f);
  if (c != NULL) {
    if (cJSON_GetObjectItemCaseSensitive(s, "$ref") != NULL) {
      /* OpenAPI 3.0 ignores siblings of $ref: wrap it to keep the description. */
      cJSON *w = cJSON_CreateObject();
      cJSON *all = cJSON_AddArrayToObject(w, "allOf");
      cJSON_AddItemToArray(all, s);
      s = w;
    }
    cJSON_AddStringToObject(s, "description", c);
  }
  return s;
}

static void routes__oa_component(routes__oa_t *oa, const void *desc, bool is_enum) {
  if (is_enum) {
    const ProtobufCEnumDescriptor *e = desc;
    cJSON *s = routes__oa_type("string", NULL);
    cJSON *vals = cJSON_AddArrayToObject(s, "enum");
    for (unsigned i = 0; i < e->n_values; i++)
      cJSON_AddItemToArray(vals, cJSON_CreateString(e->values[i].name));
    cJSON_AddItemToObject(oa->schemas, e->name, s);
    return;
  }
  const ProtobufCMessageDescriptor *m = desc;
  cJSON *s = routes__oa_type("object", NULL);
  const routes__msg_t *mi = routes__map_get(&oa->r->msgs, m->name);
  const char *c = mi ? routes__map_get(&oa->r->comments, mi->proto) : NULL;
  if (c != NULL)
    cJSON_AddStringToObject(s, "description", c);
  cJSON *props = cJSON_AddObjectToObject(s, "properties");
  for (unsigned i = 0; i < m->n_fields; i++) {
    const char *jn = routes__json_name(oa->r, m, &m->fields[i]);
    cJSON_AddItemToObject(props, jn ? jn : m->fields[i].name,
                          routes__oa_field(oa, m, &m->fields[i]));
  }
  cJSON_AddItemToObject(oa->schemas, m->name, s);
}

/* The error body every route may answer: {code, message, details}. */
static void routes__oa_error_schema(routes__oa_t *oa) {
  cJSON *s = routes__oa_type("object", NULL);
  cJSON_AddStringToObject(s, "description", "错误 / Error: a gRPC status mapped to HTTP.");
  cJSON *props = cJSON_AddObjectToObject(s, "properties");
  cJSON_AddItemToObject(props, "code", routes__oa_type("integer", "int32"));
  cJSON_AddItemToObject(props, "message", routes__oa_type("string", NULL));
  cJSON *details = routes__oa_type("array", NULL);
  cJSON_AddItemToObject(details, "items", routes__oa_wkt("google.protobuf.Any"));
  cJSON_AddItemToObject(props, "details", details);
  cJSON_AddItemToObject(oa->schemas, "google.rpc.Status", s);
  routes__map_put(&oa->seen, oa->a, "google.rpc.Status", s);
}

/* "/v1/{name=shelves/<star>}:cancel" → "/v1/{name}:cancel" (OpenAPI has no multi-segment
 * parameter: the pattern goes to the parameter's schema instead). */
static const char *routes__oa_path(arena_t *a, const routes__route_t *rt) {
  size_t cap = strlen(rt->m.path_template) + 8;
  char *out = arena_alloc(a, cap), *o = out;
  for (int i = 0; i < rt->nsegs;) {
    *o++ = '/';
    const routes__var_t *var = NULL;
    for (int v = 0; v < rt->nvars; v++)
      if (rt->vars[v].start == i)
        var = &rt->vars[v];
    if (var != NULL) {
      o += sprintf(o, "{%s}", var->field_path);
      i = var->end;
      continue;
    }
    const routes__seg_t *s = &rt->segs[i++];
    if (s->kind == ROUTES__SEG_LITERAL)
      memcpy(o, s->lit, s->len), o += s->len;
    else
      o += sprintf(o, "%s", s->kind == ROUTES__SEG_STAR ? "*" : "**");
  }
  if (rt->verb)
    o += sprintf(o, ":%s", rt->verb);
  *o = '\0';
  return out;
}

static const char *routes__oa_pattern(arena_t *a, const char *p) {
  char *out = arena_alloc(a, strlen(p) * 6 + 4), *o = out;
  *o++ = '^';
  for (; *p; p++) {
    if (p[0] == '*' && p[1] == '*')
      o += sprintf(o, ".*"), p++;
    else if (*p == '*')
      o += sprintf(o, "[^/]+");
    else if (strchr(".+?()[]{}|^$\\", *p))
      *o++ = '\\', *o++ = *p;
    else
      *o++ = *p;
  }
  *o++ = '$';
  *o = '\0';
  return out;
}

static bool routes__oa_query_ok(const ProtobufCFieldDescriptor *f) {
  if (f->type != PROTOBUF_C_TYPE_MESSAGE)
    return true;
  const char *n = ((const ProtobufCMessageDescriptor *)f->descriptor)->name;
  return f->label != PROTOBUF_C_LABEL_REPEATED && strncmp(n, "google.protobuf.", 16) == 0 &&
         strcmp(n, "google.protobuf.Struct") != 0 && strcmp(n, "google.protobuf.Any") != 0 &&
         strcmp(n, "google.protobuf.Empty") != 0 && strcmp(n, "google.protobuf.ListValue") != 0 &&
         strcmp(n, "google.protobuf.Value") != 0;
}

static cJSON *routes__oa_operation(routes__oa_t *oa, const routes__route_t *rt) {
  cJSON *op = cJSON_CreateObject();
  cJSON *tags = cJSON_AddArrayToObject(op, "tags");
  cJSON_AddItemToArray(tags, cJSON_CreateString(rt->service_short));
  if (rt->comment != NULL) {
    const char *nl = strchr(rt->comment, '\n');
    cJSON_AddStringToObject(op, "summary",
                            nl ? arena_strndup(oa->a, rt->comment, (size_t)(nl - rt->comment))
                               : rt->comment);
    cJSON_AddStringToObject(op, "description", rt->comment);
  }
  cJSON_AddStringToObject(
      op, "operationId",
      rt->binding
          ? arena_printf(oa->a, "%s_%s_%d", rt->service_short, rt->method_name, rt->binding + 1)
          : arena_printf(oa->a, "%s_%s", rt->service_short, rt->method_name));

  cJSON *params = cJSON_CreateArray();
  const ProtobufCMessageDescriptor *in = rt->m.input;
  for (int v = 0; v < rt->nvars; v++) {
    const routes__var_t *var = &rt->vars[v];
    const ProtobufCFieldDescriptor *f = routes__field_path(in, var->field_path);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", var->field_path);
    cJSON_AddStringToObject(p, "in", "path");
    cJSON_AddBoolToObject(p, "required", 1);
    cJSON *s = f ? routes__oa_value(oa, f) : routes__oa_type("string", NULL);
    if (var->pattern != NULL && cJSON_GetObjectItemCaseSensitive(s, "$ref") == NULL)
      cJSON_AddStringToObject(s, "pattern", routes__oa_pattern(oa->a, var->pattern));
    cJSON_AddItemToObject(p, "schema", s);
    if (f != NULL) {
      /* The comment belongs to the last part's own message. */
      const ProtobufCMessageDescriptor *owner = in;
      const char *dot = strrchr(var->field_path, '.');
      if (dot != NULL) {
        const ProtobufCFieldDescriptor *pf = routes__field_path(
            in, arena_strndup(oa->a, var->field_path, (size_t)(dot - var->field_path)));
        owner = pf ? pf->descriptor : NULL;
      }
      const char *c = owner ? routes__oa_field_comment(oa, owner, f) : NULL;
      if (c != NULL)
        cJSON_AddStringToObject(p, "description", c);
    }
    cJSON_AddItemToArray(params, p);
  }
  if (rt->m.body == NULL || strcmp(rt->m.body, "*") != 0) {
    for (unsigned i = 0; i < in->n_fields; i++) {
      const ProtobufCFieldDescriptor *f = &in->fields[i];
      bool bound = rt->m.body && strcmp(rt->m.body, f->name) == 0;
      for (int v = 0; v < rt->nvars && !bound; v++) {
        size_t n = strlen(f->name);
        bound = strncmp(rt->vars[v].field_path, f->name, n) == 0 &&
                (rt->vars[v].field_path[n] == '\0' || rt->vars[v].field_path[n] == '.');
      }
      if (bound || !routes__oa_query_ok(f))
        continue;
      cJSON *p = cJSON_CreateObject();
      const char *jn = routes__json_name(oa->r, in, f);
      cJSON_AddStringToObject(p, "name", jn ? jn : f->name);
      cJSON_AddStringToObject(p, "in", "query");
      cJSON *s = routes__oa_field(oa, in, f);
      cJSON *desc = cJSON_DetachItemFromObjectCaseSensitive(s, "description");
      if (desc != NULL)
        cJSON_AddItemToObject(p, "description", desc);
      cJSON_AddItemToObject(p, "schema", s);
      cJSON_AddItemToArray(params, p);
    }
  }
  if (cJSON_GetArraySize(params) > 0)
    cJSON_AddItemToObject(op, "parameters", params);
  else
    cJSON_Delete(params);

  if (rt->m.body != NULL) {
    cJSON *s;
    if (strcmp(rt->m.body, "*") == 0) {
      cJSON *w = routes__oa_wkt(in->name);
      s = w ? w : routes__oa_ref(oa, in->name, in, false);
    } else {
      s = routes__oa_field(oa, in, protobuf_c_message_descriptor_get_field_by_name(in, rt->m.body));
    }
    cJSON *rb = cJSON_AddObjectToObject(op, "requestBody");
    cJSON_AddBoolToObject(rb, "required", 1);
    cJSON *mt = cJSON_AddObjectToObject(cJSON_AddObjectToObject(rb, "content"), "application/json");
    cJSON_AddItemToObject(mt, "schema", s);
  }

  cJSON *resp = cJSON_AddObjectToObject(op, "responses");
  cJSON *ok = cJSON_AddObjectToObject(resp, "200");
  cJSON_AddStringToObject(ok, "description", "OK");
  const ProtobufCMessageDescriptor *out = rt->m.output;
  cJSON *os;
  if (rt->m.response_body != NULL) {
    os = routes__oa_field(
        oa, out, protobuf_c_message_descriptor_get_field_by_name(out, rt->m.response_body));
  } else {
    cJSON *w = routes__oa_wkt(out->name);
    os = w ? w : routes__oa_ref(oa, out->name, out, false);
  }
  cJSON *omt = cJSON_AddObjectToObject(cJSON_AddObjectToObject(ok, "content"), "application/json");
  cJSON_AddItemToObject(omt, "schema", os);
  cJSON *def = cJSON_AddObjectToObject(resp, "default");
  cJSON_AddStringToObject(def, "description", "错误 / Error");
  cJSON *emt = cJSON_AddObjectToObject(cJSON_AddObjectToObject(def, "content"), "application/json");
  cJSON *es = cJSON_AddObjectToObject(emt, "schema");
  cJSON_AddStringToObject(es, "$ref", "#/components/schemas/google.rpc.Status");
  return op;
}

static char *routes__lower(arena_t *a, const char *s) {
  char *o = arena_strdup(a, s);
  for (char *p = o; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  return o;
}

char *routes_openapi_json(const routes_t *r, arena_t *a, const char *title, const char *version,
                          size_t *len) {
  routes__oa_t oa = {.r = r, .a = a};
  routes__map_init(&oa.seen, a, true);
  cJSON *doc = cJSON_CreateObject();
  cJSON_AddStringToObject(doc, "openapi", "3.0.3");
  cJSON *info = cJSON_AddObjectToObject(doc, "info");
  cJSON_AddStringToObject(info, "title", title ? title : "ehall");
  cJSON_AddStringToObject(info, "version", version ? version : "0");
  cJSON *tags = cJSON_AddArrayToObject(doc, "tags");
  cJSON *paths = cJSON_AddObjectToObject(doc, "paths");
  cJSON *components = cJSON_AddObjectToObject(doc, "components");
  oa.schemas = cJSON_AddObjectToObject(components, "schemas");
  routes__oa_error_schema(&oa);

  routes__map_t tagged;
  routes__map_init(&tagged, a, true);
  for (size_t i = 0; i < r->nroutes; i++) {
    const routes__route_t *rt = &r->routes[i];
    if (routes__map_get(&tagged, rt->service_short) == NULL) {
      routes__map_put(&tagged, a, rt->service_short, rt);
      cJSON *t = cJSON_CreateObject();
      cJSON_AddStringToObject(t, "name", rt->service_short);
      /* The service comment, found through any of its methods' files. */
      for (size_t fi = 0; fi < r->set->n_file; fi++)
        for (size_t si = 0; si < r->set->file[fi]->n_service; si++) {
          const routes__svcproto_t *svc = r->set->file[fi]->service[si];
          const char *pkg = r->set->file[fi]->package;
          size_t pl = pkg ? strlen(pkg) : 0;
          if (strcmp(svc->name, rt->service_short) == 0 &&
              (pl == 0 || (strncmp(rt->service, pkg, pl) == 0 && rt->service[pl] == '.'))) {
            const char *c = routes__map_get(&r->comments, svc);
            if (c != NULL && cJSON_GetObjectItemCaseSensitive(t, "description") == NULL)
              cJSON_AddStringToObject(t, "description", c);
          }
        }
      cJSON_AddItemToArray(tags, t);
    }
    const char *path = routes__oa_path(a, rt);
    const char *method = routes__lower(a, rt->m.http_method);
    cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, path);
    if (item != NULL && cJSON_GetObjectItemCaseSensitive(item, method) != NULL) {
      /* Two templates that differ only inside a {var=pattern}: keep them apart. */
      path = rt->m.path_template;
      item = cJSON_GetObjectItemCaseSensitive(paths, path);
    }
    if (item == NULL)
      item = cJSON_AddObjectToObject(paths, path);
    cJSON_AddItemToObject(item, method, routes__oa_operation(&oa, rt));
  }
  for (size_t i = 0; i < oa.ntodo; i++)
    routes__oa_component(&oa, oa.todo[i], oa.todo_is_enum[i]);

  char *s = cJSON_PrintUnformatted(doc);
  cJSON_Delete(doc);
  if (s == NULL)
    abort(); /* cJSON fails only when out of memory */
  size_t n = strlen(s);
  char *out = arena_memdup(a, s, n + 1);
  cJSON_free(s);
  if (len != NULL)
    *len = n;
  return out;
}
