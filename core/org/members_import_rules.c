/*
 * members_import_rules.c — a group's member list as a CSV file, both ways (see the header).
 * Pure: no I/O, no logging; row errors name the line and column, never a value.
 */
#include "core/org/members_import_rules.h"

#include <stdlib.h>
#include <string.h>

#include "core/common/text.h"

#define MEMBERS_CAMPUS_ID_MAX 32
#define MEMBERS_CODE_MAX 64
#define MEMBERS_NAME_MAX 64

static const char *const members__columns[] = {"campus_id", "name", "scopes"};
static const bool members__required[] = {true, true, true};

static int members__strcmp(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

size_t members_sort_unique(const char **v, size_t n) {
  if (n == 0)
    return 0;
  qsort(v, n, sizeof(*v), members__strcmp);
  size_t k = 1;
  for (size_t i = 1; i < n; i++)
    if (strcmp(v[i], v[k - 1]) != 0)
      v[k++] = v[i];
  return k;
}

static size_t members__utf8_chars(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80)
      n++;
  return n;
}

/* Splits a scopes field on ";" and the full-width "；" (EF BC 9B); pieces trimmed of spaces
 * and tabs, empty pieces dropped. *bad set when a piece is not a valid code. */
static const char **members__split_scopes(arena_t *a, const char *s, size_t *n, bool *bad) {
  size_t cap = 1;
  for (const char *p = s; *p; p++)
    if (*p == ';' || (unsigned char)*p == 0xEF)
      cap++;
  const char **v = arena_alloc(a, sizeof(*v) * cap);
  *n = 0;
  *bad = false;
  const char *p = s;
  for (;;) {
    const char *e = p;
    size_t skip = 0;
    while (*e) {
      if (*e == ';') {
        skip = 1;
        break;
      }
      if ((unsigned char)e[0] == 0xEF && (unsigned char)e[1] == 0xBC &&
          (unsigned char)e[2] == 0x9B) {
        skip = 3;
        break;
      }
      e++;
    }
    const char *b = p, *z = e;
    while (b < z && (*b == ' ' || *b == '\t'))
      b++;
    while (z > b && (z[-1] == ' ' || z[-1] == '\t'))
      z--;
    if (z > b) {
      const char *code = arena_strndup(a, b, (size_t)(z - b));
      if (!text_is_code(code, MEMBERS_CODE_MAX))
        *bad = true;
      else
        v[(*n)++] = code;
    }
    if (skip == 0)
      break;
    p = e + skip;
  }
  return v;
}

bool members_parse(arena_t *a, const char *data, size_t len, size_t max_bytes, size_t max_rows,
                   members_file_t *out) {
  memset(out, 0, sizeof(*out));
  if (!csv_read(a, data, len, max_bytes, max_rows, &out->csv))
    return false;
  csv_file_t *f = &out->csv;
  int col[3];
  if (!csv_columns(f, members__columns, members__required, 3, col))
    return false;
  out->rows = arena_alloc(a, sizeof(*out->rows) * (f->n_records + 1));
  csv_seen_t seen;
  csv_seen_init(a, &seen, f->n_records);
  for (size_t i = 0; i < f->n_records; i++) {
    const csv_record_t *r = &f->records[i];
    if (!csv_record_ok(f, r))
      continue;
    const char *cid = csv_field(f, r, col[0]);
    const char *name = csv_field(f, r, col[1]);
    const char *scopes = csv_field(f, r, col[2]);
    bool ok = true;
    if (cid[0] == '\0') {
      csv_error(f, r->line, "campus_id", "学工号为空", "campus_id is empty");
      ok = false;
    } else if (!text_is_code(cid, MEMBERS_CAMPUS_ID_MAX)) {
      csv_error(f, r->line, "campus_id", "学工号格式不正确（1–32 位字母、数字、_ . -）",
                "campus_id is malformed (1-32 of letters, digits, _ . -)");
      ok = false;
    } else {
      int first = csv_seen_add(&seen, cid, r->line);
      if (first != 0) {
        csv_error(f, r->line, "campus_id",
                  arena_printf(a, "学工号与第 %d 行重复：每人只占一行", first),
                  arena_printf(a, "campus_id repeats line %d: one line per person", first));
        ok = false;
      }
    }
    if (name[0] == '\0') {
      csv_error(f, r->line, "name", "姓名为空", "name is empty");
      ok = false;
    } else if (csv_has_control(name) || members__utf8_chars(name) > MEMBERS_NAME_MAX) {
      csv_error(f, r->line, "name", "姓名含有控制字符或超过 64 个字",
                "name has control characters or is longer than 64 characters");
      ok = false;
    }
    size_t n = 0;
    bool bad = false;
    const char **v = members__split_scopes(a, scopes, &n, &bad);
    if (bad) {
      csv_error(f, r->line, "scopes", "范围中有格式不正确的单位代码（用 ; 分隔）",
                "scopes has a malformed unit code (separate codes with ;)");
      ok = false;
    } else if (n == 0) {
      csv_error(f, r->line, "scopes", "范围为空：至少填写一个单位代码",
                "scopes is empty: give at least one unit code");
      ok = false;
    }
    n = members_sort_unique(v, n);
    if (n > MEMBERS_MAX_SCOPES) {
      csv_error(f, r->line, "scopes", "范围超过 200 个单位", "more than 200 scope units");
      ok = false;
    }
    if (!ok)
      continue;
    members_row_t *row = &out->rows[out->n_rows++];
    row->line = r->line;
    row->campus_id = cid;
    row->name = name;
    row->scopes = v;
    row->n_scopes = n;
  }
  return true;
}

