//! The run: send every batch (never twice), then follow the receipts (or refunds) to the
//! requested point, polling politely. The IO is the [`Backend`] and the [`Clock`]; what to do next is decided
//! by the pure [`plan`] and the [`Ledger`](crate::receipt::Ledger).

pub mod plan;
pub mod send;

use std::time::Duration;

use futures::StreamExt as _;
use popbill::CorpNum;

use crate::backend::{Backend, BackendError};
use crate::batch::Batch;
use crate::clock::Clock;
use crate::error::CliError;
use crate::input::Record;
use crate::op::Op;
use crate::receipt::{Ledger, Status, Target, Update};
use crate::report::progress::Reporter;

/// POPBiLL's bulk guide: poll no tighter than every 2 seconds.
pub const MIN_POLL: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub struct Options {
    pub target: Target,
    pub concurrency: usize,
    /// Retries of a batch (sending) or of a polling round before giving up.
    pub retries: u32,
    /// The longest wait between polling rounds (the backoff's ceiling), at least [`MIN_POLL`].
    pub poll_max: Duration,
}

/// Everything a run works on.
#[derive(Debug)]
pub struct Job<'a> {
    pub op: Op,
    pub records: &'a [Record],
    pub batches: Vec<Batch>,
    /// Sent as `corpNum` to the Worker when the user named the member.
    pub send_corp: Option<CorpNum>,
    pub ledger: Ledger,
}

impl Job<'_> {
    /// `2–101` for the rows of a batch.
    pub fn rows_text(&self, batch: &Batch) -> String {
        let rows: Vec<usize> = batch
            .members
            .iter()
            .map(|&m| self.ledger.receipts[m].row)
            .collect();
        match (rows.first(), rows.last()) {
            (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
            (Some(a), _) => a.to_string(),
            _ => String::new(),
        }
    }

    /// Every row of batch `b` taken (`submitted`, or `scheduled` for a refund), then what the
    /// read says of each.
    fn apply_read(&mut self, b: usize, updates: Vec<Update>) -> bool {
        let mut changed = false;
        let floor = self.op.accepted();
        for &m in &self.batches[b].members {
            let key = self.ledger.receipts[m].mgt_key.clone();
            if self.ledger.receipts[m].status() < floor {
                changed |= self.ledger.apply(Update::status(&key, floor));
            }
        }
        for u in updates {
            changed |= self.ledger.apply(u);
        }
        changed
    }
}

/// Read every batch once (for `status`): what exists is marked submitted or further, what does
/// not stays `not_sent`. Issued receipts' filing results are read too.
pub async fn read_all(
    backend: &Backend,
    job: &mut Job<'_>,
    opts: &Options,
) -> Result<(), BackendError> {
    let ids: Vec<_> = job.batches.iter().map(|b| b.id.clone()).collect();
    let op = job.op;
    let mut reads = futures::stream::iter(ids.iter().enumerate())
        .map(|(b, id)| async move { (b, backend.read(op, id).await) })
        .buffer_unordered(opts.concurrency.max(1));
    while let Some((b, result)) = reads.next().await {
        if let Some(updates) = result? {
            job.apply_read(b, updates);
        }
    }
    drop(reads);
    if !backend.reads_filing_per_batch() {
        let issued: Vec<String> = job
            .ledger
            .receipts
            .iter()
            .filter(|r| r.status() == Status::Issued)
            .map(|r| r.mgt_key.clone())
            .collect();
        if !issued.is_empty() {
            for u in backend.read_filing(&issued).await? {
                job.ledger.apply(u);
            }
        }
    }
    Ok(())
}

