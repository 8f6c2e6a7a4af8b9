/*
 * routes_test.c — gateway/routes: templates of every kind matched and decoded, 404 against 405
 * (with Allow), HEAD, precedence, bad and conflicting rules rejected with the method's name,
 * JSON names and the message registry, the OpenAPI document, and the real ehall descriptors.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/arena.h"
#include "ehall/system/v1/system.pb-c.h"
#include "gateway/routes/descriptor_shadow.pb-c.h"
#include "gateway/routes/routes.h"
#include "gateway/services.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "google/rpc/error_details.pb-c.h"
#include "testdata/routing.pb-c.h"
#include "tests/unit/test.h"

extern const unsigned char routing_descriptor_set[];
extern const size_t routing_descriptor_set_len;
extern const unsigned char ehall_descriptor_set[];
extern const size_t ehall_descriptor_set_len;

#define PKG "ehall.testing.routing.v1."
#define SVC "/ehall.testing.routing.v1.Library/"

static const ProtobufCServiceDescriptor *const library[] = {
    &ehall__testing__routing__v1__library__descriptor};

static routes_t *library_routes(void) {
  eh_err_t err = EH_ERR_INIT;
  routes_t *r = routes_create(routing_descriptor_set, routing_descriptor_set_len, library, 1, &err);
  if (r == NULL)
    fprintf(stderr, "routes_create: %s\n", err.message_en);
  return r;
}

typedef struct {
  route_result_t res;
  route_match_t m;
  char allow[128];
} got_t;

static got_t match(routes_t *r, arena_t *a, const char *method, const char *path) {
  got_t g;
  memset(&g, 0, sizeof(g));
  g.res = routes_match(r, a, method, strlen(method), path, strlen(path), &g.m, g.allow,
                       sizeof(g.allow));
  return g;
}

static const char *var(const got_t *g, const char *field) {
  for (int i = 0; i < g->m.nvars; i++)
    if (strcmp(g->m.vars[i].field_path, field) == 0)
      return g->m.vars[i].value;
  return NULL;
}

static void test_routes_built(void) {
  routes_t *r = library_routes();
  CHECK(r != NULL);
  if (r == NULL)
    return;
  CHECK_INT(routes_count(r), 12); /* 11 annotated methods, one with an additional binding */
  const route_method_t *create = NULL, *binding = NULL, *getop = NULL;
  for (size_t i = 0; i < routes_count(r); i++) {
    const route_method_t *m = routes_at(r, i);
    if (strcmp(m->path_template, "/v1/shelves") == 0)
      create = m;
    if (strcmp(m->path_template, "/v1/libraries/{library}/shelves") == 0)
      binding = m;
    if (strcmp(m->path_template, "/v1/operations/{id}") == 0)
      getop = m;
    CHECK(strcmp(m->grpc_path, SVC "Sync") != 0);
  }
  CHECK(routes_at(r, routes_count(r)) == NULL);
  for (size_t i = 0; i < routes_count(r); i++)
    CHECK_INT(routes_index(r, routes_at(r, i)), i);
  CHECK(create != NULL && binding != NULL && getop != NULL);
  if (create && binding && getop) {
    CHECK_STR(create->http_method, "POST");
    CHECK_STR(create->grpc_path, SVC "CreateShelf");
    CHECK_STR(create->body, "*");
    CHECK(create->input == &ehall__testing__routing__v1__create_shelf_request__descriptor);
    CHECK(create->output == &ehall__testing__routing__v1__shelf__descriptor);
    CHECK(create->response_body == NULL);
    CHECK_STR(binding->grpc_path, SVC "CreateShelf");
    CHECK_STR(binding->body, "shelf");
    CHECK(getop->body == NULL);
    CHECK_STR(getop->response_body, "title");
  }
  routes_destroy(r);
}

