//! JSON Lines: one object per line (a Cashbill, or a refund as the Worker's refund API takes it)
//! in POPBiLL's field names and JSON types (amounts are strings, as POPBiLL and the Worker take
//! them). Blank lines are skipped.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fields;
use super::{Problem, Record, to_record};
use crate::op::Op;

pub fn read(op: Op, text: &str) -> (Vec<Record>, Vec<Problem>) {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let row = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let obj = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(obj)) => obj,
            Ok(_) => {
                problems.push(Problem::new(
                    row,
                    None,
                    format!("must be a JSON object (one {} per line)", op.item()),
                ));
                records.push(to_record(op, row, raw(line), false));
                continue;
            }
            Err(e) => {
                problems.push(Problem::new(row, None, format!("is not valid JSON: {e}")));
                records.push(to_record(op, row, raw(line), false));
                continue;
            }
        };
        let mut typed_ok = true;
        let mut map = BTreeMap::new();
        for (name, value) in obj {
            match fields::kind(op, &name) {
                None => {
                    typed_ok = false;
                    let hint = fields::suggest(op, &name)
                        .map(|s| format!(" (did you mean {s}?)"))
                        .unwrap_or_default();
                    problems.push(Problem::new(
                        row,
                        Some(&name),
                        format!("unknown field{hint}"),
                    ));
                }
                Some(kind) => {
                    if let Err(why) = fields::json_type_ok(kind, &value) {
                        typed_ok = false;
                        problems.push(Problem::new(row, Some(&name), why));
                    }
                }
            }
            if !value.is_null() {
                map.insert(name, value);
            }
        }
        records.push(to_record(op, row, map, typed_ok));
    }
    (records, problems)
}

/// A line that is not an object still takes part in the batch's content, as its text.
fn raw(line: &str) -> BTreeMap<String, Value> {
    BTreeMap::from([(String::new(), Value::String(line.to_owned()))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_line_is_reported_with_its_line_number() {
        let text = "{\"mgtKey\":\"K1\",\"totalAmount\":\"11000\"}\n\n[1,2]\n{\"mgtKey\":\"K3\",\"totalAmount\":11000,\"Tax\":\"0\"}\n{oops\n";
        let (records, problems) = read(Op::Submit, text);
        assert_eq!(
            records.iter().map(|r| r.row).collect::<Vec<_>>(),
            [1, 3, 4, 5]
        );
        assert!(records[0].cashbill().is_some());
        assert!(records[2].item.is_none());
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            text[0],
            "row 3: must be a JSON object (one receipt per line)"
        );
        assert!(
            text.contains(
                &"row 4, totalAmount: must be a JSON string (amounts too: \"11000\")".to_owned()
            ),
            "{text:?}"
        );
        assert!(
            text.contains(&"row 4, Tax: unknown field (did you mean tax?)".to_owned()),
            "{text:?}"
        );
        assert!(text[3].starts_with("row 5: is not valid JSON"), "{text:?}");
    }

    #[test]
    fn nulls_are_absent_fields() {
        let (records, problems) = read(Op::Submit, "{\"mgtKey\":\"K1\",\"memo\":null}");
        assert!(problems.is_empty());
        assert_eq!(records[0].canonical, "{\"mgtKey\":\"K1\"}");
    }
}
