//! `--direct` against the mock POPBiLL (in-process, simulated clock): BulkSubmit, GetBulkResult
//! every 2–5 s, GetInfos from 11:00 the next day; a second run sends nothing; a lost BulkSubmit
//! answer is settled with GetBulkResult, not a second send.

mod common;

use std::time::Duration;

use common::*;
use e2e::MockPopbill;
use serde_json::json;

const START: &str = "2025-07-11T10:00:00+09:00";

fn direct(mock: &MockPopbill, file: &str, extra: &[&str]) -> tokio::process::Command {
    let mut args = vec![
        "submit",
        file,
        "--direct",
        "--api-url",
        &mock.url,
        "--auth-url",
        &mock.url,
        "--clock",
        "linkhub",
        "--corp-num",
        CORP,
        "--poll-max",
        "3",
    ];
    args.extend_from_slice(extra);
    let mut cmd = command(&args);
    cmd.env("POPBILL_LINK_ID", &mock.link_id)
        .env("POPBILL_SECRET_KEY", &mock.secret_key);
    cmd
}

#[tokio::test]
async fn direct_mode_issues_and_files_a_file_against_the_mock_and_a_rerun_sends_nothing() {
    let mock = MockPopbill::start_at(START).await;
    let dir = tempfile::tempdir().unwrap();
    let mut text = csv("DR", 250);
    text = text.replace(
        &row("DR-7", ""),
        &row(
            "DR-7",
            &format!(
                "SCENARIO:ISSUE_FAIL:{}",
                popbill::codes::AMOUNT_SUM_MISMATCH
            ),
        ),
    );
    text = text.replace(&row("DR-120", ""), &row("DR-120", "SCENARIO:NTS_FAIL:TS4"));
    let file = write(dir.path(), "direct.csv", text);
    let out_csv = dir.path().join("results.csv");
    let args = ["--wait", "filed", "--out", out_csv.to_str().unwrap()];

    let mut running = Running::spawn(direct(&mock, file.to_str().unwrap(), &args));
    running
        .wait_line("sent 3/3 batches", Duration::from_secs(30))
        .await;
    // POPBiLL processes on its (simulated) clock; the tool keeps polling GetBulkResult meanwhile.
    mock_post(&mock.url, "/_mock/clock/advance", json!({"seconds": 60})).await;
    running
        .wait_line(
            "issuance 250/250: issued 249 · issue_failed 1",
            Duration::from_secs(30),
        )
        .await;
    running
        .wait_line(
            "waiting for the filing results: POPBiLL posts them from 2025-07-12 11:00 KST",
            Duration::from_secs(30),
        )
        .await;
    let before_results = journal(&mock.url).await;
    mock_post(
        &mock.url,
        "/_mock/clock/advance",
        json!({"to": "20250712105959"}),
    )
    .await;
    mock_post(
        &mock.url,
        "/_mock/clock/advance",
        json!({"to": "20250712110000"}),
    )
    .await;
    let done = running.finish(Duration::from_secs(60)).await;
    assert_eq!(
        done.code, 1,
        "one issue failure and one filing failure: {done:?}"
    );
    assert!(
        done.stderr
            .contains("filing 249/249: filed 248 · filing_failed 1"),
        "{}",
        done.stderr
    );
    assert!(
        done.stdout.contains(&format!(
            "row 9 DR-7 issue_failed {}",
            popbill::codes::AMOUNT_SUM_MISMATCH
        )),
        "{}",
        done.stdout
    );
    assert!(
        done.stdout.contains("row 122 DR-120 filing_failed TS4"),
        "{}",
        done.stdout
    );

    let all = journal(&mock.url).await;
    let submits = bulk_submits(&all);
    assert_eq!(submits.len(), 3, "one BulkSubmit per batch");
    assert!(submits.iter().all(|r| r["status"] == 200), "{submits:?}");
    // GetInfos: once before sending (are any mgtKeys already issued elsewhere?), then not
    // again until the filing results were due at 11:00 the next day, then once for all 249.
    let states = |j: &[serde_json::Value]| -> Vec<i64> {
        j.iter()
            .filter(|r| r["path"] == "/Cashbill/States" && r["status"] == 200)
            .map(|r| r["seq"].as_i64().unwrap_or(-1))
            .collect()
    };
    let first_submit = submits[0]["seq"].as_i64().unwrap();
    let early = states(&before_results);
    assert_eq!(early.len(), 1, "{early:?}");
    assert!(
        early[0] < first_submit,
        "the check of used mgtKeys comes before sending"
    );
    assert_eq!(
        states(&all).len(),
        2,
        "249 filing results in one GetInfos call"
    );
    // Politeness: GetBulkResult calls for one batch are at least 2 s apart (real time is not
    // in the journal, so count them: a few per batch, not hundreds).
    let polls = all
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/Cashbill/BULK/"))
        })
        .count();
    assert!(polls <= 3 * 15, "{polls} GetBulkResult calls");

    let rows = results(&out_csv);
    assert_eq!(rows.len(), 250);
    assert_eq!(
        (
            rows[0]["status"].as_str(),
            rows[0]["stateCode"].as_str(),
            rows[0]["ntsResultCode"].as_str()
        ),
        ("filed", "304", "0000")
    );
    assert_eq!(rows[0]["confirmNum"].len(), 9);
    assert_eq!(rows[0]["ntsResultDT"], "20250712110000");
    assert_eq!(rows[7]["status"], "issue_failed");
    assert_eq!(
        rows[7]["issueCode"],
        popbill::codes::AMOUNT_SUM_MISMATCH.to_string()
    );
    assert_eq!(
        (
            rows[120]["status"].as_str(),
            rows[120]["ntsResultCode"].as_str()
        ),
        ("filing_failed", "TS4")
    );

    // The same command again: GetBulkResult for each batch, no BulkSubmit, the same results.
    let first = std::fs::read(&out_csv).unwrap();
    let again = run(direct(&mock, file.to_str().unwrap(), &args)).await;
    assert_eq!(again.code, 1, "{again:?}");
    assert_eq!(
        bulk_submits(&journal(&mock.url).await).len(),
        3,
        "nothing was sent twice"
    );
    assert_eq!(
        std::fs::read(&out_csv).unwrap(),
        first,
        "the rerun reports the same results"
    );

    // `status --submit-id` for the third batch (rows 202–251): every receipt filed.
    let id = rows[200]["submitID"].clone();
    let mut cmd = command(&[
        "status",
        "--submit-id",
        &id,
        "--direct",
        "--api-url",
        &mock.url,
        "--auth-url",
        &mock.url,
        "--clock",
        "linkhub",
        "--corp-num",
        CORP,
        "--json",
    ]);
    cmd.env("POPBILL_LINK_ID", &mock.link_id)
        .env("POPBILL_SECRET_KEY", &mock.secret_key);
    let status = run(cmd).await;
    assert_eq!(status.code, 0, "{status:?}");
    let summary: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(summary["counts"], json!({"filed": 50}));
    assert_eq!(bulk_submits(&journal(&mock.url).await).len(), 3);
}