static void test_routes_match_kinds(void) {
  routes_t *r = library_routes();
  CHECK(r != NULL);
  if (r == NULL)
    return;
  arena_t *a = arena_create(0);
  got_t g;

  g = match(r, a, "GET", "/v1/shelves/42");
  CHECK_INT(g.res, ROUTE_FOUND);
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, SVC "GetShelf");
  CHECK_INT(g.m.nvars, 1);
  CHECK_STR(var(&g, "id"), "42");

  /* Literal beats variable, whatever the declaration order. */
  g = match(r, a, "GET", "/v1/shelves/featured");
  CHECK_INT(g.res, ROUTE_FOUND);
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, SVC "GetFeaturedShelf");
  CHECK_INT(g.m.nvars, 0);

  g = match(r, a, "DELETE", "/v1/shelves/42");
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, SVC "DeleteShelf");

  g = match(r, a, "PATCH", "/v1/shelves/7");
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, SVC "UpdateShelf");
  CHECK_STR(var(&g, "shelf.id"), "7");

  g = match(r, a, "GET", "/v1/shelves/1/books/2");
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, SVC "GetBook");
  CHECK_STR(var(&g, "name"), "shelves/1/books/2");

  g = match(r, a, "GET", "/v1/shelves/1/books");
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, SVC "ListBooks");
  CHECK_STR(var(&g, "parent.name"), "shelves/1");

  g = match(r, a, "GET", "/v1/files/a/b/c.txt");
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, SVC "GetFile");
  CHECK_STR(var(&g, "path"), "a/b/c.txt");
  g = match(r, a, "GET", "/v1/files");
  CHECK_INT(g.res, ROUTE_FOUND); /* ** matches zero segments */
  CHECK_STR(var(&g, "path"), "");

  g = match(r, a, "POST", "/v1/operations/7:cancel");
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, SVC "CancelOperation");
  CHECK_STR(var(&g, "id"), "7");
  g = match(r, a, "GET", "/v1/operations/7");
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, SVC "GetOperation");
  CHECK_STR(var(&g, "id"), "7");

  g = match(r, a, "POST", "/v1/libraries/main/shelves");
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, SVC "CreateShelf");
  CHECK_STR(g.m.route ? g.m.route->body : NULL, "shelf");
  CHECK_STR(var(&g, "library"), "main");
  g = match(r, a, "POST", "/v1/shelves");
  CHECK_STR(g.m.route ? g.m.route->body : NULL, "*");

  g = match(r, a, "SEARCH", "/v1/books");
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, SVC "Search");

  /* HEAD is served by the GET route. */
  g = match(r, a, "HEAD", "/v1/shelves/42");
  CHECK_INT(g.res, ROUTE_FOUND);
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, SVC "GetShelf");

  arena_destroy(a);
  routes_destroy(r);
}

