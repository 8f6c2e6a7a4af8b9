"""test_org_access.py — who may see and change what in approver groups, checked in the core on
every object: an admin of the owning department (or of a unit above it) manages the group's
members; an admin of another department reads NOT_FOUND and changes PERMISSION_DENIED (the
rights are read from account_roles on each call: revoking takes effect at once); a student sees
only the names of his own approvers (GetMyApprovers) and can neither list members nor resolve;
ListMemberScopes for oneself, hall admins and the admins of the groups concerned only; apps
resolve with org.resolve and not without it.
"""
import unittest

import grpc

from identity_fixtures import bearer, identity_modules, psql
from org_group_fixtures import Org, Refusals


class AccessTest(Refusals, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        o = cls.o = Org()
        t = cls.t = o.tree
        cls.g = o.new_group(owner=t.D, name="访问组")
        cls.g_other = o.new_group(owner=t.E, name="别家组")
        cls.admin_d = o.person("甲处管理员", roles=("staff", f"dept_admin@{t.D}"))
        cls.admin_e = o.person("乙处管理员", roles=("staff", f"dept_admin@{t.E}"))
        cls.admin_root = o.person("校级管理员", roles=("staff", f"dept_admin@{t.root}"))
        cls.student = o.person("访问学生", t.K1, roles=("student",), kind=1)
        cls.other_student = o.person("别的学生", t.K2, roles=("student",), kind=1)
        cls.counselor = o.person("访问辅导员")
        cls.leader = o.person("访问院长")
        o.add(cls.g, cls.counselor, t.K1)
        o.add(cls.g_other, cls.leader, t.C)

    @classmethod
    def tearDownClass(cls):
        cls.o.close()

    def list_members(self, who, group=None):
        return self.o.groups.ListMembers(self.o.pb.ListMembersRequest(group=group or self.g),
                                         metadata=self.o.md(who), timeout=10)

    def test_owner_admin_and_ancestor_admin_manage(self):
        o, t = self.o, self.t
        for who in (self.admin_d, self.admin_root):
            r = self.list_members(who)
            self.assertEqual([m.campus_id for m in r.members], [self.counselor])
            p = o.person("新成员" + who[-4:])
            m = o.add(self.g, p, t.K2, md=o.md(who))
            self.assertEqual([s.unit.code for s in m.scopes], [t.K2])
            o.groups.RemoveMember(o.pb.RemoveMemberRequest(group=self.g, campus_id=p),
                                  metadata=o.md(who), timeout=10)
            o.groups.ExportMembers(o.pb.ExportMembersRequest(group=self.g), metadata=o.md(who),
                                   timeout=10)
            self.assertTrue(o.resolve(self.g, campus_id=self.student, md=o.md(who)).found)
        groups = o.groups.ListGroups(o.pb.ListGroupsRequest(manageable_only=True),
                                     metadata=o.md(self.admin_d), timeout=10).groups
        codes = [x.code for x in groups]
        self.assertIn(self.g, codes)
        self.assertNotIn(self.g_other, codes)
        self.assertNotIn("counselor", codes)
        self.assertEqual({x.owner.code for x in groups}, {t.D})
        mine = groups[codes.index(self.g)]
        self.assertTrue(mine.can_manage)
        self.assertEqual(mine.member_count, 1)

    def test_admin_of_another_department_cannot_read_or_change(self):
        o, t = self.o, self.t
        e = self.admin_e
        self.refused(grpc.StatusCode.NOT_FOUND, self.list_members, e)
        self.refused(grpc.StatusCode.NOT_FOUND, o.groups.ExportMembers,
                     o.pb.ExportMembersRequest(group=self.g), metadata=o.md(e), timeout=10)
        denied = grpc.StatusCode.PERMISSION_DENIED
        self.refused(denied, o.add, self.g, o.person("混入者"), t.K1, md=o.md(e))
        self.refused(denied, o.groups.SetMemberScopes, o.pb.SetMemberScopesRequest(
            group=self.g, campus_id=self.counselor, scopes=[t.K3]), metadata=o.md(e), timeout=10)
        self.refused(denied, o.groups.RemoveMember, o.pb.RemoveMemberRequest(
            group=self.g, campus_id=self.counselor), metadata=o.md(e), timeout=10)
        self.refused(denied, o.groups.ImportMembers, o.pb.ImportMembersRequest(
            group=self.g, csv=b"campus_id,name,scopes\n", apply=True), metadata=o.md(e),
            timeout=10)
        self.refused(denied, o.resolve, self.g, campus_id=self.student, md=o.md(e))
        self.refused(grpc.StatusCode.PERMISSION_DENIED, o.groups.CreateGroup,
                     o.pb.CreateGroupRequest(code="t_by_dept_admin", name="x", owner_code=t.E),
                     metadata=o.md(e), timeout=10)
        self.assertEqual([m.campus_id for m in self.list_members(self.admin_d).members],
                         [self.counselor])
        # ListGroups shows the group to everyone, without its count or rights.
        mine = {x.code: x for x in o.groups.ListGroups(o.pb.ListGroupsRequest(), metadata=o.md(e),
                                                       timeout=10).groups}
        self.assertEqual(mine[self.g].member_count, 0)
        self.assertFalse(mine[self.g].can_manage)
        self.assertTrue(mine[self.g_other].can_manage)
        self.assertEqual(mine[self.g_other].member_count, 1)

    def test_revoked_admin_loses_rights_at_once(self):
        o = self.o
        temp = o.person("临时管理员", roles=("staff", f"dept_admin@{self.t.D}"))
        self.list_members(temp)
        psql(o.dsn, "DELETE FROM account_roles WHERE role = 'dept_admin' AND account_id ="
                    " (SELECT id FROM accounts WHERE campus_id = :'v1')", temp)
        self.refused(grpc.StatusCode.NOT_FOUND, self.list_members, temp)

    def test_student_sees_only_names_of_his_own_approvers(self):
        o = self.o
        md = o.md(self.student)
        r = o.groups.GetMyApprovers(o.pb.GetMyApproversRequest(), metadata=md, timeout=10)
        mine = {a.group_code: a for a in r.approvers}
        self.assertEqual(list(mine[self.g].names), ["访问辅导员"])
        self.assertEqual(list(mine[self.g].acting_for), [""])
        self.assertEqual(mine[self.g].group_name, "访问组")
        self.assertEqual(list(mine[self.g_other].names), ["访问院长"])
        # Names only: no campus id anywhere in the reply.
        self.assertNotIn(self.counselor.encode(), r.SerializeToString())
        self.assertNotIn(self.leader.encode(), r.SerializeToString())
        # Another student's approvers are his own (K2 has no counselor of this group).
        r2 = o.groups.GetMyApprovers(o.pb.GetMyApproversRequest(),
                                     metadata=o.md(self.other_student), timeout=10)
        self.assertNotIn(self.g, [a.group_code for a in r2.approvers])
        # Nor may he list members or resolve for anyone.
        self.refused(grpc.StatusCode.NOT_FOUND, self.list_members, self.student)
        self.refused(grpc.StatusCode.PERMISSION_DENIED, o.resolve, self.g,
                     campus_id=self.other_student, md=md)
        self.refused(grpc.StatusCode.PERMISSION_DENIED, o.resolve, self.g,
                     campus_id=self.student, md=md)

    def test_get_my_approvers_shows_whom_a_delegate_acts_for(self):
        o = self.o
        g = o.new_group(owner=self.t.D, name="委托显示组")
        member = o.person("原审批人")
        deputy = o.person("代理人")
        o.add(g, member, self.t.K1)
        from org_group_fixtures import shanghai_today
        today = shanghai_today().isoformat()
        o.delegations.CreateDelegation(o.pb.CreateDelegationRequest(
            to_campus_id=deputy, group=g, start_date=today, end_date=today),
            metadata=o.md(member), timeout=10)
        r = o.groups.GetMyApprovers(o.pb.GetMyApproversRequest(), metadata=o.md(self.student),
                                    timeout=10)
        mine = {a.group_code: a for a in r.approvers}
        self.assertEqual(list(mine[g].names), ["代理人"])
        self.assertEqual(list(mine[g].acting_for), ["原审批人"])

    def test_list_member_scopes(self):
        o = self.o
        req = o.pb.ListMemberScopesRequest
        r = o.groups.ListMemberScopes(req(campus_id="me"), metadata=o.md(self.counselor),
                                      timeout=10)
        self.assertEqual(r.campus_id, self.counselor)
        self.assertEqual([x.group.code for x in r.groups], [self.g])
        self.assertEqual([s.unit.code for s in r.groups[0].scopes], [self.t.K1])
        r = o.groups.ListMemberScopes(req(campus_id=self.counselor), metadata=o.md(self.counselor),
                                      timeout=10)
        self.assertEqual([x.group.code for x in r.groups], [self.g])
        # The group's department admin sees it; another department's sees only its own groups.
        r = o.groups.ListMemberScopes(req(campus_id=self.counselor), metadata=o.md(self.admin_d),
                                      timeout=10)
        self.assertEqual([x.group.code for x in r.groups], [self.g])
        r = o.groups.ListMemberScopes(req(campus_id=self.counselor), metadata=o.md(self.admin_e),
                                      timeout=10)
        self.assertEqual(list(r.groups), [])
        r = o.groups.ListMemberScopes(req(campus_id=self.leader), metadata=o.admin_md, timeout=10)
        self.assertEqual([x.group.code for x in r.groups], [self.g_other])
        # Everyone else: NOT_FOUND, like an unknown person.
        self.refused(grpc.StatusCode.NOT_FOUND, o.groups.ListMemberScopes,
                     req(campus_id=self.counselor), metadata=o.md(self.student), timeout=10)
        self.refused(grpc.StatusCode.NOT_FOUND, o.groups.ListMemberScopes,
                     req(campus_id="nobody404"), metadata=o.admin_md, timeout=10)

    def test_apps_resolve_with_org_resolve_only(self):
        o = self.o
        ipb, ipbg = identity_modules()
        apps = ipbg.AppsStub(o.channel)
        auth = ipbg.AuthStub(o.channel)

        def token(scopes):
            r = apps.CreateApp(ipb.CreateAppRequest(name="审批系统", scopes=scopes),
                               metadata=o.admin_md, timeout=10)
            return auth.ExchangeAppToken(ipb.ExchangeAppTokenRequest(
                client_id=r.app.client_id, client_secret=r.client_secret), timeout=10).token

        with_scope = bearer(token(["org.resolve", "org.read"]))
        r = o.resolve(self.g, campus_id=self.student, md=with_scope)
        self.assertEqual([c.campus_id for c in r.candidates], [self.counselor])
        self.assertTrue(o.groups.ListGroups(o.pb.ListGroupsRequest(), metadata=with_scope,
                                            timeout=10).groups)
        self.refused(grpc.StatusCode.PERMISSION_DENIED, self.list_members_as, with_scope)
        without = bearer(token(["org.read"]))
        self.refused(grpc.StatusCode.PERMISSION_DENIED, o.resolve, self.g,
                     campus_id=self.student, md=without)

    def list_members_as(self, md):
        return self.o.groups.ListMembers(self.o.pb.ListMembersRequest(group=self.g), metadata=md,
                                         timeout=10)


if __name__ == "__main__":
    unittest.main()
