/*
 * form_rules.c — form definitions and values (form_rules.h).
 */
#include "core/forms/form_rules.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/common/text.h"
#include "core/forms/booking_rules.h"

typedef Google__Protobuf__Value value_t;

#define KIND(v) ((v)->kind_case)
#define K_NULL GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE
#define K_NUM GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE
#define K_STR GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE
#define K_BOOL GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE
#define K_STRUCT GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE
#define K_LIST GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE

#define T(x) EHALL__FORMS__V1__FIELD_TYPE__FIELD_TYPE_##x

static bool bad(eh_err_t *err, const char *path, const char *zh, const char *en) {
  return eh_err_set(err, EH_INVALID, path, "%s%.0s", "%.0s%s", zh, en);
}

static long ulen(const char *s) {
  return s == NULL ? 0 : text_utf8_length(s, strlen(s));
}

static bool text_ok(const char *s, long min, long max) {
  long n = ulen(s);
  return n >= min && n <= max;
}

/* --- values ----------------------------------------------------------------------------------- */

const Google__Protobuf__Value *form_value_get(const form_values_t *s, const char *key) {
  if (s == NULL)
    return NULL;
  for (size_t i = 0; i < s->n_fields; i++)
    if (strcmp(s->fields[i]->key, key) == 0)
      return s->fields[i]->value;
  return NULL;
}

void form_value_set(arena_t *a, form_values_t *s, const char *key, Google__Protobuf__Value *v) {
  for (size_t i = 0; i < s->n_fields; i++)
    if (strcmp(s->fields[i]->key, key) == 0) {
      s->fields[i]->value = v;
      return;
    }
  Google__Protobuf__Struct__FieldsEntry **f = arena_alloc(a, (s->n_fields + 1) * sizeof *f);
  if (s->n_fields)
    memcpy(f, s->fields, s->n_fields * sizeof *f);
  f[s->n_fields] = arena_alloc(a, sizeof *f[s->n_fields]);
  google__protobuf__struct__fields_entry__init(f[s->n_fields]);
  f[s->n_fields]->key = (char *)key;
  f[s->n_fields]->value = v;
  s->fields = f;
  s->n_fields++;
}

Google__Protobuf__Value *form_value_string(arena_t *a, const char *s) {
  Google__Protobuf__Value *v = arena_alloc(a, sizeof *v);
  google__protobuf__value__init(v);
  v->kind_case = K_STR;
  v->string_value = (char *)(s ? s : "");
  return v;
}

static bool is_empty(const value_t *v) {
  if (v == NULL || KIND(v) == K_NULL || KIND(v) == GOOGLE__PROTOBUF__VALUE__KIND__NOT_SET)
    return true;
  if (KIND(v) == K_STR)
    return v->string_value[0] == '\0';
  if (KIND(v) == K_LIST)
    return v->list_value == NULL || v->list_value->n_values == 0;
  return false;
}

/* The value as the text a condition compares ("true", "3", "a"). */
static const char *as_text(arena_t *a, const value_t *v) {
  if (v == NULL)
    return "";
  switch (KIND(v)) {
  case K_STR:
    return v->string_value;
  case K_BOOL:
    return v->bool_value ? "true" : "false";
  case K_NUM:
    return arena_printf(a, "%.15g", v->number_value);
  default:
    return "";
  }
}

static int field_index(const form_def_t *f, const char *key) {
  for (size_t i = 0; i < f->n_fields; i++)
    if (strcmp(f->fields[i]->key, key) == 0)
      return (int)i;
  return -1;
}

static bool cond_holds(const Ehall__Forms__V1__Condition *c, const value_t *v) {
  char buf[64];
  const char *text = "";
  if (v != NULL && KIND(v) == K_STR)
    text = v->string_value;
  else if (v != NULL && KIND(v) == K_BOOL)
    text = v->bool_value ? "true" : "false";
  else if (v != NULL && KIND(v) == K_NUM) {
    snprintf(buf, sizeof buf, "%.15g", v->number_value);
    text = buf;
  }
  bool list = v != NULL && KIND(v) == K_LIST && v->list_value != NULL;
  for (size_t i = 0; i < c->n_values; i++) {
    if (!list && strcmp(c->values[i], text) == 0)
      return true;
    for (size_t j = 0; list && j < v->list_value->n_values; j++) {
      const value_t *e = v->list_value->values[j];
      if (KIND(e) == K_STR && strcmp(e->string_value, c->values[i]) == 0)
        return true;
    }
  }
  /* A checkbox never set counts as false. */
  if ((v == NULL || KIND(v) == K_NULL) && !list)
    for (size_t i = 0; i < c->n_values; i++)
      if (strcmp(c->values[i], "false") == 0)
        return true;
  return false;
}

