#!/usr/bin/env bash
# The whole local stack on its embedded defaults: the mock POPBiLL and the Worker in workerd,
# wired to each other with development credentials. No Cloudflare or POPBiLL account.
# Ctrl-C stops both.
#
#   scripts/dev.sh            start the stack (what `make dev` runs after building)
#   scripts/dev.sh --check    only check that it could start: ports free, DEV_DIR not in use
#
# Settings (environment, or `make dev NAME=value`):
#   MOCK_PORT    the mock's port on 127.0.0.1 (default 9080)
#   WORKER_PORT  the Worker's port on 127.0.0.1 (default 8787)
#   DEV_DIR      the stack's files: secrets.env, mock.log, worker.log, kv/ (default .dev);
#                one running stack per DEV_DIR
#   MOCK_BIN     the mock binary (default $CARGO_TARGET_DIR/release/popbill-mock)
#   MERCHANT_WEBHOOK_URL, MERCHANT_WEBHOOK_SECRET
#                where the Worker sends its signed events (edge/README.md "Events"), and the
#                `whsec_` secret it signs them with; unset: no events
#
# Nothing is started and no file of a running stack is touched unless both ports are free and
# no other dev.sh holds DEV_DIR. Readiness accepts only the processes this run started.
set -euo pipefail
# Cargo reads a relative CARGO_TARGET_DIR against the caller's folder: resolve it before cd.
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-$(dirname "$0")/../target}")
cd "$(dirname "$0")/.."

MOCK_PORT=${MOCK_PORT:-9080}
WORKER_PORT=${WORKER_PORT:-8787}
DEV_DIR=${DEV_DIR:-.dev}
MOCK_BIN=${MOCK_BIN:-$target_dir/release/popbill-mock}
# Development-only credentials, shared by the mock and the Worker. Never use them for real.
DEV_LINK_ID=DEVLINK
DEV_SECRET_KEY=ZGV2LXNlY3JldC1rZXktZm9yLWxvY2FsLW1vY2stb25seQ==
DEV_CORP_NUM=1234567890
DEV_API_TOKEN=dev-api-token
DEV_WEBHOOK_KEY=dev-webhook-key

die() { printf 'dev: %s\n' "$*" >&2; exit 1; }

for spec in "MOCK_PORT=$MOCK_PORT" "WORKER_PORT=$WORKER_PORT"; do
  [[ ${spec#*=} =~ ^[1-9][0-9]{0,4}$ ]] && [ "${spec#*=}" -le 65535 ] \
    || die "$spec is not a port number (1-65535)"
done
[ "$MOCK_PORT" != "$WORKER_PORT" ] || die "MOCK_PORT and WORKER_PORT are both $MOCK_PORT; choose two ports"

# The ports of the arguments that cannot be bound on 127.0.0.1 now, one a line (a bind, not a
# connect: it also finds a port held without listening).
taken_ports() {
  node -e '
    const net = require("net");
    const tryBind = (port) => new Promise((done) => {
      const server = net.createServer();
      server.once("error", () => done(port));
      server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => done(null)));
    });
    Promise.all(process.argv.slice(1).map(Number).map(tryBind))
      .then((taken) => taken.filter(Boolean).forEach((port) => console.log(port)));
  ' "$@"
}

# Who holds a port, when the system says (best effort).
holder_of() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -oP 'users:\(\("\K[^"]+(?=",pid=\d+)|pid=\K\d+' \
    | paste -sd' ' | sed -E 's/^([^ ]+) ([0-9]+).*/ by \1 (pid \2)/' || true
}

check_ports() {
  local taken port name
  taken=$(taken_ports "$MOCK_PORT" "$WORKER_PORT")
  [ -z "$taken" ] && return 0
  for port in $taken; do
    name=MOCK_PORT
    [ "$port" = "$WORKER_PORT" ] && name=WORKER_PORT
    printf 'dev: port %s (%s) on 127.0.0.1 is already in use%s.\n' "$port" "$name" "$(holder_of "$port")" >&2
  done
  printf 'dev: is another `make dev` running? Stop it, or choose other ports, e.g.\n' >&2
  printf 'dev:   make dev MOCK_PORT=%s WORKER_PORT=%s DEV_DIR=.dev-2\n' \
    "$((MOCK_PORT + 1))" "$((WORKER_PORT + 1))" >&2
  printf 'dev: nothing was started and no file was changed.\n' >&2
  exit 1
}

