# One task file, mirrored by CI (.ci/run calls `make test`).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
export PATH := $(CARGO_BIN):$(PATH)

.PHONY: help setup worker dev test lint fmt native-test e2e dev-test dry-run bench

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: ## Install the toolchain and npm packages (idempotent)
	@scripts/setup.sh

worker: setup ## Build the Worker to edge/build/
	@scripts/build-worker.sh

dev: ## Run the mock POPBiLL and the Worker locally, wired together (Ctrl-C stops both)
	@scripts/dev.sh --check # ports free, DEV_DIR unused: refuse before building anything
	@$(MAKE) --no-print-directory worker
	@cargo build --quiet --release -p mock-server
	@scripts/dev.sh

fmt: ## Format the code
	cargo fmt --all

lint: ## rustfmt check, clippy (-D warnings) on every native target and the Worker for wasm32, docs cite only the repository
	@scripts/test-check-links.sh
	@scripts/check-links.sh
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo clippy -p popbill-bulk --features e2e --all-targets --locked -- -D warnings
	@# The wasm32-only code (edge/src/shell, popbill/src/workers.rs) builds for wasm32 alone.
	scripts/wasm-cargo.sh clippy -p edge --locked -- -D warnings

native-test: ## Every native test (core, client, mock; the benchmark's memory KV under node)
	@scripts/count-tests.sh cargo test --workspace --exclude e2e --locked
	@node --test bench/worker/

dry-run: worker ## Check the deployable bundle and config (wrangler deploy --dry-run)
	@scripts/dry-run.sh

e2e: worker ## End-to-end: the mock and the real Worker in workerd
	@scripts/count-tests.sh cargo test -p e2e --locked -- --test-threads=2
	@scripts/count-tests.sh cargo test -p popbill-bulk --features e2e --test worker_e2e --locked -- --test-threads=2

dev-test: worker ## make dev refuses a second stack on its ports or files; its logs stay plain
	@scripts/test-dev.sh

bench: worker ## Benchmarks on the local stack -> docs/BENCHMARKS.md (BENCH_ARGS=--quick: ~3 min)
	@mkdir -p target/bench
	cargo bench -p edge --bench core --locked | tee target/bench/core.txt
	BENCH_SECS=3 cargo bench -p mock-server --bench throughput --locked | tee target/bench/mock.txt
	cargo build --profile bench -p popbill-bulk --locked
	cargo run --profile bench -p popbill-bench --locked -- $(BENCH_ARGS)

test: setup lint native-test dry-run e2e dev-test ## Everything CI runs
	@echo "make test: all passed"
