//! RevokeRegistIssue: what the client sends, what it refuses before sending, how it reads answers.

mod support;

use std::time::Duration;

use popbill::ErrorKind;
use popbill::wire::{IssueResponse, RevokeRequest};
use support::*;
use wiremock::matchers::{header as has_header, method, path};
use wiremock::{Mock, ResponseTemplate};

fn full() -> RevokeRequest {
    RevokeRequest {
        mgt_key: Some("20250711-R01".into()),
        org_confirm_num: Some("TB0000009".into()),
        org_trade_date: Some("20250710".into()),
        smssend_yn: Some(false),
        memo: Some("환불".into()),
        is_part_cancel: Some(false),
        cancel_type: Some(1),
        ..Default::default()
    }
}

fn partial() -> RevokeRequest {
    RevokeRequest {
        is_part_cancel: Some(true),
        cancel_type: Some(2),
        supply_cost: Some("3000".into()),
        tax: Some("300".into()),
        service_fee: Some("0".into()),
        total_amount: Some("3300".into()),
        email_subject: Some("취소 안내".into()),
        trade_dt: Some("20250711113000".into()),
        ..full()
    }
}

async fn issued_answer(pb: &TestPopbill) {
    Mock::given(method("POST"))
        .and(path("/Cashbill"))
        .and(has_header("X-HTTP-Method-Override", "REVOKEISSUE"))
        .and(has_header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "code": 1, "message": "발행 완료", "confirmNum": "TB0000123",
            "tradeDate": "20250711", "tradeDT": "20250711113000"
        })))
        .expect(1)
        .mount(&pb.api)
        .await;
}

#[tokio::test]
async fn a_partial_revoke_posts_the_sdks_body_with_the_revokeissue_override() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    issued_answer(&pb).await;

    let resp = pb
        .client()
        .revoke_regist_issue(&corp(), &partial())
        .await
        .unwrap();

    assert_eq!(
        resp,
        IssueResponse {
            code: Some(1),
            message: Some("발행 완료".into()),
            confirm_num: Some("TB0000123".into()),
            trade_date: Some("20250711".into()),
            trade_dt: Some("20250711113000".into()),
        }
    );
    let sent = &pb.api_requests().await[0];
    assert_eq!(
        String::from_utf8(sent.body.clone()).unwrap(),
        r#"{"mgtKey":"20250711-R01","orgConfirmNum":"TB0000009","orgTradeDate":"20250710","smssendYN":false,"memo":"환불","isPartCancel":true,"cancelType":2,"supplyCost":"3000","tax":"300","serviceFee":"0","totalAmount":"3300","emailSubject":"취소 안내","tradeDT":"20250711113000"}"#,
        "the Node SDK's fields in its order, compact, raw UTF-8, cancelType a number"
    );
    assert_eq!(header(sent, "x-pb-version"), Some("1.0"));
    assert_eq!(
        header(sent, "content-type"),
        Some("application/json; charset=utf8")
    );
    assert_eq!(header(sent, "x-pb-message-digest"), None, "not a bulk call");
    assert_eq!(header(sent, "x-pb-submit-id"), None);
}

#[tokio::test]
async fn a_full_revoke_sends_no_amounts() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    issued_answer(&pb).await;

    pb.client()
        .revoke_regist_issue(&corp(), &full())
        .await
        .unwrap();

    let sent: serde_json::Value = serde_json::from_slice(&pb.api_requests().await[0].body).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"mgtKey":"20250711-R01","orgConfirmNum":"TB0000009","orgTradeDate":"20250710",
                           "smssendYN":false,"memo":"환불","isPartCancel":false,"cancelType":1})
    );
}

#[tokio::test]
async fn a_revoke_that_breaks_a_local_rule_is_refused_without_sending_anything() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 0).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&pb.api)
        .await;
    let cases = [
        (
            RevokeRequest {
                org_confirm_num: None,
                ..full()
            },
            popbill::codes::ORG_CONFIRM_NUM_MISSING,
        ),
        (
            RevokeRequest {
                org_trade_date: Some("2025-07-10".into()),
                ..full()
            },
            popbill::codes::ORG_TRADE_DATE_FORMAT,
        ),
        (
            RevokeRequest {
                cancel_type: Some(4),
                ..full()
            },
            popbill::codes::CANCEL_TYPE_INVALID,
        ),
        (
            // Noon on 2025-07-11 (the test clock) is before an original traded on the 12th.
            RevokeRequest {
                org_trade_date: Some("20250712".into()),
                ..full()
            },
            popbill::codes::CANCEL_TRADE_DT_BEFORE_ORG,
        ),
        (
            RevokeRequest {
                total_amount: Some("3301".into()),
                ..partial()
            },
            popbill::codes::AMOUNT_SUM_MISMATCH,
        ),
    ];
    let client = pb.client();
    for (req, code) in cases {
        let err = client.revoke_regist_issue(&corp(), &req).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{req:?}");
        assert_eq!(err.code(), Some(code), "{req:?}");
        assert_eq!(err.status(), None, "refused locally: {req:?}");
    }
}

#[tokio::test]
async fn popbills_refusal_of_an_unfiled_original_keeps_its_code_and_message() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let message =
        "원본 현금영수증 국세청 전송이 완료되지 않아 취소 현금영수증을 발행할 수 없습니다.";
    Mock::given(method("POST"))
        .and(path("/Cashbill"))
        .and(has_header("X-HTTP-Method-Override", "REVOKEISSUE"))
        .respond_with(popbill_error(400, -14001021, message))
        .expect(1)
        .mount(&pb.api)
        .await;

    let err = pb
        .client()
        .revoke_regist_issue(&corp(), &full())
        .await
        .unwrap_err();

    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.code(), Some(popbill::codes::ORG_NOT_FILED));
    assert_eq!(err.message(), message);
    assert_eq!(err.status(), Some(400));
}

#[tokio::test]
async fn a_revoke_that_times_out_is_ambiguous() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    Mock::given(method("POST"))
        .and(path("/Cashbill"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(800)))
        .expect(1)
        .mount(&pb.api)
        .await;

    let err = pb
        .client()
        .revoke_regist_issue(&corp(), &full())
        .await
        .unwrap_err();

    assert_eq!(
        err.kind(),
        ErrorKind::Ambiguous,
        "the cancellation may have been issued: ask GetInfo before sending again"
    );
}
