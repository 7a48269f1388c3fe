//! A [`Cashbill`] read for its types and its mgtKey only, allocating nothing for the other fields:
//! for a server that checks a large body now and parses it later (the mock's BulkSubmit). It
//! checks every field by [`Cashbill::FIELDS`], so it accepts exactly what `Cashbill` accepts.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::SeqAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::cashbill::{Cashbill, FieldType};
use super::lenient::QuotedI64;

// One bit per field tracks repeats.
const _: () = assert!(Cashbill::FIELDS.len() <= 64);

/// A receipt that reads as a [`Cashbill`]; only its mgtKey is kept (borrowed from the body
/// unless the JSON string has escapes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashbillView<'a> {
    pub mgt_key: Option<Cow<'a, str>>,
}

impl<'de> Deserialize<'de> for CashbillView<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("Cashbill", Cashbill::FIELD_NAMES, View)
    }
}

struct View;

impl<'de> Visitor<'de> for View {
    type Value = CashbillView<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct Cashbill")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seen = 0u64;
        let mut mgt_key = None;
        while let Some(Str(key)) = map.next_key::<Str<'de>>()? {
            let Some(i) = Cashbill::FIELD_NAMES.iter().position(|n| *n == key) else {
                map.next_value::<IgnoredAny>()?; // unknown fields are ignored, as by `Cashbill`
                continue;
            };
            let field = Cashbill::FIELDS[i];
            if seen & (1 << i) != 0 {
                return Err(de::Error::duplicate_field(field.name));
            }
            seen |= 1 << i;
            match field.ty {
                FieldType::Text if field.name == "mgtKey" => {
                    mgt_key = map.next_value::<Option<Str<'de>>>()?.map(|s| s.0);
                }
                FieldType::Text => {
                    map.next_value::<Option<AnyStr>>()?;
                }
                FieldType::Flag => {
                    map.next_value::<Option<bool>>()?;
                }
                FieldType::Int => {
                    map.next_value::<Option<QuotedI64>>()?;
                }
            }
        }
        Ok(CashbillView { mgt_key })
    }

    /// The array form (serde's derive accepts it; no sender uses it) is read as the `Cashbill`
    /// itself, so the two agree by construction.
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let c = Cashbill::deserialize(SeqAccessDeserializer::new(seq))?;
        Ok(CashbillView {
            mgt_key: c.mgt_key.map(Cow::Owned),
        })
    }
}

/// A JSON string, borrowed from the body when it has no escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(StrVisitor).map(Str)
    }
}

/// A JSON string that is checked but not kept.
struct AnyStr;

impl<'de> Deserialize<'de> for AnyStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(StrVisitor).map(|_| AnyStr)
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agree(json: &str) {
        let view = serde_json::from_str::<CashbillView<'_>>(json);
        let owned = serde_json::from_str::<Cashbill>(json);
        assert_eq!(view.is_ok(), owned.is_ok(), "they disagree on {json}");
        if let (Ok(v), Ok(o)) = (view, owned) {
            assert_eq!(v.mgt_key.as_deref(), o.mgt_key.as_deref(), "{json}");
        }
    }

    #[test]
    fn the_view_accepts_exactly_what_the_cashbill_accepts() {
        for json in [
            r#"{"mgtKey":"A","cancelType":0,"smssendYN":false,"x":[1]}"#,
            r#"{"mgtKey":null,"cancelType":"1"}"#,
            r#"{"cancelType":"one"}"#,
            r#"{"cancelType":2.0}"#,
            r#"{"mgtKey":"A\u0042","memo":"\u00e9\n"}"#,
            r#"{"mgtKey":5}"#,
            r#"{"smssendYN":"false"}"#,
            r#"{"mgtKey":"A","mgtKey":"B"}"#,
            r#"{"x":1,"x":2}"#,
            r#"{"cancelType":1.5}"#,
            r#"{"cancelType":{"a":[1,2]}}"#,
            r#"[]"#,
            r#"["A"]"#,
            r#"[null,"2025"]"#,
            r#""mgtKey""#,
            r#"null"#,
        ] {
            agree(json);
        }
    }

    #[test]
    fn the_mgt_key_is_borrowed_unless_escaped() {
        let v: CashbillView<'_> = serde_json::from_str(r#"{"mgtKey":"K-1"}"#).unwrap();
        assert!(matches!(v.mgt_key, Some(Cow::Borrowed("K-1"))));
        let v: CashbillView<'_> = serde_json::from_str(r#"{"mgtKey":"K\u002d1"}"#).unwrap();
        assert_eq!(v.mgt_key.as_deref(), Some("K-1"));
    }
}
