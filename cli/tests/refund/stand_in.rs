//! The stand-in Worker: `POST /v1/refunds` and `GET /v1/refunds/{refundID}` as the real one
//! answers them, and Linkhub's clock, which the tests move.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// When the stand-in holds refunds until (KST): 11:00 the day after the harness's start day.
pub const DUE: &str = "20250712110000";

/// A refund CSV of `n` whole refunds `{prefix}-{i}` of originals `O-{i}`.
pub fn refunds_csv(prefix: &str, n: usize) -> String {
    let mut text =
        "mgtKey,orgMgtKey,cancelType,isPartCancel,supplyCost,tax,serviceFee,totalAmount\n"
            .to_owned();
    for i in 0..n {
        text.push_str(&format!("{prefix}-{i},O-{i},1,,,,,\n"));
    }
    text
}

/// What the stand-in Worker does.
#[derive(Default)]
pub struct Behaviour {
    /// Refuse the request holding this mgtKey: `422 invalid_refunds`, the amount beyond what
    /// remains, by its index (as the real Worker answers).
    pub refuse_key: Option<&'static str>,
    /// Answer this many requests `409 original_pending` first.
    pub pending: AtomicUsize,
    /// Refunds the Worker blocked for good (their original's filing failed).
    pub blocked: Vec<&'static str>,
}

/// A stand-in Worker: `POST /v1/refunds` stores and answers every refund `scheduled` until
/// [`DUE`]; `GET /v1/refunds/{id}` answers them `issued` (or blocked). Linkhub's clock
/// (`GET /Time`) says 10:00 KST on 2025-07-11 for its first `early_times` readings, then
/// 11:00 the next day.
struct FakeWorker {
    behaviour: Behaviour,
    stored: Mutex<BTreeMap<String, Vec<Value>>>,
}

fn view(id: &str, refunds: &[Value], status: impl Fn(&Value) -> Value) -> Value {
    let views: Vec<Value> = refunds.iter().map(&status).collect();
    json!({ "refundID": id, "state": "open", "refunds": views })
}

impl Respond for FakeWorker {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if req.method.as_str() == "GET" {
            let id = req.url.path().rsplit('/').next().unwrap_or("").to_owned();
            let stored = self.stored.lock().unwrap();
            let Some(refunds) = stored.get(&id) else {
                return ResponseTemplate::new(404).set_body_json(
                    json!({"error": {"code": "not_found", "message": "refund not found"}}),
                );
            };
            let blocked = &self.behaviour.blocked;
            return ResponseTemplate::new(200).set_body_json(view(&id, refunds, |r| {
                let key = r["mgtKey"].as_str().unwrap_or("");
                if blocked.contains(&key) {
                    json!({"mgtKey": key, "submitID": "RF01", "status": "original_filing_failed",
                           "blocked": {"reason": "original_filing_failed", "orgMgtKey": r["orgMgtKey"],
                                       "orgStateCode": 305, "orgNtsResultCode": "TS4"}})
                } else {
                    json!({"mgtKey": key, "submitID": "RF01", "status": "issued", "confirmNum": "TB0000777",
                           "issueCode": 1, "issueDT": "20250712110003", "stateCode": 300})
                }
            }));
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let id = body["refundID"].as_str().unwrap_or("").to_owned();
        let refunds = body["refunds"].as_array().cloned().unwrap_or_default();
        if self
            .behaviour
            .pending
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return ResponseTemplate::new(409).set_body_json(json!({"error": {
                "code": "original_pending",
                "message": "the issuance of some originals is not yet on record; send the same request again shortly",
                "details": [{"index": 0, "field": "orgMgtKey", "reason": "original_pending",
                             "message": "the original's issuance result is not yet on record"}]}}));
        }
        if let Some(key) = self.behaviour.refuse_key
            && let Some(i) = refunds.iter().position(|r| r["mgtKey"] == key)
        {
            return ResponseTemplate::new(422).set_body_json(json!({"error": {
                "code": "invalid_refunds", "message": "1 problem(s) in the refund request",
                "details": [{"index": i, "field": "totalAmount", "reason": "exceeds_remaining",
                             "popbillCode": popbill::codes::CANCEL_TOTAL_OVER,
                             "message": "totalAmount 11000 exceeds the 5500 that remain of O-3 (5500 of 11000 refunded before)"}]}}));
        }
        self.stored
            .lock()
            .unwrap()
            .insert(id.clone(), refunds.clone());
        ResponseTemplate::new(202).set_body_json(view(&id, &refunds, |r| {
            json!({"mgtKey": r["mgtKey"], "submitID": "RF01", "status": "scheduled", "dueAt": DUE})
        }))
    }
}

/// Linkhub's clock: 10:00 KST on the harness's start day for the first `early` readings, then
/// the refunds' due time.
struct Clock {
    early: usize,
    reads: AtomicUsize,
}

impl Respond for Clock {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.reads.fetch_add(1, Ordering::SeqCst);
        let t = if n < self.early {
            "2025-07-11T01:00:00Z"
        } else {
            "2025-07-12T02:00:00Z"
        };
        ResponseTemplate::new(200).set_body_string(t)
    }
}

pub async fn fake_worker(behaviour: Behaviour, early_clock: usize, posts: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Time"))
        .respond_with(Clock {
            early: early_clock,
            reads: AtomicUsize::new(0),
        })
        .mount(&server)
        .await;
    let worker = Arc::new(FakeWorker {
        behaviour,
        stored: Mutex::new(BTreeMap::new()),
    });
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(Shared(worker.clone()))
        .expect(posts)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/v1/refunds/[^/]+$"))
        .respond_with(Shared(worker))
        .mount(&server)
        .await;
    server
}

/// One stand-in behind both routes.
struct Shared(Arc<FakeWorker>);

impl Respond for Shared {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.0.respond(req)
    }
}

pub fn args<'a>(cmd: &'a str, file: &'a str, server: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        cmd,
        file,
        "--worker",
        server,
        "--token",
        "t0k3n",
        "--clock",
        "linkhub",
        "--auth-url",
        server,
        "--poll-max",
        "3",
    ];
    a.extend_from_slice(extra);
    a
}

pub async fn requests(server: &MockServer, m: &str, prefix: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == m && r.url.path().starts_with(prefix))
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}
