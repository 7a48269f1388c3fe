//! What a refund costs in KV writes over its whole life, held or sent at once, with results by
//! webhook or by polling; and the cron's work for held refunds within its per-run budget.

mod support;

use edge::core::kv::MemoryKv;
use edge::core::service::{KV_BUDGET, KV_LIMIT, PollOutcome, Service};
use edge::core::status::ReceiptStatus;
use futures::executor::block_on;
use support::*;

type Svc<'a> = Service<'a, MemoryKv, FakePopbill>;

fn issue_originals(svc: &Svc<'_>, up: &FakePopbill, submit_id: &str, prefix: &str, n: usize) {
    block_on(svc.submit(&batch(submit_id, &keys(prefix, n)), t("20250711100000"), 1)).unwrap();
    up.complete_all(t("20250711100005"));
    assert_eq!(
        block_on(svc.poll_submission(&sid(submit_id))).unwrap(),
        PollOutcome::Done
    );
}

/// Every write (puts and deletes) from refunding `n` originals, one refund each in one request,
/// to every refund filed. `held`: refunded before the originals are filed.
fn writes_of_refunding(n: usize, held: bool, webhooks: bool) -> u64 {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, "S-O", "O", n);
    let originals = keys("O", n);
    let file_originals = |up: &FakePopbill| {
        up.file_all();
        if webhooks {
            deliver_known(&svc, up, "S-O", &originals);
        }
    };
    if !held {
        file_originals(&up);
        block_on(svc.reconcile(t("20250712110000"))).unwrap();
    }
    kv.reset_counts();
    // The originals' own writes after this point: a filing fact each, and their close.
    let originals_after = if held { n as u64 + 1 } else { 0 };

    let items = originals
        .iter()
        .enumerate()
        .map(|(i, o)| whole(&format!("X-{i}"), o))
        .collect();
    let at = if held {
        t("20250711100100")
    } else {
        t("20250712120000")
    };
    let got = block_on(svc.refunds(&refunds("R-1", items), at, 1)).unwrap();
    let group = got.view.refunds[0].submit_id.to_string();
    let refunds_keys = keys("X", n);
    if held {
        file_originals(&up);
        block_on(svc.reconcile(t("20250712110000"))).unwrap();
        block_on(svc.reconcile(t("20250712110100"))).unwrap();
    }
    up.complete_all(t("20250712120005"));
    if webhooks {
        deliver_known(&svc, &up, &group, &refunds_keys);
    } else {
        block_on(svc.reconcile(t("20250712120100"))).unwrap();
    }
    up.file_all();
    if webhooks {
        deliver_known(&svc, &up, &group, &refunds_keys);
    }
    block_on(svc.reconcile(t("20250713110000"))).unwrap();
    let view = block_on(svc.refund("R-1")).unwrap();
    assert!(
        view.refunds
            .iter()
            .all(|r| r.status == ReceiptStatus::Filed),
        "{:?}",
        view.counts
    );
    assert_eq!(view.state, "completed");
    assert_eq!(
        kv.most_puts_of_one_key().map(|(_, n)| n),
        Some(1),
        "no key is written twice: {:?}",
        kv.most_puts_of_one_key()
    );
    let c = kv.counts();
    c.writes + c.deletes - originals_after
}

#[test]
fn a_refund_costs_4_writes_its_bulk_submit_4_and_its_request_1_held_or_not_webhooks_or_not() {
    for held in [true, false] {
        for webhooks in [true, false] {
            let one = writes_of_refunding(1, held, webhooks);
            assert_eq!(
                one,
                1 + 4 + 4,
                "held={held} webhooks={webhooks}: one refund"
            );
        }
    }
    assert_eq!(
        writes_of_refunding(100, true, false),
        1 + 4 + 4 * 100,
        "100 refunds, one group"
    );
    assert_eq!(
        writes_of_refunding(100, false, true),
        1 + 4 + 4 * 100,
        "100 refunds sent at once"
    );
}

#[test]
fn held_refunds_cost_the_cron_no_read_before_their_due_time() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    issue_originals(&svc, &up, "S-O", "O", 50);
    for i in 0..50 {
        let body = refunds(
            &format!("R-{i}"),
            vec![whole(&format!("X-{i}"), &format!("O-{i}"))],
        );
        block_on(svc.refunds(&body, t("20250711100100"), 1)).unwrap();
    }
    // S-O is open too (its receipts are not filed): 1 listing, then S-O's own read and poll.
    let run = block_on(svc.reconcile(t("20250711110000"))).unwrap();
    assert_eq!((run.open, run.held, run.examined), (51, 50, 1), "{run}");
    assert_eq!(
        run.kv_ops,
        1 + 2,
        "one listing for all 50 held groups: {run}"
    );
}

#[test]
fn the_crons_release_of_many_held_refunds_stays_within_its_budget_and_drains() {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    // 12 requests of 100 refunds whose originals all fail filing: each release records 100
    // blocked facts (2 operations each).
    let n = 12;
    for r in 0..n {
        let prefix = format!("O{r}");
        for k in keys(&prefix, 100) {
            up.state.borrow_mut().nts_fail.insert(k);
        }
        issue_originals(&svc, &up, &format!("S-{r}"), &prefix, 100);
        let items = keys(&prefix, 100)
            .iter()
            .enumerate()
            .map(|(i, o)| whole(&format!("X{r}-{i}"), o))
            .collect();
        block_on(svc.refunds(&refunds(&format!("R-{r}"), items), t("20250711100100"), 1)).unwrap();
    }
    up.file_all();
    for r in 0..n {
        deliver_known(&svc, &up, &format!("S-{r}"), &keys(&format!("O{r}"), 100));
    }
    let first = block_on(svc.reconcile(t("20250712110000"))).unwrap();
    assert!(first.kv_ops <= KV_LIMIT, "{first}");
    assert!(first.kv_ops >= KV_BUDGET, "it used its budget: {first}");
    assert!(first.deferred > 0, "{first}");
    assert_eq!(first.failures(), 0, "{first}");
    let mut runs = 1;
    loop {
        let r = block_on(svc.reconcile(t("20250712110100"))).unwrap();
        assert!(r.kv_ops <= KV_LIMIT, "{r}");
        assert_eq!(r.failures(), 0, "{r}");
        runs += 1;
        if r.open == 0 || runs == 20 {
            break;
        }
    }
    assert!(runs < 20, "the backlog drains");
    for r in 0..n {
        let view = block_on(svc.refund(&format!("R-{r}"))).unwrap();
        assert_eq!(view.counts["original_filing_failed"], 100, "R-{r}");
    }
    assert!(
        up.state.borrow().sent.keys().all(|k| k.starts_with('O')),
        "no refund was sent"
    );
}
