//! The chaos driver and its invariant checker.
//!
//! One run (one seed): merchants submit batches through the real Worker while the mock injects a
//! seeded mix of faults (webhooks dropped, duplicated, reordered, delayed; 5xx and slow answers
//! on every endpoint; BulkSubmit answers lost after commit; every token expired mid-run) and the
//! Worker is restarted on its persisted KV halfway. The simulated clock crosses midnight and
//! 11:00. Merchants refund some receipts right after issuance and more after 11:00 the next day
//! (`chaos_refunds`). Then the faults stop, the cron runs until the system is quiet, and three
//! views are compared: what was submitted, the mock's ground truth, and the Worker's API. All
//! along, the merchant's endpoint fails a share of the Worker's event deliveries, and every
//! final status change, refunds' included, must still reach it (`chaos_events.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Value, json};

use crate::app::{TestApp, cashbill};
use crate::chaos_events;
use crate::chaos_refunds as refunds;

/// What one run does.
#[derive(Debug, Clone, Copy)]
pub struct ChaosConfig {
    pub seed: u64,
    pub receipts: usize,
    /// Receipts per submission (≤ 100).
    pub batch: usize,
}

/// A run's outcome: the summary row and every invariant violation found.
#[derive(Debug, Default)]
pub struct ChaosReport {
    pub seed: u64,
    pub receipts: usize,
    pub submissions: usize,
    /// Faults the mock injected, by kind (`api:error`, `webhook:drop`, …) plus `worker:restart`
    /// and `tokens:expire`.
    pub faults: BTreeMap<String, u64>,
    /// Final statuses as the Worker reports them.
    pub statuses: BTreeMap<String, usize>,
    pub merchant_retries: usize,
    pub violations: Vec<String>,
}

impl fmt::Display for ChaosReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let faults: Vec<String> = self
            .faults
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let statuses: Vec<String> = self
            .statuses
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        write!(
            f,
            "| {} | {} | {} | {} | {} | {} | {} |",
            self.seed,
            self.receipts,
            self.submissions,
            faults.join(" "),
            self.merchant_retries,
            statuses.join(" "),
            self.violations.len()
        )
    }
}

pub const TABLE_HEADER: &str = "| seed | receipts | submissions | faults injected | merchant retries | final statuses (Worker) | violations |\n|---|---|---|---|---|---|---|";

/// A tiny seeded generator (splitmix64) for the driver's own choices.
pub(crate) struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Submitted {
    id: String,
    keys: Vec<String>,
    /// Some 2xx answer was received for it.
    acknowledged: bool,
    /// Its receipts that were not made to fail issuance: the ones a merchant may refund.
    refundable: Vec<String>,
}

