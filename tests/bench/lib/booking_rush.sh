#!/usr/bin/env bash
# booking_rush.sh — the booking rush: 2,000 signed-in students on their own keep-alive HTTP
# connections book one 500-seat slot through ehall-gateway and ehall-core, 10 attempts each
# (20,000), against pgbench running the core's own claim statement on a twin slot in the same
# run (the same private PostgreSQL) with 8 clients (the core's pool: the goal's reference) and
# with 1 offered the rush's arrival rate (one claim at a time, as the core runs one slot's, at
# the pace students press: the database's best under the same load); BENCH_ROUNDS (3)
# interleaved rounds, each on fresh slots, medians printed with every round's figure.
#
# Private PostgreSQL, Redis, core (16 workers, rate limits off: every client is 127.0.0.1) and
# gateway (with Redis: its response cache live, as deployed). The clients
# (tests/bench/rush_load.c, one epoll thread) each send their first attempt at a random moment
# within BENCH_RUSH_SPREAD_MS (1000) of the opening, then try again after 1–3 s
# (BENCH_RUSH_THINK_MIN_MS / _MAX_MS), as students re-tapping 预约 do. Afterwards PostgreSQL is
# audited: oversold seats, people holding two, acknowledged bookings missing (all must be 0).
# Printed: committed bookings per second (the spread of the bookings' commit times in
# PostgreSQL, for both), the ratio (goal ≥ 0.8×), and the latency of the answers: booked, and
# sold out (goal p99 < 20 ms).
# Each answer of round r is traced in trace-r.txt (when it was sent, its latency, its kind; kept
# with BENCH_KEEP_TMP=1), to see where in a rush the slow ones fall.
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
  -v hash="$($PY "$BENCH_LIB/booking_rush.py" hash)" -v seats="$SEATS" -v rounds="$ROUNDS" \
  -f "$BENCH_LIB/booking_rush_data.sql" >/dev/null || bench_die "loading booking_rush_data.sql failed"
# The students' hashes carry 1,000 iterations: keep them (no upgrade at login).
export EHALL_CORE_PASSWORD_PBKDF2_ITERATIONS=1000
# Workers: a booking takes its seat's ticket on a worker and waits for the seat's row lock on
# the core's claim lane (config claim_workers, 16), so workers stay free for the quick answers;
# the rush runs 16 of them (config `workers`, default 4). The database pool stays at its
# default 8.
WORKERS=${BENCH_CORE_WORKERS:-16}
PGCLIENTS=8
# The rate the rush's first attempts arrive at: the bound of its bookings per second, and the
# rate the second reference (pgbench, 1 client, Poisson arrivals: -R) is offered.
ARRIVALS=$((CLIENTS * 1000 / SPREAD))
bench_start_core CORE "$WORKERS"
# The gateway as deployed: with its Redis, so its response cache is live (it repeats a full
# slot's refusal, marked shared by the core, for a second without calling the core).
EHALL_GATEWAY_REDIS_HOST=127.0.0.1 EHALL_GATEWAY_REDIS_PORT="$REDIS_PORT" bench_start_gateway "$CORE_PORT"

bench_say "logging $CLIENTS students in"
TOKENS="$BENCH_TMP/tokens.txt"
$PY "$BENCH_LIB/booking_rush.py" login "127.0.0.1:$GATEWAY_PORT" "$TOKENS"
psql_q() { bench_as_pg psql -h 127.0.0.1 -p "$PG_PORT" -U ehall -d ehall -qAtX -c "$1"; }
FIRST_ACC=$(psql_q "SELECT min(id) FROM accounts WHERE campus_id LIKE 'rush%'")
# The data load and 2,000 logins left dead rows and no statistics: vacuum and analyse now, as
# autovacuum would have by the time a real rush opens, so it does not start in the first round.
psql_q "VACUUM ANALYZE"
$PY "$BENCH_LIB/booking_rush.py" pgbench-script "$BENCH_REPO/core/store/booking_store.c" >"$BENCH_TMP/claim.sql"
slot_of() { psql_q "SELECT s.id FROM booking_slots s JOIN services v ON v.id = s.service_id WHERE v.code = '$1'"; }

# pgbench on round r's slot `kind`-r with N clients, then its audit (audit-KIND-r.json).
pgbench_claims() { # KIND ROUND CLIENTS JOBS [pgbench options…]
  bench_as_pg "$PGBENCH" -h 127.0.0.1 -p "$PG_PORT" -U ehall -n -M prepared -c "$3" -j "$4" "${@:5}" \
    -t $((CLIENTS * ATTEMPTS / $3)) -D slot="$(slot_of "rush-$1-$2")" \
    -D svc="$(psql_q "SELECT id FROM services WHERE code = 'rush-$1-$2'")" -D first_acc="$FIRST_ACC" \
    -f "$BENCH_TMP/claim.sql" ehall >"$BENCH_TMP/pgbench-$1-$2.log" 2>&1 ||
    { tail -20 "$BENCH_TMP/pgbench-$1-$2.log" >&2; bench_die "pgbench failed"; }
  $PY "$BENCH_LIB/booking_rush.py" audit "$PG_DSN" "rush-$1-$2" - >"$BENCH_TMP/audit-$1-$2.json"
}

# Interleaved rounds: the rush on round r's slot, then pgbench on its twins.
for r in $(seq "$ROUNDS"); do
  bench_say "round $r: the rush, $CLIENTS clients × $ATTEMPTS attempts on $SEATS seats (first attempts within ${SPREAD} ms)"
  cpu0=$(bench_cpu_ticks "$CORE_PID" "$GATEWAY_PID")
  "$RUSH_BIN" --host 127.0.0.1 --port "$GATEWAY_PORT" --tokens "$TOKENS" \
    --path "/api/v1/services/rush-http-$r/slots/$(slot_of "rush-http-$r"):book" --clients "$CLIENTS" \
    --attempts "$ATTEMPTS" --spread-ms "$SPREAD" --think-min-ms "$THINK_MIN" --think-max-ms "$THINK_MAX" \
    --timeout-ms 30000 --raise-nofile --out "$BENCH_TMP/rush-$r.json" --trace "$BENCH_TMP/trace-$r.txt" >&2 ||
    bench_die "rush_load failed"
  cpu1=$(bench_cpu_ticks "$CORE_PID" "$GATEWAY_PID")
  echo "$((cpu1 - cpu0))" >"$BENCH_TMP/cpu-$r.txt"
  $PY "$BENCH_LIB/booking_rush.py" audit "$PG_DSN" "rush-http-$r" "$BENCH_TMP/rush-$r.json" >"$BENCH_TMP/audit-http-$r.json"
  bench_say "round $r: pgbench, the core's claim statement, $PGCLIENTS clients (the core's pool)"
  pgbench_claims sql "$r" "$PGCLIENTS" 2
  bench_say "round $r: pgbench, the same statement, 1 client at the rush's arrival rate ($ARRIVALS/s)"
  pgbench_claims one "$r" 1 1 -R "$ARRIVALS"
done

$PY "$BENCH_LIB/booking_rush.py" summary "$BENCH_TMP" "$ROUNDS" "$CLK_TCK" "$CLIENTS" "$ATTEMPTS" \
  "$SEATS" "$SPREAD" "$WORKERS" "$PGCLIENTS" | bench_summary
