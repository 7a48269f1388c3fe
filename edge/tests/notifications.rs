//! Merchant events from the service: which facts make which events, one id per fact whichever
//! way it arrived, nothing written to KV while the queue takes them, and what happens when it
//! does not.

mod support;

use std::collections::BTreeSet;

use edge::core::kv::{CountingKv, Kv, KvError, ListPage, MemoryKv};
use edge::core::notify::message::UNSENT_PREFIX;
use edge::core::notify::{EventType, Notifications, QueueMessage, config};
use edge::core::outbox::MemoryOutbox;
use edge::core::service::{Events, Service, Step, WebhookOutcome};
use edge::core::upstream::{UpstreamError, UpstreamErrorKind};
use futures::executor::block_on;
use popbill::ManualClock;
use serde_json::Value;
use support::*;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn on(filter: Option<&str>) -> Notifications {
    Notifications::from_lookup(|name| match name {
        config::URL_VAR => Some("https://merchant.example/hooks".into()),
        config::SECRET_VAR => Some(SECRET.into()),
        config::EVENTS_VAR => filter.map(str::to_owned),
        _ => None,
    })
}

/// 2025-07-11 10:00:00 KST on the Worker's clock.
fn clock() -> ManualClock {
    ManualClock::new(1_752_195_600_000)
}

fn with_events<'a, K: Kv>(
    svc: Service<'a, K, FakePopbill>,
    outbox: &'a MemoryOutbox,
    n: &'a Notifications,
    clock: &'a ManualClock,
) -> Service<'a, K, FakePopbill> {
    svc.with_events(Events {
        outbox,
        notifications: n,
        clock,
    })
}

/// (type, mgtKey) of every message sent, in order.
fn sent(outbox: &MemoryOutbox) -> Vec<(EventType, Option<String>)> {
    outbox
        .sent()
        .into_iter()
        .map(|m| (m.kind, m.mgt_key))
        .collect()
}

fn of(kind: EventType, key: &str) -> (EventType, Option<String>) {
    (kind, Some(key.to_owned()))
}

fn id_of(outbox: &MemoryOutbox, kind: EventType, key: &str) -> String {
    outbox
        .sent()
        .into_iter()
        .find(|m| m.kind == kind && m.mgt_key.as_deref() == Some(key))
        .map(|m| m.id)
        .unwrap_or_else(|| panic!("no {kind} for {key}"))
}

#[test]
fn every_status_change_becomes_one_event_whichever_way_its_fact_arrived() {
    let (kv, up, s, outbox, n, clock) = (
        new_kv(),
        FakePopbill::new(),
        settings(),
        MemoryOutbox::new(),
        on(None),
        clock(),
    );
    let svc = with_events(Service::new(&kv, &up, &s), &outbox, &n, &clock);
    up.state
        .borrow_mut()
        .issue_fail
        .insert("K-2".into(), -14001031);
    up.state.borrow_mut().nts_fail.insert("K-1".into());
    block_on(svc.submit(&batch("S-1", &keys("K", 3)), t("20250711100000"), 1)).unwrap();
    assert!(outbox.sent().is_empty(), "acceptance is no status change");

    // K-0 by webhook; K-1 and K-2 by the cron's GetBulkResult.
    block_on(svc.webhook(&hook_headers("M1"), &bulkresult_event("S-1", "K-0", 1))).unwrap();
    up.complete_all(t("20250711100005"));
    block_on(svc.reconcile(t("20250711100100"))).unwrap();
    use EventType::*;
    assert_eq!(
        sent(&outbox),
        [
            of(CashbillIssued, "K-0"),
            of(CashbillIssued, "K-1"),
            of(CashbillIssueFailed, "K-2")
        ]
    );
    // Filing: K-0 by webhook, K-1 by the cron's GetInfos at 11:00 the next day.
    block_on(svc.webhook(&hook_headers("M2"), &nts_event("K-0", 304, "0000"))).unwrap();
    up.file_all();
    let run = block_on(svc.reconcile(t("20250712110000"))).unwrap();
    assert_eq!(run.closed, 1, "{run}");
    assert_eq!(
        sent(&outbox)[3..],
        [
            of(CashbillFiled, "K-0"),
            of(CashbillFilingFailed, "K-1"),
            (SubmissionCompleted, None)
        ]
    );
    let ids: BTreeSet<String> = outbox.sent().into_iter().map(|m| m.id).collect();
    assert_eq!(ids.len(), 6, "one id per fact");

    // Every body is the receipt as the API shows it at that moment.
    let last: Value = serde_json::from_str(&outbox.sent()[4].body).unwrap();
    assert_eq!(last["type"], "cashbill.filing_failed");
    assert_eq!(
        last["timestamp"], "2025-07-11T01:00:00Z",
        "the Worker's clock"
    );
    let mut api = serde_json::to_value(block_on(svc.cashbill(None, "K-1")).unwrap()).unwrap();
    let mut data = last["data"].clone();
    assert_eq!(data["corpNum"], CORP);
    data.as_object_mut().unwrap().remove("corpNum");
    // An original's running refund totals are read on demand, not carried by its events.
    assert!(api["refunds"].is_object());
    api.as_object_mut().unwrap().remove("refunds");
    assert_eq!(data, api);
    assert_eq!(api["identityNum"], "*******5678");

    // A later cron run announces nothing again.
    let before = outbox.sent().len();
    block_on(svc.reconcile(t("20250712120000"))).unwrap();
    assert_eq!(outbox.sent().len(), before);
}