# One stack per DEV_DIR: its files (secrets, logs, KV) belong to the stack that holds the lock.
# The lock is held by this script and the processes it starts, for as long as any of them runs.
lock_dev_dir() {
  command -v flock >/dev/null 2>&1 || return 0 # without util-linux, only the port check guards
  mkdir -p "$DEV_DIR"
  exec 9>>"$DEV_DIR/lock"
  if ! flock -n 9; then
    die "$DEV_DIR is in use by another running stack (dev.sh pid $(cat "$DEV_DIR/lock" 2>/dev/null || echo '?')); stop it, or choose another folder and ports, e.g. make dev MOCK_PORT=$((MOCK_PORT + 1)) WORKER_PORT=$((WORKER_PORT + 1)) DEV_DIR=.dev-2"
  fi
}

if [ "${1:-}" = "--check" ]; then
  # Before `make setup` there is no node yet: setup will say so, and the real start checks again.
  command -v node >/dev/null 2>&1 || exit 0
  check_ports
  lock_dev_dir
  exit 0
fi
command -v node >/dev/null 2>&1 || die "node is missing; run: make setup"
[ -x "$MOCK_BIN" ] || die "$MOCK_BIN is missing; run: make dev (or cargo build --release -p mock-server)"
[ -x node_modules/.bin/wrangler ] || die "wrangler is missing; run: make setup"
check_ports
lock_dev_dir
echo "$$" >"$DEV_DIR/lock"

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "dev: stopped"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

worker_url="http://127.0.0.1:$WORKER_PORT"
mock_url="http://127.0.0.1:$MOCK_PORT"
mock_log="$DEV_DIR/mock.log"
worker_log="$DEV_DIR/worker.log"

NO_COLOR=1 setsid "$MOCK_BIN" --port "$MOCK_PORT" --link-id "$DEV_LINK_ID" --secret-key "$DEV_SECRET_KEY" \
  --corp-num "$DEV_CORP_NUM" --webhook-url "$worker_url/v1/popbill/webhook" \
  --webhook-api-key "$DEV_WEBHOOK_KEY" --clock real >"$mock_log" 2>&1 &
pids+=($!)
mock_pid=$!

# Secrets go in an env file (as `wrangler secret put` would hold them), vars on the command line.
umask 077
cat >"$DEV_DIR/secrets.env" <<SECRETS
POPBILL_LINK_ID=$DEV_LINK_ID
POPBILL_SECRET_KEY=$DEV_SECRET_KEY
API_TOKEN=$DEV_API_TOKEN
WEBHOOK_API_KEY=$DEV_WEBHOOK_KEY
SECRETS
[ -z "${MERCHANT_WEBHOOK_SECRET:-}" ] || echo "MERCHANT_WEBHOOK_SECRET=$MERCHANT_WEBHOOK_SECRET" >>"$DEV_DIR/secrets.env"
umask 022
events_var=()
[ -z "${MERCHANT_WEBHOOK_URL:-}" ] || events_var=(--var "MERCHANT_WEBHOOK_URL:$MERCHANT_WEBHOOK_URL")

# A readable log (docs/TOOLCHAIN.md §3): no interactive panel, stdin not a terminal, no banner,
# colour codes stripped (wrangler colours its warnings and errors even when not on a terminal).
# The default log level keeps the Worker's console output; wrangler's debug log stays in DEV_DIR.
WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_HIDE_BANNER=true NO_COLOR=1 \
  WRANGLER_LOG_PATH="$DEV_DIR/wrangler-debug.log" \
  setsid bash -c '"$@" 2>&1 | sed -u "s/\x1b\[[0-9;]*m//g"' wrangler node_modules/.bin/wrangler dev \
  --ip 127.0.0.1 --port "$WORKER_PORT" --persist-to "$DEV_DIR/kv" --test-scheduled \
  --show-interactive-dev-session=false --env-file "$DEV_DIR/secrets.env" \
  --var "POPBILL_API_URL:$mock_url" --var "POPBILL_AUTH_URL:$mock_url" \
  --var "TIME_SOURCE:linkhub" --var "POPBILL_CORP_NUM:$DEV_CORP_NUM" "${events_var[@]}" \
  </dev/null >"$worker_log" &
