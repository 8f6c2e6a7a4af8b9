/* meta_test.c — metadata → call_t: request ids, tokens, languages, trusted forwarding, peers. */
#include <string.h>

#include "core/rpc/meta.h"
#include "tests/unit/test.h"

#define KV(k, v) {k, sizeof(k) - 1, v, sizeof(v) - 1}

static call_t parse(arena_t *a, const rpc_kv_t *md, size_t n, const char *secret) {
  call_t c = {0};
  c.arena = a;
  rpc_meta_parse(&c, md, n, "ipv4:192.0.2.7:40000", secret);
  return c;
}

static void test_request_id(void) {
  CHECK(rpc_request_id_valid("abc-DEF_1.2", 11));
  CHECK(!rpc_request_id_valid("", 0));
  CHECK(!rpc_request_id_valid("has space", 9));
  CHECK(!rpc_request_id_valid("x\n", 2));
  char long65[65];
  memset(long65, 'a', sizeof(long65));
  CHECK(rpc_request_id_valid(long65, 64));
  CHECK(!rpc_request_id_valid(long65, 65));
  char a[17], b[17];
  rpc_request_id_generate(a);
  rpc_request_id_generate(b);
  CHECK_INT(strlen(a), 16);
  CHECK(strspn(a, "0123456789abcdef") == 16);
  CHECK(strcmp(a, b) != 0);
}

static void test_parse_defaults_and_values(void) {
  arena_t *a = arena_create(0);
  call_t c = parse(a, NULL, 0, NULL);
  CHECK_INT(strlen(c.request_id), 16); /* generated */
  CHECK(c.authorization == NULL);
  CHECK_STR(c.language, "zh-CN");
  CHECK_STR(c.client_ip, "192.0.2.7");
  CHECK(c.idempotency_key == NULL);

  rpc_kv_t md[] = {KV("authorization", "Bearer tok123"), KV("x-request-id", "req-1"),
                   KV("accept-language", "en-US,en;q=0.9"), KV("idempotency-key", "k-9")};
  c = parse(a, md, 4, NULL);
  CHECK_STR(c.authorization, "tok123");
  CHECK_STR(c.request_id, "req-1");
  CHECK_STR(c.language, "en");
  CHECK_STR(c.idempotency_key, "k-9");

  /* A key too long is kept (cut to 129 chars) so the gate refuses it instead of the call
   * running without its key. */
  char longkey[301];
  memset(longkey, 'k', 300);
  longkey[300] = '\0';
  rpc_kv_t lk[] = {KV("idempotency-key", longkey)};
  c = parse(a, lk, 1, NULL);
  CHECK(c.idempotency_key != NULL);
  CHECK_INT(c.idempotency_key ? strlen(c.idempotency_key) : 0, 129);

  rpc_kv_t bad[] = {KV("authorization", "Basic abc"), KV("x-request-id", "no spaces allowed"),
                    KV("accept-language", "english")};
  c = parse(a, bad, 3, NULL);
  CHECK(c.authorization == NULL);
  CHECK(strcmp(c.request_id, "no spaces allowed") != 0);
  CHECK_INT(strlen(c.request_id), 16);
  CHECK_STR(c.language, "zh-CN");
  arena_destroy(a);
}

static void test_languages(void) {
  CHECK_STR(rpc_language_pick("en", 2), "en");
  CHECK_STR(rpc_language_pick("EN-gb", 5), "en");
  CHECK_STR(rpc_language_pick("zh-CN,en;q=0.5", 14), "zh-CN");
  CHECK_STR(rpc_language_pick("", 0), "zh-CN");
  CHECK_STR(rpc_language_pick("eno", 3), "zh-CN");
}

static void test_forwarded_for_needs_the_secret(void) {
  arena_t *a = arena_create(0);
  rpc_kv_t good[] = {KV("x-forwarded-for", "203.0.113.9, 10.0.0.1"),
                     KV("x-ehall-gateway-secret", "s3cret")};
  rpc_kv_t wrong[] = {KV("x-forwarded-for", "203.0.113.9"), KV("x-ehall-gateway-secret", "s3creT")};
  rpc_kv_t none[] = {KV("x-forwarded-for", "203.0.113.9")};
  rpc_kv_t junk[] = {KV("x-forwarded-for", "<script>"), KV("x-ehall-gateway-secret", "s3cret")};
  CHECK_STR(parse(a, good, 2, "s3cret").client_ip, "203.0.113.9");
  CHECK_STR(parse(a, wrong, 2, "s3cret").client_ip, "192.0.2.7");
  CHECK_STR(parse(a, none, 1, "s3cret").client_ip, "192.0.2.7");
  CHECK_STR(parse(a, good, 2, "").client_ip, "192.0.2.7");  /* no secret configured */
  CHECK_STR(parse(a, good, 2, NULL).client_ip, "192.0.2.7");
  CHECK_STR(parse(a, junk, 2, "s3cret").client_ip, "192.0.2.7");
  arena_destroy(a);
}

/* Only the gateway's own calls for HTTP clients count as "via the gateway" (a web login then
 * keeps its token out of the body): the secret alone, or the marker alone, is not enough. */
static void test_via_gateway_needs_secret_and_marker(void) {
  arena_t *a = arena_create(0);
  rpc_kv_t both[] = {KV("x-ehall-gateway-secret", "s3cret"), KV("x-ehall-via", "http")};
  rpc_kv_t secret_only[] = {KV("x-ehall-gateway-secret", "s3cret")};
  rpc_kv_t marker_only[] = {KV("x-ehall-via", "http")};
  rpc_kv_t wrong[] = {KV("x-ehall-gateway-secret", "nope"), KV("x-ehall-via", "http")};
  CHECK(parse(a, both, 2, "s3cret").via_gateway);
  CHECK(!parse(a, secret_only, 1, "s3cret").via_gateway);
  CHECK(!parse(a, marker_only, 1, "s3cret").via_gateway);
  CHECK(!parse(a, wrong, 2, "s3cret").via_gateway);
  CHECK(!parse(a, both, 2, NULL).via_gateway);
  arena_destroy(a);
}

static void test_peer_and_loopback(void) {
  arena_t *a = arena_create(0);
  CHECK_STR(rpc_peer_address(a, "ipv4:127.0.0.1:5000"), "127.0.0.1");
  CHECK_STR(rpc_peer_address(a, "ipv6:[::1]:5000"), "::1");
  CHECK_STR(rpc_peer_address(a, "ipv6:%5B2001:db8::1%5D:443"), "2001:db8::1");
  CHECK_STR(rpc_peer_address(a, "unix:/tmp/s"), "unix:/tmp/s");
  arena_destroy(a);
  CHECK(rpc_address_is_loopback("127.0.0.1:50051"));
  CHECK(rpc_address_is_loopback("localhost:50051"));
  CHECK(rpc_address_is_loopback("[::1]:50051"));
  CHECK(rpc_address_is_loopback("unix:/run/ehall.sock"));
  CHECK(!rpc_address_is_loopback("0.0.0.0:50051"));
  CHECK(!rpc_address_is_loopback("[::]:50051"));
  CHECK(!rpc_address_is_loopback("10.1.2.3:50051"));
  CHECK(!rpc_address_is_loopback("127.evil.example:50051"));
}

int main(void) {
  RUN(test_request_id);
  RUN(test_parse_defaults_and_values);
  RUN(test_languages);
  RUN(test_forwarded_for_needs_the_secret);
  RUN(test_via_gateway_needs_secret_and_marker);
  RUN(test_peer_and_loopback);
  return test_done();
}
