//! Part 6: `popbill-bulk` from a merchant's file to every receipt issued: a CSV of 10,000 rows
//! (1,000 with `--quick`) through the Worker, and the same size straight to the mock with
//! `--direct`. Wall time from start to exit, the tool's own requests (from its `--json`
//! summary) and what reached POPBiLL (the mock's journal).
//!
//! The binary is the one `make bench` builds beside this one (`cargo build --profile bench -p
//! popbill-bulk`); it is killed if the run ends early.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::stack::{self, API_TOKEN, CORP, Result, Stack};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Worker,
    Direct,
}

impl Via {
    pub fn name(self) -> &'static str {
        match self {
            Via::Worker => "through the Worker",
            Via::Direct => "--direct",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CliRun {
    pub via: Via,
    pub rows: usize,
    pub concurrency: usize,
    pub secs: f64,
    /// The summary's counts per status, as `issued 10000`.
    pub counts: String,
    /// The tool's requests by kind.
    pub requests: BTreeMap<String, u64>,
    pub upstream: stack::Upstream,
}

impl CliRun {
    pub fn requests_text(&self) -> String {
        self.requests
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }
}

/// The `popbill-bulk` built next to this binary.
fn binary() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let path = exe.with_file_name("popbill-bulk");
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} is missing: `make bench` builds it (cargo build --profile bench -p popbill-bulk)",
            path.display()
        ))
    }
}

fn write_csv(tag: &str, rows: usize) -> Result<PathBuf> {
    let dir = e2e::repo_root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
    let path = dir.join(format!("cli-{tag}.csv"));
    let trade_dt = stack::trade_dt();
    let mut text = String::from(
        "mgtKey,tradeDT,tradeType,tradeUsage,taxationType,totalAmount,supplyCost,tax,serviceFee,franchiseCorpNum,identityNum,itemName\n",
    );
    for i in 0..rows {
        text.push_str(&format!(
            "{tag}-{i},{trade_dt},승인거래,소득공제용,과세,11000,10000,1000,0,{CORP},01012345678,아메리카노\n"
        ));
    }
    std::fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
    Ok(path)
}

pub async fn run(
    stack: &Stack,
    via: Via,
    tag: &str,
    rows: usize,
    concurrency: usize,
    timeout: Duration,
) -> Result<CliRun> {
    // Webhooks go to the Worker when it is the one following the receipts.
    stack.prepare_mock(0, via == Via::Worker).await?;
    let file = write_csv(tag, rows)?;
    let mut cmd = tokio::process::Command::new(binary()?);
    cmd.arg("submit")
        .arg(&file)
        .args(["--wait", "issued", "--json", "--quiet"])
        .args(["--concurrency", &concurrency.to_string()])
        .env_remove("POPBILL_BULK_WORKER")
        .env_remove("POPBILL_BULK_TOKEN")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    match via {
        Via::Worker => {
            cmd.args(["--worker", &stack.worker.url, "--token", API_TOKEN]);
        }
        Via::Direct => {
            cmd.args([
                "--direct",
                "--api-url",
                &stack.mock.url,
                "--auth-url",
                &stack.mock.url,
            ])
            .args(["--corp-num", CORP])
            .env("POPBILL_LINK_ID", &stack.mock.link_id)
            .env("POPBILL_SECRET_KEY", &stack.mock.secret_key);
        }
    }
    let started = Instant::now();
    let out = tokio::time::timeout(timeout, cmd.output())
        .await
        .map_err(|_| {
            format!(
                "popbill-bulk {} did not finish within {timeout:?}",
                via.name()
            )
        })?
        .map_err(|e| format!("popbill-bulk: {e}"))?;
    let secs = started.elapsed().as_secs_f64();
    let summary: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "popbill-bulk {}: no JSON summary ({e}); stderr: {}",
            via.name(),
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    if out.status.code() != Some(0) {
        return Err(format!(
            "popbill-bulk {} exited {:?}: {summary}; stderr: {}",
            via.name(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let counts = summary["counts"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let requests = summary["requests"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    Ok(CliRun {
        via,
        rows,
        concurrency,
        secs,
        counts,
        requests,
        upstream: stack.upstream_requests().await?,
    })
}
