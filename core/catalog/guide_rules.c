/*
 * guide_rules.c — a guide's content rules (guide_rules.h): validation against the limits of
 * catalog.proto, template files, and the field-by-field diff of two versions. Pure.
 *
 * Validation reports every bad field (up to EH_ERR_MAX_FIELDS), the first one's message as the
 * error's message, so a form can mark each field and the user reads one sentence naming it.
 */
#include "core/catalog/guide_rules.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/common/text.h"

typedef Ehall__Catalog__V1__Guide guide_t;

/* --- validation helpers -------------------------------------------------------------------- */

/* Adds a violation of `field`: the first one also sets the code and the message. */
static void bad(eh_err_t *err, const char *field, const char *zh, const char *en) {
  if (err->code == EH_OK)
    eh_err_set(err, EH_INVALID, field, "%s%.0s", "%.0s%s", zh, en);
  else
    eh_err_add_field(err, field, zh, en);
}

/* Text: UTF-8, no control characters but \n and \t (only when multiline), at most max
 * characters, present when required. */
static void check_text(eh_err_t *err, const char *field, const char *zh, const char *en,
                       const char *v, long max, bool required, bool multiline) {
  char m_zh[192], m_en[192];
  v = v ? v : "";
  size_t n = strlen(v);
  long chars = text_utf8_length(v, n);
  if (chars < 0) {
    snprintf(m_zh, sizeof m_zh, "%s含有无效字符", zh);
    snprintf(m_en, sizeof m_en, "%s is not valid UTF-8 text", en);
    return bad(err, field, m_zh, m_en);
  }
  bool blank = true;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)v[i];
    if ((c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r'))) || c == 0x7f) {
      snprintf(m_zh, sizeof m_zh, "%s含有不允许的控制字符", zh);
      snprintf(m_en, sizeof m_en, "%s contains control characters", en);
      return bad(err, field, m_zh, m_en);
    }
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
      blank = false;
  }
  if (required && blank) {
    snprintf(m_zh, sizeof m_zh, "%s不能为空", zh);
    snprintf(m_en, sizeof m_en, "%s is required", en);
    return bad(err, field, m_zh, m_en);
  }
  if (chars > max) {
    snprintf(m_zh, sizeof m_zh, "%s不能超过 %ld 个字（现为 %ld 个）", zh, max, chars);
    snprintf(m_en, sizeof m_en, "%s must be at most %ld characters (it has %ld)", en, max, chars);
    return bad(err, field, m_zh, m_en);
  }
}

static void check_count(eh_err_t *err, const char *field, const char *zh, const char *en, size_t n,
                        size_t min, size_t max) {
  char m_zh[192], m_en[192];
  if (n < min) {
    snprintf(m_zh, sizeof m_zh, "请至少选择 %zu 个%s", min, zh);
    snprintf(m_en, sizeof m_en, "choose at least %zu %s", min, en);
    bad(err, field, m_zh, m_en);
  } else if (n > max) {
    snprintf(m_zh, sizeof m_zh, "%s最多 %zu 项（现为 %zu 项）", zh, max, n);
    snprintf(m_en, sizeof m_en, "at most %zu %s (there are %zu)", max, en, n);
    bad(err, field, m_zh, m_en);
  }
}

static bool in_list(const char *v, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v, list[i]) == 0)
      return true;
  return false;
}

/* "HH:MM", 00:00–23:59; minutes since midnight, or -1. */
static int parse_hhmm(const char *s) {
  if (s == NULL || strlen(s) != 5 || s[2] != ':')
    return -1;
  for (int i = 0; i < 5; i++)
    if (i != 2 && (s[i] < '0' || s[i] > '9'))
      return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  return h < 24 && m < 60 ? h * 60 + m : -1;
}