static void test_routes_match_not_found_and_not_allowed(void) {
  routes_t *r = library_routes();
  CHECK(r != NULL);
  if (r == NULL)
    return;
  arena_t *a = arena_create(0);
  got_t g;

  g = match(r, a, "GET", "/v1/nothing");
  CHECK_INT(g.res, ROUTE_NOT_FOUND);
  CHECK(g.m.route == NULL);
  g = match(r, a, "GET", "/v1/shelves/42/"); /* a trailing slash is another path */
  CHECK_INT(g.res, ROUTE_NOT_FOUND);
  g = match(r, a, "GET", "/v1//shelves/42");
  CHECK_INT(g.res, ROUTE_NOT_FOUND);
  g = match(r, a, "GET", "/v1/files/");
  CHECK_INT(g.res, ROUTE_NOT_FOUND);
  g = match(r, a, "GET", "v1/shelves/42");
  CHECK_INT(g.res, ROUTE_NOT_FOUND);
  g = match(r, a, "GET", "/v1/shelves/1/books/2/x");
  CHECK_INT(g.res, ROUTE_NOT_FOUND);
  g = match(r, a, "GET", "/V1/shelves/42"); /* literals are case-sensitive */
  CHECK_INT(g.res, ROUTE_NOT_FOUND);
  g = match(r, a, "get", "/v1/shelves/42"); /* so are methods */
  CHECK_INT(g.res, ROUTE_METHOD_NOT_ALLOWED);

  g = match(r, a, "PUT", "/v1/shelves/42");
  CHECK_INT(g.res, ROUTE_METHOD_NOT_ALLOWED);
  CHECK_STR(g.allow, "GET, HEAD, PATCH, DELETE");
  g = match(r, a, "GET", "/v1/shelves");
  CHECK_INT(g.res, ROUTE_METHOD_NOT_ALLOWED);
  CHECK_STR(g.allow, "POST");
  g = match(r, a, "HEAD", "/v1/shelves");
  CHECK_INT(g.res, ROUTE_METHOD_NOT_ALLOWED);
  CHECK_STR(g.allow, "POST");
  g = match(r, a, "GET", "/v1/books");
  CHECK_INT(g.res, ROUTE_METHOD_NOT_ALLOWED);
  CHECK_STR(g.allow, "SEARCH");
  g = match(r, a, "GET", "/v1/operations/7:cancel"); /* no verb route for GET: {id} takes it */
  CHECK_INT(g.res, ROUTE_FOUND);
  CHECK_STR(var(&g, "id"), "7:cancel");
  g = match(r, a, "DELETE", "/v1/operations/7:cancel");
  CHECK_INT(g.res, ROUTE_METHOD_NOT_ALLOWED);
  CHECK_STR(g.allow, "GET, HEAD, POST");
  g = match(r, a, "POST", "/v1/operations/7:pause");
  CHECK_INT(g.res, ROUTE_METHOD_NOT_ALLOWED);
  CHECK_STR(g.allow, "GET, HEAD");

  /* A small Allow buffer is truncated at an entry, never mid-word. */
  char small[10];
  route_match_t m;
  CHECK_INT(routes_match(r, a, "PUT", 3, "/v1/shelves/42", 14, &m, small, sizeof(small)),
            ROUTE_METHOD_NOT_ALLOWED);
  CHECK_STR(small, "GET, HEAD");
  arena_destroy(a);
  routes_destroy(r);
}

static void test_routes_match_decoding(void) {
  routes_t *r = library_routes();
  CHECK(r != NULL);
  if (r == NULL)
    return;
  arena_t *a = arena_create(0);
  got_t g;

  g = match(r, a, "GET", "/v1/shelves/a%2Fb");
  CHECK_INT(g.res, ROUTE_FOUND);
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, SVC "GetShelf");
  CHECK_STR(var(&g, "id"), "a/b"); /* decoded, but it did not split the segment */
  g = match(r, a, "GET", "/v1/shelves/%E4%B8%AD%20x");
  CHECK_STR(var(&g, "id"), "\xE4\xB8\xAD x");
  g = match(r, a, "GET", "/v1/shelves/a+b");
  CHECK_STR(var(&g, "id"), "a+b"); /* '+' is not a space in a path */
  /* A multi-segment variable keeps %2F encoded (google/api/http.proto). */
  g = match(r, a, "GET", "/v1/shelves/a%2Fb/books/c%20d");
  CHECK_STR(var(&g, "name"), "shelves/a%2Fb/books/c d");
  g = match(r, a, "GET", "/v1/files/x%2fy/z");
  CHECK_STR(var(&g, "path"), "x%2fy/z");

  /* Bad escapes, NUL and invalid UTF-8 are not found (documented in routes.h). */
  const char *bad[] = {"/v1/shelves/%zz",  "/v1/shelves/%4",     "/v1/shelves/%",
                       "/v1/shelves/%00",  "/v1/shelves/%C3%28", "/v1/shelves/%ED%A0%80",
                       "/v1/shelves/\xff", "/v1/shelves/%C0%AF", "/v1/files/a/%F4%90%80%80"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    g = match(r, a, "GET", bad[i]);
    if (g.res != ROUTE_NOT_FOUND)
      fprintf(stderr, "  accepted %s\n", bad[i]);
    CHECK_INT(g.res, ROUTE_NOT_FOUND);
    CHECK(g.m.route == NULL);
  }
  arena_destroy(a);
  routes_destroy(r);
}

/* ---- descriptor sets with one method's rule replaced, for the rejections ---- */

