//! Property tests for refund intake: whatever the bytes, nothing panics and an error is a 4xx
//! that writes nothing and sends nothing; and whatever the sequence of partial refunds, the ones
//! taken never add up to more than the original, each refused exactly when it would.

mod support;

use edge::core::api::ApiError as _;
use edge::core::kv::MemoryKv;
use edge::core::refund::{ITEM_FIELDS, parse_refunds};
use edge::core::service::{PollOutcome, Service};
use futures::executor::block_on;
use popbill::CorpNum;
use proptest::prelude::*;
use serde_json::{Value, json};
use support::*;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "\\PC{0,16}".prop_map(Value::String),
        "[0-9]{1,12}".prop_map(Value::String),
        Just(json!("O-0")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    prop::sample::select(ITEM_FIELDS.to_vec()).prop_map(str::to_owned),
                    Just("refunds".to_string()),
                    Just("refundID".to_string()),
                    "[a-zA-Z]{1,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A whole refund of the original O-0 with one of its fields set to an arbitrary value.
fn mutated_refund() -> impl Strategy<Value = Value> {
    (prop::sample::select(ITEM_FIELDS.to_vec()), arb_json()).prop_map(|(f, v)| {
        let mut r = whole("X-1", "O-0");
        r[f] = v;
        json!({ "refundID": "PROP-R", "refunds": [r] })
    })
}

/// O-0 (10,000 + 1,000 tax) issued and filed.
fn filed_original(svc: &Service<'_, MemoryKv, FakePopbill>, up: &FakePopbill) {
    block_on(svc.submit(&batch("S-O", &keys("O", 1)), t("20250711100000"), 1)).unwrap();
    up.complete_all(t("20250711100005"));
    assert_eq!(
        block_on(svc.poll_submission(&sid("S-O"))).unwrap(),
        PollOutcome::Done
    );
    up.file_all();
    deliver_known(svc, up, "S-O", &keys("O", 1));
}

proptest! {
    #[test]
    fn refund_parsing_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let corp = CorpNum::parse(CORP).unwrap();
        if let Err(e) = parse_refunds(&bytes, &corp, std::slice::from_ref(&corp)) {
            prop_assert!((400..500).contains(&e.status()), "{e:?}");
        }
    }

    #[test]
    fn a_refused_refund_writes_nothing_and_sends_nothing(v in prop_oneof![arb_json(), mutated_refund()]) {
        let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
        let svc = Service::new(&kv, &up, &s);
        filed_original(&svc, &up);
        let (before, sends) = (kv.snapshot(), up.calls(Call::BulkSubmit));
        let body = serde_json::to_vec(&v).unwrap();
        match block_on(svc.refunds(&body, t("20250712120000"), 1)) {
            Err(e) => {
                prop_assert!((400..500).contains(&e.status()), "{e:?}");
                prop_assert!(!e.code().as_str().is_empty() && !e.to_string().is_empty());
                prop_assert_eq!(kv.snapshot(), before);
                prop_assert_eq!(up.calls(Call::BulkSubmit), sends);
            }
            Ok(done) => {
                // Only a valid refund of the filed original gets here: sent at once, once.
                prop_assert_eq!(done.status, 202);
                prop_assert_eq!(up.calls(Call::BulkSubmit), sends + 1);
            }
        }
    }

    #[test]
    fn partial_refunds_taken_never_exceed_the_original_and_each_is_refused_exactly_when_it_would(
        supplies in prop::collection::vec(0u64..6000, 1..8)
    ) {
        let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
        let svc = Service::new(&kv, &up, &s);
        filed_original(&svc, &up);
        let (mut supply_left, mut tax_left) = (10_000u64, 1_000u64);
        for (i, supply) in supplies.into_iter().enumerate() {
            let tax = supply / 10;
            let body = refunds(&format!("R-{i}"), vec![part(&format!("X-{i}"), "O-0", supply)]);
            let got = block_on(svc.refunds(&body, t("20250712120000"), 1));
            let fits = supply <= supply_left && tax <= tax_left;
            match got {
                Ok(_) if supply > 0 && fits => {
                    supply_left -= supply;
                    tax_left -= tax;
                }
                Err(e) if supply == 0 => prop_assert_eq!(e.details()[0].reason.as_str(), "zero_amount"),
                Err(e) if !fits => prop_assert_eq!(e.details()[0].reason.as_str(), "exceeds_remaining"),
                other => prop_assert!(false, "refund {} of {}: {:?}", i, supply, other.map(|r| r.status)),
            }
        }
        let totals = block_on(svc.cashbill(None, "O-0")).unwrap().refunds.unwrap();
        prop_assert_eq!(totals.remaining.supply_cost, supply_left);
        prop_assert_eq!(totals.refunded.total + totals.remaining.total, 11_000);
        prop_assert!(kv.most_puts_of_one_key().is_some_and(|(_, n)| n == 1));
    }
}
