//! The cron's release of held refunds: a group whose due time has come is sent as soon as every
//! original it refunds has its filing result on record. A refund of an original that failed
//! filing is recorded as blocked (`original_filing_failed`) and never sent; the rest go in one
//! BulkSubmit, through the same exactly-once send as any submission.

use std::collections::BTreeMap;

use popbill::{KstDateTime, MgtKey};

use super::Service;
use super::send::Sent;
use crate::core::keys::FactKind;
use crate::core::kv::Kv;
use crate::core::refund::{Release, release};
use crate::core::status::ReceiptFacts;
use crate::core::store::{Recorded, StoreError};
use crate::core::submission::{Phase, Submission};
use crate::core::upstream::Upstream;

/// What releasing a held group did.
#[derive(Debug)]
pub(super) enum Released {
    NotDue,
    /// Due, but these originals' filing results are not on record yet.
    Waiting(Vec<MgtKey>),
    /// Every refund of the group is blocked: nothing to send.
    AllBlocked {
        blocked: usize,
    },
    /// The rest were sent (or their send is left unresolved: the next run asks again).
    Sent {
        blocked: usize,
        sent: Sent,
    },
}

impl<K: Kv, U: Upstream> Service<'_, K, U> {
    /// Release `sub` (phase `held`) at `now` if its originals allow; `facts` are its receipts'
    /// facts, to which blocked ones are added. On a send POPBiLL answered, `sub` takes the new
    /// phase.
    pub(super) async fn release_held(
        &self,
        sub: &mut Submission,
        facts: &mut BTreeMap<MgtKey, ReceiptFacts>,
        now: KstDateTime,
    ) -> Result<Released, StoreError> {
        let store = self.store();
        let Some(group) = sub.refund.clone() else {
            return Err(StoreError::Corrupt {
                key: crate::core::keys::submission(&sub.submit_id),
                cause: "held, but not a refund".into(),
            });
        };
        let originals: Vec<_> = group
            .originals
            .iter()
            .map(|o| (o.org_submit_id.clone(), o.org_mgt_key.clone()))
            .collect();
        let filings: BTreeMap<MgtKey, _> = match originals.is_empty() {
            true => BTreeMap::new(),
            false => group
                .originals
                .iter()
                .zip(store.facts_of(&originals).await?)
                .filter_map(|(o, f)| Some((o.mgt_key.clone(), f.filing?)))
                .collect(),
        };
        let blocked = match release(&group, &filings, now) {
            Release::NotDue => return Ok(Released::NotDue),
            Release::Waiting(originals) => return Ok(Released::Waiting(originals)),
            Release::Go(blocked) => blocked,
        };
        let mut written = Vec::new();
        for (key, fact) in blocked {
            if facts.get(&key).is_some_and(|f| f.blocked.is_some()) {
                continue;
            }
            if store.record_blocked(&sub.submit_id, &key, &fact).await? == Recorded::Written {
                written.push((key.clone(), FactKind::Blocked));
            }
            facts.entry(key).or_default().blocked = Some(fact);
        }
        self.notify_recorded(sub, facts, &written).await?;
        let written = written.len();
        let sendable = sub
            .cashbills
            .select(|k| facts.get(k).is_none_or(|f| f.blocked.is_none()));
        let Some(cashbills) = sendable else {
            return Ok(Released::AllBlocked { blocked: written });
        };
        let mut sending = Submission {
            phase: Phase::Sending,
            cashbills,
            ..sub.clone()
        };
        // Always ask first: an earlier run may have sent this group and lost the answer.
        let sent = self.drive_send(&mut sending, true).await;
        if sending.phase != Phase::Sending {
            sub.apply(sending.outcome());
        }
        Ok(Released::Sent {
            blocked: written,
            sent,
        })
    }
}
