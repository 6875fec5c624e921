# The one place that says how Hookscope is built, run, tested and measured.
# CI (.ci/run) calls `make test`, exactly as the README says.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# System packages: the build's C compiler and pkg-config, the benchmark's wrk
# and sqlite3; Python and Node (for the SDK checks) only when missing.
APT_CORE := build-essential pkg-config ca-certificates wrk sqlite3

.PHONY: run serve test check test-rust test-interop fuzz bench bench-capture bench-query deps-core

## Run Hookscope headless with its browser UI (see README).
run serve: deps-core
	cargo build --release --bin hookscope
	$(TARGET_DIR)/release/hookscope serve

## Everything CI runs.
test: deps-core check test-rust test-interop

deps-core:
	@missing="$$(for p in $(APT_CORE); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	command -v node >/dev/null || missing="$$missing nodejs npm"; \
	command -v python3 >/dev/null || missing="$$missing python3"; \
	python3 -c 'import venv, ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

check:
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings

test-rust:
	cargo test

# The providers' own SDKs (npm, PyPI) against `hookscope verify` and `sign`.
test-interop:
	cargo build --bin hookscope
	cd tests/interop && npm ci --no-audit --no-fund --loglevel=error
	python3 -m venv $(TARGET_DIR)/interop-venv
	$(TARGET_DIR)/interop-venv/bin/pip install -q -r tests/interop/requirements.txt
	PATH="$(TARGET_DIR)/interop-venv/bin:$$PATH" HOOKSCOPE_BIN=$(TARGET_DIR)/debug/hookscope node tests/interop/run.mjs

## Fuzz every signature header parser (needs the nightly toolchain and cargo-fuzz).
fuzz:
	cd fuzz && cargo +nightly fuzz run signature_parsers -- -max_total_time=$${FUZZ_SECONDS:-60}

## Benchmarks: capture throughput against a bare axum server, then queries at 1M deliveries.
bench: bench-capture bench-query

bench-capture: deps-core
	bash bench/capture.sh

bench-query:
	cargo run --release --example query_bench -- $${COUNT:-1000000}
