// Shared set-up for the scripts that drive the official POPBiLL Node SDK (npm `popbill` 1.64.2)
// against the mock: the SDK hard-codes https://popbill-test.linkhub.co.kr and
// https://auth.linkhub.co.kr; both are redirected to the mock by wrapping https.request before
// the SDK is loaded. Nothing else in the SDK is changed.
'use strict';

const http = require('http');
const https = require('https');

const CORP_NUM = '1234567890';

function fail(what, e) {
  console.error(`${what} failed: ${JSON.stringify(e)}`);
  process.exit(1);
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

  // yyyyMMdd of the simulated day after `kst` (yyyyMMdd...).
  function nextDay(kst) {
    const d = new Date(Date.UTC(+kst.slice(0, 4), +kst.slice(4, 6) - 1, +kst.slice(6, 8) + 1));
    return d.toISOString().slice(0, 10).replace(/-/g, '');
  }

  return { cashbill, call, refusal, control, nextDay, seen };
}

module.exports = { CORP_NUM, fail, setup };
