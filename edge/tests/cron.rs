//! The cron (reconcile): it counts the KV operations it is charged, stops taking submissions at
//! its budgets (KV operations; results recorded and submissions examined, for the CPU one
//! invocation may use) and leaves the rest for the next runs, examines many open submissions a
//! slice per minute, judges a submission from its results alone when they settle it, and says
//! why anything failed.

mod support;

use edge::core::kv::Kv;
use edge::core::service::{
    EXAMINE_BUDGET, FACT_BUDGET, KV_BUDGET, KV_LIMIT, Service, Step, minute_of, rotation_start,
};
use edge::core::status::ReceiptStatus;
use edge::core::upstream::UpstreamErrorKind;
use futures::executor::block_on;
use support::*;

#[test]
fn the_cron_counts_each_kv_operation_it_makes() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    let idle = block_on(svc.reconcile(t("20250711100100"))).unwrap();
    assert_eq!((idle.open, idle.kv_ops), (0, 1), "one listing");

    block_on(svc.submit(&batch("S-1", &keys("K", 2)), t("20250711100000"), 1)).unwrap();
    up.complete_all(t("20250711100005"));
    let run = block_on(svc.reconcile(t("20250711100100"))).unwrap();
    // list open, read the record and its outcome (one bulk read), list facts, GetBulkResult:
    // write each of the 2 results (the listing showed them absent), list facts again.
    assert_eq!(run.facts_written, 2);
    assert_eq!(run.kv_ops, 1 + 1 + 1 + 2 + 1, "{run}");
}

#[test]
fn the_cron_stops_at_its_budgets_and_the_next_runs_finish_the_rest() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    let n = 12;
    for i in 0..n {
        let body = batch(&format!("S-{i}"), &keys(&format!("K{i}"), 100));
        block_on(svc.submit(&body, t("20250711100000"), 1)).unwrap();
    }
    up.complete_all(t("20250711100005"));

    let first = block_on(svc.reconcile(t("20250711100100"))).unwrap();
    assert_eq!(first.open, n);
    assert!(first.deferred > 0, "{first}");
    assert_eq!(first.examined + first.deferred, n);
    assert!(first.kv_ops <= KV_LIMIT, "{first}");
    assert!(
        first.kv_ops >= KV_BUDGET || first.facts_written >= FACT_BUDGET,
        "it used a budget: {first}"
    );
    assert!(
        first.facts_written < FACT_BUDGET + 100,
        "no submission is taken past the budget: {first}"
    );
    assert_eq!(first.failures(), 0, "{first}");

    // Each run (a minute apart) records about FACT_BUDGET results: the 1,200 need a dozen runs,
    // and a few more bring the rotation round to the last of them.
    let enough = n * 100 / FACT_BUDGET + n.div_ceil(EXAMINE_BUDGET) + 1;
    let mut written = first.facts_written;
    for minute in 2..2 + enough {
        let r = block_on(svc.reconcile(t(&format!("202507111{minute:03}00")))).unwrap();
        assert!(r.kv_ops <= KV_LIMIT, "{r}");
        assert!(r.facts_written < FACT_BUDGET + 100, "{r}");
        written += r.facts_written;
    }
    assert_eq!(
        written,
        n * 100,
        "the backlog drains, every result written once"
    );
    for i in 0..n {
        let view = block_on(svc.submission(&format!("S-{i}"))).unwrap();
        assert!(
            view.cashbills
                .iter()
                .all(|c| c.status == ReceiptStatus::Issued),
            "S-{i}"
        );
    }
}

