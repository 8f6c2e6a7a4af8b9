"""test_identity_wechat.py — mini-program login against a loopback stand-in of WeChat's
jscode2session (tests/tools/wechat_standin.py, the real format and error codes), through a
private core configured with its base URL, AppID and secret (shared PostgreSQL and Redis).

First login → bind_required with a ticket → bind with campus id and password → later the code
alone logs in; WeChat's errors (40029, 45011, 40226, -1, a broken proxy) mapped to our statuses;
unbinding; the session_key never appears in any reply or log.
"""
import os
import sys
import unittest
import uuid

import grpc

import harness
from identity_fixtures import (DEFAULT_PASSWORD, bearer, create_account, identity_modules, psql)

sys.path.insert(0, os.path.join(harness.REPO, "tests", "tools"))
import wechat_standin  # noqa: E402


class WeChatTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pb2, cls.pb2_grpc = identity_modules()
        cls.m = harness.grpc_modules()
        cls.dsn = harness.env("EHALL_TEST_PG_DSN")
        cls.appid = "wx" + uuid.uuid4().hex[:16]
        cls.secret = uuid.uuid4().hex
        cls.wx = wechat_standin.start(cls.appid, cls.secret)
        cls.core = harness.start_core(env={
            "EHALL_CORE_WECHAT_BASE_URL": cls.wx.url,
            "EHALL_CORE_WECHAT_APPID": cls.appid,
            "EHALL_CORE_WECHAT_SECRET": cls.secret,
            "EHALL_CORE_PASSWORD_PBKDF2_ITERATIONS": "20000",
            "EHALL_CORE_RATELIMIT_ENABLED": "false",
        })
        cls.channel = grpc.insecure_channel(cls.core.addr)
        cls.auth = cls.pb2_grpc.AuthStub(cls.channel)
        cls.accounts = cls.pb2_grpc.AccountsStub(cls.channel)
        cls.replies = []  # every reply's bytes and every error's text, checked for leaks

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.core.stop()
        log = cls.core.log()
        cls.wx.stop()
        # Nothing WeChat-secret reaches the core's log.
        for k in cls.wx.session_keys():
            assert k not in log, "a session_key was logged"
        assert cls.secret not in log, "the AppSecret was logged"

    def keep(self, msg):
        self.replies.append(msg.SerializeToString())
        return msg

    def wx_login(self, code, device="iPhone 微信"):
        return self.keep(self.auth.WeChatLogin(self.pb2.WeChatLoginRequest(code=code, device=device),
                                               timeout=20))

    def wx_bind(self, ticket, campus_id, password=DEFAULT_PASSWORD):
        return self.keep(self.auth.WeChatBind(self.pb2.WeChatBindRequest(
            bind_ticket=ticket, campus_id=campus_id, password=password, device="iPhone"), timeout=30))

    def assertCode(self, code, fn, *a, **kw):
        with self.assertRaises(grpc.RpcError) as cm:
            fn(*a, **kw)
        e = cm.exception
        self.replies.append((e.details() or "").encode())
        for k, v in e.trailing_metadata() or ():
            self.replies.append(v if isinstance(v, bytes) else v.encode())
        self.assertEqual(e.code(), code, e.details())
        return e

    def openid_of(self, campus_id):
        # "=" first: psql drops empty lines, and an unbound account has an empty openid.
        return psql(self.dsn, "SELECT '=' || coalesce(wechat_openid, '') FROM accounts"
                              " WHERE campus_id = :'v1'", campus_id)[0][0][1:]

    # --- the whole journey ------------------------------------------------------------------

    def test_first_login_binds_then_the_code_alone_logs_in_and_unbind_undoes_it(self):
        cid = create_account(self.dsn, roles=("student",), kind=1, name="微信同学")
        openid = "o" + uuid.uuid4().hex
        r = self.wx_login("ok-" + openid)
        self.assertTrue(r.bind_required)
        self.assertTrue(r.bind_ticket)
        self.assertEqual(r.token, "")
        # A wrong password does not use the ticket up; an unknown account answers the same.
        e1 = self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.wx_bind, r.bind_ticket, cid,
                             "wrong-password-1")
        e2 = self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.wx_bind, r.bind_ticket,
                             "nobody" + uuid.uuid4().hex[:8], "wrong-password-1")
        self.assertEqual(e1.details(), e2.details())
        self.assertEqual(self.openid_of(cid), "")

        b = self.wx_bind(r.bind_ticket, cid)
        self.assertTrue(b.token)
        self.assertFalse(b.bind_required)
        self.assertEqual(b.account.campus_id, cid)
        self.assertTrue(b.account.wechat_bound)
        self.assertEqual(self.openid_of(cid), openid)
        # Single use.
        self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.wx_bind, r.bind_ticket, cid)

        # Later, the code alone logs in.
        again = self.wx_login("ok-" + openid)
        self.assertFalse(again.bind_required)
        self.assertTrue(again.token)
        self.assertNotEqual(again.token, b.token)
        me = self.keep(self.accounts.GetMe(self.pb2.GetMeRequest(), metadata=bearer(again.token),
                                           timeout=10))
        self.assertEqual(me.campus_id, cid)

        # Unbind: the next code asks to bind again.
        u = self.keep(self.accounts.UnbindWeChat(self.pb2.UnbindWeChatRequest(),
                                                 metadata=bearer(again.token), timeout=10))
        self.assertFalse(u.wechat_bound)
        self.assertEqual(self.openid_of(cid), "")
        self.assertTrue(self.wx_login("ok-" + openid).bind_required)

        acts = [a[0] for a in psql(self.dsn, "SELECT action FROM audit_log WHERE target = :'v1'"
                                             " ORDER BY id", "account:" + cid)]
        self.assertIn("wechat.bind", acts)
        self.assertIn("wechat.unbind", acts)
        self.assertLess(acts.index("wechat.bind"), acts.index("wechat.unbind"))

    def test_an_account_bound_to_another_wechat_user_must_unbind_first(self):
        cid = create_account(self.dsn, roles=("student",), kind=1)
        first, second = "o" + uuid.uuid4().hex, "o" + uuid.uuid4().hex
        self.wx_bind(self.wx_login("ok-" + first).bind_ticket, cid)
        t = self.wx_login("ok-" + second).bind_ticket
        self.assertCode(grpc.StatusCode.ALREADY_EXISTS, self.wx_bind, t, cid)
        self.assertEqual(self.openid_of(cid), first)

    def test_unbind_needs_a_login(self):
        self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.accounts.UnbindWeChat,
                        self.pb2.UnbindWeChatRequest(), timeout=10)

    # --- WeChat's errors --------------------------------------------------------------------

    def test_wechat_errors_are_mapped(self):
        e = self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.wx_login, "bad")
        self.assertIn("登录凭证无效，请重新进入小程序", e.details())
        e = self.assertCode(grpc.StatusCode.RESOURCE_EXHAUSTED, self.wx_login, "rate")
        st = harness.grpc_status_details(e)
        self.assertIn("type.googleapis.com/google.rpc.RetryInfo", [d.type_url for d in st.details])
        self.assertCode(grpc.StatusCode.PERMISSION_DENIED, self.wx_login, "risky")
        self.assertCode(grpc.StatusCode.UNAVAILABLE, self.wx_login, "busy")
        self.assertCode(grpc.StatusCode.UNAVAILABLE, self.wx_login, "down")
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, self.wx_login, "")
        self.assertCode(grpc.StatusCode.UNAUTHENTICATED, self.wx_bind, "no-such-ticket", "x")

    def test_the_request_is_the_real_one_with_the_code_url_encoded(self):
        code = "ok-o+1/2&x=y %中"
        r = self.wx_login(code)
        self.assertTrue(r.bind_required)
        last = self.wx.calls()[-1]
        self.assertEqual(last["js_code"], code)
        self.assertEqual(last["appid"], self.appid)
        self.assertEqual(last["grant_type"], "authorization_code")
        self.assertTrue(last["secret_ok"])

    def test_a_wrong_appsecret_or_a_dead_server_is_unavailable(self):
        core = harness.start_core(env={
            "EHALL_CORE_WECHAT_BASE_URL": self.wx.url, "EHALL_CORE_WECHAT_APPID": self.appid,
            "EHALL_CORE_WECHAT_SECRET": "not-the-secret", "EHALL_CORE_RATELIMIT_ENABLED": "false"})
        dead = harness.start_core(env={
            "EHALL_CORE_WECHAT_BASE_URL": f"http://127.0.0.1:{harness.free_port()}",
            "EHALL_CORE_WECHAT_APPID": self.appid, "EHALL_CORE_WECHAT_SECRET": self.secret,
            "EHALL_CORE_RATELIMIT_ENABLED": "false"})
        try:
            for c in (core, dead):
                with grpc.insecure_channel(c.addr) as ch:
                    stub = self.pb2_grpc.AuthStub(ch)
                    self.assertCode(grpc.StatusCode.UNAVAILABLE, stub.WeChatLogin,
                                    self.pb2.WeChatLoginRequest(code="ok-o" + uuid.uuid4().hex),
                                    timeout=20)
        finally:
            core.stop()
            dead.stop()

    def test_zz_no_session_key_in_any_reply(self):
        # Runs last (name order): every reply and error collected above.
        self.wx_login("ok-o" + uuid.uuid4().hex)
        keys = self.wx.session_keys()
        self.assertTrue(keys)
        blob = b"\n".join(self.replies)
        for k in keys:
            self.assertNotIn(k.encode(), blob)


if __name__ == "__main__":
    unittest.main()
