"""test_forms.py — online applications against the real core, gateway, PostgreSQL and Redis:
departments save versioned forms (every problem of a bad one named, a cycle in the conditions
refused, nothing stored), applicants get the form prefilled from their record, the org and
their previous application, save drafts that keep their form version, submit (every field
error at once, nothing half-saved; an idempotency key makes a double submit one application;
a service that takes appointments books the slot in the same transaction), withdraw (the seat
goes back), resubmit after a return; attachments stay their owner's; nobody reads or changes
another person's application.
"""
import json
import unittest

import grpc

import harness
from booking_fixtures import Bk, fields, violations
from catalog_fixtures import Refusals
from identity_fixtures import psql
from org_fixtures import org_modules

SC = grpc.StatusCode
PDF = b"%PDF-1.4\n% ehall attachment\n"


def id_number(base17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return base17 + "10X98765432"[sum(int(d) * x for d, x in zip(base17, w)) % 11]


class FormsTest(Refusals, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Bk()
        import importlib
        harness.grpc_modules()
        cls.pb = importlib.import_module("ehall.forms.v1.forms_pb2")
        pbg = importlib.import_module("ehall.forms.v1.forms_pb2_grpc")
        cls.forms = pbg.FormsStub(cls.c.channel)
        cls.fadmin = pbg.FormAdminStub(cls.c.channel)
        # The test class's counselor (the demo's "counselor" group, scoped to class K1).
        opb, opbg = org_modules()
        cls.counselor_name = "测试辅导员"
        from identity_fixtures import create_account
        cid = create_account(cls.c.dsn, roles=("staff",), name=cls.counselor_name)
        cls.groups = opbg.GroupsStub(cls.c.channel)
        cls.groups.AddMember(opb.AddMemberRequest(group="counselor", campus_id=cid,
                                                  scopes=[cls.c.tree.K1]),
                             metadata=cls.c.hall_md, timeout=10)
        cls.counselor = cid
        cls.opb = opb

    @classmethod
    def tearDownClass(cls):
        # The demo group's membership is exported and imported again by the org e2e test: leave
        # no member scoped to this test's units, which close with it.
        cls.groups.RemoveMember(cls.opb.RemoveMemberRequest(group="counselor",
                                                            campus_id=cls.counselor),
                                metadata=cls.c.hall_md, timeout=10)
        cls.c.close()

    # --- helpers ----------------------------------------------------------------------------

    def field(self, key, type_, label=None, **kw):
        return self.pb.FormField(key=key, label=label or key, type=type_, **kw)

    def leave_form(self):
        pb, F = self.pb, self.pb.FieldType
        P = self.pb.PrefillSource
        return pb.FormDefinition(title="请假申请", fields=[
            self.field("name", F.Value("FIELD_TYPE_TEXT"), "姓名",
                       prefill=P.Value("PREFILL_SOURCE_NAME"), locked=True),
            self.field("campus_id", F.Value("FIELD_TYPE_TEXT"), "学号",
                       prefill=P.Value("PREFILL_SOURCE_CAMPUS_ID"), locked=True),
            self.field("college", F.Value("FIELD_TYPE_TEXT"), "学院",
                       prefill=P.Value("PREFILL_SOURCE_COLLEGE")),
            self.field("klass", F.Value("FIELD_TYPE_TEXT"), "班级",
                       prefill=P.Value("PREFILL_SOURCE_CLASS")),
            self.field("counselor", F.Value("FIELD_TYPE_TEXT"), "辅导员",
                       prefill=P.Value("PREFILL_SOURCE_COUNSELOR")),
            self.field("phone", F.Value("FIELD_TYPE_PHONE"), "联系电话", required=True,
                       prefill=P.Value("PREFILL_SOURCE_PREVIOUS")),
            self.field("kind", F.Value("FIELD_TYPE_CHOICE"), "类型", required=True, options=[
                pb.FieldOption(value="sick", label="病假"),
                pb.FieldOption(value="personal", label="事假")]),
            self.field("detail", F.Value("FIELD_TYPE_LONG_TEXT"), "病情说明", required=True,
                       visible_when=pb.Condition(field="kind", values=["sick"])),
            self.field("days", F.Value("FIELD_TYPE_NUMBER"), "天数", required=True,
                       has_min=True, min=1, has_max=True, max=30),
            self.field("start", F.Value("FIELD_TYPE_DATE"), "开始日期", required=True),
            self.field("id_no", F.Value("FIELD_TYPE_ID_NUMBER"), "身份证号"),
            self.field("companions", F.Value("FIELD_TYPE_TABLE"), "同行人", columns=[
                self.field("who", F.Value("FIELD_TYPE_TEXT"), "姓名", required=True),
                self.field("tel", F.Value("FIELD_TYPE_PHONE"), "电话")]),
            self.field("proof", F.Value("FIELD_TYPE_FILES"), "证明材料", max_files=2,
                       accept=["application/pdf", "image/*"]),
            self.field("agree", F.Value("FIELD_TYPE_CHECKBOX"), "本人承诺以上信息属实",
                       required=True),
        ])

    def online(self, mode=None, form=None):
        c = self.c
        code = c.create(mode=mode or c.pb.HANDLING_MODE_ONLINE, name="测试请假")
        self.fadmin.SaveForm(self.pb.SaveFormRequest(service_code=code,
                                                     form=form or self.leave_form()),
                             metadata=c.d_md, timeout=10)
        return code

    def good(self, **over):
        d = {"name": None, "phone": "13800138000", "kind": "personal", "days": 2,
             "start": "2026-12-07", "agree": True,
             "companions": [{"who": "李四", "tel": "0373-3326105"}]}
        d.update(over)
        return {k: v for k, v in d.items() if v is not None}

    def struct(self, d):
        from google.protobuf import struct_pb2
        s = struct_pb2.Struct()
        s.update(d)
        return s

    def submit(self, code, md, data, key=None, slot_id="", times=1):
        """Submits; with times > 1 the very same request bytes again (a client's retry)."""
        meta = list(md) + ([("idempotency-key", key)] if key else [])
        req = self.pb.SubmitApplicationRequest(service_code=code, data=self.struct(data),
                                               slot_id=slot_id)
        replies = [self.forms.SubmitApplication(req, metadata=meta, timeout=10)
                   for _ in range(times)]
        return replies if times > 1 else replies[0]

    def student(self):
        return self.c.person(self.c.tree.K1, name="张同学")

    # --- departments ------------------------------------------------------------------------

    def test_form_versions_and_bad_definitions(self):
        c, pb, F = self.c, self.pb, self.pb.FieldType
        code = self.online()
        v = self.fadmin.GetForm(pb.GetFormRequest(service_code=code), metadata=c.d_md, timeout=10)
        self.assertEqual((v.version, len(v.form.fields)), (1, 14))
        bad = pb.FormDefinition(fields=[
            self.field("a", F.Value("FIELD_TYPE_TEXT"), visible_when=pb.Condition(field="b",
                                                                                  values=["x"])),
            self.field("b", F.Value("FIELD_TYPE_TEXT"), visible_when=pb.Condition(field="a",
                                                                                  values=["y"])),
            self.field("b", F.Value("FIELD_TYPE_TEXT")),
            self.field("c", F.Value("FIELD_TYPE_CHOICE")),
            self.field("d", F.Value("FIELD_TYPE_TEXT"), pattern="([a-z"),
            self.field("E", F.Value("FIELD_TYPE_NUMBER"), has_min=True, min=5, has_max=True,
                       max=1),
        ])
        e = self.refused(SC.INVALID_ARGUMENT, self.fadmin.SaveForm,
                         pb.SaveFormRequest(service_code=code, form=bad), metadata=c.d_md,
                         timeout=10)
        got = set(fields(e))
        for path in ("form.fields[0].visible_when", "form.fields[2].key",
                     "form.fields[3].options", "form.fields[4].pattern", "form.fields[5].key",
                     "form.fields[5].max"):
            self.assertIn(path, got)
        self.assertIn("循环", violations(e)["form.fields[0].visible_when"])
        # validate_only stores nothing; a real save makes version 2; versions newest first.
        self.fadmin.SaveForm(pb.SaveFormRequest(service_code=code, form=self.leave_form(),
                                                validate_only=True), metadata=c.d_md, timeout=10)
        self.fadmin.SaveForm(pb.SaveFormRequest(service_code=code, form=self.leave_form()),
                             metadata=c.d_md, timeout=10)
        vs = self.fadmin.ListFormVersions(pb.ListFormVersionsRequest(service_code=code),
                                          metadata=c.d_md, timeout=10)
        self.assertEqual([x.version for x in vs.versions], [2, 1])
        self.assertEqual(vs.versions[0].created_by, c.admin_d)
        # Another department's admin cannot read or change it.
        self.refused(SC.PERMISSION_DENIED, self.fadmin.SaveForm,
                     pb.SaveFormRequest(service_code=code, form=self.leave_form()),
                     metadata=c.e_md, timeout=10)
        self.assertIn("forms.form.save", [r[0] for r in psql(
            c.dsn, "SELECT action FROM audit_log WHERE target = :'v1'", f"service:{code}")])

    # --- applicants ---------------------------------------------------------------------------

    def test_prefill_draft_submit_withdraw(self):
        c, pb = self.c, self.pb
        code = self.online()
        cid, md = self.student()
        f = self.forms.GetApplyForm(pb.GetApplyFormRequest(service_code=code), metadata=md,
                                    timeout=10)
        vals = dict(f.values)
        self.assertEqual(vals["name"], "张同学")
        self.assertEqual(vals["campus_id"], cid)
        self.assertTrue(vals["college"].startswith("测试学院"))
        self.assertTrue(vals["klass"].startswith("一班"))
        self.assertEqual(vals["counselor"], self.counselor_name)
        self.assertNotIn("phone", vals)  # no previous application yet
        self.assertEqual(sorted(f.locked), ["campus_id", "name"])
        self.assertEqual((f.form_version, f.draft_id), (1, ""))
        # A draft keeps its version when the department publishes a new one.
        d = self.forms.SaveDraft(pb.SaveDraftRequest(service_code=code,
                                                     data=self.struct({"days": 3})),
                                 metadata=md, timeout=10)
        self.assertEqual(d.state, pb.APPLICATION_STATE_DRAFT)
        self.fadmin.SaveForm(pb.SaveFormRequest(service_code=code, form=self.leave_form()),
                             metadata=c.d_md, timeout=10)
        f = self.forms.GetApplyForm(pb.GetApplyFormRequest(service_code=code), metadata=md,
                                    timeout=10)
        self.assertEqual((f.form_version, f.draft_id, f.values["days"]), (1, d.id, 3))
        # A draft is checked for shape only: wrong types and unknown fields are refused.
        e = self.refused(SC.INVALID_ARGUMENT, self.forms.SaveDraft,
                         pb.SaveDraftRequest(service_code=code,
                                             data=self.struct({"days": "three", "colour": "red"})),
                         metadata=md, timeout=10)
        self.assertEqual(sorted(fields(e)), ["data.colour", "data.days"])
        # Every error at once, nothing saved.
        bad = self.good(phone="12345", days=40, reason=None, colour="red", name="别人",
                        id_no="110101199003070001", kind="sick", agree=False,
                        companions=[{"who": "", "tel": "x"}])
        e = self.refused(SC.INVALID_ARGUMENT, self.submit, code, md, bad)
        self.assertEqual(sorted(fields(e)), sorted([
            "data.colour", "data.name", "data.phone", "data.detail", "data.days", "data.id_no",
            "data.companions[0].who", "data.companions[0].tel", "data.agree"]))
        self.assertEqual(psql(c.dsn, "SELECT state FROM applications p JOIN accounts a ON"
                                     " a.id = p.account_id WHERE a.campus_id = :'v1'", cid),
                         [["1"]])
        # A double submit with one key is one application.
        ok = self.good(id_no=id_number("11010119900307123"), detail="用不上：事假不显示")
        first, again = self.submit(code, md, ok, key="apply-" + cid, times=2)
        self.assertEqual(first.id, again.id)
        self.assertEqual(first.state, pb.APPLICATION_STATE_SUBMITTED)
        self.assertEqual(first.form_version, 1)
        self.assertRegex(first.serial, r"^\d{8}-\d{6}$")
        self.assertNotIn("detail", dict(first.data))  # hidden by its condition: dropped
        self.assertEqual(first.data["name"], "张同学")  # locked, filled from the record
        self.assertEqual([t.action for t in first.timeline], ["submitted"])
        self.assertEqual(psql(c.dsn, "SELECT count(*) FROM applications p JOIN accounts a ON"
                                     " a.id = p.account_id WHERE a.campus_id = :'v1'", cid),
                         [["1"]])
        mine = self.forms.ListMyApplications(pb.ListMyApplicationsRequest(), metadata=md,
                                             timeout=10)
        self.assertEqual([a.id for a in mine.applications], [first.id])
        # The next application starts from this one's phone (prefill: previous).
        f = self.forms.GetApplyForm(pb.GetApplyFormRequest(service_code=code), metadata=md,
                                    timeout=10)
        self.assertEqual((f.values["phone"], f.form_version), ("13800138000", 2))
        w = self.forms.WithdrawApplication(pb.WithdrawApplicationRequest(id=first.id,
                                                                         reason="已康复"),
                                           metadata=md, timeout=10)
        self.assertEqual(w.state, pb.APPLICATION_STATE_WITHDRAWN)
        self.assertEqual([(t.action, t.note) for t in w.timeline],
                         [("submitted", ""), ("withdrawn", "已康复")])
        self.refused(SC.FAILED_PRECONDITION, self.forms.WithdrawApplication,
                     pb.WithdrawApplicationRequest(id=first.id), metadata=md, timeout=10)

    def test_returned_application_is_resubmitted(self):
        c, pb = self.c, self.pb
        code = self.online()
        _, md = self.student()
        app = self.submit(code, md, self.good())
        self.refused(SC.FAILED_PRECONDITION, self.forms.ResubmitApplication,
                     pb.ResubmitApplicationRequest(id=app.id, data=self.struct(self.good())),
                     metadata=md, timeout=10)
        # Approvals (next issue) return it; the state machine and the call are ready now.
        psql(c.dsn, "UPDATE applications SET state = 4 WHERE id = :'v1'", app.id)
        r = self.forms.ResubmitApplication(pb.ResubmitApplicationRequest(
            id=app.id, data=self.struct(self.good(days=5))), metadata=md, timeout=10)
        self.assertEqual((r.state, r.data["days"]), (pb.APPLICATION_STATE_SUBMITTED, 5))
        self.assertEqual([t.action for t in r.timeline], ["submitted", "resubmitted"])

    def test_submit_books_the_slot_and_withdraw_frees_it(self):
        c, pb = self.c, self.pb
        code = self.online(mode=c.pb.HANDLING_MODE_BOTH)
        slot = c.slot(code, capacity=1)
        _, a = self.student()
        _, b = self.student()
        f = self.forms.GetApplyForm(pb.GetApplyFormRequest(service_code=code), metadata=a,
                                    timeout=10)
        self.assertTrue(f.takes_appointments)
        e = self.refused(SC.INVALID_ARGUMENT, self.submit, code, a, self.good())
        self.assertEqual(fields(e), ["slot_id"])
        got = self.submit(code, a, self.good(), slot_id=slot.id)
        self.assertEqual((got.booking.slot.id, got.booking.state),
                         (slot.id, c.fpb.BOOKING_STATE_BOOKED))
        # The slot is full: b's submission fails whole (no application, no booking).
        e = self.refused(SC.RESOURCE_EXHAUSTED, self.submit, code, b, self.good(), None, slot.id)
        self.assertIn("已约满", e.details())
        self.assertEqual(len(self.forms.ListMyApplications(pb.ListMyApplicationsRequest(),
                                                           metadata=b, timeout=10).applications), 0)
        self.forms.WithdrawApplication(pb.WithdrawApplicationRequest(id=got.id), metadata=a,
                                       timeout=10)
        self.assertEqual(c.slot_row(slot.id)[1:], ["0", "0"])
        again = self.submit(code, b, self.good(), slot_id=slot.id)
        self.assertEqual(again.booking.slot.id, slot.id)

    def test_attachments_stay_their_owners(self):
        c, pb = self.c, self.pb
        code = self.online()
        _, a = self.student()
        _, b = self.student()
        att = self.forms.UploadAttachment(pb.UploadAttachmentRequest(
            service_code=code, name="诊断证明.pdf", content_type="application/pdf", data=PDF),
            metadata=a, timeout=10)
        self.assertEqual((att.size, len(att.sha256)), (len(PDF), 64))
        app = self.submit(code, a, self.good(proof=[att.id]))
        self.assertEqual(list(app.data["proof"]), [att.id])
        gw = harness.env("EHALL_TEST_GATEWAY_URL")
        st, h, body = harness.http("GET", f"{gw}/api/v1/me/attachments/{att.id}",
                                   headers={"authorization": a[0][1]})
        self.assertEqual((st, body), (200, PDF))
        self.assertEqual(h["content-disposition"], "attachment")
        st, _, _ = harness.http("GET", f"{gw}/api/v1/me/attachments/{att.id}",
                                headers={"authorization": b[0][1]})
        self.assertEqual(st, 404)
        # b cannot put a's file into his own application.
        e = self.refused(SC.INVALID_ARGUMENT, self.submit, code, b, self.good(proof=[att.id]))
        self.assertEqual(fields(e), ["data"])
        # The field takes PDFs and images: a text file is refused at its place, nothing saved.
        txt = self.forms.UploadAttachment(pb.UploadAttachmentRequest(
            service_code=code, name="说明.txt", content_type="text/plain", data=b"hello"),
            metadata=a, timeout=10)
        png = self.forms.UploadAttachment(pb.UploadAttachmentRequest(
            service_code=code, name="照片.png", content_type="image/png", data=b"\x89PNG\r\n"),
            metadata=a, timeout=10)
        before = len(self.forms.ListMyApplications(pb.ListMyApplicationsRequest(), metadata=a,
                                                   timeout=10).applications)
        e = self.refused(SC.INVALID_ARGUMENT, self.submit, code, a,
                         self.good(proof=[png.id, txt.id]))
        self.assertEqual(fields(e), ["data.proof[1]"])
        self.assertIn("text/plain", e.details())
        self.assertEqual(len(self.forms.ListMyApplications(pb.ListMyApplicationsRequest(),
                                                           metadata=a, timeout=10).applications),
                         before)
        self.assertEqual(list(self.submit(code, a, self.good(proof=[png.id])).data["proof"]),
                         [png.id])
        # Too big, a bad name, a bad type: named, nothing stored.
        e = self.refused(SC.INVALID_ARGUMENT, self.forms.UploadAttachment,
                         pb.UploadAttachmentRequest(service_code=code, name="../x",
                                                    content_type="pdf",
                                                    data=b"x" * (512 * 1024 + 1)),
                         metadata=a, timeout=20)
        self.assertEqual(sorted(fields(e)), ["content_type", "data", "name"])

    def test_nobody_touches_another_persons_application(self):
        c, pb = self.c, self.pb
        code = self.online()
        _, a = self.student()
        _, b = self.student()
        app = self.submit(code, a, self.good())
        for fn, req in ((self.forms.GetApplication, pb.GetApplicationRequest(id=app.id)),
                        (self.forms.WithdrawApplication,
                         pb.WithdrawApplicationRequest(id=app.id)),
                        (self.forms.ResubmitApplication,
                         pb.ResubmitApplicationRequest(id=app.id, data=self.struct(self.good())))):
            self.refused(SC.NOT_FOUND, fn, req, metadata=b, timeout=10)
        self.assertEqual(self.forms.GetApplication(pb.GetApplicationRequest(id=app.id),
                                                   metadata=a, timeout=10).state,
                         pb.APPLICATION_STATE_SUBMITTED)
        self.refused(SC.UNAUTHENTICATED, self.forms.GetApplyForm,
                     pb.GetApplyFormRequest(service_code=code), timeout=10)

    def test_http_bodies(self):
        c = self.c
        code = self.online()
        _, a = self.student()
        gw = harness.env("EHALL_TEST_GATEWAY_URL")
        hdr = {"authorization": a[0][1], "content-type": "application/json"}
        url = f"{gw}/api/v1/services/{code}/applications"
        st, _, body = harness.http("POST", url, json.dumps({"data": self.good(), "extra": 1}), hdr)
        self.assertEqual(st, 400, body)
        self.assertIn("extra", body.decode())
        st, _, body = harness.http("POST", url, json.dumps({"data": self.good(days=99)}), hdr)
        self.assertEqual(st, 400, body)
        self.assertIn("data.days", body.decode())
        st, _, body = harness.http("POST", url, json.dumps({"data": self.good()}), hdr)
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)["state"], "APPLICATION_STATE_SUBMITTED")


if __name__ == "__main__":
    unittest.main()
