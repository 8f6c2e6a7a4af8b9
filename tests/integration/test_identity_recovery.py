"""test_identity_recovery.py — email binding and password reset end to end (issue 3 points 6
and 7): a private ehall-core whose mail goes over real SMTP (libcurl) to the loopback sink
tests/tools/smtp_sink.py; codes and links are read from what the sink received, exactly as a
user reads them from their mailbox. Accounts are inserted with psql, sessions come from the real
Login, state is checked in PostgreSQL and Redis.

Covers: a code mailed (a proper RFC 5322 / MIME message) and binding with it; one code a minute;
wrong codes until the code is void; an expired code; an address bound elsewhere → ALREADY_EXISTS
on field email; reset requests answering the same bytes for an account with an email, without
one, and no account at all; a link that works once and ends every session; a used and an expired
link each with its own clear message; malformed links; the SMTP server down → the mail is
retried and delivered once it is back.
"""
import json
import os
import re
import subprocess
import sys
import time
import unittest
import uuid

import grpc

import harness
import identity_fixtures as fx

SINK = os.path.join(harness.REPO, "tests", "tools", "smtp_sink.py")
NEW_PASSWORD = "Qiuyu-Reset-2026!"


def start_sink(port, d):
    p = subprocess.Popen([sys.executable, SINK, "--port", str(port), "--dir", d],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    line = p.stdout.readline().decode()
    if line.strip() != "listening":
        p.kill()
        raise RuntimeError(f"smtp sink did not start: {line}{p.stdout.read().decode()}")
    return p


def stop_sink(p):
    if p.poll() is None:
        p.terminate()
        p.wait(10)
    p.stdout.close()


def mails(d, to=None):
    path = os.path.join(d, "mail.jsonl")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        recs = [json.loads(line) for line in f if line.strip()]
    return [r for r in recs if to is None or to in r["to"]]


def wait_mail(d, to, n=1):
    got = harness.wait_for(lambda: len(mails(d, to)) >= n and mails(d, to), timeout=30)
    if not got:
        raise AssertionError(f"no mail #{n} arrived in the sink")
    return got[n - 1]


def new_address(domain="qq.com"):
    return f"it{uuid.uuid4().hex[:10]}@{domain}"


_redis_port = None  # the private Redis of RecoveryBase's core (set in setUpClass)


def redis_cli(*args):
    r = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(_redis_port)]
                       + list(args), capture_output=True, check=True)
    return r.stdout.decode().strip()


def token_of(link):
    m = re.search(r"[?&]token=([A-Za-z0-9_-]+)", link)
    assert m, link
    return m.group(1)


