use std::fmt;

use serde::{Deserialize, Serialize};

use super::Cashbill;
use super::lenient;
use crate::validate::CANCELLATION;

/// RevokeRegistIssue's body (`POST /Cashbill` with `REVOKEISSUE`): a cancellation receipt
/// (취소거래) named by its original's NTS confirm number and trade date.
///
/// The fields and their order are the official SDKs' (docs/PROTOCOL.md §9; the Node SDK's
/// `revokeRegistIssue` builds exactly this object). Absent fields are not written, as Node drops
/// `null` and `""`. POPBiLL fills the rest of the cancellation (franchise, buyer, identityNum,
/// tradeUsage, taxationType) from the original; a full cancellation (`isPartCancel` false or
/// absent) also takes the original's amounts, a partial one the amounts given here.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mgt_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_confirm_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_trade_date: Option<String>,
    #[serde(rename = "smssendYN", default, skip_serializing_if = "Option::is_none")]
    pub smssend_yn: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_part_cancel: Option<bool>,
    /// 1 거래취소, 2 오류발급취소, 3 기타취소 ([`crate::validate::CancelType`]); absent = 1.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub cancel_type: Option<i64>,
    /// Amounts of a partial cancellation, as digit strings (numbers are read as their digits:
    /// the Node SDK passes through whatever the caller gave it).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub supply_cost: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub tax: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub service_fee: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
    #[serde(rename = "tradeDT", default, skip_serializing_if = "Option::is_none")]
    pub trade_dt: Option<String>,
}

impl RevokeRequest {
    /// True unless `isPartCancel` is `true`: a full cancellation takes the original's amounts.
    pub fn is_full(&self) -> bool {
        self.is_part_cancel != Some(true)
    }

    /// The cancellation receipt as far as this request says it: tradeType 취소거래, mgtKey,
    /// tradeDT, the original's reference, cancelType, memo and, for a partial cancellation, the
    /// amounts. What POPBiLL copies from the original is left empty.
    pub fn to_cancellation(&self) -> Cashbill {
        let partial = !self.is_full();
        let amount = |v: &Option<String>| if partial { v.clone() } else { None };
        Cashbill {
            mgt_key: self.mgt_key.clone(),
            trade_dt: self.trade_dt.clone(),
            trade_type: Some(CANCELLATION.to_owned()),
            supply_cost: amount(&self.supply_cost),
            tax: amount(&self.tax),
            service_fee: amount(&self.service_fee),
            total_amount: amount(&self.total_amount),
            smssend_yn: self.smssend_yn,
            memo: self.memo.clone(),
            email_subject: self.email_subject.clone(),
            org_confirm_num: self.org_confirm_num.clone(),
            org_trade_date: self.org_trade_date.clone(),
            cancel_type: self.cancel_type,
            ..Cashbill::default()
        }
    }
}

impl fmt::Debug for RevokeRequest {
    // Carries no identityNum; printed in full except the free-text memo and e-mail subject.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RevokeRequest")
            .field("mgt_key", &self.mgt_key)
            .field("org_confirm_num", &self.org_confirm_num)
            .field("org_trade_date", &self.org_trade_date)
            .field("is_part_cancel", &self.is_part_cancel)
            .field("cancel_type", &self.cancel_type)
            .field("supply_cost", &self.supply_cost)
            .field("tax", &self.tax)
            .field("service_fee", &self.service_fee)
            .field("total_amount", &self.total_amount)
            .field("trade_dt", &self.trade_dt)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_node_sdk_sends_numbers_and_strings_alike() {
        // Node's JSON.stringify drops null and "" (so a full cancellation has no amounts).
        let full: RevokeRequest = serde_json::from_str(
            r#"{"mgtKey":"R-1","orgConfirmNum":"TB0000009","orgTradeDate":"20250711","smssendYN":false,"isPartCancel":false}"#,
        )
        .unwrap();
        assert!(full.is_full());
        assert_eq!(full.cancel_type, None);
        let part: RevokeRequest = serde_json::from_str(
            r#"{"mgtKey":"R-2","isPartCancel":true,"cancelType":"2","supplyCost":3000,"tax":"300","serviceFee":"0","totalAmount":"3300"}"#,
        )
        .unwrap();
        assert!(!part.is_full());
        assert_eq!(part.cancel_type, Some(2));
        assert_eq!(part.supply_cost.as_deref(), Some("3000"));
    }

    #[test]
    fn a_full_cancellation_carries_no_amounts_even_if_some_were_given() {
        let r = RevokeRequest {
            mgt_key: Some("R-1".into()),
            is_part_cancel: Some(false),
            total_amount: Some("5".into()),
            cancel_type: Some(3),
            ..Default::default()
        };
        let c = r.to_cancellation();
        assert_eq!(c.trade_type.as_deref(), Some("취소거래"));
        assert_eq!(c.total_amount, None);
        assert_eq!(c.cancel_type, Some(3));
        let partial = RevokeRequest {
            is_part_cancel: Some(true),
            ..r
        };
        assert_eq!(partial.to_cancellation().total_amount.as_deref(), Some("5"));
    }

    #[test]
    fn writes_the_sdk_field_order_and_omits_absent_fields() {
        let r = RevokeRequest {
            mgt_key: Some("R-1".into()),
            org_confirm_num: Some("TB0000009".into()),
            org_trade_date: Some("20250711".into()),
            smssend_yn: Some(false),
            is_part_cancel: Some(true),
            cancel_type: Some(1),
            supply_cost: Some("3000".into()),
            tax: Some("300".into()),
            service_fee: Some("0".into()),
            total_amount: Some("3300".into()),
            trade_dt: Some("20250712120000".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"mgtKey":"R-1","orgConfirmNum":"TB0000009","orgTradeDate":"20250711","smssendYN":false,"isPartCancel":true,"cancelType":1,"supplyCost":"3000","tax":"300","serviceFee":"0","totalAmount":"3300","tradeDT":"20250712120000"}"#
        );
    }
}
