//! A merchant's file to rows: bytes → text (UTF-8 or CP949) → records (CSV with a header of
//! field names, or JSON Lines) → `Cashbill`s (`submit`) or `RefundRow`s (`refund`), each with
//! its row number.
//!
//! Pure: no IO. Problems that make the whole file unreadable are an [`InputError`]; problems
//! with single rows are collected in [`Parsed::problems`] (every one, not just the first).

mod csv_file;
pub mod encoding;
pub mod fields;
mod jsonl;

use std::collections::BTreeMap;
use std::fmt;

use popbill::wire::Cashbill;
use serde_json::Value;

pub use encoding::EncodingChoice;

use crate::op::Op;
use crate::refund::RefundRow;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    /// One JSON object per line, keys in POPBiLL's field names.
    Jsonl,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Jsonl => "JSON Lines",
        }
    }

    /// By extension (`.csv`; `.jsonl`, `.ndjson`, `.json`), else by the first character.
    pub fn detect(path: &str, text: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Format::Csv
        } else if [".jsonl", ".ndjson", ".json"]
            .iter()
            .any(|e| lower.ends_with(e))
            || text.trim_start().starts_with('{')
        {
            Format::Jsonl
        } else {
            Format::Csv
        }
    }
}

/// One problem, located by row (1-based line of the file; the CSV header is row 1) and field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub row: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    /// POPBiLL's error code for this rule, when it has one.
    #[serde(rename = "popbillCode", skip_serializing_if = "Option::is_none")]
    pub code: Option<i64>,
}

impl Problem {
    pub fn new(row: usize, field: Option<&str>, message: impl Into<String>) -> Self {
        Problem {
            row,
            field: field.map(str::to_owned),
            message: message.into(),
            code: None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}", self.row)?;
        if let Some(field) = &self.field {
            write!(f, ", {field}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(code) = self.code {
            write!(f, " (POPBiLL {code})")?;
        }
        Ok(())
    }
}

/// The whole file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("row {line}: {message}")]
    Encoding { line: usize, message: String },
    #[error("the file has no receipts (only a header, or nothing at all)")]
    Empty,
    /// Header problems: every row would be misread.
    #[error("{}", join(.0))]
    Header(Vec<Problem>),
}

fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// What one row asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Cashbill(Cashbill),
    Refund(RefundRow),
}

/// One data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub row: usize,
    /// `None` when the row's fields have the wrong types (see the problems).
    pub item: Option<Item>,
    /// The row's content in a canonical form (fields sorted by name, as JSON), whatever the
    /// column order or quoting: what batch ids are derived from.
    pub canonical: String,
}

impl Record {
    pub fn cashbill(&self) -> Option<&Cashbill> {
        match &self.item {
            Some(Item::Cashbill(c)) => Some(c),
            _ => None,
        }
    }

    pub fn refund(&self) -> Option<&RefundRow> {
        match &self.item {
            Some(Item::Refund(r)) => Some(r),
            _ => None,
        }
    }

