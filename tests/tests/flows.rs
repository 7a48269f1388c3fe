//! The whole life of receipts through the real Worker (workerd) and the mock POPBiLL.

use std::time::Duration;

use e2e::app::{CORP, batch, cashbill, keys, spawn_app, spawn_app_on};
use serde_json::json;

#[tokio::test]
async fn a_hundred_receipts_go_from_submission_to_filed_through_webhooks() {
    let app = spawn_app().await;
    let ids = keys("WH", 100);
    let (status, sub) = app.submit(&batch("E2E-WEBHOOK-1", &ids)).await;
    assert_eq!(status, 202, "{sub}");
    assert_eq!(sub["state"], "accepted");
    assert!(
        sub["receiptID"].as_str().is_some_and(|r| !r.is_empty()),
        "{sub}"
    );

    // Processing finishes within a minute; BULKRESULT webhooks reach the Worker during advance.
    app.advance(60).await;
    app.wait_all("E2E-WEBHOOK-1", "issued").await;
    let (_, one) = app.cashbill("WH-7").await;
    assert_eq!(one["status"], "issued");
    assert_eq!(one["confirmNum"].as_str().map(str::len), Some(9), "{one}");
    assert_eq!(one["identityNum"], "*******5678");

    // Filed from midnight, results (and NTS webhooks) at 11:00 the next day.
    app.advance_to("20250712105959").await;
    app.wait_all("E2E-WEBHOOK-1", "issued").await;
    app.advance_to("20250712110000").await;
    app.wait_all("E2E-WEBHOOK-1", "filed").await;
    let (_, done) = app.submission("E2E-WEBHOOK-1").await;
    assert_eq!(done["state"], "completed");
    assert_eq!(done["counts"]["filed"], 100);

    let hooks = app.mock_get("/_mock/webhooks").await;
    let hooks = hooks.as_array().expect("a delivery log");
    assert_eq!(
        hooks.len(),
        200,
        "one BULKRESULT and one NTS per receipt, each accepted first time"
    );
    assert!(
        hooks.iter().all(|h| h["ok"] == true),
        "every delivery acknowledged"
    );
}

#[tokio::test]
async fn with_every_webhook_dropped_the_cron_alone_brings_every_receipt_home() {
    let app = spawn_app().await;
    app.mock_post(
        "/_mock/webhook-faults",
        &json!({ "action": "drop", "rate": 1.0 }),
    )
    .await;
    let ids = keys("PL", 100);
    let (status, _) = app.submit(&batch("E2E-POLL-1", &ids)).await;
    assert_eq!(status, 202);
    app.advance(60).await;
    app.cron().await;
    app.wait_all("E2E-POLL-1", "issued").await;

    app.advance_to("20250712110000").await;
    app.cron().await;
    app.wait_all("E2E-POLL-1", "filed").await;
    let delivered = app.mock_get("/_mock/webhooks").await;
    assert!(
        delivered
            .as_array()
            .expect("a log")
            .iter()
            .all(|h| h["ok"] != true),
        "nothing arrived by webhook"
    );
    let journal = app.mock_get("/_mock/journal").await;
    let infos = journal
        .as_array()
        .expect("a journal")
        .iter()
        .filter(|r| r["path"] == "/Cashbill/States" && r["status"] == 200)
        .count();
    assert_eq!(infos, 1, "100 filing results in one GetInfos call");
    // The Worker signs with the simulated clock (GET /Time); its token outlived the jump to
    // the next day: no call was refused for its token or its date.
    let refused: Vec<&serde_json::Value> = journal
        .as_array()
        .expect("a journal")
        .iter()
        .filter(|r| r["status"] == 401)
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
}

