//! Secrets and personal data never leak: a whole run's logs (the Worker's, via wrangler, and the
//! mock's, via tracing), every response and every event the merchant receives are searched for
//! each secret and each identityNum.

use std::io::Write;
use std::sync::{Arc, Mutex};

use e2e::app::{API_TOKEN, WEBHOOK_KEY, batch, cashbill, keys};
use e2e::merchant::{OLD_SECRET, SECRET, spawn_notifying};
use serde_json::{Value, json};

/// A tracing writer into a shared buffer, so the mock's logs can be searched.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("the capture lock is never poisoned")
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Any 48-hex-digit run: the shape of the mock's session tokens.
fn token_like(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let mut start = 0;
    for i in 0..=b.len() {
        let hex = i < b.len() && b[i].is_ascii_hexdigit() && !b[i].is_ascii_uppercase();
        if !hex {
            if i - start >= 48 {
                return Some(&text[start..i]);
            }
            start = i + 1;
        }
    }
    None
}

#[tokio::test]
async fn no_secret_token_or_identity_number_appears_in_any_log_or_response() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    // Merchant events on: their bodies, and the Worker's log of their deliveries, are searched too.
    let (app, receiver) = spawn_notifying(0, None).await;
    let identities = [
        "01099998888",
        "9001011234567",
        "1234567890123456789",
        "0100001234",
    ];
    let mut responses: Vec<String> = Vec::new();

    // A whole run: submissions with several kinds of identityNum, a refused one, webhooks,
    // a failing POPBiLL call, token expiry, the cron, filing and results.
    let mut cashbills: Vec<Value> = keys("SEC", 4).iter().map(|k| cashbill(k)).collect();
    for (c, id) in cashbills.iter_mut().zip(identities) {
        c["identityNum"] = id.into();
    }
    let (_, v) = app
        .submit(&json!({ "submitID": "E2E-SECRET-1", "cashbills": cashbills }))
        .await;
    responses.push(v.to_string());
    let mut bad = cashbill("SEC-BAD");
    bad["identityNum"] = "0109999x777".into();
    responses.push(
        app.submit(&json!({ "cashbills": [bad] }))
            .await
            .1
            .to_string(),
    );
    app.mock_post(
        "/_mock/faults",
        &json!({ "endpoint": "bulk_submit", "action": "error", "status": 500 }),
    )
    .await;
    responses.push(
        app.submit(&batch("E2E-SECRET-2", &keys("SEC2", 1)))
            .await
            .1
            .to_string(),
    );
    app.mock_post("/_mock/tokens/expire", &json!({})).await;
    app.advance(60).await;
    app.cron().await;
    app.advance_to("20250712110000").await;
    app.cron().await;
    for path in [
        "/v1/submissions/E2E-SECRET-1",
        "/v1/submissions/E2E-SECRET-2",
        "/v1/cashbills/SEC-1",
        "/v1/notifications/failed",
        "/healthz",
    ] {
        let req = app
            .http
            .get(format!("{}{path}", app.worker.url))
            .bearer_auth(API_TOKEN);
        responses.push(app.raw(req).await.1.to_string());
    }
    let wrong = app
        .http
        .post(format!("{}/v1/popbill/webhook", app.worker.url))
        .header("x-api-key", "guess")
        .body("{}");
    responses.push(app.raw(wrong).await.1.to_string());
    for path in [
        "/_mock/journal",
        "/_mock/webhooks",
        "/_mock/state",
        "/_mock/config",
        "/_mock/faults",
        "/_mock/clock",
    ] {
        responses.push(app.mock_get(path).await.to_string());
    }
    let (_, sub) = app.submission("E2E-SECRET-1").await;
    assert_eq!(sub["counts"]["filed"], 4, "the run went through: {sub}");
    let events = e2e::merchant::wait_for_events(
        &app,
        &receiver,
        &["E2E-SECRET-1".to_owned()],
        true,
        std::time::Duration::from_secs(30),
    )
    .await;
    let ours = events
        .values()
        .filter(|t| t.submit_id.as_deref() == Some("E2E-SECRET-1"))
        .count();
    assert_eq!(ours, 4 + 4 + 1, "the merchant's events went through");
    responses.extend(receiver.deliveries().into_iter().map(|d| d.body));

    let worker_log = app.worker.log();
    let mock_log = String::from_utf8_lossy(&capture.0.lock().expect("not poisoned")).into_owned();
    assert!(
        mock_log.contains("webhook"),
        "the mock's logs were captured: {} bytes",
        mock_log.len()
    );
    assert!(
        worker_log.contains("reconcile"),
        "the Worker's logs were captured"
    );
    assert!(
        !worker_log.contains("non-ASCII"),
        "KV metadata is ASCII: no header warnings"
    );
    let secrets = [
        ("the POPBiLL SecretKey", app.mock.secret_key.as_str()),
        ("the API token", API_TOKEN),
        ("the webhook key", WEBHOOK_KEY),
        ("the events secret", SECRET),
        ("the retiring events secret", OLD_SECRET),
        ("the events key", SECRET.trim_start_matches("whsec_")),
    ];
    for (name, text) in [("worker log", &worker_log), ("mock log", &mock_log)]
        .into_iter()
        .chain(responses.iter().map(|r| ("a response or event", r)))
    {
        for (what, secret) in secrets {
            assert!(!text.contains(secret), "{what} appears in {name}");
        }
        for id in identities {
            assert!(
                !text.contains(id),
                "identityNum {id} appears unmasked in {name}"
            );
        }
        assert!(
            !text.contains("0109999x777"),
            "a refused identityNum appears in {name}"
        );
        assert_eq!(token_like(text), None, "a session token appears in {name}");
        assert!(
            !text.to_ascii_lowercase().contains("bearer "),
            "a bearer credential appears in {name}"
        );
    }
}

#[test]
fn the_token_detector_finds_a_token_and_nothing_else() {
    let t = "0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_eq!(token_like(&format!("x={t};")), Some(t));
    assert_eq!(token_like("mid 016120000002-1777d55c2c41492ab06826d"), None);
    assert_eq!(token_like(&t[..47]), None);
}
