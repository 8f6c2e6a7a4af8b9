/*
 * form_rules_test.c — form definitions (every problem named, cycles in conditions), values
 * against them (shape for drafts, everything for submissions, all errors at once, hidden
 * fields dropped, locked values kept), the formats (ID number, phone, email) and the
 * application's state machine.
 */
#include <stdbool.h>
#include <string.h>

#include "core/common/arena.h"
#include "core/forms/form_rules.h"
#include "tests/unit/test.h"

static arena_t *A;

#define T(x) EHALL__FORMS__V1__FIELD_TYPE__FIELD_TYPE_##x

static form_field_t *fld(const char *key, int type) {
  form_field_t *f = arena_alloc(A, sizeof *f);
  ehall__forms__v1__form_field__init(f);
  f->key = (char *)key;
  f->label = (char *)key;
  f->type = (Ehall__Forms__V1__FieldType)type;
  return f;
}

static void options(form_field_t *f, const char *a, const char *b) {
  f->n_options = 2;
  f->options = arena_alloc(A, 2 * sizeof *f->options);
  const char *v[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    f->options[i] = arena_alloc(A, sizeof *f->options[i]);
    ehall__forms__v1__field_option__init(f->options[i]);
    f->options[i]->value = (char *)v[i];
    f->options[i]->label = (char *)v[i];
  }
}

static void when(form_field_t *f, const char *field, const char *value) {
  f->visible_when = arena_alloc(A, sizeof *f->visible_when);
  ehall__forms__v1__condition__init(f->visible_when);
  f->visible_when->field = (char *)field;
  f->visible_when->n_values = 1;
  f->visible_when->values = arena_alloc(A, sizeof(char *));
  f->visible_when->values[0] = (char *)value;
}

static form_def_t *def(size_t n, form_field_t **fields) {
  form_def_t *d = arena_alloc(A, sizeof *d);
  ehall__forms__v1__form_definition__init(d);
  d->n_fields = n;
  d->fields = fields;
  return d;
}

static Google__Protobuf__Value *num(double x) {
  Google__Protobuf__Value *v = arena_alloc(A, sizeof *v);
  google__protobuf__value__init(v);
  v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
  v->number_value = x;
  return v;
}

static Google__Protobuf__Value *boolean(bool b) {
  Google__Protobuf__Value *v = arena_alloc(A, sizeof *v);
  google__protobuf__value__init(v);
  v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
  v->bool_value = b;
  return v;
}

static Google__Protobuf__Value *list(size_t n, Google__Protobuf__Value **items) {
  Google__Protobuf__Value *v = arena_alloc(A, sizeof *v);
  google__protobuf__value__init(v);
  v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
  v->list_value = arena_alloc(A, sizeof *v->list_value);
  google__protobuf__list_value__init(v->list_value);
  v->list_value->n_values = n;
  v->list_value->values = items;
  return v;
}

static form_values_t *values(void) {
  form_values_t *s = arena_alloc(A, sizeof *s);
  google__protobuf__struct__init(s);
  return s;
}

static bool has_field(const eh_err_t *err, const char *path) {
  for (int i = 0; i < err->nfields; i++)
    if (strcmp(err->fields[i].field, path) == 0)
      return true;
  return false;
}

/* kind (choice) → detail shown for "sick"; days number 1–30; phone; agree checkbox. */
static form_def_t *leave(void) {
  form_field_t **f = arena_alloc(A, 5 * sizeof *f);
  f[0] = fld("kind", T(CHOICE));
  options(f[0], "sick", "personal");
  f[0]->required = true;
  f[1] = fld("detail", T(LONG_TEXT));
  f[1]->required = true;
  when(f[1], "kind", "sick");
  f[2] = fld("days", T(NUMBER));
  f[2]->required = true;
  f[2]->has_min = f[2]->has_max = true;
  f[2]->min = 1;
  f[2]->max = 30;
  f[3] = fld("phone", T(PHONE));
  f[4] = fld("agree", T(CHECKBOX));
  f[4]->required = true;
  return def(5, f);
}

