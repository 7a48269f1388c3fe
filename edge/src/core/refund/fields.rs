//! One refund item as the merchant sends it (`POST /v1/refunds`, field names POPBiLL's), and the
//! list of its fields. `request.rs` reads and shapes it; `plan.rs` judges it against the original.

use popbill::validate::CancelType;
use serde::{Deserialize, Serialize};

/// One refund as the merchant asked for it (every field optional here; `RefundItem` is what
/// passed the shape checks). Field names are POPBiLL's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestedRefund {
    /// The cancellation receipt's own, new mgtKey.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mgt_key: Option<String>,
    /// The original, issued through this Worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_mgt_key: Option<String>,
    /// The original, issued elsewhere: its NTS confirm number and trade date (`yyyyMMdd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_confirm_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_trade_date: Option<String>,
    /// 1 거래취소 (default), 2 오류발급취소, 3 기타취소.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_type: Option<CancelType>,
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
    /// The buyer and the kind of receipt: required for an original issued elsewhere; for one
    /// issued here they are the original's, and if given must be the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_usage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxation_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_opt: Option<String>,
    /// Descriptive fields: the original's when not given.
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
    /// Only for the cancellation receipt itself: a memo, the notice e-mail's subject, an SMS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
    #[serde(rename = "smssendYN", default, skip_serializing_if = "Option::is_none")]
    pub smssend_yn: Option<bool>,
}

/// Every field a refund item may carry (a test holds it against [`RequestedRefund`]).
pub const ITEM_FIELDS: &[&str] = &[
    "mgtKey",
    "orgMgtKey",
    "orgConfirmNum",
    "orgTradeDate",
    "cancelType",
    "isPartCancel",
    "supplyCost",
    "tax",
    "serviceFee",
    "totalAmount",
    "identityNum",
    "tradeUsage",
    "taxationType",
    "tradeOpt",
    "customerName",
    "itemName",
    "orderNumber",
    "email",
    "hp",
    "franchiseTaxRegID",
    "franchiseCorpName",
    "franchiseCEOName",
    "franchiseAddr",
    "franchiseTEL",
    "memo",
    "emailSubject",
    "smssendYN",
];
