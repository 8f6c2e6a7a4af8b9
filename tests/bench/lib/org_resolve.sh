#!/usr/bin/env bash
# org_resolve.sh — what answering "who approves for this student" costs (issue 4):
# ehall.org.v1.Groups/ResolveApprovers through the real core over gRPC, on a university of
# 50,000 students in 2,000 classes (org_resolve_data.sql, loaded set-based into a PRIVATE
# database), for three groups that walk different distances up a student's org path:
#   counselor           scoped to classes (found on the student's own class; a few have two,
#                       some counselors have delegated today)
#   teaching_secretary  scoped to colleges (2 levels up)
#   dept_leader         scoped to the university (the root; delegated for all groups today)
# for random students, as a hall admin session:
#   1. at a fixed moderate rate (BENCH_PROBE_RATE, 50 calls/s, one channel; grpc_probe.py, a
#      random student per call, latency from the scheduled time): p50/p99. The same probe on
#      grpc.health.v1.Health/Check gives the floor of the client and transport alone;
#   2. at concurrency (grpc_load, BENCH_CONCURRENCY in flight, one random student per round):
#      calls/s, p50/p99, core CPU per call.
# The reference, in the same run and interleaved round by round: pgbench against the same
# database running the SAME statement the core runs for the resolution, read at run time from
# core/store/group_store.c (SQL_GROUP_RESOLVE_PERSON, or BENCH_RESOLVE_SQL_NAME), once at
# the same fixed rate (one connection) and once with as many connections as the core's pool
# (pg.pool_size, 8). pgbench sends it as the core does (core/store/pg.c: prepared once per
# connection and kept: pgbench -M prepared); at the fixed rate it also runs it unnamed, parsed
# and planned on every call (-M extended), to show what planning costs. The ratio ehall ÷
# pgbench is what the core adds around the SQL (gRPC, the session check, the other statements
# of a call: the group and the account looked up).
# Prints figures; never fails on them. Run by tests/bench/run_all.sh or on its own.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PROBE_RATE=${BENCH_PROBE_RATE:-50}
PG_POOL=8  # the core's pg.pool_size default: pgbench's connections at concurrency
GROUPS_BENCH=(counselor teaching_secretary dept_leader)
RESOLVE_SRC="$BENCH_REPO/core/store/group_store.c"
# The statement the core runs to resolve a person's approvers, and what each of its $n is, by
# pgbench variable (see org_resolve_pg.py).
RESOLVE_SQL_NAME=${BENCH_RESOLVE_SQL_NAME:-SQL_GROUP_RESOLVE_PERSON}
RESOLVE_PARAMS=${BENCH_RESOLVE_PARAMS:-1=account_id,2=group_id,3=at}
ADMIN=bench_admin
ADMIN_PASSWORD='Bench@2026-ehall'
ITERATIONS=20000

bench_build //core:ehall-core //tests/bench:grpc_load
bench_say "starting PostgreSQL, Redis and ehall-core under $BENCH_TMP"
bench_start_postgres
bench_start_redis
bench_migrate
psql_q() { bench_as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U ehall -d ehall -qAtX -v ON_ERROR_STOP=1 "$@"; }

bench_say "loading 50,000 students in 2,000 classes (org_resolve_data.sql)"
t0=$(date +%s.%N)
psql_q -f "$BENCH_LIB/org_resolve_data.sql" >/dev/null || bench_die "loading the benchmark university failed"
t1=$(date +%s.%N)
LOAD_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
read -r n_students n_classes n_scopes <<<"$(psql_q -F ' ' -c "SELECT (SELECT count(*) FROM person_units),
  (SELECT count(*) FROM org_units WHERE kind = 5), (SELECT count(*) FROM group_scopes)")"
bench_say "loaded in ${LOAD_S} s: $n_students people's units, $n_classes classes, $n_scopes group scopes"

# The students' account ids are contiguous (one INSERT): pgbench picks account_base + 1..50000.
read -r account_base account_span <<<"$(psql_q -F ' ' -c "SELECT min(id) - 1, max(id) - min(id) + 1
  FROM accounts WHERE campus_id BETWEEN '30000001' AND '30050000'")"
[ "$account_span" = 50000 ] || bench_die "student account ids are not contiguous ($account_span)"

# A hall admin whose password is hashed at the core's cost (no rehash, no change required).
hash=$(/usr/bin/python3 - "$ADMIN_PASSWORD" "$ITERATIONS" <<'PY'
import base64, hashlib, os, sys
pw, it = sys.argv[1].encode(), int(sys.argv[2])
salt = os.urandom(16)
dk = hashlib.pbkdf2_hmac("sha256", pw, salt, it, 32)
b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()
print(f"pbkdf2-sha256${it}${b(salt)}${b(dk)}")
PY
)
psql_q -v h="$hash" -v u="$ADMIN" >/dev/null <<'SQL'
INSERT INTO accounts (campus_id, name, kind, org_unit, password_hash, must_change_password,
                      password_changed_at)
