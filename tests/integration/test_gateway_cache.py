"""test_gateway_cache.py — the gateway's response cache for public catalogue reads, against the
real stack: an anonymous GET is answered by the core (MISS) and then from the cache (HIT) with
the same body; a signed-in caller is never answered from it; a message on
ehall:cache:invalidate (what any core replica sends after a publish) drops it; a publish through
the admin API shows at once; and a gateway that cannot reach Redis never caches.
"""
import socket
import unittest

import harness
from catalog_fixtures import Cat


def publish_message(channel, payload):
    """PUBLISH over a raw socket (RESP), as any replica's core does."""
    port = int(harness.env("EHALL_TEST_REDIS_PORT"))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        parts = [b"PUBLISH", channel.encode(), payload.encode()]
        s.sendall(b"*3\r\n" + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts))
        return s.recv(64)


class GatewayCacheTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Cat()
        cls.url = harness.env("EHALL_TEST_GATEWAY_URL")

    @classmethod
    def tearDownClass(cls):
        cls.c.close()

    def get(self, path, headers=None):
        st, h, body = harness.http("GET", self.url + path, headers=headers)
        self.assertEqual(st, 200, body)
        return h.get("x-cache"), body

    def test_anonymous_reads_hit_and_invalidation_drops_them(self):
        code = self.c.create(summary="缓存测试第一版")
        path = f"/api/v1/catalog/services/{code}"
        first, body1 = self.get(path)
        self.assertEqual(first, "MISS")
        again, body2 = self.get(path)
        self.assertEqual(again, "HIT")
        self.assertEqual(body1, body2)
        # Another language is another entry.
        self.assertEqual(self.get(path, {"accept-language": "en"})[0], "MISS")
        # Any replica's message drops everything.
        self.assertTrue(publish_message("ehall:cache:invalidate", "catalog").startswith(b":"))
        harness.wait_for(lambda: self.get(path)[0] == "MISS", timeout=5)
        self.assertEqual(self.get(path)[0], "HIT")

    def test_publish_shows_at_once(self):
        c = self.c
        code = c.create(summary="旧的简介")
        path = f"/api/v1/catalog/services/{code}"
        self.get(path)
        self.assertEqual(self.get(path)[0], "HIT")
        c.publish(code, c.save(code, summary="新的简介").draft_version)
        # The publish's message reaches the gateway's subscriber a moment later.
        harness.wait_for(lambda: "新的简介".encode() in self.get(path)[1], timeout=5)
        hdr, body = self.get(path)
        self.assertIn("新的简介".encode(), body)
        self.assertNotIn("旧的简介".encode(), body)

    def test_signed_in_callers_are_never_served_from_it(self):
        code = self.c.create()
        path = f"/api/v1/catalog/services/{code}"
        self.get(path)
        self.get(path)
        tok = dict(self.c.d_md)["authorization"]
        hdr, body = self.get(path, {"authorization": tok})
        self.assertIsNone(hdr)
        self.assertIn(b'"canEdit":true', body)

    def test_no_redis_no_cache(self):
        # A private gateway whose Redis address leads nowhere: every answer comes from the core.
        gw = harness.start_gateway(harness.env("EHALL_TEST_CORE_ADDR"), env={
            "EHALL_GATEWAY_REDIS_HOST": "127.0.0.1",
            "EHALL_GATEWAY_REDIS_PORT": str(harness.free_port())})
        try:
            code = self.c.create()
            for _ in range(3):
                st, h, _ = harness.http("GET", f"{gw.url}/api/v1/catalog/services/{code}")
                self.assertEqual(st, 200)
                self.assertIsNone(h.get("x-cache"))
        finally:
            gw.stop()


if __name__ == "__main__":
    unittest.main()