pub async fn run(cfg: ChaosConfig) -> ChaosReport {
    let (mut app, receiver) = chaos_events::start(cfg.seed).await;
    let mut rng = Rng(cfg.seed);
    let mut report = ChaosReport {
        seed: cfg.seed,
        receipts: cfg.receipts,
        ..ChaosReport::default()
    };

    for fault in [
        json!({ "action": "drop", "rate": 0.3 }),
        json!({ "action": "duplicate", "rate": 0.2 }),
        json!({ "action": "reorder", "rate": 0.1 }),
        json!({ "action": "delay", "rate": 0.1, "delay_secs": 900 }),
    ] {
        app.mock_post("/_mock/webhook-faults", &fault).await;
    }
    for fault in [
        json!({ "endpoint": "*", "action": "error", "status": 503, "rate": 0.15 }),
        json!({ "endpoint": "*", "action": "delay", "delay_ms": 150, "rate": 0.15 }),
        json!({ "endpoint": "bulk_submit", "action": "timeout_after_commit", "delay_ms": 0, "rate": 0.25 }),
    ] {
        app.mock_post("/_mock/faults", &fault).await;
    }

    // Submissions, with ~5 % issue failures and ~5 % failed filings chosen by scenario.
    let mut all: Vec<Submitted> = Vec::new();
    let batches = cfg.receipts.div_ceil(cfg.batch);
    for b in 0..batches {
        if b == batches / 2 {
            app.mock_post("/_mock/tokens/expire", &json!({})).await;
            *report.faults.entry("tokens:expire".into()).or_default() += 1;
            let ids: Vec<String> = all.iter().map(|s| s.id.clone()).collect();
            chaos_events::drain(&app, &receiver, &ids, cfg.seed).await;
            app.restart_worker().await;
            *report.faults.entry("worker:restart".into()).or_default() += 1;
        }
        let n = cfg.batch.min(cfg.receipts - b * cfg.batch);
        let id = format!("CH{}-{b}", cfg.seed);
        let keys: Vec<String> = (0..n).map(|i| format!("C{}-{b}-{i}", cfg.seed)).collect();
        let mut refundable = Vec::new();
        let cashbills: Vec<Value> = keys
            .iter()
            .map(|k| {
                let mut c = cashbill(k);
                match rng.below(20) {
                    0 => c["orderNumber"] = "SCENARIO:ISSUE_FAIL:-14001031".into(),
                    1 => {
                        c["orderNumber"] = "SCENARIO:NTS_FAIL:TS1".into();
                        refundable.push(k.clone());
                    }
                    _ => refundable.push(k.clone()),
                }
                c
            })
            .collect();
        let body = json!({ "submitID": id, "cashbills": cashbills });
        let mut acknowledged = false;
        for attempt in 0..4 {
            let (status, _) = app.submit(&body).await;
            if (200..300).contains(&status) {
                acknowledged = true;
                break;
            }
            if attempt < 3 {
                report.merchant_retries += 1;
            }
        }
        all.push(Submitted {
            id,
            keys,
            acknowledged,
            refundable,
        });
        if b % 4 == 3 {
            app.advance(20).await;
        }
    }
    report.submissions = all.len();

    // Refunds: one refundable receipt in ten in each of two waves (never the same one twice).
    let refundable: Vec<String> = all
        .iter()
        .filter(|s| s.acknowledged)
        .flat_map(|s| s.refundable.iter().cloned())
        .collect();
    let wave =
        |w: usize| -> Vec<String> { refundable.iter().skip(w).step_by(10).cloned().collect() };
    let (first, second) = (wave(0), wave(5));

    // Through the day, midnight and the 11:00 results, with the cron running as it would.
    app.advance(60).await;
    app.cron().await;
    let mut asked = refunds::ask(&app, &mut rng, cfg.seed, 1, &first, &mut report).await;
    app.advance_to("20250712000100").await;
    app.cron().await;
    app.advance_to("20250712110000").await;
    app.cron().await;
    asked.extend(refunds::ask(&app, &mut rng, cfg.seed, 2, &second, &mut report).await);
    app.advance(60).await;
    app.cron().await;

    // Faults stop; POPBiLL's webhook retries and the cron bring everything home.
    let injected = app.mock_get("/_mock/faults").await;
    for (side, kinds) in [
        ("api", &injected["injected"]["api"]),
        ("webhook", &injected["injected"]["webhooks"]),
    ] {
        if let Some(m) = kinds.as_object() {
            for (k, v) in m {
                *report.faults.entry(format!("{side}:{k}")).or_default() += v.as_u64().unwrap_or(0);
            }
        }
    }
    let del = app
        .http
        .delete(format!("{}/_mock/faults", app.mock.url))
        .send()
        .await;
    assert!(del.is_ok_and(|r| r.status().is_success()), "faults cleared");
    for day in ["20250713", "20250714"] {
        for _ in 0..4 {
            app.advance(600).await;
            app.cron().await;
        }
        app.advance_to(&format!("{day}110000")).await;
        app.cron().await;
        if quiet(&app, &all).await && refunds::quiet(&app, &asked).await {
            break;
        }
    }

    check(&app, &all, &mut report).await;
    let state = app.mock_get("/_mock/state").await;
    refunds::check(&app, &asked, &state, &mut report).await;
    let ids: Vec<String> = all.iter().map(|s| s.id.clone()).collect();
    let refund_ids: Vec<String> = asked.iter().map(|a| a.id.clone()).collect();
    let (faults, violations) = (&mut report.faults, &mut report.violations);
    chaos_events::check(&app, &receiver, &ids, &refund_ids, faults, violations).await;
    report
}