VALUES (:'u', '压测管理员', 2, 'BU', :'h', false, now());
INSERT INTO account_roles (account_id, role)
SELECT id, r FROM accounts, unnest(ARRAY['staff', 'hall_admin']) AS r WHERE campus_id = :'u';
SQL

export EHALL_CORE_PASSWORD_PBKDF2_ITERATIONS=$ITERATIONS
bench_start_core CORE 4
CORE_ADDR="127.0.0.1:$CORE_PORT"

# Log in over gRPC, write the request files (serialized ResolveApproversRequest{group=1,
# campus_id=2}, hex, one per line: 2,000 random students per group) and check that each group
# resolves. Protobuf by hand: strings and one bool are all it takes.
/usr/bin/python3 - "$CORE_ADDR" "$ADMIN" "$ADMIN_PASSWORD" "$BENCH_TMP" "${GROUPS_BENCH[@]}" <<'PY' ||
import random, sys
import grpc
addr, user, pw, tmp, groups = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
def s(n, v):
    b = v.encode()
    return bytes([n << 3 | 2, len(b)]) + b
def fields(buf):  # top-level (field, wire type, value) of a message
    i = 0
    while i < len(buf):
        key = 0; sh = 0
        while True:
            c = buf[i]; i += 1; key |= (c & 0x7f) << sh; sh += 7
            if c < 0x80: break
        f, wt = key >> 3, key & 7
        if wt == 0:
            v = 0; sh = 0
            while True:
                c = buf[i]; i += 1; v |= (c & 0x7f) << sh; sh += 7
                if c < 0x80: break
        elif wt == 2:
            ln = 0; sh = 0
            while True:
                c = buf[i]; i += 1; ln |= (c & 0x7f) << sh; sh += 7
                if c < 0x80: break
            v = buf[i:i + ln]; i += ln
        else:
            raise SystemExit(f"unexpected wire type {wt}")
        yield f, wt, v
ch = grpc.insecure_channel(addr)
grpc.channel_ready_future(ch).result(timeout=10)
try:
    reply = ch.unary_unary("/ehall.identity.v1.Auth/Login")(
        s(1, user) + s(2, pw) + s(4, "web"), timeout=30)
except grpc.RpcError as e:
    raise SystemExit(f"bench: the hall admin could not log in: {e.code().name} {e.details()}")
token = next(v for f, wt, v in fields(reply) if f == 1).decode()
open(f"{tmp}/token", "w").write(token)
md = (("authorization", "Bearer " + token),)
resolve = ch.unary_unary("/ehall.org.v1.Groups/ResolveApprovers")
rnd = random.Random(2026)
for g in groups:
    reqs = [s(1, g) + s(2, str(30000000 + rnd.randint(1, 50000))) for _ in range(2000)]
    with open(f"{tmp}/req.{g}", "w") as f:
        f.write("\n".join(r.hex() for r in reqs) + "\n")
    # One student of a class with two counselors, one of a delegating counselor's class.
    for cid in ("30001250", "30000001", "30049999"):
        try:
            rep = resolve(s(1, g) + s(2, cid), metadata=md, timeout=10)
        except grpc.RpcError as e:
            raise SystemExit(f"bench: ResolveApprovers({g}, {cid}) failed: "
                             f"{e.code().name} {e.details()}")
        fs = list(fields(rep))
        found = any(f == 1 and v == 1 for f, wt, v in fs)
        cands = []
        for f, wt, v in fs:
            if f == 2:
                c = {k: v2 for k, _, v2 in fields(v)}
                cands.append(c.get(1, b"").decode() +
                             (f" (for {c[3].decode()})" if 3 in c else ""))
        if not found:
            raise SystemExit(f"bench: ResolveApprovers({g}, {cid}) found nobody")
        print(f"  {g} for {cid}: {', '.join(cands)}", file=sys.stderr)
PY
  bench_die "ResolveApprovers does not answer as expected (core log: $BENCH_TMP/CORE.log)"
TOKEN=$(cat "$BENCH_TMP/token")
# grpc.health.v1.HealthCheckRequest{} is empty: "-" is grpc_probe.py's empty message.
echo - >"$BENCH_TMP/req.health"

# --- the statement pgbench runs ------------------------------------------------------------
/usr/bin/python3 "$BENCH_LIB/org_resolve_pg.py" sql "$RESOLVE_SRC" "$RESOLVE_SQL_NAME" \
  >"$BENCH_TMP/resolve.sql" 2>"$BENCH_TMP/resolve.name" ||
  { cat "$BENCH_TMP/resolve.name" >&2; bench_die "could not read the resolution statement from $RESOLVE_SRC"; }
