#!/usr/bin/env bash
# approvals.sh — the approvers' to-do list and the approve action with 100,000 applications in
# the database (issue: approvals, point 15), through the real core over gRPC:
#   1. ListTasks (to-do box, first page of 20) as one typical counselor (~550 tasks, ~130 of them
#      pending), with BENCH_CONCURRENCY calls in flight (grpc_load): calls/s, p50/p99, core and
#      PostgreSQL CPU per call; and one call at a time: p50/p99 (the latency he sees);
#   2. ActOnTask APPROVE on distinct pending tasks, each as the session of whoever may act on it
#      (the assignee or his delegate of today; ~200 approvers logged in; grpc_load
#      --request-file, one task per call), one at a time and as a flood of BENCH_APPR_FLOOD
#      (default BENCH_CONCURRENCY, 64) in flight: calls/s, p50/p99. An approval that passes
#      the counselor's step of a two-step process starts the leader's (approvers resolved
#      through the org), the others end the application, as in production;
#   3. ListTasks one at a time again WHILE the approve flood runs: p99 under the flood ÷ p99
#      quiet (goal ≤ 1.2×; printed, never enforced).
# The reference, in the same run and interleaved round by round: pgbench against the same
# database running the SAME two statements the core runs for a to-do page (SQL_LIST_TODO, then
# SQL_COUNTS, read at run time from core/store/approvals_store.c, macros expanded), sent as
# the core sends them (-M prepared: each connection prepares a statement once, core/store/pg.c)
# with the same parameters, at the same concurrency (BENCH_CONCURRENCY clients, and one). The
# ratio ehall ÷ pgbench is what the core adds around the SQL (gRPC, the session check in Redis,
# protobuf).
#
# The database (approvals_data.sql, set-based, one psql run, ~15 s): 100,000 applications
# (BENCH_APPR_APPS) of 4 services with published processes, spread over 19,800 students, 180
# counselors and 20 college leaders; three quarters decided over half a year, the newest
# quarter (the last 6 days) mostly in review: ~22,500 pending tasks. The approvals change it
# as they go (~20,000 pending tasks are not the reader's; each round approves a few thousand).
# BENCH_ROUNDS (3) interleaved rounds of BENCH_SECONDS (5); medians with every round's range.
# Private PostgreSQL, Redis and core (BENCH_CORE_WORKERS, 4 = the core's default; rate limits
# off). Prints figures; never fails on them. Run by tests/bench/run_all.sh or on its own.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

APPS=${BENCH_APPR_APPS:-100000}
READER=${BENCH_APPR_READER:-40000001}  # counselor of class K1: a typical to-do list
WORKERS=${BENCH_CORE_WORKERS:-4}
FLOOD=${BENCH_APPR_FLOOD:-$CONCURRENCY}
PY=/usr/bin/python3
APPR_PY="$BENCH_LIB/approvals.py"
LIST_METHOD=/ehall.approvals.v1.Approvals/ListTasks
ACT_METHOD=/ehall.approvals.v1.Approvals/ActOnTask
# A slow to-do list must still give figures at BENCH_CONCURRENCY in flight: 60 s deadlines.
DEADLINE_MS=60000

