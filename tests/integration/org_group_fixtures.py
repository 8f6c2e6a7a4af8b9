"""org_group_fixtures.py — what the approver-group tests share: the generated ehall.org.v1
modules, a private subtree of org units under the demo university (inserted with psql, so each
test class gets codes nobody else uses), people placed in units, a group of its own created
through CreateGroup, and Shanghai-time helpers for delegation dates. Not a test file itself.
"""
import datetime
import uuid

import grpc

import harness
from identity_fixtures import bearer, create_account, login, psql
from org_fixtures import add_person_unit, create_unit, org_modules, university

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))  # no daylight saving since 1991


class Tree:
    """A private college with two majors and classes, and an owner department:

        <root>
          ├── D   (department: owns the test group)
          ├── E   (department: another one, for "admin of B" checks)
          └── C   (college)
               ├── M1 (major) ── K1, K2 (classes)
               └── M2 (major) ── K3 (class)
    """

    def __init__(self, dsn):
        p = "T" + uuid.uuid4().hex[:8].upper()
        root = university(dsn)
        self.prefix = p
        self.D = create_unit(dsn, p + "-D", "测试处" + p, "department", root)
        self.E = create_unit(dsn, p + "-E", "另一处" + p, "department", root)
        self.C = create_unit(dsn, p + "-C", "测试学院" + p, "college", root)
        self.M1 = create_unit(dsn, p + "-M1", "专业一" + p, "major", self.C)
        self.M2 = create_unit(dsn, p + "-M2", "专业二" + p, "major", self.C)
        self.K1 = create_unit(dsn, p + "-K1", "一班" + p, "class", self.M1)
        self.K2 = create_unit(dsn, p + "-K2", "二班" + p, "class", self.M1)
        self.K3 = create_unit(dsn, p + "-K3", "三班" + p, "class", self.M2)
        self.root = root

    def retire(self, dsn):
        like = self.prefix + "-%"
        psql(dsn, "UPDATE person_units SET valid_to = now() WHERE valid_to IS NULL"
                  " AND unit_id IN (SELECT id FROM org_units WHERE code LIKE :'v1')", like)
        psql(dsn, "UPDATE org_units SET closed_at = now() WHERE closed_at IS NULL"
                  " AND code LIKE :'v1'", like)


class Org:
    """A channel, a hall admin, the tree, and helpers to call Groups / Delegations."""

    def __init__(self):
        self.pb, self.pbg = org_modules()
        self.dsn = harness.env("EHALL_TEST_PG_DSN")
        self.channel = grpc.insecure_channel(harness.env("EHALL_TEST_CORE_ADDR"))
        self.groups = self.pbg.GroupsStub(self.channel)
        self.delegations = self.pbg.DelegationsStub(self.channel)
        self.tree = Tree(self.dsn)
        self.admin = create_account(self.dsn, roles=("staff", "hall_admin"), name="大厅管理员")
        self.admin_md = bearer(login(self.channel, self.admin))
        self._tokens = {}

    def close(self):
        """Ends the people's rows in the private units and closes them, so HR's next import
        of the whole tree (the demo file) finds no units with people it would have to close.
        History (group scopes, delegations) stays."""
        self.tree.retire(self.dsn)
        self.channel.close()

    def person(self, name, unit=None, roles=("staff",), kind=2, org_unit=""):
        """A new account (placed in unit when given); returns its campus id."""
        cid = create_account(self.dsn, roles=roles, kind=kind, name=name, org_unit=org_unit)
        if unit:
            add_person_unit(self.dsn, cid, unit)
        return cid

    def md(self, campus_id):
        """Session metadata of campus_id (logs in once)."""
        if campus_id not in self._tokens:
            self._tokens[campus_id] = bearer(login(self.channel, campus_id))
        return self._tokens[campus_id]

    def new_group(self, owner=None, name=None):
        code = "t_" + uuid.uuid4().hex[:10]
        self.groups.CreateGroup(self.pb.CreateGroupRequest(
            code=code, name=name or ("测试组" + code[-4:]), name_en="Test group",
            owner_code=owner or self.tree.D), metadata=self.admin_md, timeout=10)
        return code

    def add(self, group, campus_id, *scopes, md=None):
        return self.groups.AddMember(self.pb.AddMemberRequest(
            group=group, campus_id=campus_id, scopes=list(scopes)),
            metadata=md or self.admin_md, timeout=10)

    def resolve(self, group, campus_id="", unit_code="", at=None, md=None):
        req = self.pb.ResolveApproversRequest(group=group, campus_id=campus_id, unit_code=unit_code)
        if at is not None:
            req.at.FromDatetime(at.astimezone(datetime.timezone.utc).replace(tzinfo=None))
        return self.groups.ResolveApprovers(req, metadata=md or self.admin_md, timeout=10)

    def names(self, group, **kw):
        return [c.name for c in self.resolve(group, **kw).candidates]


def shanghai_today():
    return datetime.datetime.now(SHANGHAI).date()


def shanghai_midnight(d):
    """00:00:00 Asia/Shanghai of date d, as an aware datetime."""
    return datetime.datetime(d.year, d.month, d.day, tzinfo=SHANGHAI)


def code_of(err):
    return err.code() if isinstance(err, grpc.RpcError) else None


class Refusals:
    """A mixin for unittest.TestCase: refused(code, fn, …) asserts fn raises that status."""

    def refused(self, code, fn, *a, **kw):
        with self.assertRaises(grpc.RpcError) as cm:
            fn(*a, **kw)
        self.assertEqual(cm.exception.code(), code, cm.exception.details())
        return cm.exception
