/*
 * cookie_test.c — the web session cookie's pure rules: finding a cookie in a Cookie header,
 * which values may be forwarded, the Set-Cookie attributes a browser relies on (HttpOnly on the
 * session, none on the CSRF cookie, Max-Age=0 to clear), the CSRF comparison and safe methods.
 */
#include "gateway/http/cookie.h"

#include "tests/unit/test.h"

/* The value of `name` in `hdr` as a NUL-terminated copy in `buf`, or NULL if absent. */
static const char *find(const char *hdr, const char *name, char *buf, size_t cap) {
  const char *v = NULL;
  size_t n = 0;
  if (!http_cookie_find(hdr, strlen(hdr), name, &v, &n))
    return NULL;
  if (n >= cap)
    n = cap - 1;
  memcpy(buf, v, n);
  buf[n] = '\0';
  return buf;
}

static void test_find(void) {
  char b[128];
  CHECK_STR(find("ehall_session=abc", "ehall_session", b, sizeof b), "abc");
  CHECK_STR(find("a=1; ehall_session=tok-1; ehall_csrf=ff", "ehall_session", b, sizeof b), "tok-1");
  CHECK_STR(find("a=1; ehall_session=tok-1; ehall_csrf=ff", "ehall_csrf", b, sizeof b), "ff");
  CHECK_STR(find("a=1;ehall_csrf=ff  ;b=2", "ehall_csrf", b, sizeof b), "ff");
  CHECK_STR(find("\tehall_csrf = \"q1\" ", "ehall_csrf", b, sizeof b), "q1");
  /* A name that only ends or starts like ours is another cookie. */
  CHECK(find("xehall_session=evil; ehall_sessionx=evil", "ehall_session", b, sizeof b) == NULL);
  CHECK_STR(find("xehall_session=evil; ehall_session=good", "ehall_session", b, sizeof b), "good");
  /* The first of two wins (the browser sends the most specific path first). */
  CHECK_STR(find("ehall_session=first; ehall_session=second", "ehall_session", b, sizeof b),
            "first");
  /* '=' inside a value stays in it; a pair without '=' is skipped. */
  CHECK_STR(find("junk; ehall_session=a=b==", "ehall_session", b, sizeof b), "a=b==");
  CHECK_STR(find("ehall_session=", "ehall_session", b, sizeof b), "");
  CHECK(find("", "ehall_session", b, sizeof b) == NULL);
  CHECK(find(";;;", "ehall_session", b, sizeof b) == NULL);
  CHECK(find("ehall_session", "ehall_session", b, sizeof b) == NULL);
}

static void test_value_ok(void) {
  CHECK(http_cookie_value_ok("abcDEF012-_.~+/=", 16));
  CHECK(!http_cookie_value_ok("", 0));
  CHECK(!http_cookie_value_ok("a b", 3));
  CHECK(!http_cookie_value_ok("a;b", 3));
  CHECK(!http_cookie_value_ok("a,b", 3));
  CHECK(!http_cookie_value_ok("a\"b", 3));
  CHECK(!http_cookie_value_ok("a\\b", 3));
  CHECK(!http_cookie_value_ok("a\r\nSet-Cookie: x=1", 19));
  CHECK(!http_cookie_value_ok("\xe5\xbc\xa0", 3));
  char big[HTTP_COOKIE_VALUE_MAX + 2];
  memset(big, 'a', sizeof big);
  CHECK(http_cookie_value_ok(big, HTTP_COOKIE_VALUE_MAX));
  CHECK(!http_cookie_value_ok(big, HTTP_COOKIE_VALUE_MAX + 1));
}

