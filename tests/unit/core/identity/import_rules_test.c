/*
 * import_rules_test.c — core/identity/import_rules.c: encodings (UTF-8 with and without BOM,
 * GB18030 bytes made by Python's .encode("gb18030")), RFC 4180 quoting, the header, and every
 * row error with its line and column.
 */
#include <string.h>

#include "core/common/arena.h"
#include "core/identity/import_rules.h"
#include "tests/unit/test.h"

#define HEADER "campus_id,name,kind,org_unit,email,phone,status,roles,password_hash,id_card\n"
#define MD5PW "md5:5f4dcc3b5aa765d61d8327deb882cf99"

static import_parsed_t parse(arena_t *a, const char *csv) {
  import_parsed_t p;
  import_rules_parse(a, csv, strlen(csv), &p);
  return p;
}

/* True if some error is on `line`, names `column` and its reason contains `zh`. */
static bool has_error(const import_parsed_t *p, int line, const char *column, const char *zh) {
  for (size_t i = 0; i < p->n_errors; i++)
    if (p->errors[i].line == line && strcmp(p->errors[i].column, column) == 0 &&
        strstr(p->errors[i].reason, zh) != NULL && p->errors[i].reason_en[0] != '\0')
      return true;
  return false;
}

static void dump(const import_parsed_t *p) {
  for (size_t i = 0; i < p->n_errors; i++)
    fprintf(stderr, "  line %d: %s: %s\n", p->errors[i].line, p->errors[i].column,
            p->errors[i].reason);
}

static void test_utf8_valid_file(void) {
  arena_t *a = arena_create(0);
  import_parsed_t p = parse(
      a, "\xEF\xBB\xBF" HEADER
         "2019001,张三,student,CS,Zhang.San@QQ.com,13800000000,,," MD5PW ",\r\n"
         "\r\n"
         "T1001,\"Li, \"\"Si\"\"\",教职工,,,,locked,\"dept_admin@CS; hall_admin;hall_admin\",,"
         "11010519491231002x\n"
         "2019003,\"王五\",学生,MATH,,,graduated,,,440304200108151231");
  dump(&p);
  CHECK_STR(p.encoding, "utf-8");
  CHECK_INT(p.n_errors, 0);
  CHECK_INT(p.n_records, 3);
  CHECK_INT(p.n_rows, 3);
  if (p.n_rows == 3) {
    const import_account_t *r = p.rows;
    CHECK_INT(r[0].line, 2);
    CHECK_STR(r[0].campus_id, "2019001");
    CHECK_STR(r[0].name, "张三");
    CHECK_INT(r[0].kind, IMPORT_KIND_STUDENT);
    CHECK_STR(r[0].email, "zhang.san@qq.com");
    CHECK_INT(r[0].status, IMPORT_STATUS_ACTIVE);
    CHECK_INT(r[0].n_roles, 1);
    CHECK_STR(r[0].roles[0].name, "student");
    CHECK_STR(r[0].password_hash, MD5PW);
    CHECK_STR(r[0].id_card, "");
    CHECK_INT(r[1].line, 4); /* the blank line 3 is skipped but counted */
    CHECK_STR(r[1].name, "Li, \"Si\"");
    CHECK_INT(r[1].kind, IMPORT_KIND_STAFF);
    CHECK_INT(r[1].status, IMPORT_STATUS_LOCKED);
    CHECK_INT(r[1].n_roles, 2);
    CHECK_STR(r[1].roles[0].name, "dept_admin");
    CHECK_STR(r[1].roles[0].org_unit, "CS");
    CHECK_STR(r[1].roles[1].name, "hall_admin");
    CHECK_STR(r[1].roles[1].org_unit, "");
    CHECK_STR(r[1].password_hash, "");
    CHECK_STR(r[1].id_card, "11010519491231002X");
    CHECK_INT(r[2].line, 5);
    CHECK_STR(r[2].name, "王五");
    CHECK_INT(r[2].status, IMPORT_STATUS_GRADUATED);
  }
  arena_destroy(a);
}

