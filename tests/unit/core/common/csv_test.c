/*
 * csv_test.c — core/common/csv.c: decoding (UTF-8 with and without BOM, GB18030 bytes made by
 * Python's .encode("gb18030"), neither), RFC 4180 splitting with line numbers, the header map,
 * record widths, trimming, limits, sorted errors and the duplicate set.
 */
#include <string.h>

#include "core/common/arena.h"
#include "core/common/csv.h"
#include "tests/unit/test.h"

static bool has_error(const csv_file_t *f, int line, const char *column, const char *zh) {
  for (size_t i = 0; i < f->n_errors; i++)
    if (f->errors[i].line == line && strcmp(f->errors[i].column, column) == 0 &&
        strstr(f->errors[i].reason, zh) != NULL && f->errors[i].reason_en[0] != '\0')
      return true;
  return false;
}

static void test_utf8_bom_crlf_quotes(void) {
  arena_t *a = arena_create(0);
  const char *csv = "\xEF\xBB\xBF"
                    "a,b\r\n"
                    " x ,\"y, \"\"z\"\"\"\r\n"
                    "\r\n"
                    "\"multi\nline\",2\r\n"
                    "last,\n";
  csv_file_t f;
  CHECK(csv_read(a, csv, strlen(csv), 1 << 20, 100, &f));
  CHECK_STR(f.encoding, "utf-8");
  CHECK_INT(f.header.n, 2);
  CHECK_INT(f.n_records, 3); /* the blank line 3 is no record */
  CHECK_INT(f.records[0].line, 2);
  CHECK_STR(csv_field(&f, &f.records[0], 0), "x"); /* trimmed */
  CHECK_STR(f.records[0].fields[0], " x ");        /* as in the file */
  CHECK_STR(csv_field(&f, &f.records[0], 1), "y, \"z\"");
  CHECK_INT(f.records[1].line, 4);
  CHECK_STR(csv_field(&f, &f.records[1], 0), "multi\nline");
  CHECK_INT(f.records[2].line, 6); /* the quoted newline counted */
  CHECK_INT(f.records[2].n, 2);
  CHECK_STR(csv_field(&f, &f.records[2], 1), "");
  CHECK_STR(csv_field(&f, &f.records[2], -1), "");
  CHECK_INT(f.n_errors, 0);
  arena_destroy(a);
}

static void test_gb18030_and_bad_bytes(void) {
  arena_t *a = arena_create(0);
  /* "name\n张三,计算机\n" in GB18030 (张三 = D5C5 C8FD, 计算机 = BCC6 CBE3 BBFA) */
  const char gb[] = "n,u\n\xd5\xc5\xc8\xfd,\xbc\xc6\xcb\xe3\xbb\xfa\n";
  csv_file_t f;
  CHECK(csv_read(a, gb, strlen(gb), 1 << 20, 100, &f));
  CHECK_STR(f.encoding, "gb18030");
  CHECK_STR(csv_field(&f, &f.records[0], 0), "张三");
  CHECK_STR(csv_field(&f, &f.records[0], 1), "计算机");

  const char bad[] = "n\nok\n\xff\xff\n";
  CHECK(!csv_read(a, bad, strlen(bad), 1 << 20, 100, &f));
  CHECK(f.encoding == NULL);
  CHECK(has_error(&f, 3, "", "GB18030"));
  arena_destroy(a);
}

static void test_limits_and_empty(void) {
  arena_t *a = arena_create(0);
  csv_file_t f;
  CHECK(!csv_read(a, "", 0, 1 << 20, 10, &f));
  CHECK(has_error(&f, 1, "", "文件为空"));
  CHECK(!csv_read(a, "a,b\n", 4, 1 << 20, 10, &f));
  CHECK(has_error(&f, 1, "", "只有表头"));
  const char *big = "a\n1\n2\n3\n";
  CHECK(!csv_read(a, big, strlen(big), 1 << 20, 2, &f));
  CHECK(has_error(&f, 4, "", "超过 2 行"));
  CHECK(!csv_read(a, big, strlen(big), 4, 10, &f));
  CHECK(has_error(&f, 1, "", "4 字节"));
  CHECK(!csv_read(a, big, 2u << 20 | 1, 2u << 20, 10, &f)); /* only the length is looked at */
  CHECK(has_error(&f, 1, "", "2 MiB"));
  arena_destroy(a);
}

