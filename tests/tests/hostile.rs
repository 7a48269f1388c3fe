//! Hostile and malformed requests against every Worker and mock endpoint. Each one gets a clear
//! 4xx JSON error (never a 5xx or a hang), and a state dump before and after shows nothing changed.

use std::time::Duration;

use e2e::app::{API_TOKEN, CORP, TestApp, WEBHOOK_KEY, batch, cashbill, keys, spawn_app};
use popbill::message_digest;
use reqwest::Method;
use serde_json::{Value, json};

/// One hostile request and the answer it must get.
struct Case {
    why: &'static str,
    method: Method,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    status: u16,
    /// The Worker's stable error code (`None` for the mock, which answers POPBiLL's `{code,message}`).
    code: Option<&'static str>,
    /// POPBiLL's code the mock must answer with, when the case pins one.
    popbill: Option<i64>,
}

fn case(
    why: &'static str,
    method: Method,
    path: &str,
    status: u16,
    code: Option<&'static str>,
) -> Case {
    Case {
        why,
        method,
        path: path.into(),
        headers: vec![],
        body: vec![],
        status,
        code,
        popbill: None,
    }
}

impl Case {
    fn auth(mut self, value: &str) -> Self {
        self.headers.push(("authorization", value.into()));
        self
    }
    fn merchant(self) -> Self {
        self.auth(&format!("Bearer {API_TOKEN}"))
    }
    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.into()));
        self
    }
    fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
    fn json(self, v: Value) -> Self {
        self.body(serde_json::to_vec(&v).expect("json"))
    }
    fn popbill(mut self, code: i64) -> Self {
        self.popbill = Some(code);
        self
    }
}

/// A submission whose first cashbill has `field` set to `value`.
fn with_field(field: &str, value: Value) -> Value {
    let mut c = cashbill("H-1");
    c[field] = value;
    json!({ "submitID": "HOSTILE-1", "cashbills": [c] })
}

fn without_field(field: &str) -> Value {
    let mut c = cashbill("H-1");
    c.as_object_mut().expect("an object").remove(field);
    json!({ "submitID": "HOSTILE-1", "cashbills": [c] })
}

