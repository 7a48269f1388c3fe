//! Cancellation receipts in the simulation: RevokeRegistIssue (`POST /Cashbill` +
//! `REVOKEISSUE`), finding an original by orgConfirmNum and orgTradeDate, judging a cancellation
//! against it (rules in `cancel`) and keeping each original's running totals.
//!
//! RevokeRegistIssue, in this order: bearer token (checked for every call in `Sim::handle`); body a JSON object of the SDKs' fields
//! (-14010015); `popbill::validate::check_revoke` (mgtKey, tradeDT, orgConfirmNum, orgTradeDate,
//! cancelType, a partial cancellation's amounts; first broken rule); the original exists
//! (-14001020); then the cancellation, completed from the original, is issued like any receipt
//! (`Sim::issue_one`: every receipt rule, mgtKey reuse -14000004, the rules against the
//! original, the scenario).

use popbill::validate::{CancelType, check_revoke};
use popbill::wire::{Cashbill, RevokeRequest};
use popbill::{Amount, KstDateTime, codes};

use super::Sim;
use super::cancel::{Amounts, Cancellation, Original, judge};
use super::clock::SimTime;
use super::error::ApiError;
use super::request::{ApiRequest, ApiResponse};
use super::store::{CancelOf, Receipt};

/// RevokeRegistIssue's body: one JSON object. Empty, malformed or mistyped → -14010015.
pub fn prepare(req: &ApiRequest) -> Result<Box<RevokeRequest>, i64> {
    serde_json::from_slice::<Option<Box<RevokeRequest>>>(&req.body)
        .ok()
        .flatten()
        .ok_or(codes::BAD_JSON)
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or_default()
}

fn amount(v: &Option<String>) -> u64 {
    v.as_deref()
        .and_then(|s| Amount::parse(s).ok())
        .map_or(0, Amount::get)
}

impl Sim {
    /// The member's live receipt with this confirmNum and trade date (`yyyyMMdd`), if any (a
    /// deleted receipt is gone: no cancellation can name it).
    pub(crate) fn find_original(&self, confirm_num: &str, trade_date: &str) -> Option<u32> {
        let n = self.ids.issue_of_confirm_num(confirm_num)?;
        let index = self.store.by_issue_no(n)?;
        let r = &self.store.receipts[index as usize];
        (r.deleted_at.is_none() && r.trade_dt.date().to_string() == trade_date).then_some(index)
    }

    /// Judge a cancellation whose format rules passed against its original as it is at `at`.
    pub(crate) fn judge_cancellation(&self, c: &Cashbill, at: SimTime) -> Result<CancelOf, i64> {
        let original = self
            .find_original(
                c.org_confirm_num.as_deref().unwrap_or_default(),
                c.org_trade_date.as_deref().unwrap_or_default(),
            )
            .ok_or(codes::ORG_NOT_FOUND)?;
        let o = &self.store.receipts[original as usize];
        let cancelled = self
            .store
            .refunded
            .get(&original)
            .map(|r| r.amounts)
            .unwrap_or_default();
        let view = Original {
            franchise_corp_num: self.member.corp_num.as_str(),
            is_cancellation: o.cancel.is_some(),
            state_code: o.state_code(),
            trade_dt: o.trade_dt,
            identity_num: &o.identity_num,
            trade_usage: o.trade_usage,
            taxation_type: o.taxation_type,
            amounts: Amounts::of(o.amounts),
            cancelled,
        };
        let cancellation = Cancellation {
            franchise_corp_num: text(&c.franchise_corp_num),
            identity_num: text(&c.identity_num),
            trade_usage: text(&c.trade_usage),
            taxation_type: text(&c.taxation_type),
            trade_dt: c
                .trade_dt
                .as_deref()
                .filter(|s| !s.is_empty())
                .and_then(|s| KstDateTime::parse(s).ok())
                .unwrap_or_else(|| at.kst()),
            amounts: Amounts {
                supply_cost: amount(&c.supply_cost),
                tax: amount(&c.tax),
                service_fee: amount(&c.service_fee),
                total: amount(&c.total_amount),
            },
        };
        judge(&cancellation, &view)?;
        let cancel_type = match CancelType::of(c) {
            Ok(Some(t)) => t.code() as u8,
            // check_cancellation refused any other value before.
            _ => CancelType::DEFAULT.code() as u8,
        };
        Ok(CancelOf {
            original,
            cancel_type,
        })
    }

    /// Take a deleted cancellation out of its original's running totals.
    pub(crate) fn forget_cancellation(&mut self, index: u32, link: CancelOf) {
        let amounts = Amounts::of(self.store.receipts[index as usize].amounts);
        if let Some(entry) = self.store.refunded.get_mut(&link.original) {
            entry.amounts = entry.amounts.minus(amounts);
            entry.cancellations.retain(|&c| c != index);
        }
    }

    /// Add an issued cancellation to its original's running totals.
    pub(crate) fn record_cancellation(&mut self, index: u32, link: CancelOf) {
        let amounts = Amounts::of(self.store.receipts[index as usize].amounts);
        let entry = self.store.refunded.entry(link.original).or_default();
        entry.amounts = entry.amounts.plus(amounts);
        entry.cancellations.push(index);
    }

    /// The cancellation receipt a RevokeRegistIssue asks for: the request's fields, and from
    /// the original the franchise, buyer, identityNum, tradeUsage, tradeOpt, taxationType and,
    /// for a full cancellation, the amounts.
    fn revoke_cashbill(&self, r: &RevokeRequest, o: &Receipt) -> Cashbill {
        let s = |v: &Option<Box<str>>| v.as_deref().map(str::to_owned);
        let mut c = r.to_cancellation();
        c.franchise_corp_num = Some(self.member.corp_num.as_str().to_owned());
        c.identity_num = Some(o.identity_num.to_string());
        c.trade_usage = Some(o.trade_usage.to_owned());
        c.trade_opt = o.trade_opt.map(str::to_owned);
        c.taxation_type = Some(o.taxation_type.to_owned());
        c.customer_name = s(&o.customer_name);
        c.item_name = s(&o.item_name);
        c.order_number = s(&o.order_number);
        c.email = s(&o.email);
        c.hp = s(&o.hp);
        if r.is_full() {
            let [supply, tax, fee, total] = o.amounts.map(|a| Some(a.to_string()));
            (c.supply_cost, c.tax, c.service_fee, c.total_amount) = (supply, tax, fee, total);
        }
        c
    }

    /// RevokeRegistIssue: issue one cancellation receipt now, or refuse it whole.
    pub(crate) fn revoke_regist_issue(
        &mut self,
        prepared: Result<Box<RevokeRequest>, i64>,
        now: SimTime,
    ) -> Result<ApiResponse, ApiError> {
        let r = prepared.map_err(ApiError::of)?;
        if let Some(v) = check_revoke(&r, &self.member.corp_num, now.kst()).first() {
            return Err(ApiError::of(v.code));
        }
        let original = self
            .find_original(
                r.org_confirm_num.as_deref().unwrap_or_default(),
                r.org_trade_date.as_deref().unwrap_or_default(),
            )
            .ok_or(ApiError::of(codes::ORG_NOT_FOUND))?;
        let cashbill = self.revoke_cashbill(&r, &self.store.receipts[original as usize]);
        let index = self.issue_one(&cashbill, now, None).map_err(ApiError::of)?;
        Ok(self.issued_at_once(index, now))
    }
}
