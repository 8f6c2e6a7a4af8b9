-- approvals_data.sql — the approvals benchmark's world, loaded into its PRIVATE database with
-- set-based SQL in one transaction: what the engine (core/approvals/engine.c) would have left
-- after half a year of a college's online services, with a peak of submissions in the last days.
--
--   org        a university (1), its student affairs office (50, owns the services and groups),
--              20 colleges (2..21) of 9 classes each (1001..1180), 110 students per class
--              (19,800 student accounts 30000001..30019800, each in his class)
--   approvers  180 counselors 40000001..40000180 (counselor n serves class n: group
--              `counselor`) and 20 college leaders 40002001..40002020 (leader n serves college n:
--              group `dept_leader`); their password hashes are :'hash' (a cheap PBKDF2 cost, read
--              from each hash at login). Counselors 41..45 have handed their approvals to
--              46..50 for today (counselor group), leader 20 to leader 19 (every group).
--   services   four published online services with a form and a published process (version 1):
--              bench-leave        请假: counselor, then the college leader (any-of) beyond 3 days
--              bench-cert         在读证明: counselor
--              bench-scholarship  奖学金: counselor, then the college leader (opinions hidden)
--              bench-dorm         宿舍调换: counselor
--   :apps      applications (100,000), spread evenly over the students (so over the counselors)
--              and over the services (40 / 25 / 15 / 20 %). The oldest three quarters were
--              submitted 180..6 days ago and are decided (approved; 5 % rejected by the counselor,
--              5 % of the two-step ones by the leader); the newest quarter came in the last 6
--              days and is in review (one in ten of them already decided): its counselor step is
--              active with one pending task, or, for a fifth of the two-step ones, the counselor
--              approved and the leader's step is active. So a counselor holds ~550 tasks, ~130
--              of them pending (many overdue), and a leader ~1,400.
--
-- Every application has its steps (approval_steps), tasks (approval_tasks with service_id,
-- applicant_college_id and due_at filled), timeline (application_events: submitted, each
-- decision with its opinion, the outcome), SLA timers (done once due or ended) and outbox rows,
-- as the engine writes them, so ActOnTask acts on the pending ones like on any other.
-- Loaded with session_replication_role = replica (the bench's database user is the cluster's
-- superuser): foreign keys are not checked row by row, which would triple the load time; every
-- reference here is made by construction from rows inserted just before.
-- psql variables: hash, apps.
BEGIN;
SET LOCAL session_replication_role = replica;
SET LOCAL work_mem = '256MB';

-- --- org -------------------------------------------------------------------------------------

INSERT INTO org_units (id, code, name, name_en, kind, parent_id, path) OVERRIDING SYSTEM VALUE
VALUES (1, 'BU', '压测大学', 'Benchmark University', 1, NULL, ARRAY[1]::bigint[]),
       (50, 'BXSC', '压测学生处', 'Benchmark Student Affairs', 3, 1, ARRAY[1, 50]::bigint[]);
INSERT INTO org_units (id, code, name, name_en, kind, parent_id, path) OVERRIDING SYSTEM VALUE
SELECT 1 + c, 'C' || c, '学院' || c, 'College ' || c, 2, 1, ARRAY[1, 1 + c]::bigint[]
FROM generate_series(1, 20) AS c;
INSERT INTO org_units (id, code, name, name_en, kind, parent_id, path) OVERRIDING SYSTEM VALUE
SELECT 1000 + k, 'K' || k, '班级' || k, 'Class ' || k, 5, 2 + (k - 1) / 9,
       ARRAY[1, 2 + (k - 1) / 9, 1000 + k]::bigint[]
FROM generate_series(1, 180) AS k;
SELECT setval(pg_get_serial_sequence('org_units', 'id'), 2000);

-- --- people ----------------------------------------------------------------------------------

INSERT INTO accounts (campus_id, name, kind, org_unit, password_hash, must_change_password)
SELECT (30000000 + s)::text, '学生' || s, 1, 'K' || (1 + (s - 1) / 110), 'bench-no-login', false
FROM generate_series(1, 19800) AS s;
INSERT INTO accounts (campus_id, name, kind, org_unit, password_hash, must_change_password,
                      password_changed_at)
SELECT (40000000 + n)::text, '辅导员' || n, 2, 'BXSC', :'hash', false, now()
FROM generate_series(1, 180) AS n
UNION ALL
SELECT (40002000 + n)::text, '院长' || n, 2, 'C' || n, :'hash', false, now()
FROM generate_series(1, 20) AS n;
INSERT INTO account_roles (account_id, role)
SELECT id, CASE kind WHEN 1 THEN 'student' ELSE 'staff' END FROM accounts;
INSERT INTO person_units (account_id, unit_id, valid_from)
SELECT a.id, u.id, now() - interval '2 years'
FROM accounts a JOIN org_units u ON u.code = a.org_unit;

