"""catalog_fixtures.py — what the catalogue tests share: the generated ehall.catalog.v1 modules,
a private org subtree (org_group_fixtures.Tree: departments D and E, college C with classes),
a hall admin and department admins of D and E, a category and a theme of the test's own,
valid guides with overrides, and services created (and published) through the admin API with
codes nobody else uses. Not a test file itself.
"""
import importlib
import random
import uuid

import grpc

import harness
from identity_fixtures import bearer, create_account, login
from org_fixtures import add_person_unit
from org_group_fixtures import Refusals, Tree  # noqa: F401  (Refusals re-exported)

# Han characters with one reading, for names whose pinyin a test knows.
SPELL = {"甲": "jia", "乙": "yi", "丙": "bing", "丁": "ding", "戊": "wu", "庚": "geng",
         "辛": "xin", "壬": "ren", "癸": "gui", "酉": "you", "戌": "xu", "亥": "hai"}


def catalog_modules():
    harness.grpc_modules()
    return (importlib.import_module("ehall.catalog.v1.catalog_pb2"),
            importlib.import_module("ehall.catalog.v1.catalog_pb2_grpc"))


def new_service_code(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def spelled_name(n=4, suffix="证明"):
    """(name, full pinyin, initials) of a fresh name: n characters of SPELL, then suffix
    (证明: zhengming / zm)."""
    chars = random.choices(list(SPELL), k=n)
    full = "".join(SPELL[c] for c in chars)
    ini = "".join(SPELL[c][0] for c in chars)
    tail = {"证明": ("zhengming", "zm"), "": ("", "")}[suffix]
    return "".join(chars) + suffix, full + tail[0], ini + tail[1]


class Cat:
    """A channel, the stubs, the private tree, admins, and a category and theme of our own."""

    def __init__(self):
        self.pb, self.pbg = catalog_modules()
        self.dsn = harness.env("EHALL_TEST_PG_DSN")
        self.channel = grpc.insecure_channel(harness.env("EHALL_TEST_CORE_ADDR"))
        self.catalog = self.pbg.CatalogStub(self.channel)
        self.mine = self.pbg.MyServicesStub(self.channel)
        self.admin = self.pbg.CatalogAdminStub(self.channel)
        self.tree = Tree(self.dsn)
        self.hall = create_account(self.dsn, roles=("staff", "hall_admin"), name="大厅管理员")
        self.hall_md = bearer(login(self.channel, self.hall))
        self.admin_d = create_account(self.dsn, roles=("staff", f"dept_admin@{self.tree.D}"),
                                      name="D 管理员", org_unit=self.tree.D)
        self.admin_e = create_account(self.dsn, roles=("staff", f"dept_admin@{self.tree.E}"),
                                      name="E 管理员", org_unit=self.tree.E)
        self.d_md = bearer(login(self.channel, self.admin_d))
        self.e_md = bearer(login(self.channel, self.admin_e))
        tag = uuid.uuid4().hex[:8]
        self.category = f"tc-{tag}"
        self.theme = f"tt-{tag}"
        C = self.pb.Category
        self.admin.SaveCategory(self.pb.SaveCategoryRequest(
            code=self.category, category=C(kind=self.pb.CATEGORY_KIND_CATEGORY, name="测试分类",
                                           name_en="Test category", sort_order=999)),
            metadata=self.hall_md, timeout=10)
        self.admin.SaveCategory(self.pb.SaveCategoryRequest(
            code=self.theme, category=C(kind=self.pb.CATEGORY_KIND_THEME, name="测试主题",
                                        name_en="Test theme", sort_order=999)),
            metadata=self.hall_md, timeout=10)

    def close(self):
        self.tree.retire(self.dsn)
        self.channel.close()

    def person(self, unit=None, roles=("student",), kind=1, name="测试学生"):
        """A new account placed in unit (when given), logged in: (campus id, metadata)."""
        cid = create_account(self.dsn, roles=roles, kind=kind, name=name,
                             org_unit=unit or "")
        if unit:
            add_person_unit(self.dsn, cid, unit)
        return cid, bearer(login(self.channel, cid))

    def guide(self, **over):
        pb = self.pb
        g = pb.Guide(
            name=over.pop("name", "测试服务"),
            name_en=over.pop("name_en", "Test service"),
            categories=over.pop("categories", [self.category]),
            themes=over.pop("themes", [self.theme]),
            audience=over.pop("audience", pb.AUDIENCE_EVERYONE),
            summary=over.pop("summary", "测试用的服务指南。"),
            conditions=over.pop("conditions", "在校学生。"),
            materials=[pb.Material(name="学生证", copies=1, required=True, note="原件")],
            steps=over.pop("steps", ["网上申请", "部门审核", "领取结果"]),
            time_limit_workdays=over.pop("time_limit_workdays", 3),
            fees=over.pop("fees", "免费"),
            locations=over.pop("locations", [pb.Location(
                campus="东校区", place="行政楼 105 室",
                hours=[pb.OpeningHours(weekdays=[1, 2, 3, 4, 5], open="08:30", close="17:30")])]),
            contact_phone="0373-3326105",
            links=[pb.Link(title="教务处", url="https://jwc.example.edu.cn/")],
            mode=over.pop("mode", pb.HANDLING_MODE_ONLINE),
            keywords=over.pop("keywords", []),
            audience_units=over.pop("audience_units", []),
            templates=over.pop("templates", []),
        )
        assert not over, over
        return g

    def create(self, code=None, owner=None, md=None, publish=True, **guide_over):
        """A service of owner (default D) created by md (default D's admin); published unless
        told otherwise. Returns its code."""
        code = code or new_service_code()
        md = md or self.d_md
        r = self.admin.CreateService(self.pb.CreateServiceRequest(
            code=code, owner_unit=owner or self.tree.D, guide=self.guide(**guide_over)),
            metadata=md, timeout=10)
        if publish:
            self.admin.PublishService(self.pb.PublishServiceRequest(
                code=code, version=r.draft_version), metadata=md, timeout=10)
        return code

    def save(self, code, md=None, expected=0, **guide_over):
        return self.admin.SaveDraft(self.pb.SaveDraftRequest(
            code=code, guide=self.guide(**guide_over), expected_draft_version=expected),
            metadata=md or self.d_md, timeout=10)

    def publish(self, code, version, md=None):
        return self.admin.PublishService(self.pb.PublishServiceRequest(
            code=code, version=version), metadata=md or self.d_md, timeout=10)

    def get(self, code, md=()):
        return self.catalog.GetService(self.pb.GetServiceRequest(code=code), metadata=md,
                                       timeout=10)

    def search(self, md=(), **kw):
        return self.catalog.SearchServices(self.pb.SearchServicesRequest(**kw), metadata=md,
                                           timeout=10)
