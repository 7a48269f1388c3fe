//! Session tokens: reuse, refresh before expiry, single flight, and one retry on a session error.

mod support;

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use popbill::time::format_linkhub_utc;
use popbill::{Client, ErrorKind, TimeSource, TokenCache, codes};
use support::*;
use wiremock::matchers::{bearer_token, method, path};
use wiremock::{Mock, ResponseTemplate};

/// GetInfo of `K1` answers `{}` to `token`, `expect` times.
async fn info_accepts(pb: &TestPopbill, token: &str, expect: u64) {
    Mock::given(method("GET"))
        .and(path("/Cashbill/K1"))
        .and(bearer_token(token))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"stateCode": 300})),
        )
        .expect(expect)
        .named(format!("GetInfo with {token}"))
        .mount(&pb.api)
        .await;
}

/// Linkhub answers every token request with `tok-1` after 100 ms (long enough for concurrent
/// callers to meet a fetch in flight), `expect` times.
async fn slow_token(pb: &TestPopbill, expect: u64) {
    Mock::given(method("POST"))
        .and(path("/POPBILL_TEST/Token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_body("tok-1", NOW_MS + HOUR_MS))
                .set_delay(Duration::from_millis(100)),
        )
        .expect(expect)
        .mount(&pb.auth)
        .await;
}

/// GetInfo of `K1` answers "session expired" to `token`, `expect` times.
async fn info_expires(pb: &TestPopbill, token: &str, expect: u64) {
    Mock::given(method("GET"))
        .and(path("/Cashbill/K1"))
        .and(bearer_token(token))
        .respond_with(popbill_error(
            401,
            codes::SESSION_EXPIRED,
            "세션이 만료되었습니다.",
        ))
        .expect(expect)
        .named(format!("GetInfo refusing {token}"))
        .mount(&pb.api)
        .await;
}

#[tokio::test]
async fn a_token_is_reused_until_it_nears_expiry() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    info_accepts(&pb, "tok-1", 3).await;
    let client = pb.client();

    for _ in 0..3 {
        client.get_info(&corp(), &mgt_key("K1")).await.unwrap();
        pb.clock.advance_secs(60);
    }
}

#[tokio::test]
async fn the_token_is_refreshed_the_configured_margin_before_expiry() {
    let pb = TestPopbill::start().await;
    pb.token_once("tok-1", NOW_MS + HOUR_MS).await;
    pb.token_once("tok-2", NOW_MS + 2 * HOUR_MS).await;
    info_accepts(&pb, "tok-1", 2).await;
    info_accepts(&pb, "tok-2", 1).await;
    let client = pb.client();

    client.get_info(&corp(), &mgt_key("K1")).await.unwrap();
    // 300 s (the default margin) before expiry, plus one millisecond: still tok-1.
    pb.clock.set(NOW_MS + HOUR_MS - 300_001);
    client.get_info(&corp(), &mgt_key("K1")).await.unwrap();
    // Exactly 300 s before expiry: time for tok-2.
    pb.clock.set(NOW_MS + HOUR_MS - 300_000);
    client.get_info(&corp(), &mgt_key("K1")).await.unwrap();

    assert_eq!(pb.token_requests().await.len(), 2);
}

#[tokio::test]
async fn a_margin_of_zero_refreshes_only_at_expiry_like_the_official_sdks() {
    let pb = TestPopbill::start().await;
    pb.token_once("tok-1", NOW_MS + HOUR_MS).await;
    pb.token_once("tok-2", NOW_MS + 2 * HOUR_MS).await;
    info_accepts(&pb, "tok-1", 2).await;
    info_accepts(&pb, "tok-2", 1).await;
    let mut config = pb.config();
    config.token_refresh_margin_secs = 0;
    let client = pb.client_with(config);

    client.get_info(&corp(), &mgt_key("K1")).await.unwrap();
    pb.clock.set(NOW_MS + HOUR_MS - 1);
    client.get_info(&corp(), &mgt_key("K1")).await.unwrap();
    pb.clock.set(NOW_MS + HOUR_MS);
    client.get_info(&corp(), &mgt_key("K1")).await.unwrap();
}

#[tokio::test]
async fn a_session_expired_answer_refreshes_the_token_once_and_retries_once() {
    let pb = TestPopbill::start().await;
    pb.token_once("tok-1", NOW_MS + HOUR_MS).await;
    pb.token_once("tok-2", NOW_MS + HOUR_MS).await;
    info_expires(&pb, "tok-1", 1).await;
    info_accepts(&pb, "tok-2", 1).await;

    let info = pb.client().get_info(&corp(), &mgt_key("K1")).await.unwrap();

    assert_eq!(info.state_code, Some(300));
    assert_eq!(pb.token_requests().await.len(), 2);
}

