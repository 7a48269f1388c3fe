//! `submit` and `refund`: read the file, check every row, send the batches (never twice) and,
//! with `--wait`, follow them.

use std::sync::Arc;

use popbill::SubmitId;

use super::{describe, ledger_for, options, read_file, unreachable, via, write_results};
use crate::args::{RefundArgs, Shared, SubmitArgs};
use crate::backend::Backend;
use crate::backend::counting::RequestLog;
use crate::batch::{self, Batch};
use crate::check::{self, Checked};
use crate::engine::{self, Job};
use crate::error::CliError;
use crate::input::{self, Problem, Record};
use crate::op::Op;
use crate::receipt::{Ledger, Target};
use crate::refund;
use crate::report::progress::{Reporter, n};
use crate::report::summary::Summary;
use crate::setup;

/// What `submit` and `refund` share on the command line.
struct FileRun<'a> {
    op: Op,
    file: &'a str,
    skip_invalid: bool,
    dry_run: bool,
    shared: &'a Shared,
}

pub async fn submit(a: &SubmitArgs, reporter: &Reporter) -> Result<Summary, CliError> {
    let run = FileRun {
        op: Op::Submit,
        file: &a.file,
        skip_invalid: a.skip_invalid,
        dry_run: a.dry_run,
        shared: &a.shared,
    };
    send_file(run, reporter).await
}

pub async fn refund(a: &RefundArgs, reporter: &Reporter) -> Result<Summary, CliError> {
    let run = FileRun {
        op: Op::Refund,
        file: &a.file,
        skip_invalid: a.skip_invalid,
        dry_run: a.dry_run,
        shared: &a.shared,
    };
    send_file(run, reporter).await
}

async fn send_file(run: FileRun<'_>, reporter: &Reporter) -> Result<Summary, CliError> {
    let FileRun {
        op, file, shared, ..
    } = run;
    setup::check_flags(op, shared)?;
    let corp = setup::corp(shared)?;
    let log = Arc::new(RequestLog::default());
    // Where to send is settled before the file is read: a bad command line costs nothing.
    let backend = match run.dry_run {
        true => None,
        false => Some(setup::backend(shared, corp.as_ref(), &log)?),
    };
    let parsed = input::parse(op, &read_file(file)?, file, shared.format, shared.encoding)?;
    reporter.info(&describe(file, &parsed));
    let clock = setup::clock(shared, &log)?;
    let now = clock.now().await.map_err(unreachable)?;
    let problems = parsed.problems.clone();
    let mut checked = match op {
        Op::Submit => check::check(&parsed.records, problems, corp.as_ref(), now),
        Op::Refund => refund::check::check(&parsed.records, problems, corp.as_ref(), now),
    };
    if op == Op::Submit && !shared.direct {
        checked.add(check::cancellations(&parsed.records));
    }
    for p in &checked.problems {
        reporter.warn(&p.to_string());
    }
    if !checked.problems.is_empty() && !run.skip_invalid {
        return Err(CliError::Invalid(checked.problems));
    }
    let records = &parsed.records;
    let size = shared.batch_size;
    if let Some(backend) = &backend {
        let used = used_elsewhere(op, backend, records, &checked, size).await?;
        for p in &used {
            reporter.warn(&p.to_string());
        }
        if !used.is_empty() && !run.skip_invalid {
            return Err(CliError::Invalid(used));
        }
        checked.add(used);
    }
    let batches = batch::split(op, records, checked.member.as_ref(), size, |p| {
        checked.invalid_rows.contains(&records[p].row)
    })
    .map_err(|e| CliError::Usage(e.to_string()))?;
    let ledger = ledger_for(op, records, &batches, size, &checked.invalid_rows);
    let Some(backend) = backend else {
        for b in &batches {
            println!(
                "batch {} {} rows {} ({} {})",
                b.index,
                b.id,
                rows_of(&ledger, b),
                b.members.len(),
                op.noun()
            );
        }
        let summary = Summary::build(
            op.command(),
            op,
            "dry-run",
            Target::Accepted,
            &ledger,
            batches.len(),
            vec![],
            checked.problems,
            None,
        );
        return Ok(summary.with_dry_run());
    };
    let opts = options(shared);
    let mut job = Job {
        op,
        records,
        batches,
        send_corp: corp,
        ledger,
    };
    reporter.info(&format!(
        "sending {} batches ({} {}) to {}, {} at a time",
        n(job.batches.len()),
        n(job.batches.iter().map(|b| b.members.len()).sum()),
        op.noun(),
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
    let results = write_results(op, shared, &job.ledger)?;
    Ok(Summary::build(
        op.command(),
        op,
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

/// Rows whose mgtKey POPBiLL already issued under another submission (`--direct` only; the
/// Worker refuses them per batch at intake, receipts and refunds alike).
async fn used_elsewhere(
    op: Op,
    backend: &Backend,
    records: &[Record],
    checked: &Checked,
    size: usize,
) -> Result<Vec<Problem>, CliError> {
    if op != Op::Submit {
        return Ok(Vec::new());
    }
    let batches = batch::split(op, records, checked.member.as_ref(), size, |p| {
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
            (&b.id, keys.collect())
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
    let row = |m: Option<&usize>| m.map_or(0, |&m| ledger.receipts[m].row);
    format!("{}–{}", row(b.members.first()), row(b.members.last()))
}
