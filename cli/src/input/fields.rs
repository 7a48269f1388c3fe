//! The field names a file may use (the CSV header and the JSON Lines keys) and their JSON types:
//! POPBiLL's Cashbill fields for `submit`, the refund API's fields for `refund`.

use serde_json::Value;

use crate::op::Op;

/// How a field is written in POPBiLL's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Bool,
    Integer,
}

/// Every field of POPBiLL's Cashbill, with its JSON type (`popbill::wire::Cashbill`).
pub const FIELDS: &[(&str, Kind)] = &[
    ("mgtKey", Kind::Text),
    ("tradeDT", Kind::Text),
    ("tradeDate", Kind::Text),
    ("tradeType", Kind::Text),
    ("tradeUsage", Kind::Text),
    ("tradeOpt", Kind::Text),
    ("taxationType", Kind::Text),
    ("totalAmount", Kind::Text),
    ("supplyCost", Kind::Text),
    ("tax", Kind::Text),
    ("serviceFee", Kind::Text),
    ("franchiseCorpNum", Kind::Text),
    ("franchiseTaxRegID", Kind::Text),
    ("franchiseCorpName", Kind::Text),
    ("franchiseCEOName", Kind::Text),
    ("franchiseAddr", Kind::Text),
    ("franchiseTEL", Kind::Text),
    ("identityNum", Kind::Text),
    ("customerName", Kind::Text),
    ("itemName", Kind::Text),
    ("orderNumber", Kind::Text),
    ("email", Kind::Text),
    ("hp", Kind::Text),
    ("fax", Kind::Text),
    ("smssendYN", Kind::Bool),
    ("faxsendYN", Kind::Bool),
    ("memo", Kind::Text),
    ("emailSubject", Kind::Text),
    ("confirmNum", Kind::Text),
    ("orgConfirmNum", Kind::Text),
    ("orgTradeDate", Kind::Text),
    ("cancelType", Kind::Integer),
];

/// The columns every file must have: the fields `popbill::validate` requires on every receipt.
pub const REQUIRED: &[&str] = &[
    "mgtKey",
    "tradeType",
    "tradeUsage",
    "taxationType",
    "totalAmount",
    "supplyCost",
    "tax",
    "serviceFee",
    "franchiseCorpNum",
    "identityNum",
];

/// Every field of one refund of the Worker's `POST /v1/refunds` (edge/README.md, Refunds),
/// with its JSON type (`crate::refund::RefundRow`). `cancelType` is a number here (the Worker
/// also takes its string).
pub const REFUND_FIELDS: &[(&str, Kind)] = &[
    ("mgtKey", Kind::Text),
    ("orgMgtKey", Kind::Text),
    ("orgConfirmNum", Kind::Text),
    ("orgTradeDate", Kind::Text),
    ("cancelType", Kind::Integer),
    ("isPartCancel", Kind::Bool),
    ("supplyCost", Kind::Text),
    ("tax", Kind::Text),
    ("serviceFee", Kind::Text),
    ("totalAmount", Kind::Text),
    ("identityNum", Kind::Text),
    ("tradeUsage", Kind::Text),
    ("taxationType", Kind::Text),
    ("tradeOpt", Kind::Text),
    ("customerName", Kind::Text),
    ("itemName", Kind::Text),
    ("orderNumber", Kind::Text),
    ("email", Kind::Text),
    ("hp", Kind::Text),
    ("franchiseTaxRegID", Kind::Text),
    ("franchiseCorpName", Kind::Text),
    ("franchiseCEOName", Kind::Text),
    ("franchiseAddr", Kind::Text),
    ("franchiseTEL", Kind::Text),
    ("memo", Kind::Text),
    ("emailSubject", Kind::Text),
    ("smssendYN", Kind::Bool),
];

/// The one column every refund file must have; how each refund names its original
/// (`orgMgtKey`, or `orgConfirmNum` and `orgTradeDate`) is judged by row.
pub const REFUND_REQUIRED: &[&str] = &["mgtKey"];

/// The fields of `op`'s files.
pub fn fields(op: Op) -> &'static [(&'static str, Kind)] {
    match op {
        Op::Submit => FIELDS,
        Op::Refund => REFUND_FIELDS,
    }
}

/// The columns every file of `op` must have.
pub fn required(op: Op) -> &'static [&'static str] {
    match op {
        Op::Submit => REQUIRED,
        Op::Refund => REFUND_REQUIRED,
    }
}

/// What the header must use, for messages.
pub fn described(op: Op) -> &'static str {
    match op {
        Op::Submit => "POPBiLL's Cashbill field names",
        Op::Refund => "the refund API's field names (popbill-bulk refund --help)",
    }
}

pub fn kind(op: Op, name: &str) -> Option<Kind> {
    fields(op).iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// The known field a misspelt name most likely meant (same letters ignoring case, `_`, `-`
/// and spaces), for "did you mean" hints.
pub fn suggest(op: Op, name: &str) -> Option<&'static str> {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let wanted = norm(name);
    fields(op)
        .iter()
        .map(|(n, _)| *n)
        .find(|n| norm(n) == wanted)
}

