//! CSV with a header row of field names (POPBiLL's Cashbill fields, or the refund API's). Cells are trimmed; empty cells are absent
//! fields; row numbers are the file's line numbers (the header is row 1).

use std::collections::BTreeMap;

use super::fields;
use super::{InputError, Problem, Record, to_record};
use crate::op::Op;

pub fn read(op: Op, text: &str) -> Result<(Vec<Record>, Vec<Problem>), InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(e) => {
            return Err(InputError::Header(vec![Problem::new(
                1,
                None,
                format!("the header row cannot be read: {e}"),
            )]));
        }
    };
    check_header(op, &header)?;

    let mut records = Vec::new();
    let mut problems = Vec::new();
    for result in reader.records() {
        let rec = match result {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map_or(0, |p| line_at(text, p.byte()));
                problems.push(Problem::new(
                    row,
                    None,
                    format!("cannot be read as CSV: {e}"),
                ));
                continue;
            }
        };
        let row = rec.position().map_or(0, |p| line_at(text, p.byte()));
        if rec.len() != header.len() {
            problems.push(Problem::new(
                row,
                None,
                format!("has {} cells; the header has {}", rec.len(), header.len()),
            ));
        }
        let mut map = BTreeMap::new();
        let mut typed_ok = true;
        for (name, cell) in header.iter().zip(rec.iter()) {
            let kind =
                fields::kind(op, name).expect("the header was checked: every column is known");
            match fields::cell_to_json(kind, cell) {
                Ok(Some(v)) => {
                    map.insert(name.clone(), v);
                }
                Ok(None) => {}
                Err(why) => {
                    typed_ok = false;
                    problems.push(Problem::new(row, Some(name), format!("{cell:?} {why}")));
                    map.insert(name.clone(), cell.into());
                }
            }
        }
        records.push(to_record(op, row, map, typed_ok));
    }
    Ok((records, problems))
}

/// The 1-based line of a byte offset (the csv crate's own line count skips blank lines).
fn line_at(text: &str, byte: u64) -> usize {
    let bytes = text.as_bytes();
    let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    // A record's position is where reading it began: before any blank lines it skipped.
    while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
        end += 1;
    }
    1 + bytes[..end].iter().filter(|b| **b == b'\n').count()
}

/// Every column known, none twice, every required one present; all problems at once.
fn check_header(op: Op, header: &[String]) -> Result<(), InputError> {
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for name in header {
        if name.is_empty() {
            problems.push(Problem::new(1, None, "a column has no name in the header"));
        } else if fields::kind(op, name).is_none() {
            let hint = fields::suggest(op, name)
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            problems.push(Problem::new(
                1,
                Some(name),
                format!(
                    "unknown column{hint}; the header must use {}",
                    fields::described(op)
                ),
            ));
        } else if !seen.insert(name.as_str()) {
            problems.push(Problem::new(1, Some(name), "the column appears twice"));
        }
    }
    for required in fields::required(op) {
        if !header.iter().any(|h| h == required)
            && !header
                .iter()
                .any(|h| fields::suggest(op, h) == Some(required))
        {
            problems.push(Problem::new(
                1,
                Some(required),
                "required column is missing",
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(InputError::Header(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "mgtKey,tradeDT,tradeType,tradeUsage,taxationType,totalAmount,supplyCost,tax,serviceFee,franchiseCorpNum,identityNum,itemName";

    #[test]
    fn rows_carry_their_line_numbers_and_fields() {
        let text = format!(
            "{HEADER}\nK1,20250711100000,승인거래,소득공제용,과세,11000,10000,1000,0,1234567890,01012345678,\" 커피, 큰 것 \"\n\n K2 ,,승인거래,소득공제용,과세,11000,10000,1000,0,1234567890,01012345678,\n"
        );
        let (records, problems) = read(Op::Submit, &text).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].row, 2);
        assert_eq!(records[1].row, 4, "a blank line still counts as a line");
        let c = records[0].cashbill().unwrap();
        assert_eq!(
            c.item_name.as_deref(),
            Some("커피, 큰 것"),
            "quoted, trimmed"
        );
        let c2 = records[1].cashbill().unwrap();
        assert_eq!(c2.mgt_key.as_deref(), Some("K2"));
        assert_eq!(c2.trade_dt, None, "an empty cell is an absent field");
    }

    #[test]
    fn header_problems_are_all_reported_on_row_1() {
        let err = read(Op::Submit, "mgtKey,totalamount,price,tax,tax\nK1,1,2,3,4\n").unwrap_err();
        let InputError::Header(problems) = err else {
            panic!()
        };
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let all = text.join("\n");
        assert!(
            all.contains("row 1, totalamount: unknown column (did you mean totalAmount?)"),
            "{all}"
        );
        assert!(all.contains("row 1, price: unknown column"), "{all}");
        assert!(
            all.contains("row 1, tax: the column appears twice"),
            "{all}"
        );
        assert!(
            all.contains("row 1, identityNum: required column is missing"),
            "{all}"
        );
        assert!(
            !all.contains("totalAmount: required column is missing"),
            "a misspelt column is reported once: {all}"
        );
        assert!(problems.iter().all(|p| p.row == 1));
    }

    #[test]
    fn wrong_types_and_ragged_rows_are_reported_by_row() {
        let text = format!(
            "{HEADER},smssendYN\nK1,,승인거래,소득공제용,과세,1,1,0,0,1234567890,010,x,maybe\nK2,,승인거래\n"
        );
        let (records, problems) = read(Op::Submit, &text).unwrap();
        assert_eq!(records.len(), 2);
        assert!(
            records[0].item.is_none(),
            "a row with a type error is not a cashbill"
        );
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            text[0],
            "row 2, smssendYN: \"maybe\" must be true or false (also Y/N, 1/0)"
        );
        assert_eq!(text[1], "row 3: has 3 cells; the header has 13");
    }
}
