//! Part 2: how long 10,000 receipts take to be accepted end to end (merchant → Worker → mock,
//! no added delay): 100 submissions of 100, `concurrency` at a time, until the last answer is
//! 202 `accepted` (POPBiLL gave its receiptID).
//!
//! The mock sends no webhooks and the Worker does not poll, so the receipts stay `submitted`
//! for part 3's webhook load to report on.

use std::sync::Arc;
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
    let run = load::run(subs, concurrency, timeout, move |i| {
        let req = http
            .post(format!("{url}/v1/submissions"))
            .bearer_auth(stack::API_TOKEN)
            .json(&bodies[i]);
        async move {
            let resp = req.send().await.map_err(|e| e.to_string())?;
            let status = resp.status().as_u16();
            let v: serde_json::Value = resp.json().await.unwrap_or_default();
            if status == 202 && v["state"] == "accepted" {
                Ok(())
            } else {
                Err(format!("submission {i}: {status} {v}"))
            }
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
    })
}
