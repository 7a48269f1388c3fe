//! The commands: `submit` and `refund` (a file sent, [`send`]) and `status` (a file or ids
//! followed, [`status`]). What they share: reading the file, the ledger, `--out`.

mod send;
mod status;

pub use send::{refund, submit};
pub use status::status;

use std::collections::BTreeSet;
use std::io::Read as _;

use crate::args::Shared;
use crate::backend::{Backend, BackendError};
use crate::batch::Batch;
use crate::engine::Options;
use crate::error::CliError;
use crate::input::{Parsed, Record};
use crate::op::Op;
use crate::receipt::{Ledger, Receipt, Status, Target};
use crate::report::progress::n;
use crate::results;

fn read_file(path: &str) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    let result = if path == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    result.map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })?;
    Ok(bytes)
}

fn options(shared: &Shared) -> Options {
    Options {
        target: shared.wait.unwrap_or(Target::Accepted),
        concurrency: shared.concurrency,
        retries: shared.retries,
        poll_max: std::time::Duration::from_secs(shared.poll_max),
    }
}

fn via(backend: &Backend) -> &'static str {
    match backend {
        Backend::Worker(_) => "worker",
        Backend::Direct(_) => "direct",
    }
}

fn unreachable(e: BackendError) -> CliError {
    match e {
        BackendError::Auth(why) => CliError::Auth(why),
        BackendError::Unavailable(why) => CliError::Unreachable(why),
    }
}

/// One receipt (or refund) per record; `invalid` rows are marked so, the others not sent yet.
/// A receipt carries its batch's SubmitID; a refund its batch's refundID (the SubmitID of the
/// BulkSubmit it goes in comes from the Worker).
fn ledger_for(
    op: Op,
    records: &[Record],
    batches: &[Batch],
    size: usize,
    invalid: &BTreeSet<usize>,
) -> Ledger {
    let mut ids = vec![String::new(); records.len()];
    for b in batches {
        let end = ((b.index + 1) * size).min(records.len());
        for id in &mut ids[b.index * size..end] {
            *id = b.id.to_string();
        }
    }
    Ledger::new(
        records
            .iter()
            .zip(ids)
            .map(|(r, id)| {
                let (submit_id, refund_id) = match op {
                    Op::Submit => (id, String::new()),
                    Op::Refund => (String::new(), id),
                };
                Receipt {
                    row: r.row,
                    mgt_key: r.mgt_key().unwrap_or_default().to_owned(),
                    submit_id,
                    refund_id,
                    status: Some(if invalid.contains(&r.row) {
                        Status::Invalid
                    } else {
                        Status::NotSent
                    }),
                    ..Receipt::default()
                }
            })
            .collect(),
    )
}

fn describe(file: &str, parsed: &Parsed) -> String {
    format!(
        "read {file}: {} rows ({}, {})",
        n(parsed.records.len()),
        parsed.encoding,
        parsed.format.name()
    )
}

/// Write `--out` if asked; the path for the summary.
fn write_results(op: Op, shared: &Shared, ledger: &Ledger) -> Result<Option<String>, CliError> {
    let Some(path) = &shared.out else {
        return Ok(None);
    };
    results::write_atomically(path, &results::to_csv(op, &ledger.receipts)).map_err(|source| {
        CliError::Write {
            path: path.display().to_string(),
            source,
        }
    })?;
    Ok(Some(path.display().to_string()))
}
