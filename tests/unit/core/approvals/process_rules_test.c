/*
 * process_rules_test.c — process definitions (each rule at its path, several at once), walking
 * them (conditions, parallel branches, skipped stages, return targets), conditions on form
 * values, a step's outcome under every approval mode with transfers and added signers, the
 * actions a task allows, the shape of an action request, who may act (delegation) and merging
 * resolved approvers.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/approvals/process_rules.h"
#include "core/common/arena.h"
#include "tests/unit/test.h"

static arena_t *A;

#define SK(x) EHALL__APPROVALS__V1__STEP_KIND__##x
#define MODE(x) EHALL__APPROVALS__V1__APPROVAL_MODE__##x
#define SRC(x) EHALL__APPROVALS__V1__APPROVER_KIND__##x
#define ACT(x) EHALL__APPROVALS__V1__ACTION__##x

typedef Ehall__Approvals__V1__ApproverSource source_t;
typedef Ehall__Approvals__V1__Branch branch_t;

/* --- building definitions --------------------------------------------------------------------- */

static source_t *source(int kind, const char *a, const char *b) {
  source_t *s = arena_alloc(A, sizeof *s);
  ehall__approvals__v1__approver_source__init(s);
  s->kind = (Ehall__Approvals__V1__ApproverKind)kind;
  switch (kind) {
  case SRC(APPLICANT_GROUP):
    s->group_code = (char *)a;
    break;
  case SRC(UNIT_GROUP):
    s->group_code = (char *)a;
    s->unit_code = (char *)b;
    break;
  case SRC(PERSON):
    s->campus_id = (char *)a;
    break;
  case SRC(FORM_FIELD):
    s->field = (char *)a;
    break;
  }
  return s;
}

static process_step_t *step(const char *key, int kind) {
  process_step_t *s = arena_alloc(A, sizeof *s);
  ehall__approvals__v1__step__init(s);
  s->key = (char *)key;
  s->name = (char *)key;
  s->kind = (Ehall__Approvals__V1__StepKind)kind;
  return s;
}

static void add_source(process_step_t *s, source_t *src) {
  source_t **n = arena_alloc(A, (s->n_approvers + 1) * sizeof *n);
  if (s->n_approvers)
    memcpy(n, s->approvers, s->n_approvers * sizeof *n);
  n[s->n_approvers++] = src;
  s->approvers = n;
}

/* An approval step of the applicant's counselor. */
static process_step_t *approval(const char *key) {
  process_step_t *s = step(key, SK(APPROVAL));
  add_source(s, source(SRC(APPLICANT_GROUP), "counselor", NULL));
  return s;
}

static process_step_t *cc(const char *key) {
  process_step_t *s = step(key, SK(CC));
  add_source(s, source(SRC(APPLICANT_GROUP), "class_monitor", NULL));
  return s;
}

static branch_t *branch(const char *name, size_t n, process_step_t **steps) {
  branch_t *b = arena_alloc(A, sizeof *b);
  ehall__approvals__v1__branch__init(b);
  b->name = (char *)name;
  b->n_steps = n;
  b->steps = arena_memdup(A, steps, n * sizeof *steps);
  return b;
}

static branch_t *branch1(process_step_t *s) {
  return branch("b", 1, &s);
}

static process_step_t *parallel(const char *key, size_t n, branch_t **branches) {
  process_step_t *s = step(key, SK(PARALLEL));
  s->n_branches = n;
  s->branches = arena_memdup(A, branches, n * sizeof *branches);
  return s;
}

static process_step_t *when(process_step_t *s, const char *field, const char *op,
                            const char *value) {
  s->condition = arena_alloc(A, sizeof *s->condition);
  ehall__approvals__v1__step_condition__init(s->condition);
  s->condition->field = (char *)field;
  s->condition->op = (char *)op;
  s->condition->value = (char *)value;
  return s;
}

static process_def_t *def(size_t n, process_step_t **steps) {
  process_def_t *d = arena_alloc(A, sizeof *d);
  ehall__approvals__v1__process_definition__init(d);
  d->n_steps = n;
  d->steps = arena_memdup(A, steps, n * sizeof *steps);
  return d;
}

static const char *const FIELDS[] = {"days", "kind", "mentor", "reason"};
#define N_FIELDS (sizeof FIELDS / sizeof FIELDS[0])

/* 请假: the counselor (或签, due in 3 working days, escalated); then in parallel the college's
 * leader, and the office (half of two people) followed by a CC to the mentor named in the form;
 * then the dean when the leave is longer than 3 days. */
static process_def_t *leave(void) {
  process_step_t *s0 = approval("leave_counselor");
  s0->name = "辅导员审批";
  s0->name_en = "Counselor";
  s0->mode = MODE(ANY_OF);
  s0->due_working_days = 3;
  s0->remind_hours_before = 24;
  s0->on_due = EHALL__APPROVALS__V1__ON_DUE__ESCALATE;
  s0->when_empty = EHALL__APPROVALS__V1__WHEN_EMPTY__DEPARTMENT_ADMIN;

  process_step_t *college = step("college_leader", SK(APPROVAL));
  add_source(college, source(SRC(UNIT_GROUP), "dept_leader", "cs"));
  process_step_t *office = step("office_head", SK(APPROVAL));
  office->mode = MODE(RATIO);
  office->ratio_percent = 50;
  add_source(office, source(SRC(PERSON), "20190001", NULL));
  add_source(office, source(SRC(PERSON), "20190002", NULL));
  process_step_t *notify = step("notify_mentor", SK(CC));
  add_source(notify, source(SRC(FORM_FIELD), "mentor", NULL));
  process_step_t *office_steps[] = {office, notify};
  branch_t *branches[] = {branch("学院", 1, &college), branch("办公室", 2, office_steps)};
  process_step_t *s1 = parallel("sign_off", 2, branches);
  s1->name = "会签";

  process_step_t *s2 = when(approval("dean"), "days", "gt", "3");
  s2->mode = MODE(ALL_OF);
  process_step_t *steps[] = {s0, s1, s2};
  return def(3, steps);
}

static process_step_t *branch_step(process_def_t *d, int stage, int b, int pos) {
  return d->steps[stage]->branches[b]->steps[pos];
}

static bool has_field(const eh_err_t *err, const char *path) {
  for (int i = 0; i < err->nfields; i++)
    if (strcmp(err->fields[i].field, path) == 0)
      return true;
  return false;
}

/* The definition fails with exactly one violation, at path. */
static bool fails_at(const process_def_t *d, const char *path) {
  eh_err_t err = EH_ERR_INIT;
  bool ok = process_definition_check(A, d, FIELDS, N_FIELDS, &err);
  bool right = !ok && err.code == EH_INVALID && err.nfields == 1 && has_field(&err, path) &&
               err.fields[0].message[0] != '\0' && err.fields[0].message_en[0] != '\0';
  if (!right) {
    fprintf(stderr, "  want one violation at %s; got ok=%d nfields=%d:", path, ok, err.nfields);
    for (int i = 0; i < err.nfields; i++)
      fprintf(stderr, " %s (%s)", err.fields[i].field, err.fields[i].message_en);
    fprintf(stderr, "\n");
  }
  return right;
}

