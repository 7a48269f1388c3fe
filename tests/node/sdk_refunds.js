// Refunds with the official POPBiLL Node SDK (npm `popbill` 1.64.2) against the mock POPBiLL:
// revokeRegistIssue refused while the original is unfiled, then a partial revokeRegistIssue,
// then 취소거래 receipts through bulkSubmit (partials adding up to the original, one more refused,
// one of an original whose filing failed), GetInfos of the cancellations, and their own filing.
//
// Usage: node tests/node/sdk_refunds.js <mock_url>
// The SDK's hosts are redirected to the mock (harness.js). Prints one JSON line of what it saw;
// exits non-zero on any failed assertion.
'use strict';

const assert = require('assert');
const { CORP_NUM, fail, setup } = require('./harness');

const { call, refusal, control, nextDay } = setup(process.argv[2]);

function receipt(mgtKey, orderNumber) {
  return {
    mgtKey,
    tradeType: '승인거래',
    tradeUsage: '소득공제용',
    taxationType: '과세',
    totalAmount: '11000',
    supplyCost: '10000',
    tax: '1000',
    serviceFee: '0',
    franchiseCorpNum: CORP_NUM,
    identityNum: '01012345678',
    itemName: '상품명',
    orderNumber,
    smssendYN: false,
  };
}

// A 취소거래 of `org` (its GetInfo) for the given amounts, as a bulk receipt.
function cancellation(mgtKey, org, supplyCost, tax) {
  return Object.assign(receipt(mgtKey, 'refund'), {
    tradeType: '취소거래',
    orgConfirmNum: org.confirmNum,
    orgTradeDate: org.tradeDate,
    cancelType: 1,
    supplyCost: String(supplyCost),
    tax: String(tax),
    totalAmount: String(supplyCost + tax),
  });
}

// The SDK's full revokeRegistIssue signature: CorpNum, mgtKey, orgConfirmNum, orgTradeDate,
// smssendYN, memo, UserID, isPartCancel, cancelType, supplyCost, tax, serviceFee, totalAmount,
// emailSubject, tradeDT.
const revoke = (mgtKey, org, part) =>
  part
    ? ['revokeRegistIssue', CORP_NUM, mgtKey, org.confirmNum, org.tradeDate, false, '부분환불', '',
       true, 2, part[0], part[1], '0', String(part[0] + part[1]), '', '']
    : ['revokeRegistIssue', CORP_NUM, mgtKey, org.confirmNum, org.tradeDate, false, '환불', '',
       false, 1, '', '', '', '', '', ''];

async function main() {
  const run = Date.now().toString(36);
  const key = (s) => `${run}-${s}`;

  const submitted = await call('bulkSubmit', CORP_NUM, `SDK-ORG-${run}`, [
    receipt(key('A'), 'order-a'),
    receipt(key('B'), 'SCENARIO:NTS_FAIL:TS1'),
  ]);
  assert.strictEqual(submitted.code, 1);
  await control('POST', '/_mock/clock/advance', { seconds: 5 });
  const [a, b] = await call('getInfos', CORP_NUM, [key('A'), key('B')]);
  assert.strictEqual(a.stateCode, 300);

  const early = await refusal(...revoke(key('R-0'), a));
  assert.strictEqual(early.code, -14001021, JSON.stringify(early));

  const clock = await control('GET', '/_mock/clock');
  const day2 = nextDay(clock.kst);
  await control('POST', '/_mock/clock/advance', { to: `${day2}110000` });
  const filed = await call('getInfos', CORP_NUM, [key('A'), key('B')]);
  assert.deepStrictEqual(filed.map((i) => i.stateCode), [304, 305]);

  // A partial cancellation: 3000 + 300 of 11000.
  const partial = await call(...revoke(key('R-1'), a, [3000, 300]));
  assert.strictEqual(partial.code, 1);
  assert.match(partial.confirmNum, /^TB[0-9]{7}$/);
  assert.notStrictEqual(partial.confirmNum, a.confirmNum);
  assert.strictEqual(partial.tradeDate, day2);

  const failedOrg = await refusal(...revoke(key('R-2'), b));
  assert.strictEqual(failedOrg.code, -14001069, JSON.stringify(failedOrg));
  const whole = await refusal(...revoke(key('R-3'), a));
  assert.strictEqual(whole.code, -14001065, 'a full cancellation after a partial exceeds what is left');

  // The rest in bulk: 4000 + 400 and 3000 + 300 use up A (7700 left), then one won more and a
  // cancellation of B are refused, each in its own issueResult.
  const bulkID = `SDK-REFUND-${run}`;
  const bulk = await call('bulkSubmit', CORP_NUM, bulkID, [
    cancellation(key('C-1'), a, 4000, 400),
    cancellation(key('C-2'), a, 3000, 300),
    cancellation(key('C-3'), a, 1, 0),
    cancellation(key('C-4'), b, 10000, 1000),
  ]);
  assert.strictEqual(bulk.code, 1);
  await control('POST', '/_mock/clock/advance', { seconds: 5 });
  const result = await call('getBulkResult', CORP_NUM, bulkID);
  assert.strictEqual(result.txState, 2);
  const codes = result.issueResult.map((r) => r.code);
  assert.deepStrictEqual(codes, [1, 1, -14001065, -14001069]);

  const cancels = await call('getInfos', CORP_NUM, [key('R-1'), key('C-1'), key('C-2')]);
  for (const c of cancels) {
    assert.strictEqual(c.tradeType, '취소거래');
    assert.strictEqual(c.orgConfirmNum, a.confirmNum);
    assert.strictEqual(c.orgTradeDate, a.tradeDate);
    assert.strictEqual(c.stateCode, 300);
  }
  assert.deepStrictEqual(cancels.map((c) => c.cancelType), [2, 1, 1]);
  assert.deepStrictEqual(cancels.map((c) => c.totalAmount), ['3300', '4400', '3300']);

  // The cancellations' own filing: midnight and 11:00 the day after they were issued.
  const day3 = nextDay(day2);
  await control('POST', '/_mock/clock/advance', { to: `${day3}110000` });
  const done = await call('getInfos', CORP_NUM, [key('R-1'), key('C-1'), key('C-2')]);
  assert.deepStrictEqual(done.map((c) => c.stateCode), [304, 304, 304]);

  console.log(
    JSON.stringify({
      early: early.code,
      partial: partial.code,
      refusedRevokes: [failedOrg.code, whole.code],
      bulkCodes: codes,
      cancelTypes: cancels.map((c) => c.cancelType),
      filed: done.map((c) => c.stateCode),
    }),
  );
}

main().catch((e) => fail('sdk_refunds', e && e.stack ? e.stack : e));
