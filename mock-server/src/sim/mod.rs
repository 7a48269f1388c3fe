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
pub mod dump;
pub mod error;
pub mod filing;
pub mod ids;
pub mod info;
pub mod issue;
pub mod journal;
pub mod queue;
pub mod request;
pub mod revoke;
pub mod scenario;
pub mod store;
pub mod webhooks;

use popbill::{CorpNum, KstDate};
use serde::Serialize;

use self::error::{ApiError, mock_codes};
use self::ids::IdGen;
use self::journal::{JournalEntry, Ring};
use self::queue::Queue;
use self::request::{ApiRequest, ApiResponse, Route};
use self::store::Store;
use self::webhooks::Outbox;
use crate::clock::SimTime;
use crate::config::{Config, Settings};
use crate::faults::FaultBook;

pub use self::webhooks::{Attempt, Outgoing};

/// The partner and member the mock knows (fixed for its lifetime).
#[derive(Debug, Clone)]
pub struct Member {
    pub link_id: String,
    pub secret_key: String,
    pub corp_num: CorpNum,
}

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
        }
    }

    /// A simulation from a [`Config`] (its CorpNum must be 10 digits).
    pub fn from_config(c: &Config) -> Result<Self, String> {
        let corp_num =
            CorpNum::parse(&c.corp_num).map_err(|e| format!("corp_num {:?}: {e}", c.corp_num))?;
        popbill::linkhub::sign(&c.secret_key, b"", "", None, "/")
            .map_err(|e| format!("secret_key: {e}"))?;
        let member = Member {
            link_id: c.link_id.clone(),
            secret_key: c.secret_key.clone(),
            corp_num,
        };
        Ok(Sim::new(
            member,
            Settings::from_config(c),
            c.seed,
            c.log_capacity,
        ))
    }

    /// Answer one request at `now` (after applying what fell due) and journal it.
    pub fn handle(
        &mut self,
        req: &ApiRequest,
        route: &Route,
        prepared: Prepared,
        now: SimTime,
    ) -> ApiResponse {
        self.catch_up(now);
        let result = match (route, prepared) {
            (Route::Time, _) => Ok(ApiResponse::text(200, now.linkhub())),
            (Route::Token { service_id }, _) => self.issue_token(req, service_id, now),
            (Route::BulkSubmit, Prepared::Bulk(p)) => self.bulk_submit(req, p, now),
            (Route::RegistIssue, Prepared::Issue(p)) => self.regist_issue(req, p, now),
            (Route::RevokeRegistIssue, Prepared::Revoke(p)) => {
                self.revoke_regist_issue(req, p, now)
            }
            (Route::GetBulkResult { submit_id }, _) => self.get_bulk_result(req, submit_id, now),
            (Route::GetInfo { mgt_key }, _) => self.get_info(req, mgt_key, now),
            (Route::GetInfos, Prepared::Infos(p)) => self.get_infos(req, p, now),
            (Route::NotSimulated { what }, _) => Err(ApiError::with_message(
                mock_codes::NOT_SIMULATED,
                format!("mock: not simulated: {what}"),
            )),
            _ => Err(ApiError::of(mock_codes::ROUTE_NOT_FOUND)),
        };
        let resp = result.unwrap_or_else(|e| e.response());
        self.journal(req, route, now, Some(resp.status), resp.code, None);
        resp
    }

    /// Prepare and handle in one step (tests, property tests).
    pub fn handle_raw(&mut self, req: &ApiRequest, now: SimTime) -> ApiResponse {
        let route = request::route(req);
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
        *self = Sim::new(self.member.clone(), settings, self.seed, self.log_capacity);
        self.tokens = tokens;
        self.epoch = epoch;
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
