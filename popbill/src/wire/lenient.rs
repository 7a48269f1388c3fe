//! Deserializers that accept what real senders emit: a number, a quoted number, or null.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrStr {
    Num(i64),
    Float(f64),
    Str(String),
}

/// `Option<i64>` from `1`, `"1"`, `null` or absent. Anything else reads as absent.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.and_then(|v| match serde_json::from_value::<NumOrStr>(v) {
        Ok(NumOrStr::Num(n)) => Some(n),
        Ok(NumOrStr::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        Ok(NumOrStr::Str(s)) => s.trim().parse().ok(),
        _ => None,
    }))
}

/// `Option<String>` from a string, a number (rendered as digits) or null; other shapes are absent.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// An integer as senders write it: `1`, a whole float (`1.0`), or quoted (`"1"`, `" 1 "`).
/// Unlike [`opt_i64`], anything else is an error, not an absent value: a receipt field of the
/// wrong type must be refused by name. Reads without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuotedI64(pub i64);

impl<'de> Deserialize<'de> for QuotedI64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(QuotedI64Visitor)
    }
}

struct QuotedI64Visitor;

impl Visitor<'_> for QuotedI64Visitor {
    type Value = QuotedI64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer, or a string holding one")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<QuotedI64, E> {
        Ok(QuotedI64(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<QuotedI64, E> {
        i64::try_from(v)
            .map(QuotedI64)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<QuotedI64, E> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Ok(QuotedI64(v as i64))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<QuotedI64, E> {
        v.trim()
            .parse()
            .map(QuotedI64)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_integer_reads_numbers_as_senders_write_them_and_refuses_the_rest() {
        for (json, want) in [
            ("1", 1),
            ("-3", -3),
            ("2.0", 2),
            ("\"7\"", 7),
            ("\" 0 \"", 0),
        ] {
            assert_eq!(
                serde_json::from_str::<QuotedI64>(json).unwrap(),
                QuotedI64(want),
                "{json}"
            );
        }
        for bad in [
            "1.5",
            "\"x\"",
            "\"1.0\"",
            "true",
            "[1]",
            "{}",
            "18446744073709551615",
        ] {
            assert!(serde_json::from_str::<QuotedI64>(bad).is_err(), "{bad}");
        }
    }
}
