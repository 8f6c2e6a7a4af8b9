/*
 * process_rules.h — the pure part of approvals: checking a process definition a department
 * saves, walking it (which steps start next, conditions on form values), deciding a step from
 * its tasks under each approval mode, which actions a task allows, who may act on a task
 * (delegation), and merging resolved approvers. No I/O, no logging; unit-tested in
 * tests/unit/core/approvals.
 */
#ifndef EHALL_APPROVALS_PROCESS_RULES_H
#define EHALL_APPROVALS_PROCESS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "ehall/approvals/v1/approvals.pb-c.h"

#define PROCESS_STEPS_MAX 30     /* steps in all, branches' included */
#define PROCESS_BRANCHES_MAX 8   /* branches of one PARALLEL step */
#define PROCESS_SOURCES_MAX 5    /* approver sources of one step */
#define PROCESS_APPROVERS_MAX 50 /* people one step resolves to */
#define PROCESS_OPINION_MAX 1000 /* characters */
#define PROCESS_DUE_DAYS_MAX 30
#define PROCESS_REMIND_HOURS_MAX 72

typedef Ehall__Approvals__V1__ProcessDefinition process_def_t;
typedef Ehall__Approvals__V1__Step process_step_t;

/* Every problem of a definition at once, at its path under "process" ("process.steps[2].key",
 * "process.steps[1].branches[0].steps[1].approvers[0].group_code"); false with err INVALID.
 * fields / n_fields: the keys of the service's current form (condition fields and FORM_FIELD
 * sources must name one); fields NULL: not checked. Rules: 1..30 steps in all; keys
 * ^[a-z][a-z0-9_]{0,31}$ unique across the process; names 1..32 characters; kind set;
 * APPROVAL and CC steps have 1..5 sources, each complete for its kind (group_code
 * ^[a-z0-9_]{1,64}$, unit_code 1..64, campus_id 1..32, field); RATIO needs ratio_percent
 * 1..100 (other modes 0); PARALLEL has 2..8 branches, each with 1+ steps, and no approvers;
 * steps inside a branch are APPROVAL or CC only; a condition has a field, an op of eq ne gt ge
 * lt le in, and a value ≤ 200 characters; due_working_days 0..30; remind_hours_before 0..72 and
 * only with a due time; on_due other than nothing needs a due time; CC steps have no due time
 * and no mode; at least one APPROVAL step somewhere. */
bool process_definition_check(arena_t *a, const process_def_t *p, const char *const *fields,
                              size_t n_fields, eh_err_t *err);

/* A place in a process: stage = index of the top-level step; branch = index of the branch inside
 * a PARALLEL stage (-1 outside one); pos = index of the step inside the branch (0 outside). */
typedef struct process_pos {
  int stage, branch, pos;
} process_pos_t;

/* The step at a place; NULL when there is none. */
const process_step_t *process_step_at(const process_def_t *p, process_pos_t at);
/* The place of the step with this key (branches searched too); false when none. */
bool process_find(const process_def_t *p, const char *key, process_pos_t *at);

/* Whether the values meet the condition (NULL or an empty field: true). Numbers compare as
 * numbers when both sides read as numbers (a value's number, or a string like "5"), otherwise
 * as text (so ISO dates order right); "in" takes a comma-separated list; a missing value meets
 * only "ne". */
bool process_condition_holds(const Ehall__Approvals__V1__StepCondition *c,
                             const Google__Protobuf__Struct *values);

/* Entering the process at stage `stage` (0 when it begins; stage + 1 after a stage ended):
 * stages whose step's condition fails are passed over; the first stage that runs gives its
 * places in out (one for a plain step; for a PARALLEL, the first step meeting its condition in
 * each branch — a branch with none is left out, and a PARALLEL with none at all is passed
 * over). *n 0 and *end true when no stage is left (the process is complete). out holds
 * PROCESS_BRANCHES_MAX places. */
void process_enter(const process_def_t *p, const Google__Protobuf__Struct *values, int stage,
                   process_pos_t *out, size_t *n, bool *end);

/* Inside a branch, after the step at `at` ended: the next step of the same branch meeting its
 * condition; false when the branch is done. */
bool process_next_in_branch(const process_def_t *p, const Google__Protobuf__Struct *values,
                            process_pos_t at, process_pos_t *next);

