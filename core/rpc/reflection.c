/*
 * reflection.c — the descriptor index and the answers of server reflection (see reflection.h).
 * Never edits or re-serializes a FileDescriptorProto: clients get the bytes protoc wrote.
 */
#include "core/rpc/reflection.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/descriptor.pb-c.h"

typedef struct rpc_refl_file {
  char *name;
  const uint8_t *data;
  size_t len;
  int *deps; /* indexes of dependencies in files[] */
  int ndeps;
} rpc_refl_file_t;

typedef struct rpc_refl_symbol {
  char *name;
  int file;
} rpc_refl_symbol_t;

struct rpc_reflection {
  rpc_refl_file_t *files;
  int nfiles;
  rpc_refl_symbol_t *symbols;
  size_t nsymbols, capsymbols;
  char **services;
  size_t nservices;
};

static void *rpc__xrealloc(void *p, size_t n) {
  p = realloc(p, n);
  if (p == NULL)
    abort();
  return p;
}

static char *rpc__xstrdup(const char *s) {
  char *d = strdup(s);
  if (d == NULL)
    abort();
  return d;
}

static void rpc__symbol_add(rpc_reflection_t *r, const char *prefix, const char *name, int file) {
  if (r->nsymbols == r->capsymbols) {
    r->capsymbols = r->capsymbols ? r->capsymbols * 2 : 256;
    r->symbols = rpc__xrealloc(r->symbols, r->capsymbols * sizeof(*r->symbols));
  }
  size_t n = strlen(prefix) + strlen(name) + 1;
  char *full = rpc__xrealloc(NULL, n);
  snprintf(full, n, "%s%s", prefix, name);
  r->symbols[r->nsymbols].name = full;
  r->symbols[r->nsymbols].file = file;
  r->nsymbols++;
}

static void rpc__enum_add(rpc_reflection_t *r, const char *scope,
                          const Google__Protobuf__EnumDescriptorProto *e, int file) {
  rpc__symbol_add(r, scope, e->name, file);
  /* Enum values live in the enum's enclosing scope (C++ scoping rules of protobuf). */
  for (size_t i = 0; i < e->n_value; i++)
    rpc__symbol_add(r, scope, e->value[i]->name, file);
}

static void rpc__message_add(rpc_reflection_t *r, const char *scope,
                             const Google__Protobuf__DescriptorProto *m, int file) {
  rpc__symbol_add(r, scope, m->name, file);
  size_t n = strlen(scope) + strlen(m->name) + 2;
  char *inner = rpc__xrealloc(NULL, n);
  snprintf(inner, n, "%s%s.", scope, m->name);
  for (size_t i = 0; i < m->n_field; i++)
    rpc__symbol_add(r, inner, m->field[i]->name, file);
  for (size_t i = 0; i < m->n_nested_type; i++)
    rpc__message_add(r, inner, m->nested_type[i], file);
  for (size_t i = 0; i < m->n_enum_type; i++)
    rpc__enum_add(r, inner, m->enum_type[i], file);
  free(inner);
}

static int rpc__symbol_cmp(const void *a, const void *b) {
  return strcmp(((const rpc_refl_symbol_t *)a)->name, ((const rpc_refl_symbol_t *)b)->name);
}

static int rpc__file_find(const rpc_reflection_t *r, const char *name) {
  for (int i = 0; i < r->nfiles; i++)
    if (strcmp(r->files[i].name, name) == 0)
      return i;
  return -1;
}

/* Reads a base-128 varint; false at the end of the buffer or on overflow. */
static bool rpc__varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80))
      return true;
  }
  return false;
}

