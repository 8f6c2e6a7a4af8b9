"""test_catalog_replicas.py — several cores serve one catalogue: each keeps its own snapshot in
memory, and a publish, a new draft published or an unpublish through any of them is seen
through every other at once (the Redis mirror of the catalogue's generation is raised after
the commit, and every read compares its snapshot with it). With the mirror gone from Redis a
core reads the generation from PostgreSQL and sets the mirror again.
"""
import unittest

import grpc

import harness
from catalog_fixtures import Cat, Refusals


def redis(*args):
    return harness.redis_cli(*args)


class CatalogReplicasTest(Refusals, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Cat()
        cls.pb = cls.c.pb
        cls.other = harness.start_core()  # a second replica: same PostgreSQL, same Redis
        cls.other_ch = grpc.insecure_channel(cls.other.addr)
        cls.other_catalog = cls.c.pbg.CatalogStub(cls.other_ch)
        cls.other_admin = cls.c.pbg.CatalogAdminStub(cls.other_ch)

    @classmethod
    def tearDownClass(cls):
        cls.other_ch.close()
        cls.other.stop()
        cls.c.close()

    def summary(self, stub, code):
        return stub.GetService(self.pb.GetServiceRequest(code=code), timeout=10).guide.summary

    def test_a_publish_through_one_is_seen_through_the_other_at_once(self):
        c, pb = self.c, self.pb
        code = c.create(summary="第一版")
        # Both serve it (each has built its snapshot now).
        self.assertEqual(self.summary(c.catalog, code), "第一版")
        self.assertEqual(self.summary(self.other_catalog, code), "第一版")
        # Through the shared core; read through the other.
        c.publish(code, c.save(code, summary="第二版").draft_version)
        self.assertEqual(self.summary(self.other_catalog, code), "第二版")
        # Through the other core; read through the shared one.
        d = self.other_admin.SaveDraft(pb.SaveDraftRequest(code=code, guide=c.guide(summary="第三版")),
                                       metadata=c.d_md, timeout=10)
        self.other_admin.PublishService(pb.PublishServiceRequest(code=code, version=d.draft_version),
                                        metadata=c.d_md, timeout=10)
        self.assertEqual(self.summary(c.catalog, code), "第三版")
        # Unpublished through one: gone from both at once, lists included.
        self.other_admin.UnpublishService(pb.UnpublishServiceRequest(code=code, reason="测试"),
                                          metadata=c.d_md, timeout=10)
        for stub in (c.catalog, self.other_catalog):
            self.refused(grpc.StatusCode.NOT_FOUND, self.summary, stub, code)
            codes = [s.code for s in stub.SearchServices(
                pb.SearchServicesRequest(category=c.category, page_size=100), timeout=10).services]
            self.assertNotIn(code, codes)

    def test_without_the_mirror_the_generation_comes_from_postgresql(self):
        c = self.c
        code = c.create(summary="镜像前")
        self.assertEqual(self.summary(self.other_catalog, code), "镜像前")
        redis("DEL", "ehall:catalog:gen")
        c.publish(code, c.save(code, summary="镜像后").draft_version)
        redis("DEL", "ehall:catalog:gen")  # lost again after the publish raised it
        self.assertEqual(self.summary(self.other_catalog, code), "镜像后")
        self.assertEqual(self.summary(c.catalog, code), "镜像后")
        # The read that missed it set the mirror again, to PostgreSQL's generation.
        gen = c_generation(c.dsn)
        self.assertEqual(int(redis("GET", "ehall:catalog:gen")), gen)


    def test_a_replica_without_redis_stays_correct(self):
        c, pb = self.c, self.pb
        code = c.create(summary="无缓存前")
        redis_srv = harness.Redis()
        lonely = harness.start_core(redis_port=redis_srv.port)
        try:
            ch = grpc.insecure_channel(lonely.addr)
            stub = c.pbg.CatalogStub(ch)
            self.assertEqual(self.summary(stub, code), "无缓存前")
            redis_srv.stop()  # its Redis is gone: the generation comes from PostgreSQL each call
            c.publish(code, c.save(code, summary="无缓存后").draft_version)
            self.assertEqual(self.summary(stub, code), "无缓存后")
            self.assertEqual(self.summary(stub, code), "无缓存后")
            # Views cannot be counted; the call still succeeds.
            r = stub.RecordView(pb.RecordViewRequest(code=code), timeout=10)
            self.assertGreaterEqual(r.views, 0)
            ch.close()
        finally:
            lonely.stop()
        log = lonely.log()
        self.assertEqual(log.count("reading the catalogue generation from PostgreSQL"), 1, log)


def c_generation(dsn):
    from identity_fixtures import psql
    return int(psql(dsn, "SELECT generation FROM catalog_generation")[0][0])


if __name__ == "__main__":
    unittest.main()