#[tokio::test]
async fn a_lost_bulk_submit_answer_is_settled_by_get_bulk_result_not_a_second_send() {
    let mock = MockPopbill::start_at(START).await;
    mock_post(&mock.url, "/_mock/faults", json!({"endpoint": "bulk_submit", "action": "timeout_after_commit", "delay_ms": 50, "count": 1})).await;
    mock_post(
        &mock.url,
        "/_mock/faults",
        json!({"endpoint": "bulk_submit", "action": "drop", "count": 1}),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "lost.csv", csv("LOST", 150));
    let out = run(direct(
        &mock,
        file.to_str().unwrap(),
        &["--concurrency", "1", "--json"],
    ))
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    let summary: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(summary["counts"], json!({"submitted": 150}));
    let all = journal(&mock.url).await;
    let submits = bulk_submits(&all);
    let ok: Vec<_> = submits.iter().filter(|r| r["status"] == 200).collect();
    assert_eq!(ok.len(), 2, "each batch accepted exactly once: {submits:?}");
    assert_eq!(
        submits.len(),
        3,
        "the dropped one (never received) was sent again: {submits:?}"
    );
    // The summary counts the requests it made; the mock saw the same.
    let probes = all
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/Cashbill/BULK/"))
        })
        .count();
    assert_eq!(summary["requests"]["BulkSubmit"], 3);
    assert_eq!(summary["requests"]["GetBulkResult"], probes);
    assert_eq!(
        probes,
        2 + 2,
        "one probe before each batch, one after each lost answer"
    );
    assert!(
        !submits
            .iter()
            .any(|r| r["code"] == popbill::codes::SUBMIT_ID_IN_USE),
        "no SubmitID was sent again after POPBiLL had it: {submits:?}"
    );
}

#[tokio::test]
async fn wrong_credentials_exit_2_without_printing_the_secret() {
    let mock = MockPopbill::start_at(START).await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "c.csv", csv("CRED", 3));
    let mut cmd = direct(&mock, file.to_str().unwrap(), &[]);
    cmd.env("POPBILL_SECRET_KEY", "d3JvbmctYnV0LXNlY3JldA==");
    let out = run(cmd).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("POPBiLL refused the credentials"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("d3JvbmctYnV0LXNlY3JldA=="),
        "{}",
        out.stderr
    );
    assert!(bulk_submits(&journal(&mock.url).await).is_empty());
}

#[tokio::test]
async fn mgt_keys_popbill_already_issued_are_reported_by_row_and_nothing_is_sent() {
    let mock = MockPopbill::start_at(START).await;
    let dir = tempfile::tempdir().unwrap();
    let first = write(dir.path(), "first.csv", csv("USED", 3));
    let out = run(direct(&mock, first.to_str().unwrap(), &[])).await;
    assert_eq!(out.code, 0, "{out:?}");
    mock_post(&mock.url, "/_mock/clock/advance", json!({"seconds": 60})).await;

    // Another file (other rows, so other SubmitIDs) reusing one of those mgtKeys.
    let mut text = csv("OTHER", 150);
    text = text.replace(&row("OTHER-120", ""), &row("USED-1", ""));
    let second = write(dir.path(), "second.csv", text);
    let out = run(direct(&mock, second.to_str().unwrap(), &[])).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "row 122, mgtKey: USED-1 was already issued at POPBiLL by another submission: a mgtKey can be issued once (POPBiLL {})",
            popbill::codes::MGT_KEY_IN_USE
        )),
        "{}",
        out.stderr
    );
    assert_eq!(
        bulk_submits(&journal(&mock.url).await).len(),
        1,
        "only the first file was sent"
    );

    // The first file again is not refused: its keys are its own.
    let again = run(direct(
        &mock,
        first.to_str().unwrap(),
        &["--wait", "issued"],
    ))
    .await;
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(bulk_submits(&journal(&mock.url).await).len(), 1);
}
