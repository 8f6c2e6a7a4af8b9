#!/usr/bin/env bash
# booking_rush.sh — the booking rush: 2,000 signed-in students on their own keep-alive HTTP
# connections book one 500-seat slot through ehall-gateway and ehall-core, 10 attempts each
# (20,000), against pgbench running the core's own claim statement on a twin slot in the same
# run (the same private PostgreSQL).
#
# Private PostgreSQL, Redis, core (16 workers, rate limits off: every client is 127.0.0.1) and
# gateway. The clients (tests/bench/rush_load.c, one epoll thread) each send their first attempt
# at a random moment within BENCH_RUSH_SPREAD_MS (1000) of the opening, then try again after
# 1–3 s (BENCH_RUSH_THINK_MIN_MS / _MAX_MS), as students re-tapping 预约 do. Afterwards PostgreSQL is audited: oversold seats,
# people holding two, acknowledged bookings missing (all must be 0). Printed: committed bookings
# per second (the spread of the bookings' commit times in PostgreSQL, for both), the ratio
# (goal ≥ 0.8×), and the latency of the answers: booked, and sold out (goal p99 < 20 ms).
# Figures only; exits non-zero only when it cannot run or the audit finds a wrong booking.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CLIENTS=${BENCH_RUSH_CLIENTS:-2000}
ATTEMPTS=${BENCH_RUSH_ATTEMPTS:-10}
SEATS=${BENCH_RUSH_SEATS:-500}
SPREAD=${BENCH_RUSH_SPREAD_MS:-1000}
THINK_MIN=${BENCH_RUSH_THINK_MIN_MS:-1000}
THINK_MAX=${BENCH_RUSH_THINK_MAX_MS:-3000}
PY=/usr/bin/python3

command -v pgbench >/dev/null || PGBENCH=$PG_BIN/pgbench
PGBENCH=${PGBENCH:-pgbench}

bench_build //core:ehall-core //gateway:ehall-gateway //tests/bench:rush_load
RUSH_BIN="$BENCH_BIN/tests/bench/rush_load"
bench_say "starting PostgreSQL, Redis, ehall-core and ehall-gateway under $BENCH_TMP"
bench_start_postgres
bench_start_redis
bench_migrate
bench_as_pg psql -h 127.0.0.1 -p "$PG_PORT" -U ehall -d ehall -qX -v ON_ERROR_STOP=1 \
  -v hash="$($PY "$BENCH_LIB/booking_rush.py" hash)" -v seats="$SEATS" \
  -f "$BENCH_LIB/booking_rush_data.sql" >/dev/null || bench_die "loading booking_rush_data.sql failed"
# The students' hashes carry 1,000 iterations: keep them (no upgrade at login).
export EHALL_CORE_PASSWORD_PBKDF2_ITERATIONS=1000
# Workers: a booking waits on the slot's row lock while holding one, so the rush wants more of
# them than the default 4 (config `workers`); the database pool stays at its default 8.
WORKERS=${BENCH_CORE_WORKERS:-16}
PGCLIENTS=8
bench_start_core CORE "$WORKERS"
bench_start_gateway "$CORE_PORT"

bench_say "logging $CLIENTS students in"
TOKENS="$BENCH_TMP/tokens.txt"
$PY "$BENCH_LIB/booking_rush.py" login "127.0.0.1:$GATEWAY_PORT" "$TOKENS"
psql_q() { bench_as_pg psql -h 127.0.0.1 -p "$PG_PORT" -U ehall -d ehall -qAtX -c "$1"; }
HTTP_SLOT=$(psql_q "SELECT s.id FROM booking_slots s JOIN services v ON v.id = s.service_id WHERE v.code = 'rush-http'")
SQL_SLOT=$(psql_q "SELECT s.id FROM booking_slots s JOIN services v ON v.id = s.service_id WHERE v.code = 'rush-sql'")
FIRST_ACC=$(psql_q "SELECT min(id) FROM accounts WHERE campus_id LIKE 'rush%'")