/usr/bin/python3 "$BENCH_LIB/org_resolve_pg.py" script "$BENCH_TMP/resolve.sql" "$RESOLVE_PARAMS" \
  >"$BENCH_TMP/resolve.pgbench" || bench_die "could not make the pgbench script"
RESOLVE_NAME=$(sed -n 's/^-- \([A-Za-z_0-9]*\) from .*/\1/p' "$BENCH_TMP/resolve.name")
bench_say "pgbench runs $RESOLVE_NAME of core/store/group_store.c"
AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
group_id() { psql_q -c "SELECT id FROM approver_groups WHERE code = '$1'"; }

# One pgbench run → one result line. ARGS: LABEL GROUP FILE MODE pgbench-options…
pgbench_round() {
  local label=$1 group=$2 file=$3 mode=$4; shift 4
  local dir="$BENCH_TMP/pgb.$label"
  rm -rf "$dir"; mkdir -p "$dir"; chmod 777 "$dir"
  bench_as_pg "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U ehall -n -M "$mode" \
    -f "$BENCH_TMP/resolve.pgbench" -D group_id="$(group_id "$group")" -D at="$AT" \
    -D account_base="$account_base" -T "$SECONDS_PER_RUN" --log --log-prefix="$dir/log" "$@" ehall \
    >"$dir/out" 2>&1 || { cat "$dir/out" >&2; bench_die "pgbench failed ($label)"; }
  /usr/bin/python3 "$BENCH_LIB/org_resolve_pg.py" log "$label" "$SECONDS_PER_RUN" "$dir"/log.* >>"$file"
  echo "  $(tail -1 "$file")" >&2
}
# Check the script once (a wrong parameter map fails here, not in the middle of the rounds).
bench_as_pg "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U ehall -n -M extended \
  -f "$BENCH_TMP/resolve.pgbench" -D group_id="$(group_id counselor)" -D at="$AT" \
  -D account_base="$account_base" -t 10 ehall >"$BENCH_TMP/pgbench.check" 2>&1 ||
  { cat "$BENCH_TMP/pgbench.check" >&2; bench_die "the resolution statement does not run under pgbench (BENCH_RESOLVE_PARAMS=$RESOLVE_PARAMS)"; }

# --- 1. a fixed moderate rate: ehall probe vs pgbench -R, interleaved ------------------------------
RATE="$BENCH_TMP/rate.results"; : >"$RATE"
bench_say "fixed rate ${PROBE_RATE}/s, one channel / one connection: $ROUNDS rounds × ${SECONDS_PER_RUN} s per group"
for r in $(seq "$ROUNDS"); do
  line=$(/usr/bin/python3 "$BENCH_LIB/grpc_probe.py" "$CORE_ADDR" /grpc.health.v1.Health/Check \
    "$BENCH_TMP/req.health" --label=health --rate="$PROBE_RATE" --seconds="$SECONDS_PER_RUN" \
    --metadata="authorization:Bearer $TOKEN")
  echo "$line round=$r" >>"$RATE"; echo "  $line round=$r" >&2
  for g in "${GROUPS_BENCH[@]}"; do
    if [ $((r % 2)) -eq 1 ]; then order="ehall pg pgext"; else order="pgext pg ehall"; fi
    for side in $order; do
      if [ "$side" = ehall ]; then
        line=$(/usr/bin/python3 "$BENCH_LIB/grpc_probe.py" "$CORE_ADDR" \
          /ehall.org.v1.Groups/ResolveApprovers "$BENCH_TMP/req.$g" --label="ehall_$g" \
          --rate="$PROBE_RATE" --seconds="$SECONDS_PER_RUN" --seed="$r" \
          --metadata="authorization:Bearer $TOKEN")
        echo "$line round=$r" >>"$RATE"; echo "  $line round=$r" >&2
      elif [ "$side" = pg ]; then
        pgbench_round "pg_$g" "$g" "$RATE" prepared -c 1 -j 1 -R "$PROBE_RATE"
      else
        pgbench_round "pgext_$g" "$g" "$RATE" extended -c 1 -j 1 -R "$PROBE_RATE"
      fi
    done
  done
done

