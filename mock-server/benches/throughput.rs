//! Throughput of the mock: `cargo bench -p mock-server --bench throughput`.
//!
//! Starts the mock in-process on 127.0.0.1 (multi-thread runtime), drives it with 64 concurrent
//! keep-alive connections (hyper client), and prints requests/s, p50 and p99 for GetBulkResult
//! (a completed 100-receipt submission, and a 1-receipt one) and for BulkSubmit with 100 receipts
//! (unique SubmitIDs and mgtKeys; bodies and digests prepared before timing). First it measures
//! the memory per stored receipt: RSS growth (/proc/self/status) while 100,000 receipts are issued.
//!
//! Not a test: it prints figures and exits. `BENCH_SECS` (default 5) sets the GetBulkResult run;
//! `BENCH_ONLY=memory|get|bulk` runs one part.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use sha1::{Digest, Sha1};
use tokio::net::TcpStream;

const CONNECTIONS: usize = 64;
const START: &str = "2025-07-11T10:00:00+09:00";

type Sender = http1::SendRequest<Full<Bytes>>;
/// Makes request `i` of connection `c` (`None` = that connection is done).
type MakeRequest = Arc<dyn Fn(usize, usize) -> Option<http::Request<Full<Bytes>>> + Send + Sync>;

async fn connect(addr: &str) -> Sender {
    let stream = TcpStream::connect(addr).await.expect("connect to the mock");
    stream.set_nodelay(true).expect("nodelay");
    let (sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .expect("HTTP/1 handshake");
    tokio::spawn(conn);
    sender
}

/// One request; returns the status.
async fn send(sender: &mut Sender, req: http::Request<Full<Bytes>>) -> u16 {
    sender.ready().await.expect("connection ready");
    let resp = sender.send_request(req).await.expect("an answer");
    let status = resp.status().as_u16();
    let _ = resp.into_body().collect().await.expect("a body");
    status
}

fn digest(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha1::digest(body))
}

fn cashbill(key: &str) -> String {
    format!(
        r#"{{"mgtKey":"{key}","tradeType":"승인거래","tradeUsage":"소득공제용","taxationType":"과세","totalAmount":"11000","supplyCost":"10000","tax":"1000","serviceFee":"0","franchiseCorpNum":"1234567890","identityNum":"01012345678","itemName":"Coffee","customerName":"Kim"}}"#
    )
}

