//! Every failure lands in the class that tells the caller what to do next.

mod support;

use std::time::Duration;

use popbill::{ErrorKind, TransportError, codes};
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

async fn api_answers(
    pb: &TestPopbill,
    http_method: &str,
    at: &str,
    answer: ResponseTemplate,
    expect: u64,
) {
    Mock::given(method(http_method))
        .and(path(at))
        .respond_with(answer)
        .expect(expect)
        .mount(&pb.api)
        .await;
}

#[tokio::test]
async fn a_bulk_submit_that_times_out_is_ambiguous() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let slow = ResponseTemplate::new(200)
        .set_body_json(serde_json::json!({"code": 1, "receiptID": "R1"}))
        .set_delay(Duration::from_millis(1500));
    api_answers(&pb, "POST", "/Cashbill", slow, 1).await;

    let err = pb
        .client()
        .bulk_submit(&corp(), &submit_id("S-1"), &[cashbill(1)])
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Ambiguous);
    assert!(matches!(err.transport(), Some(TransportError::Timeout(_))));
    assert!(err.message().contains("GetBulkResult"), "{err}");
    assert_eq!(err.code(), None);
}

#[tokio::test]
async fn a_read_that_times_out_is_retryable() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let slow = ResponseTemplate::new(200)
        .set_body_json(serde_json::json!({"txState": 1}))
        .set_delay(Duration::from_millis(1500));
    api_answers(&pb, "GET", "/Cashbill/BULK/S-1/State", slow, 1).await;

    let err = pb
        .client()
        .get_bulk_result(&corp(), &submit_id("S-1"))
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Retryable);
    assert!(matches!(err.transport(), Some(TransportError::Timeout(_))));
}

#[tokio::test]
async fn a_500_without_a_popbill_code_is_retryable() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let oops =
        ResponseTemplate::new(500).set_body_raw("<html>Internal Server Error</html>", "text/html");
    api_answers(&pb, "POST", "/Cashbill", oops, 1).await;

    let err = pb
        .client()
        .bulk_submit(&corp(), &submit_id("S-1"), &[cashbill(1)])
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Retryable);
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.code(), None);
    assert!(err.message().contains("Internal Server Error"), "{err}");
}

#[tokio::test]
async fn a_gateway_timeout_on_bulk_submit_is_ambiguous_but_retryable_on_a_read() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    api_answers(&pb, "POST", "/Cashbill", ResponseTemplate::new(504), 1).await;
    api_answers(&pb, "GET", "/Cashbill/K1", ResponseTemplate::new(504), 1).await;
    let client = pb.client();

    let submit = client
        .bulk_submit(&corp(), &submit_id("S-1"), &[cashbill(1)])
        .await
        .unwrap_err();
    let read = client.get_info(&corp(), &mgt_key("K1")).await.unwrap_err();

    assert_eq!(submit.kind(), ErrorKind::Ambiguous);
    assert_eq!(read.kind(), ErrorKind::Retryable);
}

#[tokio::test]
async fn a_refused_connection_is_retryable_because_nothing_was_sent() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let config = pb.config().with_base_urls(closed_port_url(), pb.auth.uri());

    let err = pb
        .client_with(config)
        .bulk_submit(&corp(), &submit_id("S-1"), &[cashbill(1)])
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Retryable);
    assert!(
        matches!(err.transport(), Some(TransportError::Connect(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_connection_dropped_mid_exchange_on_bulk_submit_is_ambiguous() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    Mock::given(method("POST"))
        .and(path("/Cashbill"))
        .respond_with_err(|_: &wiremock::Request| {
            std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset")
        })
        .expect(1)
        .mount(&pb.api)
        .await;

    let err = pb
        .client()
        .bulk_submit(&corp(), &submit_id("S-1"), &[cashbill(1)])
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Ambiguous);
    assert!(
        matches!(err.transport(), Some(TransportError::Io(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_popbill_validation_error_is_an_invalid_request_with_code_and_message_kept() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let refusal = popbill_error(
        400,
        codes::DIGEST_MISMATCH,
        "유효하지 않은 메시지 변조방지 해시(Message Digest)입니다.",
    );
    api_answers(&pb, "POST", "/Cashbill", refusal, 1).await;

    let err = pb
        .client()
        .bulk_submit(&corp(), &submit_id("S-1"), &[cashbill(1)])
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.code(), Some(codes::DIGEST_MISMATCH));
    assert_eq!(
        err.message(),
        "유효하지 않은 메시지 변조방지 해시(Message Digest)입니다."
    );
    assert_eq!(err.status(), Some(400));
}

#[tokio::test]
async fn a_reused_submit_id_is_an_invalid_request_that_keeps_its_code() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let refusal = popbill_error(
        400,
        codes::SUBMIT_ID_IN_USE,
        "사용중인 제출아이디(SubmitID)입니다.",
    );
    api_answers(&pb, "POST", "/Cashbill", refusal, 1).await;

    let err = pb
        .client()
        .bulk_submit(&corp(), &submit_id("S-1"), &[cashbill(1)])
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.code(), Some(codes::SUBMIT_ID_IN_USE));
}

#[tokio::test]
async fn an_unknown_submit_id_on_get_bulk_result_is_an_invalid_request() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let refusal = popbill_error(
        404,
        codes::SUBMIT_ID_NOT_FOUND,
        "제출아이디(SubmitID)와 일치하는 정보가 존재하지 않습니다.",
    );
    api_answers(&pb, "GET", "/Cashbill/BULK/S-9/State", refusal, 1).await;

    let err = pb
        .client()
        .get_bulk_result(&corp(), &submit_id("S-9"))
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.code(), Some(codes::SUBMIT_ID_NOT_FOUND));
}

#[tokio::test]
async fn the_concurrency_limit_and_429_are_retryable() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let limit = popbill_error(
        400,
        codes::API_CONCURRENCY_LIMIT,
        "API 동시호출 한도를 초과 하였습니다.",
    );
    api_answers(&pb, "GET", "/Cashbill/K1", limit, 1).await;
    api_answers(&pb, "GET", "/Cashbill/K2", ResponseTemplate::new(429), 1).await;
    let client = pb.client();

    let limited = client.get_info(&corp(), &mgt_key("K1")).await.unwrap_err();
    let too_many = client.get_info(&corp(), &mgt_key("K2")).await.unwrap_err();

    assert_eq!(limited.kind(), ErrorKind::Retryable);
    assert_eq!(limited.code(), Some(codes::API_CONCURRENCY_LIMIT));
    assert_eq!(too_many.kind(), ErrorKind::Retryable);
}

