"""test_org_units.py — the org tree's OrgUnits service on the shared core: creating, renaming
and moving units (descendants' paths follow), refused moves and kinds, closing with and without
somewhere for the people to go, people's units with their history, department admins, and who
may do what (students, staff, department admins of other units, the HR unit's admins, apps).

Every test makes its own units (unique codes under the open university) and accounts, so it
depends neither on the demo tree nor on the other tests.
"""
import unittest
import uuid

import grpc

import harness
from identity_fixtures import bearer, create_account, identity_modules, login, psql
from org_fixtures import (add_person_unit, call, create_unit, dept_admin, hall_admin, new_code,
                          org_modules, person, status_of, unit_tree, university)

ABORTED = grpc.StatusCode.ABORTED
DENIED = grpc.StatusCode.PERMISSION_DENIED
INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND


class OrgUnitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pb2, pb2_grpc = org_modules()
        cls.dsn = harness.env("EHALL_TEST_PG_DSN")
        cls.channel = grpc.insecure_channel(harness.env("EHALL_TEST_CORE_ADDR"))
        cls.units = pb2_grpc.OrgUnitsStub(cls.channel)
        cls.admin, cls.admin_token = hall_admin(cls.dsn, cls.channel)
        cls.root = university(cls.dsn)
        # HR's admins change the tree too (config org.hr_unit, "HR" by default).
        if not psql(cls.dsn, "SELECT 1 FROM org_units WHERE code = 'HR'"):
            create_unit(cls.dsn, "HR", "人事处", "department", cls.root)
        cls.hr, cls.hr_token = dept_admin(cls.dsn, cls.channel, "HR")

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()

    # --- helpers --------------------------------------------------------------------------

    def get(self, code, token=None):
        return call(self.units.GetUnit, self.pb2.GetUnitRequest(code=code),
                    token or self.admin_token)

    def create(self, code, name, kind, parent="", token=None):
        return call(self.units.CreateUnit, self.pb2.CreateUnitRequest(
            code=code, name=name, kind=kind, parent_code=parent), token or self.admin_token)

    def update(self, code, token=None, **kw):
        return call(self.units.UpdateUnit, self.pb2.UpdateUnitRequest(code=code, **kw),
                    token or self.admin_token)

    def close(self, code, move_to="", token=None):
        return call(self.units.CloseUnit, self.pb2.CloseUnitRequest(
            code=code, move_people_to=move_to), token or self.admin_token)

    def person_units(self, campus_id, token=None):
        return call(self.units.GetPersonUnits, self.pb2.GetPersonUnitsRequest(campus_id=campus_id),
                    token or self.admin_token)

    def set_units(self, campus_id, entries, token=None):
        E = self.pb2.SetPersonUnitsRequest.Entry
        return call(self.units.SetPersonUnits, self.pb2.SetPersonUnitsRequest(
            campus_id=campus_id, units=[E(unit_code=u, title=t) for u, t in entries]),
            token or self.admin_token)

    def path(self, code):
        return [r.code for r in self.get(code).path]

    def audit(self, action, target):
        return psql(self.dsn, "SELECT actor, detail::text FROM audit_log"
                              " WHERE action = :'v1' AND target = :'v2' ORDER BY id", action, target)

    def current_rows(self, campus_id):
        return psql(self.dsn, "SELECT u.code, pu.title FROM person_units pu"
                              " JOIN org_units u ON u.id = pu.unit_id"
                              " JOIN accounts a ON a.id = pu.account_id"
                              " WHERE a.campus_id = :'v1' AND pu.valid_to IS NULL ORDER BY u.code",
                    campus_id)

    def org_unit_of(self, campus_id):
        return psql(self.dsn, "SELECT org_unit FROM accounts WHERE campus_id = :'v1'", campus_id)[0][0]

    # --- create, get, list ----------------------------------------------------------------

    def test_create_get_and_list(self):
        K = self.pb2
        college, major, klass = new_code("C"), new_code("M"), new_code("K")
        u = self.create(college, "新建学院", K.UNIT_KIND_COLLEGE, self.root, token=self.hr_token)
        self.assertEqual((u.code, u.kind, u.parent_code), (college, K.UNIT_KIND_COLLEGE, self.root))
        self.assertEqual([r.code for r in u.path], [self.root])
        self.create(major, "新建专业", K.UNIT_KIND_MAJOR, college)
        self.create(klass, "新建班级", K.UNIT_KIND_CLASS, major)
        got = self.get(klass)
        self.assertEqual([r.code for r in got.path], [self.root, college, major])
        self.assertEqual(got.path[1].name, "新建学院")
        self.assertFalse(got.closed)
        person(self.dsn, klass)
        self.assertEqual(self.get(klass).people_count, 1)
        self.assertEqual(self.get(major).child_count, 1)
        self.assertEqual(self.audit("org.unit.create", f"unit:{college}")[0][0], self.hr)

        # Children of a parent; an unknown parent is NOT_FOUND.
        r = call(self.units.ListUnits, K.ListUnitsRequest(parent_code=college), self.admin_token)
        self.assertEqual([x.code for x in r.units], [major])
        self.assertEqual(status_of(self.units.ListUnits, K.ListUnitsRequest(
            parent_code=new_code("X")), metadata=bearer(self.admin_token)), NOT_FOUND)
        # The roots: the open university.
        r = call(self.units.ListUnits, K.ListUnitsRequest(), self.admin_token)
        self.assertIn(self.root, [x.code for x in r.units])

    def test_search_and_paging(self):
        K = self.pb2
        tag = uuid.uuid4().hex[:8]
        root = university(self.dsn)
        college = create_unit(self.dsn, new_code("C"), f"检索{tag}学院", "college", root)
        for i in range(5):
            create_unit(self.dsn, f"S{tag}-{i}", f"检索{tag}专业{i}", "major", college)
        create_unit(self.dsn, f"P{tag}", f"折扣50%_{tag}", "major", college)
        # By name and by code; the query's % and _ are characters, not patterns.
        r = call(self.units.ListUnits, K.ListUnitsRequest(query=f"检索{tag}专业"), self.admin_token)
        self.assertEqual(len(r.units), 5)
        r = call(self.units.ListUnits, K.ListUnitsRequest(query=f"s{tag}-3"), self.admin_token)
        self.assertEqual([x.code for x in r.units], [f"S{tag}-3"])
        self.assertEqual([x.code for x in r.units[0].path], [root, college])
        r = call(self.units.ListUnits, K.ListUnitsRequest(query=f"50%_{tag}"), self.admin_token)
        self.assertEqual([x.code for x in r.units], [f"P{tag}"])
        r = call(self.units.ListUnits, K.ListUnitsRequest(query=f"检索%{tag}"), self.admin_token)
        self.assertEqual(len(r.units), 0)
        # Pages of 2 under the college: 6 majors, then nothing more.
        seen, token = [], ""
        for _ in range(5):
            r = call(self.units.ListUnits, K.ListUnitsRequest(parent_code=college, page_size=2,
                                                               page_token=token), self.admin_token)
            seen += [x.code for x in r.units]
            token = r.next_page_token
            if not token:
                break
        self.assertEqual(len(seen), 6)
        self.assertEqual(len(set(seen)), 6)
        for bad in (K.ListUnitsRequest(page_size=-1), K.ListUnitsRequest(page_token="zz"),
                    K.ListUnitsRequest(query="x" * 65)):
            self.assertEqual(status_of(self.units.ListUnits, bad,
                                       metadata=bearer(self.admin_token)), INVALID)

    def test_create_refused(self):
        K = self.pb2
        t = unit_tree(self.dsn)
        code = new_code("C")
        cases = [
            (K.CreateUnitRequest(code="bad code", name="x", kind=2, parent_code=self.root), INVALID),
            (K.CreateUnitRequest(code=code, name="", kind=2, parent_code=self.root), INVALID),
            (K.CreateUnitRequest(code=code, name="x", kind=0, parent_code=self.root), INVALID),
            (K.CreateUnitRequest(code=code, name="x", kind=2), INVALID),  # no parent
            (K.CreateUnitRequest(code=code, name="x", kind=5, parent_code=self.root), INVALID),
            (K.CreateUnitRequest(code=code, name="x", kind=4, parent_code=t["class"]), INVALID),
            (K.CreateUnitRequest(code=code, name="x", kind=2, parent_code=new_code()), INVALID),
            (K.CreateUnitRequest(code=t["major"], name="x", kind=2, parent_code=self.root),
             grpc.StatusCode.ALREADY_EXISTS),
            (K.CreateUnitRequest(code=code, name="第二所学校", kind=1), ABORTED),
        ]
        for req, want in cases:
            with self.subTest(req=str(req)):
                self.assertEqual(status_of(self.units.CreateUnit, req,
                                           metadata=bearer(self.admin_token)), want)
        # Under a closed unit.
        closed = create_unit(self.dsn, new_code("C"), "已关闭学院", "college", self.root)
        self.close(closed)
        self.assertEqual(status_of(self.units.CreateUnit, K.CreateUnitRequest(
            code=code, name="x", kind=4, parent_code=closed),
            metadata=bearer(self.admin_token)), INVALID)
        self.assertEqual(psql(self.dsn, "SELECT count(*) FROM org_units WHERE code = :'v1'", code),
                         [["0"]])

    # --- rename and move ------------------------------------------------------------------

    def test_rename_and_move_with_descendants(self):
        t = unit_tree(self.dsn)
        other = create_unit(self.dsn, new_code("C"), "另一学院", "college", self.root)
        u = self.update(t["major"], name="改名专业", name_en="Renamed Major")
        self.assertEqual((u.name, u.name_en, u.parent_code), ("改名专业", "Renamed Major", t["college"]))
        self.assertEqual(self.get(t["class"]).path[2].name, "改名专业")

        u = self.update(t["major"], parent_code=other)
        self.assertEqual(u.parent_code, other)
        self.assertEqual(self.path(t["major"]), [self.root, other])
        self.assertEqual(self.path(t["class"]), [self.root, other, t["major"]])
        self.assertEqual(self.path(t["class2"]), [self.root, other, t["major"]])
        self.assertEqual(self.get(t["college"]).child_count, 0)
        self.assertEqual(self.get(other).child_count, 1)
        # The stored path (ids root..self) is what resolution walks: check it too.
        rows = psql(self.dsn, "SELECT (SELECT array_agg(a.code ORDER BY n) FROM unnest(u.path)"
                              " WITH ORDINALITY AS p(id, n) JOIN org_units a ON a.id = p.id)::text"
                              " FROM org_units u WHERE u.code = :'v1'", t["class"])
        self.assertEqual(rows[0][0], "{%s,%s,%s,%s}" % (self.root, other, t["major"], t["class"]))
        audits = self.audit("org.unit.update", f"unit:{t['major']}")
        self.assertEqual(len(audits), 2)
        self.assertIn(other, audits[1][1])
        # A class moves under another major or a college.
        self.update(t["class2"], parent_code=t["college"])
        self.assertEqual(self.path(t["class2"]), [self.root, t["college"]])

    def test_refused_moves(self):
        t = unit_tree(self.dsn)
        closed = create_unit(self.dsn, new_code("C"), "已关闭学院", "college", self.root)
        self.close(closed)
        cases = [
            (t["college"], t["college"]),   # under itself
            (t["college"], t["major"]),     # under a descendant
            (t["major"], t["class"]),       # under its own class (a descendant)
            (t["class2"], t["class"]),      # a class is no parent
            (t["major"], t["department"]),  # a major belongs under a college
            (t["college"], t["major"]),     # a college belongs under the university
            (t["major"], closed),           # under a closed unit
            (t["major"], new_code("X")),    # under nothing
            (self.root, t["college"]),      # the university never moves
        ]
        for code, parent in cases:
            with self.subTest(code=code, parent=parent):
                try:
                    self.update(code, parent_code=parent)
                    self.fail("moved")
                except grpc.RpcError as e:
                    self.assertEqual(e.code(), INVALID)
                    self.assertIn("parent_code", str(harness.grpc_status_details(e)))
        self.assertEqual(self.path(t["class"]), [self.root, t["college"], t["major"]])
        self.assertEqual(status_of(self.units.UpdateUnit, self.pb2.UpdateUnitRequest(
            code=new_code("X"), name="x"), metadata=bearer(self.admin_token)), NOT_FOUND)

    # --- close ----------------------------------------------------------------------------

    def test_close_refused_then_with_move_people_to(self):
        t = unit_tree(self.dsn)
        # Open children: refused.
        self.assertEqual(status_of(self.close, t["major"]), ABORTED)
        s1, s2 = person(self.dsn, t["class"]), person(self.dsn, t["class"])
        add_person_unit(self.dsn, s2, t["class2"])  # already in the target too
        try:
            self.close(t["class"])
            self.fail("closed a class with people")
        except grpc.RpcError as e:
            self.assertEqual(e.code(), ABORTED)
            self.assertIn("2", e.details())
        for bad in (t["class"], new_code("X")):
            self.assertEqual(status_of(self.close, t["class"], bad), INVALID)
        closed = create_unit(self.dsn, new_code("K"), "已关闭班级", "class", t["major"])
        self.close(closed)
        self.assertEqual(status_of(self.close, t["class"], closed), INVALID)
        self.assertEqual(self.get(t["class"]).people_count, 2)

        u = self.close(t["class"], t["class2"])
        self.assertTrue(u.closed)
        self.assertTrue(u.HasField("close_time"))
        self.assertEqual(u.people_count, 0)
        self.assertEqual(self.current_rows(s1), [[t["class2"], ""]])
        self.assertEqual(self.current_rows(s2), [[t["class2"], ""]])
        self.assertEqual(self.org_unit_of(s1), t["class2"])
        # History stays: the ended row of the closed class.
        ended = psql(self.dsn, "SELECT count(*) FROM person_units pu JOIN accounts a"
                               " ON a.id = pu.account_id JOIN org_units u ON u.id = pu.unit_id"
                               " WHERE a.campus_id = :'v1' AND u.code = :'v2'"
                               " AND pu.valid_to IS NOT NULL", s1, t["class"])
        self.assertEqual(ended, [["1"]])
        self.assertIn("people_moved", self.audit("org.unit.close", f"unit:{t['class']}")[0][1])
        # Closed units only with include_closed; closing again changes nothing.
        K = self.pb2
        r = call(self.units.ListUnits, K.ListUnitsRequest(parent_code=t["major"]), self.admin_token)
        self.assertEqual([x.code for x in r.units], [t["class2"]])
        r = call(self.units.ListUnits, K.ListUnitsRequest(parent_code=t["major"],
                                                          include_closed=True), self.admin_token)
        self.assertEqual(sorted(x.code for x in r.units), sorted([t["class"], t["class2"], closed]))
        self.assertTrue(self.close(t["class"]).closed)
        self.assertEqual(status_of(self.update, t["class"], name="新名"), ABORTED)

    def test_close_empty_unit(self):
        t = unit_tree(self.dsn)
        u = self.close(t["department"])
        self.assertTrue(u.closed)
        self.assertEqual(status_of(self.close, new_code("X")), NOT_FOUND)

    # --- people ---------------------------------------------------------------------------

    def test_person_units_and_history(self):
        t = unit_tree(self.dsn)
        staff = person(self.dsn, t["department"], kind=2, title="科员")
        r = self.set_units(staff, [(t["college"], "教授"), (t["department"], "科员")])
        self.assertEqual([(u.unit.code, u.title) for u in r.units],
                         [(t["college"], "教授"), (t["department"], "科员")])
        self.assertEqual(self.org_unit_of(staff), t["college"])
        self.assertEqual(self.person_units(staff).units[0].unit.code, t["college"])
        self.assertTrue(self.person_units(staff).units[0].HasField("since"))
        # Only the department now: the college row ends (history), accounts.org_unit follows.
        r = self.set_units(staff, [(t["department"], "处长")])
        self.assertEqual([(u.unit.code, u.title) for u in r.units], [(t["department"], "处长")])
        self.assertEqual(self.current_rows(staff), [[t["department"], "处长"]])
        self.assertEqual(self.org_unit_of(staff), t["department"])
        hist = psql(self.dsn, "SELECT u.code, pu.title, pu.valid_to IS NULL FROM person_units pu"
                              " JOIN org_units u ON u.id = pu.unit_id JOIN accounts a"
                              " ON a.id = pu.account_id WHERE a.campus_id = :'v1' ORDER BY pu.id",
                    staff)
        # The department row with the same title stayed through the first change; a new title
        # is a new row.
        self.assertEqual(hist, [[t["department"], "科员", "f"], [t["college"], "教授", "f"],
                                [t["department"], "处长", "t"]])
        self.assertEqual(len(self.audit("org.person.units", f"person:{staff}")), 2)
        # Never without a unit; unknown, closed and repeated units refused; nothing changes.
        closed = create_unit(self.dsn, new_code("K"), "已关闭班级", "class", t["major"])
        self.close(closed)
        for entries in ([], [(new_code("X"), "")], [(closed, "")],
                        [(t["class"], ""), (t["class"], "")], [(t["class"], "x" * 65)]):
            with self.subTest(entries=entries):
                self.assertEqual(status_of(self.set_units, staff, entries), INVALID)
        self.assertEqual(self.current_rows(staff), [[t["department"], "处长"]])
        self.assertEqual(status_of(self.set_units, new_code("nobody"), [(t["class"], "")]),
                         NOT_FOUND)

    def test_person_units_access(self):
        t = unit_tree(self.dsn)
        student = person(self.dsn, t["class"])
        student_token = login(self.channel, student)
        other = person(self.dsn, t["class2"])
        other_token = login(self.channel, other)
        college_admin, college_token = dept_admin(self.dsn, self.channel, t["college"])
        dept_admin_id, dept_token = dept_admin(self.dsn, self.channel, t["department"])
        self.assertEqual(self.person_units(student, student_token).units[0].unit.code, t["class"])
        self.assertEqual(self.person_units(student, college_token).campus_id, student)
        self.assertEqual(self.person_units(student, self.hr_token).campus_id, student)
        for token in (other_token, dept_token):
            self.assertEqual(status_of(self.person_units, student, token), NOT_FOUND)
        self.assertEqual(status_of(self.person_units, new_code("nobody")), NOT_FOUND)

    # --- who may change the tree ----------------------------------------------------------

    def test_changes_refused_to_others(self):
        K = self.pb2
        t = unit_tree(self.dsn)
        student = person(self.dsn, t["class"])
        staff = create_account(self.dsn, roles=("staff",))
        _, other_admin = dept_admin(self.dsn, self.channel, t["department"])
        E = K.SetPersonUnitsRequest.Entry
        for token in (login(self.channel, student), login(self.channel, staff), other_admin):
            md = bearer(token)
            calls = [
                (self.units.CreateUnit, K.CreateUnitRequest(code=new_code(), name="x", kind=4,
                                                            parent_code=t["college"])),
                (self.units.UpdateUnit, K.UpdateUnitRequest(code=t["major"], name="偷改")),
                (self.units.CloseUnit, K.CloseUnitRequest(code=t["class2"])),
                (self.units.SetPersonUnits, K.SetPersonUnitsRequest(
                    campus_id=student, units=[E(unit_code=t["class2"])])),
                (self.units.ImportOrg, K.ImportOrgRequest(csv=b"type,code\n")),
                (self.units.AddUnitAdmin, K.AddUnitAdminRequest(code=t["college"],
                                                                campus_id=staff)),
                (self.units.RemoveUnitAdmin, K.RemoveUnitAdminRequest(code=t["college"],
                                                                      campus_id=staff)),
                (self.units.ListUnitAdmins, K.ListUnitAdminsRequest(code=t["college"])),
            ]
            for fn, req in calls:
                with self.subTest(method=fn._method, token=token[:6]):
                    self.assertEqual(status_of(fn, req, metadata=md, timeout=10), DENIED)
        self.assertEqual(self.get(t["major"]).name, "测试专业")
        self.assertFalse(self.get(t["class2"]).closed)
        # Anyone signed in browses.
        self.assertEqual(self.get(t["class"], login(self.channel, student)).code, t["class"])
        # Without a session: refused before any handler.
        self.assertEqual(status_of(self.units.GetUnit, K.GetUnitRequest(code=t["class"]),
                                   timeout=10), grpc.StatusCode.UNAUTHENTICATED)

    # --- department admins ----------------------------------------------------------------

    def test_unit_admins(self):
        K = self.pb2
        t = unit_tree(self.dsn)
        staff = create_account(self.dsn, roles=("staff",), name="新管理员")
        student = create_account(self.dsn, roles=("student",), kind=1)
        staff_token = login(self.channel, staff)
        # Before: not an admin, cannot list.
        self.assertEqual(status_of(self.units.ListUnitAdmins, K.ListUnitAdminsRequest(
            code=t["college"]), metadata=bearer(staff_token)), DENIED)
        a = call(self.units.AddUnitAdmin, K.AddUnitAdminRequest(code=t["college"],
                                                                 campus_id=staff), self.admin_token)
        self.assertEqual((a.campus_id, a.name, a.unit_code), (staff, "新管理员", t["college"]))
        call(self.units.AddUnitAdmin, K.AddUnitAdminRequest(code=t["college"], campus_id=staff),
             self.admin_token)  # again: no second row, no second audit
        self.assertEqual(len(self.audit("org.admin.add", f"unit:{t['college']}")), 1)
        # Takes effect on the next call of the same session; an ancestor's admin also sees it.
        r = call(self.units.ListUnitAdmins, K.ListUnitAdminsRequest(code=t["college"]), staff_token)
        self.assertEqual([x.campus_id for x in r.admins], [staff])
        r = call(self.units.ListUnitAdmins, K.ListUnitAdminsRequest(code=t["major"]), staff_token)
        self.assertEqual(list(r.admins), [])
        # Only active staff.
        for who in (student, new_code("nobody")):
            self.assertEqual(status_of(self.units.AddUnitAdmin, K.AddUnitAdminRequest(
                code=t["college"], campus_id=who), metadata=bearer(self.admin_token)), INVALID)
        self.assertEqual(status_of(self.units.AddUnitAdmin, K.AddUnitAdminRequest(
            code=new_code("X"), campus_id=staff), metadata=bearer(self.admin_token)), NOT_FOUND)
        # An HR admin is no hall admin: admins are the hall's to appoint.
        self.assertEqual(status_of(self.units.AddUnitAdmin, K.AddUnitAdminRequest(
            code=t["college"], campus_id=staff), metadata=bearer(self.hr_token)), DENIED)
        call(self.units.RemoveUnitAdmin, K.RemoveUnitAdminRequest(code=t["college"],
                                                                   campus_id=staff),
             self.admin_token)
        self.assertEqual(status_of(self.units.ListUnitAdmins, K.ListUnitAdminsRequest(
            code=t["college"]), metadata=bearer(staff_token)), DENIED)
        self.assertEqual(status_of(self.units.RemoveUnitAdmin, K.RemoveUnitAdminRequest(
            code=t["college"], campus_id=staff), metadata=bearer(self.admin_token)), NOT_FOUND)
        self.assertEqual(len(self.audit("org.admin.remove", f"unit:{t['college']}")), 1)

    # --- apps -----------------------------------------------------------------------------

    def test_app_with_org_read_browses_only(self):
        K = self.pb2
        ipb2, ipb2_grpc = identity_modules()
        r = ipb2_grpc.AppsStub(self.channel).CreateApp(ipb2.CreateAppRequest(
            name="组织机构读取 " + uuid.uuid4().hex[:6], scopes=["org.read"]),
            metadata=bearer(self.admin_token), timeout=10)
        token = ipb2_grpc.AuthStub(self.channel).ExchangeAppToken(ipb2.ExchangeAppTokenRequest(
            client_id=r.app.client_id, client_secret=r.client_secret), timeout=20).token
        t = unit_tree(self.dsn)
        student = person(self.dsn, t["class"])
        self.assertEqual(self.get(t["class"], token).code, t["class"])
        self.assertEqual(self.person_units(student, token).units[0].unit.code, t["class"])
        self.assertEqual(status_of(self.units.CreateUnit, K.CreateUnitRequest(
            code=new_code(), name="x", kind=4, parent_code=t["college"]),
            metadata=bearer(token), timeout=10), DENIED)


if __name__ == "__main__":
    unittest.main()
