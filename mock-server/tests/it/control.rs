//! The control API: clock, config, journal, state, reset, determinism, unknown paths.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn the_clock_reports_advances_and_never_goes_back() {
    let app = spawn_app().await;
    let c = app.control_get("/_mock/clock").await;
    assert_eq!(
        c,
        json!({"now": START, "kst": "20250711100000", "mode": "frozen"})
    );
    let a = app.advance(90.0).await;
    assert_eq!(a["now"], "2025-07-11T10:01:30+09:00");
    let a = app.advance_to("2025-07-11T12:00:00+09:00").await;
    assert_eq!(a["kst"], "20250711120000");
    for body in [
        json!({"to": "20250711110000"}),
        json!({"seconds": -1}),
        json!({}),
        json!({"seconds": 1, "to": "20250712000000"}),
        json!({"to": "soon"}),
    ] {
        let (s, v) = app.control_post("/_mock/clock/advance", body.clone()).await;
        assert_eq!(s, 400, "{body}: {v}");
        assert_eq!(v["code"], -99999400);
    }
    assert_eq!(
        app.control_get("/_mock/clock").await["kst"],
        "20250711120000"
    );
}

#[tokio::test]
async fn in_real_mode_without_a_start_the_clock_is_the_system_clock_to_the_millisecond() {
    let app = spawn_with(mock_server::Config {
        clock: mock_server::ClockMode::Real,
        start: None,
        ..config()
    })
    .await;
    let millis = |rfc3339: &str| {
        chrono::DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .timestamp_millis()
    };
    // Several reads, each bracketed by the system clock: the mock's now lies between them
    // (a few ms of slack for the two clocks' readings), never a truncated second behind.
    for _ in 0..5 {
        let before = chrono::Utc::now().timestamp_millis();
        let now = app.control_get("/_mock/clock").await;
        let after = chrono::Utc::now().timestamp_millis();
        let at = millis(now["now"].as_str().unwrap());
        assert!(
            before - 5 <= at && at <= after + 5,
            "mock {at} outside the system clock's [{before}, {after}]"
        );
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
}

#[tokio::test]
async fn a_real_clock_runs_processing_and_webhooks_by_itself() {
    let receiver = Receiver::start().await;
    let app = spawn_with(mock_server::Config {
        clock: mock_server::ClockMode::Real,
        delay_to_processing: Duration::from_millis(100),
        delay_to_completed: Duration::from_millis(100),
        webhook_url: Some(receiver.url.clone()),
        ..config()
    })
    .await;
    let tok = app.token().await;
    app.bulk_submit(&tok, "REAL-1", vec![cashbill("RL-1")])
        .await;
    crate::wait_until("the BULKRESULT webhook", || !receiver.received().is_empty()).await;
    assert_eq!(app.get_bulk_result(&tok, "REAL-1").await.1["txState"], 2);
    let (s, v) = app
        .control_post("/_mock/clock/mode", json!({"mode": "frozen"}))
        .await;
    assert_eq!((s, v["mode"].clone()), (200, json!("frozen")));
    let a = app.control_get("/_mock/clock").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(app.control_get("/_mock/clock").await, a, "frozen now");
}

#[tokio::test]
async fn config_is_updated_partially_and_secrets_are_not_echoed() {
    let app = spawn_app().await;
    let (s, v) = app
        .control_post(
            "/_mock/config",
            json!({"webhook_api_key": "sekret", "delay_to_completed_secs": 10,
                                              "latency_ms": 0, "token_ttl_secs": 60}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["webhook_api_key"], "set");
    assert!(!v.to_string().contains("sekret"));
    assert_eq!(v["delay_to_completed_secs"], 10.0);
    let tok = app.token().await;
    app.bulk_submit(&tok, "CFG", vec![cashbill("C-1")]).await;
    app.advance(3.0).await;
    assert_eq!(
        app.get_bulk_result(&tok, "CFG").await.1["txState"],
        1,
        "10 s now"
    );
    app.advance(8.0).await;
    let tok = app.token().await;
    assert_eq!(app.get_bulk_result(&tok, "CFG").await.1["txState"], 2);
    let (s, _) = app
        .control_post("/_mock/config", json!({"nonsense": 1}))
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn latency_delays_every_api_answer() {
    let app = spawn_app().await;
    app.set_config(json!({"latency_ms": 150})).await;
    let started = std::time::Instant::now();
    let tok = app.token().await;
    app.get_info(&tok, "K").await;
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn the_journal_lists_calls_without_secrets_and_the_state_masks_identity_numbers() {
    let app = spawn_app().await;
    let tok = app.token().await;
    app.bulk_submit(&tok, "J-1", vec![cashbill("J-1")]).await;
    app.advance(3.0).await;
    app.get_bulk_result(&tok, "J-1").await;
    let journal = app.journal().await;
    let kinds: Vec<(Value, Value, Value)> = journal
        .iter()
        .map(|j| (j["method"].clone(), j["path"].clone(), j["status"].clone()))
        .collect();
    assert!(kinds.contains(&(json!("POST"), json!("/POPBILL_TEST/Token"), json!(200))));
    let bulk = journal
        .iter()
        .find(|j| j["override"] == "BULKISSUE")
        .unwrap();
    assert_eq!(bulk["submit_id"], "J-1");
    assert_eq!(bulk["code"], 1);
    assert_eq!(bulk["at"], START);
    let all = serde_json::to_string(&journal).unwrap();
    assert!(!all.contains(&tok), "no tokens in the journal");

    let state = app.state().await;
    let sub = &state["submissions"][0];
    assert_eq!(sub["submit_id"], "J-1");
    assert_eq!(sub["tx_state"], 2);
    assert_eq!(sub["mgt_keys"], json!(["J-1"]));
    let cb = &state["cashbills"][0];
    assert_eq!(cb["identity_num"], "*******5678");
    assert_eq!(cb["state_code"], 300);
    assert_eq!(cb["issue_code"], 1);
    assert!(!state.to_string().contains("01012345678"));
}

#[tokio::test]
async fn reset_clears_state_logs_and_faults_but_keeps_config_and_tokens() {
    let (app, _rx) = spawn_with_receiver().await;
    let tok = app.token().await;
    app.bulk_submit(&tok, "RS-1", vec![cashbill("RS-1")]).await;
    app.advance(3.0).await;
    app.fault(json!({"endpoint": "*", "action": "error", "rate": 1.0}))
        .await;
    let (s, _) = app.control_post("/_mock/reset", json!({})).await;
    assert_eq!(s, 200);
    assert!(app.journal().await.is_empty());
    assert!(app.webhook_log().await.is_empty());
    let state = app.state().await;
    assert!(state["submissions"].as_array().unwrap().is_empty());
    assert!(state["cashbills"].as_array().unwrap().is_empty());
    assert_eq!(
        app.control_get("/_mock/config").await["webhook_api_key"],
        "set"
    );
    let (s, _) = app.bulk_submit(&tok, "RS-1", vec![cashbill("RS-1")]).await;
    assert_eq!(s, 200, "faults cleared, token kept, SubmitID free again");
    assert_eq!(
        app.control_get("/_mock/clock").await["kst"],
        "20250711100003"
    );
}

#[tokio::test]
async fn the_same_seed_and_inputs_give_the_same_outputs() {
    async fn run(seed: u64) -> (Value, Vec<String>, String) {
        let (app, rx) = {
            let receiver = Receiver::start().await;
            let app = spawn_with(mock_server::Config {
                seed,
                webhook_url: Some(receiver.url.clone()),
                ..config()
            })
            .await;
            (app, receiver)
        };
        let tok = app.token().await;
        let (_, submitted) = app
            .bulk_submit(&tok, "DET", vec![cashbill("DET-1"), cashbill("DET-2")])
            .await;
        app.advance(3.0).await;
        let (_, result) = app.get_bulk_result(&tok, "DET").await;
        let mids = rx
            .received()
            .iter()
            .map(|r| r.header("pb-webhook-mid").unwrap().to_owned())
            .collect();
        let item_key = rx.received()[0].body["itemKey"]
            .as_str()
            .unwrap()
            .to_owned();
        (json!([submitted, result, tok]), mids, item_key)
    }
    let a = run(42).await;
    assert_eq!(a, run(42).await);
    let b = run(43).await;
    assert_ne!(a.0, b.0);
    assert_ne!(a.1, b.1);
    assert_ne!(a.2, b.2);
}

#[tokio::test]
async fn unknown_control_paths_are_404_json() {
    let app = spawn_app().await;
    let r = app.http.get(app.at("/_mock/nothing")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], -99999404);
    let r = app
        .http
        .delete(app.at("/_mock/clock"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn auth_clock_public_url_and_points_are_set_at_run_time() {
    let app = spawn_with(mock_server::Config {
        token_ttl: Duration::from_secs(600),
        ..config()
    })
    .await;
    let tok = app.token().await;
    // On real time (the default) a simulated jump of a day leaves the token good.
    app.advance(86_400.0).await;
    assert_eq!(app.get_info(&tok, "K").await.1["code"], -14000003);
    // On the simulated clock, the same token is now long expired.
    app.set_config(json!({"auth_clock": "simulated"})).await;
    assert_eq!(app.get_info(&tok, "K").await.1["code"], -99000026);
    app.set_config(json!({"auth_clock": "real", "public_url": "https://mock.example/"}))
        .await;
    let cfg = app.control_get("/_mock/config").await;
    assert_eq!(cfg["public_url"], "https://mock.example");
    assert_eq!(cfg["auth_clock"], "real");

    let (s, v) = app
        .control_post("/_mock/points", json!({"balance": 15, "unit_cost": 5}))
        .await;
    assert_eq!((s, v["balance"].clone()), (200, json!(15)));
    app.regist_issue(&tok, cashbill("P-1")).await;
    let points = app.control_get("/_mock/points").await;
    assert_eq!(
        (points["balance"].clone(), points["spent"].clone()),
        (json!(10), json!(5))
    );
    assert_eq!(app.state().await["points"], points);
    let url = app
        .send(
            app.http
                .get(app.at("/Cashbill/P-1?TG=VIEW"))
                .bearer_auth(&tok),
        )
        .await
        .1["url"]
        .clone();
    assert!(
        url.as_str()
            .is_some_and(|u| u.starts_with("https://mock.example/_mock/view/")),
        "{url}"
    );
    let (s, _) = app
        .control_post("/_mock/points", json!({"balance": "lots"}))
        .await;
    assert_eq!(s, 400);
}
