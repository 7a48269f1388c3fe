//! What the client sends, byte for byte, and how it reads the answers.

mod support;

use popbill::linkhub;
use popbill::time::format_linkhub_utc;
use popbill::wire::{BulkResponse, Cashbill, TxState};
use popbill::{KstDateTime, TimeSource};
use support::*;
use wiremock::matchers::{body_string, header as has_header, method, path};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

fn assert_signed_token_request(req: &Request, forwarded: Option<&str>, date: &str) {
    assert_eq!(req.method.as_str(), "POST");
    assert_eq!(req.url.path(), "/POPBILL_TEST/Token");
    assert_eq!(
        req.body, br#"{"access_id":"1234567890","scope":["member","140"]}"#,
        "the compact Java/Node body"
    );
    assert_eq!(header(req, "x-lh-date"), Some(date));
    assert_eq!(header(req, "x-lh-version"), Some("2.0"));
    assert_eq!(header(req, "x-lh-forwarded"), forwarded);
    assert_eq!(
        header(req, "content-type"),
        Some("application/json; charset=utf8")
    );
    let auth = header(req, "authorization").expect("Authorization is sent");
    let signature = auth
        .strip_prefix("LINKHUB TESTER ")
        .unwrap_or_else(|| panic!("`LINKHUB {{LinkID}} {{Signature}}`, got {auth:?}"));
    assert!(
        linkhub::verify(
            SECRET,
            &req.body,
            date,
            forwarded,
            "/POPBILL_TEST/Token",
            signature
        )
        .unwrap(),
        "the signature verifies over the exact body, date, forwarded IP and path"
    );
}

#[tokio::test]
async fn bulk_submit_gets_a_signed_token_then_posts_the_batch_with_its_digest_and_submit_id() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    Mock::given(method("POST"))
        .and(path("/Cashbill"))
        .and(has_header("X-HTTP-Method-Override", "BULKISSUE"))
        .and(has_header("authorization", "Bearer tok-1"))
        .and(has_header("x-pb-submit-id", "20250711-BULK-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!(
            {"code": 1, "message": "접수 완료", "receiptID": "022071112000000001"}
        )))
        .expect(1)
        .mount(&pb.api)
        .await;
    let batch: Vec<Cashbill> = (1..=3).map(cashbill).collect();

    let resp = pb
        .client()
        .bulk_submit(&corp(), &submit_id("20250711-BULK-1"), &batch)
        .await
        .unwrap();

    assert_eq!(
        resp,
        BulkResponse {
            code: Some(1),
            message: Some("접수 완료".into()),
            receipt_id: Some("022071112000000001".into()),
        }
    );
    let tokens = pb.token_requests().await;
    assert_eq!(tokens.len(), 1);
    assert_signed_token_request(&tokens[0], None, "2025-07-11T03:00:00Z");

    let sent = &pb.api_requests().await[0];
    let items: Vec<String> = batch
        .iter()
        .map(|c| serde_json::to_string(c).unwrap())
        .collect();
    let expected_body = format!(r#"{{"cashbills":[{}]}}"#, items.join(","));
    assert_eq!(
        String::from_utf8(sent.body.clone()).unwrap(),
        expected_body,
        "compact JSON, POPBiLL's names, fields in declaration order, raw UTF-8"
    );
    assert!(!sent.body.contains(&b'\n') && !sent.body.windows(2).any(|w| w == b": "));
    assert_eq!(
        header(sent, "x-pb-message-digest"),
        Some(sha1_b64(&sent.body).as_str()),
        "Base64(SHA-1) of exactly the bytes sent"
    );
    assert_eq!(header(sent, "x-pb-version"), Some("1.0"));
    assert_eq!(
        header(sent, "content-type"),
        Some("application/json; charset=utf8")
    );
    assert_eq!(header(sent, "x-pb-userid"), None);
    let parsed: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(parsed["cashbills"][0]["mgtKey"], "20250711-001");
    assert_eq!(parsed["cashbills"][2]["tradeDT"], "20250711100000");
    assert_eq!(parsed["cashbills"][0]["itemName"], "아메리카노");
}

#[tokio::test]
async fn the_forwarded_ip_is_signed_and_the_user_id_is_sent_on_api_calls() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    Mock::given(method("GET"))
        .and(path("/Cashbill/20250711-001"))
        .and(has_header("x-pb-userid", "testkorea"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"stateCode": 300})),
        )
        .expect(1)
        .mount(&pb.api)
        .await;
    let mut config = pb.config();
    config.forwarded_ip = Some("*".into());
    config.user_id = Some("testkorea".into());

    pb.client_with(config)
        .get_info(&corp(), &mgt_key("20250711-001"))
        .await
        .unwrap();

    let tokens = pb.token_requests().await;
    assert_signed_token_request(&tokens[0], Some("*"), "2025-07-11T03:00:00Z");
    assert_eq!(
        header(&tokens[0], "x-pb-userid"),
        None,
        "not a Linkhub header"
    );
}

