//! Parsing and validating a merchant's submission, before anything is stored or sent.
//!
//! Every problem is collected (not just the first) and reported by receipt index and field.

use popbill::validate::MAX_BATCH;
use popbill::wire::Cashbill;
use popbill::{CorpNum, IdError, KstDateTime, SubmitId};
use serde_json::{Map, Value};

use super::api::{BodyError, Detail, MerchantError};
use super::cashbills::{CheckedCashbill, CheckedCashbills};

/// The largest body accepted. 100 receipts of POPBiLL's longest fields stay far below it.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A validated submission request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitRequest {
    /// `None`: the Worker generates one.
    pub submit_id: Option<SubmitId>,
    pub corp_num: CorpNum,
    pub cashbills: CheckedCashbills,
}

fn detail(
    index: Option<usize>,
    field: Option<&str>,
    reason: &str,
    code: Option<i64>,
    message: String,
) -> Detail {
    Detail {
        index,
        field: field.map(str::to_owned),
        reason: reason.into(),
        popbill_code: code,
        message,
    }
}

/// Parse and validate. `default_corp` is used when the body names none; `allowed` lists the
/// CorpNums this Worker may issue for.
pub fn parse_submit(
    body: &[u8],
    default_corp: &CorpNum,
    allowed: &[CorpNum],
    now: KstDateTime,
) -> Result<SubmitRequest, MerchantError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(BodyError::TooLarge(MAX_BODY_BYTES).into());
    }
    let value: Value = serde_json::from_slice(body).map_err(|_| BodyError::MalformedJson)?;
    let Value::Object(obj) = value else {
        return Err(BodyError::Malformed("the body must be a JSON object").into());
    };
    let mut problems = Vec::new();

    let submit_id = match obj.get("submitID") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match SubmitId::parse(s) {
            Ok(id) => Some(id),
            Err(e) => {
                let code = matches!(e, IdError::TooLong { .. })
                    .then_some(popbill::codes::SUBMIT_ID_TOO_LONG);
                problems.push(detail(
                    None,
                    Some("submitID"),
                    "invalid_format",
                    code,
                    e.to_string(),
                ));
                None
            }
        },
        Some(_) => {
            problems.push(detail(
                None,
                Some("submitID"),
                "invalid_type",
                None,
                "submitID must be a string".into(),
            ));
            None
        }
    };

    let corp_num = match obj.get("corpNum") {
        None | Some(Value::Null) => Some(default_corp.clone()),
        Some(Value::String(s)) => match CorpNum::parse(s) {
            Ok(c) if allowed.contains(&c) => Some(c),
            Ok(_) => {
                problems.push(detail(
                    None,
                    Some("corpNum"),
                    "not_allowed",
                    None,
                    "this Worker does not issue for that corpNum".into(),
                ));
                None
            }
            Err(e) => {
                problems.push(detail(
                    None,
                    Some("corpNum"),
                    "invalid_format",
                    Some(popbill::codes::CORP_NUM_FORMAT),
                    e.to_string(),
                ));
                None
            }
        },
        Some(_) => {
            problems.push(detail(
                None,
                Some("corpNum"),
                "invalid_type",
                None,
                "corpNum must be a string".into(),
            ));
            None
        }
    };

    let items = match obj.get("cashbills") {
        Some(Value::Array(items)) if items.is_empty() => {
            return Err(MerchantError::NoCashbills("cashbills is empty"));
        }
        Some(Value::Array(items)) if items.len() > MAX_BATCH => {
            return Err(MerchantError::TooManyCashbills(items.len()));
        }
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => {
            return Err(MerchantError::NoCashbills("cashbills is required"));
        }
        Some(_) => {
            return Err(MerchantError::InvalidRequest("cashbills must be an array"));
        }
    };

    let mut cashbills = Vec::with_capacity(items.len());
    let mut seen = std::collections::HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(fields) = item else {
            problems.push(detail(
                Some(i),
                None,
                "not_an_object",
                Some(popbill::codes::NULL_CASHBILL),
                "each cashbill must be a JSON object".into(),
            ));
            continue;
        };
        let cashbill = match read_cashbill(i, fields) {
            Ok(c) => c,
            Err(type_problems) => {
                problems.extend(type_problems);
                continue;
            }
        };
        let repeats = cashbill
            .mgt_key
            .clone()
            .filter(|k| !k.is_empty())
            .and_then(|key| seen.insert(key, i));
        if let Some(corp) = &corp_num {
            match CheckedCashbill::check(cashbill, corp, now) {
                Ok(checked) => cashbills.push(checked),
                Err(violations) => problems.extend(violations.into_iter().map(|v| {
                    detail(
                        Some(i),
                        Some(v.field),
                        v.reason,
                        Some(v.code),
                        v.message_en(),
                    )
                })),
            }
        }
        if let Some(first) = repeats {
            problems.push(detail(
                Some(i),
                Some("mgtKey"),
                "duplicate",
                Some(popbill::codes::DUPLICATE_MGT_KEY_IN_BATCH),
                format!("mgtKey repeats the one at index {first}"),
            ));
        }
    }

    match corp_num {
        Some(corp_num) if problems.is_empty() => Ok(SubmitRequest {
            submit_id,
            corp_num,
            cashbills: CheckedCashbills::new(cashbills)
                .expect("intake refused empty and oversized batches and repeated mgtKeys"),
        }),
        _ => Err(MerchantError::InvalidCashbills(problems)),
    }
}