fn worker_cases() -> Vec<Case> {
    use Method as M;
    let sub = "/v1/submissions";
    let post = |why, status, code| case(why, M::POST, sub, status, Some(code)).merchant();
    let invalid = |why, v: Value| post(why, 422, "invalid_cashbills").json(v);
    let deep = "[".repeat(10_000);
    let many: Vec<Value> = keys("M", 101).iter().map(|k| cashbill(k)).collect();
    let thousand: Vec<Value> = keys("T", 1000).iter().map(|k| cashbill(k)).collect();
    let dup = json!({ "cashbills": [cashbill("D-1"), cashbill("D-1")] });
    vec![
        // Authentication.
        case("no token", M::POST, sub, 401, Some("unauthorized"))
            .json(batch("HOSTILE-1", &keys("H", 1))),
        case("wrong token", M::POST, sub, 401, Some("unauthorized"))
            .auth("Bearer nope")
            .json(batch("HOSTILE-1", &keys("H", 1))),
        case("token prefix", M::POST, sub, 401, Some("unauthorized"))
            .auth(&format!("Bearer {}", &API_TOKEN[..10])),
        case("token plus suffix", M::POST, sub, 401, Some("unauthorized"))
            .auth(&format!("Bearer {API_TOKEN}x")),
        case("basic scheme", M::POST, sub, 401, Some("unauthorized"))
            .auth(&format!("Basic {API_TOKEN}")),
        case("empty bearer", M::POST, sub, 401, Some("unauthorized")).auth("Bearer "),
        case(
            "webhook key as token",
            M::POST,
            sub,
            401,
            Some("unauthorized"),
        )
        .auth(&format!("Bearer {WEBHOOK_KEY}")),
        case(
            "read without token",
            M::GET,
            "/v1/submissions/E2E-BASE-1",
            401,
            Some("unauthorized"),
        ),
        case(
            "cashbill without token",
            M::GET,
            "/v1/cashbills/BASE-0",
            401,
            Some("unauthorized"),
        ),
        case(
            "cashbill wrong token",
            M::GET,
            "/v1/cashbills/BASE-0",
            401,
            Some("unauthorized"),
        )
        .auth("Bearer x"),
        // Bodies that are not a submission.
        post("not json", 400, "malformed_json").body("{nope"),
        post("empty body", 400, "malformed_json"),
        post("invalid utf-8", 400, "malformed_json").body(vec![0x7b, 0xff, 0xfe, 0x7d]),
        post("byte order mark", 400, "malformed_json").body(b"\xef\xbb\xbf{}".to_vec()),
        post("trailing garbage", 400, "malformed_json").body("{}x"),
        post("deep nesting", 400, "malformed_json").body(deep.clone()),
        post("a json array", 400, "malformed_request").body("[]"),
        post("a json string", 400, "malformed_request").body("\"x\""),
        post("a json number", 400, "malformed_request").body("12"),
        post("json null", 400, "malformed_request").body("null"),
        post("2 MiB body", 413, "body_too_large").body(vec![b' '; 2 * 1024 * 1024]),
        post("no cashbills", 422, "no_cashbills").json(json!({ "submitID": "HOSTILE-1" })),
        post("empty cashbills", 422, "no_cashbills").json(json!({ "cashbills": [] })),
        post("null cashbills", 422, "no_cashbills").json(json!({ "cashbills": null })),
        post("cashbills object", 422, "invalid_request").json(json!({ "cashbills": {} })),
        post("cashbills string", 422, "invalid_request").json(json!({ "cashbills": "x" })),
        post("101 receipts", 422, "too_many_cashbills").json(json!({ "cashbills": many })),
        post("1000 receipts", 422, "too_many_cashbills").json(json!({ "cashbills": thousand })),
        invalid("null receipt", json!({ "cashbills": [null] })),
        invalid("number receipt", json!({ "cashbills": [1] })),
        invalid("array receipt", json!({ "cashbills": [[]] })),
        invalid("string receipt", json!({ "cashbills": ["x"] })),
        invalid("empty receipt", json!({ "cashbills": [{}] })),
        invalid("duplicate mgtKeys", dup),
        invalid("mgtKey of 25", with_field("mgtKey", "K".repeat(25).into())),
        invalid("mgtKey with space", with_field("mgtKey", "K 1".into())),
        invalid("mgtKey in hangul", with_field("mgtKey", "문서번호".into())),
        invalid("mgtKey with NUL", with_field("mgtKey", "K\u{0}1".into())),
        invalid("mgtKey emoji", with_field("mgtKey", "K🙂".into())),
        invalid(
            "mgtKey zero-width",
            with_field("mgtKey", "K\u{200b}1".into()),
        ),
        invalid(
            "mgtKey right-to-left mark",
            with_field("mgtKey", "\u{202e}K1".into()),
        ),
        invalid("mgtKey number", with_field("mgtKey", json!(12))),
        invalid(
            "submitID of 37",
            json!({ "submitID": "S".repeat(37), "cashbills": [cashbill("H-1")] }),
        ),
        invalid(
            "submitID with slash",
            json!({ "submitID": "a/b", "cashbills": [cashbill("H-1")] }),
        ),
        invalid(
            "submitID number",
            json!({ "submitID": 7, "cashbills": [cashbill("H-1")] }),
        ),
        invalid(
            "submitID unicode",
            json!({ "submitID": "제출", "cashbills": [cashbill("H-1")] }),
        ),
        invalid(
            "corpNum of 9",
            json!({ "corpNum": "123456789", "cashbills": [cashbill("H-1")] }),
        ),
        invalid(
            "corpNum not ours",
            json!({ "corpNum": "9999999999", "cashbills": [cashbill("H-1")] }),
        ),
        invalid(
            "corpNum number",
            json!({ "corpNum": 1234567890u64, "cashbills": [cashbill("H-1")] }),
        ),
        invalid("amount as number", with_field("totalAmount", json!(11000))),
        invalid("amount exponent", with_field("totalAmount", "1e4".into())),
        invalid(
            "amount overflows",
            with_field("totalAmount", "99999999999999999999999".into()),
        ),
        invalid("amount negative", with_field("supplyCost", "-10000".into())),
        invalid("amount decimal", with_field("tax", "1000.5".into())),
        invalid("amount full-width", with_field("tax", "１０００".into())),
        invalid("sum mismatch", with_field("totalAmount", "11001".into())),
        invalid("tax over supply", with_field("tax", "20000".into())),
        invalid(
            "tax-exempt with tax",
            with_field("taxationType", "비과세".into()),
        ),
        invalid("Feb 30", with_field("tradeDT", "20250230100000".into())),
        invalid("hour 25", with_field("tradeDT", "20250711250000".into())),
        invalid(
            "tradeDT tomorrow",
            with_field("tradeDT", "20250712100000".into()),
        ),
        invalid(
            "tradeDT two days ago",
            with_field("tradeDT", "20250709100000".into()),
        ),
        invalid(
            "tradeDT iso",
            with_field("tradeDT", "2025-07-11T10:00:00".into()),
        ),
        invalid(
            "tradeDT number",
            with_field("tradeDT", json!(20250711100000u64)),
        ),
        invalid(
            "tradeType cancel",
            with_field("tradeType", "취소거래".into()),
        ),
        invalid(
            "tradeUsage unknown",
            with_field("tradeUsage", "기타".into()),
        ),
        invalid("tradeOpt unknown", with_field("tradeOpt", "택시".into())),
        invalid("no taxationType", without_field("taxationType")),
        invalid("no identityNum", without_field("identityNum")),
        invalid(
            "identityNum letters",
            with_field("identityNum", "010abcd5678".into()),
        ),
        invalid(
            "identityNum of 21",
            with_field("identityNum", "1".repeat(21).into()),
        ),
        invalid(
            "identityNum full-width",
            with_field("identityNum", "０１０１２３４５６７８".into()),
        ),
        invalid(
            "franchise of another",
            with_field("franchiseCorpNum", "9999999999".into()),
        ),
        invalid(
            "itemName of 71",
            with_field("itemName", "x".repeat(71).into()),
        ),
        invalid(
            "customerName of 71 hangul",
            with_field("customerName", "가".repeat(71).into()),
        ),
        invalid("email of 101", with_field("email", "e".repeat(101).into())),
        invalid(
            "itemName of 900 KB",
            with_field("itemName", "x".repeat(900_000).into()),
        ),
        invalid("smssendYN string", with_field("smssendYN", "yes".into())),
        // A quoted integer is an integer (as for the client and the mock); a word is not.
        invalid(
            "cancelType not a number",
            with_field("cancelType", "one".into()),
        ),
        case(
            "same submitID, other content",
            M::POST,
            sub,
            409,
            Some("submit_id_conflict"),
        )
        .merchant()
        .json(batch("E2E-BASE-1", &keys("OTHER", 2))),
        case(
            "mgtKey of another submission",
            M::POST,
            sub,
            409,
            Some("mgt_key_in_use"),
        )
        .merchant()
        .json(batch("HOSTILE-2", &keys("BASE", 1))),
        // Routes and methods.
        case(
            "list submissions",
            M::GET,
            sub,
            405,
            Some("method_not_allowed"),
        )
        .merchant(),
        case(
            "put submissions",
            M::PUT,
            sub,
            405,
            Some("method_not_allowed"),
        )
        .merchant(),
        case(
            "delete a submission",
            M::DELETE,
            "/v1/submissions/E2E-BASE-1",
            405,
            Some("method_not_allowed"),
        )
        .merchant(),
        case(
            "post a cashbill",
            M::POST,
            "/v1/cashbills/BASE-0",
            405,
            Some("method_not_allowed"),
        )
        .merchant(),
        case(
            "get the webhook",
            M::GET,
            "/v1/popbill/webhook",
            405,
            Some("method_not_allowed"),
        ),
        case(
            "unknown route",
            M::GET,
            "/v1/unknown",
            404,
            Some("not_found"),
        )
        .merchant(),
        // `GET /` is the index (tests/tests/harness.rs); nothing else may be done there.
        case(
            "post to the index",
            M::POST,
            "/",
            405,
            Some("method_not_allowed"),
        ),
        case(
            "dot segments",
            M::GET,
            "/v1/submissions/%2e%2e%2f%2e%2e%2fetc",
            404,
            Some("not_found"),
        )
        .merchant(),
        case(
            "encoded NUL id",
            M::GET,
            "/v1/submissions/%00",
            404,
            Some("not_found"),
        )
        .merchant(),
        case(
            "id of 37",
            M::GET,
            &format!("/v1/submissions/{}", "S".repeat(37)),
            404,
            Some("not_found"),
        )
        .merchant(),
        case(
            "unknown id",
            M::GET,
            "/v1/submissions/NOPE",
            404,
            Some("not_found"),
        )
        .merchant(),
        case(
            "encoded space key",
            M::GET,
            "/v1/cashbills/bad%20key",
            404,
            Some("not_found"),
        )
        .merchant(),
        case(
            "bad corpNum query",
            M::GET,
            "/v1/cashbills/BASE-0?corpNum=abc",
            400,
            Some("invalid_corp_num"),
        )
        .merchant(),
        case(
            "extra segment",
            M::GET,
            "/v1/submissions/E2E-BASE-1/extra",
            404,
            Some("not_found"),
        )
        .merchant(),
        // Webhooks.
        case(
            "webhook without auth",
            M::POST,
            "/v1/popbill/webhook",
            401,
            Some("unauthorized"),
        )
        .body("{}"),
        case(
            "webhook wrong key",
            M::POST,
            "/v1/popbill/webhook",
            401,
            Some("unauthorized"),
        )
        .header("x-api-key", "nope")
        .body("{}"),
        case(
            "webhook api token as key",
            M::POST,
            "/v1/popbill/webhook",
            401,
            Some("unauthorized"),
        )
        .header("x-api-key", API_TOKEN),
        case(
            "webhook bearer",
            M::POST,
            "/v1/popbill/webhook",
            401,
            Some("unauthorized"),
        )
        .auth(&format!("Bearer {WEBHOOK_KEY}")),
        case(
            "webhook basic wrong",
            M::POST,
            "/v1/popbill/webhook",
            401,
            Some("unauthorized"),
        )
        .auth("Basic dXNlcjpwYXNz"),
        case(
            "webhook not json",
            M::POST,
            "/v1/popbill/webhook",
            400,
            Some("malformed_json"),
        )
        .header("x-api-key", WEBHOOK_KEY)
        .body("{x"),
        case(
            "webhook array",
            M::POST,
            "/v1/popbill/webhook",
            400,
            Some("malformed_request"),
        )
        .header("x-api-key", WEBHOOK_KEY)
        .body("[1,2]"),
        case(
            "webhook deep nesting",
            M::POST,
            "/v1/popbill/webhook",
            400,
            Some("malformed_json"),
        )
        .header("x-api-key", WEBHOOK_KEY)
        .body(deep),
        case(
            "webhook 100 KB",
            M::POST,
            "/v1/popbill/webhook",
            413,
            Some("body_too_large"),
        )
        .header("x-api-key", WEBHOOK_KEY)
        .body(vec![b' '; 100 * 1024]),
    ]
}

