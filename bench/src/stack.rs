//! The local stack under test: the mock POPBiLL in-process on a real-time clock and the built
//! Worker in workerd (`wrangler dev`), both from the e2e harness, on 127.0.0.1 only.
//!
//! Dropping a `Stack` stops both (the harness kills wrangler's whole process group).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use e2e::{MockPopbill, WorkerConfig, WorkerProcess};
use serde_json::{Value, json};

use crate::load::{self, Run};

pub const API_TOKEN: &str = "bench-api-token-0123456789";
pub const WEBHOOK_KEY: &str = "bench-webhook-key-0123456789";
pub const CORP: &str = mock_server::config::DEV_CORP_NUM;

static WARM_UPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub type Result<T> = std::result::Result<T, String>;

pub struct Stack {
    pub mock: MockPopbill,
    pub worker: WorkerProcess,
    pub http: reqwest::Client,
    pub poll_after_submit_secs: u64,
    /// Where the Worker sends merchant events (`None`: off, as in every part but 7).
    pub events_url: Option<String>,
    /// The entry module when it is not wrangler.toml's `main` (the benchmark's memory-KV Worker).
    pub entry: Option<&'static str>,
}

/// The secret the Worker signs merchant events with in part 7.
pub const EVENTS_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn worker_config(
    mock: &MockPopbill,
    poll_after_submit_secs: u64,
    events_url: Option<&str>,
    entry: Option<&str>,
) -> WorkerConfig {
    // TIME_SOURCE stays local: the mock follows real time, so the Worker's clock agrees with it,
    // and no `GET /Time` is added to every submission.
    let c = WorkerConfig::wired_to(mock, CORP, API_TOKEN, WEBHOOK_KEY).var(
        "POLL_AFTER_SUBMIT_SECS",
        &poll_after_submit_secs.to_string(),
    );
    let c = match entry {
        Some(path) => c.entry(path),
        None => c,
    };
    match events_url {
        Some(url) => c
            .var("MERCHANT_WEBHOOK_URL", url)
            .secret("MERCHANT_WEBHOOK_SECRET", EVENTS_SECRET),
        None => c,
    }
}

impl Stack {
    /// The mock on a real-time clock starting now (so the Worker's and the single-issuance
    /// client's own clocks agree with it), then the Worker pointed at it.
    pub async fn start(poll_after_submit_secs: u64) -> Stack {
        Stack::start_with(poll_after_submit_secs, None).await
    }

    /// The same, the Worker run from another entry module (`worker_cpu::ENTRY`).
    pub async fn start_with(poll_after_submit_secs: u64, entry: Option<&'static str>) -> Stack {
        let mock = MockPopbill::start_with(mock_server::Config {
            clock: mock_server::ClockMode::Real,
            // Long enough for every run: no token renewal mid-measurement.
            token_ttl: Duration::from_secs(24 * 3600),
            ..Default::default()
        })
        .await;
        let worker =
            WorkerProcess::start(worker_config(&mock, poll_after_submit_secs, None, entry)).await;
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            // A request no answer comes to fails instead of holding the run: wrangler reloads
            // the Worker when its own files change (node_modules is shared), and what was in
            // flight then may never be answered.
            .timeout(Duration::from_secs(120))
            .build()
            .expect("a plain-HTTP client builds");
        let stack = Stack {
            mock,
            worker,
            http,
            poll_after_submit_secs,
            events_url: None,
            entry,
        };
        stack.warm_up().await;
        stack
    }

    /// Restart the Worker (same settings, same local KV) without warming it up: a cold isolate.
    pub async fn restart_cold(&mut self) {
        self.worker
            .restart(worker_config(
                &self.mock,
                self.poll_after_submit_secs,
                self.events_url.as_deref(),
                self.entry,
            ))
            .await;
    }

    /// One submission alone, so the isolate holds a POPBiLL token before the measured requests:
    /// the token request stays out of every run's upstream count and timing. (It also kept
    /// concurrent first requests from hanging before the Worker's token cache stopped making
    /// one request wait for another's fetch; the cold-start check measures that case.)
    pub async fn warm_up(&self) {
        let n = WARM_UPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("WARM-{n}");
        let body = submission(&id, &id, 1, &trade_dt());
        let answer = self
            .http
            .post(format!("{}/v1/submissions", self.worker.url))
            .bearer_auth(API_TOKEN)
            .json(&body)
            .send()
            .await;
        let status = answer.as_ref().map(|a| a.status().as_u16()).unwrap_or(0);
        assert_eq!(
            status, 202,
            "the warm-up submission is accepted: {answer:?}"
        );
    }