static void test_definition_ok_and_problems(void) {
  eh_err_t err = EH_ERR_INIT;
  CHECK(form_definition_check(A, leave(), &err));
  form_field_t **f = arena_alloc(A, 6 * sizeof *f);
  f[0] = fld("a", T(TEXT));
  when(f[0], "b", "x");
  f[1] = fld("b", T(TEXT));
  when(f[1], "c", "y");
  f[2] = fld("c", T(TEXT));
  when(f[2], "a", "z");             /* a → b → c → a */
  f[3] = fld("Bad-Key", T(CHOICE)); /* bad key, no options */
  f[4] = fld("t", T(TABLE));        /* a table without columns */
  f[5] = fld("n", T(NUMBER));
  f[5]->pattern = "[0-9]+"; /* a pattern on a number */
  CHECK(!form_definition_check(A, def(6, f), &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK(has_field(&err, "form.fields[0].visible_when"));
  CHECK(has_field(&err, "form.fields[3].key"));
  CHECK(has_field(&err, "form.fields[3].options"));
  CHECK(has_field(&err, "form.fields[4].columns"));
  CHECK(has_field(&err, "form.fields[5].pattern"));
  eh_err_clear(&err);
  /* a condition on itself, on a missing field; a bad regular expression; duplicate keys */
  f = arena_alloc(A, 3 * sizeof *f);
  f[0] = fld("a", T(TEXT));
  when(f[0], "a", "x");
  f[1] = fld("b", T(TEXT));
  f[1]->pattern = "([a-z";
  f[2] = fld("b", T(TEXT));
  when(f[2], "nope", "x");
  CHECK(!form_definition_check(A, def(3, f), &err));
  CHECK(has_field(&err, "form.fields[0].visible_when.field"));
  CHECK(has_field(&err, "form.fields[1].pattern"));
  CHECK(has_field(&err, "form.fields[2].key"));
  CHECK(has_field(&err, "form.fields[2].visible_when.field"));
}

static void test_values_all_errors_at_once(void) {
  eh_err_t err = EH_ERR_INIT;
  form_values_t *v = values(), *clean;
  form_file_t *files;
  size_t nf;
  form_value_set(A, v, "kind", form_value_string(A, "sick"));
  form_value_set(A, v, "days", num(40));
  form_value_set(A, v, "phone", form_value_string(A, "12345"));
  form_value_set(A, v, "colour", form_value_string(A, "red"));
  form_value_set(A, v, "agree", boolean(false));
  CHECK(!form_values_check(A, leave(), v, true, NULL, &clean, &files, &nf, &err));
  CHECK_INT(err.nfields, 5);
  CHECK(has_field(&err, "data.colour"));
  CHECK(has_field(&err, "data.detail")); /* shown for sick, required */
  CHECK(has_field(&err, "data.days"));
  CHECK(has_field(&err, "data.phone"));
  CHECK(has_field(&err, "data.agree"));
  eh_err_clear(&err);
  /* a draft: shape only (the missing and out-of-range values pass; an unknown key does not) */
  CHECK(!form_values_check(A, leave(), v, false, NULL, &clean, &files, &nf, &err));
  CHECK_INT(err.nfields, 1);
  CHECK(has_field(&err, "data.colour"));
  eh_err_clear(&err);
  /* a wrong type is a shape error too */
  form_values_t *w = values();
  form_value_set(A, w, "days", form_value_string(A, "three"));
  CHECK(!form_values_check(A, leave(), w, false, NULL, &clean, &files, &nf, &err));
  CHECK(has_field(&err, "data.days"));
}

static void test_hidden_dropped_locked_kept(void) {
  eh_err_t err = EH_ERR_INIT;
  form_values_t *v = values(), *clean;
  form_file_t *files;
  size_t nf;
  form_value_set(A, v, "kind", form_value_string(A, "personal"));
  form_value_set(A, v, "detail", form_value_string(A, "not shown for personal leave"));
  form_value_set(A, v, "days", num(3));
  form_value_set(A, v, "agree", boolean(true));
  CHECK(form_values_check(A, leave(), v, true, NULL, &clean, &files, &nf, &err));
  CHECK(form_value_get(clean, "detail") == NULL);
  CHECK(form_value_get(clean, "days") != NULL);
  CHECK_INT((int)clean->n_fields, 3);
  /* locked: a changed value is refused; an empty one takes the record's */
  form_field_t **f = arena_alloc(A, sizeof *f);
  f[0] = fld("name", T(TEXT));
  f[0]->prefill = EHALL__FORMS__V1__PREFILL_SOURCE__PREFILL_SOURCE_NAME;
  f[0]->locked = true;
  form_values_t *locked = values(), *mine = values();
  form_value_set(A, locked, "name", form_value_string(A, "张伟"));
  form_value_set(A, mine, "name", form_value_string(A, "李四"));
  CHECK(!form_values_check(A, def(1, f), mine, false, locked, &clean, &files, &nf, &err));
  CHECK(has_field(&err, "data.name"));
  eh_err_clear(&err);
  CHECK(form_values_check(A, def(1, f), values(), true, locked, &clean, &files, &nf, &err));
  CHECK_STR(form_value_get(clean, "name")->string_value, "张伟");
}

static void test_tables_choices_files(void) {
  eh_err_t err = EH_ERR_INIT;
  form_field_t **f = arena_alloc(A, 3 * sizeof *f);
  f[0] = fld("people", T(TABLE));
  f[0]->n_columns = 2;
  f[0]->columns = arena_alloc(A, 2 * sizeof *f[0]->columns);
  f[0]->columns[0] = fld("who", T(TEXT));
  f[0]->columns[0]->required = true;
  f[0]->columns[1] = fld("tel", T(PHONE));
  f[0]->max_rows = 2;
  f[1] = fld("tags", T(MULTI_CHOICE));
  options(f[1], "a", "b");
  f[2] = fld("proof", T(FILES));
  f[2]->max_files = 1;
  form_def_t *d = def(3, f);
  CHECK(form_definition_check(A, d, &err));
  /* row 0: who missing, tel bad, an unknown column; tags: a twice; two files over max 1 */
  form_values_t *row = values();
  form_value_set(A, row, "tel", form_value_string(A, "x"));
  form_value_set(A, row, "age", num(3));
  Google__Protobuf__Value *rv = arena_alloc(A, sizeof *rv);
  google__protobuf__value__init(rv);
  rv->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
  rv->struct_value = row;
  Google__Protobuf__Value **rows = arena_alloc(A, sizeof *rows);
  rows[0] = rv;
  Google__Protobuf__Value **tags = arena_alloc(A, 2 * sizeof *tags);
  tags[0] = tags[1] = form_value_string(A, "a");
  Google__Protobuf__Value **ids = arena_alloc(A, 2 * sizeof *ids);
  ids[0] = form_value_string(A, "11");
  ids[1] = form_value_string(A, "12");
  form_values_t *v = values(), *clean;
  form_value_set(A, v, "people", list(1, rows));
  form_value_set(A, v, "tags", list(2, tags));
  form_value_set(A, v, "proof", list(2, ids));
  form_file_t *files;
  size_t nf;
  CHECK(!form_values_check(A, d, v, true, NULL, &clean, &files, &nf, &err));
  CHECK(has_field(&err, "data.people[0].age"));
  CHECK(has_field(&err, "data.people[0].who"));
  CHECK(has_field(&err, "data.people[0].tel"));
  CHECK(has_field(&err, "data.tags[1]"));
  CHECK(has_field(&err, "data.proof"));
  eh_err_clear(&err);
  /* one valid file is reported to the caller for the ownership check */
  form_values_t *ok = values();
  form_value_set(A, ok, "proof", list(1, ids));
  CHECK(form_values_check(A, d, ok, true, NULL, &clean, &files, &nf, &err));
  CHECK_INT((int)nf, 1);
  CHECK_STR(files[0].id, "11");
  CHECK_STR(files[0].path, "data.proof[0]");
  CHECK(files[0].field == f[2]);
}

/* A field's accept list: exact types and a type with any subtype, without case or parameters;
 * none: any. */
static void test_file_types(void) {
  form_field_t *x = fld("proof", T(FILES));
  CHECK(form_file_type_ok(x, "application/x-anything"));
  char *accept[] = {"application/pdf", "image/*"};
  x->n_accept = 2;
  x->accept = accept;
  CHECK(form_file_type_ok(x, "application/pdf"));
  CHECK(form_file_type_ok(x, "Application/PDF; name=a.pdf"));
  CHECK(form_file_type_ok(x, "image/png"));
  CHECK(form_file_type_ok(x, "IMAGE/jpeg"));
  CHECK(!form_file_type_ok(x, "image/"));
  CHECK(!form_file_type_ok(x, "image"));
  CHECK(!form_file_type_ok(x, "application/pdfx"));
  CHECK(!form_file_type_ok(x, "application/zip"));
  CHECK(!form_file_type_ok(x, "text/html"));
  CHECK(!form_file_type_ok(x, ""));
}

static void test_formats(void) {
  CHECK(form_id_number_valid("11010519491231002X"));
  CHECK(form_id_number_valid("11010519491231002x"));
  CHECK(!form_id_number_valid("110105194912310021")); /* wrong check digit */
  CHECK(!form_id_number_valid("11010519490230002X")); /* 30 February */
  CHECK(!form_id_number_valid("1101051949123100"));
  CHECK(form_phone_valid("13800138000"));
  CHECK(!form_phone_valid("12800138000"));
  CHECK(form_phone_valid("0373-3326105"));
  CHECK(form_phone_valid("01012345678"));
  CHECK(!form_phone_valid("3326105"));
  CHECK(form_email_valid("zhang.wei@htu.edu.cn"));
  CHECK(!form_email_valid("zhang wei@htu.edu.cn"));
  CHECK(!form_email_valid("zhang@htu"));
  CHECK(!form_email_valid("@htu.edu.cn"));
}

static void test_states(void) {
  int next = 0;
  CHECK(application_next(APP_DRAFT, APP_ACT_SUBMIT, &next) && next == APP_SUBMITTED);
  CHECK(application_next(APP_SUBMITTED, APP_ACT_RETURN, &next) && next == APP_RETURNED);
  CHECK(application_next(APP_RETURNED, APP_ACT_RESUBMIT, &next) && next == APP_SUBMITTED);
  CHECK(application_next(APP_IN_REVIEW, APP_ACT_WITHDRAW, &next) && next == APP_WITHDRAWN);
  CHECK(application_next(APP_RETURNED, APP_ACT_WITHDRAW, &next) && next == APP_WITHDRAWN);
  CHECK(!application_next(APP_APPROVED, APP_ACT_WITHDRAW, &next));
  CHECK(!application_next(APP_WITHDRAWN, APP_ACT_WITHDRAW, &next));
  CHECK(!application_next(APP_SUBMITTED, APP_ACT_RESUBMIT, &next));
  CHECK(!application_next(APP_DRAFT, APP_ACT_APPROVE, &next));
  CHECK(application_ended(APP_REJECTED));
  CHECK(!application_ended(APP_RETURNED));
}

int main(void) {
  A = arena_create(0);
  RUN(test_definition_ok_and_problems);
  RUN(test_values_all_errors_at_once);
  RUN(test_hidden_dropped_locked_kept);
  RUN(test_tables_choices_files);
  RUN(test_file_types);
  RUN(test_formats);
  RUN(test_states);
  arena_destroy(A);
  return test_done();
}
