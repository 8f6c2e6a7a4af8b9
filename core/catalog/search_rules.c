/*
 * search_rules.c — ranking published guides against a query (search_rules.h). Pure: the index
 * is built once per catalogue generation and then only read, by any thread.
 *
 * Everything a query compares against is lower-cased and derived at build (names, keywords,
 * pinyin spellings and initials), so a search is one pass of substring tests over the docs;
 * the one-edit test for typos runs only for queries of 4 or more characters and only on docs
 * nothing else matched.
 */
#include "core/catalog/search_rules.h"

#include <stdint.h>
#include <string.h>

#include "core/catalog/pinyin.h"
#include "core/common/text.h"

/* Spellings kept per name: combinations of polyphonic readings (宿舍调换: su-she-tiao/diao…). */
#define SEARCH_MAX_SPELLINGS 8
#define SEARCH_FUZZY_MIN_CHARS 4
#define SEARCH_FUZZY_BELOW_HITS 20

typedef struct doc_keys {
  const char *name;      /* lower-cased */
  const char *name_en;   /* lower-cased */
  const char **keywords; /* lower-cased */
  size_t n_keywords;
  const char **full; /* pinyin spellings of the name */
  const char **initials;
  size_t n_spellings;
  uint32_t *name_cps; /* the name's code points, for the one-edit test */
  size_t n_name_cps;
  int name_chars;
} doc_keys_t;

struct search_index {
  doc_keys_t *docs;
  size_t n;
};

static char *lower_ascii(arena_t *a, const char *s) {
  char *out = arena_strdup(a, s ? s : "");
  for (char *p = out; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p + 32);
  return out;
}

static uint32_t *code_points(arena_t *a, const char *s, size_t *n) {
  size_t len = strlen(s), i = 0, k = 0;
  uint32_t *cps = arena_alloc(a, (len + 1) * sizeof *cps);
  while (i < len) {
    uint32_t cp;
    size_t step = text_utf8_next((const unsigned char *)s + i, len - i, &cp);
    if (step == 0)
      step = 1, cp = (unsigned char)s[i];
    cps[k++] = cp;
    i += step;
  }
  *n = k;
  return cps;
}

search_index_t *search_index_build(arena_t *a, const search_doc_t *docs, size_t n) {
  search_index_t *ix = arena_alloc(a, sizeof *ix);
  ix->n = n;
  ix->docs = arena_zalloc(a, (n ? n : 1) * sizeof *ix->docs);
  for (size_t i = 0; i < n; i++) {
    doc_keys_t *d = &ix->docs[i];
    d->name = lower_ascii(a, docs[i].name);
    d->name_en = lower_ascii(a, docs[i].name_en);
    d->n_keywords = docs[i].n_keywords;
    d->keywords = arena_alloc(a, (d->n_keywords ? d->n_keywords : 1) * sizeof *d->keywords);
    for (size_t k = 0; k < d->n_keywords; k++)
      d->keywords[k] = lower_ascii(a, docs[i].keywords[k]);
    d->n_spellings = pinyin_keys(a, d->name, SEARCH_MAX_SPELLINGS, &d->full, &d->initials);
    d->name_cps = code_points(a, d->name, &d->n_name_cps);
    d->name_chars = (int)d->n_name_cps;
  }
  return ix;
}

const char *search_doc_sort_key(const search_index_t *index, size_t doc) {
  const doc_keys_t *d = &index->docs[doc];
  return d->n_spellings > 0 ? d->full[0] : d->name;
}

/* --- the query ------------------------------------------------------------------------------ */

bool search_query_normalize(arena_t *a, const char *query, const char **out, eh_err_t *err) {
  *out = "";
  if (query == NULL)
    return true;
  size_t len = strlen(query);
  long chars = text_utf8_length(query, len);
  if (chars < 0)
    return eh_err_set(err, EH_INVALID, "query", "搜索词含有无效字符",
                      "the search text is not valid UTF-8");
  if (chars > SEARCH_QUERY_MAX_CHARS)
    return eh_err_set(err, EH_INVALID, "query", "搜索词不能超过 %d 个字",
                      "the search text must be at most %d characters", SEARCH_QUERY_MAX_CHARS);
  arena_buf_t b = {.a = a};
  bool space = false;
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t step = text_utf8_next((const unsigned char *)query + i, len - i, &cp);
    if (cp == 0x3000) /* ideographic space */
      cp = ' ';
    else if (cp >= 0xFF01 && cp <= 0xFF5E) /* full-width ASCII */
      cp -= 0xFEE0;
    if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
      space = b.len > 0;
    } else {
      if (space)
        arena_buf_putc(&b, ' ');
      space = false;
      if (cp < 128)
        arena_buf_putc(&b, (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
      else
        arena_buf_put(&b, query + i, step);
    }
    i += step;
  }
  *out = b.p ? b.p : "";
  return true;
}

