/* search_rules.c — a stub of the contract. */
#include "core/catalog/search_rules.h"

struct search_index {
  size_t n;
};

search_index_t *search_index_build(arena_t *a, const search_doc_t *docs, size_t n) {
  (void)docs;
  search_index_t *ix = arena_alloc(a, sizeof *ix);
  ix->n = n;
  return ix;
}

bool search_query_normalize(arena_t *a, const char *query, const char **out, eh_err_t *err) {
  (void)a;
  (void)err;
  *out = query ? query : "";
  return true;
}

size_t search_run(arena_t *a, const search_index_t *index, const char *normalized_query,
                  const bool *allowed, search_hit_t **hits) {
  (void)a;
  (void)index;
  (void)normalized_query;
  (void)allowed;
  *hits = NULL;
  return 0;
}

const char *search_match_name(search_match_t m) {
  (void)m;
  return "";
}

const char *search_doc_sort_key(const search_index_t *index, size_t doc) {
  (void)index;
  (void)doc;
  return "";
}
