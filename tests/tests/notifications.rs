//! Merchant notifications end to end: the real Worker (workerd, its local Cloudflare Queues)
//! sends Standard Webhooks events to a receiver that verifies every signature and fails on
//! purpose; the npm `standardwebhooks` package checks the same deliveries independently.

use std::time::Duration;

use e2e::app::{
    API_TOKEN, CORP, START, TestApp, cashbill, keys, spawn_app_configured, worker_config,
};
use e2e::merchant::{
    OLD_SECRET, SECRET, TIMEOUT_MS, expected, notifying, spawn_notifying, taken, wait_for_events,
};
use e2e::npm_verify::verify_with_standardwebhooks;
use e2e::receiver::{Answer, Behaviour};
use e2e::{MockPopbill, WorkerProcess, wait_for};
use serde_json::{Value, json};

async fn failed(app: &TestApp) -> Value {
    let req = app
        .http
        .get(format!("{}/v1/notifications/failed", app.worker.url))
        .bearer_auth(API_TOKEN);
    let (status, body) = app.raw(req).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn replay(app: &TestApp, body: &Value) -> (u16, Value) {
    let req = app
        .http
        .post(format!("{}/v1/notifications/replay", app.worker.url))
        .bearer_auth(API_TOKEN)
        .json(body);
    app.raw(req).await
}

#[tokio::test]
async fn a_hundred_receipts_report_every_status_change_once_per_id_and_signed() {
    let (app, receiver) = spawn_notifying(12, None).await;
    // One delivery in ten fails on purpose: a 503, an answer slower than the Worker waits, or a
    // dropped connection.
    receiver.set(Behaviour::Flaky {
        rate: 0.1,
        seed: 12,
        hang: Duration::from_millis(TIMEOUT_MS + 500),
    });
    let ids = keys("EV", 100);
    let cashbills: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let mut c = cashbill(k);
            match i % 20 {
                0 => c["orderNumber"] = "SCENARIO:ISSUE_FAIL:-14001031".into(),
                1 => c["orderNumber"] = "SCENARIO:NTS_FAIL:TS1".into(),
                _ => {}
            }
            c
        })
        .collect();
    let (status, sub) = app
        .submit(&json!({ "submitID": "EV-1", "cashbills": cashbills }))
        .await;
    assert_eq!(status, 202, "{sub}");

    // Issuance, then the midnight filing and the 11:00 results, then the cron closes it.
    app.advance(60).await;
    app.advance_to("20250712110000").await;
    let mut want = vec!["filed"; 100];
    for i in (0..100).step_by(20) {
        want[i] = "issue_failed";
        want[i + 1] = "filing_failed";
    }
    app.wait_all_statuses("EV-1", &want).await;
    app.cron().await;

    let submissions = ["EV-1".to_owned()];
    let got = wait_for_events(&app, &receiver, &submissions, true, Duration::from_secs(90)).await;
    let expected = expected(&app, &submissions, true).await;
    assert_eq!(expected.len(), 100 + 95 + 1, "issuance, filing, completion");
    assert_eq!(
        got.len(),
        expected.len(),
        "one webhook-id per status change, no other event"
    );

    let deliveries = receiver.deliveries();
    assert!(
        deliveries.iter().all(|d| d.verified.is_ok()),
        "every signature verifies with the retiring secret alone"
    );
    let refused = deliveries.iter().filter(|d| !d.accepted()).count();
    assert!(
        refused > 0,
        "some deliveries failed on purpose and were retried"
    );
    let times: usize = got.values().map(|t| t.times).sum();
    assert!(times >= got.len());

    // The event carries the receipt as the API shows it.
    let filed = got
        .values()
        .find(|t| t.kind == "cashbill.filed" && t.mgt_key.as_deref() == Some("EV-3"))
        .expect("EV-3's filing event");
    let body: Value = serde_json::from_str(&filed.body).unwrap();
    let (_, mut api) = app.cashbill("EV-3").await;
    let mut data = body["data"].clone();
    assert_eq!(data["corpNum"], CORP);
    data.as_object_mut().unwrap().remove("corpNum");
    // An original's running refund totals are read on demand, not carried by its events.
    assert!(api["refunds"].is_object(), "{api}");
    api.as_object_mut().unwrap().remove("refunds");
    assert_eq!(data, api);
    assert_eq!(api["identityNum"], "*******5678");

    // An implementation of the specification that is not ours agrees, with either secret.
    for secret in [OLD_SECRET, SECRET] {
        let npm = verify_with_standardwebhooks(&deliveries, &[secret]).await;
        assert_eq!(npm["verified"], deliveries.len(), "{secret}: {npm}");
        assert_eq!(
            npm["types"]["submission.completed"].as_u64(),
            Some(
                deliveries
                    .iter()
                    .filter(|d| d.body.contains("submission.completed"))
                    .count() as u64
            )
        );
    }
}

