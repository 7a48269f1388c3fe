use serde::{Deserialize, Serialize};

use super::lenient;

/// GetInfo / GetInfos summary of one receipt (docs/PROTOCOL.md §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CashbillInfo {
    #[serde(default)]
    pub item_key: Option<String>,
    #[serde(default)]
    pub mgt_key: Option<String>,
    #[serde(default)]
    pub trade_date: Option<String>,
    #[serde(rename = "tradeDT", default)]
    pub trade_dt: Option<String>,
    #[serde(default)]
    pub trade_type: Option<String>,
    #[serde(default)]
    pub trade_usage: Option<String>,
    #[serde(default)]
    pub trade_opt: Option<String>,
    #[serde(default)]
    pub taxation_type: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub total_amount: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub supply_cost: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub tax: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub service_fee: Option<String>,
    #[serde(rename = "issueDT", default)]
    pub issue_dt: Option<String>,
    #[serde(rename = "regDT", default)]
    pub reg_dt: Option<String>,
    /// 300 issued, 304 filed with the NTS, 305 filing failed.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub state_code: Option<i64>,
    #[serde(rename = "stateDT", default)]
    pub state_dt: Option<String>,
    #[serde(default)]
    pub state_memo: Option<String>,
    /// Personal data: mask before logging or echoing.
    #[serde(default)]
    pub identity_num: Option<String>,
    #[serde(default)]
    pub customer_name: Option<String>,
    #[serde(default)]
    pub item_name: Option<String>,
    #[serde(default)]
    pub order_number: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub hp: Option<String>,
    #[serde(default)]
    pub confirm_num: Option<String>,
    #[serde(default)]
    pub org_confirm_num: Option<String>,
    #[serde(default)]
    pub org_trade_date: Option<String>,
    /// A cancellation's reason (1 거래취소, 2 오류발급취소, 3 기타취소). Not in POPBiLL's
    /// published field list; the mock sends it on cancellations ([INF]).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub cancel_type: Option<i64>,
    #[serde(rename = "ntssendDT", default)]
    pub ntssend_dt: Option<String>,
    #[serde(default)]
    pub ntsresult: Option<String>,
    #[serde(rename = "ntsresultDT", default)]
    pub ntsresult_dt: Option<String>,
    #[serde(default)]
    pub ntsresult_code: Option<String>,
    #[serde(default)]
    pub ntsresult_message: Option<String>,
    #[serde(rename = "printYN", default)]
    pub print_yn: Option<bool>,
    #[serde(rename = "interOPYN", default)]
    pub inter_op_yn: Option<bool>,
}
