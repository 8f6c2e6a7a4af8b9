"""test_catalog_admin.py — departments maintain their services against the real core and
gateway: create, drafts while the published version keeps being served, publish (atomic, only
the previewed draft, one winner when two race), versions and their diff, unpublish, the audit
log, who may do what (another department's admin, a student, anonymous), bad input naming the
field with nothing half-saved (gRPC and HTTP), template files, categories.
"""
import json
import threading
import unittest

import grpc

import harness
from catalog_fixtures import Cat, Refusals, new_service_code
from identity_fixtures import psql

OK_PDF = b"%PDF-1.4\n% ehall test template\n"


class CatalogAdminTest(Refusals, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Cat()
        cls.pb = cls.c.pb

    @classmethod
    def tearDownClass(cls):
        cls.c.close()

    def audit(self, code):
        return [r[0] for r in psql(self.c.dsn, "SELECT action FROM audit_log WHERE target = :'v1'"
                                                " ORDER BY id", f"service:{code}")]

    def versions(self, code, md=None):
        return self.c.admin.ListVersions(self.pb.ListVersionsRequest(code=code),
                                         metadata=md or self.c.d_md, timeout=10).versions

    # --- the life of a service ------------------------------------------------------------------

    def test_draft_publish_edit_publish(self):
        c, pb = self.c, self.pb
        code = c.create(publish=False, summary="第一版简介")
        # A draft is not in the catalogue.
        self.refused(grpc.StatusCode.NOT_FOUND, c.get, code)
        v = self.versions(code)
        self.assertEqual([(x.version, x.state) for x in v], [(1, pb.VERSION_STATE_DRAFT)])
        self.assertEqual(v[0].created_by, c.admin_d)
        c.publish(code, 1)
        self.assertEqual(c.get(code).guide.summary, "第一版简介")
        # Editing makes version 2; version 1 keeps being served until 2 is published.
        r = c.save(code, summary="第二版简介", steps=["网上申请", "辅导员审核", "部门审核", "领取结果"])
        self.assertEqual((r.draft_version, r.published_version), (2, 1))
        self.assertEqual(r.state, pb.SERVICE_STATE_PUBLISHED)
        self.assertEqual(c.get(code).guide.summary, "第一版简介")
        # Saving again replaces the open draft (no version 3).
        r = c.save(code, summary="第二版简介（修订）",
                   steps=["网上申请", "辅导员审核", "部门审核", "领取结果"])
        self.assertEqual(r.draft_version, 2)
        c.publish(code, 2)
        s = c.get(code)
        self.assertEqual((s.version, s.guide.summary), (2, "第二版简介（修订）"))
        self.assertEqual([(x.version, x.state) for x in self.versions(code)],
                         [(2, pb.VERSION_STATE_PUBLISHED), (1, pb.VERSION_STATE_SUPERSEDED)])
        # Any two versions compare field by field; the inserted step is one added line.
        d = c.admin.DiffVersions(pb.DiffVersionsRequest(code=code, **{"from": 1, "to": 2}),
                                 metadata=c.d_md, timeout=10)
        fields = {ch.field: ch for ch in d.changes}
        self.assertEqual(set(fields), {"summary", "steps"})
        self.assertEqual(fields["summary"].before, "第一版简介")
        self.assertEqual(fields["summary"].after, "第二版简介（修订）")
        ops = [(l.op, l.text) for l in fields["steps"].lines]
        self.assertIn((pb.DiffLine.OP_ADDED, "辅导员审核"), ops)
        self.assertEqual(sum(1 for o, _ in ops if o == pb.DiffLine.OP_SAME), 3)
        g = c.admin.GetVersion(pb.GetVersionRequest(code=code, version=1), metadata=c.d_md,
                               timeout=10)
        self.assertEqual(g.guide.summary, "第一版简介")
        self.assertEqual(self.audit(code), ["catalog.service.create", "catalog.publish",
                                            "catalog.draft.save", "catalog.draft.save",
                                            "catalog.publish"])

    def test_publish_only_the_previewed_draft(self):
        c = self.c
        code = c.create()
        # No draft: nothing to publish.
        self.refused(grpc.StatusCode.FAILED_PRECONDITION, c.publish, code, 1)
        c.save(code, summary="草稿二")
        # The editor previewed version 2; someone publishes it and starts version 3 meanwhile.
        c.publish(code, 2)
        c.save(code, summary="草稿三")
        e = self.refused(grpc.StatusCode.ABORTED, c.publish, code, 2)
        self.assertIn("3", e.details())
        # A save from an editor who started on draft 2 is refused the same way.
        self.refused(grpc.StatusCode.ABORTED, c.save, code, expected=2, summary="旧编辑器")
        self.assertEqual(c.get(code).guide.summary, "草稿二")
        c.admin.DiscardDraft(self.pb.DiscardDraftRequest(code=code), metadata=c.d_md, timeout=10)
        states = [(x.version, x.state) for x in self.versions(code)]
        self.assertEqual(states[0], (3, self.pb.VERSION_STATE_DISCARDED))
        self.refused(grpc.StatusCode.FAILED_PRECONDITION, c.admin.DiscardDraft,
                     self.pb.DiscardDraftRequest(code=code), metadata=c.d_md, timeout=10)

    def test_two_publishes_race_one_wins(self):
        c = self.c
        code = c.create()
        c.save(code, summary="并发发布")
        results = []

        def go():
            try:
                c.publish(code, 2)
                results.append("ok")
            except grpc.RpcError as e:
                results.append(e.code())

        ts = [threading.Thread(target=go) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(results.count("ok"), 1, results)
        self.assertTrue(all(r in ("ok", grpc.StatusCode.FAILED_PRECONDITION) for r in results),
                        results)
        rows = psql(c.dsn, "SELECT count(*) FROM service_versions v JOIN services s"
                           " ON s.id = v.service_id WHERE s.code = :'v1' AND v.state = 2", code)
        self.assertEqual(rows, [["1"]])
        self.assertEqual(c.get(code).guide.summary, "并发发布")

    def test_unpublish_and_back(self):
        c, pb = self.c, self.pb
        name = "下线测试" + new_service_code()[-6:]
        code = c.create(name=name)
        self.assertEqual(c.get(code).guide.name, name)
        r = c.admin.UnpublishService(pb.UnpublishServiceRequest(code=code, reason="流程调整中"),
                                     metadata=c.d_md, timeout=10)
        self.assertEqual((r.state, r.published_version), (pb.SERVICE_STATE_UNPUBLISHED, 0))
        self.refused(grpc.StatusCode.NOT_FOUND, c.get, code)
        self.assertNotIn(code, [s.code for s in c.search(query=name).services])
        detail = psql(c.dsn, "SELECT detail->>'reason' FROM audit_log WHERE target = :'v1'"
                             " AND action = 'catalog.unpublish'", f"service:{code}")
        self.assertEqual(detail, [["流程调整中"]])
        self.refused(grpc.StatusCode.FAILED_PRECONDITION, c.admin.UnpublishService,
                     pb.UnpublishServiceRequest(code=code), metadata=c.d_md, timeout=10)
        r = c.save(code, name=name)
        c.publish(code, r.draft_version)
        self.assertEqual(c.get(code).version, 2)

    # --- who may do what ---------------------------------------------------------------------------

    def test_other_department_and_students(self):
        c, pb = self.c, self.pb
        published = c.create()
        draft = c.create(publish=False)
        # Department E's admin: D's published service exists but is not his to change …
        self.refused(grpc.StatusCode.PERMISSION_DENIED, c.save, published, md=c.e_md)
        self.refused(grpc.StatusCode.PERMISSION_DENIED, c.publish, published, 1, md=c.e_md)
        self.refused(grpc.StatusCode.PERMISSION_DENIED, c.admin.UnpublishService,
                     pb.UnpublishServiceRequest(code=published), metadata=c.e_md, timeout=10)
        # … and its versions and drafts are not his to see.
        self.refused(grpc.StatusCode.NOT_FOUND, self.versions, published, c.e_md)
        self.refused(grpc.StatusCode.NOT_FOUND, c.save, draft, md=c.e_md)
        self.refused(grpc.StatusCode.NOT_FOUND, c.admin.GetVersion,
                     pb.GetVersionRequest(code=draft, version=1), metadata=c.e_md, timeout=10)
        # Nor may he create services for D.
        self.refused(grpc.StatusCode.PERMISSION_DENIED, c.create, owner=c.tree.D, md=c.e_md)
        mine = c.admin.ListManagedServices(pb.ListManagedServicesRequest(page_size=100),
                                           metadata=c.e_md, timeout=10)
        self.assertNotIn(published, [s.code for s in mine.services])
        d_list = c.admin.ListManagedServices(pb.ListManagedServicesRequest(
            department=c.tree.D, page_size=100), metadata=c.d_md, timeout=10)
        self.assertIn(draft, [s.code for s in d_list.services])
        # A hall admin may change it; a student may not; anonymous callers must sign in.
        c.save(published, md=c.hall_md, summary="大厅管理员修改")
        _, student = c.person(c.tree.K1)
        self.refused(grpc.StatusCode.PERMISSION_DENIED, c.save, published, md=student)
        self.refused(grpc.StatusCode.PERMISSION_DENIED, c.create, md=student)
        self.refused(grpc.StatusCode.UNAUTHENTICATED, c.admin.SaveDraft, pb.SaveDraftRequest(
            code=published, guide=c.guide()), timeout=10)
        # can_edit tells the pages whether to show the edit link.
        self.assertTrue(c.get(published, md=c.d_md).can_edit)
        self.assertFalse(c.get(published, md=c.e_md).can_edit)

    # --- bad input ------------------------------------------------------------------------------------

    def test_bad_input_names_the_field_and_saves_nothing(self):
        c, pb = self.c, self.pb
        code = c.create(summary="原来的草稿", publish=False)
        cases = [
            (dict(name=""), "name"),
            (dict(name="长" * 65), "name"),
            (dict(summary="x" * 501), "summary"),
            (dict(categories=["no-such-category"]), "categories[0]"),
            (dict(locations=[pb.Location(campus="东校区", place="A", hours=[pb.OpeningHours(
                weekdays=[1], open="25:00", close="17:00")])]), "locations[0].hours[0].open"),
            (dict(locations=[pb.Location(campus="东校区", place="A", hours=[pb.OpeningHours(
                weekdays=[9], open="08:00", close="07:00")])]), "locations[0].hours[0].weekdays"),
            (dict(audience=pb.AUDIENCE_UNSPECIFIED), "audience"),
            (dict(audience_units=["NO-SUCH-UNIT"]), "audience_units[0]"),
            (dict(templates=[pb.Template(file_id="0" * 64, name="表.pdf")]), "templates[0].file_id"),
        ]
        for over, field in cases:
            e = self.refused(grpc.StatusCode.INVALID_ARGUMENT, c.save, code, **over)
            bad = harness.grpc_status_details(e)
            self.assertIn(field, json.dumps(str(bad)), (field, e.details()))
        g = c.admin.GetVersion(pb.GetVersionRequest(code=code, version=1), metadata=c.d_md,
                               timeout=10).guide
        self.assertEqual(g.summary, "原来的草稿")
        self.assertEqual(len(self.versions(code)), 1)
        self.assertEqual(self.audit(code), ["catalog.service.create"])
        # Codes.
        self.refused(grpc.StatusCode.INVALID_ARGUMENT, lambda: c.create(code="Bad Code"))
        self.refused(grpc.StatusCode.ALREADY_EXISTS, lambda: c.create(code=code))
        # HTML and script are text: stored exactly, served exactly (the pages escape them).
        html = '<script>alert(1)</script><img src=x onerror="alert(2)">'
        h = c.create(summary=html, name="<b>粗体</b>服务")
        s = c.get(h)
        self.assertEqual((s.guide.summary, s.guide.name), (html, "<b>粗体</b>服务"))

    def test_bad_input_over_http(self):
        c = self.c
        url = harness.env("EHALL_TEST_GATEWAY_URL")
        code = c.create(publish=False)
        tok = dict(c.d_md)["authorization"]
        body = json.dumps({"guide": {"name": "", "nameEn": "x", "categories": [c.category],
                                     "audience": "AUDIENCE_EVERYONE", "summary": "s",
                                     "mode": "HANDLING_MODE_ONLINE"}})
        st, _, data = harness.http("PUT", f"{url}/api/v1/admin/catalog/services/{code}/draft",
                                   body, {"authorization": tok, "content-type": "application/json"})
        self.assertEqual(st, 400, data)
        err = json.loads(data)
        self.assertIn("服务名称", err["message"])
        self.assertIn('"name"', json.dumps(err["details"]))
        # An unknown JSON field and a wrong type are refused by the gateway the same way.
        st, _, data = harness.http("PUT", f"{url}/api/v1/admin/catalog/services/{code}/draft",
                                   json.dumps({"guide": {"colour": "red"}}),
                                   {"authorization": tok, "content-type": "application/json"})
        self.assertEqual(st, 400, data)

    # --- files and categories -----------------------------------------------------------------------

    def test_templates(self):
        c, pb = self.c, self.pb
        up = c.admin.UploadTemplate(pb.UploadTemplateRequest(
            owner_unit=c.tree.D, name="申请表.pdf", content=OK_PDF), metadata=c.d_md, timeout=10)
        self.assertEqual(len(up.file_id), 64)
        self.assertEqual(up.content_type, "application/pdf")
        self.assertTrue(up.download_url.startswith(f"/api/v1/catalog/templates/{up.file_id}/"))
        # The same bytes again: the same id.
        again = c.admin.UploadTemplate(pb.UploadTemplateRequest(
            owner_unit=c.tree.D, name="申请表.pdf", content=OK_PDF), metadata=c.d_md, timeout=10)
        self.assertEqual(again.file_id, up.file_id)
        self.refused(grpc.StatusCode.INVALID_ARGUMENT, c.admin.UploadTemplate,
                     pb.UploadTemplateRequest(owner_unit=c.tree.D, name="page.html",
                                              content=b"<html>"), metadata=c.d_md, timeout=10)
        self.refused(grpc.StatusCode.RESOURCE_EXHAUSTED, c.admin.UploadTemplate,
                     pb.UploadTemplateRequest(owner_unit=c.tree.D, name="big.pdf",
                                              content=b"x" * (512 * 1024 + 1)),
                     metadata=c.d_md, timeout=10)
        self.refused(grpc.StatusCode.PERMISSION_DENIED, c.admin.UploadTemplate,
                     pb.UploadTemplateRequest(owner_unit=c.tree.D, name="e.pdf", content=OK_PDF),
                     metadata=c.e_md, timeout=10)
        code = c.create(templates=[pb.Template(file_id=up.file_id, name="申请表.pdf")])
        t = c.get(code).guide.templates[0]
        self.assertEqual((t.size, t.content_type), (len(OK_PDF), "application/pdf"))
        body = c.catalog.GetTemplate(pb.GetTemplateRequest(file_id=up.file_id, name="申请表.pdf"),
                                     timeout=10)
        self.assertEqual((body.content_type, body.data), ("application/pdf", OK_PDF))
        # Over HTTP the file comes as itself, a download, never sniffed into a page.
        url = harness.env("EHALL_TEST_GATEWAY_URL")
        st, h, data = harness.http("GET", url + t.download_url)
        self.assertEqual((st, data), (200, OK_PDF))
        self.assertEqual(h["content-type"], "application/pdf")
        self.assertEqual(h["content-disposition"], "attachment")
        self.assertEqual(h["x-content-type-options"], "nosniff")
        st, h, data = harness.http("GET", f"{url}/api/v1/catalog/templates/{'0' * 64}/x.pdf")
        self.assertEqual(st, 404)
        self.assertIn("application/json", h["content-type"])
        # A file no published guide offers: only its department's admins may fetch it.
        other = c.admin.UploadTemplate(pb.UploadTemplateRequest(
            owner_unit=c.tree.D, name="草稿附件.docx", content=b"PK\x03\x04 draft only"),
            metadata=c.d_md, timeout=10)
        self.refused(grpc.StatusCode.NOT_FOUND, c.catalog.GetTemplate,
                     pb.GetTemplateRequest(file_id=other.file_id, name="x.docx"), timeout=10)
        c.catalog.GetTemplate(pb.GetTemplateRequest(file_id=other.file_id, name="x.docx"),
                              metadata=c.d_md, timeout=10)

    def test_categories(self):
        c, pb = self.c, self.pb
        C = pb.Category
        self.refused(grpc.StatusCode.PERMISSION_DENIED, c.admin.SaveCategory,
                     pb.SaveCategoryRequest(code="x-cat", category=C(
                         kind=pb.CATEGORY_KIND_CATEGORY, name="x", name_en="x")),
                     metadata=c.d_md, timeout=10)
        self.refused(grpc.StatusCode.INVALID_ARGUMENT, c.admin.SaveCategory,
                     pb.SaveCategoryRequest(code="Bad Code", category=C(
                         kind=pb.CATEGORY_KIND_CATEGORY, name="x", name_en="x")),
                     metadata=c.hall_md, timeout=10)
        code = c.create(categories=[c.category])
        cats = c.catalog.ListCategories(pb.ListCategoriesRequest(), timeout=10)
        mine = [x for x in cats.categories if x.code == c.category]
        self.assertEqual(len(mine), 1)
        self.assertGreaterEqual(mine[0].service_count, 1)
        self.assertIn(c.theme, [x.code for x in cats.themes])
        self.assertIn(code, [s.code for s in c.search(category=c.category, page_size=100).services])


if __name__ == "__main__":
    unittest.main()
