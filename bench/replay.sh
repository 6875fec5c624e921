#!/usr/bin/env bash
# Bulk replay benchmark: COUNT stored deliveries (the capture benchmark's
# ~1.5 KB JSON event) replayed by `hookscope replay --all` to the bare axum
# server, every attempt recorded, against wrk sending the same request to the
# same server in the same run (64 connections, keep-alive). Prints both rates
# and their ratio, and checks that COUNT attempts were recorded.
#
# ROUNDS bulk replays run back to back; the median rate is reported.
#
#   bash bench/replay.sh            # COUNT=10000, CONCURRENCY=64, ROUNDS=3
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-10000}
CONCURRENCY=${CONCURRENCY:-64}
ROUNDS=${ROUNDS:-3}
export RUST_LOG=${RUST_LOG:-warn}
target_dir=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --bin hookscope --example bare_axum
hookscope=${HOOKSCOPE_BIN:-$target_dir/release/hookscope}
bare=$target_dir/release/examples/bare_axum
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

export HOOKSCOPE_HOME=$work
db=$work/hookscope.db
"$hookscope" serve --capture 127.0.0.1:18801 --api 127.0.0.1:18802 --db "$db" >/dev/null & serve=$!
pids+=("$serve")
wait_port 18801
# Store at least COUNT deliveries: wrk until there are enough.
while [ "$(sqlite3 "$db" 'SELECT count(*) FROM deliveries')" -lt "$COUNT" ]; do
  wrk -t1 -c8 -d1s -s bench/post.lua http://127.0.0.1:18801 >/dev/null
done
# Let the indexer finish with the seeded deliveries: replay is measured, not indexing.
sleep "${SETTLE:-5}"
"$bare" 127.0.0.1:18803 >/dev/null & pids+=("$!")
wait_port 18803

rates=()
for round in $(seq "$ROUNDS"); do
  summary=$("$hookscope" replay --all --limit "$COUNT" --to http://127.0.0.1:18803 --concurrency "$CONCURRENCY" --db "$db" --json)
  replay_ms=$(echo "$summary" | sed -E 's/.*"duration_ms":([0-9.]+).*/\1/')
  ok=$(echo "$summary" | sed -E 's/.*"ok":([0-9]+).*/\1/')
  [ "$ok" -eq "$COUNT" ] || { echo "round $round: only $ok of $COUNT answered 2xx" >&2; exit 1; }
  rate=$(awk -v n="$COUNT" -v ms="$replay_ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
  echo "round $round: $COUNT replays in $replay_ms ms ($rate/s)"
  rates+=("$rate")
done
wrk_rps=$(wrk -t2 -c64 -d10s -s bench/post.lua http://127.0.0.1:18803 | grep '^RESULT' | sed -E 's/.*rps=([0-9]+).*/\1/')
kill "$serve"; wait "$serve" 2>/dev/null || true
attempts=$(sqlite3 "$db" 'SELECT count(*) FROM attempts')
replay_rps=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
printf '%-34s %9s\n' 'bulk replay (median, recorded)' "$replay_rps req/s"
printf '%-34s %9s\n' 'wrk, same request, same server' "$wrk_rps req/s"
printf '%-34s %9s\n' 'ratio' "$(awk -v a="$replay_rps" -v b="$wrk_rps" 'BEGIN { printf "%.2f", a / b }')"
printf '%-34s %9s of %s\n' 'attempts recorded' "$attempts" "$((COUNT * ROUNDS))"
[ "$attempts" -ge "$((COUNT * ROUNDS))" ] || { echo "MISSING ATTEMPTS" >&2; exit 1; }
