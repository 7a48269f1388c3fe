//! `POST /v1/refunds`: the request as the merchant sends it, read and checked for shape before
//! anything is looked up. Every problem comes back by item index and field. What needs the
//! Worker's records (does the original exist, how much of it is left) is `plan.rs`'s.

use std::collections::HashMap;

use base64::Engine as _;
use popbill::validate::{CancelType, MAX_BATCH};
use popbill::{CorpNum, KstDate, MgtKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub use super::fields::{ITEM_FIELDS, RequestedRefund};
use super::id::RefundId;
use crate::core::api::{Detail, MerchantError};
use crate::core::body;

/// The request's own fields.
const REQUEST_FIELDS: &[&str] = &["refundID", "corpNum", "refunds"];

/// Which original a refund names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginalRef {
    /// Issued through this Worker: it knows the original's confirmNum, trade date and amounts.
    Known(MgtKey),
    /// Issued elsewhere: named by what POPBiLL needs.
    External {
        confirm_num: String,
        trade_date: KstDate,
    },
}

/// One refund whose shape is right: a valid new mgtKey and exactly one way of naming the
/// original. Everything else is judged against the original (`plan.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundItem {
    pub mgt_key: MgtKey,
    pub original: OriginalRef,
    pub cancel_type: CancelType,
    pub partial: bool,
    pub fields: RequestedRefund,
}

/// A refund request that passed the shape checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// `None`: the Worker generates one.
    pub refund_id: Option<RefundId>,
    pub corp_num: CorpNum,
    pub items: Vec<RefundItem>,
}

impl RefundRequest {
    /// A fingerprint of what was asked: the same corpNum and items, field by field → the same.
    pub fn content_hash(&self) -> String {
        let fields: Vec<&RequestedRefund> = self.items.iter().map(|i| &i.fields).collect();
        let bytes = serde_json::to_vec(&(&self.corp_num, fields))
            .expect("strings, numbers and booleans always serialize");
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(bytes))
    }
}

pub(super) use crate::core::body::detail;

/// Read the body: every problem of shape, by index and field. `default_corp` is used when the
/// body names none; `allowed` lists the CorpNums this Worker may issue for.
pub fn parse_refunds(
    body: &[u8],
    default_corp: &CorpNum,
    allowed: &[CorpNum],
) -> Result<RefundRequest, MerchantError> {
    let obj = body::json_object(body)?;
    let mut problems = unknown_fields(None, &obj, REQUEST_FIELDS);

    let refund_id = match obj.get("refundID") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => RefundId::parse(s)
            .map_err(|e| {
                problems.push(detail(
                    None,
                    Some("refundID"),
                    "invalid_format",
                    None,
                    e.to_string(),
                ))
            })
            .ok(),
        Some(_) => {
            problems.push(detail(
                None,
                Some("refundID"),
                "invalid_type",
                None,
                "refundID must be a string",
            ));
            None
        }
    };
    let corp_num = body::corp_num(&obj, default_corp, allowed, &mut problems);
    let raw = match obj.get("refunds") {
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(MerchantError::NoRefunds("refunds is empty"));
        }
        Some(Value::Array(items)) if items.len() > MAX_BATCH => {
            return Err(MerchantError::TooManyRefunds(items.len()));
        }
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => return Err(MerchantError::NoRefunds("refunds is required")),
        Some(_) => return Err(MerchantError::InvalidRequest("refunds must be an array")),
    };

    let mut items = Vec::with_capacity(raw.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, item) in raw.iter().enumerate() {
        let Value::Object(fields) = item else {
            problems.push(detail(
                Some(i),
                None,
                "not_an_object",
                None,
                "each refund must be a JSON object",
            ));
            continue;
        };
        problems.extend(unknown_fields(Some(i), fields, ITEM_FIELDS));
        let repeats = fields
            .get("mgtKey")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
            .and_then(|k| seen.insert(k.to_owned(), i));
        let requested = body::read_typed::<RequestedRefund>(i, fields, type_message);
        if let Some(first) = repeats {
            problems.push(detail(
                Some(i),
                Some("mgtKey"),
                "duplicate",
                Some(popbill::codes::DUPLICATE_MGT_KEY_IN_BATCH),
                format!("mgtKey repeats the one at index {first}"),
            ));
        }
        match requested.map(|r| shape(i, r)) {
            Ok(Ok(item)) => items.push(item),
            Ok(Err(found)) | Err(found) => problems.extend(found),
        }
    }
    // A new mgtKey may not name an original of the same request.
    for (i, item) in items.iter().enumerate() {
        if items
            .iter()
            .any(|o| o.original == OriginalRef::Known(item.mgt_key.clone()))
        {
            problems.push(detail(
                Some(i),
                Some("mgtKey"),
                "in_use",
                Some(popbill::codes::MGT_KEY_IN_USE),
                "mgtKey names an original of this request",
            ));
        }
    }

    match corp_num {
        Some(corp_num) if problems.is_empty() => Ok(RefundRequest {
            refund_id,
            corp_num,
            items,
        }),
        _ => {
            problems.sort_by_key(|d| d.index.map_or(0, |i| i + 1));
            Err(MerchantError::InvalidRefunds(problems))
        }
    }
}

