/*
 * search_rules.h — ranking the published guides against a query. Pure (no I/O): the snapshot
 * (snapshot.c) builds an index once per catalogue generation and every search reads it; the
 * index is immutable after search_index_build, so threads share it without locks.
 *
 * Matching: the query is normalised (trimmed, lower case, full-width ASCII to half-width,
 * inner spaces collapsed; a query of only pinyin letters may also be written with spaces,
 * "zai du"). A document matches by, best first: its name equal to the query; the name
 * starting with it; the name containing it (Chinese substring); a keyword or the English name
 * containing it; the full pinyin of the name equal to / starting with / containing it; the
 * pinyin initials equal to / starting with / containing it ("zdzm", "cjd"); and, for queries
 * of at least 4 characters that found fewer than 20 documents by the rules above, a close
 * match (one edit: a letter wrong, missing, extra or two swapped) of the name, its pinyin or
 * its initials. Each rank has a score band; within a band
 * shorter names come first, then the caller's order of documents (the snapshot orders them by
 * hotness).
 */
#ifndef EHALL_CATALOG_SEARCH_RULES_H
#define EHALL_CATALOG_SEARCH_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"
#include "core/common/status.h"

#define SEARCH_QUERY_MAX_CHARS 64

typedef enum {
  SEARCH_MATCH_NONE = 0,
  SEARCH_MATCH_FUZZY,
  SEARCH_MATCH_PINYIN_INITIALS,
  SEARCH_MATCH_PINYIN,
  SEARCH_MATCH_KEYWORD,
  SEARCH_MATCH_NAME_SUBSTRING,
  SEARCH_MATCH_NAME_PREFIX,
  SEARCH_MATCH_NAME,
} search_match_t;

/* One document to index: the guide's names and keywords (borrowed until build returns). */
typedef struct search_doc {
  const char *name;
  const char *name_en;
  const char *const *keywords;
  size_t n_keywords;
} search_doc_t;

typedef struct search_index search_index_t;

typedef struct search_hit {
  size_t doc; /* index into the documents given to search_index_build */
  int score;  /* higher first */
  search_match_t matched_by;
} search_hit_t;

/* The index of docs[0..n), everything copied or derived into a (which must outlive it). */
search_index_t *search_index_build(arena_t *a, const search_doc_t *docs, size_t n);

/* The normalised query in a; INVALID (field "query") when it is not UTF-8 or longer than
 * SEARCH_QUERY_MAX_CHARS characters. An empty result means "no query". */
bool search_query_normalize(arena_t *a, const char *query, const char **out, eh_err_t *err);

/* Every document matching the normalised query among those allowed (allowed[doc]; NULL: all),
 * best first. Returns the number of hits; *hits in a. */
size_t search_run(arena_t *a, const search_index_t *index, const char *normalized_query,
                  const bool *allowed, search_hit_t **hits);

/* "name", "name_prefix", "name_substring", "keyword", "pinyin", "pinyin_initials", "fuzzy". */
const char *search_match_name(search_match_t m);

/* A document's sort key for SORT_ORDER_NAME (its name's pinyin), computed at build. */
const char *search_doc_sort_key(const search_index_t *index, size_t doc);

#endif
