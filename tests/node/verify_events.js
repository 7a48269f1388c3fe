// Verify recorded merchant deliveries with the npm `standardwebhooks` package: an implementation
// of the specification that is neither the Worker's nor the test receiver's.
//
//   node tests/node/verify_events.js <deliveries.jsonl>
//   (secrets in STANDARD_WEBHOOKS_SECRETS, space-separated; one JSON summary line on stdout)
//
// Each line: {"id","timestamp","signature","body"} as the receiver got them. A delivery passes
// when some secret verifies it (the library checks the signature and the timestamp's age).
"use strict";
const fs = require("fs");
const { Webhook } = require("standardwebhooks");

const file = process.argv[2];
const secrets = (process.env.STANDARD_WEBHOOKS_SECRETS || "").split(" ").filter(Boolean);
if (!file || secrets.length === 0) {
  console.error("usage: STANDARD_WEBHOOKS_SECRETS='whsec_…' node verify_events.js <file>");
  process.exit(2);
}
const hooks = secrets.map((s) => new Webhook(s));
const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
const failed = [];
const types = {};
for (const line of lines) {
  const d = JSON.parse(line);
  const headers = {
    "webhook-id": d.id,
    "webhook-timestamp": d.timestamp,
    "webhook-signature": d.signature,
  };
  let event = null;
  for (const wh of hooks) {
    try {
      event = wh.verify(d.body, headers);
      break;
    } catch (e) {
      // try the next secret
    }
  }
  if (event === null) {
    failed.push(d.id);
  } else {
    types[event.type] = (types[event.type] || 0) + 1;
  }
}
console.log(JSON.stringify({ checked: lines.length, verified: lines.length - failed.length, failed, types }));
