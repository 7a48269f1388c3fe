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
# Native and wasm builds use different compilers; keep their artifacts apart.
export CARGO_TARGET_DIR="$root/target/wasm"

if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  export PATH="$CARGO_BIN:$PATH"
else
  [ -x /usr/bin/cargo ] || die "no wasm32 toolchain; run: make setup"
  # Debian's rustc-web has LLVM's wasm32 backend but no prebuilt std: build it from source.
  export PATH="/usr/bin:$CARGO_BIN:$PATH"
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-16
fi

cd edge
worker-build --release
wasm="$root/edge/build/index_bg.wasm"
[ -f "$wasm" ] || die "worker-build finished without $wasm"
printf 'build-worker: %s: %s bytes raw, %s bytes gzip\n' "edge/build/index_bg.wasm" \
  "$(stat -c %s "$wasm")" "$(gzip -9c "$wasm" | wc -c)"
