//! Property tests for the Worker's parsers: submission bodies and webhook bodies. Whatever the
//! bytes, nothing panics, an error is a 4xx with a stable code, and a refused request writes
//! nothing to KV and calls POPBiLL never.

mod support;

use edge::core::api::ApiError as _;
use edge::core::intake::parse_submit;
use edge::core::service::Service;
use futures::executor::block_on;
use popbill::CorpNum;
use popbill::wire::{Cashbill, Field, FieldType};
use proptest::prelude::*;
use serde_json::{Value, json};
use support::*;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "\\PC{0,16}".prop_map(Value::String),
        "[0-9]{1,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("cashbills".to_string()),
                    Just("submitID".to_string()),
                    Just("corpNum".to_string()),
                    Just("mgtKey".to_string()),
                    Just("totalAmount".to_string()),
                    Just("tradeDT".to_string()),
                    "[a-zA-Z]{1,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid cashbill with one of its fields (the one list: `Cashbill::FIELDS`) replaced by an
/// arbitrary JSON value.
fn mutated_submission() -> impl Strategy<Value = Value> {
    let fields = prop::sample::select(Cashbill::FIELD_NAMES.to_vec());
    (fields, arb_json()).prop_map(|(f, v)| {
        let mut c = cashbill("P-1");
        c[f] = v;
        json!({ "submitID": "PROP-1", "cashbills": [c] })
    })
}

/// Whether a field of type `ty` takes `v` (the oracle, written from docs/PROTOCOL.md §3.3:
/// strings, booleans for the flags, integers for cancelType, also quoted or as a whole float as
/// some senders write them; null is an absent value).
fn takes(ty: FieldType, v: &Value) -> bool {
    match (ty, v) {
        (_, Value::Null) => true,
        (FieldType::Text, Value::String(_)) => true,
        (FieldType::Flag, Value::Bool(_)) => true,
        (FieldType::Int, Value::Number(n)) => {
            n.as_i64().is_some()
                || n.as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
        }
        (FieldType::Int, Value::String(s)) => s.trim().parse::<i64>().is_ok(),
        _ => false,
    }
}

/// A Cashbill field and a value its type does not take.
fn field_with_wrong_value() -> impl Strategy<Value = (Field, Value)> {
    prop::sample::select(Cashbill::FIELDS.to_vec()).prop_flat_map(|f| {
        let wrong = arb_json().prop_filter("a value of another type", move |v| !takes(f.ty, v));
        (Just(f), wrong)
    })
}

proptest! {
    #[test]
    fn submission_parsing_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let corp = CorpNum::parse(CORP).unwrap();
        if let Err(e) = parse_submit(&bytes, &corp, std::slice::from_ref(&corp), t("20250711100000")) {
            prop_assert!((400..500).contains(&e.status()), "{e:?}");
        }
    }

    #[test]
    fn a_wrong_json_type_in_any_cashbill_field_is_refused_naming_that_field(
        (field, v) in field_with_wrong_value()
    ) {
        let corp = CorpNum::parse(CORP).unwrap();
        let mut c = cashbill("P-1");
        c[field.name] = v;
        let body = serde_json::to_vec(&json!({ "submitID": "PROP-1", "cashbills": [c] })).unwrap();
        let err = parse_submit(&body, &corp, std::slice::from_ref(&corp), t("20250711100000"))
            .expect_err("a wrong type is refused");
        prop_assert_eq!(err.code().as_str(), "invalid_cashbills");
        let named: Vec<_> = err.details().iter().map(|d| (d.index, d.field.as_deref(), d.reason.as_str())).collect();
        prop_assert_eq!(named, vec![(Some(0), Some(field.name), "invalid_type")]);
    }

    #[test]
    fn refused_submissions_write_nothing_and_send_nothing(v in prop_oneof![arb_json(), mutated_submission()]) {
        let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
        let svc = Service::new(&kv, &up, &s);
        let body = serde_json::to_vec(&v).unwrap();
        match block_on(svc.submit(&body, t("20250711100000"), 1)) {
            Err(e) => {
                prop_assert!((400..500).contains(&e.status()), "{e:?}");
                prop_assert!(!e.code().as_str().is_empty() && !e.to_string().is_empty());
                prop_assert!(kv.snapshot().is_empty());
                prop_assert_eq!(up.calls(Call::BulkSubmit), 0);
            }
            Ok(done) => {
                // Only a fully valid submission gets here; it was sent exactly once.
                prop_assert_eq!(done.status, 202);
                prop_assert_eq!(up.calls(Call::BulkSubmit), 1);
            }
        }
    }

    #[test]
    fn webhook_bodies_never_panic_and_odd_ones_store_at_most_one_event(v in arb_json(), mid in "[A-Za-z0-9-]{1,30}") {
        let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
        let svc = Service::new(&kv, &up, &s);
        let body = serde_json::to_vec(&v).unwrap();
        match block_on(svc.webhook(&hook_headers(&mid), &body)) {
            Err(e) => {
                prop_assert!((400..500).contains(&e.status()), "{e:?}");
                prop_assert!(kv.snapshot().is_empty());
            }
            // No receipt exists, so nothing can become a fact: at most the raw event is kept.
            Ok(_) => prop_assert!(kv.snapshot().keys().all(|k| k.starts_with("evt:")) && kv.snapshot().len() <= 1),
        }
    }

    #[test]
    fn webhook_raw_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
        let svc = Service::new(&kv, &up, &s);
        if let Err(e) = block_on(svc.webhook(&hook_headers("M"), &bytes)) {
            prop_assert!((400..500).contains(&e.status()), "{e:?}");
        }
    }
}
