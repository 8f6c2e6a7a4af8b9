"""booking_rush.py — the Python half of booking_rush.sh (never run alone).

  booking_rush.py hash                 a PBKDF2 hash of the students' password, 1,000 iterations
  booking_rush.py login GW FILE        logs the 2,000 students in through the gateway (client
                                       "mp": the token comes in the body), tokens to FILE
  booking_rush.py pgbench-script SRC   the claim statement of core/store/booking_store.c
                                       (SQL_CLAIM, read from the source, so pgbench runs exactly
                                       the core's SQL: the booking_claim function of migration
                                       0010) as a pgbench script, on stdout
  booking_rush.py audit DSN SERVICE RESULT.json|-
                                       what PostgreSQL holds for the service's slot (oversold,
                                       people with two, acknowledged ids missing) and the
                                       committed bookings per second, as JSON on stdout
  booking_rush.py summary DIR ROUNDS CLK_TCK CLIENTS ATTEMPTS SEATS SPREAD WORKERS PGCLIENTS
                                       the markdown table of the rounds (medians); exit 1 when
                                       an audit found a wrong booking
"""
import base64
import concurrent.futures
import hashlib
import http.client
import json
import os
import re
import statistics
import subprocess
import sys

PASSWORD = "Rush-bench-2026"
STUDENTS = 2000


def pbkdf2():
    salt = os.urandom(16)
    h = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt, 1000, 32)
    b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()  # noqa: E731
    return f"pbkdf2-sha256$1000${b(salt)}${b(h)}"


def login(gw, out):
    host, port = gw.rsplit(":", 1)

    def one(i):
        c = http.client.HTTPConnection(host, int(port), timeout=60)
        c.request("POST", "/api/v1/auth/login",
                  json.dumps({"campusId": f"rush{i}", "password": PASSWORD, "client": "mp"}),
                  {"content-type": "application/json"})
        r = c.getresponse()
        body = r.read()
        c.close()
        if r.status != 200:
            raise SystemExit(f"login rush{i}: HTTP {r.status} {body[:200]!r}")
        return json.loads(body)["token"]

    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        tokens = list(ex.map(one, range(1, STUDENTS + 1)))
    with open(out, "w") as f:
        f.write("\n".join(tokens) + "\n")


