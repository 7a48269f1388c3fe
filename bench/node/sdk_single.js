// The official POPBiLL Node SDK (npm `popbill` 1.64.2) issuing receipts one at a time with
// registIssue, as a merchant without bulk issuance would: one request after another, each
// answered before the next is sent. For the benchmark's bulk-vs-single comparison.
//
// Usage: node bench/node/sdk_single.js <mock_url> <count> <mgtKey prefix> <tradeDT>
// The SDK's hosts are redirected to the mock (tests/node/harness.js); it runs on its default
// settings. Prints one JSON line: {"count", "elapsedMs", "latenciesMs": [...]}; exits non-zero
// on any refused receipt.
'use strict';

const { CORP_NUM, fail, receipt, setup } = require('../../tests/node/harness');

const [mockUrl, countArg, prefix, tradeDT] = process.argv.slice(2);
const count = Number(countArg);
if (!mockUrl || !Number.isInteger(count) || count < 1 || !prefix || !/^[0-9]{14}$/.test(tradeDT || '')) {
  console.error('usage: sdk_single.js <mock_url> <count> <mgtKey prefix> <tradeDT yyyyMMddHHmmss>');
  process.exit(2);
}
const { call } = setup(mockUrl);

async function main() {
  const latenciesMs = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const r = Object.assign(receipt(`${prefix}-${i}`, `order-${i}`), { tradeDT });
    const t = process.hrtime.bigint();
    const answer = await call('registIssue', CORP_NUM, r);
    latenciesMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (answer.code !== 1) throw new Error(`receipt ${i}: ${JSON.stringify(answer)}`);
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(JSON.stringify({ count, elapsedMs, latenciesMs }));
}

main().catch((e) => fail('sdk_single', e));