void members_keys(arena_t *a, const members_file_t *f, const char ***campus_ids, size_t *n_ids,
                  const char ***codes, size_t *n_codes) {
  size_t total = 0;
  for (size_t i = 0; i < f->n_rows; i++)
    total += f->rows[i].n_scopes;
  const char **ids = arena_alloc(a, sizeof(*ids) * (f->n_rows + 1));
  const char **cs = arena_alloc(a, sizeof(*cs) * (total + 1));
  size_t ni = 0, nc = 0;
  for (size_t i = 0; i < f->n_rows; i++) {
    ids[ni++] = f->rows[i].campus_id;
    for (size_t j = 0; j < f->rows[i].n_scopes; j++)
      cs[nc++] = f->rows[i].scopes[j];
  }
  *campus_ids = ids;
  *n_ids = members_sort_unique(ids, ni);
  *codes = cs;
  *n_codes = members_sort_unique(cs, nc);
}

static const members_account_t *members__account(const members_account_t *v, size_t n,
                                                 const char *cid) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i].campus_id, cid) == 0)
      return &v[i];
  return NULL;
}

static const members_unit_t *members__unit(const members_unit_t *v, size_t n, const char *code) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i].code, code) == 0)
      return &v[i];
  return NULL;
}

static bool members__same_scopes(const members_entry_t *x, const members_entry_t *y) {
  if (x->n_scopes != y->n_scopes)
    return false;
  for (size_t i = 0; i < x->n_scopes; i++)
    if (strcmp(x->scopes[i], y->scopes[i]) != 0)
      return false;
  return true;
}

static int members__entry_cmp(const void *x, const void *y) {
  return strcmp(((const members_entry_t *)x)->campus_id, ((const members_entry_t *)y)->campus_id);
}

static void members__put_scopes(arena_buf_t *b, const char *const *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (i)
      arena_buf_puts(b, ";");
    arena_buf_puts(b, v[i]);
  }
}

