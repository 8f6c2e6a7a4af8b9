"""test_audit.py — the append-only, hash-chained audit log and `ehall-core audit verify`.

Identity actions (a login, creating an app, exchanging tokens, revoking it) produce rows with
the right actor and target; concurrent appenders keep ids contiguous and the chain intact; the
table refuses UPDATE, DELETE and TRUNCATE; and when the superuser disables that trigger, an
edited row and a deleted row (the newest one too, thanks to audit_head) make verify fail naming
the row. The tampering runs on a PRIVATE PostgreSQL cluster with its own core, so the shared
stack's log stays intact for everyone else.
"""
import concurrent.futures
import json
import unittest

import grpc

import harness
from identity_fixtures import bearer, create_account, identity_modules, login, psql


class AuditTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pb2, cls.pb2_grpc = identity_modules()
        cls.pg, cls.redis = harness.private_stores()
        cls.dsn = cls.pg.dsn
        cls.core = harness.start_core(pg_dsn=cls.dsn, redis_port=cls.redis.port,
                                      env={"EHALL_CORE_RATELIMIT_ENABLED": "false"})
        cls.channel = grpc.insecure_channel(cls.core.addr)
        cls.admin = create_account(cls.dsn, roles=("staff", "hall_admin"))
        cls.token = login(cls.channel, cls.admin)
        apps = cls.pb2_grpc.AppsStub(cls.channel)
        auth = cls.pb2_grpc.AuthStub(cls.channel)
        r = apps.CreateApp(cls.pb2.CreateAppRequest(name="审计测试应用", scopes=["system.read"]),
                           metadata=bearer(cls.token), timeout=10)
        cls.client_id = r.app.client_id

        def exchange(_):
            return auth.ExchangeAppToken(cls.pb2.ExchangeAppTokenRequest(
                client_id=r.app.client_id, client_secret=r.client_secret), timeout=20).token

        # Concurrent appenders: the advisory lock keeps ids contiguous and the chain whole.
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            cls.tokens = list(ex.map(exchange, range(8)))
        apps.RevokeApp(cls.pb2.RevokeAppRequest(client_id=r.app.client_id),
                       metadata=bearer(cls.token), timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.core.stop()
        cls.redis.stop()
        cls.pg.stop()

    def verify(self, dsn=None):
        return harness.run_core(["audit", "verify"], pg_dsn=dsn or self.dsn)

    def rows(self):
        return psql(self.dsn, "SELECT id, actor, action, target, coalesce(host(client_ip), ''),"
                              " request_id, detail::text FROM audit_log ORDER BY id")

    def assertIntact(self):
        rc, out = self.verify()
        n = int(psql(self.dsn, "SELECT count(*) FROM audit_log")[0][0])
        self.assertEqual(rc, 0, out)
        self.assertIn(f"audit log intact: {n} rows", out)

    def assertBrokenAt(self, row_id):
        rc, out = self.verify()
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, rf"audit log broken at row {row_id}: \S")
        return out

    def superuser(self, sql, *params):
        """As the cluster's superuser (the private cluster's only role), trigger off for the
        statement: what an intruder with database rights could do."""
        return psql(self.dsn, "BEGIN; ALTER TABLE audit_log DISABLE TRIGGER USER; " + sql +
                    "; ALTER TABLE audit_log ENABLE TRIGGER USER; COMMIT;", *params)

    # --- rows --------------------------------------------------------------------------------

    def test_actions_produce_rows_with_actor_and_target(self):
        rows = self.rows()
        ids = [int(r[0]) for r in rows]
        self.assertEqual(ids, list(range(1, len(ids) + 1)))
        target = "app:" + self.client_id
        by_action = {}
        for r in rows:
            by_action.setdefault(r[2], []).append(r)
        self.assertEqual([(r[1], r[3]) for r in by_action["app.create"]], [(self.admin, target)])
        self.assertEqual(len([r for r in by_action["app.token"] if r[3] == target]), 8)
        self.assertEqual([(r[1], r[3]) for r in by_action["app.revoke"]], [(self.admin, target)])
        create = by_action["app.create"][0]
        self.assertEqual(create[4], "127.0.0.1")
        self.assertTrue(create[5])  # the request id
        self.assertEqual(json.loads(create[6])["scopes"], ["system.read"])
        # No secret or token in any row.
        blob = json.dumps(rows)
        for t in self.tokens:
            self.assertNotIn(t, blob)

    def test_verify_passes_on_the_private_and_the_shared_log(self):
        self.assertIntact()
        rc, out = self.verify(harness.env("EHALL_TEST_PG_DSN"))
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"audit log intact: \d+ rows")

    def test_the_table_refuses_update_delete_and_truncate(self):
        for sql in ("UPDATE audit_log SET actor = 'x' WHERE id = 1", "DELETE FROM audit_log WHERE id = 1",
                    "TRUNCATE audit_log", "DELETE FROM audit_head"):
            with self.assertRaises(RuntimeError) as cm:
                psql(self.dsn, sql)
            self.assertIn("append-only", str(cm.exception))
        self.assertIntact()

    # --- tampering ---------------------------------------------------------------------------

    def test_an_edited_row_is_named(self):
        rows = self.rows()
        victim = rows[len(rows) // 2]
        original = victim[6]
        self.superuser("UPDATE audit_log SET detail = '{\"forged\": true}' WHERE id = :'v1'::bigint",
                       victim[0])
        try:
            self.assertBrokenAt(victim[0])
        finally:
            self.superuser("UPDATE audit_log SET detail = :'v2'::jsonb WHERE id = :'v1'::bigint",
                           victim[0], original)
        self.assertIntact()
        # Another column: the actor.
        self.superuser("UPDATE audit_log SET actor = 'someone-else' WHERE id = 1")
        try:
            self.assertBrokenAt(1)
        finally:
            self.superuser("UPDATE audit_log SET actor = :'v1' WHERE id = 1", self._row1_actor)
        self.assertIntact()

    def test_deleting_the_newest_row_or_a_middle_row_is_detected(self):
        last = psql(self.dsn, "SELECT max(id) FROM audit_log")[0][0]
        saved = psql(self.dsn, "SELECT row_to_json(a)::text FROM audit_log a WHERE id = :'v1'::bigint",
                     last)[0][0]
        self.superuser("DELETE FROM audit_log WHERE id = :'v1'::bigint", last)
        try:
            out = self.assertBrokenAt(last)
            self.assertIn("missing", out)
        finally:
            self.superuser("INSERT INTO audit_log SELECT * FROM json_populate_record(NULL::audit_log, :'v1')",
                           saved)
        self.assertIntact()

        mid = "3"
        saved = psql(self.dsn, "SELECT row_to_json(a)::text FROM audit_log a WHERE id = 3")[0][0]
        self.superuser("DELETE FROM audit_log WHERE id = 3")
        try:
            self.assertBrokenAt(mid)
        finally:
            self.superuser("INSERT INTO audit_log SELECT * FROM json_populate_record(NULL::audit_log, :'v1')",
                           saved)
        self.assertIntact()

    def setUp(self):
        # Row 1's actor, to put back after a test forged it.
        self._row1_actor = psql(self.dsn, "SELECT actor FROM audit_log WHERE id = 1")[0][0]


if __name__ == "__main__":
    unittest.main()
