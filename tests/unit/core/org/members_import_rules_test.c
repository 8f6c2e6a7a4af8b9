/*
 * members_import_rules_test.c — a group's member file: parsing (both separators, trimming,
 * de-duplication, line errors with line numbers), the diff against the current members (added,
 * removed, scopes changed, unchanged; unknown people and units, name mismatches, closed units),
 * the digest text, and export → parse → diff answering "nothing changes".
 */
#include <string.h>

#include "core/common/arena.h"
#include "core/org/members_import_rules.h"
#include "tests/unit/test.h"

static arena_t *A;

static const members_account_t ACCOUNTS[] = {
    {"20150012", "黄丽"}, {"20160023", "马超"}, {"20170033", "孙强"}, {"20180044", "刘梅"}};
static const members_unit_t UNITS[] = {{"CS-2023-1", true},  {"CS-2023-2", true},
                                       {"LIT-2022-1", true}, {"MATH", true},
                                       {"FL", true},         {"OLD-1", false}};

static bool parse(const char *text, members_file_t *f) {
  return members_parse(A, text, strlen(text), 1 << 20, 1000, f);
}

static bool has_error(const members_file_t *f, int line, const char *column) {
  for (size_t i = 0; i < f->csv.n_errors; i++)
    if (f->csv.errors[i].line == line && strcmp(f->csv.errors[i].column, column) == 0)
      return true;
  return false;
}

static void test_parse(void) {
  members_file_t f;
  CHECK(parse("campus_id,name,scopes\n"
              "20150012,黄丽, CS-2023-2 ; CS-2023-1；CS-2023-1\n"
              "20170033,孙强,MATH\n",
              &f));
  CHECK_INT(f.csv.n_errors, 0);
  CHECK_INT(f.n_rows, 2);
  CHECK_STR(f.csv.encoding, "utf-8");
  CHECK_INT(f.rows[0].n_scopes, 2); /* the repeated code counts once */
  CHECK_STR(f.rows[0].scopes[0], "CS-2023-1");
  CHECK_STR(f.rows[0].scopes[1], "CS-2023-2");
  CHECK_INT(f.rows[1].line, 3);

  /* Columns in another order, CRLF, quoted fields. */
  CHECK(parse("name,scopes,campus_id\r\n\"黄丽\",\"CS-2023-1;MATH\",20150012\r\n", &f));
  CHECK_INT(f.csv.n_errors, 0);
  CHECK_STR(f.rows[0].campus_id, "20150012");
  CHECK_INT(f.rows[0].n_scopes, 2);
}

static void test_parse_errors(void) {
  members_file_t f;
  CHECK(parse("campus_id,name,scopes\n"
              "20150012,黄丽,CS-2023-1\n"   /* 2 ok */
              "20150012,黄丽,MATH\n"        /* 3 duplicate */
              ",某人,MATH\n"                /* 4 empty campus id */
              "20160023,,MATH\n"            /* 5 empty name */
              "20170033,孙强, ; \n"         /* 6 empty scopes */
              "20180044,刘梅,FL;bad code\n" /* 7 malformed code */
              "bad id!,某人,FL\n",          /* 8 malformed campus id */
              &f));
  CHECK_INT(f.n_rows, 1);
  CHECK(has_error(&f, 3, "campus_id"));
  CHECK(has_error(&f, 4, "campus_id"));
  CHECK(has_error(&f, 5, "name"));
  CHECK(has_error(&f, 6, "scopes"));
  CHECK(has_error(&f, 7, "scopes"));
  CHECK(has_error(&f, 8, "campus_id"));
  CHECK(!has_error(&f, 2, "campus_id"));
  /* Reasons never quote the value. */
  for (size_t i = 0; i < f.csv.n_errors; i++)
    CHECK(strstr(f.csv.errors[i].reason_en, "bad code") == NULL);

  /* A missing column and an empty file are file errors. */
  CHECK(!parse("campus_id,name\n20150012,黄丽\n", &f));
  CHECK(f.csv.n_errors > 0);
  CHECK(!parse("", &f));

  /* More than 200 scopes. */
  char big[8192] = "campus_id,name,scopes\n20150012,黄丽,";
  for (int i = 0; i < 201; i++) {
    char piece[16];
    snprintf(piece, sizeof(piece), "%sU%d", i ? ";" : "", i);
    strcat(big, piece);
  }
  strcat(big, "\n");
  CHECK(parse(big, &f));
  CHECK(has_error(&f, 2, "scopes"));
  CHECK_INT(f.n_rows, 0);
}

static members_entry_t entry(const char *cid, const char *name, const char **scopes, size_t n) {
  members_entry_t e = {cid, name, scopes, n};
  return e;
}

