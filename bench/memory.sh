#!/usr/bin/env bash
# Desktop footprint: the release desktop app under Xvfb with a throwaway
# home, measured from /proc/<pid>/smaps_rollup (RSS and PSS) for the app and
# each WebKit process it started — idle, then after 10,000 deliveries — and
# how soon the web process is idle again after that burst (CPU per second).
# `hookscope serve` alone is measured the same way for comparison.
#
#   bash bench/memory.sh                 # N=10000 deliveries
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
export RUST_LOG=${RUST_LOG:-warn}
target_dir=${CARGO_TARGET_DIR:-target}
[ -n "${SKIP_BUILD:-}" ] || {
  (cd ui && npm run build >/dev/null)
  cargo build --release --quiet --bin hookscope
  cargo build --release --quiet -p hookscope-desktop --features tauri/custom-protocol
}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# The process and all its descendants.
tree() { local p=$1; echo "$p"; for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done; }
# NAME RSS_KB PSS_KB per process, then the total.
measure() { # LABEL ROOT_PID
  local total_rss=0 total_pss=0 name rss pss
  for p in $(tree "$2"); do
    [ -r /proc/"$p"/smaps_rollup ] || continue
    name=$(cat /proc/"$p"/comm)
    rss=$(awk '/^Rss:/ {print $2}' /proc/"$p"/smaps_rollup)
    pss=$(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup)
    [ -n "$rss" ] || continue
    case $name in Xvfb|xvfb-run|sh|bash) continue ;; esac
    printf '  %-22s %-20s RSS %6d MiB  PSS %6d MiB\n' "$1" "$name" $((rss / 1024)) $((pss / 1024))
    total_rss=$((total_rss + rss)); total_pss=$((total_pss + pss))
  done
  printf '  %-22s %-20s RSS %6d MiB  PSS %6d MiB\n' "$1" TOTAL $((total_rss / 1024)) $((total_pss / 1024))
}
cpu_ticks() { awk '{print $14 + $15}' /proc/"$1"/stat 2>/dev/null || echo 0; }

send_burst() { # PORT
  python3 - "$1" "$N" <<'PY'
import http.client, json, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
body = json.dumps({"id": "evt_x", "type": "payment_intent.succeeded", "data": {"object": {"amount": 2000, "pad": "x" * 1200}}})
for i in range(n):
    c.request("POST", f"/bench/memory?n={i}", body, {"content-type": "application/json"})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
}

echo "hookscope serve (headless)"
port=$(free_port)
HOOKSCOPE_HOME=$work/serve "$target_dir/release/hookscope" serve --capture "127.0.0.1:$port" --api 127.0.0.1:0 \
  --db "$work/serve/h.db" >/dev/null & serve=$!; pids+=("$serve")
wait_port "$port"; sleep 3
measure idle "$serve"
send_burst "$port"; sleep 3
measure "after $N" "$serve"
kill "$serve"; wait "$serve" 2>/dev/null || true

echo "desktop (release, Xvfb)"
port=$(free_port)
mkdir -p "$work/home"
Xvfb :77 -screen 0 1440x900x24 >/dev/null 2>&1 & pids+=($!)
sleep 0.5
DISPLAY=:77 HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_DATA_HOME=$work/home/.local/share \
  XDG_CACHE_HOME=$work/home/.cache HOOKSCOPE_HOME=$work/home/data HOOKSCOPE_CAPTURE=127.0.0.1:$port \
  "$target_dir/release/hookscope-desktop" >"$work/desktop.log" 2>&1 & app=$!; pids+=("$app")
wait_port "$port"
sleep 10
measure idle "$app"
web=""
for p in $(tree "$app"); do [ "$(cat /proc/"$p"/comm 2>/dev/null)" = WebKitWebProces ] && { web=$p; break; }; done
[ -n "$web" ] || { echo "no WebKitWebProcess under the app" >&2; exit 1; }
start=$(date +%s.%N)
send_burst "$port"
sent=$(date +%s.%N)
echo "  burst: $N deliveries in $(awk -v a="$start" -v b="$sent" 'BEGIN{printf "%.1f", b-a}') s"
# CPU of the web process per second after the burst; idle = under 2% for a second.
idle_at=""; total=0; before=$(cpu_ticks "$web"); hz=$(getconf CLK_TCK); per_second=""
for s in $(seq 30); do
  sleep 1
  now=$(cpu_ticks "$web"); used=$((now - before)); before=$now; total=$((total + used))
  [ "$s" -le 8 ] && per_second="$per_second $((used * 100 / hz))%"
  if [ -z "$idle_at" ] && [ $((used * 100 / hz)) -lt 2 ]; then idle_at=$s; fi
done
echo "  web process CPU, second by second after the burst:$per_second"
echo "  web process: idle again ${idle_at:-never} s after the burst; $(awk -v t="$total" -v hz="$hz" 'BEGIN{printf "%.2f", t/hz}') s CPU in the 30 s after it"
measure "after $N" "$app"
