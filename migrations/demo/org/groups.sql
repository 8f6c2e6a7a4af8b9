-- The built-in approver groups of the original hall and the departments that maintain them
-- (demo / deployment data). Runs after the demo org import (the owner units must exist) and
-- lives outside migrations/demo/*.sql so the loop that runs those, before the imports, skips
-- it. Idempotent: a second run changes nothing. Members come from members/<code>.csv.
INSERT INTO approver_groups (code, name, name_en, description, owner_unit_id, builtin)
SELECT g.code, g.name, g.name_en, g.description, u.id, true
FROM (VALUES
  ('dept_leader', '部门领导', 'Department leader',
   '学院和部门的领导（院长、处长等），由组织部维护。 Leaders of colleges and departments (deans, directors), maintained by the Organization Department.',
   'ORG'),
  ('teaching_secretary', '教学秘书', 'Teaching secretary',
   '各学院的教学秘书，由教务处维护。 Each college''s teaching secretaries, maintained by the Office of Academic Affairs.',
   'JWC'),
  ('graduate_secretary', '研究生秘书', 'Graduate secretary',
   '各学院的研究生秘书，由研究生院维护。 Each college''s graduate secretaries, maintained by the Graduate School.',
   'YJSY'),
  ('research_secretary', '科研秘书', 'Research secretary',
   '各学院的科研秘书，由科学技术处维护；社会科学处的文科科研秘书也在本组，由大厅管理员代为维护。 Each college''s research secretaries, maintained by the Office of Science and Technology; the Office of Social Sciences keeps its (humanities and social sciences) members in this same group through the hall admin.',
   'KJC'),
  ('foreign_affairs_secretary', '外事秘书', 'Foreign affairs secretary',
   '外事事务的秘书，由国际合作与交流处维护。 Secretaries for foreign affairs, maintained by the Office of International Cooperation and Exchange.',
   'GJC'),
  ('counselor', '辅导员', 'Counselor',
   '各班级的辅导员，由学生工作处维护。 The counselors of the classes, maintained by the Student Affairs Office.',
   'XSC'),
  ('youth_league_secretary', '团委书记', 'Youth League secretary',
   '各学院的团委书记，由校团委维护。 Each college''s Youth League secretaries, maintained by the Youth League Committee.',
   'TW')
) AS g (code, name, name_en, description, owner_code)
JOIN org_units u ON u.code = g.owner_code
ON CONFLICT (code) DO NOTHING;
