//! A merchant's file to receipts: bytes → text (UTF-8 or CP949) → records (CSV with a header of
//! POPBiLL's field names, or JSON Lines) → `Cashbill`s, each with its row number.
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

/// One data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub row: usize,
    /// `None` when the row's fields have the wrong types (see the problems).
    pub cashbill: Option<Cashbill>,
    /// The row's content in a canonical form (fields sorted by name, as JSON), whatever the
    /// column order or quoting: what SubmitIDs are derived from.
    pub canonical: String,
}

impl Record {
    pub fn mgt_key(&self) -> Option<&str> {
        self.cashbill
            .as_ref()
            .and_then(|c| c.mgt_key.as_deref())
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

/// Read a file's bytes. `path` only picks the format when `format` is `None`.
pub fn parse(
    bytes: &[u8],
    path: &str,
    format: Option<Format>,
    encoding: EncodingChoice,
) -> Result<Parsed, InputError> {
    let decoded = encoding::decode(bytes, encoding)?;
    let format = format.unwrap_or_else(|| Format::detect(path, &decoded.text));
    let (records, problems) = match format {
        Format::Csv => csv_file::read(&decoded.text)?,
        Format::Jsonl => jsonl::read(&decoded.text),
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

/// Fields of the right types → a record; `problems` gets one entry per wrong type.
fn to_record(row: usize, fields: BTreeMap<String, Value>, typed_ok: bool) -> Record {
    let canonical = serde_json::to_string(&fields).expect("a map of JSON values serializes");
    let cashbill = if typed_ok {
        let obj: serde_json::Map<String, Value> = fields.into_iter().collect();
        serde_json::from_value(Value::Object(obj)).ok()
    } else {
        None
    };
    Record {
        row,
        cashbill,
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
        let a = csv_file::read(&csv).unwrap().0;
        let b = jsonl::read(jsonl).0;
        assert_eq!(a[0].cashbill, b[0].cashbill);
        assert_eq!(
            a[0].canonical, b[0].canonical,
            "same content, same canonical form"
        );
        assert_eq!((a[0].row, b[0].row), (2, 1));
    }

    #[test]
    fn a_file_with_only_a_header_is_empty() {
        let err = parse(
            format!("{HEADER}\n").as_bytes(),
            "x.csv",
            None,
            EncodingChoice::Auto,
        )
        .unwrap_err();
        assert_eq!(err, InputError::Empty);
        let err = parse(b"\n\n", "x.jsonl", None, EncodingChoice::Auto).unwrap_err();
        assert_eq!(err, InputError::Empty);
    }
}
