//! Refunds over HTTP: a cancellation receipt's whole life (its own confirmNum, midnight filing,
//! 11:00 result, webhooks), partial cancellations adding up, and faults and scenarios applied to
//! cancellations as to any receipt.

use serde_json::{Value, json};

use crate::common::*;

fn revoke(key: &str, org: &Value) -> Value {
    json!({"mgtKey": key, "orgConfirmNum": org["confirmNum"], "orgTradeDate": org["tradeDate"],
           "smssendYN": false, "memo": "환불", "isPartCancel": false, "cancelType": 1})
}

fn cancellation(key: &str, org: &Value, [supply, tax, fee]: [u64; 3]) -> Value {
    let mut c = cashbill(key);
    c["tradeType"] = json!("취소거래");
    c["orgConfirmNum"] = org["confirmNum"].clone();
    c["orgTradeDate"] = org["tradeDate"].clone();
    c["cancelType"] = json!(1);
    c["supplyCost"] = json!(supply.to_string());
    c["tax"] = json!(tax.to_string());
    c["serviceFee"] = json!(fee.to_string());
    c["totalAmount"] = json!((supply + tax + fee).to_string());
    c
}

/// Issue `L-1` (10000 + 1000) in bulk at 10:00 on the 11th; its GetInfo.
async fn issue_original(app: &TestApp, tok: &str) -> Value {
    assert_eq!(
        app.bulk_submit(tok, "ORG-1", vec![cashbill("L-1")]).await.0,
        200
    );
    app.advance(3.0).await;
    let (status, v) = app.get_info(tok, "L-1").await;
    assert_eq!(status, 200, "{v}");
    v
}

fn dumped<'a>(state: &'a Value, mgt_key: &str) -> &'a Value {
    state["cashbills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["mgt_key"] == mgt_key)
        .unwrap_or_else(|| panic!("{mgt_key} is in the state dump"))
}

#[tokio::test]
async fn a_refund_is_refused_until_the_original_is_filed_then_lives_its_own_filing_life() {
    let (app, rx) = spawn_with_receiver().await;
    let tok = app.token().await;
    let org = issue_original(&app, &tok).await;

    let (status, v) = app.revoke_regist_issue(&tok, revoke("R-1", &org)).await;
    assert_eq!((status, v["code"].as_i64()), (400, Some(-14001021)), "{v}");

    let midnight = app.advance_to("20250712000000").await;
    assert_eq!(midnight["ran"]["filed"], 1);
    let (_, v) = app.revoke_regist_issue(&tok, revoke("R-1", &org)).await;
    assert_eq!(v["code"], -14001021, "sent to the NTS is not filed yet");
    let eleven = app.advance_to("20250712110000").await;
    assert_eq!(eleven["ran"]["results"], 1);
    assert_eq!(app.get_info(&tok, "L-1").await.1["stateCode"], 304);

    let (status, v) = app.revoke_regist_issue(&tok, revoke("R-1", &org)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["code"], 1);
    assert_eq!(v["message"], "발행 완료");
    assert_eq!(v["tradeDate"], "20250712");
    assert_eq!(v["tradeDT"], "20250712110000");
    let confirm = v["confirmNum"].as_str().unwrap().to_owned();
    assert!(confirm.starts_with("TB") && confirm.len() == 9, "{confirm}");
    assert_ne!(json!(confirm), org["confirmNum"]);

    crate::wait_until("the cancellation's Issue webhook", || {
        rx.of_type("Issue")
            .iter()
            .any(|r| r.body["mgtKey"] == "R-1")
    })
    .await;
    let issue = rx
        .of_type("Issue")
        .into_iter()
        .find(|r| r.body["mgtKey"] == "R-1")
        .unwrap();
    assert_eq!(issue.body["confirmNum"], confirm.as_str());
    assert_eq!(issue.body["stateCode"], 300);

    let (_, infos) = app.get_infos(&tok, json!(["L-1", "R-1"])).await;
    let r1 = &infos[1];
    assert_eq!(r1["mgtKey"], "R-1");
    assert_eq!(r1["tradeType"], "취소거래");
    assert_eq!(r1["orgConfirmNum"], org["confirmNum"]);
    assert_eq!(r1["orgTradeDate"], "20250711");
    assert_eq!(r1["cancelType"], 1);
    assert_eq!(r1["totalAmount"], "11000");
    assert_eq!(r1["identityNum"], org["identityNum"]);
    assert_eq!(r1["stateMemo"], "환불");
    assert_eq!(r1["stateCode"], 300);
    assert_eq!(infos[0]["stateCode"], 304, "the original stays filed");

    let state = app.state().await;
    let dumped_r1 = dumped(&state, "R-1");
    assert_eq!(dumped_r1["trade_type"], "취소거래");
    assert_eq!(dumped_r1["org_confirm_num"], org["confirmNum"]);
    assert_eq!(dumped_r1["org_trade_date"], "20250711");
    assert_eq!(dumped_r1["cancel_type"], 1);
    assert_eq!(dumped_r1["identity_num"], "*******5678", "masked");
    let dumped_org = dumped(&state, "L-1");
    assert_eq!(dumped_org["cancelled"]["total_amount"], 11000);
    assert_eq!(dumped_org["cancellations"], json!(["R-1"]));

    let midnight = app.advance_to("20250713000000").await;
    assert_eq!(
        midnight["ran"]["filed"], 1,
        "the cancellation is filed like any receipt"
    );
    let eleven = app.advance_to("20250713110000").await;
    assert_eq!(eleven["ran"]["results"], 1);
    let (_, r1) = app.get_info(&tok, "R-1").await;
    assert_eq!(r1["stateCode"], 304);
    assert_eq!(r1["ntssendDT"], "20250713000000");
    assert_eq!(r1["ntsresultCode"], "0000");
    let nts: Vec<Received> = rx
        .of_type("NTS")
        .into_iter()
        .filter(|r| r.body["mgtKey"] == "R-1")
        .collect();
    assert_eq!(nts.len(), 1);
    assert_eq!(nts[0].body["stateCode"], 304);
    assert_eq!(nts[0].body["confirmNum"], confirm.as_str());
}