static void test_multiline_field_counts_lines(void) {
  arena_t *a = arena_create(0);
  import_parsed_t p =
      parse(a, HEADER "2019001,\"A\nB\",student,,,,,,," MD5PW "\n2019002,,student,,,,,," MD5PW ",\n");
  /* Line 2–3 is one record (a newline inside a name is refused); line 4 has an empty name. */
  dump(&p);
  CHECK(has_error(&p, 2, "name", "控制字符"));
  CHECK(has_error(&p, 4, "name", "1–64"));
  CHECK_INT(p.n_rows, 0);
  arena_destroy(a);
}

static void test_gb18030(void) {
  arena_t *a = arena_create(0);
  /* "campus_id,name,kind,org_unit,password_hash\r\n2019001,张三,学生,计算机学院,md5:…\r\n
   *  2019002,李四·欧阳,教职工,文学院,sha1:…\r\n".encode("gb18030") */
  static const char csv[] =
      "campus_id,name,kind,org_unit,password_hash\r\n2019001,\xd5\xc5\xc8\xfd,\xd1\xa7\xc9\xfa,"
      "\xbc\xc6\xcb\xe3\xbb\xfa\xd1\xa7\xd4\xba,md5:5f4dcc3b5aa765d61d8327deb882cf99\r\n2019002,"
      "\xc0\xee\xcb\xc4\xa1\xa4\xc5\xb7\xd1\xf4,\xbd\xcc\xd6\xb0\xb9\xa4,\xce\xc4\xd1\xa7\xd4\xba,"
      "sha1:5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8\r\n";
  import_parsed_t p = parse(a, csv);
  dump(&p);
  CHECK_STR(p.encoding, "gb18030");
  CHECK_INT(p.n_errors, 0);
  CHECK_INT(p.n_rows, 2);
  if (p.n_rows == 2) {
    CHECK_STR(p.rows[0].name, "张三");
    CHECK_INT(p.rows[0].kind, IMPORT_KIND_STUDENT);
    CHECK_STR(p.rows[0].org_unit, "计算机学院");
    CHECK_STR(p.rows[1].name, "李四·欧阳");
    CHECK_INT(p.rows[1].kind, IMPORT_KIND_STAFF);
    CHECK_STR(p.rows[1].org_unit, "文学院");
    CHECK_INT(p.rows[1].n_roles, 1);
    CHECK_STR(p.rows[1].roles[0].name, "staff");
  }
  arena_destroy(a);
}

static void test_bad_encoding(void) {
  arena_t *a = arena_create(0);
  /* 0xFF is no lead byte in UTF-8 nor GB18030: refused, naming line 3. */
  import_parsed_t p = parse(a, HEADER "2019001,ok,student,,,,,,," MD5PW "\n2019002,\xff\xfe,student,,,,,,," MD5PW "\n");
  dump(&p);
  CHECK(p.encoding == NULL);
  CHECK_INT(p.n_rows, 0);
  CHECK(has_error(&p, 3, "", "UTF-8"));
  arena_destroy(a);
}

static void test_header_errors(void) {
  arena_t *a = arena_create(0);
  import_parsed_t p = parse(a, "name,kind,nickname,kind\n张三,student,x,student\n");
  dump(&p);
  CHECK(has_error(&p, 1, "campus_id", "缺少必需的列"));
  CHECK(has_error(&p, 1, "nickname", "未知的列"));
  CHECK(has_error(&p, 1, "kind", "列重复"));
  CHECK(has_error(&p, 1, "password_hash", "password_hash 或 id_card"));
  CHECK_INT(p.n_rows, 0);

  /* Any order; upper case names are fine. */
  p = parse(a, "Password_Hash,KIND,name,campus_id\n" MD5PW ",staff,Ann,S001\n");
  CHECK_INT(p.n_errors, 0);
  CHECK_INT(p.n_rows, 1);
  if (p.n_rows == 1) {
    CHECK_STR(p.rows[0].campus_id, "S001");
    CHECK_INT(p.rows[0].kind, IMPORT_KIND_STAFF);
  }

  p = parse(a, "");
  CHECK(has_error(&p, 1, "", "文件为空"));
  p = parse(a, HEADER);
  CHECK(has_error(&p, 1, "", "没有数据行"));
  arena_destroy(a);
}

