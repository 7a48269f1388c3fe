//! The cron and held refunds: released at their due time once every original's filing result is
//! on record, never before; blocked for good when the original failed filing; followed to a
//! final status by webhooks or polling like any receipt; never sent twice.

mod support;

use edge::core::kv::{Kv, MemoryKv};
use edge::core::service::{PollOutcome, Service};
use edge::core::status::ReceiptStatus;
use futures::executor::block_on;
use popbill::codes;
use support::*;

type Svc<'a> = Service<'a, MemoryKv, FakePopbill>;

fn issue_originals(svc: &Svc<'_>, up: &FakePopbill, n: usize) {
    block_on(svc.submit(&batch("S-O", &keys("O", n)), t("20250711100000"), 1)).unwrap();
    up.complete_all(t("20250711100005"));
    assert_eq!(
        block_on(svc.poll_submission(&sid("S-O"))).unwrap(),
        PollOutcome::Done
    );
}

fn statuses(svc: &Svc<'_>, id: &str) -> Vec<ReceiptStatus> {
    block_on(svc.refund(id))
        .unwrap()
        .refunds
        .iter()
        .map(|r| r.status)
        .collect()
}

#[test]
fn a_held_refund_is_sent_once_its_original_is_filed_and_followed_to_filed_by_polling() {
    use ReceiptStatus::*;
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 1);
    block_on(svc.refunds(
        &refunds("R-1", vec![whole("X-0", "O-0")]),
        t("20250711100100"),
        1,
    ))
    .unwrap();

    // Midnight: filed at POPBiLL, but the result is not out (nor on record) until 11:00.
    up.file_all();
    let night = block_on(svc.reconcile(t("20250712000100"))).unwrap();
    assert_eq!((night.held, night.released), (1, 0), "{night}");
    // 11:00: due, but the original's 304 is not on record yet: the refund waits; the same run
    // asks GetInfos for the original.
    let due = block_on(svc.reconcile(t("20250712110000"))).unwrap();
    assert_eq!(
        (due.released, due.waiting_for_originals, due.info_polls),
        (0, 1, 1),
        "{due}"
    );
    assert_eq!(
        up.calls(Call::BulkSubmit),
        1,
        "never sent before its original is filed"
    );
    // The next run finds the 304 and sends the refund.
    let released = block_on(svc.reconcile(t("20250712110100"))).unwrap();
    assert_eq!(released.released, 1, "{released}");
    assert_eq!(statuses(&svc, "R-1"), [Submitted]);
    up.complete_all(t("20250712110105"));
    block_on(svc.reconcile(t("20250712110200"))).unwrap();
    assert_eq!(
        statuses(&svc, "R-1"),
        [Issued],
        "POPBiLL took it (never -14001021)"
    );
    up.file_all();
    block_on(svc.reconcile(t("20250713110000"))).unwrap();
    assert_eq!(statuses(&svc, "R-1"), [Filed]);
    let r = block_on(svc.refund("R-1")).unwrap();
    assert_eq!(r.state, "completed");
    assert!(
        block_on(kv.list("open:", None)).unwrap().keys.is_empty(),
        "nothing left to follow"
    );
    assert_eq!(up.state.borrow().send_counts["X-0"], 1);
}

#[test]
fn a_held_refund_follows_its_original_by_webhooks_alone() {
    use ReceiptStatus::*;
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 2);
    let body = refunds("R-1", vec![whole("X-0", "O-0"), part("X-1", "O-1", 5000)]);
    let got = block_on(svc.refunds(&body, t("20250711100100"), 1)).unwrap();
    let group = got.view.refunds[0].submit_id.to_string();
    assert_eq!(
        got.view.refunds[1].submit_id.as_str(),
        group,
        "one due time, one BulkSubmit"
    );
    up.file_all();
    deliver_known(&svc, &up, "S-O", &keys("O", 2));
    let run = block_on(svc.reconcile(t("20250712110000"))).unwrap();
    assert_eq!(
        (run.released, run.info_polls),
        (1, 0),
        "the 304s came by webhook: {run}"
    );
    up.complete_all(t("20250712110005"));
    assert_eq!(
        deliver_known(&svc, &up, &group, &["X-0".into(), "X-1".into()]),
        2
    );
    assert_eq!(statuses(&svc, "R-1"), [Issued, Issued]);
    up.file_all();
    assert_eq!(
        deliver_known(&svc, &up, &group, &["X-0".into(), "X-1".into()]),
        2
    );
    assert_eq!(statuses(&svc, "R-1"), [Filed, Filed]);
    let closing = block_on(svc.reconcile(t("20250713110000"))).unwrap();
    assert_eq!(
        (closing.closed, closing.bulk_polls, closing.info_polls),
        (1, 0, 0),
        "{closing}"
    );
}

