//! Issuing one receipt (shared by bulk processing and RegistIssue) and RegistIssue itself.
//!
//! A receipt is issued at `at` when [`Sim::receipt_rules`] pass — POPBiLL's per-receipt rules
//! on the simulated clock (`popbill::validate::check_cashbill`; the first broken rule's code is
//! reported), then the rules that need the member's state: its mgtKey is not used by a live
//! receipt (-14000004), and a cancellation (취소거래) is judged against its original at that
//! moment (`Sim::judge_cancellation`, rules in `cancel`) —, its orderNumber does not ask for
//! `SCENARIO:ISSUE_FAIL:<code>`, and the points balance pays for it (-99005005). Failed
//! receipts are not stored, so their mgtKey stays free.

use popbill::codes;
use popbill::validate::{
    TAXATION_TYPES, TRADE_OPTS, TRADE_TYPES, TRADE_USAGES, check_cashbill, is_cancellation,
};
use popbill::wire::{Cashbill, IssueResponse, WebhookEvent};
use popbill::{Amount, KstDateTime};

use super::Sim;
use super::Timer;
use super::clock::SimTime;
use super::error::ApiError;
use super::request::{ApiRequest, ApiResponse};
use super::scenario::{self, Scenario};
use super::store::{CancelOf, Franchise, NtsPlan, Receipt};

/// The message of a per-receipt outcome.
pub fn outcome_message(code: i64) -> &'static str {
    if code == codes::OK {
        "발행 완료"
    } else {
        super::error::message_for(code)
    }
}

/// RegistIssue's body: one Cashbill object. Empty, malformed or mistyped → -14010015.
pub fn prepare(req: &ApiRequest) -> Result<Box<Cashbill>, i64> {
    serde_json::from_slice::<Option<Box<Cashbill>>>(&req.body)
        .ok()
        .flatten()
        .ok_or(codes::BAD_JSON)
}

