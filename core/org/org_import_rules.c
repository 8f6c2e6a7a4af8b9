/*
 * org_import_rules.c — parsing, checking and diffing HR's org CSV (org_import_rules.h). Pure:
 * no I/O, no logging; everything lives in the caller's arena. Sizes: a file of 50,000 people and
 * a few thousand units is handled with hash maps and sorts, never by quadratic scans.
 */
#include "core/org/org_import_rules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/org/units_rules.h"

/* ---- a string → index map (open addressing; keys are kept, not copied) ---------------------- */

typedef struct strmap {
  const char **keys;
  size_t *vals;
  size_t cap;
} strmap_t;

static void map_init(arena_t *a, strmap_t *m, size_t n) {
  m->cap = 16;
  while (m->cap < n * 2 + 2)
    m->cap *= 2;
  m->keys = arena_zalloc(a, m->cap * sizeof(*m->keys));
  m->vals = arena_zalloc(a, m->cap * sizeof(*m->vals));
}

static size_t map_slot(const strmap_t *m, const char *key) {
  uint64_t h = 1469598103934665603ull;
  for (const char *p = key; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ull;
  size_t i = h & (m->cap - 1);
  while (m->keys[i] != NULL && strcmp(m->keys[i], key) != 0)
    i = (i + 1) & (m->cap - 1);
  return i;
}

/* SIZE_MAX when absent. */
static size_t map_get(const strmap_t *m, const char *key) {
  size_t i = map_slot(m, key);
  return m->keys[i] ? m->vals[i] : SIZE_MAX;
}

/* Remembers key → val unless present; answers the value now stored. */
static size_t map_put(strmap_t *m, const char *key, size_t val) {
  size_t i = map_slot(m, key);
  if (m->keys[i] == NULL) {
    m->keys[i] = key;
    m->vals[i] = val;
  }
  return m->vals[i];
}

/* ---- parsing ------------------------------------------------------------------------------- */

enum { COL_TYPE, COL_CODE, COL_NAME, COL_NAME_EN, COL_KIND, COL_PARENT, COL_TITLE, COL_COUNT };

static const char *const col_names[COL_COUNT] = {"type", "code",   "name", "name_en",
                                                 "kind", "parent", "title"};
static const bool col_required[COL_COUNT] = {true, true, true, false, true, true, false};

static void unit_line(arena_t *a, csv_file_t *f, const csv_record_t *r, const char **v,
                      csv_seen_t *codes, strmap_t *all_codes, org_file_unit_t *u, bool *ok) {
  u->line = r->line;
  if (!org_units_code_valid(v[COL_CODE])) {
    csv_error(f, r->line, "code", "单位代码须为 1–64 个字母、数字或 _ . -",
              "the unit code must be 1–64 letters, digits or _ . -");
    *ok = false;
  } else {
    u->code = v[COL_CODE];
    map_put(all_codes, u->code, 0); /* bad lines' codes too: no "unknown parent" noise */
    int first = csv_seen_add(codes, u->code, r->line);
    if (first) {
      csv_error(f, r->line, "code", arena_printf(a, "单位代码与第 %d 行重复", first),
                arena_printf(a, "the unit code repeats line %d", first));
      *ok = false;
    }
  }
  if (!org_units_name_valid(v[COL_NAME])) {
    csv_error(f, r->line, "name", "单位名称须为 1–64 个字符",
              "the unit name must have 1–64 characters");
    *ok = false;
  }
  u->name = v[COL_NAME];
  if (!org_units_name_en_valid(v[COL_NAME_EN])) {
    csv_error(f, r->line, "name_en", "英文名称最多 128 个字符",
              "the English name has at most 128 characters");
    *ok = false;
  }
  u->name_en = v[COL_NAME_EN];
  u->kind = org_units_kind_parse(v[COL_KIND]);
  if (u->kind == 0) {
    csv_error(f, r->line, "kind",
              "单位类型须为 university、college、department、major、class（或 "
              "学校、学院、部门、专业、班级）",
              "the kind must be university, college, department, major or class");
    *ok = false;
  }
  u->parent = v[COL_PARENT];
  if (u->kind == ORG_KIND_UNIVERSITY && *u->parent != '\0') {
    csv_error(f, r->line, "parent", "学校是根单位，上级单位须留空",
              "the university is the root: leave parent empty");
    *ok = false;
  } else if (u->kind != ORG_KIND_UNIVERSITY && u->kind != 0 && !org_units_code_valid(u->parent)) {
    csv_error(f, r->line, "parent", "须填写上级单位代码（1–64 个字母、数字或 _ . -）",
              "the parent unit code is required (1–64 letters, digits or _ . -)");
    *ok = false;
  }
}

static void person_line(arena_t *a, csv_file_t *f, const csv_record_t *r, const char **v,
                        csv_seen_t *pairs, org_file_person_t *p, bool *ok) {
  p->line = r->line;
  p->campus_id = v[COL_CODE];
  p->unit = v[COL_PARENT];
  p->title = v[COL_TITLE];
  if (!org_units_campus_id_valid(p->campus_id)) {
    csv_error(f, r->line, "code", "人员的 code 须为学号（工号）：1–32 个字母、数字或 _ . -",
              "a person's code is the campus id: 1–32 letters, digits or _ . -");
    *ok = false;
  }
  if (!org_units_code_valid(p->unit)) {
    csv_error(f, r->line, "parent", "须填写人员所属单位的代码",
              "the person's unit code is required");
    *ok = false;
  }
  if (!org_units_title_valid(p->title)) {
    csv_error(f, r->line, "title", "职务最多 64 个字符", "the title has at most 64 characters");
    *ok = false;
  }
  if (*ok) {
    int first = csv_seen_add(pairs, arena_printf(a, "%s\x1f%s", p->campus_id, p->unit), r->line);
    if (first) {
      csv_error(f, r->line, "", arena_printf(a, "此人在该单位的记录与第 %d 行重复", first),
                arena_printf(a, "this person and unit repeat line %d", first));
      *ok = false;
    }
  }
}

/* Unit lines whose parent chain comes back to them. */
static void check_cycles(arena_t *a, csv_file_t *f, org_file_unit_t *units, size_t n,
                         const strmap_t *by_code) {
  unsigned char *state = arena_zalloc(a, n + 1); /* 0 new, 1 on the current walk, 2 done */
  size_t *walk = arena_alloc(a, (n + 1) * sizeof(*walk));
  for (size_t s = 0; s < n; s++) {
    size_t len = 0, i = s;
    while (i != SIZE_MAX && state[i] == 0) {
      state[i] = 1;
      walk[len++] = i;
      i = *units[i].parent ? map_get(by_code, units[i].parent) : SIZE_MAX;
    }
    if (i != SIZE_MAX && state[i] == 1) { /* the walk met itself: i..end is a cycle */
      bool in = false;
      for (size_t k = 0; k < len; k++) {
        in |= walk[k] == i;
        if (in)
          csv_error(f, units[walk[k]].line, "parent", "上级单位形成循环",
                    "the parent units form a cycle");
      }
    }
    for (size_t k = 0; k < len; k++)
      state[walk[k]] = 2;
  }
}

bool org_import_parse(arena_t *a, const char *data, size_t len, size_t max_bytes, size_t max_rows,
                      org_import_file_t *out) {
  memset(out, 0, sizeof(*out));
  csv_file_t *f = &out->csv;
  if (!csv_read(a, data, len, max_bytes, max_rows, f))
    return false;
  int col[COL_COUNT];
  if (!csv_columns(f, col_names, col_required, COL_COUNT, col))
    return false;

  out->units = arena_alloc(a, (f->n_records + 1) * sizeof(*out->units));
  out->people = arena_alloc(a, (f->n_records + 1) * sizeof(*out->people));
  csv_seen_t codes, pairs;
  strmap_t all_codes;
  csv_seen_init(a, &codes, f->n_records);
  map_init(a, &all_codes, f->n_records);
  csv_seen_init(a, &pairs, f->n_records);
  for (size_t i = 0; i < f->n_records; i++) {
    const csv_record_t *r = &f->records[i];
    if (!csv_record_ok(f, r))
      continue;
    const char *v[COL_COUNT];
    bool ok = true;
    for (int c = 0; c < COL_COUNT; c++) {
      v[c] = csv_field(f, r, col[c]);
      if (csv_has_control(v[c])) {
        csv_error(f, r->line, col_names[c], "含有控制字符", "contains control characters");
        ok = false;
      }
    }
    if (!ok)
      continue;
    const char *type = csv_ascii_lower(a, v[COL_TYPE]);
    if (strcmp(type, "unit") == 0 || strcmp(type, "单位") == 0) {
      org_file_unit_t u = {0};
      unit_line(a, f, r, v, &codes, &all_codes, &u, &ok);
      if (ok)
        out->units[out->n_units++] = u;
    } else if (strcmp(type, "person") == 0 || strcmp(type, "人员") == 0) {
      org_file_person_t p = {0};
      person_line(a, f, r, v, &pairs, &p, &ok);
      if (ok)
        out->people[out->n_people++] = p;
    } else {
      csv_error(f, r->line, "type", "type 须为 unit（单位）或 person（人员）",
                "the type must be unit or person");
    }
  }

  /* The tree the unit lines make. A file whose lines had errors may have lost its university
   * among them: "no university" is said only of an otherwise clean file. */
  size_t line_errors = f->n_errors;
  strmap_t by_code;
  map_init(a, &by_code, out->n_units);
  for (size_t i = 0; i < out->n_units; i++)
    map_put(&by_code, out->units[i].code, i);
  int university_line = 0;
  for (size_t i = 0; i < out->n_units; i++) {
    org_file_unit_t *u = &out->units[i];
    if (u->kind == ORG_KIND_UNIVERSITY) {
      if (university_line)
        csv_error(f, u->line, "kind",
                  arena_printf(a, "只能有一个学校（第 %d 行已有）", university_line),
                  arena_printf(a, "only one university (line %d has one)", university_line));
      else
        university_line = u->line;
      continue;
    }
    size_t p = map_get(&by_code, u->parent);
    if (p == SIZE_MAX) {
      if (map_get(&all_codes, u->parent) == SIZE_MAX) /* not a bad line's code either */
        csv_error(f, u->line, "parent",
                  arena_printf(a, "上级单位 %s 不在文件中（文件须包含整棵单位树）", u->parent),
                  arena_printf(a,
                               "the parent unit %s is not in the file (the file is the whole tree)",
                               u->parent));
      continue;
    }
    const char *zh, *en;
    if (!org_units_kind_parent_ok(u->kind, out->units[p].kind, &zh, &en))
      csv_error(f, u->line, "parent", zh, en);
  }
  if (university_line == 0 && line_errors == 0)
    csv_error(f, 1, "", "文件中没有学校（kind 为 university 的单位）",
              "the file has no university (a unit of kind university)");
  check_cycles(a, f, out->units, out->n_units, &by_code);

  for (size_t i = 0; i < out->n_people; i++) {
    const org_file_person_t *p = &out->people[i];
    if (map_get(&by_code, p->unit) == SIZE_MAX && map_get(&all_codes, p->unit) == SIZE_MAX)
      csv_error(
          f, p->line, "parent",
          arena_printf(a, "单位 %s 不在文件中（不在文件中的单位将被关闭）", p->unit),
          arena_printf(a, "the unit %s is not in the file (units missing from it close)", p->unit));
  }
  return f->n_errors == 0;
}

/* ---- the diff ------------------------------------------------------------------------------ */

typedef struct pair {
  const char *unit, *title;
} pair_t;

static int pair_cmp(const void *x, const void *y) {
  const pair_t *a = x, *b = y;
  int c = strcmp(a->unit, b->unit);
  return c ? c : strcmp(a->title, b->title);
}

static int change_cmp(const void *x, const void *y) {
  const org_unit_change_t *a = x, *b = y;
  if (a->change != b->change)
    return a->change < b->change ? -1 : 1;
  return strcmp(a->code, b->code);
}

static int person_change_cmp(const void *x, const void *y) {
  return strcmp(((const org_person_change_t *)x)->campus_id,
                ((const org_person_change_t *)y)->campus_id);
}

/* A growable text in the arena. */
typedef struct text {
  char *p;
  size_t n, cap;
} text_t;

static void text_put(arena_t *a, text_t *t, const char *s) {
  size_t l = strlen(s);
  if (t->n + l + 1 > t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 4096;
    while (cap < t->n + l + 1)
      cap *= 2;
    char *p = arena_alloc(a, cap);
    if (t->n)
      memcpy(p, t->p, t->n);
    t->p = p;
    t->cap = cap;
  }
  memcpy(t->p + t->n, s, l + 1);
  t->n += l;
}

/* Groups rows by campus id: first[i] is the first row of person i, next[] chains the rest. */
typedef struct people_index {
  strmap_t map;
  size_t *first, *next;
  const char **ids;
  size_t n;
} people_index_t;

static void people_index_init(arena_t *a, people_index_t *x, size_t rows) {
  map_init(a, &x->map, rows);
  x->first = arena_alloc(a, (rows + 1) * sizeof(size_t));
  x->next = arena_alloc(a, (rows + 1) * sizeof(size_t));
  x->ids = arena_alloc(a, (rows + 1) * sizeof(char *));
  x->n = 0;
}

/* Adds row r of campus_id; rows must come in order for each person's chain to keep it. */
static void people_index_add(people_index_t *x, const char *campus_id, size_t r, size_t *last) {
  size_t i = map_put(&x->map, campus_id, x->n);
  x->next[r] = SIZE_MAX;
  if (i == x->n) {
    x->ids[x->n] = campus_id;
    x->first[x->n] = r;
    last[x->n] = r;
    x->n++;
  } else {
    x->next[last[i]] = r;
    last[i] = r;
  }
}

bool org_import_diff(arena_t *a, org_import_file_t *f, const org_tree_t *tree,
                     org_import_diff_t *out) {
  memset(out, 0, sizeof(*out));
  csv_file_t *cf = &f->csv;
  size_t errors_before = cf->n_errors;

  /* Units. */
  strmap_t tree_by_code, file_by_code;
  map_init(a, &tree_by_code, tree->n_units);
  for (size_t i = 0; i < tree->n_units; i++)
    map_put(&tree_by_code, tree->units[i].code, i);
  map_init(a, &file_by_code, f->n_units);
  for (size_t i = 0; i < f->n_units; i++)
    map_put(&file_by_code, f->units[i].code, i);

  size_t cap = f->n_units * 3 + tree->n_units + 1;
  out->units = arena_alloc(a, cap * sizeof(*out->units));
  bool *added = arena_zalloc(a, f->n_units + 1);
  for (size_t i = 0; i < f->n_units; i++) {
    const org_file_unit_t *u = &f->units[i];
    size_t t = map_get(&tree_by_code, u->code);
    org_unit_change_t c = {.code = u->code,
                           .name = u->name,
                           .name_en = u->name_en,
                           .parent = u->parent,
                           .kind = u->kind,
                           .old_value = "",
                           .new_value = ""};
    if (t == SIZE_MAX) {
      c.change = ORG_CHANGE_ADDED;
      out->units[out->n_units++] = c;
      added[i] = true;
      continue;
    }
    const org_tree_unit_t *o = &tree->units[t];
    if (o->kind != u->kind) {
      csv_error(cf, u->line, "kind",
                arena_printf(a, "单位类型不能更改（现为 %s）：请用新的单位代码",
                             org_units_kind_name(o->kind)),
                arena_printf(a, "a unit's kind cannot change (it is %s): use a new code",
                             org_units_kind_name(o->kind)));
      continue;
    }
    bool same = true;
    if (o->closed) {
      c.change = ORG_CHANGE_REOPENED;
      out->units[out->n_units++] = c;
      same = false;
    }
    if (strcmp(o->name, u->name) != 0 || strcmp(o->name_en, u->name_en) != 0) {
      c.change = ORG_CHANGE_RENAMED;
      c.old_value = o->name;
      out->units[out->n_units++] = c;
      c.old_value = "";
      same = false;
    }
    if (strcmp(o->parent, u->parent) != 0) {
      c.change = ORG_CHANGE_MOVED;
      c.old_value = o->parent;
      c.new_value = u->parent;
      out->units[out->n_units++] = c;
      same = false;
    }
    if (same)
      out->units_unchanged++;
  }
  /* Depth of added units among added ancestors (parents are in the file and acyclic). */
  for (size_t i = 0; i < out->n_units; i++) {
    org_unit_change_t *c = &out->units[i];
    if (c->change != ORG_CHANGE_ADDED)
      continue;
    const char *p = c->parent;
    int depth = 0;
    for (size_t k; *p && (k = map_get(&file_by_code, p)) != SIZE_MAX && added[k];
         p = f->units[k].parent)
      depth++;
    c->depth = depth;
  }
  strmap_t closing;
  map_init(a, &closing, tree->n_units);
  for (size_t i = 0; i < tree->n_units; i++) {
    const org_tree_unit_t *o = &tree->units[i];
    if (o->closed || map_get(&file_by_code, o->code) != SIZE_MAX)
      continue;
    org_unit_change_t c = {.change = ORG_CHANGE_CLOSED,
                           .code = o->code,
                           .name = o->name,
                           .name_en = o->name_en,
                           .parent = o->parent,
                           .kind = o->kind,
                           .old_value = "",
                           .new_value = ""};
    map_put(&closing, o->code, out->n_units);
    out->units[out->n_units++] = c;
  }

  /* People: group the file's lines and the current memberships by campus id. */
  strmap_t accounts;
  map_init(a, &accounts, tree->n_accounts);
  for (size_t i = 0; i < tree->n_accounts; i++)
    map_put(&accounts, tree->accounts[i].campus_id, i);
  people_index_t fp, tp;
  size_t *last_f = arena_alloc(a, (f->n_people + 1) * sizeof(size_t));
  size_t *last_t = arena_alloc(a, (tree->n_members + 1) * sizeof(size_t));
  people_index_init(a, &fp, f->n_people);
  for (size_t i = 0; i < f->n_people; i++)
    people_index_add(&fp, f->people[i].campus_id, i, last_f);
  people_index_init(a, &tp, tree->n_members);
  for (size_t i = 0; i < tree->n_members; i++)
    people_index_add(&tp, tree->members[i].campus_id, i, last_t);

  out->people = arena_alloc(a, (fp.n + 1) * sizeof(*out->people));
  out->person_ids = arena_alloc(a, (fp.n + 1) * sizeof(char *));
  out->person_first_units = arena_alloc(a, (fp.n + 1) * sizeof(char *));
  for (size_t i = 0; i < fp.n; i++) {
    const char *id = fp.ids[i];
    size_t acc = map_get(&accounts, id);
    if (acc == SIZE_MAX) {
      for (size_t r = fp.first[i]; r != SIZE_MAX; r = fp.next[r])
        csv_error(cf, f->people[r].line, "code", "学号（工号）不存在：请先导入该账号",
                  "no account has this campus id: import the account first");
      continue;
    }
    size_t n_new = 0, n_old = 0;
    for (size_t r = fp.first[i]; r != SIZE_MAX; r = fp.next[r])
      n_new++;
    size_t t = map_get(&tp.map, id);
    if (t != SIZE_MAX)
      for (size_t r = tp.first[t]; r != SIZE_MAX; r = tp.next[r])
        n_old++;
    pair_t *nw = arena_alloc(a, (n_new + 1) * sizeof(*nw));
    pair_t *old = arena_alloc(a, (n_old + 1) * sizeof(*old));
    const char **units = arena_alloc(a, (n_new + 1) * sizeof(char *));
    const char **titles = arena_alloc(a, (n_new + 1) * sizeof(char *));
    size_t k = 0;
    for (size_t r = fp.first[i]; r != SIZE_MAX; r = fp.next[r], k++) {
      nw[k] = (pair_t){f->people[r].unit, f->people[r].title};
      units[k] = f->people[r].unit;
      titles[k] = f->people[r].title;
    }
    out->person_ids[out->n_persons] = id;
    out->person_first_units[out->n_persons++] = units[0];
    k = 0;
    if (t != SIZE_MAX)
      for (size_t r = tp.first[t]; r != SIZE_MAX; r = tp.next[r], k++)
        old[k] = (pair_t){tree->members[r].unit, tree->members[r].title};
    qsort(nw, n_new, sizeof(*nw), pair_cmp);
    qsort(old, n_old, sizeof(*old), pair_cmp);
    bool same = n_new == n_old;
    for (size_t j = 0; same && j < n_new; j++)
      same = pair_cmp(&nw[j], &old[j]) == 0;
    if (same) {
      out->people_unchanged++;
      continue;
    }
    org_person_change_t *c = &out->people[out->n_people++];
    c->campus_id = id;
    c->name = tree->accounts[acc].name;
    c->units = units;
    c->titles = titles;
    c->n = n_new;
    c->new_units = arena_alloc(a, (n_new + 1) * sizeof(char *));
    c->old_units = arena_alloc(a, (n_old + 1) * sizeof(char *));
    for (size_t j = 0; j < n_new; j++)
      c->new_units[j] = nw[j].unit;
    for (size_t j = 0; j < n_old; j++)
      c->old_units[j] = old[j].unit;
    c->n_new = n_new;
    c->n_old = n_old;
  }

  /* Nobody left without a unit: people of a closing unit must be moved by the file. */
  int *stranded = arena_zalloc(a, (out->n_units + 1) * sizeof(int));
  for (size_t i = 0; i < tree->n_members; i++) {
    const org_tree_membership_t *m = &tree->members[i];
    size_t c = map_get(&closing, m->unit);
    if (c != SIZE_MAX && map_get(&fp.map, m->campus_id) == SIZE_MAX)
      stranded[c]++;
  }
  for (size_t i = 0; i < out->n_units; i++)
    if (stranded[i] > 0)
      csv_error(cf, 1, "",
                arena_printf(a,
                             "单位 %s（%s）不在文件中，将被关闭，但仍有 %d 人属于该单位且文件未调整"
                             "其所属单位：请在文件中列出他们的新单位，或保留该单位",
                             out->units[i].code, out->units[i].name, stranded[i]),
                arena_printf(a,
                             "unit %s is missing from the file and would close, but %d people "
                             "still belong to it and the file does not move them: list their new "
                             "units or keep the unit",
                             out->units[i].code, stranded[i]));

  qsort(out->units, out->n_units, sizeof(*out->units), change_cmp);
  qsort(out->people, out->n_people, sizeof(*out->people), person_change_cmp);

  /* The canonical text: one line per change, fields split by US (names hold no controls). */
  text_t txt = {0};
  text_put(a, &txt, "org-import-diff-v1\n");
  for (size_t i = 0; i < out->n_units; i++) {
    const org_unit_change_t *c = &out->units[i];
    text_put(a, &txt,
             arena_printf(a, "U\x1f%d\x1f%s\x1f%s\x1f%s\x1f%d\x1f%s\x1f%s\x1f%s\n", c->change,
                          c->code, c->name, c->name_en, c->kind, c->parent, c->old_value,
                          c->new_value));
  }
  for (size_t i = 0; i < out->n_people; i++) {
    const org_person_change_t *c = &out->people[i];
    text_put(a, &txt, arena_printf(a, "P\x1f%s", c->campus_id));
    for (size_t j = 0; j < c->n_old; j++)
      text_put(a, &txt, arena_printf(a, "\x1f-%s", c->old_units[j]));
    for (size_t j = 0; j < c->n; j++)
      text_put(a, &txt, arena_printf(a, "\x1f+%s\x1e%s", c->units[j], c->titles[j]));
    text_put(a, &txt, "\n");
  }
  out->canonical = txt.p;
  out->canonical_len = txt.n;
  return cf->n_errors == errors_before;
}
