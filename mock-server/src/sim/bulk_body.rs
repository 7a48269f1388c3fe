//! BulkSubmit's body, checked without allocating and stored raw until processing.
//!
//! At submission the body is parsed into borrowed views (`popbill::wire::CashbillView`, derived
//! from the one list of Cashbill fields) that accept exactly what `popbill::wire::Cashbill`
//! accepts, so the types, count, nulls and duplicate mgtKeys are checked with POPBiLL's
//! whole-request codes. The raw bytes are kept (a few hundred bytes per receipt) and parsed into
//! `Cashbill`s when processing runs.

use std::borrow::Cow;

use bytes::Bytes;
use popbill::codes;
use popbill::validate::{MAX_BATCH, check_batch};
use popbill::wire::{Cashbill, CashbillView};
use serde::Deserialize;
use serde::de::IgnoredAny;

/// `{"cashbills":[…]}` read as a stream: each receipt is type-checked and dropped at once, only
/// its mgtKey is kept (no large intermediate vector).
struct BodyView<'a> {
    /// `None` when `cashbills` is absent or null; one entry per element (`None` = null element).
    cashbills: Option<Vec<Option<Option<Cow<'a, str>>>>>,
}

impl<'de> Deserialize<'de> for BodyView<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Body;
        impl<'de> serde::de::Visitor<'de> for Body {
            type Value = BodyView<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object with cashbills")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut cashbills = None;
                let mut seen = false;
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    if key == "cashbills" {
                        if seen {
                            return Err(serde::de::Error::duplicate_field("cashbills"));
                        }
                        seen = true;
                        cashbills = map.next_value::<Option<Items<'de>>>()?.map(|i| i.0);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(BodyView { cashbills })
            }
        }
        d.deserialize_map(Body)
    }
}

struct Items<'a>(Vec<Option<Option<Cow<'a, str>>>>);

impl<'de> Deserialize<'de> for Items<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Seq;
        impl<'de> serde::de::Visitor<'de> for Seq {
            type Value = Items<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of cashbills")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut keys = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_BATCH + 1));
                while let Some(item) = seq.next_element::<Option<CashbillView<'de>>>()? {
                    keys.push(item.map(|c| c.mgt_key));
                }
                Ok(Items(keys))
            }
        }
        d.deserialize_seq(Seq)
    }
}

#[derive(Deserialize)]
struct BodyOwned {
    #[serde(default)]
    cashbills: Option<Vec<Option<Cashbill>>>,
}

/// A checked body: the raw bytes and how many receipts they hold.
#[derive(Debug, Clone)]
pub struct RawBatch {
    pub body: Bytes,
    pub count: usize,
}

/// Check the body's JSON: -14010015, -14010016, -14010017, -14010040, -14010018 in that order.
pub fn check(body: &Bytes) -> Result<RawBatch, i64> {
    // One UTF-8 check for the whole body, instead of one per string.
    let text = std::str::from_utf8(body).map_err(|_| codes::BAD_JSON)?;
    let view: BodyView<'_> = serde_json::from_str(text).map_err(|_| codes::BAD_JSON)?;
    let items = view.cashbills.unwrap_or_default();
    if items.is_empty() {
        return Err(codes::CASHBILLS_MISSING);
    }
    if items.len() > MAX_BATCH {
        return Err(codes::TOO_MANY_CASHBILLS);
    }
    if items.iter().any(Option::is_none) {
        return Err(codes::NULL_CASHBILL);
    }
    let keys = items.iter().map(|c| c.as_ref().and_then(|k| k.as_deref()));
    check_batch(keys).map_err(|e| e.code())?;
    Ok(RawBatch {
        body: body.clone(),
        count: items.len(),
    })
}

/// The receipts of a checked body. `None` only if the two parsers ever disagreed (a bug).
pub fn receipts(raw: &RawBatch) -> Option<Vec<Cashbill>> {
    let owned: BodyOwned = serde_json::from_slice(&raw.body).ok()?;
    owned.cashbills?.into_iter().collect()
}

/// The mgtKeys of a checked body, for the state dump.
pub fn mgt_keys(raw: &RawBatch) -> Vec<Option<String>> {
    serde_json::from_slice::<BodyView<'_>>(&raw.body)
        .ok()
        .and_then(|v| v.cashbills)
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.flatten().map(Cow::into_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agree(json: &str) {
        let view = serde_json::from_str::<BodyView<'_>>(json).is_ok();
        let owned = serde_json::from_str::<BodyOwned>(json).is_ok();
        assert_eq!(view, owned, "the two parsers disagree on {json}");
    }

    #[test]
    fn the_view_accepts_exactly_what_the_cashbill_type_accepts() {
        for json in [
            r#"{"cashbills":[{"mgtKey":"A","cancelType":0,"smssendYN":false,"x":[1]}]}"#,
            r#"{"cashbills":[{"mgtKey":null,"cancelType":"1","memo":"\u00e9\n"}]}"#,
            r#"{"cashbills":[{"mgtKey":5}]}"#,
            r#"{"cashbills":[{"smssendYN":"false"}]}"#,
            r#"{"cashbills":[{"mgtKey":"A","mgtKey":"B"}]}"#,
            r#"{"cashbills":[{"cancelType":{"a":[1,2]}}]}"#,
            r#"{"cashbills":[[]]}"#,
            r#"{"cashbills":{}}"#,
            r#"{"cashbills":null,"forceIssue":true}"#,
            r#"{"cashbills":[null,{}]}"#,
            r#"{"cashbills":[],"cashbills":[]}"#,
        ] {
            agree(json);
        }
        // Derived structs also take the array form; POPBiLL's body is an object, so the view
        // refuses arrays (-14010015) and the owned parse only ever sees checked objects.
        assert!(serde_json::from_str::<BodyView<'_>>("[]").is_err());
        assert!(serde_json::from_str::<BodyView<'_>>(r#"[[{"mgtKey":"A"}]]"#).is_err());
    }

    #[test]
    fn checks_report_the_documented_codes() {
        let b = |s: &str| Bytes::from(s.to_owned());
        assert_eq!(check(&b("{")).unwrap_err(), codes::BAD_JSON);
        assert_eq!(check(&b("{}")).unwrap_err(), codes::CASHBILLS_MISSING);
        assert_eq!(
            check(&b(r#"{"cashbills":[{},null]}"#)).unwrap_err(),
            codes::NULL_CASHBILL
        );
        assert_eq!(
            check(&b(r#"{"cashbills":[{"mgtKey":"A"},{"mgtKey":"A"}]}"#)).unwrap_err(),
            codes::DUPLICATE_MGT_KEY_IN_BATCH
        );
        let raw = check(&b(r#"{"cashbills":[{"mgtKey":"A\u0042"},{}]}"#)).unwrap();
        assert_eq!(raw.count, 2);
        assert_eq!(mgt_keys(&raw), vec![Some("AB".to_owned()), None]);
        assert_eq!(receipts(&raw).unwrap().len(), 2);
    }
}
