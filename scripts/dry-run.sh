#!/usr/bin/env bash
# `wrangler deploy --dry-run`: bundles the built Worker and validates wrangler.toml, offline.
# It prints the upload size (raw / gzip) that Cloudflare's limits apply to.
set -uo pipefail
cd "$(dirname "$0")/.."
out=target/dry-run
rm -rf "$out"
WRANGLER_SEND_METRICS=false node_modules/.bin/wrangler deploy --dry-run --outdir "$out" >target/dry-run.log 2>&1
status=$?
grep -Ei 'upload|error|binding|env\.' target/dry-run.log || true
[ "$status" -eq 0 ] || { echo "dry-run: wrangler deploy --dry-run failed (log: target/dry-run.log)" >&2; exit 1; }
ls "$out"/*.wasm >/dev/null 2>&1 || { echo "dry-run: no wasm in the bundle" >&2; exit 1; }
