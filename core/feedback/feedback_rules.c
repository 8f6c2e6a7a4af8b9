/*
 * feedback_rules.c — validation and normalisation of a feedback submission. Pure: no I/O, no
 * logging (the text is personal data), no clock. UTF-8 decoding is core/common/text.c's, so the
 * gateway and the core agree on what valid text is.
 */
#include "core/feedback/feedback_rules.h"

#include <string.h>

#include "core/common/text.h"

typedef enum {
  FEEDBACK_TEXT_OK,
  FEEDBACK_TEXT_BAD_UTF8,
  FEEDBACK_TEXT_CONTROL,
} feedback_text_t;

/* White space trimmed at the ends: what a paste from a chat or a word processor brings along
 * (U+3000 is the ideographic space of Chinese input methods, U+FEFF a stray byte-order mark). */
static bool feedback__is_space(uint32_t cp) {
  return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 || cp == 0x3000 || cp == 0xFEFF;
}

/* C0 and C1 controls and DEL; a multi-line field keeps newline and tab. */
static bool feedback__is_control(uint32_t cp, bool multiline) {
  if (multiline && (cp == '\n' || cp == '\t'))
    return false;
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Cleans one text field into *out (arena) and counts its code points into *ncp. A multi-line
 * field has its line ends made LF first: CR LF is what every textarea sends over some paths,
 * and it is a newline, not a control character, to the person who typed it. */
static feedback_text_t feedback__clean(arena_t *a, const char *s, bool multiline, char **out,
                                       long *ncp) {
  *out = "";
  *ncp = 0;
  if (s == NULL)
    return FEEDBACK_TEXT_OK;
  size_t n = strlen(s);
  if (!text_utf8_valid(s, n))
    return FEEDBACK_TEXT_BAD_UTF8;

  char *buf = arena_alloc(a, n + 1);
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    if (multiline && s[i] == '\r') {
      buf[len++] = '\n';
      if (i + 1 < n && s[i + 1] == '\n')
        i++;
    } else {
      buf[len++] = s[i];
    }
  }
  buf[len] = '\0';

  /* One pass: [first, last) spans the first to the last code point that is not white space. */
  const unsigned char *p = (const unsigned char *)buf;
  size_t first = len, last = 0, off = 0;
  while (off < len) {
    uint32_t cp;
    size_t k = text_utf8_next(p + off, len - off, &cp);
    if (!feedback__is_space(cp)) {
      if (first == len)
        first = off;
      last = off + k;
    }
    off += k;
  }
  if (first == len) {
    *out = "";
    return FEEDBACK_TEXT_OK;
  }
  long count = 0;
  for (off = first; off < last;) {
    uint32_t cp;
    off += text_utf8_next(p + off, last - off, &cp);
    if (feedback__is_control(cp, multiline))
      return FEEDBACK_TEXT_CONTROL;
    count++;
  }
  buf[last] = '\0';
  *out = buf + first;
  *ncp = count;
  return FEEDBACK_TEXT_OK;
}

/* local@domain.tld, loosely: one '@', something before it, a dot inside the part after it, and
 * no white space. Deliverability is not checkable here; a typo is what this catches. */
static bool feedback__looks_like_email(const char *s) {
  const char *at = strchr(s, '@');
  if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
    return false;
  for (const char *c = s; *c; c++)
    if (*c == ' ' || *c == '\t')
      return false;
  const char *domain = at + 1, *dot = strrchr(domain, '.');
  return dot != NULL && dot != domain && dot[1] != '\0';
}

/* Digits with the usual separators ("+86 138-0013-8000", "(0371) 1234567"): 5–20 digits, '+'
 * only in front. Short numbers are allowed for campus extensions. */
