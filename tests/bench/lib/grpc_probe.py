"""grpc_probe.py — a steady, light gRPC probe: unary calls of one method at a fixed rate on one
channel, each with a request picked at random from a file, and the latency percentiles as one
key=value line (like probe.py for HTTP).

Each latency runs from the call's scheduled time, so a stall shows in every call it delays
(no coordinated omission). It never sends more than --rate calls per second, aims at loopback
only and stops by itself.

REQUESTS is a file of serialized request messages, one per line in hex ("-" for an empty
message; the benchmark writes it). The reply is not decoded beyond its first field: found_pct counts replies that start with
field 1 = true (ResolveApproversReply.found).

usage: grpc_probe.py TARGET METHOD REQUESTS --label NAME [--rate 200] [--seconds 5]
                     [--metadata KEY:VALUE]... [--seed N]
"""
import argparse
import random
import sys
import time

import grpc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("target")
    ap.add_argument("method")
    ap.add_argument("requests")
    ap.add_argument("--label", required=True)
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--metadata", action="append", default=[])
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    host = a.target.rsplit(":", 1)[0]
    assert host in ("127.0.0.1", "localhost", "[::1]"), "loopback only"
    assert 0 < a.rate <= 5000 and 0 < a.seconds <= 600, "bounded runs only"
    with open(a.requests, encoding="ascii") as f:
        reqs = [b"" if line.strip() == "-" else bytes.fromhex(line.strip())
                for line in f if line.strip()]
    if not reqs:
        sys.exit("grpc_probe: no requests")
    md = tuple(tuple(m.split(":", 1)) for m in a.metadata)
    rnd = random.Random(a.seed)
    ch = grpc.insecure_channel(a.target)
    call = ch.unary_unary(a.method)  # bytes in, bytes out
    grpc.channel_ready_future(ch).result(timeout=10)
    # One unmeasured call: the connection and the first-call setup are not what we measure.
    call(reqs[0], metadata=md, timeout=10)
    lat, errors, found = [], 0, 0
    interval = 1.0 / a.rate
    start = time.monotonic()
    nxt = start
    while nxt - start < a.seconds:
        now = time.monotonic()
        if nxt > now:
            time.sleep(nxt - now)
        try:
            reply = call(rnd.choice(reqs), metadata=md, timeout=10)
            found += reply[:2] == b"\x08\x01"
        except grpc.RpcError:
            errors += 1
        lat.append((time.monotonic() - nxt) * 1e6)
        nxt += interval
    ch.close()
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(len(lat) * p))] if lat else 0.0

    n = len(lat)
    print(f"label={a.label} samples={n} p50_us={pct(0.50):.0f} p90_us={pct(0.90):.0f} "
          f"p99_us={pct(0.99):.0f} max_us={lat[-1] if lat else 0:.0f} errors={errors} "
          f"found_pct={100.0 * found / n if n else 0:.1f}")


if __name__ == "__main__":
    main()
