# common.sh — shared pieces of the benchmark scripts in tests/bench/ (sourced, never run).
#
# Builds the binaries, starts PRIVATE servers (PostgreSQL, Redis, ehall-core, ehall-gateway)
# on free loopback ports under one temp dir, reads a process's CPU time from /proc, and tears
# everything down on exit. It never touches a system PostgreSQL/Redis/nginx or the `./dev up`
# stack, and never stops a process it did not start (every stop is by the pid it recorded).
#
# Knobs (environment): BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_WARMUP (1),
# BENCH_CONCURRENCY (64), BAZEL (the bazel command, e.g. "bazel --output_base=…"),
# BENCH_BAZEL_FLAGS (extra build flags, e.g. "--symlink_prefix=/" to leave bazel-bin alone),
# BENCH_SUMMARY (a file that collects the markdown summary; run_all.sh sets it),
# BENCH_PG_STATEMENTS (N: print the N statements PostgreSQL spent most time on).

set -euo pipefail

BENCH_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BENCH_LIB="$BENCH_REPO/tests/bench/lib"
PG_BIN=/usr/lib/postgresql/15/bin
ROUNDS=${BENCH_ROUNDS:-3}
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
WARMUP=${BENCH_WARMUP:-1}
CONCURRENCY=${BENCH_CONCURRENCY:-64}
CLK_TCK=$(getconf CLK_TCK)
read -r -a BAZEL_CMD <<<"${BAZEL:-bazel}"
read -r -a BAZEL_BUILD_FLAGS <<<"${BENCH_BAZEL_FLAGS:-}"

bench_say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
bench_die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# --- temp dir and teardown --------------------------------------------------------------------
BENCH_PIDS=()      # processes started here, stopped in reverse order on exit
BENCH_PG_DATA=()   # PostgreSQL clusters started here
BENCH_REDIS_PIDFILES=()
BENCH_TMP=$(mktemp -d /tmp/ehall-bench.XXXXXX)
chmod 755 "$BENCH_TMP"

bench_as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