static bool visible_depth(const form_def_t *f, size_t i, const form_values_t *data, int depth) {
  const Ehall__Forms__V1__Condition *c = f->fields[i]->visible_when;
  if (c == NULL || c->field == NULL || c->field[0] == '\0')
    return true;
  int j = field_index(f, c->field);
  if (j < 0 || depth > FORM_FIELDS_MAX)
    return false;
  return visible_depth(f, (size_t)j, data, depth + 1) &&
         cond_holds(c, form_value_get(data, c->field));
}

bool form_field_visible(const form_def_t *f, size_t i, const form_values_t *data) {
  return visible_depth(f, i, data, 0);
}

/* --- formats ---------------------------------------------------------------------------------- */

static bool all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

bool form_id_number_valid(const char *s) {
  if (s == NULL || strlen(s) != 18 || !all_digits(s, 17))
    return false;
  char last = s[17] == 'x' ? 'X' : s[17];
  if (!(last == 'X' || (last >= '0' && last <= '9')))
    return false;
  int y = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
  int m = (s[10] - '0') * 10 + (s[11] - '0'), d = (s[12] - '0') * 10 + (s[13] - '0');
  static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
    return false;
  static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static const char check[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
  int sum = 0;
  for (int i = 0; i < 17; i++)
    sum += (s[i] - '0') * w[i];
  return check[sum % 11] == last;
}

bool form_phone_valid(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && all_digits(s, 11))
    return true;
  /* a landline: 0 + area code (2–3 digits), optional '-', 7–8 digits */
  if (n < 10 || n > 13 || s[0] != '0')
    return false;
  const char *dash = strchr(s, '-');
  if (dash == NULL)
    return all_digits(s, n) && n >= 10 && n <= 12;
  size_t area = (size_t)(dash - s), rest = n - area - 1;
  return area >= 3 && area <= 4 && all_digits(s, area) && rest >= 7 && rest <= 8 &&
         all_digits(dash + 1, rest);
}

bool form_email_valid(const char *s) {
  size_t n = s ? strlen(s) : 0;
  const char *at = s ? strchr(s, '@') : NULL;
  if (n < 3 || n > 254 || at == NULL || at == s || strchr(at + 1, '@') != NULL || at - s > 64)
    return false;
  for (const char *p = s; *p; p++)
    if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == '"' || *p == ',')
      return false;
  const char *dot = strrchr(at, '.');
  return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

static bool datetime_valid(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n != 16 && n != 19)
    return false;
  char day[11], hm[6];
  memcpy(day, s, 10);
  day[10] = 0;
  memcpy(hm, s + 11, 5);
  hm[5] = 0;
  if (s[10] != 'T' || !booking_day_valid(day) || !booking_time_valid(hm))
    return false;
  return n == 16 || (s[16] == ':' && all_digits(s + 17, 2) && s[17] < '6');
}

/* --- definitions ------------------------------------------------------------------------------ */

static bool is_text_type(int t) {
  return t == T(TEXT) || t == T(LONG_TEXT) || t == T(PHONE) || t == T(EMAIL) || t == T(ID_NUMBER);
}

static bool is_choice(int t) {
  return t == T(CHOICE) || t == T(MULTI_CHOICE);
}

