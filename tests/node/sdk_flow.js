// Drives the official POPBiLL Node SDK (npm `popbill` 1.64.2), on its default settings, against
// the mock POPBiLL: token -> BulkSubmit -> GetBulkResult (after advancing the clock) ->
// GetInfos -> GetInfo, then across midnight and 11:00 to the filing results, then days later
// RegistIssue and its own filing — all with the tokens the SDK signs and refreshes by its own
// clock while the simulated clock jumps.
//
// Usage: node tests/node/sdk_flow.js <mock_url>
// The SDK's hosts are redirected to the mock (harness.js). Prints one JSON line of what it saw;
// exits non-zero on any failed assertion.
'use strict';

const assert = require('assert');
const { CORP_NUM, fail, receipt, setup } = require('./harness');

const { call, refusal, control, nextDay, seen } = setup(process.argv[2]);

async function main() {
  const run = Date.now().toString(36);
  const submitID = `SDK-${run}`;
  const keys = [`${run}-1`, `${run}-2`, `${run}-3`];
  const list = [
    receipt(keys[0], 'order-1'),
    receipt(keys[1], 'SCENARIO:NTS_FAIL:TS4'),
    receipt(keys[2], 'SCENARIO:ISSUE_FAIL:-14001031'),
  ];

  const submitted = await call('bulkSubmit', CORP_NUM, submitID, list);
  assert.strictEqual(submitted.code, 1);
  assert.match(submitted.receiptID, /^[0-9]{18}$/);

  const early = await call('getBulkResult', CORP_NUM, submitID);
  assert.strictEqual(early.txState, 0);

  await control('POST', '/_mock/clock/advance', { seconds: 5 });
  const result = await call('getBulkResult', CORP_NUM, submitID);
  assert.strictEqual(result.code, 1);
  assert.strictEqual(result.txState, 2);
  assert.strictEqual(result.receiptID, submitted.receiptID);
  assert.strictEqual(result.submitID, submitID);
  assert.strictEqual(result.submitCount, 3);
  assert.strictEqual(result.successCount, 2);
  assert.strictEqual(result.failCount, 1);
  assert.deepStrictEqual(result.issueResult.map((r) => r.code), [1, 1, -14001031]);
  assert.deepStrictEqual(result.issueResult.map((r) => r.mgtKey), keys);
  assert.match(result.issueResult[0].confirmNum, /^TB[0-9]{7}$/);
  assert.match(result.issueResult[0].issueDT, /^[0-9]{14}$/);

  const infos = await call('getInfos', CORP_NUM, keys);
  assert.deepStrictEqual(infos.map((i) => i.mgtKey), keys.slice(0, 2));
  assert.deepStrictEqual(infos.map((i) => i.stateCode), [300, 300]);
  assert.strictEqual(infos[0].confirmNum, result.issueResult[0].confirmNum);

  const missing = await refusal('getInfo', CORP_NUM, keys[2]);
  assert.strictEqual(missing.code, -14000003);

  // Across midnight and 11:00 (KST) of the next day: the filing results.
  const today = (await control('GET', '/_mock/clock')).kst.slice(0, 8);
  const next = nextDay(today);
  await control('POST', '/_mock/clock/advance', { to: `${next}110000` });
  const filed = await call('getInfos', CORP_NUM, keys.slice(0, 2));
  assert.deepStrictEqual(filed.map((i) => i.stateCode), [304, 305]);
  assert.deepStrictEqual(filed.map((i) => i.ntsresultCode), ['0000', 'TS4']);
  assert.strictEqual(filed[0].ntssendDT, `${next}000000`);

  const one = await call('getInfo', CORP_NUM, keys[0]);
  assert.strictEqual(one.stateCode, 304);
  assert.strictEqual(one.identityNum, '01012345678');

  // Days later on the simulated clock (minutes later on the SDK's): same token, same SDK.
  const later = nextDay(today, 3);
  await control('POST', '/_mock/clock/advance', { to: `${later}093000` });
  const single = await call('registIssue', CORP_NUM, receipt(`${run}-S`, 'single'));
  assert.strictEqual(single.code, 1);
  assert.match(single.confirmNum, /^TB[0-9]{7}$/);
  assert.strictEqual(single.tradeDate, later);

  const reused = await refusal('bulkSubmit', CORP_NUM, submitID, [receipt(`${run}-4`, 'x')]);
  assert.strictEqual(reused.code, -14010021);

  await control('POST', '/_mock/clock/advance', { to: `${nextDay(later)}110000` });
  const singleFiled = await call('getInfo', CORP_NUM, `${run}-S`);
  assert.strictEqual(singleFiled.stateCode, 304);

  console.log(
    JSON.stringify({
      receiptID: submitted.receiptID,
      txState: result.txState,
      codes: result.issueResult.map((r) => r.code),
      stateCodes: filed.map((i) => i.stateCode),
      laterStateCode: singleFiled.stateCode,
      hosts: [...seen.hosts].sort(),
    }),
  );
}

main().catch((e) => fail('sdk_flow', e));
