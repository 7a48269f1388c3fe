//! Webhook events: creation (with faults), due deliveries, outcomes and POPBiLL's retry policy.
//!
//! An event is created only while a webhook URL is configured. Each has a MID that is stable
//! across retries. A delivery succeeds on HTTP 200 with body `OK` or `{"result":"OK"}`;
//! otherwise it is retried 5 minutes later on the simulated clock, 4 sends in total.
//! The server makes the HTTP posts outside the lock and reports back with
//! [`Sim::record_delivery`].

use std::collections::HashMap;

use bytes::Bytes;
use popbill::wire::WebhookEvent;

use super::Sim;
use super::clock::SimTime;
use super::faults::HookAction;
use super::journal::{Ring, WebhookLogEntry};
use super::queue::Queue;

/// Sends per event: the first plus 3 retries (docs/PROTOCOL.md §6.2).
pub const MAX_ATTEMPTS: u8 = 4;
/// Time between sends, on the simulated clock.
pub const RETRY_INTERVAL_MS: i64 = 5 * 60 * 1000;

#[derive(Debug)]
struct Delivery {
    mid: Box<str>,
    event_type: &'static str,
    mgt_key: Option<Box<str>>,
    submit_id: Option<Box<str>>,
    body: Bytes,
    attempts: u8,
    fault: Option<&'static str>,
    /// `reorder`: its first send is held back to the end of the run of due events.
    reorder: bool,
}

/// Deliveries waiting to be (re)sent, held back (reorder), and the log of every attempt.
pub struct Outbox {
    deliveries: HashMap<u64, Delivery>,
    /// Delivery ids by the time their next send is due.
    queue: Queue<u64>,
    held: Vec<u64>,
    next_id: u64,
    log: Ring<WebhookLogEntry>,
}

impl Outbox {
    pub fn new(log_capacity: usize) -> Self {
        Outbox {
            deliveries: HashMap::new(),
            queue: Queue::default(),
            held: Vec::new(),
            next_id: 0,
            log: Ring::new(log_capacity),
        }
    }

    pub fn next_at(&self) -> Option<SimTime> {
        self.queue.next_at()
    }

    pub fn pending(&self) -> usize {
        self.deliveries.len()
    }
}

/// One HTTP post for the server to make.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub epoch: u64,
    pub delivery: u64,
    pub attempt: u8,
    pub at: SimTime,
    pub mid: String,
    pub event_type: &'static str,
    pub corp_num: String,
    pub body: Bytes,
    pub url: String,
    pub api_key: Option<String>,
    pub basic_auth: Option<String>,
}

/// What happened to one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub http_status: Option<u16>,
    pub ok: bool,
    pub error: Option<String>,
}

impl Sim {
    /// Create an event (if a webhook URL is configured), applying webhook faults.
    pub(crate) fn emit(
        &mut self,
        event: WebhookEvent,
        event_type: &'static str,
        mgt_key: Option<Box<str>>,
        submit_id: Option<Box<str>>,
        at: SimTime,
    ) {
        if self.settings.webhook_url.is_none() {
            return;
        }
        let mid: Box<str> = self.ids.mid().into();
        let body = Bytes::from(serde_json::to_vec(&event).expect("wire types serialize"));
        let mut due = at;
        let mut copies = 1;
        let mut fault = None;
        let mut reorder = false;
        for action in self.faults.pick_hooks(event_type) {
            fault = Some(action.kind());
            match action {
                HookAction::Drop => {
                    self.outbox.log.push(|seq| WebhookLogEntry {
                        seq,
                        mid: mid.clone(),
                        event_type,
                        mgt_key: mgt_key.clone(),
                        submit_id: submit_id.clone(),
                        attempt: 0,
                        at,
                        http_status: None,
                        ok: false,
                        fault: Some("drop"),
                        error: None,
                    });
                    return;
                }
                HookAction::Duplicate => copies = 2,
                HookAction::Delay { secs } => {
                    due = due.plus_secs(i64::try_from(secs).unwrap_or(i64::MAX / 1000))
                }
                HookAction::Reorder => reorder = true,
            }
        }
        for _ in 0..copies {
            let id = self.outbox.next_id;
            self.outbox.next_id += 1;
            self.outbox.deliveries.insert(
                id,
                Delivery {
                    mid: mid.clone(),
                    event_type,
                    mgt_key: mgt_key.clone(),
                    submit_id: submit_id.clone(),
                    body: body.clone(),
                    attempts: 0,
                    fault,
                    reorder,
                },
            );
            self.outbox.queue.push(due, id);
        }
    }

    /// One BULKRESULT per receipt of a completed submission (also for failed receipts).
    pub(crate) fn emit_bulk_results(&mut self, index: u32, at: SimTime) {
        if self.settings.webhook_url.is_none() {
            return;
        }
        let sub = &self.store.submissions[index as usize];
        let submit_id = sub.submit_id.clone();
        let receipt_id = sub.receipt_id.to_string();
        let events: Vec<(WebhookEvent, Option<Box<str>>)> = sub
            .outcomes
            .iter()
            .map(|o| {
                let base = match o.receipt {
                    Some(i) => self.receipt_event(&self.store.receipts[i as usize], at),
                    None => WebhookEvent {
                        event_dt: Some(at.kst().to_string()),
                        corp_num: Some(self.member.corp_num.as_str().to_owned()),
                        franchise_corp_num: Some(self.member.corp_num.as_str().to_owned()),
                        mgt_key: o.mgt_key.as_deref().map(str::to_owned),
                        ..WebhookEvent::default()
                    },
                };
                let event = WebhookEvent {
                    event_type: Some("BULKRESULT".into()),
                    submit_id: Some(submit_id.to_string()),
                    receipt_id: Some(receipt_id.clone()),
                    code: Some(o.code),
                    message: Some(super::issue::outcome_message(o.code).to_owned()),
                    // A BULKRESULT has no state change of its own.
                    state_dt: None,
                    ..base
                };
                (event, o.mgt_key.clone())
            })
            .collect();
        for (event, mgt_key) in events {
            self.emit(event, "BULKRESULT", mgt_key, Some(submit_id.clone()), at);
        }
    }