#[tokio::test]
async fn bulk_partial_refunds_add_up_to_the_original_and_the_next_is_refused() {
    let (app, rx) = spawn_with_receiver().await;
    let tok = app.token().await;
    let org = issue_original(&app, &tok).await;
    app.advance_to("20250712110000").await;

    let parts = vec![
        cancellation("P-1", &org, [2500, 250, 0]),
        cancellation("P-2", &org, [2500, 250, 0]),
        cancellation("P-3", &org, [5000, 500, 0]),
    ];
    assert_eq!(app.bulk_submit(&tok, "REFUND-1", parts).await.0, 200);
    let ran = app.advance(3.0).await;
    assert_eq!(
        ran["ran"]["webhooks_sent"], 3,
        "a BULKRESULT per cancellation"
    );
    let (_, r) = app.get_bulk_result(&tok, "REFUND-1").await;
    assert_eq!(r["successCount"], 3);
    let confirms: std::collections::HashSet<&str> = r["issueResult"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["confirmNum"].as_str().unwrap())
        .collect();
    assert_eq!(
        confirms.len(),
        3,
        "each cancellation has its own confirmNum"
    );
    let bulk: Vec<Received> = rx
        .of_type("BULKRESULT")
        .into_iter()
        .filter(|b| b.body["submitID"] == "REFUND-1")
        .collect();
    assert_eq!(bulk.len(), 3);
    assert!(bulk.iter().all(|b| b.body["code"] == 1));

    let (_, v) = app
        .bulk_submit(&tok, "REFUND-2", vec![cancellation("P-4", &org, [1, 0, 0])])
        .await;
    assert_eq!(v["code"], 1, "accepted: judged at processing time");
    app.advance(3.0).await;
    let (_, r) = app.get_bulk_result(&tok, "REFUND-2").await;
    assert_eq!(r["issueResult"][0]["code"], -14001065);
    assert_eq!(r["failCount"], 1);
    let failed = rx
        .of_type("BULKRESULT")
        .into_iter()
        .find(|b| b.body["mgtKey"] == "P-4")
        .unwrap();
    assert_eq!(failed.body["code"], -14001065);
    assert_eq!(
        app.get_info(&tok, "P-4").await.0,
        404,
        "a refused cancellation is not stored"
    );

    let state = app.state().await;
    assert_eq!(
        dumped(&state, "L-1")["cancelled"],
        json!({"supply_cost": 10000, "tax": 1000, "service_fee": 0, "total_amount": 11000})
    );
    assert_eq!(
        dumped(&state, "L-1")["cancellations"],
        json!(["P-1", "P-2", "P-3"])
    );

    let eleven = app.advance_to("20250713110000").await;
    assert_eq!(eleven["ran"]["results"], 3);
    let (_, infos) = app.get_infos(&tok, json!(["P-1", "P-2", "P-3"])).await;
    let states: Vec<&Value> = infos
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["stateCode"])
        .collect();
    assert_eq!(states, [&json!(304), &json!(304), &json!(304)]);
}