static void test_diff(void) {
  static const char *huang[] = {"CS-2023-1", "CS-2023-2"};
  static const char *ma[] = {"LIT-2022-1"};
  static const char *sun[] = {"MATH"};
  members_entry_t cur[] = {entry("20150012", "黄丽", huang, 2), entry("20160023", "马超", ma, 1),
                           entry("20170033", "孙强", sun, 1)};
  members_file_t f;
  CHECK(parse("campus_id,name,scopes\n"
              "20170033,孙强,MATH\n"      /* unchanged */
              "20150012,黄丽,CS-2023-1\n" /* scopes changed */
              "20180044,刘梅,FL\n",       /* added; 马超 removed */
              &f));
  members_diff_t d;
  members_diff(A, &f, "counselor", ACCOUNTS, 4, UNITS, 6, cur, 3, &d);
  CHECK_INT(f.csv.n_errors, 0);
  CHECK_INT(d.unchanged, 1);
  CHECK_INT(d.n_changes, 3);
  CHECK_STR(d.changes[0].campus_id, "20150012");
  CHECK_INT(d.changes[0].kind, MEMBERS_SCOPES_CHANGED);
  CHECK_INT(d.changes[0].n_old, 2);
  CHECK_INT(d.changes[0].n_new, 1);
  CHECK_STR(d.changes[1].campus_id, "20160023");
  CHECK_INT(d.changes[1].kind, MEMBERS_REMOVED);
  CHECK_STR(d.changes[1].name, "马超");
  CHECK_STR(d.changes[2].campus_id, "20180044");
  CHECK_INT(d.changes[2].kind, MEMBERS_ADDED);
  CHECK_STR(d.canonical, "group counselor\n"
                         "~ 20150012 CS-2023-1;CS-2023-2 > CS-2023-1\n"
                         "- 20160023 LIT-2022-1 > \n"
                         "+ 20180044  > FL\n");

  /* The same file in another order gives the same canonical text (and digest). */
  members_file_t g;
  CHECK(parse("campus_id,name,scopes\n20180044,刘梅,FL\n20150012,黄丽,CS-2023-1\n"
              "20170033,孙强,MATH\n",
              &g));
  members_diff_t e;
  members_diff(A, &g, "counselor", ACCOUNTS, 4, UNITS, 6, cur, 3, &e);
  CHECK_STR(e.canonical, d.canonical);
}

static void test_diff_errors(void) {
  members_file_t f;
  CHECK(parse("campus_id,name,scopes\n"
              "20150012,黄莉,CS-2023-1\n" /* 2 name mismatch */
              "99999999,某人,MATH\n"      /* 3 unknown person */
              "20160023,马超,NOPE\n"      /* 4 unknown unit */
              "20170033,孙强,OLD-1\n"     /* 5 closed unit */
              "20180044,刘梅,FL\n",       /* 6 fine */
              &f));
  members_diff_t d;
  members_diff(A, &f, "counselor", ACCOUNTS, 4, UNITS, 6, NULL, 0, &d);
  CHECK_INT(f.csv.n_errors, 4);
  CHECK(has_error(&f, 2, "name"));
  CHECK(has_error(&f, 3, "campus_id"));
  CHECK(has_error(&f, 4, "scopes"));
  CHECK(has_error(&f, 5, "scopes"));
  CHECK_INT(d.n_changes, 1); /* only the good line; the caller must not apply with errors */
}

static void test_export_round_trip(void) {
  static const char *huang[] = {"CS-2023-2", "CS-2023-1"};
  static const char *odd[] = {"FL"};
  members_entry_t cur[] = {entry("20150012", "黄丽", huang, 2),
                           entry("20180044", "刘,\"梅\"", odd, 1)};
  size_t len = 0;
  const char *csv = members_export_csv(A, cur, 2, &len);
  CHECK_INT(len, strlen(csv));
  CHECK(strncmp(csv,
                "\xEF\xBB\xBF"
                "campus_id,name,scopes\r\n",
                24) == 0);
  CHECK(strstr(csv, "20150012,黄丽,CS-2023-1;CS-2023-2\r\n") != NULL);
  CHECK(strstr(csv, "20180044,\"刘,\"\"梅\"\"\",FL\r\n") != NULL);

  members_account_t accs[] = {{"20150012", "黄丽"}, {"20180044", "刘,\"梅\""}};
  members_file_t f;
  CHECK(members_parse(A, csv, len, 1 << 20, 1000, &f));
  CHECK_INT(f.csv.n_errors, 0);
  /* The current members as the store answers them: scopes sorted. */
  static const char *huang_sorted[] = {"CS-2023-1", "CS-2023-2"};
  cur[0].scopes = huang_sorted;
  members_diff_t d;
  members_diff(A, &f, "counselor", accs, 2, UNITS, 6, cur, 2, &d);
  CHECK_INT(f.csv.n_errors, 0);
  CHECK_INT(d.n_changes, 0);
  CHECK_INT(d.unchanged, 2);
}

int main(void) {
  A = arena_create(0);
  RUN(test_parse);
  RUN(test_parse_errors);
  RUN(test_diff);
  RUN(test_diff_errors);
  RUN(test_export_round_trip);
  arena_destroy(A);
  return test_done();
}
