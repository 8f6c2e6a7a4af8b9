/*
 * import_rules.c — row checks for the account import (see import_rules.h); decoding, CSV
 * splitting, the header and the row errors come from core/common/csv.h. Pure: no I/O, no
 * logging; everything lives in the caller's arena. Must never put an ID-card number or a
 * password hash into an error reason (reports are shown and logged).
 */
#include "core/identity/import_rules.h"

#include <string.h>

#include "core/common/csv.h"
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

/* ---- field checks -------------------------------------------------------------------------- */

enum {
  COL_CAMPUS_ID,
  COL_NAME,
  COL_KIND,
  COL_ORG_UNIT,
  COL_EMAIL,
  COL_PHONE,
  COL_STATUS,
  COL_ROLES,
  COL_PASSWORD_HASH,
  COL_ID_CARD,
  COL_COUNT
};

static const char *const col_names[COL_COUNT] = {"campus_id",     "name",   "kind",   "org_unit",
                                                 "email",         "phone",  "status", "roles",
                                                 "password_hash", "id_card"};

/* A role item of the roles field ("dept_admin@CS; hall_admin"), without its spaces and tabs. */
static const char *item_strip(arena_t *a, const char *s, size_t n) {
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  while (n > 0 && (*s == ' ' || *s == '\t')) {
    s++;
    n--;
  }
  return arena_strndup(a, s, n);
}

static long chars_of(const char *s) {
  return text_utf8_length(s, strlen(s));
}

static bool ascii_ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
    char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
    if (x != y)
      return false;
  }
  return *a == *b;
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
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '.'))
      return false;
  }
  return true;
}

