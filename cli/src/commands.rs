//! `submit` and `status`: reading the file, checking it, and running the engine.

use std::collections::BTreeSet;
use std::io::Read as _;
use std::sync::Arc;

use popbill::SubmitId;

use crate::args::{Shared, StatusArgs, SubmitArgs};
use crate::backend::counting::RequestLog;
use crate::backend::{Backend, BackendError};
use crate::batch::{self, Batch};
use crate::check;
use crate::engine::{self, Job, Options};
use crate::error::CliError;
use crate::input::{self, Parsed, Problem, Record};
use crate::receipt::{Ledger, Receipt, Status, Target};
use crate::report::progress::{Reporter, n};
use crate::report::summary::Summary;
use crate::results;
use crate::setup;

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

/// One receipt per record; `invalid` rows are marked so, the others not sent yet.
fn ledger_for(
    records: &[Record],
    batches: &[Batch],
    size: usize,
    invalid: &BTreeSet<usize>,
) -> Ledger {
    let mut ids = vec![String::new(); records.len()];
    for b in batches {
        let end = ((b.index + 1) * size).min(records.len());
        for id in &mut ids[b.index * size..end] {
            *id = b.submit_id.to_string();
        }
    }
    Ledger::new(
        records
            .iter()
            .zip(ids)
            .map(|(r, submit_id)| Receipt {
                row: r.row,
                mgt_key: r.mgt_key().unwrap_or_default().to_owned(),
                submit_id,
                status: Some(if invalid.contains(&r.row) {
                    Status::Invalid
                } else {
                    Status::NotSent
                }),
                ..Receipt::default()
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
fn write_results(shared: &Shared, ledger: &Ledger) -> Result<Option<String>, CliError> {
    let Some(path) = &shared.out else {
        return Ok(None);
    };
    results::write_atomically(path, &results::to_csv(&ledger.receipts)).map_err(|source| {
        CliError::Write {
            path: path.display().to_string(),
            source,
        }
    })?;
    Ok(Some(path.display().to_string()))
}

pub async fn submit(a: &SubmitArgs, reporter: &Reporter) -> Result<Summary, CliError> {
    let shared = &a.shared;
    setup::check_flags(shared)?;
    let corp = setup::corp(shared)?;
    let log = Arc::new(RequestLog::default());
    // Where to send is settled before the file is read: a bad command line costs nothing.
    let backend = match a.dry_run {
        true => None,
        false => Some(setup::backend(shared, corp.as_ref(), &log)?),
    };
    let parsed = input::parse(
        &read_file(&a.file)?,
        &a.file,
        shared.format,
        shared.encoding,
    )?;
    reporter.info(&describe(&a.file, &parsed));
    let clock = setup::clock(shared, &log)?;
    let now = clock.now().await.map_err(unreachable)?;
    let mut checked = check::check(&parsed.records, parsed.problems.clone(), corp.as_ref(), now);
    for p in &checked.problems {
        reporter.warn(&p.to_string());
    }
    if !checked.problems.is_empty() && !a.skip_invalid {
        return Err(CliError::Invalid(checked.problems));
    }
    let records = &parsed.records;
    let size = shared.batch_size;
    if let Some(backend) = &backend {
        let used = used_elsewhere(backend, records, &checked, size).await?;
        for p in &used {
            reporter.warn(&p.to_string());
        }
        if !used.is_empty() && !a.skip_invalid {
            return Err(CliError::Invalid(used));
        }
        checked.invalid_rows.extend(used.iter().map(|p| p.row));
        checked.problems.extend(used);
        checked.problems.sort_by_key(|p| p.row);
    }
    let batches = batch::split(records, checked.member.as_ref(), size, |p| {
        checked.invalid_rows.contains(&records[p].row)
    })
    .map_err(|e| CliError::Usage(e.to_string()))?;
    let ledger = ledger_for(records, &batches, size, &checked.invalid_rows);
    let Some(backend) = backend else {
        for b in &batches {
            println!(
                "batch {} {} rows {} ({} receipts)",
                b.index,
                b.submit_id,
                rows_of(&ledger, b),
                b.members.len()
            );
        }
        return Ok(Summary::build(
            "submit",
            "dry-run",
            Target::Accepted,
            &ledger,
            batches.len(),
            vec![],
            checked.problems,
            None,
        )
        .with_dry_run());
    };
    let opts = options(shared);
    let mut job = Job {
        records,
        batches,
        send_corp: corp,
        ledger,
    };
    reporter.info(&format!(
        "sending {} batches ({} receipts) to {}, {} at a time",
        n(job.batches.len()),
        n(job.batches.iter().map(|b| b.members.len()).sum()),
        backend.name(),
        opts.concurrency
    ));
    let mut unreachable_batches =
        engine::send::send_all(&backend, &mut job, &opts, reporter).await?;
    if opts.target > Target::Accepted {
        match engine::wait(&backend, &clock, &mut job, &opts, reporter).await {
            Ok(()) => {}
            Err(CliError::Unreachable(why)) => unreachable_batches.push(why),
            Err(e) => return Err(e),
        }
    }
    reporter.finish();
    let results = write_results(shared, &job.ledger)?;
    Ok(Summary::build(
        "submit",
        via(&backend),
        opts.target,
        &job.ledger,
        job.batches.len(),
        unreachable_batches,
        checked.problems,
        results,
    )
    .with_requests(log.counts()))
}

/// Rows whose mgtKey POPBiLL already issued under another submission (`--direct` only).
async fn used_elsewhere(
    backend: &Backend,
    records: &[Record],
    checked: &check::Checked,
    size: usize,
) -> Result<Vec<Problem>, CliError> {
    let batches = batch::split(records, checked.member.as_ref(), size, |p| {
        checked.invalid_rows.contains(&records[p].row)
    })
    .map_err(|e| CliError::Usage(e.to_string()))?;
    let keyed: Vec<(&SubmitId, Vec<String>)> = batches
        .iter()
        .map(|b| {
            let keys = b
                .members
                .iter()
                .filter_map(|&m| records[m].mgt_key())
                .map(str::to_owned);
            (&b.submit_id, keys.collect())
        })
        .collect();
    let used = backend.used_elsewhere(&keyed).await.map_err(unreachable)?;
    Ok(records
        .iter()
        .filter(|r| r.mgt_key().is_some_and(|k| used.iter().any(|u| u == k)))
        .map(|r| Problem {
            code: Some(popbill::codes::MGT_KEY_IN_USE),
            ..Problem::new(
                r.row,
                Some("mgtKey"),
                format!(
                    "{} was already issued at POPBiLL by another submission: a mgtKey can be issued once",
                    r.mgt_key().unwrap_or_default()
                ),
            )
        })
        .collect())
}

fn rows_of(ledger: &Ledger, b: &Batch) -> String {
    let first = b
        .members
        .first()
        .map(|&m| ledger.receipts[m].row)
        .unwrap_or(0);
    let last = b
        .members
        .last()
        .map(|&m| ledger.receipts[m].row)
        .unwrap_or(0);
    format!("{first}–{last}")
}

pub async fn status(a: &StatusArgs, reporter: &Reporter) -> Result<Summary, CliError> {
    let shared = &a.shared;
    setup::check_flags(shared)?;
    let corp = setup::corp(shared)?;
    let log = Arc::new(RequestLog::default());
    let backend = setup::backend(shared, corp.as_ref(), &log)?;
    let parsed;
    let (records, batches, ledger): (&[Record], Vec<Batch>, Ledger) = match &a.file {
        Some(file) => {
            parsed = input::parse(&read_file(file)?, file, shared.format, shared.encoding)?;
            reporter.info(&describe(file, &parsed));
            let member = check::member(&parsed.records, corp.as_ref());
            let size = shared.batch_size;
            let batches = batch::split(&parsed.records, member.as_ref(), size, |_| false)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let ledger = ledger_for(&parsed.records, &batches, size, &BTreeSet::new());
            (&parsed.records, batches, ledger)
        }
        None => {
            let ids = a
                .submit_id
                .iter()
                .map(|s| {
                    SubmitId::parse(s)
                        .map_err(|e| CliError::Usage(format!("--submit-id {s:?}: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            (
                &[],
                ids.into_iter()
                    .enumerate()
                    .map(|(index, submit_id)| Batch {
                        index,
                        submit_id,
                        members: vec![],
                    })
                    .collect(),
                Ledger::default(),
            )
        }
    };
    let clock = setup::clock(shared, &log)?;
    let opts = options(shared);
    let mut job = Job {
        records,
        batches,
        send_corp: corp,
        ledger,
    };
    if a.file.is_none() {
        discover(&backend, &mut job).await.map_err(unreachable)?;
    }
    engine::read_all(&backend, &mut job, &opts)
        .await
        .map_err(unreachable)?;
    let mut unreachable_batches = Vec::new();
    if opts.target > Target::Accepted {
        match engine::wait(&backend, &clock, &mut job, &opts, reporter).await {
            Ok(()) => {}
            Err(CliError::Unreachable(why)) => unreachable_batches.push(why),
            Err(e) => return Err(e),
        }
    }
    reporter.finish();
    let results = write_results(shared, &job.ledger)?;
    Ok(Summary::build(
        "status",
        via(&backend),
        opts.target,
        &job.ledger,
        job.batches.len(),
        unreachable_batches,
        vec![],
        results,
    )
    .with_requests(log.counts()))
}

/// `status --submit-id`: learn each submission's receipts from a first read.
async fn discover(backend: &Backend, job: &mut Job<'_>) -> Result<(), BackendError> {
    let mut receipts = Vec::new();
    for b in &mut job.batches {
        let Some(updates) = backend.read(&b.submit_id).await? else {
            continue;
        };
        for u in updates {
            b.members.push(receipts.len());
            receipts.push(Receipt {
                row: 0,
                mgt_key: u.mgt_key.clone(),
                submit_id: b.submit_id.to_string(),
                status: Some(Status::NotSent),
                ..Receipt::default()
            });
        }
    }
    job.ledger = Ledger::new(receipts);
    Ok(())
}
