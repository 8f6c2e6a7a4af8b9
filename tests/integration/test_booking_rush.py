"""test_booking_rush.py — the booking rush, small: 200 signed-in students on their own HTTP
connections hit one 50-seat slot through a real gateway and core at the same moment, five
attempts each. Afterwards PostgreSQL must hold exactly 50 live bookings of 50 different people,
the slot's count must agree, every booking a client was told it got must be there, and every
other answer must be a clear "full" or "your limit" (429) or, to a winner trying again, "you
have it" (409), never a server error. No timing is
asserted (tests/bench/lib/booking_rush.sh measures the big one).

A private core and gateway with the per-IP write budget raised: every client here is 127.0.0.1.
"""
import http.client
import json
import threading
import unittest

import grpc

import harness
from booking_fixtures import Bk
from rush import audit, login_all, make_students

CLIENTS, SEATS, ATTEMPTS = 200, 50, 5


class BookingRushTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Bk()
        limits = {"EHALL_CORE_RATELIMIT_WRITE_PER_MIN": "1000000",
                  "EHALL_CORE_RATELIMIT_WRITE_BURST": "100000",
                  "EHALL_CORE_RATELIMIT_READ_PER_MIN": "1000000",
                  "EHALL_CORE_RATELIMIT_READ_BURST": "100000",
                  "EHALL_CORE_RATELIMIT_LOGIN_PER_MIN": "1000000",
                  "EHALL_CORE_RATELIMIT_LOGIN_BURST": "100000",
                  # The accounts' hashes carry 1,000 iterations; no upgrade at login.
                  "EHALL_CORE_PASSWORD_PBKDF2_ITERATIONS": "1000"}
        cls.core = harness.start_core(env=limits)
        cls.gw = harness.start_gateway(f"127.0.0.1:{cls.core.port}")
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.core.port}")

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.gw.stop()
        cls.core.stop()
        cls.c.close()

    def test_no_oversell_no_double_booking_nothing_lost(self):
        c = self.c
        code = c.bookable()
        slot = c.slot(code, capacity=SEATS)
        tokens = login_all(self.channel, make_students(c.dsn, CLIENTS, unit=c.tree.K1))
        path = f"/api/v1/services/{code}/slots/{slot.id}:book"
        start = threading.Barrier(CLIENTS)
        results = [[] for _ in range(CLIENTS)]

        def student(i):
            conn = http.client.HTTPConnection("127.0.0.1", self.gw.port, timeout=60)
            hdr = {"authorization": "Bearer " + tokens[i], "content-type": "application/json"}
            start.wait()
            for _ in range(ATTEMPTS):
                conn.request("POST", path, body="{}", headers=hdr)
                r = conn.getresponse()
                results[i].append((r.status, r.read()))
            conn.close()

        threads = [threading.Thread(target=student, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        answers = [a for r in results for a in r]
        self.assertEqual(len(answers), CLIENTS * ATTEMPTS)
        acked = [json.loads(b)["id"] for s, b in answers if s == 200]
        def field_names(body):
            return {v.get("field") for d in body.get("details", [])
                    for v in d.get("fieldViolations", [])}

        # Every refusal says "full" or "your own limit" (429), or, to a student who got his
        # seat, "you have booked it" (409); each with the field a page acts on.
        bad = []
        for r in results:
            won = False
            for s, b in r:
                if s == 200:
                    won = True
                    continue
                body = json.loads(b)
                ok = (s == 429 and field_names(body) & {"slot_id", "slotId", "quota"}) or (
                    s == 409 and won and field_names(body) & {"slot_id", "slotId"})
                if not ok:
                    bad.append((s, body))
        self.assertEqual(bad[:3], [])
        self.assertEqual(len(acked), SEATS)
        got = audit(c.dsn, slot.id, acked)
        self.assertEqual(got, {"capacity": SEATS, "booked": SEATS, "live": SEATS, "people": SEATS,
                               "doubled": 0, "acked": SEATS, "acked_missing": 0, "oversold": 0})
        # Afterwards the slot lists as full, and a cancellation frees exactly one seat.
        first = next(i for i, r in enumerate(results) if any(s == 200 for s, _ in r))
        bid = next(json.loads(b)["id"] for s, b in results[first] if s == 200)
        st, _, body = harness.http(
            "POST", f"http://127.0.0.1:{self.gw.port}/api/v1/me/bookings/{bid}:cancel", "{}",
            {"authorization": "Bearer " + tokens[first], "content-type": "application/json"})
        self.assertEqual(st, 200, body)
        self.assertEqual(audit(c.dsn, slot.id, [])["booked"], SEATS - 1)
        # The seat is really free again: the Redis count was dropped with the cancellation.
        loser = next(i for i, r in enumerate(results) if not any(s == 200 for s, _ in r))
        st, _, body = harness.http(
            "POST", f"http://127.0.0.1:{self.gw.port}{path}", "{}",
            {"authorization": "Bearer " + tokens[loser], "content-type": "application/json"})
        self.assertEqual(st, 200, body)
        self.assertEqual(audit(c.dsn, slot.id, [])["booked"], SEATS)


if __name__ == "__main__":
    unittest.main()
