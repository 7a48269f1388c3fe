//! Webhook delivery over real HTTP: retry policy, authentication headers, webhook faults.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn a_receiver_answering_500_then_ok_gets_exactly_two_sends_five_minutes_apart() {
    let (app, rx) = spawn_with_receiver().await;
    let tok = app.token().await;
    rx.answer_with(&[(500, "error")]);
    app.bulk_submit(&tok, "RETRY-1", vec![cashbill("R-1")])
        .await;
    let ran = app.advance(3.0).await;
    assert_eq!(ran["ran"]["webhooks_failed"], 1);
    assert_eq!(rx.received().len(), 1);
    let ran = app.advance(299.0).await;
    assert_eq!(ran["ran"]["webhooks_sent"], 0, "not before 5 minutes");
    let ran = app.advance(1.0).await;
    assert_eq!(ran["ran"]["webhooks_sent"], 1);
    app.advance(3600.0).await;
    let got = rx.received();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].header("pb-webhook-mid"),
        got[1].header("pb-webhook-mid")
    );
    let log = app.webhook_log().await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["at"], "2025-07-11T10:00:03+09:00");
    assert_eq!(log[0]["http_status"], 500);
    assert_eq!(log[0]["ok"], false);
    assert_eq!(log[1]["at"], "2025-07-11T10:05:03+09:00");
    assert_eq!(log[1]["attempt"], 2);
    assert_eq!(log[1]["ok"], true);
}

#[tokio::test]
async fn a_receiver_that_never_acknowledges_gets_four_sends_then_none() {
    let (app, rx) = spawn_with_receiver().await;
    let tok = app.token().await;
    // 200 with the wrong body is not an acknowledgement either.
    rx.answer_with(&[
        (200, "fine"),
        (500, ""),
        (404, ""),
        (200, "{\"result\":\"NO\"}"),
    ]);
    app.bulk_submit(&tok, "RETRY-2", vec![cashbill("R-2")])
        .await;
    let ran = app.advance(3600.0).await;
    assert_eq!(ran["ran"]["webhooks_failed"], 4);
    assert_eq!(rx.received().len(), 4);
    let log = app.webhook_log().await;
    let at: Vec<&str> = log.iter().map(|l| l["at"].as_str().unwrap()).collect();
    assert_eq!(
        at,
        [
            "2025-07-11T10:00:03+09:00",
            "2025-07-11T10:05:03+09:00",
            "2025-07-11T10:10:03+09:00",
            "2025-07-11T10:15:03+09:00"
        ]
    );
    assert_eq!(app.state().await["webhooks_pending"], 0);
}

#[tokio::test]
async fn json_result_ok_is_an_acknowledgement_and_basic_auth_is_sent_when_configured() {
    let (app, rx) = spawn_with_receiver().await;
    app.set_config(json!({"webhook_basic_auth": "user:pass", "webhook_api_key": null}))
        .await;
    let tok = app.token().await;
    rx.answer_with(&[(200, "{\"result\":\"OK\"}")]);
    app.bulk_submit(&tok, "AUTH-1", vec![cashbill("A-1")]).await;
    let ran = app.advance(3.0).await;
    assert_eq!(ran["ran"]["webhooks_sent"], 1);
    let got = &rx.received()[0];
    assert_eq!(got.header("authorization"), Some("Basic dXNlcjpwYXNz"));
    assert_eq!(got.header("x-api-key"), None);
}

#[tokio::test]
async fn an_unreachable_receiver_counts_as_a_failed_attempt() {
    let app = spawn_with(mock_server::Config {
        webhook_url: Some("http://127.0.0.1:9/hook".into()),
        ..config()
    })
    .await;
    let tok = app.token().await;
    app.bulk_submit(&tok, "DOWN-1", vec![cashbill("D-1")]).await;
    let ran = app.advance(3.0).await;
    assert_eq!(ran["ran"]["webhooks_failed"], 1);
    let log = app.webhook_log().await;
    assert!(log[0]["error"].is_string(), "{}", log[0]);
    assert_eq!(log[0]["http_status"], serde_json::Value::Null);
}

#[tokio::test]
async fn no_webhook_url_means_no_events() {
    let app = spawn_app().await;
    let tok = app.token().await;
    app.bulk_submit(&tok, "QUIET", vec![cashbill("Q-1")]).await;
    let ran = app.advance(86_400.0 * 2.0).await;
    assert_eq!(ran["ran"]["webhooks_sent"], 0);
    assert!(app.webhook_log().await.is_empty());
}

