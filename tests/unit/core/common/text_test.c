/* text_test.c — UTF-8 validity and counting, hex digits (core/common/text.c). */
#include "core/common/text.h"

#include <string.h>

#include "tests/unit/test.h"

static void test_utf8_valid_and_length(void) {
  CHECK_INT(text_utf8_length("", 0), 0);
  CHECK_INT(text_utf8_length("abc", 3), 3);
  const char *zh = "网上办事大厅";
  CHECK_INT(text_utf8_length(zh, strlen(zh)), 6);
  const char *emoji = "\xF0\x9F\x98\x80"; /* U+1F600: one code point, four bytes */
  CHECK_INT(text_utf8_length(emoji, 4), 1);
  CHECK(text_utf8_valid("\xC2\xA9", 2));
}

static void test_utf8_invalid(void) {
  CHECK(!text_utf8_valid("\xFF", 1));
  CHECK(!text_utf8_valid("\xC0\xAF", 2));             /* overlong '/' */
  CHECK(!text_utf8_valid("\xED\xA0\x80", 3));         /* surrogate U+D800 */
  CHECK(!text_utf8_valid("\xF4\x90\x80\x80", 4));     /* above U+10FFFF */
  CHECK(!text_utf8_valid("\xE7\xBD", 2));             /* cut in the middle */
  CHECK(!text_utf8_valid("\xE7\x41\x91", 3));         /* not a continuation byte */
  CHECK_INT(text_utf8_length("ok\xFF", 3), -1);
}

static void test_utf8_next(void) {
  uint32_t cp = 0;
  CHECK_INT(text_utf8_next((const unsigned char *)"\xE7\xBD\x91", 3, &cp), 3);
  CHECK_INT(cp, 0x7F51); /* 网 */
  CHECK_INT(text_utf8_next((const unsigned char *)"A", 1, &cp), 1);
  CHECK_INT(cp, 'A');
}

static void test_hex_value(void) {
  CHECK_INT(text_hex_value('0'), 0);
  CHECK_INT(text_hex_value('9'), 9);
  CHECK_INT(text_hex_value('a'), 10);
  CHECK_INT(text_hex_value('F'), 15);
  CHECK_INT(text_hex_value('g'), -1);
  CHECK_INT(text_hex_value('%'), -1);
}

static void test_is_code(void) {
  CHECK(text_is_code("2023010001", 32));
  CHECK(text_is_code("CS.SE-2023_1", 32));
  CHECK(text_is_code("x", 1));
  CHECK(!text_is_code("xy", 1));
  CHECK(!text_is_code("", 32));
  CHECK(!text_is_code(NULL, 32));
  CHECK(!text_is_code("a b", 32));
  CHECK(!text_is_code("计算机", 32));
  CHECK(!text_is_code("a,b", 32));
}

int main(void) {
  RUN(test_utf8_valid_and_length);
  RUN(test_utf8_invalid);
  RUN(test_utf8_next);
  RUN(test_hex_value);
  RUN(test_is_code);
  return test_done();
}
