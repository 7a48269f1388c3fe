//! Hostile and malformed requests against the refund routes (`POST /v1/refunds`,
//! `GET /v1/refunds/{refundID}`, and a raw 취소거래 on `/v1/submissions`). Each gets a clear 4xx
//! JSON error with its stable code (and, where one problem is the point, its detail's reason);
//! the Worker's KV and the mock's state are the same before and after, and POPBiLL is asked
//! nothing.

use std::time::Duration;

use e2e::app::{API_TOKEN, TestApp, batch, cashbill, keys, spawn_app};
use e2e::refund::{part, refunds, whole};
use reqwest::Method;
use serde_json::{Value, json};

struct Case {
    why: &'static str,
    method: Method,
    path: String,
    token: Option<String>,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
    /// The first detail's reason, when the case is about one.
    reason: Option<&'static str>,
}

fn case(why: &'static str, method: Method, path: &str, status: u16, code: &'static str) -> Case {
    Case {
        why,
        method,
        path: path.into(),
        token: Some(API_TOKEN.into()),
        body: vec![],
        status,
        code,
        reason: None,
    }
}

impl Case {
    fn json(mut self, v: Value) -> Self {
        self.body = serde_json::to_vec(&v).expect("json");
        self
    }
    fn raw(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
    fn token(mut self, token: Option<&str>) -> Self {
        self.token = token.map(str::to_owned);
        self
    }
    fn reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }
}

/// One refund (of the issued original B-0 unless it says otherwise) with `field` set.
fn one(field: &str, value: Value) -> Value {
    let mut r = whole("H-1", "B-0");
    r[field] = value;
    refunds("HOSTILE-R", vec![r])
}

