//! What is stored of a refund request: `refund:{refundID}` ([`RefundRecord`]), and, inside each
//! BulkSubmit its cancellations go out in (`sub:{submitID}`), the link back to it
//! ([`RefundGroup`]).
//!
//! A request's refunds are grouped by when they can be sent: those whose originals are already
//! filed go out at once (one group, sent by the request itself); the others wait, one group per
//! due time (11:00 KST the day after the original's issuance), as `sub:` records in phase `held`
//! until the cron releases them. Each group is an ordinary submission from then on.

use popbill::{CorpNum, KstDateTime, MgtKey, SubmitId};
use serde::{Deserialize, Serialize};

use super::id::RefundId;
use crate::core::cashbills::CheckedCashbills;
use crate::core::submission::{Phase, Submission, content_hash};

/// A refund of an original issued through this Worker: where its original is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginalLink {
    /// The cancellation receipt's mgtKey.
    #[serde(rename = "mgtKey")]
    pub mgt_key: MgtKey,
    #[serde(rename = "orgMgtKey")]
    pub org_mgt_key: MgtKey,
    /// The submission the original was issued in (its facts live there).
    #[serde(rename = "orgSubmitID")]
    pub org_submit_id: SubmitId,
}

/// In a `sub:` record of cancellation receipts: which refund request they belong to, when the
/// group may be sent, and the originals to check before it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundGroup {
    #[serde(rename = "refundID")]
    pub refund_id: RefundId,
    /// `Some`: held (phase `held`) until then, and until every original below has its filing
    /// result on record; `None`: sent at once.
    #[serde(rename = "dueMs", default, skip_serializing_if = "Option::is_none")]
    pub due_ms: Option<i64>,
    /// Refunds of originals issued here (refunds of originals issued elsewhere have none).
    #[serde(default)]
    pub originals: Vec<OriginalLink>,
}

impl RefundGroup {
    pub fn original_of(&self, mgt_key: &MgtKey) -> Option<&OriginalLink> {
        self.originals.iter().find(|o| &o.mgt_key == mgt_key)
    }

    pub fn due(&self) -> Option<KstDateTime> {
        self.due_ms.map(KstDateTime::from_unix_millis)
    }
}

/// One refund of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundEntry {
    #[serde(rename = "mgtKey")]
    pub mgt_key: MgtKey,
    /// Index into [`RefundRecord::groups`].
    pub group: usize,
    /// `None` for an original issued elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<OriginalLink>,
}

/// One BulkSubmit of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRecord {
    #[serde(rename = "submitID")]
    pub submit_id: SubmitId,
    #[serde(rename = "dueMs", default, skip_serializing_if = "Option::is_none")]
    pub due_ms: Option<i64>,
}

/// `refund:{refundID}`: the request as taken, written once. Its cancellation receipts are kept
/// here too (checked, as sent), so every group's `sub:` record can be made again from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRecord {
    #[serde(rename = "refundID")]
    pub refund_id: RefundId,
    #[serde(rename = "corpNum")]
    pub corp_num: CorpNum,
    #[serde(rename = "contentHash")]
    pub content_hash: String,
    #[serde(rename = "createdMs")]
    pub created_ms: i64,
    pub groups: Vec<GroupRecord>,
    pub refunds: Vec<RefundEntry>,
    /// The cancellation receipts, in the request's order.
    pub cashbills: CheckedCashbills,
}

impl RefundRecord {
    /// Group `g` as the submission it is sent as: the same every time it is made.
    pub fn group_submission(&self, g: usize) -> Submission {
        let group = &self.groups[g];
        let cashbills = self
            .cashbills
            .select(|k| self.entry(k).is_some_and(|e| e.group == g))
            .expect("every group of a record holds at least one refund");
        Submission {
            submit_id: group.submit_id.clone(),
            corp_num: self.corp_num.clone(),
            content_hash: content_hash(&self.corp_num, cashbills.as_slice()),
            created_ms: self.created_ms,
            phase: match group.due_ms {
                Some(_) => Phase::Held,
                None => Phase::Sending,
            },
            receipt_id: None,
            rejection: None,
            refund: Some(RefundGroup {
                refund_id: self.refund_id.clone(),
                due_ms: group.due_ms,
                originals: self
                    .refunds
                    .iter()
                    .filter(|e| e.group == g)
                    .filter_map(|e| e.original.clone())
                    .collect(),
            }),
            cashbills,
        }
    }

    pub fn entry(&self, mgt_key: &MgtKey) -> Option<&RefundEntry> {
        self.refunds.iter().find(|e| &e.mgt_key == mgt_key)
    }
}
