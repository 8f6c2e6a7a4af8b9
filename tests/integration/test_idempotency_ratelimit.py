"""test_idempotency_ratelimit.py — the two gates of core/rpc as a gRPC client sees them:

- rate limits per client IP (GCRA in Redis): a private core with tight limits and a PRIVATE
  Redis (so its buckets never touch the shared stack's), RetryInfo in the error details,
  recovery after the delay, one budget per trusted forwarded address, a forged
  x-forwarded-for ignored, and calls passing while Redis is down;
- idempotency keys on SubmitFeedback: a replay returns the first answer byte for byte, a key
  reused for another body is refused, ten concurrent calls with one key store one row, a
  transient failure frees the key for a retry, expired and stale rows, the key's format.

Every server here is real (private core, private Redis, the shared PostgreSQL).
"""
import concurrent.futures
import hashlib
import os
import subprocess
import threading
import time
import unittest
import uuid

import grpc

import harness

GETINFO = "/ehall.system.v1.System/GetInfo"
SUBMIT = "/ehall.feedback.v1.Feedback/SubmitFeedback"
SECRET_MD = "x-ehall-gateway-secret"


def _retry_info(err):
    m = harness.grpc_modules()
    st = harness.grpc_status_details(err)
    for d in st.details if st else ():
        if d.type_url == "type.googleapis.com/google.rpc.RetryInfo":
            ri = m.error_details_pb2.RetryInfo()
            ri.ParseFromString(d.value)
            return ri
    return None


