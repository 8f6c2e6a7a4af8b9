-- 0012_create_approvals.sql — approvals (core/approvals, core/store/approvals_store.c): each
-- service's process definitions, versioned; the steps and tasks of running applications; the
-- SLA timers; and the outbox every transition writes to (delivered by the notifications issue).
-- Forward only: once landed, never edit this file.
--
-- Correctness under concurrency is decided here: a decision locks its step's row (FOR UPDATE)
-- and changes only tasks still open, so of two approvers of an any-of step exactly one decision
-- counts; timers are claimed with FOR UPDATE SKIP LOCKED, so several core replicas share them.

CREATE TABLE process_versions (
  service_id bigint NOT NULL REFERENCES services (id),
  version integer NOT NULL CHECK (version >= 1),
  -- The proto3 JSON of ehall.approvals.v1.ProcessDefinition, validated by the core.
  definition jsonb NOT NULL,
  created_by bigint REFERENCES accounts (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  PRIMARY KEY (service_id, version)
);

-- The version new submissions start on.
CREATE TABLE process_current (
  service_id bigint PRIMARY KEY REFERENCES services (id),
  version integer NOT NULL,
  FOREIGN KEY (service_id, version) REFERENCES process_versions (service_id, version)
);

-- The process version an application was submitted on (NULL: its service had none).
ALTER TABLE applications ADD COLUMN process_version integer;
ALTER TABLE applications ADD CONSTRAINT applications_process_fk
  FOREIGN KEY (service_id, process_version) REFERENCES process_versions (service_id, version);
CREATE INDEX applications_process_running ON applications (service_id, process_version)
  WHERE state IN (2, 3, 4) AND process_version IS NOT NULL;

-- One row per step an application entered (again after a return: a new row).
CREATE TABLE approval_steps (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id bigint NOT NULL REFERENCES applications (id),
  step_key text NOT NULL CHECK (step_key ~ '^[a-z][a-z0-9_]{0,31}$'),
  step_name text NOT NULL,
  step_name_en text NOT NULL DEFAULT '',
  -- Its place in the definition: top-level index, branch of a PARALLEL (-1: none), index in it.
  stage smallint NOT NULL,
  branch smallint NOT NULL DEFAULT -1,
  pos smallint NOT NULL DEFAULT 0,
  branch_name text NOT NULL DEFAULT '',
  -- ehall.approvals.v1.StepKind: 1 approval, 2 cc.
  kind smallint NOT NULL CHECK (kind IN (1, 2)),
  mode smallint NOT NULL DEFAULT 1,
  ratio_percent smallint NOT NULL DEFAULT 0,
  -- 1 active, 2 approved, 3 rejected, 4 returned, 5 skipped, 6 cancelled, 7 cc (done at once).
  state smallint NOT NULL CHECK (state BETWEEN 1 AND 7),
  hide_opinions boolean NOT NULL DEFAULT false,
  -- The approver group the step resolved through (delegations for that group apply).
  group_id bigint REFERENCES approver_groups (id),
  due_at timestamptz,
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  -- 催办: the last day (Asia/Shanghai) the applicant reminded this step.
  reminded_on date,
  reminded_at timestamptz
);
CREATE INDEX approval_steps_app_idx ON approval_steps (application_id, id);
CREATE INDEX approval_steps_active_idx ON approval_steps (application_id) WHERE state = 1;

CREATE TABLE approval_tasks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  step_id bigint NOT NULL REFERENCES approval_steps (id),
  application_id bigint NOT NULL REFERENCES applications (id),
  -- Denormalised for the lists' filters.
  service_id bigint NOT NULL REFERENCES services (id),
  applicant_college_id bigint REFERENCES org_units (id),
  assignee_id bigint NOT NULL REFERENCES accounts (id),
  -- The member he acts for when the task came to him by delegation.
  acting_for_id bigint REFERENCES accounts (id),
  -- 1 regular, 2 signer added before someone, 3 signer added after someone, 4 cc.
  kind smallint NOT NULL CHECK (kind BETWEEN 1 AND 4),
  -- ehall.approvals.v1.TaskState: 1 pending, 2 waiting, 3 approved, 4 rejected, 5 returned,
  -- 6 transferred, 7 cancelled, 8 cc unread, 9 cc read.
  state smallint NOT NULL CHECK (state BETWEEN 1 AND 9),
  -- WAITING: the task of the signer added before him.
  waiting_for bigint REFERENCES approval_tasks (id),
  due_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  -- Who acted (the assignee or his delegate; NULL: the system).
  decided_by bigint REFERENCES accounts (id),
  opinion text NOT NULL DEFAULT '' CHECK (char_length(opinion) <= 1000)
);
CREATE INDEX approval_tasks_todo ON approval_tasks (assignee_id, id DESC) WHERE state IN (1, 2);
CREATE INDEX approval_tasks_done ON approval_tasks (decided_by, decided_at DESC)
  WHERE decided_by IS NOT NULL;
CREATE INDEX approval_tasks_cc ON approval_tasks (assignee_id, id DESC) WHERE kind = 4;
CREATE INDEX approval_tasks_step ON approval_tasks (step_id);
CREATE INDEX approval_tasks_app ON approval_tasks (application_id, assignee_id);
-- The tasks waiting for a signer added before them, found when that signer approves.
CREATE INDEX approval_tasks_waiting ON approval_tasks (waiting_for) WHERE waiting_for IS NOT NULL;

-- Every opinion and transition lands on the application's timeline.
ALTER TABLE application_events ADD COLUMN step_id bigint REFERENCES approval_steps (id);
ALTER TABLE application_events ADD COLUMN task_id bigint REFERENCES approval_tasks (id);
-- Transfer and add signer: to whom; return to step: the step's key.
ALTER TABLE application_events ADD COLUMN target_id bigint REFERENCES accounts (id);
ALTER TABLE application_events ADD COLUMN target_step text NOT NULL DEFAULT '';

-- SLA timers: a reminder before a step's due time, and its due time.
CREATE TABLE approval_timers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  step_id bigint NOT NULL REFERENCES approval_steps (id),
  -- 1 remind, 2 due.
  kind smallint NOT NULL CHECK (kind IN (1, 2)),
  fire_at timestamptz NOT NULL,
  done_at timestamptz
);
CREATE INDEX approval_timers_due ON approval_timers (fire_at) WHERE done_at IS NULL;
CREATE INDEX approval_timers_step ON approval_timers (step_id) WHERE done_at IS NULL;

-- What happened, written in the transaction that made it happen; a relay delivers it
-- (notifications issue). Payloads carry ids and states, never form contents.
CREATE TABLE outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic text NOT NULL CHECK (topic ~ '^[a-z_.]{1,64}$'),
  application_id bigint REFERENCES applications (id),
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL;
CREATE INDEX outbox_application ON outbox (application_id);