fn cases() -> Vec<Case> {
    use Method as M;
    let path = "/v1/refunds";
    let post = |why, status, code| case(why, M::POST, path, status, code);
    let bad = |why, v: Value, reason| post(why, 422, "invalid_refunds").json(v).reason(reason);
    let many: Vec<Value> = (0..101).map(|i| whole(&format!("H-{i}"), "B-0")).collect();
    let external = |field: &str, value: Value| {
        let mut r = json!({ "mgtKey": "H-1", "orgConfirmNum": "TB0000001", "orgTradeDate": "20250710",
            "identityNum": "01012345678", "tradeUsage": "소득공제용", "taxationType": "과세",
            "supplyCost": "1000", "tax": "100", "serviceFee": "0", "totalAmount": "1100" });
        if value.is_null() {
            r.as_object_mut().expect("an object").remove(field);
        } else {
            r[field] = value;
        }
        refunds("HOSTILE-R", vec![r])
    };
    let mut raw_cancel = cashbill("H-C");
    raw_cancel["tradeType"] = json!("취소거래");
    raw_cancel["orgConfirmNum"] = json!("TB0000001");
    raw_cancel["orgTradeDate"] = json!("20250711");
    vec![
        // Credentials and routes.
        post("no token", 401, "unauthorized")
            .token(None)
            .json(refunds("HOSTILE-R", vec![whole("H-1", "B-0")])),
        post("wrong token", 401, "unauthorized")
            .token(Some("nope"))
            .json(refunds("HOSTILE-R", vec![whole("H-1", "B-0")])),
        case(
            "read without token",
            M::GET,
            "/v1/refunds/E2E-RB-1",
            401,
            "unauthorized",
        )
        .token(None),
        case(
            "unknown refund",
            M::GET,
            "/v1/refunds/NOPE-1",
            404,
            "not_found",
        ),
        case(
            "a refundID no one could use",
            M::GET,
            "/v1/refunds/has%20space",
            404,
            "not_found",
        ),
        case(
            "a refundID too long",
            M::GET,
            &format!("/v1/refunds/{}", "R".repeat(37)),
            404,
            "not_found",
        ),
        case(
            "GET the collection",
            M::GET,
            path,
            405,
            "method_not_allowed",
        ),
        case(
            "DELETE a refund",
            M::DELETE,
            "/v1/refunds/E2E-RB-1",
            405,
            "method_not_allowed",
        ),
        case(
            "POST to a refund",
            M::POST,
            "/v1/refunds/E2E-RB-1",
            405,
            "method_not_allowed",
        ),
        case(
            "a path below a refund",
            M::GET,
            "/v1/refunds/E2E-RB-1/x",
            404,
            "not_found",
        ),
        // Bodies that are not a refund request.
        post("not json", 400, "malformed_json").raw("{nope"),
        post("empty body", 400, "malformed_json"),
        post("an array", 400, "malformed_request").json(json!([whole("H-1", "B-0")])),
        post("a string", 400, "malformed_request").json(json!("refund")),
        post("over 1 MiB", 413, "body_too_large").raw(vec![b' '; 1024 * 1024 + 1]),
        post("no refunds", 422, "no_refunds").json(json!({ "refundID": "HOSTILE-R" })),
        post("null refunds", 422, "no_refunds").json(json!({ "refunds": null })),
        post("empty refunds", 422, "no_refunds").json(json!({ "refunds": [] })),
        post("refunds an object", 422, "invalid_request").json(json!({ "refunds": {} })),
        post("101 refunds", 422, "too_many_refunds").json(json!({ "refunds": many })),
        bad(
            "a submitID instead",
            json!({ "submitID": "S", "refunds": [whole("H-1", "B-0")] }),
            "unknown_field",
        ),
        bad(
            "a refundID with a space",
            json!({ "refundID": "R 1", "refunds": [whole("H-1", "B-0")] }),
            "invalid_format",
        ),
        bad(
            "a numeric refundID",
            json!({ "refundID": 7, "refunds": [whole("H-1", "B-0")] }),
            "invalid_type",
        ),
        bad(
            "a CorpNum not served",
            json!({ "corpNum": "9999999999", "refunds": [whole("H-1", "B-0")] }),
            "not_allowed",
        ),
        bad(
            "a malformed corpNum",
            json!({ "corpNum": "123-45", "refunds": [whole("H-1", "B-0")] }),
            "invalid_format",
        ),
        bad(
            "a refund that is a number",
            json!({ "refunds": [1] }),
            "not_an_object",
        ),
        bad(
            "a refund that is null",
            json!({ "refunds": [null] }),
            "not_an_object",
        ),
        // Fields of the wrong shape.
        bad(
            "no mgtKey",
            json!({ "refunds": [{ "orgMgtKey": "B-0" }] }),
            "missing",
        ),
        bad(
            "a mgtKey too long",
            one("mgtKey", json!("H".repeat(25))),
            "invalid_format",
        ),
        bad(
            "a mgtKey with a slash",
            one("mgtKey", json!("H/1")),
            "invalid_format",
        ),
        bad("a numeric mgtKey", one("mgtKey", json!(1)), "invalid_type"),
        bad(
            "no original",
            json!({ "refunds": [{ "mgtKey": "H-1" }] }),
            "missing",
        ),
        bad(
            "two originals",
            one("orgConfirmNum", json!("TB0000001")),
            "ambiguous_original",
        ),
        bad(
            "an orgMgtKey too long",
            one("orgMgtKey", json!("B".repeat(25))),
            "invalid_format",
        ),
        bad("cancelType 0", one("cancelType", json!(0)), "invalid_type"),
        bad("cancelType 4", one("cancelType", json!(4)), "invalid_type"),
        bad(
            "cancelType a word",
            one("cancelType", json!("two")),
            "invalid_type",
        ),
        bad(
            "isPartCancel a string",
            one("isPartCancel", json!("yes")),
            "invalid_type",
        ),
        bad(
            "an amount as a number",
            one("totalAmount", json!(11000)),
            "invalid_type",
        ),
        bad(
            "a misspelt field",
            one("orgMgtkey", json!("B-0")),
            "unknown_field",
        ),
        bad(
            "tradeDT given",
            one("tradeDT", json!("20250711100000")),
            "unknown_field",
        ),
        bad(
            "the same new mgtKey twice",
            refunds(
                "HOSTILE-R",
                vec![part("H-1", "B-0", 100), part("H-1", "B-0", 100)],
            ),
            "duplicate",
        ),
        bad(
            "an orgConfirmNum of 8",
            external("orgConfirmNum", json!("TB000001")),
            "invalid_format",
        ),
        bad(
            "an orgTradeDate with dashes",
            external("orgTradeDate", json!("2025-07-10")),
            "invalid_format",
        ),
        bad(
            "an orgTradeDate in the future",
            external("orgTradeDate", json!("20250801")),
            "before_original",
        ),
        bad(
            "an external refund without its buyer",
            external("identityNum", Value::Null),
            "missing",
        ),
        bad(
            "an external refund without amounts",
            external("totalAmount", Value::Null),
            "missing",
        ),
        // Refunds the Worker's records refuse.
        bad(
            "an unknown original",
            refunds("HOSTILE-R", vec![whole("H-1", "NOPE")]),
            "original_not_found",
        ),
        bad(
            "a refund of a refund",
            refunds("HOSTILE-R", vec![whole("H-1", "RB-0")]),
            "original_is_cancellation",
        ),
        bad(
            "zero won",
            one("isPartCancel", json!(true)).pipe(|mut v| {
                for f in ["supplyCost", "tax", "serviceFee", "totalAmount"] {
                    v["refunds"][0][f] = json!("0");
                }
                v
            }),
            "zero_amount",
        ),
        bad(
            "a negative amount",
            refunds(
                "HOSTILE-R",
                vec![part("H-1", "B-0", 1000).pipe(|mut v| {
                    v["supplyCost"] = json!("-1000");
                    v
                })],
            ),
            "negative",
        ),
        bad(
            "amounts that do not add up",
            refunds(
                "HOSTILE-R",
                vec![part("H-1", "B-0", 1000).pipe(|mut v| {
                    v["totalAmount"] = json!("1");
                    v
                })],
            ),
            "sum_mismatch",
        ),
        bad(
            "more than remains",
            refunds("HOSTILE-R", vec![part("H-1", "B-0", 9000)]),
            "exceeds_remaining",
        ),
        bad(
            "amounts on a whole refund",
            one("totalAmount", json!("11000")),
            "amounts_not_allowed",
        ),
        bad(
            "another buyer",
            one("identityNum", json!("01099998888")),
            "mismatch",
        ),
        post("a receipt's mgtKey reused", 409, "mgt_key_in_use")
            .json(refunds("HOSTILE-R", vec![whole("B-0", "B-1")]))
            .reason("in_use"),
        post("a refund's mgtKey reused", 409, "mgt_key_in_use")
            .json(refunds("HOSTILE-R", vec![part("RB-0", "B-0", 100)]))
            .reason("in_use"),
        post("an original still being issued", 409, "original_pending")
            .json(refunds("HOSTILE-R", vec![whole("H-1", "PD-0")]))
            .reason("original_pending"),
        post(
            "a refundID used for other content",
            409,
            "refund_id_conflict",
        )
        .json(refunds("E2E-RB-1", vec![part("RB-0", "B-0", 500)])),
        // A raw cancellation receipt where receipts go.
        case(
            "a raw 취소거래 submission",
            M::POST,
            "/v1/submissions",
            422,
            "invalid_cashbills",
        )
        .json(json!({ "submitID": "HOSTILE-S", "cashbills": [raw_cancel] }))
        .reason("use_refund_api"),
    ]
}

