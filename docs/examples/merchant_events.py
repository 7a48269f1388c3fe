"""A merchant's endpoint for the Worker's events, verified with PyPI's `standardwebhooks`
(pip install standardwebhooks). Run: MERCHANT_WEBHOOK_SECRET=whsec_... python3 merchant_events.py
It prints one line per event, once per webhook-id however often the event is delivered."""
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks import Webhook, WebhookVerificationError

wh = Webhook(os.environ["MERCHANT_WEBHOOK_SECRET"])  # "whsec_…", as the Worker has it
seen = set()  # webhook-id is the idempotency key: keep it in your database instead


class Events(BaseHTTPRequestHandler):
    def do_POST(self):
        # The raw body as received: re-serialized JSON would not match the signature.
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            event = wh.verify(body, dict(self.headers))
        except WebhookVerificationError:
            self.send_response(401)  # a bad signature or a stale timestamp
            self.end_headers()
            return
        event_id = self.headers["webhook-id"]
        if event_id not in seen:
            seen.add(event_id)
            d = event["data"]
            print(event["type"], d.get("mgtKey") or d["submitID"], d.get("status") or d.get("state"),
                  event_id, flush=True)
        self.send_response(204)  # any 2xx: delivered; anything else is retried
        self.end_headers()

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Events).serve_forever()