void members_diff(arena_t *a, members_file_t *f, const char *group_code,
                  const members_account_t *accounts, size_t n_accounts, const members_unit_t *units,
                  size_t n_units, const members_entry_t *current, size_t n_current,
                  members_diff_t *out) {
  memset(out, 0, sizeof(*out));
  /* What the file wants, checked line by line. */
  members_entry_t *want = arena_alloc(a, sizeof(*want) * (f->n_rows + 1));
  size_t n_want = 0;
  for (size_t i = 0; i < f->n_rows; i++) {
    const members_row_t *r = &f->rows[i];
    bool ok = true;
    const members_account_t *acc = members__account(accounts, n_accounts, r->campus_id);
    if (acc == NULL) {
      csv_error(&f->csv, r->line, "campus_id", "没有这个学工号的账号",
                "no account has this campus_id");
      ok = false;
    } else if (strcmp(acc->name, r->name) != 0) {
      csv_error(&f->csv, r->line, "name", "姓名与该学工号的账号不一致（请核对）",
                "name does not match the account of this campus_id (please check)");
      ok = false;
    }
    for (size_t j = 0; j < r->n_scopes; j++) {
      const members_unit_t *u = members__unit(units, n_units, r->scopes[j]);
      if (u == NULL) {
        csv_error(&f->csv, r->line, "scopes", "范围中有不存在的单位代码",
                  "scopes names a unit code that does not exist");
        ok = false;
        break;
      }
      if (!u->open) {
        csv_error(&f->csv, r->line, "scopes", "范围中有已撤销的单位", "scopes names a closed unit");
        ok = false;
        break;
      }
    }
    if (!ok)
      continue;
    members_entry_t *w = &want[n_want++];
    w->campus_id = r->campus_id;
    w->name = acc->name;
    w->scopes = r->scopes;
    w->n_scopes = r->n_scopes;
  }
  qsort(want, n_want, sizeof(*want), members__entry_cmp);
  members_entry_t *cur = arena_alloc(a, sizeof(*cur) * (n_current + 1));
  if (n_current)
    memcpy(cur, current, sizeof(*cur) * n_current);
  qsort(cur, n_current, sizeof(*cur), members__entry_cmp);

  out->changes = arena_alloc(a, sizeof(*out->changes) * (n_want + n_current + 1));
  arena_buf_t b = {.a = a};
  arena_buf_puts(&b, "group ");
  arena_buf_puts(&b, group_code);
  arena_buf_puts(&b, "\n");
  size_t i = 0, j = 0;
  while (i < n_want || j < n_current) {
    int c = i == n_want ? 1 : j == n_current ? -1 : strcmp(want[i].campus_id, cur[j].campus_id);
    members_change_t *ch = &out->changes[out->n_changes];
    memset(ch, 0, sizeof(*ch));
    if (c < 0) {
      ch->kind = MEMBERS_ADDED;
      ch->campus_id = want[i].campus_id;
      ch->name = want[i].name;
      ch->new_scopes = want[i].scopes;
      ch->n_new = want[i].n_scopes;
      i++;
    } else if (c > 0) {
      ch->kind = MEMBERS_REMOVED;
      ch->campus_id = cur[j].campus_id;
      ch->name = cur[j].name;
      ch->old_scopes = cur[j].scopes;
      ch->n_old = cur[j].n_scopes;
      j++;
    } else {
      bool same = members__same_scopes(&want[i], &cur[j]);
      if (!same) {
        ch->kind = MEMBERS_SCOPES_CHANGED;
        ch->campus_id = want[i].campus_id;
        ch->name = want[i].name;
        ch->old_scopes = cur[j].scopes;
        ch->n_old = cur[j].n_scopes;
        ch->new_scopes = want[i].scopes;
        ch->n_new = want[i].n_scopes;
      }
      i++;
      j++;
      if (same) {
        out->unchanged++;
        continue;
      }
    }
    out->n_changes++;
    static const char *const tag[] = {"", "+", "-", "~"};
    arena_buf_puts(&b, tag[ch->kind]);
    arena_buf_puts(&b, " ");
    arena_buf_puts(&b, ch->campus_id);
    arena_buf_puts(&b, " ");
    members__put_scopes(&b, ch->old_scopes, ch->n_old);
    arena_buf_puts(&b, " > ");
    members__put_scopes(&b, ch->new_scopes, ch->n_new);
    arena_buf_puts(&b, "\n");
  }
  out->canonical = b.p;
  out->canonical_len = b.len;
}

/* RFC 4180: quote a field holding a comma, quote, CR or LF, or with spaces at either end (the
 * reader trims those otherwise); double the quotes inside. */
static void members__put_field(arena_buf_t *b, const char *s) {
  size_t n = strlen(s);
  bool quote = n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t');
  for (size_t i = 0; i < n && !quote; i++)
    quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
  if (!quote) {
    arena_buf_put(b, s, n);
    return;
  }
  arena_buf_puts(b, "\"");
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"')
      arena_buf_puts(b, "\"");
    arena_buf_put(b, &s[i], 1);
  }
  arena_buf_puts(b, "\"");
}

const char *members_export_csv(arena_t *a, const members_entry_t *members, size_t n, size_t *len) {
  members_entry_t *v = arena_alloc(a, sizeof(*v) * (n + 1));
  if (n)
    memcpy(v, members, sizeof(*v) * n);
  qsort(v, n, sizeof(*v), members__entry_cmp);
  arena_buf_t b = {.a = a};
  arena_buf_puts(&b, "\xEF\xBB\xBF"
                     "campus_id,name,scopes\r\n");
  for (size_t i = 0; i < n; i++) {
    const char **sc = arena_alloc(a, sizeof(*sc) * (v[i].n_scopes + 1));
    if (v[i].n_scopes)
      memcpy(sc, v[i].scopes, sizeof(*sc) * v[i].n_scopes);
    size_t k = members_sort_unique(sc, v[i].n_scopes);
    members__put_field(&b, v[i].campus_id);
    arena_buf_puts(&b, ",");
    members__put_field(&b, v[i].name);
    arena_buf_puts(&b, ",");
    arena_buf_t s = {.a = a};
    arena_buf_puts(&s, "");
    members__put_scopes(&s, sc, k);
    members__put_field(&b, s.p);
    arena_buf_puts(&b, "\r\n");
  }
  *len = b.len;
  return b.p;
}
