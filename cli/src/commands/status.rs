//! `status`: where a file (of receipts, or with `--refunds` of refunds) sent earlier stands, or
//! given SubmitIDs or refundIDs; sending nothing, following with `--wait`.

use std::collections::BTreeSet;
use std::sync::Arc;

use popbill::SubmitId;

use super::{describe, ledger_for, options, read_file, unreachable, via, write_results};
use crate::args::StatusArgs;
use crate::backend::counting::RequestLog;
use crate::backend::{Backend, BackendError};
use crate::batch::{self, Batch};
use crate::check;
use crate::engine::{self, Job};
use crate::error::CliError;
use crate::input::{self, Record};
use crate::op::Op;
use crate::receipt::{Ledger, Receipt, Status, Target};
use crate::report::progress::Reporter;
use crate::report::summary::Summary;
use crate::setup;

pub async fn status(a: &StatusArgs, reporter: &Reporter) -> Result<Summary, CliError> {
    let shared = &a.shared;
    let op = if a.refunds || !a.refund_id.is_empty() {
        Op::Refund
    } else {
        Op::Submit
    };
    setup::check_flags(op, shared)?;
    let corp = setup::corp(shared)?;
    let log = Arc::new(RequestLog::default());
    let backend = setup::backend(shared, corp.as_ref(), &log)?;
    let parsed;
    let (records, batches, ledger): (&[Record], Vec<Batch>, Ledger) = match &a.file {
        Some(file) => {
            parsed = input::parse(op, &read_file(file)?, file, shared.format, shared.encoding)?;
            reporter.info(&describe(file, &parsed));
            let member = match op {
                Op::Submit => check::member(&parsed.records, corp.as_ref()),
                Op::Refund => corp.clone(),
            };
            let size = shared.batch_size;
            let batches = batch::split(op, &parsed.records, member.as_ref(), size, |_| false)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let ledger = ledger_for(op, &parsed.records, &batches, size, &BTreeSet::new());
            (&parsed.records, batches, ledger)
        }
        None => {
            let (flag, given) = match op {
                Op::Submit => ("--submit-id", &a.submit_id),
                Op::Refund => ("--refund-id", &a.refund_id),
            };
            let ids = given
                .iter()
                .map(|s| {
                    SubmitId::parse(s).map_err(|e| CliError::Usage(format!("{flag} {s:?}: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let batches = ids
                .into_iter()
                .enumerate()
                .map(|(index, id)| Batch {
                    index,
                    id,
                    members: vec![],
                })
                .collect();
            (&[], batches, Ledger::default())
        }
    };
    let clock = setup::clock(shared, &log)?;
    let opts = options(shared);
    let mut job = Job {
        op,
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
    let results = write_results(op, shared, &job.ledger)?;
    Ok(Summary::build(
        "status",
        op,
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

/// `status --submit-id` / `--refund-id`: learn each batch's receipts from a first read.
async fn discover(backend: &Backend, job: &mut Job<'_>) -> Result<(), BackendError> {
    let mut receipts = Vec::new();
    for b in &mut job.batches {
        let Some(updates) = backend.read(job.op, &b.id).await? else {
            continue;
        };
        for u in updates {
            b.members.push(receipts.len());
            let (submit_id, refund_id) = match job.op {
                Op::Submit => (b.id.to_string(), String::new()),
                Op::Refund => (String::new(), b.id.to_string()),
            };
            receipts.push(Receipt {
                row: 0,
                mgt_key: u.mgt_key.clone(),
                submit_id,
                refund_id,
                status: Some(Status::NotSent),
                ..Receipt::default()
            });
        }
    }
    job.ledger = Ledger::new(receipts);
    Ok(())
}
