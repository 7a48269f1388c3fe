//! Property tests for every parser: valid input always parses, invalid never does, nothing panics.
//!
//! Each parser is compared with an independent oracle written here from the rules in
//! docs/PROTOCOL.md §7 (identifiers), §3.3 (amounts) and §1.2/§1.4 (times), on inputs built
//! to sit near the boundaries (lengths, alphabets, calendar edges) and on arbitrary Unicode.

use popbill::amount::{AmountError, MAX_AMOUNT};
use popbill::time::{format_linkhub_utc, parse_linkhub_utc};
use popbill::wire::{
    BulkCashbillResult, Cashbill, CashbillInfo, CashbillView, TokenResponse, WebhookEvent,
};
use popbill::{Amount, ConfirmNum, CorpNum, KstDate, KstDateTime, MgtKey, ReceiptId, SubmitId};
use proptest::prelude::*;

fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn oracle_key(s: &str, max: usize, ok: fn(char) -> bool) -> bool {
    !s.is_empty() && s.chars().count() <= max && s.chars().all(ok)
}

/// Strings around the identifier rules: mostly allowed characters with a few others mixed in,
/// lengths on both sides of every limit, and arbitrary text.
fn id_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_-]{0,40}",
        "[A-Za-z0-9]{0,40}",
        "[0-9]{0,12}",
        "[A-Za-z0-9_. /가-힣+-]{0,40}",
        "\\PC{0,40}",
    ]
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

fn digits(s: &str) -> Option<Vec<u32>> {
    s.chars()
        .map(|c| c.to_digit(10).filter(|_| c.is_ascii_digit()))
        .collect()
}

fn number(d: &[u32]) -> u32 {
    d.iter().fold(0, |n, x| n * 10 + x)
}

fn oracle_date(d: &[u32]) -> bool {
    let (y, m, day) = (number(&d[0..4]), number(&d[4..6]), number(&d[6..8]));
    (1..=12).contains(&m) && day >= 1 && day <= days_in(y, m)
}

fn oracle_kst_date_time(s: &str) -> bool {
    match digits(s) {
        Some(d) if d.len() == 14 => {
            oracle_date(&d)
                && number(&d[8..10]) < 24
                && number(&d[10..12]) < 60
                && number(&d[12..14]) < 60
        }
        _ => false,
    }
}

fn oracle_kst_date(s: &str) -> bool {
    matches!(digits(s), Some(d) if d.len() == 8 && oracle_date(&d))
}

/// 14- and 8-digit strings that are often, but not always, real calendar times.
fn kst_like() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            1900u32..2200,
            0u32..14,
            0u32..33,
            0u32..26,
            0u32..62,
            0u32..62
        )
            .prop_map(|(y, mo, d, h, mi, s)| format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")),
        (0u32..10000, 0u32..14, 0u32..33).prop_map(|(y, mo, d)| format!("{y:04}{mo:02}{d:02}")),
        "[0-9]{6,16}",
        "[0-9 T:-]{8,20}",
        "\\PC{0,20}",
    ]
}

fn oracle_amount(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.trim_start_matches('0').len() <= 9
}