# --- 2. at concurrency: grpc_load vs pgbench with the core's pool size ------------------------------
LOAD="$BENCH_TMP/load.results"; : >"$LOAD"
bench_say "at concurrency ($CONCURRENCY in flight on the core; pgbench $PG_POOL connections): $ROUNDS rounds × ${SECONDS_PER_RUN} s per group"
for r in $(seq "$ROUNDS"); do
  for g in "${GROUPS_BENCH[@]}"; do
    if [ $((r % 2)) -eq 1 ]; then order="ehall pg"; else order="pg ehall"; fi
    for side in $order; do
      if [ "$side" = ehall ]; then
        # grpc_load sends one request: a different random student each round.
        req=$(sed -n "$((r * 37 % 2000 + 1))p" "$BENCH_TMP/req.$g")
        out="$BENCH_TMP/grpc_load.out"
        "$LOAD_BIN" --target="$CORE_ADDR" --method=/ehall.org.v1.Groups/ResolveApprovers \
          --request-hex="$req" --metadata="authorization:Bearer $TOKEN" \
          --concurrency="$CONCURRENCY" --duration="$SECONDS_PER_RUN" --warmup="$WARMUP" \
          --label="ehall_$g" >"$out" 2>"$out.err" &
        load_pid=$!
        sleep "$WARMUP"; c0=$(bench_cpu_ticks "$CORE_PID")
        sleep "$SECONDS_PER_RUN"; c1=$(bench_cpu_ticks "$CORE_PID")
        wait "$load_pid" || { cat "$out.err" >&2; bench_die "grpc_load failed"; }
        line=$(cat "$out")
        calls=$(sed -n 's/.* calls=\([0-9]*\) .*/\1/p' <<<"$line")
        line="$line round=$r cpu_us_per_op=$(bench_cpu_us_per_op $((c1 - c0)) "$calls")"
        echo "$line" >>"$LOAD"; echo "  $line" | sed 's/ target=[^ ]*//; s/ method=[^ ]*//' >&2
      else
        pgbench_round "pg_$g" "$g" "$LOAD" prepared -c "$PG_POOL" -j 2
      fi
    done
  done
done

{
  echo
  echo "### Org: ResolveApprovers on 50,000 students"
  echo
  echo "A private database of 50,000 students in 2,000 classes (20 colleges, 100 majors; loaded set-based in ${LOAD_S} s), $n_scopes group scopes (current and ended), a few delegations active today. \`ehall.org.v1.Groups/ResolveApprovers\` as a hall admin for random students; the reference is pgbench running the core's own resolution statement (\`$RESOLVE_NAME\`, read from core/store/group_store.c) against the same database. $ROUNDS interleaved rounds of ${SECONDS_PER_RUN} s; medians."
  echo
  echo "At a fixed $PROBE_RATE calls/s on one channel (grpc_probe.py, a random student per call, latency from the scheduled time) vs pgbench -R $PROBE_RATE (Poisson arrivals, latency also from the scheduled time) on one connection, the statement sent as the core sends it (-M prepared: prepared once per connection) and unnamed (-M extended: parsed and planned on every call, what planning costs); Health/Check with the same probe and session token is the floor of the Python client, gRPC and the session check."
  echo
  labels="health"; names="Health/Check (floor)"
  for g in "${GROUPS_BENCH[@]}"; do
    labels+=",ehall_$g,pg_$g,pgext_$g"; names+=",ehall $g,pgbench $g,pgbench planned per call $g"
  done
  ratios=()
  for g in "${GROUPS_BENCH[@]}"; do
    ratios+=(--ratio "ehall_$g/pg_$g::$g p50 ehall ÷ pgbench:p50_us"
             --ratio "ehall_$g/pg_$g::$g p99 ehall ÷ pgbench:p99_us"
             --ratio "pgext_$g/pg_$g::$g p50 pgbench planned per call ÷ prepared:p50_us")
  done
  /usr/bin/python3 "$BENCH_LIB/table.py" "$RATE" --labels "$labels" --names "$names" \
    --col p50_us:"p50 µs" --col p90_us:"p90 µs" --col p99_us:"p99 µs" --col errors:errors \
    "${ratios[@]}"
  echo
  echo "At concurrency: grpc_load with $CONCURRENCY calls in flight (one random student per round) vs pgbench -M prepared with $PG_POOL connections (the core's pg.pool_size), a random student per transaction. Core CPU only (PostgreSQL not counted)."
  echo
  labels=""; names=""; ratios=()
  for g in "${GROUPS_BENCH[@]}"; do
    labels+="${labels:+,}ehall_$g,pg_$g"; names+="${names:+,}ehall $g,pgbench $g"
    ratios+=(--ratio "ehall_$g/pg_$g::$g calls/s ehall ÷ pgbench:calls_per_s")
  done
  /usr/bin/python3 "$BENCH_LIB/table.py" "$LOAD" --labels "$labels" --names "$names" \
    --col calls_per_s:"calls/s" --col p50_us:"p50 µs" --col p99_us:"p99 µs" \
    --col cpu_us_per_op:"core CPU µs/call" --col errors:errors "${ratios[@]}"
} | bench_summary
