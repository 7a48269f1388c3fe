//! Reading a merchant's request body, the steps every POST shares (submissions, refunds): the
//! size cap, the JSON object, the `corpNum` every request may name, and typed reading of an
//! object that names every field of the wrong JSON type. Problems are collected as [`Detail`]s
//! (by index and field) so that a request hears of all of them at once.

use popbill::CorpNum;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::api::{BodyError, Detail, MerchantError};

/// The largest body accepted. 100 receipts of POPBiLL's longest fields stay far below it.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// One problem, located by item index and field.
pub fn detail(
    index: Option<usize>,
    field: Option<&str>,
    reason: &str,
    code: Option<i64>,
    message: impl Into<String>,
) -> Detail {
    Detail {
        index,
        field: field.map(str::to_owned),
        reason: reason.into(),
        popbill_code: code,
        message: message.into(),
    }
}

/// The body as a JSON object, or the error that says why it cannot be a request at all.
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>, MerchantError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(BodyError::TooLarge(MAX_BODY_BYTES).into());
    }
    let value: Value = serde_json::from_slice(body).map_err(|_| BodyError::MalformedJson)?;
    match value {
        Value::Object(obj) => Ok(obj),
        _ => Err(BodyError::Malformed("the body must be a JSON object").into()),
    }
}

/// The request's `corpNum`: `default_corp` when it names none; refused (a problem, `None`) when
/// malformed, of the wrong type, or not one of the `allowed` CorpNums this Worker issues for.
pub fn corp_num(
    obj: &Map<String, Value>,
    default_corp: &CorpNum,
    allowed: &[CorpNum],
    problems: &mut Vec<Detail>,
) -> Option<CorpNum> {
    let problem = match obj.get("corpNum") {
        None | Some(Value::Null) => return Some(default_corp.clone()),
        Some(Value::String(s)) => match CorpNum::parse(s) {
            Ok(c) if allowed.contains(&c) => return Some(c),
            Ok(_) => detail(
                None,
                Some("corpNum"),
                "not_allowed",
                None,
                "this Worker does not issue for that corpNum",
            ),
            Err(e) => detail(
                None,
                Some("corpNum"),
                "invalid_format",
                Some(popbill::codes::CORP_NUM_FORMAT),
                e.to_string(),
            ),
        },
        Some(_) => detail(
            None,
            Some("corpNum"),
            "invalid_type",
            None,
            "corpNum must be a string",
        ),
    };
    problems.push(problem);
    None
}

/// `T` from the object `fields` (item `index` of the request), or every field of the wrong JSON
/// type by name: each failure names its field, which is set aside before trying again.
/// `type_message` words the problem for a field.
pub fn read_typed<T: DeserializeOwned>(
    index: usize,
    fields: &Map<String, Value>,
    type_message: fn(&str) -> String,
) -> Result<T, Vec<Detail>> {
    let mut object = Value::Object(fields.clone());
    let mut problems = Vec::new();
    loop {
        let err = match serde_path_to_error::deserialize::<_, T>(&object) {
            Ok(t) if problems.is_empty() => return Ok(t),
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
            type_message(&field),
        ));
    }
}

/// The usual wording of a wrong-typed field.
pub fn wrong_type(field: &str) -> String {
    format!("{field} has the wrong JSON type")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Two {
        a: Option<String>,
        b: Option<bool>,
    }

    #[test]
    fn every_wrong_typed_field_is_named_once_whatever_their_number() {
        let Value::Object(fields) = json!({ "a": 1, "b": "x", "c": [] }) else {
            unreachable!()
        };
        let problems = read_typed::<Two>(3, &fields, wrong_type).unwrap_err();
        let named: Vec<_> = problems
            .iter()
            .map(|d| (d.index, d.field.as_deref(), d.message.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                (Some(3), Some("a"), "a has the wrong JSON type"),
                (Some(3), Some("b"), "b has the wrong JSON type"),
            ]
        );
    }

    #[test]
    fn corp_num_defaults_and_refuses_what_this_worker_does_not_issue_for() {
        let home = CorpNum::parse("1234567890").unwrap();
        let other = CorpNum::parse("1111111111").unwrap();
        let mut problems = Vec::new();
        let read = |v: Value, problems: &mut Vec<Detail>| {
            let Value::Object(obj) = v else {
                unreachable!()
            };
            corp_num(&obj, &home, std::slice::from_ref(&home), problems)
        };
        assert_eq!(read(json!({}), &mut problems), Some(home.clone()));
        assert_eq!(
            read(json!({ "corpNum": other.as_str() }), &mut problems),
            None
        );
        assert_eq!(read(json!({ "corpNum": "12" }), &mut problems), None);
        assert_eq!(read(json!({ "corpNum": 12 }), &mut problems), None);
        let reasons: Vec<_> = problems.iter().map(|d| d.reason.as_str()).collect();
        assert_eq!(reasons, ["not_allowed", "invalid_format", "invalid_type"]);
    }

    #[test]
    fn a_body_that_cannot_be_a_request_is_refused_before_anything_is_read() {
        let codes = [&b"[]"[..], b"not json", &vec![b' '; MAX_BODY_BYTES + 1][..]].map(|b| {
            use crate::core::api::ApiError as _;
            json_object(b).unwrap_err().code().as_str()
        });
        assert_eq!(
            codes,
            ["malformed_request", "malformed_json", "body_too_large"]
        );
    }
}