static bool field_check(arena_t *a, const form_field_t *x, const char *p, bool column,
                        eh_err_t *err) {
  bool ok = true;
  int t = (int)x->type;
  if (!text_is_key(x->key))
    ok = bad(err, arena_printf(a, "%s.key", p),
             "键名应以小写字母开头，只含小写字母、数字和下划线，最多 32 个字符",
             "a key starts with a lower-case letter and has only a-z, 0-9 and _, at most 32");
  if (!text_ok(x->label, 1, 64))
    ok = bad(err, arena_printf(a, "%s.label", p), "请填写名称（最多 64 个字）",
             "a label of 1–64 characters is required");
  if (!text_ok(x->label_en, 0, 128))
    ok = bad(err, arena_printf(a, "%s.label_en", p), "英文名称最多 128 个字符",
             "at most 128 characters");
  if (!text_ok(x->help, 0, 500))
    ok = bad(err, arena_printf(a, "%s.help", p), "说明最多 500 个字", "at most 500 characters");
  if (t < T(TEXT) || t > T(FILES))
    ok = bad(err, arena_printf(a, "%s.type", p), "请选择字段类型", "choose a field type");
  if (column && (t == T(TABLE) || t == T(FILES)))
    ok = bad(err, arena_printf(a, "%s.type", p), "表格中不能再含表格或附件",
             "a table column cannot be a table or files");
  if (is_choice(t)) {
    if (x->n_options < 1 || x->n_options > FORM_OPTIONS_MAX)
      ok = bad(err, arena_printf(a, "%s.options", p), "选择题需要 1 到 100 个选项",
               "a choice needs 1–100 options");
    for (size_t i = 0; i < x->n_options; i++) {
      const char *v = x->options[i]->value;
      if (!text_ok(v, 1, 64) || !text_ok(x->options[i]->label, 1, 64))
        ok = bad(err, arena_printf(a, "%s.options[%zu]", p, i), "选项的值和名称均为 1 到 64 个字",
                 "an option's value and label have 1–64 characters");
      for (size_t j = 0; j < i && v; j++)
        if (strcmp(x->options[j]->value, v) == 0)
          ok = bad(err, arena_printf(a, "%s.options[%zu].value", p, i), "选项的值重复",
                   "duplicate option value");
    }
  } else if (x->n_options > 0) {
    ok = bad(err, arena_printf(a, "%s.options", p), "只有选择题可以设置选项",
             "only choices have options");
  }
  if ((x->has_min || x->has_max) && t != T(NUMBER))
    ok = bad(err, arena_printf(a, "%s.min", p), "只有数字可以设置最小值和最大值",
             "only numbers have bounds");
  if (x->has_min && x->has_max && x->min > x->max)
    ok = bad(err, arena_printf(a, "%s.max", p), "最大值不能小于最小值", "max is below min");
  if (x->min_length < 0 || x->max_length < 0 || x->max_length > FORM_TEXT_MAX ||
      (x->max_length > 0 && x->min_length > x->max_length))
    ok = bad(err, arena_printf(a, "%s.max_length", p), "长度限制无效（0 到 10000，最小不超过最大）",
             "invalid length limits (0–10,000, min ≤ max)");
  if ((x->min_length || x->max_length || (x->pattern && x->pattern[0])) && !is_text_type(t))
    ok = bad(err, arena_printf(a, "%s.pattern", p), "只有文本类字段可以设置长度和格式",
             "only text fields have lengths and patterns");
  if (x->pattern != NULL && x->pattern[0] != '\0') {
    regex_t re;
    if (strlen(x->pattern) > 200 ||
        regcomp(&re, arena_printf(a, "^(%s)$", x->pattern), REG_EXTENDED | REG_NOSUB) != 0)
      ok = bad(err, arena_printf(a, "%s.pattern", p), "格式（正则表达式）无效",
               "the pattern is not a valid regular expression");
    else
      regfree(&re);
  }
  if (!text_ok(x->pattern_message, 0, 100))
    ok = bad(err, arena_printf(a, "%s.pattern_message", p), "提示最多 100 个字",
             "at most 100 characters");
  if ((int)x->prefill < 0 ||
      (int)x->prefill > EHALL__FORMS__V1__PREFILL_SOURCE__PREFILL_SOURCE_PREVIOUS)
    ok = bad(err, arena_printf(a, "%s.prefill", p), "预填来源无效", "unknown prefill source");
  if (x->locked && x->prefill == EHALL__FORMS__V1__PREFILL_SOURCE__PREFILL_SOURCE_NONE)
    ok = bad(err, arena_printf(a, "%s.locked", p), "只有预填的字段可以锁定",
             "only a prefilled field can be locked");
  if (t == T(TABLE)) {
    if (x->n_columns < 1 || x->n_columns > FORM_COLUMNS_MAX)
      ok = bad(err, arena_printf(a, "%s.columns", p), "表格需要 1 到 20 列",
               "a table needs 1–20 columns");
    for (size_t i = 0; i < x->n_columns; i++) {
      ok &= field_check(a, x->columns[i], arena_printf(a, "%s.columns[%zu]", p, i), true, err);
      for (size_t j = 0; j < i; j++)
        if (x->columns[i]->key && x->columns[j]->key &&
            strcmp(x->columns[i]->key, x->columns[j]->key) == 0)
          ok = bad(err, arena_printf(a, "%s.columns[%zu].key", p, i), "列的键名重复",
                   "duplicate column key");
    }
    if (x->max_rows < 0 || x->max_rows > FORM_ROWS_MAX)
      ok = bad(err, arena_printf(a, "%s.max_rows", p), "行数上限应在 0 到 200 之间",
               "max_rows must be 0–200");
  } else if (x->n_columns > 0) {
    ok = bad(err, arena_printf(a, "%s.columns", p), "只有表格可以设置列",
             "only tables have columns");
  }
  if (t == T(FILES)) {
    if (x->max_files < 0 || x->max_files > FORM_FILES_MAX)
      ok = bad(err, arena_printf(a, "%s.max_files", p), "附件数上限应在 0 到 10 之间",
               "max_files must be 0–10");
    if (x->n_accept > 10)
      ok = bad(err, arena_printf(a, "%s.accept", p), "文件类型最多 10 种", "at most 10 types");
    for (size_t i = 0; i < x->n_accept; i++)
      if (!text_ok(x->accept[i], 1, 100) || strchr(x->accept[i], '/') == NULL)
        ok = bad(err, arena_printf(a, "%s.accept[%zu]", p, i),
                 "文件类型应形如 application/pdf 或 image/*",
                 "use a content type such as application/pdf or image/*");
  }
  if (column && x->visible_when && x->visible_when->field && x->visible_when->field[0])
    ok = bad(err, arena_printf(a, "%s.visible_when", p), "表格的列不能设置显示条件",
             "table columns have no conditions");
  return ok;
}