#[test]
fn the_same_fact_has_the_same_id_by_webhook_by_poll_and_when_sent_again() {
    let by_webhook = MemoryOutbox::new();
    let by_poll = MemoryOutbox::new();
    let (n, c) = (on(None), clock());
    for (outbox, webhook) in [(&by_webhook, true), (&by_poll, false)] {
        let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
        let svc = with_events(Service::new(&kv, &up, &s), outbox, &n, &c);
        block_on(svc.submit(&batch("S-1", &keys("K", 1)), t("20250711100000"), 1)).unwrap();
        if webhook {
            let body = bulkresult_event("S-1", "K-0", 1);
            block_on(svc.webhook(&hook_headers("M1"), &body)).unwrap();
        } else {
            up.complete_all(t("20250711100005"));
            block_on(svc.reconcile(t("20250711100100"))).unwrap();
        }
        // A replay by submission derives the same event again.
        let report = block_on(svc.replay(br#"{"submitID":"S-1"}"#)).unwrap();
        assert_eq!(report.replayed.len(), 1);
    }
    let (w, p) = (by_webhook.sent(), by_poll.sent());
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].id, p[0].id, "webhook and poll");
    assert_eq!(w[0].id, w[1].id, "first send and replay");
    assert_eq!(p[0].id, p[1].id);
}

#[test]
fn a_duplicate_is_queued_again_only_when_popbill_resends_the_event_that_stored_it() {
    let (kv, up, s, outbox, n, c) = (
        new_kv(),
        FakePopbill::new(),
        settings(),
        MemoryOutbox::new(),
        on(None),
        clock(),
    );
    let svc = with_events(Service::new(&kv, &up, &s), &outbox, &n, &c);
    block_on(svc.submit(&batch("S-1", &keys("K", 2)), t("20250711100000"), 1)).unwrap();
    let hook = |mid: &str, key: &str| {
        block_on(svc.webhook(&hook_headers(mid), &bulkresult_event("S-1", key, 1))).unwrap()
    };
    assert_eq!(hook("M1", "K-0"), WebhookOutcome::Stored);
    // POPBiLL re-sends M1 (it may not have had our 200): the event goes out again, same id.
    assert_eq!(hook("M1", "K-0"), WebhookOutcome::Duplicate);
    // Another report of the same fact under another MID: already announced by M1.
    assert_eq!(hook("M9", "K-0"), WebhookOutcome::Duplicate);
    let ids: Vec<String> = outbox.sent().into_iter().map(|m| m.id).collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1]);

    // The poll got K-1 first: its later webhook queues nothing.
    up.complete_all(t("20250711100005"));
    block_on(svc.reconcile(t("20250711100100"))).unwrap();
    assert_eq!(outbox.sent().len(), 3);
    assert_eq!(hook("M2", "K-1"), WebhookOutcome::Duplicate);
    assert_eq!(outbox.sent().len(), 3);
}