fn bulk_body(prefix: &str, n: usize) -> Vec<u8> {
    let items: Vec<String> = (0..n).map(|i| cashbill(&format!("{prefix}-{i}"))).collect();
    format!(r#"{{"cashbills":[{}]}}"#, items.join(",")).into_bytes()
}

struct Mock {
    addr: String,
    token: String,
    http: reqwest::Client,
}

impl Mock {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn bulk_request(&self, submit_id: &str, body: Bytes) -> http::Request<Full<Bytes>> {
        http::Request::post(self.url("/Cashbill"))
            .header("host", &self.addr)
            .header("authorization", format!("Bearer {}", self.token))
            .header("x-http-method-override", "BULKISSUE")
            .header("x-pb-submit-id", submit_id)
            .header("x-pb-message-digest", digest(&body))
            .header("content-type", "application/json")
            .body(Full::new(body))
            .expect("a valid request")
    }

    async fn control(&self, path: &str, body: serde_json::Value) {
        let r = self.http.post(self.url(path)).json(&body).send().await;
        assert_eq!(r.expect("control call").status(), 200, "{path}");
    }
}

async fn start_mock() -> Mock {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address").to_string();
    let config = mock_server::Config {
        start: Some(chrono::DateTime::parse_from_rfc3339(START).expect("start")),
        token_ttl: Duration::from_secs(365 * 86_400),
        ..mock_server::Config::default()
    };
    tokio::spawn(mock_server::run(listener, config, std::future::pending()));
    let http = reqwest::Client::new();
    let body = r#"{"access_id":"1234567890","scope":["member","140"]}"#;
    let date = http
        .get(format!("http://{addr}/Time"))
        .send()
        .await
        .expect("/Time")
        .text()
        .await
        .expect("time");
    let sig = popbill::linkhub::sign(
        mock_server::config::DEV_SECRET_KEY,
        body.as_bytes(),
        &date,
        None,
        "/POPBILL_TEST/Token",
    )
    .expect("sign");
    let v: serde_json::Value = http
        .post(format!("http://{addr}/POPBILL_TEST/Token"))
        .header("x-lh-date", date)
        .header("x-lh-version", "2.0")
        .header("authorization", format!("LINKHUB DEVLINK {sig}"))
        .body(body)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    let token = v["session_token"].as_str().expect("a token").to_owned();
    Mock { addr, token, http }
}

struct Figures {
    requests: usize,
    elapsed: Duration,
    latencies_us: Vec<u32>,
}

impl Figures {
    fn print(&mut self, what: &str) {
        self.latencies_us.sort_unstable();
        let pct = |p: f64| {
            let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
            f64::from(self.latencies_us[i]) / 1000.0
        };
        println!(
            "{what:<40} {:>8.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} requests, {:.1} s)",
            self.requests as f64 / self.elapsed.as_secs_f64(),
            pct(0.50),
            pct(0.99),
            self.requests,
            self.elapsed.as_secs_f64()
        );
    }
}

/// `CONNECTIONS` connections, each sending its own list of requests or repeating one for `secs`.
async fn hammer(mock: &Arc<Mock>, make: MakeRequest, secs: Option<Duration>) -> Figures {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CONNECTIONS {
        let (mock, make) = (mock.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(&mock.addr).await;
            let mut lat = Vec::new();
            let mut i = 0;
            loop {
                if secs.is_some_and(|s| started.elapsed() >= s) {
                    break;
                }
                let Some(req) = make(c, i) else { break };
                let t = Instant::now();
                let status = send(&mut sender, req).await;
                assert_eq!(status, 200, "connection {c} request {i}");
                lat.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
                i += 1;
            }
            lat
        }));
    }
    let mut latencies_us = Vec::new();
    for t in tasks {
        latencies_us.extend(t.await.expect("a client task"));
    }
    Figures {
        requests: latencies_us.len(),
        elapsed: started.elapsed(),
        latencies_us,
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn run() {
    let secs = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5u64);
    // BENCH_ONLY=memory|get|bulk runs one part (profiling); default: all.
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let part = |name: &str| only.is_empty() || only == name;
    let mock = Arc::new(start_mock().await);
    println!(
        "popbill-mock throughput: {CONNECTIONS} keep-alive connections, {} worker threads",
        tokio::runtime::Handle::current().metrics().num_workers()
    );

    // Memory per stored receipt first, on a fresh heap: issue 100,000 receipts in rounds of
    // 10,000 (submit, then process), and compare the resident set before and after.
    if part("memory") {
        let before = rss_kib();
        let mut sender = connect(&mock.addr).await;
        for round in 0..10 {
            for s in 0..100 {
                let id = format!("M{round}-{s}");
                let body = Bytes::from(bulk_body(&id, 100));
                assert_eq!(send(&mut sender, mock.bulk_request(&id, body)).await, 200);
            }
            mock.control("/_mock/clock/advance", serde_json::json!({"seconds": 5}))
                .await;
        }
        let after = rss_kib();
        let receipts = 100_000u64;
        println!(
            "memory per stored receipt: {:.0} bytes (RSS {} KiB -> {} KiB for {receipts} issued receipts, journal and submissions included)",
            (after.saturating_sub(before) * 1024) as f64 / receipts as f64,
            before,
            after
        );
    }
    mock.control("/_mock/reset", serde_json::json!({})).await;

    // GetBulkResult on completed submissions of 100 and of 1 receipts.
    for (id, n) in [("GBR-100", 100), ("GBR-1", 1)] {
        let body = Bytes::from(bulk_body(id, n));
        let mut s = connect(&mock.addr).await;
        assert_eq!(send(&mut s, mock.bulk_request(id, body)).await, 200);
    }
    mock.control("/_mock/clock/advance", serde_json::json!({"seconds": 5}))
        .await;
    for (id, label) in [
        ("GBR-100", "GetBulkResult (100 receipts, ~25 KB)"),
        ("GBR-1", "GetBulkResult (1 receipt)"),
    ] {
        let m = mock.clone();
        let path = m.url(&format!("/Cashbill/BULK/{id}/State"));
        let make = Arc::new(move |_c: usize, _i: usize| {
            Some(
                http::Request::get(path.as_str())
                    .header("host", &m.addr)
                    .header("authorization", format!("Bearer {}", m.token))
                    .body(Full::new(Bytes::new()))
                    .expect("a valid request"),
            )
        });
        if part("get") {
            hammer(&mock, make, Some(Duration::from_secs(secs)))
                .await
                .print(label);
        }
    }

    // BulkSubmit with 100 receipts: bodies and digests made before timing.
    if !part("bulk") {
        return;
    }
    let per_conn = 256;
    let mut prepared: Vec<Vec<(String, Bytes, String)>> = Vec::new();
    for c in 0..CONNECTIONS {
        let mut mine = Vec::new();
        for i in 0..per_conn {
            let id = format!("B{c}-{i}");
            let body = bulk_body(&id, 100);
            let d = digest(&body);
            mine.push((id, Bytes::from(body), d));
        }
        prepared.push(mine);
    }
    let prepared = Arc::new(prepared);
    let m = mock.clone();
    let make = Arc::new(move |c: usize, i: usize| {
        let (id, body, d) = prepared[c].get(i)?;
        Some(
            http::Request::post(m.url("/Cashbill"))
                .header("host", &m.addr)
                .header("authorization", format!("Bearer {}", m.token))
                .header("x-http-method-override", "BULKISSUE")
                .header("x-pb-submit-id", id.as_str())
                .header("x-pb-message-digest", d.as_str())
                .header("content-type", "application/json")
                .body(Full::new(body.clone()))
                .expect("a valid request"),
        )
    });
    hammer(&mock, make, None)
        .await
        .print("BulkSubmit (100 receipts, ~27 KB)");
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    rt.block_on(run());
}
