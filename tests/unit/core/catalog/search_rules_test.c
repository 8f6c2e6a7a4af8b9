/*
 * search_rules_test.c — ranking a realistic set of service names: exact and prefix matches
 * first, Chinese substrings, English names and keywords, full pinyin, initials, one typo; the
 * allowed filter; the query's normalisation and limits.
 */
#include <stdio.h>
#include <string.h>

#include "core/catalog/search_rules.h"
#include "core/common/arena.h"
#include "tests/unit/test.h"

static arena_t *A;

static const char *names[][2] = {
    {"在读证明开具", "Certificate of Enrolment"},
    {"成绩单打印", "Transcript Printing"},
    {"学生证补办", "Student ID Card Replacement"},
    {"学生请假", "Student Leave"},
    {"场馆预约", "Venue Booking"},
    {"心理咨询预约", "Counselling Appointment"},
    {"校园卡挂失与补办", "Campus Card Loss and Replacement"},
    {"宿舍调换", "Dormitory Change"},
    {"奖学金申请", "Scholarship Application"},
    {"因公出国(境)审批", "Approval of Official Travel Abroad"},
    {"科研经费报销", "Research Fund Reimbursement"},
    {"教室借用", "Classroom Booking"},
    {"毕业生离校手续", "Graduate Departure Procedures"},
    {"户籍迁移", "Household Registration Transfer"},
    {"档案查询", "Archive Enquiry"},
    {"学位证明", "Degree Certificate"},
    {"成绩证明", "Certificate of Grades"},
    {"在读证明", "Enrolment Letter"},
};
#define N (sizeof names / sizeof names[0])

static search_index_t *IX;

static search_index_t *build(void) {
  search_doc_t docs[N];
  static const char *kw_cert[] = {"证明", "zaixue"};
  for (size_t i = 0; i < N; i++) {
    docs[i] = (search_doc_t){.name = names[i][0], .name_en = names[i][1]};
    if (i == 0) {
      docs[i].keywords = kw_cert;
      docs[i].n_keywords = 2;
    }
  }
  return search_index_build(A, docs, N);
}

/* The hits' names for q, best first, and how the first matched. */
static size_t run(const char *q, const bool *allowed, search_hit_t **hits) {
  const char *nq;
  eh_err_t err = EH_ERR_INIT;
  CHECK(search_query_normalize(A, q, &nq, &err));
  return search_run(A, IX, nq, allowed, hits);
}

static const char *first(const char *q) {
  search_hit_t *h;
  size_t n = run(q, NULL, &h);
  return n > 0 ? names[h[0].doc][0] : "(none)";
}

static const char *first_how(const char *q) {
  search_hit_t *h;
  size_t n = run(q, NULL, &h);
  return n > 0 ? search_match_name(h[0].matched_by) : "(none)";
}

static void test_initials_and_pinyin(void) {
  CHECK_STR(first("zdzm"), "在读证明"); /* equal initials beat a longer name's */
  CHECK_STR(first_how("zdzm"), "pinyin_initials");
  CHECK_STR(first("cjd"), "成绩单打印");
  CHECK_STR(first("xszbb"), "学生证补办");
  CHECK_STR(first("xueshengzheng"), "学生证补办");
  CHECK_STR(first_how("xueshengzheng"), "pinyin");
  CHECK_STR(first("xue sheng zheng"), "学生证补办"); /* pinyin typed with spaces */
  CHECK_STR(first("ssdh"), "宿舍调换");              /* either reading of 调 */
  CHECK_STR(first("sushetiaohuan"), "宿舍调换");
  CHECK_STR(first("ＺＤＺＭ"), "在读证明"); /* full-width, upper case */
  search_hit_t *h;
  size_t n = run("zdzm", NULL, &h);
  CHECK_INT(n, 2); /* 在读证明 and 在读证明开具 */
  CHECK_STR(names[h[1].doc][0], "在读证明开具");
}

static void test_chinese(void) {
  CHECK_STR(first("在读证明"), "在读证明");
  CHECK_STR(first_how("在读证明"), "name");
  CHECK_STR(first_how("成绩"), "name_prefix");
  search_hit_t *h;
  size_t n = run("证明", NULL, &h);
  CHECK_INT(n, 4); /* 在读证明开具, 学位证明, 成绩证明, 在读证明 */
  for (size_t i = 0; i < n; i++)
    CHECK(strstr(names[h[i].doc][0], "证明") != NULL);
  /* prefix before substring */
  n = run("学生", NULL, &h);
  CHECK_INT(n, 2);
  CHECK_STR(search_match_name(h[0].matched_by), "name_prefix");
  /* substring in the middle */
  CHECK_STR(first_how("预约"), "name_substring");
  CHECK_INT(run("不存在的服务", NULL, &h), 0);
}