class RecoveryBase(unittest.TestCase):
    CORE_ENV = {}

    @classmethod
    def setUpClass(cls):
        # Private stores: the shared core sends mail too (./dev gives it an SMTP sink), and it
        # would drain this core's mail_outbox into the shared sink if they shared PostgreSQL.
        global _redis_port
        cls.pg, cls.redis = harness.private_stores()
        cls.dsn = cls.pg.dsn
        _redis_port = cls.redis.port
        cls.sink_dir = harness.tmpdir()
        cls.sink_port = harness.free_port()
        cls.sink = start_sink(cls.sink_port, cls.sink_dir)
        env = {
            "EHALL_CORE_SMTP_URL": f"smtp://127.0.0.1:{cls.sink_port}",
            "EHALL_CORE_SMTP_FROM": "ehall@hall.example.edu.cn",
            "EHALL_CORE_MAIL_POLL_MS": "100",
            "EHALL_CORE_PASSWORD_PBKDF2_ITERATIONS": "20000",
            "EHALL_CORE_RATELIMIT_ENABLED": "false",
            "EHALL_CORE_IDENTITY_PEPPER": "it-pepper-" + uuid.uuid4().hex,
            "EHALL_CORE_RESET_URL": "http://127.0.0.1:8080/#/pages/auth/reset",
        }
        env.update(cls.CORE_ENV)
        cls.core = harness.start_core(env=env, pg_dsn=cls.dsn, redis_port=cls.redis.port)
        cls.channel = grpc.insecure_channel(cls.core.addr)
        cls.pb2, pb2_grpc = fx.identity_modules()
        cls.auth = pb2_grpc.AuthStub(cls.channel)
        cls.accounts = pb2_grpc.AccountsStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.core.stop()
        stop_sink(cls.sink)
        cls.redis.stop()
        cls.pg.stop()

    def sql(self, q, *params):
        return fx.psql(self.dsn, q, *params)

    def account(self, email=None, password=fx.DEFAULT_PASSWORD):
        cid = fx.create_account(self.dsn, password=password, roles=("student",), kind=1)
        if email:
            self.sql("UPDATE accounts SET email = :'v2' WHERE campus_id = :'v1'", cid, email)
        return cid

    def account_id(self, cid):
        return int(self.sql("SELECT id FROM accounts WHERE campus_id = :'v1'", cid)[0][0])

    def email_of(self, cid):
        # Prefixed: psql prints an empty value as an empty line, which fx.psql drops.
        return self.sql("SELECT 'e:' || coalesce(email, '') FROM accounts WHERE campus_id = :'v1'",
                        cid)[0][0][2:]

    def assertRpcError(self, fn, code, message=None, field=None):
        with self.assertRaises(grpc.RpcError) as cm:
            fn()
        e = cm.exception
        self.assertEqual(e.code(), code, e.details())
        if message is not None:
            self.assertIn(message, e.details())
        if field is not None:
            st = harness.grpc_status_details(e)
            self.assertIsNotNone(st, "no google.rpc.Status details")
            fields = []
            m = harness.grpc_modules()
            for d in st.details:
                br = m.error_details_pb2.BadRequest()
                if d.Unpack(br):
                    fields += [v.field for v in br.field_violations]
            self.assertIn(field, fields, e.details())
        return e

    def send_code(self, token, email):
        return self.accounts.SendEmailCode(self.pb2.SendEmailCodeRequest(email=email),
                                           metadata=fx.bearer(token), timeout=30)

    def bind(self, token, email, code):
        return self.accounts.BindEmail(self.pb2.BindEmailRequest(email=email, code=code),
                                       metadata=fx.bearer(token), timeout=30)

    def reset_request(self, login):
        return self.auth.RequestPasswordReset(self.pb2.RequestPasswordResetRequest(login=login),
                                              timeout=30)

    def reset_link(self, cid, email, n=1):
        """Asks for a reset of `cid` and returns the token from the mail that arrives."""
        self.reset_request(cid)
        m = wait_mail(self.sink_dir, email, n)
        self.assertEqual(len(m["links"]), 1, m["body"])
        return token_of(m["links"][0])


