"""test_identity_apps.py — a third-party campus app, played by python3-grpcio against the shared
core: a hall admin (inserted with psql, logged in through Login) creates it and sees its secret
once; the app exchanges id and secret for a token, calls a method inside its scopes and is
refused outside them; allowed IPs are enforced at the exchange and on every call (the trusted
gateway's forwarded address stands in for other hosts); revocation kills every token at once.
"""
import hashlib
import os
import unittest
import uuid

import grpc

import harness
from identity_fixtures import (bearer, create_account, identity_modules, login, psql)

GW_SECRET_MD = "x-ehall-gateway-secret"


class AppsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pb2, cls.pb2_grpc = identity_modules()
        cls.m = harness.grpc_modules()
        cls.dsn = harness.env("EHALL_TEST_PG_DSN")
        cls.channel = grpc.insecure_channel(harness.env("EHALL_TEST_CORE_ADDR"))
        cls.admin = create_account(cls.dsn, roles=("staff", "hall_admin"), name="大厅管理员")
        cls.student = create_account(cls.dsn, roles=("student",), kind=1, name="学生甲")
        cls.admin_token = login(cls.channel, cls.admin)
        cls.student_token = login(cls.channel, cls.student)
        cls.apps = cls.pb2_grpc.AppsStub(cls.channel)
        cls.auth = cls.pb2_grpc.AuthStub(cls.channel)
        cls.accounts = cls.pb2_grpc.AccountsStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()

    def create(self, name=None, scopes=("identity.accounts.read",), ips=()):
        return self.apps.CreateApp(self.pb2.CreateAppRequest(
            name=name or "教务系统 " + uuid.uuid4().hex[:6], scopes=list(scopes),
            allowed_ips=list(ips)), metadata=bearer(self.admin_token), timeout=10)

    def exchange(self, client_id, secret, forwarded=None):
        md = ()
        if forwarded:
            md = ((GW_SECRET_MD, os.environ.get("EHALL_TEST_GATEWAY_SECRET", "")),
                  ("x-forwarded-for", forwarded))
        return self.auth.ExchangeAppToken(self.pb2.ExchangeAppTokenRequest(
            client_id=client_id, client_secret=secret), metadata=md, timeout=10)

    def get_account(self, token, campus_id, forwarded=None):
        md = bearer(token)
        if forwarded:
            md += ((GW_SECRET_MD, os.environ.get("EHALL_TEST_GATEWAY_SECRET", "")),
                   ("x-forwarded-for", forwarded))
        return self.accounts.GetAccount(self.pb2.GetAccountRequest(campus_id=campus_id),
                                        metadata=md, timeout=10)

    def assertCode(self, code, fn, *a, **kw):
        with self.assertRaises(grpc.RpcError) as cm:
            fn(*a, **kw)
        self.assertEqual(cm.exception.code(), code, cm.exception.details())
        return cm.exception

    def fields(self, err):
        st = harness.grpc_status_details(err)
        out = []
        for d in st.details if st else ():
            if d.type_url.endswith("google.rpc.BadRequest"):
                br = self.m.error_details_pb2.BadRequest()
                br.ParseFromString(d.value)
                out += [v.field for v in br.field_violations]
        return out

    # --- the happy path --------------------------------------------------------------------

    def test_created_app_exchanges_and_calls_within_its_scope(self):
        r = self.create(scopes=["identity.accounts.read"])
        cid, secret = r.app.client_id, r.client_secret
        self.assertRegex(cid, r"^cli_[A-Za-z0-9_-]{16}$")
        self.assertGreaterEqual(len(secret), 43)
        self.assertEqual(list(r.app.scopes), ["identity.accounts.read"])
        self.assertFalse(r.app.revoked)
        # Only the secret's SHA-256 is stored; the secret itself is nowhere in the row.
        row = psql(self.dsn, "SELECT secret_hash, created_by, apps::text FROM apps"
                             " WHERE client_id = :'v1'", cid)[0]
        self.assertEqual(row[0], hashlib.sha256(secret.encode()).hexdigest())
        self.assertEqual(row[1], self.admin)
        self.assertNotIn(secret, row[2])
        # ListApps shows the app, never the secret.
        lst = self.apps.ListApps(self.pb2.ListAppsRequest(page_size=100),
                                 metadata=bearer(self.admin_token), timeout=10)
        mine = [a for a in lst.apps if a.client_id == cid]
        self.assertEqual(len(mine), 1)
        self.assertNotIn(secret.encode(), lst.SerializeToString())

        t = self.exchange(cid, secret)
        self.assertTrue(t.token.startswith("app_"))
        self.assertEqual(list(t.scopes), ["identity.accounts.read"])
        self.assertGreater(t.expire_time.seconds, 0)
        acct = self.get_account(t.token, self.student)
        self.assertEqual(acct.campus_id, self.student)

        # Outside its scopes: methods with another scope or none at all.
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.accounts.ListSessions,
                        self.pb2.ListSessionsRequest(), metadata=bearer(t.token), timeout=10)
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.apps.ListApps,
                        self.pb2.ListAppsRequest(), metadata=bearer(t.token), timeout=10)
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.apps.CreateApp,
                        self.pb2.CreateAppRequest(name="x", scopes=["system.read"]),
                        metadata=bearer(t.token), timeout=10)
        # Audited: the creation (by the admin) and the token exchange.
        acts = psql(self.dsn, "SELECT action, actor FROM audit_log WHERE target = :'v1' ORDER BY id",
                    "app:" + cid)
        self.assertEqual(acts[0], ["app.create", self.admin])
        self.assertIn("app.token", [a[0] for a in acts])

    def test_wrong_secret_and_unknown_client_answer_alike(self):
        r = self.create()
        e1 = self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.exchange, r.app.client_id,
                             r.client_secret[:-1] + ("A" if r.client_secret[-1] != "A" else "B"))
        e2 = self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.exchange,
                             "cli_AAAAAAAAAAAAAAAA", r.client_secret)
        self.assertEqual(e1.details(), e2.details())
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.exchange, "", "")
        # A made-up app token is no token.
        self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.get_account,
                        "app_" + "x" * 43, self.student)

    # --- allowed IPs ------------------------------------------------------------------------

    def test_allowed_ips_are_enforced_at_exchange_and_on_every_call(self):
        r = self.create(ips=["10.1.0.0/16", "2001:db8::/32"])
        self.assertEqual(list(r.app.allowed_ips), ["10.1.0.0/16", "2001:db8::/32"])
        cid, secret = r.app.client_id, r.client_secret
        # From 127.0.0.1 (the test itself): refused.
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.exchange, cid, secret)
        # From 10.1.2.3 as forwarded by the trusted gateway: allowed.
        t = self.exchange(cid, secret, forwarded="10.1.2.3")
        self.assertEqual(self.get_account(t.token, self.student, forwarded="10.1.200.7").campus_id,
                         self.student)
        self.assertEqual(self.get_account(t.token, self.student, forwarded="2001:db8::5").campus_id,
                         self.student)
        # The same token from elsewhere: refused.
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.get_account, t.token, self.student)
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.get_account, t.token, self.student,
                        forwarded="10.2.0.1")

    # --- revocation -------------------------------------------------------------------------

    def test_revoke_kills_every_token_at_once(self):
        r = self.create()
        cid, secret = r.app.client_id, r.client_secret
        t1 = self.exchange(cid, secret).token
        t2 = self.exchange(cid, secret).token
        self.assertNotEqual(t1, t2)
        for t in (t1, t2):
            self.get_account(t, self.student)
        rv = self.apps.RevokeApp(self.pb2.RevokeAppRequest(client_id=cid),
                                 metadata=bearer(self.admin_token), timeout=10)
        self.assertTrue(rv.revoked)
        self.assertGreater(rv.revoke_time.seconds, 0)
        for t in (t1, t2):
            self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.get_account, t, self.student)
        self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.exchange, cid, secret)
        # Revoking again is harmless and audited once.
        self.apps.RevokeApp(self.pb2.RevokeAppRequest(client_id=cid),
                            metadata=bearer(self.admin_token), timeout=10)
        n = psql(self.dsn, "SELECT count(*) FROM audit_log WHERE target = :'v1' AND action = 'app.revoke'",
                 "app:" + cid)[0][0]
        self.assertEqual(n, "1")
        self.assertCode(grpc.StatusCode.NOT_FOUND, self.apps.RevokeApp,
                        self.pb2.RevokeAppRequest(client_id="cli_nonexistent00000"),
                        metadata=bearer(self.admin_token), timeout=10)

    # --- who may manage apps, and bad input -------------------------------------------------

    def test_only_hall_admins_manage_apps(self):
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.apps.CreateApp,
                        self.pb2.CreateAppRequest(name="x", scopes=["system.read"]),
                        metadata=bearer(self.student_token), timeout=10)
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.apps.ListApps,
                        self.pb2.ListAppsRequest(), metadata=bearer(self.student_token), timeout=10)
        self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.apps.ListApps,
                        self.pb2.ListAppsRequest(), timeout=10)

    def test_bad_requests_name_the_field_and_store_nothing(self):
        marker = "坏应用 " + uuid.uuid4().hex[:8]
        e = self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.create, name=marker,
                            scopes=["identity.accounts.read", "admin.everything"])
        self.assertIn("scopes", self.fields(e))
        e = self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.create, name=marker, scopes=[])
        self.assertIn("scopes", self.fields(e))
        for ip in ("10.1.2.3/8", "300.1.1.1", "example.edu.cn", "10.0.0.0/33"):
            e = self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.create, name=marker, ips=[ip])
            self.assertIn("allowed_ips", self.fields(e))
        e = self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.create, name="名" * 65)
        self.assertIn("name", self.fields(e))
        self.assertEqual(psql(self.dsn, "SELECT count(*) FROM apps WHERE name = :'v1'", marker)[0][0], "0")

    def test_list_pages_newest_first(self):
        made = [self.create().app.client_id for _ in range(3)]
        seen, token = [], ""
        while True:
            r = self.apps.ListApps(self.pb2.ListAppsRequest(page_size=2, page_token=token),
                                   metadata=bearer(self.admin_token), timeout=10)
            self.assertLessEqual(len(r.apps), 2)
            seen += [a.client_id for a in r.apps]
            token = r.next_page_token
            if not token:
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual([c for c in seen if c in made], list(reversed(made)))
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.apps.ListApps,
                        self.pb2.ListAppsRequest(page_token="nonsense"),
                        metadata=bearer(self.admin_token), timeout=10)
        big = self.apps.ListApps(self.pb2.ListAppsRequest(page_size=100000),
                                 metadata=bearer(self.admin_token), timeout=10)
        self.assertLessEqual(len(big.apps), 100)


if __name__ == "__main__":
    unittest.main()
