"""org_group_fixtures.py — what the approver-group tests share: the generated ehall.org.v1
modules, a private subtree of org units under the demo university (inserted with psql, so each
test class gets codes nobody else uses), people placed in units, a group of its own created
through CreateGroup, and Shanghai-time helpers for delegation dates. Not a test file itself.
"""
import datetime
import importlib
import uuid

import grpc

import harness
from identity_fixtures import bearer, create_account, login, psql

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))  # no daylight saving since 1991

UNIVERSITY, COLLEGE, DEPARTMENT, MAJOR, CLASS = 1, 2, 3, 4, 5


def org_modules():
    """(org_pb2, org_pb2_grpc)."""
    harness.grpc_modules()
    return (importlib.import_module("ehall.org.v1.org_pb2"),
            importlib.import_module("ehall.org.v1.org_pb2_grpc"))


def add_unit(dsn, code, name, kind, parent_code):
    """Inserts an open unit under parent_code (path = the parent's path and its own id)."""
    psql(dsn, "WITH n AS (SELECT nextval(pg_get_serial_sequence('org_units', 'id')) AS id)"
              " INSERT INTO org_units (id, code, name, kind, parent_id, path) OVERRIDING SYSTEM VALUE"
              " SELECT n.id, :'v1', :'v2', :'v3'::smallint, p.id, p.path || n.id"
              " FROM n, org_units p WHERE p.code = :'v4'", code, name, kind, parent_code)
    return code


def root_code(dsn):
    return psql(dsn, "SELECT code FROM org_units WHERE kind = 1 AND closed_at IS NULL")[0][0]


def place(dsn, campus_id, unit_code):
    """campus_id belongs to unit_code from now on (a person_units row)."""
    psql(dsn, "INSERT INTO person_units (account_id, unit_id)"
              " SELECT a.id, u.id FROM accounts a, org_units u"
              " WHERE a.campus_id = :'v1' AND u.code = :'v2'", campus_id, unit_code)


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
        root = root_code(dsn)
        self.prefix = p
        self.D = add_unit(dsn, p + "-D", "测试处" + p, DEPARTMENT, root)
        self.E = add_unit(dsn, p + "-E", "另一处" + p, DEPARTMENT, root)
        self.C = add_unit(dsn, p + "-C", "测试学院" + p, COLLEGE, root)
        self.M1 = add_unit(dsn, p + "-M1", "专业一" + p, MAJOR, self.C)
        self.M2 = add_unit(dsn, p + "-M2", "专业二" + p, MAJOR, self.C)
        self.K1 = add_unit(dsn, p + "-K1", "一班" + p, CLASS, self.M1)
        self.K2 = add_unit(dsn, p + "-K2", "二班" + p, CLASS, self.M1)
        self.K3 = add_unit(dsn, p + "-K3", "三班" + p, CLASS, self.M2)
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
        """Ends the people's rows in the private units and closes them: the demo's HR file is
        the whole tree, and `./dev up` re-imports it, which refuses to close units with people
        in them. History (group scopes, delegations) stays."""
        self.tree.retire(self.dsn)
        self.channel.close()

    def person(self, name, unit=None, roles=("staff",), kind=2, org_unit=""):
        """A new account (placed in unit when given); returns its campus id."""
        cid = create_account(self.dsn, roles=roles, kind=kind, name=name, org_unit=org_unit)
        if unit:
            place(self.dsn, cid, unit)
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
