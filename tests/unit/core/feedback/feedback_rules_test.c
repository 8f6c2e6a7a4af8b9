/*
 * feedback_rules_test.c — every rule of a feedback submission: category, content length in code
 * points (Chinese text, boundaries 4/5 and 2000/2001), trimming, line ends, control characters,
 * invalid UTF-8, contact and page; the field violations and the overall message.
 */
#include <stdlib.h>
#include <string.h>

#include "core/common/arena.h"
#include "core/feedback/feedback_rules.h"
#include "tests/unit/test.h"

static arena_t *A;

/* n copies of the UTF-8 string `unit`, in the arena. */
static char *repeat(const char *unit, int n) {
  size_t u = strlen(unit);
  char *s = arena_alloc(A, u * (size_t)n + 1);
  for (int i = 0; i < n; i++)
    memcpy(s + u * (size_t)i, unit, u);
  s[u * (size_t)n] = '\0';
  return s;
}

static bool run(int category, const char *content, const char *contact, const char *page,
                feedback_submission_t *out, eh_err_t *err) {
  feedback_submission_t in = {category, content, contact, page};
  eh_err_clear(err);
  return feedback_rules_normalize(A, &in, out, err);
}

/* The one violation's field, or "" if there is not exactly one. */
static const char *only_field(const eh_err_t *err) {
  return err->nfields == 1 ? err->fields[0].field : "";
}

static void test_valid_submission_is_normalised(void) {
  feedback_submission_t out;
  eh_err_t err;
  CHECK(run(1, "  办事指南写得很清楚  ", " someone@example.edu.cn ", " pages/index/index ", &out,
            &err));
  CHECK_INT(err.code, EH_OK);
  CHECK_INT(out.category, 1);
  CHECK_STR(out.content, "办事指南写得很清楚");
  CHECK_STR(out.contact, "someone@example.edu.cn");
  CHECK_STR(out.page, "pages/index/index");

  CHECK(run(4, "Nice work", NULL, NULL, &out, &err));
  CHECK_STR(out.contact, "");
  CHECK_STR(out.page, "");
}

