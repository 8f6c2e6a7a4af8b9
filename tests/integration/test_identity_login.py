"""test_identity_login.py — logging in, sessions and throttling (ehall.identity.v1 Auth and
Accounts: Login, Logout, ChangePassword, GetMe, GetAccount, ListSessions, EndSession,
EndAllSessions, UnlockAccount) against a private ehall-core (rate limits off, few PBKDF2
iterations, small lock thresholds) on the shared PostgreSQL and Redis, over gRPC and through a
private gateway's HTTP routes.

Accounts are inserted with psql (our PBKDF2 format with 1000 iterations, or a legacy md5 hash)
and Login must upgrade them to the core's setting. Each test speaks from its own client address
(x-forwarded-for with the gateway secret), so per-IP counters of one test never touch another.
Expiry is forced through Redis (PEXPIRE, the absolute end), not waited for.
"""
import concurrent.futures
import hashlib
import json
import random
import subprocess
import unittest

import grpc

import harness
from identity_fixtures import DEFAULT_PASSWORD, create_account, identity_modules, new_campus_id, psql

ITERATIONS = 2000  # the private core's setting; fixtures store 1000
SECRET = "h2-test-gateway-secret-0123456789"
WRONG = "学号或密码错误"


def redis(*args):
    r = subprocess.run(["redis-cli", "-p", harness.env("EHALL_TEST_REDIS_PORT"), "--no-raw"] +
                       [str(a) for a in args], capture_output=True, check=True)
    return r.stdout.decode().strip()


def redis_raw(*args):
    r = subprocess.run(["redis-cli", "-p", harness.env("EHALL_TEST_REDIS_PORT"), "--raw"] +
                       [str(a) for a in args], capture_output=True, check=True)
    return r.stdout.decode().rstrip("\n")


def sess_key(token):
    return "ehall:sess:" + hashlib.sha256(token.encode()).hexdigest()


def fake_ip():
    return "10.%d.%d.%d" % (random.randint(0, 255), random.randint(0, 255), random.randint(1, 254))


def details(err):
    """(BadRequest field names, RetryInfo ms or None) of a grpc.RpcError."""
    m = harness.grpc_modules()
    st = harness.grpc_status_details(err)
    fields, retry = [], None
    for d in (st.details if st else []):
        if d.type_url.endswith("google.rpc.BadRequest"):
            br = m.error_details_pb2.BadRequest()
            br.ParseFromString(d.value)
            fields += [v.field for v in br.field_violations]
        elif d.type_url.endswith("google.rpc.RetryInfo"):
            ri = m.error_details_pb2.RetryInfo()
            ri.ParseFromString(d.value)
            retry = ri.retry_delay.seconds * 1000 + ri.retry_delay.nanos // 1000000
    return fields, retry


class IdentityLoginTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pb2, cls.pb2_grpc = identity_modules()
        cls.dsn = harness.env("EHALL_TEST_PG_DSN")
        cls.core = harness.start_core(env={
            "EHALL_CORE_RATELIMIT_ENABLED": "false",
            "EHALL_CORE_PASSWORD_PBKDF2_ITERATIONS": str(ITERATIONS),
            "EHALL_CORE_LOGIN_FREE_FAILURES": "3",
            "EHALL_CORE_LOGIN_LOCK_FAILURES": "5",
            "EHALL_CORE_LOGIN_LOCK_S": "900",
            "EHALL_CORE_LOGIN_IP_LOCK_FAILURES": "8",
            "EHALL_CORE_GATEWAY_SECRET": SECRET,
        })
        cls.addr = f"127.0.0.1:{cls.core.port}"
        cls.gw = harness.start_gateway(cls.addr, env={"EHALL_GATEWAY_CORE_SECRET": SECRET})
        cls.url = f"http://127.0.0.1:{cls.gw.port}"
        cls.channel = grpc.insecure_channel(cls.addr)
        cls.auth = cls.pb2_grpc.AuthStub(cls.channel)
        cls.accounts = cls.pb2_grpc.AccountsStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.gw.stop()
        cls.core.stop()

    def setUp(self):
        self.ip = fake_ip()

    # --- helpers -------------------------------------------------------------------------

    def md(self, token=None, ip=None):
        m = [("x-forwarded-for", ip or self.ip), ("x-ehall-gateway-secret", SECRET)]
        if token:
            m.append(("authorization", "Bearer " + token))
        return tuple(m)

    def login(self, campus_id, password=DEFAULT_PASSWORD, ip=None, **kw):
        return self.auth.Login(self.pb2.LoginRequest(campus_id=campus_id, password=password, **kw),
                               metadata=self.md(ip=ip), timeout=30)

    def fails(self, fn, code):
        with self.assertRaises(grpc.RpcError) as cm:
            fn()
        self.assertEqual(cm.exception.code(), code, cm.exception.details())
        return cm.exception

    def me(self, token):
        return self.accounts.GetMe(self.pb2.GetMeRequest(), metadata=self.md(token), timeout=10)

    def stored_hash(self, campus_id):
        return psql(self.dsn, "SELECT password_hash FROM accounts WHERE campus_id = :'v1'",
                    campus_id)[0][0]

    def must_change_account(self, password):
        cid = create_account(self.dsn, roles=("student",), kind=1)
        psql(self.dsn, "UPDATE accounts SET must_change_password = true WHERE campus_id = :'v1'", cid)
        return cid

    # --- login ---------------------------------------------------------------------------

    def test_login_opens_a_hashed_session_and_rehashes(self):
        cid = create_account(self.dsn, roles=("student",), kind=1)
        self.assertTrue(self.stored_hash(cid).startswith("pbkdf2-sha256$1000$"))
        r = self.login(cid, device="iPhone 微信", client="mp")
        self.assertGreaterEqual(len(r.token), 43)  # 32 random bytes, base64url
        self.assertFalse(r.must_change_password)
        self.assertEqual(r.account.campus_id, cid)
        self.assertGreater(r.expire_time.seconds, 0)
        # Fewer iterations than configured: upgraded at this login.
        self.assertTrue(self.stored_hash(cid).startswith(f"pbkdf2-sha256${ITERATIONS}$"))
        # Redis holds the session under the token's SHA-256, never the token itself.
        h = redis_raw("HGETALL", sess_key(r.token)).split("\n")
        fields = dict(zip(h[::2], h[1::2]))
        self.assertEqual(fields["c"], cid)
        self.assertEqual(fields["cl"], "mp")
        self.assertEqual(fields["d"], "iPhone 微信")
        self.assertEqual(fields["ip"], self.ip)
        self.assertNotIn(r.token, " ".join(h))
        self.assertEqual(self.me(r.token).campus_id, cid)
        # The same password still works after the upgrade; last login is recorded.
        self.login(cid)
        self.assertEqual(psql(self.dsn, "SELECT last_login_at IS NOT NULL FROM accounts"
                                        " WHERE campus_id = :'v1'", cid), [["t"]])

    def test_legacy_md5_is_verified_and_replaced(self):
        cid = create_account(self.dsn)
        legacy = "md5:" + hashlib.md5(b"Legacy-Portal-9").hexdigest()
        psql(self.dsn, "UPDATE accounts SET password_hash = :'v2' WHERE campus_id = :'v1'", cid, legacy)
        self.fails(lambda: self.login(cid, "legacy-portal-9"), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(self.stored_hash(cid), legacy)
        self.login(cid, "Legacy-Portal-9")
        self.assertTrue(self.stored_hash(cid).startswith(f"pbkdf2-sha256${ITERATIONS}$"))
        self.login(cid, "Legacy-Portal-9")

    def test_wrong_password_and_unknown_account_answer_alike(self):
        cid = create_account(self.dsn)
        e1 = self.fails(lambda: self.login(cid, "not-the-password"), grpc.StatusCode.UNAUTHENTICATED)
        e2 = self.fails(lambda: self.login(new_campus_id(), "not-the-password"),
                        grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(e1.details(), WRONG)
        self.assertEqual(e2.details(), WRONG)
        self.assertEqual(details(e1), details(e2))
        # A disabled account is only told so after a correct password.
        psql(self.dsn, "UPDATE accounts SET status = 3 WHERE campus_id = :'v1'", cid)
        e3 = self.fails(lambda: self.login(cid, "not-the-password"), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(e3.details(), WRONG)
        e4 = self.fails(lambda: self.login(cid), grpc.StatusCode.PERMISSION_DENIED)
        self.assertIn("停用", e4.details())
        # Graduated students may still log in.
        psql(self.dsn, "UPDATE accounts SET status = 4 WHERE campus_id = :'v1'", cid)
        self.login(cid)

    def test_no_token_expired_token_and_anonymous(self):
        e = self.fails(lambda: self.accounts.GetMe(self.pb2.GetMeRequest(), metadata=self.md(),
                                                   timeout=10), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(e.details(), "请先登录")
        e = self.fails(lambda: self.me("x" * 43), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(e.details(), "登录已过期，请重新登录")
        # A stale token never blocks logging in again (Login is public).
        cid = create_account(self.dsn)
        self.auth.Login(self.pb2.LoginRequest(campus_id=cid, password=DEFAULT_PASSWORD),
                        metadata=self.md("y" * 43), timeout=30)

    # --- first login ---------------------------------------------------------------------

    def test_must_change_password_first(self):
        cid = self.must_change_account(DEFAULT_PASSWORD)
        r = self.login(cid)
        self.assertTrue(r.must_change_password)
        t = r.token
        self.assertTrue(self.me(t).must_change_password)  # GetMe is allowed
        for call in (lambda: self.accounts.ListSessions(self.pb2.ListSessionsRequest(),
                                                        metadata=self.md(t), timeout=10),
                     lambda: self.accounts.GetAccount(self.pb2.GetAccountRequest(campus_id=cid),
                                                      metadata=self.md(t), timeout=10),
                     lambda: self.accounts.EndAllSessions(self.pb2.EndAllSessionsRequest(),
                                                          metadata=self.md(t), timeout=10)):
            e = self.fails(call, grpc.StatusCode.FAILED_PRECONDITION)
            self.assertEqual(e.details(), "请先修改初始密码")

        def change(old, new):
            return self.accounts.ChangePassword(
                self.pb2.ChangePasswordRequest(old_password=old, new_password=new),
                metadata=self.md(t), timeout=30)
        # The policy, each naming new_password; nothing changes meanwhile.
        before = self.stored_hash(cid)
        for bad in (DEFAULT_PASSWORD, "short1", cid, "12345678"):
            e = self.fails(lambda: change(DEFAULT_PASSWORD, bad), grpc.StatusCode.INVALID_ARGUMENT)
            self.assertEqual(details(e)[0], ["new_password"], (bad, e.details()))
        e = self.fails(lambda: change("wrong-old-password", "Brand-New-Pass-42"),
                       grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(details(e)[0], ["old_password"])
        self.assertEqual(self.stored_hash(cid), before)

        other = self.login(cid).token
        r2 = change(DEFAULT_PASSWORD, "Brand-New-Pass-42")
        self.assertFalse(r2.must_change_password)
        self.assertNotEqual(r2.token, t)
        # Every old session ended; the new one works for everything.
        for old in (t, other):
            self.fails(lambda: self.me(old), grpc.StatusCode.UNAUTHENTICATED)
        self.accounts.ListSessions(self.pb2.ListSessionsRequest(), metadata=self.md(r2.token),
                                   timeout=10)
        self.assertEqual(psql(self.dsn, "SELECT must_change_password FROM accounts"
                                        " WHERE campus_id = :'v1'", cid), [["f"]])
        self.assertTrue(self.stored_hash(cid).startswith(f"pbkdf2-sha256${ITERATIONS}$"))
        self.fails(lambda: self.login(cid), grpc.StatusCode.UNAUTHENTICATED)
        self.login(cid, "Brand-New-Pass-42")

    # --- sessions ------------------------------------------------------------------------

    def test_list_end_one_end_all(self):
        cid = create_account(self.dsn)
        t1 = self.login(cid, device="Chrome on Windows").token
        t2 = self.login(cid, client="mp", device="iPhone 微信").token
        t3 = self.login(cid).token
        ls = self.accounts.ListSessions(self.pb2.ListSessionsRequest(), metadata=self.md(t3),
                                        timeout=10).sessions
        self.assertEqual(len(ls), 3)
        self.assertEqual([s.current for s in ls], [True, False, False])  # newest first
        self.assertEqual({s.device for s in ls[1:]}, {"Chrome on Windows", "iPhone 微信"})
        self.assertEqual({s.client for s in ls}, {"web", "mp"})
        self.assertTrue(all(s.ip == self.ip and s.last_seen_time.seconds > 0 for s in ls))
        mp = [s for s in ls if s.client == "mp"][0]

        # Another account's session id is not found and stays alive.
        other = create_account(self.dsn)
        ot = self.login(other).token
        oid = self.accounts.ListSessions(self.pb2.ListSessionsRequest(), metadata=self.md(ot),
                                         timeout=10).sessions[0].session_id
        self.fails(lambda: self.accounts.EndSession(self.pb2.EndSessionRequest(session_id=oid),
                                                    metadata=self.md(t3), timeout=10),
                   grpc.StatusCode.NOT_FOUND)
        self.me(ot)

        r = self.accounts.EndSession(self.pb2.EndSessionRequest(session_id=mp.session_id),
                                     metadata=self.md(t3), timeout=10)
        self.assertEqual(r.ended, 1)
        self.fails(lambda: self.me(t2), grpc.StatusCode.UNAUTHENTICATED)
        self.fails(lambda: self.accounts.EndSession(
            self.pb2.EndSessionRequest(session_id=mp.session_id), metadata=self.md(t3), timeout=10),
            grpc.StatusCode.NOT_FOUND)

        r = self.accounts.EndAllSessions(self.pb2.EndAllSessionsRequest(keep_current=True),
                                         metadata=self.md(t3), timeout=10)
        self.assertEqual(r.ended, 1)
        self.fails(lambda: self.me(t1), grpc.StatusCode.UNAUTHENTICATED)
        self.me(t3)
        r = self.accounts.EndAllSessions(self.pb2.EndAllSessionsRequest(keep_current=False),
                                         metadata=self.md(t3), timeout=10)
        self.assertEqual(r.ended, 1)
        self.fails(lambda: self.me(t3), grpc.StatusCode.UNAUTHENTICATED)
        self.me(ot)  # the other account untouched

    def test_logout(self):
        cid = create_account(self.dsn)
        t = self.login(cid).token
        keep = self.login(cid).token
        self.auth.Logout(self.pb2.LogoutRequest(), metadata=self.md(t), timeout=10)
        self.fails(lambda: self.me(t), grpc.StatusCode.UNAUTHENTICATED)
        self.fails(lambda: self.auth.Logout(self.pb2.LogoutRequest(), metadata=self.md(t),
                                            timeout=10), grpc.StatusCode.UNAUTHENTICATED)
        self.me(keep)

    def test_idle_and_absolute_expiry(self):
        cid = create_account(self.dsn)
        t = self.login(cid).token
        k = sess_key(t)
        # A use renews the idle expiry (web: 1800 s) once it would move by a minute or more.
        self.assertEqual(redis("PEXPIRE", k, 100000), "(integer) 1")
        self.me(t)
        self.assertGreater(int(redis_raw("PTTL", k)), 100000)
        # Idle expiry, forced: the key is gone.
        redis("PEXPIRE", k, 1)
        harness.wait_for(lambda: redis_raw("EXISTS", k) == "0", timeout=5)
        e = self.fails(lambda: self.me(t), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(e.details(), "登录已过期，请重新登录")
        # Absolute end passed while the key lives: refused and deleted.
        t2 = self.login(cid).token
        redis("HSET", sess_key(t2), "ab", 1000)
        self.fails(lambda: self.me(t2), grpc.StatusCode.UNAUTHENTICATED)
        self.assertEqual(redis_raw("EXISTS", sess_key(t2)), "0")
        # The list prunes entries whose session is gone.
        t3 = self.login(cid).token
        ls = self.accounts.ListSessions(self.pb2.ListSessionsRequest(), metadata=self.md(t3),
                                        timeout=10).sessions
        self.assertEqual(len(ls), 1)

    # --- throttling ----------------------------------------------------------------------

    def _throttle_sequence(self, cid, right_password):
        """3 free failures, a 4th that starts the delays, then the lock. Returns the answers
        (code, message) in order."""
        out = []
        key = "ehall:login:a:" + cid.lower()

        def attempt(pw):
            try:
                self.login(cid, pw)
                out.append(("OK", ""))
            except grpc.RpcError as e:
                out.append((e.code(), e.details()))
                return e
        for _ in range(4):
            attempt("wrong-password-1")
        self.assertEqual(redis_raw("HGET", key, "n"), "4")
        # The delay after the 4th failure, pinned: pretend it just happened 30 s from now.
        sec, usec = redis_raw("TIME").split("\n")[:2]
        now = int(sec) * 1000 + int(usec) // 1000  # to the millisecond: the window is 1 s wide
        redis("HSET", key, "lf", now + 30000)
        e = attempt(right_password)  # even the right password waits
        fields, retry = details(e)
        self.assertTrue(30000 <= retry <= 31000, retry)
        redis("HSET", key, "lf", now - 60000)
        attempt("wrong-password-1")  # the 5th failure locks
        e = attempt(right_password)
        fields, retry = details(e)
        self.assertTrue(800000 < retry <= 900000, retry)
        return out

    def test_throttle_delays_then_locks_alike_for_unknown_accounts_and_admin_unlocks(self):
        cid = create_account(self.dsn)
        known = self._throttle_sequence(cid, DEFAULT_PASSWORD)
        self.ip = fake_ip()
        unknown = self._throttle_sequence(new_campus_id(), DEFAULT_PASSWORD)
        U, R = grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.RESOURCE_EXHAUSTED
        self.assertEqual([c for c, _ in known], [U, U, U, U, R, U, R])
        self.assertEqual(known, unknown)
        self.assertRegex(known[4][1], r"^登录失败次数过多，请 3[01] 秒后再试$")
        self.assertEqual(known[6][1], "登录失败次数过多，请 15 分钟后再试")
        # From yet another address the account is still locked (the lock is the account's).
        self.ip = fake_ip()
        self.fails(lambda: self.login(cid), grpc.StatusCode.RESOURCE_EXHAUSTED)
        n = psql(self.dsn, "SELECT count(*) FROM audit_log WHERE action = 'login.locked'"
                           " AND target = :'v1'", "account:" + cid.lower())
        self.assertGreaterEqual(int(n[0][0]), 1)
        # A student may not unlock; a hall admin may.
        student = create_account(self.dsn, roles=("student",), kind=1)
        st = self.login(student).token
        self.fails(lambda: self.accounts.UnlockAccount(self.pb2.UnlockAccountRequest(campus_id=cid),
                                                       metadata=self.md(st), timeout=10),
                   grpc.StatusCode.PERMISSION_DENIED)
        admin = create_account(self.dsn, roles=("hall_admin",))
        at = self.login(admin).token
        self.accounts.UnlockAccount(self.pb2.UnlockAccountRequest(campus_id=cid),
                                    metadata=self.md(at), timeout=10)
        self.login(cid)

    def test_ip_lock(self):
        for _ in range(8):  # one failure each on eight ids: no account delay, the IP's count
            self.fails(lambda: self.login(new_campus_id(), "wrong-password-1"),
                       grpc.StatusCode.UNAUTHENTICATED)
        cid = create_account(self.dsn)
        e = self.fails(lambda: self.login(cid), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn("分钟后再试", e.details())
        self.assertIsNotNone(details(e)[1])
        self.login(cid, ip=fake_ip())  # another address is not locked

    # --- object-level checks -------------------------------------------------------------

    def test_who_may_read_an_account(self):
        a = create_account(self.dsn, roles=("student",), kind=1, org_unit="CS-2023-1")
        b = create_account(self.dsn, roles=("student",), kind=1, org_unit="CS-2023-2")
        psql(self.dsn, "UPDATE accounts SET email = :'v2' WHERE campus_id = :'v1'", b,
             b + "@qq.com")
        ta = self.login(a).token

        def get(token, cid):
            return self.accounts.GetAccount(self.pb2.GetAccountRequest(campus_id=cid),
                                            metadata=self.md(token), timeout=10)
        self.assertEqual(get(ta, a).campus_id, a)
        e1 = self.fails(lambda: get(ta, b), grpc.StatusCode.NOT_FOUND)
        e2 = self.fails(lambda: get(ta, new_campus_id()), grpc.StatusCode.NOT_FOUND)
        self.assertEqual(e1.details(), e2.details())
        dept = create_account(self.dsn, roles=("staff", "dept_admin@CS-2023-2"))
        self.assertEqual(get(self.login(dept).token, b).email, b + "@qq.com")
        wrong_dept = create_account(self.dsn, roles=("staff", "dept_admin@MATH"))
        self.fails(lambda: get(self.login(wrong_dept).token, b), grpc.StatusCode.NOT_FOUND)
        hall = create_account(self.dsn, roles=("hall_admin",))
        self.assertEqual(get(self.login(hall).token, b).campus_id, b)
        # A student cannot list or end another's sessions: the list is always the caller's own.
        tb = self.login(b).token
        ls = self.accounts.ListSessions(self.pb2.ListSessionsRequest(), metadata=self.md(ta),
                                        timeout=10).sessions
        self.assertEqual(len(ls), 1)
        r = self.accounts.EndAllSessions(self.pb2.EndAllSessionsRequest(), metadata=self.md(ta),
                                         timeout=10)
        self.assertEqual(r.ended, 1)
        self.fails(lambda: self.me(ta), grpc.StatusCode.UNAUTHENTICATED)
        self.me(tb)  # "all" is only ever the caller's own

    # --- bad input -----------------------------------------------------------------------

    def count_sessions(self):
        return int(redis_raw("EVAL", "return #redis.call('KEYS', 'ehall:sess:*')", 0))

    def test_bad_input_names_the_field_and_stores_nothing(self):
        cid = create_account(self.dsn)
        n_accounts = psql(self.dsn, "SELECT count(*) FROM accounts")
        before = self.count_sessions()
        cases = [
            (dict(campus_id="a" * 33, password="x"), "campus_id"),
            (dict(campus_id="", password="x"), "campus_id"),
            (dict(campus_id=cid, password=""), "password"),
            (dict(campus_id=cid, password="p" * 129), "password"),
            (dict(campus_id=cid, password=DEFAULT_PASSWORD, device="d" * 101), "device"),
            (dict(campus_id=cid, password=DEFAULT_PASSWORD, client="desktop"), "client"),
        ]
        for req, field in cases:
            e = self.fails(lambda: self.auth.Login(self.pb2.LoginRequest(**req),
                                                   metadata=self.md(), timeout=10),
                           grpc.StatusCode.INVALID_ARGUMENT)
            self.assertIn(field, details(e)[0], (req, e.details()))
        # Invalid UTF-8 as raw bytes on the wire (a conforming client could not send it).
        raw = self.channel.unary_unary("/ehall.identity.v1.Auth/Login",
                                       request_serializer=lambda b: b,
                                       response_deserializer=lambda b: b)
        body = b"\x0a\x03\xff\xfe\x41" + b"\x12\x08" + b"password"
        e = self.fails(lambda: raw(body, metadata=self.md(), timeout=10),
                       grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("campus_id", details(e)[0])
        # SQL-looking ids are just unknown accounts.
        for s in ("' OR '1'='1", "x'; DROP TABLE accounts;--"):
            e = self.fails(lambda: self.login(s, "' OR '1'='1"), grpc.StatusCode.UNAUTHENTICATED)
            self.assertEqual(e.details(), WRONG)
        self.assertEqual(psql(self.dsn, "SELECT count(*) FROM accounts"), n_accounts)
        self.assertEqual(self.count_sessions(), before)

    # --- through the gateway -------------------------------------------------------------

    def post(self, path, body, token=None, raw=None):
        h = {"Content-Type": "application/json", "X-Forwarded-For": "198.51.100.7"}
        if token:
            h["Authorization"] = "Bearer " + token
        data = raw if raw is not None else json.dumps(body)
        return harness.http("POST", self.url + path, data, h)

    def test_http_routes(self):
        # Through the gateway every call comes from 127.0.0.1, whose failure counter this test
        # (and an earlier run against the same Redis) feeds: start it from zero.
        redis("DEL", "ehall:login:ip:127.0.0.1")
        cid = create_account(self.dsn)
        # A web login through the gateway: the token only in the HttpOnly cookie, never in the
        # body where page scripts could read it.
        s, h, b = self.post("/api/v1/auth/login", {"campusId": cid, "password": DEFAULT_PASSWORD,
                                                   "device": "Firefox"})
        self.assertEqual(s, 200, b)
        self.assertNotIn("token", json.loads(b))
        self.assertIn("set-cookie", h)
        # The mini-program has no cookies: its login answers the token in the body.
        s, h, b = self.post("/api/v1/auth/login", {"campusId": cid, "password": DEFAULT_PASSWORD,
                                                   "device": "iPhone 微信", "client": "mp"})
        self.assertEqual(s, 200, b)
        j = json.loads(b)
        token = j["token"]
        self.assertEqual(j["account"]["campusId"], cid)
        self.assertIn("set-cookie", h)  # the cookies themselves: test_gateway_session_cookie.py
        s, _, b = harness.http("GET", self.url + "/api/v1/me",
                               headers={"Authorization": "Bearer " + token})
        self.assertEqual((s, json.loads(b)["campusId"]), (200, cid))
        s, _, b = harness.http("GET", self.url + "/api/v1/me/sessions",
                               headers={"Authorization": "Bearer " + token})
        self.assertEqual(s, 200, b)
        sid = [x for x in json.loads(b)["sessions"] if x.get("current")][0]["sessionId"]
        # Wrong password and unknown id: the same 401 and words.
        s1, _, b1 = self.post("/api/v1/auth/login", {"campusId": cid, "password": "nope-nope"})
        s2, _, b2 = self.post("/api/v1/auth/login", {"campusId": new_campus_id(), "password": "nope-nope"})
        self.assertEqual((s1, s2), (401, 401))
        self.assertEqual(json.loads(b1)["message"], WRONG)
        self.assertEqual(json.loads(b1), json.loads(b2))
        # Bad bodies: 400 naming the field, nothing stored.
        before = self.count_sessions()
        for body, raw, field in (({"campusId": 123, "password": "x"}, None, "campus"),
                                 (None, "{}", "campus_id"),
                                 ({"campusId": cid, "password": "x" * 200}, None, "password")):
            s, _, b = self.post("/api/v1/auth/login", body, raw=raw)
            self.assertEqual(s, 400, b)
            self.assertIn(field, b.decode(), b)
        self.assertEqual(self.count_sessions(), before)
        # End the session over HTTP; the token stops working.
        s, _, b = harness.http("DELETE", self.url + "/api/v1/me/sessions/" + sid,
                               headers={"Authorization": "Bearer " + token})
        self.assertEqual(s, 200, b)
        s, _, b = harness.http("GET", self.url + "/api/v1/me",
                               headers={"Authorization": "Bearer " + token})
        self.assertEqual(s, 401, b)


class HashPoolTest(unittest.TestCase):
    """The bounded pool: a full queue answers RESOURCE_EXHAUSTED with a retry hint, a caller that
    gives up at its deadline leaves the job safely behind, and the pool keeps working."""

    @classmethod
    def setUpClass(cls):
        cls.pb2, cls.pb2_grpc = identity_modules()
        cls.core = harness.start_core(env={
            "EHALL_CORE_RATELIMIT_ENABLED": "false",
            "EHALL_CORE_PASSWORD_PBKDF2_ITERATIONS": "1500000",
            "EHALL_CORE_PASSWORD_HASH_THREADS": "1",
            "EHALL_CORE_PASSWORD_HASH_QUEUE": "1",
            "EHALL_CORE_WORKERS": "8",
            "EHALL_CORE_LOGIN_IP_LOCK_FAILURES": "100000",
            "EHALL_CORE_LOGIN_FREE_FAILURES": "100",
        })
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.core.port}")
        cls.auth = cls.pb2_grpc.AuthStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.core.stop()

    def test_full_queue_and_deadline(self):
        def attempt(_):
            try:
                self.auth.Login(self.pb2.LoginRequest(campus_id=new_campus_id(), password="x1"),
                                timeout=120)
                return "OK", None
            except grpc.RpcError as e:
                return e.code(), e
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            results = list(ex.map(attempt, range(8)))
        codes = [c for c, _ in results]
        # One hashing, one waiting: the others are refused at once while both are taken (how
        # many depends on how fast each 2000-iteration hash finishes, so: at least one).
        self.assertGreaterEqual(codes.count(grpc.StatusCode.RESOURCE_EXHAUSTED), 1, codes)
        self.assertTrue(set(codes) <= {grpc.StatusCode.RESOURCE_EXHAUSTED,
                                       grpc.StatusCode.UNAUTHENTICATED}, codes)
        e = [e for c, e in results if c == grpc.StatusCode.RESOURCE_EXHAUSTED][0]
        self.assertEqual(e.details(), "登录人数较多，请稍后再试")
        self.assertGreaterEqual(details(e)[1] or 0, 1000)
        # A caller that leaves before its hash is done: the core answers DEADLINE and lives on.
        with self.assertRaises(grpc.RpcError) as cm:
            self.auth.Login(self.pb2.LoginRequest(campus_id=new_campus_id(), password="x1"),
                            timeout=0.05)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        e = harness.wait_for(lambda: attempt(0)[0] == grpc.StatusCode.UNAUTHENTICATED, timeout=60)
        self.assertTrue(e)
        self.assertIsNone(self.core.proc.poll())


if __name__ == "__main__":
    unittest.main()
