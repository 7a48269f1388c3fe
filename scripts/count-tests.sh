#!/usr/bin/env bash
# Run a cargo test command, keep its output, and print the total of passed/failed/ignored tests.
set -uo pipefail
log=$(mktemp)
"$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?/) p += $(i-1); if ($i ~ /^failed;?/) f += $(i-1); if ($i ~ /^ignored;?/) g += $(i-1) } }
     END { printf "==> %d passed, %d failed, %d ignored\n", p, f, g }' "$log"
rm -f "$log"
exit "$status"