pids+=($!)
worker_pid=$!

# Ready: both processes this run started are alive, each has said in its own (fresh) log that it
# serves our port, and both answer there. The ports were free, so what answers is ours.
answers() { curl -fsS -o /dev/null "$1" 2>/dev/null; }
mock_ready() { head -n1 "$mock_log" | grep -qxF "$mock_url" && answers "$mock_url/Time"; }
# /healthz answers 503 while a setting is unusable (misconfigured events): still an answer.
healthz_answers() { [ "$(curl -sS -o /dev/null -w '%{http_code}' "$1/healthz" 2>/dev/null)" != 000 ]; }
worker_ready() { grep -qF "Ready on $worker_url" "$worker_log" && healthz_answers "$worker_url"; }
ready=false
for _ in $(seq 1 600); do
  kill -0 "$mock_pid" 2>/dev/null || die "the mock exited; see $mock_log"
  kill -0 "$worker_pid" 2>/dev/null || die "the Worker (wrangler dev) exited; see $worker_log"
  if mock_ready && worker_ready; then ready=true; break; fi
  sleep 0.1
done
$ready || die "the stack did not become ready within 60 s; see $mock_log and $worker_log"

# wrangler dev does not fire cron triggers by itself: fire the reconcile cron every minute.
# Its own process group (stopped with the rest) and without the DEV_DIR lock: a sleeping loop
# must not keep DEV_DIR locked after the stack stopped.
setsid bash -c 'while sleep 60; do curl -fsS -o /dev/null "$1/cdn-cgi/handler/scheduled?cron=*+*+*+*+*" || true; done' \
  cron "$worker_url" 9>&- &
pids+=($!)

# Where the merchant events go, as the Worker's /healthz says.
case "$(curl -sS "$worker_url/healthz" 2>/dev/null)" in
  *'"notifications":"on"'*) events_line="Events: signed, to $MERCHANT_WEBHOOK_URL (undelivered: GET /v1/notifications/failed)" ;;
  *'"notifications":"misconfigured"'*) events_line="Events: NOT sent: MERCHANT_WEBHOOK_URL/_SECRET unusable, see curl $worker_url/healthz" ;;
  *) events_line="Events: off (set MERCHANT_WEBHOOK_URL and MERCHANT_WEBHOOK_SECRET=whsec_... to send them)" ;;
esac

today=$(TZ=Asia/Seoul date +%Y%m%d%H%M%S)
cat <<MSG

  Worker (wrangler dev, local KV in $DEV_DIR/kv):  $worker_url
  Mock POPBiLL (follows real time):            $mock_url   (control API: $mock_url/_mock/state)
  Logs: $worker_log, $mock_log. The reconcile cron fires every minute.
  $events_line

  Submit a sample batch:

  curl -sS -X POST $worker_url/v1/submissions \\
    -H 'Authorization: Bearer $DEV_API_TOKEN' -H 'Content-Type: application/json' \\
    -d '{"cashbills":[{"mgtKey":"DEV-$today-1","tradeDT":"$today","tradeType":"승인거래","tradeUsage":"소득공제용","taxationType":"과세","totalAmount":"11000","supplyCost":"10000","tax":"1000","serviceFee":"0","franchiseCorpNum":"$DEV_CORP_NUM","identityNum":"01012345678","itemName":"Coffee"}]}'

  Then: curl -sS $worker_url/v1/submissions/<submitID> -H 'Authorization: Bearer $DEV_API_TOKEN'

  Ctrl-C stops both.
MSG
wait -n "${pids[@]}" || true
die "a process exited; see $mock_log and $worker_log"
