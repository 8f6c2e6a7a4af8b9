#!/usr/bin/env bash
# identity_login.sh — what logging in costs, and what it costs everybody else (issue 3):
#   1. logins per second with PBKDF2-HMAC-SHA256 at the production 600,000 iterations, hashed
#      on the core's bounded, lowest-priority pool (password.hash_threads), under a flood of
#      BENCH_LOGIN_CONCURRENCY concurrent logins (the pool sheds the excess with
#      RESOURCE_EXHAUSTED rather than queueing without bound);
#   2. the latency of a cheap call (GET /api/v1/system/info through the gateway, probed at a
#      steady BENCH_PROBE_RATE, 200 requests/s) while that flood runs, against the same probe on a quiet core in
#      the same run (goal: p99 ≤ 1.2×);
#   3. the median extra cost of an authenticated call over an anonymous one: the same trivial
#      method (grpc.health.v1.Health/Check) with and without a session token, one call at a
#      time, so the difference is the auth gate's Redis round trip (goal < 0.1 ms).
# Rounds alternate (quiet/flood, anonymous/authenticated) so the machine's noise falls on both.
# Prints figures; never fails on them. Run by tests/bench/run_all.sh or on its own.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

LOGIN_CONCURRENCY=${BENCH_LOGIN_CONCURRENCY:-32}
PROBE_RATE=${BENCH_PROBE_RATE:-200}  # requests/s of the cheap-call probe (1,000 samples per 5 s round)
HASH_THREADS=${BENCH_HASH_THREADS:-1}  # the core's default (password.hash_threads)
ITERATIONS=600000
BENCH_USER=bench0001
BENCH_PASSWORD='Bench@2026-ehall'

bench_build //core:ehall-core //gateway:ehall-gateway //tests/bench:grpc_load
bench_say "starting PostgreSQL, Redis, ehall-core (hash pool: $HASH_THREADS threads) and ehall-gateway under $BENCH_TMP"
bench_start_postgres
bench_start_redis
bench_migrate
export EHALL_CORE_PASSWORD_HASH_THREADS=$HASH_THREADS EHALL_CORE_PASSWORD_PBKDF2_ITERATIONS=$ITERATIONS
bench_start_core CORE 4
bench_start_gateway "$CORE_PORT"

# One active account whose password is already hashed at the production cost (so every login
# is a full PBKDF2, never a legacy rehash) and needs no change.
hash=$(/usr/bin/python3 - "$BENCH_PASSWORD" "$ITERATIONS" <<'PY'
import base64, hashlib, os, sys
pw, it = sys.argv[1].encode(), int(sys.argv[2])
salt = os.urandom(16)
dk = hashlib.pbkdf2_hmac("sha256", pw, salt, it, 32)
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
print(f"pbkdf2-sha256${it}${b(salt)}${b(dk)}")
PY
)
bench_as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U ehall -d ehall -qv ON_ERROR_STOP=1 \
  -v h="$hash" -v u="$BENCH_USER" >/dev/null <<'SQL'
INSERT INTO accounts (campus_id, name, kind, org_unit, password_hash, must_change_password,
                      password_changed_at)
VALUES (:'u', '压测用户', 1, 'CS-2023-1', :'h', false, now());
INSERT INTO account_roles (account_id, role) SELECT id, 'student' FROM accounts WHERE campus_id = :'u';
SQL

