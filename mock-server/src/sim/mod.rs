//! The pure simulation: POPBiLL's state and rules, driven by requests and by simulated time.
//!
//! Nothing here does IO, sleeps or reads a clock. [`Sim::handle`] answers one request at `now`;
//! [`Sim::run_due`] applies everything due at a time and hands back the webhook posts to make;
//! [`Sim::record_delivery`] takes their outcome back. The server wraps this in a lock and never
//! holds the lock across IO.

pub mod auth;
pub mod bulk;
pub mod bulk_body;
pub mod cancel;
pub mod clock;
pub mod config;
pub mod delete;
pub mod detail;
pub mod drive;
pub mod dump;
pub mod error;
pub mod faults;
pub mod filing;
pub mod ids;
pub mod info;
pub mod issue;
pub mod journal;
pub mod messages;
pub mod points;
pub mod queue;
pub mod request;
pub mod revoke;
pub mod route;
pub mod scenario;
pub mod search;
pub mod settings;
pub mod store;
pub mod view;
pub mod webhooks;

use popbill::KstDate;
use serde::Serialize;

use self::clock::{Now, SimTime};
use self::config::{Config, ConfigError, Member};
use self::error::{ApiError, mock_codes};
use self::faults::FaultBook;
use self::ids::IdGen;
use self::journal::{JournalEntry, Ring};
use self::messages::Mailbox;
use self::points::Points;
use self::queue::Queue;
use self::request::{ApiRequest, ApiResponse};
use self::route::Route;
use self::settings::Settings;
use self::store::Store;
use self::webhooks::Outbox;

pub use self::webhooks::{Attempt, Outgoing};

/// Internal (non-IO) events on the simulated clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// A submission moves to txState 1.
    Start(u32),
    /// A submission is processed: every receipt is issued or fails; txState 2.
    Complete(u32),
    /// 00:00 after the issue day: receipts are sent to the NTS.
    File(KstDate),
    /// 11:00 after the issue day: filing results (304/305) and NTS webhooks.
    Results(KstDate),
}

/// What ran since it was last taken (the answer to `POST /_mock/clock/advance`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ran {
    /// Processing steps (txState 0→1 and 1→2).
    pub processing: u64,
    /// Webhook attempts answered with success.
    pub webhooks_sent: u64,
    /// Webhook attempts that failed (each retry counts).
    pub webhooks_failed: u64,
    /// Receipts sent to the NTS at midnight.
    pub filed: u64,
    /// Receipts that got their filing result at 11:00.
    pub results: u64,
}

/// Work the server may do outside the lock, prepared from the request alone.
#[derive(Debug)]
pub enum Prepared {
    None,
    Bulk(bulk::PreparedBulk),
    Issue(Result<Box<popbill::wire::Cashbill>, i64>),
    Revoke(Result<Box<popbill::wire::RevokeRequest>, i64>),
    Infos(Result<Vec<String>, i64>),
}

/// Parse and hash what can be done without state (no lock needed).
pub fn prepare(route: &Route, req: &ApiRequest) -> Prepared {
    match route {
        Route::BulkSubmit => Prepared::Bulk(bulk::prepare(req)),
        Route::RegistIssue => Prepared::Issue(issue::prepare(req)),
        Route::RevokeRegistIssue => Prepared::Revoke(revoke::prepare(req)),
        Route::GetInfos => Prepared::Infos(info::prepare(req)),
        _ => Prepared::None,
    }
}

pub struct Sim {
    pub member: Member,
    pub settings: Settings,
    seed: u64,
    log_capacity: usize,
    /// Bumped by `reset`, so webhook outcomes from before a reset are ignored.
    epoch: u64,
    ids: IdGen,
    tokens: auth::Tokens,
    store: Store,
    timers: Queue<Timer>,
    outbox: Outbox,
    pub faults: FaultBook,
    journal: Ring<JournalEntry>,
    ran: Ran,
    points: Points,
    /// The balances `points` starts from (and returns to on reset).
    start_points: (u64, u64),
    messages: Mailbox,
}