#[tokio::test]
async fn issue_failures_and_failed_filings_end_in_their_own_final_states_across_midnight() {
    let app = spawn_app().await;
    let mut cashbills: Vec<_> = keys("MX", 6).iter().map(|k| cashbill(k)).collect();
    cashbills[1]["orderNumber"] = "SCENARIO:ISSUE_FAIL:-14001031".into();
    cashbills[2]["orderNumber"] = "SCENARIO:NTS_FAIL:TS1".into();
    cashbills[4]["orderNumber"] = "SCENARIO:NTS_FAIL:TS4".into();
    let (status, _) = app
        .submit(&json!({ "submitID": "E2E-MIX-1", "cashbills": cashbills }))
        .await;
    assert_eq!(status, 202);
    app.advance(60).await;
    app.wait_all_statuses(
        "E2E-MIX-1",
        &[
            "issued",
            "issue_failed",
            "issued",
            "issued",
            "issued",
            "issued",
        ],
    )
    .await;
    let (_, failed) = app.cashbill("MX-1").await;
    assert_eq!(failed["issueCode"], -14001031);

    app.advance_to("20250712000100").await; // filed after midnight, results not yet out
    app.wait_all_statuses(
        "E2E-MIX-1",
        &[
            "issued",
            "issue_failed",
            "issued",
            "issued",
            "issued",
            "issued",
        ],
    )
    .await;
    app.advance_to("20250712110000").await;
    app.wait_all_statuses(
        "E2E-MIX-1",
        &[
            "filed",
            "issue_failed",
            "filing_failed",
            "filed",
            "filing_failed",
            "filed",
        ],
    )
    .await;
    let (_, ts4) = app.cashbill("MX-4").await;
    assert_eq!(
        (ts4["stateCode"].as_i64(), ts4["ntsResultCode"].as_str()),
        (Some(305), Some("TS4"))
    );
    let (_, sub) = app.submission("E2E-MIX-1").await;
    assert_eq!(
        sub["counts"],
        json!({"filed": 3, "filing_failed": 2, "issue_failed": 1, "issued": 0, "submitted": 0})
    );
    assert_eq!(sub["corpNum"], CORP);
}

#[tokio::test]
async fn duplicated_and_reordered_webhooks_end_in_the_right_state() {
    let app = spawn_app().await;
    app.mock_post(
        "/_mock/webhook-faults",
        &json!({ "action": "duplicate", "rate": 1.0 }),
    )
    .await;
    // Each event is held to the end of its run and sent last, shuffled with the other held ones.
    app.mock_post(
        "/_mock/webhook-faults",
        &json!({ "action": "reorder", "rate": 1.0 }),
    )
    .await;
    let ids = keys("DR", 10);
    assert_eq!(app.submit(&batch("E2E-DUP-1", &ids)).await.0, 202);
    app.advance(60).await;
    app.wait_all("E2E-DUP-1", "issued").await;
    app.advance_to("20250712110000").await;
    app.wait_all("E2E-DUP-1", "filed").await;
    let hooks = app.mock_get("/_mock/webhooks").await;
    let sent = hooks.as_array().expect("a log").len();
    assert!(sent >= 40, "every event delivered twice, got {sent}");
}

#[tokio::test]
async fn nts_results_arriving_before_bulkresult_still_end_filed() {
    let app = spawn_app().await;
    // The three BULKRESULTs (the first events) are held back two days, past the NTS results.
    app.mock_post(
        "/_mock/webhook-faults",
        &json!({ "action": "delay", "count": 3, "delay_secs": 2 * 86_400 }),
    )
    .await;
    assert_eq!(
        app.submit(&batch("E2E-ORDER-1", &keys("OR", 3))).await.0,
        202
    );
    app.advance(60).await;
    app.wait_all("E2E-ORDER-1", "submitted").await;
    app.advance_to("20250712110000").await;
    app.wait_all("E2E-ORDER-1", "filed").await;
    app.advance_to("20250713110000").await; // the late BULKRESULTs arrive now
    app.wait_all("E2E-ORDER-1", "filed").await;
    let hooks = app.mock_get("/_mock/webhooks").await;
    let order: Vec<&str> = hooks
        .as_array()
        .expect("a log")
        .iter()
        .filter_map(|h| h["event_type"].as_str())
        .collect();
    assert_eq!(
        order,
        [
            "NTS",
            "NTS",
            "NTS",
            "BULKRESULT",
            "BULKRESULT",
            "BULKRESULT"
        ]
    );
}