async fn token(app: &TestApp) -> String {
    let body = format!(r#"{{"access_id":"{CORP}","scope":["member","140"]}}"#);
    let clock = app.mock_get("/_mock/clock").await;
    let now =
        chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().expect("now")).expect("rfc3339");
    let date = now
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let sig = popbill::linkhub::sign(
        &app.mock.secret_key,
        body.as_bytes(),
        &date,
        None,
        "/POPBILL_TEST/Token",
    )
    .expect("key");
    let resp = app
        .http
        .post(format!("{}/POPBILL_TEST/Token", app.mock.url))
        .header(
            "authorization",
            format!("LINKHUB {} {sig}", app.mock.link_id),
        )
        .header("x-lh-date", date)
        .header("x-lh-version", "2.0")
        .body(body)
        .send()
        .await
        .expect("the mock answers");
    let v: Value = resp.json().await.expect("json");
    v["session_token"].as_str().expect("a token").to_owned()
}

fn mock_cases(bearer: &str, date: &str) -> Vec<Case> {
    use Method as M;
    let b = format!("Bearer {bearer}");
    let bulk = |why, status, body: Vec<u8>, submit_id: &str| {
        case(why, M::POST, "/Cashbill", status, None)
            .auth(&b)
            .header("x-http-method-override", "BULKISSUE")
            .header("x-pb-submit-id", submit_id)
            .header("x-pb-message-digest", &message_digest(&body))
            .body(body)
    };
    let bulk_headers = |why, status, auth: &str, digest: &str| {
        case(why, M::POST, "/Cashbill", status, None)
            .auth(auth)
            .header("x-http-method-override", "BULKISSUE")
            .header("x-pb-submit-id", "MH-1")
            .header("x-pb-message-digest", digest)
    };
    let cbs = |n: usize| {
        serde_json::to_vec(
            &json!({ "cashbills": keys("MB", n).iter().map(|k| cashbill(k)).collect::<Vec<_>>() }),
        )
        .expect("json")
    };
    let good = cbs(1);
    let token_body = r#"{"access_id":"1234567890","scope":["member","140"]}"#;
    let lh = |why, status| {
        case(why, M::POST, "/POPBILL_TEST/Token", status, None)
            .header("x-lh-version", "2.0")
            .body(token_body)
    };
    let keys_1001: Vec<String> = keys("G", 1001);
    let revoke = |why, status| {
        case(why, M::POST, "/Cashbill", status, None)
            .auth(&b)
            .header("x-http-method-override", "REVOKEISSUE")
    };
    // A well-formed full cancellation of an original the mock never issued.
    let revoke_body = || {
        json!({"mgtKey": "RV-1", "orgConfirmNum": "ZZ1234567", "orgTradeDate": "20250711",
               "smssendYN": false, "isPartCancel": false, "cancelType": 1})
    };
    let with = |mut v: Value, field: &str, value: Value| {
        if value.is_null() {
            v.as_object_mut().expect("an object").remove(field);
        } else {
            v[field] = value;
        }
        v
    };
    vec![
        lh("token without authorization", 401).header("x-lh-date", date),
        lh("token bad signature", 401)
            .header("x-lh-date", date)
            .auth("LINKHUB DEVLINK AAAA"),
        lh("token unknown link id", 401)
            .header("x-lh-date", date)
            .auth("LINKHUB NOBODY AAAA"),
        lh("token malformed authorization", 401)
            .header("x-lh-date", date)
            .auth("LINKHUB"),
        lh("token without date", 401).auth("LINKHUB DEVLINK AAAA"),
        lh("token date skewed", 401)
            .header("x-lh-date", "2000-01-01T00:00:00Z")
            .auth("LINKHUB DEVLINK AAAA"),
        lh("token date garbage", 401)
            .header("x-lh-date", "yesterday")
            .auth("LINKHUB DEVLINK AAAA"),
        case(
            "token unknown service",
            M::POST,
            "/POPBILL_XXX/Token",
            404,
            None,
        )
        .body(token_body),
        bulk_headers("bulk without bearer", 401, "", &message_digest(&good)).body(good.clone()),
        case("bulk with a bad token", M::POST, "/Cashbill", 401, None)
            .auth("Bearer forged")
            .header("x-http-method-override", "BULKISSUE")
            .header("x-pb-submit-id", "MH-2")
            .header("x-pb-message-digest", &message_digest(&good))
            .body(good.clone()),
        case("bulk without digest", M::POST, "/Cashbill", 400, None)
            .auth(&b)
            .header("x-http-method-override", "BULKISSUE")
            .header("x-pb-submit-id", "MH-3")
            .body(good.clone()),
        bulk_headers("bulk wrong digest", 400, &b, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
            .body(good.clone()),
        case("bulk without submit id", M::POST, "/Cashbill", 400, None)
            .auth(&b)
            .header("x-http-method-override", "BULKISSUE")
            .header("x-pb-message-digest", &message_digest(&good))
            .body(good.clone()),
        bulk("bulk submit id of 37", 400, good.clone(), &"S".repeat(37)),
        bulk("bulk submit id charset", 400, good.clone(), "MH 5"),
        bulk("bulk bad json", 400, b"{nope".to_vec(), "MH-6"),
        bulk("bulk empty body", 400, vec![], "MH-7"),
        bulk("bulk 101 receipts", 400, cbs(101), "MH-8"),
        bulk(
            "bulk null element",
            400,
            br#"{"cashbills":[null]}"#.to_vec(),
            "MH-9",
        ),
        bulk(
            "bulk empty list",
            400,
            br#"{"cashbills":[]}"#.to_vec(),
            "MH-10",
        ),
        bulk(
            "bulk list is an object",
            400,
            br#"{"cashbills":{}}"#.to_vec(),
            "MH-11",
        ),
        bulk(
            "bulk duplicate mgtKeys",
            400,
            serde_json::to_vec(&json!({"cashbills":[cashbill("X1"), cashbill("X1")]}))
                .expect("json"),
            "MH-12",
        ),
        bulk(
            "bulk amount as number",
            400,
            br#"{"cashbills":[{"mgtKey":"N1","totalAmount":11000}]}"#.to_vec(),
            "MH-13",
        ),
        bulk("bulk reused submit id", 409, good.clone(), "E2E-BASE-1"),
        bulk(
            "bulk over the body cap",
            413,
            vec![b' '; 3 * 1024 * 1024],
            "MH-14",
        ),
        case(
            "bulk result unknown id",
            M::GET,
            "/Cashbill/BULK/NOPE-1/State",
            404,
            None,
        )
        .auth(&b),
        case(
            "bulk result without token",
            M::GET,
            "/Cashbill/BULK/E2E-BASE-1/State",
            401,
            None,
        ),
        case(
            "bulk result id of 300",
            M::GET,
            &format!("/Cashbill/BULK/{}/State", "S".repeat(300)),
            404,
            None,
        )
        .auth(&b),
        case("info unknown key", M::GET, "/Cashbill/NOPE-KEY", 404, None).auth(&b),
        case("infos empty list", M::POST, "/Cashbill/States", 400, None)
            .auth(&b)
            .body("[]"),
        case("infos 1001 keys", M::POST, "/Cashbill/States", 400, None)
            .auth(&b)
            .json(json!(keys_1001)),
        case("infos not a list", M::POST, "/Cashbill/States", 400, None)
            .auth(&b)
            .body("{}"),
        case("infos bad json", M::POST, "/Cashbill/States", 400, None)
            .auth(&b)
            .body("[\"a\""),
        case("issue invalid receipt", M::POST, "/Cashbill", 400, None)
            .auth(&b)
            .header("x-http-method-override", "ISSUE")
            .json(with_field("totalAmount", "1".into())["cashbills"][0].clone()),
        case("issue bad json", M::POST, "/Cashbill", 400, None)
            .auth(&b)
            .header("x-http-method-override", "ISSUE")
            .body("{"),
        revoke("revoke bad json", 400).body("{"),
        revoke("revoke empty body", 400),
        revoke("revoke a list", 400).json(json!([revoke_body()])),
        revoke("revoke mgtKey a number", 400).json(with(revoke_body(), "mgtKey", json!(7))),
        revoke("revoke isPartCancel a string", 400).json(with(
            revoke_body(),
            "isPartCancel",
            json!("true"),
        )),
        revoke("revoke unknown original", 400).json(revoke_body()),
        revoke("revoke without orgConfirmNum", 400).json(with(
            revoke_body(),
            "orgConfirmNum",
            Value::Null,
        )),
        revoke("revoke orgConfirmNum of 300", 400).json(with(
            revoke_body(),
            "orgConfirmNum",
            json!("T".repeat(300)),
        )),
        revoke("revoke orgTradeDate garbage", 400).json(with(
            revoke_body(),
            "orgTradeDate",
            json!("yesterday"),
        )),
        revoke("revoke cancelType 99", 400).json(with(revoke_body(), "cancelType", json!(99))),
        revoke("revoke partial without amounts", 400).json(with(
            revoke_body(),
            "isPartCancel",
            json!(true),
        )),
        revoke("revoke partial negative", 400).json(with(
            with(
                with(revoke_body(), "isPartCancel", json!(true)),
                "supplyCost",
                json!("-1"),
            ),
            "totalAmount",
            json!("-1"),
        )),
        revoke("revoke tradeDT in the future", 400).json(with(
            revoke_body(),
            "tradeDT",
            json!("20991231000000"),
        )),
        case("revoke without token", M::POST, "/Cashbill", 401, None)
            .header("x-http-method-override", "REVOKEISSUE")
            .json(revoke_body()),
        case(
            "advance backwards",
            M::POST,
            "/_mock/clock/advance",
            400,
            None,
        )
        .json(json!({ "to": "20000101000000" })),
        case(
            "advance negative",
            M::POST,
            "/_mock/clock/advance",
            400,
            None,
        )
        .json(json!({ "seconds": -5 })),
        case(
            "advance garbage",
            M::POST,
            "/_mock/clock/advance",
            400,
            None,
        )
        .body("{x"),
        case("fault unknown action", M::POST, "/_mock/faults", 400, None)
            .json(json!({ "endpoint": "*", "action": "explode" })),
        case(
            "fault unknown endpoint",
            M::POST,
            "/_mock/faults",
            400,
            None,
        )
        .json(json!({ "endpoint": "nope", "action": "error" })),
        case(
            "webhook fault rate 2",
            M::POST,
            "/_mock/webhook-faults",
            400,
            None,
        )
        .json(json!({ "action": "drop", "rate": 2.0 })),
        case("config bad url", M::POST, "/_mock/config", 400, None)
            .json(json!({ "webhook_url": "ftp://x" })),
        case("unknown control path", M::GET, "/_mock/nope", 404, None),
        case("state by post", M::POST, "/_mock/state", 404, None),
        case("unknown popbill path", M::GET, "/Taxinvoice/X", 404, None).auth(&b),
    ]
    .into_iter()
    .chain(mock_call_cases(&b))
    .collect()
}

/// The calls beside bulk issuance: each refusal with POPBiLL's code from its table.
fn mock_call_cases(b: &str) -> Vec<Case> {
    use Method as M;
    use popbill::codes;
    let get =
        |why, path: &str, status, code| case(why, M::GET, path, status, None).auth(b).popbill(code);
    let action = |why, key: &str, ov: &str, status, code| {
        case(why, M::POST, &format!("/Cashbill/{key}"), status, None)
            .auth(b)
            .header("x-http-method-override", ov)
            .popbill(code)
    };
    let search = |why, q: &str, code| get(why, &format!("/Cashbill/Search?{q}"), 400, code);
    let config = |why, q: &str, code| {
        case(
            why,
            M::POST,
            &format!("/Cashbill/EmailSendConfig{q}"),
            400,
            None,
        )
        .auth(b)
        .popbill(code)
    };
    let prints = |why, status, code| {
        case(why, M::POST, "/Cashbill/Prints", status, None)
            .auth(b)
            .popbill(code)
    };
    let range = "DType=I&SDate=20250701&EDate=20250731";
    let many: Vec<String> = keys("P", 101);
    vec![
        case(
            "balance without token",
            M::GET,
            "/POPBILL_TEST/Point",
            401,
            None,
        )
        .popbill(codes::TOKEN_MISSING),
        case(
            "partner balance forged token",
            M::GET,
            "/POPBILL_TEST/PartnerPoint",
            401,
            None,
        )
        .auth("Bearer forged")
        .popbill(codes::TOKEN_UNREADABLE),
        case(
            "unit cost without token",
            M::GET,
            "/Cashbill?cfg=UNITCOST",
            401,
            None,
        )
        .popbill(codes::TOKEN_MISSING),
        case(
            "charge info by post",
            M::POST,
            "/Cashbill/ChargeInfo",
            404,
            None,
        )
        .auth(b),
        case("states by get", M::GET, "/Cashbill/States", 404, None).auth(b),
        case(
            "search without token",
            M::GET,
            &format!("/Cashbill/Search?{range}"),
            401,
            None,
        )
        .popbill(codes::TOKEN_MISSING),
        search(
            "search without DType",
            "SDate=20250701&EDate=20250731",
            codes::SEARCH_DTYPE_MISSING,
        ),
        search(
            "search bad DType",
            "DType=Q&SDate=20250701&EDate=20250731",
            codes::SEARCH_DTYPE_INVALID,
        ),
        search(
            "search without SDate",
            "DType=I&EDate=20250731",
            codes::SEARCH_SDATE_MISSING,
        ),
        search(
            "search bad SDate",
            "DType=I&SDate=2025-07-01&EDate=20250731",
            codes::SEARCH_SDATE_INVALID,
        ),
        search(
            "search bad EDate",
            "DType=I&SDate=20250701&EDate=20250732",
            codes::SEARCH_EDATE_INVALID,
        ),
        search(
            "search 7 months",
            "DType=I&SDate=20250101&EDate=20250801",
            codes::SEARCH_RANGE_TOO_LONG,
        ),
        search(
            "search bad state",
            &format!("{range}&State=3%2A%2A%2A"),
            codes::INPUT_MAPPING,
        ),
        search(
            "search bad usage",
            &format!("{range}&TradeUsage=Z"),
            codes::INPUT_MAPPING,
        ),
        search(
            "search PerPage 1001",
            &format!("{range}&PerPage=1001"),
            codes::NUMBER_INVALID,
        ),
        search(
            "search Page zero",
            &format!("{range}&Page=0"),
            codes::NUMBER_INVALID,
        ),
        search(
            "search Page huge",
            &format!("{range}&Page=99999999999999999999"),
            codes::NUMBER_INVALID,
        ),
        action(
            "delete unknown key",
            "NOPE-KEY",
            "DELETE",
            404,
            codes::NOT_FOUND,
        ),
        action(
            "delete an issued receipt",
            "HM-ISSUED",
            "DELETE",
            409,
            codes::DELETE_NOT_ALLOWED,
        ),
        action(
            "email empty body",
            "HM-ISSUED",
            "EMAIL",
            400,
            codes::BODY_MISSING,
        ),
        action("email bad json", "HM-ISSUED", "EMAIL", 400, codes::BAD_JSON).body("{x"),
        action(
            "email without receiver",
            "HM-ISSUED",
            "EMAIL",
            400,
            codes::EMAIL_RECEIVER_MISSING,
        )
        .body("{}"),
        action(
            "email unknown key",
            "NOPE-KEY",
            "EMAIL",
            404,
            codes::NOT_FOUND,
        )
        .body(r#"{"receiver":"a@example.com"}"#),
        action(
            "sms without sender",
            "HM-ISSUED",
            "SMS",
            400,
            codes::SMS_SENDER_MISSING,
        )
        .body(r#"{"receiver":"010","contents":"x"}"#),
        action(
            "sms receiver a number",
            "HM-ISSUED",
            "SMS",
            400,
            codes::BAD_JSON,
        )
        .body(r#"{"sender":"02","receiver":10,"contents":"x"}"#),
        config(
            "email config without type",
            "?SendYN=false",
            codes::EMAIL_TYPE_MISSING,
        ),
        config(
            "email config bad type",
            "?EmailType=TAX&SendYN=false",
            codes::EMAIL_TYPE_INVALID,
        ),
        config(
            "email config without SendYN",
            "?EmailType=CSH_ISSUE",
            codes::EMAIL_SEND_YN_MISSING,
        ),
        config(
            "email config bad SendYN",
            "?EmailType=CSH_ISSUE&SendYN=2",
            codes::INPUT_MAPPING,
        ),
        prints("prints empty body", 400, codes::PRINT_KEYS_MISSING),
        prints("prints empty list", 400, codes::PRINT_KEYS_MISSING).body("[]"),
        prints("prints not a list", 400, codes::BAD_JSON).body(r#"{"a":1}"#),
        prints("prints 101 keys", 400, codes::PRINT_TOO_MANY_KEYS).json(json!(many)),
        prints("prints unknown key", 404, codes::PRINT_KEY_NOT_FOUND).json(json!(["NOPE-KEY"])),
        get(
            "view url bad menu",
            "/Cashbill/HM-ISSUED?TG=SECRET",
            400,
            codes::URL_TOGO_INVALID,
        ),
        get(
            "view url unknown key",
            "/Cashbill/NOPE-KEY?TG=VIEW",
            404,
            codes::NOT_FOUND,
        ),
        get(
            "detail unknown key",
            "/Cashbill/NOPE-KEY?Detail",
            404,
            codes::NOT_FOUND,
        ),
        get(
            "logs unknown key",
            "/Cashbill/NOPE-KEY/Logs",
            404,
            codes::NOT_FOUND,
        ),
        case("points negative", M::POST, "/_mock/points", 400, None).json(json!({ "balance": -1 })),
        case("points unknown field", M::POST, "/_mock/points", 400, None)
            .json(json!({ "gold": 1 })),
    ]
}

async fn send(app: &TestApp, base: &str, c: &Case) -> (u16, Value) {
    let mut req = app
        .http
        .request(c.method.clone(), format!("{base}{}", c.path))
        .timeout(Duration::from_secs(15));
    for (k, v) in &c.headers {
        if !v.is_empty() {
            req = req.header(*k, v);
        }
    }
    if !c.body.is_empty() {
        req = req.body(c.body.clone());
    }
    app.raw(req).await
}

#[tokio::test]
async fn every_hostile_request_gets_a_clear_4xx_and_changes_nothing() {
    let app = spawn_app().await;
    let kv_unwritten = app.kv_fingerprint();
    assert_eq!(
        app.submit(&batch("E2E-BASE-1", &keys("BASE", 2))).await.0,
        202
    );
    let bearer = token(&app).await;
    // One receipt issued directly, for the calls that need a document in the wrong state.
    let issued = app
        .http
        .post(format!("{}/Cashbill", app.mock.url))
        .bearer_auth(&bearer)
        .header("x-http-method-override", "ISSUE")
        .json(&cashbill("HM-ISSUED"))
        .send()
        .await
        .expect("the mock answers");
    assert_eq!(issued.status(), 200, "{:?}", issued.text().await);
    // Its Issue webhook reaches the Worker before the snapshots are taken.
    e2e::wait_for(
        "the Issue webhook of HM-ISSUED",
        Duration::from_secs(10),
        || async {
            let hooks = app.mock_get("/_mock/webhooks").await;
            hooks
                .as_array()
                .is_some_and(|h| {
                    h.iter()
                        .any(|d| d["mgt_key"] == "HM-ISSUED" && d["ok"] == true)
                })
                .then_some(())
        },
    )
    .await;
    let clock = app.mock_get("/_mock/clock").await;
    let date = chrono::DateTime::parse_from_rfc3339(clock["now"].as_str().expect("now"))
        .expect("rfc3339")
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();

    let kv_before = app.kv_fingerprint();
    // Equal fingerprints prove nothing if the fingerprint cannot see the KV at all (were wrangler
    // to keep its state elsewhere, every fingerprint would be empty): it must see the base write.
    assert!(
        !kv_before.is_empty() && kv_before != kv_unwritten,
        "the KV fingerprint does not see the Worker's writes (is wrangler's state elsewhere?): {kv_before:?}"
    );
    let mock_before = app.mock_get("/_mock/state").await;
    let base_before = app.submission("E2E-BASE-1").await;
    let journal_before = app
        .mock_get("/_mock/journal")
        .await
        .as_array()
        .map_or(0, Vec::len);

    let worker = worker_cases();
    let mock = mock_cases(&bearer, &date);
    assert!(
        worker.len() + mock.len() >= 100,
        "{} cases",
        worker.len() + mock.len()
    );
    let mut failures = Vec::new();
    for c in &worker {
        let (status, body) = send(&app, &app.worker.url, c).await;
        let code = body["error"]["code"].as_str();
        let message = body["error"]["message"].as_str();
        if status != c.status || code != c.code || message.is_none_or(str::is_empty) {
            failures.push(format!(
                "worker {}: want {} {:?}, got {status} {}",
                c.why,
                c.status,
                c.code,
                cut(&body)
            ));
        }
    }
    // The Worker asked POPBiLL nothing (bar the time) for any of them.
    let journal = app.mock_get("/_mock/journal").await;
    let calls: Vec<&Value> = journal
        .as_array()
        .expect("a journal")
        .iter()
        .skip(journal_before)
        .filter(|r| r["path"] != "/Time")
        .collect();
    assert!(calls.is_empty(), "the Worker called POPBiLL: {calls:?}");

    for c in &mock {
        let (status, body) = send(&app, &app.mock.url, c).await;
        let explained = body.get("code").is_some_and(Value::is_i64)
            || body.get("error").is_some()
            || body.get("message").is_some();
        let code_ok = c.popbill.is_none_or(|want| body["code"] == want);
        if status != c.status || !explained || !code_ok {
            failures.push(format!(
                "mock {}: want {} {:?}, got {status} {}",
                c.why,
                c.status,
                c.popbill,
                cut(&body)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        worker.len() + mock.len(),
        failures.join("\n")
    );

    assert_eq!(app.kv_fingerprint(), kv_before, "the Worker's KV changed");
    // POPBiLL spends a SubmitID even on a refused BulkSubmit (it "can never be reused"), so the
    // mock counts burned IDs; that is the protocol, not a change to any receipt or submission.
    let mut mock_after = app.mock_get("/_mock/state").await;
    let burned = mock_after["burned_submit_ids"].take();
    assert!(
        burned.as_u64().is_some_and(|n| n > 0),
        "refused bulk submissions burn their IDs"
    );
    let mut mock_before = mock_before;
    mock_before["burned_submit_ids"].take();
    assert_eq!(mock_after, mock_before, "the mock's state changed");
    assert_eq!(app.submission("E2E-BASE-1").await, base_before);
    let (status, _) = app.submission("HOSTILE-1").await;
    assert_eq!(status, 404, "no hostile submission was stored");
}

fn cut(v: &Value) -> String {
    let s = v.to_string();
    s.chars().take(200).collect()
}

#[tokio::test]
async fn the_workers_validation_details_carry_popbills_codes_from_its_table() {
    let app = spawn_app().await;
    let mut bad: Vec<Value> = keys("VD", 6).iter().map(|k| cashbill(k)).collect();
    bad[0]["supplyCost"] = json!("-10000");
    bad[1]["tax"] = json!("-1");
    bad[2]["serviceFee"] = json!("-1");
    bad[3]
        .as_object_mut()
        .expect("an object")
        .remove("totalAmount");
    bad[4]["tradeOpt"] = json!("택시");
    bad[5]["supplyCost"] = json!("10,000");
    let (status, body) = app
        .submit(&json!({ "submitID": "VD-1", "cashbills": bad }))
        .await;
    assert_eq!(status, 422, "{body}");
    let got: Vec<(u64, String, i64)> = body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| {
            (
                d["index"].as_u64().expect("index"),
                d["field"].as_str().expect("field").to_owned(),
                d["popbillCode"].as_i64().expect("a POPBiLL code"),
            )
        })
        .collect();
    let want = [
        (0, "supplyCost", -14001011),
        (1, "tax", -14001013),
        (2, "serviceFee", -14001009),
        (3, "totalAmount", -14001014),
        (4, "tradeOpt", -99910010),
        (5, "supplyCost", -99910011),
    ];
    for (index, field, code) in want {
        assert!(
            got.contains(&(index, field.to_owned(), code)),
            "receipt {index}: {field} {code} missing from {got:?}"
        );
        assert!(
            popbill::codes::table_message(code).is_some(),
            "{code} is a row of POPBiLL's table"
        );
    }
}
