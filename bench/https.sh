#!/usr/bin/env bash
# HTTPS capture benchmark: the same wrk load as bench/capture.sh (a ~1.5 KB
# JSON POST over 64 keep-alive connections) against `hookscope serve
# --https`, alternately on its plain and its TLS listener, each run on a
# fresh database. The ratio (HTTPS req/s over plain req/s of the same round)
# is the figure; the summary gives the median over ROUNDS rounds. Rows stored
# are checked against the 2xx answers wrk counted.
#
#   bash bench/https.sh              # ROUNDS=3, DURATION=10s by default
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
export RUST_LOG=${RUST_LOG:-warn}
target_dir=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --bin hookscope
hookscope=${HOOKSCOPE_BIN:-$target_dir/release/hookscope}
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=18890
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
field() { echo "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }

# run SCHEME ROUND -> "rps p50_us p99_us ok rows"
run() {
  local db result rows n non2xx url
  port=$((port + 3))
  db=$work/$1-$2.db
  HOOKSCOPE_HOME=$work "$hookscope" serve --capture "127.0.0.1:$port" --api "127.0.0.1:$((port + 1))" \
    --https "127.0.0.1:$((port + 2))" --db "$db" >/dev/null & pid=$!
  wait_port $port; wait_port $((port + 2))
  if [ "$1" = https ]; then url="https://127.0.0.1:$((port + 2))"; else url="http://127.0.0.1:$port"; fi
  result=$(wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 10s -s bench/post.lua "$url" | grep '^RESULT' | cut -d' ' -f2-)
  kill $pid; wait $pid 2>/dev/null || true; pid=""
  rows=$(sqlite3 "$db" 'SELECT count(*) FROM deliveries')
  n=$(field "$result" requests); non2xx=$(field "$result" non2xx)
  if [ "$rows" -lt $((n - non2xx)) ]; then echo "LOST DELIVERIES: $((n - non2xx)) acked, $rows stored" >&2; exit 1; fi
  echo "$(field "$result" rps) $(field "$result" p50_us) $(field "$result" p99_us) $((n - non2xx)) $rows"
}

printf '%-6s %-6s %9s %8s %8s %9s %9s %6s\n' round scheme 'req/s' 'p50 ms' 'p99 ms' '2xx' rows ratio
for round in $(seq "$ROUNDS"); do
  rm -f "$work"/*.db "$work"/*.db-*
  # Alternate which goes first: the disk's state drifts within a round.
  order="http https"; [ $((round % 2)) -eq 0 ] && order="https http"
  declare -A got=()
  for scheme in $order; do got[$scheme]=$(run "$scheme" "$round"); done
  for scheme in http https; do
    read -r rps p50 p99 ok rows <<<"${got[$scheme]}"
    ratio=$(awk -v a="$rps" -v b="$(echo "${got[http]}" | cut -d' ' -f1)" 'BEGIN { printf "%.2f", a / b }')
    printf '%-6s %-6s %9s %8.3f %8.3f %9s %9s %6s\n' "$round" "$scheme" "$rps" \
      "$(awk -v v="$p50" 'BEGIN{print v/1000}')" "$(awk -v v="$p99" 'BEGIN{print v/1000}')" "$ok" "$rows" "$ratio"
    echo "$scheme $rps $ratio" >>"$work/results"
  done
done
echo
awk '
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  $1 == "http" { h++; hr[h] = $2 } $1 == "https" { s++; sr[s] = $2; ra[s] = $3 }
  END { printf "median: plain %d req/s, HTTPS %d req/s, HTTPS/plain %.2fx\n", median(hr, h), median(sr, s), median(ra, s) }
' "$work/results"
