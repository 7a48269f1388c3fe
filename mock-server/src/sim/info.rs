//! GetInfo (`GET /Cashbill/{MgtKey}`) and GetInfos (`POST /Cashbill/States`).
//!
//! GetInfos takes a JSON array of 1–1000 mgtKeys. [INF] Unknown keys are left out of the answer
//! (the others keep the request's order, duplicates included); more than 1000 keys is -14010045;
//! an empty array or body is -14010044; anything but an array of strings is -14010015.

use popbill::codes;
use popbill::wire::CashbillInfo;

use super::Sim;
use super::error::{ApiError, mock_codes};
use super::request::{ApiRequest, ApiResponse};
use super::store::Receipt;

/// The most keys one GetInfos call may carry.
pub const MAX_KEYS: usize = 1000;

pub fn prepare(req: &ApiRequest) -> Result<Vec<String>, i64> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(codes::GETINFOS_KEYS_MISSING);
    }
    let keys: Vec<String> = serde_json::from_slice(&req.body).map_err(|_| codes::BAD_JSON)?;
    if keys.is_empty() {
        return Err(codes::GETINFOS_KEYS_MISSING);
    }
    if keys.len() > MAX_KEYS {
        return Err(mock_codes::GETINFOS_TOO_MANY_KEYS);
    }
    Ok(keys)
}

impl Sim {
    /// The index of the live (not deleted) receipt `mgt_key`; -14000003 when there is none.
    pub(crate) fn live_index(&self, mgt_key: &str) -> Result<u32, ApiError> {
        self.store
            .by_mgt_key
            .get(mgt_key)
            .copied()
            .ok_or(ApiError::of(codes::NOT_FOUND))
    }

    /// GetInfo (and CheckMgtKeyInUse, which reads `itemKey` from it).
    pub(crate) fn get_info(&self, mgt_key: &str) -> Result<ApiResponse, ApiError> {
        let index = self.live_index(mgt_key)?;
        let r = &self.store.receipts[index as usize];
        Ok(ApiResponse::json(200, &self.cashbill_info(r), None))
    }

    pub(crate) fn get_infos(
        &self,
        prepared: Result<Vec<String>, i64>,
    ) -> Result<ApiResponse, ApiError> {
        let keys = prepared.map_err(ApiError::of)?;
        let infos: Vec<CashbillInfo> = keys
            .iter()
            .filter_map(|k| self.store.receipt(k))
            .map(|r| self.cashbill_info(r))
            .collect();
        Ok(ApiResponse::json(200, &infos, None))
    }

    /// The original a cancellation cancels.
    pub(crate) fn original(&self, link: super::store::CancelOf) -> &Receipt {
        &self.store.receipts[link.original as usize]
    }

    /// A receipt as GetInfo shows it (docs/PROTOCOL.md §5.2).
    pub fn cashbill_info(&self, r: &Receipt) -> CashbillInfo {
        let s = |v: &Option<Box<str>>| v.as_deref().map(str::to_owned);
        let issued = r.issued_at.kst().to_string();
        let resulted = r.nts_result_at.is_some();
        let code = resulted.then(|| r.nts_plan.result_code().to_owned());
        CashbillInfo {
            item_key: Some(self.ids.item_key(r.issue_no, r.issued_at)),
            mgt_key: Some(r.mgt_key.to_string()),
            trade_date: Some(r.trade_dt.date().to_string()),
            trade_dt: Some(r.trade_dt.to_string()),
            trade_type: Some(r.trade_type.to_owned()),
            trade_usage: Some(r.trade_usage.to_owned()),
            trade_opt: r.trade_opt.map(str::to_owned),
            taxation_type: Some(r.taxation_type.to_owned()),
            supply_cost: Some(r.amounts[0].to_string()),
            tax: Some(r.amounts[1].to_string()),
            service_fee: Some(r.amounts[2].to_string()),
            total_amount: Some(r.amounts[3].to_string()),
            issue_dt: Some(issued.clone()),
            reg_dt: Some(issued),
            state_code: Some(r.state_code()),
            state_dt: Some(r.state_at().kst().to_string()),
            state_memo: s(&r.memo),
            identity_num: Some(r.identity_num.to_string()),
            customer_name: s(&r.customer_name),
            item_name: s(&r.item_name),
            order_number: s(&r.order_number),
            email: s(&r.email),
            hp: s(&r.hp),
            confirm_num: Some(self.ids.confirm_num(r.issue_no)),
            org_confirm_num: r
                .cancel
                .map(|k| self.ids.confirm_num(self.original(k).issue_no)),
            org_trade_date: r
                .cancel
                .map(|k| self.original(k).trade_dt.date().to_string()),
            cancel_type: r.cancel.map(|k| i64::from(k.cancel_type)),
            ntssend_dt: r.nts_sent_at.map(|t| t.kst().to_string()),
            ntsresult: match (r.nts_sent_at, r.state_code()) {
                (None, _) => None,
                (Some(_), 300) => Some("전송중".to_owned()),
                (Some(_), 304) => Some("전송완료".to_owned()),
                (Some(_), _) => Some("전송실패".to_owned()),
            },
            ntsresult_dt: r.nts_result_at.map(|t| t.kst().to_string()),
            ntsresult_message: code.as_deref().map(super::scenario::nts_message),
            ntsresult_code: code,
            print_yn: Some(false),
            inter_op_yn: Some(true),
        }
    }
}
