"""test_org_groups.py — approver groups and their members against the real core: CreateGroup
(hall admins; checks; a taken code; a closed owner), ListGroups, AddMember / SetMemberScopes /
RemoveMember (scopes must be open units, history kept, audit rows), ListMembers (query,
paging), and the member file: the diff (added, removed, scopes changed, unchanged), errors with
line numbers and nothing applied, all or nothing, the preview's digest, and export → import
changing nothing.
"""
import unittest

import grpc

from identity_fixtures import psql
from org_group_fixtures import Org, Refusals


class GroupsTest(Refusals, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.o = Org()
        cls.t = cls.o.tree

    @classmethod
    def tearDownClass(cls):
        cls.o.close()

    def members(self, g, **kw):
        return self.o.groups.ListMembers(self.o.pb.ListMembersRequest(group=g, **kw),
                                         metadata=self.o.admin_md, timeout=10)

    def scopes_of(self, g):
        return {m.campus_id: [s.unit.code for s in m.scopes] for m in self.members(g).members}

    def imp(self, g, text, apply=False, digest="", raw=None):
        return self.o.groups.ImportMembers(self.o.pb.ImportMembersRequest(
            group=g, csv=raw if raw is not None else text.encode(), apply=apply,
            expected_digest=digest), metadata=self.o.admin_md, timeout=30)

    def audit(self, target):
        return [r[0] for r in psql(self.o.dsn, "SELECT action FROM audit_log WHERE target = :'v1'"
                                               " ORDER BY id", target)]

    # --- groups -------------------------------------------------------------------------------

    def test_create_group_and_list_it(self):
        o = self.o
        g = o.new_group(name="新建的组")
        lst = o.groups.ListGroups(o.pb.ListGroupsRequest(), metadata=o.admin_md, timeout=10)
        mine = [x for x in lst.groups if x.code == g]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0].name, "新建的组")
        self.assertEqual(mine[0].owner.code, self.t.D)
        self.assertFalse(mine[0].builtin)
        self.assertTrue(mine[0].can_manage)
        self.assertEqual(mine[0].member_count, 0)
        self.assertIn("counselor", [x.code for x in lst.groups])  # the demo's built-in ones
        self.assertEqual(self.audit(f"group:{g}"), ["org.group.create"])
        # The same code again; bad codes and names; unknown or closed owners.
        pb = o.pb
        self.refused(grpc.StatusCode.ALREADY_EXISTS, o.groups.CreateGroup, pb.CreateGroupRequest(
            code=g, name="重复", owner_code=self.t.D), metadata=o.admin_md, timeout=10)
        for bad in (dict(code="Bad-Code", name="x", owner_code=self.t.D),
                    dict(code="ok_code", name="", owner_code=self.t.D),
                    dict(code="ok_code", name="x" * 65, owner_code=self.t.D),
                    dict(code="ok_code", name="x", owner_code="NO-SUCH-UNIT")):
            self.refused(grpc.StatusCode.INVALID_ARGUMENT, o.groups.CreateGroup,
                         pb.CreateGroupRequest(**bad), metadata=o.admin_md, timeout=10)
        closed = self.t.prefix + "-Z"
        from org_fixtures import create_unit
        create_unit(o.dsn, closed, "已撤销处", "department", self.t.root)
        psql(o.dsn, "UPDATE org_units SET closed_at = now() WHERE code = :'v1'", closed)
        self.refused(grpc.StatusCode.INVALID_ARGUMENT, o.groups.CreateGroup, pb.CreateGroupRequest(
            code="t_closed_owner", name="x", owner_code=closed), metadata=o.admin_md, timeout=10)

    # --- members one by one -------------------------------------------------------------------

    def test_add_set_remove_member(self):
        o, t = self.o, self.t
        g = o.new_group()
        p = o.person("成员甲")
        m = o.add(g, p, t.K1, t.K2, t.K1)
        self.assertEqual(sorted(s.unit.code for s in m.scopes), sorted([t.K1, t.K2]))
        self.assertEqual(m.name, "成员甲")
        m = o.add(g, p, t.K3)  # adds a scope
        self.assertEqual(len(m.scopes), 3)
        m = o.groups.SetMemberScopes(o.pb.SetMemberScopesRequest(group=g, campus_id=p,
                                                                 scopes=[t.M2]),
                                     metadata=o.admin_md, timeout=10)
        self.assertEqual([s.unit.code for s in m.scopes], [t.M2])
        # Ended scopes stay as history.
        rows = psql(o.dsn, "SELECT count(*) FILTER (WHERE valid_to IS NULL), count(*)"
                           " FROM group_scopes WHERE group_id = (SELECT id FROM approver_groups"
                           " WHERE code = :'v1')", g)
        self.assertEqual(rows[0], ["1", "4"])
        self.assertEqual(self.members(g).total, 1)
        o.groups.RemoveMember(o.pb.RemoveMemberRequest(group=g, campus_id=p), metadata=o.admin_md,
                              timeout=10)
        self.assertEqual(self.members(g).total, 0)
        self.refused(grpc.StatusCode.NOT_FOUND, o.groups.RemoveMember,
                     o.pb.RemoveMemberRequest(group=g, campus_id=p), metadata=o.admin_md,
                     timeout=10)
        self.assertEqual(self.audit(f"group:{g}/member:{p}"),
                         ["org.member.add", "org.member.add", "org.member.scopes",
                          "org.member.remove"])

    def test_member_checks(self):
        o, t = self.o, self.t
        g = o.new_group()
        p = o.person("检查成员")
        inv = grpc.StatusCode.INVALID_ARGUMENT
        self.refused(inv, o.add, g, p)  # no scope
        self.refused(inv, o.add, g, p, "NO-SUCH-UNIT")
        self.refused(inv, o.add, g, p, "bad code")
        self.refused(inv, o.add, g, p, *[t.K1] * 201)
        closed = t.prefix + "-K9"
        from org_fixtures import create_unit
        create_unit(o.dsn, closed, "撤销班", "class", t.M1)
        psql(o.dsn, "UPDATE org_units SET closed_at = now() WHERE code = :'v1'", closed)
        e = self.refused(inv, o.add, g, p, t.K1, closed)
        self.assertIn(closed, e.details())
        self.assertEqual(self.members(g).total, 0)  # nothing of it was kept
        self.refused(grpc.StatusCode.NOT_FOUND, o.add, g, "nobody404", t.K1)
        self.refused(grpc.StatusCode.NOT_FOUND, o.add, "no_such_group", p, t.K1)
        self.refused(grpc.StatusCode.NOT_FOUND, o.groups.SetMemberScopes,
                     o.pb.SetMemberScopesRequest(group=g, campus_id=p, scopes=[t.K1]),
                     metadata=o.admin_md, timeout=10)
        o.add(g, p, t.K1)
        self.refused(inv, o.groups.SetMemberScopes,
                     o.pb.SetMemberScopesRequest(group=g, campus_id=p, scopes=[]),
                     metadata=o.admin_md, timeout=10)

    def test_list_members_query_and_pages(self):
        o, t = self.o, self.t
        g = o.new_group()
        people = [o.person(f"翻页{i}") for i in range(5)]
        for p in people:
            o.add(g, p, t.K1)
        r = self.members(g, page_size=2)
        self.assertEqual(len(r.members), 2)
        self.assertEqual(r.total, 5)
        seen = [m.campus_id for m in r.members]
        while r.next_page_token:
            r = self.members(g, page_size=2, page_token=r.next_page_token)
            seen += [m.campus_id for m in r.members]
        self.assertEqual(seen, sorted(people))
        r = self.members(g, query="翻页3")
        self.assertEqual([m.campus_id for m in r.members], [people[3]])
        r = self.members(g, query=people[1][-6:].upper())
        self.assertEqual([m.campus_id for m in r.members], [people[1]])
        self.refused(grpc.StatusCode.INVALID_ARGUMENT, self.members, g, page_token="zzz")

    # --- the member file ----------------------------------------------------------------------

    def test_import_diff_apply_and_digest(self):
        o, t = self.o, self.t
        g = o.new_group()
        keep, change, drop, new = (o.person(n) for n in ("保留", "改范围", "移除", "新增"))
        o.add(g, keep, t.K1)
        o.add(g, change, t.K1, t.K2)
        o.add(g, drop, t.K3)
        text = ("campus_id,name,scopes\n"
                f"{keep},保留,{t.K1}\n"
                f"{change},改范围,{t.K2}；{t.M2}\n"
                f"{new},新增, {t.C} \n")
        r = self.imp(g, text)
        self.assertFalse(r.applied)
        self.assertEqual(list(r.errors), [])
        self.assertEqual(r.rows, 3)
        self.assertEqual(r.unchanged, 1)
        kinds = {c.campus_id: c for c in r.changes}
        C = o.pb.MemberChange
        self.assertEqual(kinds[change].change, C.CHANGE_SCOPES_CHANGED)
        self.assertEqual(sorted(kinds[change].old_scopes), sorted([t.K1, t.K2]))
        self.assertEqual(sorted(kinds[change].new_scopes), sorted([t.K2, t.M2]))
        self.assertEqual(kinds[drop].change, C.CHANGE_REMOVED)
        self.assertEqual(kinds[drop].name, "移除")
        self.assertEqual(kinds[new].change, C.CHANGE_ADDED)
        self.assertEqual(list(kinds[new].new_scopes), [t.C])
        self.assertEqual(len(r.diff_digest), 64)
        # The preview changed nothing.
        self.assertEqual(set(self.scopes_of(g)), {keep, change, drop})
        # Someone changes the members meanwhile: the old digest no longer applies.
        o.add(g, keep, t.K2)
        e = self.refused(grpc.StatusCode.ABORTED, self.imp, g, text, True, r.diff_digest)
        self.assertEqual(self.scopes_of(g)[keep], sorted([t.K1, t.K2]))
        r2 = self.imp(g, text)
        self.assertNotEqual(r2.diff_digest, r.diff_digest)
        r3 = self.imp(g, text, True, r2.diff_digest)
        self.assertTrue(r3.applied)
        self.assertEqual(self.scopes_of(g), {keep: [t.K1], change: sorted([t.K2, t.M2]),
                                             new: [t.C]})
        rows = psql(o.dsn, "SELECT detail->>'added', detail->>'removed', detail->>'scopes_changed'"
                           " FROM audit_log WHERE action = 'org.members.import' AND target = :'v1'",
                    f"group:{g}")
        self.assertEqual(rows, [["1", "1", "2"]])
        # The same file again changes nothing.
        r4 = self.imp(g, text, True)
        self.assertEqual(len(r4.changes), 0)
        self.assertEqual(r4.unchanged, 3)
        del e

    def test_bad_lines_apply_nothing(self):
        o, t = self.o, self.t
        g = o.new_group()
        a, b = o.person("甲某"), o.person("乙某")
        o.add(g, a, t.K1)
        text = ("campus_id,name,scopes\n"
                f"{a},甲某,{t.K2}\n"            # 2 fine
                f"{b},乙某某,{t.K1}\n"          # 3 name mismatch
                f"nobody404,无名,{t.K1}\n"      # 4 unknown person
                f"{b},乙某,NO-SUCH-UNIT\n"      # 5 unknown unit (and a repeat of line 3)
                f"{a},甲某,{t.K3}\n"            # 6 repeats line 2
                f"{o.person('丙某')},丙某,\n")  # 7 no scopes
        r = self.imp(g, text, apply=True)
        self.assertFalse(r.applied)
        got = {(e.line, e.column) for e in r.errors}
        for want in ((3, "name"), (4, "campus_id"), (5, "campus_id"), (6, "campus_id"),
                     (7, "scopes")):
            self.assertIn(want, got)
        self.assertEqual(self.scopes_of(g), {a: [t.K1]})  # all or nothing
        self.assertEqual(self.audit(f"group:{g}"), ["org.group.create"])
        # A file that is not CSV of these columns.
        r = self.imp(g, "id,who\n1,2\n", apply=True)
        self.assertFalse(r.applied)
        self.assertTrue(r.errors)
        self.assertEqual(r.errors[0].line, 1)

    def test_export_then_import_changes_nothing(self):
        o, t = self.o, self.t
        g = o.new_group()
        a = o.person("导出甲")
        b = o.person('带"引号,逗号')
        o.add(g, a, t.K2, t.K1)
        o.add(g, b, t.C)
        r = o.groups.ExportMembers(o.pb.ExportMembersRequest(group=g), metadata=o.admin_md,
                                   timeout=10)
        self.assertRegex(r.filename, "^" + g + r"-members-\d{8}\.csv$")
        self.assertTrue(r.csv.startswith(b"\xef\xbb\xbf"))
        text = r.csv.decode("utf-8-sig")
        lines = text.split("\r\n")
        self.assertEqual(lines[0], "campus_id,name,scopes")
        self.assertIn(f"{a},导出甲,{';'.join(sorted([t.K1, t.K2]))}", lines)
        self.assertIn(f'{b},"带""引号,逗号",{t.C}', lines)
        rep = self.imp(g, None, apply=True, raw=r.csv)
        self.assertEqual(list(rep.errors), [])
        self.assertEqual(len(rep.changes), 0)
        self.assertEqual(rep.unchanged, 2)
        # GB18030 from a spreadsheet reads the same.
        rep = self.imp(g, None, raw=text.encode("gb18030"))
        self.assertEqual(rep.encoding, "gb18030")
        self.assertEqual(len(rep.changes), 0)


if __name__ == "__main__":
    unittest.main()
