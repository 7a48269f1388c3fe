//! `popbill-bulk refund` against a stand-in Worker (wiremock): help text, `--direct` refused,
//! bad rows by row with nothing sent, a refused batch beside accepted ones, `409
//! original_pending` sent again after a pause (and given up on, bounded), refunds held until
//! their due time and followed to issued without asking before it, exit statuses, `status`.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// When the stand-in holds refunds until (KST): 11:00 the day after the harness's start day.
const DUE: &str = "20250712110000";

/// A refund CSV of `n` whole refunds `{prefix}-{i}` of originals `O-{i}`.
fn refunds_csv(prefix: &str, n: usize) -> String {
    let mut text =
        "mgtKey,orgMgtKey,cancelType,isPartCancel,supplyCost,tax,serviceFee,totalAmount\n"
            .to_owned();
    for i in 0..n {
        text.push_str(&format!("{prefix}-{i},O-{i},1,,,,,\n"));
    }
    text
}

/// What the stand-in Worker does.
#[derive(Default)]
struct Behaviour {
    /// Refuse the request holding this mgtKey: `422 invalid_refunds`, the amount beyond what
    /// remains, by its index (as the real Worker answers).
    refuse_key: Option<&'static str>,
    /// Answer this many requests `409 original_pending` first.
    pending: AtomicUsize,
    /// Refunds the Worker blocked for good (their original's filing failed).
    blocked: Vec<&'static str>,
}

/// A stand-in Worker: `POST /v1/refunds` stores and answers every refund `scheduled` until
/// [`DUE`]; `GET /v1/refunds/{id}` answers them `issued` (or blocked). Linkhub's clock
/// (`GET /Time`) says 10:00 KST on 2025-07-11 for its first `early_times` readings, then
/// 11:00 the next day.
struct FakeWorker {
    behaviour: Behaviour,
    stored: Mutex<BTreeMap<String, Vec<Value>>>,
}

fn view(id: &str, refunds: &[Value], status: impl Fn(&Value) -> Value) -> Value {
    let views: Vec<Value> = refunds.iter().map(&status).collect();
    json!({ "refundID": id, "state": "open", "refunds": views })
}

impl Respond for FakeWorker {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if req.method.as_str() == "GET" {
            let id = req.url.path().rsplit('/').next().unwrap_or("").to_owned();
            let stored = self.stored.lock().unwrap();
            let Some(refunds) = stored.get(&id) else {
                return ResponseTemplate::new(404).set_body_json(
                    json!({"error": {"code": "not_found", "message": "refund not found"}}),
                );
            };
            let blocked = &self.behaviour.blocked;
            return ResponseTemplate::new(200).set_body_json(view(&id, refunds, |r| {
                let key = r["mgtKey"].as_str().unwrap_or("");
                if blocked.contains(&key) {
                    json!({"mgtKey": key, "submitID": "RF01", "status": "original_filing_failed",
                           "blocked": {"reason": "original_filing_failed", "orgMgtKey": r["orgMgtKey"],
                                       "orgStateCode": 305, "orgNtsResultCode": "TS4"}})
                } else {
                    json!({"mgtKey": key, "submitID": "RF01", "status": "issued", "confirmNum": "TB0000777",
                           "issueCode": 1, "issueDT": "20250712110003", "stateCode": 300})
                }
            }));
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let id = body["refundID"].as_str().unwrap_or("").to_owned();
        let refunds = body["refunds"].as_array().cloned().unwrap_or_default();
        if self
            .behaviour
            .pending
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return ResponseTemplate::new(409).set_body_json(json!({"error": {
                "code": "original_pending",
                "message": "the issuance of some originals is not yet on record; send the same request again shortly",
                "details": [{"index": 0, "field": "orgMgtKey", "reason": "original_pending",
                             "message": "the original's issuance result is not yet on record"}]}}));
        }
        if let Some(key) = self.behaviour.refuse_key
            && let Some(i) = refunds.iter().position(|r| r["mgtKey"] == key)
        {
            return ResponseTemplate::new(422).set_body_json(json!({"error": {
                "code": "invalid_refunds", "message": "1 problem(s) in the refund request",
                "details": [{"index": i, "field": "totalAmount", "reason": "exceeds_remaining",
                             "popbillCode": popbill::codes::CANCEL_TOTAL_OVER,
                             "message": "totalAmount 11000 exceeds the 5500 that remain of O-3 (5500 of 11000 refunded before)"}]}}));
        }
        self.stored
            .lock()
            .unwrap()
            .insert(id.clone(), refunds.clone());
        ResponseTemplate::new(202).set_body_json(view(&id, &refunds, |r| {
            json!({"mgtKey": r["mgtKey"], "submitID": "RF01", "status": "scheduled", "dueAt": DUE})
        }))
    }
}

