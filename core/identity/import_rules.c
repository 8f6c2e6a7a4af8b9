/*
 * import_rules.c — decoding, CSV parsing and row checks for the account import (see
 * import_rules.h). Pure: no I/O, no logging; everything lives in the caller's arena. Must never
 * put an ID-card number or a password hash into an error reason (reports are shown and logged).
 */
#include "core/identity/import_rules.h"

#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/text.h"
#include "core/identity/password.h"

/* ---- small growable arrays in the arena ---------------------------------------------------- */

typedef struct vec {
  void *items;
  size_t n, cap, size;
} vec_t;

static void *vec_push(arena_t *a, vec_t *v) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 16;
    void *items = arena_alloc(a, cap * v->size);
    if (v->n)
      memcpy(items, v->items, v->n * v->size);
    v->items = items;
    v->cap = cap;
  }
  void *p = (char *)v->items + v->n++ * v->size;
  memset(p, 0, v->size);
  return p;
}

typedef struct buf {
  char *p;
  size_t n, cap;
} buf_t;

static void buf_putc(arena_t *a, buf_t *b, char c) {
  if (b->n + 1 >= b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    char *p = arena_alloc(a, cap);
    if (b->n)
      memcpy(p, b->p, b->n);
    b->p = p;
    b->cap = cap;
  }
  b->p[b->n++] = c;
  b->p[b->n] = '\0';
}

/* ---- the parse state ----------------------------------------------------------------------- */

typedef struct parse {
  arena_t *a;
  vec_t errors; /* import_row_error_t */
} parse_t;

static void row_error(parse_t *ps, int line, const char *column, const char *zh, const char *en) {
  import_row_error_t *e = vec_push(ps->a, &ps->errors);
  e->line = line;
  e->column = column ? column : "";
  e->reason = zh;
  e->reason_en = en;
}

/* ---- decoding ------------------------------------------------------------------------------ */

static int line_of_offset(const char *data, size_t off) {
  int line = 1;
  for (size_t i = 0; i < off; i++)
    if (data[i] == '\n')
      line++;
  return line;
}

/* UTF-8 (BOM stripped) or GB18030 converted to UTF-8; NULL (an error recorded) if neither. */
static const char *decode(parse_t *ps, const char *data, size_t len, size_t *out_len,
                          const char **encoding) {
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
    data += 3;
    len -= 3;
  }
  if (text_utf8_valid(data, len)) {
    *encoding = "utf-8";
    *out_len = len;
    return data;
  }
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == (iconv_t)-1) {
    row_error(ps, 1, "", "文件不是有效的 UTF-8 编码，且无法按 GB18030 转换",
              "the file is not valid UTF-8 and cannot be converted from GB18030");
    return NULL;
  }
  /* GB18030 → UTF-8 grows at most 2x (2-byte GBK → 3 bytes, 4-byte → 4 bytes). */
  size_t cap = len * 2 + 4;
  char *out = arena_alloc(ps->a, cap);
  char *in = (char *)data, *o = out;
  size_t inleft = len, outleft = cap - 1;
  size_t rc = iconv(cd, &in, &inleft, &o, &outleft);
  iconv_close(cd);
  if (rc == (size_t)-1) { /* EILSEQ or EINVAL (a truncated sequence at the end) */
    row_error(ps, line_of_offset(data, (size_t)(in - data)), "",
              "此行既不是有效的 UTF-8 也不是有效的 GB18030 编码",
              "this line is neither valid UTF-8 nor valid GB18030");
    return NULL;
  }
  *o = '\0';
  size_t n = (size_t)(o - out);
  if (n >= 3 && memcmp(out, "\xEF\xBB\xBF", 3) == 0) { /* GB18030's own BOM, 84 31 95 33 */
    out += 3;
    n -= 3;
  }
  *encoding = "gb18030";
  *out_len = n;
  return out;
}

/* ---- CSV (RFC 4180, LF or CRLF) ------------------------------------------------------------- */

typedef struct record {
  int line;
  const char **fields;
  size_t n;
  bool bad; /* a quoting error was recorded for it */
} record_t;

/* Splits text into records. False (an error recorded) on an unterminated quote, which leaves
 * the rest of the file unreadable. */
