//! Deserializers that accept what real senders emit: a number, a quoted number, or null.

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