#[tokio::test]
async fn an_endpoint_down_for_a_while_gets_every_event_once_it_is_back() {
    let (app, mut receiver) = spawn_notifying(13, None).await;
    receiver.down();
    let ids = keys("DN", 10);
    let (status, _) = app.submit(&e2e::app::batch("DN-1", &ids)).await;
    assert_eq!(status, 202);
    app.advance(60).await;
    app.wait_all("DN-1", "issued").await;
    // Down until every event has failed at least once (refused connections, in the log).
    wait_for(
        "ten refused deliveries",
        Duration::from_secs(30),
        || async {
            let log = app.worker.log();
            let refused = log
                .lines()
                .filter(|l| l.contains("notify msg_") && l.contains(": failed: "))
                .count();
            (refused >= 10).then_some(())
        },
    )
    .await;
    assert!(receiver.deliveries().is_empty());
    receiver.up().await;
    let got = wait_for_events(
        &app,
        &receiver,
        &["DN-1".into()],
        true,
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(got.len(), 10);
    assert!(got.values().all(|t| t.kind == "cashbill.issued"));
    assert_eq!(
        failed(&app).await["failed"],
        json!([]),
        "nothing was dead-lettered"
    );
}

#[tokio::test]
async fn an_endpoint_that_never_accepts_leaves_dead_letters_that_a_replay_delivers() {
    // Two retries: three attempts, then the dead-letter queue.
    let (app, receiver) = spawn_notifying(14, Some(2)).await;
    receiver.set(Behaviour::Answer(503));
    let (status, _) = app.submit(&e2e::app::batch("DL-1", &keys("DL", 3))).await;
    assert_eq!(status, 202);
    app.advance(60).await;

    let dead = wait_for("three dead letters", Duration::from_secs(60), || async {
        let list = failed(&app).await["failed"].clone();
        (list.as_array().map(Vec::len) == Some(3)).then_some(list)
    })
    .await;
    for d in dead.as_array().unwrap() {
        assert_eq!(d["type"], "cashbill.issued", "{d}");
        assert_eq!(d["submitID"], "DL-1");
        assert!(
            d["deadAt"].as_str().is_some_and(|t| t.ends_with('Z')),
            "{d}"
        );
    }
    let attempts = receiver.deliveries();
    assert_eq!(attempts.len(), 9, "three attempts of each of three events");
    assert!(
        attempts
            .iter()
            .all(|d| d.verified.is_ok() && d.answer == Answer::Status(503))
    );
    for d in &attempts {
        let same_id: Vec<_> = attempts.iter().filter(|o| o.id == d.id).collect();
        assert_eq!(same_id.len(), 3);
        assert!(
            same_id.iter().all(|o| o.body == d.body),
            "every attempt sends the same body"
        );
    }

    receiver.set(Behaviour::Accept);
    let (status, report) = replay(&app, &json!({ "all": true })).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["replayed"].as_array().map(Vec::len), Some(3));
    assert_eq!(report["remaining"], false);
    let got = wait_for_events(
        &app,
        &receiver,
        &["DL-1".into()],
        true,
        Duration::from_secs(30),
    )
    .await;
    for t in got.values() {
        let first = attempts
            .iter()
            .find(|d| d.id.as_deref() == Some(&t.id))
            .unwrap();
        assert_eq!(t.body, first.body, "the replay is the same event");
    }
    assert_eq!(failed(&app).await["failed"], json!([]));
    let (status, again) = replay(&app, &json!({ "ids": [got.keys().next().unwrap()] })).await;
    assert_eq!(
        (status, again["notFound"].as_array().map(Vec::len)),
        (200, Some(1))
    );

    // A replay by submission sends every event of it again, with the same ids.
    let (status, by_sub) = replay(&app, &json!({ "submitID": "DL-1" })).await;
    assert_eq!(status, 200, "{by_sub}");
    let mut ids: Vec<String> = serde_json::from_value(by_sub["replayed"].clone()).unwrap();
    ids.sort();
    assert_eq!(ids, got.keys().cloned().collect::<Vec<_>>());
    wait_for("the replayed events", Duration::from_secs(30), || async {
        let t = taken(&receiver.deliveries());
        t.values().all(|t| t.times >= 2).then_some(())
    })
    .await;
}