class EmailBindingTest(RecoveryBase):
    def test_code_is_mailed_and_binds_the_address(self):
        cid = self.account()
        token = fx.login(self.channel, cid)
        addr = new_address("QQ.com")
        r = self.send_code(token, "  " + addr + " ")
        lower = addr.lower()
        self.assertEqual(r.email_hint, lower[0] + "***@qq.com")
        self.assertGreater(r.expire_time.seconds, time.time() + 500)
        m = wait_mail(self.sink_dir, lower)
        self.assertEqual(m["mail_from"], "ehall@hall.example.edu.cn")
        self.assertEqual(len(m["codes"]), 1, m["body"])
        code = m["codes"][0]
        self.assertTrue(m["subject"].startswith("【网上办事大厅】邮箱验证码"), m["subject"])
        self.assertIn(f"【网上办事大厅】邮箱验证码 {code}，10 分钟内有效", m["body"])
        self.assertIn(f"Your email verification code is {code}", m["body"])
        # The wire format: RFC 2047 subject, base64 UTF-8 text, the headers a mailbox expects.
        with open(os.path.join(self.sink_dir, m["file"]), "rb") as f:
            raw = f.read().decode("ascii")
        head = raw.split("\r\n\r\n", 1)[0]
        self.assertRegex(head, r"(?m)^Subject: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=")
        self.assertRegex(head, r"(?m)^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r$")
        self.assertRegex(head, r"(?m)^Message-ID: <[^@>]+@hall\.example\.edu\.cn>\r$")
        self.assertIn("\r\nMIME-Version: 1.0\r\n", raw)
        self.assertIn("\r\nContent-Type: text/plain; charset=UTF-8\r\n", raw)
        self.assertIn("\r\nContent-Transfer-Encoding: base64\r\n", raw)
        self.assertIn(f"\r\nTo: <{lower}>\r\n", raw)
        self.assertNotIn(code, raw)  # only inside the base64 body
        # Redis holds a hash of the code, never the code.
        key = f"ehall:email_code:{self.account_id(cid)}"
        self.assertNotIn(code, redis_cli("HGETALL", key))

        acct = self.bind(token, addr.upper(), code)
        self.assertEqual(acct.email, lower)
        self.assertEqual(acct.campus_id, cid)
        self.assertEqual(self.email_of(cid), lower)
        rows = self.sql("SELECT action, detail::text FROM audit_log WHERE target = :'v1'"
                        " ORDER BY id", "account:" + cid)
        binds = [r for r in rows if r[0] == "email.bind"]
        self.assertEqual(len(binds), 1, rows)
        self.assertNotIn(lower, binds[0][1])
        # A code works once.
        self.assertRpcError(lambda: self.bind(token, addr, code), grpc.StatusCode.INVALID_ARGUMENT,
                            "验证码已失效", field="code")

    def test_one_code_a_minute(self):
        cid = self.account()
        token = fx.login(self.channel, cid)
        self.send_code(token, new_address("163.com"))
        e = self.assertRpcError(lambda: self.send_code(token, new_address("163.com")),
                                grpc.StatusCode.RESOURCE_EXHAUSTED, "秒后再试")
        self.assertRegex(e.details(), r"请 ([1-9]|[1-5]\d|60) 秒后再试")

    def test_wrong_codes_void_the_code(self):
        cid = self.account()
        token = fx.login(self.channel, cid)
        addr = new_address()
        self.send_code(token, addr)
        code = wait_mail(self.sink_dir, addr)["codes"][0]
        wrong = f"{(int(code) + 1) % 1000000:06d}"
        for left in (4, 3, 2, 1):
            self.assertRpcError(lambda: self.bind(token, addr, wrong),
                                grpc.StatusCode.INVALID_ARGUMENT, f"还可尝试 {left} 次", field="code")
        self.assertRpcError(lambda: self.bind(token, addr, wrong), grpc.StatusCode.INVALID_ARGUMENT,
                            "验证码错误次数过多", field="code")
        # Even the right code is void now.
        self.assertRpcError(lambda: self.bind(token, addr, code), grpc.StatusCode.INVALID_ARGUMENT,
                            "验证码已失效", field="code")
        self.assertEqual(self.email_of(cid), "")

    def test_code_for_another_address_or_malformed_is_refused(self):
        cid = self.account()
        token = fx.login(self.channel, cid)
        addr = new_address()
        self.send_code(token, addr)
        code = wait_mail(self.sink_dir, addr)["codes"][0]
        # The code belongs to the address it was sent to.
        self.assertRpcError(lambda: self.bind(token, new_address(), code),
                            grpc.StatusCode.INVALID_ARGUMENT, "还可尝试 4 次", field="code")
        self.assertRpcError(lambda: self.bind(token, addr, "12345"),
                            grpc.StatusCode.INVALID_ARGUMENT, field="code")
        self.assertRpcError(lambda: self.send_code(token, "not-an-address"),
                            grpc.StatusCode.INVALID_ARGUMENT, field="email")
        self.assertRpcError(lambda: self.send_code(token, "a" * 250 + "@qq.com"),
                            grpc.StatusCode.INVALID_ARGUMENT, field="email")
        self.assertEqual(self.bind(token, addr, code).email, addr)

    def test_expired_code(self):
        cid = self.account()
        token = fx.login(self.channel, cid)
        addr = new_address()
        self.send_code(token, addr)
        code = wait_mail(self.sink_dir, addr)["codes"][0]
        key = f"ehall:email_code:{self.account_id(cid)}"
        ttl = int(redis_cli("TTL", key))
        self.assertTrue(540 <= ttl <= 600, ttl)  # email.code_ttl_s (600), set with the code
        redis_cli("DEL", key)  # what Redis does when the TTL runs out
        self.assertRpcError(lambda: self.bind(token, addr, code), grpc.StatusCode.INVALID_ARGUMENT,
                            "验证码已失效", field="code")
        self.assertEqual(self.email_of(cid), "")

    def test_address_bound_to_another_account(self):
        taken = new_address()
        self.account(email=taken)
        cid = self.account()
        token = fx.login(self.channel, cid)
        self.assertRpcError(lambda: self.send_code(token, taken.upper()),
                            grpc.StatusCode.ALREADY_EXISTS, field="email")
        # Taken between the code and the binding: the unique index decides.
        addr = new_address()
        self.send_code(token, addr)
        code = wait_mail(self.sink_dir, addr)["codes"][0]
        self.account(email=addr)
        self.assertRpcError(lambda: self.bind(token, addr, code), grpc.StatusCode.ALREADY_EXISTS,
                            field="email")
        self.assertEqual(self.email_of(cid), "")

    def test_binding_needs_a_session(self):
        self.assertRpcError(lambda: self.accounts.SendEmailCode(
            self.pb2.SendEmailCodeRequest(email=new_address()), timeout=30),
            grpc.StatusCode.UNAUTHENTICATED)