GW="http://127.0.0.1:$GATEWAY_PORT"
token=$(curl -sf -X POST "$GW/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"campusId\":\"$BENCH_USER\",\"password\":\"$BENCH_PASSWORD\",\"client\":\"mp\"}" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') ||
  bench_die "the bench account could not log in (see $BENCH_TMP/CORE.log)"

# ehall.identity.v1.LoginRequest{campus_id=1, password=2, client=4} in protobuf wire format.
login_hex=$(/usr/bin/python3 - "$BENCH_USER" "$BENCH_PASSWORD" <<'PY'
import sys
def field(n, s):
    b = s.encode()
    return bytes([n << 3 | 2, len(b)]) + b
print((field(1, sys.argv[1]) + field(2, sys.argv[2]) + field(4, "mp")).hex())
PY
)

# --- 1 and 2: logins flood, a cheap call probed ------------------------------------------------
PROBE="$BENCH_TMP/probe.results"; FLOOD="$BENCH_TMP/flood.results"
: >"$PROBE"; : >"$FLOOD"
bench_say "login flood ($LOGIN_CONCURRENCY in flight) vs quiet, probing GET /api/v1/system/info at ${PROBE_RATE}/s: $ROUNDS rounds × ${SECONDS_PER_RUN} s"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then order="quiet flood"; else order="flood quiet"; fi
  for mode in $order; do
    if [ "$mode" = flood ]; then
      "$LOAD_BIN" --target="127.0.0.1:$CORE_PORT" --method=/ehall.identity.v1.Auth/Login \
        --request-hex="$login_hex" --concurrency="$LOGIN_CONCURRENCY" --threads=1 \
        --duration="$SECONDS_PER_RUN" --warmup="$WARMUP" --deadline-ms=10000 \
        --label=logins >"$BENCH_TMP/flood.out" 2>"$BENCH_TMP/flood.err" &
      flood_pid=$!
      BENCH_PIDS+=("$flood_pid")
      sleep "$WARMUP"
    fi
    line=$(/usr/bin/python3 "$BENCH_LIB/probe.py" "$GW/api/v1/system/info" --label="$mode" \
      --rate="$PROBE_RATE" --seconds="$SECONDS_PER_RUN")
    echo "$line round=$r" >>"$PROBE"; echo "  $line round=$r" >&2
    if [ "$mode" = flood ]; then
      wait "$flood_pid" || { cat "$BENCH_TMP/flood.err" >&2; bench_die "grpc_load (logins) failed"; }
      fl=$(cat "$BENCH_TMP/flood.out")
      ok=$(sed -n 's/.* calls=\([0-9]*\) .*/\1/p' <<<"$fl"); ok=${ok:-0}  # calls = answered OK
      shed=$(sed -n 's/.* status_RESOURCE_EXHAUSTED=\([0-9]*\).*/\1/p' <<<"$fl"); shed=${shed:-0}
      fl="label=logins round=$r logins_ok_per_s=$(awk -v n="$ok" -v s="$SECONDS_PER_RUN" 'BEGIN{printf "%.1f", n/s}') shed_per_s=$(awk -v n="$shed" -v s="$SECONDS_PER_RUN" 'BEGIN{printf "%.1f", n/s}') $(sed 's/^label=[^ ]* //' <<<"$fl")"
      echo "$fl" >>"$FLOOD"; echo "  $fl" | sed 's/ target=[^ ]*//; s/ method=[^ ]*//' >&2
      # The flood leaves nothing queued behind: wait until the pool is idle again.
      sleep 2
    fi
  done
done

# --- 3: authenticated vs anonymous --------------------------------------------------------------
AUTH="$BENCH_TMP/auth.results"; : >"$AUTH"
bench_say "Health/Check one call at a time, with and without a session token: $ROUNDS rounds × ${SECONDS_PER_RUN} s"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then order="anonymous authenticated"; else order="authenticated anonymous"; fi
  for mode in $order; do
    md=(); [ "$mode" = authenticated ] && md=(--metadata="authorization:Bearer $token")
    line=$("$LOAD_BIN" --target="127.0.0.1:$CORE_PORT" --method=/grpc.health.v1.Health/Check \
      --concurrency=1 --threads=1 --duration="$SECONDS_PER_RUN" --warmup="$WARMUP" \
      --label="$mode" "${md[@]}")
    echo "$line round=$r" >>"$AUTH"; echo "  $line round=$r" | sed 's/ target=[^ ]*//; s/ method=[^ ]*//' >&2
  done
done

{
  echo
  echo "### Identity: logins and what they cost the others"
  echo
  echo "PBKDF2-HMAC-SHA256 at $ITERATIONS iterations on a pool of $HASH_THREADS lowest-priority threads; $LOGIN_CONCURRENCY logins in flight (grpc_load on Auth/Login, one account), $ROUNDS rounds of ${SECONDS_PER_RUN} s; medians."
  echo
  /usr/bin/python3 "$BENCH_LIB/table.py" "$FLOOD" --labels logins --names "login flood" \
    --col logins_ok_per_s:"logins/s" --col shed_per_s:"shed (429)/s" --col p50_us:"login p50 µs" \
    --col p99_us:"login p99 µs"
  echo
  echo "GET /api/v1/system/info through the gateway, probed at $PROBE_RATE requests/s on one connection, quiet core vs during the login flood, interleaved rounds; medians."
  echo
  /usr/bin/python3 "$BENCH_LIB/table.py" "$PROBE" --labels quiet,flood \
    --names "quiet,during login flood" \
    --col p50_us:"p50 µs" --col p90_us:"p90 µs" --col p99_us:"p99 µs" --col errors:errors \
    --ratio "flood/quiet:<=1.2:p99 during the flood ÷ quiet p99:p99_us"
  echo
  echo "grpc.health.v1.Health/Check, one call at a time (grpc_load, concurrency 1), with a session token in \`authorization\` and without; medians of interleaved rounds."
  echo
  /usr/bin/python3 "$BENCH_LIB/table.py" "$AUTH" --labels anonymous,authenticated \
    --col p50_us:"p50 µs" --col p90_us:"p90 µs" --col p99_us:"p99 µs" --col calls_per_s:"calls/s" \
    --col errors:errors
  /usr/bin/python3 - "$AUTH" <<'PY'
import statistics, sys
rows = [dict(p.split("=", 1) for p in l.split() if "=" in p) for l in open(sys.argv[1])]
med = lambda lab: statistics.median(float(r["p50_us"]) for r in rows if r["label"] == lab)
d = med("authenticated") - med("anonymous")
print(f"\nMedian extra cost of an authenticated call: **{d / 1000:.3f} ms** (goal < 0.1 ms)")
PY
} | bench_summary
