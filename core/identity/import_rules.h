/*
 * import_rules.h — the pure part of importing accounts from the old portal: decode the file
 * (UTF-8 with or without BOM, else GB18030), parse CSV (RFC 4180), check every row. No I/O, no
 * logging, no hashing (import.c hashes freshmen's initial passwords and stores the rows).
 *
 * Columns, in any order, named by the header line:
 *   campus_id,name,kind,org_unit,email,phone,status,roles,password_hash,id_card
 * Every row error names its 1-based line (the header is line 1; a quoted field spanning lines
 * counts from the line where its record starts) and its column.
 */
#ifndef EHALL_IDENTITY_IMPORT_RULES_H
#define EHALL_IDENTITY_IMPORT_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"

#define IMPORT_MAX_BYTES (8u * 1024 * 1024)
#define IMPORT_MAX_ROWS 100000

/* Numbers equal to the proto enums and STORE_ACCOUNT_* (core/store/account_store.h). */
#define IMPORT_KIND_STUDENT 1
#define IMPORT_KIND_STAFF 2
#define IMPORT_STATUS_ACTIVE 1
#define IMPORT_STATUS_LOCKED 2
#define IMPORT_STATUS_DISABLED 3
#define IMPORT_STATUS_GRADUATED 4

typedef struct import_role {
  const char *name;     /* student, staff, dept_admin, hall_admin */
  const char *org_unit; /* dept_admin: the unit; "" otherwise */
} import_role_t;

/* One valid row. Strings are owned by the arena given to import_rules_parse. */
typedef struct import_account {
  int line;
  const char *campus_id;
  const char *name;
  int kind;
  const char *org_unit; /* "" when none */
  const char *email;    /* lower-cased; "" when none */
  const char *phone;    /* "" when none */
  int status;
  const import_role_t *roles; /* never empty: defaults to the kind's role */
  size_t n_roles;
  const char *password_hash; /* a password.h format, or "" (then id_card is set) */
  const char *id_card;       /* a valid number with an upper-case X, or "" (secret: never log) */
} import_account_t;

typedef struct import_row_error {
  int line;
  const char *column; /* the header name, or "" for the whole line */
  const char *reason; /* zh-CN */
  const char *reason_en;
} import_row_error_t;

typedef struct import_parsed {
  const char *encoding; /* "utf-8" or "gb18030" (NULL if neither) */
  import_account_t *rows; /* the valid rows, in file order */
  size_t n_rows;
  size_t n_records; /* data records seen (valid or not; blank lines not counted) */
  import_row_error_t *errors; /* every problem found, in line order; non-empty: store nothing */
  size_t n_errors;
} import_parsed_t;

/* Decodes, parses and checks the file data[0..len). Always fills *out (owned by a); the file
 * is importable exactly when out->n_errors is 0 and out->n_rows > 0 (an empty file is an
 * error on line 1). */
void import_rules_parse(arena_t *a, const char *data, size_t len, import_parsed_t *out);

#endif
