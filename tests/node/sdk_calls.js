// Drives the calls a bulk-issuing merchant makes beside issuance through the official POPBiLL
// Node SDK (npm `popbill` 1.64.2, default settings) against the mock: balances, unit cost,
// charge info, points running out, CheckMgtKeyInUse, GetDetailInfo, SendEmail, SendSMS,
// EmailSendConfig, every view URL (and the page behind it), GetMassPrintURL, GetLogs, Delete
// and the reuse of a deleted mgtKey, Search, and calls the mock does not simulate.
//
// Usage: node tests/node/sdk_calls.js <mock_url>   (the mock starts with 50 points, 10 a receipt)
// Prints one JSON line of what it saw; exits non-zero on any failed assertion.
'use strict';

const assert = require('assert');
const { CORP_NUM, fail, receipt, setup } = require('./harness');

const { mock, call, refusal, request, control, nextDay } = setup(process.argv[2]);

async function main() {
  const run = Date.now().toString(36);
  const k = (i) => `${run}-${i}`;

  // Points, unit cost and charge info.
  assert.strictEqual(await call('getBalance', CORP_NUM), 50);
  const partner = await call('getPartnerBalance', CORP_NUM);
  assert.ok(partner > 0, `partner balance ${partner}`);
  assert.strictEqual(await call('getUnitCost', CORP_NUM), 10);
  const charge = await call('getChargeInfo', CORP_NUM);
  assert.deepStrictEqual(charge, { unitCost: '10', chargeMethod: '연동', rateSystem: '종량제' });

  // Six receipts, points for five: the sixth fails on its own with -99005005.
  const list = [1, 2, 3, 4, 5, 6].map((i) => receipt(k(i), `order-${i}`));
  list[0].email = 'buyer@example.com';
  list[1].orderNumber = 'SCENARIO:NTS_FAIL:TS1';
  const submitID = `CALLS-${run}`;
  assert.strictEqual((await call('bulkSubmit', CORP_NUM, submitID, list)).code, 1);
  await control('POST', '/_mock/clock/advance', { seconds: 5 });
  const result = await call('getBulkResult', CORP_NUM, submitID);
  assert.deepStrictEqual(result.issueResult.map((r) => r.code), [1, 1, 1, 1, 1, -99005005]);
  assert.strictEqual(result.issueResult[5].message, '잔여포인트가 부족합니다.');
  assert.strictEqual(await call('getBalance', CORP_NUM), 0);
  await control('POST', '/_mock/points', { balance: 1000 });
  assert.strictEqual(await call('getBalance', CORP_NUM), 1000);

  // CheckMgtKeyInUse and GetDetailInfo.
  assert.strictEqual(await call('checkMgtKeyInUse', CORP_NUM, k(1)), true);
  const detail = await call('getDetailInfo', CORP_NUM, k(1));
  assert.strictEqual(detail.mgtKey, k(1));
  assert.strictEqual(detail.franchiseCorpName, '가맹점 상호');
  assert.strictEqual(detail.email, 'buyer@example.com');
  assert.strictEqual(detail.totalAmount, '11000');
  assert.match(detail.confirmNum, /^TB[0-9]{7}$/);

  // E-mail and SMS, and the mail setting.
  assert.strictEqual((await call('sendEmail', CORP_NUM, k(1), 'again@example.com')).code, 1);
  assert.strictEqual((await call('sendSMS', CORP_NUM, k(1), '0212345678', '01011112222', '영수증 안내')).code, 1);
  const messages = await control('GET', '/_mock/messages');
  assert.deepStrictEqual(
    messages.map((m) => [m.kind, m.trigger, m.mgt_key, m.receiver]),
    [
      ['email', 'issue', k(1), 'buyer@example.com'],
      ['email', 'resend', k(1), 'again@example.com'],
      ['sms', 'resend', k(1), '01011112222'],
    ],
  );
  assert.strictEqual(messages[2].contents, '영수증 안내');
  assert.deepStrictEqual(await call('listEmailConfig', CORP_NUM), [{ emailType: 'CSH_ISSUE', sendYN: true }]);
  assert.strictEqual((await call('updateEmailConfig', CORP_NUM, 'CSH_ISSUE', false)).code, 1);
  assert.deepStrictEqual(await call('listEmailConfig', CORP_NUM), [{ emailType: 'CSH_ISSUE', sendYN: false }]);

  // Every view URL points at a page on the mock that shows the receipt.
  const urls = {};
  for (const m of ['getViewURL', 'getPrintURL', 'getPDFURL', 'getMailURL', 'getPopUpURL', 'getEPrintURL']) {
    urls[m] = await call(m, CORP_NUM, k(1));
    assert.ok(urls[m].startsWith(`${mock.origin}/_mock/view/`), `${m}: ${urls[m]}`);
  }
  const page = await request('GET', urls.getPrintURL);
  assert.strictEqual(page.status, 200);
  assert.match(page.type, /^text\/html/);
  assert.ok(page.body.includes(k(1)) && page.body.includes(detail.confirmNum), page.body);
  assert.ok(!page.body.includes('01012345678'), 'identityNum is masked on the page');
  const mass = await call('getMassPrintURL', CORP_NUM, [k(1), k(3)]);
  const massPage = await request('GET', mass);
  assert.ok(massPage.body.includes(k(1)) && massPage.body.includes(k(3)) && !massPage.body.includes(k(2)));
  assert.strictEqual((await refusal('getMassPrintURL', CORP_NUM, [k(1), 'NOPE'])).code, -14010035);

  // The filing; then its history, Delete and the mgtKey reused.
  const today = (await control('GET', '/_mock/clock')).kst.slice(0, 8);
  await control('POST', '/_mock/clock/advance', { to: `${nextDay(today)}110000` });
  const logs = await call('getLogs', CORP_NUM, k(1));
  assert.deepStrictEqual(
    logs.map((l) => l.procType),
    ['발행', '이메일 전송', '이메일 전송', '문자 전송', '국세청 전송', '국세청 전송결과'],
  );
  assert.strictEqual((await refusal('delete', CORP_NUM, k(1))).code, -14002004);
  assert.strictEqual((await refusal('getPDFURL', CORP_NUM, k(2))).code, -14010009);
  assert.strictEqual((await call('delete', CORP_NUM, k(2))).code, 1);
  // The Node SDK reports the -14000003 of an unknown key as an error (Java maps it to false).
  assert.strictEqual((await refusal('checkMgtKeyInUse', CORP_NUM, k(2))).code, -14000003);
  const again = await call('registIssue', CORP_NUM, receipt(k(2), 'reissued'));
  assert.strictEqual(again.code, 1);
  assert.strictEqual(await call('checkMgtKeyInUse', CORP_NUM, k(2)), true);

  // Search: the SDK joins arrays with commas.
  const search = (state, usage, qstring, page, perPage) =>
    call('search', CORP_NUM, 'I', today, nextDay(today), state, ['N'], usage, ['N', 'B', 'T'], ['T', 'N'], qstring, 'A', page, perPage);
  const all = await search(['3**'], ['P', 'C'], '', 1, 500);
  assert.strictEqual(all.code, 1);
  assert.strictEqual(all.total, 5);
  assert.deepStrictEqual(all.list.map((i) => i.mgtKey), [k(1), k(3), k(4), k(5), k(2)]);
  const filedOnly = await search(['304'], ['P'], '01012345678', 2, 2);
  assert.deepStrictEqual([filedOnly.total, filedOnly.pageNum, filedOnly.pageCount], [4, 2, 2]);
  assert.deepStrictEqual(filedOnly.list.map((i) => i.mgtKey), [k(4), k(5)]);
  const none = await search(['305'], ['C'], '', 1, 10);
  assert.strictEqual(none.total, 0);
  const tooLong = await refusal('search', CORP_NUM, 'I', '20250101', '20250801', ['3**'], ['N'], ['P'], ['N'], ['T'], '', 'D', 1, 10);
  assert.strictEqual(tooLong.code, -14001066);

  // What the mock does not simulate says so, naming the call.
  const fax = await refusal('sendFAX', CORP_NUM, k(1), '0212345678', '0298765432');
  assert.strictEqual(fax.code, -99999501);
  assert.match(fax.message, /SendFAX/);
  assert.strictEqual((await refusal('cancelIssue', CORP_NUM, k(1))).code, -99999501);

  console.log(
    JSON.stringify({
      balanceAfterRefill: await call('getBalance', CORP_NUM),
      bulkCodes: result.issueResult.map((r) => r.code),
      messages: messages.length,
      searchTotal: all.total,
      logs: logs.length,
    }),
  );
}

main().catch((e) => fail('calls', e));
