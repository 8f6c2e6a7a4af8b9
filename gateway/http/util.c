/*
 * util.c — pure helpers of the HTTP boundary (see util.h). Nothing here touches a socket,
 * a file or a log: callers decide what to do with the answers.
 */
#include "gateway/http/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "core/common/text.h"

int http_status_from_grpc(int code) {
  switch (code) {
  case 0: return 200;   /* OK */
  case 1: return 499;   /* CANCELLED */
  case 2: return 500;   /* UNKNOWN */
  case 3: return 400;   /* INVALID_ARGUMENT */
  case 4: return 504;   /* DEADLINE_EXCEEDED */
  case 5: return 404;   /* NOT_FOUND */
  case 6: return 409;   /* ALREADY_EXISTS */
  case 7: return 403;   /* PERMISSION_DENIED */
  case 8: return 429;   /* RESOURCE_EXHAUSTED */
  case 9: return 400;   /* FAILED_PRECONDITION */
  case 10: return 409;  /* ABORTED */
  case 11: return 400;  /* OUT_OF_RANGE */
  case 12: return 501;  /* UNIMPLEMENTED */
  case 13: return 500;  /* INTERNAL */
  case 14: return 503;  /* UNAVAILABLE */
  case 15: return 500;  /* DATA_LOSS */
  case 16: return 401;  /* UNAUTHENTICATED */
  default: return 500;
  }
}

bool http_request_id_valid(const char *s, size_t len) {
  if (s == NULL || len == 0 || len > 64)
    return false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '.' || c == '_' || c == '-'))
      return false;
  }
  return true;
}

/* xorshift per thread, seeded from the kernel: ids need to be unique, not secret. */
static __thread uint64_t http__rng_state;

static uint64_t http__rng_next(void) {
  if (http__rng_state == 0) {
    if (getrandom(&http__rng_state, sizeof(http__rng_state), 0) != sizeof(http__rng_state))
      http__rng_state = (uint64_t)(uintptr_t)&http__rng_state ^ 0x9e3779b97f4a7c15ull;
    http__rng_state |= 1;
  }
  uint64_t x = http__rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return http__rng_state = x;
}

void http_request_id_generate(char out[33]) {
  snprintf(out, 33, "%016llx%016llx", (unsigned long long)http__rng_next(),
           (unsigned long long)http__rng_next());
}

char *http_percent_decode(arena_t *a, const char *s, size_t len, bool plus_is_space) {
  char *out = arena_alloc(a, len + 1);
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= len)
        return NULL;
      int h = text_hex_value(s[i + 1]), l = h < 0 ? -1 : text_hex_value(s[i + 2]);
      if (h < 0 || l < 0)
        return NULL;
      c = (char)(h * 16 + l);
      if (c == '\0')
        return NULL;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    } else if (c == '\0') {
      return NULL;
    }
    out[o++] = c;
  }
  out[o] = '\0';
  return out;
}

int http_query_parse(arena_t *a, const char *qs, size_t len, http_param_t **out, eh_err_t *err) {
  size_t cap = 1;
  for (size_t i = 0; i < len; i++)
    if (qs[i] == '&')
      cap++;
  http_param_t *ps = arena_zalloc(a, cap * sizeof(*ps));
  int n = 0;
  size_t i = 0;
  while (i < len) {
    size_t end = i;
    while (end < len && qs[end] != '&')
      end++;
    if (end > i) {
      size_t eq = i;
      while (eq < end && qs[eq] != '=')
        eq++;
      char *k = http_percent_decode(a, qs + i, eq - i, true);
      char *v = eq < end ? http_percent_decode(a, qs + eq + 1, end - eq - 1, true) : arena_strdup(a, "");
      if (k == NULL || v == NULL) {
        eh_err_set(err, EH_INVALID, NULL, "查询字符串的百分号编码无效",
                   "the query string has a broken percent escape");
        return -1;
      }
      if (*k != '\0') {
        ps[n].key = k;
        ps[n].value = v;
        n++;
      }
    }
    i = end + 1;
  }
  *out = ps;
  return n;
}

bool http_content_length_ok(size_t count, const char *value, size_t len) {
  if (count == 0)
    return true;
  if (count > 1 || len == 0 || len > 18)
    return false;
  for (size_t i = 0; i < len; i++)
    if (value[i] < '0' || value[i] > '9')
      return false;
  return true;
}

char *http_static_path(arena_t *a, const char *path, size_t len) {
  char *dec = http_percent_decode(a, path, len, false);
  if (dec == NULL || dec[0] != '/')
    return NULL;
  if (strchr(dec, '\\') != NULL)
    return NULL;
  /* Check every segment; empty segments ("//") are refused too: no legitimate asset has one. */
  const char *p = dec + 1;
  if (*p == '\0')
    return arena_strdup(a, "index.html");
  for (;;) {
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n == 0 && e != NULL)
      return NULL;
    if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
      return NULL;
    if (e == NULL)
      break;
    p = e + 1;
  }
  size_t dl = strlen(dec);
  if (dec[dl - 1] == '/')
    return arena_printf(a, "%sindex.html", dec + 1);
  return dec + 1;
}

const char *http_content_type(const char *file_path) {
  static const struct {
    const char *ext, *type;
  } types[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const char *dot = strrchr(file_path, '.');
  const char *slash = strrchr(file_path, '/');
  if (dot == NULL || (slash != NULL && dot < slash))
    return "application/octet-stream";
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
    if (strcasecmp(dot, types[i].ext) == 0)
      return types[i].type;
  return "application/octet-stream";
}

bool http_static_is_immutable(const char *rel_path) { return strncmp(rel_path, "assets/", 7) == 0; }
