/* text.c — UTF-8 and hex digits; must stay allocation-free so any layer may call it. */
#include "core/common/text.h"

#include <string.h>

size_t text_utf8_next(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned char b = s[0];
  size_t len;
  uint32_t v, min;
  if (b < 0x80) {
    *cp = b;
    return 1;
  } else if ((b & 0xE0) == 0xC0) {
    len = 2, v = b & 0x1F, min = 0x80;
  } else if ((b & 0xF0) == 0xE0) {
    len = 3, v = b & 0x0F, min = 0x800;
  } else if ((b & 0xF8) == 0xF0) {
    len = 4, v = b & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (len > n)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return len;
}

long text_utf8_length(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  long count = 0;
  uint32_t cp;
  while (n > 0) {
    size_t k = text_utf8_next(p, n, &cp);
    if (k == 0)
      return -1;
    p += k, n -= k, count++;
  }
  return count;
}

bool text_utf8_valid(const char *s, size_t n) {
  return text_utf8_length(s, n) >= 0;
}

int text_hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool text_is_key(const char *k) {
  size_t n = k ? strlen(k) : 0;
  if (n < 1 || n > 32 || k[0] < 'a' || k[0] > 'z')
    return false;
  for (size_t i = 1; i < n; i++)
    if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
      return false;
  return true;
}

bool text_is_code(const char *s, size_t max) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > max)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-'))
      return false;
  }
  return true;
}