def _psql(sql):
    r = subprocess.run(["psql", harness.env("EHALL_TEST_PG_DSN"), "-qAtX", "-v", "ON_ERROR_STOP=1",
                        "-c", sql], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return r.stdout.strip()


class PrivateRedis:
    """A throw-away redis-server, so tight test limits never share buckets with the shared core."""

    def __init__(self):
        self.port = harness.free_port()
        self.dir = harness.tmpdir()
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not harness.wait_port(self.port, proc=self.proc):
            raise RuntimeError("redis-server did not start")

    def flush(self):
        subprocess.run(["redis-cli", "-p", str(self.port), "flushall"], check=True,
                       capture_output=True)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class RateLimitTest(unittest.TestCase):
    # 20 a minute: a call every 3 s, 3 at once. Slow enough that the burst is spent before any
    # of it refills, however slow the machine is.
    TIGHT = {"EHALL_CORE_RATELIMIT_READ_PER_MIN": "20", "EHALL_CORE_RATELIMIT_READ_BURST": "3"}

    @classmethod
    def setUpClass(cls):
        cls.m = harness.grpc_modules()
        cls.secret = os.environ.get("EHALL_TEST_GATEWAY_SECRET", "")
        cls.redis = PrivateRedis()
        env = dict(cls.TIGHT, EHALL_CORE_REDIS_PORT=str(cls.redis.port))
        if not cls.secret:  # a secret of our own when the stack gave none
            cls.secret = "it-secret-" + uuid.uuid4().hex
            env["EHALL_CORE_GATEWAY_SECRET"] = cls.secret
        cls.core = harness.start_core(env=env)
        cls.channel = grpc.insecure_channel(cls.core.addr)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.core.stop()
        cls.redis.stop()

    def setUp(self):
        self.redis.flush()

    def call(self, md=()):
        stub = self.m.system_pb2_grpc.SystemStub(self.channel)
        return stub.GetInfo(self.m.system_pb2.GetInfoRequest(), metadata=list(md), timeout=10)

    def forwarded(self, ip):
        return [("x-forwarded-for", ip), (SECRET_MD, self.secret)]

    def exhaust(self, md, limit=50):
        """Calls until one is throttled; returns (calls that passed, the error)."""
        for i in range(limit):
            try:
                self.call(md)
            except grpc.RpcError as e:
                return i, e
        self.fail("never throttled")

    def test_burst_then_throttled_with_retry_info_then_recovers(self):
        md = self.forwarded("203.0.113.10")
        for _ in range(3):
            self.call(md)
        with self.assertRaises(grpc.RpcError) as cm:
            self.call(md)
        e = cm.exception
        self.assertEqual(e.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertIn("请求过于频繁", e.details())
        ri = _retry_info(e)
        self.assertIsNotNone(ri, "RetryInfo missing from grpc-status-details-bin")
        delay = ri.retry_delay.seconds + ri.retry_delay.nanos / 1e9
        self.assertGreater(delay, 0)
        self.assertLessEqual(delay, 3.0)  # one emission interval at most
        st = harness.grpc_status_details(e)
        self.assertEqual(st.code, grpc.StatusCode.RESOURCE_EXHAUSTED.value[0])
        # English message on request.
        with self.assertRaises(grpc.RpcError) as cm:
            self.call(md + [("accept-language", "en")])
        self.assertIn("too many requests", cm.exception.details())
        # After the advertised delay the budget has one call again.
        delay = _retry_info(cm.exception).retry_delay
        time.sleep(delay.seconds + delay.nanos / 1e9 + 0.05)
        self.assertEqual(self.call(md).name, "网上办事大厅")

    def test_each_forwarded_ip_has_its_own_budget(self):
        n, e = self.exhaust(self.forwarded("203.0.113.20"))
        self.assertEqual(n, 3)
        self.assertEqual(e.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        # Another client behind the same gateway is not affected.
        for _ in range(3):
            self.call(self.forwarded("203.0.113.21"))
        # Nor are direct calls from the gateway's own address.
        self.call()

    def test_forged_forwarded_for_is_ignored(self):
        # Without the secret the peer address (127.0.0.1) is the client, whatever it claims.
        n, e = self.exhaust([("x-forwarded-for", "198.51.100.1")])
        self.assertEqual(n, 3)
        for ip in ("198.51.100.2", "198.51.100.3"):
            with self.assertRaises(grpc.RpcError) as cm:
                self.call([("x-forwarded-for", ip)])
            self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        # A wrong secret is no better.
        with self.assertRaises(grpc.RpcError) as cm:
            self.call([("x-forwarded-for", "198.51.100.4"), (SECRET_MD, "not-the-secret")])
        self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)

    def test_health_is_never_limited(self):
        self.exhaust([])
        stub = self.m.health_pb2_grpc.HealthStub(self.channel)
        for _ in range(10):
            r = stub.Check(self.m.health_pb2.HealthCheckRequest(), timeout=10)
            self.assertEqual(r.status, self.m.health_pb2.HealthCheckResponse.SERVING)

    def test_redis_restart_keeps_limits_working(self):
        # The script is cached by SHA; a fresh Redis has forgotten it (NOSCRIPT → EVAL).
        subprocess.run(["redis-cli", "-p", str(self.redis.port), "script", "flush"], check=True,
                       capture_output=True)
        n, e = self.exhaust(self.forwarded("203.0.113.30"))
        self.assertEqual(n, 3)


class RateLimitRedisDownTest(unittest.TestCase):
    def test_calls_pass_while_redis_is_down(self):
        m = harness.grpc_modules()
        closed = harness.free_port()  # nothing listens there
        core = harness.start_core(env={"EHALL_CORE_REDIS_PORT": str(closed),
                                       "EHALL_CORE_RATELIMIT_READ_PER_MIN": "1",
                                       "EHALL_CORE_RATELIMIT_READ_BURST": "1"})
        try:
            with grpc.insecure_channel(core.addr) as ch:
                stub = m.system_pb2_grpc.SystemStub(ch)
                for _ in range(5):
                    info = stub.GetInfo(m.system_pb2.GetInfoRequest(), timeout=10)
                    self.assertEqual(info.name, "网上办事大厅")
        finally:
            core.stop()
        log = core.log()
        # Warned once for the outage, not once per call.
        self.assertEqual(log.count("rate limits are off"), 1, log)


def _feedback_modules():
    harness.grpc_modules()  # generates every proto of ours and puts them on sys.path
    import importlib
    return importlib.import_module("ehall.feedback.v1.feedback_pb2")


class IdempotencyTest(unittest.TestCase):
    """Against a private core with rate limits off, so these writes never spend the shared
    stack's write budget."""

    @classmethod
    def setUpClass(cls):
        cls.fb = _feedback_modules()
        cls.core = harness.start_core(env={"EHALL_CORE_RATELIMIT_ENABLED": "false"})
        cls.channel = grpc.insecure_channel(cls.core.addr)
        cls.submit_raw = cls.channel.unary_unary(SUBMIT, request_serializer=lambda b: b,
                                                 response_deserializer=lambda b: b)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.core.stop()

    def request(self, marker=None, **kw):
        marker = marker or uuid.uuid4().hex
        r = self.fb.SubmitFeedbackRequest(category=kw.get("category", 1),
                                          content=kw.get("content", "幂等测试 " + marker),
                                          page=kw.get("page", "/it"))
        return r, marker

    def submit(self, req, key=None, timeout=10):
        md = [("idempotency-key", key)] if key is not None else []
        raw = self.submit_raw(req.SerializeToString(), metadata=md, timeout=timeout)
        rec = self.fb.FeedbackReceipt()
        rec.ParseFromString(raw)
        return rec, raw

    def rows(self, marker):
        return int(_psql(f"SELECT count(*) FROM feedback WHERE content LIKE '%{marker}'"))

    def key_rows(self, key):
        return _psql(f"SELECT state || ':' || coalesce(grpc_code::text, '-') FROM idempotency_keys "
                     f"WHERE key = '{key}'")

    def test_replay_returns_the_first_answer(self):
        req, marker = self.request()
        key = "it-" + uuid.uuid4().hex
        first, raw1 = self.submit(req, key)
        self.assertTrue(first.id)
        again, raw2 = self.submit(req, key)
        self.assertEqual(again.id, first.id)
        self.assertEqual(raw2, raw1)  # byte for byte, timestamps included
        self.assertEqual(self.rows(marker), 1)
        self.assertEqual(self.key_rows(key), "1:0")

    def test_without_a_key_every_call_runs(self):
        req, marker = self.request()
        a, _ = self.submit(req)
        b, _ = self.submit(req)
        self.assertNotEqual(a.id, b.id)
        self.assertEqual(self.rows(marker), 2)

    def test_same_key_other_body_is_refused(self):
        req, marker = self.request()
        key = "it-" + uuid.uuid4().hex
        self.submit(req, key)
        other, marker2 = self.request()
        with self.assertRaises(grpc.RpcError) as cm:
            self.submit(other, key)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("该幂等键已用于另一个请求", cm.exception.details())
        self.assertEqual(self.rows(marker2), 0)
        # The same key on another method, or from another caller, would be another key: the
        # first answer is still there for its own body.
        self.assertEqual(self.rows(marker), 1)

    def test_key_format(self):
        req, marker = self.request()
        for bad in ("with space", "x" * 129, "a+b", "a/b", "k=v"):
            with self.assertRaises(grpc.RpcError) as cm:
                self.submit(req, bad)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT, bad)
            self.assertIn("幂等键格式不正确", cm.exception.details())
        self.assertEqual(self.rows(marker), 0)
        longest = "A-z_0.9:" + uuid.uuid4().hex + "x" * 88  # 128 chars, every allowed sign
        ok, _ = self.submit(req, longest)
        self.assertTrue(ok.id)

    def test_concurrent_calls_with_one_key_store_one_row(self):
        req, marker = self.request()
        key = "it-" + uuid.uuid4().hex
        start = threading.Barrier(10)

        def one(_):
            start.wait()
            try:
                return ("ok", self.submit(req, key)[1])
            except grpc.RpcError as e:
                return ("err", (e.code(), e.details()))

        with concurrent.futures.ThreadPoolExecutor(10) as ex:
            results = list(ex.map(one, range(10)))
        oks = [v for k, v in results if k == "ok"]
        errs = [v for k, v in results if k == "err"]
        self.assertGreaterEqual(len(oks), 1)
        self.assertEqual(len(set(oks)), 1, "replays differ from the first answer")
        for code, details in errs:
            self.assertEqual(code, grpc.StatusCode.ABORTED)
            self.assertIn("相同的请求正在处理", details)
        self.assertEqual(self.rows(marker), 1)
        # Once done, everyone gets the same answer.
        self.assertEqual(self.submit(req, key)[1], oks[0])

    def test_final_errors_are_replayed(self):
        bad, marker = self.request(content="短")  # too short: INVALID, a final answer
        key = "it-" + uuid.uuid4().hex
        with self.assertRaises(grpc.RpcError) as cm:
            self.submit(bad, key)
        e1 = cm.exception
        self.assertEqual(e1.code(), grpc.StatusCode.INVALID_ARGUMENT)
        with self.assertRaises(grpc.RpcError) as cm:
            self.submit(bad, key)
        e2 = cm.exception
        self.assertEqual(e2.code(), e1.code())
        self.assertEqual(e2.details(), e1.details())
        self.assertEqual(harness.grpc_status_details(e2), harness.grpc_status_details(e1))
        self.assertEqual(self.key_rows(key), "1:3")

    def test_transient_failure_frees_the_key(self):
        req, marker = self.request()
        key = "it-" + uuid.uuid4().hex
        # Hold a lock on feedback so the handler's INSERT waits past the call's deadline.
        locker = subprocess.Popen(["psql", harness.env("EHALL_TEST_PG_DSN"), "-qAtX"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            locker.stdin.write("BEGIN; LOCK TABLE feedback IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n")
            locker.stdin.flush()
            self.assertEqual(locker.stdout.readline().strip(), "locked")
            with self.assertRaises(grpc.RpcError) as cm:
                self.submit(req, key, timeout=1.5)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
            # The core's statement is cancelled at the deadline too: the handler answers
            # DEADLINE, a transient failure, and the claim is dropped (while the lock is held,
            # so the INSERT cannot have gone through).
            self.assertTrue(harness.wait_for(lambda: self.key_rows(key) == "", timeout=20),
                            self.key_rows(key))
        finally:
            locker.stdin.write("ROLLBACK;\n")
            locker.stdin.close()
            locker.wait(10)
            locker.stdout.close()
        self.assertEqual(self.rows(marker), 0)
        # The same key now runs afresh.
        rec, _ = self.submit(req, key)
        self.assertTrue(rec.id)
        self.assertEqual(self.rows(marker), 1)
        self.assertEqual(self.key_rows(key), "1:0")

    def _insert_key(self, key, req, state, age, other_hash=False):
        body = req.SerializeToString() + (b"x" if other_hash else b"")
        h = hashlib.sha256(body).hexdigest()
        code = "0" if state == 1 else "NULL"
        resp = "'\\x00'::bytea" if state == 1 else "NULL"
        _psql("INSERT INTO idempotency_keys (scope, method, key, request_hash, state, grpc_code, "
              f"response, created_at) VALUES ('anon:127.0.0.1', '{SUBMIT}', '{key}', "
              f"decode('{h}', 'hex'), {state}, {code}, {resp}, now() - interval '{age}')")

    def test_expired_key_is_a_new_key(self):
        req, marker = self.request()
        key = "it-" + uuid.uuid4().hex
        self._insert_key(key, req, 1, "25 hours", other_hash=True)
        rec, _ = self.submit(req, key)  # neither a mismatch nor the old answer
        self.assertTrue(rec.id)
        self.assertEqual(self.rows(marker), 1)

    def test_pending_claim_answers_in_progress_until_stale(self):
        req, marker = self.request()
        fresh = "it-" + uuid.uuid4().hex
        self._insert_key(fresh, req, 0, "1 second")
        with self.assertRaises(grpc.RpcError) as cm:
            self.submit(req, fresh)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.ABORTED)
        self.assertEqual(self.rows(marker), 0)
        stale = "it-" + uuid.uuid4().hex
        self._insert_key(stale, req, 0, "2 minutes")  # its owner died long ago
        rec, _ = self.submit(req, stale)
        self.assertTrue(rec.id)
        self.assertEqual(self.key_rows(stale), "1:0")

    def test_sweeper_deletes_expired_keys(self):
        req, _ = self.request()
        key = "it-" + uuid.uuid4().hex
        self._insert_key(key, req, 1, "2 days")
        core = harness.start_core(env={"EHALL_CORE_IDEMPOTENCY_SWEEP_MS": "200",
                                       "EHALL_CORE_RATELIMIT_ENABLED": "false"})
        try:
            self.assertTrue(harness.wait_for(lambda: self.key_rows(key) == "", timeout=20))
        finally:
            core.stop()


if __name__ == "__main__":
    unittest.main()
