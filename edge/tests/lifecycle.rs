//! A receipt's life after acceptance: webhooks (in any order, any number of times, or never)
//! and polling, ending in exactly one final status; and what it costs in KV operations.

mod support;

use edge::core::api::ApiError as _;
use edge::core::kv::Kv;
use edge::core::service::{PollOutcome, Service, WebhookOutcome};
use edge::core::status::ReceiptStatus;
use edge::core::webhook::WebhookHeaders;
use futures::executor::block_on;
use support::*;

fn statuses(
    svc: &Service<'_, edge::core::kv::MemoryKv, FakePopbill>,
    id: &str,
) -> Vec<ReceiptStatus> {
    block_on(svc.submission(id))
        .unwrap()
        .cashbills
        .iter()
        .map(|c| c.status)
        .collect()
}

#[test]
fn webhooks_move_receipts_to_issued_then_filed() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 2)), t("20250711100000"), 1)).unwrap();
    let h = hook_headers("M1");
    assert_eq!(
        block_on(svc.webhook(&h, &bulkresult_event("S-1", "K-0", 1))).unwrap(),
        WebhookOutcome::Stored
    );
    assert_eq!(
        block_on(svc.webhook(
            &hook_headers("M2"),
            &bulkresult_event("S-1", "K-1", -14001031)
        ))
        .unwrap(),
        WebhookOutcome::Stored
    );
    assert_eq!(
        statuses(&svc, "S-1"),
        [ReceiptStatus::Issued, ReceiptStatus::IssueFailed]
    );
    block_on(svc.webhook(&hook_headers("M3"), &nts_event("K-0", 305, "TS1"))).unwrap();
    let one = block_on(svc.cashbill(None, "K-0")).unwrap();
    assert_eq!(one.status, ReceiptStatus::FilingFailed);
    assert_eq!(one.nts_result_code.as_deref(), Some("TS1"));
    assert_eq!(one.confirm_num.as_deref(), Some("TB0000001"));
    assert_eq!(block_on(svc.submission("S-1")).unwrap().state, "completed");
}

#[test]
fn duplicate_and_late_webhooks_write_nothing_and_are_acknowledged() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 1)), t("20250711100000"), 1)).unwrap();
    block_on(svc.webhook(&hook_headers("M1"), &bulkresult_event("S-1", "K-0", 1))).unwrap();
    kv.reset_counts();
    for _ in 0..3 {
        let again =
            block_on(svc.webhook(&hook_headers("M1"), &bulkresult_event("S-1", "K-0", 1))).unwrap();
        assert_eq!(again, WebhookOutcome::Duplicate);
    }
    // A contradicting report under another MID does not overwrite the first (results are final).
    let late =
        block_on(svc.webhook(&hook_headers("M9"), &bulkresult_event("S-1", "K-0", -1))).unwrap();
    assert_eq!(late, WebhookOutcome::Duplicate);
    assert_eq!(kv.counts().writes, 0);
    assert_eq!(statuses(&svc, "S-1"), [ReceiptStatus::Issued]);
}

#[test]
fn an_nts_event_before_its_bulkresult_still_ends_filed() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 1)), t("20250711100000"), 1)).unwrap();
    block_on(svc.webhook(&hook_headers("N1"), &nts_event("K-0", 304, "0000"))).unwrap();
    assert_eq!(statuses(&svc, "S-1"), [ReceiptStatus::Filed]);
    block_on(svc.webhook(&hook_headers("B1"), &bulkresult_event("S-1", "K-0", 1))).unwrap();
    assert_eq!(
        statuses(&svc, "S-1"),
        [ReceiptStatus::Filed],
        "never moves backwards"
    );
}

#[test]
fn unauthenticated_or_malformed_webhooks_are_refused_and_store_nothing() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 1)), t("20250711100000"), 1)).unwrap();
    let before = kv.snapshot();
    let body = bulkresult_event("S-1", "K-0", 1);
    let wrong = WebhookHeaders {
        x_api_key: Some("guess".into()),
        ..hook_headers("M1")
    };
    let none = WebhookHeaders {
        x_api_key: None,
        ..hook_headers("M1")
    };
    assert_eq!(
        block_on(svc.webhook(&wrong, &body)).unwrap_err().status(),
        401
    );
    assert_eq!(
        block_on(svc.webhook(&none, &body)).unwrap_err().status(),
        401
    );
    assert_eq!(
        block_on(svc.webhook(&hook_headers("M1"), b"{oops"))
            .unwrap_err()
            .code()
            .as_str(),
        "malformed_json"
    );
    assert_eq!(
        block_on(svc.webhook(&hook_headers("M1"), b"[1]"))
            .unwrap_err()
            .status(),
        400
    );
    assert_eq!(kv.snapshot(), before);
}

#[test]
fn unknown_event_types_are_stored_and_acknowledged_once() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    let body = br#"{"eventType":"Cancel","corpNum":"1234567890","mgtKey":"K-0"}"#;
    assert_eq!(
        block_on(svc.webhook(&hook_headers("X1"), body)).unwrap(),
        WebhookOutcome::Unattached
    );
    assert_eq!(
        block_on(svc.webhook(&hook_headers("X1"), body)).unwrap(),
        WebhookOutcome::Duplicate
    );
    assert!(
        block_on(kv.get("evt:X1"))
            .unwrap()
            .unwrap()
            .contains("Cancel")
    );
}