bench_say "the rush: $CLIENTS clients × $ATTEMPTS attempts on $SEATS seats (first attempts within ${SPREAD} ms)"
cpu0=$(bench_cpu_ticks "$CORE_PID" "$GATEWAY_PID")
"$RUSH_BIN" --host 127.0.0.1 --port "$GATEWAY_PORT" --tokens "$TOKENS" \
  --path "/api/v1/services/rush-http/slots/$HTTP_SLOT:book" --clients "$CLIENTS" \
  --attempts "$ATTEMPTS" --spread-ms "$SPREAD" --think-min-ms "$THINK_MIN" --think-max-ms "$THINK_MAX" \
  --timeout-ms 30000 --raise-nofile --out "$BENCH_TMP/rush.json" >&2 || bench_die "rush_load failed"
cpu1=$(bench_cpu_ticks "$CORE_PID" "$GATEWAY_PID")
AUDIT_HTTP=$($PY "$BENCH_LIB/booking_rush.py" audit "$PG_DSN" rush-http "$BENCH_TMP/rush.json")

bench_say "pgbench: the core's claim statement, $PGCLIENTS clients (the core's pool), $((CLIENTS * ATTEMPTS)) attempts"
$PY "$BENCH_LIB/booking_rush.py" pgbench-script "$BENCH_REPO/core/store/booking_store.c" >"$BENCH_TMP/claim.sql"
bench_as_pg "$PGBENCH" -h 127.0.0.1 -p "$PG_PORT" -U ehall -n -M prepared -c "$PGCLIENTS" -j 2 \
  -t $((CLIENTS * ATTEMPTS / PGCLIENTS)) -D slot="$SQL_SLOT" -D svc=2 -D first_acc="$FIRST_ACC" \
  -f "$BENCH_TMP/claim.sql" ehall >"$BENCH_TMP/pgbench.log" 2>&1 ||
  { tail -20 "$BENCH_TMP/pgbench.log" >&2; bench_die "pgbench failed"; }
AUDIT_SQL=$($PY "$BENCH_LIB/booking_rush.py" audit "$PG_DSN" rush-sql -)

$PY - "$BENCH_TMP/rush.json" "$AUDIT_HTTP" "$AUDIT_SQL" "$((cpu1 - cpu0))" "$CLK_TCK" \
  "$CLIENTS" "$ATTEMPTS" "$SEATS" "$SPREAD" "$WORKERS" "$PGCLIENTS" <<'EOF' | bench_summary
import json, sys
r = json.load(open(sys.argv[1]))
h, s = json.loads(sys.argv[2]), json.loads(sys.argv[3])
ticks, tck, clients, attempts, seats, spread, workers, pgc = (int(x) for x in sys.argv[4:12])
ms = lambda us: f"{us / 1000:.1f} ms"
ratio = h["bookings_per_s"] / s["bookings_per_s"] if s["bookings_per_s"] else 0
lo, lf = r["lat_ok_us"], r["lat_full_us"]
print(f"### Booking rush ({clients:,} clients × {attempts} attempts, {seats} seats, first attempts "
      f"within {spread} ms; core with {workers} workers)")
print()
print("| | figure |")
print("|---|---|")
print(f"| answers | {r['ok']:,} booked, {r['full']:,} sold out, {r['other']:,} other "
      f"({r.get('other_status', {})}), {r['timeouts']} timeouts in {r['elapsed_s']:.1f} s |")
print(f"| audit (PostgreSQL) | {h['live']} live bookings of {h['capacity']} seats, oversold "
      f"**{h['oversold']}**, people holding two **{h['doubled']}**, acknowledged but missing "
      f"**{h['acked_missing']}** of {h['acked']} |")
print(f"| committed bookings/s | gateway + core **{h['bookings_per_s']:,.0f}** vs pgbench (same "
      f"SQL, {pgc} clients) {s['bookings_per_s']:,.0f} → **{ratio:.2f}×** (goal ≥ 0.8) |")
print(f"| booked answers | p50 {ms(lo['p50'])}, p99 {ms(lo['p99'])}, max {ms(lo['max'])} |")
print(f"| sold-out answers | p50 {ms(lf['p50'])}, **p99 {ms(lf['p99'])}** (goal < 20 ms), "
      f"max {ms(lf['max'])} |")
print(f"| CPU (core + gateway) | {ticks / tck * 1e6 / max(1, r['attempts_sent']):.0f} µs per attempt |")
bad = h["oversold"] or h["doubled"] or h["acked_missing"] or s["oversold"] or s["doubled"]
sys.exit(1 if bad else 0)
EOF
