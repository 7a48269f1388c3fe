#!/usr/bin/env bash
# Run cargo for wasm32 with the project's wasm toolchain, e.g.
#   scripts/wasm-cargo.sh check -p popbill --features workers
set -euo pipefail
# shellcheck source=scripts/wasm-env.sh
source "$(dirname "$0")/wasm-env.sh"
exec cargo "$@" --target wasm32-unknown-unknown