static void test_english_keywords(void) {
  CHECK_STR(first("Transcript"), "成绩单打印");
  CHECK_STR(first_how("transcript"), "keyword");
  CHECK_STR(first("zaixue"), "在读证明开具"); /* a keyword */
}

static void test_typos(void) {
  CHECK_STR(first("chengjidna"), "成绩单打印"); /* two letters swapped */
  CHECK_STR(first_how("chengjidna"), "fuzzy");
  CHECK_STR(first("xueshengzhneg"), "学生证补办");
  CHECK_STR(first("dangancahxun"), "档案查询");
  /* short queries are never fuzzy */
  search_hit_t *h;
  CHECK_INT(run("qjx", NULL, &h), 0);
  /* a real match outranks a fuzzy one */
  size_t n = run("xuewei", NULL, &h);
  CHECK(n >= 1);
  CHECK_STR(names[h[0].doc][0], "学位证明");
  CHECK_STR(search_match_name(h[0].matched_by), "pinyin");
}

static void test_allowed(void) {
  bool allowed[N];
  for (size_t i = 0; i < N; i++)
    allowed[i] = strcmp(names[i][0], "在读证明") != 0;
  search_hit_t *h;
  size_t n = run("zdzm", allowed, &h);
  CHECK_INT(n, 1);
  CHECK_STR(names[h[0].doc][0], "在读证明开具");
}

static void test_query_limits(void) {
  const char *q;
  eh_err_t err = EH_ERR_INIT;
  CHECK(search_query_normalize(A, "  成绩　单  打印 ", &q, &err));
  CHECK_STR(q, "成绩 单 打印");
  CHECK(search_query_normalize(A, NULL, &q, &err));
  CHECK_STR(q, "");
  CHECK(search_query_normalize(A, "   ", &q, &err));
  CHECK_STR(q, "");
  char longq[200];
  memset(longq, 'a', 65);
  longq[65] = '\0';
  CHECK(!search_query_normalize(A, longq, &q, &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK_STR(err.fields[0].field, "query");
  eh_err_t err2 = EH_ERR_INIT;
  CHECK(!search_query_normalize(A, "\xff成绩", &q, &err2));
  CHECK_STR(err2.fields[0].field, "query");
  /* 64 Chinese characters are fine */
  char zh[64 * 3 + 1] = "";
  for (int i = 0; i < 64; i++)
    strcat(zh, "证");
  eh_err_t err3 = EH_ERR_INIT;
  CHECK(search_query_normalize(A, zh, &q, &err3));
}

static void test_many(void) {
  /* 2,000 generated names, 1,000 queries: exercised under the sanitizers, no timing. */
  static const char *parts[] = {"学生", "教师", "证明", "申请", "预约", "报销",   "补办", "查询",
                                "登记", "审批", "场馆", "宿舍", "成绩", "奖学金", "图书"};
  size_t np = sizeof parts / sizeof parts[0];
  search_doc_t *docs = arena_alloc(A, 2000 * sizeof *docs);
  for (size_t i = 0; i < 2000; i++)
    docs[i] = (search_doc_t){.name = arena_printf(A, "%s%s%s%zu", parts[i % np],
                                                  parts[(i / np) % np], parts[(i / 7) % np], i),
                             .name_en = "generated"};
  search_index_t *ix = search_index_build(A, docs, 2000);
  size_t total = 0;
  for (int i = 0; i < 1000; i++) {
    const char *q = i % 3 == 0 ? parts[i % np] : (i % 3 == 1 ? "xszm" : "xueshengzhengming");
    const char *nq;
    eh_err_t err = EH_ERR_INIT;
    CHECK(search_query_normalize(A, q, &nq, &err));
    search_hit_t *h;
    total += search_run(A, ix, nq, NULL, &h);
  }
  CHECK(total > 1000);
  CHECK(strlen(search_doc_sort_key(ix, 0)) > 0);
}

int main(void) {
  A = arena_create(0);
  IX = build();
  RUN(test_initials_and_pinyin);
  RUN(test_chinese);
  RUN(test_english_keywords);
  RUN(test_typos);
  RUN(test_allowed);
  RUN(test_query_limits);
  RUN(test_many);
  arena_destroy(A);
  return test_done();
}