#[test]
fn notifications_add_no_kv_writes_to_a_receipts_life() {
    let (kv, up, s, outbox, n, c) = (
        new_kv(),
        FakePopbill::new(),
        settings(),
        MemoryOutbox::new(),
        on(None),
        clock(),
    );
    let svc = with_events(Service::new(&kv, &up, &s), &outbox, &n, &c);
    block_on(svc.submit(&batch("S-1", &keys("K", 100)), t("20250711100000"), 1)).unwrap();
    deliver_issued_and_filed(&svc, "S-1", "K", 100);
    block_on(svc.reconcile(t("20250712120000"))).unwrap();
    // The same as without notifications (edge/README.md, "KV schema and cost").
    assert_eq!(kv.counts().writes + kv.counts().deletes, 3 * 100 + 4);
    assert_eq!(outbox.sent().len(), 100 + 100 + 1);
    let ids: BTreeSet<String> = outbox.sent().into_iter().map(|m| m.id).collect();
    assert_eq!(ids.len(), 201);
}

#[test]
fn notifications_off_or_filtered_out_cost_no_reads_either() {
    // KV operations of one new-fact webhook, as Workers charges them (a bulk read is one).
    let ops = |n: Option<&Notifications>| {
        let (memory, up, s, outbox, c) = (
            new_kv(),
            FakePopbill::new(),
            settings(),
            MemoryOutbox::new(),
            clock(),
        );
        let kv = CountingKv::new(&memory, usize::MAX);
        let svc = match n {
            Some(n) => with_events(Service::new(&kv, &up, &s), &outbox, n, &c),
            None => Service::new(&kv, &up, &s),
        };
        block_on(svc.submit(&batch("S-1", &keys("K", 1)), t("20250711100000"), 1)).unwrap();
        let before = kv.used();
        block_on(svc.webhook(&hook_headers("M1"), &bulkresult_event("S-1", "K-0", 1))).unwrap();
        (kv.used() - before, outbox.sent().len())
    };
    let (without, _) = ops(None);
    assert_eq!(ops(Some(&Notifications::Off)), (without, 0));
    assert_eq!(ops(Some(&on(Some("submission.*")))), (without, 0));
    let (with, queued) = ops(Some(&on(None)));
    assert_eq!(queued, 1);
    assert_eq!(
        with,
        without + 2,
        "the submission and its facts, for the event's data"
    );
}

#[test]
fn a_send_the_queue_refuses_is_marked_and_the_cron_sends_it_again() {
    let (kv, up, s, outbox, n, c) = (
        new_kv(),
        FakePopbill::new(),
        settings(),
        MemoryOutbox::new(),
        on(None),
        clock(),
    );
    let svc = with_events(Service::new(&kv, &up, &s), &outbox, &n, &c);
    block_on(svc.submit(&batch("S-1", &keys("K", 2)), t("20250711100000"), 1)).unwrap();
    outbox.fail_next(1);
    kv.reset_counts();
    let out = block_on(svc.webhook(&hook_headers("M1"), &bulkresult_event("S-1", "K-0", 1)));
    assert_eq!(
        out.unwrap(),
        WebhookOutcome::Stored,
        "the fact is stored, POPBiLL gets 200"
    );
    assert_eq!(kv.counts().writes, 2, "the fact and the unsent marker");
    let marked = block_on(kv.list(UNSENT_PREFIX, None)).unwrap();
    assert_eq!(marked.keys.len(), 1);

    let run = block_on(svc.reconcile(t("20250711100100"))).unwrap();
    assert_eq!(run.events_resent, 1, "{run}");
    assert_eq!(sent(&outbox), [of(EventType::CashbillIssued, "K-0")]);
    assert!(
        block_on(kv.list(UNSENT_PREFIX, None))
            .unwrap()
            .keys
            .is_empty()
    );
    let again = block_on(svc.reconcile(t("20250711100200"))).unwrap();
    assert_eq!(again.events_resent, 0);
}

/// KV that refuses writes under one prefix (the unsent marker) and passes everything else on.
struct RefusingKv<'a> {
    inner: &'a MemoryKv,
    prefix: &'static str,
}

impl Kv for RefusingKv<'_> {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        self.inner.get(key).await
    }
    async fn put(&self, key: &str, value: &str, meta: Option<&Value>) -> Result<(), KvError> {
        if key.starts_with(self.prefix) {
            return Err(KvError {
                op: "put",
                reason: "injected".into(),
            });
        }
        self.inner.put(key, value, meta).await
    }
    async fn list(&self, prefix: &str, cursor: Option<&str>) -> Result<ListPage, KvError> {
        self.inner.list(prefix, cursor).await
    }
    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.inner.delete(key).await
    }
}

