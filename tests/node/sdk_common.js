// Shared by the official-SDK scripts: loads the official POPBiLL Node SDK (npm `popbill`
// 1.64.2) on its default settings, pointed at the mock, with small promise helpers.
//
// The SDK hard-codes https://popbill-test.linkhub.co.kr and https://auth.linkhub.co.kr; both are
// redirected to the mock by wrapping https.request before the SDK is loaded. Nothing else in the
// SDK is changed: it signs x-lh-date and judges its token's expiry by this machine's clock.
'use strict';

const http = require('http');
const https = require('https');

const mock = new URL(process.argv[2] || 'http://127.0.0.1:9080');
const CORP_NUM = '1234567890';
const hosts = new Set();

https.request = function (options, callback) {
  hosts.add(options.host || options.hostname);
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

function fail(what, e) {
  console.error(`sdk: ${what} failed: ${e && e.stack ? e.stack : JSON.stringify(e)}`);
  process.exit(1);
}

// Default settings, as the SDK's README shows them (UseLocalTimeYN true: its own clock).
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

// The SDK's error for a call, or a failure if it succeeded.
async function refused(method, ...args) {
  try {
    const v = await call(method, ...args);
    throw new Error(`${method} succeeded: ${JSON.stringify(v)}`);
  } catch (e) {
    if (e instanceof Error) throw e;
    return e;
  }
}

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

// `yyyyMMdd` of the KST day `days` after `yyyyMMdd`.
function dayAfter(day, days = 1) {
  const d = new Date(Date.UTC(+day.slice(0, 4), +day.slice(4, 6) - 1, +day.slice(6, 8) + days));
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

module.exports = { CORP_NUM, mock, hosts, call, refused, request, control, receipt, dayAfter, fail };
