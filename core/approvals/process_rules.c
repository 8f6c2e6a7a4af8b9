/*
 * process_rules.c — process definitions, walking them, deciding steps, actions and who acts
 * (process_rules.h). Pure: no I/O, no logging, no clock; everything it needs comes in as
 * arguments, so the service can call it inside its transaction and the tests can call it alone.
 */
#include "core/approvals/process_rules.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/text.h"
#include "core/forms/form_rules.h"

typedef Ehall__Approvals__V1__StepCondition cond_t;
typedef Ehall__Approvals__V1__ApproverSource source_t;
typedef Google__Protobuf__Value value_t;

#define KIND(x) EHALL__APPROVALS__V1__STEP_KIND__##x
#define MODE(x) EHALL__APPROVALS__V1__APPROVAL_MODE__##x
#define SRC(x) EHALL__APPROVALS__V1__APPROVER_KIND__##x
#define ACT(x) EHALL__APPROVALS__V1__ACTION__##x

#define CONDITION_VALUE_MAX 200
#define STEP_NAME_MAX 32
#define STEP_NAME_EN_MAX 64
#define BRANCH_NAME_MAX 32

static const char *str(const char *s) {
  return s != NULL ? s : "";
}

static bool bad(eh_err_t *err, const char *path, const char *zh, const char *en) {
  return eh_err_set(err, EH_INVALID, path, "%s%.0s", "%.0s%s", zh, en);
}

static bool text_ok(const char *s, long min, long max) {
  long n = text_utf8_length(str(s), strlen(str(s)));
  return n >= min && n <= max;
}

static bool is_group_code(const char *g) {
  size_t n = strlen(str(g));
  if (n < 1 || n > 64)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((g[i] >= 'a' && g[i] <= 'z') || (g[i] >= '0' && g[i] <= '9') || g[i] == '_'))
      return false;
  return true;
}

static bool cond_set(const cond_t *c) {
  return c != NULL && (str(c->field)[0] || str(c->op)[0] || str(c->value)[0]);
}

/* --- definitions ------------------------------------------------------------------------------ */

typedef struct {
  arena_t *a;
  const char *const *fields; /* NULL: not checked */
  size_t n_fields;
  eh_err_t *err;
  const char *keys[PROCESS_STEPS_MAX];
  size_t n_keys;
  int approvals;
} dctx_t;

static bool form_has(const dctx_t *c, const char *field) {
  if (c->fields == NULL)
    return true;
  for (size_t i = 0; i < c->n_fields; i++)
    if (c->fields[i] != NULL && strcmp(c->fields[i], field) == 0)
      return true;
  return false;
}

static bool field_check(dctx_t *c, const char *field, const char *path, const char *zh_missing,
                        const char *en_missing) {
  if (str(field)[0] == '\0')
    return bad(c->err, path, zh_missing, en_missing);
  if (!form_has(c, field))
    return eh_err_set(c->err, EH_INVALID, path, "表单中没有字段：%.64s",
                      "the form has no field %.64s", field);
  return true;
}

static bool source_check(dctx_t *c, const source_t *s, const char *p) {
  arena_t *a = c->a;
  bool ok = true;
  switch ((int)s->kind) {
  case SRC(APPLICANT_GROUP):
  case SRC(UNIT_GROUP):
    if (!is_group_code(s->group_code))
      ok = bad(c->err, arena_printf(a, "%s.group_code", p),
               "请选择审批组（代码为小写字母、数字和下划线，最多 64 个字符）",
               "choose an approver group (a code of a-z, 0-9 and _, at most 64 characters)");
    if ((int)s->kind == SRC(UNIT_GROUP) && !text_is_code(str(s->unit_code), 64))
      ok = bad(c->err, arena_printf(a, "%s.unit_code", p), "请选择审批组所在的单位",
               "choose the unit whose group approves");
    break;
  case SRC(PERSON):
    if (!text_is_code(str(s->campus_id), 32))
      ok = bad(c->err, arena_printf(a, "%s.campus_id", p),
               "请填写审批人的学工号（最多 32 个字母、数字或 _ . -）",
               "enter the approver's campus id (at most 32 letters, digits or _ . -)");
    break;
  case SRC(FORM_FIELD):
    ok =
        field_check(c, s->field, arena_printf(a, "%s.field", p), "请选择填写审批人学工号的表单字段",
                    "choose the form field that holds the approver's campus id");
    break;
  default:
    ok = bad(c->err, arena_printf(a, "%s.kind", p),
             "请选择审批人来源（申请人的审批组、指定单位的审批组、指定人员或表单字段）",
             "choose where approvers come from: the applicant's group, a unit's group, a person "
             "or a form field");
  }
  return ok;
}