/* --- matching ------------------------------------------------------------------------------- */

/* Within one edit (substitution, insertion, deletion, adjacent swap) of each other. */
static bool one_edit_u32(const uint32_t *a, size_t na, const uint32_t *b, size_t nb) {
  if (na > nb + 1 || nb > na + 1)
    return false;
  size_t i = 0;
  while (i < na && i < nb && a[i] == b[i])
    i++;
  if (i == na && i == nb)
    return true; /* equal */
  if (na == nb) {
    /* substitution at i, or a swap of i and i+1 */
    if (memcmp(a + i + 1, b + i + 1, (na - i - 1) * sizeof *a) == 0)
      return true;
    return i + 1 < na && a[i] == b[i + 1] && a[i + 1] == b[i] &&
           memcmp(a + i + 2, b + i + 2, (na - i - 2) * sizeof *a) == 0;
  }
  if (na > nb) /* a has one extra at i */
    return memcmp(a + i + 1, b + i, (nb - i) * sizeof *a) == 0;
  return memcmp(a + i, b + i + 1, (na - i) * sizeof *a) == 0;
}

static bool one_edit_ascii(const char *a, size_t na, const char *b, size_t nb) {
  uint32_t ua[SEARCH_QUERY_MAX_CHARS + 2], ub[SEARCH_QUERY_MAX_CHARS + 2];
  if (na > SEARCH_QUERY_MAX_CHARS + 1 || nb > SEARCH_QUERY_MAX_CHARS + 1)
    return false;
  for (size_t i = 0; i < na; i++)
    ua[i] = (unsigned char)a[i];
  for (size_t i = 0; i < nb; i++)
    ub[i] = (unsigned char)b[i];
  return one_edit_u32(ua, na, ub, nb);
}

/* The query within one edit of the whole key or of a prefix of it (the user typed the start of
 * a spelling with a typo in it: "chengjidna" for chengjidan…). */
static bool fuzzy_key(const char *q, size_t nq, const char *key) {
  size_t nk = strlen(key);
  for (size_t l = nq > 0 ? nq - 1 : 0; l <= nq + 1 && l <= nk; l++)
    if (one_edit_ascii(q, nq, key, l))
      return true;
  return false;
}

typedef struct ctx {
  const char *q;      /* normalised */
  const char *q_flat; /* without spaces, when the query is ASCII (pinyin typed with spaces) */
  size_t nq_flat;
  bool ascii;
  uint32_t *q_cps;
  size_t nq_cps;
} ctx_t;

/* Score bands (× 100, plus up to 99 for shorter names). */
enum {
  BAND_FUZZY = 3,
  BAND_INITIALS_CONTAINS = 5,
  BAND_INITIALS_PREFIX,
  BAND_INITIALS_EQUAL,
  BAND_PINYIN_CONTAINS,
  BAND_PINYIN_PREFIX,
  BAND_PINYIN_EQUAL,
  BAND_KEYWORD,
  BAND_NAME_SUBSTRING,
  BAND_NAME_PREFIX,
  BAND_NAME,
};

static int band_of(const ctx_t *c, const doc_keys_t *d, search_match_t *how) {
  size_t nq = strlen(c->q);
  if (strcmp(d->name, c->q) == 0)
    return *how = SEARCH_MATCH_NAME, BAND_NAME;
  if (strncmp(d->name, c->q, nq) == 0)
    return *how = SEARCH_MATCH_NAME_PREFIX, BAND_NAME_PREFIX;
  if (strstr(d->name, c->q) != NULL)
    return *how = SEARCH_MATCH_NAME_SUBSTRING, BAND_NAME_SUBSTRING;
  if (strstr(d->name_en, c->q) != NULL)
    return *how = SEARCH_MATCH_KEYWORD, BAND_KEYWORD;
  for (size_t k = 0; k < d->n_keywords; k++)
    if (strstr(d->keywords[k], c->q) != NULL)
      return *how = SEARCH_MATCH_KEYWORD, BAND_KEYWORD;
  if (!c->ascii || c->nq_flat == 0)
    goto fuzzy;
  int best = 0;
  for (size_t s = 0; s < d->n_spellings; s++) {
    const char *f = d->full[s], *in = d->initials[s];
    int b = 0;
    if (strcmp(f, c->q_flat) == 0)
      b = BAND_PINYIN_EQUAL;
    else if (strncmp(f, c->q_flat, c->nq_flat) == 0)
      b = BAND_PINYIN_PREFIX;
    else if (c->nq_flat >= 2 && strstr(f, c->q_flat) != NULL)
      b = BAND_PINYIN_CONTAINS;
    else if (strcmp(in, c->q_flat) == 0)
      b = BAND_INITIALS_EQUAL;
    else if (strncmp(in, c->q_flat, c->nq_flat) == 0)
      b = BAND_INITIALS_PREFIX;
    else if (c->nq_flat >= 2 && strstr(in, c->q_flat) != NULL)
      b = BAND_INITIALS_CONTAINS;
    if (b > best)
      best = b;
  }
  if (best >= BAND_PINYIN_CONTAINS)
    return *how = SEARCH_MATCH_PINYIN, best;
  if (best > 0)
    return *how = SEARCH_MATCH_PINYIN_INITIALS, best;
fuzzy:
  return *how = SEARCH_MATCH_NONE, 0;
}