#[tokio::test]
async fn a_dropped_webhook_is_never_delivered_but_logged() {
    let (app, rx) = spawn_with_receiver().await;
    app.webhook_fault(json!({"action": "drop", "count": 1}))
        .await;
    let tok = app.token().await;
    app.bulk_submit(&tok, "WF-DROP", vec![cashbill("W-1"), cashbill("W-2")])
        .await;
    app.advance(3600.0).await;
    let got = rx.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body["mgtKey"], "W-2");
    let log = app.webhook_log().await;
    assert_eq!(log[0]["fault"], "drop");
    assert_eq!(log[0]["mgt_key"], "W-1");
    let faults = app.control_get("/_mock/faults").await;
    assert_eq!(faults["injected"]["webhooks"]["drop"], 1);
}

#[tokio::test]
async fn a_duplicated_webhook_arrives_twice_with_the_same_mid() {
    let (app, rx) = spawn_with_receiver().await;
    app.webhook_fault(json!({"action": "duplicate"})).await;
    let tok = app.token().await;
    app.bulk_submit(&tok, "WF-DUP", vec![cashbill("W-1")]).await;
    app.advance(3.0).await;
    let got = rx.received();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].header("pb-webhook-mid"),
        got[1].header("pb-webhook-mid")
    );
    assert_eq!(got[0].body, got[1].body);
}

#[tokio::test]
async fn a_delayed_webhook_arrives_that_much_later_on_the_simulated_clock() {
    let (app, rx) = spawn_with_receiver().await;
    app.webhook_fault(json!({"action": "delay", "delay_secs": 120}))
        .await;
    let tok = app.token().await;
    app.bulk_submit(&tok, "WF-DELAY", vec![cashbill("W-1")])
        .await;
    app.advance(3.0).await;
    assert!(rx.received().is_empty());
    app.advance(119.0).await;
    assert!(rx.received().is_empty());
    app.advance(1.0).await;
    assert_eq!(rx.received().len(), 1);
    assert_eq!(
        app.webhook_log().await[0]["at"],
        "2025-07-11T10:02:03+09:00"
    );
}

#[tokio::test]
async fn reordered_webhooks_can_bring_the_nts_before_its_bulkresult() {
    let (app, rx) = spawn_with_receiver().await;
    app.webhook_fault(json!({"action": "reorder", "event_type": "BULKRESULT", "count": 2}))
        .await;
    let tok = app.token().await;
    app.bulk_submit(&tok, "WF-RE", vec![cashbill("W-1"), cashbill("W-2")])
        .await;
    // One advance across the next day's 11:00: the held BULKRESULTs go out at its end.
    let ran = app.advance_to("20250712110000").await;
    assert_eq!(ran["ran"]["webhooks_sent"], 4);
    let order: Vec<(String, String)> = rx
        .received()
        .iter()
        .map(|r| {
            (
                r.body["eventType"].as_str().unwrap().to_owned(),
                r.body["mgtKey"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(order.len(), 4);
    assert_eq!(order[0], ("NTS".into(), "W-1".into()));
    assert_eq!(order[1], ("NTS".into(), "W-2".into()));
    let mut held: Vec<&str> = order[2..]
        .iter()
        .map(|(t, k)| {
            assert_eq!(t, "BULKRESULT");
            k.as_str()
        })
        .collect();
    held.sort();
    assert_eq!(held, ["W-1", "W-2"]);
}

#[tokio::test]
async fn reorder_on_every_event_still_delivers_every_event_in_each_run() {
    let (app, rx) = spawn_with_receiver().await;
    app.webhook_fault(json!({"action": "reorder", "rate": 1.0}))
        .await;
    app.webhook_fault(json!({"action": "duplicate", "rate": 1.0}))
        .await;
    let tok = app.token().await;
    let batch = (0..10).map(|i| cashbill(&format!("RR-{i}"))).collect();
    app.bulk_submit(&tok, "WF-ALL", batch).await;
    app.advance(60.0).await;
    assert_eq!(rx.of_type("BULKRESULT").len(), 20, "every event twice");
    let keys: Vec<String> = rx
        .received()
        .iter()
        .map(|r| r.body["mgtKey"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_ne!(keys, sorted, "shuffled (seeded)");
    app.advance_to("20250712110000").await;
    assert_eq!(rx.of_type("NTS").len(), 20);
}