static bool condition_check(dctx_t *c, const cond_t *x, const char *p) {
  static const char *const ops[] = {"eq", "ne", "gt", "ge", "lt", "le", "in"};
  arena_t *a = c->a;
  bool ok = true;
  if (!cond_set(x))
    return true;
  ok &= field_check(c, x->field, arena_printf(a, "%s.condition.field", p),
                    "请选择条件所依据的表单字段", "choose the form field the condition tests");
  bool op_known = false;
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    op_known |= strcmp(str(x->op), ops[i]) == 0;
  if (!op_known)
    ok = bad(c->err, arena_printf(a, "%s.condition.op", p),
             "条件的比较方式应为 eq、ne、gt、ge、lt、le 或 in",
             "the condition's op is one of eq, ne, gt, ge, lt, le, in");
  if (!text_ok(x->value, 0, CONDITION_VALUE_MAX))
    ok = bad(c->err, arena_printf(a, "%s.condition.value", p), "条件的取值最多 200 个字",
             "the condition's value has at most 200 characters");
  return ok;
}

static bool step_check(dctx_t *c, const process_step_t *s, const char *p, bool in_branch) {
  arena_t *a = c->a;
  eh_err_t *err = c->err;
  bool ok = true;
  int kind = (int)s->kind, mode = (int)s->mode;
  bool approval = kind == KIND(APPROVAL), cc = kind == KIND(CC), parallel = kind == KIND(PARALLEL);

  if (!text_is_key(s->key)) {
    ok = bad(err, arena_printf(a, "%s.key", p),
             "步骤标识应以小写字母开头，只含小写字母、数字和下划线，最多 32 个字符",
             "a step key starts with a lower-case letter and has only a-z, 0-9 and _, at most 32");
  } else {
    bool dup = false;
    for (size_t i = 0; i < c->n_keys && !dup; i++)
      dup = strcmp(c->keys[i], s->key) == 0;
    if (dup)
      ok = eh_err_set(err, EH_INVALID, arena_printf(a, "%s.key", p), "步骤标识重复：%s",
                      "duplicate step key: %s", s->key);
    else if (c->n_keys < PROCESS_STEPS_MAX)
      c->keys[c->n_keys++] = s->key;
  }
  if (!text_ok(s->name, 1, STEP_NAME_MAX))
    ok = bad(err, arena_printf(a, "%s.name", p), "请填写步骤名称（最多 32 个字）",
             "a step name of 1–32 characters is required");
  if (!text_ok(s->name_en, 0, STEP_NAME_EN_MAX))
    ok = bad(err, arena_printf(a, "%s.name_en", p), "英文名称最多 64 个字符",
             "the English name has at most 64 characters");

  if (in_branch && parallel)
    ok = bad(err, arena_printf(a, "%s.kind", p), "分支中的步骤只能是审批或抄送，不能再嵌套并行",
             "a step inside a branch is an approval or a CC step, not another parallel step");
  else if (!approval && !cc && !parallel)
    ok = bad(err, arena_printf(a, "%s.kind", p), "请选择步骤类型（审批、抄送或并行）",
             "choose the step's kind: approval, CC or parallel");
  if (approval)
    c->approvals++;

  /* mode and ratio */
  if (mode < MODE(APPROVAL_MODE_UNSPECIFIED) || mode > MODE(RATIO))
    ok = bad(err, arena_printf(a, "%s.mode", p), "请选择审批方式", "choose an approval mode");
  else if (cc && mode != 0)
    ok = bad(err, arena_printf(a, "%s.mode", p), "抄送步骤不设审批方式",
             "a CC step has no approval mode");
  else if (parallel && mode != 0)
    ok = bad(err, arena_printf(a, "%s.mode", p), "并行步骤不设审批方式，请在各分支的步骤上设置",
             "a parallel step has no approval mode; set it on the steps of its branches");
  if (mode == MODE(RATIO)) {
    if (s->ratio_percent < 1 || s->ratio_percent > 100)
      ok = bad(err, arena_printf(a, "%s.ratio_percent", p),
               "按比例通过需要设置 1 到 100 的通过比例（%）",
               "a ratio step needs a pass percentage of 1–100");
  } else if (s->ratio_percent != 0) {
    ok = bad(err, arena_printf(a, "%s.ratio_percent", p), "只有按比例通过的步骤才设置通过比例",
             "only a ratio step has a pass percentage");
  }

  /* approvers */
  if (approval || cc) {
    if (s->n_approvers < 1 || s->n_approvers > PROCESS_SOURCES_MAX)
      ok = bad(err, arena_printf(a, "%s.approvers", p),
               cc ? "请设置 1 到 5 个抄送人来源" : "请设置 1 到 5 个审批人来源",
               cc ? "set 1–5 sources of CC recipients" : "set 1–5 sources of approvers");
    for (size_t i = 0; i < s->n_approvers; i++)
      ok &= source_check(c, s->approvers[i], arena_printf(a, "%s.approvers[%zu]", p, i));
  } else if (parallel && s->n_approvers > 0) {
    ok = bad(err, arena_printf(a, "%s.approvers", p), "并行步骤不设审批人，请在各分支的步骤上设置",
             "a parallel step has no approvers; set them on the steps of its branches");
  }

  /* branches */
  if (parallel && !in_branch) {
    if (s->n_branches < 2 || s->n_branches > PROCESS_BRANCHES_MAX)
      ok = bad(err, arena_printf(a, "%s.branches", p), "并行步骤需要 2 到 8 个分支",
               "a parallel step needs 2–8 branches");
    for (size_t b = 0; b < s->n_branches; b++) {
      const Ehall__Approvals__V1__Branch *br = s->branches[b];
      const char *bp = arena_printf(a, "%s.branches[%zu]", p, b);
      if (!text_ok(br->name, 0, BRANCH_NAME_MAX))
        ok = bad(err, arena_printf(a, "%s.name", bp), "分支名称最多 32 个字",
                 "a branch name has at most 32 characters");
      if (br->n_steps < 1)
        ok = bad(err, arena_printf(a, "%s.steps", bp), "每个分支至少需要一个步骤",
                 "each branch needs at least one step");
      for (size_t j = 0; j < br->n_steps; j++)
        ok &= step_check(c, br->steps[j], arena_printf(a, "%s.steps[%zu]", bp, j), true);
    }
  } else if (s->n_branches > 0 && !parallel) { /* a nested parallel: its kind says it all */
    ok = bad(err, arena_printf(a, "%s.branches", p), "只有并行步骤才有分支",
             "only a parallel step has branches");
  }

  ok &= condition_check(c, s->condition, p);

  /* due time, reminder, what happens at due */
  int due = s->due_working_days;
  if (due < 0 || due > PROCESS_DUE_DAYS_MAX)
    ok = bad(err, arena_printf(a, "%s.due_working_days", p),
             "办理期限应为 0 到 30 个工作日（0 表示不限）",
             "the due time is 0–30 working days (0: none)");
  else if (due > 0 && !approval)
    ok = bad(err, arena_printf(a, "%s.due_working_days", p),
             cc ? "抄送步骤不设办理期限" : "并行步骤不设办理期限，请在各分支的步骤上设置",
             cc ? "a CC step has no due time"
                : "a parallel step has no due time; set it on the steps of its branches");
  bool has_due = approval && due > 0 && due <= PROCESS_DUE_DAYS_MAX;
  if (s->remind_hours_before < 0 || s->remind_hours_before > PROCESS_REMIND_HOURS_MAX)
    ok = bad(err, arena_printf(a, "%s.remind_hours_before", p), "到期前提醒应为 0 到 72 小时",
             "the reminder is 0–72 hours before due");
  else if (s->remind_hours_before > 0 && !has_due)
    ok = bad(err, arena_printf(a, "%s.remind_hours_before", p), "请先设置办理期限，才能到期前提醒",
             "a reminder needs a due time");
  int on_due = (int)s->on_due;
  if (on_due < EHALL__APPROVALS__V1__ON_DUE__ON_DUE_UNSPECIFIED ||
      on_due > EHALL__APPROVALS__V1__ON_DUE__AUTO_REJECT_AT_DUE)
    ok = bad(err, arena_printf(a, "%s.on_due", p), "请选择到期后的处理方式",
             "choose what happens at the due time");
  else if (on_due > EHALL__APPROVALS__V1__ON_DUE__NOTHING && !has_due)
    ok = bad(err, arena_printf(a, "%s.on_due", p), "请先设置办理期限，才能设置到期后的处理",
             "what happens at the due time needs a due time");
  int when_empty = (int)s->when_empty;
  if (when_empty < EHALL__APPROVALS__V1__WHEN_EMPTY__WHEN_EMPTY_UNSPECIFIED ||
      when_empty > EHALL__APPROVALS__V1__WHEN_EMPTY__DEPARTMENT_ADMIN)
    ok = bad(err, arena_printf(a, "%s.when_empty", p), "请选择找不到审批人时的处理方式",
             "choose what happens when nobody resolves");
  return ok;
}