static bool passes(const process_def_t *d, const char *const *fields, size_t n_fields) {
  eh_err_t err = EH_ERR_INIT;
  bool ok = process_definition_check(A, d, fields, n_fields, &err);
  for (int i = 0; i < err.nfields; i++)
    fprintf(stderr, "  unexpected: %s (%s)\n", err.fields[i].field, err.fields[i].message_en);
  return ok && err.code == EH_OK && err.nfields == 0;
}

static char *repeat(const char *unit, size_t n) {
  size_t u = strlen(unit);
  char *s = arena_alloc(A, u * n + 1);
  for (size_t i = 0; i < n; i++)
    memcpy(s + i * u, unit, u);
  s[u * n] = '\0';
  return s;
}

/* --- definitions ------------------------------------------------------------------------------ */

static void test_definition_valid(void) {
  CHECK(passes(leave(), FIELDS, N_FIELDS));
  CHECK(passes(leave(), NULL, 0));
  /* a single approval step is a whole process; a 32-character key and a 32-character name */
  process_step_t *s = approval(repeat("k", 32));
  s->name = repeat("审", 32);
  CHECK(passes(def(1, &s), FIELDS, N_FIELDS));
  /* the only approval step may sit in a branch */
  process_step_t *b0 = approval("in_branch"), *b1 = cc("cc_branch");
  branch_t *br[] = {branch1(b0), branch1(b1)};
  process_step_t *steps[] = {cc("cc_first"), parallel("par", 2, br)};
  CHECK(passes(def(2, steps), FIELDS, N_FIELDS));
}