fn pick(v: &Option<String>, allowed: &[&'static str]) -> Option<&'static str> {
    let v = v.as_deref()?;
    allowed.iter().copied().find(|a| *a == v)
}

fn text(v: &Option<String>) -> Option<Box<str>> {
    v.as_deref().filter(|s| !s.is_empty()).map(Box::from)
}

fn amount(v: &Option<String>) -> u32 {
    v.as_deref()
        .and_then(|s| Amount::parse(s).ok())
        .map_or(0, |a| u32::try_from(a.get()).unwrap_or(u32::MAX))
}

impl Sim {
    /// The rules a receipt must pass to be issued at `at`: POPBiLL's own per-receipt rules,
    /// then those that depend on what the member already has — its mgtKey is free and, for a
    /// cancellation, its original allows it. Returns a cancellation's link to its original.
    pub(crate) fn receipt_rules(&self, c: &Cashbill, at: SimTime) -> Result<Option<CancelOf>, i64> {
        let cancelling = is_cancellation(c);
        let broken = check_cashbill(c, &self.member.corp_num, at.kst());
        // A cancellation's franchise is compared with its original's first (-14001022), and
        // only then with the member's (README: check order).
        let later = |code: i64| cancelling && code == codes::FRANCHISE_NOT_MEMBER;
        if let Some(v) = broken.iter().find(|v| !later(v.code)) {
            return Err(v.code);
        }
        let mgt_key = c
            .mgt_key
            .as_deref()
            .expect("check_cashbill refuses a missing mgtKey");
        if self.store.by_mgt_key.contains_key(mgt_key) {
            return Err(codes::MGT_KEY_IN_USE);
        }
        let cancel = match cancelling {
            true => Some(self.judge_cancellation(c, at)?),
            false => None,
        };
        if let Some(v) = broken.first() {
            return Err(v.code);
        }
        Ok(cancel)
    }

    /// Issue one receipt at `at`, or say which code refused it.
    pub(crate) fn issue_one(
        &mut self,
        c: &Cashbill,
        at: SimTime,
        submission: Option<u32>,
    ) -> Result<u32, i64> {
        let cancel = self.receipt_rules(c, at)?;
        let nts_plan = match scenario::parse(c.order_number.as_deref()) {
            Scenario::IssueFail(code) => return Err(code),
            Scenario::NtsFail(code) => NtsPlan::Fail(code.into()),
            Scenario::None => NtsPlan::Success,
        };
        let unit_cost = self.settings.unit_cost;
        self.points.can_pay(unit_cost)?;
        let mgt_key = c
            .mgt_key
            .as_deref()
            .expect("receipt_rules refuses a missing mgtKey");
        let trade_dt = c
            .trade_dt
            .as_deref()
            .filter(|s| !s.is_empty())
            .and_then(|s| KstDateTime::parse(s).ok())
            .unwrap_or_else(|| at.kst());
        let franchise = self.store.intern(Franchise {
            tax_reg_id: text(&c.franchise_tax_reg_id),
            corp_name: text(&c.franchise_corp_name),
            ceo_name: text(&c.franchise_ceo_name),
            addr: text(&c.franchise_addr),
            tel: text(&c.franchise_tel),
        });
        let receipt = Receipt {
            mgt_key: mgt_key.into(),
            issue_no: self.ids.next_issue(),
            submission,
            issued_at: at,
            trade_dt,
            trade_type: pick(&c.trade_type, &TRADE_TYPES).unwrap_or(TRADE_TYPES[0]),
            trade_usage: pick(&c.trade_usage, &TRADE_USAGES).unwrap_or(TRADE_USAGES[0]),
            trade_opt: pick(&c.trade_opt, &TRADE_OPTS),
            taxation_type: pick(&c.taxation_type, &TAXATION_TYPES).unwrap_or(TAXATION_TYPES[0]),
            amounts: [
                amount(&c.supply_cost),
                amount(&c.tax),
                amount(&c.service_fee),
                amount(&c.total_amount),
            ],
            identity_num: c.identity_num.as_deref().unwrap_or_default().into(),
            customer_name: text(&c.customer_name),
            item_name: text(&c.item_name),
            order_number: text(&c.order_number),
            email: text(&c.email),
            hp: text(&c.hp),
            memo: text(&c.memo),
            franchise,
            smssend_yn: c.smssend_yn.unwrap_or(false),
            nts_plan,
            nts_sent_at: None,
            nts_result_at: None,
            deleted_at: None,
            cancel,
        };
        let index = u32::try_from(self.store.receipts.len()).unwrap_or(u32::MAX);
        self.store.receipts.push(receipt);
        self.store.by_mgt_key.insert(mgt_key.into(), index);
        self.points.pay(unit_cost);
        self.schedule_filing(index, at);
        if let Some(link) = cancel {
            self.record_cancellation(index, link);
        }
        self.notify_issued(index, at);
        Ok(index)
    }

    /// Receipts issued on day D are filed at 00:00 of D+1 and resulted at 11:00 of D+1.
    fn schedule_filing(&mut self, index: u32, at: SimTime) {
        let day = at.kst().date();
        let list = self.store.by_day.entry(day).or_default();
        if list.is_empty() {
            let next = day.next_day();
            self.timers
                .push(SimTime::from_kst(next.at(0, 0, 0)), Timer::File(day));
            self.timers
                .push(SimTime::from_kst(next.at(11, 0, 0)), Timer::Results(day));
        }
        list.push(index);
    }

    /// RegistIssue (`POST /Cashbill` + `ISSUE`): issue one receipt now, or refuse it whole.
    pub(crate) fn regist_issue(
        &mut self,
        prepared: Result<Box<Cashbill>, i64>,
        now: SimTime,
    ) -> Result<ApiResponse, ApiError> {
        let cashbill = prepared.map_err(ApiError::of)?;
        let index = self.issue_one(&cashbill, now, None).map_err(ApiError::of)?;
        Ok(self.issued_at_once(index, now))
    }

    /// The answer to a receipt issued at once (RegistIssue, RevokeRegistIssue), and its
    /// `Issue` webhook.
    pub(crate) fn issued_at_once(&mut self, index: u32, now: SimTime) -> ApiResponse {
        let r = &self.store.receipts[index as usize];
        let resp = IssueResponse {
            code: Some(codes::OK),
            message: Some(outcome_message(codes::OK).to_owned()),
            confirm_num: Some(self.ids.confirm_num(r.issue_no)),
            trade_date: Some(r.trade_dt.date().to_string()),
            trade_dt: Some(r.trade_dt.to_string()),
        };
        let event = WebhookEvent {
            event_type: Some("Issue".into()),
            ..self.receipt_event(r, now)
        };
        let mgt_key = r.mgt_key.clone();
        self.emit(event, "Issue", Some(mgt_key), None, now);
        ApiResponse::json(200, &resp, Some(codes::OK))
    }

    /// The fields every receipt webhook (Issue, NTS) carries.
    pub(crate) fn receipt_event(&self, r: &Receipt, at: SimTime) -> WebhookEvent {
        let corp = self.member.corp_num.as_str().to_owned();
        WebhookEvent {
            event_dt: Some(at.kst().to_string()),
            event_type: None,
            corp_num: Some(corp.clone()),
            franchise_corp_num: Some(corp),
            item_key: Some(self.ids.item_key(r.issue_no, r.issued_at)),
            mgt_key: Some(r.mgt_key.to_string()),
            trade_date: Some(r.trade_dt.date().to_string()),
            confirm_num: Some(self.ids.confirm_num(r.issue_no)),
            state_code: Some(r.state_code()),
            state_dt: Some(r.state_at().kst().to_string()),
            issue_dt: Some(r.issued_at.kst().to_string()),
            trade_dt: Some(r.trade_dt.to_string()),
            ..WebhookEvent::default()
        }
    }
}
