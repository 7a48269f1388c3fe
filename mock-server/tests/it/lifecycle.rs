//! The whole bulk lifecycle over HTTP, across midnight and 11:00, with webhooks received.

use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn a_bulk_submission_is_issued_filed_at_midnight_and_resulted_at_eleven_with_webhooks() {
    let (app, rx) = spawn_with_receiver().await;
    let tok = app.token().await;
    let batch = vec![
        cashbill("L-1"),
        with(
            cashbill("L-2"),
            "orderNumber",
            json!("SCENARIO:NTS_FAIL:TS1"),
        ),
        with(cashbill("L-3"), "totalAmount", json!("12000")),
    ];
    let (status, v) = app.bulk_submit(&tok, "LIFE-1", batch).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["code"], 1);
    let receipt_id = v["receiptID"].as_str().unwrap().to_owned();

    let (_, r) = app.get_bulk_result(&tok, "LIFE-1").await;
    assert_eq!(r["txState"], 0);
    assert_eq!(r["issueResult"], json!([]), "issueResult only at txState 2");
    app.advance(1.0).await;
    assert_eq!(app.get_bulk_result(&tok, "LIFE-1").await.1["txState"], 1);
    let ran = app.advance(2.0).await;
    assert_eq!(ran["ran"]["processing"], 1);
    assert_eq!(ran["ran"]["webhooks_sent"], 3);

    let (_, r) = app.get_bulk_result(&tok, "LIFE-1").await;
    assert_eq!(r["txState"], 2);
    assert_eq!(r["receiptID"], receipt_id.as_str());
    assert_eq!(r["submitCount"], 3);
    assert_eq!(r["successCount"], 2);
    assert_eq!(r["failCount"], 1);
    assert_eq!(r["receiptDT"], "20250711100000");
    assert_eq!(r["txStartDT"], "20250711100001");
    assert_eq!(r["txEndDT"], "20250711100003");
    let items = r["issueResult"].as_array().unwrap();
    assert_eq!(items[0]["code"], 1);
    assert_eq!(items[0]["issueDT"], "20250711100003");
    assert_eq!(items[0]["tradeDT"], "20250711100003");
    assert_eq!(items[2]["code"], popbill::codes::AMOUNT_SUM_MISMATCH);
    let confirm = items[0]["confirmNum"].as_str().unwrap().to_owned();
    assert!(confirm.starts_with("TB") && confirm.len() == 9, "{confirm}");

    let bulk = rx.of_type("BULKRESULT");
    assert_eq!(bulk.len(), 3);
    let first = &bulk[0];
    assert_eq!(first.header("pb-webhook-type"), Some("CASHBILL.STATE"));
    assert_eq!(first.header("pb-webhook-eventtype"), Some("BULKRESULT"));
    assert_eq!(first.header("pb-webhook-corpnum"), Some("1234567890"));
    assert_eq!(first.header("x-api-key"), Some("test-key"));
    assert_eq!(first.header("content-type"), Some("application/json"));
    assert_eq!(first.body["submitID"], "LIFE-1");
    assert_eq!(first.body["receiptID"], receipt_id.as_str());
    assert_eq!(first.body["confirmNum"], confirm.as_str());
    assert_eq!(first.body["stateCode"], 300);
    assert_eq!(bulk[2].body["code"], popbill::codes::AMOUNT_SUM_MISMATCH);
    let mids: std::collections::HashSet<_> = bulk
        .iter()
        .map(|b| b.header("pb-webhook-mid").unwrap().to_owned())
        .collect();
    assert_eq!(mids.len(), 3, "one MID per event");

    let (_, info) = app.get_info(&tok, "L-1").await;
    assert_eq!(info["stateCode"], 300);
    assert_eq!(info["ntssendDT"], Value::Null);

    let midnight = app.advance_to("20250712000000").await;
    assert_eq!(midnight["ran"]["filed"], 2);
    let (_, info) = app.get_info(&tok, "L-1").await;
    assert_eq!(info["stateCode"], 300);
    assert_eq!(info["ntssendDT"], "20250712000000");

    let eleven = app.advance_to("2025-07-12T11:00:00+09:00").await;
    assert_eq!(eleven["ran"]["results"], 2);
    assert_eq!(eleven["ran"]["webhooks_sent"], 2);
    let (status, infos) = app.get_infos(&tok, json!(["L-1", "L-2", "L-3"])).await;
    assert_eq!(status, 200);
    let infos = infos.as_array().unwrap();
    assert_eq!(infos.len(), 2, "the failed receipt is unknown to GetInfos");
    assert_eq!(infos[0]["stateCode"], 304);
    assert_eq!(infos[0]["ntsresultCode"], "0000");
    assert_eq!(infos[1]["stateCode"], 305);
    assert_eq!(infos[1]["ntsresultCode"], "TS1");
    assert_eq!(infos[1]["ntsresultDT"], "20250712110000");

    let nts = rx.of_type("NTS");
    assert_eq!(nts.len(), 2);
    assert_eq!(nts[0].body["stateCode"], 304);
    assert_eq!(nts[1].body["stateCode"], 305);
    assert_eq!(nts[1].body["ntsresultCode"], "TS1");
    assert_eq!(nts[1].body["ntssendDT"], "20250712000000");
    assert_eq!(nts[1].body["mgtKey"], "L-2");
    assert_eq!(nts[1].body["confirmNum"], items[1]["confirmNum"]);
    assert_eq!(nts[1].header("pb-webhook-eventtype"), Some("NTS"));
}