static routes_t *routes_with_rule(const char *method, const char *get, const char *body,
                                  eh_err_t *err) {
  arena_t *a = arena_create(0);
  ProtobufCAllocator al = arena_pb_allocator(a);
  Ehall__Gateway__Shadow__FileDescriptorSet *set =
      ehall__gateway__shadow__file_descriptor_set__unpack(&al, routing_descriptor_set_len,
                                                          routing_descriptor_set);
  CHECK(set != NULL);
  bool found = false;
  for (size_t f = 0; set && f < set->n_file; f++)
    for (size_t s = 0; s < set->file[f]->n_service; s++)
      for (size_t m = 0; m < set->file[f]->service[s]->n_method; m++) {
        Ehall__Gateway__Shadow__MethodDescriptorProto *md = set->file[f]->service[s]->method[m];
        if (strcmp(md->name, method) != 0)
          continue;
        Google__Api__HttpRule *rule = md->options->http;
        rule->pattern_case = GOOGLE__API__HTTP_RULE__PATTERN_GET;
        rule->get = (char *)get;
        rule->body = (char *)(body ? body : "");
        rule->n_additional_bindings = 0;
        found = true;
      }
  CHECK(found);
  size_t len = ehall__gateway__shadow__file_descriptor_set__get_packed_size(set);
  uint8_t *buf = arena_alloc(a, len);
  ehall__gateway__shadow__file_descriptor_set__pack(set, buf);
  routes_t *r = routes_create(buf, len, library, 1, err);
  arena_destroy(a); /* routes_t keeps nothing of the input bytes */
  return r;
}

static void test_routes_rejects(void) {
  eh_err_t err = EH_ERR_INIT;
  /* The helper itself works. */
  routes_t *r = routes_with_rule("GetOperation", "/v1/ops/{id=**}", NULL, &err);
  CHECK(r != NULL);
  if (r != NULL) {
    arena_t *a = arena_create(0);
    got_t g = match(r, a, "GET", "/v1/ops/a/b");
    CHECK_STR(var(&g, "id"), "a/b");
    arena_destroy(a);
    routes_destroy(r);
  }

  /* Same verb and same shape as GetShelf's "/v1/shelves/{id}". */
  const char *conflicts[][2] = {{"GetOperation", "/v1/shelves/{id}"},
                                {"GetBook", "/v1/shelves/{name}"},
                                {"GetBook", "/v1/{name=shelves/*}"},
                                {"GetFile", "/v1/shelves/featured"}};
  for (size_t i = 0; i < sizeof(conflicts) / sizeof(conflicts[0]); i++) {
    eh_err_clear(&err);
    r = routes_with_rule(conflicts[i][0], conflicts[i][1], NULL, &err);
    CHECK(r == NULL);
    CHECK_INT(err.code, EH_INVALID);
    if (strstr(err.message_en, conflicts[i][0]) == NULL || strstr(err.message, "冲突") == NULL)
      fprintf(stderr, "  conflict message: %s / %s\n", err.message_en, err.message);
    CHECK(strstr(err.message_en, conflicts[i][0]) != NULL);
    CHECK(strstr(err.message_en, "conflicts") != NULL);
    routes_destroy(r);
  }

  const char *bad[] = {
      "v1/ops",        "/",         "/v1/{id",       "/v1/id}",      "/v1/**/x",
      "/v1//x",        "/v1/x/",    "/v1/{id}/{id}", "/v1/{nope}",   "/v1/{id.x}",
      "/v1/{id=**}/x", "/v1/x:",    "/v1/{id={x}}",  "/v1/{id=}",    "/v1/{1d}",
      "/v1/a*b",       "/v1/{id}x", "/v1/x:a:b",     "/v1/a:b/{id}", "/v1/{id=a//b}",
      "/v1/{id}?x"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    eh_err_clear(&err);
    r = routes_with_rule("GetOperation", bad[i], NULL, &err);
    if (r != NULL)
      fprintf(stderr, "  accepted template %s\n", bad[i]);
    CHECK(r == NULL);
    CHECK_INT(err.code, EH_INVALID);
    CHECK(strstr(err.message_en, "GetOperation") != NULL);
    routes_destroy(r);
  }

  /* Path variables must be singular fields; body a top-level field. */
  eh_err_clear(&err);
  r = routes_with_rule("ListBooks", "/v1/{tags}", NULL, &err); /* repeated */
  CHECK(r == NULL);
  CHECK(strstr(err.message_en, "tags") != NULL);
  eh_err_clear(&err);
  r = routes_with_rule("ListBooks", "/v1/{parent}", NULL, &err); /* a message */
  CHECK(r == NULL);
  eh_err_clear(&err);
  r = routes_with_rule("GetOperation", "/v1/ops/{id}", "nope", &err);
  CHECK(r == NULL);
  CHECK(strstr(err.message_en, "body") != NULL && strstr(err.message_en, "GetOperation"));
  eh_err_clear(&err);
  r = routes_with_rule("ListBooks", "/v1/x/{parent.name}", "parent.name", &err); /* not top */
  CHECK(r == NULL);

  /* An annotated method whose service is not linked. */
  eh_err_clear(&err);
  r = routes_create(routing_descriptor_set, routing_descriptor_set_len, NULL, 0, &err);
  CHECK(r == NULL);
  CHECK_INT(err.code, EH_INVALID);
  CHECK(strstr(err.message_en, "ehall.testing.routing.v1.Library.GetShelf") != NULL);

  /* Garbage is not a descriptor set. */
  eh_err_clear(&err);
  static const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01};
  r = routes_create(junk, sizeof(junk), library, 1, &err);
  CHECK(r == NULL);
  CHECK_INT(err.code, EH_INVALID);
}

