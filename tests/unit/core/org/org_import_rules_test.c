/*
 * org_import_rules_test.c — core/org/org_import_rules.c: parsing HR's file (both kind
 * languages, GB18030, every line error with its line and column, the tree checks: one
 * university, known parents, fitting kinds, cycles) and the diff against a tree (each change
 * kind, people moved, unknown people, kind changes, closing units that would strand people,
 * determinism of the canonical text).
 */
#include <string.h>

#include "core/common/arena.h"
#include "core/org/org_import_rules.h"
#include "core/org/units_rules.h"
#include "tests/unit/test.h"

#define HEADER "type,code,name,name_en,kind,parent,title\n"
#define MAX_BYTES (8u << 20)
#define MAX_ROWS 200000

static bool has_error(const csv_file_t *f, int line, const char *column, const char *zh) {
  for (size_t i = 0; i < f->n_errors; i++)
    if (f->errors[i].line == line && strcmp(f->errors[i].column, column) == 0 &&
        strstr(f->errors[i].reason, zh) != NULL && f->errors[i].reason_en[0] != '\0')
      return true;
  for (size_t i = 0; i < f->n_errors; i++)
    fprintf(stderr, "  line %d: %s: %s\n", f->errors[i].line, f->errors[i].column,
            f->errors[i].reason);
  return false;
}

static bool parse(arena_t *a, const char *csv, org_import_file_t *f) {
  return org_import_parse(a, csv, strlen(csv), MAX_BYTES, MAX_ROWS, f);
}

#define TREE_FILE                                                                                  \
  HEADER "unit,U,大学,Univ,university,,\n"                                                       \
         "unit,C1,学院一,,学院,U,\n"                                                          \
         "unit,M1,专业一,,major,C1,\n"                                                          \
         "unit,K1,班级一,,班级,M1,\n"                                                         \
         "unit,D1,人事处,,department,U,\n"                                                      \
         "person,s1,,,,K1,\n"                                                                      \
         "person,t1,,,,D1,科员\n"                                                                \
         "person,t1,,,,C1,教授\n"

static void test_parse_valid(void) {
  arena_t *a = arena_create(0);
  org_import_file_t f;
  CHECK(parse(a, TREE_FILE, &f));
  CHECK_STR(f.csv.encoding, "utf-8");
  CHECK_INT(f.n_units, 5);
  CHECK_INT(f.n_people, 3);
  CHECK_STR(f.units[0].code, "U");
  CHECK_INT(f.units[0].kind, ORG_KIND_UNIVERSITY);
  CHECK_STR(f.units[0].parent, "");
  CHECK_INT(f.units[1].kind, ORG_KIND_COLLEGE);
  CHECK_INT(f.units[3].kind, ORG_KIND_CLASS);
  CHECK_INT(f.units[3].line, 5);
  CHECK_STR(f.people[2].campus_id, "t1");
  CHECK_STR(f.people[2].unit, "C1");
  CHECK_STR(f.people[2].title, "教授");
  CHECK_INT(f.people[2].line, 9);
  arena_destroy(a);
}

static void test_parse_gb18030(void) {
  arena_t *a = arena_create(0);
  /* "unit,U,大学,,学校,," in GB18030: 大学 = B4F3 D1A7, 学校 = D1A7 D0A3 */
  const char csv[] = HEADER "unit,U,\xb4\xf3\xd1\xa7,,\xd1\xa7\xd0\xa3,,\n";
  org_import_file_t f;
  CHECK(parse(a, csv, &f));
  CHECK_STR(f.csv.encoding, "gb18030");
  CHECK_INT(f.n_units, 1);
  CHECK_STR(f.units[0].name, "大学");
  CHECK_INT(f.units[0].kind, ORG_KIND_UNIVERSITY);
  arena_destroy(a);
}

