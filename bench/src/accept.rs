//! Part 2: how long 10,000 receipts take to be accepted end to end (merchant → Worker → mock,
//! no added delay): 100 submissions of 100, `concurrency` at a time, until the last answer is
//! 202 `accepted` (POPBiLL gave its receiptID).
//!
//! The mock sends no webhooks and the Worker does not poll, so the receipts stay `submitted`
//! for part 3's webhook load to report on.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::load::{self, Run};
use crate::stack::{self, Result, Stack};

#[derive(Debug, Clone)]
pub struct Accepted {
    pub receipts: usize,
    pub concurrency: usize,
    pub run: Run,
    /// Submission IDs and mgtKey prefixes, for the webhook load.
    pub submissions: Vec<(String, String)>,
    pub upstream: stack::Upstream,
    /// Submissions sent again after a 5xx.
    pub resends: usize,
}

pub async fn accept(
    stack: &Stack,
    tag: &str,
    receipts: usize,
    concurrency: usize,
    timeout: Duration,
) -> Result<Accepted> {
    stack.prepare_mock(0, false).await?;
    let trade_dt = stack::trade_dt();
    let subs = receipts.div_ceil(100);
    let submissions: Vec<(String, String)> = (0..subs)
        .map(|s| (format!("{tag}-S{s}"), format!("{tag}-{s}")))
        .collect();
    let bodies: Arc<Vec<serde_json::Value>> = Arc::new(
        submissions
            .iter()
            .map(|(id, prefix)| stack::submission(id, prefix, 100, &trade_dt))
            .collect(),
    );
    let (http, url) = (stack.http.clone(), stack.worker.url.clone());
    let resends = Arc::new(AtomicUsize::new(0));
    let counter = resends.clone();
    let run = load::run(subs, concurrency, timeout, move |i| {
        let (http, url, bodies, counter) =
            (http.clone(), url.clone(), bodies.clone(), counter.clone());
        async move {
            let n = stack::submit_accepted(&http, &url, &bodies[i]).await?;
            counter.fetch_add(n, Ordering::Relaxed);
            Ok(())
        }
    })
    .await;
    if run.ok != subs {
        return Err(format!(
            "acceptance: {} of {subs} submissions accepted; first error: {:?}",
            run.ok, run.first_error
        ));
    }
    let upstream = stack.upstream_requests().await?;
    Ok(Accepted {
        receipts: subs * 100,
        concurrency,
        run,
        submissions,
        upstream,
        resends: resends.load(Ordering::Relaxed),
    })
}