static void test_quoting_errors(void) {
  arena_t *a = arena_create(0);
  import_parsed_t p = parse(a, HEADER "2019001,\"Ann\"x,student,,,,,,," MD5PW "\n"
                                      "2019002,An\"n,student,,,,,,," MD5PW "\n"
                                      "2019003,Bob,student\n");
  dump(&p);
  CHECK(has_error(&p, 2, "", "引号后"));
  CHECK(has_error(&p, 3, "", "双引号包围"));
  CHECK(has_error(&p, 4, "", "此行有 3 列"));
  /* An unterminated quote leaves the rest unreadable: one error, on the line it starts. */
  p = parse(a, HEADER "2019004,Ann,student,,,,,,," MD5PW ",\n2019005,\"Bob,student\nmore\n");
  CHECK(has_error(&p, 3, "", "引号未闭合"));
  CHECK_INT(p.n_rows, 0);
  arena_destroy(a);
}

/* One data line with the HEADER's columns. */
static const char *row(arena_t *a, const char *campus, const char *name, const char *kind,
                       const char *org, const char *email, const char *phone, const char *status,
                       const char *roles, const char *hash, const char *card) {
  return arena_printf(a, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", campus, name, kind, org, email, phone,
                      status, roles, hash, card);
}

static void test_row_errors(void) {
  arena_t *a = arena_create(0);
  const char *long65 = "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLM";
  const char *lines[] = {
      HEADER,
      row(a, "bad id!", "Ann", "student", "", "", "", "", "", MD5PW, ""),             /* 2 */
      row(a, "2019002", "Ann", "teacher", "", "", "", "", "", MD5PW, ""),             /* 3 */
      row(a, "2019003", "Ann", "student", "", "not-an-email", "", "", "", MD5PW, ""), /* 4 */
      row(a, "2019004", "Ann", "student", "", "", "123456789012345678901234567890123", "", "",
          MD5PW, ""),                                                                 /* 5 */
      row(a, "2019005", "Ann", "student", "", "", "", "sleeping", "", MD5PW, ""),     /* 6 */
      row(a, "2019006", "Ann", "student", "", "", "", "", "dept_admin", MD5PW, ""),   /* 7 */
      row(a, "2019007", "Ann", "student", "", "", "", "", "root", MD5PW, ""),         /* 8 */
      row(a, "2019008", "Ann", "student", "", "", "", "", "student@CS", MD5PW, ""),   /* 9 */
      row(a, "2019009", "Ann", "student", "", "", "", "", "", "md5:1234", ""),        /* 10 */
      row(a, "2019010", "Ann", "student", "", "", "", "", "", "", ""),                /* 11 */
      row(a, "2019011", "Ann", "student", "", "", "", "", "", "", "110105194912310021"), /* 12 */
      row(a, "2019002", "Ann", "student", "", "", "", "", "", MD5PW, ""),             /* 13 */
      row(a, "2019013", "Ann", "student", "", "", "", "", "", "", "11010519491231002X"), /* 14 */
      row(a, "2019014", "Ann", "student", "", "", "", "", "", "", "11010519491231002x"), /* 15 */
      row(a, "2019015", "Ann", "student", long65, "", "", "", "", MD5PW, ""),         /* 16 */
      row(a, "2019016", long65, "student", "", "", "", "", "", MD5PW, ""),            /* 17 */
      row(a, "2019017", "Ann", "student", "", "", "", "", "", MD5PW, ""),             /* 18 ok */
      row(a, "2019018", "A\x01nn", "student", "", "", "", "", "", MD5PW, ""),         /* 19 */
      row(a, "123456789012345678901234567890123", "Ann", "student", "", "", "", "", "", MD5PW,
          ""),                                                                        /* 20 */
  };
  char *csv = "";
  for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
    csv = arena_printf(a, "%s%s", csv, lines[i]);
  import_parsed_t p = parse(a, csv);
  dump(&p);
  CHECK(has_error(&p, 2, "campus_id", "1–32"));
  CHECK(has_error(&p, 3, "kind", "student"));
  CHECK(has_error(&p, 4, "email", "邮箱格式"));
  CHECK(has_error(&p, 5, "phone", "32"));
  CHECK(has_error(&p, 6, "status", "active"));
  CHECK(has_error(&p, 7, "roles", "dept_admin 须写明"));
  CHECK(has_error(&p, 8, "roles", "未知的角色"));
  CHECK(has_error(&p, 9, "roles", "只有 dept_admin"));
  CHECK(has_error(&p, 10, "password_hash", "无法识别"));
  CHECK(has_error(&p, 11, "password_hash", "须提供"));
  CHECK(has_error(&p, 12, "id_card", "身份证号无效"));
  CHECK(has_error(&p, 13, "campus_id", "与第 3 行重复"));
  CHECK(has_error(&p, 15, "id_card", "与第 14 行重复"));
  CHECK(has_error(&p, 16, "org_unit", "64"));
  CHECK(has_error(&p, 17, "name", "1–64"));
  CHECK(has_error(&p, 19, "name", "控制字符"));
  CHECK(has_error(&p, 20, "campus_id", "1–32"));
  CHECK_INT(p.n_records, 19);
  CHECK_INT(p.n_rows, 2); /* lines 14 and 18 */
  /* Errors come in line order, and no reason carries the ID number itself. */
  for (size_t i = 1; i < p.n_errors; i++)
    CHECK(p.errors[i - 1].line <= p.errors[i].line);
  for (size_t i = 0; i < p.n_errors; i++)
    CHECK(strstr(p.errors[i].reason, "1101051949") == NULL);
  arena_destroy(a);
}