    /// Pop the deliveries due at `at`, in order; reordered first sends are held back instead.
    pub(crate) fn take_due_webhooks(&mut self, at: SimTime) -> Vec<Outgoing> {
        let mut fresh = Vec::new();
        while let Some((_, id)) = self.outbox.queue.pop_due(at) {
            match self.outbox.deliveries.get(&id) {
                Some(d) if d.reorder && d.attempts == 0 => self.outbox.held.push(id),
                Some(_) => fresh.push(id),
                None => {}
            }
        }
        self.outgoing(fresh, at)
    }

    /// At the end of a run of due events: the held (reordered) deliveries, shuffled (seeded).
    pub fn release_held(&mut self, at: SimTime) -> Vec<Outgoing> {
        let mut held = std::mem::take(&mut self.outbox.held);
        self.faults.shuffle(&mut held);
        self.outgoing(held, at)
    }

    fn outgoing(&mut self, ids: Vec<u64>, at: SimTime) -> Vec<Outgoing> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(d) = self.outbox.deliveries.get_mut(&id) else {
                continue;
            };
            d.attempts += 1;
            let Some(url) = self.settings.webhook_url.clone() else {
                let d = self.outbox.deliveries.remove(&id).expect("just looked up");
                log_attempt(
                    &mut self.outbox.log,
                    &d,
                    at,
                    None,
                    false,
                    Some("no webhook_url configured"),
                );
                continue;
            };
            out.push(Outgoing {
                epoch: self.epoch,
                delivery: id,
                attempt: d.attempts,
                at,
                mid: d.mid.to_string(),
                event_type: d.event_type,
                corp_num: self.member.corp_num.as_str().to_owned(),
                body: d.body.clone(),
                url,
                api_key: self.settings.webhook_api_key.clone(),
                basic_auth: self.settings.webhook_basic_auth.clone(),
            });
        }
        out
    }

    /// Take back the outcome of one post; schedule a retry or forget the delivery.
    pub fn record_delivery(&mut self, out: &Outgoing, result: &Attempt) {
        if out.epoch != self.epoch {
            return;
        }
        let Some(d) = self.outbox.deliveries.get(&out.delivery) else {
            return;
        };
        log_attempt(
            &mut self.outbox.log,
            d,
            out.at,
            result.http_status,
            result.ok,
            result.error.as_deref(),
        );
        if result.ok {
            self.ran.webhooks_sent += 1;
            self.outbox.deliveries.remove(&out.delivery);
        } else {
            self.ran.webhooks_failed += 1;
            if out.attempt < MAX_ATTEMPTS {
                self.outbox
                    .queue
                    .push(out.at.plus_ms(RETRY_INTERVAL_MS), out.delivery);
            } else {
                tracing::warn!(mid = %out.mid, "webhook given up after {MAX_ATTEMPTS} sends");
                self.outbox.deliveries.remove(&out.delivery);
            }
        }
    }

    /// `GET /_mock/webhooks`: every attempt (and dropped event), oldest first.
    pub fn webhooks_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.outbox
                .log
                .iter()
                .map(WebhookLogEntry::to_json)
                .collect(),
        )
    }

    /// Deliveries not yet acknowledged or given up.
    pub fn webhooks_pending(&self) -> usize {
        self.outbox.pending()
    }
}

fn log_attempt(
    log: &mut Ring<WebhookLogEntry>,
    d: &Delivery,
    at: SimTime,
    http_status: Option<u16>,
    ok: bool,
    error: Option<&str>,
) {
    let entry = |seq| WebhookLogEntry {
        seq,
        mid: d.mid.clone(),
        event_type: d.event_type,
        mgt_key: d.mgt_key.clone(),
        submit_id: d.submit_id.clone(),
        attempt: d.attempts,
        at,
        http_status,
        ok,
        fault: d.fault,
        error: error.map(Box::from),
    };
    log.push(entry);
}

/// Does a receiver's answer count as success? HTTP 200 and `OK` or `{"result":"OK"}`.
pub fn is_ack(status: u16, body: &[u8]) -> bool {
    if status != 200 {
        return false;
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    text == "OK"
        || serde_json::from_str::<serde_json::Value>(text)
            .is_ok_and(|v| v.get("result").and_then(|r| r.as_str()) == Some("OK"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_200_with_ok_or_result_ok_is_an_acknowledgement() {
        assert!(is_ack(200, b"OK"));
        assert!(is_ack(200, b" OK\n"));
        assert!(is_ack(200, br#"{"result":"OK"}"#));
        assert!(is_ack(200, br#"{ "result" : "OK", "x": 1 }"#));
        assert!(!is_ack(200, b"ok"));
        assert!(!is_ack(200, b""));
        assert!(!is_ack(200, br#"{"result":"FAIL"}"#));
        assert!(!is_ack(201, b"OK"));
        assert!(!is_ack(500, b"OK"));
    }
}
