//! What one reconcile run did, and why anything failed: logged by the shell as one line, asserted
//! by tests.

use std::fmt;

use popbill::SubmitId;

/// The step of a reconcile run that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Listing open submissions, or one open marker that names no valid submission.
    List,
    /// Reading a submission or its facts.
    Read,
    /// Releasing held refunds: reading their originals' filing results, recording the blocked.
    Release,
    /// Resolving an unfinished BulkSubmit (GetBulkResult, then a send if POPBiLL lacks it).
    Send,
    GetBulkResult,
    GetInfos,
    /// Writing what POPBiLL answered.
    Record,
    /// Removing the open marker of a finished submission.
    Close,
    /// Queueing the merchant's events (or re-sending those the queue once refused).
    Notify,
}

/// One failure, with its cause; the next run tries again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `None` when the failure is not about one submission (a corrupt open marker).
    pub submit_id: Option<SubmitId>,
    pub step: Step,
    pub cause: String,
}

impl Problem {
    pub fn new(submit_id: &SubmitId, step: Step, cause: impl fmt::Display) -> Self {
        Problem {
            submit_id: Some(submit_id.clone()),
            step,
            cause: cause.to_string(),
        }
    }
}

/// At most this many problems are kept (with a count of the rest), so the log line stays short.
pub const MAX_PROBLEMS: usize = 20;

/// What one reconcile run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    pub open: usize,
    /// Held refund groups not yet sendable (before their due time, or waiting for their
    /// originals' filing results).
    pub held: usize,
    /// Originals whose filing result held refunds wait for (due, not yet on record).
    pub waiting_for_originals: usize,
    /// Held refund groups sent (POPBiLL answered).
    pub released: usize,
    /// Refunds recorded as never to be sent (their original's filing failed).
    pub refunds_blocked: usize,
    pub examined: usize,
    /// Examined from their results alone (nothing to ask POPBiLL yet), without reading the
    /// record.
    pub settled: usize,
    pub sends_resolved: usize,
    pub bulk_polls: usize,
    pub info_polls: usize,
    pub facts_written: usize,
    pub closed: usize,
    /// Events the queue once refused, sent again this run.
    pub events_resent: usize,
    /// Open submissions left for the next run: one of this run's budgets (KV operations,
    /// examined submissions, recorded results) was spent.
    pub deferred: usize,
    /// KV operations this run was charged (counted, as Workers counts them).
    pub kv_ops: usize,
    /// The first [`MAX_PROBLEMS`] failures with their causes.
    pub problems: Vec<Problem>,
    /// Failures beyond those kept.
    pub more_problems: usize,
}

impl ReconcileReport {
    pub fn problem(&mut self, p: Problem) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        } else {
            self.more_problems += 1;
        }
    }

    /// Every failure, kept or only counted.
    pub fn failures(&self) -> usize {
        self.problems.len() + self.more_problems
    }
}

impl fmt::Display for ReconcileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "open {}, examined {} ({} from their results alone), deferred {}, held {} (waiting \
             for {} originals' filing), released {}, refunds blocked {}, sends resolved {}, \
             GetBulkResult {}, GetInfos {}, facts written {}, closed {}, events re-sent {}, \
             KV operations {}",
            self.open,
            self.examined,
            self.settled,
            self.deferred,
            self.held,
            self.waiting_for_originals,
            self.released,
            self.refunds_blocked,
            self.sends_resolved,
            self.bulk_polls,
            self.info_polls,
            self.facts_written,
            self.closed,
            self.events_resent,
            self.kv_ops
        )?;
        if self.failures() > 0 {
            write!(f, "; {} failure(s):", self.failures())?;
            for p in &self.problems {
                let id = p.submit_id.as_ref().map_or("-", |s| s.as_str());
                write!(f, " [{id} {:?}: {}]", p.step, p.cause)?;
            }
            if self.more_problems > 0 {
                write!(f, " and {} more", self.more_problems)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_line_says_why_and_stays_bounded() {
        let mut r = ReconcileReport {
            open: 1,
            ..Default::default()
        };
        assert!(!r.to_string().contains("failure"));
        let id = SubmitId::parse("S-1").unwrap();
        for _ in 0..MAX_PROBLEMS + 3 {
            r.problem(Problem::new(
                &id,
                Step::GetBulkResult,
                "POPBiLL call failed (timeout)",
            ));
        }
        let line = r.to_string();
        assert!(line.contains("23 failure(s)"), "{line}");
        assert!(
            line.contains("[S-1 GetBulkResult: POPBiLL call failed (timeout)]"),
            "{line}"
        );
        assert!(line.ends_with("and 3 more"), "{line}");
        assert_eq!(r.problems.len(), MAX_PROBLEMS);
    }
}