static void test_quoting_errors(void) {
  arena_t *a = arena_create(0);
  csv_file_t f;
  const char *csv = "a,b\nx\"y,1\n\"q\"z,2\nok,3\n\"open,4\n";
  CHECK(!csv_read(a, csv, strlen(csv), 1 << 20, 10, &f));
  CHECK(has_error(&f, 2, "", "必须整体用双引号"));
  CHECK(has_error(&f, 3, "", "引号后只能是逗号"));
  CHECK(has_error(&f, 5, "", "引号未闭合"));

  csv = "a,b\nx\"y,1\nok,3\n";
  CHECK(csv_read(a, csv, strlen(csv), 1 << 20, 10, &f));
  CHECK(f.records[0].bad);
  CHECK(!csv_record_ok(&f, &f.records[0]));
  CHECK_INT(f.n_errors, 1); /* no second error for a bad record */
  CHECK(csv_record_ok(&f, &f.records[1]));
  arena_destroy(a);
}

static void test_columns_and_widths(void) {
  arena_t *a = arena_create(0);
  static const char *const names[] = {"id", "name", "extra"};
  static const bool required[] = {true, true, false};
  int col[3];
  csv_file_t f;
  const char *csv = " NAME ,Id\nn1,1\nn2\n";
  CHECK(csv_read(a, csv, strlen(csv), 1 << 20, 10, &f));
  CHECK(csv_columns(&f, names, required, 3, col));
  CHECK_INT(col[0], 1);
  CHECK_INT(col[1], 0);
  CHECK_INT(col[2], -1);
  CHECK(csv_record_ok(&f, &f.records[0]));
  CHECK(!csv_record_ok(&f, &f.records[1]));
  CHECK(has_error(&f, 3, "", "此行有 1 列，表头有 2 列"));

  csv = "id,id,bogus\n1,2,3\n";
  CHECK(csv_read(a, csv, strlen(csv), 1 << 20, 10, &f));
  CHECK(!csv_columns(&f, names, required, 3, col));
  CHECK(has_error(&f, 1, "id", "列重复"));
  CHECK(has_error(&f, 1, "bogus", "未知的列"));
  CHECK(has_error(&f, 1, "name", "缺少必需的列"));
  arena_destroy(a);
}

static void test_sorted_errors_and_seen(void) {
  arena_t *a = arena_create(0);
  csv_file_t f;
  const char *csv = "a\n1\n2\n3\n";
  CHECK(csv_read(a, csv, strlen(csv), 1 << 20, 10, &f));
  csv_error(&f, 4, "a", "四", "four");
  csv_error(&f, 2, "a", "二甲", "two a");
  csv_error(&f, 2, "", "二乙", "two b");
  const csv_error_t *e = csv_errors_sorted(&f);
  CHECK_INT(e[0].line, 2);
  CHECK_STR(e[0].reason, "二甲"); /* equal lines keep their order */
  CHECK_STR(e[1].reason, "二乙");
  CHECK_INT(e[2].line, 4);

  csv_seen_t s;
  csv_seen_init(a, &s, 2); /* grows nothing: sized for a few; many keys still fit */
  CHECK_INT(csv_seen_add(&s, "x", 2), 0);
  CHECK_INT(csv_seen_add(&s, "y", 3), 0);
  CHECK_INT(csv_seen_add(&s, "x", 5), 2);
  CHECK(csv_has_control("a\tb"));
  CHECK(csv_has_control("\xc2\x85")); /* C1 NEL */
  CHECK(csv_has_control("\xff"));     /* not UTF-8 */
  CHECK(!csv_has_control("张三 O'Neil"));
  CHECK_STR(csv_ascii_lower(a, "AbC张"), "abc张");
  arena_destroy(a);
}

int main(void) {
  RUN(test_utf8_bom_crlf_quotes);
  RUN(test_gb18030_and_bad_bytes);
  RUN(test_limits_and_empty);
  RUN(test_quoting_errors);
  RUN(test_columns_and_widths);
  RUN(test_sorted_errors_and_seen);
  return test_done();
}