#[tokio::test]
async fn faults_and_scenarios_apply_to_cancellations_as_to_any_receipt() {
    let (app, rx) = spawn_with_receiver().await;
    let tok = app.token().await;
    let org = issue_original(&app, &tok).await;
    app.advance_to("20250712110000").await;

    app.fault(json!({"endpoint": "revoke_regist_issue", "action": "error", "status": 503}))
        .await;
    let (status, v) = app.revoke_regist_issue(&tok, revoke("R-1", &org)).await;
    assert_eq!((status, v["code"].as_i64()), (503, Some(-99999999)));
    assert_eq!(
        app.get_info(&tok, "R-1").await.0,
        404,
        "an injected error changes nothing"
    );

    app.fault(json!({"endpoint": "revoke_regist_issue", "action": "timeout_after_commit", "delay_ms": 100}))
        .await;
    let lost = app
        .http
        .post(app.at("/Cashbill"))
        .header("authorization", format!("Bearer {tok}"))
        .header("x-http-method-override", "REVOKEISSUE")
        .json(
            &json!({"mgtKey": "R-1", "orgConfirmNum": org["confirmNum"], "orgTradeDate": "20250711",
                      "isPartCancel": true, "supplyCost": "1000", "tax": "100", "serviceFee": "0",
                      "totalAmount": "1100"}),
        )
        .send()
        .await;
    assert!(lost.is_err(), "no answer: {lost:?}");
    let (status, r1) = app.get_info(&tok, "R-1").await;
    assert_eq!(
        (status, &r1["totalAmount"]),
        (200, &json!("1100")),
        "but it was issued"
    );
    let (status, again) = app.revoke_regist_issue(&tok, revoke("R-1", &org)).await;
    assert_eq!((status, again["code"].as_i64()), (409, Some(-14000004)));

    app.webhook_fault(json!({"action": "drop", "event_type": "NTS"}))
        .await;
    let failing = with(
        cancellation("C-1", &org, [1000, 100, 0]),
        "orderNumber",
        json!("SCENARIO:NTS_FAIL:TS4"),
    );
    assert_eq!(app.regist_issue(&tok, failing).await.0, 200);
    app.advance_to("20250713110000").await;
    let (_, infos) = app.get_infos(&tok, json!(["R-1", "C-1"])).await;
    assert_eq!(infos[0]["stateCode"], 304);
    assert_eq!(infos[1]["stateCode"], 305);
    assert_eq!(infos[1]["ntsresultCode"], "TS4");
    let nts: Vec<Value> = rx
        .of_type("NTS")
        .into_iter()
        .map(|r| r.body["mgtKey"].clone())
        .collect();
    assert_eq!(
        nts,
        [json!("L-1"), json!("C-1")],
        "the cancellation R-1's NTS event was dropped like any other"
    );
    let log = app.webhook_log().await;
    assert!(
        log.iter()
            .any(|l| l["fault"] == "drop" && l["event_type"] == "NTS"),
        "{log:?}"
    );
}