#[tokio::test]
async fn regist_issue_issues_at_once_and_sends_an_issue_webhook() {
    let (app, rx) = spawn_with_receiver().await;
    let tok = app.token().await;
    let (status, v) = app.regist_issue(&tok, cashbill("ONE-1")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["code"], 1);
    assert_eq!(v["tradeDate"], "20250711");
    assert_eq!(v["tradeDT"], "20250711100000");
    assert_eq!(v["confirmNum"].as_str().unwrap().len(), 9);
    let (_, info) = app.get_info(&tok, "ONE-1").await;
    assert_eq!(info["stateCode"], 300);
    assert_eq!(info["confirmNum"], v["confirmNum"]);

    // The Issue webhook is due now: it goes out without moving the clock.
    crate::wait_until("the Issue webhook", || !rx.of_type("Issue").is_empty()).await;
    let issue = &rx.of_type("Issue")[0];
    assert_eq!(issue.body["mgtKey"], "ONE-1");
    assert_eq!(issue.body["stateCode"], 300);
    assert_eq!(issue.header("pb-webhook-eventtype"), Some("Issue"));

    let (status, again) = app.regist_issue(&tok, cashbill("ONE-1")).await;
    assert_eq!(status, 409);
    assert_eq!(again["code"], popbill::codes::MGT_KEY_IN_USE);
    let (status, bad) = app
        .regist_issue(&tok, with(cashbill("ONE-2"), "tax", json!("20000")))
        .await;
    assert_eq!(status, 400);
    assert_eq!(bad["code"], popbill::codes::TAX_OVER_SUPPLY_COST);
    let (status, scenario) = app
        .regist_issue(
            &tok,
            with(
                cashbill("ONE-3"),
                "orderNumber",
                json!("SCENARIO:ISSUE_FAIL:-14001031"),
            ),
        )
        .await;
    assert_eq!((status, scenario["code"].clone()), (400, json!(-14001031)));
}

#[tokio::test]
async fn single_and_bulk_issuance_give_the_same_receipt_view() {
    let app = spawn_app().await;
    let tok = app.token().await;
    app.regist_issue(&tok, cashbill("CMP-1")).await;
    app.bulk_submit(&tok, "CMP", vec![cashbill("CMP-2")]).await;
    app.advance(3.0).await;
    let (_, single) = app.get_info(&tok, "CMP-1").await;
    let (_, bulk) = app.get_info(&tok, "CMP-2").await;
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&single), keys(&bulk));
    for field in [
        "stateCode",
        "tradeType",
        "tradeUsage",
        "totalAmount",
        "identityNum",
    ] {
        assert_eq!(single[field], bulk[field], "{field}");
    }
}

#[tokio::test]
async fn trade_dt_must_be_today_or_yesterday_on_the_simulated_clock() {
    let app = spawn_app().await;
    let tok = app.token().await;
    let cases = [
        ("T-TODAY", "20250711000000", 1),
        ("T-YDAY", "20250710000000", 1),
        (
            "T-OLD",
            "20250709235959",
            popbill::codes::TRADE_DT_NOT_TODAY_OR_YESTERDAY,
        ),
        ("T-FUT", "20250711120000", popbill::codes::TRADE_DT_FUTURE),
        ("T-BAD", "2025-07-11", popbill::codes::BULK_TRADE_DT_FORMAT),
    ];
    let batch = cases
        .iter()
        .map(|(k, dt, _)| with(cashbill(k), "tradeDT", json!(dt)))
        .collect();
    app.bulk_submit(&tok, "TDT", batch).await;
    app.advance(3.0).await;
    let (_, r) = app.get_bulk_result(&tok, "TDT").await;
    for (i, (key, _, want)) in cases.iter().enumerate() {
        assert_eq!(r["issueResult"][i]["code"], json!(want), "{key}");
    }
    assert_eq!(r["issueResult"][1]["tradeDT"], "20250710000000");
    assert_eq!(r["issueResult"][1]["tradeDate"], "20250710");

    // A day later, yesterday's receipt of that date would be too old.
    app.advance_to("20250712100000").await;
    let tok = app.token().await;
    let (status, v) = app
        .regist_issue(
            &tok,
            with(cashbill("T-LATE"), "tradeDT", json!("20250710000000")),
        )
        .await;
    assert_eq!(
        (status, v["code"].clone()),
        (400, json!(popbill::codes::TRADE_DT_NOT_TODAY_OR_YESTERDAY))
    );
}
