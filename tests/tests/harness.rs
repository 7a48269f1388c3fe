//! The harness itself: both processes start, answer, and stop.

use e2e::spawn_app;

#[tokio::test]
async fn worker_reports_kv_healthy_and_mock_serves_linkhub_time() {
    let app = spawn_app().await;

    let health = app
        .http
        .get(format!("{}/healthz", app.worker.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "log:\n{}", app.worker.log());
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["kv"], "ok");

    let time = app
        .http
        .get(format!("{}/Time", app.mock.url))
        .send()
        .await
        .unwrap();
    assert_eq!(time.status(), 200);
    let text = time.text().await.unwrap();
    assert_eq!(
        text.len(),
        "2025-01-01T00:00:00Z".len(),
        "unexpected /Time body {text:?}"
    );
    assert!(text.ends_with('Z'));
}

#[tokio::test]
async fn the_worker_answers_a_newcomers_first_request_with_its_index() {
    let app = spawn_app().await;
    let index = app
        .http
        .get(format!("{}/", app.worker.url))
        .send()
        .await
        .unwrap();
    assert_eq!(index.status(), 200);
    let body: serde_json::Value = index.json().await.unwrap();
    assert_eq!(body["service"], "popbill-bulk-edge");
    assert!(
        body["version"].as_str().is_some_and(|v| !v.is_empty()),
        "{body}"
    );
    assert_eq!(body["docs"], "edge/README.md");
    let routes: Vec<String> = body["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap_or("?"),
                r["path"].as_str().unwrap_or("?")
            )
        })
        .collect();
    for route in [
        "GET /healthz",
        "POST /v1/submissions",
        "POST /v1/popbill/webhook",
    ] {
        assert!(
            routes.iter().any(|r| r == route),
            "{route} missing from {routes:?}"
        );
    }
}

#[tokio::test]
async fn a_misconfigured_worker_names_the_setting_on_healthz_and_refuses_submissions_with_503() {
    use e2e::app::{API_TOKEN, CORP, batch, keys};
    use e2e::{WorkerConfig, WorkerProcess};
    // Nothing listens on port 9: a misconfigured Worker must not get as far as calling POPBiLL.
    let mut config = WorkerConfig::for_mock("http://127.0.0.1:9");
    for (k, v) in [("POPBILL_CORP_NUM", CORP), ("TIME_SOURCE", "utc")] {
        config.vars.insert(k.into(), v.into());
    }
    for (k, v) in [
        ("POPBILL_LINK_ID", "LINK"),
        ("POPBILL_SECRET_KEY", "c2VjcmV0"),
        ("API_TOKEN", API_TOKEN),
    ] {
        config.secrets.insert(k.into(), v.into());
    }
    let worker = WorkerProcess::start_misconfigured(config).await;
    let http = reqwest::Client::new();

    let health = http
        .get(format!("{}/healthz", worker.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 503);
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(
        (body["status"].as_str(), body["kv"].as_str()),
        (Some("degraded"), Some("ok"))
    );
    let problem = body["problem"].as_str().unwrap_or_default();
    assert!(problem.contains("TIME_SOURCE"), "{body}");

    let submit = http
        .post(format!("{}/v1/submissions", worker.url))
        .bearer_auth(API_TOKEN)
        .body(batch("E2E-CONFIG-1", &keys("C", 1)).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(submit.status(), 503);
    let body: serde_json::Value = submit.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_configured");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("TIME_SOURCE"), "{body}");
}
