/*
 * util_test.c — the gateway's pure HTTP rules: status mapping, request ids, query strings,
 * Content-Length, static path safety, content types.
 */
#include "gateway/http/util.h"

#include "tests/unit/test.h"

static void test_status_mapping(void) {
  CHECK_INT(http_status_from_grpc(0), 200);
  CHECK_INT(http_status_from_grpc(3), 400);  /* INVALID_ARGUMENT */
  CHECK_INT(http_status_from_grpc(9), 400);  /* FAILED_PRECONDITION */
  CHECK_INT(http_status_from_grpc(11), 400); /* OUT_OF_RANGE */
  CHECK_INT(http_status_from_grpc(16), 401);
  CHECK_INT(http_status_from_grpc(7), 403);
  CHECK_INT(http_status_from_grpc(5), 404);
  CHECK_INT(http_status_from_grpc(6), 409);
  CHECK_INT(http_status_from_grpc(10), 409);
  CHECK_INT(http_status_from_grpc(8), 429);
  CHECK_INT(http_status_from_grpc(1), 499);
  CHECK_INT(http_status_from_grpc(12), 501);
  CHECK_INT(http_status_from_grpc(14), 503);
  CHECK_INT(http_status_from_grpc(4), 504);
  CHECK_INT(http_status_from_grpc(13), 500);
  CHECK_INT(http_status_from_grpc(2), 500);
  CHECK_INT(http_status_from_grpc(15), 500);
  CHECK_INT(http_status_from_grpc(99), 500);
}

static void test_request_id(void) {
  CHECK(http_request_id_valid("abc-DEF_1.2", 11));
  CHECK(!http_request_id_valid("", 0));
  CHECK(!http_request_id_valid("a b", 3));
  CHECK(!http_request_id_valid("a\nb", 3));
  CHECK(!http_request_id_valid("a/b", 3));
  char long65[66];
  memset(long65, 'a', 65);
  long65[65] = '\0';
  CHECK(http_request_id_valid(long65, 64));
  CHECK(!http_request_id_valid(long65, 65));
  char a[33], b[33];
  http_request_id_generate(a);
  http_request_id_generate(b);
  CHECK_INT(strlen(a), 32);
  CHECK(http_request_id_valid(a, strlen(a)));
  CHECK(strcmp(a, b) != 0);
}

static void test_query(void) {
  arena_t *ar = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  http_param_t *ps;
  const char *q = "a.b=1&x=1&x=2&&name=%E5%BC%A0+%E4%B8%89&flag&=skip";
  int n = http_query_parse(ar, q, strlen(q), &ps, &err);
  CHECK_INT(n, 5);
  if (n == 5) {
    CHECK_STR(ps[0].key, "a.b");
    CHECK_STR(ps[0].value, "1");
    CHECK_STR(ps[1].key, "x");
    CHECK_STR(ps[2].value, "2");
    CHECK_STR(ps[3].key, "name");
    CHECK_STR(ps[3].value, "张 三");
    CHECK_STR(ps[4].key, "flag");
    CHECK_STR(ps[4].value, "");
  }
  CHECK_INT(http_query_parse(ar, "a=%zz", 5, &ps, &err), -1);
  CHECK_INT(err.code, EH_INVALID);
  eh_err_clear(&err);
  CHECK_INT(http_query_parse(ar, "a=%0", 4, &ps, &err), -1);
  eh_err_clear(&err);
  CHECK_INT(http_query_parse(ar, "a=%00", 5, &ps, &err), -1);
  eh_err_clear(&err);
  CHECK_INT(http_query_parse(ar, "", 0, &ps, &err), 0);
  CHECK_STR(http_percent_decode(ar, "a+b%20c", 7, false), "a+b c");
  arena_destroy(ar);
}

static void test_content_length(void) {
  CHECK(http_content_length_ok(0, NULL, 0));
  CHECK(http_content_length_ok(1, "42", 2));
  CHECK(!http_content_length_ok(2, "42", 2));
  CHECK(!http_content_length_ok(1, "4 2", 3));
  CHECK(!http_content_length_ok(1, "42,42", 5));
  CHECK(!http_content_length_ok(1, "-1", 2));
  CHECK(!http_content_length_ok(1, "", 0));
  CHECK(!http_content_length_ok(1, "99999999999999999999", 20));
}

static void test_static_path(void) {
  arena_t *ar = arena_create(0);
#define SP(s) http_static_path(ar, s, strlen(s))
  CHECK_STR(SP("/"), "index.html");
  CHECK_STR(SP("/assets/app.1a2b.js"), "assets/app.1a2b.js");
  CHECK_STR(SP("/static/"), "static/index.html");
  CHECK_STR(SP("/a%20b.png"), "a b.png");
  CHECK(SP("/../etc/passwd") == NULL);
  CHECK(SP("/assets/../../etc/passwd") == NULL);
  CHECK(SP("/%2e%2e/etc/passwd") == NULL);
  CHECK(SP("/%2E%2E%2Fetc%2Fpasswd") == NULL);
  CHECK(SP("/a/./b") == NULL);
  CHECK(SP("/a\\..\\b") == NULL);
  CHECK(SP("/a%5c..%5cb") == NULL);
  CHECK(SP("/a%00.html") == NULL);
  CHECK(SP("//etc/passwd") == NULL);
  CHECK(SP("relative") == NULL);
  CHECK(SP("/..") == NULL);
  CHECK_STR(SP("/..foo"), "..foo"); /* a name that starts with dots is not a parent */
#undef SP
  CHECK_STR(http_content_type("index.html"), "text/html; charset=utf-8");
  CHECK_STR(http_content_type("assets/a.js"), "text/javascript; charset=utf-8");
  CHECK_STR(http_content_type("a.css"), "text/css; charset=utf-8");
  CHECK_STR(http_content_type("a.json"), "application/json; charset=utf-8");
  CHECK_STR(http_content_type("a.PNG"), "image/png");
  CHECK_STR(http_content_type("a.svg"), "image/svg+xml");
  CHECK_STR(http_content_type("favicon.ico"), "image/x-icon");
  CHECK_STR(http_content_type("f.woff2"), "font/woff2");
  CHECK_STR(http_content_type("a.js.map"), "application/json; charset=utf-8");
  CHECK_STR(http_content_type("dir.d/noext"), "application/octet-stream");
  CHECK(http_static_is_immutable("assets/app.js"));
  CHECK(!http_static_is_immutable("index.html"));
  arena_destroy(ar);
}

int main(void) {
  RUN(test_status_mapping);
  RUN(test_request_id);
  RUN(test_query);
  RUN(test_content_length);
  RUN(test_static_path);
  return test_done();
}