static bool csv_split(parse_t *ps, const char *s, size_t n, vec_t *records) {
  size_t i = 0;
  int line = 1;
  while (i < n) {
    record_t *r = vec_push(ps->a, records);
    r->line = line;
    vec_t fields = {.size = sizeof(const char *)};
    for (;;) {
      buf_t b = {0};
      buf_putc(ps->a, &b, 'x'); /* allocate; reset below so "" is a real string */
      b.n = 0;
      b.p[0] = '\0';
      if (i < n && s[i] == '"') {
        i++;
        for (;;) {
          if (i >= n) {
            row_error(ps, r->line, "", "引号未闭合（从此行开始的字段没有结束引号）",
                      "unterminated quoted field starting on this line");
            return false;
          }
          if (s[i] == '"') {
            if (i + 1 < n && s[i + 1] == '"') {
              buf_putc(ps->a, &b, '"');
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (s[i] == '\n')
            line++;
          buf_putc(ps->a, &b, s[i++]);
        }
        if (i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
          if (!r->bad)
            row_error(ps, r->line, "", "引号后只能是逗号或换行",
                      "a closing quote must be followed by a comma or a line break");
          r->bad = true;
          while (i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n')
            i++;
        }
      } else {
        while (i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
          if (s[i] == '"' && !r->bad) {
            row_error(ps, r->line, "", "含引号的字段必须整体用双引号包围",
                      "a field containing quotes must be enclosed in double quotes");
            r->bad = true;
          }
          buf_putc(ps->a, &b, s[i++]);
        }
      }
      *(const char **)vec_push(ps->a, &fields) = b.p;
      if (i < n && s[i] == ',') {
        i++;
        if (i == n) /* "a,b," at the very end: one more empty field */
          *(const char **)vec_push(ps->a, &fields) = "";
        continue;
      }
      if (i < n && s[i] == '\r')
        i++;
      if (i < n && s[i] == '\n') {
        i++;
        line++;
      }
      break;
    }
    r->fields = fields.items;
    r->n = fields.n;
    /* A blank line is no record. */
    if (r->n == 1 && r->fields[0][0] == '\0' && !r->bad)
      records->n--;
  }
  return true;
}

/* ---- field checks -------------------------------------------------------------------------- */

enum { COL_CAMPUS_ID, COL_NAME, COL_KIND, COL_ORG_UNIT, COL_EMAIL, COL_PHONE, COL_STATUS,
       COL_ROLES, COL_PASSWORD_HASH, COL_ID_CARD, COL_COUNT };

static const char *const col_names[COL_COUNT] = {
    "campus_id", "name", "kind", "org_unit", "email", "phone", "status", "roles",
    "password_hash", "id_card"};

static const char *trim(arena_t *a, const char *s) {
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  while (n > 0 && (*s == ' ' || *s == '\t')) {
    s++;
    n--;
  }
  return arena_strndup(a, s, n);
}

static bool has_control(const char *s) {
  size_t n = strlen(s);
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t l = text_utf8_next(p + i, n - i, &cp);
    if (l == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
      return true;
    i += l;
  }
  return false;
}

static long chars_of(const char *s) { return text_utf8_length(s, strlen(s)); }

static bool ascii_ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
    char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
    if (x != y)
      return false;
  }
  return *a == *b;
}

static bool campus_id_valid(const char *s) {
  size_t n = strlen(s);
  if (n < 1 || n > 32)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '.' || c == '-'))
      return false;
  }
  return true;
}

/* A practical address check (the mailer's server has the last word): one @, a non-empty local
 * part of printable ASCII, a dotted domain of letters, digits and hyphens. */
static bool email_valid(const char *s) {
  size_t n = strlen(s);
  const char *at = strchr(s, '@');
  if (n < 3 || n > 254 || at == NULL || strchr(at + 1, '@') != NULL)
    return false;
  size_t local = (size_t)(at - s);
  if (local < 1 || local > 64)
    return false;
  for (size_t i = 0; i < local; i++)
    if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || strchr("()<>,;:\\\"[]", s[i]))
      return false;
  const char *d = at + 1;
  size_t dn = strlen(d);
  if (dn < 3 || d[0] == '.' || d[dn - 1] == '.' || d[0] == '-' || strchr(d, '.') == NULL ||
      strstr(d, "..") != NULL)
    return false;
  for (size_t i = 0; i < dn; i++) {
    char c = d[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '.'))
      return false;
  }
  return true;
}