rpc_reflection_t *rpc_reflection_create(const uint8_t *set, size_t len,
                                        const char *const *services, size_t nservices) {
  rpc_reflection_t *r = calloc(1, sizeof(*r));
  if (r == NULL)
    abort();
  /* FileDescriptorSet is `repeated FileDescriptorProto file = 1`: walk it by hand to keep
   * each file's exact bytes. */
  const uint8_t *p = set, *end = set + len;
  Google__Protobuf__FileDescriptorProto **protos = NULL;
  while (p < end) {
    uint64_t key, n;
    if (!rpc__varint(&p, end, &key) || key != ((1 << 3) | 2) || !rpc__varint(&p, end, &n) ||
        n > (uint64_t)(end - p))
      goto fail;
    Google__Protobuf__FileDescriptorProto *fd =
        google__protobuf__file_descriptor_proto__unpack(NULL, (size_t)n, p);
    if (fd == NULL)
      goto fail;
    r->files = rpc__xrealloc(r->files, (size_t)(r->nfiles + 1) * sizeof(*r->files));
    protos = rpc__xrealloc(protos, (size_t)(r->nfiles + 1) * sizeof(*protos));
    rpc_refl_file_t *f = &r->files[r->nfiles];
    memset(f, 0, sizeof(*f));
    f->name = rpc__xstrdup(fd->name);
    f->data = p;
    f->len = (size_t)n;
    protos[r->nfiles++] = fd;
    p += n;
  }
  for (int i = 0; i < r->nfiles; i++) {
    Google__Protobuf__FileDescriptorProto *fd = protos[i];
    rpc_refl_file_t *f = &r->files[i];
    f->deps = rpc__xrealloc(NULL, (fd->n_dependency + 1) * sizeof(int));
    for (size_t d = 0; d < fd->n_dependency; d++) {
      int j = rpc__file_find(r, fd->dependency[d]);
      if (j >= 0) /* --include_imports puts every dependency in the set */
        f->deps[f->ndeps++] = j;
    }
    const char *pkg = fd->package ? fd->package : "";
    size_t pl = strlen(pkg) + 2;
    char *scope = rpc__xrealloc(NULL, pl);
    snprintf(scope, pl, "%s%s", pkg, *pkg ? "." : "");
    for (size_t k = 0; k < fd->n_message_type; k++)
      rpc__message_add(r, scope, fd->message_type[k], i);
    for (size_t k = 0; k < fd->n_enum_type; k++)
      rpc__enum_add(r, scope, fd->enum_type[k], i);
    for (size_t k = 0; k < fd->n_service; k++) {
      const Google__Protobuf__ServiceDescriptorProto *s = fd->service[k];
      rpc__symbol_add(r, scope, s->name, i);
      size_t sl = strlen(scope) + strlen(s->name) + 2;
      char *ss = rpc__xrealloc(NULL, sl);
      snprintf(ss, sl, "%s%s.", scope, s->name);
      for (size_t m = 0; m < s->n_method; m++)
        rpc__symbol_add(r, ss, s->method[m]->name, i);
      free(ss);
    }
    free(scope);
  }
  for (int i = 0; i < r->nfiles; i++)
    google__protobuf__file_descriptor_proto__free_unpacked(protos[i], NULL);
  free(protos);
  qsort(r->symbols, r->nsymbols, sizeof(*r->symbols), rpc__symbol_cmp);
  r->services = rpc__xrealloc(NULL, (nservices + 1) * sizeof(char *));
  for (size_t i = 0; i < nservices; i++)
    r->services[i] = rpc__xstrdup(services[i]);
  r->nservices = nservices;
  return r;

fail:
  for (int i = 0; i < r->nfiles; i++)
    google__protobuf__file_descriptor_proto__free_unpacked(protos[i], NULL);
  free(protos);
  rpc_reflection_destroy(r);
  return NULL;
}

void rpc_reflection_destroy(rpc_reflection_t *r) {
  if (r == NULL)
    return;
  for (int i = 0; i < r->nfiles; i++) {
    free(r->files[i].name);
    free(r->files[i].deps);
  }
  free(r->files);
  for (size_t i = 0; i < r->nsymbols; i++)
    free(r->symbols[i].name);
  free(r->symbols);
  for (size_t i = 0; i < r->nservices; i++)
    free(r->services[i]);
  free(r->services);
  free(r);
}

static int rpc__symbol_file(const rpc_reflection_t *r, const char *name) {
  rpc_refl_symbol_t key = {.name = (char *)name};
  const rpc_refl_symbol_t *s =
      bsearch(&key, r->symbols, r->nsymbols, sizeof(*r->symbols), rpc__symbol_cmp);
  return s ? s->file : -1;
}

/* The file, then its transitive dependencies, each once. */
static void rpc__collect(const rpc_reflection_t *r, int f, bool *seen, int *order, int *n) {
  if (seen[f])
    return;
  seen[f] = true;
  order[(*n)++] = f;
  for (int i = 0; i < r->files[f].ndeps; i++)
    rpc__collect(r, r->files[f].deps[i], seen, order, n);
}

