//! The cron (reconcile): it counts the KV operations it is charged, stops taking submissions at
//! its budget and leaves the rest for the next run, and says why anything failed.

mod support;

use edge::core::kv::Kv;
use edge::core::service::{KV_BUDGET, KV_LIMIT, Service, Step};
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
    // read and write each of the 2 results, list facts again.
    assert_eq!(run.facts_written, 2);
    assert_eq!(run.kv_ops, 1 + 1 + 1 + 2 * 2 + 1, "{run}");
}

#[test]
fn the_cron_stops_at_its_kv_budget_and_the_next_runs_finish_the_rest() {
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
    assert!(first.kv_ops >= KV_BUDGET, "it used its budget: {first}");
    assert_eq!(first.failures(), 0, "{first}");

    let mut runs = 1;
    while runs < 10 {
        let r = block_on(svc.reconcile(t("20250711100200"))).unwrap();
        assert!(r.kv_ops <= KV_LIMIT, "{r}");
        runs += 1;
        if r.deferred == 0 && r.bulk_polls == 0 {
            break;
        }
    }
    assert!(runs < 10, "the backlog drains");
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