static void test_parse_line_errors(void) {
  arena_t *a = arena_create(0);
  org_import_file_t f;
  const char *csv = HEADER "unit,U,大学,,university,,\n"     /* 2 */
                           "unit,C1,学院,,college,U,\n"      /* 3 */
                           "unit,C1,重复,,college,U,\n"      /* 4: duplicate code */
                           "unit,C 2,坏代码,,college,U,\n"   /* 5: bad code */
                           "unit,C3,,,college,U,\n"          /* 6: empty name */
                           "unit,C4,学院四,,faculty,U,\n"    /* 7: bad kind */
                           "unit,C5,学院五,,college,NOPE,\n" /* 8: unknown parent */
                           "unit,M1,专业,,major,U,\n"        /* 9: major under university */
                           "unit,U2,大学二,,university,,\n"  /* 10: a second university */
                           "unit,C6,学院六,,college,,\n"     /* 11: parent missing */
                           "person,bad id,,,,C1,\n"          /* 12: bad campus id */
                           "person,p1,,,,GONE,\n"            /* 13: unit not in file */
                           "person,p1,,,,C1,\n"              /* 14 */
                           "person,p1,,,,C1,\n"              /* 15: repeats 14 */
                           "robot,x,,,,C1,\n"                /* 16: bad type */
                           "unit,C7,学院七,,college,U\n"     /* 17: 6 columns */
                           "unit,C8,\"a\x01b\",,college,U,\n"
                           "unit,C9,学院九,,college,NOPE,\n"
                           "person,p2,,,,GONE,\n"; /* 18: control character */
  CHECK(!parse(a, csv, &f));
  CHECK(has_error(&f.csv, 4, "code", "与第 3 行重复"));
  CHECK(has_error(&f.csv, 5, "code", "单位代码"));
  CHECK(has_error(&f.csv, 6, "name", "单位名称"));
  CHECK(has_error(&f.csv, 7, "kind", "单位类型"));
  CHECK(has_error(&f.csv, 8, "parent", "NOPE 不在文件中"));
  CHECK(has_error(&f.csv, 9, "parent", "专业的上级单位必须是学院"));
  CHECK(has_error(&f.csv, 10, "kind", "只能有一个学校（第 2 行已有）"));
  CHECK(has_error(&f.csv, 11, "parent", "上级单位代码"));
  CHECK(has_error(&f.csv, 12, "code", "学号"));
  CHECK(has_error(&f.csv, 13, "parent", "GONE 不在文件中"));
  CHECK(has_error(&f.csv, 15, "", "与第 14 行重复"));
  CHECK(has_error(&f.csv, 16, "type", "unit"));
  CHECK(has_error(&f.csv, 17, "", "此行有 6 列"));
  CHECK(has_error(&f.csv, 18, "name", "控制字符"));
  /* Every line naming an unknown unit is reported, not only the first. */
  CHECK(has_error(&f.csv, 19, "parent", "NOPE 不在文件中"));
  CHECK(has_error(&f.csv, 20, "parent", "GONE 不在文件中"));
  /* Errors come in line order once sorted. */
  const csv_error_t *e = csv_errors_sorted(&f.csv);
  for (size_t i = 1; i < f.csv.n_errors; i++)
    CHECK(e[i - 1].line <= e[i].line);
  arena_destroy(a);
}

static void test_parse_tree_errors(void) {
  arena_t *a = arena_create(0);
  org_import_file_t f;
  /* No university at all (and nothing else wrong): reported for the file, on line 1. */
  CHECK(!parse(a, HEADER "unit,C1,学院,,college,C2,\nunit,C2,学院二,,college,C1,\n", &f));
  CHECK(has_error(&f.csv, 1, "", "没有学校"));
  /* A cycle among the parents: each line of it named. */
  CHECK(has_error(&f.csv, 2, "parent", "循环"));
  CHECK(has_error(&f.csv, 3, "parent", "循环"));

  /* The header: required columns. */
  CHECK(!parse(a, "type,code,name\nunit,U,大学\n", &f));
  CHECK(has_error(&f.csv, 1, "kind", "缺少必需的列"));
  CHECK(has_error(&f.csv, 1, "parent", "缺少必需的列"));
  arena_destroy(a);
}