    /// Restart the Worker (same local KV) with another post-submit poll setting.
    pub async fn set_poll_after_submit(&mut self, secs: u64) {
        let events = self.events_url.clone();
        self.reconfigure(secs, events).await;
    }

    /// Restart the Worker (same local KV) with these settings, if they differ, and warm it up.
    pub async fn reconfigure(&mut self, poll_after_submit_secs: u64, events_url: Option<String>) {
        if (poll_after_submit_secs, &events_url) != (self.poll_after_submit_secs, &self.events_url)
        {
            let config = worker_config(
                &self.mock,
                poll_after_submit_secs,
                events_url.as_deref(),
                self.entry,
            );
            self.worker.restart(config).await;
            self.poll_after_submit_secs = poll_after_submit_secs;
            self.events_url = events_url;
            self.warm_up().await;
        }
    }

    /// Each of `bodies` sent once, as a merchant would (`POST /v1/submissions`), `concurrency`
    /// at a time, none started after `timeout`: a 202 is a success, any other answer an error
    /// worded by `refused(index, status, body)`.
    pub async fn submit_each(
        &self,
        bodies: Vec<Value>,
        concurrency: usize,
        timeout: Duration,
        refused: fn(usize, u16, &str) -> String,
    ) -> Run {
        let bodies = Arc::new(bodies);
        let (http, url) = (
            self.http.clone(),
            format!("{}/v1/submissions", self.worker.url),
        );
        load::run(bodies.len(), concurrency, timeout, move |i| {
            let req = http.post(&url).bearer_auth(API_TOKEN).json(&bodies[i]);
            async move {
                let resp = req.send().await.map_err(|e| e.to_string())?;
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap_or_default();
                if status == 202 {
                    Ok(())
                } else {
                    Err(refused(i, status, &text))
                }
            }
        })
        .await
    }

    pub async fn mock_post(&self, path: &str, body: &Value) -> Result<Value> {
        let resp = self
            .http
            .post(format!("{}{path}", self.mock.url))
            .json(body)
            .send()
            .await
            .map_err(|e| format!("mock {path}: {e}"))?;
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!("mock {path} answered {status}: {v}"));
        }
        Ok(v)
    }

    pub async fn mock_get(&self, path: &str) -> Result<Value> {
        self.http
            .get(format!("{}{path}", self.mock.url))
            .send()
            .await
            .map_err(|e| format!("mock {path}: {e}"))?
            .json()
            .await
            .map_err(|e| format!("mock {path}: {e}"))
    }

    /// Reset the mock's state and journal, and set its latency and where webhooks go.
    pub async fn prepare_mock(&self, latency_ms: u64, webhooks_to_worker: bool) -> Result<()> {
        self.mock_post("/_mock/reset", &json!({})).await?;
        let url = webhooks_to_worker.then(|| format!("{}/v1/popbill/webhook", self.worker.url));
        self.mock_post(
            "/_mock/config",
            &json!({ "latency_ms": latency_ms, "webhook_url": url, "webhook_api_key": WEBHOOK_KEY }),
        )
        .await
        .map(|_| ())
    }

    /// POPBiLL API requests the mock received since the last reset, by call.
    pub async fn upstream_requests(&self) -> Result<Upstream> {
        let journal = self.mock_get("/_mock/journal").await?;
        let mut by_call = BTreeMap::new();
        for e in journal.as_array().ok_or("the journal is an array")? {
            let path = e["path"].as_str().unwrap_or("");
            let call = match (e["method"].as_str(), e["override"].as_str()) {
                (_, Some("BULKISSUE")) => "BulkSubmit",
                (_, Some("ISSUE")) => "RegistIssue",
                (Some("GET"), _) if path.starts_with("/Cashbill/BULK/") => "GetBulkResult",
                (Some("POST"), _) if path == "/Cashbill/States" => "GetInfos",
                (Some("GET"), _) if path.starts_with("/Cashbill/") => "GetInfo",
                (_, _) if path.ends_with("/Token") => "Token",
                (_, _) if path == "/Time" => "Time",
                _ => "other",
            };
            *by_call.entry(call).or_insert(0usize) += 1;
        }
        Ok(Upstream { by_call })
    }

    /// Every receipt of the mock's current run, keyed by mgtKey: issued (`state_code` 300+)?
    pub async fn mock_issued_count(&self) -> Result<usize> {
        let state = self.mock_get("/_mock/state").await?;
        Ok(state["cashbills"]
            .as_array()
            .map(|a| a.iter().filter(|c| c["state_code"].is_number()).count())
            .unwrap_or(0))
    }

    pub async fn submission(&self, id: &str) -> Result<Value> {
        let resp = self
            .http
            .get(format!("{}/v1/submissions/{id}", self.worker.url))
            .bearer_auth(API_TOKEN)
            .send()
            .await
            .map_err(|e| format!("GET submission {id}: {e}"))?;
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        if status != 200 {
            return Err(format!("GET submission {id}: {status} {v}"));
        }
        Ok(v)
    }

    /// How many receipts of submission `id` the Worker shows with `status`.
    pub async fn count_with_status(&self, id: &str, status: &str) -> Result<u64> {
        let v = self.submission(id).await?;
        Ok(v["counts"][status].as_u64().unwrap_or(0))
    }
}