INSERT INTO approver_groups (code, name, name_en, owner_unit_id, builtin) VALUES
  ('counselor', '辅导员', 'Counselor', 50, true),
  ('dept_leader', '学院领导', 'College leader', 50, true);
INSERT INTO group_scopes (group_id, account_id, unit_id, valid_from)
SELECT g.id, a.id, 1000 + n, now() - interval '1 year'
FROM generate_series(1, 180) AS n
JOIN accounts a ON a.campus_id = (40000000 + n)::text
JOIN approver_groups g ON g.code = 'counselor'
UNION ALL
SELECT g.id, a.id, 1 + n, now() - interval '1 year'
FROM generate_series(1, 20) AS n
JOIN accounts a ON a.campus_id = (40002000 + n)::text
JOIN approver_groups g ON g.code = 'dept_leader';

INSERT INTO delegations (from_account_id, to_account_id, group_id, start_date, end_date, reason,
                         created_by)
SELECT f.id, t.id, g.id, (now() AT TIME ZONE 'Asia/Shanghai')::date,
       (now() AT TIME ZONE 'Asia/Shanghai')::date + 3, '出差', f.id
FROM (SELECT 40000040 + n, 40000045 + n, 'counselor' FROM generate_series(1, 5) AS n
      UNION ALL SELECT 40002020, 40002019, NULL) AS v (f, t, grp)
JOIN accounts f ON f.campus_id = v.f::text
JOIN accounts t ON t.campus_id = v.t::text
LEFT JOIN approver_groups g ON g.code = v.grp;

-- --- services, forms, processes --------------------------------------------------------------

CREATE TEMP TABLE bench_svc (id int, code text, name text, def text) ON COMMIT DROP;
INSERT INTO bench_svc VALUES
(1, 'bench-leave', '学生请假', '{"steps": [
  {"key": "counselor", "name": "辅导员审批", "nameEn": "Counselor", "kind": "APPROVAL", "mode": "SINGLE",
   "approvers": [{"kind": "APPLICANT_GROUP", "groupCode": "counselor"}],
   "whenEmpty": "DEPARTMENT_ADMIN", "dueWorkingDays": 1, "remindHoursBefore": 4, "onDue": "NOTHING"},
  {"key": "college_leader", "name": "学院领导审批", "nameEn": "College leader", "kind": "APPROVAL", "mode": "ANY_OF",
   "approvers": [{"kind": "APPLICANT_GROUP", "groupCode": "dept_leader"}],
   "condition": {"field": "days", "op": "gt", "value": "3"},
   "whenEmpty": "DEPARTMENT_ADMIN", "dueWorkingDays": 2, "onDue": "NOTHING"}]}'),
(2, 'bench-cert', '在读证明开具', '{"steps": [
  {"key": "counselor", "name": "辅导员审核", "nameEn": "Counselor", "kind": "APPROVAL", "mode": "SINGLE",
   "approvers": [{"kind": "APPLICANT_GROUP", "groupCode": "counselor"}],
   "whenEmpty": "DEPARTMENT_ADMIN", "dueWorkingDays": 2, "onDue": "NOTHING"}]}'),
(3, 'bench-scholarship', '奖学金申请', '{"steps": [
  {"key": "counselor", "name": "辅导员初审", "nameEn": "Counselor", "kind": "APPROVAL", "mode": "SINGLE",
   "approvers": [{"kind": "APPLICANT_GROUP", "groupCode": "counselor"}],
   "whenEmpty": "DEPARTMENT_ADMIN", "dueWorkingDays": 3, "onDue": "NOTHING"},
  {"key": "college_leader", "name": "学院领导审批", "nameEn": "College leader", "kind": "APPROVAL", "mode": "ANY_OF",
   "approvers": [{"kind": "APPLICANT_GROUP", "groupCode": "dept_leader"}],
   "whenEmpty": "DEPARTMENT_ADMIN", "dueWorkingDays": 3, "onDue": "NOTHING", "hideOpinions": true}]}'),
(4, 'bench-dorm', '宿舍调换申请', '{"steps": [
  {"key": "counselor", "name": "辅导员审核", "nameEn": "Counselor", "kind": "APPROVAL", "mode": "SINGLE",
   "approvers": [{"kind": "APPLICANT_GROUP", "groupCode": "counselor"}],
   "whenEmpty": "DEPARTMENT_ADMIN", "dueWorkingDays": 2, "onDue": "NOTHING"}]}');

