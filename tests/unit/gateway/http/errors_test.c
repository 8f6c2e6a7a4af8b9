/*
 * errors_test.c — the gateway's error rules: eh_err_t → google.rpc.Status (details and
 * language), Retry-After from a hand-built Status's RetryInfo, h2o's own refusals.
 */
#include "gateway/http/errors.h"

#include <string.h>

#include "google/protobuf/duration.pb-c.h"
#include "google/rpc/error_details.pb-c.h"
#include "tests/unit/test.h"

static Google__Protobuf__Any *any_of(arena_t *a, const char *type_url, const ProtobufCMessage *m) {
  Google__Protobuf__Any *any = arena_alloc(a, sizeof(*any));
  google__protobuf__any__init(any);
  any->type_url = (char *)type_url;
  any->value.len = protobuf_c_message_get_packed_size(m);
  any->value.data = arena_alloc(a, any->value.len + 1);
  protobuf_c_message_pack(m, any->value.data);
  return any;
}

/* A Status as the core sends for RESOURCE_EXHAUSTED: LocalizedMessage first, then RetryInfo. */
static Google__Rpc__Status *status_with_retry(arena_t *a, const char *type_url, int64_t secs,
                                              int32_t nanos) {
  Google__Rpc__Status *st = arena_alloc(a, sizeof(*st));
  google__rpc__status__init(st);
  st->code = 8;
  st->message = "请求过于频繁";
  st->details = arena_alloc(a, 2 * sizeof(*st->details));
  Google__Rpc__LocalizedMessage lm;
  google__rpc__localized_message__init(&lm);
  lm.locale = "en";
  lm.message = "too many requests";
  st->details[st->n_details++] = any_of(a, "type.googleapis.com/google.rpc.LocalizedMessage", &lm.base);
  Google__Protobuf__Duration d;
  google__protobuf__duration__init(&d);
  d.seconds = secs;
  d.nanos = nanos;
  Google__Rpc__RetryInfo ri;
  google__rpc__retry_info__init(&ri);
  ri.retry_delay = &d;
  st->details[st->n_details++] = any_of(a, type_url, &ri.base);
  return st;
}

static void test_retry_after(void) {
  arena_t *a = arena_create(0);
  const char *url = "type.googleapis.com/google.rpc.RetryInfo";
  CHECK_INT(http_error_retry_after_s(status_with_retry(a, url, 30, 0)), 30);
  CHECK_INT(http_error_retry_after_s(status_with_retry(a, url, 1, 500000000)), 2); /* rounded up */
  CHECK_INT(http_error_retry_after_s(status_with_retry(a, url, 0, 1)), 1);
  CHECK_INT(http_error_retry_after_s(status_with_retry(a, url, 0, 0)), 0);
  CHECK_INT(http_error_retry_after_s(status_with_retry(a, url, -5, 0)), -1);
  /* Any's host part is free; only the message name counts. */
  CHECK_INT(http_error_retry_after_s(status_with_retry(a, "example.com/x/google.rpc.RetryInfo", 7, 0)), 7);
  CHECK_INT(http_error_retry_after_s(status_with_retry(a, url, 7, 0)), 7);
  /* Not a RetryInfo: no header. */
  CHECK_INT(http_error_retry_after_s(status_with_retry(a, "type.googleapis.com/google.rpc.Help", 7, 0)), -1);
  /* Undecodable RetryInfo bytes: no header, no crash. */
  Google__Rpc__Status *st = status_with_retry(a, url, 7, 0);
  static uint8_t junk[] = {0x0a, 0x7f, 0x01};
  st->details[1]->value.data = junk;
  st->details[1]->value.len = sizeof(junk);
  CHECK_INT(http_error_retry_after_s(st), -1);
  Google__Rpc__Status none;
  google__rpc__status__init(&none);
  CHECK_INT(http_error_retry_after_s(&none), -1);
  arena_destroy(a);
}

static const Google__Protobuf__Any *find_detail(const Google__Rpc__Status *st, const char *name) {
  for (size_t i = 0; i < st->n_details; i++)
    if (strstr(st->details[i]->type_url, name) != NULL)
      return st->details[i];
  return NULL;
}

static void test_status_from_err(void) {
  arena_t *a = arena_create(0);
  eh_err_t e = EH_ERR_INIT;
  eh_err_set(&e, EH_INVALID, NULL, "参数无效", "invalid argument");
  eh_err_add_field(&e, "title", "不能为空", "must not be empty");
  Google__Rpc__Status *st = http_error_status(a, 3, &e, false);
  CHECK_INT(st->code, 3);
  CHECK_STR(st->message, "参数无效");
  CHECK_INT(st->n_details, 2);
  const Google__Protobuf__Any *br = find_detail(st, "google.rpc.BadRequest");
  CHECK(br != NULL);
  if (br != NULL) {
    Google__Rpc__BadRequest *m = google__rpc__bad_request__unpack(NULL, br->value.len, br->value.data);
    CHECK(m != NULL && m->n_field_violations == 1);
    if (m != NULL && m->n_field_violations == 1) {
      CHECK_STR(m->field_violations[0]->field, "title");
      CHECK_STR(m->field_violations[0]->description, "不能为空");
    }
    google__rpc__bad_request__free_unpacked(m, NULL);
  }
  CHECK(find_detail(st, "google.rpc.LocalizedMessage") != NULL);
  CHECK(find_detail(st, "google.rpc.RetryInfo") == NULL);
  CHECK_INT(http_error_retry_after_s(st), -1);

  /* English, and a retry delay that comes back as Retry-After (1.2 s → 2). */
  eh_err_t r = EH_ERR_INIT;
  eh_err_set(&r, EH_RESOURCE_EXHAUSTED, NULL, "请求过于频繁", "too many requests");
  r.retry_after_ms = 1200;
  st = http_error_status(a, 8, &r, true);
  CHECK_STR(st->message, "too many requests");
  CHECK(find_detail(st, "google.rpc.RetryInfo") != NULL);
  CHECK_INT(http_error_retry_after_s(st), 2);
  arena_destroy(a);
}

static void test_h2o_refusals(void) {
  eh_err_t e = EH_ERR_INIT;
  CHECK_INT(http_error_from_h2o(413, 1048576, &e), 8);
  CHECK_STR(e.message, "请求体过大（上限 1 MiB）");
  CHECK_STR(e.message_en, "the request body is too large (limit 1 MiB)");
  eh_err_clear(&e);
  CHECK_INT(http_error_from_h2o(408, 1, &e), 4);
  eh_err_clear(&e);
  CHECK_INT(http_error_from_h2o(400, 1, &e), 3);
  eh_err_clear(&e);
  CHECK_INT(http_error_from_h2o(417, 1, &e), 3);
  eh_err_clear(&e);
  CHECK_INT(http_error_from_h2o(502, 1, &e), 13);
  char b[32];
  http_error_size_text(1048576, b, sizeof(b));
  CHECK_STR(b, "1 MiB");
  http_error_size_text(3u << 20, b, sizeof(b));
  CHECK_STR(b, "3 MiB");
  http_error_size_text(16384, b, sizeof(b));
  CHECK_STR(b, "16 KiB");
  http_error_size_text(1000, b, sizeof(b));
  CHECK_STR(b, "1000 B");
  http_error_size_text(1048577, b, sizeof(b));
  CHECK_STR(b, "1048577 B");
}

int main(void) {
  RUN(test_retry_after);
  RUN(test_status_from_err);
  RUN(test_h2o_refusals);
  return test_done();
}