static void test_category(void) {
  feedback_submission_t out;
  eh_err_t err;
  for (int c = 1; c <= 4; c++)
    CHECK(run(c, "hello world", "", "", &out, &err));

  CHECK(!run(0, "hello world", "", "", &out, &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK_STR(only_field(&err), "category");
  CHECK_STR(err.message, "请选择反馈类型（建议、问题、表扬或其他）");
  CHECK(strstr(err.message_en, "category is required") != NULL);

  /* proto3 enums are open: an unknown number can arrive over gRPC. */
  CHECK(!run(5, "hello world", "", "", &out, &err));
  CHECK_STR(only_field(&err), "category");
  CHECK_STR(err.message, "反馈类型无效");
  CHECK(!run(-1, "hello world", "", "", &out, &err));
  CHECK_STR(only_field(&err), "category");
}

static void test_content_required(void) {
  feedback_submission_t out;
  eh_err_t err;
  const char *empties[] = {NULL, "", "     ", "\n\t \r\n", "\xe3\x80\x80\xc2\xa0"}; /* U+3000 U+00A0 */
  for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
    CHECK(!run(2, empties[i], "", "", &out, &err));
    CHECK_STR(only_field(&err), "content");
    CHECK_STR(err.message, "请填写反馈内容");
    CHECK_STR(err.message_en, "content is required");
  }
}

static void test_content_length_counts_code_points(void) {
  feedback_submission_t out;
  eh_err_t err;
  /* 4 Chinese characters are 12 bytes but 4 characters: too short. */
  CHECK(!run(1, "很好很好", "", "", &out, &err));
  CHECK_STR(only_field(&err), "content");
  CHECK_STR(err.message, "反馈内容至少 5 个字");
  CHECK_STR(err.message_en, "content must be at least 5 characters");
  CHECK_STR(err.fields[0].message, "反馈内容至少 5 个字");
  CHECK(run(1, "很好很好很", "", "", &out, &err));
  CHECK_STR(out.content, "很好很好很");

  /* ASCII boundaries. */
  CHECK(!run(1, "abcd", "", "", &out, &err));
  CHECK(run(1, "abcde", "", "", &out, &err));
  /* An emoji (4 bytes) is one code point. */
  CHECK(!run(1, "\xf0\x9f\x91\x8d\xf0\x9f\x91\x8d\xf0\x9f\x91\x8d\xf0\x9f\x91\x8d", "", "", &out,
             &err));
  CHECK(run(1, "\xf0\x9f\x91\x8d\xf0\x9f\x91\x8d\xf0\x9f\x91\x8d\xf0\x9f\x91\x8d!", "", "", &out,
            &err));

  /* Upper boundary: 2000 Chinese characters (6000 bytes) pass, 2001 do not. */
  CHECK(run(1, repeat("好", 2000), "", "", &out, &err));
  CHECK_INT(strlen(out.content), 6000);
  CHECK(!run(1, repeat("好", 2001), "", "", &out, &err));
  CHECK_STR(only_field(&err), "content");
  CHECK_STR(err.message, "反馈内容最多 2000 个字（现有 2001 个）");
  CHECK_STR(err.message_en, "content must be at most 2000 characters (it has 2001)");
  CHECK(run(1, repeat("a", 2000), "", "", &out, &err));
  CHECK(!run(1, repeat("a", 2001), "", "", &out, &err));

  /* Trimming happens before counting: white space around 2000 characters does not count, and
   * white space does not make 4 characters long enough. */
  char *padded = arena_printf(A, "  \n%s\t \xe3\x80\x80", repeat("好", 2000));
  CHECK(run(1, padded, "", "", &out, &err));
  CHECK_INT(strlen(out.content), 6000);
  CHECK(!run(1, "   很好很好   ", "", "", &out, &err));
  CHECK_STR(err.message, "反馈内容至少 5 个字");
  /* Inner white space counts. */
  CHECK(run(1, "很 好 很", "", "", &out, &err));
  CHECK_STR(out.content, "很 好 很");
}

static void test_content_newlines_and_controls(void) {
  feedback_submission_t out;
  eh_err_t err;
  CHECK(run(2, "第一行\n第二行\t缩进", "", "", &out, &err));
  CHECK_STR(out.content, "第一行\n第二行\t缩进");
  /* CR LF and a lone CR become LF. */
  CHECK(run(2, "line one\r\nline two\rthree", "", "", &out, &err));
  CHECK_STR(out.content, "line one\nline two\nthree");

  const char *bad[] = {
      "hello\x01world",     /* C0 */
      "hello\x1bworld",     /* ESC */
      "hello\x7fworld",     /* DEL */
      "hello\xc2\x85world", /* U+0085 NEL, a C1 control */
      "hello\xc2\x9fworld", /* U+009F */
      "hello\vworld",       /* vertical tab inside the text */
      "hello\fworld",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    CHECK(!run(2, bad[i], "", "", &out, &err));
    CHECK_STR(only_field(&err), "content");
    CHECK_STR(err.message, "反馈内容不能包含控制字符");
    CHECK_STR(err.message_en, "content must not contain control characters");
  }
  /* U+00A0 inside the text is a character, not a control. */
  CHECK(run(2, "hello\xc2\xa0world", "", "", &out, &err));
}

static void test_content_invalid_utf8(void) {
  feedback_submission_t out;
  eh_err_t err;
  const char *bad[] = {
      "hello \xff world",            /* never valid */
      "hello \xc0\xaf world",        /* overlong '/' */
      "hello \xe0\x80\xaf world",    /* overlong, 3 bytes */
      "hello \xed\xa0\x80 world",    /* a surrogate (U+D800) */
      "hello \xf4\x90\x80\x80 world", /* above U+10FFFF */
      "hello world \xe5\xa5",        /* truncated "好" at the end */
      "\x80 hello world",            /* a lone continuation byte */
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    CHECK(!run(3, bad[i], "", "", &out, &err));
    CHECK_INT(err.code, EH_INVALID);
    CHECK_STR(only_field(&err), "content");
    CHECK_STR(err.message, "反馈内容含有无效的字符编码（不是 UTF-8）");
    CHECK_STR(err.message_en, "content is not valid UTF-8 text");
  }
}

static void test_contact(void) {
  feedback_submission_t out;
  eh_err_t err;
  const char *good[] = {"a@b.cn", "zhang.san+hall@htu.edu.cn", "13800138000", "+86 138-0013-8000",
                        "(0373) 3326000", "12345"};
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    CHECK(run(1, "hello world", good[i], "", &out, &err));
    CHECK_STR(out.contact, good[i]);
  }
  const char *bad[] = {"not a contact", "张三", "a@b", "@b.cn", "a@@b.cn", "a@b.", "1234",
                       "138 0013 8000 x", "86+1380013800", "a b@c.cn"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    CHECK(!run(1, "hello world", bad[i], "", &out, &err));
    CHECK_STR(only_field(&err), "contact");
    CHECK_STR(err.message, "联系方式请填写邮箱或电话号码");
    CHECK_STR(err.message_en, "contact must be an email address or a phone number");
  }
  /* 100 characters pass, 101 do not (length is checked before the format). */
  char *e100 = arena_printf(A, "%s@x.cn", repeat("a", 95));
  CHECK_INT(strlen(e100), 100);
  CHECK(run(1, "hello world", e100, "", &out, &err));
  char *e101 = arena_printf(A, "%s@x.cn", repeat("a", 96));
  CHECK(!run(1, "hello world", e101, "", &out, &err));
  CHECK_STR(only_field(&err), "contact");
  CHECK_STR(err.message, "联系方式最多 100 个字");
  /* Single line: no newline or tab inside, no invalid UTF-8. */
  CHECK(!run(1, "hello world", "a@b.cn\nb@c.cn", "", &out, &err));
  CHECK_STR(err.message, "联系方式不能包含控制字符");
  CHECK(!run(1, "hello world", "a\t@b.cn", "", &out, &err));
  CHECK_STR(only_field(&err), "contact");
  CHECK(!run(1, "hello world", "a\xff@b.cn", "", &out, &err));
  CHECK_STR(err.message_en, "contact is not valid UTF-8 text");
  /* White space only is no contact. */
  CHECK(run(1, "hello world", "   ", "", &out, &err));
  CHECK_STR(out.contact, "");
}

