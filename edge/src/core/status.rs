//! Where each receipt stands, derived from the facts on record. Derivation is monotonic: a
//! receipt's status only moves forward (submitted → issued → filed / filing_failed, or
//! submitted → issue_failed), whatever order the facts arrived in. A cancellation receipt
//! (a refund) may start earlier, `scheduled` while it is held, and may end
//! `original_filing_failed` without ever being sent.

use std::collections::BTreeMap;

use popbill::privacy::mask_identity;
use popbill::wire::Cashbill;
use popbill::{CorpNum, MgtKey, SubmitId};
use serde::Serialize;

use super::facts::{FilingFact, IssueFact, STATE_FILED};
use super::refund::{BlockedFact, CancellationInfo, OriginalRefunds};
use super::submission::{Phase, Submission};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    /// A refund held until POPBiLL can take it (its original's filing result is on record).
    Scheduled,
    Submitted,
    Issued,
    IssueFailed,
    Filed,
    FilingFailed,
    /// A refund never sent: its original's filing failed (305), so POPBiLL would refuse it.
    OriginalFilingFailed,
}

impl ReceiptStatus {
    /// Every status, a refund's included.
    pub const ALL: [ReceiptStatus; 7] = [
        ReceiptStatus::Scheduled,
        ReceiptStatus::Submitted,
        ReceiptStatus::Issued,
        ReceiptStatus::IssueFailed,
        ReceiptStatus::Filed,
        ReceiptStatus::FilingFailed,
        ReceiptStatus::OriginalFilingFailed,
    ];

    /// The statuses an ordinary receipt (승인거래) can have.
    pub const APPROVAL: [ReceiptStatus; 5] = [
        ReceiptStatus::Submitted,
        ReceiptStatus::Issued,
        ReceiptStatus::IssueFailed,
        ReceiptStatus::Filed,
        ReceiptStatus::FilingFailed,
    ];

    pub fn is_final(self) -> bool {
        matches!(
            self,
            ReceiptStatus::IssueFailed
                | ReceiptStatus::Filed
                | ReceiptStatus::FilingFailed
                | ReceiptStatus::OriginalFilingFailed
        )
    }

    /// Final, and not a refund of the original any more (what it asked is left of the
    /// original again).
    pub fn is_failed(self) -> bool {
        matches!(
            self,
            ReceiptStatus::IssueFailed | ReceiptStatus::OriginalFilingFailed
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptStatus::Scheduled => "scheduled",
            ReceiptStatus::Submitted => "submitted",
            ReceiptStatus::Issued => "issued",
            ReceiptStatus::IssueFailed => "issue_failed",
            ReceiptStatus::Filed => "filed",
            ReceiptStatus::FilingFailed => "filing_failed",
            ReceiptStatus::OriginalFilingFailed => "original_filing_failed",
        }
    }
}

/// The facts on record for one receipt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceiptFacts {
    pub issue: Option<IssueFact>,
    pub filing: Option<FilingFact>,
    /// A held refund that will never be sent.
    pub blocked: Option<BlockedFact>,
}

/// The status the facts prove. A filing result implies issuance even when the issuance report
/// has not arrived (NTS before BULKRESULT); a refused submission fails every receipt; a held
/// refund is `scheduled` until it is sent, unless it is blocked.
pub fn derive_status(facts: &ReceiptFacts, phase: Phase) -> ReceiptStatus {
    if facts.blocked.is_some() {
        return ReceiptStatus::OriginalFilingFailed;
    }
    match (&facts.filing, &facts.issue) {
        (Some(f), _) if f.state_code == STATE_FILED => ReceiptStatus::Filed,
        (Some(_), _) => ReceiptStatus::FilingFailed,
        (None, Some(i)) if i.issued() => ReceiptStatus::Issued,
        (None, Some(_)) => ReceiptStatus::IssueFailed,
        (None, None) if phase == Phase::Rejected => ReceiptStatus::IssueFailed,
        (None, None) if phase == Phase::Held => ReceiptStatus::Scheduled,
        (None, None) => ReceiptStatus::Submitted,
    }
}

