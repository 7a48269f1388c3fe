//! GetDetailInfo (`GET /Cashbill/{MgtKey}?Detail`: the receipt as a Cashbill object) and
//! GetLogs (`GET /Cashbill/{MgtKey}/Logs`: its history).
//!
//! The history is derived from the receipt's own times (issued, sent to the NTS, resulted)
//! and the messages recorded for it, so it costs no memory per receipt. [INF] The log fields
//! (`docLogType`, `log`, `procType`) are POPBiLL's names; their values are the mock's choice.

use popbill::wire::Cashbill;
use serde::Serialize;

use super::Sim;
use super::clock::SimTime;
use super::error::ApiError;
use super::request::ApiResponse;

/// One line of GetLogs (the SDKs' `CashbillLog`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogOut {
    pub doc_log_type: i64,
    pub log: String,
    pub proc_type: &'static str,
    pub proc_memo: Option<String>,
    #[serde(rename = "regDT")]
    pub reg_dt: String,
    pub ip: &'static str,
}

/// [INF] `docLogType`: 1 issuance, 2 NTS filing, 3 a message to the customer.
const LOG_ISSUE: i64 = 1;
const LOG_NTS: i64 = 2;
const LOG_MESSAGE: i64 = 3;

fn line(kind: i64, proc_type: &'static str, log: String, at: SimTime) -> LogOut {
    LogOut {
        doc_log_type: kind,
        log,
        proc_type,
        proc_memo: None,
        reg_dt: at.kst().to_string(),
        ip: "",
    }
}

impl Sim {
    /// GetDetailInfo: every field the receipt was issued with, as POPBiLL keeps it.
    pub(crate) fn get_detail_info(&self, mgt_key: &str) -> Result<ApiResponse, ApiError> {
        let index = self.live_index(mgt_key)?;
        let r = &self.store.receipts[index as usize];
        let f = self.store.franchise(r);
        let s = |v: &Option<Box<str>>| v.as_deref().map(str::to_owned);
        let c = Cashbill {
            mgt_key: Some(r.mgt_key.to_string()),
            trade_dt: Some(r.trade_dt.to_string()),
            trade_date: Some(r.trade_dt.date().to_string()),
            trade_type: Some(r.trade_type.to_owned()),
            trade_usage: Some(r.trade_usage.to_owned()),
            trade_opt: r.trade_opt.map(str::to_owned),
            taxation_type: Some(r.taxation_type.to_owned()),
            supply_cost: Some(r.amounts[0].to_string()),
            tax: Some(r.amounts[1].to_string()),
            service_fee: Some(r.amounts[2].to_string()),
            total_amount: Some(r.amounts[3].to_string()),
            franchise_corp_num: Some(self.member.corp_num.as_str().to_owned()),
            franchise_tax_reg_id: s(&f.tax_reg_id),
            franchise_corp_name: s(&f.corp_name),
            franchise_ceo_name: s(&f.ceo_name),
            franchise_addr: s(&f.addr),
            franchise_tel: s(&f.tel),
            identity_num: Some(r.identity_num.to_string()),
            customer_name: s(&r.customer_name),
            item_name: s(&r.item_name),
            order_number: s(&r.order_number),
            email: s(&r.email),
            hp: s(&r.hp),
            smssend_yn: Some(r.smssend_yn),
            memo: s(&r.memo),
            confirm_num: Some(self.ids.confirm_num(r.issue_no)),
            ..Cashbill::default()
        };
        Ok(ApiResponse::json(200, &c, None))
    }

    /// GetLogs: issuance, NTS filing and result, and messages, oldest first.
    pub(crate) fn get_logs(&self, mgt_key: &str) -> Result<ApiResponse, ApiError> {
        let index = self.live_index(mgt_key)?;
        let r = &self.store.receipts[index as usize];
        let mut lines = vec![LogOut {
            proc_memo: r.memo.as_deref().map(str::to_owned),
            ..line(LOG_ISSUE, "발행", "현금영수증 발행".into(), r.issued_at)
        }];
        if let Some(at) = r.nts_sent_at {
            lines.push(line(LOG_NTS, "국세청 전송", "국세청 전송".into(), at));
        }
        if let Some(at) = r.nts_result_at {
            let result = match r.state_code() {
                304 => "국세청 전송성공".to_owned(),
                _ => format!("국세청 전송실패 ({})", r.nts_plan.result_code()),
            };
            lines.push(line(LOG_NTS, "국세청 전송결과", result, at));
        }
        for m in self.messages_of(index) {
            let (proc_type, log) = match m.kind {
                "email" => ("이메일 전송", format!("이메일 전송 ({})", m.receiver)),
                _ => ("문자 전송", format!("문자 전송 ({})", m.receiver)),
            };
            lines.push(line(LOG_MESSAGE, proc_type, log, m.at));
        }
        // Stable: same time, same order as above.
        lines.sort_by(|a, b| a.reg_dt.cmp(&b.reg_dt));
        Ok(ApiResponse::json(200, &lines, None))
    }
}