/* The tree as the service would load it. */
static const org_tree_unit_t tree_units[] = {
    {"U", "大学", "Univ", "", ORG_KIND_UNIVERSITY, false},
    {"C1", "学院一", "", "U", ORG_KIND_COLLEGE, false},
    {"M1", "旧专业名", "", "C1", ORG_KIND_MAJOR, false},  /* renamed by the file */
    {"K1", "班级一", "", "C1", ORG_KIND_CLASS, false},    /* moved to M1 by the file */
    {"D1", "人事处", "", "U", ORG_KIND_DEPARTMENT, true}, /* reopened */
    {"OLD", "旧学院", "", "U", ORG_KIND_COLLEGE, false},  /* closed (not in the file) */
};

static const org_tree_membership_t tree_members[] = {
    {"s1", "C1", ""},     /* moves to K1 */
    {"t1", "D1", "科员"}, /* t1 keeps D1 (same title) and gains C1 */
    {"x9", "C1", ""},     /* not in the file: keeps C1 */
    {"o1", "OLD", ""},    /* in the file: moves out of the closing OLD */
};

static const org_tree_account_t tree_accounts[] = {
    {"s1", "学生甲"}, {"t1", "教师乙"}, {"o1", "教师丙"}};

static void test_diff(void) {
  arena_t *a = arena_create(0);
  org_import_file_t f;
  CHECK(parse(a, TREE_FILE "person,o1,,,,D1,\n", &f));
  org_tree_t tree = {tree_units, 6, tree_members, 4, tree_accounts, 3};
  org_import_diff_t d;
  CHECK(org_import_diff(a, &f, &tree, &d));
  CHECK_INT(f.csv.n_errors, 0);
  /* Sorted by change, then code: renamed M1, moved K1, closed OLD, reopened D1. */
  CHECK_INT(d.n_units, 4);
  CHECK_INT(d.units[0].change, ORG_CHANGE_RENAMED);
  CHECK_STR(d.units[0].code, "M1");
  CHECK_STR(d.units[0].old_value, "旧专业名");
  CHECK_STR(d.units[0].name, "专业一");
  CHECK_INT(d.units[1].change, ORG_CHANGE_MOVED);
  CHECK_STR(d.units[1].code, "K1");
  CHECK_STR(d.units[1].old_value, "C1");
  CHECK_STR(d.units[1].new_value, "M1");
  CHECK_INT(d.units[2].change, ORG_CHANGE_CLOSED);
  CHECK_STR(d.units[2].code, "OLD");
  CHECK_INT(d.units[3].change, ORG_CHANGE_REOPENED);
  CHECK_STR(d.units[3].code, "D1");
  CHECK_INT(d.units_unchanged, 2); /* U, C1 */

  CHECK_INT(d.n_people, 3); /* o1, s1, t1 by campus id */
  CHECK_STR(d.people[0].campus_id, "o1");
  CHECK_INT(d.people[0].n_old, 1);
  CHECK_STR(d.people[0].old_units[0], "OLD");
  CHECK_STR(d.people[0].new_units[0], "D1");
  CHECK_STR(d.people[1].campus_id, "s1");
  CHECK_STR(d.people[1].name, "学生甲");
  CHECK_STR(d.people[2].campus_id, "t1");
  CHECK_INT(d.people[2].n_new, 2);
  CHECK_STR(d.people[2].new_units[0], "C1"); /* sorted */
  CHECK_STR(d.people[2].new_units[1], "D1");
  CHECK_STR(d.people[2].units[0], "D1"); /* file order, for applying */
  CHECK_STR(d.people[2].titles[1], "教授");
  CHECK_INT(d.people_unchanged, 0);
  CHECK_INT(d.n_persons, 3);
  CHECK(d.canonical_len > 0);

  /* The same inputs give the same canonical text. */
  org_import_file_t f2;
  org_import_diff_t d2;
  CHECK(parse(a, TREE_FILE "person,o1,,,,D1,\n", &f2));
  CHECK(org_import_diff(a, &f2, &tree, &d2));
  CHECK(d.canonical_len == d2.canonical_len &&
        memcmp(d.canonical, d2.canonical, d.canonical_len) == 0);
  arena_destroy(a);
}

