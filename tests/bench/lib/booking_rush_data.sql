-- booking_rush_data.sql — the booking rush's world, loaded into its PRIVATE database: a
-- university with one department, for each round r three published booking services
-- (rush-http-r for the clients through the gateway, rush-sql-r and rush-one-r for pgbench
-- running the same claim statement with 8 clients and with 1; a service per round, since each
-- student may hold one booking of a service), one :seats-seat slot of each tomorrow at 10:00
-- (hall time), and 2,000 students
-- whose password hashes carry :'hash' (a cheap PBKDF2 cost, read from each hash at login).
-- psql variables: hash, seats, rounds.
BEGIN;

INSERT INTO org_units (id, code, name, name_en, kind, parent_id, path) OVERRIDING SYSTEM VALUE
VALUES (1, 'BU', '压测大学', 'Benchmark University', 1, NULL, ARRAY[1]::bigint[]),
       (2, 'BD', '压测部门', 'Benchmark Office', 3, 1, ARRAY[1, 2]::bigint[]);

INSERT INTO services (code, owner_unit_id, state, published_at)
SELECT kind || '-' || r, 2, 2, now()
FROM generate_series(1, :rounds) AS r, (VALUES ('rush-http'), ('rush-sql'), ('rush-one')) AS k(kind);

INSERT INTO service_versions (service_id, version, state, name, guide, published_at)
SELECT id, 1, 2, '心理咨询预约' || id, jsonb_build_object(
  'name', '心理咨询预约' || id, 'nameEn', 'Counselling ' || id, 'categories', jsonb_build_array(),
  'audience', 'AUDIENCE_EVERYONE', 'summary', '压测用的预约服务。', 'conditions', '在校学生。',
  'steps', jsonb_build_array('选择时段', '按时到场'), 'timeLimitWorkdays', 1, 'fees', '免费',
  'locations', jsonb_build_array(jsonb_build_object('campus', '东校区', 'place', '行政楼 101')),
  'mode', 'HANDLING_MODE_BOOKING'), now()
FROM services;

INSERT INTO booking_slots (service_id, starts_at, ends_at, location, capacity)
SELECT id, ((now() AT TIME ZONE 'Asia/Shanghai')::date + 1 + time '10:00') AT TIME ZONE 'Asia/Shanghai',
       ((now() AT TIME ZONE 'Asia/Shanghai')::date + 1 + time '10:30') AT TIME ZONE 'Asia/Shanghai',
       '行政楼 101', :seats
FROM services ORDER BY id;

INSERT INTO accounts (campus_id, name, kind, org_unit, password_hash, must_change_password)
SELECT 'rush' || i, '学生' || i, 1, '', :'hash', false FROM generate_series(1, 2000) AS i;
INSERT INTO account_roles (account_id, role) SELECT id, 'student' FROM accounts;

UPDATE catalog_generation SET generation = generation + 1;
COMMIT;