#[tokio::test]
async fn a_bulk_submit_refused_for_an_expired_session_is_resent_once_with_the_same_bytes() {
    let pb = TestPopbill::start().await;
    pb.token_once("tok-1", NOW_MS + HOUR_MS).await;
    pb.token_once("tok-2", NOW_MS + HOUR_MS).await;
    Mock::given(method("POST"))
        .and(path("/Cashbill"))
        .and(bearer_token("tok-1"))
        .respond_with(popbill_error(
            401,
            codes::SESSION_EXPIRED,
            "세션이 만료되었습니다.",
        ))
        .expect(1)
        .mount(&pb.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/Cashbill"))
        .and(bearer_token("tok-2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"code": 1, "receiptID": "R1"})),
        )
        .expect(1)
        .mount(&pb.api)
        .await;

    let resp = pb
        .client()
        .bulk_submit(&corp(), &submit_id("S-1"), &[cashbill(1), cashbill(2)])
        .await
        .unwrap();

    assert_eq!(resp.receipt_id.as_deref(), Some("R1"));
    let sent = pb.api_requests().await;
    assert_eq!(sent[0].body, sent[1].body);
    assert_eq!(
        header(&sent[1], "x-pb-message-digest"),
        Some(sha1_b64(&sent[1].body).as_str())
    );
    assert_eq!(header(&sent[1], "x-pb-submit-id"), Some("S-1"));
}

#[tokio::test]
async fn a_second_session_expired_answer_is_returned_instead_of_looping() {
    let pb = TestPopbill::start().await;
    pb.token_once("tok-1", NOW_MS + HOUR_MS).await;
    pb.token_once("tok-2", NOW_MS + HOUR_MS).await;
    info_expires(&pb, "tok-1", 1).await;
    info_expires(&pb, "tok-2", 1).await;

    let err = pb
        .client()
        .get_info(&corp(), &mgt_key("K1"))
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.code(), Some(codes::SESSION_EXPIRED));
    assert!(err.is_session_error());
}

#[tokio::test]
async fn ten_concurrent_calls_share_one_token_request() {
    let pb = TestPopbill::start().await;
    slow_token(&pb, 1).await;
    info_accepts(&pb, "tok-1", 10).await;
    let client = pb.client();
    let key = mgt_key("K1");
    let corp = corp();

    let results = join_all((0..10).map(|_| client.get_info(&corp, &key))).await;

    assert!(results.iter().all(Result::is_ok), "{results:?}");
}

#[tokio::test]
async fn concurrent_callers_share_a_failed_token_request_too() {
    let pb = TestPopbill::start().await;
    Mock::given(method("POST"))
        .and(path("/POPBILL_TEST/Token"))
        .respond_with(ResponseTemplate::new(503).set_delay(Duration::from_millis(100)))
        .expect(1)
        .mount(&pb.auth)
        .await;
    info_accepts(&pb, "tok-1", 0).await;
    let client = pb.client();
    let key = mgt_key("K1");
    let corp = corp();

    let results = join_all((0..5).map(|_| client.get_info(&corp, &key))).await;

    for r in results {
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Retryable);
    }
}

#[tokio::test]
async fn concurrent_session_errors_cause_a_single_refresh() {
    let pb = TestPopbill::start().await;
    pb.token_once("tok-1", NOW_MS + HOUR_MS).await;
    pb.token_once("tok-2", NOW_MS + HOUR_MS).await;
    info_expires(&pb, "tok-1", 5).await;
    info_accepts(&pb, "tok-2", 5).await;
    let client = pb.client();
    // Cache tok-1 first, so all five calls start with it.
    Mock::given(method("GET"))
        .and(path("/Cashbill/BULK/S-0/State"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"txState": 0})))
        .expect(1)
        .mount(&pb.api)
        .await;
    client
        .get_bulk_result(&corp(), &submit_id("S-0"))
        .await
        .unwrap();
    let key = mgt_key("K1");
    let corp = corp();

    let results = join_all((0..5).map(|_| client.get_info(&corp, &key))).await;

    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(pb.token_requests().await.len(), 2);
}

