/* reflection_test.c — answers of server reflection from the real embedded descriptor set. */
#include <stdbool.h>
#include <string.h>

#include "core/rpc/reflection.h"
#include "google/protobuf/descriptor.pb-c.h"
#include "tests/unit/test.h"

extern const unsigned char ehall_descriptor_set[];
extern const size_t ehall_descriptor_set_len;

static const char *const services[] = {"ehall.system.v1.System", "grpc.health.v1.Health"};

static Grpc__Reflection__V1__ServerReflectionResponse *ask_symbol(arena_t *a, rpc_reflection_t *r,
                                                                  const char *sym) {
  Grpc__Reflection__V1__ServerReflectionRequest req =
      GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__INIT;
  req.message_request_case =
      GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL;
  req.file_containing_symbol = (char *)sym;
  return rpc_reflection_answer(a, r, &req);
}

static char *first_file_name(arena_t *a, Grpc__Reflection__V1__ServerReflectionResponse *resp) {
  if (resp->message_response_case !=
          GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE ||
      resp->file_descriptor_response->n_file_descriptor_proto == 0)
    return NULL;
  ProtobufCBinaryData *b = &resp->file_descriptor_response->file_descriptor_proto[0];
  Google__Protobuf__FileDescriptorProto *fd =
      google__protobuf__file_descriptor_proto__unpack(NULL, b->len, b->data);
  char *name = fd ? arena_strdup(a, fd->name) : NULL;
  google__protobuf__file_descriptor_proto__free_unpacked(fd, NULL);
  return name;
}

static void test_symbols(void) {
  rpc_reflection_t *r =
      rpc_reflection_create(ehall_descriptor_set, ehall_descriptor_set_len, services, 2);
  CHECK(r != NULL);
  if (!r)
    return;
  arena_t *a = arena_create(0);
  const char *sys = "ehall/system/v1/system.proto";
  CHECK_STR(first_file_name(a, ask_symbol(a, r, "ehall.system.v1.System")), sys);
  CHECK_STR(first_file_name(a, ask_symbol(a, r, "ehall.system.v1.System.GetInfo")), sys);
  CHECK_STR(first_file_name(a, ask_symbol(a, r, "ehall.system.v1.SystemInfo")), sys);
  CHECK_STR(first_file_name(a, ask_symbol(a, r, "ehall.system.v1.Dependency.healthy")), sys);
  CHECK_STR(first_file_name(a, ask_symbol(a, r, "grpc.health.v1.HealthCheckResponse.ServingStatus")),
            "grpc/health/v1/health.proto");
  CHECK_STR(first_file_name(a, ask_symbol(a, r, "grpc.health.v1.HealthCheckResponse.SERVING")),
            "grpc/health/v1/health.proto");
  CHECK_STR(first_file_name(a, ask_symbol(a, r, "google.protobuf.Timestamp")),
            "google/protobuf/timestamp.proto");

  /* The file comes with its transitive dependencies, each once. */
  Grpc__Reflection__V1__ServerReflectionResponse *resp = ask_symbol(a, r, "ehall.system.v1.System");
  size_t n = resp->file_descriptor_response->n_file_descriptor_proto;
  CHECK(n >= 5); /* system, annotations, http, descriptor, timestamp */
  bool has_descriptor = false;
  for (size_t i = 0; i < n; i++) {
    ProtobufCBinaryData *b = &resp->file_descriptor_response->file_descriptor_proto[i];
    Google__Protobuf__FileDescriptorProto *fd =
        google__protobuf__file_descriptor_proto__unpack(NULL, b->len, b->data);
    CHECK(fd != NULL);
    if (fd && strcmp(fd->name, "google/protobuf/descriptor.proto") == 0)
      has_descriptor = true;
    google__protobuf__file_descriptor_proto__free_unpacked(fd, NULL);
  }
  CHECK(has_descriptor);

  resp = ask_symbol(a, r, "ehall.system.v1.Nope");
  CHECK_INT(resp->message_response_case,
            GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE);
  CHECK_INT(resp->error_response->error_code, 5);
  arena_destroy(a);
  rpc_reflection_destroy(r);
}

static void test_list_and_files(void) {
  rpc_reflection_t *r =
      rpc_reflection_create(ehall_descriptor_set, ehall_descriptor_set_len, services, 2);
  arena_t *a = arena_create(0);
  Grpc__Reflection__V1__ServerReflectionRequest req =
      GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__INIT;
  req.message_request_case =
      GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES;
  req.list_services = "";
  Grpc__Reflection__V1__ServerReflectionResponse *resp = rpc_reflection_answer(a, r, &req);
  CHECK_INT(resp->list_services_response->n_service, 2);
  CHECK_STR(resp->list_services_response->service[0]->name, "ehall.system.v1.System");

  req.message_request_case =
      GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME;
  req.file_by_filename = "grpc/health/v1/health.proto";
  CHECK_STR(first_file_name(a, rpc_reflection_answer(a, r, &req)), "grpc/health/v1/health.proto");
  req.file_by_filename = "missing.proto";
  CHECK_INT(rpc_reflection_answer(a, r, &req)->error_response->error_code, 5);

  Grpc__Reflection__V1__ExtensionRequest ext = GRPC__REFLECTION__V1__EXTENSION_REQUEST__INIT;
  ext.containing_type = "google.protobuf.MethodOptions";
  ext.extension_number = 72295728;
  req.message_request_case =
      GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_EXTENSION;
  req.file_containing_extension = &ext;
  CHECK_INT(rpc_reflection_answer(a, r, &req)->error_response->error_code, 5);

  /* A broken set is refused, not half-indexed. */
  static const uint8_t broken[] = {0x0a, 0x7f, 0x01};
  CHECK(rpc_reflection_create(broken, sizeof(broken), services, 2) == NULL);
  arena_destroy(a);
  rpc_reflection_destroy(r);
}

int main(void) {
  RUN(test_symbols);
  RUN(test_list_and_files);
  return test_done();
}
