//! Part 7, merchant events: how fast the Worker's queue consumer delivers events to a local
//! receiver, and the Worker CPU they add.
//!
//! The same load twice, each on fresh receipts: `receipts` receipts submitted in bulk, their
//! issuance results brought by BULKRESULT webhooks (each a new fact). First with events off,
//! then with the Worker restarted with `MERCHANT_WEBHOOK_URL` pointing at a receiver on
//! 127.0.0.1 that verifies each signature and answers 204. workerd's CPU time over each run (to
//! the last receipt shown issued; with events, to the last event delivered) gives the CPU an
//! event adds: the emission (two KV reads and a queue send per webhook) and the delivery (the
//! consumer's signing and POST).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use e2e::receiver::Receiver;

use crate::bulk_single::{self, ResultPath};
use crate::machine;
use crate::stack::{EVENTS_SECRET, Result, Stack};

#[derive(Debug, Clone)]
pub struct EventsRun {
    pub receipts: usize,
    /// Distinct events taken (`webhook-id`s), of the measured receipts.
    pub events: usize,
    /// Deliveries (more than events when one was delivered twice).
    pub deliveries: usize,
    pub bad_signatures: usize,
    /// First delivery to last.
    pub span: Duration,
    /// workerd CPU seconds for the run without events and the run with them.
    pub cpu_off: f64,
    pub cpu_on: f64,
}

impl EventsRun {
    /// Events delivered per second, first delivery to last.
    pub fn per_sec(&self) -> f64 {
        self.events as f64 / self.span.as_secs_f64().max(1e-3)
    }

    /// workerd CPU milliseconds each event added (negative: within the noise).
    pub fn cpu_ms_per_event(&self) -> f64 {
        (self.cpu_on - self.cpu_off) * 1000.0 / self.events.max(1) as f64
    }
}

fn workerd_cpu() -> f64 {
    machine::tree_cpu().get("workerd").copied().unwrap_or(0.0)
}

pub async fn measure(
    stack: &mut Stack,
    receipts: usize,
    concurrency: usize,
    timeout: Duration,
) -> Result<EventsRun> {
    // Without events, webhooks only (no post-submit poll), as the run with them.
    stack.reconfigure(0, None).await;
    let before = workerd_cpu();
    bulk_single::bulk(
        stack,
        "EVOFF",
        receipts,
        0,
        concurrency,
        ResultPath::Webhooks,
        timeout,
    )
    .await?;
    let cpu_off = workerd_cpu() - before;

    let receiver = Receiver::start(&[EVENTS_SECRET]).await;
    stack.reconfigure(0, Some(receiver.url.clone())).await;
    let before = workerd_cpu();
    bulk_single::bulk(
        stack,
        "EVON",
        receipts,
        0,
        concurrency,
        ResultPath::Webhooks,
        timeout,
    )
    .await?;
    let ours = |body: &str| body.contains("\"mgtKey\":\"EVON-");
    let deadline = Instant::now() + timeout;
    let deliveries = loop {
        let all: Vec<_> = receiver
            .deliveries()
            .into_iter()
            .filter(|d| ours(&d.body))
            .collect();
        let ids: BTreeSet<_> = all
            .iter()
            .filter(|d| d.accepted())
            .map(|d| d.id.clone())
            .collect();
        if ids.len() >= receipts {
            break all;
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "only {} of {receipts} events reached the receiver within {timeout:?}",
                ids.len()
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let cpu_on = workerd_cpu() - before;
    let first = deliveries.iter().map(|d| d.at).min();
    let last = deliveries.iter().map(|d| d.at).max();
    let events: BTreeSet<_> = deliveries.iter().map(|d| d.id.clone()).collect();
    // Back to the settings the other parts use.
    stack.reconfigure(0, None).await;
    Ok(EventsRun {
        receipts,
        events: events.len(),
        deliveries: deliveries.len(),
        bad_signatures: deliveries.iter().filter(|d| d.verified.is_err()).count(),
        span: match (first, last) {
            (Some(a), Some(b)) => b - a,
            _ => Duration::ZERO,
        },
        cpu_off,
        cpu_on,
    })
}