/// Upstream (POPBiLL API) requests, from the mock's journal.
#[derive(Debug, Clone, Default)]
pub struct Upstream {
    pub by_call: BTreeMap<&'static str, usize>,
}

impl Upstream {
    pub fn total(&self) -> usize {
        self.by_call.values().sum()
    }

    pub fn get(&self, call: &str) -> usize {
        self.by_call.get(call).copied().unwrap_or(0)
    }

    /// `BulkSubmit 100, Token 1`
    pub fn describe(&self) -> String {
        self.by_call
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A trade time the mock accepts now: a minute ago, KST, `yyyyMMddHHmmss`.
pub fn trade_dt() -> String {
    let kst = chrono::FixedOffset::east_opt(9 * 3600).expect("KST is a valid offset");
    (chrono::Utc::now() - chrono::Duration::seconds(60))
        .with_timezone(&kst)
        .format("%Y%m%d%H%M%S")
        .to_string()
}

/// One valid cash receipt in POPBiLL's field names.
pub fn cashbill(mgt_key: &str, trade_dt: &str) -> Value {
    json!({
        "mgtKey": mgt_key, "tradeDT": trade_dt, "tradeType": "승인거래", "tradeUsage": "소득공제용",
        "taxationType": "과세", "totalAmount": "11000", "supplyCost": "10000", "tax": "1000",
        "serviceFee": "0", "franchiseCorpNum": CORP, "identityNum": "01012345678", "itemName": "coffee"
    })
}

/// A merchant's submission of receipts `{prefix}-0` … `{prefix}-{n-1}`.
pub fn submission(submit_id: &str, prefix: &str, n: usize, trade_dt: &str) -> Value {
    let cashbills: Vec<Value> = (0..n)
        .map(|i| cashbill(&format!("{prefix}-{i}"), trade_dt))
        .collect();
    json!({ "submitID": submit_id, "cashbills": cashbills })
}

/// Answers other than the expected one, as `status body` (first of each kind kept), for the
/// report: under load the local stack sometimes answers 5xx.
static FAILURES: std::sync::Mutex<Vec<(String, usize)>> = std::sync::Mutex::new(Vec::new());

pub fn note_failure(status: u16, body: &str) {
    let text = format!(
        "{status} {}",
        body.chars()
            .take(160)
            .collect::<String>()
            .replace('\n', " ")
    );
    let mut all = FAILURES.lock().unwrap_or_else(|e| e.into_inner());
    match all.iter_mut().find(|(t, _)| *t == text) {
        Some((_, n)) => *n += 1,
        None => all.push((text, 1)),
    }
}

/// Every unexpected answer so far and how often it came.
pub fn failures() -> Vec<(String, usize)> {
    FAILURES.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Send a submission until the Worker answers it `accepted`. After a 5xx the same request is
/// sent again, as the merchant API allows (the same submitID and content return the stored
/// submission, and finish a send left unresolved). Returns how many resends it took.
pub async fn submit_accepted(http: &reqwest::Client, url: &str, body: &Value) -> Result<usize> {
    const ATTEMPTS: usize = 4;
    for attempt in 0..ATTEMPTS {
        let resp = http
            .post(format!("{url}/v1/submissions"))
            .bearer_auth(API_TOKEN)
            .json(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if matches!(status, 200 | 202) && v["state"] == "accepted" {
            return Ok(attempt);
        }
        note_failure(status, &text);
        if status < 500 || attempt + 1 == ATTEMPTS {
            return Err(format!("{} answered {status} {text}", body["submitID"]));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    unreachable!("the loop returns on its last attempt")
}