/// One receipt as the merchant API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptView {
    #[serde(rename = "mgtKey")]
    pub mgt_key: MgtKey,
    #[serde(rename = "submitID")]
    pub submit_id: SubmitId,
    pub status: ReceiptStatus,
    #[serde(rename = "confirmNum", skip_serializing_if = "Option::is_none")]
    pub confirm_num: Option<String>,
    #[serde(rename = "issueCode", skip_serializing_if = "Option::is_none")]
    pub issue_code: Option<i64>,
    #[serde(rename = "issueMessage", skip_serializing_if = "Option::is_none")]
    pub issue_message: Option<String>,
    #[serde(rename = "issueDT", skip_serializing_if = "Option::is_none")]
    pub issue_dt: Option<String>,
    #[serde(rename = "stateCode", skip_serializing_if = "Option::is_none")]
    pub state_code: Option<i64>,
    #[serde(rename = "ntsResultCode", skip_serializing_if = "Option::is_none")]
    pub nts_result_code: Option<String>,
    #[serde(rename = "ntsResultMessage", skip_serializing_if = "Option::is_none")]
    pub nts_result_message: Option<String>,
    #[serde(rename = "ntsSendDT", skip_serializing_if = "Option::is_none")]
    pub nts_send_dt: Option<String>,
    #[serde(rename = "ntsResultDT", skip_serializing_if = "Option::is_none")]
    pub nts_result_dt: Option<String>,
    #[serde(rename = "totalAmount", skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<String>,
    #[serde(rename = "tradeDT", skip_serializing_if = "Option::is_none")]
    pub trade_dt: Option<String>,
    /// Masked: only the last four digits are shown.
    #[serde(rename = "identityNum", skip_serializing_if = "Option::is_none")]
    pub identity_num: Option<String>,
    /// A cancellation receipt's refund: its request, its original, its amounts.
    #[serde(flatten)]
    pub cancellation: Option<CancellationInfo>,
    /// An original's refunds (on `GET /v1/cashbills/{mgtKey}` of a 승인거래).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refunds: Option<OriginalRefunds>,
}

pub fn receipt_view(
    sub: &Submission,
    mgt_key: &MgtKey,
    cashbill: &Cashbill,
    facts: &ReceiptFacts,
) -> ReceiptView {
    let status = derive_status(facts, sub.phase);
    let (issue_code, issue_message) = match (&facts.issue, &sub.rejection) {
        (Some(i), _) => (Some(i.code), i.message.clone()),
        (None, Some(r)) if sub.phase == Phase::Rejected => (Some(r.code), Some(r.message.clone())),
        _ => (None, None),
    };
    let issue = facts.issue.as_ref();
    let filing = facts.filing.as_ref();
    ReceiptView {
        mgt_key: mgt_key.clone(),
        submit_id: sub.submit_id.clone(),
        status,
        confirm_num: issue
            .and_then(|i| i.confirm_num.clone())
            .or_else(|| filing.and_then(|f| f.confirm_num.clone())),
        issue_code,
        issue_message,
        issue_dt: issue
            .and_then(|i| i.issue_dt.clone())
            .or_else(|| filing.and_then(|f| f.issue_dt.clone())),
        state_code: filing
            .map(|f| f.state_code)
            .or(issue.filter(|i| i.issued()).map(|_| 300)),
        nts_result_code: filing.and_then(|f| f.nts_result_code.clone()),
        nts_result_message: filing.and_then(|f| f.nts_result_message.clone()),
        nts_send_dt: filing.and_then(|f| f.nts_send_dt.clone()),
        nts_result_dt: filing.and_then(|f| f.nts_result_dt.clone()),
        total_amount: cashbill.total_amount.clone(),
        trade_dt: cashbill.trade_dt.clone(),
        identity_num: cashbill.identity_num.as_deref().map(mask_identity),
        cancellation: sub
            .refund
            .as_ref()
            .map(|group| CancellationInfo::of(group, mgt_key, cashbill, status, facts)),
        refunds: None,
    }
}

/// A submission as the merchant API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmissionView {
    #[serde(rename = "submitID")]
    pub submit_id: SubmitId,
    #[serde(rename = "corpNum")]
    pub corp_num: CorpNum,
    #[serde(rename = "receiptID", skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    /// `pending` (not yet accepted by POPBiLL), `accepted`, `rejected`, or `completed` (every
    /// receipt final); `scheduled` for refunds held until POPBiLL can take them.
    pub state: &'static str,
    #[serde(rename = "createdMs")]
    pub created_ms: i64,
    pub total: usize,
    pub counts: BTreeMap<&'static str, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection: Option<super::submission::Rejection>,
    pub cashbills: Vec<ReceiptView>,
}

