"""test_org_resolve.py — "who is the <group> for person P (or unit U) at time T", against the
real core: scopes at every level (class, major, college, university), inheritance down the
tree, a nearer scope hiding a farther one, several candidates, none (found = false with a
reason, not an error), a person in two units, the accounts.org_unit fallback for a person with
no unit rows yet, and the past: a member removed since is still the answer for a time before.
"""
import datetime
import unittest

import grpc

from identity_fixtures import psql
from org_group_fixtures import Org


class ResolveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.o = Org()
        t = cls.o.tree
        cls.t = t
        cls.s1 = cls.o.person("学生一", t.K1, roles=("student",), kind=1)
        cls.s2 = cls.o.person("学生二", t.K2, roles=("student",), kind=1)
        cls.s3 = cls.o.person("学生三", t.K3, roles=("student",), kind=1)

    @classmethod
    def tearDownClass(cls):
        cls.o.close()

    def test_each_level_and_the_nearest_wins(self):
        o, t = self.o, self.t
        g = o.new_group()
        uni = o.person("校级甲")
        college = o.person("院级乙")
        major = o.person("专业丙")
        klass = o.person("班级丁")
        # Only the university: everyone inherits it.
        o.add(g, uni, t.root)
        self.assertEqual(o.names(g, campus_id=self.s1), ["校级甲"])
        r = o.resolve(g, campus_id=self.s3)
        self.assertTrue(r.found)
        self.assertEqual(r.candidates[0].scope.code, t.root)
        # The college hides the university for its people.
        o.add(g, college, t.C)
        self.assertEqual(o.names(g, campus_id=self.s1), ["院级乙"])
        self.assertEqual(o.names(g, campus_id=self.s3), ["院级乙"])
        self.assertEqual(o.resolve(g, campus_id=self.s1).candidates[0].scope.code, t.C)
        # A major hides the college for its classes only.
        o.add(g, major, t.M1)
        self.assertEqual(o.names(g, campus_id=self.s1), ["专业丙"])
        self.assertEqual(o.names(g, campus_id=self.s2), ["专业丙"])
        self.assertEqual(o.names(g, campus_id=self.s3), ["院级乙"])
        # A class's own member hides the major for that class only.
        o.add(g, klass, t.K1)
        r = o.resolve(g, campus_id=self.s1)
        self.assertEqual([c.name for c in r.candidates], ["班级丁"])
        self.assertEqual(r.candidates[0].scope.code, t.K1)
        self.assertEqual(r.candidates[0].scope.kind, o.pb.UNIT_KIND_CLASS)
        self.assertEqual(o.names(g, campus_id=self.s2), ["专业丙"])
        # By unit instead of person: the same walk.
        self.assertEqual(o.names(g, unit_code=t.K2), ["专业丙"])
        self.assertEqual(o.names(g, unit_code=t.M2), ["院级乙"])
        self.assertEqual(o.names(g, unit_code=t.D), ["校级甲"])

    def test_several_candidates_in_a_stable_order(self):
        o, t = self.o, self.t
        g = o.new_group()
        b = o.person("乙辅导员")
        a = o.person("甲辅导员")
        c = o.person("丙辅导员")
        o.add(g, b, t.M1)
        o.add(g, a, t.M1, t.K3)
        o.add(g, c, t.C)  # farther: hidden for M1's classes
        r = o.resolve(g, campus_id=self.s1)
        self.assertEqual(sorted(x.campus_id for x in r.candidates), sorted([a, b]))
        first = [x.campus_id for x in r.candidates]
        for _ in range(3):
            self.assertEqual([x.campus_id for x in o.resolve(g, campus_id=self.s1).candidates], first)
        self.assertEqual([x.campus_id for x in o.resolve(g, campus_id=self.s3).candidates], [a])

    def test_a_person_in_two_units_gets_the_union_once(self):
        o, t = self.o, self.t
        g = o.new_group()
        both = o.person("双学位", t.K1, roles=("student",), kind=1)
        psql(o.dsn, "INSERT INTO person_units (account_id, unit_id) SELECT a.id, u.id"
                    " FROM accounts a, org_units u WHERE a.campus_id = :'v1' AND u.code = :'v2'",
             both, t.K3)
        x = o.person("导师甲")
        y = o.person("导师乙")
        o.add(g, x, t.K1, t.K3)  # serves both of his units: once in the answer
        o.add(g, y, t.M2)
        r = o.resolve(g, campus_id=both)
        self.assertEqual(sorted(c.campus_id for c in r.candidates), [x])
        o.groups.RemoveMember(o.pb.RemoveMemberRequest(group=g, campus_id=x),
                              metadata=o.admin_md, timeout=10)
        o.add(g, x, t.K1)
        self.assertEqual(sorted(c.campus_id for c in o.resolve(g, campus_id=both).candidates),
                         sorted([x, y]))

    def test_nobody_is_found_false_with_a_reason(self):
        o, t = self.o, self.t
        g = o.new_group(name="无人组")
        o.add(g, o.person("别处的人"), t.M2)
        r = o.resolve(g, campus_id=self.s1)
        self.assertFalse(r.found)
        self.assertEqual(len(r.candidates), 0)
        self.assertIn("未找到无人组", r.reason)
        self.assertIn("学生一", r.reason)
        r = o.resolve(g, unit_code=t.K1)
        self.assertFalse(r.found)
        r = o.groups.ResolveApprovers(o.pb.ResolveApproversRequest(group=g, campus_id=self.s1),
                                      metadata=o.admin_md + (("accept-language", "en"),),
                                      timeout=10)
        self.assertFalse(r.found)
        self.assertTrue(r.reason)

    def test_unknown_group_person_or_unit_is_not_found(self):
        o = self.o
        g = o.new_group()
        for kw in ({"group": "no_such_group", "campus_id": self.s1},
                   {"group": g, "campus_id": "nobody404"},
                   {"group": g, "unit_code": "NO-SUCH-UNIT"}):
            with self.assertRaises(grpc.RpcError) as cm:
                o.groups.ResolveApprovers(o.pb.ResolveApproversRequest(**kw),
                                          metadata=o.admin_md, timeout=10)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND, kw)
        with self.assertRaises(grpc.RpcError) as cm:  # neither or both
            o.groups.ResolveApprovers(o.pb.ResolveApproversRequest(group=g),
                                      metadata=o.admin_md, timeout=10)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_a_person_without_unit_rows_resolves_through_org_unit(self):
        o, t = self.o, self.t
        g = o.new_group()
        fresh = o.person("新生", None, roles=("student",), kind=1, org_unit=t.K2)
        o.add(g, o.person("二班老师"), t.K2)
        self.assertEqual(o.names(g, campus_id=fresh), ["二班老师"])
        # Once HR's rows exist they decide, not org_unit.
        psql(o.dsn, "INSERT INTO person_units (account_id, unit_id) SELECT a.id, u.id"
                    " FROM accounts a, org_units u WHERE a.campus_id = :'v1' AND u.code = :'v2'",
             fresh, t.K3)
        self.assertFalse(o.resolve(g, campus_id=fresh).found)

    def test_who_was_it_on_a_past_date(self):
        o, t = self.o, self.t
        g = o.new_group()
        old = o.person("前任辅导员")
        o.add(g, old, t.K3)
        # He has served since three days ago …
        psql(o.dsn, "UPDATE group_scopes SET valid_from = now() - interval '3 days'"
                    " WHERE group_id = (SELECT id FROM approver_groups WHERE code = :'v1')", g)
        o.groups.RemoveMember(o.pb.RemoveMemberRequest(group=g, campus_id=old),
                              metadata=o.admin_md, timeout=10)
        new = o.person("现任辅导员")
        o.add(g, new, t.K3)
        now = datetime.datetime.now(datetime.timezone.utc)
        yesterday = now - datetime.timedelta(days=1)
        self.assertEqual(o.names(g, unit_code=t.K3, at=yesterday), ["前任辅导员"])
        # A person is answered through the units he had at that time: 学生三 joined 三班 just
        # now, so yesterday he had none; once his row says he was there, he gets the old one.
        self.assertFalse(o.resolve(g, campus_id=self.s3, at=yesterday).found)
        psql(o.dsn, "UPDATE person_units SET valid_from = now() - interval '10 days'"
                    " WHERE account_id = (SELECT id FROM accounts WHERE campus_id = :'v1')", self.s3)
        self.assertEqual(o.names(g, campus_id=self.s3, at=yesterday), ["前任辅导员"])
        self.assertEqual(o.names(g, campus_id=self.s3), ["现任辅导员"])
        self.assertEqual(o.names(g, unit_code=t.K3), ["现任辅导员"])
        # Before anyone served: nobody.
        self.assertFalse(o.resolve(g, unit_code=t.K3, at=now - datetime.timedelta(days=5)).found)
        # The removal kept the row (history), with valid_to set.
        rows = psql(o.dsn, "SELECT count(*) FROM group_scopes s JOIN accounts a ON a.id = s.account_id"
                           " WHERE a.campus_id = :'v1' AND s.valid_to IS NOT NULL", old)
        self.assertEqual(rows[0][0], "1")


if __name__ == "__main__":
    unittest.main()
