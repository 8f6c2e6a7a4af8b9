/*
 * cookie.c — the session and CSRF cookies' pure rules (see cookie.h). Touches no socket, file or
 * log: cookie values are credentials, and the caller decides what to do with the answers.
 */
#include "gateway/http/cookie.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* Ten years: a longer lifetime is a mistake, not a policy. */
#define HTTP_COOKIE_MAX_AGE_MAX 315360000LL

static bool http__cookie_ws(char c) {
  return c == ' ' || c == '\t';
}

bool http_cookie_find(const char *header, size_t len, const char *name, const char **value,
                      size_t *value_len) {
  size_t nl = strlen(name);
  size_t i = 0;
  while (i < len) {
    size_t end = i;
    while (end < len && header[end] != ';')
      end++;
    size_t b = i, e = end;
    while (b < e && http__cookie_ws(header[b]))
      b++;
    while (e > b && http__cookie_ws(header[e - 1]))
      e--;
    const char *eq = memchr(header + b, '=', e - b);
    if (eq != NULL) {
      size_t ke = (size_t)(eq - header);
      while (ke > b && http__cookie_ws(header[ke - 1]))
        ke--;
      if (ke - b == nl && memcmp(header + b, name, nl) == 0) {
        size_t vb = (size_t)(eq - header) + 1;
        while (vb < e && http__cookie_ws(header[vb]))
          vb++;
        if (e - vb >= 2 && header[vb] == '"' && header[e - 1] == '"') {
          vb++;
          e--;
        }
        *value = header + vb;
        *value_len = e - vb;
        return true;
      }
    }
    i = end + 1;
  }
  return false;
}

bool http_cookie_value_ok(const char *v, size_t len) {
  if (v == NULL || len == 0 || len > HTTP_COOKIE_VALUE_MAX)
    return false;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)v[i];
    if (c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\')
      return false;
  }
  return true;
}

long long http_cookie_max_age_parse(const char *v) {
  if (v == NULL || *v == '\0')
    return -1;
  long long n = 0;
  for (const char *p = v; *p; p++) {
    if (*p < '0' || *p > '9')
      return -1;
    n = n * 10 + (*p - '0');
    if (n > HTTP_COOKIE_MAX_AGE_MAX)
      return -1;
  }
  return n;
}

/* One Set-Cookie value; Max-Age is left out when the lifetime is unknown (a browser session). */
static char *http__cookie_format(arena_t *a, const char *name, const char *value,
                                 long long max_age_s, const char *attrs, bool secure) {
  char age[40] = "";
  if (max_age_s >= 0)
    snprintf(age, sizeof(age), "; Max-Age=%lld", max_age_s);
  return arena_printf(a, "%s=%s; Path=/%s%s%s", name, value, attrs, age, secure ? "; Secure" : "");
}

char *http_cookie_session_format(arena_t *a, const char *token, long long max_age_s, bool secure) {
  if (*token == '\0')
    max_age_s = 0;
  return http__cookie_format(a, HTTP_COOKIE_SESSION, token, max_age_s, "; HttpOnly; SameSite=Lax",
                             secure);
}

char *http_cookie_csrf_format(arena_t *a, const char *csrf, long long max_age_s, bool secure) {
  if (*csrf == '\0')
    max_age_s = 0;
  return http__cookie_format(a, HTTP_COOKIE_CSRF, csrf, max_age_s, "; SameSite=Strict", secure);
}

void http_csrf_generate(char out[HTTP_CSRF_TOKEN_LEN + 1]) {
  static const char hex[] = "0123456789abcdef";
  unsigned char raw[HTTP_CSRF_TOKEN_LEN / 2];
  size_t got = 0;
  while (got < sizeof(raw)) {
    ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
    if (n <= 0)
      abort(); /* no kernel randomness: a guessable token would be worse than stopping */
    got += (size_t)n;
  }
  for (size_t i = 0; i < sizeof(raw); i++) {
    out[2 * i] = hex[raw[i] >> 4];
    out[2 * i + 1] = hex[raw[i] & 15];
  }
  out[HTTP_CSRF_TOKEN_LEN] = '\0';
}

bool http_csrf_match(const char *header, size_t header_len, const char *cookie, size_t cookie_len) {
  if (header == NULL || cookie == NULL || header_len == 0 || header_len != cookie_len)
    return false;
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < header_len; i++)
    diff |= (unsigned char)(header[i] ^ cookie[i]);
  return diff == 0;
}

bool http_method_is_safe(const char *method, size_t len) {
  return (len == 3 && memcmp(method, "GET", 3) == 0) ||
         (len == 4 && memcmp(method, "HEAD", 4) == 0) ||
         (len == 7 && memcmp(method, "OPTIONS", 7) == 0);
}