fn amount_like() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..=2 * MAX_AMOUNT).prop_map(|n| n.to_string()),
        "0{0,4}[0-9]{0,12}",
        "[-+]?[0-9]{0,11}",
        "[0-9 ,.+-]{0,12}",
        "[０-９0-9]{0,6}",
        "\\PC{0,16}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn submit_ids_parse_exactly_when_1_to_36_of_the_key_alphabet(s in id_like()) {
        let parsed = SubmitId::parse(&s);
        prop_assert_eq!(parsed.is_ok(), oracle_key(&s, 36, key_char), "{:?}", s);
        if let Ok(id) = parsed {
            prop_assert_eq!(id.as_str(), s.as_str());
            prop_assert_eq!(id.to_string().parse::<SubmitId>(), Ok(id.clone()));
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<SubmitId>(&json).unwrap(), id);
        } else {
            let json = serde_json::to_string(&s).unwrap();
            prop_assert!(serde_json::from_str::<SubmitId>(&json).is_err());
        }
    }

    #[test]
    fn mgt_keys_parse_exactly_when_1_to_24_of_the_key_alphabet(s in id_like()) {
        let parsed = MgtKey::parse(&s);
        prop_assert_eq!(parsed.is_ok(), oracle_key(&s, 24, key_char), "{:?}", s);
        if let Ok(key) = parsed {
            prop_assert_eq!(key.as_str(), s.as_str());
        }
    }

    #[test]
    fn receipt_ids_parse_exactly_when_1_to_36_letters_or_digits(s in id_like()) {
        let ok = oracle_key(&s, 36, |c| c.is_ascii_alphanumeric());
        prop_assert_eq!(ReceiptId::parse(&s).is_ok(), ok, "{:?}", s);
    }

    #[test]
    fn confirm_nums_parse_exactly_when_1_to_24_letters_or_digits(s in id_like()) {
        let ok = oracle_key(&s, 24, |c| c.is_ascii_alphanumeric());
        prop_assert_eq!(ConfirmNum::parse(&s).is_ok(), ok, "{:?}", s);
    }

    #[test]
    fn corp_nums_parse_exactly_when_ten_ascii_digits(s in id_like()) {
        let ok = s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit());
        prop_assert_eq!(CorpNum::parse(&s).is_ok(), ok, "{:?}", s);
    }

    #[test]
    fn valid_identifiers_always_parse(
        submit in "[A-Za-z0-9_-]{1,36}",
        key in "[A-Za-z0-9_-]{1,24}",
        receipt in "[A-Za-z0-9]{1,36}",
        confirm in "[A-Za-z0-9]{1,24}",
        corp in "[0-9]{10}",
    ) {
        prop_assert!(SubmitId::parse(&submit).is_ok());
        prop_assert!(MgtKey::parse(&key).is_ok());
        prop_assert!(ReceiptId::parse(&receipt).is_ok());
        prop_assert!(ConfirmNum::parse(&confirm).is_ok());
        prop_assert!(CorpNum::parse(&corp).is_ok());
    }

    #[test]
    fn identifiers_over_their_limit_never_parse(
        submit in "[A-Za-z0-9_-]{37,80}",
        key in "[A-Za-z0-9_-]{25,60}",
        receipt in "[A-Za-z0-9]{37,80}",
        confirm in "[A-Za-z0-9]{25,60}",
        corp in "[0-9]{0,9}|[0-9]{11,20}",
    ) {
        prop_assert!(SubmitId::parse(&submit).is_err());
        prop_assert!(MgtKey::parse(&key).is_err());
        prop_assert!(ReceiptId::parse(&receipt).is_err());
        prop_assert!(ConfirmNum::parse(&confirm).is_err());
        prop_assert!(CorpNum::parse(&corp).is_err());
    }

    #[test]
    fn identifiers_with_any_other_char_never_parse(
        a in "[A-Za-z0-9]{0,8}", bad in "[^A-Za-z0-9_-]", b in "[A-Za-z0-9]{0,8}",
    ) {
        let s = format!("{a}{bad}{b}");
        prop_assert!(SubmitId::parse(&s).is_err());
        prop_assert!(MgtKey::parse(&s).is_err());
        prop_assert!(ReceiptId::parse(&s).is_err());
        prop_assert!(ConfirmNum::parse(&s).is_err());
        prop_assert!(CorpNum::parse(&s).is_err());
    }

    #[test]
    fn amounts_parse_exactly_when_digits_worth_at_most_999_999_999(s in amount_like()) {
        let parsed = Amount::parse(&s);
        prop_assert_eq!(parsed.is_ok(), oracle_amount(&s), "{:?}", s);
        if let Ok(a) = parsed {
            prop_assert!(a.get() <= MAX_AMOUNT);
            prop_assert_eq!(Ok(a.get()), s.parse::<u64>(), "leading zeros are allowed");
        }
    }

    #[test]
    fn negative_amounts_are_reported_as_negative(n in 1u64..=u64::MAX) {
        prop_assert_eq!(Amount::parse(&format!("-{n}")), Err(AmountError::Negative));
    }

    #[test]
    fn amounts_up_to_the_maximum_round_trip(n in 0u64..=MAX_AMOUNT) {
        prop_assert_eq!(Amount::parse(&n.to_string()).map(Amount::get), Ok(n));
        prop_assert_eq!(Amount::new(n).map(|a| a.to_string()), Ok(n.to_string()));
    }

    #[test]
    fn amounts_over_the_maximum_never_parse(n in (MAX_AMOUNT + 1)..) {
        prop_assert_eq!(Amount::parse(&n.to_string()), Err(AmountError::TooLarge));
        prop_assert_eq!(Amount::new(n), Err(AmountError::TooLarge));
    }

    #[test]
    fn kst_date_times_parse_exactly_when_a_real_calendar_time(s in kst_like()) {
        let parsed = KstDateTime::parse(&s);
        prop_assert_eq!(parsed.is_ok(), oracle_kst_date_time(&s), "{:?}", s);
        if let Ok(t) = parsed {
            prop_assert_eq!(t.to_string(), s);
        }
    }

    #[test]
    fn kst_dates_parse_exactly_when_a_real_calendar_date(s in kst_like()) {
        let parsed = KstDate::parse(&s);
        prop_assert_eq!(parsed.is_ok(), oracle_kst_date(&s), "{:?}", s);
        if let Ok(d) = parsed {
            prop_assert_eq!(d.to_string(), s);
        }
    }

    #[test]
    fn kst_times_round_trip_through_unix_millis(ms in 0i64..4_102_444_800_000) {
        let t = KstDateTime::from_unix_millis(ms);
        prop_assert_eq!(KstDateTime::parse(&t.to_string()), Ok(t));
        prop_assert_eq!(t.unix_millis(), ms - ms.rem_euclid(1000));
        prop_assert_eq!(KstDate::parse(&t.date().to_string()), Ok(t.date()));
    }

    #[test]
    fn linkhub_times_round_trip_with_any_fraction(
        ms in 0i64..4_102_444_800_000,
        frac in proptest::option::of("[0-9]{1,9}"),
    ) {
        let whole = format_linkhub_utc(ms);
        let seconds = ms - ms.rem_euclid(1000);
        prop_assert_eq!(parse_linkhub_utc(&whole), Ok(seconds));
        if let Some(frac) = frac {
            let text = format!("{}.{frac}Z", whole.trim_end_matches('Z'));
            let millis: i64 = format!("{frac:0<3}")[..3].parse().unwrap();
            prop_assert_eq!(parse_linkhub_utc(&text), Ok(seconds + millis));
        }
    }

    #[test]
    fn linkhub_times_with_a_character_changed_never_parse(
        ms in 0i64..4_102_444_800_000,
        at in 0usize..20,
        with in "[^0-9]",
    ) {
        let text = format_linkhub_utc(ms);
        let original = &text[at..at + 1];
        // Replace one position with a character of the wrong class for it.
        let replacement = if original.bytes().all(|b| b.is_ascii_digit()) { with } else { "5".to_owned() };
        let broken = format!("{}{replacement}{}", &text[..at], &text[at + 1..]);
        prop_assert!(parse_linkhub_utc(&broken).is_err(), "{:?}", broken);
    }

    #[test]
    fn time_functions_never_panic_on_any_instant(ms in any::<i64>(), secs in any::<i64>()) {
        let t = KstDateTime::from_unix_millis(ms);
        let _ = t.plus_seconds(secs);
        let _ = t.unix_millis();
        let _ = format_linkhub_utc(ms);
        let _ = t.date().next_day().previous_day();
    }

    #[test]
    fn parsers_never_panic_on_any_string(s in "\\PC{0,64}") {
        let _ = SubmitId::parse(&s);
        let _ = MgtKey::parse(&s);
        let _ = ReceiptId::parse(&s);
        let _ = ConfirmNum::parse(&s);
        let _ = CorpNum::parse(&s);
        let _ = Amount::parse(&s);
        let _ = KstDateTime::parse(&s);
        let _ = KstDate::parse(&s);
        let _ = parse_linkhub_utc(&s);
    }

    #[test]
    fn wire_readers_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<Cashbill>(&bytes);
        let _ = serde_json::from_slice::<WebhookEvent>(&bytes);
        let _ = serde_json::from_slice::<BulkCashbillResult>(&bytes);
        let _ = serde_json::from_slice::<CashbillInfo>(&bytes);
        let _ = serde_json::from_slice::<TokenResponse>(&bytes);
    }

    #[test]
    fn the_allocation_free_view_accepts_exactly_what_the_cashbill_accepts(text in cashbill_like()) {
        let view = serde_json::from_str::<CashbillView<'_>>(&text);
        let owned = serde_json::from_str::<Cashbill>(&text);
        prop_assert_eq!(view.is_ok(), owned.is_ok(), "{}", text);
        if let (Ok(v), Ok(o)) = (view, owned) {
            prop_assert_eq!(v.mgt_key.as_deref(), o.mgt_key.as_deref());
        }
    }

    #[test]
    fn webhook_codes_read_any_json_value_and_only_a_non_string_mgt_key_is_refused(v in arb_json()) {
        use serde_json::{Value, json};
        // The oracle: an integer, a whole float, or a string holding an integer is a code;
        // anything else is an absent code, never an unreadable event.
        let want = match &v {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64)),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        let codes = json!({"eventType": "NTS", "stateCode": v.clone(), "code": v.clone()});
        let event = serde_json::from_value::<WebhookEvent>(codes).expect("codes never make an event unreadable");
        prop_assert_eq!(event.state_code, want);
        prop_assert_eq!(event.code, want);
        let with_key = json!({"eventType": "NTS", "mgtKey": v.clone()});
        let read = serde_json::from_value::<WebhookEvent>(with_key);
        prop_assert_eq!(read.is_ok(), v.is_string() || v.is_null(), "mgtKey {}", v);
    }
}

/// A receipt-like object: Cashbill's own field names (some repeated in the raw text) and others,
/// with arbitrary values.
fn cashbill_like() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        3 => prop::sample::select(Cashbill::FIELD_NAMES.to_vec()).prop_map(str::to_owned),
        1 => "[a-zA-Z]{1,8}",
    ];
    proptest::collection::vec((name, arb_json()), 0..8).prop_map(|fields| {
        let members: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}:{v}", serde_json::Value::from(k.as_str())))
            .collect();
        format!("{{{}}}", members.join(","))
    })
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
