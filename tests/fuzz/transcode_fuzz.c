/*
 * transcode_fuzz.c — libFuzzer target: arbitrary bytes as a JSON body for the Kitchen message
 * (every kind of field). A parsed message must print, and its printout must parse again.
 *
 * Build with clang only (tagged manual): CC=clang bazel build //tests/fuzz:transcode_fuzz.
 * Must never keep state between inputs: each one gets its own arena.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/transcode.h"
#include "google/protobuf/duration.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "testdata/kitchen.pb-c.h"

static const ProtobufCMessageDescriptor *fuzz_find_message(const void *ctx, const char *name) {
  static const ProtobufCMessageDescriptor *known[] = {
      &ehall__testing__v1__kitchen__descriptor, &ehall__testing__v1__item__descriptor,
      &google__protobuf__duration__descriptor, &google__protobuf__empty__descriptor};
  (void)ctx;
  for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
    if (strcmp(known[i]->name, name) == 0)
      return known[i];
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const transcode_schema_t schema = {.find_message = fuzz_find_message};
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  ProtobufCMessage *m = transcode_json_to_pb(a, &schema, &ehall__testing__v1__kitchen__descriptor,
                                             (const char *)data, size, &err);
  if (m != NULL) {
    size_t len;
    char *json = transcode_pb_to_json(a, &schema, m, &len, &err);
    /* Whatever parsed must print, and the printout must parse again. */
    if (json == NULL)
      abort();
    eh_err_clear(&err);
    if (transcode_json_to_pb(a, &schema, &ehall__testing__v1__kitchen__descriptor, json, len,
                             &err) == NULL)
      abort();
  }
  arena_destroy(a);
  return 0;
}