bool process_definition_check(arena_t *a, const process_def_t *p, const char *const *fields,
                              size_t n_fields, eh_err_t *err) {
  size_t n = p != NULL ? p->n_steps : 0, total = n;
  for (size_t i = 0; i < n; i++)
    if ((int)p->steps[i]->kind == KIND(PARALLEL))
      for (size_t b = 0; b < p->steps[i]->n_branches; b++)
        total += p->steps[i]->branches[b]->n_steps;
  if (n == 0)
    return bad(err, "process.steps", "流程至少需要一个步骤", "a process needs at least one step");
  if (total > PROCESS_STEPS_MAX)
    return eh_err_set(err, EH_INVALID, "process.steps",
                      "流程最多 %d 个步骤（含并行分支中的步骤），现有 %zu 个",
                      "a process has at most %d steps (those in branches included); this one has "
                      "%zu",
                      PROCESS_STEPS_MAX, total);
  dctx_t c = {.a = a, .fields = fields, .n_fields = n_fields, .err = err};
  bool ok = true;
  for (size_t i = 0; i < n; i++)
    ok &= step_check(&c, p->steps[i], arena_printf(a, "process.steps[%zu]", i), false);
  if (c.approvals == 0)
    ok = bad(err, "process.steps", "流程中至少需要一个审批步骤",
             "a process needs at least one approval step");
  return ok;
}

