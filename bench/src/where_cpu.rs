//! Where the Worker's CPU goes, per request type: each type sent again (new inputs, one client)
//! while V8's profiler samples the isolate, then summarised by phase (`profile`). Run on the
//! benchmark's memory-KV Worker after `worker_cpu::measure`, whose figures the shares scale.

use std::sync::Arc;
use std::time::Duration;

use crate::isolate::Isolate;
use crate::latency::{Target, event_body};
use crate::load;
use crate::profile::{Breakdown, Profiler};
use crate::stack::{self, API_TOKEN, CORP, Result, Stack, WEBHOOK_KEY};
use crate::worker_cpu::{cron_invocations, cron_setup, expect_status};

/// Sampling interval: fine enough for a few-millisecond request, coarse enough not to drown it.
const INTERVAL_US: u32 = 100;

/// A profile of one request type (`key` as in `worker_cpu`).
#[derive(Debug, Clone)]
pub struct Profiled {
    pub key: &'static str,
    pub requests: usize,
    pub breakdown: Breakdown,
}

/// Profiles of a 100-receipt submission, a webhook event, reading a submission and a cron run.
pub async fn profile(stack: &Stack, submissions: usize) -> Result<Vec<Profiled>> {
    let isolate = Isolate::find(stack.worker.pid()).ok_or("the Worker's workerd is not running")?;
    let root = e2e::repo_root();
    let out = root.join("target/bench/profile.cpuprofile");
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    stack.prepare_mock(0, false).await?;
    let trade_dt = stack::trade_dt();
    let ids: Vec<String> = (0..submissions).map(|s| format!("PROF-S{s}")).collect();
    let bodies = Arc::new(
        ids.iter()
            .enumerate()
            .map(|(s, id)| stack::submission(id, &format!("PROF{s}"), 100, &trade_dt))
            .collect::<Vec<_>>(),
    );
    let mut profiles = Vec::new();
    let (http, url) = (stack.http.clone(), stack.worker.url.clone());

    let batch = |key: &'static str,
                 n: usize,
                 job: Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync>,
                 expect: u16| {
        let out = out.clone();
        let root = root.clone();
        let port = stack.worker.inspector_port;
        async move {
            let profiler = Profiler::start(&root, port, &out, INTERVAL_US)?;
            let run = load::run(n, 1, Duration::from_secs(120), move |i| {
                let req = job(i);
                async move { expect_status(req, expect).await }
            })
            .await;
            let breakdown = profiler.stop()?;
            if run.errors > 0 {
                return Err(format!(
                    "profiling {key}: {} requests failed: {:?}",
                    run.errors, run.first_error
                ));
            }
            Ok(Profiled {
                key,
                requests: run.ok,
                breakdown,
            })
        }
    };

    profiles.push(
        batch(
            "submit_100",
            submissions,
            {
                let (http, url, bodies) = (http.clone(), format!("{url}/v1/submissions"), bodies);
                Arc::new(move |i| http.post(&url).bearer_auth(API_TOKEN).json(&bodies[i]))
            },
            202,
        )
        .await?,
    );

    let now = stack::trade_dt();
    let events: Arc<Vec<(String, Vec<u8>)>> = Arc::new(
        ids.iter()
            .enumerate()
            .take(10)
            .flat_map(|(s, id)| {
                (0..100).map(move |k| Target {
                    submit_id: id.clone(),
                    mgt_key: format!("PROF{s}-{k}"),
                })
            })
            .map(|t| {
                (
                    format!("PROF-{}", t.mgt_key),
                    event_body("BULKRESULT", &t, &now),
                )
            })
            .collect(),
    );
    let read_ids = Arc::new(ids.iter().take(10).cloned().collect::<Vec<_>>());
    profiles.push(
        batch(
            "webhook_new",
            events.len(),
            {
                let (http, url) = (http.clone(), format!("{url}/v1/popbill/webhook"));
                Arc::new(move |i| {
                    let (mid, body) = &events[i];
                    http.post(&url)
                        .header("x-api-key", WEBHOOK_KEY)
                        .header("pb-webhook-mid", mid.as_str())
                        .header("pb-webhook-corpnum", CORP)
                        .header("pb-webhook-eventtype", "BULKRESULT")
                        .header("content-type", "application/json")
                        .body(body.clone())
                })
            },
            200,
        )
        .await?,
    );
    profiles.push(
        batch(
            "read_100",
            100,
            {
                let (http, url) = (http.clone(), format!("{url}/v1/submissions"));
                Arc::new(move |i| {
                    http.get(format!("{url}/{}", read_ids[i % read_ids.len()]))
                        .bearer_auth(API_TOKEN)
                })
            },
            200,
        )
        .await?,
    );

    cron_setup(stack, 1_000, "PROFCRON", &trade_dt).await?;
    let profiler = Profiler::start(&root, stack.worker.inspector_port, &out, INTERVAL_US)?;
    let invocations = cron_invocations(stack, &isolate, 0, None).await?;
    profiles.push(Profiled {
        key: "cron",
        requests: invocations.len(),
        breakdown: profiler.stop()?,
    });
    // Now every result is on record and nothing is due: what the cron costs every minute while
    // the receipts wait for their filing results.
    let profiler = Profiler::start(&root, stack.worker.inspector_port, &out, INTERVAL_US)?;
    let mut idle = 0;
    for _ in 0..5 {
        idle += cron_invocations(stack, &isolate, 0, None).await?.len();
    }
    profiles.push(Profiled {
        key: "cron_idle",
        requests: idle,
        breakdown: profiler.stop()?,
    });
    Ok(profiles)
}
