use serde::{Deserialize, Serialize};

use super::Cashbill;
use super::lenient;

/// BulkSubmit's body: `{"cashbills":[…]}` (≤ 100). There is no `forceIssue` for cash receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BulkSubmitRequest {
    pub cashbills: Vec<Cashbill>,
}

/// BulkSubmit's answer: an acceptance (접수), not an issuance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BulkResponse {
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(rename = "receiptID", default)]
    pub receipt_id: Option<String>,
}

/// A bulk submission's processing state (`txState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TxState {
    /// 0: 접수 (received, not yet processed).
    Submitted,
    /// 1: 처리중 (in processing).
    Processing,
    /// 2: 완료 (completed); `issueResult` is filled only now.
    Completed,
}

impl TxState {
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            0 => Some(TxState::Submitted),
            1 => Some(TxState::Processing),
            2 => Some(TxState::Completed),
            _ => None,
        }
    }

    pub fn code(self) -> i64 {
        match self {
            TxState::Submitted => 0,
            TxState::Processing => 1,
            TxState::Completed => 2,
        }
    }
}

/// GetBulkResult's answer (`GET /Cashbill/BULK/{SubmitID}/State`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BulkCashbillResult {
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(rename = "submitID", default)]
    pub submit_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub submit_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub success_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub fail_count: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub tx_state: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub tx_result_code: Option<i64>,
    #[serde(rename = "txStartDT", default)]
    pub tx_start_dt: Option<String>,
    #[serde(rename = "txEndDT", default)]
    pub tx_end_dt: Option<String>,
    #[serde(rename = "receiptDT", default)]
    pub receipt_dt: Option<String>,
    #[serde(rename = "receiptID", default)]
    pub receipt_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub issue_result: Vec<BulkIssueResult>,
}

impl BulkCashbillResult {
    pub fn state(&self) -> Option<TxState> {
        self.tx_state.and_then(TxState::from_code)
    }
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<BulkIssueResult>, D::Error> {
    Ok(Option::<Vec<BulkIssueResult>>::deserialize(d)?.unwrap_or_default())
}

/// One receipt's issuance result inside `issueResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct BulkIssueResult {
    #[serde(default)]
    pub mgt_key: Option<String>,
    /// 1 = issued; a negative POPBiLL code = failed.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub confirm_num: Option<String>,
    #[serde(default)]
    pub trade_date: Option<String>,
    #[serde(rename = "issueDT", default, skip_serializing_if = "Option::is_none")]
    pub issue_dt: Option<String>,
    /// The older name of `issueDT`; PHP still reads it, so servers send both.
    #[serde(rename = "tradeDT", default, skip_serializing_if = "Option::is_none")]
    pub trade_dt: Option<String>,
}

impl BulkIssueResult {
    /// The issuance time under either name (`issueDT` preferred).
    pub fn issued_at(&self) -> Option<&str> {
        self.issue_dt.as_deref().or(self.trade_dt.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_completed_result_with_either_time_name() {
        let json = r#"{"code":1,"message":"OK","submitID":"S-1","submitCount":2,"successCount":1,"failCount":1,
            "txState":2,"txResultCode":1,"txStartDT":"20250711120001","txEndDT":"20250711120002",
            "receiptDT":"20250711120000","receiptID":"022071112000000001",
            "issueResult":[{"mgtKey":"K1","code":1,"message":"발행 완료","confirmNum":"TB0000009","tradeDate":"20250711","tradeDT":"20250711120001"},
                           {"mgtKey":"K2","code":-14001031,"message":"합계 불일치","confirmNum":null,"tradeDate":null,"issueDT":null}]}"#;
        let r: BulkCashbillResult = serde_json::from_str(json).unwrap();
        assert_eq!(r.state(), Some(TxState::Completed));
        assert_eq!(r.issue_result.len(), 2);
        assert_eq!(r.issue_result[0].issued_at(), Some("20250711120001"));
        assert_eq!(r.issue_result[1].code, Some(-14001031));
        assert_eq!(r.issue_result[1].issued_at(), None);
    }

    #[test]
    fn a_null_issue_result_reads_as_empty() {
        let r: BulkCashbillResult =
            serde_json::from_str(r#"{"txState":"1","issueResult":null}"#).unwrap();
        assert_eq!(r.state(), Some(TxState::Processing));
        assert!(r.issue_result.is_empty());
    }
}