#[tokio::test]
async fn a_submission_whose_answer_is_lost_after_commit_is_issued_exactly_once() {
    let app = spawn_app().await;
    app.mock_post(
        "/_mock/faults",
        &json!({ "endpoint": "bulk_submit", "action": "timeout_after_commit", "delay_ms": 0 }),
    )
    .await;
    let (status, sub) = app.submit(&batch("E2E-AMB-1", &keys("AM", 5))).await;
    assert_eq!(status, 202, "{sub}");
    assert_eq!(
        sub["state"], "accepted",
        "resolved through GetBulkResult: {sub}"
    );
    let journal = app.mock_get("/_mock/journal").await;
    let journal = journal.as_array().expect("a journal");
    let submits = journal
        .iter()
        .filter(|r| r["override"] == "BULKISSUE")
        .count();
    let checks = journal
        .iter()
        .filter(|r| r["path"] == "/Cashbill/BULK/E2E-AMB-1/State")
        .count();
    assert_eq!((submits, checks), (1, 1), "asked, not resent: {journal:?}");
    app.advance(60).await;
    app.wait_all("E2E-AMB-1", "issued").await;
    let state = app.mock_get("/_mock/state").await;
    let issued = state["cashbills"].as_array().expect("cashbills").len();
    assert_eq!(issued, 5, "each receipt exists once at POPBiLL");
}

#[tokio::test]
async fn a_worker_restart_mid_flow_loses_nothing() {
    let mut app = spawn_app().await;
    app.mock_post(
        "/_mock/webhook-faults",
        &json!({ "action": "drop", "rate": 1.0 }),
    )
    .await;
    assert_eq!(
        app.submit(&batch("E2E-RESTART-1", &keys("RS", 20))).await.0,
        202
    );
    app.advance(60).await;
    app.restart_worker().await;
    app.cron().await;
    app.wait_all("E2E-RESTART-1", "issued").await;
    app.restart_worker().await;
    app.advance_to("20250712110000").await;
    app.cron().await;
    app.wait_all("E2E-RESTART-1", "filed").await;
}

#[tokio::test]
async fn concurrent_first_requests_to_a_fresh_worker_are_all_accepted() {
    // A fresh isolate has no token: every request needs one at once. None may wait on another
    // request's token fetch (workerd cancels such a request as hung).
    let app = spawn_app().await;
    let bodies: Vec<_> = (0..16)
        .map(|i| batch(&format!("E2E-COLD-{i}"), &keys(&format!("CO{i}"), 10)))
        .collect();
    let answers = futures::future::join_all(bodies.iter().map(|b| app.submit(b))).await;
    for (status, body) in &answers {
        assert_eq!(*status, 202, "{body}");
        assert_eq!(body["state"], "accepted", "{body}");
    }
}

#[tokio::test]
async fn on_a_real_clock_receipts_stamped_with_the_current_second_are_accepted_and_issued() {
    // As under `make dev`: the mock follows real time from now, the Worker reads it via /Time.
    let app = spawn_app_on(mock_server::Config {
        clock: mock_server::ClockMode::Real,
        start: None,
        delay_to_processing: Duration::ZERO,
        delay_to_completed: Duration::from_millis(200),
        ..Default::default()
    })
    .await;
    let kst = chrono::FixedOffset::east_opt(9 * 3600).expect("UTC+9");
    // A point-of-sale system stamps tradeDT with the current second; several tries cross
    // second boundaries (a mock behind real time refused most of them as in the future).
    let ids = keys("RT", 5);
    for (i, id) in ids.iter().enumerate() {
        let mut one = cashbill(id);
        one["tradeDT"] = json!(
            chrono::Utc::now()
                .with_timezone(&kst)
                .format("%Y%m%d%H%M%S")
                .to_string()
        );
        let body = json!({ "submitID": format!("E2E-REALTIME-{i}"), "cashbills": [one] });
        let (status, sub) = app.submit(&body).await;
        assert_eq!(status, 202, "{one}: {sub}");
        tokio::time::sleep(Duration::from_millis(230)).await;
    }
    for i in 0..ids.len() {
        app.wait_all(&format!("E2E-REALTIME-{i}"), "issued").await;
    }
}