static void test_diff_added_depths_and_nothing_changed(void) {
  arena_t *a = arena_create(0);
  org_import_file_t f;
  CHECK(parse(a,
              HEADER "unit,U,大学,Univ,university,,\n"
                     "unit,C1,学院一,,college,U,\n"
                     "unit,NC,新学院,,college,U,\n"
                     "unit,NM,新专业,,major,NC,\n"
                     "unit,NK,新班级,,class,NM,\n",
              &f));
  static const org_tree_unit_t units[] = {{"U", "大学", "Univ", "", ORG_KIND_UNIVERSITY, false},
                                          {"C1", "学院一", "", "U", ORG_KIND_COLLEGE, false}};
  org_tree_t tree = {units, 2, NULL, 0, NULL, 0};
  org_import_diff_t d;
  CHECK(org_import_diff(a, &f, &tree, &d));
  CHECK_INT(d.n_units, 3);
  for (size_t i = 0; i < d.n_units; i++) {
    CHECK_INT(d.units[i].change, ORG_CHANGE_ADDED);
    if (strcmp(d.units[i].code, "NC") == 0)
      CHECK_INT(d.units[i].depth, 0);
    if (strcmp(d.units[i].code, "NM") == 0)
      CHECK_INT(d.units[i].depth, 1);
    if (strcmp(d.units[i].code, "NK") == 0)
      CHECK_INT(d.units[i].depth, 2);
  }

  /* A file equal to the tree: an empty diff. */
  CHECK(parse(a,
              HEADER "unit,U,大学,Univ,university,,\nunit,C1,学院一,,college,U,\n"
                     "person,p,,,,C1,\n",
              &f));
  static const org_tree_membership_t m[] = {{"p", "C1", ""}};
  static const org_tree_account_t acc[] = {{"p", "某人"}};
  org_tree_t same = {units, 2, m, 1, acc, 1};
  CHECK(org_import_diff(a, &f, &same, &d));
  CHECK_INT(d.n_units, 0);
  CHECK_INT(d.n_people, 0);
  CHECK_INT(d.units_unchanged, 2);
  CHECK_INT(d.people_unchanged, 1);
  arena_destroy(a);
}

static void test_diff_errors(void) {
  arena_t *a = arena_create(0);
  org_import_file_t f;
  /* OLD closes while x9 (not in the file) belongs to it; nobody1 has no account; C1 was a
   * department and the file calls it a college. */
  CHECK(parse(a,
              HEADER "unit,U,大学,Univ,university,,\n"
                     "unit,C1,学院一,,college,U,\n"
                     "person,nobody1,,,,C1,\n"
                     "person,nobody1,,,,U,\n",
              &f));
  static const org_tree_unit_t units[] = {{"U", "大学", "Univ", "", ORG_KIND_UNIVERSITY, false},
                                          {"C1", "学院一", "", "U", ORG_KIND_DEPARTMENT, false},
                                          {"OLD", "旧学院", "", "U", ORG_KIND_COLLEGE, false}};
  static const org_tree_membership_t m[] = {{"x9", "OLD", ""}, {"x8", "OLD", "t"}};
  org_tree_t tree = {units, 3, m, 2, NULL, 0};
  org_import_diff_t d;
  CHECK(!org_import_diff(a, &f, &tree, &d));
  CHECK(has_error(&f.csv, 1, "", "OLD"));
  CHECK(has_error(&f.csv, 1, "", "仍有 2 人"));
  CHECK(has_error(&f.csv, 3, "kind", "不能更改"));
  CHECK(has_error(&f.csv, 4, "code", "不存在"));
  CHECK(has_error(&f.csv, 5, "code", "不存在"));
  arena_destroy(a);
}

int main(void) {
  RUN(test_parse_valid);
  RUN(test_parse_gb18030);
  RUN(test_parse_line_errors);
  RUN(test_parse_tree_errors);
  RUN(test_diff);
  RUN(test_diff_added_depths_and_nothing_changed);
  RUN(test_diff_errors);
  return test_done();
}