#[test]
fn a_failed_write_makes_the_webhook_fail_so_popbill_retries() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 1)), t("20250711100000"), 1)).unwrap();
    kv.fail_next_writes(1);
    let err =
        block_on(svc.webhook(&hook_headers("M1"), &bulkresult_event("S-1", "K-0", 1))).unwrap_err();
    assert_eq!(err.status(), 503);
    assert_eq!(statuses(&svc, "S-1"), [ReceiptStatus::Submitted]);
    assert_eq!(
        block_on(svc.webhook(&hook_headers("M1"), &bulkresult_event("S-1", "K-0", 1))).unwrap(),
        WebhookOutcome::Stored
    );
}

#[test]
fn with_every_webhook_lost_polling_brings_each_receipt_to_its_final_state() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    up.state
        .borrow_mut()
        .issue_fail
        .insert("K-1".into(), -14001031);
    up.state.borrow_mut().nts_fail.insert("K-2".into());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 4)), t("20250711100000"), 1)).unwrap();
    assert_eq!(
        block_on(svc.poll_submission(&sid("S-1"))).unwrap(),
        PollOutcome::Pending
    );

    up.complete_all(t("20250711100005"));
    assert_eq!(
        block_on(svc.poll_submission(&sid("S-1"))).unwrap(),
        PollOutcome::Done
    );
    use ReceiptStatus::*;
    assert_eq!(statuses(&svc, "S-1"), [Issued, IssueFailed, Issued, Issued]);

    // Filed overnight, but results are only due (and asked for) from 11:00 the next day.
    up.file_all();
    let early = block_on(svc.reconcile(t("20250712105900"))).unwrap();
    assert_eq!(early.info_polls, 0);
    assert_eq!(statuses(&svc, "S-1"), [Issued, IssueFailed, Issued, Issued]);
    let due = block_on(svc.reconcile(t("20250712110000"))).unwrap();
    assert_eq!((due.info_polls, due.closed), (1, 1));
    assert_eq!(
        statuses(&svc, "S-1"),
        [Filed, IssueFailed, FilingFailed, Filed]
    );
    assert!(
        block_on(kv.list("open:", None)).unwrap().keys.is_empty(),
        "closed submissions are not polled again"
    );
    let idle = block_on(svc.reconcile(t("20250713110000"))).unwrap();
    assert_eq!((idle.open, idle.bulk_polls, idle.info_polls), (0, 0, 0));
}

#[test]
fn reconcile_resolves_a_send_left_unfinished() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    up.unreachable_for_one_send();
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 2)), t("20250711100000"), 1)).unwrap();
    let soon = block_on(svc.reconcile(t("20250711100010"))).unwrap();
    assert_eq!(soon.sends_resolved, 0, "still within the grace period");
    let later = block_on(svc.reconcile(t("20250711100100"))).unwrap();
    assert_eq!(later.sends_resolved, 1);
    assert_eq!(block_on(svc.submission("S-1")).unwrap().state, "accepted");
    assert_eq!(up.calls(Call::BulkSubmit), 2);
}

#[test]
fn a_receipt_costs_at_most_3_kv_writes_and_a_submission_at_most_4() {
    for via_webhooks in [true, false] {
        let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
        let svc = Service::new(&kv, &up, &s);
        let n = 100;
        block_on(svc.submit(&batch("S-1", &keys("K", n)), t("20250711100000"), 1)).unwrap();
        up.complete_all(t("20250711100005"));
        up.file_all();
        if via_webhooks {
            deliver_issued_and_filed(&svc, "S-1", "K", n);
        } else {
            block_on(svc.poll_submission(&sid("S-1"))).unwrap();
        }
        block_on(svc.reconcile(t("20250712110000"))).unwrap();
        assert_eq!(block_on(svc.submission("S-1")).unwrap().state, "completed");
        let c = kv.counts();
        let writes = c.writes + c.deletes;
        assert!(writes <= 3 * n as u64 + 4, "webhooks={via_webhooks}: {c:?}");
        assert_eq!(writes, 3 * n as u64 + 4, "webhooks={via_webhooks}: {c:?}");
        // KV allows one write per second per key: no key is ever written twice.
        assert_eq!(
            kv.most_puts_of_one_key().map(|(_, n)| n),
            Some(1),
            "{:?}",
            kv.most_puts_of_one_key()
        );
    }
}

#[test]
fn stale_reads_delay_the_answer_but_never_lose_or_regress_a_receipt() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 2)), t("20250711100000"), 1)).unwrap();
    kv.settle();
    block_on(svc.webhook(&hook_headers("B0"), &bulkresult_event("S-1", "K-0", 1))).unwrap();
    kv.set_stale(true);
    // Another location still sees the older state: the new fact is not visible yet.
    assert_eq!(
        statuses(&svc, "S-1"),
        [ReceiptStatus::Submitted, ReceiptStatus::Submitted]
    );
    kv.set_stale(false);
    kv.settle();
    assert_eq!(
        statuses(&svc, "S-1"),
        [ReceiptStatus::Issued, ReceiptStatus::Submitted]
    );
}

#[test]
fn the_post_submit_poll_does_not_ask_popbill_when_webhooks_brought_every_result() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("S-1", &keys("K", 2)), t("20250711100000"), 1)).unwrap();
    for (i, k) in ["K-0", "K-1"].iter().enumerate() {
        block_on(svc.webhook(
            &hook_headers(&format!("B{i}")),
            &bulkresult_event("S-1", k, 1),
        ))
        .unwrap();
    }
    assert_eq!(
        block_on(svc.poll_submission(&sid("S-1"))).unwrap(),
        PollOutcome::Done
    );
    assert_eq!(up.calls(Call::GetBulkResult), 0);
}