static void test_routes_schema(void) {
  routes_t *r = library_routes();
  CHECK(r != NULL);
  if (r == NULL)
    return;
  const transcode_schema_t *s = routes_schema(r);
  CHECK(s->json_name != NULL && s->find_message != NULL);
  const ProtobufCMessageDescriptor *shelf = &ehall__testing__routing__v1__shelf__descriptor;
  CHECK_STR(s->json_name(s->ctx, shelf,
                         protobuf_c_message_descriptor_get_field_by_name(shelf, "display_name")),
            "title"); /* explicit json_name option */
  CHECK_STR(s->json_name(s->ctx, shelf,
                         protobuf_c_message_descriptor_get_field_by_name(shelf, "create_time")),
            "createTime");
  const ProtobufCMessageDescriptor *lb =
      &ehall__testing__routing__v1__list_books_request__descriptor;
  CHECK_STR(
      s->json_name(s->ctx, lb, protobuf_c_message_descriptor_get_field_by_name(lb, "page_size")),
      "pageSize");
  /* Not in this descriptor set: derived as protoc does. */
  const ProtobufCMessageDescriptor *ri = &google__rpc__retry_info__descriptor;
  CHECK_STR(
      s->json_name(s->ctx, ri, protobuf_c_message_descriptor_get_field_by_name(ri, "retry_delay")),
      "retryDelay");

  CHECK(s->find_message(s->ctx, PKG "Shelf") == shelf);
  CHECK(s->find_message(s->ctx, PKG "Book") == &ehall__testing__routing__v1__book__descriptor);
  CHECK(s->find_message(s->ctx, PKG "Parent") == &ehall__testing__routing__v1__parent__descriptor);
  CHECK(s->find_message(s->ctx, PKG "Shelf.CountsEntry") ==
        &ehall__testing__routing__v1__shelf__counts_entry__descriptor);
  CHECK(s->find_message(s->ctx, "google.rpc.BadRequest") == &google__rpc__bad_request__descriptor);
  CHECK(s->find_message(s->ctx, "google.rpc.BadRequest.FieldViolation") ==
        &google__rpc__bad_request__field_violation__descriptor);
  CHECK(s->find_message(s->ctx, "google.rpc.ErrorInfo") == &google__rpc__error_info__descriptor);
  CHECK(s->find_message(s->ctx, "google.rpc.Help") == &google__rpc__help__descriptor);
  CHECK(s->find_message(s->ctx, "google.protobuf.Timestamp") ==
        &google__protobuf__timestamp__descriptor);
  CHECK(s->find_message(s->ctx, "google.protobuf.Any") == &google__protobuf__any__descriptor);
  CHECK(s->find_message(s->ctx, "google.protobuf.Int64Value") != NULL);
  CHECK(s->find_message(s->ctx, "google.protobuf.ListValue") != NULL);
  CHECK(s->find_message(s->ctx, "nope.Nope") == NULL);
  CHECK(s->find_message(s->ctx, "Shelf") == NULL);
  routes_destroy(r);
}