/// Linkhub's clock: 10:00 KST on the harness's start day for the first `early` readings, then
/// the refunds' due time.
struct Clock {
    early: usize,
    reads: AtomicUsize,
}

impl Respond for Clock {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.reads.fetch_add(1, Ordering::SeqCst);
        let t = if n < self.early {
            "2025-07-11T01:00:00Z"
        } else {
            "2025-07-12T02:00:00Z"
        };
        ResponseTemplate::new(200).set_body_string(t)
    }
}

async fn fake_worker(behaviour: Behaviour, early_clock: usize, posts: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/Time"))
        .respond_with(Clock {
            early: early_clock,
            reads: AtomicUsize::new(0),
        })
        .mount(&server)
        .await;
    let worker = Arc::new(FakeWorker {
        behaviour,
        stored: Mutex::new(BTreeMap::new()),
    });
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(Shared(worker.clone()))
        .expect(posts)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/v1/refunds/[^/]+$"))
        .respond_with(Shared(worker))
        .mount(&server)
        .await;
    server
}

/// One stand-in behind both routes.
struct Shared(Arc<FakeWorker>);

impl Respond for Shared {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.0.respond(req)
    }
}

fn args<'a>(cmd: &'a str, file: &'a str, server: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        cmd,
        file,
        "--worker",
        server,
        "--token",
        "t0k3n",
        "--clock",
        "linkhub",
        "--auth-url",
        server,
        "--poll-max",
        "3",
    ];
    a.extend_from_slice(extra);
    a
}

async fn requests(server: &MockServer, m: &str, prefix: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == m && r.url.path().starts_with(prefix))
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

#[tokio::test]
async fn help_describes_the_refund_file_the_hold_and_the_worker_only() {
    let top = run(command(&["--help"])).await;
    assert!(top.stdout.contains("refund"), "{}", top.stdout);
    assert!(
        top.stdout.contains("popbill-bulk refund refunds.csv"),
        "{}",
        top.stdout
    );
    let help = run(command(&["refund", "--help"])).await;
    assert_eq!(help.code, 0);
    for needle in [
        "the refund API's field names",
        "orgMgtKey",
        "orgConfirmNum, orgTradeDate",
        "cancelType",
        "isPartCancel",
        "holds it (scheduled)",
        "--direct is refused",
        "--wait <POINT>",
        "--skip-invalid",
        "--dry-run",
        "--out <FILE>",
        "--json",
        "original_pending",
    ] {
        assert!(
            help.stdout.contains(needle),
            "refund --help lacks {needle:?}:\n{}",
            help.stdout
        );
    }
    let status = run(command(&["status", "--help"])).await;
    for needle in ["--refunds", "--refund-id <ID>"] {
        assert!(status.stdout.contains(needle), "{}", status.stdout);
    }
}

#[tokio::test]
async fn refund_direct_is_refused_with_why_before_anything_is_read() {
    for cmd in [
        vec!["refund", "/nonexistent/refunds.csv", "--direct"],
        vec![
            "status",
            "--refunds",
            "/nonexistent/refunds.csv",
            "--direct",
            "--corp-num",
            CORP,
        ],
    ] {
        let out = run(command(&cmd)).await;
        assert_eq!(out.code, 2, "{cmd:?}: {out:?}");
        for needle in [
            "refunds cannot be sent with --direct",
            "only once its original is filed",
            "-14001021",
            "send refunds through the Worker",
        ] {
            assert!(out.stderr.contains(needle), "{cmd:?}: {}", out.stderr);
        }
        assert!(
            !out.stderr.contains("cannot read"),
            "refused before the file: {}",
            out.stderr
        );
    }
}

#[tokio::test]
async fn invalid_refund_rows_are_all_reported_by_row_and_field_and_nothing_is_sent() {
    let server = fake_worker(Behaviour::default(), 100, 0).await;
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}{}",
        refunds_csv("RF", 4)
            .replace("RF-1,O-1,1,,,,,", "RF-1,O-1,1,Y,5000,500,0,6000")
            .replace("RF-2,O-2,1,,,,,", "RF-2,,1,,,,,")
            .replace("RF-3,O-3,1,,,,,", "RF-3,O-3,4,,,,,"),
        "RF-0,O-9,1,,,,,\n"
    );
    let file = write(dir.path(), "bad.csv", text);
    let uri = server.uri();
    let out = run(command(&args(
        "refund",
        file.to_str().unwrap(),
        &uri,
        &["--json"],
    )))
    .await;
    assert_eq!(out.code, 2, "{out:?}");
    for needle in [
        format!(
            "row 3, totalAmount: totalAmount must equal supplyCost + tax + serviceFee (POPBiLL {})",
            popbill::codes::AMOUNT_SUM_MISMATCH
        ),
        "row 4, orgMgtKey: name the original".to_owned(),
        format!(
            "row 5, cancelType: cancelType must be 1 (거래취소), 2 (오류발급취소) or 3 (기타취소) (POPBiLL {})",
            popbill::codes::CANCEL_TYPE_INVALID
        ),
        "row 6, mgtKey: RF-0 is already on row 2".to_owned(),
        "4 problem(s) in the file; nothing was sent".to_owned(),
    ] {
        assert!(
            out.stderr.contains(&needle),
            "stderr lacks {needle:?}:\n{}",
            out.stderr
        );
    }
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    let rows: Vec<i64> = summary["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, [3, 4, 5, 6]);
    // `.expect(0)` on POST /v1/refunds is checked when the stand-in drops.
}