/// Every submission the Worker knows is completed or rejected.
async fn quiet(app: &TestApp, all: &[Submitted]) -> bool {
    for s in all {
        let (status, v) = app.submission(&s.id).await;
        if status == 200 && v["state"] != "completed" && v["state"] != "rejected" {
            return false;
        }
    }
    true
}

async fn check(app: &TestApp, all: &[Submitted], report: &mut ChaosReport) {
    let state = app.mock_get("/_mock/state").await;
    let at_popbill: BTreeSet<String> = state["submissions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["submit_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    // Ground truth per (submitID, mgtKey); and how often each mgtKey was issued.
    let mut truth: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut issued: BTreeMap<String, usize> = BTreeMap::new();
    for c in state["cashbills"].as_array().into_iter().flatten() {
        let (Some(sub), Some(key)) = (c["submit_id"].as_str(), c["mgt_key"].as_str()) else {
            continue;
        };
        if c["issue_code"] == 1 {
            *issued.entry(key.to_owned()).or_default() += 1;
        }
        truth.insert((sub.to_owned(), key.to_owned()), c.clone());
    }
    let journal = app.mock_get("/_mock/journal").await;
    let v = &mut report.violations;
    for (key, n) in &issued {
        if *n > 1 {
            v.push(format!("{key} issued {n} times"));
        }
    }
    for s in all {
        let (status, view) = app.submission(&s.id).await;
        if status == 404 {
            if s.acknowledged || at_popbill.contains(&s.id) {
                v.push(format!(
                    "{} lost: acknowledged or at POPBiLL, unknown to the Worker",
                    s.id
                ));
            }
            continue;
        }
        let state = view["state"].as_str().unwrap_or("?");
        if state != "completed" && state != "rejected" {
            v.push(format!("{} stuck in state {state}", s.id));
        }
        if state != "rejected" && !at_popbill.contains(&s.id) {
            v.push(format!("{} is {state} but POPBiLL does not have it", s.id));
        }
        if state == "rejected" {
            // Only a genuine refusal by POPBiLL (not an injected fault) may reject a submission.
            let code = &view["rejection"]["code"];
            let refused = journal.as_array().into_iter().flatten().any(|r| {
                r["submit_id"] == s.id.as_str()
                    && r["override"] == "BULKISSUE"
                    && r["fault"].is_null()
                    && r["code"] == *code
                    && r["status"]
                        .as_u64()
                        .is_some_and(|st| (400..500).contains(&st))
            });
            if !refused {
                v.push(format!(
                    "{} rejected with {code} but POPBiLL never refused it",
                    s.id
                ));
            }
        }
        let receipts = view["cashbills"].as_array().cloned().unwrap_or_default();
        if receipts.len() != s.keys.len() {
            v.push(format!(
                "{}: {} receipts submitted, {} shown",
                s.id,
                s.keys.len(),
                receipts.len()
            ));
        }
        for (key, r) in s.keys.iter().zip(&receipts) {
            let got = r["status"].as_str().unwrap_or("?").to_owned();
            let label = match r["issueCode"].as_i64() {
                Some(code) if got == "issue_failed" => format!("issue_failed({code})"),
                _ => got.clone(),
            };
            *report.statuses.entry(label).or_default() += 1;
            let want = match truth.get(&(s.id.clone(), key.clone())) {
                None if state == "rejected" => "issue_failed",
                None => {
                    v.push(format!("{key} of {} missing at POPBiLL", s.id));
                    continue;
                }
                Some(t) if t["issue_code"] != 1 => {
                    if r["issueCode"] != t["issue_code"] {
                        v.push(format!(
                            "{key}: issue code {} but POPBiLL says {}",
                            r["issueCode"], t["issue_code"]
                        ));
                    }
                    "issue_failed"
                }
                Some(t) => match t["state_code"].as_i64() {
                    Some(304) => "filed",
                    Some(305) => "filing_failed",
                    _ => "issued",
                },
            };
            if got != want {
                v.push(format!(
                    "{key} of {}: Worker says {got}, POPBiLL says {want}",
                    s.id
                ));
            }
        }
    }
}
