#!/usr/bin/env bash
# Run cargo for wasm32 with the project's wasm toolchain, e.g.
#   scripts/wasm-cargo.sh check -p popbill --features workers
#   scripts/wasm-cargo.sh clippy -p edge -- -D warnings
set -euo pipefail
# shellcheck source=scripts/wasm-env.sh
source "$(dirname "$0")/wasm-env.sh"
if [ "${1:-}" = clippy ] && ! cargo clippy --version >/dev/null 2>&1; then
  echo "wasm: clippy for the wasm32 toolchain is missing; run: make setup" >&2
  exit 1
fi
# --target goes before any `--`, which hands the rest to the tool cargo runs (clippy, rustc).
args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  args+=("$1")
  shift
done
exec cargo "${args[@]}" --target wasm32-unknown-unknown "$@"
