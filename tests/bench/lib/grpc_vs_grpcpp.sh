#!/usr/bin/env bash
# grpc_vs_grpcpp.sh — ehall-core's gRPC server against a grpc++ callback-API server doing the
# same trivial work (grpc.health.v1.Health/Check → SERVING), with the same C-core load client.
#
# Starts a private PostgreSQL + Redis (the core needs them to start), ehall-core (default
# workers) and tests/bench:grpcpp_health_server on free loopback ports, then runs grpc_load
# against each alternately for BENCH_ROUNDS rounds, sampling each server's CPU time from
# /proc/PID/stat over the measured window. Prints a table and the ratio of calls/s
# (ehall-core ÷ grpc++; the goal is ≥ 1.0×). Prints figures; never fails on them.
# Run by tests/bench/run_all.sh (or on its own: bash tests/bench/lib/grpc_vs_grpcpp.sh).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bench_build //core:ehall-core //tests/bench:grpc_load //tests/bench:grpcpp_health_server
bench_say "starting PostgreSQL, Redis, ehall-core and the grpc++ server under $BENCH_TMP"
bench_start_postgres
bench_start_redis
bench_migrate
bench_start_core CORE "${BENCH_CORE_WORKERS:-4}"
bench_start_grpcpp

METHOD=/grpc.health.v1.Health/Check
RESULTS="$BENCH_TMP/grpc.results"
: >"$RESULTS"
bench_say "grpc.health.v1.Health/Check: $ROUNDS rounds × ${SECONDS_PER_RUN} s each, $CONCURRENCY in flight, 2 client threads"
for r in $(seq "$ROUNDS"); do
  # Alternate which server goes first so neither always runs on a warmer (or hotter) machine.
  if [ $((r % 2)) -eq 1 ]; then order="core grpcpp"; else order="grpcpp core"; fi
  for s in $order; do
    case $s in
      core) bench_grpc_round "$RESULTS" ehall-core "$r" "$CORE_PORT" "$METHOD" "$CORE_PID" ;;
      grpcpp) bench_grpc_round "$RESULTS" grpcpp "$r" "$GRPCPP_PORT" "$METHOD" "$GRPCPP_PID" ;;
    esac
  done
done

{
  echo
  echo "### gRPC server: ehall-core (C core, ${BENCH_CORE_WORKERS:-4} workers) vs grpc++ callback API, Health/Check"
  echo
  echo "grpc_load (C core client, 2 threads, $CONCURRENCY calls in flight), $ROUNDS interleaved rounds of ${SECONDS_PER_RUN} s; medians."
  echo
  /usr/bin/python3 "$BENCH_LIB/table.py" "$RESULTS" --labels ehall-core,grpcpp \
    --names "ehall-core,grpc++ callback" \
    --col calls_per_s:"calls/s" --col p50_us:"p50 µs" --col p90_us:"p90 µs" --col p99_us:"p99 µs" \
    --col cpu_us_per_op:"server CPU µs/call" --col errors:errors \
    --ratio "ehall-core/grpcpp:1.0:ehall-core ÷ grpc++ (calls/s)" \
    --ratio "grpcpp/ehall-core::grpc++ ÷ ehall-core (server CPU per call; above 1 means the core spends less):cpu_us_per_op"
} | bench_summary
