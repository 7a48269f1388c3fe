//! Refunds in the chaos run: merchants refund receipts they submitted, in two waves under the
//! same faults: right after issuance (held over midnight) and after 11:00 the next day (sent at
//! once). Then the invariants: no original is ever refunded beyond its amount (POPBiLL's truth,
//! and the Worker agrees with it); every refund taken reaches a final status that matches
//! POPBiLL's; no cancellation is sent (or issued) twice; none is ever sent before its original
//! is filed.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::app::TestApp;
use crate::chaos::{ChaosReport, Rng};
use crate::refund::{part, whole};

/// Reasons a refund of an acknowledged, issuable receipt may be refused with, in a chaos run:
/// its original failed filing, or an earlier refund already took what it asks.
const EXPECTED_REFUSALS: [&str; 2] = ["original_filing_failed", "exceeds_remaining"];

/// One refund request as the merchant sent it.
pub(crate) struct AskedRefunds {
    pub id: String,
    /// (refund mgtKey, original mgtKey) the Worker took.
    pub taken: Vec<(String, String)>,
    /// Some 2xx answer was received.
    pub acknowledged: bool,
}

/// Refund some of `originals` (mgtKeys of acknowledged receipts that were not made to fail
/// issuance): whole, part, or two parts in one request; 10 refunds per request. `wave` names
/// the keys. Refusals a merchant must accept are dropped and the rest sent again; others are
/// violations.
pub(crate) async fn ask(
    app: &TestApp,
    rng: &mut Rng,
    seed: u64,
    wave: u8,
    originals: &[String],
    report: &mut ChaosReport,
) -> Vec<AskedRefunds> {
    let mut items: Vec<(Value, String)> = Vec::new();
    for (n, org) in originals.iter().enumerate() {
        let key = |i: u8| format!("CR{seed}-{wave}{i}-{n}");
        match rng.below(4) {
            0 => items.push((whole(&key(0), org), org.clone())),
            1 => items.push((part(&key(0), org, 3000), org.clone())),
            2 => {
                items.push((part(&key(0), org, 3000), org.clone()));
                items.push((part(&key(1), org, 5000), org.clone()));
            }
            // More than remains after the two above would ever be: 3,300 + 8,800 > 11,000.
            _ => {
                items.push((part(&key(0), org, 3000), org.clone()));
                items.push((part(&key(1), org, 8000), org.clone()));
            }
        }
    }
    let mut asked = Vec::new();
    for (r, chunk) in items.chunks(10).enumerate() {
        let id = format!("CHR{seed}-{wave}-{r}");
        asked.push(send(app, &id, chunk.to_vec(), report).await);
    }
    asked
}

async fn send(
    app: &TestApp,
    id: &str,
    mut items: Vec<(Value, String)>,
    report: &mut ChaosReport,
) -> AskedRefunds {
    let mut out = AskedRefunds {
        id: id.to_owned(),
        taken: Vec::new(),
        acknowledged: false,
    };
    for _ in 0..6 {
        if items.is_empty() {
            return out;
        }
        let body =
            json!({ "refundID": id, "refunds": items.iter().map(|(v, _)| v).collect::<Vec<_>>() });
        let (status, answer) = app.refund(&body).await;
        match status {
            200..=299 => {
                out.acknowledged = true;
                out.taken = items
                    .iter()
                    .map(|(v, org)| {
                        (
                            v["mgtKey"].as_str().unwrap_or_default().to_owned(),
                            org.clone(),
                        )
                    })
                    .collect();
                return out;
            }
            422 => {
                let mut refused = BTreeSet::new();
                let mut pending = false;
                for d in answer["error"]["details"].as_array().into_iter().flatten() {
                    let reason = d["reason"].as_str().unwrap_or("?");
                    if reason == "original_pending" {
                        pending = true;
                        continue;
                    }
                    if !EXPECTED_REFUSALS.contains(&reason) {
                        report.violations.push(format!("refund {id} refused: {d}"));
                    }
                    // One count per refund (an amount beyond what remains names each field).
                    if let Some(i) = d["index"].as_u64()
                        && refused.insert(i)
                    {
                        *report
                            .statuses
                            .entry(format!("refund:refused({reason})"))
                            .or_default() += 1;
                    }
                }
                if refused.is_empty() && !pending {
                    report
                        .violations
                        .push(format!("refund {id}: 422 without details: {answer}"));
                    return out;
                }
                let mut i = 0;
                items.retain(|_| {
                    i += 1;
                    !refused.contains(&(i as u64 - 1))
                });
                if pending {
                    app.advance(20).await;
                    app.cron().await;
                }
            }
            // The original's issuance not on record yet: let the cron and webhooks catch up.
            409 if answer["error"]["code"] == "original_pending" => {
                app.advance(20).await;
                app.cron().await;
            }
            _ if status >= 500 => report.merchant_retries += 1,
            _ => {
                report
                    .violations
                    .push(format!("refund {id} answered {status}: {answer}"));
                return out;
            }
        }
    }
    out
}