bool form_definition_check(arena_t *a, const form_def_t *f, eh_err_t *err) {
  bool ok = true;
  if (!text_ok(f->title, 0, 64))
    ok = bad(err, "form.title", "标题最多 64 个字", "at most 64 characters");
  if (!text_ok(f->description, 0, 2000))
    ok = bad(err, "form.description", "说明最多 2000 个字", "at most 2,000 characters");
  if (f->n_fields > FORM_FIELDS_MAX)
    return bad(err, "form.fields", "表单最多 100 个字段", "at most 100 fields");
  for (size_t i = 0; i < f->n_fields; i++) {
    const form_field_t *x = f->fields[i];
    const char *p = arena_printf(a, "form.fields[%zu]", i);
    ok &= field_check(a, x, p, false, err);
    for (size_t j = 0; j < i; j++)
      if (x->key && f->fields[j]->key && strcmp(x->key, f->fields[j]->key) == 0)
        ok = bad(err, arena_printf(a, "%s.key", p), "键名重复", "duplicate key");
    const Ehall__Forms__V1__Condition *c = x->visible_when;
    if (c != NULL && c->field != NULL && c->field[0] != '\0') {
      int j = field_index(f, c->field);
      if (j < 0 || (size_t)j == i)
        ok = bad(err, arena_printf(a, "%s.visible_when.field", p), "条件应指向表单中的另一个字段",
                 "a condition names another field of the form");
      else if ((int)f->fields[j]->type == T(TABLE) || (int)f->fields[j]->type == T(FILES))
        ok = bad(err, arena_printf(a, "%s.visible_when.field", p), "条件不能指向表格或附件",
                 "a condition cannot test a table or files");
      if (c->n_values < 1 || c->n_values > 20)
        ok = bad(err, arena_printf(a, "%s.visible_when.values", p), "条件需要 1 到 20 个取值",
                 "a condition needs 1–20 values");
    }
  }
  /* Cycles: follow each field's chain of conditions; longer than the form means a loop. */
  for (size_t i = 0; i < f->n_fields; i++) {
    size_t at = i, steps = 0;
    for (;;) {
      const Ehall__Forms__V1__Condition *c = f->fields[at]->visible_when;
      int j = c && c->field && c->field[0] ? field_index(f, c->field) : -1;
      if (j < 0 || (size_t)j == at)
        break;
      at = (size_t)j;
      if (++steps > f->n_fields) {
        ok = bad(err, arena_printf(a, "form.fields[%zu].visible_when", i),
                 "显示条件形成了循环（A 依赖 B，B 又依赖 A）",
                 "the display conditions form a cycle (A depends on B, B on A)");
        break;
      }
    }
  }
  return ok;
}