static char *ascii_lower(arena_t *a, const char *s) {
  char *o = arena_strdup(a, s);
  for (char *p = o; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p + 32);
  return o;
}

/* "student", "dept_admin@CS;hall_admin": ';'-separated; duplicates dropped. */
static bool roles_parse(parse_t *ps, int line, const char *s, int kind, const import_role_t **out,
                        size_t *n_out) {
  vec_t roles = {.size = sizeof(import_role_t)};
  const char *p = s;
  bool ok = true;
  while (*p) {
    const char *end = strchr(p, ';');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *item = trim(ps->a, arena_strndup(ps->a, p, len));
    p += len + (end ? 1 : 0);
    if (*item == '\0')
      continue;
    const char *at = strchr(item, '@');
    const char *name = at ? arena_strndup(ps->a, item, (size_t)(at - item)) : item;
    const char *unit = at ? trim(ps->a, at + 1) : "";
    if (strcmp(name, "dept_admin") == 0) {
      if (*unit == '\0' || chars_of(unit) > 64) {
        row_error(ps, line, "roles", "dept_admin 须写明所管理的单位，如 dept_admin@CS（单位最多 64 个字符）",
                  "dept_admin needs the unit it administers, e.g. dept_admin@CS (at most 64 characters)");
        ok = false;
        continue;
      }
    } else if (strcmp(name, "student") == 0 || strcmp(name, "staff") == 0 ||
               strcmp(name, "hall_admin") == 0) {
      if (at != NULL) {
        row_error(ps, line, "roles", "只有 dept_admin 角色可以带 @单位",
                  "only the dept_admin role takes an @unit");
        ok = false;
        continue;
      }
    } else {
      row_error(ps, line, "roles", "未知的角色（可用：student、staff、dept_admin@单位、hall_admin）",
                "unknown role (known: student, staff, dept_admin@unit, hall_admin)");
      ok = false;
      continue;
    }
    bool dup = false;
    for (size_t i = 0; i < roles.n; i++) {
      const import_role_t *r = (const import_role_t *)roles.items + i;
      dup |= strcmp(r->name, name) == 0 && strcmp(r->org_unit, unit) == 0;
    }
    if (!dup) {
      import_role_t *r = vec_push(ps->a, &roles);
      r->name = name;
      r->org_unit = unit;
    }
  }
  if (ok && roles.n == 0) {
    import_role_t *r = vec_push(ps->a, &roles);
    r->name = kind == IMPORT_KIND_STAFF ? "staff" : "student";
    r->org_unit = "";
  }
  *out = roles.items;
  *n_out = roles.n;
  return ok;
}

/* ---- duplicates (open addressing over strings) ---------------------------------------------- */

typedef struct seen {
  const char **keys;
  int *lines;
  size_t cap;
} seen_t;

static void seen_init(arena_t *a, seen_t *s, size_t n) {
  s->cap = 16;
  while (s->cap < n * 2)
    s->cap *= 2;
  s->keys = arena_zalloc(a, s->cap * sizeof(*s->keys));
  s->lines = arena_zalloc(a, s->cap * sizeof(*s->lines));
}

/* The line of an earlier equal key, or 0 after remembering this one. */
static int seen_add(seen_t *s, const char *key, int line) {
  uint64_t h = 1469598103934665603ull;
  for (const char *p = key; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ull;
  for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
    if (s->keys[i] == NULL) {
      s->keys[i] = key;
      s->lines[i] = line;
      return 0;
    }
    if (strcmp(s->keys[i], key) == 0)
      return s->lines[i];
  }
}

/* ---- rows ---------------------------------------------------------------------------------- */

