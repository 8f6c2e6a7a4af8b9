"""test_core_grpc.py — ehall-core as a gRPC client sees it: GetInfo, errors and their details,
limits, deadlines, health (Check and Watch, following a real PostgreSQL going down and coming
back), server reflection (a client discovers the API with no code of ours), graceful SIGTERM
under load, and the migration checks at start-up.

Every server here is real: the shared stack from ./dev test, or private processes from harness.
"""
import concurrent.futures
import os
import shutil
import signal
import subprocess
import threading
import time
import unittest

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

import harness

GETINFO = "/ehall.system.v1.System/GetInfo"


def _checkpoint(pg):
    """Makes what was committed durable before an immediate stop (the private cluster runs with
    synchronous_commit=off, so a crash-like stop could otherwise lose the migration)."""
    subprocess.run(["/usr/lib/postgresql/15/bin/psql", "-h", "127.0.0.1", "-p", str(pg.port), "-U",
                    "ehall", "-d", "ehall", "-qc", "CHECKPOINT"], check=True, capture_output=True)


class CoreGrpcTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = harness.grpc_modules()
        cls.addr = harness.env("EHALL_TEST_CORE_ADDR")
        cls.channel = grpc.insecure_channel(cls.addr)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()

    def stub(self, channel=None):
        return self.m.system_pb2_grpc.SystemStub(channel or self.channel)

    def raw(self, method=GETINFO, channel=None):
        return (channel or self.channel).unary_unary(
            method, request_serializer=lambda x: x, response_deserializer=lambda x: x)

    # --- GetInfo ------------------------------------------------------------------------------

    def test_get_info(self):
        info = self.stub().GetInfo(self.m.system_pb2.GetInfoRequest(), timeout=10)
        self.assertEqual(info.name, "网上办事大厅")
        self.assertTrue(info.name_en)
        self.assertEqual(info.version, "0.1.0")
        self.assertGreaterEqual(info.schema_version, 1)
        self.assertGreater(info.server_time.seconds, 1_600_000_000)
        self.assertGreater(info.build_time.seconds, 1_600_000_000)
        self.assertGreaterEqual(info.uptime_seconds, 0)
        deps = {d.name: d for d in info.dependencies}
        self.assertEqual(set(deps), {"postgresql", "redis"})
        for d in deps.values():
            self.assertTrue(d.healthy, d)
            self.assertTrue(d.detail, d)  # the server's version

    def test_get_info_from_many_threads(self):
        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            futs = [ex.submit(self.stub().GetInfo, self.m.system_pb2.GetInfoRequest(), timeout=20)
                    for _ in range(64)]
            for f in futs:
                self.assertEqual(f.result().name, "网上办事大厅")

    # --- errors and limits --------------------------------------------------------------------

    def test_unknown_method_is_unimplemented_not_a_hang(self):
        for method in ("/ehall.system.v1.System/NoSuchMethod", "/no.such.Service/Call"):
            with self.assertRaises(grpc.RpcError) as cm:
                self.raw(method)(b"", timeout=5)
            # DEADLINE_EXCEEDED here would mean the server left the call hanging.
            self.assertEqual(cm.exception.code(), grpc.StatusCode.UNIMPLEMENTED, method)

    def test_oversized_message_is_resource_exhausted(self):
        with self.assertRaises(grpc.RpcError) as cm:
            self.raw()(b"\x00" * (2 * 1024 * 1024), timeout=10)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        # The server is still fine afterwards.
        self.stub().GetInfo(self.m.system_pb2.GetInfoRequest(), timeout=10)

    def test_malformed_payload_is_invalid_argument_with_details(self):
        with self.assertRaises(grpc.RpcError) as cm:
            self.raw()(b"\xff\xff", timeout=10)
        e = cm.exception
        self.assertEqual(e.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(e.details(), "请求无法解析")
        st = harness.grpc_status_details(e)
        self.assertIsNotNone(st, "grpc-status-details-bin missing")
        self.assertEqual(st.code, grpc.StatusCode.INVALID_ARGUMENT.value[0])
        self.assertEqual(st.message, "请求无法解析")
        loc = [d for d in st.details if d.Is(self.m.error_details_pb2.LocalizedMessage.DESCRIPTOR)]
        self.assertEqual(len(loc), 1)
        lm = self.m.error_details_pb2.LocalizedMessage()
        loc[0].Unpack(lm)
        self.assertEqual((lm.locale, lm.message), ("en", "malformed request"))

    def test_english_message_when_asked(self):
        with self.assertRaises(grpc.RpcError) as cm:
            self.raw()(b"\xff\xff", timeout=10, metadata=[("accept-language", "en-US,en;q=0.9")])
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(cm.exception.details(), "malformed request")

    def test_metadata_of_any_shape_is_accepted(self):
        md = [("x-request-id", "bad id with spaces!"), ("authorization", "Bearer abc"),
              ("x-forwarded-for", "10.0.0.1"), ("x-ehall-gateway-secret", "wrong"),
              ("idempotency-key", "k1"), ("accept-language", "zh-CN")]
        info = self.stub().GetInfo(self.m.system_pb2.GetInfoRequest(), timeout=10, metadata=md)
        self.assertEqual(info.name, "网上办事大厅")

    def test_deadline_exceeded_and_server_stays_healthy(self):
        with self.assertRaises(grpc.RpcError) as cm:
            self.stub().GetInfo(self.m.system_pb2.GetInfoRequest(), timeout=0.001)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        info = self.stub().GetInfo(self.m.system_pb2.GetInfoRequest(), timeout=10)
        self.assertEqual(info.name, "网上办事大厅")
        h = self.m.health_pb2_grpc.HealthStub(self.channel)
        r = h.Check(self.m.health_pb2.HealthCheckRequest(service=""), timeout=10)
        self.assertEqual(r.status, self.m.health_pb2.HealthCheckResponse.SERVING)

    # --- health -------------------------------------------------------------------------------

    def test_health_check(self):
        h = self.m.health_pb2_grpc.HealthStub(self.channel)
        for svc in ("", "ehall.system.v1.System"):
            r = h.Check(self.m.health_pb2.HealthCheckRequest(service=svc), timeout=10)
            self.assertEqual(r.status, self.m.health_pb2.HealthCheckResponse.SERVING, svc)
        with self.assertRaises(grpc.RpcError) as cm:
            h.Check(self.m.health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_health_follows_postgres(self):
        pg = harness.start_postgres()
        rc, out = harness.run_core(["migrate"], pg_dsn=pg.dsn)
        self.assertEqual(rc, 0, out)
        core = harness.start_core(pg_dsn=pg.dsn)
        ch = grpc.insecure_channel(core.addr)
        try:
            h = self.m.health_pb2_grpc.HealthStub(ch)
            HC = self.m.health_pb2.HealthCheckResponse
            req = self.m.health_pb2.HealthCheckRequest(service="ehall.system.v1.System")

            def check():
                return h.Check(req, timeout=5).status

            self.assertEqual(check(), HC.SERVING)
            watch = h.Watch(req, timeout=120)
            seen = []
            got = {HC.SERVING: threading.Event(), HC.NOT_SERVING: threading.Event()}

            def reader():
                try:
                    for r in watch:
                        seen.append(r.status)
                        if r.status in got:
                            got[r.status].set()
                except grpc.RpcError:
                    pass

            t = threading.Thread(target=reader, daemon=True)
            t.start()
            self.assertTrue(got[HC.SERVING].wait(10), seen)

            _checkpoint(pg)
            pg.stop()
            self.assertEqual(harness.wait_for(lambda: check() == HC.NOT_SERVING), True)
            self.assertTrue(got[HC.NOT_SERVING].wait(10), seen)
            with self.assertRaises(grpc.RpcError) as cm:
                self.stub(ch).GetInfo(self.m.system_pb2.GetInfoRequest(), timeout=10)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAVAILABLE)

            got[HC.SERVING].clear()
            pg.start()
            self.assertEqual(harness.wait_for(lambda: check() == HC.SERVING), True)
            self.assertTrue(got[HC.SERVING].wait(10), seen)
            self.assertEqual(seen[:3], [HC.SERVING, HC.NOT_SERVING, HC.SERVING])
            info = self.stub(ch).GetInfo(self.m.system_pb2.GetInfoRequest(), timeout=10)
            self.assertTrue(all(d.healthy for d in info.dependencies))
            watch.cancel()
            t.join(10)
        finally:
            ch.close()
            self.assertEqual(core.stop(), 0, core.log())
            pg.stop()

    # --- reflection ---------------------------------------------------------------------------

    def _reflect(self, pb2, pb2_grpc, requests):
        stub = pb2_grpc.ServerReflectionStub(self.channel)
        return list(stub.ServerReflectionInfo(iter(requests), timeout=10))

    def test_reflection_lists_services(self):
        for pb2, pb2_grpc in ((self.m.reflection_pb2, self.m.reflection_pb2_grpc),
                              (self.m.reflection_v1alpha_pb2, self.m.reflection_v1alpha_pb2_grpc)):
            rs = self._reflect(pb2, pb2_grpc, [pb2.ServerReflectionRequest(list_services="")])
            self.assertEqual(len(rs), 1)
            names = {s.name for s in rs[0].list_services_response.service}
            self.assertIn("ehall.system.v1.System", names)
            self.assertIn("grpc.health.v1.Health", names)
            self.assertIn("grpc.reflection.v1.ServerReflection", names)

    def test_reflection_lets_a_client_discover_and_call_the_api(self):
        pb2, pb2_grpc = self.m.reflection_pb2, self.m.reflection_pb2_grpc
        rs = self._reflect(pb2, pb2_grpc, [
            pb2.ServerReflectionRequest(file_containing_symbol="ehall.system.v1.System"),
            pb2.ServerReflectionRequest(file_containing_symbol="ehall.system.v1.System.GetInfo"),
            pb2.ServerReflectionRequest(file_containing_symbol="ehall.system.v1.Dependency"),
            pb2.ServerReflectionRequest(file_by_filename="ehall/system/v1/system.proto"),
            pb2.ServerReflectionRequest(file_containing_symbol="no.such.Symbol"),
            pb2.ServerReflectionRequest(file_containing_extension=pb2.ExtensionRequest(
                containing_type="google.protobuf.MethodOptions", extension_number=72295728)),
        ])
        self.assertEqual(len(rs), 6)
        for r in rs[:4]:
            self.assertEqual(r.WhichOneof("message_response"), "file_descriptor_response", r)
        self.assertEqual(rs[4].error_response.error_code, grpc.StatusCode.NOT_FOUND.value[0])
        self.assertEqual(rs[5].error_response.error_code, grpc.StatusCode.NOT_FOUND.value[0])

        # A fresh pool that knows nothing: everything comes from the server's answer (the file
        # first, then its transitive dependencies), added dependencies first.
        files = {}
        for raw in rs[0].file_descriptor_response.file_descriptor_proto:
            fd = descriptor_pb2.FileDescriptorProto()
            fd.ParseFromString(raw)
            files[fd.name] = fd
        self.assertEqual(descriptor_pb2.FileDescriptorProto.FromString(
            rs[0].file_descriptor_response.file_descriptor_proto[0]).name,
            "ehall/system/v1/system.proto")
        self.assertIn("google/protobuf/timestamp.proto", files)
        self.assertIn("google/api/annotations.proto", files)
        pool = descriptor_pool.DescriptorPool()
        added = set()

        def add(name):
            if name in added:
                return
            for dep in files[name].dependency:
                add(dep)
            pool.Add(files[name])
            added.add(name)

        for n in files:
            add(n)
        svc = pool.FindServiceByName("ehall.system.v1.System")
        method = svc.FindMethodByName("GetInfo")
        req_cls = message_factory.GetMessageClass(method.input_type) if hasattr(
            message_factory, "GetMessageClass") else message_factory.MessageFactory(pool).GetPrototype(method.input_type)
        resp_cls = message_factory.GetMessageClass(method.output_type) if hasattr(
            message_factory, "GetMessageClass") else message_factory.MessageFactory(pool).GetPrototype(method.output_type)
        call = self.channel.unary_unary(f"/{svc.full_name}/{method.name}",
                                        request_serializer=lambda m: m.SerializeToString(),
                                        response_deserializer=resp_cls.FromString)
        info = call(req_cls(), timeout=10)
        self.assertEqual(info.name, "网上办事大厅")
        self.assertEqual({d.name for d in info.dependencies}, {"postgresql", "redis"})

    # --- life cycle ---------------------------------------------------------------------------

    def test_sigterm_drains_in_flight_calls(self):
        grace_ms = 3000
        core = harness.start_core(env={"EHALL_CORE_SHUTDOWN_GRACE_MS": str(grace_ms),
                                       "EHALL_CORE_WORKERS": "2"})
        ch = grpc.insecure_channel(core.addr)
        stub = self.stub(ch)
        stub.GetInfo(self.m.system_pb2.GetInfoRequest(), timeout=10)  # connected
        done = []
        lock = threading.Lock()
        half = threading.Event()

        def one(_):
            try:
                r = stub.GetInfo(self.m.system_pb2.GetInfoRequest(), timeout=30)
                out = ("ok", r.name)
            except grpc.RpcError as e:
                out = ("err", e.code())
            with lock:
                done.append(out)
                if len(done) >= 40:
                    half.set()
            return out

        with concurrent.futures.ThreadPoolExecutor(200) as ex:
            futs = [ex.submit(one, i) for i in range(200)]
            self.assertTrue(half.wait(30))
            core.proc.send_signal(signal.SIGTERM)
            t0 = time.monotonic()
            rc = core.proc.wait(timeout=grace_ms / 1000 + 2)
            results = [f.result(timeout=30) for f in futs]
        ch.close()
        self.assertEqual(rc, 0, core.log())
        self.assertLess(time.monotonic() - t0, grace_ms / 1000 + 2)
        self.assertEqual(len(results), 200)
        for kind, v in results:
            if kind == "ok":
                self.assertEqual(v, "网上办事大厅")  # never a broken reply
            else:
                self.assertEqual(v, grpc.StatusCode.UNAVAILABLE)
        self.assertGreaterEqual(sum(1 for k, _ in results if k == "ok"), 40)
        core.stop()

    def test_edited_migration_refuses_to_start(self):
        pg = harness.start_postgres()
        try:
            rc, out = harness.run_core(["migrate"], pg_dsn=pg.dsn)
            self.assertEqual(rc, 0, out)
            d = os.path.join(harness.tmpdir(), "migrations")
            shutil.copytree(os.path.join(harness.REPO, "migrations"), d)
            path = os.path.join(d, "0001_create_system.sql")
            with open(path, "a", encoding="utf-8") as f:
                f.write("\n-- edited after it landed\n")
            core = harness.start_core(pg_dsn=pg.dsn, wait=False,
                                      env={"EHALL_CORE_MIGRATIONS_DIR": d})
            rc = core.proc.wait(timeout=30)
            self.assertNotEqual(rc, 0)
            self.assertIn("0001_create_system.sql", core.log())
            core.stop()
        finally:
            pg.stop()

    def test_migrate_twice_applies_nothing_the_second_time(self):
        pg = harness.start_postgres()
        try:
            rc, out = harness.run_core(["migrate"], pg_dsn=pg.dsn)
            self.assertEqual(rc, 0, out)
            self.assertNotIn("applied 0 ", out)
            rc, out = harness.run_core(["migrate"], pg_dsn=pg.dsn)
            self.assertEqual(rc, 0, out)
            self.assertIn("applied 0 migrations", out)
        finally:
            pg.stop()

    def test_help_lists_every_key(self):
        rc, out = harness.run_core(["--help"])
        self.assertEqual(rc, 0, out)
        for key in ("listen", "pg.dsn", "pg.pool_size", "redis.host", "redis.port",
                    "redis.pool_size", "workers", "migrations.dir", "log.level", "log.json",
                    "gateway.secret", "tls.cert", "tls.key", "tls.client_ca", "shutdown.grace_ms",
                    "EHALL_CORE_PG_DSN", "migrate", "serve"):
            self.assertIn(key, out)

    def test_refuses_non_loopback_without_tls(self):
        core = harness.start_core(wait=False, env={"EHALL_CORE_LISTEN": f"0.0.0.0:{harness.free_port()}",
                                                   "EHALL_CORE_IDENTITY_PEPPER": "p" * 32})
        rc = core.proc.wait(timeout=30)
        self.assertNotEqual(rc, 0)
        self.assertIn("TLS", core.log())
        core.stop()

    def test_refuses_non_loopback_without_pepper(self):
        """The development key of ID-card HMACs and email codes is for loopback only."""
        core = harness.start_core(wait=False, env={"EHALL_CORE_LISTEN": f"0.0.0.0:{harness.free_port()}"})
        rc = core.proc.wait(timeout=30)
        self.assertNotEqual(rc, 0)
        self.assertIn("identity.pepper", core.log())
        core.stop()


if __name__ == "__main__":
    unittest.main()
