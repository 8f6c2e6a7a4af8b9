"""test_catalog_import.py — `ehall-core import catalog FILE [apply]` against the real database:
a dry run stores nothing and says what apply would do; apply creates, publishes and leaves
drafts as the file says, audited as the cli; a second run changes nothing; a changed guide
becomes a new published version; a bad entry (an unknown category, a bad code) names the entry
and stores nothing; and the running core serves what was imported at once.
"""
import json
import os
import unittest

import harness
from catalog_fixtures import Cat, new_service_code
from identity_fixtures import psql


class CatalogImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Cat()

    @classmethod
    def tearDownClass(cls):
        cls.c.close()

    def guide(self, summary="导入的服务"):
        return {"name": "导入测试服务", "nameEn": "Imported", "categories": [self.c.category],
                "audience": "AUDIENCE_EVERYONE", "summary": summary,
                "mode": "HANDLING_MODE_OFFLINE"}

    def run_import(self, doc, apply):
        path = os.path.join(harness.tmpdir(), f"catalog-{new_service_code()}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)
        return harness.run_core(["import", "catalog", path] + (["apply"] if apply else []))

    def versions(self, code):
        return psql(self.c.dsn, "SELECT v.version, v.state FROM service_versions v JOIN services s"
                                " ON s.id = v.service_id WHERE s.code = :'v1' ORDER BY 1", code)

    def test_dry_run_apply_again_change(self):
        c = self.c
        pub, draft = new_service_code(), new_service_code()
        doc = {"services": [
            {"code": pub, "ownerUnit": c.tree.D, "publish": True, "guide": self.guide()},
            {"code": draft, "ownerUnit": c.tree.D, "publish": False, "guide": self.guide("草稿")}]}
        rc, out = self.run_import(doc, False)
        self.assertEqual(rc, 0, out)
        self.assertIn("created 2", out)
        self.assertIn("dry run", out)
        self.assertEqual(self.versions(pub), [])
        rc, out = self.run_import(doc, True)
        self.assertEqual(rc, 0, out)
        self.assertIn("created 2, changed 0, published 1", out)
        self.assertEqual(self.versions(pub), [["1", "2"]])
        self.assertEqual(self.versions(draft), [["1", "1"]])
        self.assertEqual(c.get(pub).guide.summary, "导入的服务")  # the running core, at once
        rows = psql(c.dsn, "SELECT actor FROM audit_log WHERE action = 'catalog.import'"
                           " ORDER BY id DESC LIMIT 1")
        self.assertEqual(rows, [["cli"]])
        rc, out = self.run_import(doc, True)
        self.assertEqual(rc, 0, out)
        self.assertIn("created 0, changed 0, published 0, unchanged 2", out)
        self.assertEqual(self.versions(pub), [["1", "2"]])
        doc["services"][0]["guide"]["summary"] = "导入的服务（第二版）"
        rc, out = self.run_import(doc, True)
        self.assertIn("changed 1, published 1", out)
        self.assertEqual(self.versions(pub), [["1", "3"], ["2", "2"]])
        self.assertEqual(c.get(pub).guide.summary, "导入的服务（第二版）")

    def test_a_bad_entry_stores_nothing(self):
        c = self.c
        good, bad = new_service_code(), new_service_code()
        g = self.guide()
        g["categories"] = ["no-such-category"]
        doc = {"services": [
            {"code": good, "ownerUnit": c.tree.D, "publish": True, "guide": self.guide()},
            {"code": bad, "ownerUnit": c.tree.D, "publish": True, "guide": g}]}
        rc, out = self.run_import(doc, True)
        self.assertEqual(rc, 1, out)
        self.assertIn(bad, out)
        self.assertIn("no-such-category", out)
        self.assertEqual(self.versions(good), [])
        rc, out = self.run_import({"services": [{"code": "Bad Code", "ownerUnit": c.tree.D,
                                                 "guide": self.guide()}]}, True)
        self.assertEqual(rc, 1, out)
        self.assertIn("Bad Code", out)
        # An unknown field or a wrong type is refused by the proto3 JSON mapping, naming it.
        rc, out = self.run_import({"services": [{"code": good, "ownerUnit": c.tree.D,
                                                 "guide": self.guide(), "colour": "red"}]}, True)
        self.assertEqual(rc, 1, out)
        self.assertIn("colour", out)
        rc, out = self.run_import({"services": [{"code": good, "ownerUnit": c.tree.D,
                                                 "publish": "yes", "guide": self.guide()}]}, True)
        self.assertEqual(rc, 1, out)
        self.assertIn("publish", out)
        rc, out = self.run_import({"services": [{"code": good, "ownerUnit": "NO-SUCH-UNIT",
                                                 "guide": self.guide()}]}, True)
        self.assertEqual(rc, 1, out)
        self.assertEqual(self.versions(good), [])


if __name__ == "__main__":
    unittest.main()