#[test]
fn a_failed_poll_is_reported_with_its_cause_and_the_next_run_retries() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 2)), t("20250711100000"), 1)).unwrap();
    up.complete_all(t("20250711100005"));
    up.inject(Fault::before(
        Call::GetBulkResult,
        UpstreamErrorKind::Retryable,
    ));
    let failed = block_on(svc.reconcile(t("20250711100100"))).unwrap();
    assert_eq!(failed.problems.len(), 1, "{failed}");
    let p = &failed.problems[0];
    assert_eq!(p.step, Step::GetBulkResult);
    assert_eq!(p.submit_id.as_ref().map(|s| s.as_str()), Some("S-1"));
    assert!(p.cause.contains("injected"), "{}", p.cause);
    assert!(
        failed.to_string().contains("injected"),
        "the log line says why"
    );

    let retried = block_on(svc.reconcile(t("20250711100200"))).unwrap();
    assert_eq!(
        (retried.facts_written, retried.failures()),
        (2, 0),
        "{retried}"
    );
}

#[test]
fn a_corrupt_record_is_reported_by_key_and_the_others_still_progress() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("A", 1)), t("20250711100000"), 1)).unwrap();
    block_on(svc.submit(&batch("S-2", &keys("B", 1)), t("20250711100000"), 1)).unwrap();
    block_on(kv.put("sub:S-1", "{\"submitID\":\"S-1\"", None)).unwrap();
    up.complete_all(t("20250711100005"));
    let run = block_on(svc.reconcile(t("20250711100100"))).unwrap();
    assert_eq!(run.problems.len(), 1, "{run}");
    assert_eq!(run.problems[0].step, Step::Read);
    assert!(
        run.problems[0]
            .cause
            .contains("corrupt record under sub:S-1"),
        "{run}"
    );
    assert_eq!(run.facts_written, 1, "S-2 still got its result");
    assert_eq!(
        block_on(svc.submission("S-2")).unwrap().cashbills[0].status,
        ReceiptStatus::Issued
    );
}

#[test]
fn the_scheduled_minute_not_the_business_clock_picks_each_runs_slice() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    let n = 2 * EXAMINE_BUDGET;
    for i in 0..n {
        let body = batch(&format!("S-{i:02}"), &keys(&format!("K{i}"), 1));
        block_on(svc.submit(&body, t("20250711100000"), 1)).unwrap();
    }
    up.complete_all(t("20250711100005"));
    // Two runs at the same business time (a clock that has not moved, as POPBiLL's may not
    // between triggers) but consecutive scheduled minutes: each takes the next slice.
    let now = t("20250711100100");
    let first_minute = minute_of(now.unix_millis());
    let mut polled = 0;
    for minute in [first_minute, first_minute + 1] {
        let run = block_on(svc.reconcile_slot(now, minute)).unwrap();
        assert_eq!(run.examined, EXAMINE_BUDGET, "{run}");
        polled += run.bulk_polls;
    }
    assert_eq!(polled, n, "two slices, every submission asked once");
    for i in 0..n {
        let view = block_on(svc.submission(&format!("S-{i:02}"))).unwrap();
        assert_eq!(view.cashbills[0].status, ReceiptStatus::Issued, "S-{i:02}");
    }
}

#[test]
fn many_open_submissions_are_examined_a_slice_per_minute_and_all_within_a_few_minutes() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    // More than two slices, no more than three.
    let n = 3 * EXAMINE_BUDGET - EXAMINE_BUDGET / 2;
    for i in 0..n {
        let body = batch(&format!("S-{i:02}"), &keys(&format!("K{i}"), 1));
        block_on(svc.submit(&body, t("20250711100000"), 1)).unwrap();
    }
    up.complete_all(t("20250711100005"));
    let minutes = ["20250711100100", "20250711100200", "20250711100300"];
    let mut examined = 0;
    for (i, minute) in minutes.iter().enumerate() {
        let run = block_on(svc.reconcile(t(minute))).unwrap();
        assert_eq!(run.examined, EXAMINE_BUDGET.min(n), "{run}");
        assert_eq!(run.deferred, n - run.examined, "{run}");
        examined += run.bulk_polls;
        if i == 0 {
            assert_eq!(run.facts_written, EXAMINE_BUDGET, "one slice only: {run}");
        }
    }
    assert_eq!(
        examined, n,
        "three consecutive minutes asked GetBulkResult for every submission once"
    );
    for i in 0..n {
        let view = block_on(svc.submission(&format!("S-{i:02}"))).unwrap();
        assert_eq!(view.cashbills[0].status, ReceiptStatus::Issued, "S-{i:02}");
    }
}

