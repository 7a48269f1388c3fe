use serde::{Deserialize, Serialize};

use super::lenient;

/// A webhook body: `Issue`, `NTS`, `BULKRESULT`, or a type this crate does not know.
///
/// Every field is optional and unknown fields are ignored: POPBiLL documents only part of the
/// body, and the BULKRESULT shape is not published (the mock's choice is in its README).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    #[serde(rename = "eventDT", default, skip_serializing_if = "Option::is_none")]
    pub event_dt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corp_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub franchise_corp_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mgt_key: Option<String>,
    #[serde(rename = "submitID", default, skip_serializing_if = "Option::is_none")]
    pub submit_id: Option<String>,
    #[serde(rename = "receiptID", default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    /// BULKRESULT: 1 = issued, negative = POPBiLL's error code.
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_num: Option<String>,
    #[serde(rename = "ntssendDT", default, skip_serializing_if = "Option::is_none")]
    pub ntssend_dt: Option<String>,
    #[serde(
        rename = "ntsresultDT",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ntsresult_dt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ntsresult_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ntsresult_message: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub state_code: Option<i64>,
    #[serde(rename = "stateDT", default, skip_serializing_if = "Option::is_none")]
    pub state_dt: Option<String>,
    #[serde(rename = "issueDT", default, skip_serializing_if = "Option::is_none")]
    pub issue_dt: Option<String>,
    #[serde(rename = "tradeDT", default, skip_serializing_if = "Option::is_none")]
    pub trade_dt: Option<String>,
}

impl WebhookEvent {
    /// The issuance time under either name (`issueDT` preferred).
    pub fn issued_at(&self) -> Option<&str> {
        self.issue_dt.as_deref().or(self.trade_dt.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_issue_event() {
        let json = r#"{"eventDT":"20250711111200","eventType":"Issue","corpNum":"1234567890","franchiseCorpNum":"1234567890",
            "itemKey":"025071111000000001","mgtKey":"20250711-MVC001","tradeDate":"20250711","confirmNum":"TB0000009",
            "ntssendDT":null,"ntsresultDT":null,"ntsresultCode":null,"stateCode":300,"stateDT":"20250711111200","issueDT":"20250711111200"}"#;
        let e: WebhookEvent = serde_json::from_str(json).unwrap();
        assert_eq!(e.event_type.as_deref(), Some("Issue"));
        assert_eq!(e.state_code, Some(300));
        assert_eq!(e.ntsresult_code, None);
    }

    #[test]
    fn every_field_is_optional_and_quoted_numbers_parse() {
        let e: WebhookEvent =
            serde_json::from_str(r#"{"stateCode":"305","tradeDT":"20250711120000","x":[1]}"#)
                .unwrap();
        assert_eq!(e.state_code, Some(305));
        assert_eq!(e.issued_at(), Some("20250711120000"));
        let empty: WebhookEvent = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, WebhookEvent::default());
    }
}
