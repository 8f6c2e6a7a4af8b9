"""test_org_delegation.py — out-of-office delegation against the real core: both ends of the
date window to the second (days are Asia/Shanghai calendar days), chains, cycles refused
(A→B then B→A; A→B, B→C then C→A) while days that never meet are no cycle, one group versus
all groups, overlaps of one delegator refused, the checks of a new delegation, ListDelegations
and EndDelegation (only the delegator or a hall admin; others NOT_FOUND), audit rows.
"""
import datetime
import unittest

import grpc

from identity_fixtures import psql
from org_group_fixtures import Org, Refusals, shanghai_midnight, shanghai_today

ONE_SECOND = datetime.timedelta(seconds=1)
DAY = datetime.timedelta(days=1)


class DelegationTest(Refusals, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.o = Org()
        cls.t = cls.o.tree
        cls.today = shanghai_today()

    @classmethod
    def tearDownClass(cls):
        cls.o.close()

    def d(self, days):
        return (self.today + datetime.timedelta(days=days)).isoformat()

    def member(self, group, name, unit=None):
        cid = self.o.person(name)
        self.o.add(group, cid, unit or self.t.K3)
        return cid

    def delegate(self, frm, to, start, end, group="", md=None, **kw):
        return self.o.delegations.CreateDelegation(self.o.pb.CreateDelegationRequest(
            to_campus_id=to, group=group, start_date=start, end_date=end, reason="出差", **kw),
            metadata=md or self.o.md(frm), timeout=10)

    def who(self, group, at=None):
        r = self.o.resolve(group, unit_code=self.t.K1, at=at)
        return [(c.campus_id, c.acting_for_campus_id) for c in r.candidates]

    # --- the window ---------------------------------------------------------------------------

    def test_both_ends_of_the_window_to_the_second(self):
        o = self.o
        g = o.new_group()
        a = self.member(g, "窗口甲", self.t.K1)
        b = o.person("窗口乙")
        start, end = self.today + DAY, self.today + 3 * DAY
        d = self.delegate(a, b, start.isoformat(), end.isoformat(), group=g)
        self.assertFalse(d.active)  # starts tomorrow
        self.assertEqual(d.group, g)
        first = shanghai_midnight(start)  # 16:00:00Z the day before
        self.assertEqual(first.astimezone(datetime.timezone.utc).hour, 16)
        last = shanghai_midnight(end) + DAY - ONE_SECOND  # end_date 23:59:59 Shanghai
        self.assertEqual(self.who(g, first - ONE_SECOND), [(a, "")])
        self.assertEqual(self.who(g, first), [(b, a)])
        self.assertEqual(self.who(g, last), [(b, a)])
        self.assertEqual(self.who(g, last + ONE_SECOND), [(a, "")])
        r = o.resolve(g, unit_code=self.t.K1, at=first)
        self.assertEqual(r.candidates[0].acting_for_name, "窗口甲")
        self.assertEqual(r.candidates[0].delegation_id, d.id)
        self.assertEqual(self.who(g), [(a, "")])  # today: not yet

    def test_today_applies_now_and_ending_it_stops_it(self):
        o = self.o
        g = o.new_group()
        a = self.member(g, "今天甲", self.t.K1)
        b = o.person("今天乙")
        d = self.delegate(a, b, self.d(0), self.d(0), group=g)
        self.assertTrue(d.active)
        self.assertEqual(self.who(g), [(b, a)])
        lst = o.delegations.ListDelegations(o.pb.ListDelegationsRequest(), metadata=o.md(a),
                                            timeout=10)
        self.assertIn(d.id, [x.id for x in lst.given])
        lst = o.delegations.ListDelegations(o.pb.ListDelegationsRequest(), metadata=o.md(b),
                                            timeout=10)
        self.assertIn(d.id, [x.id for x in lst.received])
        # Nobody else may end it (not even the delegate): NOT_FOUND.
        self.refused(grpc.StatusCode.NOT_FOUND, o.delegations.EndDelegation,
                     o.pb.EndDelegationRequest(id=d.id), metadata=o.md(b), timeout=10)
        ended = o.delegations.EndDelegation(o.pb.EndDelegationRequest(id=d.id), metadata=o.md(a),
                                            timeout=10)
        self.assertTrue(ended.ended)
        self.assertFalse(ended.active)
        self.assertEqual(self.who(g), [(a, "")])
        lst = o.delegations.ListDelegations(o.pb.ListDelegationsRequest(), metadata=o.md(a),
                                            timeout=10)
        self.assertNotIn(d.id, [x.id for x in lst.given])
        lst = o.delegations.ListDelegations(o.pb.ListDelegationsRequest(include_past=True),
                                            metadata=o.md(a), timeout=10)
        self.assertIn(d.id, [x.id for x in lst.given])
        rows = psql(o.dsn, "SELECT action FROM audit_log WHERE target = :'v1' ORDER BY id",
                    f"delegation:{d.id}")
        self.assertEqual([r[0] for r in rows], ["org.delegation.create", "org.delegation.end"])

    def test_a_chain_gives_the_last_delegate_acting_for_the_member(self):
        o = self.o
        g = o.new_group()
        a = self.member(g, "链甲", self.t.K1)
        b = self.member(g, "链乙")
        c = o.person("链丙")
        self.delegate(a, b, self.d(0), self.d(2), group=g)
        self.delegate(b, c, self.d(0), self.d(2))
        self.assertEqual(self.who(g), [(c, a)])

    # --- cycles and overlaps ------------------------------------------------------------------

    def test_two_person_cycle_is_refused(self):
        o = self.o
        g = o.new_group()
        a = self.member(g, "环甲")
        b = self.member(g, "环乙")
        self.delegate(a, b, self.d(1), self.d(5), group=g)
        e = self.refused(grpc.StatusCode.ABORTED, self.delegate, b, a, self.d(3), self.d(8),
                         group=g)
        self.assertIn("循环委托", e.details())
        self.assertIn("环乙→环甲→环乙", e.details())
        # All groups meets this group: also a cycle.
        self.refused(grpc.StatusCode.ABORTED, self.delegate, b, a, self.d(3), self.d(8))
        # Days that never meet: not a cycle.
        self.delegate(b, a, self.d(6), self.d(8), group=g)

    def test_three_person_cycle_is_refused(self):
        o = self.o
        g = o.new_group()
        a = self.member(g, "三甲")
        b = self.member(g, "三乙")
        c = self.member(g, "三丙")
        self.delegate(a, b, self.d(1), self.d(5))
        self.delegate(b, c, self.d(1), self.d(5), group=g)
        e = self.refused(grpc.StatusCode.ABORTED, self.delegate, c, a, self.d(5), self.d(9))
        self.assertIn("三丙→三甲→三乙→三丙", e.details())
        # The three share day 5, so that was refused; starting the day after is fine.
        self.delegate(c, a, self.d(6), self.d(9))

    def test_non_overlapping_dates_are_not_a_cycle(self):
        o = self.o
        g = o.new_group()
        a = self.member(g, "错开甲")
        b = self.member(g, "错开乙")
        c = self.member(g, "错开丙")
        self.delegate(a, b, self.d(1), self.d(2))
        self.delegate(b, c, self.d(3), self.d(4))
        self.delegate(c, a, self.d(1), self.d(4))  # A→B and B→C never meet

    def test_one_group_or_all_groups(self):
        o = self.o
        g1, g2 = o.new_group(), o.new_group()
        a = self.member(g1, "双组甲", self.t.K1)
        o.add(g2, a, self.t.K1)
        b = o.person("双组乙")
        c = o.person("双组丙")
        self.delegate(a, b, self.d(0), self.d(1), group=g1)
        self.assertEqual(self.who(g1), [(b, a)])
        self.assertEqual(self.who(g2), [(a, "")])
        # An all-groups delegation overlapping the group one: refused (which would apply?).
        e = self.refused(grpc.StatusCode.ABORTED, self.delegate, a, c, self.d(1), self.d(3))
        self.assertIn("重叠", e.details())
        # Another group's delegation on the same days is fine.
        self.delegate(a, c, self.d(0), self.d(1), group=g2)
        self.assertEqual(self.who(g2), [(c, a)])
        # All groups, on later days, applies to both.
        self.delegate(a, c, self.d(2), self.d(3))
        at = shanghai_midnight(self.today + 2 * DAY)
        self.assertEqual(self.who(g1, at), [(c, a)])
        self.assertEqual(self.who(g2, at), [(c, a)])

    # --- the checks ---------------------------------------------------------------------------

    def test_checks_of_a_new_delegation(self):
        o = self.o
        g = o.new_group()
        a = self.member(g, "检查甲")
        b = o.person("检查乙")
        outsider = o.person("非成员")
        invalid = grpc.StatusCode.INVALID_ARGUMENT
        self.refused(invalid, self.delegate, a, a, self.d(1), self.d(2))  # to himself
        self.refused(invalid, self.delegate, a, b, self.d(-3), self.d(-1))  # in the past
        self.refused(invalid, self.delegate, a, b, self.d(3), self.d(2))  # end before start
        self.refused(invalid, self.delegate, a, b, self.d(1), self.d(367))  # 367 days
        self.delegate(a, b, self.d(400), self.d(765))  # 366 days is fine
        self.refused(invalid, self.delegate, a, b, "2026-13-01", self.d(2))
        self.refused(invalid, self.delegate, a, "nobody404", self.d(1), self.d(2))
        locked = o.person("停用乙")
        psql(o.dsn, "UPDATE accounts SET status = 3 WHERE campus_id = :'v1'", locked)
        self.refused(invalid, self.delegate, a, locked, self.d(10), self.d(12))
        # Not a member: nothing to delegate.
        self.refused(grpc.StatusCode.FAILED_PRECONDITION, self.delegate, outsider, b, self.d(1),
                     self.d(2))
        self.refused(grpc.StatusCode.FAILED_PRECONDITION, self.delegate, a, b, self.d(20),
                     self.d(21), group=o.new_group())
        self.refused(grpc.StatusCode.NOT_FOUND, self.delegate, a, b, self.d(20), self.d(21),
                     group="no_such_group")
        # For someone else: hall admins only.
        self.refused(grpc.StatusCode.PERMISSION_DENIED, self.delegate, outsider, b, self.d(30),
                     self.d(31), from_campus_id=a)
        d = self.delegate(a, b, self.d(30), self.d(31), md=o.admin_md, from_campus_id=a)
        self.assertEqual(d.from_campus_id, a)
        # A hall admin may end it too.
        self.assertTrue(o.delegations.EndDelegation(o.pb.EndDelegationRequest(id=d.id),
                                                    metadata=o.admin_md, timeout=10).ended)
        self.refused(grpc.StatusCode.NOT_FOUND, o.delegations.EndDelegation,
                     o.pb.EndDelegationRequest(id=987654321), metadata=o.md(a), timeout=10)


if __name__ == "__main__":
    unittest.main()
