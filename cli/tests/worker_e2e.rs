//! `popbill-bulk` against the real stack: the Worker in workerd (`wrangler dev`) and the mock
//! POPBiLL, from the e2e harness (`make e2e` runs these; they need `make worker`).
//!
//! The mock's clock is frozen; the tests move it (processing, midnight, 11:00) while the tool
//! waits, and read the mock's journal to count what reached POPBiLL. Refunds: `refunds.rs`.

mod common;
#[path = "worker_e2e/refunds.rs"]
mod refunds;

use std::time::Duration;

use common::*;
use e2e::TestApp;
use e2e::app::API_TOKEN;
use serde_json::{Value, json};

fn via_worker(app: &TestApp, args: &[&str]) -> tokio::process::Command {
    let mut all: Vec<&str> = args.to_vec();
    all.extend_from_slice(&[
        "--worker",
        &app.worker.url,
        "--token",
        API_TOKEN,
        "--clock",
        "linkhub",
        "--auth-url",
        &app.mock.url,
        "--poll-max",
        "3",
    ]);
    command(&all)
}

fn submitted_ids(journal: &[Value]) -> Vec<String> {
    bulk_submits(journal)
        .iter()
        .filter(|r| r["status"] == 200)
        .map(|r| r["submit_id"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn a_thousand_row_file_is_issued_and_filed_across_midnight_and_eleven_and_a_rerun_sends_nothing()
 {
    let app = e2e::spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "receipts.csv", csv("THOU", 1000));
    let out_csv = dir.path().join("results.csv");
    let (file, out) = (file.to_str().unwrap(), out_csv.to_str().unwrap());
    let args = ["submit", file, "--wait", "filed", "--out", out];

    let mut running = Running::spawn(via_worker(&app, &args));
    running
        .wait_line(
            "sent 10/10 batches: submitted 1,000",
            Duration::from_secs(120),
        )
        .await;
    app.advance(60).await; // processed; BULKRESULT webhooks reach the Worker
    running
        .wait_line(
            "issuance 1,000/1,000: issued 1,000",
            Duration::from_secs(120),
        )
        .await;
    running
        .wait_line(
            "waiting for the filing results: POPBiLL posts them from 2025-07-12 11:00 KST",
            Duration::from_secs(30),
        )
        .await;
    app.advance_to("20250712000100").await; // sent to the NTS at midnight, no result yet
    app.advance_to("20250712105959").await;
    assert!(
        running.child.try_wait().unwrap().is_none(),
        "still waiting before 11:00"
    );
    app.advance_to("20250712110000").await; // results and NTS webhooks
    let done = running.finish(Duration::from_secs(120)).await;
    assert_eq!(done.code, 0, "{done:?}");
    assert!(
        done.stderr.contains("filing 1,000/1,000: filed 1,000"),
        "{}",
        done.stderr
    );
    assert!(
        done.stdout
            .starts_with("1,000 receipts in 10 batches (filed via worker): filed 1,000\n"),
        "{}",
        done.stdout
    );
    let issued_at = done
        .stderr
        .find("issuance 1,000/1,000: issued 1,000")
        .unwrap();
    let filed_at = done.stderr.find("filing 1,000/1,000").unwrap();
    assert!(
        issued_at < filed_at,
        "issuance was seen complete before filing"
    );

    let rows = results(&out_csv);
    assert_eq!(rows.len(), 1000);
    assert!(
        rows.iter().all(|r| r["status"] == "filed"
            && r["stateCode"] == "304"
            && r["ntsResultCode"] == "0000"),
        "{:?}",
        rows[0]
    );
    assert!(
        rows.iter()
            .all(|r| r["confirmNum"].len() == 9 && r["issueDT"].starts_with("20250711"))
    );
    assert_eq!(rows[999]["row"], "1001");
    let ids = submitted_ids(&journal(&app.mock.url).await);
    assert_eq!(ids.len(), 10);
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), 10, "ten SubmitIDs, each sent once");
    assert!(rows.iter().all(|r| distinct.contains(&r["submitID"])));

    // The same command again: every batch answered from the Worker's store.
    let kv_before = app.kv_fingerprint();
    let first = std::fs::read(&out_csv).unwrap();
    let again = run(via_worker(&app, &[&args[..], &["--json"]].concat())).await;
    assert_eq!(again.code, 0, "{again:?}");
    let summary: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(summary["counts"], json!({"filed": 1000}));
    assert_eq!(
        submitted_ids(&journal(&app.mock.url).await).len(),
        10,
        "no BulkSubmit on the rerun"
    );
    assert_eq!(
        app.kv_fingerprint(),
        kv_before,
        "the rerun wrote nothing to KV"
    );
    assert_eq!(std::fs::read(&out_csv).unwrap(), first);
}