static void test_too_many_rows(void) {
  arena_t *a = arena_create(0);
  size_t cap = 64 + (size_t)(IMPORT_MAX_ROWS + 1) * 64;
  char *csv = arena_alloc(a, cap), *o = csv;
  o += sprintf(o, "campus_id,name,kind,password_hash\n");
  for (int i = 0; i <= IMPORT_MAX_ROWS; i++)
    o += sprintf(o, "S%d,N,student," MD5PW "\n", i);
  import_parsed_t p;
  import_rules_parse(a, csv, (size_t)(o - csv), &p);
  CHECK_INT(p.n_rows, 0);
  CHECK(has_error(&p, IMPORT_MAX_ROWS + 2, "", "100000"));
  /* Exactly the limit is fine. */
  import_rules_parse(a, csv, (size_t)(o - csv) - strlen("S100000,N,student," MD5PW "\n"), &p);
  CHECK_INT(p.n_errors, 0);
  CHECK_INT(p.n_rows, IMPORT_MAX_ROWS);
  /* And the byte limit. */
  char *big = arena_zalloc(a, IMPORT_MAX_BYTES + 1);
  import_rules_parse(a, big, IMPORT_MAX_BYTES + 1, &p);
  CHECK(has_error(&p, 1, "", "8 MiB"));
  arena_destroy(a);
}

int main(void) {
  RUN(test_utf8_valid_file);
  RUN(test_multiline_field_counts_lines);
  RUN(test_gb18030);
  RUN(test_bad_encoding);
  RUN(test_header_errors);
  RUN(test_quoting_errors);
  RUN(test_row_errors);
  RUN(test_too_many_rows);
  return test_done();
}