fn unknown_fields(index: Option<usize>, obj: &Map<String, Value>, known: &[&str]) -> Vec<Detail> {
    obj.keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| {
            detail(
                index,
                Some(k),
                "unknown_field",
                None,
                format!("{k} is not a field of a refund request"),
            )
        })
        .collect()
}

/// How a refund item's wrong-typed field is worded.
fn type_message(field: &str) -> String {
    match field {
        "cancelType" => "cancelType must be 1, 2 or 3".to_owned(),
        f => body::wrong_type(f),
    }
}

/// The mgtKey and the reference to the original, or why not.
fn shape(i: usize, r: RequestedRefund) -> Result<RefundItem, Vec<Detail>> {
    use popbill::codes;
    let mut problems = Vec::new();
    let present = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let mgt_key = match present(&r.mgt_key) {
        None => {
            problems.push(detail(
                Some(i),
                Some("mgtKey"),
                "missing",
                Some(codes::BULK_MGT_KEY_MISSING),
                "mgtKey (the cancellation receipt's own, new key) is required",
            ));
            None
        }
        Some(k) => MgtKey::parse(&k)
            .map_err(|e| {
                problems.push(detail(
                    Some(i),
                    Some("mgtKey"),
                    "invalid_format",
                    Some(codes::MGT_KEY_INVALID),
                    e.to_string(),
                ))
            })
            .ok(),
    };
    let original = match (
        present(&r.org_mgt_key),
        present(&r.org_confirm_num),
        present(&r.org_trade_date),
    ) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            problems.push(detail(Some(i), Some("orgMgtKey"), "ambiguous_original", None, "name the original either by orgMgtKey or by orgConfirmNum and orgTradeDate, not both"));
            None
        }
        (Some(k), None, None) => MgtKey::parse(&k)
            .map(OriginalRef::Known)
            .map_err(|e| {
                problems.push(detail(
                    Some(i),
                    Some("orgMgtKey"),
                    "invalid_format",
                    None,
                    e.to_string(),
                ))
            })
            .ok(),
        (None, None, None) => {
            problems.push(detail(Some(i), Some("orgMgtKey"), "missing", None, "name the original: orgMgtKey (issued through this Worker) or orgConfirmNum and orgTradeDate"));
            None
        }
        (None, confirm, date) => {
            let confirm = match confirm {
                None => {
                    problems.push(detail(
                        Some(i),
                        Some("orgConfirmNum"),
                        "missing",
                        Some(codes::ORG_CONFIRM_NUM_MISSING),
                        "orgConfirmNum is required with orgTradeDate",
                    ));
                    None
                }
                Some(n) if !popbill::validate::is_confirm_num(&n) => {
                    problems.push(detail(
                        Some(i),
                        Some("orgConfirmNum"),
                        "invalid_format",
                        Some(codes::ORG_CONFIRM_NUM_INVALID),
                        "orgConfirmNum must be 9 letters or digits",
                    ));
                    None
                }
                Some(n) => Some(n),
            };
            let date = match date {
                None => {
                    problems.push(detail(
                        Some(i),
                        Some("orgTradeDate"),
                        "missing",
                        Some(codes::ORG_TRADE_DATE_MISSING),
                        "orgTradeDate is required with orgConfirmNum",
                    ));
                    None
                }
                Some(d) => KstDate::parse(&d)
                    .map_err(|_| {
                        problems.push(detail(
                            Some(i),
                            Some("orgTradeDate"),
                            "invalid_format",
                            Some(codes::ORG_TRADE_DATE_FORMAT),
                            "orgTradeDate must be a date as yyyyMMdd",
                        ))
                    })
                    .ok(),
            };
            confirm
                .zip(date)
                .map(|(confirm_num, trade_date)| OriginalRef::External {
                    confirm_num,
                    trade_date,
                })
        }
    };
    match (mgt_key, original) {
        (Some(mgt_key), Some(original)) if problems.is_empty() => Ok(RefundItem {
            mgt_key,
            original,
            cancel_type: r.cancel_type.unwrap_or(CancelType::DEFAULT),
            partial: r.is_part_cancel.unwrap_or(false),
            fields: r,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::ApiError as _;
    use crate::core::fixtures::corp;
    use serde_json::json;

    fn parse(v: Value) -> Result<RefundRequest, MerchantError> {
        parse_refunds(&serde_json::to_vec(&v).unwrap(), &corp(), &[corp()])
    }

    fn problems(v: Value) -> Vec<(Option<usize>, String, String)> {
        let err = parse(v).unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_refunds", "{err}");
        err.details()
            .iter()
            .map(|d| {
                (
                    d.index,
                    d.field.clone().unwrap_or_default(),
                    d.reason.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn the_field_list_is_every_field_of_a_requested_refund() {
        let all: Map<String, Value> = ITEM_FIELDS
            .iter()
            .map(|f| {
                let v = match *f {
                    "cancelType" => json!(2),
                    "isPartCancel" | "smssendYN" => json!(true),
                    _ => json!("x"),
                };
                (f.to_string(), v)
            })
            .collect();
        let read: RequestedRefund = serde_json::from_value(Value::Object(all.clone())).unwrap();
        assert_eq!(serde_json::to_value(read).unwrap(), Value::Object(all));
    }

    #[test]
    fn a_refund_names_its_original_one_way_or_the_other() {
        let ok = parse(json!({ "refunds": [
            { "mgtKey": "R-1", "orgMgtKey": "K-1" },
            { "mgtKey": "R-2", "orgConfirmNum": "TB0000001", "orgTradeDate": "20250711", "cancelType": "2" },
        ]}))
        .unwrap();
        assert_eq!(
            ok.items[0].original,
            OriginalRef::Known(MgtKey::parse("K-1").unwrap())
        );
        assert_eq!(
            ok.items[0].cancel_type,
            CancelType::Transaction,
            "the default"
        );
        assert!(!ok.items[0].partial, "whole by default");
        assert!(matches!(ok.items[1].original, OriginalRef::External { .. }));
        assert_eq!(ok.items[1].cancel_type, CancelType::IssuedInError);
        assert_eq!(ok.corp_num, corp());
    }

    #[test]
    fn every_shape_problem_is_reported_by_index_and_field() {
        let got = problems(json!({ "refundID": "bad id", "submitID": "S", "refunds": [
            { "orgMgtKey": "K-1" },
            { "mgtKey": "R-2", "orgMgtKey": "K-1", "orgConfirmNum": "TB0000001" },
            { "mgtKey": "R-3" },
            { "mgtKey": "R-4", "orgConfirmNum": "TB1", "orgTradeDate": "2025-07-11" },
            { "mgtKey": "R-5", "orgMgtKey": "K-1", "cancelType": 4, "supplyCost": 10, "orgMgtkey": "x" },
            { "mgtKey": "R-5", "orgMgtKey": "R-2" },
            "not an object",
        ]}));
        let want: Vec<(Option<usize>, &str, &str)> = vec![
            (None, "submitID", "unknown_field"),
            (None, "refundID", "invalid_format"),
            (Some(0), "mgtKey", "missing"),
            (Some(1), "orgMgtKey", "ambiguous_original"),
            (Some(2), "orgMgtKey", "missing"),
            (Some(3), "orgConfirmNum", "invalid_format"),
            (Some(3), "orgTradeDate", "invalid_format"),
            (Some(4), "orgMgtkey", "unknown_field"),
            (Some(4), "cancelType", "invalid_type"),
            (Some(4), "supplyCost", "invalid_type"),
            (Some(5), "mgtKey", "duplicate"),
            (Some(6), "", "not_an_object"),
        ];
        let want: Vec<_> = want
            .into_iter()
            .map(|(i, f, r)| (i, f.to_owned(), r.to_owned()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_new_mgt_key_may_not_be_an_original_of_the_same_request() {
        let got = problems(json!({ "refunds": [
            { "mgtKey": "R-1", "orgMgtKey": "K-1" },
            { "mgtKey": "R-2", "orgMgtKey": "R-1" },
        ]}));
        assert_eq!(got, [(Some(0), "mgtKey".to_owned(), "in_use".to_owned())]);
    }

    #[test]
    fn request_level_problems_have_their_own_codes() {
        let code = |v: Value| parse(v).unwrap_err().code().as_str();
        assert_eq!(code(json!({})), "no_refunds");
        assert_eq!(code(json!({ "refunds": [] })), "no_refunds");
        assert_eq!(code(json!({ "refunds": {} })), "invalid_request");
        let many: Vec<Value> = (0..101)
            .map(|i| json!({ "mgtKey": format!("R{i}"), "orgMgtKey": "K" }))
            .collect();
        assert_eq!(code(json!({ "refunds": many })), "too_many_refunds");
        assert_eq!(code(json!([1])), "malformed_request");
        assert_eq!(
            parse_refunds(b"{", &corp(), &[corp()])
                .unwrap_err()
                .code()
                .as_str(),
            "malformed_json"
        );
        let other =
            json!({ "corpNum": "1234567891", "refunds": [{ "mgtKey": "R", "orgMgtKey": "K" }] });
        assert_eq!(
            problems(other),
            [(None, "corpNum".to_owned(), "not_allowed".to_owned())]
        );
    }

    #[test]
    fn the_content_hash_follows_every_field() {
        let a = parse(json!({ "refunds": [{ "mgtKey": "R", "orgMgtKey": "K" }] })).unwrap();
        let b = parse(json!({ "refundID": "X", "refunds": [{ "mgtKey": "R", "orgMgtKey": "K" }] }))
            .unwrap();
        let c = parse(json!({ "refunds": [{ "mgtKey": "R", "orgMgtKey": "K", "memo": "m" }] }))
            .unwrap();
        assert_eq!(a.content_hash(), b.content_hash(), "the id is not content");
        assert_ne!(a.content_hash(), c.content_hash());
    }
}
