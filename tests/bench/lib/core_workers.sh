#!/usr/bin/env bash
# core_workers.sh — ehall-core with 1 worker against 4 workers (config `workers`,
# EHALL_CORE_WORKERS), on the database-bound /ehall.system.v1.System/GetInfo (a PostgreSQL and a
# Redis round trip per call) and on the trivial Health/Check.
#
# Both cores run at once against the same private PostgreSQL and Redis, on their own ports, and
# the load alternates between them round by round, so the machine's noise falls on both.
# Prints figures; never fails on them.
# Run by tests/bench/run_all.sh (or on its own: bash tests/bench/lib/core_workers.sh).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench_build //core:ehall-core //tests/bench:grpc_load
bench_say "starting PostgreSQL, Redis and two ehall-core (1 and 4 workers) under $BENCH_TMP"
bench_start_postgres
bench_start_redis
bench_migrate
bench_start_core W1 1
bench_start_core W4 4

for METHOD in /ehall.system.v1.System/GetInfo /grpc.health.v1.Health/Check; do
  RESULTS="$BENCH_TMP/workers.$(basename "$METHOD").results"
  : >"$RESULTS"
  bench_say "$METHOD: $ROUNDS rounds × ${SECONDS_PER_RUN} s each, $CONCURRENCY in flight"
  for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then order="1 4"; else order="4 1"; fi
    for w in $order; do
      pid_var="W${w}_PID"; port_var="W${w}_PORT"
      bench_grpc_round "$RESULTS" "workers$w" "$r" "${!port_var}" "$METHOD" "${!pid_var}"
    done
  done
  {
    echo
    echo "### ehall-core workers: 1 vs 4, \`${METHOD#/}\`"
    echo
    echo "grpc_load (2 threads, $CONCURRENCY in flight), $ROUNDS interleaved rounds of ${SECONDS_PER_RUN} s; medians. Core CPU only (PostgreSQL and Redis not counted)."
    echo
    /usr/bin/python3 "$BENCH_LIB/table.py" "$RESULTS" --labels workers1,workers4 \
      --names "1 worker,4 workers" \
      --col calls_per_s:"calls/s" --col p50_us:"p50 µs" --col p99_us:"p99 µs" \
      --col cpu_us_per_op:"core CPU µs/call" --col errors:errors \
      --ratio "workers4/workers1::4 workers ÷ 1 worker (calls/s)"
  } | bench_summary
done
