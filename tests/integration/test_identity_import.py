"""test_identity_import.py — importing accounts from the old portal: `ehall-core import accounts
FILE` and `ehall-core import check FILE` (the real binary on the shared PostgreSQL), and the
ImportAccounts RPC on a private core (hall admins only).

Every test makes its own campus ids and ID-card numbers (random, with a correct check digit):
the tests share one database, and ./dev test runs them twice against it.
"""
import hashlib
import hmac
import os
import random
import unittest

import grpc

import harness
from identity_fixtures import create_account, identity_modules, login, new_campus_id, psql

ITERATIONS = 1000  # the smallest the config allows: freshmen's hashes stay cheap here
PEPPER = "it-import-pepper-0123456789"
HEADER = "campus_id,name,kind,org_unit,email,phone,status,roles,password_hash,id_card\n"
MD5_PASSWORD = "md5:5f4dcc3b5aa765d61d8327deb882cf99"  # md5("password")
CORE_ENV = {"EHALL_CORE_PASSWORD_PBKDF2_ITERATIONS": str(ITERATIONS),
            "EHALL_CORE_IDENTITY_PEPPER": PEPPER}


def id_card():
    """A random valid 18-character ID-card number (GB 11643 check digit)."""
    body = "110105%04d%02d%02d%03d" % (random.randint(1990, 2006), random.randint(1, 12),
                                       random.randint(1, 28), random.randint(0, 999))
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * x for c, x in zip(body, w)) % 11]


def idcard_hmac(number):
    return hmac.new(PEPPER.encode(), number.encode(), hashlib.sha256).hexdigest()


def pbkdf2_matches(stored, password):
    import base64
    alg, it, salt, h = stored.split("$")
    pad = lambda s: s + "=" * (-len(s) % 4)
    salt, h = base64.urlsafe_b64decode(pad(salt)), base64.urlsafe_b64decode(pad(h))
    return alg == "pbkdf2-sha256" and hashlib.pbkdf2_hmac(
        "sha256", password.encode(), salt, int(it), len(h)) == h


class IdentityImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dsn = harness.env("EHALL_TEST_PG_DSN")
        cls.dir = harness.tmpdir()

    def write(self, text, encoding="utf-8"):
        path = os.path.join(self.dir, new_campus_id("f") + ".csv")
        with open(path, "wb") as f:
            f.write(text.encode(encoding) if isinstance(text, str) else text)
        return path

    def run_import(self, *args):
        return harness.run_core(["import"] + list(args), env=CORE_ENV)

    def account(self, campus_id):
        rows = psql(self.dsn, "SELECT name, kind, org_unit, coalesce(email, ''), status,"
                              " password_hash, coalesce(idcard_hmac, ''), must_change_password,"
                              " (SELECT string_agg(role || '@' || org_unit, ';' ORDER BY role)"
                              "  FROM account_roles r WHERE r.account_id = a.id)"
                              " FROM accounts a WHERE campus_id = :'v1'", campus_id)
        return rows[0] if rows else None

    def test_utf8_import_then_reimport_changes_nothing(self):
        s, f, t = new_campus_id("s"), new_campus_id("f"), new_campus_id("t")
        card = id_card()
        path = self.write("\ufeff" + HEADER +
                          f"{s},张三,student,CS,Zhang.{s}@QQ.com,138,,,{MD5_PASSWORD},\r\n"
                          f"{f},新生,学生,MATH,,,,,,{card}\r\n"
                          f'{t},"Li, Si",staff,CS,,,locked,"dept_admin@CS;hall_admin",'
                          f"{MD5_PASSWORD},\r\n")
        rc, out = self.run_import("accounts", path)
        self.assertEqual(rc, 0, out)
        self.assertIn("encoding: utf-8", out)
        self.assertIn("created: 3", out)
        self.assertNotIn(card, out)

        name, kind, org, email, status, pw, mac, must, roles = self.account(s)
        self.assertEqual((name, kind, org, email, status), ("张三", "1", "CS", f"zhang.{s}@qq.com", "1"))
        self.assertEqual(pw, MD5_PASSWORD)  # verified and replaced at the first login
        self.assertEqual((mac, must, roles), ("", "t", "student@"))

        name, kind, org, _, _, pw, mac, must, roles = self.account(f)
        self.assertEqual((name, kind, org, must), ("新生", "1", "MATH", "t"))
        # The ID number is stored only as its HMAC; the initial password is digits 12–17.
        self.assertEqual(mac, idcard_hmac(card))
        self.assertTrue(pw.startswith(f"pbkdf2-sha256${ITERATIONS}$"), pw)
        self.assertTrue(pbkdf2_matches(pw, card[11:17]))
        self.assertFalse(pbkdf2_matches(pw, card[10:16]))

        self.assertEqual(self.account(t)[8], "dept_admin@CS;hall_admin@")
        self.assertEqual(self.account(t)[4], "2")

        rc, out = self.run_import("accounts", path)
        self.assertEqual(rc, 0, out)
        self.assertIn("created: 0", out)
        self.assertIn("updated: 0", out)
        self.assertIn("unchanged: 3", out)
        self.assertEqual(self.account(f)[5], pw)  # the freshman's hash was kept

        # An audit row per applied import, by the command line.
        rows = psql(self.dsn, "SELECT actor, detail::text FROM audit_log WHERE action = 'accounts.import'"
                              " ORDER BY id DESC LIMIT 1")
        self.assertEqual(rows[0][0], "cli")
        self.assertIn('"unchanged": 3', rows[0][1])

    def test_concurrent_imports_of_the_same_new_people_all_succeed(self):
        # Two admins (or a retried job) importing the same file at once: one creates, the
        # others find the accounts there; none fails on the unique campus id.
        ids = [new_campus_id("c") for _ in range(150)]
        path = self.write(HEADER + "".join(f"{c},并发{i},student,CS,,,,,{MD5_PASSWORD},\n"
                                           for i, c in enumerate(ids)))
        import concurrent.futures
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            results = list(pool.map(lambda _: self.run_import("accounts", path), range(3)))
        for rc, out in results:
            self.assertEqual(rc, 0, out)
        created = sorted(int(out.split("created: ")[1].split()[0]) for _, out in results)
        self.assertEqual(created, [0, 0, 150], [out for _, out in results])
        n = psql(self.dsn, "SELECT count(*) FROM accounts WHERE campus_id = ANY (string_to_array(:'v1', ' '))",
                 " ".join(ids))
        self.assertEqual(n[0][0], "150")

    def test_gb18030_file(self):
        s, t, x = new_campus_id("s"), new_campus_id("t"), new_campus_id("x")
        evil = "Robert'); DROP TABLE accounts;--"
        path = self.write("campus_id,name,kind,org_unit,password_hash\r\n"
                          f"{s},欧阳·张三,学生,计算机学院,{MD5_PASSWORD}\r\n"
                          f"{t},李老师,教职工,文学院,{MD5_PASSWORD}\r\n"
                          f"{x},{evil},学生,,{MD5_PASSWORD}\r\n", "gb18030")
        with open(path, "rb") as fh:
            raw = fh.read()
        with self.assertRaises(UnicodeDecodeError):
            raw.decode("utf-8")  # the file really is not UTF-8
        rc, out = self.run_import("accounts", path)
        self.assertEqual(rc, 0, out)
        self.assertIn("encoding: gb18030", out)
        self.assertIn("created: 3", out)
        self.assertEqual(self.account(s)[:3], ["欧阳·张三", "1", "计算机学院"])
        self.assertEqual(self.account(x)[0], evil)  # stored as text, never run
        self.assertEqual(self.account(t)[:3], ["李老师", "2", "文学院"])

    def test_bad_rows_store_nothing_and_are_all_reported(self):
        good, dup, other = new_campus_id("g"), new_campus_id("d"), new_campus_id("o")
        path = self.write(HEADER +
                          f"{good},好人,student,,,,,,{MD5_PASSWORD},\n"        # 2: fine
                          f"{dup},甲,alien,,,,,,{MD5_PASSWORD},\n"            # 3: kind
                          f"{other},乙,student,,not-mail,,,,{MD5_PASSWORD},\n"  # 4: email
                          f"{dup},丙,student,,,,,,{MD5_PASSWORD},\n"          # 5: repeated id
                          f"{other}x,丁,student,,,,,,,110105194912310021\n"   # 6: check digit
                          f"{other}y,戊,student,,,,,,md5:123,\n"              # 7: hash
                          f"{other}z,己,student,,,,,root,{MD5_PASSWORD},\n")  # 8: role
        rc, out = self.run_import("accounts", path)
        self.assertEqual(rc, 1, out)
        for line, column in [(3, "kind"), (4, "email"), (5, "campus_id"), (6, "id_card"),
                             (7, "password_hash"), (8, "roles")]:
            self.assertIn(f"line {line}: {column}:", out)
        self.assertNotIn("line 2:", out)
        self.assertNotIn("110105194912310021", out)
        self.assertIsNone(self.account(good))  # all or nothing

        path = self.write(b"campus_id,name,kind,password_hash\n" + good.encode() +
                          b",\xff\xfe,student," + MD5_PASSWORD.encode() + b"\n")
        rc, out = self.run_import("accounts", path)
        self.assertEqual(rc, 1, out)
        self.assertIn("line 2: -:", out)
        self.assertIsNone(self.account(good))

    def test_check_is_a_dry_run(self):
        a, b = new_campus_id("a"), new_campus_id("b")
        path = self.write(HEADER + f"{a},甲,student,,,,,,{MD5_PASSWORD},\n"
                                   f"{b},乙,student,,,,,,,{id_card()}\n")
        rc, out = self.run_import("check", path)
        self.assertEqual(rc, 0, out)
        self.assertIn("created: 2", out)
        self.assertIn("dry run", out)
        self.assertIsNone(self.account(a))
        self.assertIsNone(self.account(b))

    def test_usage(self):
        self.assertEqual(self.run_import()[0], 2)
        self.assertEqual(self.run_import("accounts")[0], 2)
        self.assertEqual(self.run_import("people", "x.csv")[0], 2)
        self.assertEqual(self.run_import("accounts", os.path.join(self.dir, "missing.csv"))[0], 2)


class IdentityImportRpcTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pb2, cls.pb2_grpc = identity_modules()
        cls.dsn = harness.env("EHALL_TEST_PG_DSN")
        env = dict(CORE_ENV)
        env["EHALL_CORE_RATELIMIT_ENABLED"] = "false"
        cls.core = harness.start_core(env=env)
        cls.channel = grpc.insecure_channel(cls.core.addr)
        cls.stub = cls.pb2_grpc.AccountsStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.core.stop()

    def call(self, token, csv, dry_run=False, lang=None):
        md = [("authorization", "Bearer " + token)]
        if lang:
            md.append(("accept-language", lang))
        return self.stub.ImportAccounts(self.pb2.ImportAccountsRequest(csv=csv, dry_run=dry_run),
                                        metadata=md, timeout=60)

    def test_hall_admin_imports_others_are_refused(self):
        admin = login(self.channel, create_account(self.dsn, roles=("staff", "hall_admin")))
        student = login(self.channel, create_account(self.dsn, roles=("student",), kind=1))
        dept = login(self.channel, create_account(self.dsn, roles=("staff", "dept_admin@CS")))
        s, f = new_campus_id("s"), new_campus_id("f")
        card = id_card()
        csv = (HEADER + f"{s},张三,student,CS,,,,,{MD5_PASSWORD},\n"
                        f"{f},新生,student,CS,,,,,,{card}\n").encode("gb18030")

        for token in (student, dept):
            with self.assertRaises(grpc.RpcError) as cm:
                self.call(token, csv)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertIsNone(psql(self.dsn, "SELECT 1 FROM accounts WHERE campus_id = :'v1'", s) or None)

        r = self.call(admin, csv, dry_run=True)
        self.assertEqual((r.encoding, r.rows, r.created, r.applied), ("gb18030", 2, 2, False))
        self.assertEqual(psql(self.dsn, "SELECT count(*) FROM accounts WHERE campus_id IN (:'v1', :'v2')",
                              s, f), [["0"]])

        r = self.call(admin, csv)
        self.assertEqual((r.rows, r.created, r.updated, r.unchanged, r.applied), (2, 2, 0, 0, True))
        self.assertEqual(len(r.errors), 0)
        r = self.call(admin, csv)
        self.assertEqual((r.created, r.unchanged, r.applied), (0, 2, True))

        # The freshman logs in with digits 12–17 of the ID card, and must change it first.
        token = login(self.channel, f, password=card[11:17])
        self.assertTrue(token)

    def test_report_lists_bad_rows_and_empty_file_is_a_field_error(self):
        admin = login(self.channel, create_account(self.dsn, roles=("hall_admin",)))
        s = new_campus_id("s")
        r = self.call(admin, (HEADER + f"{s},,student,,,,,,{MD5_PASSWORD},\n"
                                       f"{s},乙,student,,,,,,md5:xyz,\n").encode())
        self.assertFalse(r.applied)
        got = [(e.line, e.column) for e in r.errors]
        self.assertIn((2, "name"), got)
        self.assertIn((3, "campus_id"), got)
        self.assertIn((3, "password_hash"), got)
        self.assertTrue(all(e.reason for e in r.errors))
        r = self.call(admin, (HEADER + f"{s},,student,,,,,,{MD5_PASSWORD},\n").encode(), lang="en")
        self.assertIn("name", r.errors[0].reason)
        self.assertEqual(psql(self.dsn, "SELECT count(*) FROM accounts WHERE campus_id = :'v1'", s),
                         [["0"]])

        with self.assertRaises(grpc.RpcError) as cm:
            self.call(admin, b"")
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)


if __name__ == "__main__":
    unittest.main()
