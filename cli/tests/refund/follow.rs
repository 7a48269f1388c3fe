//! Following refunds: held until their due time, then issued or blocked; `status`; a Worker
//! that cannot be reached, or refuses the token.

use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;
use crate::stand_in::*;

#[tokio::test]
async fn held_refunds_are_not_asked_about_before_their_due_time_then_followed_to_issued() {
    // The clock says 10:00 for the first two readings (the checks, the first round), then
    // 11:00 the next day: the refunds' due time.
    let behaviour = Behaviour {
        blocked: vec!["RH-1"],
        ..Behaviour::default()
    };
    let server = fake_worker(behaviour, 2, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "h.csv", refunds_csv("RH", 3));
    let out_csv = dir.path().join("results.csv");
    let uri = server.uri();
    let out = run(command(&args(
        "refund",
        file.to_str().unwrap(),
        &uri,
        &["--wait", "issued", "--out", out_csv.to_str().unwrap()],
    )))
    .await;
    assert_eq!(out.code, 1, "one refund blocked for good: {out:?}");
    for needle in [
        "sent 1/1 batches: scheduled 3",
        "held 3: each until its original is filed with the NTS",
        "3 refunds held until their originals are filed: the Worker sends them from 2025-07-12 11:00 KST",
        "issuance 3/3: issued 2 · original_filing_failed 1",
    ] {
        assert!(
            out.stderr.contains(needle),
            "lacks {needle:?}: {}",
            out.stderr
        );
    }
    assert!(
        out.stdout.contains(
            "row 3 RH-1 original_filing_failed never sent: the NTS filing of the original O-1 failed (stateCode 305, ntsResultCode TS4)"
        ),
        "{}",
        out.stdout
    );
    let gets = requests(&server, "GET", "/v1/refunds/").await;
    assert_eq!(gets.len(), 1, "one read, at the due time");
    let rows = results(&out_csv);
    assert_eq!(
        (rows[0]["status"].as_str(), rows[0]["confirmNum"].as_str()),
        ("issued", "TB0000777")
    );
    assert_eq!(rows[1]["status"], "original_filing_failed");

    // `status --refunds` of the same file: read once, sending nothing.
    let status = run(command(&args(
        "status",
        file.to_str().unwrap(),
        &uri,
        &["--refunds", "--json"],
    )))
    .await;
    assert_eq!(status.code, 1, "{status:?}");
    let summary: Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(
        summary["counts"],
        json!({"issued": 2, "original_filing_failed": 1})
    );
    assert_eq!(summary["requests"]["GET /v1/refunds/{id}"], 1);
    assert!(summary["requests"].get("POST /v1/refunds").is_none());
    // And by refundID.
    let id = rows[0]["refundID"].clone();
    let by_id = run(command(&[
        "status",
        "--refund-id",
        &id,
        "--worker",
        &uri,
        "--token",
        "t0k3n",
        "--json",
    ]))
    .await;
    let summary: Value = serde_json::from_str(&by_id.stdout).unwrap();
    assert_eq!(summary["receipts"], 3, "{by_id:?}");
    assert_eq!(summary["failed"][0]["refundID"], id.as_str());
}

#[tokio::test]
async fn a_worker_that_cannot_be_reached_exits_3_and_a_refused_token_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "r.csv", refunds_csv("RN", 2));
    let time = fake_worker(Behaviour::default(), 100, 0).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let gone = format!("http://127.0.0.1:{port}");
    let time_uri = time.uri();
    let mut a = args("refund", file.to_str().unwrap(), &gone, &["--retries", "1"]);
    a[9] = &time_uri; // Linkhub's clock still answers
    let out = run(command(&a)).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.contains("not_sent 2"), "{}", out.stdout);

    let server = MockServer::start().await;
    Mock::given(path("/Time"))
        .respond_with(ResponseTemplate::new(200).set_body_string("2025-07-11T01:00:00Z"))
        .mount(&server)
        .await;
    Mock::given(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error":{"code":"unauthorized","message":"missing or invalid credentials"}}),
        ))
        .mount(&server)
        .await;
    let uri = server.uri();
    let out = run(command(&args("refund", file.to_str().unwrap(), &uri, &[]))).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("the Worker refused the token (401)"),
        "{}",
        out.stderr
    );
}
