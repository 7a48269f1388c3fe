//! `popbill-bulk refund` against the real Worker and the mock: refunds of receipts the test
//! issued with `submit`, held by the Worker until the originals are filed, then issued and
//! filed across the simulated midnights and 11:00s while the tool waits; a rerun that sends
//! and stores nothing; `409 original_pending` sent again once the originals are issued; partial
//! refunds beyond what is left of an original reported by row, the other batches going on.

use std::time::Duration;

use super::{submitted_ids, via_worker};
use crate::common::*;
use e2e::TestApp;
use serde_json::{Value, json};

const REFUND_HEADER: &str = "mgtKey,orgMgtKey,isPartCancel,supplyCost,tax,serviceFee,totalAmount";

/// A partial refund row of `org`: `supply` won and 10 % tax.
fn part(key: &str, org: &str, supply: u64) -> String {
    let tax = supply / 10;
    format!("{key},{org},true,{supply},{tax},0,{}", supply + tax)
}

fn whole(key: &str, org: &str) -> String {
    format!("{key},{org},,,,,")
}

fn refund_file(rows: &[String]) -> String {
    format!("{REFUND_HEADER}\n{}\n", rows.join("\n"))
}

/// `submit` `n` originals `{prefix}-{i}` and follow them to issued (the mock processes them
/// when the test moves its clock).
async fn issue_originals(app: &TestApp, dir: &std::path::Path, prefix: &str, n: usize) {
    let file = write(dir, &format!("{prefix}.csv"), csv(prefix, n));
    let mut running = Running::spawn(via_worker(
        app,
        &["submit", file.to_str().unwrap(), "--wait", "issued"],
    ));
    running
        .wait_line("sent 1/1 batches", Duration::from_secs(60))
        .await;
    app.advance(60).await;
    let done = running.finish(Duration::from_secs(60)).await;
    assert_eq!(done.code, 0, "the originals are issued: {done:?}");
}

/// The mock's receipts by mgtKey.
async fn at_popbill(app: &TestApp) -> std::collections::BTreeMap<String, Value> {
    let state = app.mock_get("/_mock/state").await;
    state["cashbills"]
        .as_array()
        .expect("the mock's receipts")
        .iter()
        .map(|c| (c["mgt_key"].as_str().unwrap_or("").to_owned(), c.clone()))
        .collect()
}

