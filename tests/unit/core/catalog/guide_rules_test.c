/*
 * guide_rules_test.c — a guide's validation (each bad field named, several at once, HTML kept
 * as text), codes, categories, template files, and the diff of two versions.
 */
#include <stdbool.h>
#include <string.h>

#include "core/catalog/guide_rules.h"
#include "core/common/arena.h"
#include "tests/unit/test.h"

static arena_t *A;
static const char *cats[] = {"certificates", "student-affairs"};
static const char *themes[] = {"freshmen"};
static const guide_known_t known = {cats, 2, themes, 1};

typedef Ehall__Catalog__V1__Guide guide_t;

static Ehall__Catalog__V1__OpeningHours *hours(int d1, int d2, const char *open,
                                               const char *close) {
  Ehall__Catalog__V1__OpeningHours *h = arena_alloc(A, sizeof *h);
  ehall__catalog__v1__opening_hours__init(h);
  h->weekdays = arena_alloc(A, 2 * sizeof(int32_t));
  h->weekdays[0] = d1;
  h->n_weekdays = 1;
  if (d2) {
    h->weekdays[1] = d2;
    h->n_weekdays = 2;
  }
  h->open = (char *)open;
  h->close = (char *)close;
  return h;
}

static guide_t *valid(void) {
  guide_t *g = arena_alloc(A, sizeof *g);
  ehall__catalog__v1__guide__init(g);
  g->name = "在读证明开具";
  g->name_en = "Certificate of Enrolment";
  g->categories = arena_alloc(A, sizeof(char *));
  g->categories[0] = "certificates";
  g->n_categories = 1;
  g->audience = EHALL__CATALOG__V1__AUDIENCE__AUDIENCE_STUDENTS;
  g->summary = "为在校学生开具在读证明。";
  g->mode = EHALL__CATALOG__V1__HANDLING_MODE__HANDLING_MODE_ONLINE;
  g->steps = arena_alloc(A, 3 * sizeof(char *));
  g->steps[0] = "网上提交申请";
  g->steps[1] = "学院审核";
  g->steps[2] = "领取证明";
  g->n_steps = 3;
  Ehall__Catalog__V1__Location *loc = arena_alloc(A, sizeof *loc);
  ehall__catalog__v1__location__init(loc);
  loc->campus = "东校区";
  loc->place = "行政楼 105 室";
  loc->hours = arena_alloc(A, sizeof *loc->hours);
  loc->hours[0] = hours(1, 5, "08:30", "17:30");
  loc->n_hours = 1;
  g->locations = arena_alloc(A, sizeof *g->locations);
  g->locations[0] = loc;
  g->n_locations = 1;
  g->contact_phone = "0373-3326105";
  return g;
}

static bool has_field(const eh_err_t *err, const char *field) {
  for (int i = 0; i < err->nfields; i++)
    if (strcmp(err->fields[i].field, field) == 0)
      return true;
  return false;
}

static void test_valid(void) {
  eh_err_t err = EH_ERR_INIT;
  CHECK(guide_validate(valid(), &known, &err));
  /* HTML and script are text: accepted exactly as given */
  guide_t *g = valid();
  g->summary = "<script>alert(1)</script> <img src=x onerror=alert(1)>";
  eh_err_t err2 = EH_ERR_INIT;
  CHECK(guide_validate(g, &known, &err2));
  /* multi-line text */
  g->conditions = "1. 在校学生\n2. 无欠费\r\n\t3. 其他";
  CHECK(guide_validate(g, &known, &err2));
}

