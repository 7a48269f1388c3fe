//! Polling: the short poll after a submission and the cron reconcile. Together they bring every
//! receipt to a final state when webhooks are late, duplicated, reordered or lost.

use std::collections::BTreeMap;

use popbill::wire::TxState;
use popbill::{KstDateTime, MgtKey, SubmitId};

use super::Service;
use crate::core::facts::{FilingFact, IssueFact};
use crate::core::kv::Kv;
use crate::core::reconcile::plan;
use crate::core::status::ReceiptFacts;
use crate::core::store::{Recorded, StoreError};
use crate::core::submission::{Phase, Submission};
use crate::core::upstream::Upstream;

/// Workers allow 1000 KV operations per invocation; reconcile stops taking new submissions when
/// its estimate passes this, leaving the rest to the next cron run.
pub const KV_BUDGET: usize = 800;

/// One step of the post-submit poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollOutcome {
    /// Every receipt has its issuance result on record.
    Done,
    /// POPBiLL is still processing (txState 0 or 1), or could not be asked.
    Pending,
}

/// What one reconcile run did (logged by the shell, asserted by tests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    pub open: usize,
    pub examined: usize,
    pub sends_resolved: usize,
    pub bulk_polls: usize,
    pub info_polls: usize,
    pub facts_written: usize,
    pub closed: usize,
    pub errors: usize,
    /// More open submissions remain than this run's KV budget allowed.
    pub deferred: usize,
}

impl<K: Kv, U: Upstream> Service<'_, K, U> {
    /// One GetBulkResult for a just-accepted submission; stores issuance results at txState 2.
    pub async fn poll_submission(&self, submit_id: &SubmitId) -> Result<PollOutcome, StoreError> {
        let store = self.store();
        let Some(sub) = store.submission(submit_id).await? else {
            return Ok(PollOutcome::Pending);
        };
        if sub.phase != Phase::Accepted {
            return Ok(PollOutcome::Pending);
        }
        let known = |facts: &BTreeMap<MgtKey, ReceiptFacts>| {
            sub.mgt_keys().all(|k| {
                facts
                    .get(k)
                    .is_some_and(|f| f.issue.is_some() || f.filing.is_some())
            })
        };
        let facts = store.facts(submit_id).await?;
        // Webhooks may have brought every result already: then POPBiLL need not be asked.
        if known(&facts) {
            return Ok(PollOutcome::Done);
        }
        let mut report = ReconcileReport::default();
        self.poll_bulk(&sub, &facts, &mut report).await?;
        let done = known(&store.facts(submit_id).await?);
        Ok(if done {
            PollOutcome::Done
        } else {
            PollOutcome::Pending
        })
    }

    /// The cron: every open submission gets what its plan asks for, within the KV budget.
    pub async fn reconcile(&self, now: KstDateTime) -> Result<ReconcileReport, StoreError> {
        let store = self.store();
        let mut report = ReconcileReport::default();
        let open = store.open_submissions(KV_BUDGET).await?;
        report.open = open.len();
        let mut spent = 1usize;
        for submit_id in open {
            if spent >= KV_BUDGET {
                report.deferred += 1;
                continue;
            }
            let Ok(submit_id) = submit_id else {
                report.errors += 1;
                continue;
            };
            report.examined += 1;
            let Some(mut sub) = store.submission(&submit_id).await? else {
                // Not visible yet (eventual consistency) or gone: the next run sees it.
                spent += 1;
                continue;
            };
            let mut facts = store.facts(&submit_id).await?;
            spent += 2;
            let p = plan(&sub, &facts, now);
            if p.resolve_send {
                self.drive_send(&mut sub, true).await;
                report.sends_resolved += usize::from(sub.phase != Phase::Sending);
                spent += 2;
            }
            if p.poll_bulk || (p.resolve_send && sub.phase == Phase::Accepted) {
                match self.poll_bulk(&sub, &facts, &mut report).await {
                    Ok(()) => {}
                    Err(_) => report.errors += 1,
                }
                facts = store.facts(&submit_id).await?;
                spent += 2 + sub.cashbills.len();
            }
            if !p.filing_due.is_empty() {
                report.info_polls += 1;
                match self.upstream.get_infos(&sub.corp_num, &p.filing_due).await {
                    Ok(infos) => {
                        for info in infos {
                            let key = info.mgt_key.as_deref().and_then(|k| sub.cashbills.get(k));
                            let (Some((key, _)), Some(fact)) = (key, FilingFact::from_info(&info))
                            else {
                                continue;
                            };
                            if store.record_filing(&submit_id, key, &fact).await?
                                == Recorded::Written
                            {
                                report.facts_written += 1;
                            }
                            facts.entry(key.clone()).or_default().filing = Some(fact);
                            spent += 2;
                        }
                    }
                    Err(_) => report.errors += 1,
                }
            }
            if plan(&sub, &facts, now).close {
                store.close(&submit_id).await?;
                report.closed += 1;
                spent += 1;
            }
        }
        Ok(report)
    }

    /// GetBulkResult once; at txState 2, store every issuance result not yet on record.
    async fn poll_bulk(
        &self,
        sub: &Submission,
        facts: &BTreeMap<MgtKey, ReceiptFacts>,
        report: &mut ReconcileReport,
    ) -> Result<(), StoreError> {
        report.bulk_polls += 1;
        let Ok(result) = self
            .upstream
            .get_bulk_result(&sub.corp_num, &sub.submit_id)
            .await
        else {
            report.errors += 1;
            return Ok(());
        };
        if result.state() != Some(TxState::Completed) {
            return Ok(());
        }
        let store = self.store();
        for item in &result.issue_result {
            // A result for a receipt this submission does not hold is not ours to record.
            let Some((key, _)) = item.mgt_key.as_deref().and_then(|k| sub.cashbills.get(k)) else {
                continue;
            };
            if facts.get(key).is_some_and(|f| f.issue.is_some()) {
                continue;
            }
            let Some(fact) = IssueFact::from_bulk_result(item) else {
                continue;
            };
            if store.record_issue(&sub.submit_id, key, &fact).await? == Recorded::Written {
                report.facts_written += 1;
            }
        }
        Ok(())
    }
}
