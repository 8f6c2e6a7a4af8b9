/*
 * org_import_rules.h — the pure part of HR's org import: parse and check the CSV (the whole
 * tree plus people's units; core/common/csv.h reads it), then compare it with the tree as it is
 * (which the service loads) and produce a deterministic diff and its canonical text. No I/O,
 * no logging; everything lives in the caller's arena. Reasons never quote a person's name or
 * title (codes and campus ids only).
 *
 * Columns, in any order, named by the header line: type,code,name,name_en,kind,parent,title
 *   unit:   code, name, name_en (optional), kind (english or 学校/学院/部门/专业/班级), parent
 *           (empty only for the university)
 *   person: code = campus id, parent = the unit code, title (optional); one line per unit
 * Problems of the file as a whole (no university, a closing unit that would leave people
 * without a unit) are reported on line 1, as csv.h does for an empty file.
 */
#ifndef EHALL_ORG_IMPORT_RULES_H
#define EHALL_ORG_IMPORT_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"
#include "core/common/csv.h"

typedef struct org_file_unit {
  int line;
  const char *code, *name, *name_en;
  const char *parent; /* "" for the university */
  int kind;           /* ORG_KIND_* (units_rules.h) */
} org_file_unit_t;

typedef struct org_file_person {
  int line;
  const char *campus_id, *unit, *title;
} org_file_person_t;

typedef struct org_import_file {
  csv_file_t csv;         /* encoding, records, errors (csv_errors_sorted) */
  org_file_unit_t *units; /* the valid unit lines, in file order */
  size_t n_units;
  org_file_person_t *people; /* the valid person lines, in file order */
  size_t n_people;
} org_import_file_t;

/* Decodes, parses and checks data[0..len): every line on its own, then the tree the unit lines
 * make (one university, known parents, kinds under fitting parents, no cycles) and the units
 * people name. Always fills *out; true when the file has no error. */
bool org_import_parse(arena_t *a, const char *data, size_t len, size_t max_bytes, size_t max_rows,
                      org_import_file_t *out);

/* The tree as it is, as the service loaded it. */
typedef struct org_tree_unit {
  const char *code, *name, *name_en;
  const char *parent; /* "" for a root */
  int kind;
  bool closed;
} org_tree_unit_t;

typedef struct org_tree_membership { /* one current person_units row */
  const char *campus_id, *unit, *title;
} org_tree_membership_t;

typedef struct org_tree_account { /* an existing account named by the file */
  const char *campus_id, *name;
} org_tree_account_t;

typedef struct org_tree {
  const org_tree_unit_t *units; /* every unit, closed ones too */
  size_t n_units;
  const org_tree_membership_t *members; /* every current membership */
  size_t n_members;
  const org_tree_account_t *accounts;
  size_t n_accounts;
} org_tree_t;

/* Equal to ehall.org.v1.UnitChange.Change. */
enum {
  ORG_CHANGE_ADDED = 1,
  ORG_CHANGE_RENAMED = 2,
  ORG_CHANGE_MOVED = 3,
  ORG_CHANGE_CLOSED = 4,
  ORG_CHANGE_REOPENED = 5
};

typedef struct org_unit_change {
  int change;
  const char *code, *name;
  const char *old_value, *new_value; /* RENAMED: old name; MOVED: old and new parent */
  /* What applying needs: the unit as the file has it (ADDED, RENAMED, MOVED). */
  const char *name_en, *parent;
  int kind;
  int depth; /* ADDED: how many added ancestors it has (insert level by level) */
} org_unit_change_t;

typedef struct org_person_change {
  const char *campus_id, *name;
  const char **old_units, **new_units; /* codes, sorted */
  size_t n_old, n_new;
  /* The file's lines of this person, in file order (what applying writes). */
  const char **units, **titles;
  size_t n;
} org_person_change_t;

typedef struct org_import_diff {
  org_unit_change_t *units; /* sorted by change, then code */
  size_t n_units;
  org_person_change_t *people; /* sorted by campus id */
  size_t n_people;
  int units_unchanged, people_unchanged;
  /* Everyone in the file and his first unit in file order (accounts.org_unit). */
  const char **person_ids, **person_first_units;
  size_t n_persons;
  /* The canonical text of the changes (the digest's input). */
  const char *canonical;
  size_t canonical_len;
} org_import_diff_t;

/* Compares a parsed, error-free file with the tree. Adds errors to f->csv for what only the
 * tree can tell: a person whose account does not exist, a unit whose kind would change, a
 * unit the file closes while people the file does not move still belong to it. Always fills
 * *out; true when no error was added. */
bool org_import_diff(arena_t *a, org_import_file_t *f, const org_tree_t *tree,
                     org_import_diff_t *out);

#endif