bench_build //core:ehall-core //tests/bench:grpc_load
bench_say "starting PostgreSQL, Redis and ehall-core ($WORKERS workers) under $BENCH_TMP"
bench_start_postgres
bench_start_redis
bench_migrate
PG_PID=$(head -1 "$BENCH_TMP/pg/data/postmaster.pid")
# PostgreSQL's CPU ticks: the postmaster's own, its live children's (backends, autovacuum) and
# those of the children it has reaped (cutime/cstime: pgbench's connections end with the run).
pg_cpu_ticks() {
  local stat rest fs total kid
  stat=$(cat /proc/"$PG_PID"/stat); rest=${stat##*) }; read -r -a fs <<<"$rest"
  total=$((fs[11] + fs[12] + fs[13] + fs[14]))
  for kid in $(cat /proc/"$PG_PID"/task/*/children 2>/dev/null); do
    stat=$(cat /proc/"$kid"/stat 2>/dev/null) || continue
    rest=${stat##*) }; read -r -a fs <<<"$rest"
    total=$((total + fs[11] + fs[12]))
  done
  echo "$total"
}
psql_q() { bench_as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U ehall -d ehall -qAtX -v ON_ERROR_STOP=1 "$@"; }

bench_say "loading $APPS applications (approvals_data.sql)"
t0=$(date +%s.%N)
psql_q -v hash="$($PY "$APPR_PY" hash)" -v apps="$APPS" -f "$BENCH_LIB/approvals_data.sql" >/dev/null ||
  bench_die "loading approvals_data.sql failed"
LOAD_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
read -r n_apps n_tasks n_pending n_approvers n_events <<<"$(psql_q -F ' ' -c "SELECT
  (SELECT count(*) FROM applications), (SELECT count(*) FROM approval_tasks),
  (SELECT count(*) FROM approval_tasks WHERE state = 1), (SELECT count(DISTINCT assignee_id) FROM approval_tasks),
  (SELECT count(*) FROM application_events)")"
READER_ID=$(psql_q -c "SELECT id FROM accounts WHERE campus_id = '$READER'")
read -r r_tasks r_pending <<<"$(psql_q -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE state = 1)
  FROM approval_tasks WHERE assignee_id = $READER_ID")"
bench_say "loaded in ${LOAD_S} s: $n_apps applications, $n_tasks tasks ($n_pending pending) of $n_approvers approvers, $n_events events; the reader $READER holds $r_tasks ($r_pending pending)"

# The approvers' hashes carry 1,000 iterations: keep them (no upgrade at login).
export EHALL_CORE_PASSWORD_PBKDF2_ITERATIONS=1000
bench_start_core CORE "$WORKERS"
CORE_ADDR="127.0.0.1:$CORE_PORT"

TOKENS="$BENCH_TMP/tokens.txt"
$PY "$APPR_PY" login "$CORE_ADDR" "$PG_DSN" "$TOKENS" || bench_die "the approvers could not log in (core log: $BENCH_TMP/CORE.log)"
TOKEN=$(awk -v c="$READER" '$1 == c { print $2 }' "$TOKENS")
[ -n "$TOKEN" ] || bench_die "no session for the reader $READER"
LIST_HEX=$($PY "$APPR_PY" list-hex)
$PY "$APPR_PY" check "$CORE_ADDR" "$TOKEN" || bench_die "ListTasks does not answer (core log: $BENCH_TMP/CORE.log)"

# One approval through the flood's own request file, so a wrong fixture fails here.
n_flood=$($PY "$APPR_PY" flood "$PG_DSN" "$TOKENS" "$READER" "$BENCH_TMP/act.check" 0) ||
  bench_die "could not write the approve requests"
[ "$n_flood" -gt 0 ] || bench_die "no pending task to approve"
$PY "$APPR_PY" act-check "$CORE_ADDR" "$BENCH_TMP/act.check" || bench_die "ActOnTask does not approve (core log: $BENCH_TMP/CORE.log)"

# --- the statements pgbench runs ---------------------------------------------------------------
$PY "$APPR_PY" pgbench-script "$BENCH_REPO/core/store/approvals_store.c" >"$BENCH_TMP/todo.pgbench" ||
  bench_die "could not read SQL_LIST_TODO / SQL_COUNTS from core/store/approvals_store.c"
PGB_VARS=(-D init=0 -D caller="$READER_ID" -D overdue=false -D before=0 -D lim=20)
bench_as_pg "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U ehall -n -M prepared \
  -f "$BENCH_TMP/todo.pgbench" "${PGB_VARS[@]}" -t 2 ehall >"$BENCH_TMP/pgbench.check" 2>&1 ||
  { cat "$BENCH_TMP/pgbench.check" >&2; bench_die "the to-do statements do not run under pgbench"; }

# --- runs --------------------------------------------------------------------------------------

# One grpc_load run, CPU of the core and of PostgreSQL sampled over its measured window (skipped
# with CPU=no); the result line appended to FILE. ARGS: FILE LABEL ROUND CONCURRENCY METHOD args…
grpc_run() {
  local file=$1 label=$2 round=$3 conc=$4 method=$5; shift 5
  local out="$BENCH_TMP/grpc_load.$label.out" threads=2 c0 c1 p0 p1 line calls
  [ "$conc" -lt 2 ] && threads=1
  "$LOAD_BIN" --target="$CORE_ADDR" --method="$method" --concurrency="$conc" --threads="$threads" \
    --duration="$SECONDS_PER_RUN" --warmup="$WARMUP" --deadline-ms="$DEADLINE_MS" --label="$label" \
    "$@" >"$out" 2>"$out.err" &
  local load_pid=$!
  sleep "$WARMUP"; c0=$(bench_cpu_ticks "$CORE_PID"); p0=$(pg_cpu_ticks)
  sleep "$SECONDS_PER_RUN"; c1=$(bench_cpu_ticks "$CORE_PID"); p1=$(pg_cpu_ticks)
  wait "$load_pid" || { cat "$out.err" >&2; bench_die "grpc_load failed ($label)"; }
  line="$(cat "$out") round=$round"
  calls=$(sed -n 's/.* calls=\([0-9]*\) .*/\1/p' <<<"$line")
  # calls/s with a decimal: a slow list makes a handful of calls in a run.
  line=$(sed "s/ calls_per_s=[^ ]*/ calls_per_s=$(awk -v n="$calls" -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%.1f", n / s }')/" <<<"$line")
  if [ "${CPU:-yes}" = yes ]; then
    line+=" cpu_us_per_op=$(bench_cpu_us_per_op $((c1 - c0)) "$calls")"
    line+=" pg_cpu_us_per_op=$(bench_cpu_us_per_op $((p1 - p0)) "$calls")"
  fi
  echo "$line" >>"$file"
  echo "  $line" | sed 's/ target=[^ ]*//; s/ method=[^ ]*//' >&2
}

# pgbench running the to-do statements as READER with CLIENTS connections: transactions/s as
# pgbench counts them, latency percentiles of every transaction (its --log), PostgreSQL's CPU
# per transaction over the whole run. ARGS: FILE LABEL ROUND CLIENTS
pgbench_run() {
  local file=$1 label=$2 round=$3 clients=$4 dir="$BENCH_TMP/pgb.$2" p0 p1 line n tps
  rm -rf "$dir"; mkdir -p "$dir"; chmod 777 "$dir"
  p0=$(pg_cpu_ticks)
  bench_as_pg "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U ehall -n -M prepared \
    -f "$BENCH_TMP/todo.pgbench" "${PGB_VARS[@]}" -c "$clients" -j "$((clients < 2 ? 1 : 2))" \
    -T "$SECONDS_PER_RUN" --log --log-prefix="$dir/log" ehall >"$dir/out" 2>&1 ||
    { cat "$dir/out" >&2; bench_die "pgbench failed ($label)"; }
  sleep 0.3  # its backends exit after it: let the postmaster reap them (cutime)
  p1=$(pg_cpu_ticks)
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$dir/out")
  line="$($PY "$BENCH_LIB/org_resolve_pg.py" log "$label" "$SECONDS_PER_RUN" "$dir"/log.*) round=$round"
  line=$(sed "s/ calls_per_s=[^ ]*/ calls_per_s=${tps:-0}/" <<<"$line")
  n=$(sed -n 's/.* samples=\([0-9]*\) .*/\1/p' <<<"$line")
  line+=" pg_cpu_us_per_op=$(bench_cpu_us_per_op $((p1 - p0)) "$n")"
  echo "$line" >>"$file"
  echo "  $line" >&2
}

flood_file() { # ROUND K → path of a fresh request file: every task pending now, shuffled
  local f="$BENCH_TMP/approve.$1.$2" n
  n=$($PY "$APPR_PY" flood "$PG_DSN" "$TOKENS" "$READER" "$f" "$1$2") || bench_die "could not write the approve requests"
  [ "$n" -gt 0 ] || bench_die "no pending task left to approve"
  echo "$f"
}

LIST=(--request-hex="$LIST_HEX" --metadata="authorization:Bearer $TOKEN")
TODO_C="$BENCH_TMP/todo_c.results"; ONE="$BENCH_TMP/one.results"; ACT="$BENCH_TMP/act.results"
: >"$TODO_C"; : >"$ONE"; : >"$ACT"

step() { # NAME ROUND
  local r=$2 f
  case $1 in
    list_c) grpc_run "$TODO_C" ehall_todo "$r" "$CONCURRENCY" "$LIST_METHOD" "${LIST[@]}" ;;
    pg_c) pgbench_run "$TODO_C" pg_todo "$r" "$CONCURRENCY" ;;
    list_1) grpc_run "$ONE" ehall_todo_1 "$r" 1 "$LIST_METHOD" "${LIST[@]}" ;;
    pg_1) pgbench_run "$ONE" pg_todo_1 "$r" 1 ;;
    act_1)
      f=$(flood_file "$r" 1)
      grpc_run "$ACT" approve_1 "$r" 1 "$ACT_METHOD" --request-file="$f" ;;
    act_c)
      f=$(flood_file "$r" 2)
      grpc_run "$ACT" approve_flood "$r" "$FLOOD" "$ACT_METHOD" --request-file="$f" ;;
    list_1_flood)
      # The flood starts with the reader and outlasts his measured window by a second.
      f=$(flood_file "$r" 3)
      "$LOAD_BIN" --target="$CORE_ADDR" --method="$ACT_METHOD" --concurrency="$FLOOD" \
        --duration="$((SECONDS_PER_RUN + 1))" --warmup="$WARMUP" --deadline-ms="$DEADLINE_MS" \
        --label=approve_flood_under_read --request-file="$f" >"$BENCH_TMP/flood.out" 2>"$BENCH_TMP/flood.err" &
      local flood_pid=$!
      CPU=no grpc_run "$ONE" ehall_todo_1_flood "$r" 1 "$LIST_METHOD" "${LIST[@]}"
      wait "$flood_pid" || { cat "$BENCH_TMP/flood.err" >&2; bench_die "grpc_load failed (flood)"; }
      echo "$(cat "$BENCH_TMP/flood.out") round=$r" >>"$ACT"
      echo "  $(cat "$BENCH_TMP/flood.out") round=$r" | sed 's/ target=[^ ]*//; s/ method=[^ ]*//' >&2 ;;
  esac
}