static bool url_ok(const char *u) {
  if (u == NULL || u[0] == '\0')
    return false;
  for (const char *p = u; *p; p++)
    if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
      return false;
  if (u[0] == '/')
    return u[1] != '/'; /* a path in the hall, never "//host" */
  return (strncasecmp(u, "https://", 8) == 0 && u[8] != '\0') ||
         (strncasecmp(u, "http://", 7) == 0 && u[7] != '\0');
}

static bool phone_ok(const char *p) {
  for (; *p; p++)
    if (!((*p >= '0' && *p <= '9') || *p == ' ' || *p == '+' || *p == '-' || *p == '(' ||
          *p == ')' || *p == '/'))
      return false;
  return true;
}

static bool hex64(const char *s) {
  if (s == NULL || strlen(s) != 64)
    return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}

#define F(...) (snprintf(path, sizeof path, __VA_ARGS__), path)
#define Z(...) (snprintf(zh, sizeof zh, __VA_ARGS__), zh)
#define E(...) (snprintf(en, sizeof en, __VA_ARGS__), en)

bool guide_validate(const guide_t *g, const guide_known_t *known, eh_err_t *err) {
  char path[64], zh[160], en[160];
  check_text(err, "name", "服务名称", "The name", g->name, 64, true, false);
  check_text(err, "name_en", "英文名称", "The English name", g->name_en, 128, true, false);
  check_count(err, "categories", "服务分类", "categories", g->n_categories, 1, 5);
  for (size_t i = 0; i < g->n_categories && i < 5; i++)
    if (!in_list(g->categories[i] ? g->categories[i] : "", known->categories, known->n_categories))
      bad(err, F("categories[%zu]", i), Z("服务分类“%.40s”不存在", g->categories[i]),
          E("there is no category \"%.40s\"", g->categories[i]));
  check_count(err, "themes", "主题", "themes", g->n_themes, 0, 5);
  for (size_t i = 0; i < g->n_themes && i < 5; i++)
    if (!in_list(g->themes[i] ? g->themes[i] : "", known->themes, known->n_themes))
      bad(err, F("themes[%zu]", i), Z("主题“%.40s”不存在", g->themes[i]),
          E("there is no theme \"%.40s\"", g->themes[i]));
  if (g->audience < EHALL__CATALOG__V1__AUDIENCE__AUDIENCE_EVERYONE ||
      g->audience > EHALL__CATALOG__V1__AUDIENCE__AUDIENCE_STAFF)
    bad(err, "audience", "请选择服务对象", "choose who the service is for");
  check_count(err, "audience_units", "限定单位", "audience units", g->n_audience_units, 0, 20);
  check_text(err, "summary", "服务简介", "The summary", g->summary, 500, true, true);
  check_text(err, "conditions", "办理条件", "The conditions", g->conditions, 4000, false, true);
  check_count(err, "materials", "所需材料", "materials", g->n_materials, 0, 50);
  for (size_t i = 0; i < g->n_materials && i < 50; i++) {
    const Ehall__Catalog__V1__Material *m = g->materials[i];
    check_text(err, F("materials[%zu].name", i), Z("第 %zu 项材料的名称", i + 1),
               E("The name of material %zu", i + 1), m->name, 100, true, false);
    check_text(err, F("materials[%zu].note", i), Z("第 %zu 项材料的说明", i + 1),
               E("The note of material %zu", i + 1), m->note, 200, false, false);
    if (m->copies < 0 || m->copies > 99)
      bad(err, F("materials[%zu].copies", i), Z("第 %zu 项材料的份数应在 0–99 之间", i + 1),
          E("material %zu: copies must be 0 to 99", i + 1));
  }
  check_count(err, "steps", "办理步骤", "steps", g->n_steps, 0, 30);
  for (size_t i = 0; i < g->n_steps && i < 30; i++)
    check_text(err, F("steps[%zu]", i), Z("第 %zu 个办理步骤", i + 1), E("Step %zu", i + 1),
               g->steps[i], 500, true, true);
  if (g->time_limit_workdays < 0 || g->time_limit_workdays > 365)
    bad(err, "time_limit_workdays", "承诺时限应在 0–365 个工作日之间",
        "the promised time limit must be 0 to 365 working days");
  check_text(err, "time_limit_note", "时限说明", "The time-limit note", g->time_limit_note, 100,
             false, false);
  check_text(err, "fees", "收费标准", "The fees", g->fees, 4000, false, true);
  check_count(err, "locations", "办理地点", "locations", g->n_locations, 0, 10);
  for (size_t i = 0; i < g->n_locations && i < 10; i++) {
    const Ehall__Catalog__V1__Location *l = g->locations[i];
    check_text(err, F("locations[%zu].campus", i), Z("第 %zu 个办理地点的校区", i + 1),
               E("The campus of location %zu", i + 1), l->campus, 32, true, false);
    check_text(err, F("locations[%zu].place", i), Z("第 %zu 个办理地点的地址", i + 1),
               E("The place of location %zu", i + 1), l->place, 100, true, false);
    check_text(err, F("locations[%zu].note", i), Z("第 %zu 个办理地点的说明", i + 1),
               E("The note of location %zu", i + 1), l->note, 200, false, false);
    check_count(err, F("locations[%zu].hours", i), "开放时间", "opening-hours rows", l->n_hours, 0,
                14);
    for (size_t j = 0; j < l->n_hours && j < 14; j++) {
      const Ehall__Catalog__V1__OpeningHours *h = l->hours[j];
      bool seen[8] = {false}, days_ok = h->n_weekdays > 0;
      for (size_t k = 0; k < h->n_weekdays; k++) {
        int d = h->weekdays[k];
        if (d < 1 || d > 7 || seen[d])
          days_ok = false;
        else
          seen[d] = true;
      }
      if (!days_ok)
        bad(err, F("locations[%zu].hours[%zu].weekdays", i, j),
            Z("第 %zu 个办理地点的开放日应为周一至周日（1–7），至少一天且不重复", i + 1),
            E("location %zu: weekdays must be 1 (Monday) to 7 (Sunday), at least one, no repeats",
              i + 1));
      int open = parse_hhmm(h->open), close = parse_hhmm(h->close);
      if (open < 0)
        bad(err, F("locations[%zu].hours[%zu].open", i, j),
            Z("第 %zu 个办理地点的开始时间“%.8s”不是有效时间（如 08:30）", i + 1,
              h->open ? h->open : ""),
            E("location %zu: opening time \"%.8s\" is not a time like 08:30", i + 1,
              h->open ? h->open : ""));
      if (close < 0)
        bad(err, F("locations[%zu].hours[%zu].close", i, j),
            Z("第 %zu 个办理地点的结束时间“%.8s”不是有效时间（如 17:30）", i + 1,
              h->close ? h->close : ""),
            E("location %zu: closing time \"%.8s\" is not a time like 17:30", i + 1,
              h->close ? h->close : ""));
      if (open >= 0 && close >= 0 && close <= open)
        bad(err, F("locations[%zu].hours[%zu].close", i, j),
            Z("第 %zu 个办理地点的结束时间应晚于开始时间", i + 1),
            E("location %zu: the closing time must be after the opening time", i + 1));
      check_text(err, F("locations[%zu].hours[%zu].note", i, j),
                 Z("第 %zu 个办理地点的时间说明", i + 1),
                 E("The hours note of location %zu", i + 1), h->note, 100, false, false);
    }
  }
  check_text(err, "contact_phone", "咨询电话", "The contact phone", g->contact_phone, 32, false,
             false);
  if (g->contact_phone && !phone_ok(g->contact_phone))
    bad(err, "contact_phone", "咨询电话只能包含数字、空格和 + - ( ) /",
        "the contact phone may hold only digits, spaces and + - ( ) /");
  check_count(err, "links", "相关链接", "links", g->n_links, 0, 20);
  for (size_t i = 0; i < g->n_links && i < 20; i++) {
    check_text(err, F("links[%zu].title", i), Z("第 %zu 个链接的标题", i + 1),
               E("The title of link %zu", i + 1), g->links[i]->title, 64, true, false);
    const char *u = g->links[i]->url;
    if (!url_ok(u) || strlen(u) > 512)
      bad(err, F("links[%zu].url", i),
          Z("第 %zu 个链接的地址应以 http:// 或 https:// 开头（或为大厅内以 / "
            "开头的路径），且不超过 512 个字符",
            i + 1),
          E("link %zu: the address must start with http:// or https:// (or be a path in the hall "
            "starting with /), at most 512 characters",
            i + 1));
  }
  if (g->mode < EHALL__CATALOG__V1__HANDLING_MODE__HANDLING_MODE_ONLINE ||
      g->mode > EHALL__CATALOG__V1__HANDLING_MODE__HANDLING_MODE_BOTH)
    bad(err, "mode", "请选择办理方式", "choose how the service is handled");
  check_count(err, "templates", "表格模板", "templates", g->n_templates, 0, 20);
  for (size_t i = 0; i < g->n_templates && i < 20; i++) {
    if (!hex64(g->templates[i]->file_id))
      bad(err, F("templates[%zu].file_id", i), Z("第 %zu 个表格的文件标识无效，请重新上传", i + 1),
          E("template %zu: the file id is invalid; upload the file again", i + 1));
    const char *ct;
    eh_err_t terr = EH_ERR_INIT;
    if (!guide_template_check(g->templates[i]->name ? g->templates[i]->name : "", 1, &ct, &terr))
      bad(err, F("templates[%zu].name", i), terr.message, terr.message_en);
  }
  check_count(err, "keywords", "关键词", "keywords", g->n_keywords, 0, 20);
  for (size_t i = 0; i < g->n_keywords && i < 20; i++)
    check_text(err, F("keywords[%zu]", i), Z("第 %zu 个关键词", i + 1), E("Keyword %zu", i + 1),
               g->keywords[i], 32, true, false);
  return err->code == EH_OK;
}