class PasswordResetTest(RecoveryBase):
    def test_same_answer_whatever_the_account(self):
        with_email = new_address()
        cid = self.account(email=with_email)
        no_email = self.account()
        answers = [
            self.reset_request(cid),
            self.reset_request(no_email),
            self.reset_request(fx.new_campus_id()),
            self.reset_request(new_address()),
            self.reset_request("'; DROP TABLE accounts; --"),
        ]
        raw = [a.SerializeToString() for a in answers]
        self.assertEqual(len(set(raw)), 1, answers)
        self.assertEqual(answers[0].message, "如果该账号存在且已绑定邮箱，重置链接已发送")
        m = wait_mail(self.sink_dir, with_email)
        self.assertIn("重置密码", m["subject"])
        self.assertEqual(len(m["links"]), 1)
        self.assertTrue(m["links"][0].startswith("http://127.0.0.1:8080/#/pages/auth/reset?token="))
        self.assertIn(cid[:4] + "****" + cid[-2:], m["body"])
        self.assertNotIn(cid, m["body"])
        # Only the account with an email got a link; the token itself is not stored.
        token = token_of(m["links"][0])
        self.assertEqual(self.sql("SELECT count(*) FROM password_resets r JOIN accounts a"
                                  " ON a.id = r.account_id WHERE a.campus_id = :'v1'", no_email),
                         [["0"]])
        rows = self.sql("SELECT token_hash FROM password_resets r JOIN accounts a"
                        " ON a.id = r.account_id WHERE a.campus_id = :'v1'", cid)
        self.assertEqual(len(rows), 1)
        import hashlib
        self.assertEqual(rows[0][0], hashlib.sha256(token.encode()).hexdigest())
        # By email (any case) works the same way.
        self.reset_request(with_email.upper())
        self.assertEqual(self.sql("SELECT count(*) FROM password_resets r JOIN accounts a"
                                  " ON a.id = r.account_id WHERE a.campus_id = :'v1'", cid),
                         [["1"]], "a second link within a minute (the mailbox is not flooded)")
        self.assertRpcError(lambda: self.reset_request("   "), grpc.StatusCode.INVALID_ARGUMENT,
                            field="login")
        self.assertRpcError(lambda: self.reset_request("x" * 300), grpc.StatusCode.INVALID_ARGUMENT,
                            field="login")

    def test_link_works_once_and_ends_every_session(self):
        addr = new_address("163.com")
        cid = self.account(email=addr)
        s1 = fx.login(self.channel, cid)
        s2 = fx.login(self.channel, cid, client="mp")
        self.accounts.GetMe(self.pb2.GetMeRequest(), metadata=fx.bearer(s1), timeout=30)
        token = self.reset_link(cid, addr)

        c = self.auth.CheckPasswordReset(self.pb2.CheckPasswordResetRequest(token=token), timeout=30)
        self.assertEqual(c.state, self.pb2.RESET_TOKEN_STATE_VALID)
        self.assertEqual(c.campus_id_hint, cid[:4] + "****" + cid[-2:])
        # The policy first: a weak password leaves the link usable.
        self.assertRpcError(lambda: self.auth.ResetPassword(
            self.pb2.ResetPasswordRequest(token=token, new_password="short"), timeout=30),
            grpc.StatusCode.INVALID_ARGUMENT, field="new_password")
        self.assertRpcError(lambda: self.auth.ResetPassword(
            self.pb2.ResetPasswordRequest(token=token, new_password=cid), timeout=30),
            grpc.StatusCode.INVALID_ARGUMENT, field="new_password")

        r = self.auth.ResetPassword(self.pb2.ResetPasswordRequest(token=token,
                                                                  new_password=NEW_PASSWORD),
                                    timeout=30)
        self.assertEqual(r.message, "密码已重置，请使用新密码登录")
        for s in (s1, s2):
            self.assertRpcError(lambda: self.accounts.GetMe(self.pb2.GetMeRequest(),
                                                            metadata=fx.bearer(s), timeout=30),
                                grpc.StatusCode.UNAUTHENTICATED)
        self.assertRpcError(lambda: fx.login(self.channel, cid), grpc.StatusCode.UNAUTHENTICATED)
        fx.login(self.channel, cid, password=NEW_PASSWORD)
        self.assertEqual(self.sql("SELECT must_change_password FROM accounts WHERE campus_id = :'v1'",
                                  cid), [["f"]])
        self.assertIn(["password.reset"], self.sql("SELECT action FROM audit_log WHERE target = :'v1'",
                                                   "account:" + cid))

        c = self.auth.CheckPasswordReset(self.pb2.CheckPasswordResetRequest(token=token), timeout=30)
        self.assertEqual(c.state, self.pb2.RESET_TOKEN_STATE_USED)
        self.assertEqual(c.message, "链接已使用，请重新申请重置密码")
        self.assertEqual(c.campus_id_hint, "")
        self.assertRpcError(lambda: self.auth.ResetPassword(
            self.pb2.ResetPasswordRequest(token=token, new_password="Another-Pass-2026"), timeout=30),
            grpc.StatusCode.FAILED_PRECONDITION, "链接已使用")
        fx.login(self.channel, cid, password=NEW_PASSWORD)

    def test_concurrent_uses_of_one_link_succeed_once(self):
        import concurrent.futures
        addr = new_address()
        cid = self.account(email=addr)
        token = self.reset_link(cid, addr)
        passwords = [f"Parallel-Reset-{i}-2026" for i in range(6)]

        def use(pw):
            try:
                self.auth.ResetPassword(self.pb2.ResetPasswordRequest(token=token, new_password=pw),
                                        timeout=60)
                return ("ok", pw)
            except grpc.RpcError as e:
                return (e.code(), e.details())

        with concurrent.futures.ThreadPoolExecutor(len(passwords)) as ex:
            results = list(ex.map(use, passwords))
        won = [r[1] for r in results if r[0] == "ok"]
        self.assertEqual(len(won), 1, results)
        for r in results:
            if r[0] != "ok":
                self.assertEqual(r[0], grpc.StatusCode.FAILED_PRECONDITION, r)
                self.assertIn("链接已使用", r[1])
        fx.login(self.channel, cid, password=won[0])
        self.assertEqual(self.sql("SELECT count(*) FROM audit_log WHERE target = :'v1'"
                                  " AND action = 'password.reset'", "account:" + cid), [["1"]])

    def test_link_of_an_account_disabled_since_changes_nothing(self):
        addr = new_address()
        cid = self.account(email=addr)
        token = self.reset_link(cid, addr)
        before = self.sql("SELECT password_hash FROM accounts WHERE campus_id = :'v1'", cid)
        self.sql("UPDATE accounts SET status = 3 WHERE campus_id = :'v1'", cid)
        self.assertRpcError(lambda: self.auth.ResetPassword(
            self.pb2.ResetPasswordRequest(token=token, new_password=NEW_PASSWORD), timeout=30),
            grpc.StatusCode.PERMISSION_DENIED, "账号已停用")
        self.assertEqual(self.sql("SELECT password_hash FROM accounts WHERE campus_id = :'v1'", cid),
                         before)
        self.assertEqual(self.sql("SELECT count(*) FROM audit_log WHERE target = :'v1'"
                                  " AND action = 'password.reset'", "account:" + cid), [["0"]])
        # The refused attempt rolled back with the link: re-enabled, the link still works.
        self.sql("UPDATE accounts SET status = 1 WHERE campus_id = :'v1'", cid)
        self.auth.ResetPassword(self.pb2.ResetPasswordRequest(token=token, new_password=NEW_PASSWORD),
                                timeout=30)
        fx.login(self.channel, cid, password=NEW_PASSWORD)

    def test_expired_link(self):
        addr = new_address()
        cid = self.account(email=addr)
        token = self.reset_link(cid, addr)
        self.sql("UPDATE password_resets SET created_at = now() - interval '2 hours',"
                 " expires_at = now() - interval '1 second' WHERE account_id = :'v1'::bigint",
                 str(self.account_id(cid)))
        c = self.auth.CheckPasswordReset(self.pb2.CheckPasswordResetRequest(token=token), timeout=30)
        self.assertEqual(c.state, self.pb2.RESET_TOKEN_STATE_EXPIRED)
        self.assertEqual(c.message, "链接已过期，请重新申请重置密码")
        self.assertRpcError(lambda: self.auth.ResetPassword(
            self.pb2.ResetPasswordRequest(token=token, new_password=NEW_PASSWORD), timeout=30),
            grpc.StatusCode.FAILED_PRECONDITION, "链接已过期")
        fx.login(self.channel, cid)  # the old password still works

    def test_reset_page_calls_through_the_gateway(self):
        """What the reset page sees over HTTP: a state and a message for any link, the request
        answering the same JSON for any login, a used link → 400 with the clear message."""
        gw = harness.start_gateway(self.core.addr)
        try:
            def post(path, body):
                st, _, b = harness.http("POST", gw.url + path, body=json.dumps(body),
                                        headers={"Content-Type": "application/json"})
                return st, json.loads(b)

            st, j = post("/api/v1/auth/password-reset:check", {"token": "garbage"})
            self.assertEqual(st, 200, j)
            self.assertEqual(j["state"], "RESET_TOKEN_STATE_INVALID")
            self.assertEqual(j["message"], "链接无效，请重新申请重置密码")
            addr = new_address()
            cid = self.account(email=addr)
            answers = [post("/api/v1/auth/password-reset", {"login": x})
                       for x in (cid, fx.new_campus_id())]
            self.assertEqual(answers[0], answers[1])
            self.assertEqual(answers[0][0], 200)
            token = token_of(wait_mail(self.sink_dir, addr)["links"][0])
            st, j = post("/api/v1/auth/password-reset:confirm",
                         {"token": token, "newPassword": NEW_PASSWORD})
            self.assertEqual(st, 200, j)
            st, j = post("/api/v1/auth/password-reset:confirm",
                         {"token": token, "newPassword": NEW_PASSWORD})
            self.assertEqual(st, 400, j)
            self.assertEqual(j["code"], 9)  # FAILED_PRECONDITION
            self.assertEqual(j["message"], "链接已使用，请重新申请重置密码")
            st, j = post("/api/v1/auth/password-reset:check", {"token": token})
            self.assertEqual((st, j["state"]), (200, "RESET_TOKEN_STATE_USED"))
        finally:
            gw.stop()

    def test_malformed_and_unknown_links(self):
        for t in ("", "garbage", "x" * 43, "' OR 1=1 --", "%" * 43, fx.b64url(os.urandom(32))):
            c = self.auth.CheckPasswordReset(self.pb2.CheckPasswordResetRequest(token=t), timeout=30)
            self.assertEqual(c.state, self.pb2.RESET_TOKEN_STATE_INVALID, t)
            self.assertEqual(c.message, "链接无效，请重新申请重置密码")
            self.assertRpcError(lambda: self.auth.ResetPassword(
                self.pb2.ResetPasswordRequest(token=t, new_password=NEW_PASSWORD), timeout=30),
                grpc.StatusCode.INVALID_ARGUMENT, "链接无效", field="token")
        en = self.auth.CheckPasswordReset(self.pb2.CheckPasswordResetRequest(token="garbage"),
                                          metadata=(("accept-language", "en"),), timeout=30)
        self.assertEqual(en.state, self.pb2.RESET_TOKEN_STATE_INVALID)


