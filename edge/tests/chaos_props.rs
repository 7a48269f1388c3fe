//! The chaos invariants, checked natively against the pure core with many seeds: a fault-injecting
//! POPBiLL, webhooks dropped / duplicated / reordered / late, KV that serves stale reads and fails
//! writes. After the faults stop and the cron has run, every accepted receipt is in exactly the
//! final state POPBiLL's ground truth says, none was issued twice, none was lost, none is stuck.

mod support;

use std::collections::BTreeMap;

use edge::core::kv::Kv;
use edge::core::service::Service;
use edge::core::status::ReceiptStatus;
use futures::executor::block_on;
use popbill::codes;
use proptest::prelude::*;
use support::*;

#[derive(Debug, Clone)]
struct Scenario {
    seed: u64,
    batches: Vec<usize>,
    fault_rate: f64,
    drop_rate: f64,
    dup_rate: f64,
    stale_rate: f64,
    write_fail_rate: f64,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        any::<u64>(),
        prop::collection::vec(1usize..12, 1..6),
        0.0..0.5f64,
        0.0..0.6f64,
        0.0..0.4f64,
        0.0..0.5f64,
        0.0..0.2f64,
    )
        .prop_map(
            |(seed, batches, fault_rate, drop_rate, dup_rate, stale_rate, write_fail_rate)| {
                Scenario {
                    seed,
                    batches,
                    fault_rate,
                    drop_rate,
                    dup_rate,
                    stale_rate,
                    write_fail_rate,
                }
            },
        )
}

/// Deliver what POPBiLL has queued: some dropped, some twice, shuffled, a few held for later.
fn deliver(
    svc: &Service<'_, edge::core::kv::MemoryKv, FakePopbill>,
    up: &FakePopbill,
    kv: &edge::core::kv::MemoryKv,
    sc: &Scenario,
    rng: &mut u64,
    held: &mut Vec<(String, Vec<u8>)>,
) {
    let mut events: Vec<(String, Vec<u8>)> = std::mem::take(&mut up.state.borrow_mut().outbox);
    events.append(held);
    // Shuffle (reorder).
    for i in (1..events.len()).rev() {
        let j = (next(rng) % (i as u64 + 1)) as usize;
        events.swap(i, j);
    }
    for (mid, body) in events {
        if unit(rng) < sc.drop_rate {
            continue;
        }
        if unit(rng) < 0.15 {
            held.push((mid, body));
            continue;
        }
        let copies = if unit(rng) < sc.dup_rate { 2 } else { 1 };
        for _ in 0..copies {
            kv.set_stale(unit(rng) < sc.stale_rate);
            if unit(rng) < sc.write_fail_rate {
                kv.fail_next_writes(1);
            }
            // A failed delivery (storage error) is retried by POPBiLL later: hold it.
            if block_on(svc.webhook(&hook_headers(&mid), &body)).is_err() {
                held.push((mid.clone(), body.clone()));
            }
            kv.fail_next_writes(0);
        }
    }
    kv.set_stale(false);
}

fn run(sc: &Scenario) -> Result<(), TestCaseError> {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    {
        let mut st = up.state.borrow_mut();
        st.fault_rate = sc.fault_rate;
        st.rng = sc.seed | 1;
    }
    let svc = Service::new(&kv, &up, &s);
    let mut rng = sc.seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut held = Vec::new();
    let mut submitted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let t0 = t("20250711100000");

    // Submissions, each possibly retried by the merchant after an error or a pending answer.
    for (b, &n) in sc.batches.iter().enumerate() {
        let id = format!("S-{b}");
        let ks = keys(&format!("K{b}"), n);
        for k in &ks {
            match next(&mut rng) % 10 {
                0 => {
                    up.state
                        .borrow_mut()
                        .issue_fail
                        .insert(k.clone(), -14001031);
                }
                1 => {
                    up.state.borrow_mut().nts_fail.insert(k.clone());
                }
                _ => {}
            }
        }
        let body = batch(&id, &ks);
        for attempt in 0..3 {
            if unit(&mut rng) < sc.write_fail_rate {
                kv.fail_next_writes(1);
            }
            let r = block_on(svc.submit(&body, t0.plus_seconds(attempt), next(&mut rng)));
            kv.fail_next_writes(0);
            if matches!(&r, Ok(x) if x.view.state == "accepted") {
                break;
            }
        }
        submitted.insert(id, ks);
        kv.settle();
    }

    // Processing, webhooks, cron; filing overnight; results and cron at 11:00 the next day.
    up.complete_all(t0.plus_seconds(5));
    deliver(&svc, &up, &kv, sc, &mut rng, &mut held);
    let _ = block_on(svc.reconcile(t0.plus_seconds(60)));
    up.file_all();
    deliver(&svc, &up, &kv, sc, &mut rng, &mut held);
    let _ = block_on(svc.reconcile(t("20250712110000")));

    // The faults stop; POPBiLL retries what failed; the cron runs until nothing is open.
    up.state.borrow_mut().fault_rate = 0.0;
    kv.settle();
    let quiet = Scenario {
        drop_rate: 0.0,
        dup_rate: 0.0,
        stale_rate: 0.0,
        write_fail_rate: 0.0,
        ..sc.clone()
    };
    let mut now = t("20250712110100");
    for _ in 0..6 {
        // Anything POPBiLL accepted late (a send resolved by the cron) is processed and filed.
        up.complete_all(now);
        up.file_all();
        deliver(&svc, &up, &kv, &quiet, &mut rng, &mut held);
        block_on(svc.reconcile(now)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        now = now.plus_seconds(86_400);
    }

    // Invariants.
    let truth = up.state.borrow();
    for (k, n) in &truth.issue_counts {
        prop_assert!(*n <= 1, "{k} issued {n} times");
    }
    prop_assert!(
        block_on(kv.list("open:", None)).unwrap().keys.is_empty(),
        "a submission is stuck"
    );
    for (id, ks) in &submitted {
        let at_popbill = truth.subs.contains_key(id);
        let view = block_on(svc.submission(id));
        let Ok(view) = view else {
            // Never stored (every intake attempt hit a storage failure): POPBiLL must not have it.
            prop_assert!(!at_popbill, "{id} reached POPBiLL but the Worker lost it");
            continue;
        };
        prop_assert!(
            at_popbill || view.state == "rejected",
            "{id} is {} but POPBiLL lacks it",
            view.state
        );
        for (k, r) in ks.iter().zip(&view.cashbills) {
            let want = match truth.receipts.get(k) {
                None => ReceiptStatus::IssueFailed, // refused whole, or a mgtKey reuse
                Some(x) if x.code != codes::OK => ReceiptStatus::IssueFailed,
                Some(x) => match x.filing.as_ref().map(|f| f.0) {
                    Some(304) => ReceiptStatus::Filed,
                    Some(_) => ReceiptStatus::FilingFailed,
                    None => ReceiptStatus::Issued,
                },
            };
            prop_assert_eq!(r.status, want, "{} of {}", k, id);
            prop_assert!(r.status.is_final(), "{} not final", k);
        }
    }
    Ok(())
}

proptest! {
    // 256 seeds per `cargo test`; `CHAOS_CASES=5000` for a long run.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("CHAOS_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(256)
    ))]

    #[test]
    fn every_accepted_receipt_ends_in_its_true_final_state_whatever_fails(sc in scenario()) {
        run(&sc)?;
    }
}