/* --- walking ---------------------------------------------------------------------------------- */

const process_step_t *process_step_at(const process_def_t *p, process_pos_t at) {
  if (p == NULL || at.stage < 0 || (size_t)at.stage >= p->n_steps)
    return NULL;
  const process_step_t *s = p->steps[at.stage];
  if (at.branch < 0)
    return at.branch == -1 && at.pos == 0 ? s : NULL;
  if ((int)s->kind != KIND(PARALLEL) || (size_t)at.branch >= s->n_branches)
    return NULL;
  const Ehall__Approvals__V1__Branch *b = s->branches[at.branch];
  if (at.pos < 0 || (size_t)at.pos >= b->n_steps)
    return NULL;
  return b->steps[at.pos];
}

bool process_find(const process_def_t *p, const char *key, process_pos_t *at) {
  if (p == NULL || key == NULL || key[0] == '\0')
    return false;
  for (size_t i = 0; i < p->n_steps; i++)
    if (strcmp(str(p->steps[i]->key), key) == 0) {
      *at = (process_pos_t){(int)i, -1, 0};
      return true;
    }
  for (size_t i = 0; i < p->n_steps; i++) {
    const process_step_t *s = p->steps[i];
    if ((int)s->kind != KIND(PARALLEL))
      continue;
    for (size_t b = 0; b < s->n_branches; b++)
      for (size_t j = 0; j < s->branches[b]->n_steps; j++)
        if (strcmp(str(s->branches[b]->steps[j]->key), key) == 0) {
          *at = (process_pos_t){(int)i, (int)b, (int)j};
          return true;
        }
  }
  return false;
}

