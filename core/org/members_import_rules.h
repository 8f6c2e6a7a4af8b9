/*
 * members_import_rules.h — the pure part of a group's member list as a file (ImportMembers,
 * ExportMembers, `ehall-core import members`): parse the CSV (campus_id,name,scopes; scopes
 * are unit codes joined by ";" or "；"), check every line against the accounts and units the
 * caller looked up, and diff the file (the whole membership) against the current members;
 * and the other way round, the members as the same CSV (UTF-8 with BOM, RFC 4180 quoting).
 * No I/O, no logging. Row errors never copy a field's value (files carry personal data).
 */
#ifndef EHALL_ORG_MEMBERS_IMPORT_RULES_H
#define EHALL_ORG_MEMBERS_IMPORT_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"
#include "core/common/csv.h"

/* A member serves at most this many scopes. */
#define MEMBERS_MAX_SCOPES 200

/* One line of the file that parsed: scopes trimmed, de-duplicated and sorted (strcmp). */
typedef struct members_row {
  int line;
  const char *campus_id;
  const char *name;
  const char **scopes;
  size_t n_scopes;
} members_row_t;

typedef struct members_file {
  csv_file_t csv; /* encoding, and every error found so far (members_diff adds more) */
  members_row_t *rows;
  size_t n_rows;
} members_file_t;

/* What the caller looked up for the file's campus ids and unit codes (only those that exist). */
typedef struct members_account {
  const char *campus_id;
  const char *name;
} members_account_t;

typedef struct members_unit {
  const char *code;
  bool open;
} members_unit_t;

/* A current member, or a member as the file wants it; scopes sorted (strcmp), no duplicates. */
typedef struct members_entry {
  const char *campus_id;
  const char *name;
  const char **scopes;
  size_t n_scopes;
} members_entry_t;

/* Numbers equal to ehall.org.v1.MemberChange.Change. */
typedef enum {
  MEMBERS_ADDED = 1,
  MEMBERS_REMOVED = 2,
  MEMBERS_SCOPES_CHANGED = 3,
} members_change_kind_t;

typedef struct members_change {
  members_change_kind_t kind;
  const char *campus_id;
  const char *name;
  const char **old_scopes; /* REMOVED, SCOPES_CHANGED */
  size_t n_old;
  const char **new_scopes; /* ADDED, SCOPES_CHANGED */
  size_t n_new;
} members_change_t;

typedef struct members_diff {
  members_change_t *changes; /* by campus id */
  size_t n_changes;
  int unchanged;
  /* The canonical text of the diff (group code, then one line per change): what diff_digest
   * hashes, so the same file against the same members always answers the same digest. */
  const char *canonical;
  size_t canonical_len;
} members_diff_t;

/* Decodes and parses data[0..len) into *out (always filled). Line errors: empty or malformed
 * campus id, empty name, empty scopes, a malformed scope code, more than MEMBERS_MAX_SCOPES
 * scopes, a campus id repeated. False when the file itself could not be read (too big, not
 * UTF-8/GB18030, no data rows, bad header); line errors alone still answer true: see
 * out->csv.n_errors. */
bool members_parse(arena_t *a, const char *data, size_t len, size_t max_bytes, size_t max_rows,
                   members_file_t *out);

/* Every distinct campus id and scope code of the parsed rows (for the caller's look-ups). */
void members_keys(arena_t *a, const members_file_t *f, const char ***campus_ids, size_t *n_ids,
                  const char ***codes, size_t *n_codes);

/* Checks the rows against the accounts and units that exist (unknown campus id, a name that is
 * not the account's, an unknown or closed scope unit: line errors in f->csv) and diffs the file
 * against `current` (the group's members now). The diff is filled even when there are errors
 * (the caller must not apply it then). */
void members_diff(arena_t *a, members_file_t *f, const char *group_code,
                  const members_account_t *accounts, size_t n_accounts, const members_unit_t *units,
                  size_t n_units, const members_entry_t *current, size_t n_current,
                  members_diff_t *out);

/* The members as the import's CSV: UTF-8 BOM, header "campus_id,name,scopes", one line per
 * member sorted by campus id, scopes sorted and joined by ";", CRLF line ends, fields quoted
 * (RFC 4180) when they hold a comma, quote, CR or LF, or start or end with a space. */
const char *members_export_csv(arena_t *a, const members_entry_t *members, size_t n, size_t *len);

/* Sorts and de-duplicates a list of codes in place (strcmp); answers the new count. */
size_t members_sort_unique(const char **v, size_t n);

#endif
