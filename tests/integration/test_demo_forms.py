"""test_demo_forms.py — the demo application forms and approval processes that `./dev up`
loads (migrations/demo/forms/forms.sql, migrations/demo/approvals/processes.sql) are ones the
core accepts: each form passes the departments' own check (FormAdmin.SaveForm with
validate_only, every field rule of form_rules.c) and reads back through GetApplyForm for a
student with his record prefilled and locked; each process is published and passes
ProcessAdmin.SaveProcess with validate_only (process_rules.c, against its service's form).
"""
import importlib
import unittest

import grpc

import harness
from identity_fixtures import bearer, create_account, login, psql

DEMO = ["student-leave", "enrolment-certificate", "transcript", "campus-card", "scholarship",
        "dorm-change", "venue-booking"]
DEMO_PROCESSES = ["student-leave", "enrolment-certificate", "scholarship", "venue-booking"]


class DemoFormsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.grpc_modules()
        cls.pb = importlib.import_module("ehall.forms.v1.forms_pb2")
        pbg = importlib.import_module("ehall.forms.v1.forms_pb2_grpc")
        cls.dsn = harness.env("EHALL_TEST_PG_DSN")
        cls.channel = grpc.insecure_channel(harness.env("EHALL_TEST_CORE_ADDR"))
        cls.forms = pbg.FormsStub(cls.channel)
        cls.admin = pbg.FormAdminStub(cls.channel)
        cls.hall = bearer(login(cls.channel, create_account(cls.dsn, roles=("staff", "hall_admin"))))
        cls.student = bearer(login(cls.channel, create_account(
            cls.dsn, roles=("student",), kind=1, name="演示学生")))

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()

    def test_every_demo_form_is_valid_and_prefills(self):
        loaded = {r[0] for r in psql(self.dsn, "SELECT s.code FROM form_versions f JOIN services s"
                                               " ON s.id = f.service_id")}
        for code in DEMO:
            with self.subTest(code=code):
                self.assertIn(code, loaded)
                cur = self.admin.GetForm(self.pb.GetFormRequest(service_code=code),
                                         metadata=self.hall, timeout=10)
                self.assertGreater(len(cur.form.fields), 3)
                self.admin.SaveForm(self.pb.SaveFormRequest(service_code=code, form=cur.form,
                                                            validate_only=True),
                                    metadata=self.hall, timeout=10)
                f = self.forms.GetApplyForm(self.pb.GetApplyFormRequest(service_code=code),
                                            metadata=self.student, timeout=10)
                self.assertEqual(f.values["name"], "演示学生")
                self.assertIn("name", list(f.locked))

    def test_every_demo_process_is_published_and_valid(self):
        apb = importlib.import_module("ehall.approvals.v1.approvals_pb2")
        padmin = importlib.import_module("ehall.approvals.v1.approvals_pb2_grpc").ProcessAdminStub(
            self.channel)
        for code in DEMO_PROCESSES:
            with self.subTest(code=code):
                info = padmin.GetProcess(apb.GetProcessRequest(service_code=code),
                                         metadata=self.hall, timeout=10)
                self.assertGreaterEqual(info.published_version, 1)
                self.assertGreater(len(info.published.steps), 0)
                ok = padmin.SaveProcess(apb.SaveProcessRequest(
                    service_code=code, process=info.published, validate_only=True),
                    metadata=self.hall, timeout=10)
                self.assertTrue(ok.validated)


if __name__ == "__main__":
    unittest.main()