#[tokio::test]
async fn a_refund_batch_the_worker_refuses_is_reported_by_row_and_the_others_go_on() {
    let behaviour = Behaviour {
        refuse_key: Some("RX-103"),
        ..Behaviour::default()
    };
    let server = fake_worker(behaviour, 100, 3).await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "r.csv", refunds_csv("RX", 250));
    let out_csv = dir.path().join("results.csv");
    let uri = server.uri();
    let out = run(command(&args(
        "refund",
        file.to_str().unwrap(),
        &uri,
        &["--out", out_csv.to_str().unwrap(), "--json"],
    )))
    .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "row 105: totalAmount: totalAmount 11000 exceeds the 5500 that remain of O-3 (5500 of 11000 refunded before) (exceeds_remaining; POPBiLL {})",
            popbill::codes::CANCEL_TOTAL_OVER
        )),
        "{}",
        out.stderr
    );
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["kind"], "refunds");
    assert_eq!(summary["counts"], json!({"scheduled": 150, "refused": 100}));
    assert_eq!(summary["requests"]["POST /v1/refunds"], 3);
    let rows = results(&out_csv);
    assert_eq!(rows.len(), 250);
    let refused = &rows[103];
    assert_eq!(
        (refused["row"].as_str(), refused["status"].as_str()),
        ("105", "refused")
    );
    assert_eq!(
        refused["issueCode"],
        popbill::codes::CANCEL_TOTAL_OVER.to_string()
    );
    assert_eq!(rows[0]["status"], "scheduled");
    assert_eq!(rows[0]["dueAt"], DUE);
    assert_eq!(rows[0]["submitID"], "RF01");
    assert!(rows[0]["refundID"].starts_with("pbr-00000-"));
    assert!(rows[249]["refundID"].starts_with("pbr-00002-"));
    // What was sent: the refund API's fields, as the file had them, under derived refundIDs.
    let posts = requests(&server, "POST", "/v1/refunds").await;
    let first = posts
        .iter()
        .find(|p| p["refundID"] == rows[0]["refundID"].as_str())
        .unwrap();
    assert_eq!(
        first["refunds"][0],
        json!({"mgtKey": "RX-0", "orgMgtKey": "O-0", "cancelType": 1})
    );
    assert!(
        first.get("corpNum").is_none(),
        "the Worker's default member"
    );
}

#[tokio::test]
async fn originals_still_pending_are_asked_again_after_a_pause_and_given_up_on_when_bounded() {
    // Once pending, then taken.
    let behaviour = Behaviour {
        pending: AtomicUsize::new(1),
        ..Behaviour::default()
    };
    let server = fake_worker(behaviour, 100, 2).await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "p.csv", refunds_csv("RP", 3));
    let uri = server.uri();
    let started = std::time::Instant::now();
    let out = run(command(&args("refund", file.to_str().unwrap(), &uri, &[]))).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "a pause before sending again"
    );
    assert!(
        out.stderr
            .contains("409 original_pending: the issuance of some originals is not yet on record"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("sending it again in 2 s (1/8)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout
            .starts_with("3 refunds in 1 batches (accepted via worker): scheduled 3\n"),
        "{}",
        out.stdout
    );
    drop(server);

    // Always pending: after --retries more tries the batch is refused for this run, by row.
    let behaviour = Behaviour {
        pending: AtomicUsize::new(usize::MAX),
        ..Behaviour::default()
    };
    let server = fake_worker(behaviour, 100, 2).await;
    let uri = server.uri();
    let out = run(command(&args(
        "refund",
        file.to_str().unwrap(),
        &uri,
        &["--retries", "1"],
    )))
    .await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("still so after 1 more tries: run the same command again later"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("row 2: orgMgtKey: the original's issuance result is not yet on record (original_pending)"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("refused 3"), "{}", out.stdout);
}

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