#[tokio::test]
async fn refunds_are_held_until_the_originals_are_filed_then_issued_and_filed_and_a_rerun_sends_nothing()
 {
    let app = e2e::spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    issue_originals(&app, dir.path(), "ORG", 4).await;

    // Two whole refunds and two parts of one original, in two requests of three and one.
    let rows = [
        whole("RF-0", "ORG-0"),
        whole("RF-1", "ORG-1"),
        part("RF-2", "ORG-2", 5000),
        part("RF-3", "ORG-2", 3000),
    ];
    let file = write(dir.path(), "refunds.csv", refund_file(&rows));
    let out_csv = dir.path().join("refund-results.csv");
    let (file, out) = (file.to_str().unwrap(), out_csv.to_str().unwrap());
    let args = [
        "refund",
        file,
        "--batch-size",
        "3",
        "--wait",
        "filed",
        "--out",
        out,
    ];
    let mut running = Running::spawn(via_worker(&app, &args));
    running
        .wait_line("sent 2/2 batches: scheduled 4", Duration::from_secs(60))
        .await;
    running
        .wait_line(
            "4 refunds held until their originals are filed: the Worker sends them from 2025-07-12 11:00 KST",
            Duration::from_secs(30),
        )
        .await;

    // Midnight: the originals go to the NTS; the refunds stay held.
    app.advance_to("20250712000100").await;
    app.cron().await;
    app.advance_to("20250712105959").await;
    assert!(
        running.child.try_wait().unwrap().is_none(),
        "still waiting before 11:00"
    );
    let sent_before = submitted_ids(&journal(&app.mock.url).await);
    assert_eq!(
        sent_before.len(),
        1,
        "only the originals' BulkSubmit so far"
    );

    // 11:00: the originals' 304s arrive; the cron sends the refunds; POPBiLL issues them.
    app.advance_to("20250712110000").await;
    app.cron().await;
    running
        .wait_line("issuance 0/4: submitted 4", Duration::from_secs(60))
        .await;
    app.advance(60).await;
    running
        .wait_line("issuance 4/4: issued 4", Duration::from_secs(60))
        .await;
    running
        .wait_line(
            "waiting for the filing results: POPBiLL posts them from 2025-07-13 11:00 KST",
            Duration::from_secs(30),
        )
        .await;

    // The next midnight and 11:00: the refunds are filed.
    app.advance_to("20250713000100").await;
    app.advance_to("20250713110000").await;
    let done = running.finish(Duration::from_secs(60)).await;
    assert_eq!(done.code, 0, "{done:?}");
    assert!(
        done.stderr.contains("filing 4/4: filed 4"),
        "{}",
        done.stderr
    );
    assert!(
        done.stdout
            .starts_with("4 refunds in 2 batches (filed via worker): filed 4\n"),
        "{}",
        done.stdout
    );
    let results = results(&out_csv);
    assert_eq!(results.len(), 4);
    let popbill = at_popbill(&app).await;
    for (i, r) in results.iter().enumerate() {
        assert_eq!(
            (r["status"].as_str(), r["stateCode"].as_str()),
            ("filed", "304"),
            "{r:?}"
        );
        assert!(r["refundID"].starts_with(if i < 3 { "pbr-00000-" } else { "pbr-00001-" }));
        assert!(r["submitID"].starts_with("RF"), "{r:?}");
        assert!(r["issueDT"].starts_with("20250712"), "{r:?}");
        let cancellation = &popbill[&r["mgtKey"]];
        let org = ["ORG-0", "ORG-1", "ORG-2", "ORG-2"][i];
        assert_eq!(cancellation["trade_type"], "취소거래");
        assert_eq!(
            cancellation["org_confirm_num"], popbill[org]["confirm_num"],
            "{} refunds {org}",
            r["mgtKey"]
        );
        assert_eq!(
            cancellation["confirm_num"].as_str(),
            Some(r["confirmNum"].as_str())
        );
    }
    let (_, org2) = app.cashbill("ORG-2").await;
    assert_eq!(org2["refunds"]["refunded"]["totalAmount"], 8800, "{org2}");
    let refund_submits = submitted_ids(&journal(&app.mock.url).await);
    assert_eq!(
        refund_submits.len(),
        3,
        "the originals' BulkSubmit and one per refund request: {refund_submits:?}"
    );

    // The same command again: the Worker answers the stored requests; nothing reaches POPBiLL,
    // nothing is written.
    let kv_before = app.kv_fingerprint();
    let journal_before = journal(&app.mock.url).await.len();
    let first = std::fs::read(&out_csv).unwrap();
    let again = run(via_worker(&app, &[&args[..], &["--json"]].concat())).await;
    assert_eq!(again.code, 0, "{again:?}");
    let summary: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(summary["counts"], json!({"filed": 4}));
    assert_eq!(summary["requests"]["POST /v1/refunds"], 2);
    let journal_after = journal(&app.mock.url).await;
    assert_eq!(
        bulk_submits(&journal_after).len(),
        3,
        "no BulkSubmit on the rerun"
    );
    let asked: Vec<&Value> = journal_after[journal_before..]
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/Cashbill"))
        })
        .collect();
    assert!(
        asked.is_empty(),
        "the rerun asked POPBiLL nothing: {asked:?}"
    );
    assert_eq!(
        app.kv_fingerprint(),
        kv_before,
        "the rerun stored no refund request"
    );
    assert_eq!(std::fs::read(&out_csv).unwrap(), first);
}

