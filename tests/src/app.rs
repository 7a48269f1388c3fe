//! `TestApp`: the mock and the Worker wired to each other, with one method per endpoint.

use std::time::Duration;

use serde_json::{Value, json};

use crate::mock::MockPopbill;
use crate::worker::{WorkerConfig, WorkerProcess};

pub const API_TOKEN: &str = "e2e-api-token-0123456789";
pub const WEBHOOK_KEY: &str = "e2e-webhook-key-0123456789";
pub const CORP: &str = "1234567890";
/// The simulated clock starts here (KST), frozen; tests move it explicitly.
pub const START: &str = "2025-07-11T10:00:00+09:00";
/// A tradeDT valid on the start day.
pub const TRADE_DT: &str = "20250711100000";

pub struct TestApp {
    pub mock: MockPopbill,
    pub worker: WorkerProcess,
    pub http: reqwest::Client,
    /// The Worker's settings, kept for restarts.
    pub config: WorkerConfig,
}

/// Start the mock, then the Worker pointed at it, then point the mock's webhooks at the Worker.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(0).await
}

/// The same with the mock's seed (identifiers, fault draws) set.
pub async fn spawn_app_with(seed: u64) -> TestApp {
    let start = chrono::DateTime::parse_from_rfc3339(START).expect("START is RFC 3339");
    spawn_app_on(mock_server::Config {
        start: Some(start),
        seed,
        ..Default::default()
    })
    .await
}

/// The Worker in front of a mock started with `config`.
pub async fn spawn_app_on(config: mock_server::Config) -> TestApp {
    spawn_app_configured(config, |c| c).await
}

/// The same, with the Worker's settings changed by `configure` (merchant notifications, …).
pub async fn spawn_app_configured(
    config: mock_server::Config,
    configure: impl FnOnce(WorkerConfig) -> WorkerConfig,
) -> TestApp {
    let mock = MockPopbill::start_with(config).await;
    let config = configure(worker_config(&mock));
    let worker = WorkerProcess::start(config.clone()).await;
    let app = TestApp {
        mock,
        worker,
        http: reqwest::Client::new(),
        config,
    };
    app.point_webhooks_at_worker().await;
    app
}

pub fn worker_config(mock: &MockPopbill) -> WorkerConfig {
    WorkerConfig::wired_to(mock, CORP, API_TOKEN, WEBHOOK_KEY)
        .var("TIME_SOURCE", "linkhub")
        // The tests drive polling through the cron, deterministically.
        .var("POLL_AFTER_SUBMIT_SECS", "0")
}

/// One valid cash receipt in POPBiLL's field names.
pub fn cashbill(mgt_key: &str) -> Value {
    json!({
        "mgtKey": mgt_key, "tradeDT": TRADE_DT, "tradeType": "승인거래", "tradeUsage": "소득공제용",
        "taxationType": "과세", "totalAmount": "11000", "supplyCost": "10000", "tax": "1000",
        "serviceFee": "0", "franchiseCorpNum": CORP, "identityNum": "01012345678", "itemName": "coffee"
    })
}

pub fn batch(submit_id: &str, keys: &[String]) -> Value {
    json!({ "submitID": submit_id, "cashbills": keys.iter().map(|k| cashbill(k)).collect::<Vec<_>>() })
}

pub fn keys(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}")).collect()
}