#[test]
fn a_refund_of_an_original_that_failed_filing_ends_original_filing_failed_and_is_never_sent() {
    use ReceiptStatus::*;
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    up.state.borrow_mut().nts_fail.insert("O-0".into());
    up.state.borrow_mut().nts_fail.insert("O-2".into());
    issue_originals(&svc, &up, 3);
    block_on(svc.refunds(
        &refunds("R-1", vec![whole("X-0", "O-0"), whole("X-1", "O-1")]),
        t("20250711100100"),
        1,
    ))
    .unwrap();
    block_on(svc.refunds(
        &refunds("R-2", vec![part("X-2", "O-2", 100)]),
        t("20250711100200"),
        1,
    ))
    .unwrap();
    up.file_all();
    deliver_known(&svc, &up, "S-O", &keys("O", 3));
    let run = block_on(svc.reconcile(t("20250712110000"))).unwrap();
    // Closed: R-2's group, unsent, and the originals' submission.
    assert_eq!(
        (run.released, run.refunds_blocked, run.closed),
        (1, 2, 2),
        "{run}"
    );
    assert_eq!(statuses(&svc, "R-1"), [OriginalFilingFailed, Submitted]);
    assert_eq!(statuses(&svc, "R-2"), [OriginalFilingFailed]);
    let sent = up.state.borrow().sent.keys().cloned().collect::<Vec<_>>();
    assert!(
        !sent.contains(&"X-0".to_owned()) && !sent.contains(&"X-2".to_owned()),
        "{sent:?}"
    );
    assert!(sent.contains(&"X-1".to_owned()));
    let blocked = serde_json::to_value(block_on(svc.cashbill(None, "X-0")).unwrap()).unwrap();
    assert_eq!(blocked["status"], "original_filing_failed");
    assert_eq!(blocked["blocked"]["orgNtsResultCode"], "TS1");
    assert_eq!(blocked["blocked"]["orgMgtKey"], "O-0");
    assert_eq!(block_on(svc.refund("R-2")).unwrap().state, "completed");
    // The blocked refunds took nothing from their original.
    let original = block_on(svc.cashbill(None, "O-0"))
        .unwrap()
        .refunds
        .unwrap();
    assert_eq!(original.refunded.total, 0);
    // A second run writes nothing again.
    kv.reset_counts();
    block_on(svc.reconcile(t("20250712110100"))).unwrap();
    assert_eq!(kv.counts().writes, 0, "{:?}", kv.counts());
}

#[test]
fn a_release_whose_answer_was_lost_is_resolved_by_asking_and_sent_once() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 1);
    block_on(svc.refunds(
        &refunds("R-1", vec![whole("X-0", "O-0")]),
        t("20250711100100"),
        1,
    ))
    .unwrap();
    up.file_all();
    deliver_known(&svc, &up, "S-O", &keys("O", 1));
    up.inject(Fault::after_commit(Call::BulkSubmit));
    let first = block_on(svc.reconcile(t("20250712110000"))).unwrap();
    assert_eq!(first.released, 0, "{first}");
    assert!(
        first.problems[0].cause.contains("timeout after commit"),
        "{first}"
    );
    // The next run asks POPBiLL, which has it: accepted, not sent again.
    let second = block_on(svc.reconcile(t("20250712110100"))).unwrap();
    assert_eq!(
        second.released, 1,
        "the lost answer was asked for: {second}"
    );
    block_on(svc.reconcile(t("20250712110200"))).unwrap();
    assert_eq!(up.state.borrow().send_counts["X-0"], 1, "exactly once");
    up.complete_all(t("20250712110205"));
    block_on(svc.reconcile(t("20250712110300"))).unwrap();
    assert_eq!(statuses(&svc, "R-1"), [ReceiptStatus::Issued]);
    assert_eq!(up.state.borrow().receipts["X-0"].code, codes::OK);
}

#[test]
fn a_release_that_cannot_reach_popbill_is_tried_again_by_the_next_run() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, 1);
    block_on(svc.refunds(
        &refunds("R-1", vec![whole("X-0", "O-0")]),
        t("20250711100100"),
        1,
    ))
    .unwrap();
    up.file_all();
    deliver_known(&svc, &up, "S-O", &keys("O", 1));
    up.inject(Fault::before(
        Call::GetBulkResult,
        edge::core::upstream::UpstreamErrorKind::Retryable,
    ));
    let failed = block_on(svc.reconcile(t("20250712110000"))).unwrap();
    assert_eq!(failed.released, 0);
    assert_eq!(
        failed.problems[0].step,
        edge::core::service::Step::Send,
        "{failed}"
    );
    assert_eq!(statuses(&svc, "R-1"), [ReceiptStatus::Scheduled]);
    let retried = block_on(svc.reconcile(t("20250712110100"))).unwrap();
    assert_eq!((retried.released, retried.failures()), (1, 0), "{retried}");
    assert_eq!(up.state.borrow().send_counts["X-0"], 1);
}
