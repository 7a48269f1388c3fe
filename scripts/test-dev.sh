#!/usr/bin/env bash
# Script test of `make dev` (scripts/dev.sh), part of `make test`. Needs the built Worker
# (make worker). Everything on 127.0.0.1, on free ports, in a temporary DEV_DIR; each wait is
# bounded; every process it starts is stopped on exit.
#
#   1. A port held by another program: dev.sh exits 1 naming it, before creating any file.
#   2. The real stack starts once and says it is ready; its logs are plain text; it says where
#      merchant events go (MERCHANT_WEBHOOK_URL from the environment) and never shows the secret.
#   3. A second dev.sh on the same ports (and --check, which `make dev` runs before building)
#      exits 1 naming both ports and MOCK_PORT/WORKER_PORT, prints no ready banner, and leaves
#      the running stack's secrets.env and logs as they were.
#   4. A second dev.sh on free ports but the same DEV_DIR exits 1 naming DEV_DIR, same files kept.
#   5. The first stack still answers; SIGTERM stops it and frees both ports.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")

tmp=$(mktemp -d)
holder_pid="" first_pid=""
finish() {
  [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null
  [ -n "$first_pid" ] && kill -TERM -- "-$first_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap finish EXIT

fail() { printf 'test-dev: FAIL: %s\n' "$*" >&2; exit 1; }
passed=0
pass() { printf 'test-dev: ok: %s\n' "$*"; passed=$((passed + 1)); }

# Poll a condition (a command) every 0.1 s for at most $1 seconds.
within() {
  local secs=$1
  shift
  for _ in $(seq 1 $((secs * 10))); do "$@" && return 0; sleep 0.1; done
  return 1
}

# N free ports on 127.0.0.1, held together while choosing so they differ.
free_ports() {
  node -e '
    const net = require("net");
    const n = Number(process.argv[1]);
    const servers = Array.from({ length: n }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", ok)))).then(() => {
      console.log(servers.map((s) => s.address().port).join(" "));
      servers.forEach((s) => s.close());
    });
  ' "$1"
}
port_bindable() {
  node -e 'const s = require("net").createServer(); s.once("error", () => process.exit(1));
           s.listen(Number(process.argv[1]), "127.0.0.1", () => s.close())' "$1"
}
port_taken() { ! port_bindable "$1"; }

[ -f edge/build/worker/shim.mjs ] || fail "the Worker is not built; run: make worker"
cargo build --quiet --locked -p mock-server --bin popbill-mock
export MOCK_BIN="$target_dir/debug/popbill-mock"

read -r mock_port worker_port other_mock other_worker < <(free_ports 4)
export MOCK_PORT=$mock_port WORKER_PORT=$worker_port
export DEV_DIR="$tmp/dev"

# 1. A port held by another program.
node -e 'require("net").createServer().listen(Number(process.argv[1]), "127.0.0.1")' "$worker_port" &
holder_pid=$!
within 10 port_taken "$worker_port" || fail "the stand-in program did not take port $worker_port"
status=0
out=$(timeout 30 scripts/dev.sh 2>&1) || status=$?
[ "$status" -eq 1 ] || fail "with port $worker_port taken, dev.sh exited $status, not 1: $out"
grep -qF "port $worker_port (WORKER_PORT) on 127.0.0.1 is already in use" <<<"$out" \
  || fail "the message does not name port $worker_port: $out"
! grep -qF "(MOCK_PORT) on" <<<"$out" || fail "the message names the free mock port: $out"
[ ! -e "$DEV_DIR" ] || fail "dev.sh created $DEV_DIR although it could not start"
kill "$holder_pid"
wait "$holder_pid" 2>/dev/null || true
holder_pid=""
within 10 port_bindable "$worker_port" || fail "port $worker_port stayed taken after the stand-in stopped"
pass "a port held by another program is named and nothing is created"

# 2. The real stack, once, with merchant events pointed at a port nobody serves.
events_url="http://127.0.0.1:9/events"
events_secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MERCHANT_WEBHOOK_URL=$events_url MERCHANT_WEBHOOK_SECRET=$events_secret \
  setsid scripts/dev.sh >"$tmp/first.out" 2>&1 &
first_pid=$!
first_ready() {
  kill -0 "$first_pid" 2>/dev/null || fail "the first stack exited: $(cat "$tmp/first.out")"
  grep -qF "Submit a sample batch" "$tmp/first.out"
}
within 120 first_ready || fail "the first stack was not ready within 120 s: $(cat "$tmp/first.out")"
grep -qF "Ready on http://127.0.0.1:$worker_port" "$DEV_DIR/worker.log" || fail "worker.log lacks wrangler's ready line"
! grep -q $'\e' "$DEV_DIR/worker.log" "$DEV_DIR/mock.log" || fail "a log holds terminal escape codes"
! grep -qF "wrangler 4." "$DEV_DIR/worker.log" || fail "worker.log holds wrangler's banner"
grep -qF "Events: signed, to $events_url" "$tmp/first.out" || fail "the banner does not say where events go: $(cat "$tmp/first.out")"
! grep -qF "$events_secret" "$tmp/first.out" "$DEV_DIR/worker.log" || fail "the events secret was printed"
pass "the stack starts, says where events go, and its logs are plain text"

# What the running stack owns, to compare after each refused start. Logs may grow (the stack
# keeps logging) but must keep what they had; secrets.env must not be written at all.
snapshot() {
  stat -c '%i %y %s' "$DEV_DIR/secrets.env" >"$tmp/secrets.stat"
  cp "$DEV_DIR/mock.log" "$tmp/mock.before"
  cp "$DEV_DIR/worker.log" "$tmp/worker.before"
}
unchanged() {
  local log
  [ "$(stat -c '%i %y %s' "$DEV_DIR/secrets.env")" = "$(cat "$tmp/secrets.stat")" ] \
    || fail "$1: secrets.env of the running stack was rewritten"
  for log in mock worker; do
    cmp -s -n "$(stat -c %s "$tmp/$log.before")" "$tmp/$log.before" "$DEV_DIR/$log.log" \
      || fail "$1: $log.log of the running stack was rewritten"
  done
}

# 3. A second stack on the same ports, and make dev's early check.
snapshot
for args in "" "--check"; do
  status=0
  out=$(timeout 30 scripts/dev.sh $args 2>&1) || status=$?
  [ "$status" -eq 1 ] || fail "second dev.sh $args exited $status, not 1: $out"
  for expected in "port $mock_port (MOCK_PORT) on 127.0.0.1 is already in use" \
    "port $worker_port (WORKER_PORT) on 127.0.0.1 is already in use" "MOCK_PORT=" "WORKER_PORT="; do
    grep -qF "$expected" <<<"$out" || fail "second dev.sh $args does not say \"$expected\": $out"
  done
  ! grep -qF "Submit a sample batch" <<<"$out" || fail "second dev.sh $args printed a ready banner: $out"
  unchanged "second dev.sh $args"
done
pass "a second dev.sh on the same ports names both, exits 1 and leaves the running stack's files"

# 4. Free ports, same DEV_DIR.
status=0
out=$(MOCK_PORT=$other_mock WORKER_PORT=$other_worker timeout 30 scripts/dev.sh 2>&1) || status=$?
[ "$status" -eq 1 ] || fail "dev.sh on free ports and a busy DEV_DIR exited $status, not 1: $out"
grep -qF "$DEV_DIR is in use by another running stack" <<<"$out" || fail "the message does not name DEV_DIR: $out"
unchanged "dev.sh with a busy DEV_DIR"
port_bindable "$other_mock" && port_bindable "$other_worker" || fail "the refused dev.sh left a process on its ports"
pass "a second dev.sh with the same DEV_DIR is refused and leaves the running stack's files"

# 5. The first stack is intact, and stops.
curl -fsS -o /dev/null "http://127.0.0.1:$worker_port/healthz" || fail "the first Worker stopped answering"
curl -fsS -o /dev/null "http://127.0.0.1:$mock_port/Time" || fail "the first mock stopped answering"
kill -TERM "$first_pid"
first_stopped() { ! kill -0 "$first_pid" 2>/dev/null; }
within 30 first_stopped || fail "the first stack did not stop within 30 s"
first_pid=""
grep -qF "dev: stopped" "$tmp/first.out" || fail "the first stack did not say it stopped"
within 15 port_bindable "$mock_port" || fail "port $mock_port is still taken after the stack stopped"
within 15 port_bindable "$worker_port" || fail "port $worker_port is still taken after the stack stopped"
pass "the first stack kept answering and stops on SIGTERM, freeing its ports"

echo "test-dev: $passed passed"
