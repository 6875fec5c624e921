#!/usr/bin/env bash
# Forwarding benchmark, all in one run on this machine:
#  1. capture throughput at 64 connections with forwarding on (async, to the
#     bare axum server as the app) against the bare axum server alone, and
#     Hookscope without forwarding for reference; then how long the queue
#     takes to drain;
#  2. forwarding lag at 1 connection: ack → the app received it (p50, p99);
#  3. a peer: mitmdump in reverse-proxy mode writing a flow file, forwarding
#     to the same bare server, at 64 connections: Hookscope's capture rate
#     (with forwarding) as a multiple of it.
#
#   bash bench/forward.sh            # ROUNDS=3, DURATION=10s by default
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
export RUST_LOG=${RUST_LOG:-warn}
target_dir=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --bin hookscope --example bare_axum --example forward_lag
hookscope=${HOOKSCOPE_BIN:-$target_dir/release/hookscope}
bare=$target_dir/release/examples/bare_axum
lag=$target_dir/release/examples/forward_lag
venv=$target_dir/bench-venv
if [ ! -x "$venv/bin/mitmdump" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q mitmproxy
fi
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }

port=18840
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
run_wrk() { wrk -t2 -c"$1" -d"$DURATION" --timeout 10s -s bench/post.lua "$2" | grep '^RESULT' | cut -d' ' -f2-; }
field() { echo "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }
echo "name|round|rps|extra" >"$work/results"

for round in $(seq "$ROUNDS"); do
  echo "round $round of $ROUNDS"
  rm -f "$work"/*.db "$work"/*.db-* "$work"/flows
  # The bare server alone.
  port=$((port + 1)); "$bare" "127.0.0.1:$port" >/dev/null & pids+=($!); wait_port $port
  base=$(field "$(run_wrk 64 "http://127.0.0.1:$port")" rps); stop_all
  echo "bare axum|$round|$base|" >>"$work/results"
  printf '  %-30s %8s req/s\n' "bare axum" "$base"

  # Hookscope without forwarding, then with it (the bare server as the app).
  # Alternate which goes first: a run leaves a gigabyte of dirty pages the
  # kernel writes back during the next one.
  modes="plain forward"; [ $((round % 2)) = 0 ] && modes="forward plain"
  for mode in $modes; do
    app=$((port + 1)); port=$((port + 3))
    "$bare" "127.0.0.1:$app" >/dev/null & pids+=($!); wait_port $app
    flags=(); [ $mode = forward ] && flags=(--forward-to "http://127.0.0.1:$app")
    db=$work/$mode.db
    HOOKSCOPE_HOME=$work "$hookscope" serve --capture "127.0.0.1:$port" --api "127.0.0.1:$((port + 1))" \
      --db "$db" "${flags[@]}" >/dev/null & pids+=($!); wait_port $port
    started=$(date +%s.%N)
    rps=$(field "$(run_wrk 64 "http://127.0.0.1:$port")" rps)
    extra=""
    if [ $mode = forward ]; then
      # The queue drains after the flood (forwarding runs at the lowest priority).
      rows=$(sqlite3 "$db" 'SELECT count(*) FROM deliveries')
      for _ in $(seq 600); do
        done_n=$(HOOKSCOPE_HOME=$work "$hookscope" queue --db "$db" --json | python3 -c 'import json,sys; print(sum(t["delivered"] for t in json.load(sys.stdin)["targets"]))')
        [ "$done_n" -ge "$rows" ] && break
        sleep 0.5
      done
      took=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
      extra="$rows forwarded in ${took}s"
    fi
    stop_all
    rm -f "$db" "$db"-*; sync
    ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
    echo "hookscope $mode|$round|$rps|$ratio" >>"$work/results"
    printf '  %-30s %8s req/s  %s× bare  %s\n' "hookscope $mode" "$rps" "$ratio" "$extra"
  done

  # mitmdump as a reverse proxy writing flows, to the same kind of app.
  app=$((port + 1)); port=$((port + 2))
  "$bare" "127.0.0.1:$app" >/dev/null & pids+=($!); wait_port $app
  "$venv/bin/mitmdump" -q --mode "reverse:http://127.0.0.1:$app" --listen-host 127.0.0.1 --listen-port "$port" \
    -w "$work/flows" >/dev/null 2>&1 & pids+=($!); wait_port $port
  mitm=$(field "$(run_wrk 64 "http://127.0.0.1:$port")" rps); stop_all
  echo "mitmdump|$round|$mitm|" >>"$work/results"
  printf '  %-30s %8s req/s\n' "mitmdump (reverse, -w)" "$mitm"
done

# Lag at one connection.
app=$((port + 1)); port=$((port + 3))
HOOKSCOPE_HOME=$work "$hookscope" serve --capture "127.0.0.1:$port" --api "127.0.0.1:$((port + 1))" \
  --db "$work/lag.db" --forward-to "http://127.0.0.1:$app" >/dev/null & pids+=($!); wait_port $port
lagline=$("$lag" "http://127.0.0.1:$port" "127.0.0.1:$app" "${LAG_COUNT:-2000}" | grep '^RESULT')
stop_all

echo
echo "median of $ROUNDS rounds (64 connections)"
median() { awk -F'|' -v name="$1" -v col="$2" '$1 == name { n++; v[n] = $col }
  END { for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j-1] > v[j]; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
        print (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }' "$work/results"; }
fwd=$(median "hookscope forward" 3); mitm=$(median mitmdump 3)
printf '%-34s %8.0f req/s\n' "bare axum" "$(median "bare axum" 3)"
printf '%-34s %8.0f req/s  %.2f× bare\n' "hookscope, no forwarding" "$(median "hookscope plain" 3)" "$(median "hookscope plain" 4)"
printf '%-34s %8.0f req/s  %.2f× bare\n' "hookscope, forwarding (async)" "$fwd" "$(median "hookscope forward" 4)"
printf '%-34s %8.0f req/s  hookscope forwarding = %.1f× it\n' "mitmdump reverse proxy (-w)" "$mitm" "$(awk -v a="$fwd" -v b="$mitm" 'BEGIN { print a / b }')"
echo "forwarding lag at 1 connection (ack → app): $(echo "$lagline" | cut -d' ' -f2-)"