/// A receipt as `Cashbill` (the one definition of its fields), or every field of the wrong JSON
/// type by name: each failure names its field, which is set aside before trying again.
fn read_cashbill(index: usize, fields: &Map<String, Value>) -> Result<Cashbill, Vec<Detail>> {
    let mut object = Value::Object(fields.clone());
    let mut problems = Vec::new();
    loop {
        let err = match serde_path_to_error::deserialize::<_, Cashbill>(&object) {
            Ok(c) if problems.is_empty() => return Ok(c),
            Ok(_) => return Err(problems),
            Err(e) => e,
        };
        let field = err.path().to_string();
        let set_aside = object.as_object_mut().and_then(|o| o.remove(&field));
        if set_aside.is_none() {
            // Not one of the object's own fields (cannot happen; it keeps the loop finite).
            let message = err.into_inner().to_string();
            problems.push(detail(Some(index), None, "invalid_type", None, message));
            return Err(problems);
        }
        problems.push(detail(
            Some(index),
            Some(&field),
            "invalid_type",
            None,
            format!("{field} has the wrong JSON type"),
        ));
    }
}

/// A fresh SubmitID: the KST intake time and 64 random bits (31 characters).
pub fn generate_submit_id(now: KstDateTime, random: u64) -> SubmitId {
    SubmitId::parse(&format!("{now}-{random:016x}"))
        .expect("14 digits, '-', 16 hex digits is a valid SubmitId")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::ApiError as _;
    use crate::core::fixtures::{CORP, corp, t};
    use serde_json::json;

    fn body(cashbill: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({ "cashbills": [cashbill] })).unwrap()
    }

    fn valid() -> Value {
        serde_json::to_value(crate::core::fixtures::cashbill("K1")).unwrap()
    }

    #[test]
    fn every_field_of_the_wrong_type_is_named_in_field_order() {
        let mut c = valid();
        c["tax"] = json!(1000);
        c["smssendYN"] = json!("no");
        c["cancelType"] = json!("one");
        c["unknownField"] = json!({ "ignored": true });
        let err = parse_submit(&body(c), &corp(), &[corp()], t("20250711100000")).unwrap_err();
        let named: Vec<_> = err
            .details()
            .iter()
            .map(|d| (d.field.as_deref(), d.reason.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                (Some("cancelType"), "invalid_type"),
                (Some("smssendYN"), "invalid_type"),
                (Some("tax"), "invalid_type"),
            ]
        );
    }

    #[test]
    fn cancel_type_reads_alike_in_the_worker_the_client_and_the_mock() {
        for (v, ok) in [
            (json!(0), true),
            (json!(null), true),
            (json!("1"), true),
            (json!(2.0), true),
            (json!("one"), false),
            (json!(1.5), false),
            (json!(true), false),
        ] {
            let mut c = valid();
            c["cancelType"] = v.clone();
            let worker = parse_submit(&body(c.clone()), &corp(), &[corp()], t("20250711100000"));
            let client = serde_json::from_value::<Cashbill>(c.clone()).is_ok();
            let text = c.to_string();
            let mock = serde_json::from_str::<popbill::wire::CashbillView<'_>>(&text).is_ok();
            assert_eq!(
                (worker.is_ok(), client, mock),
                (ok, ok, ok),
                "cancelType {v}"
            );
        }
        assert_eq!(CORP, corp().as_str());
    }

    #[test]
    fn a_receipt_stamped_with_the_current_second_is_accepted_at_any_millisecond_of_it() {
        // The Worker's clock (`KstDateTime::from_unix_millis`) drops the milliseconds: it must
        // never fall behind a tradeDT stamped with the second it is in.
        let second = t("20250711100000");
        for ms in [0, 1, 500, 999] {
            let now = KstDateTime::from_unix_millis(second.unix_millis() + ms);
            assert_eq!(now, second, "{ms} ms into the second");
            assert!(
                parse_submit(&body(valid()), &corp(), &[corp()], now).is_ok(),
                "at +{ms} ms"
            );
        }
        let mut next = valid();
        next["tradeDT"] = json!("20250711100001");
        let late = KstDateTime::from_unix_millis(second.unix_millis() + 999);
        let err = parse_submit(&body(next), &corp(), &[corp()], late).unwrap_err();
        assert_eq!(
            err.details()[0].reason,
            "future",
            "the next second is still ahead"
        );
    }
}