    /// The row's own mgtKey (a refund's new one).
    pub fn mgt_key(&self) -> Option<&str> {
        match &self.item {
            Some(Item::Cashbill(c)) => c.mgt_key.as_deref(),
            Some(Item::Refund(r)) => r.mgt_key.as_deref(),
            None => None,
        }
        .filter(|k| !k.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub encoding: &'static str,
    pub format: Format,
    pub records: Vec<Record>,
    pub problems: Vec<Problem>,
}

/// Read a file of `op`'s rows. `path` only picks the format when `format` is `None`.
pub fn parse(
    op: Op,
    bytes: &[u8],
    path: &str,
    format: Option<Format>,
    encoding: EncodingChoice,
) -> Result<Parsed, InputError> {
    let decoded = encoding::decode(bytes, encoding)?;
    let format = format.unwrap_or_else(|| Format::detect(path, &decoded.text));
    let (records, problems) = match format {
        Format::Csv => csv_file::read(op, &decoded.text)?,
        Format::Jsonl => jsonl::read(op, &decoded.text),
    };
    if records.is_empty() {
        return Err(InputError::Empty);
    }
    Ok(Parsed {
        encoding: decoded.encoding,
        format,
        records,
        problems,
    })
}

/// Fields of the right types → a record of `op`'s item; `None` when a type is wrong (the
/// caller reported it).
fn to_record(op: Op, row: usize, fields: BTreeMap<String, Value>, typed_ok: bool) -> Record {
    let canonical = serde_json::to_string(&fields).expect("a map of JSON values serializes");
    let item = if typed_ok {
        let obj = Value::Object(fields.into_iter().collect());
        match op {
            Op::Submit => serde_json::from_value(obj).ok().map(Item::Cashbill),
            Op::Refund => serde_json::from_value(obj).ok().map(Item::Refund),
        }
    } else {
        None
    };
    Record {
        row,
        item,
        canonical,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "mgtKey,tradeType,tradeUsage,taxationType,totalAmount,supplyCost,tax,serviceFee,franchiseCorpNum,identityNum,itemName";

    #[test]
    fn the_format_comes_from_the_extension_or_the_first_character() {
        assert_eq!(Format::detect("a.CSV", "{"), Format::Csv);
        assert_eq!(Format::detect("a.jsonl", "mgtKey"), Format::Jsonl);
        assert_eq!(Format::detect("-", " {\"mgtKey\":1}"), Format::Jsonl);
        assert_eq!(Format::detect("-", "mgtKey,tax"), Format::Csv);
    }

    #[test]
    fn the_same_receipts_in_csv_and_json_lines_read_the_same() {
        let csv = format!(
            "{HEADER},smssendYN\nK1,승인거래,소득공제용,과세,11000,10000,1000,0,1234567890,01012345678,커피,Y\n"
        );
        let jsonl = "{\"mgtKey\":\"K1\",\"tradeType\":\"승인거래\",\"tradeUsage\":\"소득공제용\",\"taxationType\":\"과세\",\"totalAmount\":\"11000\",\"supplyCost\":\"10000\",\"tax\":\"1000\",\"serviceFee\":\"0\",\"franchiseCorpNum\":\"1234567890\",\"identityNum\":\"01012345678\",\"itemName\":\"커피\",\"smssendYN\":true}\n";
        let a = csv_file::read(Op::Submit, &csv).unwrap().0;
        let b = jsonl::read(Op::Submit, jsonl).0;
        assert!(a[0].cashbill().is_some());
        assert_eq!(a[0].item, b[0].item);
        assert_eq!(
            a[0].canonical, b[0].canonical,
            "same content, same canonical form"
        );
        assert_eq!((a[0].row, b[0].row), (2, 1));
    }

    #[test]
    fn a_refund_file_reads_as_refunds_in_csv_and_json_lines_alike() {
        let csv = "mgtKey,orgMgtKey,isPartCancel,cancelType,supplyCost,tax,serviceFee,totalAmount\nR-1,K-1,Y,1,5000,500,0,5500\n";
        let jsonl = "{\"mgtKey\":\"R-1\",\"orgMgtKey\":\"K-1\",\"isPartCancel\":true,\"cancelType\":1,\"supplyCost\":\"5000\",\"tax\":\"500\",\"serviceFee\":\"0\",\"totalAmount\":\"5500\"}\n";
        let a = parse(
            Op::Refund,
            csv.as_bytes(),
            "r.csv",
            None,
            EncodingChoice::Auto,
        )
        .unwrap();
        let b = parse(
            Op::Refund,
            jsonl.as_bytes(),
            "r.jsonl",
            None,
            EncodingChoice::Auto,
        )
        .unwrap();
        let r = a.records[0].refund().expect("a refund row");
        assert_eq!(
            (r.org_mgt_key.as_deref(), r.is_part_cancel, r.cancel_type),
            (Some("K-1"), Some(true), Some(1))
        );
        assert_eq!(a.records[0].mgt_key(), Some("R-1"));
        assert_eq!(a.records[0].item, b.records[0].item);
        assert_eq!(a.records[0].canonical, b.records[0].canonical);
        let wrong = parse(
            Op::Refund,
            b"mgtKey,tradeDT\nR-1,20250711100000\n",
            "r.csv",
            None,
            EncodingChoice::Auto,
        )
        .unwrap_err();
        assert!(
            wrong.to_string().contains("row 1, tradeDT: unknown column"),
            "a receipt's column is not a refund's: {wrong}"
        );
    }

    #[test]
    fn a_file_with_only_a_header_is_empty() {
        let err = parse(
            Op::Submit,
            format!("{HEADER}\n").as_bytes(),
            "x.csv",
            None,
            EncodingChoice::Auto,
        )
        .unwrap_err();
        assert_eq!(err, InputError::Empty);
        let err = parse(Op::Refund, b"\n\n", "x.jsonl", None, EncodingChoice::Auto).unwrap_err();
        assert_eq!(err, InputError::Empty);
    }
}
