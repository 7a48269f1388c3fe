//! Core tests: the simulation driven with explicit times (no server, no real clock).

mod auth;
mod calls;
mod codes_table;
mod lifecycle;
mod refunds;
mod routes;
mod search_view;
mod webhooks;

pub(super) use http::Method;
pub(super) use popbill::codes;
pub(super) use serde_json::{Value, json};

pub(super) use crate::sim::bulk::message_digest;
pub(super) use crate::sim::clock::{Now, SimTime, parse_control_time};
pub(super) use crate::sim::config::{self, Config};
pub(super) use crate::sim::request::{ApiRequest, ApiResponse};
pub(super) use crate::sim::{Attempt, Outgoing, Sim};

pub(super) const T0: &str = "2025-07-11T10:00:00+09:00";

pub(super) fn t0() -> SimTime {
    parse_control_time(T0).unwrap()
}

pub(super) fn sim_with(config: Config) -> Sim {
    Sim::from_config(&config).unwrap()
}

/// A webhook URL and long-lived tokens (tests cross days).
pub(super) fn sim() -> Sim {
    sim_with(Config {
        webhook_url: Some("http://127.0.0.1:9/hook".into()),
        token_ttl: std::time::Duration::from_secs(30 * 86_400),
        ..Config::default()
    })
}

pub(super) fn header(r: &mut ApiRequest, name: &'static str, value: &str) {
    r.headers.insert(name, value.parse().unwrap());
}

pub(super) fn token_request(now: SimTime) -> ApiRequest {
    let body = br#"{"access_id":"1234567890","scope":["member","140"]}"#;
    let date = now.linkhub();
    let c = Config::default();
    let sig =
        popbill::linkhub::sign(&c.secret_key, body, &date, None, "/POPBILL_TEST/Token").unwrap();
    let mut r = ApiRequest::new(Method::POST, "/POPBILL_TEST/Token");
    header(&mut r, "authorization", &format!("LINKHUB DEVLINK {sig}"));
    header(&mut r, "x-lh-date", &date);
    header(&mut r, "x-lh-version", "2.0");
    r.body = body.to_vec().into();
    r
}

pub(super) fn token(sim: &mut Sim, now: SimTime) -> String {
    let resp = sim.handle_raw(&token_request(now), now);
    assert_eq!(resp.status, 200, "{:?}", resp.json_value());
    resp.json_value()["session_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(super) fn cashbill(key: &str) -> Value {
    json!({"mgtKey": key, "tradeType": "승인거래", "tradeUsage": "소득공제용", "taxationType": "과세",
           "totalAmount": "11000", "supplyCost": "10000", "tax": "1000", "serviceFee": "0",
           "franchiseCorpNum": "1234567890", "identityNum": "01012345678", "orderNumber": "order-1"})
}

pub(super) fn bulk(tok: &str, submit_id: &str, cashbills: Vec<Value>) -> ApiRequest {
    let body = serde_json::to_vec(&json!({ "cashbills": cashbills })).unwrap();
    let mut r = ApiRequest::new(Method::POST, "/Cashbill");
    header(&mut r, "authorization", &format!("Bearer {tok}"));
    header(&mut r, "x-http-method-override", "BULKISSUE");
    header(&mut r, "x-pb-submit-id", submit_id);
    header(&mut r, "x-pb-message-digest", &message_digest(&body));
    r.body = body.into();
    r
}

/// RegistIssue of one receipt.
pub(super) fn regist(tok: &str, cashbill: Value) -> ApiRequest {
    let mut r = ApiRequest::new(Method::POST, "/Cashbill");
    header(&mut r, "authorization", &format!("Bearer {tok}"));
    header(&mut r, "x-http-method-override", "ISSUE");
    r.body = serde_json::to_vec(&cashbill).unwrap().into();
    r
}

pub(super) fn get(tok: &str, path: &str) -> ApiRequest {
    let mut r = ApiRequest::new(Method::GET, path);
    header(&mut r, "authorization", &format!("Bearer {tok}"));
    r
}

pub(super) fn infos(tok: &str, keys: &Value) -> ApiRequest {
    let mut r = ApiRequest::new(Method::POST, "/Cashbill/States");
    header(&mut r, "authorization", &format!("Bearer {tok}"));
    r.body = serde_json::to_vec(keys).unwrap().into();
    r
}

/// Run everything due up to `until` (then the held reordered webhooks), answering webhooks
/// with `answer`: the core's bounded drive, each event at its own time (core tests keep no
/// clock of their own).
pub(super) fn drive(
    sim: &mut Sim,
    until: SimTime,
    answer: &mut dyn FnMut(&Outgoing) -> Attempt,
) -> Vec<Outgoing> {
    sim.drive(SimTime::default(), until, answer)
        .expect("the simulation becomes idle")
}

pub(super) fn ok_receiver(_: &Outgoing) -> Attempt {
    Attempt {
        http_status: Some(200),
        ok: true,
        error: None,
    }
}

pub(super) fn body(out: &Outgoing) -> Value {
    serde_json::from_slice(&out.body).unwrap()
}