STEPS=(list_c pg_c list_1 pg_1 act_1 act_c list_1_flood)
bench_say "$ROUNDS interleaved rounds × ${SECONDS_PER_RUN} s: to-do at $CONCURRENCY in flight (ehall, pgbench), one at a time (ehall, pgbench), approve one at a time and flooded ($FLOOD in flight), to-do one at a time under the flood"
for r in $(seq "$ROUNDS"); do
  bench_say "round $r"
  if [ $((r % 2)) -eq 1 ]; then order=("${STEPS[@]}"); else order=(pg_c list_c list_1_flood act_c act_1 pg_1 list_1); fi
  for s in "${order[@]}"; do step "$s" "$r"; done
done
n_left=$(psql_q -c "SELECT count(*) FROM approval_tasks WHERE state = 1")
n3() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }  # 100000 → 100,000

{
  echo
  echo "### Approvals: the to-do list and approving, with $(n3 "$n_apps") applications"
  echo
  echo "A private database (approvals_data.sql, set-based, loaded in ${LOAD_S} s): $(n3 "$n_apps") applications of 4 services with published processes (counselor; leave beyond 3 days and scholarships then the college leader), 19,800 students, $n_approvers approvers, $(n3 "$n_tasks") tasks ($(n3 "$n_pending") pending at the start, $(n3 "$n_left") after the runs), $(n3 "$n_events") timeline events. The reader is a typical counselor: $r_tasks tasks, $r_pending pending; his to-do box, first page of 20 (\`ListTasks\` = the core's SQL_LIST_TODO + SQL_COUNTS). The reference is pgbench running those two statements, read from core/store/approvals_store.c, against the same database with the same parameters (-M prepared: prepared once per connection, as the core does). Approvals: \`ActOnTask\` APPROVE on distinct pending tasks (a different one each call, as the session of its assignee or his delegate), in a random order; core with $WORKERS workers. $ROUNDS interleaved rounds of ${SECONDS_PER_RUN} s; medians (first column: min–max)."
  echo
  echo "To-do list with $CONCURRENCY calls in flight (grpc_load) vs pgbench with $CONCURRENCY clients; CPU of the core and of PostgreSQL per call."
  echo
  $PY "$BENCH_LIB/table.py" "$TODO_C" --labels ehall_todo,pg_todo --names "ehall ListTasks,pgbench SQL_LIST_TODO + SQL_COUNTS" \
    --col calls_per_s:"calls/s" --col p50_us:"p50 µs" --col p99_us:"p99 µs" \
    --col cpu_us_per_op:"core CPU µs/call" --col pg_cpu_us_per_op:"PostgreSQL CPU µs/call" --col errors:errors \
    --ratio "ehall_todo/pg_todo::to-do calls/s ehall ÷ pgbench:calls_per_s"
  echo
  echo "One call at a time (what one approver waits for), and the to-do list again while an approve flood of $FLOOD in flight runs."
  echo
  $PY "$BENCH_LIB/table.py" "$ONE" --labels ehall_todo_1,pg_todo_1,ehall_todo_1_flood \
    --names "ehall ListTasks (quiet),pgbench SQL_LIST_TODO + SQL_COUNTS,ehall ListTasks under the approve flood" \
    --col calls_per_s:"calls/s" --col p50_us:"p50 µs" --col p90_us:"p90 µs" --col p99_us:"p99 µs" --col errors:errors \
    --ratio "ehall_todo_1/pg_todo_1::to-do p50 ehall ÷ pgbench, one at a time:p50_us" \
    --ratio "ehall_todo_1_flood/ehall_todo_1:<=1.2:to-do p99 under the approve flood ÷ quiet:p99_us"
  echo
  $PY "$BENCH_LIB/table.py" "$ACT" --labels approve_1,approve_flood,approve_flood_under_read \
    --names "ActOnTask APPROVE one at a time,ActOnTask APPROVE flood ($FLOOD in flight),the flood while the to-do list is read" \
    --col calls_per_s:"approvals/s" --col p50_us:"p50 µs" --col p90_us:"p90 µs" --col p99_us:"p99 µs" \
    --col cpu_us_per_op:"core CPU µs/call" --col pg_cpu_us_per_op:"PostgreSQL CPU µs/call" --col errors:errors
} | bench_summary