def pgbench_script(src):
    text = open(src, encoding="utf-8").read()
    m = re.search(r"static const char SQL_CLAIM\[\] =(.*?);\n", text, re.S)
    if not m:
        raise SystemExit("SQL_CLAIM not found in " + src)
    sql = "".join(json.loads('"' + s + '"') for s in re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
    # $1 slot, $2 service, $3 person, $4 state, $5 code, $6 from_waitlist, $7 time zone.
    # pgbench splices variables as text: :slot, :svc and :first_acc come from -D. Like the
    # core's BookSlot, the statement runs alone (autocommit).
    subst = {"1": ":slot", "2": ":svc", "3": ":acc", "4": "2",
             "5": "lpad((:n)::text, 8, '0')", "6": "false", "7": "'Asia/Shanghai'"}
    sql = re.sub(r"\$(\d)", lambda x: subst[x.group(1)], sql)
    return "\n".join([f"\\set acc random(:first_acc, :first_acc + {STUDENTS - 1})",
                      "\\set n random(0, 99999999)", sql + ";", ""])


def audit(dsn, service, result):
    acked = []
    if result != "-":
        acked = json.load(open(result)).get("booked_ids", [])
    ids = "{" + ",".join(str(int(i)) for i in acked) + "}"
    q = f"""
SELECT s.capacity, s.booked,
  (SELECT count(*) FROM bookings k WHERE k.slot_id = s.id AND k.state IN (1, 2, 3)),
  (SELECT count(*) FROM (SELECT account_id FROM bookings k WHERE k.slot_id = s.id
     AND k.state IN (1, 2, 3) GROUP BY account_id HAVING count(*) > 1) d),
  (SELECT count(*) FROM bookings k WHERE k.slot_id = s.id AND k.state IN (1, 2, 3)
     AND k.id = ANY ('{ids}'::bigint[])),
  (SELECT extract(epoch FROM max(k.created_at) - min(k.created_at)) FROM bookings k
     WHERE k.slot_id = s.id)
FROM booking_slots s JOIN services v ON v.id = s.service_id WHERE v.code = '{service}'"""
    r = subprocess.run(["psql", "-d", dsn, "-qAtX", "-F", ",", "-c", q], capture_output=True,
                       text=True, check=True).stdout.strip().split(",")
    cap, booked, live, doubled, present = (int(x) for x in r[:5])
    span = float(r[5] or 0)
    print(json.dumps({
        "capacity": cap, "booked": booked, "live": live, "oversold": max(0, live - cap),
        "doubled": doubled, "acked": len(set(acked)), "acked_missing": len(set(acked)) - present,
        "span_s": span, "bookings_per_s": (live - 1) / span if span > 0 else 0}))


def summary(argv):
    """The markdown table of the rounds in DIR (medians), exit 1 when an audit found a wrong booking."""
    d = argv[0]
    rounds, tck, clients, attempts, seats, spread, workers, pgc = (int(x) for x in argv[1:9])
    R, ONE = [], []
    for r in range(1, rounds + 1):
        run = json.load(open(f"{d}/rush-{r}.json"))
        h = json.load(open(f"{d}/audit-http-{r}.json"))
        s = json.load(open(f"{d}/audit-sql-{r}.json"))
        one = json.load(open(f"{d}/audit-one-{r}.json"))
        cpu = int(open(f"{d}/cpu-{r}.txt").read())
        R.append((run, h, s, cpu))
        ONE.append(one)

    def ms(us):
        return f"{us / 1000:.1f} ms"

    med = statistics.median
    ratios = [h["bookings_per_s"] / s["bookings_per_s"] if s["bookings_per_s"] else 0 for _, h, s, _ in R]
    print(f"### Booking rush ({clients:,} clients × {attempts} attempts, {seats} seats, first attempts "
          f"within {spread} ms; core with {workers} workers; medians of {rounds} interleaved rounds)")
    print()
    print("| | figure |")
    print("|---|---|")
    print("| answers, each round | " + "; ".join(
        f"{run['ok']:,} booked, {run['full']:,} sold out, {run['other']:,} other "
        f"({run.get('other_status', {})}), {run['timeouts']} timeouts" for run, _, _, _ in R) + " |")
    print(f"| audit (PostgreSQL), every round | oversold **{sum(h['oversold'] for _, h, _, _ in R)}**, "
          f"people holding two **{sum(h['doubled'] for _, h, _, _ in R)}**, acknowledged but missing "
          f"**{sum(h['acked_missing'] for _, h, _, _ in R)}** of {sum(h['acked'] for _, h, _, _ in R)}; "
          f"live bookings {[h['live'] for _, h, _, _ in R]} of {seats} seats each |")
    print(f"| committed bookings/s | gateway + core **{med([h['bookings_per_s'] for _, h, _, _ in R]):,.0f}** "
          f"vs pgbench (same SQL, {pgc} clients) {med([s['bookings_per_s'] for _, _, s, _ in R]):,.0f} → "
          f"**{med(ratios):.2f}×** (rounds {', '.join(f'{x:.2f}' for x in ratios)}; goal ≥ 0.8) |")
    ones = [h["bookings_per_s"] / o["bookings_per_s"] if o["bookings_per_s"] else 0
            for (_, h, _, _), o in zip(R, ONE)]
    print(f"| the same against pgbench with 1 client offered the rush's arrival rate "
          f"({clients * 1000 // spread:,}/s; one claim at a time, as the core runs one slot's; "
          f"no goal) | {med([o['bookings_per_s'] for o in ONE]):,.0f} → **{med(ones):.2f}×** (rounds "
          f"{', '.join(f'{x:.2f}' for x in ones)}) |")
    print(f"| booked answers | p50 {ms(med([run['lat_ok_us']['p50'] for run, _, _, _ in R]))}, "
          f"p99 {ms(med([run['lat_ok_us']['p99'] for run, _, _, _ in R]))} |")
    print(f"| sold-out answers | p50 {ms(med([run['lat_full_us']['p50'] for run, _, _, _ in R]))}, "
          f"**p99 {ms(med([run['lat_full_us']['p99'] for run, _, _, _ in R]))}** (rounds "
          f"{', '.join(ms(run['lat_full_us']['p99']) for run, _, _, _ in R)}; goal < 20 ms) |")
    cpu = med([c / tck * 1e6 / max(1, run["attempts_sent"]) for run, _, _, c in R])
    print(f"| CPU (core + gateway) | {cpu:.0f} µs per attempt |")
    bad = sum(h["oversold"] + h["doubled"] + h["acked_missing"] + s["oversold"] + s["doubled"]
              for _, h, s, _ in R) + sum(o["oversold"] + o["doubled"] for o in ONE)
    return 1 if bad else 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "hash":
        print(pbkdf2())
    elif cmd == "login":
        login(sys.argv[2], sys.argv[3])
    elif cmd == "pgbench-script":
        sys.stdout.write(pgbench_script(sys.argv[2]))
    elif cmd == "audit":
        audit(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "summary":
        sys.exit(summary(sys.argv[2:]))
    else:
        raise SystemExit(__doc__)
