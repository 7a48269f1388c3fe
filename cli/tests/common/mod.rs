//! Helpers for running the built `popbill-bulk` binary in tests: files of receipts, a running
//! process whose standard error is read line by line, and the mock's journal.
#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncBufReadExt as _;
use tokio::process::{Child, Command};

pub const BIN: &str = env!("CARGO_BIN_EXE_popbill-bulk");
pub const CORP: &str = "1234567890";
/// A tradeDT valid on the e2e harness's start day (2025-07-11 10:00 KST).
pub const TRADE_DT: &str = "20250711100000";
pub const HEADER: &str = "mgtKey,tradeDT,tradeType,tradeUsage,taxationType,totalAmount,supplyCost,tax,serviceFee,franchiseCorpNum,identityNum,itemName,orderNumber";

/// One CSV row; `order` goes to orderNumber (the mock's scenarios).
pub fn row(key: &str, order: &str) -> String {
    format!(
        "{key},{TRADE_DT},승인거래,소득공제용,과세,11000,10000,1000,0,{CORP},01012345678,아메리카노,{order}"
    )
}

/// A CSV of `n` receipts `{prefix}-{i}`.
pub fn csv(prefix: &str, n: usize) -> String {
    let mut text = format!("{HEADER}\n");
    for i in 0..n {
        text.push_str(&row(&format!("{prefix}-{i}"), ""));
        text.push('\n');
    }
    text
}

pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write a test file");
    p
}

/// The binary with a clean environment (no POPBILL_* from the caller).
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("POPBILL_BULK_WORKER")
        .env_remove("POPBILL_BULK_TOKEN")
        .env_remove("POPBILL_LINK_ID")
        .env_remove("POPBILL_SECRET_KEY")
        .env_remove("POPBILL_CORP_NUM")
        .env_remove("POPBILL_API_URL")
        .env_remove("POPBILL_AUTH_URL")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub async fn run(mut cmd: Command) -> Output {
    let out = tokio::time::timeout(Duration::from_secs(180), cmd.output())
        .await
        .expect("popbill-bulk finishes within 180 s")
        .expect("popbill-bulk runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A running popbill-bulk whose standard error is collected line by line as it comes.
pub struct Running {
    pub child: Child,
    pub lines: Arc<Mutex<Vec<String>>>,
    stdout: Option<tokio::process::ChildStdout>,
}

impl Running {
    pub fn spawn(mut cmd: Command) -> Running {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("popbill-bulk starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr is piped");
        let sink = lines.clone();
        tokio::spawn(async move {
            let mut reader = tokio::io::BufReader::new(stderr).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                sink.lock().unwrap().push(line);
            }
        });
        let stdout = child.stdout.take();
        Running {
            child,
            lines,
            stdout,
        }
    }

    pub fn stderr(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Wait until a standard-error line contains `needle` (panics after `timeout`, or if the
    /// process ended first).
    pub async fn wait_line(&mut self, needle: &str, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self
                .lines
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.contains(needle))
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Give the reader a moment to drain what was written before the exit.
                tokio::time::sleep(Duration::from_millis(200)).await;
                if self
                    .lines
                    .lock()
                    .unwrap()
                    .iter()
                    .any(|l| l.contains(needle))
                {
                    return;
                }
                panic!(
                    "popbill-bulk exited ({status}) before printing {needle:?}; stderr:\n{}",
                    self.stderr()
                );
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "no {needle:?} within {timeout:?}; stderr:\n{}",
                    self.stderr()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn finish(mut self, timeout: Duration) -> Output {
        let status = tokio::time::timeout(timeout, self.child.wait())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "popbill-bulk did not finish within {timeout:?}; stderr:\n{}",
                    self.stderr()
                )
            })
            .expect("waiting for popbill-bulk");
        let mut stdout = String::new();
        if let Some(mut out) = self.stdout.take() {
            use tokio::io::AsyncReadExt as _;
            let _ = out.read_to_string(&mut stdout).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        Output {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr: self.stderr(),
        }
    }
}

/// The mock's request journal.
pub async fn journal(mock_url: &str) -> Vec<Value> {
    let v: Value = reqwest::get(format!("{mock_url}/_mock/journal"))
        .await
        .expect("the mock answers")
        .json()
        .await
        .expect("the journal is JSON");
    v.as_array().cloned().unwrap_or_default()
}

/// BulkSubmit calls in the journal (whatever their answer).
pub fn bulk_submits(journal: &[Value]) -> Vec<&Value> {
    journal
        .iter()
        .filter(|r| r["override"] == "BULKISSUE")
        .collect()
}

pub async fn mock_post(mock_url: &str, path: &str, body: Value) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{mock_url}{path}"))
        .json(&body)
        .send()
        .await
        .expect("the mock answers");
    assert!(resp.status().is_success(), "mock {path}: {}", resp.status());
    resp.json().await.unwrap_or(Value::Null)
}

/// The results file as rows of column → value.
pub fn results(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).expect("the results file exists");
    r.deserialize()
        .map(|row| row.expect("a results row"))
        .collect()
}
