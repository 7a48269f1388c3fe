// Drives the official POPBiLL Node SDK (npm `popbill` 1.64.2) against the mock POPBiLL:
// token -> BulkSubmit -> GetBulkResult (after advancing the clock) -> GetInfos -> GetInfo,
// then across midnight and 11:00 to the filing results, and RegistIssue.
//
// Usage: node tests/node/sdk_flow.js <mock_url>
// The SDK hard-codes https://popbill-test.linkhub.co.kr and https://auth.linkhub.co.kr; both are
// redirected to the mock by wrapping https.request before the SDK is loaded. Nothing else in the
// SDK is changed. Prints one JSON line of what it saw; exits non-zero on any failed assertion.
'use strict';

const assert = require('assert');
const http = require('http');
const https = require('https');

const mock = new URL(process.argv[2] || 'http://127.0.0.1:9080');
const CORP_NUM = '1234567890';
const seen = { hosts: new Set() };

https.request = function (options, callback) {
  seen.hosts.add(options.host || options.hostname);
  const redirected = Object.assign({}, options, {
    protocol: 'http:',
    host: mock.hostname,
    hostname: mock.hostname,
    port: Number(mock.port),
  });
  delete redirected.agent;
  return http.request(redirected, callback);
};

const popbill = require('popbill');

popbill.config({
  LinkID: 'DEVLINK',
  SecretKey: 'ZGV2LXNlY3JldC1rZXktZm9yLWxvY2FsLW1vY2stb25seQ==',
  IsTest: true,
  IPRestrictOnOff: true,
  UseStaticIP: false,
  UseLocalTimeYN: true,
  defaultErrorHandler: (e) => fail('default error handler', e),
});
const cashbill = popbill.CashbillService();

function fail(what, e) {
  console.error(`sdk_flow: ${what} failed: ${JSON.stringify(e)}`);
  process.exit(1);
}

// The SDK's callback API as promises; an SDK error rejects with {code, message}.
const call = (method, ...args) =>
  new Promise((resolve, reject) => cashbill[method](...args, resolve, reject));

function control(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: mock.hostname,
        port: Number(mock.port),
        path,
        method,
        headers: data ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        let buf = '';
        res.on('data', (c) => (buf += c));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(JSON.parse(buf)) : reject(new Error(`${path}: ${res.statusCode} ${buf}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

function receipt(mgtKey, orderNumber) {
  return {
    mgtKey,
    tradeType: '승인거래',
    tradeUsage: '소득공제용',
    tradeOpt: '일반',
    taxationType: '과세',
    totalAmount: '11000',
    supplyCost: '10000',
    tax: '1000',
    serviceFee: '0',
    franchiseCorpNum: CORP_NUM,
    franchiseCorpName: '가맹점 상호',
    identityNum: '01012345678',
    customerName: '고객명',
    itemName: '상품명',
    orderNumber,
    smssendYN: false,
  };
}

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

  let missing;
  try {
    await call('getInfo', CORP_NUM, keys[2]);
  } catch (e) {
    missing = e;
  }
  assert.strictEqual(missing && missing.code, -14000003);

  // Across midnight and 11:00 (KST) of the next day: the filing results.
  const clock = await control('GET', '/_mock/clock');
  const today = clock.kst.slice(0, 8);
  const d = new Date(Date.UTC(+today.slice(0, 4), +today.slice(4, 6) - 1, +today.slice(6, 8) + 1));
  const next = d.toISOString().slice(0, 10).replace(/-/g, '');
  await control('POST', '/_mock/clock/advance', { to: `${next}110000` });
  const filed = await call('getInfos', CORP_NUM, keys.slice(0, 2));
  assert.deepStrictEqual(filed.map((i) => i.stateCode), [304, 305]);
  assert.deepStrictEqual(filed.map((i) => i.ntsresultCode), ['0000', 'TS4']);
  assert.strictEqual(filed[0].ntssendDT, `${next}000000`);

  const one = await call('getInfo', CORP_NUM, keys[0]);
  assert.strictEqual(one.stateCode, 304);
  assert.strictEqual(one.identityNum, '01012345678');

  const single = await call('registIssue', CORP_NUM, receipt(`${run}-S`, 'single'));
  assert.strictEqual(single.code, 1);
  assert.match(single.confirmNum, /^TB[0-9]{7}$/);

  let reused;
  try {
    await call('bulkSubmit', CORP_NUM, submitID, [receipt(`${run}-4`, 'x')]);
  } catch (e) {
    reused = e;
  }
  assert.strictEqual(reused && reused.code, -14010021);

  console.log(
    JSON.stringify({
      receiptID: submitted.receiptID,
      txState: result.txState,
      codes: result.issueResult.map((r) => r.code),
      stateCodes: filed.map((i) => i.stateCode),
      hosts: [...seen.hosts].sort(),
    }),
  );
}

main().catch((e) => fail('flow', e && e.stack ? e.stack : e));
