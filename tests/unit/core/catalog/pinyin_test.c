/*
 * pinyin_test.c — readings of the characters a campus's service names use (polyphones
 * included) and the spellings and initials of whole names.
 */
#include <stdbool.h>
#include <string.h>

#include "core/catalog/pinyin.h"
#include "core/common/arena.h"
#include "tests/unit/test.h"

static arena_t *A;

static bool has_reading(const char *ch_utf8, const char *want) {
  uint32_t cp = 0;
  const unsigned char *s = (const unsigned char *)ch_utf8;
  cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
  const char *r[PINYIN_MAX_READINGS];
  int n = pinyin_readings(cp, r, PINYIN_MAX_READINGS);
  for (int i = 0; i < n; i++)
    if (strcmp(r[i], want) == 0)
      return true;
  return false;
}

static bool has_key(const char *text, const char *full, const char *initials) {
  const char **f, **in;
  size_t n = pinyin_keys(A, text, 8, &f, &in);
  for (size_t i = 0; i < n; i++)
    if ((full == NULL || strcmp(f[i], full) == 0) &&
        (initials == NULL || strcmp(in[i], initials) == 0))
      return true;
  return false;
}

static void test_readings(void) {
  CHECK(has_reading("在", "zai"));
  CHECK(has_reading("成", "cheng"));
  CHECK(has_reading("单", "dan"));
  CHECK(has_reading("单", "shan"));
  CHECK(has_reading("调", "tiao"));
  CHECK(has_reading("调", "diao"));
  CHECK(has_reading("行", "hang"));
  CHECK(has_reading("行", "xing"));
  CHECK(has_reading("绿", "lv")); /* ü typed as v */
  CHECK(!has_reading("在", "zhai"));
  const char *r[4];
  CHECK_INT(pinyin_readings('a', r, 4), 0);
  CHECK_INT(pinyin_readings(0x3000, r, 4), 0);
}

static void test_keys(void) {
  CHECK(has_key("在读证明", "zaiduzhengming", "zdzm"));
  CHECK(has_key("成绩单打印", "chengjidandayin", "cjddy"));
  CHECK(has_key("宿舍调换", "sushetiaohuan", "ssth"));
  CHECK(has_key("宿舍调换", "sushediaohuan", "ssdh"));
  CHECK(has_key("场馆预约", "changguanyuyue", "cgyy"));
  CHECK(has_key("教室借用", "jiaoshijieyong", "jsjy"));
  CHECK(has_key("校园卡挂失与补办", "xiaoyuankaguashiyububan", "xykgsybb"));
  CHECK(has_key("银行卡", "yinhangka", "yhk"));
  /* ASCII runs are kept, lower case, in both; punctuation dropped */
  CHECK(has_key("CET-4 报名", "cet4baoming", "cet4bm"));
  CHECK(has_key("因公出国(境)审批", "yingongchuguojingshenpi", "ygcgjsp"));
  /* the first spelling is every character's most common reading */
  const char **f, **in;
  CHECK(pinyin_keys(A, "学生证补办", 8, &f, &in) >= 1);
  CHECK_STR(f[0], "xueshengzhengbuban");
  CHECK_STR(in[0], "xszbb");
  /* nothing to spell */
  CHECK_INT(pinyin_keys(A, "——！", 8, &f, &in), 0);
  CHECK_INT(pinyin_keys(A, "", 8, &f, &in), 0);
}

static void test_bounded(void) {
  /* many polyphones: never more spellings than asked for */
  const char **f, **in;
  size_t n = pinyin_keys(A, "行长调度单行重长了", 8, &f, &in);
  CHECK(n >= 1 && n <= 8);
  n = pinyin_keys(A, "行长调度单行重长了", 1, &f, &in);
  CHECK_INT(n, 1);
  /* malformed UTF-8 is skipped, not fatal */
  n = pinyin_keys(A, "\xff\xfe成绩", 8, &f, &in);
  CHECK(n >= 1);
  CHECK_STR(f[0], "chengji");
}

int main(void) {
  A = arena_create(0);
  RUN(test_readings);
  RUN(test_keys);
  RUN(test_bounded);
  arena_destroy(A);
  return test_done();
}