pub fn submission_view(sub: &Submission, facts: &BTreeMap<MgtKey, ReceiptFacts>) -> SubmissionView {
    let empty = ReceiptFacts::default();
    let cashbills: Vec<ReceiptView> = sub
        .cashbills
        .iter()
        .map(|(key, c)| receipt_view(sub, key, c, facts.get(key).unwrap_or(&empty)))
        .collect();
    let statuses: &[ReceiptStatus] = match sub.refund {
        Some(_) => &ReceiptStatus::ALL,
        None => &ReceiptStatus::APPROVAL,
    };
    let mut counts: BTreeMap<&'static str, usize> =
        statuses.iter().map(|s| (s.as_str(), 0)).collect();
    for r in &cashbills {
        *counts.entry(r.status.as_str()).or_default() += 1;
    }
    let all_final = cashbills.iter().all(|r| r.status.is_final());
    let state = match sub.phase {
        Phase::Rejected => "rejected",
        Phase::Held if all_final => "completed",
        Phase::Held => "scheduled",
        Phase::Sending => "pending",
        Phase::Accepted if all_final => "completed",
        Phase::Accepted => "accepted",
    };
    SubmissionView {
        submit_id: sub.submit_id.clone(),
        corp_num: sub.corp_num.clone(),
        receipt_id: sub.receipt_id.clone(),
        state,
        created_ms: sub.created_ms,
        total: cashbills.len(),
        counts,
        rejection: sub.rejection.clone(),
        cashbills,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::filing;

    fn issue(code: i64) -> IssueFact {
        crate::core::fixtures::issue(code, None)
    }

    #[test]
    fn status_follows_the_facts_whatever_their_order() {
        use ReceiptStatus::*;
        let cases = [
            (None, None, Phase::Accepted, Submitted, "nothing known yet"),
            (None, None, Phase::Sending, Submitted, "not yet accepted"),
            (
                None,
                None,
                Phase::Rejected,
                IssueFailed,
                "whole submission refused",
            ),
            (Some(issue(1)), None, Phase::Accepted, Issued, "issued"),
            (
                Some(issue(-14001031)),
                None,
                Phase::Accepted,
                IssueFailed,
                "issue failed",
            ),
            (
                Some(issue(1)),
                Some(filing(304)),
                Phase::Accepted,
                Filed,
                "filed",
            ),
            (
                Some(issue(1)),
                Some(filing(305)),
                Phase::Accepted,
                FilingFailed,
                "filing failed",
            ),
            (
                None,
                Some(filing(304)),
                Phase::Accepted,
                Filed,
                "NTS before BULKRESULT",
            ),
            (
                None,
                Some(filing(305)),
                Phase::Sending,
                FilingFailed,
                "NTS before acceptance was recorded",
            ),
            (None, None, Phase::Held, Scheduled, "a refund held"),
            (
                Some(issue(1)),
                None,
                Phase::Held,
                Issued,
                "a released refund's result before its acceptance is visible",
            ),
        ];
        for (i, f, phase, want, why) in cases {
            assert_eq!(
                derive_status(
                    &ReceiptFacts {
                        issue: i,
                        filing: f,
                        blocked: None,
                    },
                    phase
                ),
                want,
                "{why}"
            );
        }
    }

    #[test]
    fn a_blocked_refund_ends_original_filing_failed_and_nothing_else() {
        let blocked = ReceiptFacts {
            blocked: Some(crate::core::fixtures::blocked("K-1")),
            ..ReceiptFacts::default()
        };
        for phase in [Phase::Held, Phase::Accepted] {
            let status = derive_status(&blocked, phase);
            assert_eq!(status, ReceiptStatus::OriginalFilingFailed);
            assert!(status.is_final() && status.is_failed());
        }
        assert_eq!(
            ReceiptStatus::OriginalFilingFailed.as_str(),
            "original_filing_failed"
        );
    }
}
