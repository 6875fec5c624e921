#!/usr/bin/env bash
# Export and import of COUNT (100,000) deliveries as HAR: time and peak RSS
# of `hookscope export --format har` and of `hookscope import` of that file
# into a fresh database (target: under 100 MB either way). The deliveries
# (~1.5 KB JSON bodies, a Stripe-like head) are seeded by importing NDJSON.
#
#   bash bench/export.sh            # COUNT=100000
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-100000}
target_dir=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet --bin hookscope
hookscope=$(realpath "$target_dir/release/hookscope")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOOKSCOPE_HOME=$work RUST_LOG=warn

# Runs a command; prints its wall time and peak RSS.
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[2:], check=True, stdout=subprocess.DEVNULL)
took = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{sys.argv[1]:<28} {took:7.2f} s  peak RSS {rss:6.1f} MB")
PY
}

python3 - "$COUNT" >"$work/seed.ndjson" <<'PY'
import base64, json, sys
pad = "x" * 1200
for n in range(int(sys.argv[1])):
    body = json.dumps({"id": f"evt_{n}", "type": "payment_intent.succeeded", "data": {"object": {"amount": n, "pad": pad}}}).encode()
    print(json.dumps({"received_at_us": 1764000000000000 + n, "method": "POST", "path": "/hooks/stripe", "query": None,
        "headers": [{"name": "Host", "value": "hooks.example.test"}, {"name": "Content-Type", "value": "application/json"},
                    {"name": "Stripe-Signature", "value": f"t=1764000000,v1={n:064x}"}, {"name": "Content-Length", "value": str(len(body))}],
        "body": base64.b64encode(body).decode()}))
PY
measure "seed (import NDJSON)" "$hookscope" import "$work/seed.ndjson" --db "$work/a.db"
measure "export $COUNT as HAR" "$hookscope" export --format har --db "$work/a.db" -o "$work/all.har"
echo "HAR file: $(du -m "$work/all.har" | cut -f1) MB"
measure "import that HAR" "$hookscope" import "$work/all.har" --db "$work/b.db"
echo "imported: $(sqlite3 "$work/b.db" 'SELECT count(*) FROM deliveries') deliveries"