static void test_definition_step_count(void) {
  eh_err_t err = EH_ERR_INIT;
  CHECK(!process_definition_check(A, def(0, NULL), FIELDS, N_FIELDS, &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK(has_field(&err, "process.steps"));
  eh_err_clear(&err);
  CHECK(!process_definition_check(A, NULL, FIELDS, N_FIELDS, &err));
  CHECK(has_field(&err, "process.steps"));

  /* 27 top-level approvals + a parallel of two one-step branches = 30 steps: allowed */
  process_step_t *steps[29];
  for (int i = 0; i < 27; i++)
    steps[i] = approval(arena_printf(A, "s%d", i));
  branch_t *br[] = {branch1(approval("b0")), branch1(approval("b1"))};
  steps[27] = parallel("par", 2, br);
  CHECK(passes(def(28, steps), FIELDS, N_FIELDS));
  /* one more anywhere (here at the top level) is 31 */
  steps[28] = approval("s28");
  CHECK(fails_at(def(29, steps), "process.steps"));
  /* and one more inside a branch too */
  branch_t *br3[] = {branch1(approval("b0")),
                     branch("b", 2, (process_step_t *[]){approval("b1"), approval("b2")})};
  steps[27] = parallel("par", 2, br3);
  CHECK(fails_at(def(28, steps), "process.steps"));
}

static void test_definition_keys_and_names(void) {
  process_def_t *d = leave();
  d->steps[0]->key = "Leave-Counselor";
  CHECK(fails_at(d, "process.steps[0].key"));
  d = leave();
  d->steps[2]->key = repeat("k", 33);
  CHECK(fails_at(d, "process.steps[2].key"));
  d = leave();
  d->steps[2]->key = "2nd";
  CHECK(fails_at(d, "process.steps[2].key"));

  /* a key repeated inside a branch is named there, with the key in the message */
  d = leave();
  branch_step(d, 1, 1, 1)->key = "leave_counselor";
  CHECK(fails_at(d, "process.steps[1].branches[1].steps[1].key"));
  eh_err_t err = EH_ERR_INIT;
  CHECK(!process_definition_check(A, d, FIELDS, N_FIELDS, &err));
  CHECK_STR(err.fields[0].message, "步骤标识重复：leave_counselor");
  CHECK_STR(err.fields[0].message_en, "duplicate step key: leave_counselor");
  CHECK_STR(err.message, "步骤标识重复：leave_counselor");

  d = leave();
  d->steps[0]->name = "";
  CHECK(fails_at(d, "process.steps[0].name"));
  d = leave();
  d->steps[0]->name = repeat("审", 33);
  CHECK(fails_at(d, "process.steps[0].name"));
  d = leave();
  branch_step(d, 1, 0, 0)->name = "";
  CHECK(fails_at(d, "process.steps[1].branches[0].steps[0].name"));
}

static void test_definition_kinds_and_sources(void) {
  process_def_t *d = leave();
  d->steps[2]->kind = SK(STEP_KIND_UNSPECIFIED);
  /* the dean was the only approval outside the branches; the branches still have two */
  CHECK(fails_at(d, "process.steps[2].kind"));

  d = leave();
  d->steps[0]->n_approvers = 0;
  CHECK(fails_at(d, "process.steps[0].approvers"));
  d = leave();
  for (int i = 0; i < 5; i++)
    add_source(d->steps[2], source(SRC(PERSON), "20190001", NULL));
  CHECK_INT((int)d->steps[2]->n_approvers, 6);
  CHECK(fails_at(d, "process.steps[2].approvers"));
  d = leave();
  for (int i = 0; i < 4; i++)
    add_source(d->steps[2], source(SRC(PERSON), "20190001", NULL));
  CHECK(passes(d, FIELDS, N_FIELDS));
  d = leave();
  branch_step(d, 1, 1, 1)->n_approvers = 0; /* a CC step needs its people too */
  CHECK(fails_at(d, "process.steps[1].branches[1].steps[1].approvers"));

  /* each source complete for its kind */
  d = leave();
  d->steps[0]->approvers[0]->group_code = "Counselor";
  CHECK(fails_at(d, "process.steps[0].approvers[0].group_code"));
  d = leave();
  d->steps[0]->approvers[0]->group_code = "";
  CHECK(fails_at(d, "process.steps[0].approvers[0].group_code"));
  d = leave();
  d->steps[0]->approvers[0]->group_code = repeat("g", 65);
  CHECK(fails_at(d, "process.steps[0].approvers[0].group_code"));
  d = leave();
  branch_step(d, 1, 0, 0)->approvers[0]->unit_code = "";
  CHECK(fails_at(d, "process.steps[1].branches[0].steps[0].approvers[0].unit_code"));
  d = leave();
  branch_step(d, 1, 0, 0)->approvers[0]->group_code = "dept leader";
  CHECK(fails_at(d, "process.steps[1].branches[0].steps[0].approvers[0].group_code"));
  d = leave();
  branch_step(d, 1, 1, 0)->approvers[1]->campus_id = "";
  CHECK(fails_at(d, "process.steps[1].branches[1].steps[0].approvers[1].campus_id"));
  d = leave();
  branch_step(d, 1, 1, 0)->approvers[1]->campus_id = repeat("1", 33);
  CHECK(fails_at(d, "process.steps[1].branches[1].steps[0].approvers[1].campus_id"));
  d = leave();
  branch_step(d, 1, 1, 1)->approvers[0]->field = "tutor"; /* not a field of the form */
  CHECK(fails_at(d, "process.steps[1].branches[1].steps[1].approvers[0].field"));
  CHECK(passes(d, NULL, 0)); /* no form given: not checked */
  d = leave();
  branch_step(d, 1, 1, 1)->approvers[0]->field = "";
  CHECK(fails_at(d, "process.steps[1].branches[1].steps[1].approvers[0].field"));
  d = leave();
  d->steps[0]->approvers[0]->kind = SRC(APPROVER_KIND_UNSPECIFIED);
  CHECK(fails_at(d, "process.steps[0].approvers[0].kind"));
}

static void test_definition_modes(void) {
  process_def_t *d = leave();
  branch_step(d, 1, 1, 0)->ratio_percent = 0;
  CHECK(fails_at(d, "process.steps[1].branches[1].steps[0].ratio_percent"));
  d = leave();
  branch_step(d, 1, 1, 0)->ratio_percent = 101;
  CHECK(fails_at(d, "process.steps[1].branches[1].steps[0].ratio_percent"));
  d = leave();
  branch_step(d, 1, 1, 0)->ratio_percent = 100;
  CHECK(passes(d, FIELDS, N_FIELDS));
  d = leave();
  d->steps[2]->ratio_percent = 60; /* ALL_OF: no percentage */
  CHECK(fails_at(d, "process.steps[2].ratio_percent"));
  d = leave();
  d->steps[2]->mode = (Ehall__Approvals__V1__ApprovalMode)9;
  CHECK(fails_at(d, "process.steps[2].mode"));
  /* CC: no mode, no due time */
  d = leave();
  branch_step(d, 1, 1, 1)->mode = MODE(ALL_OF);
  CHECK(fails_at(d, "process.steps[1].branches[1].steps[1].mode"));
  d = leave();
  branch_step(d, 1, 1, 1)->due_working_days = 2;
  CHECK(fails_at(d, "process.steps[1].branches[1].steps[1].due_working_days"));
}

static void test_definition_parallel(void) {
  process_def_t *d = leave();
  d->steps[1]->n_branches = 1;
  CHECK(fails_at(d, "process.steps[1].branches"));

  branch_t *nine[9];
  for (int i = 0; i < 9; i++)
    nine[i] = branch1(approval(arena_printf(A, "p%d", i)));
  process_step_t *steps[] = {parallel("par", 9, nine)};
  CHECK(fails_at(def(1, steps), "process.steps[0].branches"));
  steps[0] = parallel("par", 8, nine);
  CHECK(passes(def(1, steps), FIELDS, N_FIELDS));

  d = leave();
  d->steps[1]->branches[1]->n_steps = 0;
  CHECK(fails_at(d, "process.steps[1].branches[1].steps"));
  d = leave();
  add_source(d->steps[1], source(SRC(APPLICANT_GROUP), "counselor", NULL));
  CHECK(fails_at(d, "process.steps[1].approvers"));
  /* no parallel inside a branch */
  d = leave();
  branch_t *inner[] = {branch1(approval("x1")), branch1(approval("x2"))};
  d->steps[1]->branches[0]->steps[0] = parallel("nested", 2, inner);
  CHECK(fails_at(d, "process.steps[1].branches[0].steps[0].kind"));
  /* branches only on a parallel step */
  d = leave();
  d->steps[2]->n_branches = 2;
  d->steps[2]->branches = d->steps[1]->branches;
  CHECK(fails_at(d, "process.steps[2].branches"));
}

static void test_definition_conditions(void) {
  process_def_t *d = leave();
  when(d->steps[2], "", "gt", "3");
  CHECK(fails_at(d, "process.steps[2].condition.field"));
  d = leave();
  when(d->steps[2], "weeks", "gt", "3");
  CHECK(fails_at(d, "process.steps[2].condition.field"));
  CHECK(passes(d, NULL, 0));
  d = leave();
  when(d->steps[2], "days", "like", "3");
  CHECK(fails_at(d, "process.steps[2].condition.op"));
  d = leave();
  when(d->steps[2], "days", "", "3");
  CHECK(fails_at(d, "process.steps[2].condition.op"));
  d = leave();
  when(d->steps[2], "reason", "in", repeat("病", 201));
  CHECK(fails_at(d, "process.steps[2].condition.value"));
  d = leave();
  when(d->steps[2], "reason", "in", repeat("病", 200));
  CHECK(passes(d, FIELDS, N_FIELDS));
  /* every op is accepted; an empty condition is no condition */
  const char *ops[] = {"eq", "ne", "gt", "ge", "lt", "le", "in"};
  for (int i = 0; i < 7; i++) {
    d = leave();
    when(branch_step(d, 1, 0, 0), "kind", ops[i], "sick");
    CHECK(passes(d, FIELDS, N_FIELDS));
  }
  d = leave();
  when(d->steps[0], "", "", "");
  CHECK(passes(d, FIELDS, N_FIELDS));
}

static void test_definition_due(void) {
  process_def_t *d = leave();
  d->steps[0]->due_working_days = 31;
  /* a due time out of range is no due time: the reminder and the escalation say so too */
  eh_err_t err = EH_ERR_INIT;
  CHECK(!process_definition_check(A, d, FIELDS, N_FIELDS, &err));
  CHECK(has_field(&err, "process.steps[0].due_working_days"));
  d = leave();
  d->steps[0]->due_working_days = 30;
  CHECK(passes(d, FIELDS, N_FIELDS));
  d = leave();
  d->steps[0]->due_working_days = -1;
  d->steps[0]->remind_hours_before = 0;
  d->steps[0]->on_due = EHALL__APPROVALS__V1__ON_DUE__NOTHING;
  CHECK(fails_at(d, "process.steps[0].due_working_days"));
  d = leave();
  d->steps[0]->remind_hours_before = 73;
  CHECK(fails_at(d, "process.steps[0].remind_hours_before"));
  d = leave();
  d->steps[0]->remind_hours_before = 72;
  CHECK(passes(d, FIELDS, N_FIELDS));
  d = leave();
  d->steps[2]->remind_hours_before = 24; /* the dean has no due time */
  CHECK(fails_at(d, "process.steps[2].remind_hours_before"));
  int needs_due[] = {EHALL__APPROVALS__V1__ON_DUE__ESCALATE,
                     EHALL__APPROVALS__V1__ON_DUE__AUTO_APPROVE_AT_DUE,
                     EHALL__APPROVALS__V1__ON_DUE__AUTO_REJECT_AT_DUE};
  for (int i = 0; i < 3; i++) {
    d = leave();
    d->steps[2]->on_due = (Ehall__Approvals__V1__OnDue)needs_due[i];
    CHECK(fails_at(d, "process.steps[2].on_due"));
  }
  d = leave();
  d->steps[2]->on_due = EHALL__APPROVALS__V1__ON_DUE__NOTHING;
  CHECK(passes(d, FIELDS, N_FIELDS));
  d = leave();
  d->steps[2]->when_empty = (Ehall__Approvals__V1__WhenEmpty)7;
  CHECK(fails_at(d, "process.steps[2].when_empty"));
}

static void test_definition_needs_an_approval(void) {
  process_step_t *steps[] = {cc("cc_a"), cc("cc_b")};
  CHECK(fails_at(def(2, steps), "process.steps"));
  eh_err_t err = EH_ERR_INIT;
  CHECK(!process_definition_check(A, def(2, steps), FIELDS, N_FIELDS, &err));
  CHECK_STR(err.message_en, "a process needs at least one approval step");
}

static void test_definition_many_errors_at_once(void) {
  process_def_t *d = leave();
  d->steps[0]->key = "Bad";                                      /* 1 */
  d->steps[0]->due_working_days = 0;                             /* 2 reminder, 3 on_due */
  branch_step(d, 1, 0, 0)->key = "dean";                         /* 4 duplicate (dean is later) */
  branch_step(d, 1, 1, 1)->approvers[0]->kind = SRC(PERSON);     /* 5 campus_id missing */
  branch_step(d, 1, 1, 0)->approvers[0]->group_code = "ignored"; /* extra data of a person: fine */
  d->steps[1]->branches[0]->steps[0]->approvers[0]->group_code = "Dept"; /* 6 */
  when(d->steps[2], "weeks", "between", "1");                            /* 7 field, 8 op */
  eh_err_t err = EH_ERR_INIT;
  CHECK(!process_definition_check(A, d, FIELDS, N_FIELDS, &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK_INT(err.nfields, 8);
  CHECK(has_field(&err, "process.steps[0].key"));
  CHECK(has_field(&err, "process.steps[0].remind_hours_before"));
  CHECK(has_field(&err, "process.steps[0].on_due"));
  CHECK(has_field(&err, "process.steps[2].key"));
  CHECK(has_field(&err, "process.steps[1].branches[1].steps[1].approvers[0].campus_id"));
  CHECK(has_field(&err, "process.steps[1].branches[0].steps[0].approvers[0].group_code"));
  CHECK(has_field(&err, "process.steps[2].condition.field"));
  CHECK(has_field(&err, "process.steps[2].condition.op"));
  /* the first problem is the error's message */
  CHECK_STR(err.message, err.fields[0].message);
}

/* --- conditions ------------------------------------------------------------------------------- */

static Google__Protobuf__Struct *values(void) {
  Google__Protobuf__Struct *s = arena_alloc(A, sizeof *s);
  google__protobuf__struct__init(s);
  return s;
}

static Google__Protobuf__Value *value(int kind) {
  Google__Protobuf__Value *v = arena_alloc(A, sizeof *v);
  google__protobuf__value__init(v);
  v->kind_case = (Google__Protobuf__Value__KindCase)kind;
  return v;
}

static void set(Google__Protobuf__Struct *s, const char *key, Google__Protobuf__Value *v) {
  Google__Protobuf__Struct__FieldsEntry **f = arena_alloc(A, (s->n_fields + 1) * sizeof *f);
  if (s->n_fields)
    memcpy(f, s->fields, s->n_fields * sizeof *f);
  f[s->n_fields] = arena_alloc(A, sizeof *f[s->n_fields]);
  google__protobuf__struct__fields_entry__init(f[s->n_fields]);
  f[s->n_fields]->key = (char *)key;
  f[s->n_fields]->value = v;
  s->fields = f;
  s->n_fields++;
}

static void set_num(Google__Protobuf__Struct *s, const char *key, double x) {
  Google__Protobuf__Value *v = value(GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE);
  v->number_value = x;
  set(s, key, v);
}

static void set_str(Google__Protobuf__Struct *s, const char *key, const char *x) {
  Google__Protobuf__Value *v = value(GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE);
  v->string_value = (char *)x;
  set(s, key, v);
}

static void set_bool(Google__Protobuf__Struct *s, const char *key, bool x) {
  Google__Protobuf__Value *v = value(GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE);
  v->bool_value = x;
  set(s, key, v);
}

static void set_list2(Google__Protobuf__Struct *s, const char *key, const char *a, const char *b) {
  Google__Protobuf__Value *v = value(GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE);
  v->list_value = arena_alloc(A, sizeof *v->list_value);
  google__protobuf__list_value__init(v->list_value);
  v->list_value->n_values = 2;
  v->list_value->values = arena_alloc(A, 2 * sizeof *v->list_value->values);
  const char *items[] = {a, b};
  for (int i = 0; i < 2; i++) {
    v->list_value->values[i] = value(GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE);
    v->list_value->values[i]->string_value = (char *)items[i];
  }
  set(s, key, v);
}

static bool holds(const Google__Protobuf__Struct *v, const char *field, const char *op,
                  const char *want) {
  Ehall__Approvals__V1__StepCondition c = EHALL__APPROVALS__V1__STEP_CONDITION__INIT;
  c.field = (char *)field;
  c.op = (char *)op;
  c.value = (char *)want;
  return process_condition_holds(&c, v);
}

static void test_condition_numbers(void) {
  Google__Protobuf__Struct *v = values();
  set_num(v, "days", 5);
  set_str(v, "text_days", "5");
  set_str(v, "ten", "10");
  CHECK(holds(v, "days", "gt", "3"));
  CHECK(!holds(v, "days", "gt", "5"));
  CHECK(holds(v, "days", "ge", "5"));
  CHECK(holds(v, "days", "eq", "5"));
  CHECK(holds(v, "days", "eq", "5.0"));
  CHECK(!holds(v, "days", "ne", "5"));
  CHECK(holds(v, "days", "ne", "6"));
  CHECK(holds(v, "days", "lt", "10")); /* as text "5" > "10" */
  CHECK(!holds(v, "days", "le", "4.5"));
  CHECK(holds(v, "days", "le", "5"));
  /* numbers written as strings compare as numbers */
  CHECK(holds(v, "text_days", "gt", "3"));
  CHECK(holds(v, "ten", "gt", "9"));
  CHECK(!holds(v, "ten", "lt", "9"));
  CHECK(holds(v, "ten", "eq", "10.00"));
  CHECK(holds(v, "text_days", "lt", "1e3"));
  /* one side not a number: text */
  CHECK(holds(v, "ten", "lt", "9a"));
  CHECK(!holds(v, "ten", "eq", "0xa"));
}

static void test_condition_text_dates_in(void) {
  Google__Protobuf__Struct *v = values();
  set_str(v, "kind", "sick");
  set_str(v, "start", "2024-10-01");
  set_str(v, "type", "病假");
  set_num(v, "level", 3);
  set_bool(v, "urgent", true);
  set_list2(v, "tags", "sick", "abroad");
  CHECK(holds(v, "kind", "eq", "sick"));
  CHECK(!holds(v, "kind", "eq", "Sick"));
  CHECK(holds(v, "kind", "ne", "personal"));
  CHECK(holds(v, "kind", "gt", "personal"));
  CHECK(holds(v, "start", "gt", "2024-09-30"));
  CHECK(holds(v, "start", "lt", "2024-10-02"));
  CHECK(holds(v, "start", "ge", "2024-10-01"));
  CHECK(!holds(v, "start", "le", "2024-09-30"));
  CHECK(holds(v, "urgent", "eq", "true"));
  CHECK(!holds(v, "urgent", "eq", "false"));
  /* in: a comma-separated list, spaces and the full-width comma allowed */
  CHECK(holds(v, "kind", "in", "personal,sick"));
  CHECK(holds(v, "kind", "in", "personal, sick "));
  CHECK(!holds(v, "kind", "in", "personal,annual"));
  CHECK(!holds(v, "kind", "in", "sic,ick"));
  CHECK(holds(v, "type", "in", "事假，病假"));
  CHECK(!holds(v, "type", "in", "事假，婚假"));
  CHECK(holds(v, "level", "in", "1,2,3"));
  CHECK(holds(v, "level", "in", "3.0"));
  CHECK(!holds(v, "level", "in", "1,2,30"));
  /* a multiple choice: eq / in when one option matches, ne when none does */
  CHECK(holds(v, "tags", "eq", "abroad"));
  CHECK(holds(v, "tags", "in", "x,abroad"));
  CHECK(!holds(v, "tags", "ne", "abroad"));
  CHECK(holds(v, "tags", "ne", "personal"));
  CHECK(!holds(v, "tags", "gt", "a"));
}

static void test_condition_missing(void) {
  Google__Protobuf__Struct *v = values();
  set(v, "nothing", value(GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE));
  const char *fields[] = {"absent", "nothing"};
  for (int i = 0; i < 2; i++) {
    CHECK(!holds(v, fields[i], "eq", ""));
    CHECK(!holds(v, fields[i], "eq", "0"));
    CHECK(holds(v, fields[i], "ne", "3"));
    CHECK(!holds(v, fields[i], "gt", "3"));
    CHECK(!holds(v, fields[i], "lt", "3"));
    CHECK(!holds(v, fields[i], "ge", ""));
    CHECK(!holds(v, fields[i], "le", "3"));
    CHECK(!holds(v, fields[i], "in", "a,b,"));
  }
  CHECK(holds(NULL, "days", "ne", "3"));
  CHECK(!holds(NULL, "days", "eq", "3"));
  /* no condition, or one without a field: the step runs */
  CHECK(process_condition_holds(NULL, v));
  CHECK(holds(v, "", "eq", "3"));
}

/* --- walking ---------------------------------------------------------------------------------- */

static bool pos_is(process_pos_t p, int stage, int b, int pos) {
  return p.stage == stage && p.branch == b && p.pos == pos;
}

/* 0 counselor (days > 3); 1 parallel: [x (kind eq sick), y] [z (days ge 10)]; 2 parallel only
 * when urgent: [u1 (urgent)] [u2 (urgent)]; 3 dean (kind ne none). */
static process_def_t *walk_def(void) {
  process_step_t *b0[] = {when(approval("x"), "kind", "eq", "sick"), approval("y")};
  process_step_t *b1[] = {when(approval("z"), "days", "ge", "10")};
  branch_t *br1[] = {branch("a", 2, b0), branch("b", 1, b1)};
  branch_t *br2[] = {branch1(when(approval("u1"), "urgent", "eq", "true")),
                     branch1(when(approval("u2"), "urgent", "eq", "true"))};
  process_step_t *steps[] = {when(approval("counselor"), "days", "gt", "3"), parallel("p1", 2, br1),
                             parallel("p2", 2, br2), when(approval("dean"), "kind", "ne", "none")};
  return def(4, steps);
}

static void test_enter(void) {
  process_def_t *d = walk_def();
  process_pos_t out[PROCESS_BRANCHES_MAX];
  size_t n = 99;
  bool end = true;

  /* short leave, no kind: the counselor is passed over; branch a skips x, branch b is empty */
  Google__Protobuf__Struct *v = values();
  set_num(v, "days", 2);
  process_enter(d, v, 0, out, &n, &end);
  CHECK(!end);
  CHECK_INT(n, 1);
  CHECK(pos_is(out[0], 1, 0, 1));

  /* 5 days of sick leave: the counselor first; then x only */
  v = values();
  set_num(v, "days", 5);
  set_str(v, "kind", "sick");
  process_enter(d, v, 0, out, &n, &end);
  CHECK(!end);
  CHECK_INT(n, 1);
  CHECK(pos_is(out[0], 0, -1, 0));
  process_enter(d, v, 1, out, &n, &end);
  CHECK_INT(n, 1);
  CHECK(pos_is(out[0], 1, 0, 0));

  /* 12 days: both branches start */
  v = values();
  set_num(v, "days", 12);
  process_enter(d, v, 1, out, &n, &end);
  CHECK(!end);
  CHECK_INT(n, 2);
  CHECK(pos_is(out[0], 1, 0, 1));
  CHECK(pos_is(out[1], 1, 1, 0));

  /* not urgent: the parallel whose branches are all empty is passed over, the dean runs */
  process_enter(d, v, 2, out, &n, &end);
  CHECK(!end);
  CHECK_INT(n, 1);
  CHECK(pos_is(out[0], 3, -1, 0));
  /* urgent: it runs */
  set_bool(v, "urgent", true);
  process_enter(d, v, 2, out, &n, &end);
  CHECK_INT(n, 2);
  CHECK(pos_is(out[0], 2, 0, 0));
  CHECK(pos_is(out[1], 2, 1, 0));

  /* after the last stage, or when every remaining stage is passed over: the end */
  process_enter(d, v, 4, out, &n, &end);
  CHECK(end);
  CHECK_INT(n, 0);
  v = values();
  set_str(v, "kind", "none");
  process_enter(d, v, 2, out, &n, &end);
  CHECK(end);
  CHECK_INT(n, 0);
  n = 99;
  end = false;
  process_enter(d, v, 3, out, &n, &end);
  CHECK(end);
  CHECK_INT(n, 0);
}

static void test_next_in_branch(void) {
  process_step_t *b0[] = {approval("a"), when(approval("b"), "days", "gt", "3"), cc("c")};
  branch_t *br[] = {branch("one", 3, b0), branch1(approval("d"))};
  process_step_t *steps[] = {approval("first"), parallel("p", 2, br)};
  process_def_t *d = def(2, steps);
  Google__Protobuf__Struct *v = values();
  set_num(v, "days", 5);
  process_pos_t next = {-9, -9, -9};
  CHECK(process_next_in_branch(d, v, (process_pos_t){1, 0, 0}, &next));
  CHECK(pos_is(next, 1, 0, 1));
  CHECK(process_next_in_branch(d, v, (process_pos_t){1, 0, 1}, &next));
  CHECK(pos_is(next, 1, 0, 2));
  CHECK(!process_next_in_branch(d, v, (process_pos_t){1, 0, 2}, &next));
  CHECK(!process_next_in_branch(d, v, (process_pos_t){1, 1, 0}, &next));
  /* b's condition fails: from a straight to c */
  v = values();
  set_num(v, "days", 1);
  CHECK(process_next_in_branch(d, v, (process_pos_t){1, 0, 0}, &next));
  CHECK(pos_is(next, 1, 0, 2));
  /* not inside a branch */
  CHECK(!process_next_in_branch(d, v, (process_pos_t){0, -1, 0}, &next));
}

static void test_find_and_step_at(void) {
  process_def_t *d = leave();
  process_pos_t at = {-9, -9, -9};
  CHECK(process_find(d, "leave_counselor", &at));
  CHECK(pos_is(at, 0, -1, 0));
  CHECK(process_find(d, "sign_off", &at));
  CHECK(pos_is(at, 1, -1, 0));
  CHECK(process_find(d, "notify_mentor", &at));
  CHECK(pos_is(at, 1, 1, 1));
  CHECK(process_find(d, "dean", &at));
  CHECK(pos_is(at, 2, -1, 0));
  CHECK(!process_find(d, "registrar", &at));
  CHECK(!process_find(d, "", &at));

  CHECK_STR(process_step_at(d, (process_pos_t){0, -1, 0})->key, "leave_counselor");
  CHECK_STR(process_step_at(d, (process_pos_t){1, 1, 0})->key, "office_head");
  CHECK_STR(process_step_at(d, (process_pos_t){1, 0, 0})->key, "college_leader");
  CHECK(process_step_at(d, (process_pos_t){3, -1, 0}) == NULL);
  CHECK(process_step_at(d, (process_pos_t){-1, -1, 0}) == NULL);
  CHECK(process_step_at(d, (process_pos_t){1, 2, 0}) == NULL);
  CHECK(process_step_at(d, (process_pos_t){1, 1, 2}) == NULL);
  CHECK(process_step_at(d, (process_pos_t){0, 0, 0}) == NULL); /* not a parallel step */
  CHECK(process_step_at(d, (process_pos_t){0, -1, 1}) == NULL);
}

static void test_return_targets(void) {
  branch_t *br[] = {branch1(approval("pa")), branch1(approval("pb"))};
  process_step_t *steps[] = {approval("a"), cc("b"), parallel("c", 2, br), approval("d"),
                             approval("e")};
  process_def_t *d = def(5, steps);
  process_pos_t out[PROCESS_STEPS_MAX];
  size_t n = 99;
  process_return_targets(d, (process_pos_t){4, -1, 0}, out, &n);
  CHECK_INT(n, 2);
  CHECK(pos_is(out[0], 0, -1, 0));
  CHECK(pos_is(out[1], 3, -1, 0));
  process_return_targets(d, (process_pos_t){2, 1, 0}, out, &n); /* from inside a branch */
  CHECK_INT(n, 1);
  CHECK(pos_is(out[0], 0, -1, 0));
  process_return_targets(d, (process_pos_t){0, -1, 0}, out, &n);
  CHECK_INT(n, 0);
}

/* --- step outcomes ---------------------------------------------------------------------------- */

#define R(state) ((process_task_t){TASK_REGULAR, TASK_##state})
#define BEFORE(state) ((process_task_t){TASK_BEFORE, TASK_##state})
#define AFTER(state) ((process_task_t){TASK_AFTER, TASK_##state})
#define TASKS(...)                                                                                 \
  (process_task_t[]){__VA_ARGS__}, sizeof((process_task_t[]){__VA_ARGS__}) / sizeof(process_task_t)

static step_outcome_t outcome(int mode, int ratio, const process_task_t *t, size_t n) {
  return process_step_outcome(mode, ratio, t, n);
}

static void test_outcome_single_any(void) {
  int modes[] = {0, MODE(SINGLE), MODE(ANY_OF)};
  for (int i = 0; i < 3; i++) {
    int m = modes[i];
    CHECK_INT(outcome(m, 0, TASKS(R(PENDING))), STEP_OPEN);
    CHECK_INT(outcome(m, 0, TASKS(R(APPROVED))), STEP_PASSED);
    CHECK_INT(outcome(m, 0, TASKS(R(REJECTED))), STEP_FAILED);
    /* 或签: one approval is enough, the others (cancelled or still pending) do not matter */
    CHECK_INT(outcome(m, 0, TASKS(R(PENDING), R(APPROVED), R(PENDING))), STEP_PASSED);
    CHECK_INT(outcome(m, 0, TASKS(R(CANCELLED), R(APPROVED), R(CANCELLED))), STEP_PASSED);
    CHECK_INT(outcome(m, 0, TASKS(R(PENDING), R(REJECTED), R(PENDING))), STEP_FAILED);
    CHECK_INT(outcome(m, 0, TASKS(R(PENDING), R(PENDING))), STEP_OPEN);
    /* a transfer: the old task does not count, the new one decides */
    CHECK_INT(outcome(m, 0, TASKS(R(TRANSFERRED), R(PENDING))), STEP_OPEN);
    CHECK_INT(outcome(m, 0, TASKS(R(TRANSFERRED), R(APPROVED))), STEP_PASSED);
    CHECK_INT(outcome(m, 0, TASKS(R(TRANSFERRED))), STEP_OPEN);
  }
}

static void test_outcome_all_of(void) {
  int m = MODE(ALL_OF);
  CHECK_INT(outcome(m, 0, TASKS(R(APPROVED), R(PENDING), R(APPROVED))), STEP_OPEN);
  CHECK_INT(outcome(m, 0, TASKS(R(APPROVED), R(APPROVED), R(APPROVED))), STEP_PASSED);
  CHECK_INT(outcome(m, 0, TASKS(R(APPROVED), R(REJECTED), R(PENDING))), STEP_FAILED);
  CHECK_INT(outcome(m, 0, TASKS(R(REJECTED), R(APPROVED), R(APPROVED))), STEP_FAILED);
  /* transferred and cancelled tasks are not waited for */
  CHECK_INT(outcome(m, 0, TASKS(R(APPROVED), R(TRANSFERRED), R(APPROVED))), STEP_PASSED);
  CHECK_INT(outcome(m, 0, TASKS(R(APPROVED), R(CANCELLED))), STEP_PASSED);
  CHECK_INT(outcome(m, 0, TASKS(R(APPROVED), R(WAITING))), STEP_OPEN);
  /* CC tasks never count */
  CHECK_INT(outcome(m, 0, TASKS(R(APPROVED), ((process_task_t){TASK_CC, TASK_CC_UNREAD}))),
            STEP_PASSED);
}

static void test_outcome_ratio(void) {
  int m = MODE(RATIO);
  /* 50% of 4: two approvals pass, whatever the others do */
  CHECK_INT(outcome(m, 50, TASKS(R(APPROVED), R(PENDING), R(PENDING), R(PENDING))), STEP_OPEN);
  CHECK_INT(outcome(m, 50, TASKS(R(APPROVED), R(APPROVED), R(PENDING), R(PENDING))), STEP_PASSED);
  CHECK_INT(outcome(m, 50, TASKS(R(APPROVED), R(APPROVED), R(REJECTED), R(REJECTED))), STEP_PASSED);
  /* 60% of 3 needs two: one rejection leaves it open, two make it unreachable */
  CHECK_INT(outcome(m, 60, TASKS(R(REJECTED), R(PENDING), R(PENDING))), STEP_OPEN);
  CHECK_INT(outcome(m, 60, TASKS(R(REJECTED), R(REJECTED), R(PENDING))), STEP_FAILED);
  CHECK_INT(outcome(m, 60, TASKS(R(REJECTED), R(APPROVED), R(PENDING))), STEP_OPEN);
  CHECK_INT(outcome(m, 60, TASKS(R(REJECTED), R(APPROVED), R(APPROVED))), STEP_PASSED);
  /* 67% of 3: two approvals are 66.7%, not enough */
  CHECK_INT(outcome(m, 67, TASKS(R(APPROVED), R(APPROVED), R(PENDING))), STEP_OPEN);
  CHECK_INT(outcome(m, 67, TASKS(R(APPROVED), R(APPROVED), R(REJECTED))), STEP_FAILED);
  CHECK_INT(outcome(m, 66, TASKS(R(APPROVED), R(APPROVED), R(REJECTED))), STEP_PASSED);
  /* 100% is 会签 */
  CHECK_INT(outcome(m, 100, TASKS(R(APPROVED), R(REJECTED))), STEP_FAILED);
  CHECK_INT(outcome(m, 100, TASKS(R(APPROVED), R(APPROVED))), STEP_PASSED);
  /* transferred and cancelled are out of the count: 1 of 2 counted is 50% */
  CHECK_INT(outcome(m, 50, TASKS(R(APPROVED), R(TRANSFERRED), R(CANCELLED), R(PENDING))),
            STEP_PASSED);
  CHECK_INT(outcome(m, 60, TASKS(R(APPROVED), R(TRANSFERRED), R(CANCELLED), R(PENDING))),
            STEP_OPEN);
  CHECK_INT(outcome(m, 60, TASKS(R(APPROVED), R(TRANSFERRED), R(CANCELLED), R(REJECTED))),
            STEP_FAILED);
}

static void test_outcome_added_signers(void) {
  int modes[] = {0, MODE(SINGLE), MODE(ANY_OF), MODE(ALL_OF), MODE(RATIO)};
  for (int i = 0; i < 5; i++) {
    int m = modes[i];
    /* a signer added before the approver: the approver waits; nothing decided yet */
    CHECK_INT(outcome(m, 50, TASKS(R(WAITING), BEFORE(PENDING))), STEP_OPEN);
    /* the signer before approved, the approver has it back and approves */
    CHECK_INT(outcome(m, 50, TASKS(R(APPROVED), BEFORE(APPROVED))), STEP_PASSED);
    /* a signer added after: the step waits for him */
    CHECK_INT(outcome(m, 50, TASKS(R(APPROVED), AFTER(PENDING))), STEP_OPEN);
    CHECK_INT(outcome(m, 50, TASKS(R(APPROVED), AFTER(WAITING))), STEP_OPEN);
    CHECK_INT(outcome(m, 50, TASKS(R(APPROVED), AFTER(APPROVED))), STEP_PASSED);
    /* an added signer's rejection fails the step in every mode */
    CHECK_INT(outcome(m, 50, TASKS(R(APPROVED), AFTER(REJECTED))), STEP_FAILED);
    CHECK_INT(outcome(m, 50, TASKS(R(WAITING), BEFORE(REJECTED))), STEP_FAILED);
    /* an added signer who was transferred away is not waited for */
    CHECK_INT(outcome(m, 50, TASKS(R(APPROVED), AFTER(TRANSFERRED), AFTER(APPROVED))), STEP_PASSED);
  }
  /* an added signer's approval is not one of the step's approvals */
  CHECK_INT(outcome(MODE(ALL_OF), 0, TASKS(R(PENDING), AFTER(APPROVED))), STEP_OPEN);
  CHECK_INT(outcome(MODE(ANY_OF), 0, TASKS(R(WAITING), BEFORE(APPROVED))), STEP_OPEN);
  CHECK_INT(outcome(MODE(RATIO), 50, TASKS(R(PENDING), R(PENDING), BEFORE(APPROVED))), STEP_OPEN);
}

/* --- actions ---------------------------------------------------------------------------------- */

#define BIT(x) (1u << ACT(x))

static void test_actions_allowed(void) {
  unsigned all = BIT(APPROVE) | BIT(REJECT) | BIT(RETURN_TO_APPLICANT) | BIT(RETURN_TO_STEP) |
                 BIT(TRANSFER) | BIT(ADD_SIGNER_BEFORE) | BIT(ADD_SIGNER_AFTER) | BIT(COMMENT);
  unsigned added = BIT(APPROVE) | BIT(REJECT) | BIT(COMMENT);
  CHECK_INT(process_actions_allowed(TASK_REGULAR, TASK_PENDING, true), all);
  CHECK_INT(process_actions_allowed(TASK_REGULAR, TASK_PENDING, false), all & ~BIT(RETURN_TO_STEP));
  unsigned m = process_actions_allowed(TASK_REGULAR, TASK_PENDING, false);
  CHECK(PROCESS_ALLOWS(m, ACT(TRANSFER)));
  CHECK(!PROCESS_ALLOWS(m, ACT(RETURN_TO_STEP)));
  CHECK(!PROCESS_ALLOWS(m, ACT(ACTION_UNSPECIFIED)));
  for (int h = 0; h < 2; h++) {
    CHECK_INT(process_actions_allowed(TASK_BEFORE, TASK_PENDING, h), added);
    CHECK_INT(process_actions_allowed(TASK_AFTER, TASK_PENDING, h), added);
    CHECK_INT(process_actions_allowed(TASK_REGULAR, TASK_WAITING, h), BIT(COMMENT));
    CHECK_INT(process_actions_allowed(TASK_AFTER, TASK_WAITING, h), BIT(COMMENT));
    CHECK_INT(process_actions_allowed(TASK_BEFORE, TASK_WAITING, h), BIT(COMMENT));
  }
  int kinds[] = {TASK_REGULAR, TASK_BEFORE, TASK_AFTER};
  int done[] = {TASK_APPROVED,  TASK_REJECTED,  TASK_RETURNED, TASK_TRANSFERRED,
                TASK_CANCELLED, TASK_CC_UNREAD, TASK_CC_READ,  0};
  for (int k = 0; k < 3; k++)
    for (int s = 0; s < 8; s++)
      CHECK_INT(process_actions_allowed(kinds[k], done[s], true), 0);
  for (int s = TASK_PENDING; s <= TASK_CC_READ; s++)
    CHECK_INT(process_actions_allowed(TASK_CC, s, true), 0);
}

static bool refused_at(int action, const char *opinion, const char *target, const char *step,
                       const char *path, int nfields) {
  eh_err_t err = EH_ERR_INIT;
  bool ok = process_request_check(action, opinion, target, step, &err);
  return !ok && err.code == EH_INVALID && err.nfields == nfields && has_field(&err, path);
}

static bool accepted(int action, const char *opinion, const char *target, const char *step) {
  eh_err_t err = EH_ERR_INIT;
  return process_request_check(action, opinion, target, step, &err) && err.code == EH_OK;
}

static void test_request_check(void) {
  CHECK(accepted(ACT(APPROVE), "", "", ""));
  CHECK(accepted(ACT(APPROVE), NULL, NULL, NULL));
  CHECK(accepted(ACT(APPROVE), "同意", "", ""));
  CHECK(accepted(ACT(COMMENT), "请补充材料", "", ""));
  /* reject and both returns need an opinion (spaces are none) */
  CHECK(refused_at(ACT(REJECT), "", "", "", "opinion", 1));
  CHECK(refused_at(ACT(REJECT), " \n\xe3\x80\x80 ", "", "", "opinion", 1));
  CHECK(accepted(ACT(REJECT), "材料不全", "", ""));
  CHECK(refused_at(ACT(RETURN_TO_APPLICANT), NULL, "", "", "opinion", 1));
  CHECK(accepted(ACT(RETURN_TO_APPLICANT), "请补充病历", "", ""));
  CHECK(refused_at(ACT(RETURN_TO_STEP), "", "", "", "opinion", 2));
  CHECK(refused_at(ACT(RETURN_TO_STEP), "", "", "", "return_to_step", 2));
  CHECK(refused_at(ACT(RETURN_TO_STEP), "重新审核", "", "Bad Key", "return_to_step", 1));
  CHECK(accepted(ACT(RETURN_TO_STEP), "重新审核", "", "leave_counselor"));
  /* transfer and add signer need a target */
  int targeted[] = {ACT(TRANSFER), ACT(ADD_SIGNER_BEFORE), ACT(ADD_SIGNER_AFTER)};
  for (int i = 0; i < 3; i++) {
    CHECK(refused_at(targeted[i], "", "", "", "target_campus_id", 1));
    CHECK(refused_at(targeted[i], "", "2019 0001", "", "target_campus_id", 1));
    CHECK(refused_at(targeted[i], "", repeat("1", 33), "", "target_campus_id", 1));
    CHECK(accepted(targeted[i], "", repeat("1", 32), ""));
    CHECK(accepted(targeted[i], "", "20190001", ""));
  }
  /* the opinion's length is counted in characters: 1000 Chinese characters (3000 bytes) */
  const char *zh1000 = repeat("意", 1000), *zh1001 = repeat("意", 1001);
  CHECK_INT(strlen(zh1000), 3000);
  CHECK(accepted(ACT(APPROVE), zh1000, "", ""));
  CHECK(accepted(ACT(REJECT), zh1000, "", ""));
  CHECK(refused_at(ACT(APPROVE), zh1001, "", "", "opinion", 1));
  CHECK(refused_at(ACT(REJECT), zh1001, "", "", "opinion", 1));
  CHECK(accepted(ACT(APPROVE), repeat("a", 1000), "", ""));
  CHECK(refused_at(ACT(APPROVE), repeat("a", 1001), "", "", "opinion", 1));
  CHECK(refused_at(ACT(APPROVE), "\xff\xfe", "", "", "opinion", 1));
  /* actions no task holder takes */
  CHECK(refused_at(ACT(ACTION_UNSPECIFIED), "", "", "", "action", 1));
  CHECK(refused_at(9, "", "", "", "action", 1));
  CHECK(refused_at(-1, "", "", "", "action", 1));
  /* several problems at once */
  CHECK(refused_at(ACT(RETURN_TO_STEP), zh1001, "", "", "opinion", 2));
}

/* --- who acts --------------------------------------------------------------------------------- */

static void test_may_act(void) {
  enum { APPLICANT = 10, MEMBER = 20, DELEGATE = 30, OTHER = 40, GROUP = 7, OTHER_GROUP = 8 };
  int64_t acting = -1;
  /* the assignee himself */
  CHECK(process_may_act(MEMBER, APPLICANT, MEMBER, GROUP, NULL, 0, &acting));
  CHECK_INT(acting, 0);
  /* a delegate for every group */
  process_delegation_t every[] = {{OTHER, 0}, {MEMBER, 0}};
  acting = -1;
  CHECK(process_may_act(DELEGATE, APPLICANT, MEMBER, GROUP, every, 2, &acting));
  CHECK_INT(acting, MEMBER);
  acting = -1;
  CHECK(process_may_act(DELEGATE, APPLICANT, MEMBER, 0, every, 2, &acting));
  CHECK_INT(acting, MEMBER);
  /* a delegate for the step's group */
  process_delegation_t this_group[] = {{MEMBER, GROUP}};
  acting = -1;
  CHECK(process_may_act(DELEGATE, APPLICANT, MEMBER, GROUP, this_group, 1, &acting));
  CHECK_INT(acting, MEMBER);
  /* a delegate for another group, or for a group when the step named the person: no */
  process_delegation_t other_group[] = {{MEMBER, OTHER_GROUP}};
  acting = -1;
  CHECK(!process_may_act(DELEGATE, APPLICANT, MEMBER, GROUP, other_group, 1, &acting));
  CHECK_INT(acting, 0);
  CHECK(!process_may_act(DELEGATE, APPLICANT, MEMBER, 0, this_group, 1, &acting));
  /* someone else's delegation */
  process_delegation_t someone[] = {{OTHER, 0}};
  CHECK(!process_may_act(DELEGATE, APPLICANT, MEMBER, GROUP, someone, 1, &acting));
  CHECK(!process_may_act(OTHER, APPLICANT, MEMBER, GROUP, NULL, 0, &acting));
  /* the applicant never: not as the assignee, not as a delegate */
  CHECK(!process_may_act(APPLICANT, APPLICANT, APPLICANT, GROUP, NULL, 0, &acting));
  CHECK(!process_may_act(APPLICANT, APPLICANT, MEMBER, GROUP, every, 2, &acting));
  CHECK_INT(acting, 0);
}

static void test_approvers_merge(void) {
  enum { APPLICANT = 10 };
  process_approver_t out[64];
  /* duplicates: the first occurrence wins */
  process_approver_t in1[] = {{21, 0}, {22, 0}, {21, 0}, {23, 24}, {22, 25}, {23, 0}};
  size_t n = process_approvers_merge(in1, 6, APPLICANT, out);
  CHECK_INT(n, 3);
  CHECK_INT(out[0].account_id, 21);
  CHECK_INT(out[1].account_id, 22);
  CHECK_INT(out[1].acting_for_id, 0);
  CHECK_INT(out[2].account_id, 23);
  CHECK_INT(out[2].acting_for_id, 24);
  /* the applicant is dropped; a delegate acting for him too */
  process_approver_t in2[] = {{APPLICANT, 0}, {21, 0}, {30, APPLICANT}};
  n = process_approvers_merge(in2, 3, APPLICANT, out);
  CHECK_INT(n, 1);
  CHECK_INT(out[0].account_id, 21);
  /* the applicant is a member's delegate: the member gets the task himself */
  process_approver_t in3[] = {{APPLICANT, 20}, {21, 0}};
  n = process_approvers_merge(in3, 2, APPLICANT, out);
  CHECK_INT(n, 2);
  CHECK_INT(out[0].account_id, 20);
  CHECK_INT(out[0].acting_for_id, 0);
  CHECK_INT(out[1].account_id, 21);
  /* ... once, when he was already there */
  process_approver_t in4[] = {{20, 0}, {APPLICANT, 20}};
  n = process_approvers_merge(in4, 2, APPLICANT, out);
  CHECK_INT(n, 1);
  CHECK_INT(out[0].account_id, 20);
  /* at most 50 */
  process_approver_t in5[60];
  for (int i = 0; i < 60; i++)
    in5[i] = (process_approver_t){100 + i, 0};
  n = process_approvers_merge(in5, 60, APPLICANT, out);
  CHECK_INT(n, PROCESS_APPROVERS_MAX);
  CHECK_INT(out[49].account_id, 149);
  CHECK_INT(process_approvers_merge(in5, 0, APPLICANT, out), 0);
}

int main(void) {
  A = arena_create(0);
  RUN(test_definition_valid);
  RUN(test_definition_step_count);
  RUN(test_definition_keys_and_names);
  RUN(test_definition_kinds_and_sources);
  RUN(test_definition_modes);
  RUN(test_definition_parallel);
  RUN(test_definition_conditions);
  RUN(test_definition_due);
  RUN(test_definition_needs_an_approval);
  RUN(test_definition_many_errors_at_once);
  RUN(test_condition_numbers);
  RUN(test_condition_text_dates_in);
  RUN(test_condition_missing);
  RUN(test_enter);
  RUN(test_next_in_branch);
  RUN(test_find_and_step_at);
  RUN(test_return_targets);
  RUN(test_outcome_single_any);
  RUN(test_outcome_all_of);
  RUN(test_outcome_ratio);
  RUN(test_outcome_added_signers);
  RUN(test_actions_allowed);
  RUN(test_request_check);
  RUN(test_may_act);
  RUN(test_approvers_merge);
  arena_destroy(A);
  return test_done();
}