bench_stop_pid() { # PID
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# BENCH_PG_STATEMENTS=N: PostgreSQL loads pg_stat_statements, and the teardown prints the N
# statements that took the most of its time (calls, total ms executing, mean ms executing,
# total ms planning, rows), to find what a benchmark's PostgreSQL CPU goes to.
bench_pg_top_statements() {
  [ -n "${BENCH_PG_STATEMENTS:-}" ] && [ -n "${PG_PORT:-}" ] || return 0
  echo "bench: PostgreSQL's top ${BENCH_PG_STATEMENTS} statements by total time" >&2
  bench_as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U ehall -d ehall -qAtX -F ' | ' -c \
    "SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 3),
            round(total_plan_time::numeric, 1), rows,
            regexp_replace(left(query, 160), '\s+', ' ', 'g')
       FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT ${BENCH_PG_STATEMENTS}" >&2 || true
}

bench_teardown() {
  local i
  bench_pg_top_statements
  for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do bench_stop_pid "${BENCH_PIDS[$i]}"; done
  for f in "${BENCH_REDIS_PIDFILES[@]+"${BENCH_REDIS_PIDFILES[@]}"}"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  for d in "${BENCH_PG_DATA[@]+"${BENCH_PG_DATA[@]}"}"; do
    bench_as_pg "$PG_BIN/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1 || true
  done
  if [ -n "${BENCH_KEEP_TMP:-}" ]; then echo "bench: kept $BENCH_TMP" >&2; else rm -rf "$BENCH_TMP"; fi
}
trap bench_teardown EXIT
trap 'exit 130' INT TERM

bench_free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

bench_wait_port() { # PORT PID NAME LOG
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { tail -20 "$4" >&2; bench_die "$3 exited during start-up (log: $4)"; }
    sleep 0.05
  done
  tail -20 "$4" >&2
  bench_die "$3 did not listen on port $1 (log: $4)"
}

# --- build ------------------------------------------------------------------------------------
bench_build() { # TARGETS…  → sets BENCH_BIN (bazel-bin)
  bench_say "building $*"
  (cd "$BENCH_REPO" && "${BAZEL_CMD[@]}" build --noshow_progress --color=no --curses=no \
    ${BAZEL_BUILD_FLAGS[@]+"${BAZEL_BUILD_FLAGS[@]}"} "$@" >&2)
  BENCH_BIN=$(cd "$BENCH_REPO" && "${BAZEL_CMD[@]}" info bazel-bin 2>/dev/null)
  CORE_BIN="$BENCH_BIN/core/ehall-core"
  GATEWAY_BIN="$BENCH_BIN/gateway/ehall-gateway"
  LOAD_BIN="$BENCH_BIN/tests/bench/grpc_load"
  GRPCPP_BIN="$BENCH_BIN/tests/bench/grpcpp_health_server"
}

# --- servers ----------------------------------------------------------------------------------
bench_start_postgres() { # → PG_PORT, PG_DSN
  local dir="$BENCH_TMP/pg" pss=""
  [ -n "${BENCH_PG_STATEMENTS:-}" ] && pss=" -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on"
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  PG_PORT=$(bench_free_port)
  bench_as_pg "$PG_BIN/initdb" -D "$dir/data" -U ehall --auth=trust -E UTF8 --locale=C.UTF-8 -N >/dev/null
  BENCH_PG_DATA+=("$dir/data")
  bench_as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -w -l "$dir/postgres.log" \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $dir -c max_connections=200 -c fsync=off -c synchronous_commit=off$pss" \
    start >/dev/null
  bench_as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U ehall -d postgres -qc "CREATE DATABASE ehall" >/dev/null
  [ -z "$pss" ] || bench_as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U ehall -d ehall -qc "CREATE EXTENSION pg_stat_statements" >/dev/null
  PG_DSN="host=127.0.0.1 port=$PG_PORT dbname=ehall user=ehall"
}

bench_start_redis() { # → REDIS_PORT
  local dir="$BENCH_TMP/redis"
  mkdir -p "$dir"
  REDIS_PORT=$(bench_free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --protected-mode yes
  BENCH_REDIS_PIDFILES+=("$dir/redis.pid")
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
  bench_die "Redis did not start on port $REDIS_PORT"
}

BENCH_GATEWAY_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

bench_core_env() {
  export EHALL_CORE_PG_DSN="$PG_DSN" EHALL_CORE_REDIS_HOST=127.0.0.1 EHALL_CORE_REDIS_PORT="$REDIS_PORT"
  export EHALL_CORE_MIGRATIONS_DIR="$BENCH_REPO/migrations"
  # Logs at warn: a benchmark measures serving, not the log line per call.
  export EHALL_CORE_LOG_LEVEL=warn EHALL_CORE_GATEWAY_SECRET="$BENCH_GATEWAY_SECRET"
  # All load comes from 127.0.0.1: with rate limits on, GetInfo (read class, burst 300) would
  # measure RESOURCE_EXHAUSTED answers instead of the method (core/rpc/README.md).
  export EHALL_CORE_RATELIMIT_ENABLED=false
}

bench_migrate() {
  bench_core_env
  (cd "$BENCH_REPO" && "$CORE_BIN" migrate >"$BENCH_TMP/migrate.log" 2>&1) ||
    { cat "$BENCH_TMP/migrate.log" >&2; bench_die "ehall-core migrate failed"; }
}

bench_start_core() { # NAME WORKERS → sets <NAME>_PID, <NAME>_PORT
  local name=$1 workers=$2 port log
  port=$(bench_free_port); log="$BENCH_TMP/$name.log"
  bench_core_env
  (cd "$BENCH_REPO" && EHALL_CORE_LISTEN="127.0.0.1:$port" EHALL_CORE_WORKERS="$workers" exec "$CORE_BIN" serve) >"$log" 2>&1 &
  local pid=$!
  BENCH_PIDS+=("$pid")
  bench_wait_port "$port" "$pid" "ehall-core ($name)" "$log"
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_PORT" '%s' "$port"
}

bench_start_gateway() { # CORE_PORT → GATEWAY_PID, GATEWAY_PORT
  local port log
  port=$(bench_free_port); log="$BENCH_TMP/gateway.log"
  (cd "$BENCH_REPO" && EHALL_GATEWAY_LISTEN="127.0.0.1:$port" EHALL_GATEWAY_CORE_ADDR="127.0.0.1:$1" \
    EHALL_GATEWAY_CORE_SECRET="$BENCH_GATEWAY_SECRET" EHALL_GATEWAY_LOG_LEVEL=warn \
    EHALL_GATEWAY_ACCESS_LOG=false EHALL_GATEWAY_STATIC_DIR="$BENCH_REPO/miniprogram/dist/build/h5" \
    exec "$GATEWAY_BIN") >"$log" 2>&1 &
  GATEWAY_PID=$!
  BENCH_PIDS+=("$GATEWAY_PID")
  bench_wait_port "$port" "$GATEWAY_PID" ehall-gateway "$log"
  GATEWAY_PORT=$port
}

bench_start_grpcpp() { # → GRPCPP_PID, GRPCPP_PORT
  local log="$BENCH_TMP/grpcpp.log"
  GRPCPP_PORT=$(bench_free_port)
  "$GRPCPP_BIN" --listen="127.0.0.1:$GRPCPP_PORT" >"$log" 2>&1 &
  GRPCPP_PID=$!
  BENCH_PIDS+=("$GRPCPP_PID")
  bench_wait_port "$GRPCPP_PORT" "$GRPCPP_PID" grpcpp_health_server "$log"
}

# --- measuring --------------------------------------------------------------------------------

# CPU ticks (user + system) of PIDs and their child processes (nginx's workers), summed.
bench_cpu_ticks() { # PID…
  local total=0 pid p kids stat rest f
  for pid in "$@"; do
    kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
    for p in "$pid" $kids; do
      stat=$(cat /proc/"$p"/stat 2>/dev/null) || continue
      rest=${stat##*) }  # the command name may hold spaces: fields start after the last ')'
      read -r -a f <<<"$rest"  # f[0] is field 3 of stat, so utime (14) is f[11], stime (15) f[12]
      total=$((total + f[11] + f[12]))
    done
  done
  echo "$total"
}

# Microseconds of CPU per operation from a tick delta and an operation count.
bench_cpu_us_per_op() { # TICKS OPS
  awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "nan" }'
}

bench_rss_kb() { # PID → "rss_kb peak_kb"
  awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r, h }' /proc/"$1"/status
}

# Runs grpc_load while sampling server CPU over the measured window; appends one result line
# (label, round, rate, latencies, CPU per call) to FILE and echoes it.
bench_grpc_round() { # FILE LABEL ROUND PORT METHOD SERVER_PID…
  local file=$1 label=$2 round=$3 port=$4 method=$5; shift 5
  local out="$BENCH_TMP/load.out" t0 t1 line
  "$LOAD_BIN" --target="127.0.0.1:$port" --method="$method" --concurrency="$CONCURRENCY" \
    --duration="$SECONDS_PER_RUN" --warmup="$WARMUP" --label="$label" >"$out" 2>"$out.err" &
  local load_pid=$!
  sleep "$WARMUP"; t0=$(bench_cpu_ticks "$@")
  sleep "$SECONDS_PER_RUN"; t1=$(bench_cpu_ticks "$@")
  wait "$load_pid" || { cat "$out.err" >&2; bench_die "grpc_load failed against $label"; }
  line=$(cat "$out")
  local calls; calls=$(sed -n 's/.* calls=\([0-9]*\) .*/\1/p' <<<"$line")
  line="$line round=$round cpu_us_per_op=$(bench_cpu_us_per_op $((t1 - t0)) "$calls")"
  echo "$line" >>"$file"
  echo "  $line" | sed 's/ target=[^ ]*//; s/ method=[^ ]*//' >&2
}

bench_summary() { # markdown lines on stdin → stdout and BENCH_SUMMARY
  if [ -n "${BENCH_SUMMARY:-}" ]; then tee -a "$BENCH_SUMMARY"; else cat; fi
}

# --- nginx and wrk: HTTP against a static reference --------------------------------------------

# nginx (Debian's nginx-light) serving the directory WWW with the given `location` lines, tuned
# as one would for a benchmark: 2 workers (the gateway has 2 threads), no access log,
# open_file_cache, keep-alive connections that are not closed every 1000 requests.
bench_start_nginx() { # WWW LOCATIONS → NGINX_PID, NGINX_PORT
  local www=$1 locations=$2 dir="$BENCH_TMP/nginx" nginx
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  [ -x "$nginx" ] || bench_die "nginx is not installed (apt-get install nginx-light)"
  NGINX_PORT=$(bench_free_port)
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  open_file_cache max=16 inactive=60s;
  open_file_cache_valid 60s;
  server_tokens off;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $www;
    types { }
$locations
  }
}
CONF
  "$nginx" -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
  NGINX_PID=$!
  BENCH_PIDS+=("$NGINX_PID")
  bench_wait_port "$NGINX_PORT" "$NGINX_PID" nginx "$dir/error.log"
}