static cJSON *get(cJSON *o, const char *path) {
  /* "a/b/c": nested objects; a segment "#n" indexes an array. */
  char buf[256];
  snprintf(buf, sizeof(buf), "%s", path);
  for (char *save = NULL, *p = strtok_r(buf, "|", &save); p && o; p = strtok_r(NULL, "|", &save))
    o = p[0] == '#' ? cJSON_GetArrayItem(o, atoi(p + 1)) : cJSON_GetObjectItemCaseSensitive(o, p);
  return o;
}

static const char *get_str(cJSON *o, const char *path) {
  cJSON *v = get(o, path);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static cJSON *param(cJSON *op, const char *name) {
  cJSON *p;
  cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(op, "parameters")) {
    if (strcmp(get_str(p, "name") ? get_str(p, "name") : "", name) == 0)
      return p;
  }
  return NULL;
}

static void test_routes_openapi(void) {
  routes_t *r = library_routes();
  CHECK(r != NULL);
  if (r == NULL)
    return;
  arena_t *a = arena_create(0);
  size_t len = 0;
  char *json = routes_openapi_json(r, a, "ehall test", "1.2.3", &len);
  CHECK(json != NULL && len == strlen(json));
  cJSON *doc = cJSON_ParseWithLength(json, len);
  CHECK(doc != NULL);
  if (doc == NULL) {
    arena_destroy(a);
    routes_destroy(r);
    return;
  }
  CHECK_STR(get_str(doc, "openapi"), "3.0.3");
  CHECK_STR(get_str(doc, "info|title"), "ehall test");
  CHECK_STR(get_str(doc, "info|version"), "1.2.3");
  CHECK_STR(get_str(doc, "tags|#0|name"), "Library");
  CHECK_STR(get_str(doc, "tags|#0|description"), "Library keeps shelves of books.");

  cJSON *paths = get(doc, "paths");
  cJSON *getshelf = get(paths, "/v1/shelves/{id}|get");
  CHECK(getshelf != NULL);
  CHECK(get(paths, "/v1/shelves/{id}|delete") != NULL);
  CHECK(get(paths, "/v1/shelves/{shelf.id}|patch") != NULL);
  CHECK(get(paths, "/v1/shelves/featured|get") != NULL);
  CHECK(get(paths, "/v1/shelves|post") != NULL);
  CHECK(get(paths, "/v1/libraries/{library}/shelves|post") != NULL);
  CHECK(get(paths, "/v1/{name}|get") != NULL);
  CHECK(get(paths, "/v1/{parent.name}/books|get") != NULL);
  CHECK(get(paths, "/v1/files/{path}|get") != NULL);
  CHECK(get(paths, "/v1/operations/{id}:cancel|post") != NULL);
  CHECK(get(paths, "/v1/books|search") != NULL);
  CHECK_INT(cJSON_GetArraySize(paths), 11);

  CHECK_STR(get_str(getshelf, "operationId"), "Library_GetShelf");
  CHECK_STR(get_str(getshelf, "summary"), "Gets one shelf by its id.");
  CHECK_STR(get_str(getshelf, "description"),
            "Gets one shelf by its id.\nSecond line of the description.");
  cJSON *id = param(getshelf, "id");
  CHECK_STR(get_str(id, "in"), "path");
  CHECK(cJSON_IsTrue(get(id, "required")));
  CHECK_STR(get_str(id, "schema|type"), "string");
  CHECK_STR(get_str(id, "schema|format"), "int64");
  CHECK_INT(cJSON_GetArraySize(get(getshelf, "parameters")), 1);
  CHECK_STR(get_str(getshelf, "responses|200|content|application/json|schema|$ref"),
            "#/components/schemas/" PKG "Shelf");
  CHECK_STR(get_str(getshelf, "responses|default|content|application/json|schema|$ref"),
            "#/components/schemas/google.rpc.Status");
  CHECK(get(getshelf, "requestBody") == NULL);
  CHECK_STR(get_str(paths, "/v1/shelves/featured|get|operationId"), "Library_GetFeaturedShelf");

  CHECK_STR(get_str(param(get(paths, "/v1/shelves/{id}|delete"), "force"), "in"), "query");
  CHECK_STR(get_str(param(get(paths, "/v1/shelves/{id}|delete"), "force"), "schema|type"),
            "boolean");

  cJSON *book = get(paths, "/v1/{name}|get");
  CHECK_STR(get_str(param(book, "name"), "schema|pattern"), "^shelves/[^/]+/books/[^/]+$");
  CHECK_STR(get_str(param(book, "name"), "description"), "\"shelves/{shelf}/books/{book}\".");

  cJSON *list = get(paths, "/v1/{parent.name}/books|get");
  CHECK_STR(get_str(param(list, "parent.name"), "in"), "path");
  CHECK(param(list, "parent") == NULL);
  CHECK_STR(get_str(param(list, "pageSize"), "in"), "query");
  CHECK_STR(get_str(param(list, "pageSize"), "schema|type"), "integer");
  CHECK_STR(get_str(param(list, "pageToken"), "schema|type"), "string");
  CHECK_STR(get_str(param(list, "tags"), "schema|type"), "array");
  CHECK_STR(get_str(param(list, "tags"), "schema|items|type"), "string");
  CHECK_STR(get_str(param(list, "genre"), "schema|$ref"), "#/components/schemas/" PKG "Genre");
  CHECK_STR(get_str(param(list, "sinceId"), "schema|format"), "int64");
  CHECK_STR(get_str(param(list, "since"), "schema|format"), "date-time");
  CHECK_INT(cJSON_GetArraySize(get(list, "parameters")), 7);

  cJSON *create = get(paths, "/v1/shelves|post");
  CHECK_STR(get_str(create, "requestBody|content|application/json|schema|$ref"),
            "#/components/schemas/" PKG "CreateShelfRequest");
  CHECK(get(create, "parameters") == NULL); /* body "*": nothing in the query */
  cJSON *bind = get(paths, "/v1/libraries/{library}/shelves|post");
  CHECK_STR(get_str(bind, "operationId"), "Library_CreateShelf_2");
  CHECK_STR(get_str(bind, "requestBody|content|application/json|schema|$ref"),
            "#/components/schemas/" PKG "Shelf");
  CHECK_STR(get_str(param(bind, "library"), "in"), "path");
  CHECK_INT(cJSON_GetArraySize(get(bind, "parameters")), 1);
  CHECK_STR(get_str(paths, "/v1/operations/{id}|get|responses|200|content|application/json|"
                           "schema|type"),
            "string"); /* response_body: "title" */
  CHECK_STR(get_str(paths, "/v1/files/{path}|get|responses|200|content|application/json|"
                           "schema|type"),
            "object"); /* Struct */

  cJSON *schemas = get(doc, "components|schemas");
  cJSON *shelf = get(schemas, PKG "Shelf");
  CHECK(shelf != NULL);
  CHECK_STR(get_str(shelf, "description"), "A shelf holds books.");
  CHECK_STR(get_str(shelf, "properties|id|type"), "string");
  CHECK_STR(get_str(shelf, "properties|id|format"), "int64");
  CHECK_STR(get_str(shelf, "properties|id|description"), "The shelf's id, unique in the library.");
  CHECK_STR(get_str(shelf, "properties|title|type"), "string");
  CHECK(get(shelf, "properties|displayName") == NULL);
  CHECK_STR(get_str(shelf, "properties|genre|$ref"), "#/components/schemas/" PKG "Genre");
  CHECK_STR(get_str(shelf, "properties|counts|type"), "object");
  CHECK_STR(get_str(shelf, "properties|counts|additionalProperties|type"), "integer");
  CHECK_STR(get_str(shelf, "properties|tags|items|type"), "string");
  CHECK_STR(get_str(shelf, "properties|createTime|format"), "date-time");
  CHECK_STR(get_str(shelf, "properties|extra|type"), "object");
  CHECK_STR(get_str(shelf, "properties|books|items|$ref"), "#/components/schemas/" PKG "Book");
  CHECK_STR(get_str(schemas, PKG "Book|properties|pageCount|format"), "uint64");
  CHECK_STR(get_str(schemas, PKG "Genre|type"), "string");
  CHECK_STR(get_str(schemas, PKG "Genre|enum|#1"), "GENRE_FICTION");
  CHECK(get(schemas, PKG "Shelf.CountsEntry") == NULL); /* maps are inline */
  CHECK(get(schemas, PKG "CreateShelfRequest") != NULL);
  CHECK_STR(get_str(schemas, "google.rpc.Status|properties|code|type"), "integer");
  CHECK_STR(get_str(schemas, "google.rpc.Status|properties|message|type"), "string");
  CHECK_STR(get_str(schemas, "google.rpc.Status|properties|details|type"), "array");
  cJSON_Delete(doc);
  arena_destroy(a);
  routes_destroy(r);
}

