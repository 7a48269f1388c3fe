//! The cron: every open submission gets what its plan asks for (release held refunds, resolve a
//! send, GetBulkResult, GetInfos, close), within the KV operations one Workers invocation may
//! make and within the CPU time the Workers Free plan allows one (10 ms). Together with the
//! webhooks and the post-submit poll it brings every receipt to a final state when webhooks are
//! late, duplicated, reordered or lost.

use popbill::KstDateTime;

use super::Service;
use super::poll::PollError;
use super::release::Released;
use super::report::{Problem, ReconcileReport, Step};
use super::send::SendOutcome;
use crate::core::kv::{CountingKv, Kv};
use crate::core::reconcile::{Settled, plan, settled};
use crate::core::store::{OpenEntry, StoreError};
use crate::core::submission::Phase;
use crate::core::upstream::Upstream;

/// Workers allow 1000 KV operations per invocation: the run is cut off there (counted, never
/// estimated), so it cannot fail for the platform's limit.
pub const KV_LIMIT: usize = 1000;

/// No new submission is taken once this many operations are spent: one submission of 100
/// receipts needs at most about 210 (a write per result it records, two per refund it blocks),
/// so most runs finish what they start, and what is left waits for the next run.
pub const KV_BUDGET: usize = 800;

/// No new submission is taken once a run has recorded this many results, nor once it has
/// examined [`EXAMINE_BUDGET`] submissions: the Workers Free plan stops an invocation after
/// 10 ms of CPU, and recording a result or examining a submission is most of a run's CPU
/// (docs/BENCHMARKS.md, "The Worker's own CPU"). What is left waits for the next run.
pub const FACT_BUDGET: usize = 100;

/// See [`FACT_BUDGET`]. Each minute's run starts further along the open submissions, so every
/// one is examined within `open / EXAMINE_BUDGET` minutes.
pub const EXAMINE_BUDGET: usize = 5;

/// Where in the `open` submissions (listing order) the run of `minute` (minutes since the Unix
/// epoch: the cron trigger's scheduled time) starts: each minute moves on by
/// [`EXAMINE_BUDGET`], so consecutive runs examine consecutive slices.
pub fn rotation_start(minute: i64, open: usize) -> usize {
    if open == 0 {
        return 0;
    }
    (minute.unsigned_abs().wrapping_mul(EXAMINE_BUDGET as u64) % open as u64) as usize
}

/// The minute (since the Unix epoch) a time falls in: the rotation's slot for a run at `now`.
pub fn minute_of(unix_millis: i64) -> i64 {
    unix_millis.div_euclid(60_000)
}

/// Submissions whose unsent events one run sends again (each costs about four KV operations).
pub const RESEND_PER_RUN: usize = 20;

