//! The merchant's side of notifications in the e2e tests: a Worker that sends its events to a
//! test receiver, and what "every status change arrived" means, read from the Worker's own API.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::app::{START, TestApp, spawn_app_configured};
use crate::receiver::{Delivery, Receiver};
use crate::worker::WorkerConfig;

/// The secret being rotated in, and the one being retired: the Worker signs with both.
pub const SECRET: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
pub const OLD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// How long one delivery may take before the Worker gives up on it.
pub const TIMEOUT_MS: u64 = 1000;

/// `config` sending events to `url`, signed with both secrets, with the small delays tests
/// want (one attempt's limit 1 s; retries after 1 to 2 s).
pub fn notifying(config: WorkerConfig, url: &str) -> WorkerConfig {
    config
        .var("MERCHANT_WEBHOOK_URL", url)
        .secret("MERCHANT_WEBHOOK_SECRET", &format!("{SECRET} {OLD_SECRET}"))
        .var("MERCHANT_WEBHOOK_TIMEOUT_MS", &TIMEOUT_MS.to_string())
        .var("MERCHANT_WEBHOOK_RETRY_BASE_SECS", "1")
        .var("MERCHANT_WEBHOOK_RETRY_MAX_SECS", "2")
}

/// The mock (seeded), a receiver that knows only the retiring secret (so every signature it
/// accepts proves the rotation works), and the Worker sending events to it.
pub async fn spawn_notifying(seed: u64, queue_max_retries: Option<u32>) -> (TestApp, Receiver) {
    let receiver = Receiver::start(&[OLD_SECRET]).await;
    let start = chrono::DateTime::parse_from_rfc3339(START).expect("START is RFC 3339");
    let mock = mock_server::Config {
        start: Some(start),
        seed,
        ..Default::default()
    };
    let url = receiver.url.clone();
    let app = spawn_app_configured(mock, |c| {
        let mut c = notifying(c, &url);
        c.queue_max_retries = queue_max_retries;
        c
    })
    .await;
    (app, receiver)
}

/// One event as the merchant took it (the first accepted delivery of its `webhook-id`).
#[derive(Debug, Clone)]
pub struct Taken {
    pub id: String,
    pub kind: String,
    pub submit_id: Option<String>,
    pub mgt_key: Option<String>,
    pub body: String,
    /// Accepted deliveries of this id (more than one: a redelivery the merchant deduplicates).
    pub times: usize,
}

/// The merchant's events, deduplicated by `webhook-id`.
pub fn taken(deliveries: &[Delivery]) -> BTreeMap<String, Taken> {
    let mut out: BTreeMap<String, Taken> = BTreeMap::new();
    for d in deliveries.iter().filter(|d| d.accepted()) {
        let Some(id) = d.id.clone() else { continue };
        if let Some(t) = out.get_mut(&id) {
            t.times += 1;
            continue;
        }
        let event = d.event();
        let text = |v: &Value| v.as_str().map(str::to_owned);
        out.insert(
            id.clone(),
            Taken {
                id,
                kind: text(&event["type"]).unwrap_or_default(),
                submit_id: text(&event["data"]["submitID"]),
                mgt_key: text(&event["data"]["mgtKey"]),
                body: d.body.clone(),
                times: 1,
            },
        );
    }
    out
}

/// The events a receipt's status calls for: its final change, and `cashbill.issued` on the
/// way when `with_issued` (a test whose webhooks arrive in order).
pub fn expected_for(status: &str, with_issued: bool) -> Vec<String> {
    let mut out = Vec::new();
    if with_issued && matches!(status, "issued" | "filed" | "filing_failed") {
        out.push("cashbill.issued".to_owned());
    }
    if !matches!(status, "submitted" | "scheduled" | "issued") {
        out.push(format!("cashbill.{status}"));
    }
    out
}