bool guide_code_check(const char *code, eh_err_t *err) {
  size_t n = code ? strlen(code) : 0;
  bool ok = n >= 2 && n <= 64 &&
            ((code[0] >= 'a' && code[0] <= 'z') || (code[0] >= '0' && code[0] <= '9'));
  for (size_t i = 0; ok && i < n; i++)
    ok = (code[i] >= 'a' && code[i] <= 'z') || (code[i] >= '0' && code[i] <= '9') || code[i] == '-';
  if (!ok)
    return eh_err_set(err, EH_INVALID, "code",
                      "服务代码应为 2–64 个小写字母、数字或连字符，且以字母或数字开头（如 "
                      "enrolment-certificate）",
                      "the service code must be 2 to 64 lower-case letters, digits or hyphens, "
                      "starting with a letter or digit (e.g. enrolment-certificate)");
  return true;
}

bool guide_category_check(const char *code, const Ehall__Catalog__V1__Category *c, eh_err_t *err) {
  size_t n = code ? strlen(code) : 0;
  bool ok = n >= 2 && n <= 32 &&
            ((code[0] >= 'a' && code[0] <= 'z') || (code[0] >= '0' && code[0] <= '9'));
  for (size_t i = 0; ok && i < n; i++)
    ok = (code[i] >= 'a' && code[i] <= 'z') || (code[i] >= '0' && code[i] <= '9') || code[i] == '-';
  if (!ok)
    bad(err, "code", "分类代码应为 2–32 个小写字母、数字或连字符",
        "the category code must be 2 to 32 lower-case letters, digits or hyphens");
  if (c == NULL) {
    bad(err, "category", "缺少分类内容", "the category is missing");
    return false;
  }
  if (c->kind != EHALL__CATALOG__V1__CATEGORY_KIND__CATEGORY_KIND_CATEGORY &&
      c->kind != EHALL__CATALOG__V1__CATEGORY_KIND__CATEGORY_KIND_THEME)
    bad(err, "category.kind", "请选择是分类还是主题", "choose category or theme");
  check_text(err, "category.name", "分类名称", "The name", c->name, 16, true, false);
  check_text(err, "category.name_en", "英文名称", "The English name", c->name_en, 48, true, false);
  check_text(err, "category.icon", "图标", "The icon", c->icon, 32, false, false);
  return err->code == EH_OK;
}

