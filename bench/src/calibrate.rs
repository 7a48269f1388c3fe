//! Where the Worker's time goes under `wrangler dev`, and what a cold isolate does with
//! concurrent first requests.
//!
//! Calibration: workerd's CPU time per request for requests that differ only in their KV work:
//! refused before any KV call (401), one KV get (`/healthz`), a webhook event already on record
//! (two gets, no write). With part 3's new-fact events (two gets and a put) these price a local KV
//! operation, which explains the submission figures (a 100-receipt submission makes ~206).
//!
//! Cold start: a freshly started Worker given `concurrency` submissions at once, before any
//! request has fetched a POPBiLL token.

use std::sync::Arc;
use std::time::Duration;

use crate::latency::Target;
use crate::load::{self, Run};
use crate::machine;
use crate::stack::{self, CORP, Result, Stack, WEBHOOK_KEY};

#[derive(Debug, Clone)]
pub struct Probe {
    pub what: &'static str,
    pub kv_ops: &'static str,
    pub run: Run,
    /// workerd's CPU time per request.
    pub cpu_ms: f64,
}

async fn probe<F, Fut>(what: &'static str, kv_ops: &'static str, count: usize, job: F) -> Probe
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = std::result::Result<(), String>> + Send + 'static,
{
    let before = machine::tree_cpu();
    let run = load::run(count, 16, Duration::from_secs(60), job).await;
    let after = machine::tree_cpu();
    let cpu = after.get("workerd").copied().unwrap_or(0.0)
        - before.get("workerd").copied().unwrap_or(0.0);
    Probe {
        what,
        kv_ops,
        cpu_ms: cpu * 1000.0 / (run.ok + run.errors).max(1) as f64,
        run,
    }
}

pub async fn calibrate(stack: &Stack, duplicates: &[Target], count: usize) -> Result<Vec<Probe>> {
    let mut out = Vec::new();
    let (http, url) = (stack.http.clone(), stack.worker.url.clone());
    out.push(
        probe(
            "GET /v1/submissions/{id}, wrong token (401)",
            "none",
            count,
            {
                let (http, url) = (http.clone(), url.clone());
                move |_| {
                    let req = http
                        .get(format!("{url}/v1/submissions/none"))
                        .bearer_auth("wrong");
                    async move {
                        let status = req.send().await.map_err(|e| e.to_string())?.status();
                        (status == 401).then_some(()).ok_or(format!("{status}"))
                    }
                }
            },
        )
        .await,
    );
    out.push(
        probe("GET /healthz", "1 get", count, {
            let (http, url) = (http.clone(), url.clone());
            move |_| {
                let req = http.get(format!("{url}/healthz"));
                async move {
                    let status = req.send().await.map_err(|e| e.to_string())?.status();
                    (status == 200).then_some(()).ok_or(format!("{status}"))
                }
            }
        })
        .await,
    );
    // NTS events part 3 already delivered: the fact is on record, nothing is written.
    let now = stack::trade_dt();
    let events: Arc<Vec<(String, Vec<u8>)>> = Arc::new(
        duplicates
            .iter()
            .take(count)
            .map(|t| {
                (
                    format!("NTS-{}", t.mgt_key),
                    crate::latency::event_body("NTS", t, &now),
                )
            })
            .collect(),
    );
    let n = events.len();
    out.push(
        probe(
            "POST /v1/popbill/webhook, event already on record",
            "2 gets",
            n,
            move |i| {
                let (mid, body) = &events[i];
                let req = http
                    .post(format!("{url}/v1/popbill/webhook"))
                    .header("x-api-key", WEBHOOK_KEY)
                    .header("pb-webhook-mid", mid.as_str())
                    .header("pb-webhook-corpnum", CORP)
                    .header("pb-webhook-eventtype", "NTS")
                    .header("content-type", "application/json")
                    .body(body.clone());
                async move {
                    let status = req.send().await.map_err(|e| e.to_string())?.status();
                    (status == 200).then_some(()).ok_or(format!("{status}"))
                }
            },
        )
        .await,
    );
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct ColdStart {
    pub concurrency: usize,
    pub accepted: usize,
    pub failed: usize,
    pub first_error: Option<String>,
    pub p50: Duration,
    pub max: Duration,
}

/// Restart the Worker (a new isolate, no token yet) and send `concurrency` submissions at once.
pub async fn cold_start(stack: &mut Stack, concurrency: usize) -> Result<ColdStart> {
    stack.restart_cold().await;
    stack.prepare_mock(0, false).await?;
    let trade_dt = stack::trade_dt();
    let bodies = (0..concurrency)
        .map(|s| stack::submission(&format!("COLD-S{s}"), &format!("COLD-{s}"), 100, &trade_dt))
        .collect();
    let run = stack
        .submit_each(
            bodies,
            concurrency,
            Duration::from_secs(120),
            |_, status, text| format!("{status} {}", text.chars().take(120).collect::<String>()),
        )
        .await;
    Ok(ColdStart {
        concurrency,
        accepted: run.ok,
        failed: run.errors,
        first_error: run.first_error.clone(),
        p50: run.percentile(0.5),
        max: run.percentile(1.0),
    })
}
