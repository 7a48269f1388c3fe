//! Every code the mock can emit, held against POPBiLL's table (`docs/popbill-error-codes.json`):
//! POPBiLL's codes carry the table's exact message; the mock's own codes are not in the table
//! and are listed in the README.
//!
//! "Can emit" is read from the source: every `codes::NAME` and `mock_codes::NAME` the
//! simulation names, plus every code of `popbill::validate` (all of `popbill::codes`, whose
//! meanings `popbill/tests/codes_table.rs` checks).

use std::path::Path;

use crate::sim::error::{message_for, mock_codes};

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("the source folder is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tests") {
                sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("a source file");
            out.push((path.display().to_string(), text));
        }
    }
}

/// `(prefix, NAME)` for each `prefix::NAME` in `text` (NAME in upper snake case).
fn named(text: &str, prefix: &str) -> Vec<String> {
    let needle = format!("{prefix}::");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&needle) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + needle.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        // Items of `popbill::codes` that are not codes.
        let not_codes = ["ALL", "GENERIC_MESSAGE", "NOT_IN_TABLE", "TABLE_JSON"];
        if name.len() > 1 && !not_codes.contains(&name.as_str()) {
            out.push(name);
        }
    }
    out
}

#[test]
fn every_code_the_mock_names_is_popbills_with_the_tables_message_or_its_own_and_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    let readme =
        std::fs::read_to_string(root.join("README.md")).expect("mock-server/README.md exists");
    let mut seen = 0;
    let mut failures = Vec::new();
    for (file, text) in &files {
        for name in named(text, "mock_codes") {
            seen += 1;
            let Some((_, code)) = mock_codes::ALL.iter().find(|(n, _)| *n == name) else {
                failures.push(format!(
                    "{file}: mock_codes::{name} is not in mock_codes::ALL"
                ));
                continue;
            };
            if popbill::codes::table_message(*code).is_some() {
                failures.push(format!("{file}: mock code {code} is POPBiLL's"));
            }
            if !readme.contains(&code.to_string()) {
                failures.push(format!(
                    "mock code {name} ({code}) is not listed in README.md"
                ));
            }
        }
        for name in named(text, "codes") {
            seen += 1;
            let Some((_, code)) = popbill::codes::ALL.iter().find(|(n, _)| *n == name) else {
                failures.push(format!(
                    "{file}: codes::{name} is not a popbill::codes constant"
                ));
                continue;
            };
            if *code == popbill::codes::OK {
                continue;
            }
            match popbill::codes::table_message(*code) {
                Some(m) if m == message_for(*code) => {}
                Some(m) => failures.push(format!(
                    "{file}: {name} ({code}) says {:?}, the table {m:?}",
                    message_for(*code)
                )),
                None => failures.push(format!("{file}: {name} ({code}) is not in the table")),
            }
        }
    }
    assert!(seen > 50, "the scan found only {seen} code names");
    for (name, code) in popbill::codes::ALL {
        if let Some(m) = popbill::codes::table_message(*code) {
            assert_eq!(message_for(*code), m, "{name}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
