//! Sending a refund file: what is checked before anything is sent, and what becomes of each
//! batch.

use std::sync::atomic::AtomicUsize;

use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;
use crate::stand_in::*;

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
async fn a_cp949_refund_file_is_decoded_and_skip_invalid_sends_only_the_valid_rows() {
    let server = fake_worker(Behaviour::default(), 100, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let text = "mgtKey,orgMgtKey,cancelType,memo\nRK-0,O-0,1,고객 변심 환불\nRK-1,O-1,9,오류\nRK-2,O-2,2,중복 결제\n";
    let (bytes, _, unmappable) = encoding_rs::EUC_KR.encode(text);
    assert!(!unmappable);
    let file = write(dir.path(), "cp949.csv", bytes);
    let uri = server.uri();
    let out = run(command(&args(
        "refund",
        file.to_str().unwrap(),
        &uri,
        &["--skip-invalid"],
    )))
    .await;
    assert_eq!(out.code, 1, "a row left out: {out:?}");
    assert!(out.stderr.contains("3 rows (CP949, CSV)"), "{}", out.stderr);
    assert!(out.stdout.contains("row 3 RK-1 invalid"), "{}", out.stdout);
    let posts = requests(&server, "POST", "/v1/refunds").await;
    let sent: Vec<(&str, &str)> = posts[0]["refunds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["mgtKey"].as_str().unwrap(), r["memo"].as_str().unwrap()))
        .collect();
    assert_eq!(sent, [("RK-0", "고객 변심 환불"), ("RK-2", "중복 결제")]);
}

#[tokio::test]
async fn json_lines_refunds_on_standard_input_dry_run_to_stable_refund_ids() {
    let lines = "{\"mgtKey\":\"RJ-0\",\"orgMgtKey\":\"O-0\"}\n{\"mgtKey\":\"RJ-1\",\"orgConfirmNum\":\"TB0000123\",\"orgTradeDate\":\"20250709\",\"identityNum\":\"01012345678\",\"tradeUsage\":\"소득공제용\",\"taxationType\":\"과세\",\"supplyCost\":\"10000\",\"tax\":\"1000\",\"serviceFee\":\"0\",\"totalAmount\":\"11000\"}\n";
    let dry = || async {
        let mut cmd = command(&["refund", "-", "--dry-run", "--corp-num", CORP]);
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        use tokio::io::AsyncWriteExt as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(lines.as_bytes()).await.unwrap();
        drop(stdin);
        child.wait_with_output().await.unwrap()
    };
    let (a, b) = (dry().await, dry().await);
    let stdout = String::from_utf8_lossy(&a.stdout);
    let stderr = String::from_utf8_lossy(&a.stderr);
    assert_eq!(a.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("read -: 2 rows (UTF-8, JSON Lines)"),
        "{stderr}"
    );
    let line = stdout.lines().next().unwrap_or("");
    assert!(
        line.starts_with("batch 0 pbr-00000-") && line.ends_with("rows 1–2 (2 refunds)"),
        "{stdout}"
    );
    assert_eq!(
        a.stdout, b.stdout,
        "the same refunds give the same refundIDs"
    );
}

#[tokio::test]
async fn a_cancellation_in_a_file_of_receipts_is_pointed_at_the_refund_command() {
    let server = MockServer::start().await;
    Mock::given(path("/Time"))
        .respond_with(ResponseTemplate::new(200).set_body_string("2025-07-11T01:00:00Z"))
        .mount(&server)
        .await;
    Mock::given(path("/v1/submissions"))
        .respond_with(ResponseTemplate::new(202))
        .expect(0)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEADER},orgConfirmNum,orgTradeDate\n{},,\n{},TB0000001,20250710\n",
        row("S-0", ""),
        row("S-1", "").replace("승인거래", "취소거래")
    );
    let file = write(dir.path(), "mixed.csv", text);
    let uri = server.uri();
    let out = run(command(&args("submit", file.to_str().unwrap(), &uri, &[]))).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(
            "row 3, tradeType: a 취소거래 (refund) goes in a refund file: popbill-bulk refund FILE"
        ),
        "{}",
        out.stderr
    );
}