INSERT INTO services (id, code, owner_unit_id, state, created_at, updated_at, published_at)
OVERRIDING SYSTEM VALUE
SELECT id, code, 50, 2, now() - interval '1 year', now() - interval '1 year', now() - interval '1 year'
FROM bench_svc;
SELECT setval(pg_get_serial_sequence('services', 'id'), 100);

INSERT INTO service_versions (service_id, version, state, name, guide, published_at)
SELECT id, 1, 2, name, jsonb_build_object(
  'name', name, 'nameEn', 'Benchmark ' || code, 'categories', jsonb_build_array(),
  'audience', 'AUDIENCE_STUDENTS', 'summary', '网上提交' || name || '，辅导员审核后办结。',
  'conditions', '在校学生。', 'steps', jsonb_build_array('网上提交申请', '辅导员审核', '查看结果'),
  'timeLimitWorkdays', 3, 'fees', '免费',
  'locations', jsonb_build_array(jsonb_build_object('campus', '东校区', 'place', '学生事务中心')),
  'mode', 'HANDLING_MODE_ONLINE'), now() - interval '1 year'
FROM bench_svc;

INSERT INTO form_versions (service_id, version, form, created_at)
SELECT id, 1, jsonb_build_object('title', name, 'fields', jsonb_build_array(
  jsonb_build_object('key', 'name', 'label', '姓名', 'type', 'FIELD_TYPE_TEXT',
                     'prefill', 'PREFILL_SOURCE_NAME', 'locked', true),
  jsonb_build_object('key', 'days', 'label', '天数', 'type', 'FIELD_TYPE_NUMBER', 'required', true,
                     'hasMin', true, 'min', 1, 'hasMax', true, 'max', 30),
  jsonb_build_object('key', 'reason', 'label', '事由', 'type', 'FIELD_TYPE_LONG_TEXT',
                     'required', true, 'maxLength', 500))), now() - interval '1 year'
FROM bench_svc;

INSERT INTO process_versions (service_id, version, definition, created_at, published_at)
SELECT id, 1, def::jsonb, now() - interval '1 year', now() - interval '1 year' FROM bench_svc;
INSERT INTO process_current (service_id, version) SELECT id, 1 FROM bench_svc;

-- --- applications ----------------------------------------------------------------------------

-- One row per application: who, which service, where it stands, and when things happened.
-- Student 1 + (i * 7919) % 19800 (7919 is prime to 19800: consecutive applications land on
-- students, so classes and counselors, all over the university).
CREATE TEMP TABLE bench_app ON COMMIT DROP AS
WITH g AS (
  SELECT i, 1 + (i::bigint * 7919) % 19800 AS s, (:apps * 3) / 4 AS old,
         CASE WHEN (i * 37) % 20 < 8 THEN 1 WHEN (i * 37) % 20 < 13 THEN 2
              WHEN (i * 37) % 20 < 16 THEN 3 ELSE 4 END AS svc,
         1 + (i * 13) % 5 AS days
  FROM generate_series(1, :apps) AS i
), h AS (
  SELECT g.*, 1 + (s - 1) / 110 AS k, i > old AS recent,
         svc = 3 OR (svc = 1 AND days > 3) AS two_step,
         CASE WHEN i > old THEN now() - interval '6 days'
                   + (i - old) * (interval '6 days' - interval '10 minutes') / (:apps - old)
              ELSE now() - interval '180 days' + i * interval '174 days' / old END AS submitted_at
  FROM g
)
SELECT h.*, 1 + (k - 1) / 9 AS c,
       CASE WHEN recent AND i % 10 <> 3 THEN
              CASE WHEN two_step AND i % 5 = 0 THEN 'leader_pending' ELSE 'counselor_pending' END
            WHEN i % 20 = 7 THEN 'counselor_rejected'
            WHEN two_step AND i % 20 = 13 THEN 'leader_rejected'
            ELSE 'approved' END AS phase,
       least(submitted_at + (1 + (i * 7) % 30) * interval '1 hour' + (i % 60) * interval '1 minute',
             now() - interval '2 minutes') AS c_decided
FROM h;
ALTER TABLE bench_app ADD COLUMN l_decided timestamptz;
UPDATE bench_app SET l_decided = least(c_decided + (1 + (i * 11) % 48) * interval '1 hour',
                                       now() - interval '1 minute');

