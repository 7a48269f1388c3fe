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