static void test_routes_real_descriptors(void) {
  /* The gateway's own list: every annotated method of proto/ehall must have its service linked. */
  eh_err_t err = EH_ERR_INIT;
  routes_t *r = routes_create(ehall_descriptor_set, ehall_descriptor_set_len, gateway_services,
                              gateway_services_count, &err);
  CHECK(r != NULL);
  if (r == NULL) {
    fprintf(stderr, "  %s\n", err.message_en);
    return;
  }
  arena_t *a = arena_create(0);
  got_t g = match(r, a, "GET", "/api/v1/system/info");
  CHECK_INT(g.res, ROUTE_FOUND);
  CHECK_STR(g.m.route ? g.m.route->grpc_path : NULL, "/ehall.system.v1.System/GetInfo");
  CHECK(g.m.route && g.m.route->output == &ehall__system__v1__system_info__descriptor);
  g = match(r, a, "POST", "/api/v1/system/info");
  CHECK_INT(g.res, ROUTE_METHOD_NOT_ALLOWED);
  CHECK_STR(g.allow, "GET, HEAD");

  const transcode_schema_t *s = routes_schema(r);
  const ProtobufCMessageDescriptor *info = &ehall__system__v1__system_info__descriptor;
  CHECK_STR(
      s->json_name(s->ctx, info, protobuf_c_message_descriptor_get_field_by_name(info, "name_en")),
      "nameEn");
  CHECK(s->find_message(s->ctx, "ehall.system.v1.Dependency") ==
        &ehall__system__v1__dependency__descriptor);

  size_t len;
  char *json = routes_openapi_json(r, a, "ehall", "dev", &len);
  cJSON *doc = cJSON_Parse(json);
  CHECK(doc != NULL);
  cJSON *op = get(doc, "paths|/api/v1/system/info|get");
  CHECK(op != NULL);
  CHECK(get_str(op, "description") && strstr(get_str(op, "description"), "PostgreSQL"));
  CHECK_STR(get_str(doc, "components|schemas|ehall.system.v1.SystemInfo|properties|"
                         "schemaVersion|type"),
            "string");
  cJSON_Delete(doc);
  arena_destroy(a);
  routes_destroy(r);
}

int main(void) {
  RUN(test_routes_built);
  RUN(test_routes_match_kinds);
  RUN(test_routes_match_not_found_and_not_allowed);
  RUN(test_routes_match_decoding);
  RUN(test_routes_rejects);
  RUN(test_routes_schema);
  RUN(test_routes_openapi);
  RUN(test_routes_real_descriptors);
  return test_done();
}
