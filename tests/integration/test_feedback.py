"""test_feedback.py — 意见反馈 (ehall.feedback.v1.Feedback/SubmitFeedback) end to end: over HTTP
through the shared gateway (the first POST route, so the gateway's body paths are tested here:
malformed JSON → 400, wrong Content-Type → 415, unknown field / wrong type → 400 naming the
field) and over gRPC straight to the shared core (google.rpc.BadRequest in
grpc-status-details-bin). Every accepted submission is looked up in PostgreSQL with psql; every
refused one is checked to have stored nothing.
"""
import json
import re
import subprocess
import unittest
import uuid

import grpc

import harness

PATH = "/api/v1/feedback"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
THANKS_ZH = "感谢您的反馈！我们会认真阅读每一条意见。"
THANKS_EN = "Thank you for your feedback! We read every message."
SUBMIT = "/ehall.feedback.v1.Feedback/SubmitFeedback"


def psql(sql, *params):
    """One query against the shared PostgreSQL; returns rows as lists of text. Parameters are
    passed as psql variables (:'v1' …), so test text is never spliced into SQL."""
    argv = ["psql", "-d", harness.env("EHALL_TEST_PG_DSN"), "-qAtX", "-F", "\x1f", "-v", "ON_ERROR_STOP=1"]
    for i, p in enumerate(params, 1):
        argv += ["-v", f"v{i}={p}"]
    r = subprocess.run(argv, input=sql.encode(), capture_output=True, check=True)
    out = r.stdout.decode("utf-8")
    return [line.split("\x1f") for line in out.splitlines() if line]


def stored(fid):
    """The feedback row with this id as a dict (content and contact hex-encoded, so newlines and
    quotes survive psql), or None."""
    rows = psql("SELECT category, encode(convert_to(content, 'UTF8'), 'hex'),"
                " encode(convert_to(contact, 'UTF8'), 'hex'), page, coalesce(host(client_ip), ''),"
                " coalesce(request_id, ''), account_id IS NULL, status FROM feedback"
                " WHERE id = :'v1'::uuid", fid)
    if not rows:
        return None
    r = rows[0]
    return {"category": int(r[0]), "content": bytes.fromhex(r[1]).decode("utf-8"),
            "contact": bytes.fromhex(r[2]).decode("utf-8"), "page": r[3], "client_ip": r[4],
            "request_id": r[5], "account_null": r[6] == "t", "status": r[7]}


def count_marked(marker):
    """How many rows carry `marker` in their content (a refused request must add none)."""
    return int(psql("SELECT count(*) FROM feedback WHERE strpos(content, :'v1') > 0", marker)[0][0])


def violations(err_json):
    return [(v["field"], v["description"]) for d in err_json.get("details", [])
            if d.get("@type", "").endswith("google.rpc.BadRequest") for v in d["fieldViolations"]]


class FeedbackHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = harness.env("EHALL_TEST_GATEWAY_URL") + PATH

    def post(self, body, headers=None, content_type="application/json"):
        h = {"Content-Type": content_type} if content_type else {}
        h.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False)
        return harness.http("POST", self.url, body=body, headers=h)

    def assertError(self, st, h, b, status, field=None):
        self.assertEqual(st, status, b)
        self.assertEqual(h["content-type"], "application/json; charset=utf-8")
        e = json.loads(b)
        self.assertEqual(e["code"], 3, e)
        self.assertTrue(e["message"])
        if field is not None:
            self.assertIn(field, [f for f, _ in violations(e)], e)
        return e

    # --- accepted ------------------------------------------------------------------------

    def test_submit_stores_the_row_and_answers_a_receipt(self):
        marker = uuid.uuid4().hex
        rid = "it-fb-" + marker[:12]
        st, h, b = self.post({"category": "FEEDBACK_CATEGORY_SUGGESTION",
                              "content": f"  希望增加夜间预约时段 {marker}\r\n谢谢  ",
                              "contact": " 13800138000 ", "page": "pages/index/index"},
                             headers={"X-Request-Id": rid})
        self.assertEqual(st, 200, b)
        self.assertEqual(h["content-type"], "application/json; charset=utf-8")
        r = json.loads(b)
        self.assertRegex(r["id"], UUID_RE)
        self.assertRegex(r["createTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        self.assertEqual(r["message"], THANKS_ZH)
        row = stored(r["id"])
        self.assertIsNotNone(row, "the receipt's id is not in PostgreSQL")
        self.assertEqual(row["category"], 1)
        # Trimmed, CR LF made LF, the rest verbatim.
        self.assertEqual(row["content"], f"希望增加夜间预约时段 {marker}\n谢谢")
        self.assertEqual(row["contact"], "13800138000")
        self.assertEqual(row["page"], "pages/index/index")
        self.assertEqual(row["client_ip"], "127.0.0.1")
        self.assertEqual(row["request_id"], rid)
        self.assertTrue(row["account_null"])
        self.assertEqual(row["status"], "new")

    def test_category_as_number_and_english_thanks(self):
        st, _, b = self.post({"category": 3, "content": "The new hall is great"},
                             headers={"Accept-Language": "en-US,en;q=0.9"})
        self.assertEqual(st, 200, b)
        r = json.loads(b)
        self.assertEqual(r["message"], THANKS_EN)
        self.assertEqual(stored(r["id"])["category"], 3)

    def test_boundaries_5_and_2000_code_points_are_accepted(self):
        for content in ("很好很好很", "好" * 2000):
            st, _, b = self.post({"category": "FEEDBACK_CATEGORY_PRAISE", "content": content})
            self.assertEqual(st, 200, b)
            self.assertEqual(stored(json.loads(b)["id"])["content"], content)

    def test_sql_and_markup_looking_content_is_stored_verbatim(self):
        content = ("'); DROP TABLE feedback; -- \" \\ %s <script>alert(1)</script> $1 :'v1' 😀"
                   % uuid.uuid4().hex)
        st, _, b = self.post({"category": "FEEDBACK_CATEGORY_OTHER", "content": content,
                              "contact": "o'brien@example.edu.cn"})
        self.assertEqual(st, 200, b)
        row = stored(json.loads(b)["id"])
        self.assertEqual(row["content"], content)
        self.assertEqual(row["contact"], "o'brien@example.edu.cn")
        self.assertEqual(psql("SELECT to_regclass('feedback') IS NOT NULL")[0][0], "t")

    # --- refused by the gateway before the core ---------------------------------------------

    def test_malformed_json_is_400_and_stores_nothing(self):
        marker = uuid.uuid4().hex
        for body in ('{"category": 1, "content": "%s 内容"' % marker,     # unterminated
                     '{"category": 1, "content": "%s 内容",}' % marker,     # trailing comma
                     "{'category': 1, 'content': '%s 内容'}" % marker,      # single quotes
                     '["%s 内容"]' % marker):                               # not an object
            st, h, b = self.post(body)
            e = self.assertError(st, h, b, 400)
            self.assertIn("x-request-id", h)
            self.assertIsInstance(e.get("details", []), list)
        self.assertEqual(count_marked(marker), 0)

    def test_wrong_content_type_is_415_and_stores_nothing(self):
        marker = uuid.uuid4().hex
        body = json.dumps({"category": 1, "content": f"{marker} 内容内容"})
        for ct in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                   None):
            st, h, b = self.post(body, content_type=ct)
            e = self.assertError(st, h, b, 415)
            self.assertIn("application/json", e["message"])
        self.assertEqual(count_marked(marker), 0)
        # A charset parameter is still JSON.
        st, _, b = self.post(body, content_type="application/json; charset=utf-8")
        self.assertEqual(st, 200, b)
        self.assertEqual(count_marked(marker), 1)

    def test_unknown_field_is_400_naming_it(self):
        marker = uuid.uuid4().hex
        st, h, b = self.post({"category": 1, "content": f"{marker} 内容内容", "isAdmin": True})
        e = self.assertError(st, h, b, 400, "isAdmin")
        self.assertIn("isAdmin", e["message"])
        self.assertEqual(count_marked(marker), 0)

    def test_wrong_types_are_400_naming_the_field(self):
        for body, field in (({"category": "abc", "content": "内容内容内容"}, "category"),
                            ({"category": 99.5, "content": "内容内容内容"}, "category"),
                            ({"category": 1, "content": 123}, "content"),
                            ({"category": 1, "content": ["a"]}, "content"),
                            ({"category": 1, "content": "内容内容内容", "contact": {"x": 1}}, "contact")):
            st, h, b = self.post(body)
            self.assertError(st, h, b, 400, field)

    def test_invalid_utf8_is_400_naming_content(self):
        marker = uuid.uuid4().hex
        body = b'{"category": 1, "content": "' + marker.encode() + b' \xff\xfe bad"}'
        st, h, b = self.post(body)
        self.assertError(st, h, b, 400, "content")
        self.assertEqual(count_marked(marker), 0)

    # --- refused by the core's rules --------------------------------------------------------

    def test_empty_body_is_400_naming_content_and_category(self):
        for body in (b"", b"{}"):
            st, h, b = self.post(body)
            e = self.assertError(st, h, b, 400)
            fields = [f for f, _ in violations(e)]
            self.assertIn("content", fields)
            self.assertIn("category", fields)

    def test_too_short_is_400_with_the_message_on_content(self):
        marker = uuid.uuid4().hex[:4]
        st, h, b = self.post({"category": "FEEDBACK_CATEGORY_PROBLEM", "content": "  " + marker + "  "})
        e = self.assertError(st, h, b, 400, "content")
        self.assertEqual(e["message"], "反馈内容至少 5 个字")
        self.assertEqual(violations(e), [("content", "反馈内容至少 5 个字")])
        st, h, b = self.post({"category": 2, "content": "很好很好"}, headers={"Accept-Language": "en"})
        e = self.assertError(st, h, b, 400, "content")
        self.assertEqual(e["message"], "content must be at least 5 characters")

    def test_too_long_is_400_and_stores_nothing(self):
        marker = uuid.uuid4().hex
        content = marker + "长" * (2001 - len(marker))
        st, h, b = self.post({"category": 1, "content": content})
        e = self.assertError(st, h, b, 400, "content")
        self.assertIn("2000", e["message"])
        self.assertEqual(count_marked(marker), 0)

    def test_control_characters_and_bad_contact_are_400(self):
        st, h, b = self.post({"category": 1, "content": "hello\u0001world"})
        self.assertError(st, h, b, 400, "content")
        st, h, b = self.post({"category": 1, "content": "hello world", "contact": "not a contact"})
        e = self.assertError(st, h, b, 400, "contact")
        self.assertEqual(e["message"], "联系方式请填写邮箱或电话号码")
        st, h, b = self.post({"category": 1, "content": "hello world", "page": "p" * 201})
        self.assertError(st, h, b, 400, "page")

    def test_every_violation_is_listed(self):
        st, h, b = self.post({"content": "abc", "contact": "??"})
        e = self.assertError(st, h, b, 400)
        self.assertEqual([f for f, _ in violations(e)], ["category", "content", "contact"])
        self.assertEqual(e["message"], "请选择反馈类型（建议、问题、表扬或其他）")

    def test_get_is_405(self):
        st, h, b = harness.http("GET", self.url)
        self.assertEqual(st, 405, b)
        self.assertIn("POST", h["allow"])


class FeedbackIdempotencyTest(unittest.TestCase):
    """A retried submission (same Idempotency-Key, same body) is stored once and answered with
    the first receipt: the form resends after a lost reply."""

    def test_same_key_same_receipt_one_row(self):
        url = harness.env("EHALL_TEST_GATEWAY_URL") + PATH
        marker = uuid.uuid4().hex
        key = str(uuid.uuid4())
        body = json.dumps({"category": 1, "content": f"重复提交测试 {marker}"}, ensure_ascii=False)
        answers = []
        for _ in range(2):
            st, _, b = harness.http("POST", url, body=body, headers={
                "Content-Type": "application/json", "Idempotency-Key": key})
            self.assertEqual(st, 200, b)
            answers.append(json.loads(b))
        self.assertEqual(answers[0]["id"], answers[1]["id"])
        self.assertEqual(count_marked(marker), 1)
        # The key names that one submission: a changed form needs a new key (the page makes one).
        other = json.dumps({"category": 1, "content": f"改过的内容 {marker}"}, ensure_ascii=False)
        st, _, b = harness.http("POST", url, body=other, headers={
            "Content-Type": "application/json", "Idempotency-Key": key})
        self.assertEqual(st, 400, b)
        self.assertEqual(count_marked(marker), 1)


class FeedbackGrpcTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = harness.grpc_modules()
        cls.channel = grpc.insecure_channel(harness.env("EHALL_TEST_CORE_ADDR"))
        cls.stub = cls.m.feedback_pb2_grpc.FeedbackStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()

    def req(self, **kw):
        return self.m.feedback_pb2.SubmitFeedbackRequest(**kw)

    def test_submit_over_grpc(self):
        pb = self.m.feedback_pb2
        marker = uuid.uuid4().hex
        r = self.stub.SubmitFeedback(self.req(category=pb.FEEDBACK_CATEGORY_PROBLEM,
                                              content=f"预约页面打不开 {marker}",
                                              contact="zhang.san@example.edu.cn"),
                                     metadata=(("x-request-id", "it-fb-grpc-1"),), timeout=10)
        self.assertRegex(r.id, UUID_RE)
        self.assertGreater(r.create_time.seconds, 1_600_000_000)
        self.assertEqual(r.message, THANKS_ZH)
        row = stored(r.id)
        self.assertEqual(row["category"], 2)
        self.assertEqual(row["content"], f"预约页面打不开 {marker}")
        self.assertEqual(row["request_id"], "it-fb-grpc-1")

    def test_invalid_over_grpc_carries_bad_request_details(self):
        with self.assertRaises(grpc.RpcError) as cm:
            self.stub.SubmitFeedback(self.req(content="很好很好"), timeout=10)
        err = cm.exception
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(err.details(), "请选择反馈类型（建议、问题、表扬或其他）")
        st = harness.grpc_status_details(err)
        self.assertIsNotNone(st, "grpc-status-details-bin missing")
        self.assertEqual(st.code, 3)
        br = self.m.error_details_pb2.BadRequest()
        lm = self.m.error_details_pb2.LocalizedMessage()
        found_br = found_lm = False
        for d in st.details:
            if d.Is(br.DESCRIPTOR):
                d.Unpack(br)
                found_br = True
            elif d.Is(lm.DESCRIPTOR):
                d.Unpack(lm)
                found_lm = True
        self.assertTrue(found_br and found_lm, st)
        self.assertEqual([(v.field, v.description) for v in br.field_violations],
                         [("category", "请选择反馈类型（建议、问题、表扬或其他）"),
                          ("content", "反馈内容至少 5 个字")])
        self.assertEqual(lm.locale, "en")
        self.assertEqual(lm.message, "category is required: suggestion, problem, praise or other")

    def test_unknown_enum_number_over_grpc_is_invalid(self):
        # proto3 enums are open on the wire: only gRPC callers can send 7.
        with self.assertRaises(grpc.RpcError) as cm:
            self.stub.SubmitFeedback(self.req(category=7, content="hello world"),
                                     metadata=(("accept-language", "en"),), timeout=10)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(cm.exception.details(), "category is not a known feedback category")

    def test_invalid_utf8_over_grpc_is_invalid_argument(self):
        # Raw bytes: field 1 = 1, field 2 = "hello \xff world" (invalid UTF-8 in a string).
        raw = self.channel.unary_unary(SUBMIT, request_serializer=lambda x: x,
                                       response_deserializer=lambda x: x)
        content = b"hello \xff world"
        with self.assertRaises(grpc.RpcError) as cm:
            raw(b"\x08\x01\x12" + bytes([len(content)]) + content, timeout=10)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)


if __name__ == "__main__":
    unittest.main()
