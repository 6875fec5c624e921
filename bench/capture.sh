#!/usr/bin/env bash
# Capture benchmark: the same wrk load (a ~1.5 KB JSON POST; 64 connections,
# then 1) against a bare axum server that only reads the body (the baseline,
# examples/bare_axum.rs) and against `hookscope serve`, which commits every
# delivery to SQLite before it answers, in both durability modes.
# Prints requests/s, p50/p99 latency, the ratio to the baseline, and the rows
# stored against the 2xx answers counted by wrk (nothing acked may be missing).
#
# The machine's speed drifts by ±15% over minutes here, so the targets run in
# ROUNDS interleaved rounds (bare, normal, full at 64 connections, then at 1)
# and each ratio is taken against the baseline of its own round; the summary
# gives the median of each figure over the rounds.
#
#   bash bench/capture.sh            # ROUNDS=5, DURATION=10s by default
#   HOOKSCOPE_BIN=/path/to/other/hookscope bash bench/capture.sh   # another build
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-5}
# The servers' startup lines would interleave with the table.
export RUST_LOG=${RUST_LOG:-warn}
target_dir=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --bin hookscope --example bare_axum
hookscope=${HOOKSCOPE_BIN:-$target_dir/release/hookscope}
bare=$target_dir/release/examples/bare_axum
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=18790
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# run_wrk CONNS URL -> prints the RESULT fields
run_wrk() {
  local threads=2; [ "$1" -lt 2 ] && threads=1
  wrk -t"$threads" -c"$1" -d"$DURATION" --timeout 10s -s bench/post.lua "$2" | grep '^RESULT' | cut -d' ' -f2-
}
field() { echo "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }

header() { printf '%-18s %5s %9s %8s %8s %6s %9s %9s\n' target conns 'req/s' 'p50 ms' 'p99 ms' ratio '2xx' rows; }
declare -A base
# row NAME CONNS RESULT ROWS: prints a line and records it for the summary.
row() {
  local rps p50 p99 n non2xx ok ratio
  rps=$(field "$3" rps); p50=$(field "$3" p50_us); p99=$(field "$3" p99_us)
  n=$(field "$3" requests); non2xx=$(field "$3" non2xx); ok=$((n - non2xx))
  [ "$1" = "bare axum" ] && base[$2]=$rps
  ratio=$(awk -v a="$rps" -v b="${base[$2]}" 'BEGIN { printf "%.2f", a / b }')
  printf '%-18s %5s %9s %8.3f %8.3f %6s %9s %9s\n' "$1" "$2" "$rps" \
    "$(awk -v v="$p50" 'BEGIN{print v/1000}')" "$(awk -v v="$p99" 'BEGIN{print v/1000}')" "$ratio" "$ok" "$4"
  echo "$1|$2|$rps|$p50|$p99|$ratio" >>"$work/results"
  if [ "$4" != "-" ] && [ "$4" -lt "$ok" ]; then echo "LOST DELIVERIES: $ok acked, $4 stored" >&2; exit 1; fi
}

run_bare() { # CONNS
  port=$((port + 1))
  "$bare" "127.0.0.1:$port" >/dev/null & pid=$!
  wait_port $port
  row "bare axum" "$1" "$(run_wrk "$1" "http://127.0.0.1:$port")" -
  kill $pid; wait $pid 2>/dev/null || true; pid=""
}

run_hookscope() { # MODE CONNS ROUND
  local db result rows
  port=$((port + 2))
  db=$work/$1-$2-$3.db
  HOOKSCOPE_HOME=$work "$hookscope" serve --capture "127.0.0.1:$port" --api "127.0.0.1:$((port + 1))" \
    --db "$db" --durability "$1" >/dev/null & pid=$!
  wait_port $port
  result=$(run_wrk "$2" "http://127.0.0.1:$port")
  kill $pid; wait $pid 2>/dev/null || true; pid=""
  rows=$(sqlite3 "$db" 'SELECT count(*) FROM deliveries')
  row "hookscope $1" "$2" "$result" "$rows"
}

for round in $(seq "$ROUNDS"); do
  echo "round $round of $ROUNDS"
  # The last round's databases go now, while the bare server runs: this disk
  # is mounted with `discard`, and freeing gigabytes keeps it busy for a while,
  # which would show up as fsync stalls in whichever hookscope run came next.
  rm -f "$work"/*.db "$work"/*.db-*
  header
  for conns in 64 1; do
    run_bare $conns
    run_hookscope normal $conns "$round"
    run_hookscope full $conns "$round"
  done
  echo
done

echo "median of $ROUNDS rounds"
printf '%-18s %5s %9s %8s %8s %6s\n' target conns 'req/s' 'p50 ms' 'p99 ms' ratio
for conns in 64 1; do
  for name in "bare axum" "hookscope normal" "hookscope full"; do
    awk -F'|' -v name="$name" -v conns=$conns '
      function median(a, n,   i, j, t) {
        for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
      }
      $1 == name && $2 == conns { n++; rps[n] = $3; p50[n] = $4; p99[n] = $5; ratio[n] = $6 }
      END {
        printf "%-18s %5s %9d %8.3f %8.3f %6.2f\n", name, conns, median(rps, n), median(p50, n) / 1000,
          median(p99, n) / 1000, median(ratio, n)
      }' "$work/results"
  done
done
