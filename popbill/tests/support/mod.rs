//! One fake POPBiLL per test: a Linkhub auth server and an API server (wiremock), a manual
//! clock, and a client wired to them with short timeouts.
#![allow(dead_code)] // each test binary uses its own part of this module

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use popbill::native::NativeTransport;
use popbill::time::format_linkhub_utc;
use popbill::wire::Cashbill;
use popbill::{Client, Config, CorpNum, ManualClock, MgtKey, SubmitId};
use sha1::{Digest, Sha1};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub const LINK_ID: &str = "TESTER";
/// The protocol document's made-up key (docs/PROTOCOL.md §1.3).
pub const SECRET: &str = "bW9jay1zZWNyZXQta2V5LTAxMjM0NTY3ODlhYmNkZWY=";
pub const CORP: &str = "1234567890";
/// 2025-07-11T03:00:00Z, noon in Seoul.
pub const NOW_MS: i64 = 1_752_202_800_000;
pub const HOUR_MS: i64 = 3_600_000;

pub type TestClient = Client<NativeTransport, Arc<ManualClock>>;

pub struct TestPopbill {
    pub auth: MockServer,
    pub api: MockServer,
    pub clock: Arc<ManualClock>,
}

impl TestPopbill {
    pub async fn start() -> Self {
        TestPopbill {
            auth: MockServer::start().await,
            api: MockServer::start().await,
            clock: Arc::new(ManualClock::new(NOW_MS)),
        }
    }

    pub fn config(&self) -> Config {
        Config::test(LINK_ID, SECRET).with_base_urls(self.api.uri(), self.auth.uri())
    }

    /// A client with a 300 ms request timeout (the delay tests wait past it).
    pub fn client(&self) -> TestClient {
        self.client_with(self.config())
    }

    pub fn client_with(&self, config: Config) -> TestClient {
        Client::new(config, transport(), self.clock.clone())
    }

    /// Linkhub answers every token request with `token`, valid until `expires_at`.
    pub async fn token(&self, token: &str, expires_at: i64, expect: u64) {
        token_mock(token, expires_at)
            .expect(expect)
            .named(format!("token {token}"))
            .mount(&self.auth)
            .await;
    }

    /// Linkhub answers the next token request only (for a sequence of different tokens).
    pub async fn token_once(&self, token: &str, expires_at: i64) {
        token_mock(token, expires_at)
            .up_to_n_times(1)
            .expect(1)
            .named(format!("token {token}"))
            .mount(&self.auth)
            .await;
    }

    /// POPBiLL answers `http_method at` with `answer`, expected exactly `expect` times.
    pub async fn api_answers(
        &self,
        http_method: &str,
        at: &str,
        answer: ResponseTemplate,
        expect: u64,
    ) {
        Mock::given(method(http_method))
            .and(path(at))
            .respond_with(answer)
            .expect(expect)
            .named(format!("{http_method} {at}"))
            .mount(&self.api)
            .await;
    }

    /// Linkhub's `GET /Time` answers `body` as plain text, expected exactly `expect` times.
    pub async fn linkhub_time(&self, body: &str, expect: u64) {
        Mock::given(method("GET"))
            .and(path("/Time"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body.to_owned(), "text/plain"))
            .expect(expect)
            .named("GET /Time")
            .mount(&self.auth)
            .await;
    }

    pub async fn token_requests(&self) -> Vec<Request> {
        self.auth
            .received_requests()
            .await
            .expect("request recording is on")
            .into_iter()
            .filter(|r| r.url.path().ends_with("/Token"))
            .collect()
    }

    pub async fn api_requests(&self) -> Vec<Request> {
        self.api
            .received_requests()
            .await
            .expect("request recording is on")
    }
}

pub fn transport() -> NativeTransport {
    NativeTransport::with_timeouts(Duration::from_millis(500), Duration::from_millis(300))
}

fn token_mock(token: &str, expires_at: i64) -> Mock {
    Mock::given(method("POST"))
        .and(path("/POPBILL_TEST/Token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(token, expires_at)))
}

/// Linkhub's token answer, `expiration` with millis as Java expects it.
pub fn token_body(token: &str, expires_at: i64) -> serde_json::Value {
    serde_json::json!({
        "session_token": token,
        "serviceID": "POPBILL_TEST",
        "linkID": LINK_ID,
        "usercode": "USER",
        "ipaddress": "127.0.0.1",
        "expiration": iso_millis(expires_at),
        "scope": ["member", "140"],
    })
}

/// `yyyy-MM-ddTHH:mm:ss.SSSZ`.
pub fn iso_millis(unix_millis: i64) -> String {
    let whole = format_linkhub_utc(unix_millis);
    format!(
        "{}.{:03}Z",
        whole.trim_end_matches('Z'),
        unix_millis.rem_euclid(1000)
    )
}

pub fn corp() -> CorpNum {
    CorpNum::parse(CORP).unwrap()
}

pub fn submit_id(s: &str) -> SubmitId {
    SubmitId::parse(s).unwrap()
}

pub fn mgt_key(s: &str) -> MgtKey {
    MgtKey::parse(s).unwrap()
}

/// A valid 과세 receipt with Korean text (so the body carries multi-byte UTF-8).
pub fn cashbill(n: usize) -> Cashbill {
    Cashbill {
        mgt_key: Some(format!("20250711-{n:03}")),
        trade_dt: Some("20250711100000".into()),
        trade_type: Some("승인거래".into()),
        trade_usage: Some("소득공제용".into()),
        taxation_type: Some("과세".into()),
        total_amount: Some("11000".into()),
        supply_cost: Some("10000".into()),
        tax: Some("1000".into()),
        service_fee: Some("0".into()),
        franchise_corp_num: Some(CORP.into()),
        identity_num: Some("01012345678".into()),
        item_name: Some("아메리카노".into()),
        ..Default::default()
    }
}

pub fn sha1_b64(body: &[u8]) -> String {
    B64.encode(Sha1::digest(body))
}

pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers
        .get(name)
        .map(|v| v.to_str().expect("ASCII header"))
}

/// A bound-then-closed local port: connecting to it is refused.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// A POPBiLL error answer.
pub fn popbill_error(status: u16, code: i64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(serde_json::json!({"code": code, "message": message}))
}