INSERT INTO applications (id, service_id, account_id, form_version, state, data, serial, created_at,
                          updated_at, submitted_at, ended_at, process_version)
OVERRIDING SYSTEM VALUE
SELECT b.i, b.svc, st.id, 1,
       CASE b.phase WHEN 'approved' THEN 5 WHEN 'counselor_rejected' THEN 6
                    WHEN 'leader_rejected' THEN 6 ELSE 3 END,
       jsonb_build_object('name', st.name, 'days', b.days, 'reason',
         (ARRAY['回家处理家中事务，已与任课老师沟通。', '身体不适，需到医院复查。',
                '参加校外竞赛，附通知文件。', '办理出国交流手续。',
                '实习单位要求提供证明材料。'])[1 + b.i % 5]),
       to_char(b.submitted_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || lpad(b.i::text, 6, '0'),
       b.submitted_at - interval '4 minutes',
       CASE b.phase WHEN 'counselor_pending' THEN b.submitted_at WHEN 'leader_pending' THEN b.c_decided
                    WHEN 'approved' THEN CASE WHEN b.two_step THEN b.l_decided ELSE b.c_decided END
                    WHEN 'counselor_rejected' THEN b.c_decided ELSE b.l_decided END,
       b.submitted_at,
       CASE b.phase WHEN 'approved' THEN CASE WHEN b.two_step THEN b.l_decided ELSE b.c_decided END
                    WHEN 'counselor_rejected' THEN b.c_decided
                    WHEN 'leader_rejected' THEN b.l_decided END,
       1
FROM bench_app b JOIN accounts st ON st.campus_id = (30000000 + b.s)::text
ORDER BY b.i;
SELECT setval(pg_get_serial_sequence('applications', 'id'), :apps);
SELECT setval('application_serial_seq', :apps);
UPDATE services v SET applications = n FROM (SELECT svc, count(*) AS n FROM bench_app GROUP BY svc) x
WHERE v.id = x.svc;

-- --- steps and tasks -------------------------------------------------------------------------

-- Every step each application entered: the counselor's, and the leader's for two-step ones
-- the counselor approved. due: the end of the n-th day after the step started (hall time).
CREATE TEMP TABLE bench_step ON COMMIT DROP AS
SELECT b.i, b.svc, b.c, 0 AS stage, 'counselor' AS step_key,
       CASE b.svc WHEN 1 THEN '辅导员审批' WHEN 3 THEN '辅导员初审' ELSE '辅导员审核' END AS step_name,
       1 AS mode, false AS hide,
       CASE b.phase WHEN 'counselor_pending' THEN 1 WHEN 'counselor_rejected' THEN 3 ELSE 2 END AS state,
       b.submitted_at AS started_at,
       CASE WHEN b.phase = 'counselor_pending' THEN NULL ELSE b.c_decided END AS ended_at,
       CASE b.svc WHEN 1 THEN 1 WHEN 3 THEN 3 ELSE 2 END AS due_days,
       CASE WHEN b.svc = 1 THEN 4 ELSE 0 END AS remind_hours,
       (40000000 + b.k)::text AS approver, 'counselor' AS grp, b.i % 7 AS pick
FROM bench_app b
UNION ALL
SELECT b.i, b.svc, b.c, 1, 'college_leader', '学院领导审批', 2, b.svc = 3,
       CASE b.phase WHEN 'leader_pending' THEN 1 WHEN 'leader_rejected' THEN 3 ELSE 2 END,
       b.c_decided, CASE WHEN b.phase = 'leader_pending' THEN NULL ELSE b.l_decided END,
       CASE b.svc WHEN 1 THEN 2 ELSE 3 END, 0,
       (40002000 + b.c)::text, 'dept_leader', b.i % 5
FROM bench_app b
WHERE b.two_step AND b.phase IN ('leader_pending', 'leader_rejected', 'approved');
ALTER TABLE bench_step ADD COLUMN due_at timestamptz;
UPDATE bench_step SET due_at = (((started_at AT TIME ZONE 'Asia/Shanghai')::date + due_days + 1)::timestamp
                                AT TIME ZONE 'Asia/Shanghai') - interval '1 second';

-- Ids in the order things happened, as the engine would have given them.
INSERT INTO approval_steps (application_id, step_key, step_name, step_name_en, stage, kind, mode,
                            state, hide_opinions, group_id, due_at, started_at, ended_at)
SELECT x.i, x.step_key, x.step_name, CASE x.stage WHEN 0 THEN 'Counselor' ELSE 'College leader' END,
       x.stage, 1, x.mode, x.state, x.hide, g.id, x.due_at, x.started_at, x.ended_at
FROM bench_step x JOIN approver_groups g ON g.code = x.grp
ORDER BY x.started_at, x.i, x.stage;

INSERT INTO approval_tasks (step_id, application_id, service_id, applicant_college_id, assignee_id,
                            kind, state, due_at, created_at, decided_at, decided_by, opinion)
SELECT s.id, x.i, x.svc, 1 + x.c, a.id, 1,
       CASE x.state WHEN 1 THEN 1 WHEN 2 THEN 3 ELSE 4 END, x.due_at, x.started_at, x.ended_at,
       CASE WHEN x.state <> 1 THEN a.id END,
       CASE x.state WHEN 1 THEN ''
                    WHEN 2 THEN (ARRAY['同意', '同意。', '情况属实，同意。', '同意，请按时返校销假。',
                                       '材料齐全，同意。', '同意，注意安全。', '已核实，同意办理。'])[1 + x.pick]
                    ELSE '材料不全，请补充相关证明后重新提交。' END
FROM bench_step x
JOIN approval_steps s ON s.application_id = x.i AND s.stage = x.stage
JOIN accounts a ON a.campus_id = x.approver
ORDER BY x.started_at, x.i, x.stage;

-- SLA timers: a due timer for every step (done when it ended or came due), a reminder for
-- leave's counselor step.
INSERT INTO approval_timers (step_id, kind, fire_at, done_at)
SELECT s.id, k.kind, k.fire_at, CASE WHEN s.ended_at IS NOT NULL AND s.ended_at < k.fire_at THEN s.ended_at
                                     WHEN k.fire_at < now() THEN k.fire_at END
FROM approval_steps s JOIN bench_step x ON x.i = s.application_id AND x.stage = s.stage
CROSS JOIN LATERAL (VALUES (2, s.due_at), (1, s.due_at - make_interval(hours => x.remind_hours))) AS k (kind, fire_at)
WHERE k.kind = 2 OR x.remind_hours > 0;

-- --- timeline and outbox ---------------------------------------------------------------------

INSERT INTO application_events (application_id, at, action, actor_id, note, step_id, task_id)
SELECT application_id, at, action, actor_id, note, step_id, task_id FROM (
  SELECT p.id AS application_id, p.submitted_at AS at, 'submitted' AS action, p.account_id AS actor_id,
         '' AS note, NULL::bigint AS step_id, NULL::bigint AS task_id
  FROM applications p
  UNION ALL
  SELECT t.application_id, t.decided_at, CASE t.state WHEN 3 THEN 'approve' ELSE 'reject' END,
         t.decided_by, t.opinion, t.step_id, t.id
  FROM approval_tasks t WHERE t.decided_at IS NOT NULL
  UNION ALL
  SELECT p.id, p.ended_at, CASE p.state WHEN 5 THEN 'approved' ELSE 'rejected' END, NULL, '', NULL, NULL
  FROM applications p WHERE p.ended_at IS NOT NULL
) e ORDER BY at, application_id;

INSERT INTO outbox (topic, application_id, payload, created_at, delivered_at, attempts)
SELECT topic, application_id, payload, at, CASE WHEN at < now() - interval '1 hour' THEN at + interval '2 seconds' END,
       CASE WHEN at < now() - interval '1 hour' THEN 1 ELSE 0 END
FROM (
  SELECT 'approvals.application.started' AS topic, p.id AS application_id,
         jsonb_build_object('applicationId', p.id::text, 'processVersion', 1) AS payload, p.submitted_at AS at
  FROM applications p
  UNION ALL
  SELECT 'approvals.task.created', t.application_id,
         jsonb_build_object('applicationId', t.application_id::text, 'taskId', t.id::text,
                            'stepId', t.step_id::text, 'assigneeId', t.assignee_id::text), t.created_at
  FROM approval_tasks t
  UNION ALL
  SELECT 'approvals.step.passed', s.application_id,
         jsonb_build_object('applicationId', s.application_id::text, 'stepId', s.id::text), s.ended_at
  FROM approval_steps s WHERE s.state = 2
  UNION ALL
  SELECT CASE p.state WHEN 5 THEN 'approvals.application.approved' ELSE 'approvals.application.rejected' END,
         p.id, jsonb_build_object('applicationId', p.id::text), p.ended_at
  FROM applications p WHERE p.ended_at IS NOT NULL
) o ORDER BY at, application_id;

UPDATE catalog_generation SET generation = generation + 1;
COMMIT;

-- As autovacuum would have left a database of this age: visibility map set, statistics fresh.
VACUUM ANALYZE;
