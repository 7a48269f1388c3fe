//! One `spawn_app()` per test: the mock on port 0 with a oneshot shutdown, a reqwest client, one
//! method per endpoint, and a tiny webhook receiver with scripted answers.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use mock_server::Config;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const START: &str = "2025-07-11T10:00:00+09:00";
pub const SECRET: &str = mock_server::config::DEV_SECRET_KEY;

pub struct TestApp {
    pub url: String,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// The test configuration: frozen clock at [`START`], long-lived tokens.
pub fn config() -> Config {
    Config {
        start: Some(chrono::DateTime::parse_from_rfc3339(START).unwrap()),
        token_ttl: Duration::from_secs(30 * 86_400),
        webhook_timeout: Duration::from_secs(2),
        ..Config::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(config()).await
}

pub async fn spawn_with(config: Config) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(mock_server::run(listener, config, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    TestApp {
        url,
        http,
        stop: Some(stop),
    }
}

pub fn digest(body: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(Sha1::digest(body))
}

pub fn cashbill(key: &str) -> Value {
    json!({"mgtKey": key, "tradeType": "승인거래", "tradeUsage": "소득공제용", "taxationType": "과세",
           "totalAmount": "11000", "supplyCost": "10000", "tax": "1000", "serviceFee": "0",
           "franchiseCorpNum": "1234567890", "identityNum": "01012345678", "itemName": "Coffee"})
}

pub fn with(mut c: Value, field: &str, value: Value) -> Value {
    c[field] = value;
    c
}

/// A status and a JSON body (Null when the body is not JSON).
pub type Answer = (u16, Value);

async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let bytes = r.bytes().await.unwrap_or_default();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

impl TestApp {
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// The simulated time as Linkhub's `/Time` gives it.
    pub async fn linkhub_time(&self) -> String {
        self.http
            .get(self.at("/Time"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A correctly signed token request at the simulated time (Java/Node body form).
    pub async fn token_request(&self) -> reqwest::RequestBuilder {
        let body = r#"{"access_id":"1234567890","scope":["member","140"]}"#;
        let date = self.linkhub_time().await;
        let sig =
            popbill::linkhub::sign(SECRET, body.as_bytes(), &date, None, "/POPBILL_TEST/Token")
                .unwrap();
        self.http
            .post(self.at("/POPBILL_TEST/Token"))
            .header("x-lh-date", date)
            .header("x-lh-version", "2.0")
            .header("authorization", format!("LINKHUB DEVLINK {sig}"))
            .header("content-type", "Application/json")
            .body(body)
    }

    pub async fn token(&self) -> String {
        let (status, v) = answer(self.token_request().await.send().await.unwrap()).await;
        assert_eq!(status, 200, "{v}");
        v["session_token"].as_str().unwrap().to_owned()
    }

    /// BulkSubmit with a correct digest.
    pub fn bulk_request(&self, tok: &str, submit_id: &str, body: &[u8]) -> reqwest::RequestBuilder {
        self.bulk_request_with(tok, Some(submit_id), Some(digest(body)), body)
    }

    /// BulkSubmit with the given SubmitID and digest headers (absent when `None`).
    pub fn bulk_request_with(
        &self,
        tok: &str,
        submit_id: Option<&str>,
        digest: Option<String>,
        body: &[u8],
    ) -> reqwest::RequestBuilder {
        let mut r = self
            .http
            .post(self.at("/Cashbill"))
            .header("authorization", format!("Bearer {tok}"))
            .header("x-http-method-override", "BULKISSUE")
            .header("content-type", "application/json;charset=utf-8")
            .body(body.to_vec());
        if let Some(id) = submit_id {
            r = r.header("x-pb-submit-id", id);
        }
        if let Some(d) = digest {
            r = r.header("x-pb-message-digest", d);
        }
        r
    }

    pub async fn bulk_submit(&self, tok: &str, submit_id: &str, cashbills: Vec<Value>) -> Answer {
        let body = serde_json::to_vec(&json!({ "cashbills": cashbills })).unwrap();
        self.send(self.bulk_request(tok, submit_id, &body)).await
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        answer(req.send().await.unwrap()).await
    }

    pub async fn get_bulk_result(&self, tok: &str, submit_id: &str) -> Answer {
        self.send(
            self.http
                .get(self.at(&format!("/Cashbill/BULK/{submit_id}/State")))
                .header("authorization", format!("Bearer {tok}")),
        )
        .await
    }

    pub async fn get_info(&self, tok: &str, mgt_key: &str) -> Answer {
        self.send(
            self.http
                .get(self.at(&format!("/Cashbill/{mgt_key}")))
                .header("authorization", format!("Bearer {tok}")),
        )
        .await
    }

    pub async fn get_infos(&self, tok: &str, keys: Value) -> Answer {
        self.send(
            self.http
                .post(self.at("/Cashbill/States"))
                .header("authorization", format!("Bearer {tok}"))
                .json(&keys),
        )
        .await
    }

    pub async fn regist_issue(&self, tok: &str, cashbill: Value) -> Answer {
        self.send(
            self.http
                .post(self.at("/Cashbill"))
                .header("authorization", format!("Bearer {tok}"))
                .header("x-http-method-override", "ISSUE")
                .json(&cashbill),
        )
        .await
    }

    /// RevokeRegistIssue: `POST /Cashbill` + `REVOKEISSUE` with a raw body.
    pub async fn revoke_raw(&self, tok: &str, body: impl Into<reqwest::Body>) -> Answer {
        self.send(
            self.http
                .post(self.at("/Cashbill"))
                .header("authorization", format!("Bearer {tok}"))
                .header("x-http-method-override", "REVOKEISSUE")
                .header("content-type", "application/json;charset=utf-8")
                .body(body),
        )
        .await
    }

    pub async fn revoke_regist_issue(&self, tok: &str, body: Value) -> Answer {
        self.revoke_raw(tok, serde_json::to_vec(&body).unwrap())
            .await
    }

    pub async fn control_get(&self, path: &str) -> Value {
        let (s, v) = self.send(self.http.get(self.at(path))).await;
        assert_eq!(s, 200, "GET {path}: {v}");
        v
    }

    pub async fn control_post(&self, path: &str, body: Value) -> Answer {
        self.send(self.http.post(self.at(path)).json(&body)).await
    }

    pub async fn advance(&self, seconds: f64) -> Value {
        let (s, v) = self
            .control_post("/_mock/clock/advance", json!({ "seconds": seconds }))
            .await;
        assert_eq!(s, 200, "{v}");
        v
    }

    pub async fn advance_to(&self, to: &str) -> Value {
        let (s, v) = self
            .control_post("/_mock/clock/advance", json!({ "to": to }))
            .await;
        assert_eq!(s, 200, "{v}");
        v
    }

    pub async fn set_config(&self, patch: Value) {
        let (s, v) = self.control_post("/_mock/config", patch).await;
        assert_eq!(s, 200, "{v}");
    }

    pub async fn fault(&self, spec: Value) -> u64 {
        let (s, v) = self.control_post("/_mock/faults", spec).await;
        assert_eq!(s, 200, "{v}");
        v["id"].as_u64().unwrap()
    }

    pub async fn webhook_fault(&self, spec: Value) {
        let (s, v) = self.control_post("/_mock/webhook-faults", spec).await;
        assert_eq!(s, 200, "{v}");
    }

    pub async fn journal(&self) -> Vec<Value> {
        self.control_get("/_mock/journal")
            .await
            .as_array()
            .unwrap()
            .clone()
    }

    pub async fn webhook_log(&self) -> Vec<Value> {
        self.control_get("/_mock/webhooks")
            .await
            .as_array()
            .unwrap()
            .clone()
    }

    pub async fn state(&self) -> Value {
        self.control_get("/_mock/state").await
    }
}

/// One webhook the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: http::HeaderMap,
    pub body: Value,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A local webhook receiver: records every request and answers from a script, then `200 OK`.
pub struct Receiver {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<(u16, &'static str)>>>,
    _stop: oneshot::Sender<()>,
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let script: Arc<Mutex<VecDeque<(u16, &'static str)>>> = Arc::default();
        let (stop, mut stopped) = oneshot::channel::<()>();
        let (rec, scr) = (received.clone(), script.clone());
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    Ok((stream, _)) = listener.accept() => {
                        let (rec, scr) = (rec.clone(), scr.clone());
                        tokio::spawn(async move {
                            let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                                let (rec, scr) = (rec.clone(), scr.clone());
                                async move {
                                    let (parts, body) = req.into_parts();
                                    let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                                    rec.lock().unwrap().push(Received {
                                        headers: parts.headers,
                                        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                                    });
                                    let (status, text) = scr.lock().unwrap().pop_front().unwrap_or((200, "OK"));
                                    let mut resp = hyper::Response::new(Full::new(Bytes::from(text)));
                                    *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                                    Ok::<_, std::convert::Infallible>(resp)
                                }
                            });
                            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
                        });
                    }
                }
            }
        });
        Receiver {
            url,
            received,
            script,
            _stop: stop,
        }
    }

    /// The next answers, in order (then `200 OK` again).
    pub fn answer_with(&self, answers: &[(u16, &'static str)]) {
        self.script.lock().unwrap().extend(answers.iter().copied());
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn of_type(&self, event_type: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.body["eventType"] == event_type)
            .collect()
    }
}

/// The mock with webhooks going to a fresh receiver.
pub async fn spawn_with_receiver() -> (TestApp, Receiver) {
    let receiver = Receiver::start().await;
    let app = spawn_with(Config {
        webhook_url: Some(receiver.url.clone()),
        webhook_api_key: Some("test-key".into()),
        ..config()
    })
    .await;
    (app, receiver)
}