#[tokio::test]
async fn a_run_killed_half_way_is_resumed_and_no_batch_reaches_popbill_twice() {
    let app = e2e::spawn_app().await;
    // Each BulkSubmit takes 700 ms, so the run can be caught in the middle.
    app.mock_post(
        "/_mock/faults",
        &json!({"endpoint": "bulk_submit", "action": "delay", "delay_ms": 700, "count": 100}),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "six.csv", csv("KILL", 600));
    let file = file.to_str().unwrap();
    let args = ["submit", file, "--concurrency", "1"];

    let mut first = Running::spawn(via_worker(&app, &args));
    e2e::wait_for(
        "two batches accepted by POPBiLL",
        Duration::from_secs(90),
        || async { (submitted_ids(&journal(&app.mock.url).await).len() >= 2).then_some(()) },
    )
    .await;
    first.child.start_kill().expect("kill popbill-bulk");
    let killed = first.finish(Duration::from_secs(10)).await;
    assert_ne!(killed.code, 0, "it was killed");
    let at_kill = submitted_ids(&journal(&app.mock.url).await).len();
    assert!(at_kill < 6, "the kill came half-way ({at_kill} of 6 sent)");

    let resumed = run(via_worker(&app, &[&args[..], &["--json"]].concat())).await;
    assert_eq!(resumed.code, 0, "{resumed:?}");
    let summary: Value = serde_json::from_str(&resumed.stdout).unwrap();
    assert_eq!(summary["counts"], json!({"submitted": 600}));
    let all = journal(&app.mock.url).await;
    let ids = submitted_ids(&all);
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(
        (ids.len(), distinct.len()),
        (6, 6),
        "every batch accepted exactly once: {ids:?}"
    );
    // (The batch in flight at the kill may be offered again by the Worker while the first
    // offer is still on its way; POPBiLL then answers -14010021 and nothing is issued twice.)

    // `status` sees the whole file, and follows it to issued.
    app.advance(60).await;
    let status = run(via_worker(
        &app,
        &["status", file, "--wait", "issued", "--json"],
    ))
    .await;
    assert_eq!(status.code, 0, "{status:?}");
    let summary: Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(summary["counts"], json!({"issued": 600}));
    assert_eq!(
        submitted_ids(&journal(&app.mock.url).await).len(),
        6,
        "status sends nothing"
    );
    let state = app.mock_get("/_mock/state").await;
    assert_eq!(
        state["cashbills"].as_array().map(Vec::len),
        Some(600),
        "600 receipts issued, none twice"
    );
}

#[tokio::test]
async fn invalid_rows_send_nothing_and_a_cp949_file_is_issued_with_its_failures_listed() {
    let app = e2e::spawn_app().await;
    let dir = tempfile::tempdir().unwrap();

    // Invalid rows: reported with row numbers; the Worker and POPBiLL see nothing.
    let bad = csv("INV", 120)
        .replace(
            &row("INV-4", ""),
            &row("INV-4", "").replace("11000,10000,1000", "11000,10000,900"),
        )
        .replace(
            &row("INV-110", ""),
            &row("INV-110", "").replace("01012345678", "0101234567X"),
        );
    let bad = write(dir.path(), "bad.csv", bad);
    let kv_before = app.kv_fingerprint();
    let out = run(via_worker(&app, &["submit", bad.to_str().unwrap()])).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "row 6, totalAmount: totalAmount must equal supplyCost + tax + serviceFee (POPBiLL {})",
            popbill::codes::AMOUNT_SUM_MISMATCH
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!(
            "row 112, identityNum: identityNum has an invalid format (POPBiLL {})",
            popbill::codes::IDENTITY_NUM_NOT_DIGITS
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("2 problem(s) in the file; nothing was sent"),
        "{}",
        out.stderr
    );
    assert!(bulk_submits(&journal(&app.mock.url).await).is_empty());
    assert_eq!(app.kv_fingerprint(), kv_before, "the Worker stored nothing");

    // A CP949 export (Korean Excel's "CSV"), one receipt POPBiLL fails at issuance.
    let text = csv("KR", 100)
        .replace("아메리카노", "카페라떼(대)")
        .replace(
            &row("KR-42", "").replace("아메리카노", "카페라떼(대)"),
            &row(
                "KR-42",
                &format!(
                    "SCENARIO:ISSUE_FAIL:{}",
                    popbill::codes::AMOUNT_SUM_MISMATCH
                ),
            )
            .replace("아메리카노", "카페라떼(대)"),
        );
    let (bytes, _, unmappable) = encoding_rs::EUC_KR.encode(&text);
    assert!(!unmappable);
    let kr = write(dir.path(), "kr.csv", bytes);
    let out_csv = dir.path().join("kr-results.csv");
    let mut running = Running::spawn(via_worker(
        &app,
        &[
            "submit",
            kr.to_str().unwrap(),
            "--wait",
            "issued",
            "--out",
            out_csv.to_str().unwrap(),
        ],
    ));
    running
        .wait_line("100 rows (CP949, CSV)", Duration::from_secs(30))
        .await;
    running
        .wait_line("sent 1/1 batches", Duration::from_secs(60))
        .await;
    app.advance(60).await;
    let done = running.finish(Duration::from_secs(60)).await;
    assert_eq!(done.code, 1, "one receipt failed: {done:?}");
    assert!(
        done.stdout.contains("issued 99 · issue_failed 1"),
        "{}",
        done.stdout
    );
    assert!(
        done.stdout.contains(&format!(
            "row 44 KR-42 issue_failed {}",
            popbill::codes::AMOUNT_SUM_MISMATCH
        )),
        "{}",
        done.stdout
    );
    let rows = results(&out_csv);
    assert_eq!(rows.iter().filter(|r| r["status"] == "issued").count(), 99);
    let (_, one) = app.cashbill("KR-7").await;
    assert_eq!(one["status"], "issued", "{one}");

    // `status` of a file never sent: every receipt not_sent, exit 1, nothing sent.
    let never = write(dir.path(), "never.csv", csv("NEVER", 5));
    let out = run(via_worker(&app, &["status", never.to_str().unwrap()])).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("not_sent 5"), "{}", out.stdout);
    assert_eq!(submitted_ids(&journal(&app.mock.url).await).len(), 1);
}
