/*
 * form_rules.h — the pure part of applications: checking a form definition a department
 * saves, checking the values an applicant sends against it (every problem at its path, at
 * once), conditional visibility, and the application's state machine. No I/O, no logging;
 * unit-tested in tests/unit/core/forms.
 */
#ifndef EHALL_FORMS_FORM_RULES_H
#define EHALL_FORMS_FORM_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "ehall/forms/v1/forms.pb-c.h"

#define FORM_FIELDS_MAX 100
#define FORM_COLUMNS_MAX 20
#define FORM_OPTIONS_MAX 100
#define FORM_TEXT_MAX 10000 /* characters of one text value */
#define FORM_ROWS_MAX 200
#define FORM_ROWS_DEFAULT 50
#define FORM_FILES_MAX 10
#define FORM_FILES_DEFAULT 5

typedef Ehall__Forms__V1__FormDefinition form_def_t;
typedef Ehall__Forms__V1__FormField form_field_t;
typedef Google__Protobuf__Struct form_values_t;

/* Every problem of a definition, at its path ("form.fields[2].options"); false with err
 * INVALID. Conditions must name another top-level field and may not form a cycle. */
bool form_definition_check(arena_t *a, const form_def_t *f, eh_err_t *err);

/* Checks values against f and returns, in *clean, only the fields f has and shows (a hidden
 * field's value is dropped), in f's order. complete false (a draft): shape only — no unknown
 * key, each value of its field's type, sizes within the limits; complete true (a submission):
 * also required fields, lengths, bounds, patterns, options, phone, email, ID number, dates.
 * locked: the values locked fields must keep (NULL: none). *files: the attachments the
 * values name, each with its path and field (for the caller to check they are the applicant's
 * and of a type the field accepts). Errors at "data.<key>", "data.<table>[<row>].<column>". */
typedef struct form_file {
  const char *id;
  const char *path; /* "data.proof[1]" */
  const form_field_t *field;
} form_file_t;
bool form_values_check(arena_t *a, const form_def_t *f, const form_values_t *data, bool complete,
                       const form_values_t *locked, form_values_t **clean, form_file_t **files,
                       size_t *n_files, eh_err_t *err);

/* Whether a file of this content type may go in field x: its accept list ("application/pdf",
 * "image/" followed by "*"), compared without case and parameters ("; charset=…"); an empty list
 * takes any. */
bool form_file_type_ok(const form_field_t *x, const char *content_type);

/* Whether field i of f is shown for these values (its condition, and its condition's). */
bool form_field_visible(const form_def_t *f, size_t i, const form_values_t *data);

/* The value of key in s, or NULL. */
const Google__Protobuf__Value *form_value_get(const form_values_t *s, const char *key);
/* Sets key in s (replacing it), allocating in a. */
void form_value_set(arena_t *a, form_values_t *s, const char *key, Google__Protobuf__Value *v);
Google__Protobuf__Value *form_value_string(arena_t *a, const char *s);

/* Mainland resident ID number: 18 characters, a real birth date, the ISO 7064 check digit. */
bool form_id_number_valid(const char *s);
bool form_phone_valid(const char *s);
bool form_email_valid(const char *s);

/* --- the application's states (ehall.forms.v1.ApplicationState) ------------------------------ */

enum {
  APP_DRAFT = 1,
  APP_SUBMITTED = 2,
  APP_IN_REVIEW = 3,
  APP_RETURNED = 4,
  APP_APPROVED = 5,
  APP_REJECTED = 6,
  APP_WITHDRAWN = 7,
};

typedef enum {
  APP_ACT_SUBMIT,   /* draft → submitted */
  APP_ACT_REVIEW,   /* submitted → in review (approvals took it) */
  APP_ACT_RETURN,   /* submitted / in review → returned for amendment */
  APP_ACT_RESUBMIT, /* returned → submitted */
  APP_ACT_APPROVE,  /* submitted / in review → approved */
  APP_ACT_REJECT,   /* submitted / in review → rejected */
  APP_ACT_WITHDRAW, /* submitted / in review / returned → withdrawn */
} app_action_t;

/* The state after act, or false when act is not allowed in state. */
bool application_next(int state, app_action_t act, int *next);
/* Ended: approved, rejected, withdrawn (its booking is no longer held for it). */
bool application_ended(int state);

#endif