static bool feedback__looks_like_phone(const char *s) {
  int digits = 0;
  for (const char *c = s; *c; c++) {
    if (*c >= '0' && *c <= '9')
      digits++;
    else if (*c == '+' && c != s)
      return false;
    else if (*c != '+' && *c != ' ' && *c != '-' && *c != '(' && *c != ')')
      return false;
  }
  return digits >= 5 && digits <= 20;
}

/* The violations common to every text field. Returns true if the text was usable. */
static bool feedback__text_ok(feedback_text_t t, const char *field, const char *zh_name,
                              const char *en_name, eh_err_t *err) {
  if (t == FEEDBACK_TEXT_BAD_UTF8)
    return eh_err_set(err, EH_INVALID, field, "%s含有无效的字符编码（不是 UTF-8）%.0s",
                      "%.0s%s is not valid UTF-8 text", zh_name, en_name);
  if (t == FEEDBACK_TEXT_CONTROL)
    return eh_err_set(err, EH_INVALID, field, "%s不能包含控制字符%.0s",
                      "%.0s%s must not contain control characters", zh_name, en_name);
  return true;
}

bool feedback_rules_normalize(arena_t *a, const feedback_submission_t *in,
                              feedback_submission_t *out, eh_err_t *err) {
  bool ok = true;
  out->category = in->category;
  if (in->category == 0) {
    ok = eh_err_set(err, EH_INVALID, "category", "请选择反馈类型（建议、问题、表扬或其他）",
                    "category is required: suggestion, problem, praise or other");
  } else if (in->category < FEEDBACK_CATEGORY_FIRST || in->category > FEEDBACK_CATEGORY_LAST) {
    ok = eh_err_set(err, EH_INVALID, "category", "反馈类型无效",
                    "category is not a known feedback category");
  }

  char *content;
  long n;
  feedback_text_t t = feedback__clean(a, in->content, true, &content, &n);
  if (!feedback__text_ok(t, "content", "反馈内容", "content", err))
    ok = false;
  else if (n == 0)
    ok = eh_err_set(err, EH_INVALID, "content", "请填写反馈内容", "content is required");
  else if (n < FEEDBACK_CONTENT_MIN)
    ok = eh_err_set(err, EH_INVALID, "content", "反馈内容至少 %d 个字",
                    "content must be at least %d characters", FEEDBACK_CONTENT_MIN);
  else if (n > FEEDBACK_CONTENT_MAX)
    ok = eh_err_set(err, EH_INVALID, "content", "反馈内容最多 %d 个字（现有 %ld 个）",
                    "content must be at most %d characters (it has %ld)", FEEDBACK_CONTENT_MAX,
                    n);
  out->content = content;

  char *contact;
  t = feedback__clean(a, in->contact, false, &contact, &n);
  if (!feedback__text_ok(t, "contact", "联系方式", "contact", err))
    ok = false;
  else if (n > FEEDBACK_CONTACT_MAX)
    ok = eh_err_set(err, EH_INVALID, "contact", "联系方式最多 %d 个字",
                    "contact must be at most %d characters", FEEDBACK_CONTACT_MAX);
  else if (n > 0 && !feedback__looks_like_email(contact) && !feedback__looks_like_phone(contact))
    ok = eh_err_set(err, EH_INVALID, "contact", "联系方式请填写邮箱或电话号码",
                    "contact must be an email address or a phone number");
  out->contact = contact;

  char *page;
  t = feedback__clean(a, in->page, false, &page, &n);
  if (!feedback__text_ok(t, "page", "页面", "page", err))
    ok = false;
  else if (n > FEEDBACK_PAGE_MAX)
    ok = eh_err_set(err, EH_INVALID, "page", "页面路径最多 %d 个字",
                    "page must be at most %d characters", FEEDBACK_PAGE_MAX);
  out->page = page;
  return ok;
}

const char *feedback_rules_thanks(const char *language) {
  if (language != NULL && strncmp(language, "en", 2) == 0)
    return "Thank you for your feedback! We read every message.";
  return "感谢您的反馈！我们会认真阅读每一条意见。";
}
