/*
 * csv.h — reading the CSV files people upload (accounts from the old portal, HR's org tree,
 * a department's group members): decode (UTF-8 with or without BOM, else GB18030), split into
 * records (RFC 4180, LF or CRLF), map the header's column names, and collect row errors with
 * their 1-based line numbers (a quoted field spanning lines counts from the line where its
 * record starts; the header is line 1). Pure: no I/O, no logging; everything lives in the
 * caller's arena. Must never copy a field's value into an error reason (files carry personal
 * data and reports are logged).
 */
#ifndef EHALL_COMMON_CSV_H
#define EHALL_COMMON_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"

typedef struct csv_error {
  int line;
  const char *column; /* the header name, or "" for the whole line */
  const char *reason; /* zh-CN */
  const char *reason_en;
} csv_error_t;

typedef struct csv_record {
  int line;
  const char **fields; /* as in the file (not trimmed) */
  size_t n;
  bool bad; /* a quoting error was recorded for it: skip it */
} csv_record_t;

typedef struct csv_file {
  arena_t *a;
  const char *encoding;  /* "utf-8" or "gb18030"; NULL if neither */
  csv_record_t header;   /* line 1 (n 0 when the file is empty) */
  csv_record_t *records; /* the data records after the header, blank lines dropped */
  size_t n_records;
  /* Every problem found so far (csv_error adds more); unsorted until csv_errors_sorted. */
  csv_error_t *errors;
  size_t n_errors, cap_errors;
} csv_file_t;

/* Reads a whole file for the import commands into a malloc'd buffer (the caller frees it);
 * stops reading once it holds more than max bytes, so *len > max means "too large". NULL when
 * the file cannot be opened or read. */
char *csv_read_file(const char *path, size_t max, size_t *len);

/* Decodes and splits data[0..len). False (with an error on the line at fault) when the file is
 * over max_bytes, not decodable, has an unterminated quote, is empty, has only a header, or has
 * more than max_rows data records. Always fills *out. */
bool csv_read(arena_t *a, const char *data, size_t len, size_t max_bytes, size_t max_rows,
              csv_file_t *out);

/* Maps the header's names (trimmed, ASCII case-insensitive) to `names`: col_of[i] is the field
 * index of names[i], or -1. Unknown and repeated names are errors, and so is a missing name
 * whose required[i] is true. False when the header had any error. */
bool csv_columns(csv_file_t *f, const char *const *names, const bool *required, size_t n,
                 int *col_of);

/* True when the record has as many fields as the header; otherwise records the error. Bad
 * (mis-quoted) records answer false without a second error. */
bool csv_record_ok(csv_file_t *f, const csv_record_t *r);

/* Field col of r, trimmed of spaces and tabs; "" when col < 0. Owned by f->a. */
const char *csv_field(csv_file_t *f, const csv_record_t *r, int col);

/* Records a problem. zh and en are kept (not copied): literals or arena strings. */
void csv_error(csv_file_t *f, int line, const char *column, const char *zh, const char *en);

/* The errors in line order (equal lines keep the order they were found in); owned by f->a. */
const csv_error_t *csv_errors_sorted(csv_file_t *f);

/* True when s has a control character (C0, DEL, C1) or is not valid UTF-8. */
bool csv_has_control(const char *s);

/* ASCII lower-case copy of s in a. */
char *csv_ascii_lower(arena_t *a, const char *s);

/* A set of strings remembering the line each was first seen on (duplicate checks). */
typedef struct csv_seen {
  const char **keys;
  int *lines;
  size_t cap;
} csv_seen_t;

/* Sized for about n keys. */
void csv_seen_init(arena_t *a, csv_seen_t *s, size_t n);
/* The line of an earlier equal key, or 0 after remembering this one (key is kept, not copied). */
int csv_seen_add(csv_seen_t *s, const char *key, int line);

#endif