#[tokio::test]
async fn production_asks_linkhub_for_a_popbill_token() {
    let pb = TestPopbill::start().await;
    Mock::given(method("POST"))
        .and(path("/POPBILL/Token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(token_body("tok-p", NOW_MS + HOUR_MS)),
        )
        .expect(1)
        .mount(&pb.auth)
        .await;
    Mock::given(method("GET"))
        .and(path("/Cashbill/K1"))
        .and(has_header("authorization", "Bearer tok-p"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&pb.api)
        .await;
    let config =
        popbill::Config::production(LINK_ID, SECRET).with_base_urls(pb.api.uri(), pb.auth.uri());

    pb.client_with(config)
        .get_info(&corp(), &mgt_key("K1"))
        .await
        .unwrap();

    let req = &pb.auth.received_requests().await.unwrap()[0];
    let signature = header(req, "authorization")
        .unwrap()
        .strip_prefix("LINKHUB TESTER ")
        .unwrap();
    let date = header(req, "x-lh-date").unwrap();
    assert!(linkhub::verify(SECRET, &req.body, date, None, "/POPBILL/Token", signature).unwrap());
}

#[tokio::test]
async fn get_bulk_result_reads_the_bulk_state_of_a_submit_id() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let body = r#"{"code":1,"message":"OK","submitID":"S-1","submitCount":2,"successCount":1,"failCount":1,
        "txState":2,"txResultCode":1,"txStartDT":"20250711120001","txEndDT":"20250711120002",
        "receiptDT":"20250711120000","receiptID":"022071112000000001",
        "issueResult":[{"mgtKey":"K1","code":1,"message":"발행 완료","confirmNum":"TB0000009","tradeDate":"20250711","issueDT":"20250711120001","tradeDT":"20250711000000"},
                       {"mgtKey":"K2","code":-14001031,"message":"합계 불일치","confirmNum":null,"tradeDate":null,"issueDT":null}]}"#;
    Mock::given(method("GET"))
        .and(path("/Cashbill/BULK/S-1/State"))
        .and(has_header("authorization", "Bearer tok-1"))
        .and(has_header("x-pb-version", "1.0"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body, "application/json; charset=utf-8"),
        )
        .expect(1)
        .mount(&pb.api)
        .await;

    let result = pb
        .client()
        .get_bulk_result(&corp(), &submit_id("S-1"))
        .await
        .unwrap();

    assert_eq!(result.state(), Some(TxState::Completed));
    assert_eq!(result.issue_result.len(), 2);
    assert_eq!(
        result.issue_result[0].confirm_num.as_deref(),
        Some("TB0000009")
    );
    assert_eq!(result.issue_result[1].code, Some(-14001031));
    let sent = &pb.api_requests().await[0];
    assert!(sent.body.is_empty());
    assert_eq!(
        header(sent, "content-type"),
        None,
        "no body, no Content-Type"
    );
    assert_eq!(header(sent, "x-http-method-override"), None);
}

#[tokio::test]
async fn get_info_reads_one_receipt_by_its_mgt_key() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    Mock::given(method("GET"))
        .and(path("/Cashbill/20250711-MVC001"))
        .and(has_header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "itemKey": "025071111000000001", "mgtKey": "20250711-MVC001", "stateCode": 304,
            "confirmNum": "TB0000009", "ntsresultCode": "0000", "totalAmount": 11000, "printYN": false
        })))
        .expect(1)
        .mount(&pb.api)
        .await;

    let info = pb
        .client()
        .get_info(&corp(), &mgt_key("20250711-MVC001"))
        .await
        .unwrap();

    assert_eq!(info.state_code, Some(304));
    assert_eq!(info.ntsresult_code.as_deref(), Some("0000"));
    assert_eq!(
        info.total_amount.as_deref(),
        Some("11000"),
        "a numeric amount is read too"
    );
}

/// Answers GetInfos with one CashbillInfo per key sent, in the order sent.
struct EchoStates;

impl Respond for EchoStates {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let keys: Vec<String> = serde_json::from_slice(&req.body).expect("a JSON array of keys");
        let infos: Vec<_> = keys
            .iter()
            .map(|k| serde_json::json!({"mgtKey": k, "stateCode": 304}))
            .collect();
        ResponseTemplate::new(200).set_body_json(infos)
    }
}

