//! Property tests for every parser: valid input always parses, invalid never does, nothing panics.

use popbill::wire::{BulkCashbillResult, Cashbill, WebhookEvent};
use popbill::{Amount, CorpNum, KstDateTime, MgtKey, SubmitId};
use proptest::prelude::*;

proptest! {
    #[test]
    fn valid_submit_ids_always_parse(s in "[A-Za-z0-9_-]{1,36}") {
        let id = SubmitId::parse(&s).unwrap();
        prop_assert_eq!(id.as_str(), s.as_str());
    }

    #[test]
    fn submit_ids_over_36_never_parse(s in "[A-Za-z0-9_-]{37,80}") {
        prop_assert!(SubmitId::parse(&s).is_err());
    }

    #[test]
    fn ids_with_any_other_char_never_parse(a in "[A-Za-z0-9]{0,10}", bad in "[^A-Za-z0-9_-]", b in "[A-Za-z0-9]{0,10}") {
        let s = format!("{a}{bad}{b}");
        prop_assert!(SubmitId::parse(&s).is_err());
        prop_assert!(MgtKey::parse(&s).is_err());
    }

    #[test]
    fn valid_mgt_keys_always_parse(s in "[A-Za-z0-9_-]{1,24}") {
        prop_assert!(MgtKey::parse(&s).is_ok());
    }

    #[test]
    fn corp_nums_are_exactly_ten_digits(s in "[0-9]{10}", other in "[0-9]{0,9}|[0-9]{11,15}") {
        prop_assert!(CorpNum::parse(&s).is_ok());
        prop_assert!(CorpNum::parse(&other).is_err());
    }

    #[test]
    fn amounts_up_to_the_maximum_round_trip(n in 0u64..=999_999_999) {
        prop_assert_eq!(Amount::parse(&n.to_string()).map(Amount::get), Ok(n));
    }

    #[test]
    fn amounts_over_the_maximum_never_parse(n in 1_000_000_000u64..) {
        prop_assert!(Amount::parse(&n.to_string()).is_err());
    }

    #[test]
    fn kst_times_round_trip(ms in 0i64..4_102_444_800_000) {
        let t = KstDateTime::from_unix_millis(ms);
        prop_assert_eq!(KstDateTime::parse(&t.to_string()), Ok(t));
        prop_assert_eq!(t.unix_millis(), ms - ms.rem_euclid(1000));
    }

    #[test]
    fn parsers_never_panic_on_any_string(s in "\\PC{0,64}") {
        let _ = SubmitId::parse(&s);
        let _ = MgtKey::parse(&s);
        let _ = CorpNum::parse(&s);
        let _ = Amount::parse(&s);
        let _ = KstDateTime::parse(&s);
        let _ = popbill::KstDate::parse(&s);
    }

    #[test]
    fn wire_readers_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<Cashbill>(&bytes);
        let _ = serde_json::from_slice::<WebhookEvent>(&bytes);
        let _ = serde_json::from_slice::<BulkCashbillResult>(&bytes);
    }

    #[test]
    fn webhook_events_tolerate_any_json_values_in_known_fields(v in arb_json()) {
        let body = serde_json::json!({"eventType": "NTS", "stateCode": v.clone(), "code": v.clone(), "mgtKey": v});
        let _ = serde_json::from_value::<WebhookEvent>(body);
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
        "\\PC{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