/* --- values against a definition -------------------------------------------------------------- */

typedef struct {
  arena_t *a;
  bool complete;
  const form_values_t *locked;
  form_file_t *files;
  size_t n_files, cap_files;
  eh_err_t *err;
} vctx_t;

static bool option_known(const form_field_t *x, const char *v) {
  for (size_t i = 0; i < x->n_options; i++)
    if (strcmp(x->options[i]->value, v) == 0)
      return true;
  return false;
}

static bool want(vctx_t *c, const char *path, const char *zh, const char *en) {
  return bad(c->err, path, zh, en);
}

static void file_add(vctx_t *c, const char *id, const char *path, const form_field_t *x) {
  if (c->n_files == c->cap_files) {
    size_t cap = c->cap_files ? c->cap_files * 2 : 8;
    form_file_t *n = arena_alloc(c->a, cap * sizeof *n);
    if (c->n_files)
      memcpy(n, c->files, c->n_files * sizeof *n);
    c->files = n;
    c->cap_files = cap;
  }
  c->files[c->n_files++] = (form_file_t){.id = id, .path = path, .field = x};
}

bool form_file_type_ok(const form_field_t *x, const char *content_type) {
  if (x->n_accept == 0)
    return true;
  size_t tl = strcspn(content_type, "; \t");
  for (size_t i = 0; i < x->n_accept; i++) {
    const char *want = x->accept[i];
    size_t wl = strlen(want);
    if (wl >= 2 && strcmp(want + wl - 2, "/*") == 0) {
      if (tl > wl - 1 && strncasecmp(content_type, want, wl - 1) == 0)
        return true; /* "image/" + "*": "image/" and a subtype */
    } else if (tl == wl && strncasecmp(content_type, want, wl) == 0) {
      return true;
    }
  }
  return false;
}

static bool check_text(vctx_t *c, const form_field_t *x, const char *path, const char *s) {
  int t = (int)x->type;
  long n = ulen(s);
  if (n < 0)
    return want(c, path, "含有无效字符", "not valid UTF-8");
  if (n > FORM_TEXT_MAX || (t == T(TEXT) && n > 500))
    return want(c, path, "内容过长", "too long");
  if (!c->complete || s[0] == '\0')
    return true;
  if (x->min_length > 0 && n < x->min_length)
    return eh_err_set(c->err, EH_INVALID, path, "至少 %d 个字", "at least %d characters",
                      x->min_length);
  if (x->max_length > 0 && n > x->max_length)
    return eh_err_set(c->err, EH_INVALID, path, "最多 %d 个字", "at most %d characters",
                      x->max_length);
  switch (t) {
  case T(PHONE):
    if (!form_phone_valid(s))
      return want(c, path, "请填写正确的手机号或固定电话（如 0373-3326105）",
                  "enter a mobile number or a landline with its area code");
    break;
  case T(EMAIL):
    if (!form_email_valid(s))
      return want(c, path, "请填写正确的邮箱地址", "enter a valid email address");
    break;
  case T(ID_NUMBER):
    if (!form_id_number_valid(s))
      return want(c, path, "身份证号码不正确（18 位，含校验位）",
                  "not a valid 18-character ID number");
    break;
  case T(DATE):
    if (!booking_day_valid(s))
      return want(c, path, "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD");
    break;
  case T(DATETIME):
    if (!datetime_valid(s))
      return want(c, path, "时间格式应为 YYYY-MM-DDTHH:MM", "use YYYY-MM-DDTHH:MM");
    break;
  case T(CHOICE):
    if (!option_known(x, s))
      return want(c, path, "请从选项中选择", "choose one of the options");
    break;
  default:
    break;
  }
  if (x->pattern != NULL && x->pattern[0] != '\0') {
    regex_t re;
    if (regcomp(&re, arena_printf(c->a, "^(%s)$", x->pattern), REG_EXTENDED | REG_NOSUB) == 0) {
      int m = regexec(&re, s, 0, NULL, 0);
      regfree(&re);
      if (m != 0)
        return want(c, path,
                    x->pattern_message && x->pattern_message[0] ? x->pattern_message : "格式不正确",
                    x->pattern_message && x->pattern_message[0] ? x->pattern_message
                                                                : "wrong format");
    }
  }
  return true;
}