#[tokio::test]
async fn a_token_refused_by_linkhub_is_an_auth_error_and_popbill_is_never_called() {
    let pb = TestPopbill::start().await;
    Mock::given(method("POST"))
        .and(path("/POPBILL_TEST/Token"))
        .respond_with(popbill_error(
            401,
            codes::LH_BAD_SIGNATURE,
            "권한 정보의 서명이 일치하지 않습니다.",
        ))
        .expect(1)
        .mount(&pb.auth)
        .await;
    api_answers(&pb, "POST", "/Cashbill", ResponseTemplate::new(200), 0).await;

    let err = pb
        .client()
        .bulk_submit(&corp(), &submit_id("S-1"), &[cashbill(1)])
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.code(), Some(codes::LH_BAD_SIGNATURE));
}

#[tokio::test]
async fn a_token_request_that_fails_without_reaching_popbill_leaves_bulk_submit_retryable() {
    let pb = TestPopbill::start().await;
    Mock::given(method("POST"))
        .and(path("/POPBILL_TEST/Token"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .expect(1)
        .mount(&pb.auth)
        .await;
    api_answers(&pb, "POST", "/Cashbill", ResponseTemplate::new(200), 0).await;

    let err = pb
        .client()
        .bulk_submit(&corp(), &submit_id("S-1"), &[cashbill(1)])
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Retryable, "the batch was never sent");
}

#[tokio::test]
async fn batches_popbill_would_refuse_whole_are_refused_before_sending() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 0).await;
    api_answers(&pb, "POST", "/Cashbill", ResponseTemplate::new(200), 0).await;
    let client = pb.client();
    let too_many: Vec<_> = (0..101).map(cashbill).collect();
    let duplicated = vec![cashbill(1), cashbill(2), cashbill(1)];
    let cases = [
        ("empty", vec![], codes::CASHBILLS_MISSING),
        ("101 receipts", too_many, codes::TOO_MANY_CASHBILLS),
        (
            "a repeated mgtKey",
            duplicated,
            codes::DUPLICATE_MGT_KEY_IN_BATCH,
        ),
    ];

    for (why, batch, code) in cases {
        let err = client
            .bulk_submit(&corp(), &submit_id("S-1"), &batch)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{why}");
        assert_eq!(err.code(), Some(code), "{why}");
        assert_eq!(err.status(), None, "{why}: nothing was sent");
    }
}

#[tokio::test]
async fn an_unreadable_success_is_ambiguous_for_bulk_submit_and_retryable_for_reads() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let garbage =
        || ResponseTemplate::new(200).set_body_raw("<html>maintenance</html>", "text/html");
    api_answers(&pb, "POST", "/Cashbill", garbage(), 1).await;
    api_answers(&pb, "GET", "/Cashbill/K1", garbage(), 1).await;
    let client = pb.client();

    let submit = client
        .bulk_submit(&corp(), &submit_id("S-1"), &[cashbill(1)])
        .await
        .unwrap_err();
    let read = client.get_info(&corp(), &mgt_key("K1")).await.unwrap_err();

    assert_eq!(submit.kind(), ErrorKind::Ambiguous);
    assert_eq!(read.kind(), ErrorKind::Retryable);
}

#[tokio::test]
async fn a_secret_key_that_is_not_base64_fails_before_anything_is_sent() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 0).await;
    let mut config = pb.config();
    config.secret_key = "not base64 !".into();

    let err = pb
        .client_with(config)
        .get_info(&corp(), &mgt_key("K1"))
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.message().contains("Base64"), "{err}");
}

#[tokio::test]
async fn errors_and_debug_output_never_show_the_secret_key_or_the_token() {
    let pb = TestPopbill::start().await;
    pb.token("tok-SECRET-SESSION", NOW_MS + HOUR_MS, 2).await;
    let expired = popbill_error(401, codes::SESSION_EXPIRED, "세션이 만료되었습니다.");
    api_answers(&pb, "GET", "/Cashbill/K1", expired, 2).await;
    let client = pb.client();

    let err = client.get_info(&corp(), &mgt_key("K1")).await.unwrap_err();

    for printed in [
        format!("{err}"),
        format!("{err:?}"),
        format!("{client:?}"),
        format!("{:?}", client.config()),
        format!("{:?}", client.token_cache()),
    ] {
        assert!(!printed.contains("tok-SECRET-SESSION"), "{printed}");
        assert!(!printed.contains(SECRET), "{printed}");
    }
}
