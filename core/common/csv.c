/*
 * csv.c — decoding, RFC 4180 splitting, header mapping and row errors for uploaded CSV files
 * (see csv.h). Pure: no I/O, no logging; everything lives in the caller's arena.
 */
#include "core/common/csv.h"

#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/text.h"

/* ---- growable arrays in the arena ---------------------------------------------------------- */

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

void csv_error(csv_file_t *f, int line, const char *column, const char *zh, const char *en) {
  if (f->n_errors == f->cap_errors) {
    size_t cap = f->cap_errors ? f->cap_errors * 2 : 16;
    csv_error_t *e = arena_alloc(f->a, cap * sizeof(*e));
    if (f->n_errors)
      memcpy(e, f->errors, f->n_errors * sizeof(*e));
    f->errors = e;
    f->cap_errors = cap;
  }
  csv_error_t *e = &f->errors[f->n_errors++];
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
static const char *decode(csv_file_t *f, const char *data, size_t len, size_t *out_len) {
  if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
    data += 3;
    len -= 3;
  }
  if (text_utf8_valid(data, len)) {
    f->encoding = "utf-8";
    *out_len = len;
    return data;
  }
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == (iconv_t)-1) {
    csv_error(f, 1, "", "文件不是有效的 UTF-8 编码，且无法按 GB18030 转换",
              "the file is not valid UTF-8 and cannot be converted from GB18030");
    return NULL;
  }
  /* GB18030 → UTF-8 grows at most 2x (2-byte GBK → 3 bytes, 4-byte → 4 bytes). */
  size_t cap = len * 2 + 4;
  char *out = arena_alloc(f->a, cap);
  char *in = (char *)data, *o = out;
  size_t inleft = len, outleft = cap - 1;
  size_t rc = iconv(cd, &in, &inleft, &o, &outleft);
  iconv_close(cd);
  if (rc == (size_t)-1) { /* EILSEQ or EINVAL (a truncated sequence at the end) */
    csv_error(f, line_of_offset(data, (size_t)(in - data)), "",
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
  f->encoding = "gb18030";
  *out_len = n;
  return out;
}

/* ---- CSV (RFC 4180, LF or CRLF) ------------------------------------------------------------- */

/* Splits text into records. False (an error recorded) on an unterminated quote, which leaves
 * the rest of the file unreadable. */
static bool split(csv_file_t *f, const char *s, size_t n, vec_t *records) {
  arena_t *a = f->a;
  size_t i = 0;
  int line = 1;
  while (i < n) {
    csv_record_t *r = vec_push(a, records);
    r->line = line;
    vec_t fields = {.size = sizeof(const char *)};
    for (;;) {
      arena_buf_t b = {.a = a};
      arena_buf_reserve(&b, 0); /* so "" is a real string */
      if (i < n && s[i] == '"') {
        i++;
        for (;;) {
          if (i >= n) {
            csv_error(f, r->line, "", "引号未闭合（从此行开始的字段没有结束引号）",
                      "unterminated quoted field starting on this line");
            return false;
          }
          if (s[i] == '"') {
            if (i + 1 < n && s[i + 1] == '"') {
              arena_buf_putc(&b, '"');
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (s[i] == '\n')
            line++;
          arena_buf_putc(&b, s[i++]);
        }
        if (i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
          if (!r->bad)
            csv_error(f, r->line, "", "引号后只能是逗号或换行",
                      "a closing quote must be followed by a comma or a line break");
          r->bad = true;
          while (i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n')
            i++;
        }
      } else {
        while (i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
          if (s[i] == '"' && !r->bad) {
            csv_error(f, r->line, "", "含引号的字段必须整体用双引号包围",
                      "a field containing quotes must be enclosed in double quotes");
            r->bad = true;
          }
          arena_buf_putc(&b, s[i++]);
        }
      }
      *(const char **)vec_push(a, &fields) = b.p;
      if (i < n && s[i] == ',') {
        i++;
        if (i == n) /* "a,b," at the very end: one more empty field */
          *(const char **)vec_push(a, &fields) = "";
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

bool csv_read(arena_t *a, const char *data, size_t len, size_t max_bytes, size_t max_rows,
              csv_file_t *out) {
  memset(out, 0, sizeof(*out));
  out->a = a;
  if (len > max_bytes) {
    if (max_bytes >= (1u << 20) && max_bytes % (1u << 20) == 0)
      csv_error(out, 1, "", arena_printf(a, "文件超过 %zu MiB", max_bytes >> 20),
                arena_printf(a, "the file exceeds %zu MiB", max_bytes >> 20));
    else
      csv_error(out, 1, "", arena_printf(a, "文件超过 %zu 字节", max_bytes),
                arena_printf(a, "the file exceeds %zu bytes", max_bytes));
    return false;
  }
  size_t n = 0;
  const char *text = decode(out, data, len, &n);
  vec_t records = {.size = sizeof(csv_record_t)};
  if (text == NULL || !split(out, text, n, &records))
    return false;
  if (records.n == 0) {
    csv_error(out, 1, "", "文件为空（至少需要表头和一行数据）",
              "the file is empty (a header and at least one row are needed)");
    return false;
  }
  csv_record_t *rec = records.items;
  out->header = rec[0];
  out->records = rec + 1;
  out->n_records = records.n - 1;
  if (out->n_records == 0) {
    csv_error(out, 1, "", "文件只有表头，没有数据行", "the file has a header but no rows");
    return false;
  }
  if (out->n_records > max_rows) {
    csv_error(out, rec[max_rows + 1].line, "",
              arena_printf(a, "文件超过 %zu 行数据，请分批导入", max_rows),
              arena_printf(a, "more than %zu rows: split the file", max_rows));
    return false;
  }
  return true;
}

/* ---- fields -------------------------------------------------------------------------------- */

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

const char *csv_field(csv_file_t *f, const csv_record_t *r, int col) {
  if (col < 0 || (size_t)col >= r->n)
    return "";
  return trim(f->a, r->fields[col]);
}

bool csv_has_control(const char *s) {
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

char *csv_ascii_lower(arena_t *a, const char *s) {
  char *out = arena_strdup(a, s);
  for (char *p = out; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  return out;
}

/* ---- header and records -------------------------------------------------------------------- */

bool csv_columns(csv_file_t *f, const char *const *names, const bool *required, size_t n,
                 int *col_of) {
  size_t before = f->n_errors;
  const csv_record_t *h = &f->header;
  for (size_t c = 0; c < n; c++)
    col_of[c] = -1;
  for (size_t i = 0; i < h->n; i++) {
    const char *name = csv_ascii_lower(f->a, trim(f->a, h->fields[i]));
    size_t c = 0;
    while (c < n && strcmp(name, names[c]) != 0)
      c++;
    if (c == n)
      csv_error(f, h->line, name, "未知的列", "unknown column");
    else if (col_of[c] >= 0)
      csv_error(f, h->line, name, "列重复", "repeated column");
    else
      col_of[c] = (int)i;
  }
  for (size_t c = 0; c < n; c++)
    if (required != NULL && required[c] && col_of[c] < 0)
      csv_error(f, h->line, names[c], "缺少必需的列", "required column missing");
  return f->n_errors == before && !h->bad;
}

bool csv_record_ok(csv_file_t *f, const csv_record_t *r) {
  if (r->bad)
    return false;
  if (r->n != f->header.n) {
    csv_error(f, r->line, "", arena_printf(f->a, "此行有 %zu 列，表头有 %zu 列", r->n, f->header.n),
              arena_printf(f->a, "this line has %zu columns, the header %zu", r->n, f->header.n));
    return false;
  }
  return true;
}

/* Errors in line order (the CSV pass, the header and the rows record them in separate passes);
 * equal lines keep the order they were found in. */
static int error_cmp(const void *x, const void *y) {
  const csv_error_t *const *a = x, *const *b = y;
  if ((*a)->line != (*b)->line)
    return (*a)->line < (*b)->line ? -1 : 1;
  return *a < *b ? -1 : *a > *b;
}

const csv_error_t *csv_errors_sorted(csv_file_t *f) {
  if (f->n_errors == 0)
    return NULL;
  const csv_error_t **ptr = arena_alloc(f->a, f->n_errors * sizeof(*ptr));
  for (size_t i = 0; i < f->n_errors; i++)
    ptr[i] = &f->errors[i];
  qsort(ptr, f->n_errors, sizeof(*ptr), error_cmp);
  csv_error_t *out = arena_alloc(f->a, f->n_errors * sizeof(*out));
  for (size_t i = 0; i < f->n_errors; i++)
    out[i] = *ptr[i];
  return out;
}

/* ---- duplicates (open addressing over strings) ---------------------------------------------- */

void csv_seen_init(arena_t *a, csv_seen_t *s, size_t n) {
  s->cap = 16;
  while (s->cap < n * 2)
    s->cap *= 2;
  s->keys = arena_zalloc(a, s->cap * sizeof(*s->keys));
  s->lines = arena_zalloc(a, s->cap * sizeof(*s->lines));
}

int csv_seen_add(csv_seen_t *s, const char *key, int line) {
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

char *csv_read_file(const char *path, size_t max, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  while (buf != NULL) {
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0 || n > max)
      break;
    if (n == cap) {
      char *nb = realloc(buf, cap * 2);
      if (nb == NULL) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  bool failed = ferror(f) != 0;
  fclose(f);
  if (failed) {
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}