/* The steps a RETURN_TO_STEP from `at` may name: APPROVAL steps of earlier stages (top level
 * only; a PARALLEL stage's branches are not return targets), in process order. *n ≤
 * PROCESS_STEPS_MAX; out must hold that many. */
void process_return_targets(const process_def_t *p, process_pos_t at, process_pos_t *out,
                            size_t *n);

/* --- tasks and steps ---------------------------------------------------------------------- */

/* approval_tasks.kind */
enum {
  TASK_REGULAR = 1, /* resolved for the step, or given by a transfer or an escalation */
  TASK_BEFORE = 2,  /* a signer added before someone: acts first */
  TASK_AFTER = 3,   /* a signer added after someone: the step waits for him too */
  TASK_CC = 4,
};

/* approval_tasks.state: the values of ehall.approvals.v1.TaskState. */
enum {
  TASK_PENDING = 1,
  TASK_WAITING = 2,
  TASK_APPROVED = 3,
  TASK_REJECTED = 4,
  TASK_RETURNED = 5,
  TASK_TRANSFERRED = 6,
  TASK_CANCELLED = 7,
  TASK_CC_UNREAD = 8,
  TASK_CC_READ = 9,
};

typedef struct process_task {
  int kind, state;
} process_task_t;

typedef enum { STEP_OPEN, STEP_PASSED, STEP_FAILED } step_outcome_t;

/* A step's outcome from its tasks (mode: ehall.approvals.v1.ApprovalMode, 0 = SINGLE).
 * TRANSFERRED, CANCELLED and CC tasks do not count. A rejection by an added signer fails the
 * step in every mode. Regular tasks: SINGLE and ANY_OF pass on one approval and fail on one
 * rejection; ALL_OF passes when all approved and fails on one rejection; RATIO passes when
 * approved × 100 ≥ ratio × counted, and fails when even every open task approving could not
 * reach it. A step passes only when no added signer's task is still open (PENDING or
 * WAITING). */
step_outcome_t process_step_outcome(int mode, int ratio_percent, const process_task_t *tasks,
                                    size_t n);

/* The actions (ehall.approvals.v1.Action values) a task allows its holder now, as a bit mask
 * (1u << action). PENDING REGULAR: every action (RETURN_TO_STEP only when has_earlier);
 * PENDING BEFORE/AFTER: approve, reject, comment; WAITING: comment; any other state: none.
 * A CC task: none (reading it marks it read). */
unsigned process_actions_allowed(int kind, int state, bool has_earlier);
#define PROCESS_ALLOWS(mask, action) (((mask) >> (action)) & 1u)

/* Whether an action needs an opinion (reject, both returns) and a target person (transfer,
 * add signer before and after), and whether it is one a task holder can take at all. Checks the
 * request's shape: the opinion's length (≤ PROCESS_OPINION_MAX characters, UTF-8 counted),
 * required opinion, required target (campus id 1..32) or step key. Errors at "opinion",
 * "target_campus_id", "return_to_step", "action". */
bool process_request_check(int action, const char *opinion, const char *target_campus_id,
                           const char *return_to_step, eh_err_t *err);

/* --- who acts ----------------------------------------------------------------------------- */

/* A delegation the caller received that is active today: from_id handed him its approvals for
 * group_id (0: every group). */
typedef struct process_delegation {
  int64_t from_id, group_id;
} process_delegation_t;

/* Whether caller may act on a task held by assignee_id of a step that resolved through group_id
 * (0: not through a group): he is the assignee, or the assignee delegated to him (for every
 * group or this one). *acting_for: 0 when he acts for himself, else the assignee. The applicant
 * may never act (applicant_id == caller). */
bool process_may_act(int64_t caller, int64_t applicant_id, int64_t assignee_id, int64_t group_id,
                     const process_delegation_t *d, size_t n_d, int64_t *acting_for);

/* One resolved approver: who gets the task, and for whom he acts (0: himself). */
typedef struct process_approver {
  int64_t account_id, acting_for_id;
} process_approver_t;

/* Merges the people a step's sources resolved (in order) into its approvers: the applicant is
 * dropped (also when someone acts for him, and when he would act for someone: the member
 * then gets the task himself), each person appears once (the first occurrence wins), at most
 * PROCESS_APPROVERS_MAX. Returns the count; out holds n_in entries. */
size_t process_approvers_merge(const process_approver_t *in, size_t n_in, int64_t applicant_id,
                               process_approver_t *out);

#endif
