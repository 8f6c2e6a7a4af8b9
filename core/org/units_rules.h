/*
 * units_rules.h — the pure checks of the org tree shared by the unit RPCs (units.c) and HR's
 * import (org_import_rules.c): codes, names, kinds and which kind may sit under which. No I/O,
 * no logging.
 */
#ifndef EHALL_ORG_UNITS_RULES_H
#define EHALL_ORG_UNITS_RULES_H

#include <stdbool.h>

/* ehall.org.v1.UnitKind numbers (also org_units.kind). */
#define ORG_KIND_UNIVERSITY 1
#define ORG_KIND_COLLEGE 2
#define ORG_KIND_DEPARTMENT 3
#define ORG_KIND_MAJOR 4
#define ORG_KIND_CLASS 5

#define ORG_NAME_MAX_CHARS 64
#define ORG_NAME_EN_MAX_CHARS 128
#define ORG_TITLE_MAX_CHARS 64

/* ^[A-Za-z0-9_.-]{1,64}$ */
bool org_units_code_valid(const char *code);
/* ^[A-Za-z0-9_.-]{1,32}$ (accounts.campus_id) */
bool org_units_campus_id_valid(const char *campus_id);
/* 1–64 characters of valid UTF-8 without control characters. */
bool org_units_name_valid(const char *name);
/* At most 128 characters (may be empty), no control characters. */
bool org_units_name_en_valid(const char *name_en);
/* At most 64 characters (may be empty), no control characters. */
bool org_units_title_valid(const char *title);

/* 1..5 for "university", "college", "department", "major", "class" (ASCII case-insensitive) or
 * 学校, 学院, 部门, 专业, 班级; 0 otherwise. */
int org_units_kind_parse(const char *s);
/* "university" … "class", "" for anything else. */
const char *org_units_kind_name(int kind);

/* Whether a unit of `kind` may sit under a parent of `parent_kind` (0: no parent): the
 * university is the one root; colleges and departments sit under it; a major under a college;
 * a class under a major or a college. False fills *zh and *en (literals) with the reason. */
bool org_units_kind_parent_ok(int kind, int parent_kind, const char **zh, const char **en);

#endif