/// Poll until every receipt reached `opts.target` or failed for good. Rounds start 2 s apart
/// and back off (×1.5, up to `poll_max`) while nothing changes; with `--direct` at most 5 s
/// apart while POPBiLL is still processing. A refund the Worker holds is not asked about
/// before its `dueAt`. `retries` failed rounds in a row end the run.
pub async fn wait(
    backend: &Backend,
    clock: &Clock,
    job: &mut Job<'_>,
    opts: &Options,
    reporter: &Reporter,
) -> Result<(), CliError> {
    let poll_max = opts.poll_max.max(MIN_POLL);
    let mut interval = MIN_POLL;
    let mut failures = 0u32;
    let mut announced_due = None;
    let mut announced_release = None;
    reporter.waiting(&job.ledger, opts.target);
    while !job.ledger.all_settled(opts.target) {
        tokio::time::sleep(interval).await;
        let outcome = poll_round(backend, clock, job, opts).await;
        match outcome {
            Ok((changed, round)) => {
                failures = 0;
                interval = if changed {
                    MIN_POLL
                } else {
                    interval.mul_f64(1.5).min(poll_max)
                };
                if round.issuance_pending
                    && let Some(cap) = backend.issuance_poll_cap()
                {
                    interval = interval.min(cap);
                }
                if round.next_release.is_some() && round.next_release != announced_release {
                    announced_release = round.next_release;
                    if let Some(due) = round.next_release {
                        let held = job.ledger.count_where(|r| r.status() == Status::Scheduled);
                        reporter.info(&format!(
                            "{} refunds held until their originals are filed: the Worker sends them from {} KST",
                            crate::report::progress::n(held),
                            human_kst(&due.to_string())
                        ));
                    }
                }
                if round.is_idle() && round.next_due.is_some() && round.next_due != announced_due {
                    announced_due = round.next_due;
                    if let Some(due) = round.next_due {
                        reporter.info(&format!(
                            "waiting for the filing results: POPBiLL posts them from {} KST",
                            human_kst(&due.to_string())
                        ));
                    }
                }
            }
            Err(BackendError::Auth(why)) => return Err(CliError::Auth(why)),
            Err(BackendError::Unavailable(why)) => {
                failures += 1;
                if failures > opts.retries {
                    return Err(CliError::Unreachable(format!(
                        "gave up following the receipts after {failures} failed rounds: {why}"
                    )));
                }
                interval = (interval * 2).min(poll_max);
                reporter.warn(&format!(
                    "{why}; polling again in {:.0} s ({failures}/{})",
                    interval.as_secs_f64(),
                    opts.retries
                ));
            }
        }
        reporter.waiting(&job.ledger, opts.target);
    }
    Ok(())
}

async fn poll_round(
    backend: &Backend,
    clock: &Clock,
    job: &mut Job<'_>,
    opts: &Options,
) -> Result<(bool, plan::Round), BackendError> {
    let now = clock.now().await?;
    let round = plan::plan_round(
        &job.ledger,
        &job.batches,
        opts.target,
        now,
        backend.reads_filing_per_batch(),
    );
    let ids: Vec<_> = round
        .read
        .iter()
        .map(|&b| (b, job.batches[b].id.clone()))
        .collect();
    let op = job.op;
    let mut reads = futures::stream::iter(ids.iter())
        .map(|(b, id)| async move { (*b, backend.read(op, id).await) })
        .buffer_unordered(opts.concurrency.max(1));
    let mut changed = false;
    let mut first_error = None;
    while let Some((b, result)) = reads.next().await {
        match result {
            Ok(Some(updates)) => changed |= job.apply_read(b, updates),
            Ok(None) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    drop(reads);
    if !round.filing.is_empty() {
        match backend.read_filing(&round.filing).await {
            Ok(updates) => {
                for u in updates {
                    changed |= job.ledger.apply(u);
                }
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok((changed, round)),
    }
}

/// `20250712110000` → `2025-07-12 11:00`.
pub fn human_kst(t: &str) -> String {
    if t.len() == 14 {
        format!(
            "{}-{}-{} {}:{}",
            &t[0..4],
            &t[4..6],
            &t[6..8],
            &t[8..10],
            &t[10..12]
        )
    } else {
        t.to_owned()
    }
}