/* One value of field x at path (a top-level field or a table cell). */
static bool check_value(vctx_t *c, const form_field_t *x, const char *path, const value_t *v) {
  int t = (int)x->type;
  bool empty = is_empty(v);
  if (empty) {
    if (c->complete && x->required)
      return want(c, path, "此项为必填项", "required");
    return true;
  }
  switch (t) {
  case T(NUMBER):
    if (KIND(v) != K_NUM || !isfinite(v->number_value))
      return want(c, path, "应为数字", "must be a number");
    if (c->complete && x->has_min && v->number_value < x->min)
      return eh_err_set(c->err, EH_INVALID, path, "不能小于 %g", "must be at least %g", x->min);
    if (c->complete && x->has_max && v->number_value > x->max)
      return eh_err_set(c->err, EH_INVALID, path, "不能大于 %g", "must be at most %g", x->max);
    return true;
  case T(CHECKBOX):
    if (KIND(v) != K_BOOL)
      return want(c, path, "应为是或否", "must be true or false");
    if (c->complete && x->required && !v->bool_value)
      return want(c, path, "请勾选此项", "must be checked");
    return true;
  case T(MULTI_CHOICE): {
    if (KIND(v) != K_LIST)
      return want(c, path, "应为选项列表", "must be a list of options");
    const Google__Protobuf__ListValue *l = v->list_value;
    if (l->n_values > x->n_options)
      return want(c, path, "选项过多", "too many options");
    for (size_t i = 0; i < l->n_values; i++) {
      const value_t *e = l->values[i];
      const char *ep = arena_printf(c->a, "%s[%zu]", path, i);
      if (KIND(e) != K_STR)
        return want(c, ep, "应为选项", "must be an option");
      if (c->complete && !option_known(x, e->string_value))
        return want(c, ep, "请从选项中选择", "choose one of the options");
      for (size_t j = 0; j < i; j++)
        if (KIND(l->values[j]) == K_STR && strcmp(l->values[j]->string_value, e->string_value) == 0)
          return want(c, ep, "选项重复", "chosen twice");
    }
    return true;
  }
  case T(TABLE): {
    if (KIND(v) != K_LIST)
      return want(c, path, "应为表格的行", "must be a list of rows");
    const Google__Protobuf__ListValue *l = v->list_value;
    size_t max = x->max_rows > 0 ? (size_t)x->max_rows : FORM_ROWS_DEFAULT;
    if (l->n_values > max)
      return eh_err_set(c->err, EH_INVALID, path, "最多 %zu 行", "at most %zu rows", max);
    bool ok = true;
    for (size_t r = 0; r < l->n_values; r++) {
      const value_t *row = l->values[r];
      const char *rp = arena_printf(c->a, "%s[%zu]", path, r);
      if (KIND(row) != K_STRUCT) {
        ok = want(c, rp, "每一行应为对象", "each row must be an object");
        continue;
      }
      const form_values_t *cells = row->struct_value;
      for (size_t k = 0; k < cells->n_fields; k++) {
        bool known = false;
        for (size_t col = 0; col < x->n_columns; col++)
          known |= strcmp(x->columns[col]->key, cells->fields[k]->key) == 0;
        if (!known)
          ok = want(c, arena_printf(c->a, "%s.%s", rp, cells->fields[k]->key), "表格中没有这一列",
                    "no such column");
      }
      for (size_t col = 0; col < x->n_columns; col++)
        ok &= check_value(c, x->columns[col], arena_printf(c->a, "%s.%s", rp, x->columns[col]->key),
                          form_value_get(cells, x->columns[col]->key));
    }
    if (c->complete && x->required && l->n_values == 0)
      ok = want(c, path, "请至少填写一行", "add at least one row");
    return ok;
  }
  case T(FILES): {
    if (KIND(v) != K_LIST)
      return want(c, path, "应为附件列表", "must be a list of attachment ids");
    const Google__Protobuf__ListValue *l = v->list_value;
    size_t max = x->max_files > 0 ? (size_t)x->max_files : FORM_FILES_DEFAULT;
    if (l->n_values > max)
      return eh_err_set(c->err, EH_INVALID, path, "最多 %zu 个附件", "at most %zu files", max);
    for (size_t i = 0; i < l->n_values; i++) {
      const value_t *e = l->values[i];
      if (KIND(e) != K_STR || e->string_value[0] == '\0' || strlen(e->string_value) > 20)
        return want(c, arena_printf(c->a, "%s[%zu]", path, i), "附件无效", "not an attachment id");
      file_add(c, e->string_value, arena_printf(c->a, "%s[%zu]", path, i), x);
    }
    return true;
  }
  default: /* every text-like type and single choice */
    if (KIND(v) != K_STR)
      return want(c, path, "应为文本", "must be text");
    return check_text(c, x, path, v->string_value);
  }
}