pub(crate) async fn answer(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

impl TestApp {
    pub async fn point_webhooks_at_worker(&self) {
        let url = format!("{}/v1/popbill/webhook", self.worker.url);
        self.mock_post(
            "/_mock/config",
            &json!({ "webhook_url": url, "webhook_api_key": WEBHOOK_KEY }),
        )
        .await;
    }

    pub async fn submit(&self, body: &Value) -> (u16, Value) {
        let req = self
            .http
            .post(format!("{}/v1/submissions", self.worker.url))
            .bearer_auth(API_TOKEN)
            .json(body);
        answer(req.send().await.expect("the Worker answers")).await
    }

    pub async fn submission(&self, id: &str) -> (u16, Value) {
        let req = self
            .http
            .get(format!("{}/v1/submissions/{id}", self.worker.url))
            .bearer_auth(API_TOKEN);
        answer(req.send().await.expect("the Worker answers")).await
    }

    pub async fn cashbill(&self, mgt_key: &str) -> (u16, Value) {
        let req = self
            .http
            .get(format!("{}/v1/cashbills/{mgt_key}", self.worker.url))
            .bearer_auth(API_TOKEN);
        answer(req.send().await.expect("the Worker answers")).await
    }

    /// Any request to the Worker, for hostile-input tests.
    pub async fn raw(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        answer(req.send().await.expect("the Worker answers")).await
    }

    /// Run the Worker's cron handler once (wrangler dev --test-scheduled) and wait for it.
    pub async fn cron(&self) {
        let url = self.worker.cron_url();
        let resp = self.http.get(url).send().await.expect("the Worker answers");
        assert!(
            resp.status().is_success(),
            "cron handler failed: {}",
            resp.status()
        );
    }

    pub async fn mock_post(&self, path: &str, body: &Value) -> Value {
        let resp = self
            .http
            .post(format!("{}{path}", self.mock.url))
            .json(body)
            .send()
            .await
            .expect("the mock answers");
        let (status, value) = answer(resp).await;
        assert!(status < 300, "mock {path} answered {status}: {value}");
        value
    }

    pub async fn mock_get(&self, path: &str) -> Value {
        let resp = self
            .http
            .get(format!("{}{path}", self.mock.url))
            .send()
            .await
            .expect("the mock answers");
        answer(resp).await.1
    }

    /// Move the simulated clock; everything due runs (webhooks included) before this returns.
    pub async fn advance(&self, seconds: u64) -> Value {
        self.mock_post("/_mock/clock/advance", &json!({ "seconds": seconds }))
            .await
    }

    /// Move the simulated clock to a KST time `yyyyMMddHHmmss`.
    pub async fn advance_to(&self, kst: &str) -> Value {
        self.mock_post("/_mock/clock/advance", &json!({ "to": kst }))
            .await
    }

    /// Statuses of a submission's receipts, in order.
    pub async fn statuses(&self, id: &str) -> Vec<String> {
        let (status, v) = self.submission(id).await;
        assert_eq!(status, 200, "{v}");
        v["cashbills"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| c["status"].as_str().unwrap_or("?").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Poll the Worker until `id`'s receipts all have `want` (KV reads may lag a little).
    pub async fn wait_all(&self, id: &str, want: &str) {
        let what = format!("every receipt of {id} to be {want}");
        crate::wait_for(&what, Duration::from_secs(20), || async {
            let s = self.statuses(id).await;
            (!s.is_empty() && s.iter().all(|x| x == want)).then_some(())
        })
        .await;
    }

    /// Stop the Worker and start it again on the same local KV (a deploy or a crash).
    pub async fn restart_worker(&mut self) {
        self.worker.restart(self.config.clone()).await;
        self.point_webhooks_at_worker().await;
    }
}

impl TestApp {
    /// Poll until the receipts' statuses are exactly `want`, in order.
    pub async fn wait_all_statuses(&self, id: &str, want: &[&str]) {
        let what = format!("{id} to reach {want:?}");
        crate::wait_for(&what, Duration::from_secs(20), || async {
            let s = self.statuses(id).await;
            (s == want).then_some(())
        })
        .await;
    }
}

impl TestApp {
    /// A fingerprint of the Worker's local KV (every file under its persist folder, by path and
    /// content hash; SQLite's shared-memory index, which reads touch, is left out): equal
    /// fingerprints mean nothing was written.
    pub fn kv_fingerprint(&self) -> Vec<(String, u64)> {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, u64)>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, root, out);
                } else if p.extension().is_none_or(|x| x != "log")
                    && !p.to_string_lossy().ends_with("-shm")
                {
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    std::fs::read(&p).unwrap_or_default().hash(&mut h);
                    let name = p.strip_prefix(root).unwrap_or(&p).display().to_string();
                    out.push((name, h.finish()));
                }
            }
        }
        let root = self.worker.persist.path().join("state");
        let mut out = Vec::new();
        walk(&root, &root, &mut out);
        out.sort();
        out
    }
}