static const struct {
  const char *ext, *type;
} template_types[] = {
    {".pdf", "application/pdf"},
    {".doc", "application/msword"},
    {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {".xls", "application/vnd.ms-excel"},
    {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {".odt", "application/vnd.oasis.opendocument.text"},
    {".ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {".zip", "application/zip"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".png", "image/png"},
};

bool guide_template_check(const char *name, size_t size, const char **content_type, eh_err_t *err) {
  *content_type = NULL;
  size_t n = name ? strlen(name) : 0;
  long chars = n ? text_utf8_length(name, n) : 0;
  bool name_ok = chars > 0 && chars <= 100 && strchr(name, '/') == NULL &&
                 strchr(name, '\\') == NULL && name[0] != '.';
  for (size_t i = 0; name_ok && i < n; i++)
    if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
      name_ok = false;
  const char *dot = name_ok ? strrchr(name, '.') : NULL;
  for (size_t i = 0; dot && i < sizeof template_types / sizeof template_types[0]; i++)
    if (strcasecmp(dot, template_types[i].ext) == 0)
      *content_type = template_types[i].type;
  if (*content_type == NULL)
    return eh_err_set(
        err, EH_INVALID, "name",
        "文件名应不超过 100 个字，类型为 pdf、doc、docx、xls、xlsx、odt、ods、zip、jpg 或 png",
        "the file name must be at most 100 characters, of type pdf, doc, docx, xls, "
        "xlsx, odt, ods, zip, jpg or png");
  if (size == 0)
    return eh_err_set(err, EH_INVALID, "content", "文件为空", "the file is empty");
  if (size > 512 * 1024)
    return eh_err_set(err, EH_RESOURCE_EXHAUSTED, "content", "文件不能超过 512 KB",
                      "the file must be at most 512 KB");
  return true;
}

/* --- diff ---------------------------------------------------------------------------------- */

typedef Ehall__Catalog__V1__FieldChange change_t;
typedef Ehall__Catalog__V1__DiffLine line_t;

/* A field's value as lines of text (a scalar is one line, "" is none). */
typedef struct lines {
  const char **v;
  size_t n;
} lines_t;

static void lines_add(arena_t *a, lines_t *l, const char *s) {
  const char **bigger = arena_alloc(a, (l->n + 1) * sizeof *bigger);
  if (l->n)
    memcpy(bigger, l->v, l->n * sizeof *bigger);
  bigger[l->n++] = s;
  l->v = bigger;
}

/* Splits text on newlines (a trailing "\r" dropped). */
static lines_t lines_of_text(arena_t *a, const char *s) {
  lines_t l = {0};
  if (s == NULL || s[0] == '\0')
    return l;
  const char *p = s;
  for (;;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    if (n > 0 && p[n - 1] == '\r')
      n--;
    lines_add(a, &l, arena_strndup(a, p, n));
    if (!nl)
      break;
    p = nl + 1;
  }
  return l;
}

static const char *join(arena_t *a, const lines_t *l) {
  arena_buf_t b = {.a = a};
  for (size_t i = 0; i < l->n; i++) {
    if (i)
      arena_buf_putc(&b, '\n');
    arena_buf_puts(&b, l->v[i]);
  }
  return b.p ? b.p : "";
}

static bool lines_equal(const lines_t *x, const lines_t *y) {
  if (x->n != y->n)
    return false;
  for (size_t i = 0; i < x->n; i++)
    if (strcmp(x->v[i], y->v[i]) != 0)
      return false;
  return true;
}

#define DIFF_MAX_CELLS (2000u * 2000u)

static void add_line(arena_t *a, line_t ***out, size_t *n, size_t *cap, int op, const char *text) {
  if (*n == *cap) {
    size_t c = *cap ? *cap * 2 : 16;
    line_t **bigger = arena_alloc(a, c * sizeof *bigger);
    if (*n)
      memcpy(bigger, *out, *n * sizeof *bigger);
    *out = bigger;
    *cap = c;
  }
  line_t *l = arena_alloc(a, sizeof *l);
  ehall__catalog__v1__diff_line__init(l);
  l->op = op;
  l->text = (char *)text;
  (*out)[(*n)++] = l;
}

/* The line diff of x → y by longest common subsequence (remove-all/add-all past the bound). */
static void line_diff(arena_t *a, const lines_t *x, const lines_t *y, line_t ***out,
                      size_t *n_out) {
  size_t n = 0, cap = 0;
  line_t **res = NULL;
  size_t nx = x->n, ny = y->n;
  if ((nx + 1) * (ny + 1) > DIFF_MAX_CELLS) {
    for (size_t i = 0; i < nx; i++)
      add_line(a, &res, &n, &cap, EHALL__CATALOG__V1__DIFF_LINE__OP__OP_REMOVED, x->v[i]);
    for (size_t j = 0; j < ny; j++)
      add_line(a, &res, &n, &cap, EHALL__CATALOG__V1__DIFF_LINE__OP__OP_ADDED, y->v[j]);
  } else {
    /* lcs[i][j]: the LCS length of x[i..] and y[j..] */
    uint32_t *lcs = arena_zalloc(a, (nx + 1) * (ny + 1) * sizeof *lcs);
#define L(i, j) lcs[(i) * (ny + 1) + (j)]
    for (size_t i = nx; i-- > 0;)
      for (size_t j = ny; j-- > 0;)
        L(i, j) = strcmp(x->v[i], y->v[j]) == 0 ? L(i + 1, j + 1) + 1
                  : L(i + 1, j) >= L(i, j + 1)  ? L(i + 1, j)
                                                : L(i, j + 1);
    size_t i = 0, j = 0;
    while (i < nx || j < ny) {
      if (i < nx && j < ny && strcmp(x->v[i], y->v[j]) == 0) {
        add_line(a, &res, &n, &cap, EHALL__CATALOG__V1__DIFF_LINE__OP__OP_SAME, x->v[i]);
        i++, j++;
      } else if (j < ny && (i == nx || L(i, j + 1) >= L(i + 1, j))) {
        add_line(a, &res, &n, &cap, EHALL__CATALOG__V1__DIFF_LINE__OP__OP_ADDED, y->v[j++]);
      } else {
        add_line(a, &res, &n, &cap, EHALL__CATALOG__V1__DIFF_LINE__OP__OP_REMOVED, x->v[i++]);
      }
    }
#undef L
  }
  *out = res;
  *n_out = n;
}

static bool en(const char *lang) {
  return lang && strncmp(lang, "en", 2) == 0;
}

static const char *audience_label(int v, bool e) {
  switch (v) {
  case EHALL__CATALOG__V1__AUDIENCE__AUDIENCE_EVERYONE:
    return e ? "Everyone" : "全体师生";
  case EHALL__CATALOG__V1__AUDIENCE__AUDIENCE_STUDENTS:
    return e ? "Students" : "学生";
  case EHALL__CATALOG__V1__AUDIENCE__AUDIENCE_STAFF:
    return e ? "Staff" : "教职工";
  default:
    return "";
  }
}

static const char *mode_label(int v, bool e) {
  switch (v) {
  case EHALL__CATALOG__V1__HANDLING_MODE__HANDLING_MODE_ONLINE:
    return e ? "Online" : "网上办理";
  case EHALL__CATALOG__V1__HANDLING_MODE__HANDLING_MODE_OFFLINE:
    return e ? "In person" : "线下办理";
  case EHALL__CATALOG__V1__HANDLING_MODE__HANDLING_MODE_BOOKING:
    return e ? "By appointment" : "预约办理";
  case EHALL__CATALOG__V1__HANDLING_MODE__HANDLING_MODE_BOTH:
    return e ? "Online and by appointment" : "网上申请 + 预约办理";
  default:
    return "";
  }
}

static const char *weekdays_text(arena_t *a, const Ehall__Catalog__V1__OpeningHours *h, bool e) {
  static const char *zh[] = {"", "一", "二", "三", "四", "五", "六", "日"};
  static const char *en_[] = {"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  arena_buf_t b = {.a = a};
  arena_buf_puts(&b, e ? "" : "周");
  for (size_t k = 0; k < h->n_weekdays; k++) {
    int d = h->weekdays[k];
    if (d < 1 || d > 7)
      continue;
    if (k && e)
      arena_buf_putc(&b, ',');
    arena_buf_puts(&b, e ? en_[d] : zh[d]);
  }
  return b.p;
}

/* The value of one field of g as lines (every list element is one line). */
static lines_t field_lines(arena_t *a, const guide_t *g, int field, bool e) {
  lines_t l = {0};
  switch (field) {
  case 0:
    if (g->name && *g->name)
      lines_add(a, &l, g->name);
    break;
  case 1:
    if (g->name_en && *g->name_en)
      lines_add(a, &l, g->name_en);
    break;
  case 2:
    for (size_t i = 0; i < g->n_categories; i++)
      lines_add(a, &l, g->categories[i]);
    break;
  case 3:
    for (size_t i = 0; i < g->n_themes; i++)
      lines_add(a, &l, g->themes[i]);
    break;
  case 4:
    if (*audience_label(g->audience, e))
      lines_add(a, &l, audience_label(g->audience, e));
    break;
  case 5:
    for (size_t i = 0; i < g->n_audience_units; i++)
      lines_add(a, &l, g->audience_units[i]);
    break;
  case 6:
    return lines_of_text(a, g->summary);
  case 7:
    return lines_of_text(a, g->conditions);
  case 8:
    for (size_t i = 0; i < g->n_materials; i++) {
      const Ehall__Catalog__V1__Material *m = g->materials[i];
      lines_add(a, &l,
                arena_printf(a, "%s%s%s%s%s", m->name ? m->name : "",
                             m->copies > 0 ? arena_printf(a, " ×%d", m->copies) : "",
                             m->required ? (e ? " (required)" : "（必需）")
                                         : (e ? " (if applicable)" : "（视情况）"),
                             m->note && *m->note ? " " : "", m->note ? m->note : ""));
    }
    break;
  case 9:
    for (size_t i = 0; i < g->n_steps; i++)
      lines_add(a, &l, g->steps[i]);
    break;
  case 10:
    lines_add(a, &l,
              g->time_limit_workdays == 0
                  ? (e ? "at once" : "当场办结")
                  : arena_printf(a, e ? "%d working days" : "%d 个工作日", g->time_limit_workdays));
    break;
  case 11:
    if (g->time_limit_note && *g->time_limit_note)
      lines_add(a, &l, g->time_limit_note);
    break;
  case 12:
    return lines_of_text(a, g->fees);
  case 13:
    for (size_t i = 0; i < g->n_locations; i++) {
      const Ehall__Catalog__V1__Location *loc = g->locations[i];
      arena_buf_t b = {.a = a};
      arena_buf_puts(&b, loc->campus ? loc->campus : "");
      arena_buf_puts(&b, " ");
      arena_buf_puts(&b, loc->place ? loc->place : "");
      for (size_t j = 0; j < loc->n_hours; j++) {
        const Ehall__Catalog__V1__OpeningHours *h = loc->hours[j];
        arena_buf_puts(&b, j ? "; " : e ? ", " : "，");
        arena_buf_puts(&b, weekdays_text(a, h, e));
        arena_buf_puts(&b,
                       arena_printf(a, " %s–%s", h->open ? h->open : "", h->close ? h->close : ""));
        if (h->note && *h->note) {
          arena_buf_puts(&b, " ");
          arena_buf_puts(&b, h->note);
        }
      }
      if (loc->note && *loc->note) {
        arena_buf_puts(&b, e ? " (" : "（");
        arena_buf_puts(&b, loc->note);
        arena_buf_puts(&b, e ? ")" : "）");
      }
      lines_add(a, &l, b.p);
    }
    break;
  case 14:
    if (g->contact_phone && *g->contact_phone)
      lines_add(a, &l, g->contact_phone);
    break;
  case 15:
    for (size_t i = 0; i < g->n_links; i++)
      lines_add(a, &l,
                arena_printf(a, "%s %s", g->links[i]->title ? g->links[i]->title : "",
                             g->links[i]->url ? g->links[i]->url : ""));
    break;
  case 16:
    if (*mode_label(g->mode, e))
      lines_add(a, &l, mode_label(g->mode, e));
    break;
  case 17:
    for (size_t i = 0; i < g->n_templates; i++)
      lines_add(a, &l,
                arena_printf(a, "%s (%.12s)", g->templates[i]->name ? g->templates[i]->name : "",
                             g->templates[i]->file_id ? g->templates[i]->file_id : ""));
    break;
  case 18:
    for (size_t i = 0; i < g->n_keywords; i++)
      lines_add(a, &l, g->keywords[i]);
    break;
  }
  return l;
}

static const struct {
  const char *field, *zh, *en;
  bool as_lines; /* also line by line */
} diff_fields[] = {
    {"name", "服务名称", "Name", false},
    {"name_en", "英文名称", "English name", false},
    {"categories", "服务分类", "Categories", true},
    {"themes", "主题", "Themes", true},
    {"audience", "服务对象", "Audience", false},
    {"audience_units", "限定单位", "Audience units", true},
    {"summary", "服务简介", "Summary", true},
    {"conditions", "办理条件", "Conditions", true},
    {"materials", "所需材料", "Required materials", true},
    {"steps", "办理流程", "Steps", true},
    {"time_limit_workdays", "承诺时限", "Promised time limit", false},
    {"time_limit_note", "时限说明", "Time-limit note", false},
    {"fees", "收费标准", "Fees", true},
    {"locations", "办理地点与时间", "Locations and hours", true},
    {"contact_phone", "咨询电话", "Contact phone", false},
    {"links", "相关链接", "Related links", true},
    {"mode", "办理方式", "Handling mode", false},
    {"templates", "表格下载", "Templates", true},
    {"keywords", "关键词", "Keywords", true},
};

size_t guide_diff(arena_t *a, const guide_t *from, const guide_t *to, const char *lang,
                  change_t ***out) {
  bool e = en(lang);
  size_t nf = sizeof diff_fields / sizeof diff_fields[0], n = 0;
  change_t **changes = arena_alloc(a, nf * sizeof *changes);
  for (size_t f = 0; f < nf; f++) {
    lines_t x = field_lines(a, from, (int)f, e), y = field_lines(a, to, (int)f, e);
    if (lines_equal(&x, &y))
      continue;
    change_t *c = arena_alloc(a, sizeof *c);
    ehall__catalog__v1__field_change__init(c);
    c->field = (char *)diff_fields[f].field;
    c->label = (char *)(e ? diff_fields[f].en : diff_fields[f].zh);
    c->before = (char *)join(a, &x);
    c->after = (char *)join(a, &y);
    if (diff_fields[f].as_lines || x.n > 1 || y.n > 1)
      line_diff(a, &x, &y, &c->lines, &c->n_lines);
    changes[n++] = c;
  }
  *out = changes;
  return n;
}
