#!/usr/bin/env bash
# The whole local stack on its embedded defaults: the mock POPBiLL and the Worker in workerd,
# wired to each other with development credentials. No Cloudflare or POPBiLL account.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

MOCK_PORT=${MOCK_PORT:-9080}
WORKER_PORT=${WORKER_PORT:-8787}
# Development-only credentials, shared by the mock and the Worker. Never use them for real.
DEV_LINK_ID=DEVLINK
DEV_SECRET_KEY=ZGV2LXNlY3JldC1rZXktZm9yLWxvY2FsLW1vY2stb25seQ==
DEV_CORP_NUM=1234567890
DEV_API_TOKEN=dev-api-token
DEV_WEBHOOK_KEY=dev-webhook-key

mkdir -p .dev
mock_bin=target/release/popbill-mock
[ -x "$mock_bin" ] || { echo "dev: $mock_bin is missing; run: make dev" >&2; exit 1; }

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "dev: stopped"
}
trap cleanup INT TERM EXIT

worker_url="http://127.0.0.1:$WORKER_PORT"
mock_url="http://127.0.0.1:$MOCK_PORT"

setsid "$mock_bin" --port "$MOCK_PORT" --link-id "$DEV_LINK_ID" --secret-key "$DEV_SECRET_KEY" \
  --corp-num "$DEV_CORP_NUM" --webhook-url "$worker_url/v1/popbill/webhook" \
  --webhook-api-key "$DEV_WEBHOOK_KEY" --clock real >.dev/mock.log 2>&1 &
pids+=($!)

# Secrets go in an env file (as `wrangler secret put` would hold them), vars on the command line.
umask 077
cat >.dev/secrets.env <<SECRETS
POPBILL_LINK_ID=$DEV_LINK_ID
POPBILL_SECRET_KEY=$DEV_SECRET_KEY
API_TOKEN=$DEV_API_TOKEN
WEBHOOK_API_KEY=$DEV_WEBHOOK_KEY
SECRETS
umask 022

WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false setsid node_modules/.bin/wrangler dev \
  --ip 127.0.0.1 --port "$WORKER_PORT" --persist-to .dev/kv --test-scheduled \
  --show-interactive-dev-session=false --env-file .dev/secrets.env \
  --var "POPBILL_API_URL:$mock_url" --var "POPBILL_AUTH_URL:$mock_url" \
  --var "TIME_SOURCE:linkhub" --var "POPBILL_CORP_NUM:$DEV_CORP_NUM" \
  </dev/null >.dev/worker.log 2>&1 &
pids+=($!)

ready() { curl -fsS -o /dev/null "$1" 2>/dev/null; }
for _ in $(seq 1 600); do
  if ready "$mock_url/Time" && ready "$worker_url/healthz"; then break; fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "dev: a process exited; see .dev/mock.log and .dev/worker.log" >&2; exit 1; }
  done
  sleep 0.1
done
ready "$worker_url/healthz" || { echo "dev: the Worker did not start within 60 s; see .dev/worker.log" >&2; exit 1; }

# wrangler dev does not fire cron triggers by itself: fire the reconcile cron every minute.
( while sleep 60; do curl -fsS -o /dev/null "$worker_url/cdn-cgi/handler/scheduled?cron=*+*+*+*+*" || true; done ) &
pids+=($!)

today=$(TZ=Asia/Seoul date +%Y%m%d%H%M%S)
cat <<MSG

  Worker (wrangler dev, local KV in .dev/kv):  $worker_url
  Mock POPBiLL (follows real time):            $mock_url   (control API: $mock_url/_mock/state)
  Logs: .dev/worker.log, .dev/mock.log. The reconcile cron fires every minute.

  Submit a sample batch:

  curl -sS -X POST $worker_url/v1/submissions \\
    -H 'Authorization: Bearer $DEV_API_TOKEN' -H 'Content-Type: application/json' \\
    -d '{"cashbills":[{"mgtKey":"DEV-$today-1","tradeDT":"$today","tradeType":"승인거래","tradeUsage":"소득공제용","taxationType":"과세","totalAmount":"11000","supplyCost":"10000","tax":"1000","serviceFee":"0","franchiseCorpNum":"$DEV_CORP_NUM","identityNum":"01012345678","itemName":"Coffee"}]}'

  Then: curl -sS $worker_url/v1/submissions/<submitID> -H 'Authorization: Bearer $DEV_API_TOKEN'

  Ctrl-C stops both.
MSG
wait -n "${pids[@]}" || true
echo "dev: a process exited; see .dev/mock.log and .dev/worker.log" >&2