/// A CSV cell as the JSON value POPBiLL expects, or why it cannot be one. Empty cells are
/// absent fields (`None`).
pub fn cell_to_json(kind: Kind, cell: &str) -> Result<Option<Value>, &'static str> {
    if cell.is_empty() {
        return Ok(None);
    }
    match kind {
        Kind::Text => Ok(Some(Value::String(cell.to_owned()))),
        Kind::Bool => match cell.to_ascii_lowercase().as_str() {
            "true" | "y" | "yes" | "1" => Ok(Some(Value::Bool(true))),
            "false" | "n" | "no" | "0" => Ok(Some(Value::Bool(false))),
            _ => Err("must be true or false (also Y/N, 1/0)"),
        },
        Kind::Integer => cell
            .parse::<i64>()
            .map(|n| Some(Value::from(n)))
            .map_err(|_| "must be a whole number"),
    }
}

/// Whether a JSON value has the type POPBiLL expects for the field (`null` counts as absent).
pub fn json_type_ok(kind: Kind, value: &Value) -> Result<(), &'static str> {
    let ok = match kind {
        Kind::Text => matches!(value, Value::String(_) | Value::Null),
        Kind::Bool => matches!(value, Value::Bool(_) | Value::Null),
        Kind::Integer => value.is_i64() || value.is_null(),
    };
    if ok {
        Ok(())
    } else {
        Err(match kind {
            Kind::Text => "must be a JSON string (amounts too: \"11000\")",
            Kind::Bool => "must be true or false",
            Kind::Integer => "must be a whole number",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_required_field_is_a_known_text_field() {
        for op in [Op::Submit, Op::Refund] {
            for name in required(op) {
                assert_eq!(kind(op, name), Some(Kind::Text), "{op:?} {name}");
            }
        }
    }

    #[test]
    fn the_field_list_matches_what_the_cashbill_type_serializes() {
        // Fill every field through JSON and read it back: a name the type does not know would
        // be dropped, and one it has but this list lacks would be missed below.
        let mut obj = serde_json::Map::new();
        for (name, k) in FIELDS {
            let v = match k {
                Kind::Text => Value::from("x"),
                Kind::Bool => Value::from(true),
                Kind::Integer => Value::from(1),
            };
            obj.insert((*name).to_owned(), v);
        }
        let c: popbill::wire::Cashbill =
            serde_json::from_value(Value::Object(obj.clone())).expect("every field reads");
        let back = serde_json::to_value(&c).expect("a cashbill serializes");
        let names: Vec<&String> = back.as_object().expect("an object").keys().collect();
        assert_eq!(names.len(), FIELDS.len(), "{names:?}");
        for (name, _) in FIELDS {
            assert!(back.get(*name).is_some(), "{name} does not round-trip");
        }
    }

    #[test]
    fn the_refund_field_list_matches_what_a_refund_row_serializes() {
        let mut obj = serde_json::Map::new();
        for (name, k) in REFUND_FIELDS {
            let v = match k {
                Kind::Text => Value::from("x"),
                Kind::Bool => Value::from(true),
                Kind::Integer => Value::from(1),
            };
            obj.insert((*name).to_owned(), v);
        }
        let r: crate::refund::RefundRow =
            serde_json::from_value(Value::Object(obj.clone())).expect("every field reads");
        assert_eq!(
            serde_json::to_value(&r).expect("a refund row serializes"),
            Value::Object(obj),
            "every field round-trips"
        );
    }

    #[test]
    fn the_refund_fields_are_the_workers_own() {
        // The Worker refuses any other field (`unknown_field`): the two lists must agree.
        let ours: std::collections::BTreeSet<&str> =
            REFUND_FIELDS.iter().map(|(n, _)| *n).collect();
        let workers: std::collections::BTreeSet<&str> =
            edge::core::refund::ITEM_FIELDS.iter().copied().collect();
        assert_eq!(ours, workers);
    }

    #[test]
    fn cells_become_the_json_types_popbill_expects() {
        let cases = [
            (
                Kind::Text,
                "11000",
                Ok(Some(Value::from("11000"))),
                "amounts stay strings",
            ),
            (Kind::Text, "", Ok(None), "an empty cell is an absent field"),
            (Kind::Bool, "Y", Ok(Some(Value::Bool(true))), "Y is true"),
            (Kind::Bool, "false", Ok(Some(Value::Bool(false))), "false"),
            (Kind::Integer, "1", Ok(Some(Value::from(1))), "a number"),
        ];
        for (kind, cell, want, why) in cases {
            assert_eq!(cell_to_json(kind, cell), want, "{why}");
        }
        assert!(cell_to_json(Kind::Bool, "maybe").is_err());
        assert!(cell_to_json(Kind::Integer, "1.5").is_err());
    }

    #[test]
    fn misspelt_names_get_a_suggestion() {
        assert_eq!(suggest(Op::Submit, "TOTALAMOUNT"), Some("totalAmount"));
        assert_eq!(suggest(Op::Submit, "trade_dt"), Some("tradeDT"));
        assert_eq!(suggest(Op::Submit, "price"), None);
        assert_eq!(suggest(Op::Refund, "org_mgt_key"), Some("orgMgtKey"));
        assert_eq!(suggest(Op::Refund, "tradeDT"), None, "not a refund's field");
    }
}
