//! The merchant's endpoint in the chaos run: it fails a seeded share of deliveries (503s,
//! answers slower than the Worker waits, dropped connections) for the whole run, and the
//! invariant is that every final status change of every receipt, refunds included, reaches it
//! at least once, every delivery with a valid signature.
//!
//! One concession to the local runtime: `wrangler dev` keeps queued messages in memory, so the
//! Worker restart in the middle of the run would drop whatever is queued at that instant
//! (Cloudflare's queues are durable across deploys). Before that restart the run waits until
//! the merchant has every event recorded so far (docs/TOOLCHAIN.md §4).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::app::{START, TestApp, spawn_app_configured};
use crate::merchant::{
    OLD_SECRET, expected, expected_refunds, missing, notifying, taken, wait_for_events,
};
use crate::receiver::{Answer, Behaviour, Receiver};

/// One attempt's limit in the chaos run, and how long a "slow" answer takes: longer.
const TIMEOUT_MS: u64 = 400;
const HANG: Duration = Duration::from_millis(700);
/// The share of deliveries that fail.
const FAIL_RATE: f64 = 0.25;

/// The mock (seeded), a failing merchant endpoint and the Worker sending it events.
pub async fn start(seed: u64) -> (TestApp, Receiver) {
    let receiver = Receiver::start(&[OLD_SECRET]).await;
    receiver.set(flaky(seed));
    let start = chrono::DateTime::parse_from_rfc3339(START).expect("START is RFC 3339");
    let mock = mock_server::Config {
        start: Some(start),
        seed,
        ..Default::default()
    };
    let url = receiver.url.clone();
    let app = spawn_app_configured(mock, |c| {
        notifying(c, &url).var("MERCHANT_WEBHOOK_TIMEOUT_MS", &TIMEOUT_MS.to_string())
    })
    .await;
    (app, receiver)
}

fn flaky(seed: u64) -> Behaviour {
    Behaviour::Flaky {
        rate: FAIL_RATE,
        seed,
        hang: HANG,
    }
}

/// Before the Worker restarts: everything recorded so far is at the merchant (the endpoint
/// recovers for the wait, then fails again). Only issuance has happened yet, so every
/// `cashbill.issued` is expected too.
pub async fn drain(app: &TestApp, receiver: &Receiver, submissions: &[String], seed: u64) {
    receiver.set(Behaviour::Accept);
    wait_for_events(app, receiver, submissions, true, Duration::from_secs(120)).await;
    receiver.set(flaky(seed));
}

/// The invariant, as violations; and the merchant-side faults injected, by kind.
/// `refund_requests`: the refundIDs the Worker took, whose refunds' final statuses count too.
pub async fn check(
    app: &TestApp,
    receiver: &Receiver,
    submissions: &[String],
    refund_requests: &[String],
    faults: &mut BTreeMap<String, u64>,
    violations: &mut Vec<String>,
) {
    let mut want = expected(app, submissions, false).await;
    want.extend(expected_refunds(app, refund_requests).await);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    let gone = loop {
        let gone = missing(&taken(&receiver.deliveries()), &want);
        if gone.is_empty() || tokio::time::Instant::now() >= deadline {
            break gone;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    for (key, kind) in gone {
        violations.push(format!("{kind} of {key} never reached the merchant"));
    }
    let deliveries = receiver.deliveries();
    let bad = deliveries.iter().filter(|d| d.verified.is_err()).count();
    if bad > 0 {
        violations.push(format!(
            "{bad} deliveries with a signature that does not verify"
        ));
    }
    for d in &deliveries {
        let kind = match d.answer {
            Answer::Status(s) if (200..300).contains(&s) => continue,
            Answer::Status(s) => format!("merchant:{s}"),
            Answer::Hung => "merchant:slow".into(),
            Answer::Dropped => "merchant:drop".into(),
        };
        *faults.entry(kind).or_default() += 1;
    }
    let dead = app
        .http
        .get(format!("{}/v1/notifications/failed", app.worker.url))
        .bearer_auth(crate::app::API_TOKEN)
        .send()
        .await;
    if let Ok(resp) = dead {
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        let n = body["failed"].as_array().map_or(0, Vec::len);
        if n > 0 {
            violations.push(format!("{n} events dead-lettered"));
        }
    }
}