static void check_row(parse_t *ps, const record_t *r, const int *col_of, seen_t *ids,
                      seen_t *cards, vec_t *rows) {
  arena_t *a = ps->a;
  const char *v[COL_COUNT];
  size_t before = ps->errors.n;
  for (int c = 0; c < COL_COUNT; c++) {
    v[c] = col_of[c] >= 0 ? trim(a, r->fields[col_of[c]]) : "";
    if (has_control(v[c]))
      row_error(ps, r->line, col_names[c], "含有控制字符", "contains control characters");
  }
  if (ps->errors.n != before)
    return;
  int line = r->line;
  import_account_t acc = {.line = line};

  if (!campus_id_valid(v[COL_CAMPUS_ID]))
    row_error(ps, line, "campus_id", "学号（工号）须为 1–32 个字母、数字或 _ . -",
              "the campus id must be 1–32 letters, digits or _ . -");
  else {
    acc.campus_id = v[COL_CAMPUS_ID];
    int first = seen_add(ids, acc.campus_id, line);
    if (first)
      row_error(ps, line, "campus_id", arena_printf(a, "学号（工号）与第 %d 行重复", first),
                arena_printf(a, "the campus id repeats line %d", first));
  }

  long nc = chars_of(v[COL_NAME]);
  if (nc < 1 || nc > 64)
    row_error(ps, line, "name", "姓名须为 1–64 个字符", "the name must have 1–64 characters");
  acc.name = v[COL_NAME];

  const char *k = v[COL_KIND];
  if (ascii_ieq(k, "student") || strcmp(k, "学生") == 0)
    acc.kind = IMPORT_KIND_STUDENT;
  else if (ascii_ieq(k, "staff") || strcmp(k, "教职工") == 0)
    acc.kind = IMPORT_KIND_STAFF;
  else
    row_error(ps, line, "kind", "类型须为 student（学生）或 staff（教职工）",
              "the kind must be student or staff");

  if (chars_of(v[COL_ORG_UNIT]) > 64)
    row_error(ps, line, "org_unit", "单位最多 64 个字符", "the org unit has at most 64 characters");
  acc.org_unit = v[COL_ORG_UNIT];

  acc.email = ascii_lower(a, v[COL_EMAIL]);
  if (*acc.email != '\0' && !email_valid(acc.email))
    row_error(ps, line, "email", "邮箱格式不正确", "not a valid email address");

  if (chars_of(v[COL_PHONE]) > 32)
    row_error(ps, line, "phone", "电话最多 32 个字符", "the phone has at most 32 characters");
  acc.phone = v[COL_PHONE];

  const char *st = v[COL_STATUS];
  if (*st == '\0' || ascii_ieq(st, "active") || strcmp(st, "正常") == 0)
    acc.status = IMPORT_STATUS_ACTIVE;
  else if (ascii_ieq(st, "locked") || strcmp(st, "锁定") == 0)
    acc.status = IMPORT_STATUS_LOCKED;
  else if (ascii_ieq(st, "disabled") || strcmp(st, "停用") == 0)
    acc.status = IMPORT_STATUS_DISABLED;
  else if (ascii_ieq(st, "graduated") || strcmp(st, "已毕业") == 0)
    acc.status = IMPORT_STATUS_GRADUATED;
  else
    row_error(ps, line, "status", "状态须为 active、locked、disabled 或 graduated",
              "the status must be active, locked, disabled or graduated");

  roles_parse(ps, line, v[COL_ROLES], acc.kind, &acc.roles, &acc.n_roles);

  const char *card = v[COL_ID_CARD];
  if (*card != '\0') {
    if (!idcard_valid(card)) {
      row_error(ps, line, "id_card", "身份证号无效（须为 18 位，校验位正确）",
                "not a valid ID-card number (18 characters with a correct check digit)");
      card = NULL;
    } else {
      char *up = arena_strdup(a, card);
      if (up[17] == 'x')
        up[17] = 'X';
      card = up;
      int first = seen_add(cards, card, line);
      if (first)
        row_error(ps, line, "id_card", arena_printf(a, "身份证号与第 %d 行重复", first),
                  arena_printf(a, "the ID-card number repeats line %d", first));
    }
  }
  acc.id_card = card ? card : "";

  const char *ph = v[COL_PASSWORD_HASH];
  if (*ph != '\0') {
    if (!password_stored_valid(ph))
      row_error(ps, line, "password_hash", "密码哈希格式无法识别（支持 md5、md5s、sha1、sha1s、crypt）",
                "unknown password hash format (md5, md5s, sha1, sha1s, crypt are supported)");
  } else if (*v[COL_ID_CARD] == '\0') {
    row_error(ps, line, "password_hash", "须提供密码哈希或身份证号（用于生成初始密码）",
              "give a password hash or an ID-card number (for the initial password)");
  }
  acc.password_hash = ph;

  if (ps->errors.n == before)
    *(import_account_t *)vec_push(a, rows) = acc;
}

/* Errors in line order (the CSV pass, the header and the rows record them in separate passes);
 * equal lines keep the order they were found in. */