static void test_page(void) {
  feedback_submission_t out;
  eh_err_t err;
  CHECK(run(1, "hello world", "", repeat("p", 200), &out, &err));
  CHECK(!run(1, "hello world", "", repeat("p", 201), &out, &err));
  CHECK_STR(only_field(&err), "page");
  CHECK_STR(err.message, "页面路径最多 200 个字");
  CHECK_STR(err.message_en, "page must be at most 200 characters");
  CHECK(run(1, "hello world", "", repeat("页", 200), &out, &err));
  CHECK(!run(1, "hello world", "", "pages/a\nb", &out, &err));
  CHECK_STR(only_field(&err), "page");
  CHECK(!run(1, "hello world", "", "pages/\xfe", &out, &err));
  CHECK_STR(only_field(&err), "page");
}

static void test_every_violation_is_listed_first_message_wins(void) {
  feedback_submission_t out;
  eh_err_t err;
  CHECK(!run(0, "abc", "nope", repeat("p", 201), &out, &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK_INT(err.nfields, 4);
  CHECK_STR(err.fields[0].field, "category");
  CHECK_STR(err.fields[1].field, "content");
  CHECK_STR(err.fields[2].field, "contact");
  CHECK_STR(err.fields[3].field, "page");
  CHECK_STR(err.fields[1].message, "反馈内容至少 5 个字");
  CHECK_STR(err.fields[1].message_en, "content must be at least 5 characters");
  /* The overall message is the first violation's. */
  CHECK_STR(err.message, "请选择反馈类型（建议、问题、表扬或其他）");

  CHECK(!run(1, "abc", "nope", "", &out, &err));
  CHECK_INT(err.nfields, 2);
  CHECK_STR(err.message, "反馈内容至少 5 个字");
}

static void test_sql_looking_text_is_just_text(void) {
  feedback_submission_t out;
  eh_err_t err;
  const char *s = "'); DROP TABLE feedback; -- <script>alert(1)</script>";
  CHECK(run(2, s, "", "", &out, &err));
  CHECK_STR(out.content, s);
}

static void test_thanks(void) {
  CHECK_STR(feedback_rules_thanks("en"), "Thank you for your feedback! We read every message.");
  CHECK_STR(feedback_rules_thanks("zh-CN"), "感谢您的反馈！我们会认真阅读每一条意见。");
  CHECK_STR(feedback_rules_thanks(NULL), "感谢您的反馈！我们会认真阅读每一条意见。");
}

int main(void) {
  A = arena_create(0);
  RUN(test_valid_submission_is_normalised);
  RUN(test_category);
  RUN(test_content_required);
  RUN(test_content_length_counts_code_points);
  RUN(test_content_newlines_and_controls);
  RUN(test_content_invalid_utf8);
  RUN(test_contact);
  RUN(test_page);
  RUN(test_every_violation_is_listed_first_message_wins);
  RUN(test_sql_looking_text_is_just_text);
  RUN(test_thanks);
  arena_destroy(A);
  return test_done();
}
