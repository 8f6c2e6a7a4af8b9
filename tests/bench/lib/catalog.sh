#!/usr/bin/env bash
# catalog.sh — catalogue reads through ehall-gateway against nginx serving the same bytes, with
# 2,000 published services (catalog_data.sql, a private database).
#
# Starts a private PostgreSQL, Redis, ehall-core and two gateways: one with its response cache
# (subscribed to ehall:cache:invalidate on the same Redis, as ./dev runs it) and one without
# (every request goes to the core's in-process snapshot: the uncached path). Fetches, once, an
# anonymous search (`GET /api/v1/catalog/services?query=zdzm`, pinyin initials: 在读证明) and a guide
# (`GET /api/v1/catalog/services/svc-1000`), and has nginx (2 workers, access_log off) serve
# exactly those bytes. Then wrk -t2 -c64 runs, in interleaved rounds, against the cached
# gateway, nginx, and the uncached gateway. Prints req/s, p50/p99 and the ratios gateway ÷
# nginx (goal ≥ 0.6×) and the uncached search p99. Figures only; never fails on them.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

command -v wrk >/dev/null || bench_die "wrk is not installed (apt-get install wrk)"

bench_build //core:ehall-core //gateway:ehall-gateway
bench_say "starting PostgreSQL, Redis, ehall-core, two gateways and nginx under $BENCH_TMP"
bench_start_postgres
bench_start_redis
bench_migrate
t0=$(date +%s.%N)
bench_as_pg psql -h 127.0.0.1 -p "$PG_PORT" -U ehall -d ehall -qX -v ON_ERROR_STOP=1 \
  -f "$BENCH_LIB/catalog_data.sql" >/dev/null || bench_die "loading catalog_data.sql failed"
bench_say "2,000 services loaded in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
bench_start_core CORE "${BENCH_CORE_WORKERS:-4}"

start_gw() { # NAME EXTRA_ENV… → <NAME>_PID, <NAME>_PORT
  local name=$1 port log; shift
  port=$(bench_free_port); log="$BENCH_TMP/$name.log"
  (cd "$BENCH_REPO" && exec env "$@" EHALL_GATEWAY_LISTEN="127.0.0.1:$port" \
    EHALL_GATEWAY_CORE_ADDR="127.0.0.1:$CORE_PORT" EHALL_GATEWAY_CORE_SECRET="$BENCH_GATEWAY_SECRET" \
    EHALL_GATEWAY_LOG_LEVEL=warn EHALL_GATEWAY_ACCESS_LOG=false "$GATEWAY_BIN") >"$log" 2>&1 &
  local pid=$!
  BENCH_PIDS+=("$pid")
  bench_wait_port "$port" "$pid" "ehall-gateway ($name)" "$log"
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_PORT" '%s' "$port"
}
start_gw CACHED EHALL_GATEWAY_REDIS_HOST=127.0.0.1 EHALL_GATEWAY_REDIS_PORT="$REDIS_PORT"
start_gw PLAIN EHALL_GATEWAY_CACHE_MAX_BYTES=0
GW="http://127.0.0.1:$CACHED_PORT"
GP="http://127.0.0.1:$PLAIN_PORT"

SEARCH='/api/v1/catalog/services?query=zdzm'
GUIDE='/api/v1/catalog/services/svc-1000'
WWW="$BENCH_TMP/www"
mkdir -p "$WWW"
for p in search guide; do
  if [ $p = search ]; then path=$SEARCH; else path=$GUIDE; fi
  code=$(curl -sS -o "$WWW/$p.json" -w '%{http_code}' "$GW$path")
  [ "$code" = 200 ] || { cat "$WWW/$p.json" >&2; bench_die "gateway answered $code to GET $path"; }
  # The cache serves the second request; wait until it does (the subscription is up).
  for _ in $(seq 50); do
    [ "$(curl -sS -o /dev/null -D - "$GW$path" | tr -d '\r' | sed -n 's/^x-cache: //Ip')" = HIT ] && break
    sleep 0.1
  done
  echo "  GET $path → $(wc -c <"$WWW/$p.json") bytes" >&2
done
total=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("total", 0))' "$WWW/search.json")
[ "$total" -gt 0 ] || bench_die "the search matched nothing"
echo "  the search matches $total of 2,000 services" >&2
chmod -R a+rX "$WWW"

bench_start_nginx "$WWW" '    default_type "application/json; charset=utf-8";
    location = /api/v1/catalog/services { try_files /search.json =404; }
    location = /api/v1/catalog/services/svc-1000 { try_files /guide.json =404; }'
NG="http://127.0.0.1:$NGINX_PORT"
curl -sS "$NG$SEARCH" | cmp -s - "$WWW/search.json" || bench_die "nginx does not serve the gateway's search bytes"
curl -sS "$NG$GUIDE" | cmp -s - "$WWW/guide.json" || bench_die "nginx does not serve the gateway's guide bytes"

for p in search guide; do
  if [ $p = search ]; then path=$SEARCH; else path=$GUIDE; fi
  RESULTS="$BENCH_TMP/catalog.$p.results"
  : >"$RESULTS"
  bench_say "GET $path: $ROUNDS rounds × ${SECONDS_PER_RUN} s each, wrk -t2 -c$CONCURRENCY"
  for u in "$GW" "$NG" "$GP"; do wrk -t2 -c"$CONCURRENCY" -d"${WARMUP}s" "$u$path" >/dev/null 2>&1 || true; done
  for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then order="cached nginx plain"; else order="plain nginx cached"; fi
    for s in $order; do
      case $s in
        cached) bench_wrk_round "$RESULTS" cached "$r" "$GW$path" "$CACHED_PID" ;;
        nginx) bench_wrk_round "$RESULTS" nginx "$r" "$NG$path" "$NGINX_PID" ;;
        plain) bench_wrk_round "$RESULTS" plain "$r" "$GP$path" "$PLAIN_PID" ;;
      esac
    done
  done
done

for p in search guide; do
  if [ $p = search ]; then path=$SEARCH; what="search by pinyin initials, $total of 2,000 match"; else path=$GUIDE; what="one guide"; fi
  {
    echo
    echo "### Catalogue: \`GET $path\` ($what; $(wc -c <"$WWW/$p.json") bytes)"
    echo
    echo "wrk -t2 -c$CONCURRENCY -d${SECONDS_PER_RUN}s --latency, $ROUNDS interleaved rounds; medians. nginx serves the same bytes from a file (2 workers, access_log off). \"cached\": the gateway's response cache for anonymous public reads (as deployed); \"uncached\": a gateway without it, every request answered by the core from its in-process snapshot."
    echo
    /usr/bin/python3 "$BENCH_LIB/table.py" "$BENCH_TMP/catalog.$p.results" --labels cached,nginx,plain \
      --names "ehall-gateway (cached),nginx static,ehall-gateway (uncached) + core" \
      --col req_per_s:"req/s" --col p50_us:"p50 µs" --col p99_us:"p99 µs" \
      --col cpu_us_per_op:"server CPU µs/req" --col errors:errors \
      --ratio "cached/nginx:0.6:cached gateway ÷ nginx (req/s)" \
      --ratio "plain/nginx::uncached gateway ÷ nginx (req/s)"
  } | bench_summary
done