impl Sim {
    pub fn new(member: Member, settings: Settings, seed: u64, log_capacity: usize) -> Self {
        Sim {
            member,
            settings,
            seed,
            log_capacity,
            epoch: 0,
            ids: IdGen::new(seed),
            tokens: auth::Tokens::default(),
            store: Store::default(),
            timers: Queue::default(),
            outbox: Outbox::new(log_capacity),
            faults: FaultBook::new(seed),
            journal: Ring::new(log_capacity),
            ran: Ran::default(),
            points: Points::new(config::DEFAULT_POINTS, config::DEFAULT_POINTS),
            start_points: (config::DEFAULT_POINTS, config::DEFAULT_POINTS),
            messages: Mailbox::new(log_capacity),
        }
    }

    /// A simulation from a [`Config`] (checked by [`Config::member`]).
    pub fn from_config(c: &Config) -> Result<Self, ConfigError> {
        let mut sim = Sim::new(
            c.member()?,
            Settings::from_config(c),
            c.seed,
            c.log_capacity,
        );
        sim.start_points = (c.points, c.partner_points);
        sim.points = Points::new(c.points, c.partner_points);
        Ok(sim)
    }

    /// Answer one request at `now` (after applying what fell due) and journal it. Business
    /// time is `now.sim`; Linkhub's date check and token lifetimes may follow `now.wall`.
    pub fn handle(
        &mut self,
        req: &ApiRequest,
        route: &Route,
        prepared: Prepared,
        now: impl Into<Now>,
    ) -> ApiResponse {
        let now = now.into();
        self.catch_up(now.sim);
        let result = self.dispatch(req, route, prepared, now);
        let resp = result.unwrap_or_else(|e| e.response());
        self.journal(req, route, now.sim, Some(resp.status), resp.code, None);
        resp
    }

    fn dispatch(
        &mut self,
        req: &ApiRequest,
        route: &Route,
        prepared: Prepared,
        now: Now,
    ) -> Result<ApiResponse, ApiError> {
        if route.needs_bearer() {
            self.check_bearer(req, now)?;
        }
        let t = now.sim;
        match (route, prepared) {
            (Route::Time, _) => Ok(ApiResponse::text(200, t.linkhub())),
            (Route::Token { service_id }, _) => self.issue_token(req, service_id, now),
            (Route::BulkSubmit, Prepared::Bulk(p)) => self.bulk_submit(req, p, t),
            (Route::RegistIssue, Prepared::Issue(p)) => self.regist_issue(p, t),
            (Route::RevokeRegistIssue, Prepared::Revoke(p)) => self.revoke_regist_issue(p, t),
            (Route::GetBulkResult { submit_id }, _) => self.get_bulk_result(submit_id),
            (Route::GetInfo { mgt_key }, _) => self.get_info(mgt_key),
            (Route::GetInfos, Prepared::Infos(p)) => self.get_infos(p),
            (Route::Balance, _) => self.get_balance(),
            (Route::PartnerBalance, _) => self.get_partner_balance(),
            (Route::UnitCost, _) => self.get_unit_cost(),
            (Route::ChargeInfo, _) => self.get_charge_info(),
            (Route::Search, _) => self.search(req),
            (Route::ListEmailConfig, _) => self.list_email_config(),
            (Route::UpdateEmailConfig, _) => self.update_email_config(req),
            (Route::MassPrint, _) => self.get_mass_print_url(req),
            (Route::DetailInfo { mgt_key }, _) => self.get_detail_info(mgt_key),
            (Route::Logs { mgt_key }, _) => self.get_logs(mgt_key),
            (Route::ViewUrl { mgt_key, togo }, _) => self.get_view_url(mgt_key, togo),
            (Route::Delete { mgt_key }, _) => self.delete(mgt_key, t),
            (Route::SendEmail { mgt_key }, _) => self.send_email(req, mgt_key, t),
            (Route::SendSms { mgt_key }, _) => self.send_sms(req, mgt_key, t),
            (Route::ViewPage { rest }, _) => Ok(self.view_page(req, rest)),
            (Route::NotSimulated { what }, _) => Err(ApiError::mock(
                mock_codes::NOT_SIMULATED,
                format!("mock: not simulated: {what}"),
            )),
            _ => Err(ApiError::mock(
                mock_codes::ROUTE_NOT_FOUND,
                format!(
                    "요청한 경로가 존재하지 않습니다. (mock: no route {} {})",
                    req.method, req.path
                ),
            )),
        }
    }

