"""test_gateway_http.py — ehall-gateway as an HTTP client sees it: the JSON ⇄ gRPC route to the
real core, the error shape, the limits (body, headers, duplicate Content-Length, slow clients),
/healthz from the gateway's health Watch stream (a live, a stopped, a killed and a restarted
core, a core whose PostgreSQL stops), /metrics, /openapi.json, static files with the SPA
fallback, CORS, keep-alive, HTTP/2 over cleartext (prior knowledge and Upgrade: h2c, with
Debian's python3-h2) and graceful SIGTERM.

Private gateways (from harness) are used where a test needs its own settings or counts its own
requests; they talk to the shared core. Malformed requests go over raw sockets.
"""
import json
import os
import re
import signal
import socket
import time
import unittest
import urllib.parse

import h2.config
import h2.connection
import h2.events

import harness

INFO = "/api/v1/system/info"


def _raw(url, data, timeout=5.0):
    """Sends raw bytes, reads until the server closes or `timeout`; returns (bytes, closed)."""
    u = urllib.parse.urlsplit(url)
    s = socket.create_connection((u.hostname, u.port), timeout=timeout)
    s.settimeout(timeout)
    out, closed = b"", False
    try:
        s.sendall(data)
        while True:
            d = s.recv(65536)
            if not d:
                closed = True
                break
            out += d
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    finally:
        s.close()
    return out, closed


def _status(raw):
    m = re.match(rb"HTTP/1\.1 (\d{3})", raw)
    return int(m.group(1)) if m else None


def _body(raw):
    return raw.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in raw else b""


def _chunked(body, size=256):
    out = b""
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += b"%x\r\n%s\r\n" % (len(piece), piece)
    return out + b"0\r\n\r\n"


def _h2_read(sock, conn, stream_id=1, initial=b""):
    """Reads one HTTP/2 response: (status or None, headers, body, reset error code or None)."""
    status, headers, body = None, {}, b""
    data = initial
    while True:
        for ev in conn.receive_data(data) if data else []:
            if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == stream_id:
                headers = dict(ev.headers)
                status = int(headers[":status"])
            elif isinstance(ev, h2.events.DataReceived) and ev.stream_id == stream_id:
                body += ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, stream_id)
            elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id == stream_id:
                return status, headers, body, None
            elif isinstance(ev, h2.events.StreamReset) and ev.stream_id == stream_id:
                return status, headers, body, ev.error_code
            elif isinstance(ev, h2.events.ConnectionTerminated):
                return status, headers, body, ev.error_code
        out = conn.data_to_send()
        if out:
            sock.sendall(out)
        data = sock.recv(65536)
        if not data:
            return status, headers, body, "closed"


def _h2(url, method, path, body=None, headers=()):
    """One request over HTTP/2 with prior knowledge (no TLS, no Upgrade)."""
    u = urllib.parse.urlsplit(url)
    sock = socket.create_connection((u.hostname, u.port), timeout=5)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True,
                                                                header_encoding="utf-8"))
    conn.initiate_connection()
    conn.send_headers(1, [(":method", method), (":path", path), (":scheme", "http"),
                          (":authority", "x")] + list(headers), end_stream=body is None)
    sock.sendall(conn.data_to_send())
    if body is not None:
        sent = 0
        while sent < len(body):  # stays inside the initial 64 KiB flow-control window
            n = min(conn.local_flow_control_window(1), conn.max_outbound_frame_size, len(body) - sent)
            if n <= 0:
                break
            conn.send_data(1, body[sent:sent + n])
            sent += n
        if sent == len(body):
            conn.end_stream(1)
        sock.sendall(conn.data_to_send())
    try:
        return _h2_read(sock, conn)
    finally:
        sock.close()


def _healthz(gw):
    """(status, JSON body) of GET /healthz, or (None, None) if the gateway did not answer."""
    try:
        st, _, b = harness.http("GET", gw.url + "/healthz", timeout=3)
        return st, json.loads(b)
    except (OSError, ValueError):
        return None, None


