#!/usr/bin/env bash
# gateway_vs_nginx.sh — ehall-gateway against nginx serving the same bytes from a file.
#
# Starts a private PostgreSQL, Redis, ehall-core and ehall-gateway, fetches the gateway's answer
# to GET /healthz (no call to the core: answered from the gateway's health Watch stream) and GET /api/v1/system/info
# (GetInfo: a PostgreSQL and a Redis round trip in the core) once with curl, and has an nginx
# (Debian's nginx-light, 2 workers, access_log off, generated config in the temp dir) serve
# exactly those bytes with the same content-type. Then wrk -t2 -c64 runs against each
# alternately for BENCH_ROUNDS rounds. nginx is the ceiling: a static file with no upstream.
# Prints req/s, latency p50/p99, server CPU per request, the ratios gateway ÷ nginx (goal
# ≥ 0.6× for /healthz) and the gateway's RSS after the run. Prints figures; never fails on them.
# Run by tests/bench/run_all.sh (or on its own: bash tests/bench/lib/gateway_vs_nginx.sh).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

command -v wrk >/dev/null || bench_die "wrk is not installed (apt-get install wrk)"

bench_build //core:ehall-core //gateway:ehall-gateway
bench_say "starting PostgreSQL, Redis, ehall-core, ehall-gateway and nginx under $BENCH_TMP"
bench_start_postgres
bench_start_redis
bench_migrate
bench_start_core CORE "${BENCH_CORE_WORKERS:-4}"
bench_start_gateway "$CORE_PORT"
GW="http://127.0.0.1:$GATEWAY_PORT"
# /healthz is 503 until the gateway's health Watch stream has its first answer (milliseconds).
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$GW/healthz")" = 200 ] && break
  sleep 0.05
done

# --- the same bytes for nginx -----------------------------------------------------------------
WWW="$BENCH_TMP/www"
mkdir -p "$WWW/api/v1/system"
declare -A CTYPE
for path in /healthz /api/v1/system/info; do
  code=$(curl -sS -o "$WWW$path" -D "$BENCH_TMP/headers" -w '%{http_code}' "$GW$path")
  [ "$code" = 200 ] || { cat "$WWW$path" >&2; bench_die "gateway answered $code to GET $path"; }
  CTYPE[$path]=$(sed -n 's/^[Cc]ontent-[Tt]ype: *\(.*\)\r$/\1/p' "$BENCH_TMP/headers")
  echo "  GET $path → $(wc -c <"$WWW$path") bytes, ${CTYPE[$path]}" >&2
done
chmod -R a+rX "$WWW"

bench_start_nginx "$WWW" "    location = /healthz { default_type \"${CTYPE[/healthz]}\"; }
    location = /api/v1/system/info { default_type \"${CTYPE[/api/v1/system/info]}\"; }"
NG="http://127.0.0.1:$NGINX_PORT"
for path in /healthz /api/v1/system/info; do
  curl -sS "$NG$path" | cmp -s - "$WWW$path" || bench_die "nginx does not serve the gateway's bytes for $path"
done

declare -A NAME=([/healthz]=healthz [/api/v1/system/info]=info)
for path in /healthz /api/v1/system/info; do
  RESULTS="$BENCH_TMP/http.${NAME[$path]}.results"
  : >"$RESULTS"
  bench_say "GET $path: $ROUNDS rounds × ${SECONDS_PER_RUN} s each, wrk -t2 -c$CONCURRENCY"
  # A short unmeasured run first: connections, caches and the core's pools warm up.
  wrk -t2 -c"$CONCURRENCY" -d"${WARMUP}s" "$GW$path" >/dev/null 2>&1 || true
  wrk -t2 -c"$CONCURRENCY" -d"${WARMUP}s" "$NG$path" >/dev/null 2>&1 || true
  for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then order="gateway nginx"; else order="nginx gateway"; fi
    for s in $order; do
      case $s in
        gateway) bench_wrk_round "$RESULTS" gateway "$r" "$GW$path" "$GATEWAY_PID" "$CORE_PID" ;;
        nginx) bench_wrk_round "$RESULTS" nginx "$r" "$NG$path" "$NGINX_PID" ;;
      esac
    done
  done
done

read -r RSS_KB PEAK_KB <<<"$(bench_rss_kb "$GATEWAY_PID")"
read -r CORE_RSS_KB CORE_PEAK_KB <<<"$(bench_rss_kb "$CORE_PID")"

for path in /healthz /api/v1/system/info; do
  n=${NAME[$path]}
  if [ "$n" = healthz ]; then goal="0.6"; what="none: health Watch state"; else goal=""; what="GetInfo: PostgreSQL + Redis"; fi
  {
    echo
    echo "### HTTP: ehall-gateway vs nginx, \`GET $path\` ($(wc -c <"$WWW$path") bytes; gateway → core $what)"
    echo
    echo "wrk -t2 -c$CONCURRENCY -d${SECONDS_PER_RUN}s --latency, $ROUNDS interleaved rounds; medians. nginx serves the same bytes from a file (2 workers, access_log off)."
    echo
    /usr/bin/python3 "$BENCH_LIB/table.py" "$BENCH_TMP/http.$n.results" --labels gateway,nginx \
      --names "ehall-gateway (+ core),nginx static" \
      --col req_per_s:"req/s" --col p50_us:"p50 µs" --col p99_us:"p99 µs" \
      --col cpu_us_per_op:"server CPU µs/req" --col core_cpu_us_per_op:"core CPU µs/req" \
      --col errors:errors \
      --ratio "gateway/nginx:$goal:ehall-gateway ÷ nginx (req/s)"
  } | bench_summary
done
{
  echo
  mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
  echo "ehall-gateway RSS after the runs: $(mib "$RSS_KB") (peak $(mib "$PEAK_KB")); ehall-core: $(mib "$CORE_RSS_KB") (peak $(mib "$CORE_PEAK_KB"))."
} | bench_summary