#[test]
fn when_queue_and_kv_both_fail_the_webhook_fails_and_popbills_retry_queues_the_event() {
    let (memory, up, s, outbox, n, c) = (
        new_kv(),
        FakePopbill::new(),
        settings(),
        MemoryOutbox::new(),
        on(None),
        clock(),
    );
    let kv = RefusingKv {
        inner: &memory,
        prefix: UNSENT_PREFIX,
    };
    let svc = with_events(Service::new(&kv, &up, &s), &outbox, &n, &c);
    block_on(svc.submit(&batch("S-1", &keys("K", 1)), t("20250711100000"), 1)).unwrap();
    outbox.fail_next(1);
    let body = bulkresult_event("S-1", "K-0", 1);
    let first = block_on(svc.webhook(&hook_headers("M1"), &body));
    assert!(first.is_err(), "503: POPBiLL will send it again");
    assert!(outbox.sent().is_empty());
    let retry = block_on(svc.webhook(&hook_headers("M1"), &body)).unwrap();
    assert_eq!(retry, WebhookOutcome::Duplicate);
    assert_eq!(sent(&outbox), [of(EventType::CashbillIssued, "K-0")]);
}

#[test]
fn a_refused_submission_announces_itself_and_each_receipt() {
    let (kv, up, s, outbox, n, c) = (
        new_kv(),
        FakePopbill::new(),
        settings(),
        MemoryOutbox::new(),
        on(None),
        clock(),
    );
    let svc = with_events(Service::new(&kv, &up, &s), &outbox, &n, &c);
    up.inject(Fault {
        call: Call::BulkSubmit,
        after_commit: false,
        error: UpstreamError::new(
            UpstreamErrorKind::InvalidRequest,
            Some(-14000001),
            "refused",
        ),
    });
    let refused = block_on(svc.submit(&batch("S-1", &keys("K", 2)), t("20250711100000"), 1));
    assert!(refused.is_err(), "502 popbill_rejected");
    use EventType::*;
    assert_eq!(
        sent(&outbox),
        [
            of(CashbillIssueFailed, "K-0"),
            of(CashbillIssueFailed, "K-1"),
            (SubmissionRejected, None)
        ]
    );
    let body: Value = serde_json::from_str(&outbox.sent()[2].body).unwrap();
    assert_eq!(body["data"]["rejection"]["code"], -14000001);
    // The cron closes it without announcing it again.
    block_on(svc.reconcile(t("20250711100100"))).unwrap();
    assert_eq!(outbox.sent().len(), 3);
}

#[test]
fn completion_that_cannot_be_announced_keeps_the_submission_open_for_the_next_run() {
    let (memory, up, s, outbox, n, c) = (
        new_kv(),
        FakePopbill::new(),
        settings(),
        MemoryOutbox::new(),
        on(None),
        clock(),
    );
    let kv = RefusingKv {
        inner: &memory,
        prefix: UNSENT_PREFIX,
    };
    let svc = with_events(Service::new(&kv, &up, &s), &outbox, &n, &c);
    block_on(svc.submit(&batch("S-1", &keys("K", 1)), t("20250711100000"), 1)).unwrap();
    let body = bulkresult_event("S-1", "K-0", -14001031);
    block_on(svc.webhook(&hook_headers("M1"), &body)).unwrap();
    outbox.fail_next(1);
    let run = block_on(svc.reconcile(t("20250711100100"))).unwrap();
    assert_eq!(run.closed, 0);
    assert!(run.problems.iter().any(|p| p.step == Step::Notify), "{run}");
    let next = block_on(svc.reconcile(t("20250711100200"))).unwrap();
    assert_eq!(next.closed, 1, "{next}");
    let last: QueueMessage = outbox.sent().pop().unwrap();
    assert_eq!(last.kind, EventType::SubmissionCompleted);
}