static void test_max_age(void) {
  CHECK_INT(http_cookie_max_age_parse("43200"), 43200);
  CHECK_INT(http_cookie_max_age_parse("0"), 0);
  CHECK_INT(http_cookie_max_age_parse(NULL), -1);
  CHECK_INT(http_cookie_max_age_parse(""), -1);
  CHECK_INT(http_cookie_max_age_parse("-5"), -1);
  CHECK_INT(http_cookie_max_age_parse("12s"), -1);
  CHECK_INT(http_cookie_max_age_parse("315360000"), 315360000);
  CHECK_INT(http_cookie_max_age_parse("315360001"), -1);
  CHECK_INT(http_cookie_max_age_parse("99999999999999999999999"), -1);
}

static void test_format(void) {
  arena_t *a = arena_create(0);
  CHECK_STR(http_cookie_session_format(a, "tok", 43200, false),
            "ehall_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200");
  CHECK_STR(http_cookie_session_format(a, "tok", 60, true),
            "ehall_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure");
  CHECK_STR(http_cookie_session_format(a, "tok", -1, false),
            "ehall_session=tok; Path=/; HttpOnly; SameSite=Lax");
  /* Clearing: Max-Age=0 whatever the lifetime said. */
  CHECK_STR(http_cookie_session_format(a, "", 43200, false),
            "ehall_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
  CHECK_STR(http_cookie_session_format(a, "", -1, true),
            "ehall_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure");
  /* The CSRF cookie must stay readable by the page: no HttpOnly. */
  CHECK_STR(http_cookie_csrf_format(a, "ab12", 43200, false),
            "ehall_csrf=ab12; Path=/; SameSite=Strict; Max-Age=43200");
  CHECK_STR(http_cookie_csrf_format(a, "", 10, true),
            "ehall_csrf=; Path=/; SameSite=Strict; Max-Age=0; Secure");
  arena_destroy(a);
}

static void test_csrf(void) {
  char t1[HTTP_CSRF_TOKEN_LEN + 1], t2[HTTP_CSRF_TOKEN_LEN + 1];
  http_csrf_generate(t1);
  http_csrf_generate(t2);
  CHECK_INT(strlen(t1), HTTP_CSRF_TOKEN_LEN);
  CHECK(strcmp(t1, t2) != 0);
  CHECK(http_cookie_value_ok(t1, strlen(t1)));
  for (size_t i = 0; i < HTTP_CSRF_TOKEN_LEN; i++)
    CHECK((t1[i] >= '0' && t1[i] <= '9') || (t1[i] >= 'a' && t1[i] <= 'f'));
  CHECK(http_csrf_match(t1, strlen(t1), t1, strlen(t1)));
  CHECK(!http_csrf_match(t1, strlen(t1), t2, strlen(t2)));
  CHECK(!http_csrf_match(t1, strlen(t1) - 1, t1, strlen(t1)));
  CHECK(!http_csrf_match(t1, strlen(t1), t1, strlen(t1) - 1));
  /* Empty on both sides is no token at all, not a match. */
  CHECK(!http_csrf_match("", 0, "", 0));
  CHECK(!http_csrf_match(NULL, 0, "", 0));
  char t3[HTTP_CSRF_TOKEN_LEN + 1];
  memcpy(t3, t1, sizeof t3);
  t3[HTTP_CSRF_TOKEN_LEN - 1] ^= 1;
  CHECK(!http_csrf_match(t1, strlen(t1), t3, strlen(t3)));
}

static void test_safe_methods(void) {
  CHECK(http_method_is_safe("GET", 3));
  CHECK(http_method_is_safe("HEAD", 4));
  CHECK(http_method_is_safe("OPTIONS", 7));
  CHECK(!http_method_is_safe("POST", 4));
  CHECK(!http_method_is_safe("PUT", 3));
  CHECK(!http_method_is_safe("PATCH", 5));
  CHECK(!http_method_is_safe("DELETE", 6));
  CHECK(!http_method_is_safe("get", 3));
  CHECK(!http_method_is_safe("GETX", 4));
}

int main(void) {
  RUN(test_find);
  RUN(test_value_ok);
  RUN(test_max_age);
  RUN(test_format);
  RUN(test_csrf);
  RUN(test_safe_methods);
  return test_done();
}