#[tokio::test]
async fn get_infos_posts_the_keys_as_a_compact_json_array() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    Mock::given(method("POST"))
        .and(path("/Cashbill/States"))
        .and(body_string(r#"["K1","K2"]"#))
        .and(has_header("content-type", "application/json; charset=utf8"))
        .respond_with(EchoStates)
        .expect(1)
        .mount(&pb.api)
        .await;

    let infos = pb
        .client()
        .get_infos(&corp(), &[mgt_key("K1"), mgt_key("K2")])
        .await
        .unwrap();

    let keys: Vec<_> = infos
        .iter()
        .map(|i| i.mgt_key.as_deref().unwrap())
        .collect();
    assert_eq!(keys, ["K1", "K2"]);
    assert_eq!(
        header(&pb.api_requests().await[0], "x-http-method-override"),
        None
    );
}

#[tokio::test]
async fn get_infos_splits_2500_keys_into_three_calls_and_keeps_their_order() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    Mock::given(method("POST"))
        .and(path("/Cashbill/States"))
        .respond_with(EchoStates)
        .expect(3)
        .mount(&pb.api)
        .await;
    let keys: Vec<_> = (0..2500).map(|i| mgt_key(&format!("K{i:05}"))).collect();

    let infos = pb.client().get_infos(&corp(), &keys).await.unwrap();

    let got: Vec<_> = infos.iter().map(|i| i.mgt_key.clone().unwrap()).collect();
    let want: Vec<_> = keys.iter().map(|k| k.as_str().to_owned()).collect();
    assert_eq!(got, want);
    let sizes: Vec<usize> = pb
        .api_requests()
        .await
        .iter()
        .map(|r| {
            serde_json::from_slice::<Vec<String>>(&r.body)
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(sizes, [1000, 1000, 500]);
}

#[tokio::test]
async fn get_infos_of_no_keys_sends_nothing() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 0).await;
    Mock::given(method("POST"))
        .respond_with(EchoStates)
        .expect(0)
        .mount(&pb.api)
        .await;

    assert_eq!(pb.client().get_infos(&corp(), &[]).await.unwrap(), vec![]);
}

#[tokio::test]
async fn regist_issue_posts_the_cashbill_with_the_issue_override() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    let bill = cashbill(7);
    Mock::given(method("POST"))
        .and(path("/Cashbill"))
        .and(has_header("X-HTTP-Method-Override", "ISSUE"))
        .and(has_header("authorization", "Bearer tok-1"))
        .and(has_header("content-type", "application/json; charset=utf8"))
        .and(body_string(serde_json::to_string(&bill).unwrap()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!(
            {"code": 1, "message": "발행 완료", "confirmNum": "TB0000009", "tradeDate": "20250711", "tradeDT": "20250711100000"}
        )))
        .expect(1)
        .mount(&pb.api)
        .await;

    let resp = pb.client().regist_issue(&corp(), &bill).await.unwrap();

    assert_eq!(resp.confirm_num.as_deref(), Some("TB0000009"));
    assert_eq!(resp.trade_dt.as_deref(), Some("20250711100000"));
    assert_eq!(
        header(&pb.api_requests().await[0], "x-pb-message-digest"),
        None
    );
}

#[tokio::test]
async fn the_linkhub_time_source_signs_with_the_time_from_get_time() {
    let pb = TestPopbill::start().await;
    // Linkhub's clock is two days ahead of the local one.
    let server_now = NOW_MS + 48 * HOUR_MS;
    pb.linkhub_time(&format_linkhub_utc(server_now), 1).await;
    pb.token("tok-1", server_now + HOUR_MS, 1).await;
    Mock::given(method("GET"))
        .and(path("/Cashbill/K1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(2)
        .mount(&pb.api)
        .await;
    let mut config = pb.config();
    config.time_source = TimeSource::Linkhub;
    let client = pb.client_with(config);

    client.get_info(&corp(), &mgt_key("K1")).await.unwrap();
    pb.clock.advance_secs(60);
    client.get_info(&corp(), &mgt_key("K1")).await.unwrap();

    let tokens = pb.token_requests().await;
    assert_signed_token_request(&tokens[0], None, "2025-07-13T03:00:00Z");
    // One token for both calls: its expiry was judged on Linkhub's clock, not the local one
    // (against which it would look valid for two days and an hour).
}

#[tokio::test]
async fn now_reads_the_local_clock_or_linkhub_in_kst() {
    let pb = TestPopbill::start().await;
    pb.linkhub_time("2025-07-11T14:59:59.500Z\n", 1).await;

    let local = pb.client().now().await.unwrap();
    let mut config = pb.config();
    config.time_source = TimeSource::Linkhub;
    let linkhub = pb.client_with(config).now().await.unwrap();

    assert_eq!(local, KstDateTime::parse("20250711120000").unwrap());
    assert_eq!(linkhub, KstDateTime::parse("20250711235959").unwrap());
}

#[tokio::test]
async fn get_infos_skips_null_entries_for_unknown_keys() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    Mock::given(method("POST"))
        .and(path("/Cashbill/States"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"[{"mgtKey":"K1","stateCode":304},null]"#,
            "application/json",
        ))
        .expect(1)
        .mount(&pb.api)
        .await;

    let infos = pb
        .client()
        .get_infos(&corp(), &[mgt_key("K1"), mgt_key("NOPE")])
        .await
        .unwrap();

    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].mgt_key.as_deref(), Some("K1"));
}

#[tokio::test]
async fn native_client_calls_can_be_spawned_on_a_multi_threaded_runtime() {
    let pb = TestPopbill::start().await;
    pb.token("tok-1", NOW_MS + HOUR_MS, 1).await;
    Mock::given(method("GET"))
        .and(path("/Cashbill/K1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"stateCode": 300})),
        )
        .expect(1)
        .mount(&pb.api)
        .await;
    let client = std::sync::Arc::new(pb.client());

    let task = tokio::spawn(async move { client.get_info(&corp(), &mgt_key("K1")).await });

    assert_eq!(task.await.unwrap().unwrap().state_code, Some(300));
}