bench_to_us() { # wrk's "480.00us" / "1.23ms" / "1.01s" → microseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) f = 1; else if (v ~ /ms$/) f = 1e3; else if (v ~ /s$/) f = 1e6; else f = 1; printf "%.1f", n * f }'
}

# One wrk run (-t2, CONCURRENCY connections, SECONDS_PER_RUN) appended to FILE as a line of
# key=value figures; CPU of SERVER_PID (and of CORE_PID when given) per request.
bench_wrk_round() { # FILE LABEL ROUND URL SERVER_PID [CORE_PID]
  local file=$1 label=$2 round=$3 url=$4 pid=$5 core_pid=${6:-} out="$BENCH_TMP/wrk.out"
  local t0 t1 c0=0 c1=0
  t0=$(bench_cpu_ticks "$pid"); [ -n "$core_pid" ] && c0=$(bench_cpu_ticks "$core_pid")
  wrk -t2 -c"$CONCURRENCY" -d"${SECONDS_PER_RUN}s" --latency "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; bench_die "wrk failed against $url"; }
  t1=$(bench_cpu_ticks "$pid"); [ -n "$core_pid" ] && c1=$(bench_cpu_ticks "$core_pid")
  local rps p50 p90 p99 reqs non2xx sockerr
  rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out")
  p50=$(bench_to_us "$(awk '$1 == "50%" { print $2 }' "$out")")
  p90=$(bench_to_us "$(awk '$1 == "90%" { print $2 }' "$out")")
  p99=$(bench_to_us "$(awk '$1 == "99%" { print $2 }' "$out")")
  reqs=$(awk '/requests in/ { print $1 }' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out"); non2xx=${non2xx:-0}
  sockerr=$(awk -F'[ ,]+' '/Socket errors:/ { print $5 + $7 + $9 + $11 }' "$out"); sockerr=${sockerr:-0}
  local line="label=$label round=$round req_per_s=$rps p50_us=$p50 p90_us=$p90 p99_us=$p99 requests=$reqs"
  line+=" errors=$((non2xx + sockerr)) cpu_us_per_op=$(bench_cpu_us_per_op $((t1 - t0)) "$reqs")"
  [ -n "$core_pid" ] && line+=" core_cpu_us_per_op=$(bench_cpu_us_per_op $((c1 - c0)) "$reqs")"
  echo "$line" >>"$file"
  echo "  $line" >&2
}
