"""test_gateway_session_cookie.py — the web app's session cookie, end to end through the real
gateway and the real core (PostgreSQL, Redis):

- a web login (POST /api/v1/auth/login) answers with two cookies: ehall_session (HttpOnly,
  SameSite=Lax, Path=/, Max-Age) and ehall_csrf (readable by the page, SameSite=Strict); the core's
  x-ehall-set-session metadata never reaches the client as a header;
- the cookie alone authenticates a GET (forwarded to the core as `authorization: Bearer …`);
- a cookie-authenticated change without X-CSRF-Token equal to the ehall_csrf cookie is refused by
  the gateway with 403 {"code": 7, …}, and never reaches the core; an explicit Authorization
  header (mini-program, apps) needs no CSRF token and wins over the cookie;
- logout clears both cookies (Max-Age=0) and the old cookie stops working; a password change
  sets a new session cookie and the old one stops working;
- `cookie.secure` adds Secure; CORS preflights allow the X-CSRF-Token header.

The account is created with psql in the accounts table (migration 0004) with a legacy md5 hash,
as the old portal's import leaves it. The core and gateways are private (real binaries, shared
PostgreSQL and Redis): the core without per-IP rate limits, since every test here logs in from
127.0.0.1 and the login bucket is small on purpose.
"""
import hashlib
import http.client
import json
import re
import subprocess
import unittest
import urllib.parse
import uuid

import harness

PASSWORD = "Ehall@2026"
LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"
FEEDBACK = "/api/v1/feedback"


def request(url, method, path, body=None, headers=None):
    """One request: (status, [(name lower-cased, value)…] keeping repeated headers, body bytes)."""
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    h = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        h.setdefault("Content-Type", "application/json")
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    hs = [(k.lower(), v) for k, v in r.getheaders()]
    c.close()
    return r.status, hs, data


def set_cookies(hs):
    """{name: (value, {attribute lower-cased: value or True})} from the Set-Cookie headers."""
    out = {}
    for k, v in hs:
        if k != "set-cookie":
            continue
        parts = [p.strip() for p in v.split(";")]
        name, _, value = parts[0].partition("=")
        attrs = {}
        for p in parts[1:]:
            a, eq, av = p.partition("=")
            attrs[a.lower()] = av if eq else True
        out[name] = (value, attrs)
    return out


def psql(sql, *params):
    argv = ["psql", "-d", harness.env("EHALL_TEST_PG_DSN"), "-qAtX", "-v", "ON_ERROR_STOP=1"]
    for i, p in enumerate(params, 1):
        argv += ["-v", f"v{i}={p}"]
    r = subprocess.run(argv, input=sql.encode(), capture_output=True, check=True)
    return r.stdout.decode().strip()


def create_account():
    """A fresh student account with the old portal's md5 hash of PASSWORD; returns its campus id."""
    cid = "ck" + uuid.uuid4().hex[:12]
    psql("WITH a AS (INSERT INTO accounts (campus_id, name, kind, org_unit, password_hash)"
         " VALUES (:'v1', '测试学生', 1, 'CS-2023-1', :'v2') RETURNING id)"
         " INSERT INTO account_roles (account_id, role) SELECT id, 'student' FROM a",
         cid, "md5:" + hashlib.md5(PASSWORD.encode()).hexdigest())
    return cid


class SessionCookieTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.core = harness.start_core(env={"EHALL_CORE_RATELIMIT_ENABLED": "false",
                                           "EHALL_CORE_PASSWORD_PBKDF2_ITERATIONS": "20000"})
        cls.gw = harness.start_gateway(cls.core.addr,
                                       env={"EHALL_GATEWAY_CORS_ORIGINS": "http://web.example"})
        cls.url = cls.gw.url

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()
        cls.core.stop()

    def login(self, url=None, cid=None):
        """Logs a new account in from the web; returns (campus id, session cookie, csrf cookie,
        the Set-Cookie attributes, the response headers)."""
        cid = cid or create_account()
        st, hs, b = request(url or self.url, "POST", LOGIN,
                            {"campusId": cid, "password": PASSWORD, "client": "web"})
        self.assertEqual(st, 200, b)
        ck = set_cookies(hs)
        self.assertIn("ehall_session", ck, hs)
        self.assertIn("ehall_csrf", ck, hs)
        return cid, ck["ehall_session"][0], ck["ehall_csrf"][0], ck, hs

    @staticmethod
    def cookie(session, csrf=None):
        c = f"ehall_session={session}"
        if csrf is not None:
            c += f"; ehall_csrf={csrf}"
        return {"Cookie": c}

    def assertCsrfRefused(self, st, hs, b):
        self.assertEqual(st, 403, b)
        self.assertEqual(dict(hs)["content-type"], "application/json; charset=utf-8")
        e = json.loads(b)
        self.assertEqual(e["code"], 7, e)
        self.assertIn("CSRF", e["message"])
        self.assertIsInstance(e["details"], list)
        self.assertNotIn("set-cookie", dict(hs))

    # --- without a session: the gateway's own part ------------------------------------------

    def test_cookie_post_without_csrf_is_refused_before_the_core(self):
        marker = "csrf-" + uuid.uuid4().hex
        body = {"category": "FEEDBACK_CATEGORY_OTHER", "content": marker + " 跨站请求不应被保存"}
        for headers in ({"Cookie": "ehall_session=anything; ehall_csrf=abc"},  # no header
                        {"Cookie": "ehall_session=anything; ehall_csrf=abc", "X-CSRF-Token": "abd"},
                        {"Cookie": "ehall_session=anything; ehall_csrf=abc", "X-CSRF-Token": "ab"},
                        {"Cookie": "ehall_session=anything", "X-CSRF-Token": "abc"},  # no cookie
                        {"Cookie": "ehall_session=anything; ehall_csrf=", "X-CSRF-Token": ""}):
            st, hs, b = request(self.url, "POST", FEEDBACK, body, headers)
            self.assertCsrfRefused(st, hs, b)
        # Refused in the gateway: nothing reached the core's feedback table.
        n = psql("SELECT count(*) FROM feedback WHERE strpos(content, :'v1') > 0", marker)
        self.assertEqual(n, "0")

    def test_english_refusal(self):
        st, hs, b = request(self.url, "POST", FEEDBACK, {"content": "x"},
                            {"Cookie": "ehall_session=anything", "Accept-Language": "en"})
        self.assertEqual(st, 403, b)
        self.assertIn("CSRF token", json.loads(b)["message"])

    def test_explicit_authorization_needs_no_csrf(self):
        # The mini-program's way: a header no other site can make the browser send.
        marker = "authz-" + uuid.uuid4().hex
        st, hs, b = request(self.url, "POST", FEEDBACK,
                            {"category": "FEEDBACK_CATEGORY_OTHER", "content": marker + " 小程序的反馈"},
                            {"Authorization": "Bearer not-a-session", "Cookie": "ehall_session=x"})
        # Feedback is public: the unknown bearer leaves the caller anonymous, the row is stored.
        self.assertEqual(st, 200, b)
        self.assertNotIn("CSRF", b.decode("utf-8", "replace"))

    def test_safe_methods_need_no_csrf(self):
        # GET with a cookie reaches the core, which refuses the unknown session (401, not 403).
        st, hs, b = request(self.url, "GET", ME, headers={"Cookie": "ehall_session=no-such-session"})
        self.assertEqual(st, 401, b)
        self.assertEqual(json.loads(b)["code"], 16)
        st, hs, b = request(self.url, "GET", ME)
        self.assertEqual(st, 401, b)

    def test_cookie_that_cannot_be_a_token_is_ignored(self):
        # A quoted value with a space is not a cookie-octet string: never forwarded, and so no
        # CSRF check either (the call goes out anonymous: the public feedback route accepts it).
        st, hs, b = request(self.url, "POST", FEEDBACK,
                            {"category": "FEEDBACK_CATEGORY_OTHER", "content": "ignored cookie 测试"},
                            {"Cookie": 'ehall_session="a b"'})
        self.assertEqual(st, 200, b)

    def test_preflight_allows_the_csrf_header(self):
        st, hs, b = request(self.url, "OPTIONS", ME, headers={
            "Origin": "http://web.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-csrf-token"})
        self.assertEqual(st, 204, b)
        allowed = [h.strip() for h in dict(hs)["access-control-allow-headers"].split(",")]
        self.assertIn("x-csrf-token", allowed)

    # --- with a real session (Login) -------------------------------------------------------

    def test_login_sets_both_cookies(self):
        cid, session, csrf, ck, hs = self.login()
        attrs = ck["ehall_session"][1]
        self.assertIs(attrs.get("httponly"), True)
        self.assertEqual(attrs.get("samesite"), "Lax")
        self.assertEqual(attrs.get("path"), "/")
        self.assertGreater(int(attrs["max-age"]), 0)
        self.assertNotIn("secure", attrs)  # cookie.secure defaults to false (plain HTTP here)
        cattrs = ck["ehall_csrf"][1]
        self.assertNotIn("httponly", cattrs)  # the page must read it to echo it
        self.assertEqual(cattrs.get("samesite"), "Strict")
        self.assertEqual(cattrs.get("path"), "/")
        self.assertEqual(cattrs.get("max-age"), attrs["max-age"])
        self.assertRegex(csrf, r"^[0-9a-f]{64}$")
        self.assertTrue(session)
        names = [k for k, _ in hs]
        self.assertNotIn("x-ehall-set-session", names)
        self.assertNotIn("x-ehall-session-max-age", names)
        self.assertEqual(dict(hs).get("cache-control"), "no-store")
        # A second login: another session, another CSRF token.
        _, session2, csrf2, _, _ = self.login(cid=cid)
        self.assertNotEqual(session2, session)
        self.assertNotEqual(csrf2, csrf)

    def test_cookie_authenticates_and_csrf_guards_changes(self):
        cid, session, csrf, _, _ = self.login()
        st, hs, b = request(self.url, "GET", ME, headers=self.cookie(session))
        self.assertEqual(st, 200, b)
        self.assertEqual(json.loads(b)["campusId"], cid)
        self.assertNotIn("set-cookie", dict(hs))  # only session changes set cookies
        # An explicit Authorization header wins over the cookie.
        st, hs, b = request(self.url, "GET", ME, headers={
            **self.cookie(session), "Authorization": "Bearer not-a-session"})
        self.assertEqual(st, 401, b)
        # Logout is a change: without the token the gateway refuses it and the session lives on.
        st, hs, b = request(self.url, "POST", LOGOUT, {}, self.cookie(session, csrf))
        self.assertCsrfRefused(st, hs, b)
        st, hs, b = request(self.url, "POST", LOGOUT, {},
                            {**self.cookie(session, csrf), "X-CSRF-Token": csrf[:-1] + "0"
                             if csrf[-1] != "0" else csrf[:-1] + "1"})
        self.assertCsrfRefused(st, hs, b)
        st, _, b = request(self.url, "GET", ME, headers=self.cookie(session))
        self.assertEqual(st, 200, b)
        # With it: logged out, both cookies cleared.
        st, hs, b = request(self.url, "POST", LOGOUT, {}, {**self.cookie(session, csrf), "X-CSRF-Token": csrf})
        self.assertEqual(st, 200, b)
        ck = set_cookies(hs)
        self.assertEqual(ck["ehall_session"][0], "")
        self.assertEqual(ck["ehall_session"][1].get("max-age"), "0")
        self.assertIs(ck["ehall_session"][1].get("httponly"), True)
        self.assertEqual(ck["ehall_csrf"][0], "")
        self.assertEqual(ck["ehall_csrf"][1].get("max-age"), "0")
        st, _, b = request(self.url, "GET", ME, headers=self.cookie(session))
        self.assertEqual(st, 401, b)

    def test_password_change_renews_the_cookie(self):
        cid, session, csrf, _, _ = self.login()
        new_pw = "Cookie-" + uuid.uuid4().hex[:10] + "!"
        st, hs, b = request(self.url, "POST", "/api/v1/me/password",
                            {"oldPassword": PASSWORD, "newPassword": new_pw, "client": "web"},
                            {**self.cookie(session, csrf), "X-CSRF-Token": csrf})
        self.assertEqual(st, 200, b)
        # The new token travels only in the HttpOnly cookie, never where page scripts read.
        self.assertNotIn("token", json.loads(b))
        ck = set_cookies(hs)
        self.assertIn("ehall_session", ck, hs)
        new_session, new_csrf = ck["ehall_session"][0], ck["ehall_csrf"][0]
        self.assertTrue(new_session)
        self.assertNotEqual(new_session, session)
        self.assertRegex(new_csrf, r"^[0-9a-f]{64}$")
        self.assertNotEqual(new_csrf, csrf)
        st, _, b = request(self.url, "GET", ME, headers=self.cookie(new_session))
        self.assertEqual(st, 200, b)
        self.assertFalse(json.loads(b).get("mustChangePassword", False))
        st, _, b = request(self.url, "GET", ME, headers=self.cookie(session))
        self.assertEqual(st, 401, b)

    def test_secure_setting(self):
        gw = harness.start_gateway(self.core.addr, env={"EHALL_GATEWAY_COOKIE_SECURE": "true"})
        try:
            _, session, csrf, ck, _ = self.login(url=gw.url)
            self.assertIs(ck["ehall_session"][1].get("secure"), True)
            self.assertIs(ck["ehall_csrf"][1].get("secure"), True)
            st, hs, b = request(gw.url, "POST", LOGOUT, {}, {**self.cookie(session, csrf), "X-CSRF-Token": csrf})
            self.assertEqual(st, 200, b)
            ck = set_cookies(hs)
            self.assertIs(ck["ehall_session"][1].get("secure"), True)
            self.assertEqual(ck["ehall_session"][1].get("max-age"), "0")
            # The values never appear in the gateway's log.
            log = gw.log()
            self.assertNotIn(session, log)
            self.assertNotIn(csrf, log)
        finally:
            gw.stop()


if __name__ == "__main__":
    unittest.main()
