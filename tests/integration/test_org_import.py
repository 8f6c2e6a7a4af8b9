"""test_org_import.py — HR's org import (ImportOrg and `ehall-core import org FILE [apply]`) on
a private PostgreSQL and core: the file is the whole tree, so applying one would close every
unit of the shared demo tree. Each test starts from an empty tree (setUp clears the org tables
of the private database) and its own accounts.

Covered: the diff (added, renamed, moved with descendants' paths, closed, reopened, people
moved), apply with the previewed digest, all or nothing, line errors, GB18030, idempotent
re-import, a stale digest, a closing unit that would strand people, the command line, access.
"""
import os
import unittest

import grpc

import harness
from identity_fixtures import bearer, create_account, login, psql
from org_fixtures import add_person_unit, dept_admin, new_code, org_modules, status_of

HEADER = "type,code,name,name_en,kind,parent,title\n"


class OrgImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pb2, pb2_grpc = org_modules()
        cls.pg, cls.redis = harness.private_stores()
        cls.dsn = cls.pg.dsn
        cls.core = harness.start_core(pg_dsn=cls.dsn, redis_port=cls.redis.port,
                                      env={"EHALL_CORE_RATELIMIT_ENABLED": "false"})
        cls.channel = grpc.insecure_channel(cls.core.addr)
        cls.units = pb2_grpc.OrgUnitsStub(cls.channel)
        cls.admin = create_account(cls.dsn, roles=("staff", "hall_admin"))
        cls.token = login(cls.channel, cls.admin)
        cls.dir = harness.tmpdir()

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.core.stop()

    def setUp(self):
        # Nothing else lives in this private database's org tables.
        psql(self.dsn, "TRUNCATE person_units, group_scopes, delegations, approver_groups,"
                       " service_favourites, service_recent, service_versions, service_templates,"
                       " application_events, approval_timers, approval_tasks, approval_steps,"
                       " outbox, application_files, applications, process_current,"
                       " process_versions, form_versions,"
                       " booking_waitlist, bookings, booking_slots, booking_closures,"
                       " booking_templates, booking_settings, services, org_units RESTART IDENTITY")
        psql(self.dsn, "DELETE FROM account_roles WHERE role = 'dept_admin'")

    # --- helpers --------------------------------------------------------------------------

    def imp(self, text, apply=False, digest="", token=None, encoding="utf-8"):
        data = text.encode(encoding) if isinstance(text, str) else text
        return self.units.ImportOrg(self.pb2.ImportOrgRequest(
            csv=data, apply=apply, expected_digest=digest),
            metadata=bearer(token or self.token), timeout=60)

    def people(self, n, kind=1):
        return [create_account(self.dsn, roles=("student",) if kind == 1 else ("staff",),
                               kind=kind, org_unit="") for _ in range(n)]

    def unit(self, code):
        return self.units.GetUnit(self.pb2.GetUnitRequest(code=code),
                                  metadata=bearer(self.token), timeout=10)

    def current(self, campus_id):
        return psql(self.dsn, "SELECT u.code, pu.title FROM person_units pu"
                              " JOIN org_units u ON u.id = pu.unit_id JOIN accounts a"
                              " ON a.id = pu.account_id WHERE a.campus_id = :'v1'"
                              " AND pu.valid_to IS NULL ORDER BY u.code", campus_id)

    def org_unit_of(self, campus_id):
        return psql(self.dsn, "SELECT org_unit FROM accounts WHERE campus_id = :'v1'", campus_id)[0][0]

    def tree(self):
        return psql(self.dsn, "SELECT code, name, closed_at IS NULL FROM org_units ORDER BY code")

    def changes(self, rep):
        C = self.pb2.UnitChange
        names = {C.CHANGE_ADDED: "added", C.CHANGE_RENAMED: "renamed", C.CHANGE_MOVED: "moved",
                 C.CHANGE_CLOSED: "closed", C.CHANGE_REOPENED: "reopened"}
        return [(names[c.change], c.code, c.old_value, c.new_value) for c in rep.unit_changes]

    def base(self, s1, s2, t1):
        return (HEADER +
                "unit,U,示范大学,Demo University,university,,\n"
                "unit,C1,计算机学院,,college,U,\n"
                "unit,C2,文学院,,学院,U,\n"
                "unit,M1,软件工程,,major,C1,\n"
                "unit,K1,软件2301,,class,M1,\n"
                "unit,OLD,旧学院,,college,U,\n"
                "unit,D1,人事处,,department,U,\n"
                f"person,{s1},,,,K1,\n"
                f"person,{s2},,,,OLD,\n"
                f"person,{t1},,,,D1,科员\n")

    # --- the diff and applying it ---------------------------------------------------------

    def test_diff_then_apply_each_change(self):
        s1, s2, s3 = self.people(3)
        (t1,) = self.people(1, kind=2)
        rep = self.imp(self.base(s1, s2, t1), apply=True)
        self.assertEqual(list(rep.errors), [])
        self.assertTrue(rep.applied)
        self.assertEqual(len(rep.unit_changes), 7)
        self.assertEqual(len(rep.person_changes), 3)
        self.assertEqual(self.current(t1), [["D1", "科员"]])
        self.assertEqual(self.org_unit_of(s1), "K1")
        self.assertEqual([r.code for r in self.unit("K1").path], ["U", "C1", "M1"])
        psql(self.dsn, "UPDATE org_units SET closed_at = now() WHERE code = 'D1'")
        psql(self.dsn, "UPDATE person_units SET valid_to = now() WHERE unit_id ="
                       " (SELECT id FROM org_units WHERE code = 'D1')")

        new = (HEADER +
               "unit,U,示范大学,Demo University,university,,\n"
               "unit,C1,计算机学院,,college,U,\n"
               "unit,C2,文学院（新）,College of Liberal Arts,college,U,\n"   # renamed
               "unit,M1,软件工程,,major,C2,\n"                                # moved (K1 follows)
               "unit,K1,软件2301,,class,M1,\n"
               "unit,D1,人事处,,department,U,\n"                              # reopened
               "unit,NC,新学院,,college,U,\n"                                 # added, with
               "unit,NM,新专业,,major,NC,\n"                                  # a major under it
               f"person,{s1},,,,K1,\n"                                        # unchanged
               f"person,{s2},,,,C1,\n"                                        # out of OLD
               f"person,{t1},,,,D1,处长\n"                                    # new title
               f"person,{t1},,,,C2,教授\n"                                    # and a second unit
               f"person,{s3},,,,NM,\n")                                       # into an added unit
        before = self.tree()
        rep = self.imp(new)
        self.assertEqual(list(rep.errors), [])
        self.assertFalse(rep.applied)
        self.assertEqual(self.changes(rep), [
            ("added", "NC", "", ""), ("added", "NM", "", ""),
            ("renamed", "C2", "文学院", ""), ("moved", "M1", "C1", "C2"),
            ("closed", "OLD", "", ""), ("reopened", "D1", "", "")])
        self.assertEqual([(p.campus_id, list(p.old_units), list(p.new_units))
                          for p in rep.person_changes],
                         sorted([(s2, ["OLD"], ["C1"]), (t1, [], ["C2", "D1"]), (s3, [], ["NM"])]))
        self.assertEqual((rep.units_unchanged, rep.people_unchanged), (3, 1))  # U, C1, K1
        self.assertEqual(len(rep.diff_digest), 64)
        self.assertEqual(self.tree(), before)  # a preview changes nothing

        # Same file, same tree: the same digest.
        self.assertEqual(self.imp(new).diff_digest, rep.diff_digest)
        applied = self.imp(new, apply=True, digest=rep.diff_digest)
        self.assertTrue(applied.applied)
        self.assertEqual(applied.diff_digest, rep.diff_digest)
        self.assertEqual(self.unit("C2").name, "文学院（新）")
        self.assertEqual(self.unit("C2").name_en, "College of Liberal Arts")
        self.assertEqual([r.code for r in self.unit("K1").path], ["U", "C2", "M1"])
        self.assertEqual([r.code for r in self.unit("NM").path], ["U", "NC"])
        self.assertTrue(self.unit("OLD").closed)
        self.assertFalse(self.unit("D1").closed)
        self.assertEqual(self.current(s2), [["C1", ""]])
        self.assertEqual(self.org_unit_of(s2), "C1")
        self.assertEqual(self.current(t1), [["C2", "教授"], ["D1", "处长"]])
        self.assertEqual(self.org_unit_of(t1), "D1")  # the first unit of the file
        self.assertEqual(self.current(s3), [["NM", ""]])
        # The stored paths agree with the parents everywhere.
        self.assertEqual(psql(self.dsn, "SELECT count(*) FROM org_units u LEFT JOIN org_units p"
                                        " ON p.id = u.parent_id WHERE u.path <>"
                                        " coalesce(p.path, '{}') || u.id"), [["0"]])
        audit = psql(self.dsn, "SELECT actor, target, detail->>'added', detail->>'closed',"
                               " detail->>'people_changed' FROM audit_log"
                               " WHERE action = 'org.import' ORDER BY id DESC LIMIT 1")
        self.assertEqual(audit, [[self.admin, "org", "2", "1", "3"]])

        # Idempotent: the same file again changes nothing.
        again = self.imp(new, apply=True)
        self.assertTrue(again.applied)
        self.assertEqual((list(again.unit_changes), list(again.person_changes)), ([], []))
        self.assertEqual((again.units_unchanged, again.people_unchanged), (8, 4))
        hist = psql(self.dsn, "SELECT count(*) FROM person_units")
        self.imp(new, apply=True)
        self.assertEqual(psql(self.dsn, "SELECT count(*) FROM person_units"), hist)

    def test_all_or_nothing_with_line_errors(self):
        s1, s2 = self.people(2)
        (t1,) = self.people(1, kind=2)
        self.imp(self.base(s1, s2, t1), apply=True)
        before = self.tree()
        ghost = new_code("nobody")
        rep = self.imp(self.base(s1, s2, t1) +
                       "unit,NEW,新学院,,college,U,\n"      # 12: fine on its own
                       "unit,BAD,坏单位,,faculty,U,\n"     # 13: bad kind
                       "unit,K1,重复,,class,M1,\n"         # 14: duplicate code
                       f"person,{s1},,,,NOPE,\n", apply=True)  # 15: unknown unit
        self.assertFalse(rep.applied)
        self.assertEqual(rep.diff_digest, "")
        self.assertEqual([(e.line, e.column) for e in rep.errors],
                         [(13, "kind"), (14, "code"), (15, "parent")])
        self.assertIn("第 6 行", rep.errors[1].reason)
        self.assertEqual(self.tree(), before)
        # A person with no account is a line error too (found against the database).
        rep = self.imp(self.base(s1, s2, t1) + f"person,{ghost},,,,C1,\n", apply=True)
        self.assertEqual([(e.line, e.column) for e in rep.errors], [(12, "code")])
        self.assertFalse(rep.applied)
        self.assertEqual(self.tree(), before)
        # English reasons for an English caller.
        rep = self.units.ImportOrg(self.pb2.ImportOrgRequest(
            csv=(HEADER + "unit,U,大学,,university,,\nunit,X,x,,faculty,U,\n").encode()),
            metadata=bearer(self.token) + (("accept-language", "en"),), timeout=30)
        self.assertEqual(rep.errors[0].line, 3)
        self.assertIn("kind", rep.errors[0].reason)

    def test_gb18030_file(self):
        (s1,) = self.people(1)
        text = (HEADER + "unit,U,示范大学,,学校,,\nunit,LIT,文学院,,学院,U,\n"
                         "unit,LIT-CL,汉语言文学,,专业,LIT,\n" + f"person,{s1},,,,LIT-CL,\n")
        rep = self.imp(text, apply=True, encoding="gb18030")
        self.assertEqual(rep.encoding, "gb18030")
        self.assertEqual(list(rep.errors), [])
        self.assertTrue(rep.applied)
        self.assertEqual(self.unit("LIT-CL").name, "汉语言文学")
        self.assertEqual(self.current(s1), [["LIT-CL", ""]])

    def test_stale_digest_is_refused(self):
        s1, s2 = self.people(2)
        (t1,) = self.people(1, kind=2)
        self.imp(self.base(s1, s2, t1), apply=True)
        new = self.base(s1, s2, t1).replace("文学院", "人文学院")
        rep = self.imp(new)
        self.assertEqual(self.changes(rep), [("renamed", "C2", "文学院", "")])
        # Someone renames it meanwhile: the previewed diff no longer holds.
        psql(self.dsn, "UPDATE org_units SET name = '别的名字' WHERE code = 'C2'")
        try:
            self.imp(new, apply=True, digest=rep.diff_digest)
            self.fail("applied a stale preview")
        except grpc.RpcError as e:
            self.assertEqual(e.code(), grpc.StatusCode.ABORTED)
            self.assertIn("重新预览", e.details())
        self.assertEqual(self.unit("C2").name, "别的名字")
        self.assertEqual(status_of(self.imp, new, True, "0" * 64), grpc.StatusCode.ABORTED)

    def test_closing_unit_would_strand_people(self):
        s1, s2 = self.people(2)
        (t1,) = self.people(1, kind=2)
        self.imp(self.base(s1, s2, t1), apply=True)
        extra = self.people(2)
        for cid in extra:
            add_person_unit(self.dsn, cid, "OLD")
        before = self.tree()
        # The file leaves OLD out and moves s2, but not the two others.
        text = self.base(s1, s2, t1).replace("unit,OLD,旧学院,,college,U,\n", "").replace(
            f"person,{s2},,,,OLD,", f"person,{s2},,,,C1,")
        rep = self.imp(text, apply=True)
        self.assertFalse(rep.applied)
        self.assertEqual(len(rep.errors), 1)
        self.assertEqual(rep.errors[0].line, 1)
        self.assertIn("OLD", rep.errors[0].reason)
        self.assertIn("2 人", rep.errors[0].reason)
        self.assertEqual(self.tree(), before)
        self.assertEqual(self.current(extra[0]), [["OLD", ""]])
        # Moving them too makes it whole.
        text += "".join(f"person,{cid},,,,C2,\n" for cid in extra)
        rep = self.imp(text, apply=True)
        self.assertTrue(rep.applied, [e.reason for e in rep.errors])
        self.assertEqual(self.current(extra[1]), [["C2", ""]])
        self.assertTrue(self.unit("OLD").closed)

    def test_kind_change_and_second_university_refused(self):
        s1, s2 = self.people(2)
        (t1,) = self.people(1, kind=2)
        self.imp(self.base(s1, s2, t1), apply=True)
        rep = self.imp(self.base(s1, s2, t1).replace("unit,D1,人事处,,department,U,",
                                                     "unit,D1,人事处,,college,U,"))
        self.assertEqual([(e.line, e.column) for e in rep.errors], [(8, "kind")])
        rep = self.imp(self.base(s1, s2, t1) + "unit,U2,第二大学,,university,,\n")
        self.assertEqual([(e.line, e.column) for e in rep.errors], [(12, "kind")])

    def test_command_line(self):
        s1, s2 = self.people(2)
        (t1,) = self.people(1, kind=2)
        path = os.path.join(self.dir, new_code("org") + ".csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.base(s1, s2, t1))
        rc, out = harness.run_core(["import", "org", path], pg_dsn=self.dsn)
        self.assertEqual(rc, 0, out)
        self.assertIn("unit added: C1 计算机学院", out)
        self.assertIn(f"person moved: {s1}  -> K1", out)
        self.assertIn("preview", out)
        self.assertEqual(self.tree(), [])
        rc, out = harness.run_core(["import", "org", path, "apply"], pg_dsn=self.dsn)
        self.assertEqual(rc, 0, out)
        self.assertIn("applied", out)
        self.assertEqual(len(self.tree()), 7)
        actor = psql(self.dsn, "SELECT actor FROM audit_log WHERE action = 'org.import'"
                               " ORDER BY id DESC LIMIT 1")
        self.assertEqual(actor, [["cli"]])
        with open(path, "a", encoding="utf-8") as f:
            f.write("unit,X,x,,faculty,U,\n")
        rc, out = harness.run_core(["import", "org", path, "apply"], pg_dsn=self.dsn)
        self.assertEqual(rc, 1, out)
        self.assertIn("line 12: kind:", out)
        rc, out = harness.run_core(["import", "org", path, "now"], pg_dsn=self.dsn)
        self.assertEqual(rc, 2, out)

    def test_access(self):
        text = HEADER + "unit,U,大学,,university,,\nunit,HR,人事处,,department,U,\n"
        student = create_account(self.dsn, roles=("student",), kind=1)
        staff = create_account(self.dsn, roles=("staff",))
        for cid in (student, staff):
            self.assertEqual(status_of(self.imp, text, False, "", login(self.channel, cid)),
                             grpc.StatusCode.PERMISSION_DENIED)
        self.imp(text, apply=True)
        # The HR unit's admins import (config org.hr_unit, "HR" by default).
        _, hr_token = dept_admin(self.dsn, self.channel, "HR")
        rep = self.imp(text, token=hr_token)
        self.assertEqual((list(rep.errors), list(rep.unit_changes)), ([], []))
        self.assertEqual(status_of(self.imp, b"", False, "", None), grpc.StatusCode.INVALID_ARGUMENT)


if __name__ == "__main__":
    unittest.main()