#[tokio::test]
async fn pending_originals_are_waited_for_and_partial_refunds_beyond_what_is_left_are_reported_by_row()
 {
    let app = e2e::spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    // Sent, not yet processed: the Worker has no issuance result for them.
    let originals = write(dir.path(), "orgs.csv", csv("PO", 3));
    let sent = run(via_worker(&app, &["submit", originals.to_str().unwrap()])).await;
    assert_eq!(sent.code, 0, "{sent:?}");

    let rows = [
        // Request 0: the whole of PO-0 in two parts: taken.
        part("PX-0", "PO-0", 6000),
        part("PX-1", "PO-0", 4000),
        // Request 1: more of PO-0, which has nothing left: refused, and PX-3 with it.
        part("PX-2", "PO-0", 1000),
        part("PX-3", "PO-1", 5000),
        // Request 2: two parts of PO-1 adding up to more than it: refused at the second.
        part("PX-4", "PO-1", 6000),
        part("PX-5", "PO-1", 5000),
        // Request 3: taken.
        whole("PX-6", "PO-2"),
    ];
    let file = write(dir.path(), "parts.csv", refund_file(&rows));
    let out_csv = dir.path().join("parts-results.csv");
    let mut running = Running::spawn(via_worker(
        &app,
        &[
            "refund",
            file.to_str().unwrap(),
            "--batch-size",
            "2",
            "--concurrency",
            "1",
            "--out",
            out_csv.to_str().unwrap(),
        ],
    ));
    running
        .wait_line(
            "409 original_pending: the issuance of some originals is not yet on record",
            Duration::from_secs(60),
        )
        .await;
    app.advance(60).await; // POPBiLL issues the originals; webhooks tell the Worker
    let done = running.finish(Duration::from_secs(120)).await;
    assert_eq!(done.code, 1, "{done:?}");
    for (row, needle) in [
        (
            4,
            "exceeds the 0 that remain of PO-0 (11000 of 11000 refunded before)",
        ),
        (
            7,
            "exceeds the 4400 that remain of PO-1 (6600 of 11000 refunded before)",
        ),
    ] {
        let line = format!("row {row}: totalAmount: totalAmount");
        assert!(
            done.stderr.lines().any(|l| l.contains(&line)
                && l.contains(needle)
                && l.contains("(exceeds_remaining; POPBiLL")),
            "row {row}: {needle:?} in:\n{}",
            done.stderr
        );
    }
    let summary_line = "7 refunds in 4 batches (accepted via worker): refused 4 · scheduled 3\n";
    assert!(done.stdout.starts_with(summary_line), "{}", done.stdout);
    let results = results(&out_csv);
    let statuses: Vec<&str> = results.iter().map(|r| r["status"].as_str()).collect();
    assert_eq!(
        statuses,
        [
            "scheduled",
            "scheduled",
            "refused",
            "refused",
            "refused",
            "refused",
            "scheduled"
        ]
    );
    // A refused row keeps its first problem (the total's); its batch-mate says why it went too.
    assert!(
        results[2]["issueMessage"].starts_with("totalAmount: totalAmount 1100 exceeds"),
        "{:?}",
        results[2]
    );
    assert_eq!(
        results[2]["issueCode"],
        popbill::codes::CANCEL_TOTALS_OVER.to_string()
    );
    assert!(
        results[3]["issueMessage"].ends_with("(its batch, rows 4–5, was refused whole)"),
        "{:?}",
        results[3]
    );
    // Only what was taken counts against the originals; nothing was sent to POPBiLL (held).
    let (_, po0) = app.cashbill("PO-0").await;
    assert_eq!(po0["refunds"]["refunded"]["totalAmount"], 11000, "{po0}");
    let (_, po1) = app.cashbill("PO-1").await;
    assert_eq!(
        (
            &po1["refunds"]["refunded"]["totalAmount"],
            &po1["refunds"]["cancellations"]
        ),
        (&json!(0), &json!([])),
        "no refund of PO-1 was taken: {po1}"
    );
    assert_eq!(submitted_ids(&journal(&app.mock.url).await).len(), 1);
}
