//! Refunds as the merchant API shows them: a refund request with every cancellation receipt
//! (`GET /v1/refunds/{refundID}`), what a cancellation receipt says of its refund, and an
//! original's running totals (`GET /v1/cashbills/{mgtKey}`).

use std::collections::BTreeMap;

use popbill::wire::Cashbill;
use popbill::{CorpNum, KstDateTime, MgtKey, SubmitId};
use serde::Serialize;

use super::amounts::Amounts;
use super::id::RefundId;
use super::record::{RefundGroup, RefundRecord};
use super::release::BlockedFact;
use super::store::IndexedRefund;
use crate::core::status::{ReceiptFacts, ReceiptStatus, ReceiptView, receipt_view};
use crate::core::submission::Submission;

/// What a cancellation receipt's view adds (flattened into it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CancellationInfo {
    #[serde(rename = "refundID")]
    pub refund_id: RefundId,
    /// The original, when it was issued through this Worker.
    #[serde(rename = "orgMgtKey", skip_serializing_if = "Option::is_none")]
    pub org_mgt_key: Option<MgtKey>,
    #[serde(rename = "orgConfirmNum", skip_serializing_if = "Option::is_none")]
    pub org_confirm_num: Option<String>,
    #[serde(rename = "orgTradeDate", skip_serializing_if = "Option::is_none")]
    pub org_trade_date: Option<String>,
    #[serde(rename = "cancelType", skip_serializing_if = "Option::is_none")]
    pub cancel_type: Option<i64>,
    #[serde(rename = "supplyCost", skip_serializing_if = "Option::is_none")]
    pub supply_cost: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax: Option<String>,
    #[serde(rename = "serviceFee", skip_serializing_if = "Option::is_none")]
    pub service_fee: Option<String>,
    /// While `scheduled`: the earliest it can be sent (`yyyyMMddHHmmss`, KST).
    #[serde(rename = "dueAt", skip_serializing_if = "Option::is_none")]
    pub due_at: Option<String>,
    /// When `original_filing_failed`: the original and its filing result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<BlockedFact>,
}

impl CancellationInfo {
    pub fn of(
        group: &RefundGroup,
        mgt_key: &MgtKey,
        cashbill: &Cashbill,
        status: ReceiptStatus,
        facts: &ReceiptFacts,
    ) -> Self {
        CancellationInfo {
            refund_id: group.refund_id.clone(),
            org_mgt_key: group.original_of(mgt_key).map(|o| o.org_mgt_key.clone()),
            org_confirm_num: cashbill.org_confirm_num.clone(),
            org_trade_date: cashbill.org_trade_date.clone(),
            cancel_type: cashbill.cancel_type,
            supply_cost: cashbill.supply_cost.clone(),
            tax: cashbill.tax.clone(),
            service_fee: cashbill.service_fee.clone(),
            due_at: group
                .due()
                .filter(|_| status == ReceiptStatus::Scheduled)
                .map(|d: KstDateTime| d.to_string()),
            blocked: facts.blocked.clone(),
        }
    }
}

/// One refund of an original, in its running totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CancellationSummary {
    #[serde(rename = "mgtKey")]
    pub mgt_key: MgtKey,
    #[serde(rename = "refundID")]
    pub refund_id: RefundId,
    #[serde(rename = "submitID")]
    pub submit_id: SubmitId,
    pub status: ReceiptStatus,
    #[serde(flatten)]
    pub amounts: Amounts,
}

/// An original's refunds: what was refunded (every refund not failed for good, whatever its
/// own filing result: POPBiLL counts an issued cancellation), what remains, and each refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OriginalRefunds {
    pub refunded: Amounts,
    pub remaining: Amounts,
    pub cancellations: Vec<CancellationSummary>,
}

impl OriginalRefunds {
    /// `original`: the original's amounts; `refunds`: its refunds on record with their status.
    pub fn new(original: Amounts, refunds: Vec<(IndexedRefund, ReceiptStatus)>) -> Self {
        let refunded = refunds
            .iter()
            .filter(|(_, s)| !s.is_failed())
            .fold(Amounts::default(), |sum, (r, _)| sum.plus(r.amounts));
        let cancellations = refunds
            .into_iter()
            .filter_map(|(r, status)| {
                Some(CancellationSummary {
                    mgt_key: r.mgt_key?,
                    refund_id: r.refund_id,
                    submit_id: r.submit_id,
                    status,
                    amounts: r.amounts,
                })
            })
            .collect();
        OriginalRefunds {
            refunded,
            remaining: original.minus(refunded),
            cancellations,
        }
    }
}

/// A refund request as the merchant API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefundView {
    #[serde(rename = "refundID")]
    pub refund_id: RefundId,
    #[serde(rename = "corpNum")]
    pub corp_num: CorpNum,
    #[serde(rename = "createdMs")]
    pub created_ms: i64,
    /// `open` until every refund is final, then `completed`.
    pub state: &'static str,
    pub total: usize,
    /// Refunds per status (every status, zeros included).
    pub counts: BTreeMap<&'static str, usize>,
    /// Every refund, in the request's order, as a cancellation receipt.
    pub refunds: Vec<ReceiptView>,
}

/// The view of `record`, with `groups[g]` its group `g` as it now stands (POPBiLL's answer
/// applied) and the facts of its receipts.
pub fn refund_view(
    record: &RefundRecord,
    groups: &[Submission],
    facts: &BTreeMap<MgtKey, ReceiptFacts>,
) -> RefundView {
    let empty = ReceiptFacts::default();
    let refunds: Vec<ReceiptView> = record
        .refunds
        .iter()
        .filter_map(|e| {
            let group = groups.get(e.group)?;
            let (key, cashbill) = record.cashbills.get(e.mgt_key.as_str())?;
            Some(receipt_view(
                group,
                key,
                cashbill,
                facts.get(key).unwrap_or(&empty),
            ))
        })
        .collect();
    let mut counts: BTreeMap<&'static str, usize> =
        ReceiptStatus::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for r in &refunds {
        *counts.entry(r.status.as_str()).or_default() += 1;
    }
    let done = refunds.iter().all(|r| r.status.is_final());
    RefundView {
        refund_id: record.refund_id.clone(),
        corp_num: record.corp_num.clone(),
        created_ms: record.created_ms,
        state: if done { "completed" } else { "open" },
        total: refunds.len(),
        counts,
        refunds,
    }
}