impl<K: Kv, U: Upstream> Service<'_, K, U> {
    /// One cron run. Fails only when the open submissions cannot be listed; a failure with one
    /// submission is a [`Problem`] in the report and the run goes on with the next.
    pub async fn reconcile(&self, now: KstDateTime) -> Result<ReconcileReport, StoreError> {
        self.reconcile_slot(now, minute_of(now.unix_millis())).await
    }

    /// The same, the run's slice of the open submissions chosen by `minute` (the cron trigger's
    /// scheduled minute, which may differ from `now` when the business clock is POPBiLL's).
    pub async fn reconcile_slot(
        &self,
        now: KstDateTime,
        minute: i64,
    ) -> Result<ReconcileReport, StoreError> {
        let kv = CountingKv::new(self.kv, KV_LIMIT);
        let mut counted = Service::new(&kv, self.upstream, self.settings);
        counted.events = self.events;
        let mut report = ReconcileReport::default();
        // Events the queue once refused go out first: they are older than anything below.
        match counted.resend_unsent(RESEND_PER_RUN).await {
            Ok(resent) => {
                report.events_resent += resent.events;
                for (id, cause) in resent.left {
                    report.problem(Problem::new(&id, Step::Notify, cause));
                }
            }
            Err(e) => report.problem(Problem {
                submit_id: None,
                step: Step::Notify,
                cause: e.to_string(),
            }),
        }
        let mut open = counted
            .store()
            .open_submissions(KV_BUDGET, now.unix_millis())
            .await?;
        report.open = open.due.len() + open.not_due;
        report.held = open.not_due;
        let start = rotation_start(minute, open.due.len());
        open.due.rotate_left(start);
        for entry in open.due {
            if kv.used() >= KV_BUDGET
                || report.examined >= EXAMINE_BUDGET
                || report.facts_written >= FACT_BUDGET
            {
                report.deferred += 1;
                continue;
            }
            report.examined += 1;
            let result = match entry {
                Ok(entry) => counted.reconcile_one(&entry, now, &mut report).await,
                Err(e) => Err(Problem {
                    submit_id: None,
                    step: Step::List,
                    cause: e.to_string(),
                }),
            };
            if let Err(p) = result {
                report.problem(p);
            }
        }
        report.kv_ops = kv.used();
        Ok(report)
    }

    /// One open submission: read it, follow its plan, close it when every receipt is final.
    /// Upstream failures are recorded and the next step still runs; a storage failure ends this
    /// submission's turn.
    async fn reconcile_one(
        &self,
        entry: &OpenEntry,
        now: KstDateTime,
        report: &mut ReconcileReport,
    ) -> Result<(), Problem> {
        let id = &entry.submit_id;
        let store = self.store();
        let at = |step| move |e: StoreError| Problem::new(id, step, e);
        // The results first: when they cover every receipt and nothing is due (most submissions
        // wait a day for their filing results), the record is not read.
        let mut listed = None;
        if let (Some(n), Some(created_ms)) = (entry.receipts, entry.created_ms) {
            let facts = store.facts(id).await.map_err(at(Step::Read))?;
            // Closing reads the record (the completion is announced from it): once a submission.
            if settled(n, created_ms, &facts, now) == Some(Settled::Wait) {
                let outcome = store.outcome(id).await.map_err(at(Step::Read))?;
                // Results can arrive by webhook before the send's answer is stored: then the
                // record is read and the send resolved as usual.
                if outcome.is_some_and(|o| o.phase == Phase::Accepted) {
                    report.settled += 1;
                    return Ok(());
                }
            }
            listed = Some(facts);
        }
        // Not visible yet (KV is eventually consistent) or gone: the next run sees it.
        let Some(mut sub) = store.submission(id).await.map_err(at(Step::Read))? else {
            return Ok(());
        };
        let mut facts = match listed {
            Some(facts) => facts,
            None => store.facts(id).await.map_err(at(Step::Read))?,
        };
        let p = plan(&sub, &facts, now);

        if p.release {
            match self.release_held(&mut sub, &mut facts, now).await {
                Ok(Released::NotDue) => report.held += 1,
                Ok(Released::Waiting(originals)) => {
                    report.held += 1;
                    report.waiting_for_originals += originals.len();
                }
                Ok(Released::AllBlocked { blocked }) => report.refunds_blocked += blocked,
                Ok(Released::Sent { blocked, sent }) => {
                    report.refunds_blocked += blocked;
                    report.released += usize::from(sub.phase != Phase::Held);
                    if let SendOutcome::Pending(e) = &sent.outcome {
                        report.problem(Problem::new(id, Step::Send, e));
                    }
                    if let Some(e) = sent.unsaved {
                        report.problem(Problem::new(id, Step::Record, e));
                    }
                }
                Err(e) => return Err(Problem::new(id, Step::Release, e)),
            }
        }

        if p.resolve_send {
            let sent = self.drive_send(&mut sub, true).await;
            report.sends_resolved += usize::from(sub.phase != Phase::Sending);
            if let SendOutcome::Pending(e) = &sent.outcome {
                report.problem(Problem::new(id, Step::Send, e));
            }
            if let Some(e) = sent.unsaved {
                report.problem(Problem::new(id, Step::Record, e));
            }
            if let Some(e) = sent.unnotified {
                report.problem(Problem::new(id, Step::Notify, e));
            }
        }

        let just_sent = p.resolve_send || p.release;
        if p.poll_bulk || (just_sent && sub.phase == Phase::Accepted) {
            report.bulk_polls += 1;
            match self.poll_bulk(&sub, &facts).await {
                Ok(n) => report.facts_written += n,
                Err(PollError::Upstream(e)) => {
                    report.problem(Problem::new(id, Step::GetBulkResult, e))
                }
                Err(PollError::Store(e)) => return Err(Problem::new(id, Step::Record, e)),
            }
            facts = store.facts(id).await.map_err(at(Step::Read))?;
        }

        if !p.filing_due.is_empty() {
            report.info_polls += 1;
            match self.poll_filings(&sub, &p.filing_due, &mut facts).await {
                Ok(n) => report.facts_written += n,
                Err(PollError::Upstream(e)) => report.problem(Problem::new(id, Step::GetInfos, e)),
                Err(PollError::Store(e)) => return Err(Problem::new(id, Step::Record, e)),
            }
        }

        if plan(&sub, &facts, now).close {
            // Announced before the marker goes: if it cannot be, the next run tries again.
            if sub.phase == Phase::Accepted {
                self.notify_completed(&sub, &facts)
                    .await
                    .map_err(at(Step::Notify))?;
            }
            store.close(id).await.map_err(at(Step::Close))?;
            report.closed += 1;
        }
        Ok(())
    }
}