class MailRetryTest(RecoveryBase):
    def test_smtp_down_then_back(self):
        addr = new_address()
        cid = self.account(email=addr)
        stop_sink(self.sink)
        self.reset_request(cid)
        # Refused at least twice while the server is down; the error says why, not to whom.
        rows = harness.wait_for(lambda: [r for r in self.sql(
            "SELECT attempts, coalesce(last_error, ''), sent_at IS NULL FROM mail_outbox"
            " WHERE to_addr = :'v1'", addr) if int(r[0]) >= 2], timeout=30)
        self.assertTrue(rows, "the sender did not retry")
        self.assertEqual(rows[0][2], "t")
        self.assertTrue(rows[0][1])
        self.assertNotIn(addr, rows[0][1])
        self.assertEqual(mails(self.sink_dir, addr), [])
        type(self).sink = start_sink(self.sink_port, self.sink_dir)
        m = wait_mail(self.sink_dir, addr)
        self.assertEqual(len(m["links"]), 1)
        row = self.sql("SELECT sent_at IS NOT NULL, last_error IS NULL FROM mail_outbox"
                       " WHERE to_addr = :'v1'", addr)
        self.assertEqual(row, [["t", "t"]])
        # Delivered once: no duplicate after more polls.
        time.sleep(0.5)
        self.assertEqual(len(mails(self.sink_dir, addr)), 1)
        self.assertNotIn(addr, self.core.log())


if __name__ == "__main__":
    unittest.main()
