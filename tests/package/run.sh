#!/usr/bin/env bash
# The .deb that `make package` builds, checked as a user's machine would see
# it, without a container: its control fields, its files (binary, desktop
# entry, icon), then the binary unpacked by `dpkg-deb -x` and started under
# Xvfb with a throwaway home — the test passes once the window is mapped and
# its capture port acknowledges a delivery.
#
#   bash tests/package/run.sh [DEB]     (default: the newest in $CARGO_TARGET_DIR/*/bundle/deb)
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
deb=${1:-$(ls -t "$target"/*/bundle/deb/*.deb 2>/dev/null | head -1)}
[ -f "$deb" ] || { echo "no .deb: run \`make package\` first" >&2; exit 1; }
root=$(mktemp -d)
app=""
cleanup() { [ -n "$app" ] && kill "$app" 2>/dev/null; rm -rf "$root"; }
trap cleanup EXIT
fail() { echo "package test: $*" >&2; exit 1; }

echo "package: $deb ($(du -h "$deb" | cut -f1))"
[ "$(dpkg-deb -f "$deb" Package)" = hookscope ] || fail "Package is $(dpkg-deb -f "$deb" Package)"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' src-tauri/Cargo.toml | head -1)
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version $(dpkg-deb -f "$deb" Version), not $version"
dpkg-deb -f "$deb" Depends | grep -q libwebkit2gtk-4.1 || fail "no WebKitGTK dependency"

dpkg-deb -x "$deb" "$root/pkg"
bin="$root/pkg/usr/bin/hookscope-desktop"
[ -x "$bin" ] || fail "no usr/bin/hookscope-desktop"
entry=$(ls "$root"/pkg/usr/share/applications/*.desktop 2>/dev/null | head -1)
[ -n "$entry" ] || fail "no desktop entry"
grep -q '^Name=Hookscope$' "$entry" || fail "desktop entry without Name=Hookscope"
grep -q '^Exec=hookscope-desktop' "$entry" || fail "desktop entry without Exec=hookscope-desktop"
icon=$(sed -n 's/^Icon=//p' "$entry")
ls "$root"/pkg/usr/share/icons/hicolor/*/apps/"$icon".png >/dev/null 2>&1 || fail "no icon $icon.png"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$root/home"
# One X server for the app and the window check.
export root port bin
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  HOME=$root/home XDG_CONFIG_HOME=$root/home/.config XDG_DATA_HOME=$root/home/.local/share \
  XDG_CACHE_HOME=$root/home/.cache HOOKSCOPE_HOME=$root/home/data HOOKSCOPE_CAPTURE=127.0.0.1:$port \
    "$bin" >"$root/app.log" 2>&1 & app=$!
  trap "kill $app 2>/dev/null" EXIT
  for _ in $(seq 300); do
    xwininfo -root -tree 2>/dev/null | grep -q "\"Hookscope\"" && break
    kill -0 $app 2>/dev/null || { echo "the app exited:"; cat "$root/app.log"; exit 1; }
    sleep 0.1
  done
  xwininfo -root -tree | grep "\"Hookscope\"" | head -1 || { echo "no Hookscope window"; exit 1; }
  for _ in $(seq 100); do
    code=$(curl -s -o /dev/null -w "%{http_code}" -X POST -d "{\"from\":\"the package\"}" "http://127.0.0.1:$port/package-test" || true)
    [ "$code" = 200 ] && break
    sleep 0.1
  done
  [ "$code" = 200 ] || { echo "the capture port answered $code"; exit 1; }
  echo "window mapped, capture on 127.0.0.1:$port acknowledged a delivery"
'
echo "package test passed"