static Grpc__Reflection__V1__FileDescriptorResponse *rpc__files(arena_t *a,
                                                                const rpc_reflection_t *r, int f) {
  bool *seen = arena_zalloc(a, (size_t)r->nfiles * sizeof(bool));
  int *order = arena_alloc(a, (size_t)r->nfiles * sizeof(int));
  int n = 0;
  rpc__collect(r, f, seen, order, &n);
  Grpc__Reflection__V1__FileDescriptorResponse *fr = arena_alloc(a, sizeof(*fr));
  grpc__reflection__v1__file_descriptor_response__init(fr);
  fr->n_file_descriptor_proto = (size_t)n;
  fr->file_descriptor_proto = arena_alloc(a, (size_t)n * sizeof(ProtobufCBinaryData));
  for (int i = 0; i < n; i++) {
    fr->file_descriptor_proto[i].data = (uint8_t *)r->files[order[i]].data;
    fr->file_descriptor_proto[i].len = r->files[order[i]].len;
  }
  return fr;
}

static void rpc__not_found(arena_t *a, Grpc__Reflection__V1__ServerReflectionResponse *resp,
                           const char *what, const char *name) {
  Grpc__Reflection__V1__ErrorResponse *e = arena_alloc(a, sizeof(*e));
  grpc__reflection__v1__error_response__init(e);
  e->error_code = 5; /* NOT_FOUND */
  e->error_message = arena_printf(a, "%s not found: %s", what, name ? name : "");
  resp->message_response_case =
      GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE;
  resp->error_response = e;
}

Grpc__Reflection__V1__ServerReflectionResponse *
rpc_reflection_answer(arena_t *a, const rpc_reflection_t *r,
                      const Grpc__Reflection__V1__ServerReflectionRequest *req) {
  Grpc__Reflection__V1__ServerReflectionResponse *resp = arena_alloc(a, sizeof(*resp));
  grpc__reflection__v1__server_reflection_response__init(resp);
  resp->valid_host = req->host;
  resp->original_request = (Grpc__Reflection__V1__ServerReflectionRequest *)req;
  int f;
  switch (req->message_request_case) {
  case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES: {
    Grpc__Reflection__V1__ListServiceResponse *ls = arena_alloc(a, sizeof(*ls));
    grpc__reflection__v1__list_service_response__init(ls);
    ls->n_service = r->nservices;
    ls->service = arena_alloc(a, (r->nservices + 1) * sizeof(*ls->service));
    for (size_t i = 0; i < r->nservices; i++) {
      Grpc__Reflection__V1__ServiceResponse *s = arena_alloc(a, sizeof(*s));
      grpc__reflection__v1__service_response__init(s);
      s->name = r->services[i];
      ls->service[i] = s;
    }
    resp->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE;
    resp->list_services_response = ls;
    break;
  }
  case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME:
    f = rpc__file_find(r, req->file_by_filename);
    if (f < 0) {
      rpc__not_found(a, resp, "file", req->file_by_filename);
      break;
    }
    resp->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE;
    resp->file_descriptor_response = rpc__files(a, r, f);
    break;
  case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL:
    f = rpc__symbol_file(r, req->file_containing_symbol);
    if (f < 0) {
      rpc__not_found(a, resp, "symbol", req->file_containing_symbol);
      break;
    }
    resp->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE;
    resp->file_descriptor_response = rpc__files(a, r, f);
    break;
  case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION:
    rpc__not_found(a, resp, "extension",
                   req->file_containing_extension ? req->file_containing_extension->containing_type
                                                  : "");
    break;
  case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_ALL_EXTENSION_NUMBERS_OF_TYPE:
    if (rpc__symbol_file(r, req->all_extension_numbers_of_type) < 0) {
      rpc__not_found(a, resp, "type", req->all_extension_numbers_of_type);
      break;
    } else {
      /* We register no extensions at run time: a known type has none to list. */
      Grpc__Reflection__V1__ExtensionNumberResponse *en = arena_alloc(a, sizeof(*en));
      grpc__reflection__v1__extension_number_response__init(en);
      en->base_type_name = req->all_extension_numbers_of_type;
      resp->message_response_case =
          GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ALL_EXTENSION_NUMBERS_RESPONSE;
      resp->all_extension_numbers_response = en;
    }
    break;
  default: {
    Grpc__Reflection__V1__ErrorResponse *e = arena_alloc(a, sizeof(*e));
    grpc__reflection__v1__error_response__init(e);
    e->error_code = 3; /* INVALID_ARGUMENT */
    e->error_message = "empty request";
    resp->message_response_case =
        GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE;
    resp->error_response = e;
  }
  }
  return resp;
}
