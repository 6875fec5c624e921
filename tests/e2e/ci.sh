#!/usr/bin/env bash
# Everything issue 3 tests, in the order CI needs it: the UI first (the
# desktop build embeds ui/dist), then the binaries, then the suites.
# Assumes the Debian packages listed in ui/README.md are installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

(cd ui && npm ci && npm run check && npm test && npm run build)

nice -n 19 cargo build -p hookscope
nice -n 19 cargo build -p hookscope-desktop --features tauri/custom-protocol
command -v tauri-driver >/dev/null || nice -n 19 cargo install tauri-driver --version '~2.1' --locked

cd tests/e2e
npm ci
export HOOKSCOPE_BIN="$CARGO_TARGET_DIR/debug/hookscope"
export HOOKSCOPE_DESKTOP_BIN="$CARGO_TARGET_DIR/debug/hookscope-desktop"
npm run test:browser
xvfb-run -a -s "-screen 0 1440x900x24" npm run test:desktop