static int error_cmp(const void *x, const void *y) {
  const import_row_error_t *const *a = x, *const *b = y;
  if ((*a)->line != (*b)->line)
    return (*a)->line < (*b)->line ? -1 : 1;
  return *a < *b ? -1 : *a > *b;
}

static import_row_error_t *errors_sorted(arena_t *a, const vec_t *v) {
  import_row_error_t *items = v->items, **ptr = arena_alloc(a, (v->n + 1) * sizeof(*ptr));
  for (size_t i = 0; i < v->n; i++)
    ptr[i] = &items[i];
  qsort(ptr, v->n, sizeof(*ptr), error_cmp);
  import_row_error_t *out = arena_alloc(a, (v->n + 1) * sizeof(*out));
  for (size_t i = 0; i < v->n; i++)
    out[i] = *ptr[i];
  return out;
}

void import_rules_parse(arena_t *a, const char *data, size_t len, import_parsed_t *out) {
  memset(out, 0, sizeof(*out));
  parse_t ps = {.a = a, .errors = {.size = sizeof(import_row_error_t)}};
  vec_t rows = {.size = sizeof(import_account_t)};
  vec_t records = {.size = sizeof(record_t)};
  size_t n = 0;
  const char *text = NULL;

  if (len > IMPORT_MAX_BYTES) {
    row_error(&ps, 1, "", "文件超过 8 MiB", "the file exceeds 8 MiB");
    goto done;
  }
  text = decode(&ps, data, len, &n, &out->encoding);
  if (text == NULL || !csv_split(&ps, text, n, &records))
    goto done;
  if (records.n == 0) {
    row_error(&ps, 1, "", "文件为空（至少需要表头和一行数据）",
              "the file is empty (a header and at least one row are needed)");
    goto done;
  }
  record_t *rec = records.items;
  out->n_records = records.n - 1;
  if (records.n - 1 > IMPORT_MAX_ROWS) {
    row_error(&ps, rec[IMPORT_MAX_ROWS + 1].line, "", "文件超过 100000 行数据，请分批导入",
              "more than 100,000 rows: split the file");
    goto done;
  }

  /* The header: names in any order; unknown, repeated or missing columns are errors. */
  int col_of[COL_COUNT];
  for (int c = 0; c < COL_COUNT; c++)
    col_of[c] = -1;
  const record_t *h = &rec[0];
  size_t errors_before_header = ps.errors.n;
  for (size_t f = 0; f < h->n; f++) {
    const char *name = ascii_lower(a, trim(a, h->fields[f]));
    int c = 0;
    while (c < COL_COUNT && strcmp(name, col_names[c]) != 0)
      c++;
    if (c == COL_COUNT)
      row_error(&ps, h->line, name, "未知的列", "unknown column");
    else if (col_of[c] >= 0)
      row_error(&ps, h->line, name, "列重复", "repeated column");
    else
      col_of[c] = (int)f;
  }
  static const int required[] = {COL_CAMPUS_ID, COL_NAME, COL_KIND};
  for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
    if (col_of[required[i]] < 0)
      row_error(&ps, h->line, col_names[required[i]], "缺少必需的列", "required column missing");
  if (col_of[COL_PASSWORD_HASH] < 0 && col_of[COL_ID_CARD] < 0)
    row_error(&ps, h->line, "password_hash", "缺少 password_hash 或 id_card 列",
              "a password_hash or id_card column is needed");
  if (ps.errors.n > errors_before_header || h->bad)
    goto done;
  if (records.n == 1) {
    row_error(&ps, 1, "", "文件只有表头，没有数据行", "the file has a header but no rows");
    goto done;
  }

  seen_t ids, cards;
  seen_init(a, &ids, records.n);
  seen_init(a, &cards, records.n);
  for (size_t i = 1; i < records.n; i++) {
    if (rec[i].bad)
      continue;
    if (rec[i].n != h->n) {
      row_error(&ps, rec[i].line, "",
                arena_printf(a, "此行有 %zu 列，表头有 %zu 列", rec[i].n, h->n),
                arena_printf(a, "this line has %zu columns, the header %zu", rec[i].n, h->n));
      continue;
    }
    check_row(&ps, &rec[i], col_of, &ids, &cards, &rows);
  }

done:
  out->rows = rows.items;
  out->n_rows = rows.n;
  out->errors = ps.errors.n ? errors_sorted(a, &ps.errors) : NULL;
  out->n_errors = ps.errors.n;
}
