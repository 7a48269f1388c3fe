// Shared set-up for the scripts that drive the official POPBiLL Node SDK (npm `popbill` 1.64.2)
// against the mock: the SDK hard-codes https://popbill-test.linkhub.co.kr and
// https://auth.linkhub.co.kr; both are redirected to the mock by wrapping https.request before
// the SDK is loaded. Nothing else in the SDK is changed: it runs on its default settings, so it
// signs x-lh-date and judges its token's expiry by this machine's clock.
'use strict';

const http = require('http');
const https = require('https');

const CORP_NUM = '1234567890';

function fail(what, e) {
  console.error(`${what} failed: ${e && e.stack ? e.stack : JSON.stringify(e)}`);
  process.exit(1);
}

// One ordinary receipt (승인거래, 11,000 won) in the SDK's field names.
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

function setup(mockUrl) {
  const mock = new URL(mockUrl || 'http://127.0.0.1:9080');
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

  // The SDK's callback API as promises; an SDK error rejects with {code, message}.
  const call = (method, ...args) =>
    new Promise((resolve, reject) => cashbill[method](...args, resolve, reject));

  // The SDK's error, or a failure if the call succeeded.
  const refusal = async (method, ...args) => {
    try {
      const ok = await call(method, ...args);
      return { unexpectedSuccess: ok };
    } catch (e) {
      return e;
    }
  };

  // Any request to the mock (a path, or a URL it handed out): {status, type, body}.
  function request(method, url, body) {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const u = new URL(url, mock);
      const req = http.request(
        {
          host: u.hostname,
          port: Number(u.port),
          path: u.pathname + u.search,
          method,
          headers: data ? { 'content-type': 'application/json' } : {},
        },
        (res) => {
          let buf = '';
          res.on('data', (c) => (buf += c));
          res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body: buf }));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  // The mock's control API; anything but 200 rejects.
  async function control(method, path, body) {
    const r = await request(method, path, body);
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.body}`);
    return JSON.parse(r.body);
  }

  // yyyyMMdd of the simulated day `days` (default 1) after `kst` (yyyyMMdd...).
  function nextDay(kst, days = 1) {
    const d = new Date(Date.UTC(+kst.slice(0, 4), +kst.slice(4, 6) - 1, +kst.slice(6, 8) + days));
    return d.toISOString().slice(0, 10).replace(/-/g, '');
  }

  return { mock, cashbill, call, refusal, request, control, nextDay, seen };
}

module.exports = { CORP_NUM, fail, receipt, setup };
