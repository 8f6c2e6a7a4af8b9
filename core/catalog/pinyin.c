/*
 * pinyin.c — Hanzi to toneless pinyin (pinyin.h), from the table gen_pinyin.py generates.
 * Pure: reads only the compiled-in table and the caller's text.
 */
#include "core/catalog/pinyin.h"

#include <string.h>

#include "core/common/text.h"

#include "core/catalog/pinyin_table.inc"

int pinyin_readings(uint32_t cp, const char **out, int max) {
  if (cp < PINYIN_FIRST || cp > PINYIN_LAST)
    return 0;
  const uint16_t *set = pinyin_sets[pinyin_set_of[cp - PINYIN_FIRST]];
  int n = 0;
  for (int i = 0; i < PINYIN_MAX_READINGS && n < max && set[i] != 0; i++)
    out[n++] = pinyin_syllables[set[i]];
  return n;
}

/* One unit of a text: a Han character's readings, or a run of kept ASCII. */
typedef struct unit {
  const char *opt[PINYIN_MAX_READINGS];
  int n_opt;  /* options taken (1 when the combinations are capped) */
  bool ascii; /* opt[0] is a literal run kept in full in the initials too */
} unit_t;

size_t pinyin_keys(arena_t *a, const char *utf8, size_t max_variants, const char ***full,
                   const char ***initials) {
  *full = *initials = NULL;
  if (utf8 == NULL || max_variants == 0)
    return 0;
  const unsigned char *s = (const unsigned char *)utf8;
  size_t len = strlen(utf8), i = 0, n_units = 0, cap = 16;
  unit_t *units = arena_alloc(a, cap * sizeof *units);
  size_t combos = 1;
  while (i < len) {
    uint32_t cp;
    size_t step = text_utf8_next(s + i, len - i, &cp);
    if (step == 0) /* malformed: skip a byte */
      step = 1, cp = 0;
    unit_t u = {.n_opt = 0};
    if (cp < 128 &&
        ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9'))) {
      size_t j = i;
      char *run = arena_alloc(a, len - i + 1), *p = run;
      while (j < len && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') ||
                         (s[j] >= '0' && s[j] <= '9'))) {
        *p++ = (char)(s[j] >= 'A' && s[j] <= 'Z' ? s[j] + 32 : s[j]);
        j++;
      }
      *p = '\0';
      u.opt[0] = run;
      u.n_opt = 1;
      u.ascii = true;
      step = j - i;
    } else {
      u.n_opt = pinyin_readings(cp, u.opt, PINYIN_MAX_READINGS);
    }
    i += step;
    if (u.n_opt == 0)
      continue;
    /* Cap the combinations: a character whose readings would push them past max_variants keeps
     * only its most common one (so the first polyphonic characters vary, later ones do not). */
    if (combos * (size_t)u.n_opt > max_variants)
      u.n_opt = 1;
    combos *= (size_t)u.n_opt;
    if (n_units == cap) {
      unit_t *bigger = arena_alloc(a, 2 * cap * sizeof *units);
      memcpy(bigger, units, cap * sizeof *units);
      units = bigger;
      cap *= 2;
    }
    units[n_units++] = u;
  }
  if (n_units == 0)
    return 0;
  const char **f = arena_alloc(a, combos * sizeof *f);
  const char **in = arena_alloc(a, combos * sizeof *in);
  int *pick = arena_zalloc(a, n_units * sizeof *pick);
  for (size_t c = 0; c < combos; c++) {
    arena_buf_t bf = {.a = a}, bi = {.a = a};
    for (size_t k = 0; k < n_units; k++) {
      const char *syl = units[k].opt[pick[k]];
      arena_buf_puts(&bf, syl);
      if (units[k].ascii)
        arena_buf_puts(&bi, syl);
      else
        arena_buf_putc(&bi, syl[0]);
    }
    f[c] = bf.p;
    in[c] = bi.p;
    /* Next combination: the last varying unit changes fastest, so combination 0 is the most
     * common reading of every character. */
    for (size_t k = n_units; k-- > 0;) {
      if (++pick[k] < units[k].n_opt)
        break;
      pick[k] = 0;
    }
  }
  *full = f;
  *initials = in;
  return combos;
}
