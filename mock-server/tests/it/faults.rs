//! API faults: error, delay, drop, timeout_after_commit; counts, rates, listing, clearing.

use std::time::{Duration, Instant};

use popbill::codes;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn an_error_fault_answers_its_status_and_code_without_touching_state() {
    let app = spawn_app().await;
    let tok = app.token().await;
    app.fault(
        json!({"endpoint": "bulk_submit", "action": "error", "status": 503,
                     "code": -10010032, "message": "busy"}),
    )
    .await;
    let (s, v) = app.bulk_submit(&tok, "F-ERR", vec![cashbill("F-1")]).await;
    assert_eq!((s, v), (503, json!({"code": -10010032, "message": "busy"})));
    // Not even the SubmitID was touched: it still works.
    let (s, _) = app.bulk_submit(&tok, "F-ERR", vec![cashbill("F-1")]).await;
    assert_eq!(s, 200);
    let journal = app.journal().await;
    let faulted: Vec<_> = journal.iter().filter(|j| j["fault"] == "error").collect();
    assert_eq!(faulted.len(), 1);
    assert_eq!(faulted[0]["status"], 503);
    assert_eq!(faulted[0]["submit_id"], "F-ERR");
}

#[tokio::test]
async fn an_error_fault_defaults_to_500_and_only_hits_its_endpoint() {
    let app = spawn_app().await;
    let tok = app.token().await;
    app.fault(json!({"endpoint": "get_info", "action": "error", "count": 2}))
        .await;
    assert_eq!(app.get_bulk_result(&tok, "X").await.0, 404);
    let (s, v) = app.get_info(&tok, "X").await;
    assert_eq!((s, v["code"].as_i64()), (500, Some(-99999999)));
    assert_eq!(app.get_info(&tok, "X").await.0, 500);
    assert_eq!(app.get_info(&tok, "X").await.0, 404, "count 2 is spent");
    let listed = app.control_get("/_mock/faults").await;
    assert_eq!(listed["api"].as_array().unwrap().len(), 0);
    assert_eq!(listed["injected"]["api"]["error"], 2);
}

#[tokio::test]
async fn a_token_fault_fails_token_issuance() {
    let app = spawn_app().await;
    app.fault(json!({"endpoint": "token", "action": "error", "status": 502, "code": -99999999}))
        .await;
    let (s, _) = app.send(app.token_request().await).await;
    assert_eq!(s, 502);
    app.token().await;
}

#[tokio::test]
async fn a_delay_fault_waits_then_answers_normally() {
    let app = spawn_app().await;
    let tok = app.token().await;
    app.fault(json!({"endpoint": "get_bulk_result", "action": "delay", "delay_ms": 300}))
        .await;
    let started = Instant::now();
    let (s, v) = app.get_bulk_result(&tok, "NOPE").await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        (s, v["code"].as_i64()),
        (404, Some(codes::SUBMIT_ID_NOT_FOUND))
    );
    let started = Instant::now();
    app.get_bulk_result(&tok, "NOPE").await;
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn a_drop_fault_closes_the_connection_and_leaves_state_untouched() {
    let app = spawn_app().await;
    let tok = app.token().await;
    app.fault(json!({"endpoint": "bulk_submit", "action": "drop"}))
        .await;
    let body = serde_json::to_vec(&json!({"cashbills": [cashbill("DR-1")]})).unwrap();
    let err = app.bulk_request(&tok, "F-DROP", &body).send().await;
    assert!(err.is_err(), "no answer expected: {err:?}");
    assert_eq!(
        app.get_bulk_result(&tok, "F-DROP").await.1["code"],
        codes::SUBMIT_ID_NOT_FOUND
    );
    let (s, _) = app.send(app.bulk_request(&tok, "F-DROP", &body)).await;
    assert_eq!(s, 200, "a dropped request did not burn the SubmitID");
    let j = app.journal().await;
    let dropped = j.iter().find(|e| e["fault"] == "drop").unwrap();
    assert_eq!(dropped["status"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_timeout_after_commit_applies_the_submission_but_never_answers() {
    let app = spawn_app().await;
    let tok = app.token().await;
    app.fault(
        json!({"endpoint": "bulk_submit", "action": "timeout_after_commit", "delay_ms": 200}),
    )
    .await;
    let body = serde_json::to_vec(&json!({"cashbills": [cashbill("TO-1")]})).unwrap();
    let started = Instant::now();
    let err = app.bulk_request(&tok, "F-TO", &body).send().await;
    assert!(err.is_err(), "no answer expected: {err:?}");
    assert!(started.elapsed() >= Duration::from_millis(200));
    // The client must ask before resending: the submission exists.
    let (s, r) = app.get_bulk_result(&tok, "F-TO").await;
    assert_eq!(s, 200);
    assert_eq!(r["submitCount"], 1);
    let (s, v) = app.send(app.bulk_request(&tok, "F-TO", &body)).await;
    assert_eq!(
        (s, v["code"].as_i64()),
        (409, Some(codes::SUBMIT_ID_IN_USE))
    );
}

#[tokio::test]
async fn a_rate_fault_hits_about_that_share_of_calls_reproducibly() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let app = spawn_with(mock_server::Config { seed, ..config() }).await;
        let tok = app.token().await;
        app.fault(json!({"endpoint": "*", "action": "error", "rate": 0.3}))
            .await;
        let mut out = Vec::new();
        for _ in 0..200 {
            out.push(app.get_info(&tok, "K").await.0);
        }
        out
    }
    let a = statuses(11).await;
    let hits = a.iter().filter(|s| **s == 500).count();
    assert!((35..=85).contains(&hits), "{hits} of 200");
    assert_eq!(a, statuses(11).await, "same seed, same faults");
}

#[tokio::test]
async fn faults_are_listed_and_cleared() {
    let app = spawn_app().await;
    let id = app
        .fault(json!({"endpoint": "*", "action": "drop", "rate": 1.0}))
        .await;
    app.webhook_fault(json!({"action": "duplicate", "count": 3}))
        .await;
    let listed = app.control_get("/_mock/faults").await;
    assert_eq!(listed["api"][0]["id"], id);
    assert_eq!(listed["api"][0]["action"], "drop");
    assert_eq!(listed["webhooks"][0]["remaining"], 3);
    let r = app
        .http
        .delete(app.at("/_mock/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let listed = app.control_get("/_mock/faults").await;
    assert!(listed["api"].as_array().unwrap().is_empty());
    assert!(listed["webhooks"].as_array().unwrap().is_empty());
    app.token().await;
    let (s, v) = app
        .control_post(
            "/_mock/faults",
            json!({"endpoint": "everything", "action": "error"}),
        )
        .await;
    assert_eq!(s, 400, "{v}");
}
