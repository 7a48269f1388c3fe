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

/// The Cashbill fields that must be strings (or null) on the wire.
const STRING_FIELDS: &[&str] = &[
    "mgtKey",
    "tradeDT",
    "tradeDate",
    "tradeType",
    "tradeUsage",
    "tradeOpt",
    "taxationType",
    "totalAmount",
    "supplyCost",
    "tax",
    "serviceFee",
    "franchiseCorpNum",
    "franchiseTaxRegID",
    "franchiseCorpName",
    "franchiseCEOName",
    "franchiseAddr",
    "franchiseTEL",
    "identityNum",
    "customerName",
    "itemName",
    "orderNumber",
    "email",
    "hp",
    "fax",
    "memo",
    "emailSubject",
    "confirmNum",
    "orgConfirmNum",
    "orgTradeDate",
];
const BOOL_FIELDS: &[&str] = &["smssendYN", "faxsendYN"];

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
        let type_problems = check_types(i, fields);
        if !type_problems.is_empty() {
            problems.extend(type_problems);
            continue;
        }
        let Ok(cashbill) = serde_json::from_value::<Cashbill>(item.clone()) else {
            problems.push(detail(
                Some(i),
                None,
                "invalid_type",
                None,
                "the cashbill has fields of the wrong type".into(),
            ));
            continue;
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

fn check_types(index: usize, fields: &Map<String, Value>) -> Vec<Detail> {
    let mut out = Vec::new();
    for (name, value) in fields {
        let ok = if STRING_FIELDS.contains(&name.as_str()) {
            matches!(value, Value::String(_) | Value::Null)
        } else if BOOL_FIELDS.contains(&name.as_str()) {
            matches!(value, Value::Bool(_) | Value::Null)
        } else if name == "cancelType" {
            matches!(value, Value::Number(_) | Value::Null)
        } else {
            true // unknown fields are ignored, as POPBiLL ignores them
        };
        if !ok {
            out.push(detail(
                Some(index),
                Some(name),
                "invalid_type",
                None,
                format!("{name} has the wrong JSON type"),
            ));
        }
    }
    out
}

/// A fresh SubmitID: the KST intake time and 64 random bits (31 characters).
pub fn generate_submit_id(now: KstDateTime, random: u64) -> SubmitId {
    SubmitId::parse(&format!("{now}-{random:016x}"))
        .expect("14 digits, '-', 16 hex digits is a valid SubmitId")
}
