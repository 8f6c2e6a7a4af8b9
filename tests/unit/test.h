/*
 * test.h — the unit tests' few macros (h2o's t/00unit style): each CHECK counts, a failure
 * prints file:line and the expression, and TEST_MAIN's exit code is non-zero if any failed.
 * Every test binary ends with the line "N passed, N failed".
 */
#ifndef EHALL_TESTS_UNIT_TEST_H
#define EHALL_TESTS_UNIT_TEST_H

#include <stdio.h>
#include <string.h>

static int test__passed, test__failed;

#define CHECK(cond)                                                                               \
  do {                                                                                            \
    if (cond) {                                                                                   \
      test__passed++;                                                                             \
    } else {                                                                                      \
      test__failed++;                                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                    \
    }                                                                                             \
  } while (0)

#define CHECK_STR(got, want)                                                                      \
  do {                                                                                            \
    const char *g__ = (got), *w__ = (want);                                                       \
    if (g__ != NULL && w__ != NULL && strcmp(g__, w__) == 0) {                                    \
      test__passed++;                                                                             \
    } else {                                                                                      \
      test__failed++;                                                                             \
      fprintf(stderr, "%s:%d: CHECK_STR failed: %s\n   got: %s\n  want: %s\n", __FILE__,         \
              __LINE__, #got, g__ ? g__ : "(null)", w__ ? w__ : "(null)");                        \
    }                                                                                             \
  } while (0)

#define CHECK_INT(got, want)                                                                      \
  do {                                                                                            \
    long long g__ = (long long)(got), w__ = (long long)(want);                                    \
    if (g__ == w__) {                                                                             \
      test__passed++;                                                                             \
    } else {                                                                                      \
      test__failed++;                                                                             \
      fprintf(stderr, "%s:%d: CHECK_INT failed: %s: got %lld, want %lld\n", __FILE__, __LINE__,  \
              #got, g__, w__);                                                                    \
    }                                                                                             \
  } while (0)

#define RUN(fn)                                                                                   \
  do {                                                                                            \
    int f__ = test__failed;                                                                       \
    fn();                                                                                         \
    fprintf(stderr, "%s %s\n", test__failed == f__ ? "ok  " : "FAIL", #fn);                       \
  } while (0)

static inline int test_done(void) {
  printf("%d passed, %d failed\n", test__passed, test__failed);
  return test__failed ? 1 : 0;
}

#endif
