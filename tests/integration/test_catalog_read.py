"""test_catalog_read.py — the public catalogue against the real core and gateway: search by
Chinese substring, full pinyin, initials, English name and keywords, a typo, with exact and
prefix matches first; filters, sorting and paging; who sees a guide limited to an audience
(anonymous, students, staff, one college's students); favourites, recent views, view counts
and the hot order; the home page; bad input; who may download a template file; anonymous
browsing over HTTP (the JSON the pages get). test_catalog_replicas.py has the second core.
"""
import json
import unittest
import urllib.parse

import grpc

import harness
from identity_fixtures import psql
from catalog_fixtures import Cat, Refusals, new_service_code, spelled_name


class CatalogReadTest(Refusals, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Cat()
        cls.pb = cls.c.pb

    @classmethod
    def tearDownClass(cls):
        cls.c.close()

    def codes(self, md=(), **kw):
        return [s.code for s in self.c.search(md=md, page_size=100, **kw).services]

    # --- search ----------------------------------------------------------------------------------

    def test_search_by_pinyin_chinese_english(self):
        c = self.c
        name, full, ini = spelled_name()
        code = c.create(name=name, name_en="Stem Branch Certificate " + code_tag(),
                        keywords=["干支"])
        for q, how in [(name, "name"), (name[:3], "name_prefix"), (name[1:4], "name_substring"),
                       (ini, "pinyin_initials"), (full, "pinyin"), (full[:5], "pinyin"),
                       ("干支", "keyword"), ("stem branch", "keyword")]:
            r = c.search(query=q, page_size=100)
            mine = [s for s in r.services if s.code == code]
            self.assertEqual(len(mine), 1, (q, [s.name for s in r.services]))
            self.assertEqual(mine[0].matched_by, how, q)
        # A typo (two letters swapped) of a 4+ letter spelling still finds it, ranked as fuzzy.
        typo = full[:-2] + full[-1] + full[-2]
        r = c.search(query=typo, page_size=100)
        self.assertIn(code, [s.code for s in r.services], typo)
        # Exact before prefix before substring: a longer name containing ours ranks after it.
        longer = c.create(name="新" + name + "办理", name_en="Longer")
        ranked = self.codes(query=name)
        self.assertLess(ranked.index(code), ranked.index(longer))
        self.assertEqual(self.codes(query="不存在的服务名称xyz"), [])

    def test_filters_sort_paging(self):
        c, pb = self.c, self.pb
        a = c.create(mode=pb.HANDLING_MODE_BOOKING)
        b = c.create(mode=pb.HANDLING_MODE_OFFLINE)
        self.assertIn(a, self.codes(category=c.category))
        self.assertIn(a, self.codes(theme=c.theme))
        self.assertIn(a, self.codes(department=c.tree.D))
        self.assertNotIn(a, self.codes(department=c.tree.E))
        self.assertIn(a, self.codes(category=c.category, mode=pb.HANDLING_MODE_BOOKING))
        self.assertNotIn(b, self.codes(category=c.category, mode=pb.HANDLING_MODE_BOOKING))
        self.assertEqual(self.codes(category="no-such-category"), [])
        # Newest first: b was published after a.
        new = self.codes(category=c.category, sort=pb.SORT_ORDER_NEW)
        self.assertLess(new.index(b), new.index(a))
        # Paging walks every match once.
        seen, token = [], ""
        while True:
            r = c.search(category=c.category, page_size=1, page_token=token)
            seen += [s.code for s in r.services]
            token = r.next_page_token
            self.assertEqual(r.total, len(set(self.codes(category=c.category))))
            if not token:
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertIn(a, seen)
        self.assertIn(b, seen)

    def test_bad_input(self):
        c = self.c
        self.refused(grpc.StatusCode.INVALID_ARGUMENT, c.search, query="字" * 65)
        self.refused(grpc.StatusCode.INVALID_ARGUMENT, c.search, page_size=-1)
        self.refused(grpc.StatusCode.INVALID_ARGUMENT, c.search, page_token="garbage")
        url = harness.env("EHALL_TEST_GATEWAY_URL")
        st, _, data = harness.http(
            "GET", f"{url}/api/v1/catalog/services?query=" + urllib.parse.quote("字" * 65))
        self.assertEqual(st, 400)
        self.assertIn("query", json.dumps(json.loads(data)["details"]))
        st, _, _ = harness.http("GET", f"{url}/api/v1/catalog/services/no-such-service")
        self.assertEqual(st, 404)

    # --- audiences -------------------------------------------------------------------------------

    def test_audiences(self):
        c, pb = self.c, self.pb
        staff_only = c.create(audience=pb.AUDIENCE_STAFF, name="教职工专用" + code_tag())
        students = c.create(audience=pb.AUDIENCE_STUDENTS, name="学生专用" + code_tag())
        college = c.create(audience=pb.AUDIENCE_STUDENTS, audience_units=[c.tree.C],
                           name="本院学生专用" + code_tag())
        _, in_college = c.person(c.tree.K1)
        _, elsewhere = c.person(c.tree.E)
        _, staff = c.person(c.tree.D, roles=("staff",), kind=2, name="教工")
        for code, anon, student_in, student_out, teacher in [
                (staff_only, False, False, False, True),
                (students, False, True, True, False),
                (college, False, True, False, False)]:
            for md, want in [((), anon), (in_college, student_in), (elsewhere, student_out),
                             (staff, teacher), (c.hall_md, True)]:
                self.assertEqual(code in self.codes(md=md, category=c.category), want, (code, md))
                if want:
                    self.assertEqual(c.get(code, md=md).code, code)
                else:
                    self.refused(grpc.StatusCode.NOT_FOUND, c.get, code, md)
        # Counts follow what each caller can see.
        anon_cat = [x for x in c.catalog.ListCategories(pb.ListCategoriesRequest(), timeout=10)
                    .categories if x.code == c.category][0]
        hall_cat = [x for x in c.catalog.ListCategories(pb.ListCategoriesRequest(),
                                                        metadata=c.hall_md, timeout=10)
                    .categories if x.code == c.category][0]
        self.assertGreaterEqual(hall_cat.service_count - anon_cat.service_count, 3)

    # --- favourites, recent, views, home ---------------------------------------------------------------

    def test_favourites_recent_views_home(self):
        c, pb = self.c, self.pb
        a = c.create()
        b = c.create()
        hidden = c.create(audience=pb.AUDIENCE_STAFF)
        cid, md = c.person(c.tree.K1)
        self.refused(grpc.StatusCode.UNAUTHENTICATED, c.mine.AddFavourite,
                     pb.AddFavouriteRequest(code=a), timeout=10)
        for code in (a, b, a):  # adding twice is fine
            r = c.mine.AddFavourite(pb.AddFavouriteRequest(code=code), metadata=md, timeout=10)
            self.assertTrue(r.favourite)
        self.refused(grpc.StatusCode.NOT_FOUND, c.mine.AddFavourite,
                     pb.AddFavouriteRequest(code=hidden), metadata=md, timeout=10)
        favs = c.mine.ListFavourites(pb.ListFavouritesRequest(), metadata=md, timeout=10)
        self.assertEqual([s.code for s in favs.services], [b, a])
        self.assertTrue(c.get(a, md=md).favourite)
        c.mine.RemoveFavourite(pb.RemoveFavouriteRequest(code=a), metadata=md, timeout=10)
        self.assertFalse(c.get(a, md=md).favourite)
        self.assertEqual([s.code for s in c.mine.ListFavourites(
            pb.ListFavouritesRequest(), metadata=md, timeout=10).services], [b])
        # Views: counted once per person (or client address) per ten minutes.
        v1 = c.catalog.RecordView(pb.RecordViewRequest(code=a), metadata=md, timeout=10).views
        v2 = c.catalog.RecordView(pb.RecordViewRequest(code=a), metadata=md, timeout=10).views
        self.assertEqual(v2, v1)
        _, md2 = c.person(c.tree.K2)
        v3 = c.catalog.RecordView(pb.RecordViewRequest(code=a), metadata=md2, timeout=10).views
        self.assertEqual(v3, v1 + 1)
        c.catalog.RecordView(pb.RecordViewRequest(code=b), metadata=md, timeout=10)
        recent = c.mine.ListRecent(pb.ListRecentRequest(), metadata=md, timeout=10)
        self.assertEqual([s.code for s in recent.services][:2], [b, a])
        self.refused(grpc.StatusCode.NOT_FOUND, c.catalog.RecordView,
                     pb.RecordViewRequest(code=hidden), metadata=md, timeout=10)
        # The home page: counts, hot and newest lists; favourites and recent when signed in.
        home = c.catalog.GetHome(pb.GetHomeRequest(), metadata=md, timeout=10)
        self.assertEqual([s.code for s in home.favourites], [b])
        self.assertEqual([s.code for s in home.recent][:2], [b, a])
        self.assertLessEqual(len(home.hot), 8)
        self.assertLessEqual(len(home.latest), 8)
        self.assertGreater(home.service_count, 0)
        self.assertIn(c.category, [x.code for x in home.categories])
        anon = c.catalog.GetHome(pb.GetHomeRequest(), timeout=10)
        self.assertEqual(len(anon.favourites), 0)
        self.assertLessEqual(anon.service_count, home.service_count)

    def test_hot_order_follows_views(self):
        c, pb = self.c, self.pb
        cold = c.create(name="冷门" + code_tag())
        hot = c.create(name="热门" + code_tag())
        for _ in range(3):
            _, md = c.person(c.tree.K1)
            c.catalog.RecordView(pb.RecordViewRequest(code=hot), metadata=md, timeout=10)
        # The hot order is rebuilt with the next generation (or within a minute): publish one.
        c.publish(cold, c.save(cold, name="冷门服务").draft_version)
        order = self.codes(category=c.category, sort=pb.SORT_ORDER_HOT)
        self.assertLess(order.index(hot), order.index(cold))


class CatalogReadMoreTest(Refusals, unittest.TestCase):
    """Templates, the favourites' limit, anonymous views, the name order, HTTP browsing."""

    @classmethod
    def setUpClass(cls):
        cls.c = Cat()
        cls.pb = cls.c.pb

    @classmethod
    def tearDownClass(cls):
        cls.c.close()

    def upload(self, content, name="表格.pdf", owner=None, md=None):
        c = self.c
        return c.admin.UploadTemplate(self.pb.UploadTemplateRequest(
            owner_unit=owner or c.tree.D, name=name, content=content),
            metadata=md or c.d_md, timeout=10).file_id

    def file(self, file_id, md=()):
        return self.c.catalog.GetTemplate(self.pb.GetTemplateRequest(file_id=file_id, name="x.pdf"),
                                          metadata=md, timeout=10)

    def test_template_download_access(self):
        c, pb = self.c, self.pb
        tag = new_service_code()
        public_pdf = ("%PDF-1.4\n% public " + tag + "\n").encode()
        college_pdf = ("%PDF-1.4\n% college " + tag + "\n").encode()
        draft_pdf = ("%PDF-1.4\n% draft only " + tag + "\n").encode()
        f_pub, f_col, f_draft = (self.upload(x) for x in (public_pdf, college_pdf, draft_pdf))
        pub = c.create(templates=[pb.Template(file_id=f_pub, name="申请表 1.pdf")])
        c.create(audience=pb.AUDIENCE_STUDENTS, audience_units=[c.tree.C],
                 templates=[pb.Template(file_id=f_col, name="评定表.pdf")])
        c.create(publish=False, templates=[pb.Template(file_id=f_draft, name="草稿.pdf")])
        # A published guide's file: anyone, over gRPC and as a plain download over HTTP.
        r = self.file(f_pub)
        self.assertEqual((r.content_type, r.data), ("application/pdf", public_pdf))
        t = c.get(pub).guide.templates[0]
        self.assertEqual(t.download_url, "/api/v1/catalog/templates/%s/%s"
                         % (f_pub, urllib.parse.quote("申请表 1.pdf")))
        self.assertEqual((t.size, t.content_type), (len(public_pdf), "application/pdf"))
        url = harness.env("EHALL_TEST_GATEWAY_URL")
        st, h, body = harness.http("GET", url + t.download_url)
        self.assertEqual((st, body), (200, public_pdf))
        self.assertTrue(h["content-type"].startswith("application/pdf"), h)
        # A guide limited to a college: its file only for those who see the guide.
        _, in_college = c.person(c.tree.K1)
        _, elsewhere = c.person(c.tree.E)
        self.refused(grpc.StatusCode.NOT_FOUND, self.file, f_col)
        self.refused(grpc.StatusCode.NOT_FOUND, self.file, f_col, elsewhere)
        self.assertEqual(self.file(f_col, in_college).data, college_pdf)
        # A file of a draft only: the owning department's admins (the editor's preview).
        self.assertEqual(self.file(f_draft, c.d_md).data, draft_pdf)
        self.assertEqual(self.file(f_draft, c.hall_md).data, draft_pdf)
        for md in ((), c.e_md, in_college):
            self.refused(grpc.StatusCode.NOT_FOUND, self.file, f_draft, md)
        self.refused(grpc.StatusCode.NOT_FOUND, self.file, "0" * 64)
        self.refused(grpc.StatusCode.NOT_FOUND, self.file, "../../etc/passwd")
        # can_edit: the owner's admins and hall admins only.
        self.assertTrue(c.get(pub, md=c.d_md).can_edit)
        self.assertTrue(c.get(pub, md=c.hall_md).can_edit)
        self.assertFalse(c.get(pub, md=c.e_md).can_edit)
        self.assertFalse(c.get(pub).can_edit)

    def test_favourites_are_limited_to_200(self):
        c, pb = self.c, self.pb
        code = c.create()
        cid, md = c.person(c.tree.K1)
        # 200 favourites already (of services never published: they are not listed).
        psql(c.dsn, "WITH s AS (INSERT INTO services (code, owner_unit_id)"
                    " SELECT :'v2' || '-' || g, u.id FROM generate_series(1, 200) g, org_units u"
                    " WHERE u.code = :'v3' RETURNING id)"
                    " INSERT INTO service_favourites (account_id, service_id)"
                    " SELECT a.id, s.id FROM s, accounts a WHERE a.campus_id = :'v1'",
             cid, new_service_code("fav"), c.tree.D)
        e = self.refused(grpc.StatusCode.RESOURCE_EXHAUSTED, c.mine.AddFavourite,
                         pb.AddFavouriteRequest(code=code), metadata=md, timeout=10)
        self.assertIn("200", e.details())
        self.assertEqual(list(c.mine.ListFavourites(pb.ListFavouritesRequest(), metadata=md,
                                                    timeout=10).services), [])
        psql(c.dsn, "DELETE FROM service_favourites WHERE service_id = (SELECT min(service_id)"
                    " FROM service_favourites f JOIN accounts a ON a.id = f.account_id"
                    " WHERE a.campus_id = :'v1')", cid)
        c.mine.AddFavourite(pb.AddFavouriteRequest(code=code), metadata=md, timeout=10)
        self.assertEqual([s.code for s in c.mine.ListFavourites(
            pb.ListFavouritesRequest(), metadata=md, timeout=10).services], [code])

    def test_anonymous_views_count_once_per_client(self):
        c, pb = self.c, self.pb
        code = c.create()
        view = lambda: c.catalog.RecordView(pb.RecordViewRequest(code=code), timeout=10).views
        self.assertEqual(view(), 1)
        self.assertEqual(view(), 1)  # the same address within ten minutes
        self.refused(grpc.StatusCode.NOT_FOUND, c.catalog.RecordView,
                     pb.RecordViewRequest(code="no-such-service"), timeout=10)

    def test_name_order_is_by_pinyin(self):
        c, pb = self.c, self.pb
        tag = code_tag()
        yi = c.create(name="乙" + tag)     # yi
        jia = c.create(name="甲" + tag)    # jia
        bing = c.create(name="丙" + tag)   # bing
        order = self.codes_by(sort=pb.SORT_ORDER_NAME)
        self.assertLess(order.index(bing), order.index(jia))
        self.assertLess(order.index(jia), order.index(yi))

    def codes_by(self, **kw):
        return [s.code for s in self.c.search(category=self.c.category, page_size=100,
                                              **kw).services]

    def test_anonymous_browse_over_http(self):
        c, pb = self.c, self.pb
        name, full, ini = spelled_name()
        code = c.create(name=name, name_en="Browse " + code_tag())
        hidden = c.create(audience=pb.AUDIENCE_STAFF)
        url = harness.env("EHALL_TEST_GATEWAY_URL")
        q = urllib.parse.urlencode({"query": ini, "category": c.category})
        st, _, body = harness.http("GET", f"{url}/api/v1/catalog/services?{q}")
        self.assertEqual(st, 200, body)
        r = json.loads(body)
        self.assertEqual([(x["code"], x["matchedBy"]) for x in r["services"]][:1],
                         [(code, "pinyin_initials")])
        st, _, body = harness.http("GET", f"{url}/api/v1/catalog/services/{code}")
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)["guide"]["name"], name)
        st, _, body = harness.http("GET", f"{url}/api/v1/catalog/services/{hidden}")
        self.assertEqual(st, 404, body)
        st, _, body = harness.http("GET", f"{url}/api/v1/catalog/home")
        self.assertEqual(st, 200, body)
        home = json.loads(body)
        mine = [x for x in home["categories"] if x["code"] == c.category]
        self.assertEqual(len(mine), 1)
        self.assertGreaterEqual(mine[0]["serviceCount"], 1)
        self.assertNotIn("favourites", home)
        st, _, body = harness.http("GET", f"{url}/api/v1/catalog/categories")
        self.assertEqual(st, 200, body)
        self.assertIn(c.theme, [x["code"] for x in json.loads(body)["themes"]])
        for q, field in (({"page_size": "-1"}, "page_size"), ({"query": "长" * 65}, "query"),
                         ({"page_token": "x!"}, "page_token")):
            st, _, body = harness.http("GET", f"{url}/api/v1/catalog/services?"
                                       + urllib.parse.urlencode(q))
            self.assertEqual(st, 400, body)
            fields = [v["field"] for d in json.loads(body)["details"]
                      if d["@type"].endswith("google.rpc.BadRequest") for v in d["fieldViolations"]]
            self.assertEqual(fields, [field])
        # At most 100 a page.
        r = c.search(page_size=1000)
        self.assertLessEqual(len(r.services), 100)


def code_tag():
    return new_service_code()[-6:]


if __name__ == "__main__":
    unittest.main()
