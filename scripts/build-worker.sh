#!/usr/bin/env bash
# Build the Worker (edge/) to edge/build/ with worker-build, using only local tools.
# The wasm-only environment (Debian toolchain, build-std) stays inside this script,
# so native builds keep using rustup's toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"

die() { printf 'build-worker: error: %s\n' "$*" >&2; exit 1; }
[ -x "$CARGO_BIN/worker-build" ] || die "worker-build is missing; run: make setup"
[ -x node_modules/.bin/esbuild ] || die "esbuild is missing; run: make setup"

# worker-build would download these; point it at local copies instead.
export WASM_BINDGEN_BIN="$CARGO_BIN/wasm-bindgen"
export ESBUILD_BIN="$root/node_modules/.bin/esbuild"
export WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt"
# The wasm32 toolchain (rustup target, or Debian rustc-web + build-std); own target dir.
# shellcheck source=scripts/wasm-env.sh
source scripts/wasm-env.sh

cd edge
worker-build --release
wasm="$root/edge/build/index_bg.wasm"
[ -f "$wasm" ] || die "worker-build finished without $wasm"
printf 'build-worker: %s: %s bytes raw, %s bytes gzip\n' "edge/build/index_bg.wasm" \
  "$(stat -c %s "$wasm")" "$(gzip -9c "$wasm" | wc -c)"