static void test_required(void) {
  guide_t *g = valid();
  g->name = "  ";
  g->summary = "";
  g->n_categories = 0;
  g->audience = 0;
  g->mode = 0;
  eh_err_t err = EH_ERR_INIT;
  CHECK(!guide_validate(g, &known, &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK(strstr(err.message, "服务名称") != NULL); /* the first names the field */
  CHECK(strstr(err.message_en, "name") != NULL);
  CHECK(has_field(&err, "name"));
  CHECK(has_field(&err, "summary"));
  CHECK(has_field(&err, "categories"));
  CHECK(has_field(&err, "audience"));
  CHECK(has_field(&err, "mode"));
  CHECK(!has_field(&err, "name_en"));
}

static void test_lengths(void) {
  guide_t *g = valid();
  char name[65 * 3 + 1] = "";
  for (int i = 0; i < 65; i++)
    strcat(name, "证");
  g->name = name;
  eh_err_t err = EH_ERR_INIT;
  CHECK(!guide_validate(g, &known, &err));
  CHECK(has_field(&err, "name"));
  CHECK(strstr(err.message, "64") != NULL);
  name[64 * 3] = '\0'; /* 64 characters (192 bytes) are fine */
  eh_err_t err2 = EH_ERR_INIT;
  CHECK(guide_validate(g, &known, &err2));
  /* control characters and invalid UTF-8 */
  g->name = "在读\x01证明";
  eh_err_t err3 = EH_ERR_INIT;
  CHECK(!guide_validate(g, &known, &err3));
  CHECK(has_field(&err3, "name"));
  g->name = "在读证明";
  g->summary = "bad \xff utf-8";
  eh_err_t err4 = EH_ERR_INIT;
  CHECK(!guide_validate(g, &known, &err4));
  CHECK(has_field(&err4, "summary"));
  /* a newline is not allowed in a one-line field */
  g->summary = "ok";
  g->name = "在读\n证明";
  eh_err_t err5 = EH_ERR_INIT;
  CHECK(!guide_validate(g, &known, &err5));
  CHECK(has_field(&err5, "name"));
}

static void test_codes_known(void) {
  guide_t *g = valid();
  g->categories[0] = "no-such-category";
  g->themes = arena_alloc(A, sizeof(char *));
  g->themes[0] = "nope";
  g->n_themes = 1;
  eh_err_t err = EH_ERR_INIT;
  CHECK(!guide_validate(g, &known, &err));
  CHECK(has_field(&err, "categories[0]"));
  CHECK(has_field(&err, "themes[0]"));
  CHECK(strstr(err.message, "no-such-category") != NULL);
}

static void test_hours(void) {
  guide_t *g = valid();
  g->locations[0]->hours[0] = hours(1, 1, "25:00", "17:30"); /* repeat and bad time */
  eh_err_t err = EH_ERR_INIT;
  CHECK(!guide_validate(g, &known, &err));
  CHECK(has_field(&err, "locations[0].hours[0].weekdays"));
  CHECK(has_field(&err, "locations[0].hours[0].open"));
  CHECK(strstr(err.message, "25:00") != NULL || strstr(err.message, "开放日") != NULL);
  g->locations[0]->hours[0] = hours(8, 0, "09:00", "08:00"); /* weekday 8, close before open */
  eh_err_t err2 = EH_ERR_INIT;
  CHECK(!guide_validate(g, &known, &err2));
  CHECK(has_field(&err2, "locations[0].hours[0].weekdays"));
  CHECK(has_field(&err2, "locations[0].hours[0].close"));
  g->locations[0]->hours[0] = hours(6, 7, "9:00", "12:00"); /* H:MM is not HH:MM */
  eh_err_t err3 = EH_ERR_INIT;
  CHECK(!guide_validate(g, &known, &err3));
  CHECK(has_field(&err3, "locations[0].hours[0].open"));
  g->locations[0]->place = "";
  g->locations[0]->hours[0] = hours(6, 7, "09:00", "12:00");
  eh_err_t err4 = EH_ERR_INIT;
  CHECK(!guide_validate(g, &known, &err4));
  CHECK(has_field(&err4, "locations[0].place"));
}

static void test_links_phone(void) {
  guide_t *g = valid();
  Ehall__Catalog__V1__Link l1 = EHALL__CATALOG__V1__LINK__INIT, l2 = l1, l3 = l1, l4 = l1;
  l1.title = "教务处";
  l1.url = "https://jwc.example.edu.cn/";
  l2.title = "坏链接";
  l2.url = "javascript:alert(1)";
  l3.title = "站内";
  l3.url = "/pages/catalog/home";
  l4.title = "协议相对";
  l4.url = "//evil.example";
  Ehall__Catalog__V1__Link *links[] = {&l1, &l2, &l3, &l4};
  g->links = links;
  g->n_links = 4;
  g->contact_phone = "0373-<b>";
  eh_err_t err = EH_ERR_INIT;
  CHECK(!guide_validate(g, &known, &err));
  CHECK(!has_field(&err, "links[0].url"));
  CHECK(has_field(&err, "links[1].url"));
  CHECK(!has_field(&err, "links[2].url"));
  CHECK(has_field(&err, "links[3].url"));
  CHECK(has_field(&err, "contact_phone"));
}

static void test_code_category_template(void) {
  eh_err_t err = EH_ERR_INIT;
  CHECK(guide_code_check("enrolment-certificate", &err));
  CHECK(!guide_code_check("Enrolment", &err));
  CHECK_STR(err.fields[0].field, "code");
  eh_err_t e2 = EH_ERR_INIT;
  CHECK(!guide_code_check("-x", &e2));
  eh_err_t e3 = EH_ERR_INIT;
  CHECK(!guide_code_check("x", &e3));
  Ehall__Catalog__V1__Category c = EHALL__CATALOG__V1__CATEGORY__INIT;
  c.kind = EHALL__CATALOG__V1__CATEGORY_KIND__CATEGORY_KIND_THEME;
  c.name = "新生入学";
  c.name_en = "Freshmen";
  eh_err_t e4 = EH_ERR_INIT;
  CHECK(guide_category_check("freshmen", &c, &e4));
  c.kind = 0;
  c.name = "";
  eh_err_t e5 = EH_ERR_INIT;
  CHECK(!guide_category_check("Bad Code", &c, &e5));
  CHECK(has_field(&e5, "code"));
  CHECK(has_field(&e5, "category.kind"));
  CHECK(has_field(&e5, "category.name"));
  const char *ct;
  eh_err_t e6 = EH_ERR_INIT;
  CHECK(guide_template_check("申请表.DOCX", 1000, &ct, &e6));
  CHECK(strstr(ct, "wordprocessingml") != NULL);
  eh_err_t e7 = EH_ERR_INIT;
  CHECK(!guide_template_check("page.html", 1000, &ct, &e7));
  CHECK_STR(e7.fields[0].field, "name");
  eh_err_t e8 = EH_ERR_INIT;
  CHECK(!guide_template_check("big.pdf", 512 * 1024 + 1, &ct, &e8));
  CHECK_INT(e8.code, EH_RESOURCE_EXHAUSTED);
  eh_err_t e9 = EH_ERR_INIT;
  CHECK(!guide_template_check("empty.pdf", 0, &ct, &e9));
  CHECK_INT(e9.code, EH_INVALID);
  eh_err_t e10 = EH_ERR_INIT;
  CHECK(!guide_template_check("../x.pdf", 10, &ct, &e10));
  eh_err_t e11 = EH_ERR_INIT;
  CHECK(guide_template_check("x.pdf", 512 * 1024, &ct, &e11));
}

static void test_diff(void) {
  Ehall__Catalog__V1__FieldChange **ch;
  guide_t *a = valid(), *b = valid();
  CHECK_INT(guide_diff(A, a, b, "zh-CN", &ch), 0);
  /* a step inserted in the middle: one ADDED line, the rest SAME */
  b->steps = arena_alloc(A, 4 * sizeof(char *));
  b->steps[0] = "网上提交申请";
  b->steps[1] = "辅导员审核";
  b->steps[2] = "学院审核";
  b->steps[3] = "领取证明";
  b->n_steps = 4;
  b->summary = "为在校学生开具在读证明（中英文）。";
  b->audience = EHALL__CATALOG__V1__AUDIENCE__AUDIENCE_EVERYONE;
  size_t n = guide_diff(A, a, b, "zh-CN", &ch);
  CHECK_INT(n, 3);
  CHECK_STR(ch[0]->field, "audience");
  CHECK_STR(ch[0]->before, "学生");
  CHECK_STR(ch[0]->after, "全体师生");
  CHECK_STR(ch[1]->field, "summary");
  CHECK_STR(ch[1]->label, "服务简介");
  CHECK_STR(ch[2]->field, "steps");
  CHECK_INT(ch[2]->n_lines, 4);
  int added = 0, same = 0;
  for (size_t i = 0; i < ch[2]->n_lines; i++) {
    if (ch[2]->lines[i]->op == EHALL__CATALOG__V1__DIFF_LINE__OP__OP_ADDED) {
      added++;
      CHECK_STR(ch[2]->lines[i]->text, "辅导员审核");
    }
    same += ch[2]->lines[i]->op == EHALL__CATALOG__V1__DIFF_LINE__OP__OP_SAME;
  }
  CHECK_INT(added, 1);
  CHECK_INT(same, 3);
  /* English labels; a location's hours changed shows as one removed and one added line */
  guide_t *c = valid();
  c->locations[0]->hours[0] = hours(1, 5, "08:00", "17:30");
  n = guide_diff(A, a, c, "en", &ch);
  CHECK_INT(n, 1);
  CHECK_STR(ch[0]->label, "Locations and hours");
  CHECK_INT(ch[0]->n_lines, 2);
  CHECK(strstr(ch[0]->before, "08:30") != NULL);
  CHECK(strstr(ch[0]->after, "08:00") != NULL);
  /* the enum in English */
  n = guide_diff(A, a, b, "en", &ch);
  CHECK_STR(ch[0]->after, "Everyone");
}

int main(void) {
  A = arena_create(0);
  RUN(test_valid);
  RUN(test_required);
  RUN(test_lengths);
  RUN(test_codes_known);
  RUN(test_hours);
  RUN(test_links_phone);
  RUN(test_code_category_template);
  RUN(test_diff);
  arena_destroy(A);
  return test_done();
}
