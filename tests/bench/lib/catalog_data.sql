-- catalog_data.sql — the catalog benchmark's catalogue, loaded into its PRIVATE database with
-- set-based SQL: a university with 10 departments, 12 categories and 2,000 published services
-- whose names are built from the words of real guides (学生 / 教职工 … × 证明 / 补办 / 预约 … ×
-- a number), each with a complete guide of realistic size (steps, materials, a location with
-- hours), spread over the departments and categories. The generation is bumped so a core
-- started afterwards builds its snapshot from these rows.
BEGIN;

INSERT INTO org_units (id, code, name, name_en, kind, parent_id, path) OVERRIDING SYSTEM VALUE
VALUES (1, 'BU', '压测大学', 'Benchmark University', 1, NULL, ARRAY[1]::bigint[]);
INSERT INTO org_units (id, code, name, name_en, kind, parent_id, path) OVERRIDING SYSTEM VALUE
SELECT 10 + d, 'BD' || d, '压测部门' || d, 'Department ' || d, 3, 1, ARRAY[1, 10 + d]::bigint[]
FROM generate_series(1, 10) AS d;

INSERT INTO catalog_categories (code, kind, name, name_en, sort_order)
SELECT 'bc' || c, 1, '分类' || c, 'Category ' || c, c FROM generate_series(1, 12) AS c;

-- The services' names: who × what × how, numbered (学生在读证明开具1 …).
CREATE TEMP TABLE bench_names ON COMMIT DROP AS
WITH w AS (
  SELECT ARRAY['学生', '教职工', '研究生', '本科生', '新生', '毕业生', '留学生', '博士生', '校友', '访客']
           AS who,
         ARRAY['在读证明', '成绩单', '学生证', '校园卡', '宿舍', '奖学金', '档案', '户籍', '场馆',
               '教室', '经费', '出国', '请假', '论文', '邮箱', '网络', '图书证', '车辆', '实验室',
               '党组织关系'] AS what,
         ARRAY['开具', '补办', '预约', '申请', '报销', '查询', '变更', '注销', '审批', '登记'] AS how
)
SELECT i, w.who[1 + i % 10] || w.what[1 + (i / 10) % 20] || w.how[1 + (i / 200) % 10] || i AS name
FROM generate_series(1, 2000) AS i, w;

INSERT INTO services (id, code, owner_unit_id, state, created_at, updated_at, published_at)
OVERRIDING SYSTEM VALUE
SELECT i, 'svc-' || i, 11 + i % 10, 2, now(), now(), now() - make_interval(mins => i)
FROM bench_names;

INSERT INTO service_versions (service_id, version, state, name, guide, published_at)
SELECT i, 1, 2, name, jsonb_build_object(
  'name', name,
  'nameEn', 'Benchmark service ' || i,
  'categories', jsonb_build_array('bc' || (1 + i % 12)),
  'audience', 'AUDIENCE_EVERYONE',
  'summary', '为' || name || '提供网上申请、审核与结果领取。材料齐全的当场受理，审核通过后按承诺时限办结。',
  'conditions', '1. 具有本校正式身份；' || chr(10) || '2. 按要求提交材料；' || chr(10) || '3. 无未结清事项。',
  'materials', jsonb_build_array(
     jsonb_build_object('name', '身份证', 'copies', 1, 'required', true, 'note', '原件'),
     jsonb_build_object('name', '申请表', 'copies', 2, 'required', true)),
  'steps', jsonb_build_array('网上提交申请', '部门审核', '领取结果'),
  'timeLimitWorkdays', 1 + i % 5,
  'fees', '免费',
  'locations', jsonb_build_array(jsonb_build_object(
     'campus', '东校区', 'place', '行政楼 ' || (100 + i % 300) || ' 室',
     'hours', jsonb_build_array(jsonb_build_object('weekdays', jsonb_build_array(1, 2, 3, 4, 5),
                                                   'open', '08:30', 'close', '17:30')))),
  'contactPhone', '0373-33' || lpad((i % 10000)::text, 4, '0'),
  'mode', 'HANDLING_MODE_ONLINE',
  'keywords', jsonb_build_array('压测')),
  now() - make_interval(mins => i)
FROM bench_names;

UPDATE catalog_generation SET generation = generation + 1;
COMMIT;
