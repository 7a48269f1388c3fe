use std::fmt;

use serde::{Deserialize, Serialize};

use super::lenient;
use crate::privacy::mask_identity;

/// A cash receipt as POPBiLL's JSON spells it (docs/PROTOCOL.md §3.3).
///
/// Every field is optional on the wire; [`crate::validate`] says which are required and why.
/// Amounts are strings (`"11000"`), as every SDK sends them.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cashbill {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mgt_key: Option<String>,
    #[serde(rename = "tradeDT", default, skip_serializing_if = "Option::is_none")]
    pub trade_dt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_usage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_opt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxation_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_amount: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supply_cost: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_fee: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub franchise_corp_num: Option<String>,
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
    pub identity_num: Option<String>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
    #[serde(rename = "smssendYN", default, skip_serializing_if = "Option::is_none")]
    pub smssend_yn: Option<bool>,
    #[serde(rename = "faxsendYN", default, skip_serializing_if = "Option::is_none")]
    pub faxsend_yn: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_confirm_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_trade_date: Option<String>,
    /// .NET always sends `0` here, even on 승인거래; it means "not set".
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub cancel_type: Option<i64>,
}

impl fmt::Debug for Cashbill {
    // identityNum is personal data: only its masked form is ever printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cashbill")
            .field("mgt_key", &self.mgt_key)
            .field("trade_dt", &self.trade_dt)
            .field("trade_type", &self.trade_type)
            .field("trade_usage", &self.trade_usage)
            .field("taxation_type", &self.taxation_type)
            .field("total_amount", &self.total_amount)
            .field("supply_cost", &self.supply_cost)
            .field("tax", &self.tax)
            .field("service_fee", &self.service_fee)
            .field("franchise_corp_num", &self.franchise_corp_num)
            .field(
                "identity_num",
                &self.identity_num.as_deref().map(mask_identity),
            )
            .finish_non_exhaustive()
    }
}

/// RegistIssue's answer (`POST /Cashbill` with `ISSUE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct IssueResponse {
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_date: Option<String>,
    #[serde(rename = "tradeDT", default, skip_serializing_if = "Option::is_none")]
    pub trade_dt: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_java_sdk_sample_with_exact_names() {
        let json = r#"{"memo":"","mgtKey":"20250711-MVC-BULK-1","tradeUsage":"소득공제용","tradeOpt":"대중교통","tradeType":"승인거래","tradeDT":"20250711000000","taxationType":"과세","supplyCost":"10000","tax":"1000","serviceFee":"0","totalAmount":"11000","franchiseCorpNum":"1234567890","franchiseTaxRegID":"","franchiseCorpName":"가맹점 상호","franchiseCEOName":"가맹점 대표자","franchiseAddr":"가맹점 주소","franchiseTEL":"07043042991","identityNum":"0101112222","customerName":"고객명","itemName":"상품명","orderNumber":"주문번호","email":"","hp":"","faxsendYN":false,"smssendYN":false,"emailSubject":""}"#;
        let c: Cashbill = serde_json::from_str(json).unwrap();
        assert_eq!(c.mgt_key.as_deref(), Some("20250711-MVC-BULK-1"));
        assert_eq!(c.trade_dt.as_deref(), Some("20250711000000"));
        assert_eq!(c.franchise_tax_reg_id.as_deref(), Some(""));
        assert_eq!(c.franchise_ceo_name.as_deref(), Some("가맹점 대표자"));
        assert_eq!(c.franchise_tel.as_deref(), Some("07043042991"));
        assert_eq!(c.smssend_yn, Some(false));
        let back = serde_json::to_value(&c).unwrap();
        assert_eq!(back["franchiseTaxRegID"], "");
        assert_eq!(back["tradeDT"], "20250711000000");
        assert!(
            back.get("confirmNum").is_none(),
            "absent fields are not written"
        );
    }

    #[test]
    fn dotnet_nulls_and_cancel_type_zero_are_tolerated() {
        let c: Cashbill = serde_json::from_str(
            r#"{"cancelType":0,"confirmNum":null,"mgtKey":"A1","unknownField":1}"#,
        )
        .unwrap();
        assert_eq!(c.cancel_type, Some(0));
        assert_eq!(c.confirm_num, None);
    }

    #[test]
    fn debug_masks_identity_num() {
        let c = Cashbill {
            identity_num: Some("01012345678".into()),
            ..Default::default()
        };
        let printed = format!("{c:?}");
        assert!(!printed.contains("01012345678"), "{printed}");
        assert!(printed.contains("*******5678"));
    }
}