#[test]
fn each_minute_starts_where_the_last_one_stopped() {
    let open = 30;
    let starts: Vec<usize> = ["20250711100100", "20250711100200", "20250711100300"]
        .iter()
        .map(|m| rotation_start(minute_of(t(m).unix_millis()), open))
        .collect();
    for w in starts.windows(2) {
        assert_eq!((w[0] + EXAMINE_BUDGET) % open, w[1], "{starts:?}");
    }
    assert_eq!(
        rotation_start(minute_of(t("20250711100100").unix_millis()), 0),
        0,
        "nothing open"
    );
}

#[test]
fn a_submission_waiting_for_its_filing_results_is_judged_without_reading_its_record() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 3)), t("20250711100000"), 1)).unwrap();
    up.complete_all(t("20250711100005"));
    let first = block_on(svc.reconcile(t("20250711100100"))).unwrap();
    assert_eq!((first.facts_written, first.settled), (3, 0), "{first}");

    // Every receipt has its issuance result; filing results are due tomorrow at 11:00.
    kv.reset_counts();
    let waiting = block_on(svc.reconcile(t("20250711100200"))).unwrap();
    assert_eq!(
        (waiting.examined, waiting.settled, waiting.closed),
        (1, 1, 0),
        "{waiting}"
    );
    let c = kv.counts();
    assert_eq!(
        (c.lists, c.reads, c.writes),
        (2, 1, 0),
        "open markers and the results listed, the stored answer read, nothing else: {c:?}"
    );
    assert_eq!(
        up.calls(Call::GetBulkResult),
        1,
        "POPBiLL is not asked again"
    );

    // The filing results arrive by webhook: every receipt is final, and the submission is
    // closed (its record read once more, to announce its completion).
    for i in 0..3 {
        let body = nts_event(&format!("K-{i}"), 304, "0000");
        block_on(svc.webhook(&hook_headers(&format!("N{i}")), &body)).unwrap();
    }
    let closing = block_on(svc.reconcile(t("20250711100300"))).unwrap();
    assert_eq!((closing.settled, closing.closed), (0, 1), "{closing}");
    assert_eq!(
        block_on(svc.reconcile(t("20250711100400"))).unwrap().open,
        0
    );
}

#[test]
fn a_filing_result_due_is_asked_for_with_the_record_read() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 3)), t("20250711100000"), 1)).unwrap();
    up.complete_all(t("20250711100005"));
    block_on(svc.reconcile(t("20250711100100"))).unwrap();
    up.file_all();
    let due = block_on(svc.reconcile(t("20250712110000"))).unwrap();
    assert_eq!(
        (due.settled, due.info_polls, due.facts_written, due.closed),
        (0, 1, 3, 1),
        "{due}"
    );
}

#[test]
fn results_on_record_before_the_sends_answer_was_stored_still_get_the_send_resolved() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 2)), t("20250711100000"), 1)).unwrap();
    // POPBiLL accepted the submission but its answer never reached KV; webhooks brought every
    // result anyway.
    block_on(kv.delete("sent:S-1")).unwrap();
    up.complete_all(t("20250711100005"));
    deliver_issued_and_filed(&svc, "S-1", "K", 2);
    let run = block_on(svc.reconcile(t("20250711100100"))).unwrap();
    assert_eq!((run.settled, run.sends_resolved), (0, 1), "{run}");
    let view = block_on(svc.submission("S-1")).unwrap();
    assert_eq!(
        view.state, "completed",
        "not pending: the stored answer is back"
    );
    assert!(view.receipt_id.is_some(), "with POPBiLL's receiptID");
}