#[tokio::test]
async fn an_early_refresh_that_fails_keeps_using_the_still_valid_token() {
    let pb = TestPopbill::start().await;
    pb.token_once("tok-1", NOW_MS + HOUR_MS).await;
    Mock::given(method("POST"))
        .and(path("/POPBILL_TEST/Token"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .named("Linkhub down")
        .mount(&pb.auth)
        .await;
    info_accepts(&pb, "tok-1", 2).await;
    let client = pb.client();

    client.get_info(&corp(), &mgt_key("K1")).await.unwrap();
    pb.clock.set(NOW_MS + HOUR_MS - 60_000); // inside the margin, not expired
    client.get_info(&corp(), &mgt_key("K1")).await.unwrap();
}

#[tokio::test]
async fn clients_sharing_a_token_cache_share_tokens_per_corp_num() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 2).await;
    info_accepts(&pb, "tok-1", 3).await;
    let tokens = Arc::new(TokenCache::new());
    let first =
        Client::with_token_cache(pb.config(), transport(), pb.clock.clone(), tokens.clone());
    let second =
        Client::with_token_cache(pb.config(), transport(), pb.clock.clone(), tokens.clone());
    let other_corp = popbill::CorpNum::parse("9876543210").unwrap();

    first.get_info(&corp(), &mgt_key("K1")).await.unwrap();
    second.get_info(&corp(), &mgt_key("K1")).await.unwrap();
    second.get_info(&other_corp, &mgt_key("K1")).await.unwrap();

    assert_eq!(tokens.len(), 2, "one token per CorpNum");
    let access_ids: Vec<String> = pb
        .token_requests()
        .await
        .iter()
        .map(|r| {
            serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["access_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(access_ids, ["1234567890", "9876543210"]);
}

#[tokio::test]
async fn how_expiration_is_written_decides_whether_the_token_is_reused() {
    let cases = [
        (
            "an expiration without millis is read and the token cached",
            format_linkhub_utc(NOW_MS + HOUR_MS),
            1,
        ),
        (
            "an unreadable expiration means a token per call, like the Java SDK",
            "next tuesday".to_owned(),
            2,
        ),
    ];
    for (why, expiration, fetches) in cases {
        let pb = TestPopbill::start().await;
        let mut body = token_body("tok-1", NOW_MS + HOUR_MS);
        body["expiration"] = expiration.into();
        Mock::given(method("POST"))
            .and(path("/POPBILL_TEST/Token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(fetches)
            .mount(&pb.auth)
            .await;
        info_accepts(&pb, "tok-1", 2).await;
        let client = pb.client();

        client.get_info(&corp(), &mgt_key("K1")).await.unwrap();
        client.get_info(&corp(), &mgt_key("K1")).await.unwrap();
        assert_eq!(pb.token_requests().await.len() as u64, fetches, "{why}");
    }
}

#[tokio::test]
async fn with_linkhub_time_the_expiry_is_judged_on_linkhubs_clock() {
    let pb = TestPopbill::start().await;
    // Linkhub is two days ahead; its token lives one hour on Linkhub's clock.
    let server_now = NOW_MS + 48 * HOUR_MS;
    pb.linkhub_time(&format_linkhub_utc(server_now), 2).await;
    pb.token_once("tok-1", server_now + HOUR_MS).await;
    pb.token_once("tok-2", server_now + 2 * HOUR_MS).await;
    info_accepts(&pb, "tok-1", 1).await;
    info_accepts(&pb, "tok-2", 1).await;
    let mut config = pb.config();
    config.time_source = TimeSource::Linkhub;
    let client = pb.client_with(config);

    client.get_info(&corp(), &mgt_key("K1")).await.unwrap();
    // 55 minutes later locally: within the margin on Linkhub's clock, so a new token (had the
    // expiry been compared with the local clock, tok-1 would look good for two more days).
    pb.clock.advance_secs(55 * 60);
    client.get_info(&corp(), &mgt_key("K1")).await.unwrap();
}

#[tokio::test]
async fn without_single_flight_concurrent_callers_fetch_their_own_and_never_wait_for_each_other() {
    let pb = TestPopbill::start().await;
    slow_token(&pb, 3).await;
    info_accepts(&pb, "tok-1", 4).await;
    // The Workers setting: an isolate's requests share finished tokens, never a fetch in flight.
    let tokens = Arc::new(TokenCache::without_single_flight());
    let clients: Vec<_> = (0..3)
        .map(|_| {
            Client::with_token_cache(pb.config(), transport(), pb.clock.clone(), tokens.clone())
        })
        .collect();
    let (corp, key) = (corp(), mgt_key("K1"));

    let results = join_all(clients.iter().map(|c| c.get_info(&corp, &key))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");

    // Once one is cached, later callers reuse it (the token mock expects exactly 3 fetches).
    clients[0].get_info(&corp, &key).await.unwrap();
    assert_eq!(tokens.len(), 1);
}
