//! Linkhub token issuance and the bearer check, over HTTP.

use popbill::codes;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn time_is_the_simulated_clock_in_utc() {
    let app = spawn_app().await;
    let r = app.http.get(app.at("/Time")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(r.text().await.unwrap(), "2025-07-11T01:00:00Z");
}

#[tokio::test]
async fn a_signed_token_request_gets_a_session_token_with_millisecond_expiration() {
    let app = spawn_app().await;
    let (status, v) = app.send(app.token_request().await).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["serviceID"], "POPBILL_TEST");
    assert_eq!(v["linkID"], "DEVLINK");
    assert_eq!(v["scope"], json!(["member", "140"]));
    assert_eq!(v["ipaddress"], "127.0.0.1");
    // 30 days of TTL in the test config.
    assert_eq!(v["expiration"], "2025-08-10T01:00:00.000Z");
}

#[tokio::test]
async fn python_bodies_and_a_signed_forwarded_header_are_accepted() {
    let app = spawn_app().await;
    let body = r#"{"access_id": "1234567890", "scope": ["member", "140"]}"#;
    let date = app.linkhub_time().await;
    let sig = popbill::linkhub::sign(SECRET, body.as_bytes(), &date, Some("*"), "/POPBILL/Token")
        .unwrap();
    let req = app
        .http
        .post(app.at("/POPBILL/Token"))
        .header("x-lh-date", date)
        .header("x-lh-version", "2.0")
        .header("x-lh-forwarded", "*")
        .header("authorization", format!("LINKHUB DEVLINK {sig}"))
        .header("content-type", "application/json; charset=utf8")
        .body(body);
    let (status, v) = app.send(req).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["serviceID"], "POPBILL");
}

#[tokio::test]
async fn every_token_error_has_its_linkhub_code_and_status() {
    let app = spawn_app().await;
    let body = r#"{"access_id":"1234567890","scope":["member","140"]}"#;
    let now = app.linkhub_time().await;
    let sign = |body: &str, date: &str| {
        popbill::linkhub::sign(SECRET, body.as_bytes(), date, None, "/POPBILL_TEST/Token").unwrap()
    };
    let post = |auth: Option<String>, date: Option<&str>, body: &str| {
        let mut r = app
            .http
            .post(app.at("/POPBILL_TEST/Token"))
            .header("x-lh-version", "2.0")
            .body(body.to_owned());
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        if let Some(d) = date {
            r = r.header("x-lh-date", d.to_owned());
        }
        r
    };
    let good = sign(body, &now);
    let other_member = r#"{"access_id":"9999999999","scope":["member","140"]}"#;
    let no_scope = r#"{"access_id":"1234567890","scope":["member"]}"#;
    let cases = [
        (
            "no authorization",
            post(None, Some(&now), body),
            401,
            codes::LH_AUTH_MISSING,
        ),
        (
            "bad scheme",
            post(Some(format!("HMAC DEVLINK {good}")), Some(&now), body),
            401,
            codes::LH_AUTH_FORMAT,
        ),
        (
            "no date",
            post(Some(format!("LINKHUB DEVLINK {good}")), None, body),
            401,
            codes::LH_DATE_MISSING,
        ),
        (
            "bad date",
            post(Some(format!("LINKHUB DEVLINK {good}")), Some("now"), body),
            401,
            codes::LH_DATE_INVALID,
        ),
        (
            "skewed date",
            post(
                Some(format!(
                    "LINKHUB DEVLINK {}",
                    sign(body, "2025-07-11T00:00:00Z")
                )),
                Some("2025-07-11T00:00:00Z"),
                body,
            ),
            401,
            codes::LH_DATE_SKEW,
        ),
        (
            "unknown link id",
            post(Some(format!("LINKHUB NOBODY {good}")), Some(&now), body),
            401,
            codes::LH_UNKNOWN_LINK_ID,
        ),
        (
            "bad signature",
            post(
                Some(format!("LINKHUB DEVLINK {}", sign("x", &now))),
                Some(&now),
                body,
            ),
            401,
            codes::LH_BAD_SIGNATURE,
        ),
        (
            "not a member",
            post(
                Some(format!("LINKHUB DEVLINK {}", sign(other_member, &now))),
                Some(&now),
                other_member,
            ),
            403,
            codes::LH_NOT_A_MEMBER,
        ),
        (
            "scope without 140",
            post(
                Some(format!("LINKHUB DEVLINK {}", sign(no_scope, &now))),
                Some(&now),
                no_scope,
            ),
            403,
            codes::NO_API_PERMISSION,
        ),
        (
            "body not a token request",
            post(
                Some(format!("LINKHUB DEVLINK {}", sign("[]", &now))),
                Some(&now),
                "[]",
            ),
            400,
            -99010001,
        ),
    ];
    for (why, req, status, code) in cases {
        let (s, v) = app.send(req).await;
        assert_eq!((s, v["code"].as_i64()), (status, Some(code)), "{why}: {v}");
        assert!(v["message"].is_string(), "{why}");
    }
}

#[tokio::test]
async fn api_calls_without_a_valid_token_are_refused_with_the_token_codes() {
    let app = spawn_app().await;
    let calls = |auth: Option<&'static str>| {
        let with = |r: reqwest::RequestBuilder| match auth {
            Some(a) => r.header("authorization", a),
            None => r,
        };
        vec![
            with(app.http.get(app.at("/Cashbill/BULK/S/State"))),
            with(app.http.get(app.at("/Cashbill/K-1"))),
            with(app.http.post(app.at("/Cashbill/States")).body("[\"K\"]")),
            with(
                app.http
                    .post(app.at("/Cashbill"))
                    .header("x-http-method-override", "ISSUE")
                    .body("{}"),
            ),
            with(
                app.http
                    .post(app.at("/Cashbill"))
                    .header("x-http-method-override", "BULKISSUE")
                    .header("x-pb-submit-id", "S")
                    .body("{}"),
            ),
        ]
    };
    for (auth, code) in [
        (None, codes::TOKEN_MISSING),
        (Some("Bearer "), codes::TOKEN_MISSING),
        (Some("Bearer not-a-token"), codes::TOKEN_UNREADABLE),
        (Some("Basic abc"), codes::TOKEN_UNREADABLE),
    ] {
        for req in calls(auth) {
            let (s, v) = app.send(req).await;
            assert_eq!((s, v["code"].as_i64()), (401, Some(code)), "{auth:?}");
        }
    }
}

#[tokio::test]
async fn with_auth_on_the_simulated_clock_expired_tokens_get_99000026_and_on_demand() {
    let app = spawn_with(mock_server::Config {
        token_ttl: std::time::Duration::from_secs(600),
        auth_clock: mock_server::config::AuthClock::Simulated,
        ..config()
    })
    .await;
    let tok = app.token().await;
    assert_eq!(app.get_info(&tok, "K").await.1["code"], codes::NOT_FOUND);
    app.advance(600.0).await;
    let (s, v) = app.get_info(&tok, "K").await;
    assert_eq!((s, v["code"].as_i64()), (401, Some(codes::SESSION_EXPIRED)));

    let fresh = app.token().await;
    assert_eq!(app.get_info(&fresh, "K").await.1["code"], codes::NOT_FOUND);
    let (s, v) = app.control_post("/_mock/tokens/expire", json!({})).await;
    assert_eq!(s, 200);
    assert_eq!(v["expired"], 2);
    assert_eq!(
        app.get_info(&fresh, "K").await.1["code"],
        codes::SESSION_EXPIRED
    );
}