/* A plain decimal number ("5", "-2.5", "1e3"); not "0x10", "inf", " 5" or "". */
static bool read_number(const char *s, double *out) {
  const char *q = s;
  if (*q == '+' || *q == '-')
    q++;
  bool digits = false;
  while (*q >= '0' && *q <= '9')
    q++, digits = true;
  if (*q == '.')
    for (q++; *q >= '0' && *q <= '9'; q++)
      digits = true;
  if (!digits)
    return false;
  if (*q == 'e' || *q == 'E') {
    q++;
    if (*q == '+' || *q == '-')
      q++;
    if (!(*q >= '0' && *q <= '9'))
      return false;
    while (*q >= '0' && *q <= '9')
      q++;
  }
  if (*q != '\0')
    return false;
  char *end;
  double d = strtod(s, &end);
  if (*end != '\0' || !isfinite(d))
    return false;
  *out = d;
  return true;
}

/* One scalar value as a condition sees it: its text and, when it reads as one, its number. */
typedef struct {
  const char *text;
  bool is_num;
  double num;
  char buf[32];
} scalar_t;

static bool scalar_of(const value_t *v, scalar_t *s) {
  s->is_num = false;
  switch (v->kind_case) {
  case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
    if (!isfinite(v->number_value))
      return false;
    snprintf(s->buf, sizeof s->buf, "%.15g", v->number_value);
    s->text = s->buf;
    s->is_num = true;
    s->num = v->number_value;
    return true;
  case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
    s->text = str(v->string_value);
    s->is_num = read_number(s->text, &s->num);
    return true;
  case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
    s->text = v->bool_value ? "true" : "false";
    return true;
  default:
    return false;
  }
}

/* <0, 0, >0: numbers as numbers when both sides are numbers, otherwise the text (UTF-8 byte
 * order, which is code point order, so ISO dates and times order right). */
static int compare(const scalar_t *v, const char *want) {
  double w;
  if (v->is_num && read_number(want, &w))
    return v->num < w ? -1 : v->num > w ? 1 : 0;
  int r = strcmp(v->text, want);
  return r < 0 ? -1 : r > 0 ? 1 : 0;
}

