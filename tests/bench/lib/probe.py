"""probe.py — a steady, light HTTP probe: GET one URL at a fixed rate on one keep-alive
connection and print the latency percentiles as one key=value line.

Closed-loop load generators (wrk) saturate the machine and so measure throughput; this probe
asks "how long does one cheap call take while something else loads the machine", which is
what a user waiting on a page feels. It never sends more than --rate requests per second and
stops by itself.

Each latency runs from the request's scheduled time, so a stall shows in every request it
delays (as wrk2 measures), not only in the one that hit it.

usage: probe.py URL --label NAME [--rate 100] [--seconds 5]
"""
import argparse
import http.client
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--label", required=True)
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--seconds", type=float, default=5.0)
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.url)
    assert u.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    path = u.path + ("?" + u.query if u.query else "")
    lat, errors = [], 0
    interval = 1.0 / a.rate
    start = time.monotonic()
    nxt = start
    while nxt - start < a.seconds:
        now = time.monotonic()
        if nxt > now:
            time.sleep(nxt - now)
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                errors += 1
        except OSError:
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        # From when the request was due, not when it went out: a stall that delays the next
        # requests counts against each of them (no coordinated omission).
        lat.append((time.monotonic() - nxt) * 1e6)
        nxt += interval
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(len(lat) * p))] if lat else 0.0

    print(f"label={a.label} samples={len(lat)} p50_us={pct(0.50):.0f} p90_us={pct(0.90):.0f} "
          f"p99_us={pct(0.99):.0f} max_us={lat[-1] if lat else 0:.0f} errors={errors}")


if __name__ == "__main__":
    main()