bool form_values_check(arena_t *a, const form_def_t *f, const form_values_t *data, bool complete,
                       const form_values_t *locked, form_values_t **clean, form_file_t **files,
                       size_t *n_files, eh_err_t *err) {
  vctx_t c = {.a = a, .complete = complete, .locked = locked, .err = err};
  bool ok = true;
  form_values_t empty = GOOGLE__PROTOBUF__STRUCT__INIT;
  if (data == NULL)
    data = &empty;
  for (size_t k = 0; k < data->n_fields; k++)
    if (field_index(f, data->fields[k]->key) < 0)
      ok = bad(err, arena_printf(a, "data.%.40s", data->fields[k]->key), "表单中没有这一项",
               "the form has no such field");
  form_values_t *out = arena_alloc(a, sizeof *out);
  google__protobuf__struct__init(out);
  for (size_t i = 0; i < f->n_fields; i++) {
    const form_field_t *x = f->fields[i];
    if (!form_field_visible(f, i, data))
      continue;
    const char *path = arena_printf(a, "data.%s", x->key);
    const value_t *v = form_value_get(data, x->key);
    if (x->locked && locked != NULL) {
      const value_t *want_v = form_value_get(locked, x->key);
      if (want_v != NULL && !is_empty(v) && strcmp(as_text(a, v), as_text(a, want_v)) != 0) {
        ok = bad(err, path, "该项由系统填写，不能修改", "this value comes from your record");
        continue;
      }
      if (want_v != NULL && is_empty(v))
        v = want_v;
    }
    ok &= check_value(&c, x, path, v);
    if (!is_empty(v))
      form_value_set(a, out, x->key, (value_t *)v);
  }
  if (!ok)
    return false;
  *clean = out;
  *files = c.files;
  *n_files = c.n_files;
  return true;
}

/* --- states ----------------------------------------------------------------------------------- */

bool application_next(int state, app_action_t act, int *next) {
  int to = 0;
  switch (act) {
  case APP_ACT_SUBMIT:
    to = state == APP_DRAFT ? APP_SUBMITTED : 0;
    break;
  case APP_ACT_REVIEW:
    to = state == APP_SUBMITTED ? APP_IN_REVIEW : 0;
    break;
  case APP_ACT_RETURN:
    to = state == APP_SUBMITTED || state == APP_IN_REVIEW ? APP_RETURNED : 0;
    break;
  case APP_ACT_RESUBMIT:
    to = state == APP_RETURNED ? APP_SUBMITTED : 0;
    break;
  case APP_ACT_APPROVE:
    to = state == APP_SUBMITTED || state == APP_IN_REVIEW ? APP_APPROVED : 0;
    break;
  case APP_ACT_REJECT:
    to = state == APP_SUBMITTED || state == APP_IN_REVIEW ? APP_REJECTED : 0;
    break;
  case APP_ACT_WITHDRAW:
    to = state == APP_SUBMITTED || state == APP_IN_REVIEW || state == APP_RETURNED ? APP_WITHDRAWN
                                                                                   : 0;
    break;
  }
  if (to == 0)
    return false;
  *next = to;
  return true;
}

bool application_ended(int state) {
  return state == APP_APPROVED || state == APP_REJECTED || state == APP_WITHDRAWN;
}
