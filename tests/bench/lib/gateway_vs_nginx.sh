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
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || bench_die "nginx is not installed (apt-get install nginx-light)"

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
mkdir -p "$WWW/api/v1/system" "$BENCH_TMP/nginx"
declare -A CTYPE
for path in /healthz /api/v1/system/info; do
  code=$(curl -sS -o "$WWW$path" -D "$BENCH_TMP/headers" -w '%{http_code}' "$GW$path")
  [ "$code" = 200 ] || { cat "$WWW$path" >&2; bench_die "gateway answered $code to GET $path"; }
  CTYPE[$path]=$(sed -n 's/^[Cc]ontent-[Tt]ype: *\(.*\)\r$/\1/p' "$BENCH_TMP/headers")
  echo "  GET $path → $(wc -c <"$WWW$path") bytes, ${CTYPE[$path]}" >&2
done
chmod -R a+rX "$WWW"

NGINX_PORT=$(bench_free_port)
NGINX_DIR="$BENCH_TMP/nginx"
# Tuned as one would for a benchmark: 2 workers (the gateway has 2 threads), no access log,
# open_file_cache, and keep-alive connections that are not closed every 1000 requests.
cat >"$NGINX_DIR/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $NGINX_DIR/body;
  proxy_temp_path $NGINX_DIR/proxy;
  fastcgi_temp_path $NGINX_DIR/fastcgi;
  uwsgi_temp_path $NGINX_DIR/uwsgi;
  scgi_temp_path $NGINX_DIR/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  open_file_cache max=16 inactive=60s;
  open_file_cache_valid 60s;
  server_tokens off;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WWW;
    types { }
    location = /healthz { default_type "${CTYPE[/healthz]}"; }
    location = /api/v1/system/info { default_type "${CTYPE[/api/v1/system/info]}"; }
  }
}
CONF
"$NGINX" -e "$NGINX_DIR/error.log" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" >"$NGINX_DIR/stdout.log" 2>&1 &
NGINX_PID=$!
BENCH_PIDS+=("$NGINX_PID")
bench_wait_port "$NGINX_PORT" "$NGINX_PID" nginx "$NGINX_DIR/error.log"
NG="http://127.0.0.1:$NGINX_PORT"
for path in /healthz /api/v1/system/info; do
  curl -sS "$NG$path" | cmp -s - "$WWW$path" || bench_die "nginx does not serve the gateway's bytes for $path"
done

# --- wrk rounds -------------------------------------------------------------------------------
to_us() { # wrk's "480.00us" / "1.23ms" / "1.01s" → microseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) f = 1; else if (v ~ /ms$/) f = 1e3; else if (v ~ /s$/) f = 1e6; else f = 1; printf "%.1f", n * f }'
}

wrk_round() { # FILE LABEL ROUND URL CORE_PID_OR_EMPTY SERVER_PID
  local file=$1 label=$2 round=$3 url=$4 core_pid=$5 pid=$6 out="$BENCH_TMP/wrk.out"
  local t0 t1 c0=0 c1=0
  t0=$(bench_cpu_ticks "$pid"); [ -n "$core_pid" ] && c0=$(bench_cpu_ticks "$core_pid")
  wrk -t2 -c"$CONCURRENCY" -d"${SECONDS_PER_RUN}s" --latency "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; bench_die "wrk failed against $url"; }
  t1=$(bench_cpu_ticks "$pid"); [ -n "$core_pid" ] && c1=$(bench_cpu_ticks "$core_pid")
  local rps p50 p90 p99 reqs non2xx sockerr
  rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out")
  p50=$(to_us "$(awk '$1 == "50%" { print $2 }' "$out")")
  p90=$(to_us "$(awk '$1 == "90%" { print $2 }' "$out")")
  p99=$(to_us "$(awk '$1 == "99%" { print $2 }' "$out")")
  reqs=$(awk '/requests in/ { print $1 }' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out"); non2xx=${non2xx:-0}
  sockerr=$(awk -F'[ ,]+' '/Socket errors:/ { print $5 + $7 + $9 + $11 }' "$out"); sockerr=${sockerr:-0}
  local line="label=$label round=$round req_per_s=$rps p50_us=$p50 p90_us=$p90 p99_us=$p99 requests=$reqs"
  line+=" errors=$((non2xx + sockerr)) cpu_us_per_op=$(bench_cpu_us_per_op $((t1 - t0)) "$reqs")"
  [ -n "$core_pid" ] && line+=" core_cpu_us_per_op=$(bench_cpu_us_per_op $((c1 - c0)) "$reqs")"
  echo "$line" >>"$file"
  echo "  $line" >&2
}

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
        gateway) wrk_round "$RESULTS" gateway "$r" "$GW$path" "$CORE_PID" "$GATEWAY_PID" ;;
        nginx) wrk_round "$RESULTS" nginx "$r" "$NG$path" "" "$NGINX_PID" ;;
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
