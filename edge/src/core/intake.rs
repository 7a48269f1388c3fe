//! Parsing and validating a merchant's submission, before anything is stored or sent.
//!
//! Every problem is collected (not just the first) and reported by receipt index and field.

use popbill::validate::{MAX_BATCH, is_cancellation};
use popbill::wire::Cashbill;
use popbill::{CorpNum, IdError, KstDateTime, SubmitId};
use serde_json::Value;

use super::api::{Detail, MerchantError};
use super::body::{self, detail};
use super::cashbills::{CheckedCashbill, CheckedCashbills};
use super::submission::content_hash;

pub use super::body::MAX_BODY_BYTES;

/// A validated submission request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitRequest {
    /// `None`: the Worker generates one.
    pub submit_id: Option<SubmitId>,
    pub corp_num: CorpNum,
    pub cashbills: CheckedCashbills,
}

/// A submission read from its body but not yet judged by POPBiLL's rules: what intake needs to
/// recognise a submission it already stored (same submitID, same content) before it asks
/// whether the receipts are still valid *now*. A stored submission is answered as stored even
/// after its tradeDT left the "today or yesterday" window.
#[derive(Debug, Clone)]
pub struct SubmitDraft {
    submit_id: Option<SubmitId>,
    corp_num: Option<CorpNum>,
    /// Every receipt that read as a `Cashbill`; `indices[n]` is the request index of `cashbills[n]`.
    cashbills: Vec<Cashbill>,
    indices: Vec<usize>,
    /// Problems found while reading (ids, corpNum, JSON types); the rules add theirs in `check`.
    problems: Vec<Detail>,
}

impl SubmitDraft {
    /// The submitID and content fingerprint of a draft that read without a problem: only such a
    /// draft can be a submission sent again.
    pub fn replay_key(&self) -> Option<(&SubmitId, String)> {
        let (Some(id), Some(corp)) = (&self.submit_id, &self.corp_num) else {
            return None;
        };
        if !self.problems.is_empty() {
            return None;
        }
        Some((id, content_hash(corp, &self.cashbills)))
    }

    /// Judge every receipt by POPBiLL's rules at `now`; every problem (reading and rules) comes
    /// back together, by index and field.
    pub fn check(self, now: KstDateTime) -> Result<SubmitRequest, MerchantError> {
        let SubmitDraft {
            submit_id,
            corp_num,
            cashbills: read,
            indices,
            mut problems,
        } = self;
        let mut cashbills = Vec::with_capacity(read.len());
        let mut seen = std::collections::HashMap::new();
        for (i, cashbill) in indices.into_iter().zip(read) {
            let repeats = cashbill
                .mgt_key
                .clone()
                .filter(|k| !k.is_empty())
                .and_then(|key| seen.insert(key, i));
            if is_cancellation(&cashbill) {
                // Sent raw, it would bypass the hold and the running totals (edge/README.md).
                problems.push(detail(
                    Some(i),
                    Some("tradeType"),
                    "use_refund_api",
                    None,
                    "a 취소거래 (refund) goes through POST /v1/refunds, which holds it until \
                     POPBiLL can take it and keeps the original's running totals",
                ));
            }
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
        // Reading reports a receipt's problems where it stands; keep the request's order.
        problems.sort_by_key(|d| d.index.map_or(0, |i| i + 1));
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
}

/// Parse and validate. `default_corp` is used when the body names none; `allowed` lists the
/// CorpNums this Worker may issue for.
pub fn parse_submit(
    body: &[u8],
    default_corp: &CorpNum,
    allowed: &[CorpNum],
    now: KstDateTime,
) -> Result<SubmitRequest, MerchantError> {
    read_submit(body, default_corp, allowed)?.check(now)
}

/// Read a submission's body: its size, JSON shape, submitID, corpNum and every receipt's field
/// types. Problems that concern the receipts are kept in the draft (so that all of them are
/// reported together by [`SubmitDraft::check`]); a body that cannot be a submission at all is
/// refused here.
pub fn read_submit(
    body: &[u8],
    default_corp: &CorpNum,
    allowed: &[CorpNum],
) -> Result<SubmitDraft, MerchantError> {
    let obj = body::json_object(body)?;
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
                "submitID must be a string",
            ));
            None
        }
    };

    let corp_num = body::corp_num(&obj, default_corp, allowed, &mut problems);

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
    let mut indices = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(fields) = item else {
            problems.push(detail(
                Some(i),
                None,
                "not_an_object",
                Some(popbill::codes::NULL_CASHBILL),
                "each cashbill must be a JSON object",
            ));
            continue;
        };
        match body::read_typed::<Cashbill>(i, fields, body::wrong_type) {
            Ok(c) => {
                cashbills.push(c);
                indices.push(i);
            }
            Err(type_problems) => problems.extend(type_problems),
        }
    }
    Ok(SubmitDraft {
        submit_id,
        corp_num,
        cashbills,
        indices,
        problems,
    })
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
    fn a_cancellation_receipt_is_refused_with_a_pointer_to_the_refund_api() {
        let mut c = valid();
        c["tradeType"] = json!("취소거래");
        c["orgConfirmNum"] = json!("TB0000001");
        c["orgTradeDate"] = json!("20250710");
        let err = parse_submit(&body(c), &corp(), &[corp()], t("20250711100000")).unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_cashbills");
        let d = &err.details()[0];
        assert_eq!(
            (d.index, d.field.as_deref(), d.reason.as_str()),
            (Some(0), Some("tradeType"), "use_refund_api")
        );
        assert!(d.message.contains("/v1/refunds"), "{}", d.message);
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