/* Within one edit of the name, or of a spelling (whole or its start) or its initials. */
static bool fuzzy_of(const ctx_t *c, const doc_keys_t *d) {
  if (one_edit_u32(c->q_cps, c->nq_cps, d->name_cps, d->n_name_cps))
    return true;
  if (c->ascii)
    for (size_t s = 0; s < d->n_spellings; s++)
      if (fuzzy_key(c->q_flat, c->nq_flat, d->full[s]) ||
          one_edit_ascii(c->q_flat, c->nq_flat, d->initials[s], strlen(d->initials[s])))
        return true;
  return false;
}

static int hit_cmp(const search_hit_t *x, const search_hit_t *y) {
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return x->doc < y->doc ? -1 : (x->doc > y->doc);
}

/* Insertion of each hit into place would be quadratic for 2,000 hits; a merge sort in the
 * arena keeps it n log n and stable. */
static void hits_sort(arena_t *a, search_hit_t *h, size_t n) {
  if (n < 2)
    return;
  search_hit_t *tmp = arena_alloc(a, n * sizeof *tmp);
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        tmp[k++] = hit_cmp(&h[j], &h[i]) < 0 ? h[j++] : h[i++];
      while (i < mid)
        tmp[k++] = h[i++];
      while (j < hi)
        tmp[k++] = h[j++];
    }
    memcpy(h, tmp, n * sizeof *h);
  }
}

size_t search_run(arena_t *a, const search_index_t *index, const char *normalized_query,
                  const bool *allowed, search_hit_t **hits) {
  *hits = NULL;
  if (normalized_query == NULL || normalized_query[0] == '\0' || index->n == 0)
    return 0;
  ctx_t c = {.q = normalized_query, .ascii = true};
  size_t nq = strlen(c.q);
  char *flat = arena_alloc(a, nq + 1);
  size_t nf = 0;
  for (size_t i = 0; i < nq; i++) {
    unsigned char ch = (unsigned char)c.q[i];
    if (ch >= 128)
      c.ascii = false;
    else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
      flat[nf++] = (char)ch;
  }
  flat[nf] = '\0';
  c.q_flat = flat;
  c.nq_flat = nf;
  c.q_cps = code_points(a, c.q, &c.nq_cps);
  search_hit_t *out = arena_alloc(a, index->n * sizeof *out);
  bool *matched = arena_zalloc(a, index->n * sizeof *matched);
  size_t n = 0;
  for (size_t i = 0; i < index->n; i++) {
    if (allowed != NULL && !allowed[i])
      continue;
    search_match_t how;
    int band = band_of(&c, &index->docs[i], &how);
    if (band == 0)
      continue;
    matched[i] = true;
    int shortness = 99 - (index->docs[i].name_chars < 99 ? index->docs[i].name_chars : 99);
    out[n++] = (search_hit_t){.doc = i, .score = band * 100 + shortness, .matched_by = how};
  }
  /* Typos are forgiven only when the query found little by itself (fewer than a page): close
   * matches would rank last anyway, and this pass is the costly one. */
  if (n < SEARCH_FUZZY_BELOW_HITS && c.nq_cps >= SEARCH_FUZZY_MIN_CHARS)
    for (size_t i = 0; i < index->n; i++) {
      if (matched[i] || (allowed != NULL && !allowed[i]) || !fuzzy_of(&c, &index->docs[i]))
        continue;
      int shortness = 99 - (index->docs[i].name_chars < 99 ? index->docs[i].name_chars : 99);
      out[n++] = (search_hit_t){
          .doc = i, .score = BAND_FUZZY * 100 + shortness, .matched_by = SEARCH_MATCH_FUZZY};
    }
  hits_sort(a, out, n);
  *hits = out;
  return n;
}

const char *search_match_name(search_match_t m) {
  switch (m) {
  case SEARCH_MATCH_NAME:
    return "name";
  case SEARCH_MATCH_NAME_PREFIX:
    return "name_prefix";
  case SEARCH_MATCH_NAME_SUBSTRING:
    return "name_substring";
  case SEARCH_MATCH_KEYWORD:
    return "keyword";
  case SEARCH_MATCH_PINYIN:
    return "pinyin";
  case SEARCH_MATCH_PINYIN_INITIALS:
    return "pinyin_initials";
  case SEARCH_MATCH_FUZZY:
    return "fuzzy";
  default:
    return "";
  }
}
