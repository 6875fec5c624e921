#!/usr/bin/env bash
# Runs the Hookscope desktop app from a fresh clone on Debian/Ubuntu:
# installs the system packages Tauri needs (when missing), the UI's npm
# packages, builds the UI, then builds and starts the app with it embedded.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential pkg-config curl file libwebkit2gtk-4.1-dev libssl-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

(cd ui && npm ci && npm run build)
# custom-protocol embeds ui/dist; without it the binary would load the Vite dev server.
exec nice -n 10 cargo run --release -p hookscope-desktop --features tauri/custom-protocol "$@"
