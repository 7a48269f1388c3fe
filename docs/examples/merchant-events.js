// A merchant's endpoint for the Worker's events, verified with the npm `standardwebhooks`
// package (npm install standardwebhooks). Run: MERCHANT_WEBHOOK_SECRET=whsec_... node merchant-events.js
// It prints one line per event, once per webhook-id however often the event is delivered.
"use strict";
const http = require("http");
const { Webhook } = require("standardwebhooks");

const wh = new Webhook(process.env.MERCHANT_WEBHOOK_SECRET); // "whsec_…", as the Worker has it
const seen = new Set(); // webhook-id is the idempotency key: keep it in your database instead

http
  .createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      let event;
      try {
        // The raw body as received: re-serialized JSON would not match the signature.
        event = wh.verify(body, req.headers);
      } catch (e) {
        res.writeHead(401).end(); // a bad signature or a stale timestamp
        return;
      }
      const id = req.headers["webhook-id"];
      if (!seen.has(id)) {
        seen.add(id);
        const { mgtKey, submitID, status, state } = event.data;
        console.log(`${event.type} ${mgtKey ?? submitID} ${status ?? state} ${id}`);
      }
      res.writeHead(204).end(); // any 2xx: delivered; anything else is retried
    });
  })
  .listen(Number(process.env.PORT || 8000), "127.0.0.1");
