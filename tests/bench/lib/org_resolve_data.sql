-- org_resolve_data.sql — the org_resolve benchmark's university, loaded into its PRIVATE
-- database with set-based SQL (a few seconds): 1 university, 20 colleges, 100 majors, 2,000
-- classes of 25 students (50,000 student accounts, each in its class), and the approver
-- groups the benchmark resolves:
--   counselor           one counselor per 10 classes (200), a second one on every 50th class,
--                       and a former counselor per class whose scope ended a year ago (history)
--   teaching_secretary  one per college (resolution walks up 2 levels from a class)
--   dept_leader         one, scoped to the university (walks up to the root)
-- and a few delegations active today (counselors to colleagues, one for all groups), plus
-- some that ended or are still to come.
-- Unit ids are given explicitly so paths are plain arithmetic (ids root..self):
--   university 1; colleges 2..21; department (the groups' owner) 50; majors 101..200;
--   classes 1001..3000.
-- Student campus ids are 8 digits, 30000001..30050000 (student s is in class 1000+ceil(s/25)),
-- so a pgbench script can pick one with \set.
BEGIN;

INSERT INTO org_units (id, code, name, name_en, kind, parent_id, path) OVERRIDING SYSTEM VALUE
VALUES (1, 'BU', '压测大学', 'Benchmark University', 1, NULL, ARRAY[1]::bigint[]),
       (50, 'BXSC', '压测学生处', 'Benchmark Student Affairs', 3, 1, ARRAY[1, 50]::bigint[]);

INSERT INTO org_units (id, code, name, name_en, kind, parent_id, path) OVERRIDING SYSTEM VALUE
SELECT 1 + c, 'C' || c, '学院' || c, 'College ' || c, 2, 1, ARRAY[1, 1 + c]::bigint[]
FROM generate_series(1, 20) AS c;

INSERT INTO org_units (id, code, name, name_en, kind, parent_id, path) OVERRIDING SYSTEM VALUE
SELECT 100 + m, 'M' || m, '专业' || m, 'Major ' || m, 4, 2 + (m - 1) / 5,
       ARRAY[1, 2 + (m - 1) / 5, 100 + m]::bigint[]
FROM generate_series(1, 100) AS m;

INSERT INTO org_units (id, code, name, name_en, kind, parent_id, path) OVERRIDING SYSTEM VALUE
SELECT 1000 + k, 'K' || k, '班级' || k, 'Class ' || k, 5, 101 + (k - 1) / 20,
       ARRAY[1, 2 + (k - 1) / 100, 101 + (k - 1) / 20, 1000 + k]::bigint[]
FROM generate_series(1, 2000) AS k;

SELECT setval(pg_get_serial_sequence('org_units', 'id'), 3000);

-- Students: campus id 30000000 + s, class 1000 + ceil(s / 25).
INSERT INTO accounts (campus_id, name, kind, org_unit, password_hash, must_change_password)
SELECT (30000000 + s)::text, '学生' || s, 1, 'K' || (1 + (s - 1) / 25), 'bench-no-login', false
FROM generate_series(1, 50000) AS s;

-- Staff: counselors 40000001..40000220 (the first 200 serve 10 classes each, the next 20 are
-- second counselors), former counselors 40001001..40001200, teaching secretaries
-- 40002001..40002020, the university's leader 40003001, delegates 40004001..40004010.
INSERT INTO accounts (campus_id, name, kind, org_unit, password_hash, must_change_password)
SELECT (40000000 + n)::text, '辅导员' || n, 2, 'BXSC', 'bench-no-login', false
FROM generate_series(1, 220) AS n
UNION ALL
SELECT (40001000 + n)::text, '前辅导员' || n, 2, 'BXSC', 'bench-no-login', false
FROM generate_series(1, 200) AS n
UNION ALL
SELECT (40002000 + n)::text, '教学秘书' || n, 2, 'C' || n, 'bench-no-login', false
FROM generate_series(1, 20) AS n
UNION ALL
SELECT '40003001', '校领导', 2, 'BU', 'bench-no-login', false
UNION ALL
SELECT (40004000 + n)::text, '代理人' || n, 2, 'BXSC', 'bench-no-login', false
FROM generate_series(1, 10) AS n;

INSERT INTO account_roles (account_id, role)
SELECT id, CASE kind WHEN 1 THEN 'student' ELSE 'staff' END FROM accounts
WHERE campus_id ~ '^[34]0[0-9]{6}$';

INSERT INTO person_units (account_id, unit_id, title)
SELECT a.id, 1000 + 1 + (a.campus_id::int - 30000001) / 25, ''
FROM accounts a WHERE a.campus_id BETWEEN '30000001' AND '30050000';

INSERT INTO person_units (account_id, unit_id, title)
SELECT a.id, u.id, CASE WHEN u.kind = 2 THEN '教学秘书' WHEN u.kind = 1 THEN '校长' ELSE '辅导员' END
FROM accounts a JOIN org_units u ON u.code = a.org_unit
WHERE a.campus_id BETWEEN '40000000' AND '40099999';

INSERT INTO approver_groups (code, name, name_en, owner_unit_id, builtin) VALUES
  ('counselor', '辅导员', 'Counselor', 50, true),
  ('teaching_secretary', '教学秘书', 'Teaching secretary', 50, true),
  ('dept_leader', '部门领导', 'Department leader', 50, true);

-- Counselor n (1..200) serves classes 10(n-1)+1 .. 10n; counselor 200+j (1..20) also serves
-- classes 100j-50 and 100j (so every 50th class has two).
INSERT INTO group_scopes (group_id, account_id, unit_id, valid_from)
SELECT g.id, a.id, 1000 + 10 * (n - 1) + i, now() - interval '200 days'
FROM generate_series(1, 200) AS n CROSS JOIN generate_series(1, 10) AS i
JOIN accounts a ON a.campus_id = (40000000 + n)::text
JOIN approver_groups g ON g.code = 'counselor';

INSERT INTO group_scopes (group_id, account_id, unit_id, valid_from)
SELECT g.id, a.id, 1000 + 100 * j - d, now() - interval '100 days'
FROM generate_series(1, 20) AS j CROSS JOIN (VALUES (0), (50)) AS x (d)
JOIN accounts a ON a.campus_id = (40000200 + j)::text
JOIN approver_groups g ON g.code = 'counselor';

-- History: the former counselor of every class, ended 200 days ago.
INSERT INTO group_scopes (group_id, account_id, unit_id, valid_from, valid_to)
SELECT g.id, a.id, 1000 + k, now() - interval '900 days', now() - interval '200 days'
FROM generate_series(1, 2000) AS k
JOIN accounts a ON a.campus_id = (40001000 + 1 + (k - 1) / 10)::text
JOIN approver_groups g ON g.code = 'counselor';

INSERT INTO group_scopes (group_id, account_id, unit_id, valid_from)
SELECT g.id, a.id, 1 + n, now() - interval '300 days'
FROM generate_series(1, 20) AS n
JOIN accounts a ON a.campus_id = (40002000 + n)::text
JOIN approver_groups g ON g.code = 'teaching_secretary';

INSERT INTO group_scopes (group_id, account_id, unit_id, valid_from)
SELECT g.id, a.id, 1, now() - interval '300 days'
FROM accounts a JOIN approver_groups g ON g.code = 'dept_leader'
WHERE a.campus_id = '40003001';

-- Delegations (Asia/Shanghai days): counselors 1..8 to delegates 1..8 for the counselor group,
-- active today; the leader to delegate 9 for all groups, active today; counselor 9's ended
-- early, counselor 10's starts next week, counselor 11's ended last month.
INSERT INTO delegations (from_account_id, to_account_id, group_id, start_date, end_date, reason,
                         created_by, ended_at)
SELECT f.id, t.id, g.id, d.s, d.e, '压测', f.id, d.ended
FROM (VALUES
  (40000001, 40004001, 'counselor', -2, 5, false), (40000002, 40004002, 'counselor', -1, 3, false),
  (40000003, 40004003, 'counselor', 0, 0, false), (40000004, 40004004, 'counselor', -10, 10, false),
  (40000005, 40004005, 'counselor', -3, 1, false), (40000006, 40004006, 'counselor', 0, 7, false),
  (40000007, 40004007, 'counselor', -5, 2, false), (40000008, 40004008, 'counselor', -1, 1, false),
  (40003001, 40004009, NULL, -1, 6, false),
  (40000009, 40004010, 'counselor', -2, 5, true), (40000010, 40004010, 'counselor', 7, 14, false),
  (40000011, 40004010, 'counselor', -40, -30, false)
) AS v (f, t, grp, s0, e0, ended_early)
JOIN accounts f ON f.campus_id = v.f::text
JOIN accounts t ON t.campus_id = v.t::text
LEFT JOIN approver_groups g ON g.code = v.grp
CROSS JOIN LATERAL (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date + v.s0 AS s,
                           (now() AT TIME ZONE 'Asia/Shanghai')::date + v.e0 AS e,
                           CASE WHEN v.ended_early THEN now() - interval '1 hour' END AS ended) AS d;

COMMIT;
ANALYZE;