/* "student", "dept_admin@CS;hall_admin": ';'-separated; duplicates dropped. */
static bool roles_parse(csv_file_t *f, int line, const char *s, int kind, const import_role_t **out,
                        size_t *n_out) {
  vec_t roles = {.size = sizeof(import_role_t)};
  const char *p = s;
  bool ok = true;
  while (*p) {
    const char *end = strchr(p, ';');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    const char *item = item_strip(f->a, p, len);
    p += len + (end ? 1 : 0);
    if (*item == '\0')
      continue;
    const char *at = strchr(item, '@');
    const char *name = at ? arena_strndup(f->a, item, (size_t)(at - item)) : item;
    const char *unit = at ? item_strip(f->a, at + 1, strlen(at + 1)) : "";
    if (strcmp(name, "dept_admin") == 0) {
      if (*unit == '\0' || chars_of(unit) > 64) {
        csv_error(
            f, line, "roles",
            "dept_admin 须写明所管理的单位，如 dept_admin@CS（单位最多 64 个字符）",
            "dept_admin needs the unit it administers, e.g. dept_admin@CS (at most 64 characters)");
        ok = false;
        continue;
      }
    } else if (strcmp(name, "student") == 0 || strcmp(name, "staff") == 0 ||
               strcmp(name, "hall_admin") == 0) {
      if (at != NULL) {
        csv_error(f, line, "roles", "只有 dept_admin 角色可以带 @单位",
                  "only the dept_admin role takes an @unit");
        ok = false;
        continue;
      }
    } else {
      csv_error(f, line, "roles", "未知的角色（可用：student、staff、dept_admin@单位、hall_admin）",
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
      import_role_t *r = vec_push(f->a, &roles);
      r->name = name;
      r->org_unit = unit;
    }
  }
  if (ok && roles.n == 0) {
    import_role_t *r = vec_push(f->a, &roles);
    r->name = kind == IMPORT_KIND_STAFF ? "staff" : "student";
    r->org_unit = "";
  }
  *out = roles.items;
  *n_out = roles.n;
  return ok;
}

/* ---- rows ---------------------------------------------------------------------------------- */

static void check_row(csv_file_t *f, const csv_record_t *r, const int *col_of, csv_seen_t *ids,
                      csv_seen_t *cards, vec_t *rows) {
  arena_t *a = f->a;
  const char *v[COL_COUNT];
  size_t before = f->n_errors;
  for (int c = 0; c < COL_COUNT; c++) {
    v[c] = csv_field(f, r, col_of[c]);
    if (csv_has_control(v[c]))
      csv_error(f, r->line, col_names[c], "含有控制字符", "contains control characters");
  }
  if (f->n_errors != before)
    return;
  int line = r->line;
  import_account_t acc = {.line = line};

  if (!text_is_code(v[COL_CAMPUS_ID], 32))
    csv_error(f, line, "campus_id", "学号（工号）须为 1–32 个字母、数字或 _ . -",
              "the campus id must be 1–32 letters, digits or _ . -");
  else {
    acc.campus_id = v[COL_CAMPUS_ID];
    int first = csv_seen_add(ids, acc.campus_id, line);
    if (first)
      csv_error(f, line, "campus_id", arena_printf(a, "学号（工号）与第 %d 行重复", first),
                arena_printf(a, "the campus id repeats line %d", first));
  }

  long nc = chars_of(v[COL_NAME]);
  if (nc < 1 || nc > 64)
    csv_error(f, line, "name", "姓名须为 1–64 个字符", "the name must have 1–64 characters");
  acc.name = v[COL_NAME];

  const char *k = v[COL_KIND];
  if (ascii_ieq(k, "student") || strcmp(k, "学生") == 0)
    acc.kind = IMPORT_KIND_STUDENT;
  else if (ascii_ieq(k, "staff") || strcmp(k, "教职工") == 0)
    acc.kind = IMPORT_KIND_STAFF;
  else
    csv_error(f, line, "kind", "类型须为 student（学生）或 staff（教职工）",
              "the kind must be student or staff");

  if (chars_of(v[COL_ORG_UNIT]) > 64)
    csv_error(f, line, "org_unit", "单位最多 64 个字符", "the org unit has at most 64 characters");
  acc.org_unit = v[COL_ORG_UNIT];

  acc.email = csv_ascii_lower(a, v[COL_EMAIL]);
  if (*acc.email != '\0' && !email_valid(acc.email))
    csv_error(f, line, "email", "邮箱格式不正确", "not a valid email address");

  if (chars_of(v[COL_PHONE]) > 32)
    csv_error(f, line, "phone", "电话最多 32 个字符", "the phone has at most 32 characters");
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
    csv_error(f, line, "status", "状态须为 active、locked、disabled 或 graduated",
              "the status must be active, locked, disabled or graduated");

  roles_parse(f, line, v[COL_ROLES], acc.kind, &acc.roles, &acc.n_roles);

  const char *card = v[COL_ID_CARD];
  if (*card != '\0') {
    if (!idcard_valid(card)) {
      csv_error(f, line, "id_card", "身份证号无效（须为 18 位，校验位正确）",
                "not a valid ID-card number (18 characters with a correct check digit)");
      card = NULL;
    } else {
      char *up = arena_strdup(a, card);
      if (up[17] == 'x')
        up[17] = 'X';
      card = up;
      int first = csv_seen_add(cards, card, line);
      if (first)
        csv_error(f, line, "id_card", arena_printf(a, "身份证号与第 %d 行重复", first),
                  arena_printf(a, "the ID-card number repeats line %d", first));
    }
  }
  acc.id_card = card ? card : "";

  const char *ph = v[COL_PASSWORD_HASH];
  if (*ph != '\0') {
    if (!password_stored_valid(ph))
      csv_error(f, line, "password_hash",
                "密码哈希格式无法识别（支持 md5、md5s、sha1、sha1s、crypt）",
                "unknown password hash format (md5, md5s, sha1, sha1s, crypt are supported)");
  } else if (*v[COL_ID_CARD] == '\0') {
    csv_error(f, line, "password_hash", "须提供密码哈希或身份证号（用于生成初始密码）",
              "give a password hash or an ID-card number (for the initial password)");
  }
  acc.password_hash = ph;

  if (f->n_errors == before)
    *(import_account_t *)vec_push(a, rows) = acc;
}

void import_rules_parse(arena_t *a, const char *data, size_t len, import_parsed_t *out) {
  memset(out, 0, sizeof(*out));
  csv_file_t f;
  vec_t rows = {.size = sizeof(import_account_t)};
  bool read = csv_read(a, data, len, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS, &f);
  out->encoding = f.encoding;
  out->n_records = f.n_records;
  if (!read)
    goto done;

  /* The header: names in any order; unknown, repeated or missing columns are errors. */
  static const bool required[COL_COUNT] = {
      [COL_CAMPUS_ID] = true, [COL_NAME] = true, [COL_KIND] = true};
  int col_of[COL_COUNT];
  bool header_ok = csv_columns(&f, col_names, required, COL_COUNT, col_of);
  if (col_of[COL_PASSWORD_HASH] < 0 && col_of[COL_ID_CARD] < 0) {
    csv_error(&f, f.header.line, "password_hash", "缺少 password_hash 或 id_card 列",
              "a password_hash or id_card column is needed");
    header_ok = false;
  }
  if (!header_ok)
    goto done;

  csv_seen_t ids, cards;
  csv_seen_init(a, &ids, f.n_records + 1);
  csv_seen_init(a, &cards, f.n_records + 1);
  for (size_t i = 0; i < f.n_records; i++)
    if (csv_record_ok(&f, &f.records[i]))
      check_row(&f, &f.records[i], col_of, &ids, &cards, &rows);

done:
  out->rows = rows.items;
  out->n_rows = rows.n;
  out->n_errors = f.n_errors;
  out->errors = NULL;
  if (f.n_errors > 0) {
    /* csv_error_t and import_row_error_t carry the same four fields. */
    const csv_error_t *sorted = csv_errors_sorted(&f);
    out->errors = arena_alloc(a, f.n_errors * sizeof(*out->errors));
    for (size_t i = 0; i < f.n_errors; i++)
      out->errors[i] = (import_row_error_t){sorted[i].line, sorted[i].column, sorted[i].reason,
                                            sorted[i].reason_en};
  }
}
