//! Reading refunds: `GET /v1/refunds/{refundID}`, and an original's refunds with their statuses
//! (its running totals, for intake and for `GET /v1/cashbills/{mgtKey}`).

use std::collections::{BTreeMap, BTreeSet};

use popbill::{CorpNum, MgtKey, SubmitId};

use super::Service;
use crate::core::api::MerchantError;
use crate::core::kv::Kv;
use crate::core::refund::{IndexedRefund, RefundId, RefundView, refund_view};
use crate::core::status::{ReceiptStatus, derive_status};
use crate::core::store::StoreError;
use crate::core::submission::{Phase, Submission};
use crate::core::upstream::Upstream;

impl<K: Kv, U: Upstream> Service<'_, K, U> {
    /// One bulk read of the groups' answers from POPBiLL, then one `list` of facts per group.
    pub async fn refund(&self, refund_id: &str) -> Result<RefundView, MerchantError> {
        let id = RefundId::parse(refund_id).map_err(|_| MerchantError::NotFound("refund"))?;
        let store = self.store();
        let record = store
            .refund(&id)
            .await?
            .ok_or(MerchantError::NotFound("refund"))?;
        let ids: Vec<SubmitId> = record.groups.iter().map(|g| g.submit_id.clone()).collect();
        let outcomes = store.outcomes(&ids).await?;
        let groups: Vec<Submission> = outcomes
            .into_iter()
            .enumerate()
            .map(|(g, outcome)| {
                let mut sub = record.group_submission(g);
                if let Some(o) = outcome {
                    sub.apply(o);
                }
                sub
            })
            .collect();
        let mut facts = BTreeMap::new();
        for id in &ids {
            facts.extend(store.facts(id).await?);
        }
        Ok(refund_view(&record, &groups, &facts))
    }

    /// The refunds on record of each of `originals`, with their statuses, in order: one `list`
    /// per original, then one bulk read of their facts and one of their groups' answers.
    pub(super) async fn refunds_with_status(
        &self,
        corp: &CorpNum,
        originals: &[MgtKey],
    ) -> Result<Vec<Vec<(IndexedRefund, ReceiptStatus)>>, StoreError> {
        let store = self.store();
        let mut listed = Vec::with_capacity(originals.len());
        for org in originals {
            listed.push(store.refunds_of(corp, org).await?);
        }
        let receipts: Vec<(SubmitId, MgtKey)> = listed
            .iter()
            .flatten()
            .filter_map(|r| Some((r.submit_id.clone(), r.mgt_key.clone()?)))
            .collect();
        if receipts.is_empty() {
            // No original has a refund: nothing more to read.
            return Ok(listed.into_iter().map(|_| Vec::new()).collect());
        }
        let facts = store.facts_of(&receipts).await?;
        let facts: BTreeMap<(SubmitId, MgtKey), _> = receipts.into_iter().zip(facts).collect();
        let groups: Vec<SubmitId> = facts
            .keys()
            .map(|(s, _)| s.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let phases: BTreeMap<SubmitId, Phase> = groups
            .iter()
            .cloned()
            .zip(store.outcomes(&groups).await?)
            .filter_map(|(id, o)| Some((id, o?.phase)))
            .collect();
        Ok(listed
            .into_iter()
            .map(|refunds| {
                refunds
                    .into_iter()
                    .filter_map(|r| {
                        let f = facts.get(&(r.submit_id.clone(), r.mgt_key.clone()?))?;
                        let phase = match (phases.get(&r.submit_id), r.held) {
                            (Some(p), _) => *p,
                            (None, true) => Phase::Held,
                            (None, false) => Phase::Sending,
                        };
                        let status = derive_status(f, phase);
                        Some((r, status))
                    })
                    .collect()
            })
            .collect())
    }
}
