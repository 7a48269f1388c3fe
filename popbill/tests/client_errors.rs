//! Every failure lands in the class that tells the caller what to do next.

mod support;

use std::time::Duration;

use popbill::{ErrorKind, TransportError, codes};
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

/// A client call, for the cases below: SubmitID `S-1`, mgtKey `K1`, one receipt.
#[derive(Clone, Copy, Debug)]
enum Call {
    BulkSubmit,
    GetBulkResult,
    GetInfo,
}

impl Call {
    /// The method and path POPBiLL receives the call on.
    fn endpoint(self) -> (&'static str, &'static str) {
        match self {
            Call::BulkSubmit => ("POST", "/Cashbill"),
            Call::GetBulkResult => ("GET", "/Cashbill/BULK/S-1/State"),
            Call::GetInfo => ("GET", "/Cashbill/K1"),
        }
    }

    async fn make(self, client: &TestClient) -> Result<(), popbill::Error> {
        match self {
            Call::BulkSubmit => client
                .bulk_submit(&corp(), &submit_id("S-1"), &[cashbill(1)])
                .await
                .map(drop),
            Call::GetBulkResult => client
                .get_bulk_result(&corp(), &submit_id("S-1"))
                .await
                .map(drop),
            Call::GetInfo => client.get_info(&corp(), &mgt_key("K1")).await.map(drop),
        }
    }
}

/// With a valid token, POPBiLL answers `call` once with `answer`: the call's error.
async fn error_of(call: Call, answer: ResponseTemplate) -> popbill::Error {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let (http_method, at) = call.endpoint();
    pb.api_answers(http_method, at, answer, 1).await;
    call.make(&pb.client())
        .await
        .expect_err("the answer is not a usable success")
}

#[tokio::test]
async fn each_answer_without_a_usable_result_lands_in_the_class_that_says_what_to_do() {
    use ErrorKind::*;
    let html = |status, text: &str| {
        ResponseTemplate::new(status).set_body_raw(format!("<html>{text}</html>"), "text/html")
    };
    // (case, call, POPBiLL's answer, kind, code kept, HTTP status kept)
    let cases = [
        (
            "a 500 without a POPBiLL code is retryable",
            Call::BulkSubmit,
            html(500, "Internal Server Error"),
            Retryable,
            None,
            Some(500),
        ),
        (
            "a gateway timeout on BulkSubmit is ambiguous",
            Call::BulkSubmit,
            ResponseTemplate::new(504),
            Ambiguous,
            None,
            Some(504),
        ),
        (
            "a gateway timeout on a read is retryable",
            Call::GetInfo,
            ResponseTemplate::new(504),
            Retryable,
            None,
            Some(504),
        ),
        (
            "an unreadable success on BulkSubmit is ambiguous",
            Call::BulkSubmit,
            html(200, "maintenance"),
            Ambiguous,
            None,
            Some(200),
        ),
        (
            "an unreadable success on a read is retryable",
            Call::GetInfo,
            html(200, "maintenance"),
            Retryable,
            None,
            Some(200),
        ),
        (
            "a reused SubmitID is an invalid request that keeps its code",
            Call::BulkSubmit,
            popbill_error(
                400,
                codes::SUBMIT_ID_IN_USE,
                "사용중인 제출아이디(SubmitID)입니다.",
            ),
            InvalidRequest,
            Some(codes::SUBMIT_ID_IN_USE),
            Some(400),
        ),
        (
            "an unknown SubmitID on GetBulkResult is an invalid request",
            Call::GetBulkResult,
            popbill_error(
                404,
                codes::SUBMIT_ID_NOT_FOUND,
                "제출아이디(SubmitID)와 일치하는 정보가 존재하지 않습니다.",
            ),
            InvalidRequest,
            Some(codes::SUBMIT_ID_NOT_FOUND),
            Some(404),
        ),
        (
            "POPBiLL's concurrency limit is retryable",
            Call::GetInfo,
            popbill_error(
                400,
                codes::API_CONCURRENCY_LIMIT,
                "API 동시호출 한도를 초과 하였습니다.",
            ),
            Retryable,
            Some(codes::API_CONCURRENCY_LIMIT),
            Some(400),
        ),
        (
            "429 is retryable",
            Call::GetInfo,
            ResponseTemplate::new(429),
            Retryable,
            None,
            Some(429),
        ),
    ];

    for (why, call, answer, kind, code, status) in cases {
        let err = error_of(call, answer).await;
        assert_eq!(err.kind(), kind, "{why}: {err:?}");
        assert_eq!(err.code(), code, "{why}: {err:?}");
        assert_eq!(err.status(), status, "{why}: {err:?}");
    }
}

#[tokio::test]
async fn a_500_without_a_popbill_code_keeps_what_the_server_said() {
    let oops =
        ResponseTemplate::new(500).set_body_raw("<html>Internal Server Error</html>", "text/html");

    let err = error_of(Call::BulkSubmit, oops).await;

    assert!(err.message().contains("Internal Server Error"), "{err}");
}

#[tokio::test]
async fn a_bulk_submit_that_times_out_is_ambiguous() {
    let slow = ResponseTemplate::new(200)
        .set_body_json(serde_json::json!({"code": 1, "receiptID": "R1"}))
        .set_delay(Duration::from_millis(1500));

    let err = error_of(Call::BulkSubmit, slow).await;

    assert_eq!(err.kind(), ErrorKind::Ambiguous);
    assert!(matches!(err.transport(), Some(TransportError::Timeout(_))));
    assert!(err.message().contains("GetBulkResult"), "{err}");
    assert_eq!(err.code(), None);
}

#[tokio::test]
async fn a_read_that_times_out_is_retryable() {
    let slow = ResponseTemplate::new(200)
        .set_body_json(serde_json::json!({"txState": 1}))
        .set_delay(Duration::from_millis(1500));

    let err = error_of(Call::GetBulkResult, slow).await;

    assert_eq!(err.kind(), ErrorKind::Retryable);
    assert!(matches!(err.transport(), Some(TransportError::Timeout(_))));
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
    let refusal = popbill_error(
        400,
        codes::DIGEST_MISMATCH,
        "유효하지 않은 메시지 변조방지 해시(Message Digest)입니다.",
    );

    let err = error_of(Call::BulkSubmit, refusal).await;

    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.code(), Some(codes::DIGEST_MISMATCH));
    assert_eq!(
        err.message(),
        "유효하지 않은 메시지 변조방지 해시(Message Digest)입니다."
    );
    assert_eq!(err.status(), Some(400));
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
    pb.api_answers("POST", "/Cashbill", ResponseTemplate::new(200), 0)
        .await;

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
    pb.api_answers("POST", "/Cashbill", ResponseTemplate::new(200), 0)
        .await;

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
    pb.api_answers("POST", "/Cashbill", ResponseTemplate::new(200), 0)
        .await;
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
    pb.api_answers("GET", "/Cashbill/K1", expired, 2).await;
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
