# The one place that says how Hookscope is built, run, tested and measured.
# CI (.ci/run) calls `make test`, exactly as the README says.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
export CARGO_TARGET_DIR := $(TARGET_DIR)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: the build's C toolchain, what Tauri links against (WebKitGTK
# 4.1 and friends), what the end-to-end tests drive (Xvfb, WebKitWebDriver,
# Chromium), and the benchmark's wrk and sqlite3.
APT_CORE := build-essential pkg-config ca-certificates curl file wrk sqlite3
APT_DESKTOP := libwebkit2gtk-4.1-dev libssl-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev
APT_E2E := xvfb xauth x11-utils webkit2gtk-driver chromium

# Installs whichever of the given packages are missing.
define apt_install
	@missing="$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi
endef

.PHONY: run serve install package test-package test deps deps-core deps-desktop ui check generated test-ui test-rust bore test-interop test-e2e fuzz \
	bench bench-capture bench-query bench-replay bench-forward bench-export bench-https bench-memory

## Run the desktop app (the UI embedded in it); builds the `hookscope` CLI beside it.
run: deps-core deps-desktop ui
	cargo build --release --bin hookscope
	cargo run --release -p hookscope-desktop --features tauri/custom-protocol

## Run headless, with the same UI in a browser (see the sign-in URL it prints).
serve: deps-core ui
	cargo run --release --bin hookscope -- serve

## Put `hookscope` on PATH (in ~/.cargo/bin, as `cargo install` does).
install: deps-core ui
	cargo install --path . --locked --bin hookscope --force

## A .deb of the desktop app (icon, desktop entry, name and version), in
## $(TARGET_DIR)/release/bundle/deb/. PROFILE=debug packages the debug build.
PROFILE ?= release
package: deps-core deps-desktop ui
	ui/node_modules/.bin/tauri build --bundles deb --ci $(if $(filter debug,$(PROFILE)),--debug) -- --locked
	@ls -1 $(TARGET_DIR)/$(PROFILE)/bundle/deb/*.deb

## The .deb (of the debug build: CI has it built already) unpacked and started under Xvfb.
test-package:
	$(MAKE) package PROFILE=debug
	bash tests/package/run.sh $$(ls -t $(TARGET_DIR)/debug/bundle/deb/*.deb | head -1)

## Everything CI runs.
test: deps ui check test-ui test-rust fuzz test-interop test-e2e test-package

deps: deps-core deps-desktop
	$(call apt_install,$(APT_E2E))

deps-core:
	$(call apt_install,$(APT_CORE))
	@command -v node >/dev/null && command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm; }
	@python3 -c 'import venv, ensurepip' 2>/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3 python3-venv; }

deps-desktop:
	$(call apt_install,$(APT_DESKTOP))

# The UI is built before anything compiles src-tauri: the desktop binary and
# `hookscope serve` embed ui/dist. Both steps run only when their inputs
# changed, so an unchanged tree leaves ui/dist (and so both crates) untouched:
# `npm ci` when the lockfile is newer than the installed tree, the build when
# a source is newer than ui/dist/index.html.
UI_SOURCES := $(shell find ui/src ui/public ui/index.html ui/vite.config.ts ui/svelte.config.js ui/tsconfig.json \
	-type f -not -path '*/node_modules/*' 2>/dev/null)
ui: ui/dist/index.html

ui/node_modules/.installed: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	touch $@

ui/dist/index.html: ui/node_modules/.installed $(UI_SOURCES)
	cd ui && npm run build

## Rewrite the files generated from the Rust types (ui/src/lib/generated/, docs/openapi.json).
## `make test` fails while they are stale.
generated:
	UPDATE_GENERATED=1 cargo test --lib generated

check:
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p hookscope-desktop --all-targets -- -D warnings

test-ui:
	cd ui && npm run check && npm test

# The tunnel test runs a real `bore server` and `bore local` on loopback.
test-rust: bore
	cargo test

bore:
	@command -v bore >/dev/null || test -x "$$HOME/.cargo/bin/bore" || cargo install bore-cli --version '~0.6' --locked

# The providers' own SDKs (npm, PyPI) against `hookscope verify` and `sign`.
test-interop:
	cargo build --bin hookscope
	cd tests/interop && npm ci --no-audit --no-fund --loglevel=error
	python3 -m venv $(TARGET_DIR)/interop-venv
	$(TARGET_DIR)/interop-venv/bin/pip install -q -r tests/interop/requirements.txt
	PATH="$(TARGET_DIR)/interop-venv/bin:$$PATH" HOOKSCOPE_BIN=$(TARGET_DIR)/debug/hookscope node tests/interop/run.mjs

# Headless Chromium against `hookscope serve`, then the desktop window under
# Xvfb through tauri-driver and WebKitWebDriver.
test-e2e:
	cargo build --bin hookscope
	cargo build -p hookscope-desktop --features tauri/custom-protocol
	command -v tauri-driver >/dev/null || cargo install tauri-driver --version '~2.1' --locked
	cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error
	cd tests/e2e && HOOKSCOPE_BIN=$(TARGET_DIR)/debug/hookscope npm run test:browser
	cd tests/e2e && HOOKSCOPE_BIN=$(TARGET_DIR)/debug/hookscope HOOKSCOPE_DESKTOP_BIN=$(TARGET_DIR)/debug/hookscope-desktop \
	  PATH="$$HOME/.cargo/bin:$$PATH" xvfb-run -a -s "-screen 0 1440x900x24" npm run test:desktop

## Every fuzz target for FUZZ_SECONDS each (20 in `make test`; longer: `make fuzz FUZZ_SECONDS=3600`).
# cargo-fuzz passes -Z flags, which the stable toolchain accepts under
# RUSTC_BOOTSTRAP; no sanitizer (-s none), as the fuzzed code is safe Rust.
FUZZ_TARGETS := signature_parsers capture_tap import_parsers
fuzz:
	cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$(TARGET_DIR)/fuzz cargo fuzz run $$t -s none -- \
	    -max_total_time=$${FUZZ_SECONDS:-20} -print_final_stats=1 2>&1 | grep -v -e '^#' -e '^"' -e 'dictionary. #'; done

## Benchmarks: capture throughput against a bare axum server, then queries at 1M deliveries.
bench: bench-capture bench-query

bench-capture: deps-core
	bash bench/capture.sh

## Bulk replay of 10,000 stored deliveries to the bare axum server, against wrk on the same server.
bench-replay: deps-core
	bash bench/replay.sh

## Capture with forwarding on against the bare server, the forwarding lag, and mitmdump as a peer.
bench-forward: deps-core
	bash bench/forward.sh

## The desktop app's memory (RSS, PSS per process) idle and after 10,000 deliveries, under Xvfb.
bench-memory: deps-core deps-desktop
	bash bench/memory.sh

## HTTPS capture against plain capture on the same instance (ratio, target >= 0.6x).
bench-https: deps-core
	bash bench/https.sh

## Export and import of 100,000 deliveries as HAR: time and peak RSS.
bench-export: deps-core
	bash bench/export.sh

bench-query:
	cargo run --release --example query_bench -- $${COUNT:-1000000}
