/*
 * units_rules.c — codes, names, kinds and the kind hierarchy of the org tree (units_rules.h).
 * Pure: no I/O, no logging.
 */
#include "core/org/units_rules.h"

#include <string.h>

#include "core/common/csv.h"
#include "core/common/text.h"

bool org_units_code_valid(const char *code) {
  return code != NULL && text_is_code(code, 64);
}

bool org_units_campus_id_valid(const char *campus_id) {
  return campus_id != NULL && text_is_code(campus_id, 32);
}

static bool text_ok(const char *s, long min, long max) {
  if (s == NULL || csv_has_control(s))
    return false;
  long n = text_utf8_length(s, strlen(s));
  return n >= min && n <= max;
}

bool org_units_name_valid(const char *name) {
  return text_ok(name, 1, ORG_NAME_MAX_CHARS);
}

bool org_units_name_en_valid(const char *name_en) {
  return text_ok(name_en, 0, ORG_NAME_EN_MAX_CHARS);
}

bool org_units_title_valid(const char *title) {
  return text_ok(title, 0, ORG_TITLE_MAX_CHARS);
}

static const struct {
  const char *en, *zh;
} kinds[] = {{"", ""},          {"university", "学校"}, {"college", "学院"}, {"department", "部门"},
             {"major", "专业"}, {"class", "班级"}};

static bool ascii_ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
    char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
    if (x != y)
      return false;
  }
  return *a == *b;
}

int org_units_kind_parse(const char *s) {
  if (s == NULL || *s == '\0')
    return 0;
  for (int k = ORG_KIND_UNIVERSITY; k <= ORG_KIND_CLASS; k++)
    if (ascii_ieq(s, kinds[k].en) || strcmp(s, kinds[k].zh) == 0)
      return k;
  return 0;
}

const char *org_units_kind_name(int kind) {
  return kind >= ORG_KIND_UNIVERSITY && kind <= ORG_KIND_CLASS ? kinds[kind].en : "";
}

bool org_units_kind_parent_ok(int kind, int parent_kind, const char **zh, const char **en) {
  switch (kind) {
  case ORG_KIND_UNIVERSITY:
    if (parent_kind == 0)
      return true;
    *zh = "学校是唯一的根单位，不能有上级单位";
    *en = "the university is the root: it has no parent";
    return false;
  case ORG_KIND_COLLEGE:
  case ORG_KIND_DEPARTMENT:
    if (parent_kind == ORG_KIND_UNIVERSITY)
      return true;
    *zh = "学院和部门的上级单位必须是学校";
    *en = "a college or department must sit directly under the university";
    return false;
  case ORG_KIND_MAJOR:
    if (parent_kind == ORG_KIND_COLLEGE)
      return true;
    *zh = "专业的上级单位必须是学院";
    *en = "a major must sit under a college";
    return false;
  case ORG_KIND_CLASS:
    if (parent_kind == ORG_KIND_MAJOR || parent_kind == ORG_KIND_COLLEGE)
      return true;
    *zh = "班级的上级单位必须是专业或学院";
    *en = "a class must sit under a major or a college";
    return false;
  default:
    *zh = "单位类型须为学校、学院、部门、专业或班级";
    *en = "the kind must be university, college, department, major or class";
    return false;
  }
}