static bool is_space(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* "in": whether v equals one item of the list. Items are separated by ',' or the full-width
 * '，' an admin typing Chinese is as likely to use, and trimmed of spaces. */
static bool in_list(const scalar_t *v, const char *list) {
  static const char fw_comma[] = "\xef\xbc\x8c"; /* U+FF0C */
  const char *q = list;
  for (;;) {
    const char *end = q;
    size_t sep = 0;
    while (*end != '\0' && *end != ',' && strncmp(end, fw_comma, 3) != 0)
      end++;
    if (*end == ',')
      sep = 1;
    else if (*end != '\0')
      sep = 3;
    const char *b = q, *e = end;
    while (b < e && is_space(*b))
      b++;
    while (e > b && is_space(e[-1]))
      e--;
    char item[CONDITION_VALUE_MAX * 4 + 1];
    size_t n = (size_t)(e - b);
    if (n < sizeof item) {
      memcpy(item, b, n);
      item[n] = '\0';
      if (compare(v, item) == 0)
        return true;
    }
    if (sep == 0)
      return false;
    q = end + sep;
  }
}

static bool scalar_meets(const scalar_t *v, const char *op, const char *want) {
  if (strcmp(op, "in") == 0)
    return in_list(v, want);
  int r = compare(v, want);
  if (strcmp(op, "eq") == 0)
    return r == 0;
  if (strcmp(op, "ne") == 0)
    return r != 0;
  if (strcmp(op, "gt") == 0)
    return r > 0;
  if (strcmp(op, "ge") == 0)
    return r >= 0;
  if (strcmp(op, "lt") == 0)
    return r < 0;
  if (strcmp(op, "le") == 0)
    return r <= 0;
  return false;
}

bool process_condition_holds(const cond_t *c, const Google__Protobuf__Struct *values) {
  if (c == NULL || str(c->field)[0] == '\0')
    return true;
  const char *op = str(c->op), *want = str(c->value);
  bool ne = strcmp(op, "ne") == 0;
  const value_t *v = form_value_get(values, c->field);
  if (v == NULL || v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND__NOT_SET ||
      v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE)
    return ne;
  scalar_t s;
  if (v->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE) {
    /* A multiple choice: eq / in when one chosen option matches, ne when none does. */
    const Google__Protobuf__ListValue *l = v->list_value;
    bool any = false;
    for (size_t i = 0; l != NULL && i < l->n_values && !any; i++)
      any = scalar_of(l->values[i], &s) && scalar_meets(&s, ne ? "eq" : op, want);
    if (ne)
      return !any;
    return (strcmp(op, "eq") == 0 || strcmp(op, "in") == 0) && any;
  }
  if (!scalar_of(v, &s))
    return ne; /* a table or an object equals no text */
  return scalar_meets(&s, op, want);
}

static bool step_runs(const process_step_t *s, const Google__Protobuf__Struct *values) {
  return process_condition_holds(s->condition, values);
}

void process_enter(const process_def_t *p, const Google__Protobuf__Struct *values, int stage,
                   process_pos_t *out, size_t *n, bool *end) {
  assert(stage >= 0);
  *n = 0;
  *end = false;
  for (size_t i = (size_t)stage; p != NULL && i < p->n_steps; i++) {
    const process_step_t *s = p->steps[i];
    if (!step_runs(s, values))
      continue;
    if ((int)s->kind != KIND(PARALLEL)) {
      out[0] = (process_pos_t){(int)i, -1, 0};
      *n = 1;
      return;
    }
    for (size_t b = 0; b < s->n_branches && b < PROCESS_BRANCHES_MAX; b++) {
      const Ehall__Approvals__V1__Branch *br = s->branches[b];
      for (size_t j = 0; j < br->n_steps; j++)
        if (step_runs(br->steps[j], values)) {
          out[(*n)++] = (process_pos_t){(int)i, (int)b, (int)j};
          break;
        }
    }
    if (*n > 0)
      return;
  }
  *end = true;
}

bool process_next_in_branch(const process_def_t *p, const Google__Protobuf__Struct *values,
                            process_pos_t at, process_pos_t *next) {
  if (at.branch < 0 || process_step_at(p, at) == NULL)
    return false;
  const Ehall__Approvals__V1__Branch *br = p->steps[at.stage]->branches[at.branch];
  for (size_t j = (size_t)at.pos + 1; j < br->n_steps; j++)
    if (step_runs(br->steps[j], values)) {
      *next = (process_pos_t){at.stage, at.branch, (int)j};
      return true;
    }
  return false;
}

void process_return_targets(const process_def_t *p, process_pos_t at, process_pos_t *out,
                            size_t *n) {
  *n = 0;
  for (int i = 0; p != NULL && i < at.stage && (size_t)i < p->n_steps && *n < PROCESS_STEPS_MAX;
       i++)
    if ((int)p->steps[i]->kind == KIND(APPROVAL))
      out[(*n)++] = (process_pos_t){i, -1, 0};
}

/* --- tasks and steps -------------------------------------------------------------------------- */

step_outcome_t process_step_outcome(int mode, int ratio_percent, const process_task_t *tasks,
                                    size_t n) {
  size_t counted = 0, approved = 0, rejected = 0, open = 0;
  bool added_open = false;
  for (size_t i = 0; i < n; i++) {
    int kind = tasks[i].kind, state = tasks[i].state;
    if (kind == TASK_CC || state == TASK_TRANSFERRED || state == TASK_CANCELLED ||
        state == TASK_CC_UNREAD || state == TASK_CC_READ)
      continue;
    bool is_open = state == TASK_PENDING || state == TASK_WAITING;
    if (kind == TASK_BEFORE || kind == TASK_AFTER) {
      if (state == TASK_REJECTED)
        return STEP_FAILED;
      added_open |= is_open;
      continue;
    }
    counted++;
    approved += state == TASK_APPROVED;
    rejected += state == TASK_REJECTED;
    open += is_open;
  }

  step_outcome_t regular = STEP_OPEN;
  if (mode == MODE(RATIO)) {
    long r = ratio_percent >= 1 && ratio_percent <= 100 ? ratio_percent : 100;
    if (counted == 0)
      regular = STEP_OPEN;
    else if ((long)approved * 100 >= r * (long)counted)
      regular = STEP_PASSED;
    else if ((long)(approved + open) * 100 < r * (long)counted)
      regular = STEP_FAILED;
  } else if (mode == MODE(ALL_OF)) {
    if (rejected > 0)
      regular = STEP_FAILED;
    else if (counted > 0 && approved == counted)
      regular = STEP_PASSED;
  } else { /* SINGLE (and unset), ANY_OF */
    if (rejected > 0)
      regular = STEP_FAILED;
    else if (approved > 0)
      regular = STEP_PASSED;
  }
  if (regular == STEP_PASSED && added_open)
    return STEP_OPEN;
  return regular;
}

#define BIT(x) (1u << ACT(x))

unsigned process_actions_allowed(int kind, int state, bool has_earlier) {
  if (kind == TASK_CC)
    return 0;
  if (state == TASK_WAITING)
    return kind == TASK_REGULAR || kind == TASK_BEFORE || kind == TASK_AFTER ? BIT(COMMENT) : 0;
  if (state != TASK_PENDING)
    return 0;
  if (kind == TASK_BEFORE || kind == TASK_AFTER)
    return BIT(APPROVE) | BIT(REJECT) | BIT(COMMENT);
  if (kind != TASK_REGULAR)
    return 0;
  unsigned m = BIT(APPROVE) | BIT(REJECT) | BIT(RETURN_TO_APPLICANT) | BIT(TRANSFER) |
               BIT(ADD_SIGNER_BEFORE) | BIT(ADD_SIGNER_AFTER) | BIT(COMMENT);
  if (has_earlier)
    m |= BIT(RETURN_TO_STEP);
  return m;
}

/* Whether an opinion says nothing: empty, or only spaces (full-width U+3000 too). */
static bool blank(const char *s) {
  for (const char *q = s; *q != '\0';) {
    if (is_space(*q))
      q++;
    else if (strncmp(q, "\xe3\x80\x80", 3) == 0)
      q += 3;
    else
      return false;
  }
  return true;
}

bool process_request_check(int action, const char *opinion, const char *target_campus_id,
                           const char *return_to_step, eh_err_t *err) {
  bool ok = true;
  opinion = str(opinion);
  if (action < ACT(APPROVE) || action > ACT(COMMENT))
    return bad(err, "action", "请选择要执行的操作", "choose an action");
  long len = text_utf8_length(opinion, strlen(opinion));
  if (len < 0)
    ok = bad(err, "opinion", "意见中含有无效字符", "the opinion is not valid UTF-8");
  else if (len > PROCESS_OPINION_MAX)
    ok = eh_err_set(err, EH_INVALID, "opinion", "意见最多 %d 个字，现有 %ld 个字",
                    "an opinion has at most %d characters; this one has %ld", PROCESS_OPINION_MAX,
                    len);
  bool needs_opinion =
      action == ACT(REJECT) || action == ACT(RETURN_TO_APPLICANT) || action == ACT(RETURN_TO_STEP);
  if (needs_opinion && blank(opinion))
    ok = bad(err, "opinion",
             action == ACT(REJECT) ? "驳回时请填写意见，说明驳回原因"
                                   : "退回时请填写意见，说明需要修改什么",
             action == ACT(REJECT) ? "a rejection needs an opinion giving the reason"
                                   : "a return needs an opinion saying what to change");
  bool needs_target = action == ACT(TRANSFER) || action == ACT(ADD_SIGNER_BEFORE) ||
                      action == ACT(ADD_SIGNER_AFTER);
  if (needs_target && !text_is_code(str(target_campus_id), 32))
    ok = bad(err, "target_campus_id",
             action == ACT(TRANSFER) ? "请填写转交对象的学工号" : "请填写加签人的学工号",
             action == ACT(TRANSFER) ? "enter the campus id of the person to transfer to"
                                     : "enter the campus id of the person to add");
  if (action == ACT(RETURN_TO_STEP) && !text_is_key(return_to_step))
    ok = bad(err, "return_to_step", "请选择退回到哪一个步骤", "choose the step to return to");
  return ok;
}

/* --- who acts --------------------------------------------------------------------------------- */

bool process_may_act(int64_t caller, int64_t applicant_id, int64_t assignee_id, int64_t group_id,
                     const process_delegation_t *d, size_t n_d, int64_t *acting_for) {
  if (acting_for != NULL)
    *acting_for = 0;
  /* Nobody acts on the applicant's own application for him, himself or through a delegate. */
  if (caller <= 0 || assignee_id <= 0 || caller == applicant_id || assignee_id == applicant_id)
    return false;
  if (caller == assignee_id)
    return true;
  for (size_t i = 0; i < n_d; i++)
    if (d[i].from_id == assignee_id &&
        (d[i].group_id == 0 || (group_id != 0 && d[i].group_id == group_id))) {
      if (acting_for != NULL)
        *acting_for = assignee_id;
      return true;
    }
  return false;
}

size_t process_approvers_merge(const process_approver_t *in, size_t n_in, int64_t applicant_id,
                               process_approver_t *out) {
  size_t n = 0;
  for (size_t i = 0; i < n_in && n < PROCESS_APPROVERS_MAX; i++) {
    process_approver_t e = in[i];
    if (e.acting_for_id == e.account_id)
      e.acting_for_id = 0;
    if (e.acting_for_id != 0 && e.acting_for_id == applicant_id)
      continue; /* a delegate would act for the applicant */
    if (e.account_id == applicant_id) {
      if (e.acting_for_id == 0)
        continue;
      e = (process_approver_t){e.acting_for_id, 0}; /* the member keeps it himself */
    }
    if (e.account_id <= 0)
      continue;
    bool seen = false;
    for (size_t j = 0; j < n && !seen; j++)
      seen = out[j].account_id == e.account_id;
    if (!seen)
      out[n++] = e;
  }
  return n;
}
