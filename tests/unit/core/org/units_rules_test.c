/*
 * units_rules_test.c — core/org/units_rules.c: codes, names, kinds in both languages and the
 * kind hierarchy (which kind may sit under which).
 */
#include <string.h>

#include "core/org/units_rules.h"
#include "tests/unit/test.h"

static void test_codes_and_names(void) {
  CHECK(org_units_code_valid("CS-2023-1"));
  CHECK(org_units_code_valid("a_b.c"));
  CHECK(!org_units_code_valid(""));
  CHECK(!org_units_code_valid("C S"));
  CHECK(!org_units_code_valid("计算机"));
  char long_code[66];
  memset(long_code, 'A', 65);
  long_code[65] = '\0';
  CHECK(!org_units_code_valid(long_code));
  long_code[64] = '\0';
  CHECK(org_units_code_valid(long_code));
  CHECK(org_units_campus_id_valid("2023010101"));
  CHECK(!org_units_campus_id_valid("123456789012345678901234567890123")); /* 33 */
  CHECK(org_units_name_valid("计算机与信息工程学院"));
  CHECK(!org_units_name_valid(""));
  CHECK(!org_units_name_valid("a\tb"));
  CHECK(org_units_name_en_valid(""));
  CHECK(org_units_title_valid(""));
  /* 64 Chinese characters are fine (characters, not bytes); 65 are not. */
  char name[65 * 3 + 1] = "";
  for (int i = 0; i < 64; i++)
    strcat(name, "院");
  CHECK(org_units_name_valid(name));
  strcat(name, "院");
  CHECK(!org_units_name_valid(name));
}

static void test_kinds(void) {
  CHECK_INT(org_units_kind_parse("university"), ORG_KIND_UNIVERSITY);
  CHECK_INT(org_units_kind_parse("College"), ORG_KIND_COLLEGE);
  CHECK_INT(org_units_kind_parse("部门"), ORG_KIND_DEPARTMENT);
  CHECK_INT(org_units_kind_parse("专业"), ORG_KIND_MAJOR);
  CHECK_INT(org_units_kind_parse("班级"), ORG_KIND_CLASS);
  CHECK_INT(org_units_kind_parse("school"), 0);
  CHECK_INT(org_units_kind_parse(""), 0);
  CHECK_STR(org_units_kind_name(ORG_KIND_MAJOR), "major");
  CHECK_STR(org_units_kind_name(9), "");
}

static void test_hierarchy(void) {
  const char *zh = NULL, *en = NULL;
  CHECK(org_units_kind_parent_ok(ORG_KIND_UNIVERSITY, 0, &zh, &en));
  CHECK(!org_units_kind_parent_ok(ORG_KIND_UNIVERSITY, ORG_KIND_COLLEGE, &zh, &en));
  CHECK(org_units_kind_parent_ok(ORG_KIND_COLLEGE, ORG_KIND_UNIVERSITY, &zh, &en));
  CHECK(org_units_kind_parent_ok(ORG_KIND_DEPARTMENT, ORG_KIND_UNIVERSITY, &zh, &en));
  CHECK(!org_units_kind_parent_ok(ORG_KIND_COLLEGE, ORG_KIND_COLLEGE, &zh, &en));
  CHECK(!org_units_kind_parent_ok(ORG_KIND_COLLEGE, 0, &zh, &en));
  CHECK(org_units_kind_parent_ok(ORG_KIND_MAJOR, ORG_KIND_COLLEGE, &zh, &en));
  CHECK(!org_units_kind_parent_ok(ORG_KIND_MAJOR, ORG_KIND_DEPARTMENT, &zh, &en));
  CHECK(org_units_kind_parent_ok(ORG_KIND_CLASS, ORG_KIND_MAJOR, &zh, &en));
  CHECK(org_units_kind_parent_ok(ORG_KIND_CLASS, ORG_KIND_COLLEGE, &zh, &en));
  /* Nothing sits under a class. */
  for (int k = ORG_KIND_UNIVERSITY; k <= ORG_KIND_CLASS; k++)
    CHECK(!org_units_kind_parent_ok(k, ORG_KIND_CLASS, &zh, &en));
  CHECK(strstr(zh, "班级") != NULL || strstr(zh, "专业") != NULL || strstr(zh, "学") != NULL);
  CHECK(en != NULL && en[0] != '\0');
}

int main(void) {
  RUN(test_codes_and_names);
  RUN(test_kinds);
  RUN(test_hierarchy);
  return test_done();
}
