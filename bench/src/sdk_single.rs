//! Single issuance with the official POPBiLL Node SDK (`bench/node/sdk_single.js`):
//! `registIssue` one receipt at a time against the mock, as a merchant without bulk issuance
//! would use it, beside the project's own client in part 1.

use std::time::Duration;

use serde_json::Value;

use crate::bulk_single::SingleRun;
use crate::load::Run;
use crate::stack::{self, Result, Stack};

/// `count` receipts with the SDK's `registIssue`, sequentially, the mock adding `latency_ms`.
pub async fn single(
    stack: &Stack,
    tag: &str,
    count: usize,
    latency_ms: u64,
    timeout: Duration,
) -> Result<SingleRun> {
    stack.prepare_mock(latency_ms, false).await?;
    let root = e2e::repo_root();
    let run = tokio::time::timeout(
        timeout,
        tokio::process::Command::new("node")
            .arg(root.join("bench/node/sdk_single.js"))
            .arg(&stack.mock.url)
            .arg(count.to_string())
            .arg(tag)
            .arg(stack::trade_dt())
            .current_dir(&root)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .map_err(|_| format!("the Node SDK did not issue {count} receipts within {timeout:?}"))?
    .map_err(|e| format!("run node: {e}"))?;
    if !run.status.success() {
        return Err(format!(
            "the Node SDK run failed: {}",
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&run.stdout);
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .map_err(|e| format!("the Node SDK run's summary: {e}: {stdout}"))?;
    let latencies: Vec<Duration> = summary["latenciesMs"]
        .as_array()
        .ok_or("the Node SDK run's summary has no latencies")?
        .iter()
        .filter_map(Value::as_f64)
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .collect();
    let elapsed = Duration::from_secs_f64(summary["elapsedMs"].as_f64().unwrap_or(0.0) / 1000.0);
    if latencies.len() != count {
        return Err(format!(
            "the Node SDK issued {} of {count} receipts",
            latencies.len()
        ));
    }
    Ok(SingleRun {
        count,
        concurrency: 1,
        elapsed,
        upstream: stack.upstream_requests().await?,
        run: Run {
            ok: latencies.len(),
            latencies,
            elapsed,
            ..Default::default()
        },
    })
}
