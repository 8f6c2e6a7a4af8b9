/* guard_test.c — idempotency-key rules, retry messages, RetryInfo in error details and the
 * replay of a recorded google.rpc.Status (core/rpc/guard.c, core/rpc/errors.c). */
#include <string.h>

#include "core/rpc/errors.h"
#include "core/rpc/guard.h"
#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"
#include "tests/unit/test.h"

static void test_key_valid(void) {
  CHECK(rpc_idempotency_key_valid("a"));
  CHECK(rpc_idempotency_key_valid("550e8400-e29b-41d4-a716-446655440000"));
  CHECK(rpc_idempotency_key_valid("form_42.submit:1-A"));
  char k[130];
  memset(k, 'x', sizeof(k));
  k[128] = '\0';
  CHECK(rpc_idempotency_key_valid(k)); /* 128 */
  k[128] = 'x';
  k[129] = '\0';
  CHECK(!rpc_idempotency_key_valid(k)); /* 129 */
  CHECK(!rpc_idempotency_key_valid(""));
  CHECK(!rpc_idempotency_key_valid(NULL));
  CHECK(!rpc_idempotency_key_valid("a b"));
  CHECK(!rpc_idempotency_key_valid("a/b"));
  CHECK(!rpc_idempotency_key_valid("a+b"));
  CHECK(!rpc_idempotency_key_valid("键"));
  CHECK(!rpc_idempotency_key_valid("a\nb"));
}

static void test_final_or_transient(void) {
  CHECK(rpc_idempotency_final(EH_OK, false));
  CHECK(rpc_idempotency_final(EH_INVALID, false));
  CHECK(rpc_idempotency_final(EH_NOT_FOUND, false));
  CHECK(rpc_idempotency_final(EH_ALREADY_EXISTS, false));
  CHECK(rpc_idempotency_final(EH_CONFLICT, false));
  CHECK(rpc_idempotency_final(EH_FAILED_PRECONDITION, false));
  CHECK(rpc_idempotency_final(EH_PERMISSION_DENIED, false));
  CHECK(!rpc_idempotency_final(EH_CONFLICT, true)); /* serialization failure */
  CHECK(!rpc_idempotency_final(EH_UNAVAILABLE, false));
  CHECK(!rpc_idempotency_final(EH_DEADLINE, false));
  CHECK(!rpc_idempotency_final(EH_INTERNAL, false));
  CHECK(!rpc_idempotency_final(EH_RESOURCE_EXHAUSTED, false));
  CHECK(!rpc_idempotency_final(EH_UNAUTHENTICATED, false));
  CHECK(!rpc_idempotency_final(EH_UNIMPLEMENTED, false));
}

static void test_scope_and_seconds(void) {
  arena_t *a = arena_create(0);
  CHECK_STR(rpc_idempotency_scope(a, NULL, "10.1.2.3"), "anon:10.1.2.3");
  CHECK_STR(rpc_idempotency_scope(a, NULL, "::1"), "anon:::1");
  /* Signed-in callers own their keys whatever address they share (a campus NAT). */
  call_principal_t user = {.actor = CALL_USER, .account_id = 42};
  call_principal_t app = {.actor = CALL_APP, .app_client_id = "cli_abc"};
  call_principal_t anon = {.actor = CALL_ANONYMOUS};
  CHECK_STR(rpc_idempotency_scope(a, &user, "10.1.2.3"), "user:42");
  CHECK_STR(rpc_idempotency_scope(a, &app, "10.1.2.3"), "app:cli_abc");
  CHECK_STR(rpc_idempotency_scope(a, &anon, "10.1.2.3"), "anon:10.1.2.3");
  arena_destroy(a);
  CHECK_INT(rpc_retry_seconds(1), 1);
  CHECK_INT(rpc_retry_seconds(999), 1);
  CHECK_INT(rpc_retry_seconds(1000), 1);
  CHECK_INT(rpc_retry_seconds(1001), 2);
  CHECK_INT(rpc_retry_seconds(59999), 60);
}

static void test_retry_info_detail(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  eh_err_set(&err, EH_RESOURCE_EXHAUSTED, NULL, "请求过于频繁，请 %d 秒后再试",
             "too many requests, retry in %d s", 3);
  err.retry_after_ms = 2500;
  rpc_error_reply_t r;
  rpc_error_reply_build(a, &err, "en", &r);
  CHECK_INT(r.grpc_code, 8);
  CHECK_STR(r.message, "too many requests, retry in 3 s");
  Google__Rpc__Status *st = google__rpc__status__unpack(NULL, r.details_len, r.details);
  CHECK(st && st->n_details == 2);
  if (st && st->n_details == 2) {
    CHECK_STR(st->details[0]->type_url, "type.googleapis.com/google.rpc.RetryInfo");
    Google__Rpc__RetryInfo *ri = google__rpc__retry_info__unpack(NULL, st->details[0]->value.len,
                                                                 st->details[0]->value.data);
    CHECK(ri && ri->retry_delay);
    if (ri && ri->retry_delay) {
      CHECK_INT(ri->retry_delay->seconds, 2);
      CHECK_INT(ri->retry_delay->nanos, 500000000);
    }
    google__rpc__retry_info__free_unpacked(ri, NULL);
    CHECK_STR(st->details[1]->type_url, "type.googleapis.com/google.rpc.LocalizedMessage");
  }
  google__rpc__status__free_unpacked(st, NULL);

  /* No retry hint, no RetryInfo; eh_err_clear forgets it. */
  eh_err_clear(&err);
  CHECK_INT(err.retry_after_ms, 0);
  eh_err_set(&err, EH_RESOURCE_EXHAUSTED, NULL, "满", "full");
  rpc_error_reply_build(a, &err, "zh-CN", &r);
  st = google__rpc__status__unpack(NULL, r.details_len, r.details);
  CHECK(st && st->n_details == 1);
  google__rpc__status__free_unpacked(st, NULL);
  arena_destroy(a);
}

static void test_replay_from_status(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  eh_err_set(&err, EH_INVALID, "content", "内容太短", "content is too short");
  rpc_error_reply_t first, again;
  rpc_error_reply_build(a, &err, "zh-CN", &first);
  CHECK(rpc_error_reply_from_status(a, first.details, first.details_len, &again));
  CHECK_INT(again.grpc_code, first.grpc_code);
  CHECK_STR(again.message, "内容太短");
  CHECK_INT(again.details_len, first.details_len);
  CHECK(memcmp(again.details, first.details, first.details_len) == 0);
  /* Garbage or an OK status is not something to replay as an error. */
  const uint8_t junk[] = {0xff, 0xff, 0xff};
  CHECK(!rpc_error_reply_from_status(a, junk, sizeof(junk), &again));
  Google__Rpc__Status ok = GOOGLE__RPC__STATUS__INIT;
  uint8_t buf[16];
  size_t n = protobuf_c_message_pack(&ok.base, buf);
  CHECK(!rpc_error_reply_from_status(a, buf, n, &again));
  arena_destroy(a);
}

int main(void) {
  RUN(test_key_valid);
  RUN(test_final_or_transient);
  RUN(test_scope_and_seconds);
  RUN(test_retry_info_detail);
  RUN(test_replay_from_status);
  return test_done();
}
