/* pinyin.c — a stub of the contract (no table yet). */
#include "core/catalog/pinyin.h"

int pinyin_readings(uint32_t cp, const char **out, int max) {
  (void)cp;
  (void)out;
  (void)max;
  return 0;
}

size_t pinyin_keys(arena_t *a, const char *utf8, size_t max_variants, const char ***full,
                   const char ***initials) {
  (void)a;
  (void)utf8;
  (void)max_variants;
  *full = NULL;
  *initials = NULL;
  return 0;
}