/// Every refund request the Worker took is completed.
pub(crate) async fn quiet(app: &TestApp, asked: &[AskedRefunds]) -> bool {
    for a in asked.iter().filter(|a| !a.taken.is_empty()) {
        let (status, v) = app.refund_request(&a.id).await;
        if status == 200 && v["state"] != "completed" {
            return false;
        }
    }
    true
}

/// The refund invariants, against the mock's state (`state`, `/_mock/state`).
pub(crate) async fn check(
    app: &TestApp,
    asked: &[AskedRefunds],
    state: &Value,
    report: &mut ChaosReport,
) {
    let cashbills: Vec<&Value> = state["cashbills"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let by_key: BTreeMap<&str, &Value> = cashbills
        .iter()
        .filter(|c| c["issue_code"] == 1)
        .filter_map(|c| Some((c["mgt_key"].as_str()?, *c)))
        .collect();
    let v = &mut report.violations;

    // Never sent before the original was filed; each cancellation in one BulkSubmit only.
    for c in &cashbills {
        if c["issue_code"] == -14001021 {
            v.push(format!(
                "{} refused as sent before its original was filed",
                c["mgt_key"]
            ));
        }
    }
    let mut sent_in: BTreeMap<&str, usize> = BTreeMap::new();
    for s in state["submissions"].as_array().into_iter().flatten() {
        for k in s["mgt_keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if k.starts_with("CR") {
                *sent_in.entry(k).or_default() += 1;
            }
        }
    }
    for (k, n) in &sent_in {
        if *n > 1 {
            v.push(format!("refund {k} sent in {n} BulkSubmits"));
        }
    }

    // No original refunded beyond its amount, by POPBiLL's issued cancellations.
    let mut cancelled: BTreeMap<&str, u64> = BTreeMap::new();
    for c in by_key
        .values()
        .filter(|c| c["trade_type"] == "취소거래" && c["deleted_dt"].is_null())
    {
        if let Some(org) = c["org_confirm_num"].as_str() {
            *cancelled.entry(org).or_default() += c["total_amount"].as_u64().unwrap_or(0);
        }
    }
    let originals: BTreeMap<&str, &Value> = by_key
        .values()
        .filter(|c| c["trade_type"] != "취소거래")
        .filter_map(|c| Some((c["confirm_num"].as_str()?, *c)))
        .collect();
    for (confirm, total) in &cancelled {
        match originals.get(confirm) {
            Some(o) if o["total_amount"].as_u64().is_some_and(|t| *total > t) => {
                v.push(format!(
                    "{} refunded {total}, beyond its {}",
                    o["mgt_key"], o["total_amount"]
                ));
            }
            Some(_) => {}
            None => v.push(format!(
                "cancellations of {confirm}, an original POPBiLL does not have"
            )),
        }
    }

    // Every refund taken is final, and as POPBiLL sees it.
    let mut refunded_originals = BTreeSet::new();
    for a in asked {
        let (status, view) = app.refund_request(&a.id).await;
        if a.taken.is_empty() {
            if status != 404 {
                v.push(format!(
                    "refund {}: nothing was taken, yet the Worker answers {status}",
                    a.id
                ));
            }
            continue;
        }
        if status != 200 {
            if a.acknowledged {
                v.push(format!(
                    "refund {} acknowledged but the Worker answers {status}",
                    a.id
                ));
            }
            continue;
        }
        for r in view["refunds"].as_array().into_iter().flatten() {
            let key = r["mgtKey"].as_str().unwrap_or("?");
            let got = r["status"].as_str().unwrap_or("?");
            *report.statuses.entry(format!("refund:{got}")).or_default() += 1;
            let org = r["orgMgtKey"].as_str().unwrap_or("?");
            refunded_originals.insert(org.to_owned());
            let original_state = cashbills
                .iter()
                .find(|c| c["mgt_key"] == org && c["trade_type"] != "취소거래")
                .and_then(|c| c["state_code"].as_i64());
            let want = match by_key.get(key) {
                Some(c) => match c["state_code"].as_i64() {
                    Some(304) => "filed",
                    Some(305) => "filing_failed",
                    _ => "issued",
                },
                None if original_state == Some(305) => "original_filing_failed",
                None => "issue_failed",
            };
            if got != want {
                v.push(format!(
                    "refund {key} of {org}: Worker says {got}, POPBiLL says {want}"
                ));
            }
        }
        if view["state"] != "completed" {
            let due: BTreeSet<&str> = view["refunds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["dueAt"].as_str())
                .collect();
            v.push(format!(
                "refund {} stuck: {} (due {due:?})",
                a.id, view["counts"]
            ));
        }
    }

    // The Worker's running totals agree with POPBiLL's.
    for org in refunded_originals {
        let (status, view) = app.cashbill(&org).await;
        let confirm = view["confirmNum"].as_str().unwrap_or("?");
        let truth = cancelled.get(confirm).copied().unwrap_or(0);
        let worker = view["refunds"]["refunded"]["totalAmount"].as_u64();
        if status != 200 || worker != Some(truth) {
            v.push(format!(
                "{org}: the Worker counts {worker:?} refunded, POPBiLL {truth}"
            ));
        }
    }
}