trait Pipe: Sized {
    fn pipe(self, f: impl FnOnce(Self) -> Self) -> Self {
        f(self)
    }
}
impl Pipe for Value {}

async fn send(app: &TestApp, c: &Case) -> (u16, Value) {
    let mut req = app
        .http
        .request(c.method.clone(), format!("{}{}", app.worker.url, c.path))
        .timeout(Duration::from_secs(15));
    if let Some(t) = &c.token {
        req = req.bearer_auth(t);
    }
    if !c.body.is_empty() {
        req = req
            .header("content-type", "application/json")
            .body(c.body.clone());
    }
    app.raw(req).await
}

#[tokio::test]
async fn every_hostile_refund_request_gets_a_clear_4xx_and_changes_nothing() {
    let app = spawn_app().await;
    // B-0, B-1 issued (B-0 refunded 2,200 by RB-0, held); PD-0 submitted, not yet processed.
    assert_eq!(
        app.submit(&batch("E2E-RBASE-1", &keys("B", 2))).await.0,
        202
    );
    app.advance(60).await;
    app.wait_all("E2E-RBASE-1", "issued").await;
    let (status, base) = app
        .refund(&refunds("E2E-RB-1", vec![part("RB-0", "B-0", 2000)]))
        .await;
    assert_eq!(status, 202, "{base}");
    assert_eq!(
        app.submit(&batch("E2E-PEND-1", &keys("PD", 1))).await.0,
        202
    );

    let kv_before = app.kv_fingerprint();
    assert!(
        !kv_before.is_empty(),
        "the fingerprint sees the Worker's KV"
    );
    let mock_before = app.mock_get("/_mock/state").await;
    let journal_before = app
        .mock_get("/_mock/journal")
        .await
        .as_array()
        .map_or(0, Vec::len);
    let refund_before = app.refund_request("E2E-RB-1").await;

    let all = cases();
    assert!(all.len() >= 50, "{} cases", all.len());
    let mut failures = Vec::new();
    for c in &all {
        let (status, body) = send(&app, c).await;
        let error = &body["error"];
        let reason = error["details"][0]["reason"].as_str();
        let explained = error["message"].as_str().is_some_and(|m| !m.is_empty());
        if status != c.status
            || error["code"] != c.code
            || !explained
            || c.reason.is_some_and(|r| reason != Some(r))
        {
            let shown: String = body.to_string().chars().take(300).collect();
            failures.push(format!(
                "{}: want {} {} {:?}, got {status} {shown}",
                c.why, c.status, c.code, c.reason
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );

    assert_eq!(app.kv_fingerprint(), kv_before, "the Worker's KV changed");
    let journal = app.mock_get("/_mock/journal").await;
    let asked: Vec<&Value> = journal.as_array().expect("a journal")[journal_before..]
        .iter()
        .filter(|r| r["path"] != "/Time")
        .collect();
    assert!(asked.is_empty(), "the Worker called POPBiLL: {asked:?}");
    let mut mock_after = app.mock_get("/_mock/state").await;
    let mut mock_before = mock_before;
    for s in [&mut mock_after, &mut mock_before] {
        s["burned_submit_ids"].take();
    }
    assert_eq!(mock_after, mock_before, "the mock's state changed");
    assert_eq!(app.refund_request("E2E-RB-1").await, refund_before);
    assert_eq!(
        app.refund_request("HOSTILE-R").await.0,
        404,
        "no hostile refund was stored"
    );
}