#[test]
fn dead_letters_are_listed_and_replayed_through_the_service() {
    let (kv, up, s, outbox, n, c) = (
        new_kv(),
        FakePopbill::new(),
        settings(),
        MemoryOutbox::new(),
        on(None),
        clock(),
    );
    let svc = with_events(Service::new(&kv, &up, &s), &outbox, &n, &c);
    block_on(svc.submit(&batch("S-1", &keys("K", 1)), t("20250711100000"), 1)).unwrap();
    block_on(svc.webhook(&hook_headers("M1"), &bulkresult_event("S-1", "K-0", 1))).unwrap();
    let id = id_of(&outbox, EventType::CashbillIssued, "K-0");
    let message = serde_json::to_value(&outbox.sent()[0]).unwrap();
    let notifier = edge::core::service::notify::Notifier::new(&kv, &outbox, &n);
    block_on(notifier.record_dead(message, 1_752_195_700_000)).unwrap();
    let page = block_on(svc.failed_events(None)).unwrap();
    assert_eq!(page.failed.len(), 1);
    assert_eq!(page.failed[0].id, id);
    let body = format!(r#"{{"ids":["{id}"]}}"#);
    let report = block_on(svc.replay(body.as_bytes())).unwrap();
    assert_eq!(report.replayed, std::slice::from_ref(&id));
    assert_eq!(outbox.sent().last().map(|m| m.id.clone()), Some(id));
    assert!(block_on(svc.failed_events(None)).unwrap().failed.is_empty());
    let unknown = block_on(svc.replay(br#"{"submitID":"NOPE"}"#));
    assert!(unknown.is_err(), "no such submission");
}

#[test]
fn refunds_report_their_own_status_changes_and_a_blocked_one_once() {
    let (kv, up, s, outbox, n, c) = (
        new_kv(),
        FakePopbill::new(),
        settings(),
        MemoryOutbox::new(),
        on(None),
        clock(),
    );
    let svc = with_events(Service::new(&kv, &up, &s), &outbox, &n, &c);
    up.state.borrow_mut().nts_fail.insert("O-1".into());
    block_on(svc.submit(&batch("S-O", &keys("O", 2)), t("20250711100000"), 1)).unwrap();
    up.complete_all(t("20250711100005"));
    block_on(svc.reconcile(t("20250711100100"))).unwrap();
    // Held: refunded before the originals are filed; O-1's filing will fail.
    let items = vec![whole("X-0", "O-0"), whole("X-1", "O-1")];
    block_on(svc.refunds(&refunds("R-1", items), t("20250711100200"), 1)).unwrap();
    assert_eq!(
        outbox.sent().len(),
        2,
        "scheduled is no event: only the originals' issuance"
    );

    // 11:00 the next day: the originals' results, X-1 blocked, X-0 sent, issued, then filed.
    up.file_all();
    block_on(svc.reconcile(t("20250712110000"))).unwrap();
    block_on(svc.reconcile(t("20250712110100"))).unwrap();
    up.complete_all(t("20250712110105"));
    block_on(svc.reconcile(t("20250712110200"))).unwrap();
    up.file_all();
    block_on(svc.reconcile(t("20250713110000"))).unwrap();

    use EventType::*;
    let events = sent(&outbox);
    for want in [
        of(CashbillFiled, "O-0"),
        of(CashbillFilingFailed, "O-1"),
        of(CashbillOriginalFilingFailed, "X-1"),
        of(CashbillIssued, "X-0"),
        of(CashbillFiled, "X-0"),
    ] {
        assert_eq!(
            events.iter().filter(|e| **e == want).count(),
            1,
            "{want:?} in {events:?}"
        );
    }
    assert_eq!(
        events.len(),
        2 + 2 + 3 + 1,
        "and the originals' submission.completed"
    );
    let completed: Vec<_> = outbox
        .sent()
        .into_iter()
        .filter(|m| m.kind == SubmissionCompleted)
        .map(|m| m.submit_id)
        .collect();
    assert_eq!(
        completed,
        ["S-O"],
        "a refund group is the Worker's, not announced"
    );
    let blocked: Value = serde_json::from_str(
        &outbox
            .sent()
            .into_iter()
            .find(|m| m.kind == CashbillOriginalFilingFailed)
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(blocked["data"]["status"], "original_filing_failed");
    assert_eq!(blocked["data"]["refundID"], "R-1");
    assert_eq!(blocked["data"]["orgMgtKey"], "O-1");
    let ids: BTreeSet<String> = outbox.sent().into_iter().map(|m| m.id).collect();
    assert_eq!(ids.len(), events.len(), "one id per fact");
}