    /// Prepare and handle in one step (tests, property tests).
    pub fn handle_raw(&mut self, req: &ApiRequest, now: impl Into<Now>) -> ApiResponse {
        let route = route::route(req);
        let prepared = prepare(&route, req);
        self.handle(req, &route, prepared, now)
    }

    /// Journal a call that a fault answered or dropped.
    pub fn journal(
        &mut self,
        req: &ApiRequest,
        route: &Route,
        now: SimTime,
        status: Option<u16>,
        code: Option<i64>,
        fault: Option<&'static str>,
    ) {
        let submit_id = match route {
            Route::GetBulkResult { submit_id } => Some(submit_id.as_str()),
            Route::BulkSubmit => req.header("x-pb-submit-id"),
            _ => None,
        };
        let ov = req.header("x-http-method-override");
        self.journal.push(|seq| {
            JournalEntry::new(
                seq,
                now,
                req.method.as_str(),
                &req.path,
                ov,
                submit_id,
                status,
                code,
                fault,
            )
        });
    }

    /// Tag the last journaled call with the fault that touched it (delay, timeout_after_commit).
    pub fn mark_last_fault(&mut self, fault: Option<&'static str>) {
        if let Some(e) = self.journal.last_mut() {
            e.fault = fault;
        }
    }

    /// Apply every internal event due at or before `now`, each at its own time.
    pub fn catch_up(&mut self, now: SimTime) {
        while let Some((at, timer)) = self.timers.pop_due(now) {
            match timer {
                Timer::Start(i) => self.start_processing(i, at),
                Timer::Complete(i) => self.complete_processing(i, at),
                Timer::File(day) => self.file_day(day, at),
                Timer::Results(day) => self.results_day(day, at),
            }
        }
    }

    /// When the next internal event or webhook attempt falls due.
    pub fn next_due(&self) -> Option<SimTime> {
        match (self.timers.next_at(), self.outbox.next_at()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn has_due(&self, now: SimTime) -> bool {
        self.next_due().is_some_and(|t| t <= now)
    }

    /// Apply everything due at or before `at` and return the webhook posts to make now.
    pub fn run_due(&mut self, at: SimTime) -> Vec<Outgoing> {
        self.catch_up(at);
        self.take_due_webhooks(at)
    }

    /// Counts of what ran since the last call.
    pub fn take_ran(&mut self) -> Ran {
        std::mem::take(&mut self.ran)
    }

    /// Forget every receipt, submission, webhook, fault and log line. Keeps settings, tokens
    /// (so running clients keep working) and never moves the clock.
    pub fn reset(&mut self) {
        let tokens = std::mem::take(&mut self.tokens);
        let settings = self.settings.clone();
        let epoch = self.epoch + 1;
        let (start, partner) = self.start_points;
        *self = Sim::new(self.member.clone(), settings, self.seed, self.log_capacity);
        self.tokens = tokens;
        self.epoch = epoch;
        self.start_points = (start, partner);
        self.points = Points::new(start, partner);
    }

    pub fn journal_json(&self) -> serde_json::Value {
        serde_json::Value::Array(self.journal.iter().map(JournalEntry::to_json).collect())
    }

    pub fn journal_len(&self) -> usize {
        self.journal.len()
    }
}

#[cfg(test)]
mod tests;