#[tokio::test]
async fn notifications_misconfigured_are_reported_and_everything_else_keeps_working() {
    let mock = MockPopbill::start_at(START).await;
    let config = worker_config(&mock)
        .var("MERCHANT_WEBHOOK_URL", "https://merchant.example/hooks")
        .secret("MERCHANT_WEBHOOK_SECRET", "hunter2-not-a-standard-secret");
    let worker = WorkerProcess::start_misconfigured(config.clone()).await;
    let app = TestApp {
        mock,
        worker,
        http: reqwest::Client::new(),
        config,
    };
    app.point_webhooks_at_worker().await;
    let (status, health) = app
        .raw(app.http.get(format!("{}/healthz", app.worker.url)))
        .await;
    assert_eq!(status, 503, "{health}");
    assert_eq!(health["notifications"], "misconfigured");
    assert_eq!(
        (health["kv"].clone(), health["config"].clone()),
        (json!("ok"), json!("ok"))
    );
    let problems = health["notificationProblems"].to_string();
    assert!(problems.contains("MERCHANT_WEBHOOK_SECRET"), "{problems}");
    assert!(!problems.contains("hunter2"), "a secret is never shown");

    // Intake, webhooks and polling go on; nothing is queued, and a replay says why.
    let (status, sub) = app.submit(&e2e::app::batch("MC-1", &keys("MC", 2))).await;
    assert_eq!(status, 202, "{sub}");
    app.advance(60).await;
    app.wait_all("MC-1", "issued").await;
    let (status, body) = replay(&app, &json!({ "all": true })).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (503, json!("not_configured"))
    );
}

#[tokio::test]
async fn with_notifications_unset_nothing_is_sent_and_a_replay_says_they_are_off() {
    let app = e2e::spawn_app().await;
    let (status, health) = app
        .raw(app.http.get(format!("{}/healthz", app.worker.url)))
        .await;
    assert_eq!(
        (status, health["notifications"].clone()),
        (200, json!("off"))
    );
    let (status, body) = replay(&app, &json!({ "all": true })).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (409, json!("notifications_off"))
    );
    let (status, body) = replay(&app, &json!({ "ids": ["not-an-id"] })).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (422, json!("invalid_request"))
    );
    let unauthorized = app
        .raw(
            app.http
                .get(format!("{}/v1/notifications/failed", app.worker.url)),
        )
        .await;
    assert_eq!(unauthorized.0, 401);
}

#[tokio::test]
async fn the_documented_node_endpoint_verifies_and_deduplicates_the_workers_events() {
    let root = e2e::repo_root();
    documented_endpoint_receives_the_events(
        "node".into(),
        root.join("docs/examples/merchant-events.js"),
        "NX",
    )
    .await;
}

#[tokio::test]
async fn the_documented_python_endpoint_verifies_and_deduplicates_the_workers_events() {
    let root = e2e::repo_root();
    // `make setup` makes this venv with the example's pinned requirements.
    let python = root.join("target/py/bin/python");
    assert!(
        python.exists(),
        "{} is missing; run `make setup`",
        python.display()
    );
    documented_endpoint_receives_the_events(
        python,
        root.join("docs/examples/merchant_events.py"),
        "PX",
    )
    .await;
}