def _series(gw):
    """The gateway's /metrics as {series: value}."""
    st, _, b = harness.http("GET", gw.url + "/metrics")
    assert st == 200, st
    out = {}
    for line in b.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


class GatewayHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.core_addr = harness.env("EHALL_TEST_CORE_ADDR")
        cls.static = harness.tmpdir()
        os.makedirs(os.path.join(cls.static, "assets"))
        with open(os.path.join(cls.static, "index.html"), "w") as f:
            f.write("<!doctype html><title>ehall</title><div id=app></div>")
        with open(os.path.join(cls.static, "assets", "index-3f2a.js"), "w") as f:
            f.write("console.log('ehall')")
        cls.secret_file = os.path.join(cls.static, "..", "not-served.txt")
        with open(cls.secret_file, "w") as f:
            f.write("SECRET-OUTSIDE-ROOT")
        cls.gw = harness.start_gateway(cls.core_addr, env={
            "EHALL_GATEWAY_STATIC_DIR": cls.static,
            "EHALL_GATEWAY_CORS_ORIGINS": "http://allowed.example, http://other.example",
            "EHALL_GATEWAY_TIMEOUT_HEADER_MS": "600",
        })
        cls.down = harness.start_gateway(f"127.0.0.1:{harness.free_port()}")
        # Small limits, so the edges can be tested exactly and quickly.
        cls.small = harness.start_gateway(cls.core_addr, env={
            "EHALL_GATEWAY_BODY_MAX_BYTES": "1024",
            "EHALL_GATEWAY_TIMEOUT_HEADER_MS": "600",
            "EHALL_GATEWAY_TIMEOUT_BODY_MS": "800",
        })
        # /healthz is 503 until the gateway's Watch stream has its first answer (a few ms).
        for gw in (cls.gw, cls.small):
            if not harness.wait_for(lambda: _healthz(gw)[0] == 200, timeout=10):
                raise RuntimeError("gateway never reported the core healthy:\n" + gw.log())

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()
        cls.down.stop()
        cls.small.stop()

    def get(self, path, headers=None, gw=None):
        return harness.http("GET", (gw or self.gw).url + path, headers=headers)

    def assertErrorShape(self, body, code):
        e = json.loads(body)
        self.assertEqual(e["code"], code, e)
        self.assertIsInstance(e["message"], str)
        self.assertTrue(e["message"])
        self.assertIsInstance(e.get("details", []), list)
        return e

    # --- the route to the core -------------------------------------------------------------

    def test_system_info_through_shared_and_private_gateway(self):
        urls = [self.gw.url]
        if os.environ.get("EHALL_TEST_GATEWAY_URL"):
            urls.append(os.environ["EHALL_TEST_GATEWAY_URL"])
        for url in urls:
            st, h, b = harness.http("GET", url + INFO, headers={"X-Request-Id": "it-gw-info.1"})
            self.assertEqual(st, 200, b)
            self.assertEqual(h["content-type"], "application/json; charset=utf-8")
            self.assertEqual(h["x-request-id"], "it-gw-info.1")
            info = json.loads(b)
            self.assertIn("nameEn", info)
            self.assertIsInstance(info["schemaVersion"], str)  # int64 → string in proto3 JSON
            self.assertTrue(info["schemaVersion"].isdigit())

    def test_request_id_generated_when_missing_or_invalid(self):
        for hdr in ({}, {"X-Request-Id": "bad id with spaces"}, {"X-Request-Id": "x" * 65}):
            st, h, _ = self.get(INFO, headers=hdr)
            self.assertEqual(st, 200)
            rid = h["x-request-id"]
            self.assertRegex(rid, r"^[A-Za-z0-9._-]{1,64}$")
            self.assertNotEqual(rid, hdr.get("X-Request-Id"))

    def test_english_errors_follow_accept_language(self):
        st, _, b = self.get("/api/v1/nope", headers={"Accept-Language": "en-US,en;q=0.9"})
        self.assertEqual(st, 404)
        self.assertEqual(json.loads(b)["message"], "no such endpoint")

    def test_method_not_allowed(self):
        st, h, b = harness.http("POST", self.gw.url + INFO, body="{}",
                                headers={"Content-Type": "application/json"})
        self.assertEqual(st, 405)
        self.assertIn("GET", [m.strip() for m in h["allow"].split(",")])
        self.assertErrorShape(b, 12)

    def test_unknown_api_path_is_404_json(self):
        st, h, b = self.get("/api/v1/nope")
        self.assertEqual(st, 404)
        self.assertEqual(h["content-type"], "application/json; charset=utf-8")
        e = self.assertErrorShape(b, 5)
        self.assertEqual(e["message"], "未找到该接口")

    def test_unknown_query_parameter_is_400_naming_it(self):
        st, _, b = self.get(INFO + "?bogus_param=1")
        self.assertEqual(st, 400)
        e = self.assertErrorShape(b, 3)
        self.assertIn("bogus_param", e["message"])
        fields = [v["field"] for d in e["details"] if d["@type"].endswith("google.rpc.BadRequest")
                  for v in d["fieldViolations"]]
        self.assertEqual(fields, ["bogus_param"])

    def test_broken_query_escape_is_400(self):
        st, _, b = self.get(INFO + "?a=%zz")
        self.assertEqual(st, 400)
        self.assertErrorShape(b, 3)

    # The body paths of a POST route with body "*" (malformed JSON → 400, wrong Content-Type →
    # 415, unknown field / wrong type → 400 naming it) are tested on the first such route, in
    # test_feedback.py.

    def test_core_down_maps_to_503_code_14(self):
        st, h, b = self.get(INFO, gw=self.down)
        self.assertEqual(st, 503)
        self.assertEqual(h["content-type"], "application/json; charset=utf-8")
        self.assertIn("x-request-id", h)
        self.assertErrorShape(b, 14)

    # --- limits ----------------------------------------------------------------------------

    def test_oversized_body_is_413_json_before_the_body_is_read(self):
        # Content-Length over the limit: refused from the header alone (no body sent at all).
        raw, closed = _raw(self.gw.url, (
            "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "X-Request-Id: it-413.1\r\nContent-Length: %d\r\n\r\n" % (INFO, 2 * 1024 * 1024)).encode())
        self.assertEqual(_status(raw), 413, raw[:200])
        self.assertIn(b"content-type: application/json; charset=utf-8", raw.lower())
        self.assertIn(b"x-request-id: it-413.1", raw.lower())
        e = self.assertErrorShape(_body(raw), 8)
        self.assertEqual(e["message"], "请求体过大（上限 1 MiB）")
        self.assertIn({"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en",
                       "message": "the request body is too large (limit 1 MiB)"}, e["details"])
        self.assertTrue(closed)

    def _post_raw(self, gw, body, chunked, extra=""):
        head = "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s" % (INFO, extra)
        if chunked:
            data = (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + _chunked(body)
        else:
            data = (head + "Content-Length: %d\r\n\r\n" % len(body)).encode() + body
        return _raw(gw.url, data)

    def test_body_limit_is_exact_for_content_length_and_chunked(self):
        # body.max_bytes=1024: 1024 bytes pass the limit (the GET-only route then answers 405),
        # 1025 are refused with the same JSON 413, with a Content-Length or chunked.
        for chunked in (False, True):
            raw, _ = self._post_raw(self.small, b"a" * 1024, chunked, "Connection: close\r\n")
            self.assertEqual(_status(raw), 405, (chunked, raw[:200]))
            raw, closed = self._post_raw(self.small, b"a" * 1025, chunked, "Accept-Language: en\r\n")
            self.assertEqual(_status(raw), 413, (chunked, raw[:200]))
            e = self.assertErrorShape(_body(raw), 8)
            self.assertEqual(e["message"], "the request body is too large (limit 1 KiB)")
            self.assertTrue(closed, chunked)

    def test_chunked_body_far_over_the_limit_is_413_json(self):
        raw, closed = self._post_raw(self.small, b"a" * 64 * 1024, True)
        self.assertEqual(_status(raw), 413, raw[:200])
        self.assertErrorShape(_body(raw), 8)
        self.assertTrue(closed)

    def test_broken_chunked_body_is_400_json(self):
        raw, closed = _raw(self.gw.url, (
            "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n" % INFO).encode())
        self.assertEqual(_status(raw), 400, raw[:200])
        self.assertErrorShape(_body(raw), 3)
        self.assertTrue(closed)

    def test_slow_body_is_408_json_and_closed(self):
        # The head arrives at once, then the body trickles: timeout.body_ms=800 must end it with
        # a JSON 408 (h2o alone would wait for its whole-request timer and close silently).
        u = urllib.parse.urlsplit(self.small.url)
        s = socket.create_connection((u.hostname, u.port), timeout=10)
        s.settimeout(10)
        s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   "Content-Length: 100\r\n\r\n{" % INFO).encode())
        out, closed = b"", False
        try:
            for _ in range(40):  # one byte every 100 ms: never finishes within 800 ms
                time.sleep(0.1)
                try:
                    s.sendall(b" ")
                except (BrokenPipeError, ConnectionResetError):
                    break
            while True:
                d = s.recv(65536)
                if not d:
                    closed = True
                    break
                out += d
        except ConnectionResetError:
            closed = True
        except socket.timeout:
            pass
        finally:
            s.close()
        self.assertEqual(_status(out), 408, out[:300])
        self.assertErrorShape(_body(out), 4)
        self.assertTrue(closed)

    def test_slow_head_is_closed_by_header_timeout_not_body_timeout(self):
        # header_ms=600 < body_ms=800 on this gateway; a head that never ends is closed, silently.
        raw, closed = _raw(self.small.url, b"POST / HTTP/1.1\r\nHost: x\r\nX-Slow: 1", timeout=10)
        self.assertTrue(closed)
        self.assertEqual(raw, b"")

    def test_huge_header_block_is_431(self):
        raw, closed = _raw(self.gw.url, ("GET %s HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n"
                                         % (INFO, "a" * 100 * 1024)).encode())
        self.assertEqual(_status(raw), 431, raw[:200])
        self.assertErrorShape(_body(raw), 3)
        self.assertTrue(closed)

    def test_duplicate_content_length_is_400_and_closes(self):
        raw, closed = _raw(self.gw.url, (
            "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 2\r\nContent-Length: 7\r\n\r\n{}GET / " % INFO).encode())
        self.assertEqual(_status(raw), 400, raw[:300])
        self.assertTrue(closed)
        self.assertEqual(raw.count(b"HTTP/1.1 "), 1)  # the smuggled bytes were not served

    def test_slowloris_is_closed(self):
        # A partial header that never ends: the gateway (timeout.header_ms=600) must close it.
        raw, closed = _raw(self.gw.url, b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1", timeout=10)
        self.assertTrue(closed, "connection left open past the header timeout")
        self.assertNotEqual(_status(raw), 200)

    def test_keep_alive_two_requests_one_connection(self):
        raw, _ = _raw(self.gw.url, (
            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET %s HTTP/1.1\r\nHost: x\r\n"
            "Connection: close\r\n\r\n" % INFO).encode())
        self.assertEqual(raw.count(b"HTTP/1.1 200 OK"), 2, raw[:500])

    # --- HTTP/2 over cleartext (h2o's defaults: prior knowledge and Upgrade: h2c) -----------

    def test_h2c_prior_knowledge(self):
        st, h, b, reset = _h2(self.gw.url, "GET", INFO, headers=[("x-request-id", "it-h2.1")])
        self.assertIsNone(reset)
        self.assertEqual(st, 200, b)
        self.assertEqual(h["content-type"], "application/json; charset=utf-8")
        self.assertEqual(h["x-request-id"], "it-h2.1")
        self.assertIn("nameEn", json.loads(b))
        st, h, b, _ = _h2(self.gw.url, "GET", "/api/v1/nope")
        self.assertEqual(st, 404)
        self.assertErrorShape(b, 5)

    def test_h2c_upgrade(self):
        u = urllib.parse.urlsplit(self.gw.url)
        sock = socket.create_connection((u.hostname, u.port), timeout=5)
        try:
            conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True,
                                                                        header_encoding="utf-8"))
            settings = conn.initiate_upgrade_connection()
            sock.sendall(("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                          "Upgrade: h2c\r\nHTTP2-Settings: %s\r\n\r\n" % settings.decode()).encode())
            buf = b""
            while b"\r\n\r\n" not in buf:
                d = sock.recv(65536)
                self.assertTrue(d, buf)
                buf += d
            head, rest = buf.split(b"\r\n\r\n", 1)
            self.assertTrue(head.startswith(b"HTTP/1.1 101 "), head)
            sock.sendall(conn.data_to_send())
            st, h, b, reset = _h2_read(sock, conn, 1, rest)
        finally:
            sock.close()
        self.assertIsNone(reset)
        self.assertEqual(st, 200, b)
        self.assertEqual(json.loads(b), {"status": "SERVING"})

    def test_h2c_body_limit(self):
        # One byte over reaches the handler and gets the JSON 413; a body far over is refused by
        # h2o itself with RST_STREAM (REFUSED_STREAM = 7), before any handler sees it.
        ct = [("content-type", "application/json"), ("accept-language", "en")]
        st, _, b, reset = _h2(self.small.url, "POST", INFO, b"a" * 1025, ct)
        self.assertEqual(st, 413, b)
        self.assertErrorShape(b, 8)
        st, _, _, reset = _h2(self.small.url, "POST", INFO, b"a" * 1024, ct)
        self.assertEqual(st, 405)
        st, _, _, reset = _h2(self.small.url, "POST", INFO, b"a" * 4096, ct)
        self.assertIsNone(st)
        self.assertEqual(reset, 7)

    # --- built-in endpoints ----------------------------------------------------------------

    def test_healthz_serving_and_not_serving(self):
        gws = [self.gw]
        if os.environ.get("EHALL_TEST_GATEWAY_URL"):  # the shared stack's gateway
            shared = type("G", (), {"url": os.environ["EHALL_TEST_GATEWAY_URL"]})
            gws.append(shared)
        for gw in gws:
            st, h, b = harness.http("GET", gw.url + "/healthz")
            self.assertEqual(st, 200, b)
            self.assertEqual(h["content-type"], "application/json; charset=utf-8")
            self.assertEqual(json.loads(b), {"status": "SERVING"})
            self.assertEqual(_series(gw)["ehall_core_serving"], 1)
        # A gateway whose core address is a closed port never gets an answer: 503.
        st, h, b = self.get("/healthz", gw=self.down)
        self.assertEqual(st, 503)
        self.assertEqual(h["content-type"], "application/json; charset=utf-8")
        self.assertEqual(json.loads(b), {"status": "NOT_SERVING"})
        m = _series(self.down)
        self.assertEqual(m["ehall_core_serving"], 0)
        self.assertIn("ehall_core_watch_reconnects_total", m)

    def test_healthz_is_not_a_grpc_call(self):
        # Answered from the Watch stream's state: 20 probes add no gRPC error on a gateway whose
        # core is unreachable (every call there would fail with UNAVAILABLE and be counted).
        before = _series(self.down).get('ehall_grpc_errors_total{code="14"}', 0)
        for _ in range(20):
            self.assertEqual(self.get("/healthz", gw=self.down)[0], 503)
        self.assertEqual(_series(self.down).get('ehall_grpc_errors_total{code="14"}', 0), before)

    def test_healthz_follows_core_stop_kill_and_restart(self):
        core = harness.start_core()
        gw = harness.start_gateway(core.addr)
        try:
            self.assertTrue(harness.wait_for(lambda: _healthz(gw)[0] == 200, timeout=10), gw.log())
            # SIGTERM: the draining core pushes NOT_SERVING on the stream, then ends it.
            core.proc.send_signal(signal.SIGTERM)
            self.assertTrue(harness.wait_for(lambda: _healthz(gw) == (503, {"status": "NOT_SERVING"}),
                                             timeout=3, step=0.05), gw.log())
            core.stop()
            # A new core on the same port: the stream is re-opened (backoff ≤ 2 s).
            addr, port = core.addr, core.port
            core = harness.start_core(env={"EHALL_CORE_LISTEN": addr}, wait=False)
            self.assertTrue(harness.wait_port(port, proc=core.proc), core.log())
            self.assertTrue(harness.wait_for(lambda: _healthz(gw)[0] == 200, timeout=15), gw.log())
            self.assertGreaterEqual(_series(gw)["ehall_core_watch_reconnects_total"], 1)
            # SIGKILL: no goodbye from the core; the TCP reset fails the stream at once (the
            # bound is well below keepalive's 10 s + 5 s, the only other way to notice).
            core.proc.kill()
            self.assertTrue(harness.wait_for(lambda: _healthz(gw)[0] == 503, timeout=4, step=0.05),
                            gw.log())
            self.assertEqual(_series(gw)["ehall_core_serving"], 0)
            # The gateway still stops cleanly and promptly with its Watch stream broken.
            self.assertEqual(gw.stop(signal.SIGTERM), 0, gw.log())
            self.assertIn("stopped", gw.log())
        finally:
            gw.stop()
            core.stop()

    def test_healthz_follows_the_cores_postgresql(self):
        pg = harness.start_postgres()
        core = gw = None
        try:
            rc, out = harness.run_core(["migrate"], pg_dsn=pg.dsn)
            self.assertEqual(rc, 0, out)
            core = harness.start_core(pg_dsn=pg.dsn)
            gw = harness.start_gateway(core.addr)
            self.assertTrue(harness.wait_for(lambda: _healthz(gw)[0] == 200, timeout=10), gw.log())
            reconnects = _series(gw)["ehall_core_watch_reconnects_total"]
            pg.stop()
            # The core's health thread notices within a second or two and pushes NOT_SERVING.
            self.assertTrue(harness.wait_for(lambda: _healthz(gw) == (503, {"status": "NOT_SERVING"}),
                                             timeout=10, step=0.05), core.log())
            m = _series(gw)
            self.assertEqual(m["ehall_core_serving"], 0)
            # Pushed on the open stream, not learnt by re-opening it.
            self.assertEqual(m["ehall_core_watch_reconnects_total"], reconnects)
            pg.start()
            self.assertTrue(harness.wait_for(lambda: _healthz(gw)[0] == 200, timeout=15), core.log())
            self.assertEqual(_series(gw)["ehall_core_serving"], 1)
        finally:
            if gw:
                gw.stop()
            if core:
                core.stop()
            pg.stop()

    def test_metrics_count_requests(self):
        gw = harness.start_gateway(self.core_addr)
        try:
            for _ in range(3):
                self.assertEqual(self.get(INFO, gw=gw)[0], 200)
            self.assertEqual(self.get("/api/v1/nope", gw=gw)[0], 404)
            st, h, b = self.get("/metrics", gw=gw)
            self.assertEqual(st, 200)
            self.assertTrue(h["content-type"].startswith("text/plain; version=0.0.4"))
            text = b.decode()
            series = {}
            for line in text.splitlines():
                if line and not line.startswith("#"):
                    name, value = line.rsplit(" ", 1)
                    series[name] = float(value)
            self.assertEqual(series['ehall_http_requests_total{route="/api/v1/system/info",method="GET",status="200"}'], 3)
            self.assertEqual(series['ehall_http_requests_total{route="none",method="GET",status="404"}'], 1)
            self.assertEqual(series['ehall_http_request_duration_seconds_count{route="/api/v1/system/info"}'], 3)
            self.assertEqual(series['ehall_http_request_duration_seconds_bucket{route="/api/v1/system/info",le="+Inf"}'], 3)
            self.assertIn("ehall_http_in_flight", series)
            self.assertNotIn("nope", text)  # never a raw path as a label
        finally:
            gw.stop()

    def test_grpc_errors_are_counted(self):
        self.get(INFO, gw=self.down)
        st, _, b = self.get("/metrics", gw=self.down)
        self.assertRegex(b.decode(), r'ehall_grpc_errors_total\{code="14"\} [1-9]')

    def test_openapi_lists_the_route(self):
        st, h, b = self.get("/openapi.json")
        self.assertEqual(st, 200)
        doc = json.loads(b)
        self.assertIn(INFO, doc["paths"])
        self.assertIn("get", doc["paths"][INFO])

    # --- static files ----------------------------------------------------------------------

    def test_static_index_assets_and_spa_fallback(self):
        st, h, b = self.get("/")
        self.assertEqual(st, 200)
        self.assertEqual(h["content-type"], "text/html; charset=utf-8")
        self.assertEqual(h["cache-control"], "no-cache")
        self.assertIn("content-security-policy", h)
        self.assertIn(b"<div id=app>", b)
        st, h, b = self.get("/pages/service/detail")
        self.assertEqual(st, 200)
        self.assertIn(b"<div id=app>", b)
        st, h, b = self.get("/assets/index-3f2a.js")
        self.assertEqual(st, 200)
        self.assertTrue(h["content-type"].startswith("text/javascript"))
        self.assertEqual(h["cache-control"], "public, max-age=31536000, immutable")
        st, h, b = self.get("/assets/missing-1234.js")
        self.assertEqual(st, 404)

    def test_path_traversal_refused(self):
        for p in ("/../not-served.txt", "/assets/../../not-served.txt", "/%2e%2e/not-served.txt",
                  "/assets/%2e%2e%2f%2e%2e%2fnot-served.txt", "/..%5cnot-served.txt"):
            raw, _ = _raw(self.gw.url, ("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                        % p).encode())
            self.assertNotIn(b"SECRET-OUTSIDE-ROOT", raw, p)
            self.assertNotEqual(_status(raw), 200, p)

    def test_security_headers_everywhere(self):
        for path in ("/", INFO, "/api/v1/nope", "/metrics"):
            st, h, _ = self.get(path)
            self.assertEqual(h["x-content-type-options"], "nosniff", path)
            self.assertEqual(h["referrer-policy"], "same-origin", path)
            self.assertEqual(h["x-frame-options"], "DENY", path)

    # --- CORS ------------------------------------------------------------------------------

    def test_cors_preflight_allowed_and_refused(self):
        pre = {"Origin": "http://allowed.example", "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "authorization, content-type"}
        st, h, _ = harness.http("OPTIONS", self.gw.url + INFO, headers=pre)
        self.assertEqual(st, 204)
        self.assertEqual(h["access-control-allow-origin"], "http://allowed.example")
        self.assertIn("POST", h["access-control-allow-methods"])
        for name in ("authorization", "content-type", "x-request-id", "idempotency-key",
                     "accept-language"):
            self.assertIn(name, h["access-control-allow-headers"])
        self.assertEqual(h["access-control-max-age"], "600")
        self.assertIn("Origin", h["vary"])
        st, h, _ = self.get(INFO, headers={"Origin": "http://other.example"})
        self.assertEqual(h["access-control-allow-origin"], "http://other.example")
        pre["Origin"] = "http://evil.example"
        st, h, _ = harness.http("OPTIONS", self.gw.url + INFO, headers=pre)
        self.assertNotEqual(st, 204)
        self.assertNotIn("access-control-allow-origin", h)
        st, h, _ = self.get(INFO, headers={"Origin": "http://evil.example"})
        self.assertNotIn("access-control-allow-origin", h)

    # --- lifecycle -------------------------------------------------------------------------

    def test_sigterm_exits_zero(self):
        gw = harness.start_gateway(self.core_addr)
        self.assertEqual(self.get(INFO, gw=gw)[0], 200)
        self.assertEqual(gw.stop(signal.SIGTERM), 0, gw.log())
        self.assertIn("stopped", gw.log())


if __name__ == "__main__":
    unittest.main()
