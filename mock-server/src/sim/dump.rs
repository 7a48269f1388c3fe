//! `GET /_mock/state`: every submission and receipt (deleted ones with their `deleted_dt`),
//! identityNum masked; cancellations with their original, originals with their running
//! cancelled totals; the points balance.

use popbill::privacy::mask_identity;
use serde_json::{Value, json};

use super::Sim;
use super::clock::SimTime;

impl Sim {
    pub fn state_json(&self, now: SimTime) -> Value {
        let store = &self.store;
        let submissions: Vec<Value> = store
            .submissions
            .iter()
            .map(|s| {
                let keys: Vec<Option<String>> = if let Some(raw) = &s.pending {
                    super::bulk_body::mgt_keys(raw)
                } else {
                    s.outcomes
                        .iter()
                        .map(|o| o.mgt_key.as_deref().map(str::to_owned))
                        .collect()
                };
                json!({
                    "submit_id": &*s.submit_id,
                    "receipt_id": &*s.receipt_id,
                    "corp_num": &*s.corp_num,
                    "tx_state": s.tx_state(),
                    "mgt_keys": keys,
                    "submit_count": s.count,
                    "success_count": s.success,
                    "fail_count": s.fail,
                    "receipt_dt": s.received_at.kst().to_string(),
                    "tx_start_dt": s.started_at.map(|t| t.kst().to_string()),
                    "tx_end_dt": s.ended_at.map(|t| t.kst().to_string()),
                })
            })
            .collect();
        let mut cashbills: Vec<Value> = store
            .receipts
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let submit_id = r
                    .submission
                    .map(|i| store.submissions[i as usize].submit_id.to_string());
                let original = r.cancel.map(|k| self.original(k));
                let refunded = store.refunded.get(&(i as u32));
                json!({
                    "mgt_key": &*r.mgt_key,
                    "corp_num": self.member.corp_num.as_str(),
                    "submit_id": submit_id,
                    "state_code": r.state_code(),
                    "issue_code": 1,
                    "confirm_num": self.ids.confirm_num(r.issue_no),
                    "item_key": self.ids.item_key(r.issue_no, r.issued_at),
                    "issue_dt": r.issued_at.kst().to_string(),
                    "trade_dt": r.trade_dt.to_string(),
                    "identity_num": mask_identity(&r.identity_num),
                    "total_amount": r.amounts[3],
                    "order_number": r.order_number.as_deref(),
                    "ntssend_dt": r.nts_sent_at.map(|t| t.kst().to_string()),
                    "ntsresult_dt": r.nts_result_at.map(|t| t.kst().to_string()),
                    "nts_result_code": r.nts_result_at.map(|_| r.nts_plan.result_code().to_owned()),
                    "deleted_dt": r.deleted_at.map(|t| t.kst().to_string()),
                    "trade_type": r.trade_type,
                    "org_confirm_num": original.map(|o| self.ids.confirm_num(o.issue_no)),
                    "org_trade_date": original.map(|o| o.trade_dt.date().to_string()),
                    "cancel_type": r.cancel.map(|k| k.cancel_type),
                    "amounts": {"supply_cost": r.amounts[0], "tax": r.amounts[1],
                                "service_fee": r.amounts[2], "total_amount": r.amounts[3]},
                    "cancelled": refunded.map(|f| json!({
                        "supply_cost": f.amounts.supply_cost, "tax": f.amounts.tax,
                        "service_fee": f.amounts.service_fee, "total_amount": f.amounts.total,
                    })),
                    "cancellations": refunded.map(|f| f.cancellations.iter()
                        .map(|&c| &*store.receipts[c as usize].mgt_key)
                        .collect::<Vec<_>>()),
                })
            })
            .collect();
        // Receipts that failed issuance are not stored as cashbills (their mgtKey stays free);
        // they are listed here with their code so tests can see them.
        for s in &store.submissions {
            for o in s.outcomes.iter().filter(|o| o.receipt.is_none()) {
                cashbills.push(json!({
                    "mgt_key": o.mgt_key.as_deref(),
                    "corp_num": &*s.corp_num,
                    "submit_id": &*s.submit_id,
                    "state_code": null,
                    "issue_code": o.code,
                    "confirm_num": null,
                    "issue_dt": null,
                    "nts_result_code": null,
                }));
            }
        }
        json!({
            "now": now.rfc3339(),
            "submissions": submissions,
            "cashbills": cashbills,
            "burned_submit_ids": store.burned.len(),
            "tokens": self.tokens.len(),
            "points": self.points_json(),
            "issue_mail": self.messages.issue_mail,
            "messages": self.messages.log.len(),
            "webhooks_pending": self.webhooks_pending(),
            "next_due": self.next_due().map(SimTime::rfc3339),
        })
    }
}