/// `(mgtKey, type)` the Worker's view of `submissions` calls for, with the submission events.
pub async fn expected(
    app: &TestApp,
    submissions: &[String],
    with_issued: bool,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for id in submissions {
        let (status, view) = app.submission(id).await;
        if status != 200 {
            continue;
        }
        for r in view["cashbills"].as_array().into_iter().flatten() {
            let key = r["mgtKey"].as_str().unwrap_or_default().to_owned();
            for t in expected_for(r["status"].as_str().unwrap_or(""), with_issued) {
                out.push((key.clone(), t));
            }
        }
        match view["state"].as_str() {
            Some("completed") => out.push((id.clone(), "submission.completed".into())),
            Some("rejected") => out.push((id.clone(), "submission.rejected".into())),
            _ => {}
        }
    }
    out
}

/// `(mgtKey, type)` the final statuses of the refunds of `requests` call for (a refund's
/// `cashbill.*` events; its group makes no submission event).
pub async fn expected_refunds(app: &TestApp, requests: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for id in requests {
        let (status, view) = app.refund_request(id).await;
        if status != 200 {
            continue;
        }
        for r in view["refunds"].as_array().into_iter().flatten() {
            let key = r["mgtKey"].as_str().unwrap_or_default().to_owned();
            for t in expected_for(r["status"].as_str().unwrap_or(""), false) {
                out.push((key.clone(), t));
            }
        }
    }
    out
}

/// Which of `expected` no taken event carries (submission events are keyed by submitID).
pub fn missing(
    taken: &BTreeMap<String, Taken>,
    expected: &[(String, String)],
) -> Vec<(String, String)> {
    expected
        .iter()
        .filter(|(key, kind)| {
            !taken.values().any(|t| {
                t.kind == *kind
                    && match kind.starts_with("submission.") {
                        true => t.submit_id.as_deref() == Some(key),
                        false => t.mgt_key.as_deref() == Some(key),
                    }
            })
        })
        .cloned()
        .collect()
}

/// Wait until the receiver has taken every event the Worker's view calls for; on timeout, say
/// which are missing.
pub async fn wait_for_events(
    app: &TestApp,
    receiver: &Receiver,
    submissions: &[String],
    with_issued: bool,
    timeout: Duration,
) -> BTreeMap<String, Taken> {
    let want = expected(app, submissions, with_issued).await;
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let got = taken(&receiver.deliveries());
        let gone = missing(&got, &want);
        if gone.is_empty() {
            return got;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!(
                "after {timeout:?}, {} of {} events never reached the merchant, e.g. {:?}",
                gone.len(),
                want.len(),
                &gone[..gone.len().min(10)]
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(id: &str, kind: &str, key: Option<&str>, sub: &str) -> (String, Taken) {
        let taken = Taken {
            id: id.into(),
            kind: kind.into(),
            submit_id: Some(sub.into()),
            mgt_key: key.map(str::to_owned),
            body: String::new(),
            times: 1,
        };
        (id.into(), taken)
    }

    #[test]
    fn a_status_calls_for_its_final_event_and_issuance_on_the_way() {
        assert_eq!(
            expected_for("filed", true),
            ["cashbill.issued", "cashbill.filed"]
        );
        assert_eq!(expected_for("filed", false), ["cashbill.filed"]);
        assert_eq!(
            expected_for("issue_failed", true),
            ["cashbill.issue_failed"]
        );
        assert_eq!(expected_for("issued", true), ["cashbill.issued"]);
        assert!(expected_for("issued", false).is_empty());
        assert!(expected_for("submitted", true).is_empty());
        assert!(expected_for("scheduled", true).is_empty());
        assert_eq!(
            expected_for("original_filing_failed", true),
            ["cashbill.original_filing_failed"]
        );
    }

    #[test]
    fn missing_names_each_event_no_taken_one_carries() {
        let got: BTreeMap<String, Taken> = [
            t("msg_1", "cashbill.filed", Some("K-1"), "S-1"),
            t("msg_2", "submission.completed", None, "S-1"),
            t("msg_3", "cashbill.issued", Some("K-2"), "S-1"),
        ]
        .into_iter()
        .collect();
        let want = [
            ("K-1".to_owned(), "cashbill.filed".to_owned()),
            ("K-2".to_owned(), "cashbill.filed".to_owned()),
            ("S-1".to_owned(), "submission.completed".to_owned()),
            ("S-2".to_owned(), "submission.completed".to_owned()),
        ];
        assert_eq!(missing(&got, &want), [want[1].clone(), want[3].clone()]);
    }
}
