//! Refunds (cancellation receipts, 취소거래): one row of a refund file as the Worker's
//! `POST /v1/refunds` takes it, and the rules a row must meet that need no server state.
//!
//! The Worker judges the rest: whether the original exists and is issued, what is left of it,
//! and when POPBiLL can take the refund (once the original is filed, 11:00 KST the day after
//! its issuance). Until then it holds the refund (`scheduled`); the engine follows it like any
//! receipt.

pub mod check;

use serde::{Deserialize, Serialize};

/// One refund, in the refund API's field names (edge/README.md, Refunds). Amounts are digit
/// strings; `cancelType` 1 거래취소 (default), 2 오류발급취소, 3 기타취소.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRow {
    /// The cancellation receipt's own, new mgtKey.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mgt_key: Option<String>,
    /// The original, issued through the Worker…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_mgt_key: Option<String>,
    /// …or issued elsewhere: its NTS confirm number and trade date (`yyyyMMdd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_confirm_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_trade_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_type: Option<i64>,
    /// true: the amounts given; false (default): the whole original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_part_cancel: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supply_cost: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_fee: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<String>,
    /// Required for an original issued elsewhere; for an `orgMgtKey` original the original's
    /// (and if given, the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_usage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxation_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_opt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hp: Option<String>,
    #[serde(
        rename = "franchiseTaxRegID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub franchise_tax_reg_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub franchise_corp_name: Option<String>,
    #[serde(
        rename = "franchiseCEOName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub franchise_ceo_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub franchise_addr: Option<String>,
    #[serde(
        rename = "franchiseTEL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub franchise_tel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
    #[serde(rename = "smssendYN", default, skip_serializing_if = "Option::is_none")]
    pub smssend_yn: Option<bool>,
}

impl RefundRow {
    /// A refund of part of the original (the amounts given), not the whole of it.
    pub fn is_partial(&self) -> bool {
        self.is_part_cancel == Some(true)
    }
}
