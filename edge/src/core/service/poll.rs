//! Asking POPBiLL for what webhooks should have brought, and recording it: GetBulkResult for
//! issuance results, GetInfos for filing results. The short poll after a submission is here too.

use std::collections::BTreeMap;

use popbill::wire::TxState;
use popbill::{MgtKey, SubmitId};

use super::Service;
use crate::core::facts::{FilingFact, IssueFact};
use crate::core::keys::FactKind;
use crate::core::kv::Kv;
use crate::core::status::ReceiptFacts;
use crate::core::store::{Recorded, StoreError};
use crate::core::submission::{Phase, Submission};
use crate::core::upstream::{Upstream, UpstreamError};

/// One step of the post-submit poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollOutcome {
    /// Every receipt has its issuance result on record.
    Done,
    /// POPBiLL is still processing (txState 0 or 1), or could not be asked.
    Pending,
}

/// Why a poll stopped: POPBiLL could not be asked, or what it said could not be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    #[error(transparent)]
    Store(#[from] StoreError),
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
        match self.poll_bulk(&sub, &facts).await {
            // POPBiLL could not be asked: the next round (or the cron) asks again.
            Ok(_) | Err(PollError::Upstream(_)) => {}
            Err(PollError::Store(e)) => return Err(e),
        }
        let done = known(&store.facts(submit_id).await?);
        Ok(if done {
            PollOutcome::Done
        } else {
            PollOutcome::Pending
        })
    }

    /// GetBulkResult once; at txState 2, store every issuance result not yet on record. Returns
    /// how many facts were written.
    pub(super) async fn poll_bulk(
        &self,
        sub: &Submission,
        facts: &BTreeMap<MgtKey, ReceiptFacts>,
    ) -> Result<usize, PollError> {
        let result = self
            .upstream
            .get_bulk_result(&sub.corp_num, &sub.submit_id)
            .await?;
        if result.state() != Some(TxState::Completed) {
            return Ok(0);
        }
        let store = self.store();
        let mut known = facts.clone();
        let mut written = Vec::new();
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
            let recorded = store.record_listed_absent_issue(&sub.submit_id, key, &fact);
            if recorded.await? == Recorded::Written {
                written.push((key.clone(), FactKind::Issue));
                known.entry(key.clone()).or_default().issue = Some(fact);
            }
        }
        self.notify_recorded(sub, &known, &written).await?;
        Ok(written.len())
    }

    /// GetInfos for `due` receipts; store every final filing result (and add it to `facts`).
    /// Returns how many facts were written.
    pub(super) async fn poll_filings(
        &self,
        sub: &Submission,
        due: &[MgtKey],
        facts: &mut BTreeMap<MgtKey, ReceiptFacts>,
    ) -> Result<usize, PollError> {
        let infos = self.upstream.get_infos(&sub.corp_num, due).await?;
        let store = self.store();
        let mut written = Vec::new();
        for info in infos {
            let key = info.mgt_key.as_deref().and_then(|k| sub.cashbills.get(k));
            let (Some((key, _)), Some(fact)) = (key, FilingFact::from_info(&info)) else {
                continue;
            };
            let listed = facts.entry(key.clone()).or_default();
            if listed.filing.is_some() {
                continue;
            }
            let recorded = store.record_listed_absent_filing(&sub.submit_id, key, &fact);
            if recorded.await? == Recorded::Written {
                written.push((key.clone(), FactKind::Filing));
            }
            listed.filing = Some(fact);
        }
        self.notify_recorded(sub, facts, &written).await?;
        Ok(written.len())
    }
}