/// Run a documented example endpoint (`program example`), send it the Worker's events for two
/// receipts, and check what it printed: each event once, verified.
async fn documented_endpoint_receives_the_events(
    program: std::path::PathBuf,
    example: std::path::PathBuf,
    tag: &str,
) {
    use tokio::io::AsyncBufReadExt;
    let root = e2e::repo_root();
    let port = e2e::free_port();
    let mut endpoint = tokio::process::Command::new(&program)
        .arg(&example)
        .env("MERCHANT_WEBHOOK_SECRET", OLD_SECRET)
        .env("PORT", port.to_string())
        .current_dir(&root)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{} runs: {e}", program.display()));
    let mut lines = tokio::io::BufReader::new(endpoint.stdout.take().expect("piped")).lines();
    let printed = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = printed.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            sink.lock().unwrap().push(line);
        }
    });
    let start = chrono::DateTime::parse_from_rfc3339(START).expect("START is RFC 3339");
    let mock = mock_server::Config {
        start: Some(start),
        ..Default::default()
    };
    let url = format!("http://127.0.0.1:{port}/events");
    let app = spawn_app_configured(mock, |c| notifying(c, &url)).await;
    let (status, _) = app
        .submit(&e2e::app::batch(&format!("{tag}-1"), &keys(tag, 2)))
        .await;
    assert_eq!(status, 202);
    app.advance(60).await;
    let lines = wait_for(
        "the example to print two events",
        Duration::from_secs(30),
        || async {
            let p = printed.lock().unwrap().clone();
            (p.len() >= 2).then_some(p)
        },
    )
    .await;
    let mut keys: Vec<&str> = lines.iter().filter_map(|l| l.split(' ').nth(1)).collect();
    keys.sort();
    assert_eq!(keys, [format!("{tag}-0"), format!("{tag}-1")], "{lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("cashbill.issued ") && l.contains(" issued msg_"))
    );
}

#[tokio::test]
async fn refunds_report_their_changes_and_a_refund_blocked_by_its_original_says_so() {
    use e2e::merchant::expected_refunds;
    use e2e::refund::{refunds, whole};
    let (app, receiver) = spawn_notifying(15, None).await;
    let mut originals: Vec<Value> = keys("RO", 2).iter().map(|k| cashbill(k)).collect();
    originals[1]["orderNumber"] = "SCENARIO:NTS_FAIL:TS1".into();
    let (status, _) = app
        .submit(&json!({ "submitID": "RO-1", "cashbills": originals }))
        .await;
    assert_eq!(status, 202);
    app.advance(60).await;
    app.wait_all("RO-1", "issued").await;
    let body = refunds("RF-1", vec![whole("RX-0", "RO-0"), whole("RX-1", "RO-1")]);
    let (status, r) = app.refund(&body).await;
    assert_eq!(status, 202, "{r}");

    // 11:00: RO-1's filing failed, so RX-1 is blocked; RX-0 is sent, issued, filed a day later.
    app.advance_to("20250712110000").await;
    app.cron().await;
    app.wait_refund_statuses("RF-1", &["submitted", "original_filing_failed"])
        .await;
    app.advance(60).await;
    app.advance_to("20250713110000").await;
    app.wait_refund_statuses("RF-1", &["filed", "original_filing_failed"])
        .await;
    app.cron().await;

    let mut want = expected(&app, &["RO-1".to_owned()], true).await;
    want.extend(expected_refunds(&app, &["RF-1".to_owned()]).await);
    want.push(("RX-0".into(), "cashbill.issued".into()));
    let got = wait_for(
        &format!("{} events", want.len()),
        Duration::from_secs(30),
        || async {
            let t = taken(&receiver.deliveries());
            e2e::merchant::missing(&t, &want).is_empty().then_some(t)
        },
    )
    .await;
    let blocked = got
        .values()
        .find(|t| t.kind == "cashbill.original_filing_failed")
        .expect("RX-1's event");
    let body: Value = serde_json::from_str(&blocked.body).unwrap();
    assert_eq!(body["data"]["mgtKey"], "RX-1");
    assert_eq!(body["data"]["refundID"], "RF-1");
    assert_eq!(body["data"]["orgMgtKey"], "RO-1");
    assert!(
        got.values()
            .all(|t| t.kind != "submission.completed" || t.submit_id.as_deref() == Some("RO-1")),
        "refund groups are not announced as submissions"
    );
    let kinds: Vec<&String> = got.values().map(|t| &t.kind).collect();
    assert_eq!(got.len(), want.len(), "no other event: {kinds:?}");
}
