/* errors_test.c — eh_err_t → gRPC code, message by language, google.rpc.Status details. */
#include <string.h>

#include "core/rpc/errors.h"
#include "google/protobuf/any.pb-c.h"
#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "tests/unit/test.h"

static void test_invalid_with_fields(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  eh_err_set(&err, EH_INVALID, "phone", "手机号格式不正确", "phone number is malformed");
  eh_err_add_field(&err, "name", "请填写姓名", "name is required");
  eh_err_detail(&err, "secret log detail");
  rpc_error_reply_t r;
  rpc_error_reply_build(a, &err, "zh-CN", &r);
  CHECK_INT(r.grpc_code, 3);
  CHECK_STR(r.message, "手机号格式不正确");
  Google__Rpc__Status *st = google__rpc__status__unpack(NULL, r.details_len, r.details);
  CHECK(st != NULL);
  if (st) {
    CHECK_INT(st->code, 3);
    CHECK_STR(st->message, "手机号格式不正确");
    CHECK_INT(st->n_details, 2);
    CHECK_STR(st->details[0]->type_url, "type.googleapis.com/google.rpc.BadRequest");
    Google__Rpc__BadRequest *br = google__rpc__bad_request__unpack(
        NULL, st->details[0]->value.len, st->details[0]->value.data);
    CHECK(br && br->n_field_violations == 2);
    if (br && br->n_field_violations == 2) {
      CHECK_STR(br->field_violations[0]->field, "phone");
      CHECK_STR(br->field_violations[0]->description, "手机号格式不正确");
      CHECK_STR(br->field_violations[1]->field, "name");
    }
    google__rpc__bad_request__free_unpacked(br, NULL);
    CHECK_STR(st->details[1]->type_url, "type.googleapis.com/google.rpc.LocalizedMessage");
    Google__Rpc__LocalizedMessage *lm = google__rpc__localized_message__unpack(
        NULL, st->details[1]->value.len, st->details[1]->value.data);
    CHECK(lm != NULL);
    if (lm) {
      CHECK_STR(lm->locale, "en");
      CHECK_STR(lm->message, "phone number is malformed");
    }
    google__rpc__localized_message__free_unpacked(lm, NULL);
    google__rpc__status__free_unpacked(st, NULL);
  }
  /* The log-only detail never reaches the client. */
  CHECK(memmem(r.details, r.details_len, "secret log detail", 17) == NULL);
  arena_destroy(a);
}

static void test_english_and_codes(void) {
  arena_t *a = arena_create(0);
  static const struct {
    eh_status_t code;
    int grpc;
  } cases[] = {{EH_NOT_FOUND, 5},        {EH_ALREADY_EXISTS, 6}, {EH_CONFLICT, 10},
               {EH_PERMISSION_DENIED, 7}, {EH_UNAUTHENTICATED, 16}, {EH_RESOURCE_EXHAUSTED, 8},
               {EH_UNAVAILABLE, 14},     {EH_DEADLINE, 4},       {EH_INTERNAL, 13},
               {EH_UNIMPLEMENTED, 12},   {EH_FAILED_PRECONDITION, 9}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    eh_err_t err = EH_ERR_INIT;
    eh_err_set(&err, cases[i].code, NULL, "中文", "english");
    rpc_error_reply_t r;
    rpc_error_reply_build(a, &err, "en", &r);
    CHECK_INT(r.grpc_code, cases[i].grpc);
    CHECK_STR(r.message, "english");
    Google__Rpc__Status *st = google__rpc__status__unpack(NULL, r.details_len, r.details);
    CHECK(st && st->n_details == 1 && st->code == cases[i].grpc);
    google__rpc__status__free_unpacked(st, NULL);
  }
  /* An error without a message still says something. */
  eh_err_t empty = EH_ERR_INIT;
  empty.code = EH_INTERNAL;
  rpc_error_reply_t r;
  rpc_error_reply_build(a, &empty, "zh-CN", &r);
  CHECK_INT(r.grpc_code, 13);
  CHECK(r.message[0] != '\0');
  arena_destroy(a);
}

int main(void) {
  RUN(test_invalid_with_fields);
  RUN(test_english_and_codes);
  return test_done();
}
