#!/usr/bin/env bash
# run_all.sh — every benchmark of ehall, once, then one summary block in markdown that can be
# pasted into the README's performance section. `./dev bench` runs it (it is the only
# executable tests/bench/*.sh; the benchmarks themselves live in tests/bench/lib/).
#
# Figures, not verdicts: it exits non-zero only when a benchmark could not run.
# Knobs: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_WARMUP (1), BENCH_CONCURRENCY (64),
# BAZEL ("bazel"; e.g. "bazel --output_base=/root/.cache/bazel-x"), BENCH_ONLY (names, e.g.
# "grpc_vs_grpcpp core_workers").
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

SUMMARY=$(mktemp /tmp/ehall-bench-summary.XXXXXX)
trap 'rm -f "$SUMMARY"' EXIT
export BENCH_SUMMARY="$SUMMARY"

failed=()
for b in ${BENCH_ONLY:-grpc_vs_grpcpp gateway_vs_nginx core_workers identity_login org_resolve catalog booking_rush approvals}; do
  printf '\033[1m==> benchmark %s\033[0m\n' "$b" >&2
  bash "$HERE/lib/$b.sh" >/dev/null || failed+=("$b")
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo
echo "----- paste into the README (performance) -----"
echo
echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores (${cpu:-unknown CPU}), Linux $(uname -r);"
echo "load generator and servers share the machine, so absolute figures are modest and noisy;"
echo "ratios from interleaved rounds are the figures to compare."
cat "$SUMMARY"
echo
echo "-----------------------------------------------"
if [ ${#failed[@]} -gt 0 ]; then
  echo "bench: could not run: ${failed[*]}" >&2
  exit 1
fi
