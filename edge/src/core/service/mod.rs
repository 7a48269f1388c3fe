//! The Worker's behaviour over its ports (KV, POPBiLL), with the time passed in. The `worker`
//! shell calls these; native tests call them with an in-memory KV and a fake POPBiLL.

mod events;
pub mod notify;
mod poll;
mod read;
mod reconcile;
mod refund;
mod refund_read;
mod release;
mod report;
mod send;
mod submit;
mod webhook;

use popbill::CorpNum;

use super::kv::Kv;
use super::notify::Notifications;
use super::outbox::Outbox;
use super::store::Store;
use super::upstream::Upstream;
use super::webhook::WebhookAuth;

pub use events::Resent;
pub use poll::{PollError, PollOutcome};
pub use reconcile::{EXAMINE_BUDGET, FACT_BUDGET, KV_BUDGET, KV_LIMIT, minute_of, rotation_start};
pub use refund::Refunded;
pub use report::{Problem, ReconcileReport, Step};
pub use submit::Submitted;
pub use webhook::WebhookOutcome;

/// Settings the service needs (from Worker vars and secrets).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Issued for when a submission names no corpNum.
    pub default_corp: CorpNum,
    /// Every CorpNum this Worker may issue for (includes `default_corp`).
    pub allowed_corps: Vec<CorpNum>,
    pub webhook_auth: WebhookAuth,
}

/// Where the merchant's events go (`events.rs`): the queue, the settings, and the Worker's own
/// clock for the events' timestamps.
#[derive(Clone, Copy)]
pub struct Events<'a> {
    pub outbox: &'a dyn Outbox,
    pub notifications: &'a Notifications,
    pub clock: &'a dyn popbill::Clock,
}

pub struct Service<'a, K: Kv, U: Upstream> {
    kv: &'a K,
    upstream: &'a U,
    settings: &'a Settings,
    /// `None`: nothing is queued (tests of other behaviour, the short-lived shells that never
    /// record facts).
    events: Option<Events<'a>>,
}

impl<'a, K: Kv, U: Upstream> Service<'a, K, U> {
    pub fn new(kv: &'a K, upstream: &'a U, settings: &'a Settings) -> Self {
        Service {
            kv,
            upstream,
            settings,
            events: None,
        }
    }

    /// The same service, queueing the merchant's events once their facts are stored.
    pub fn with_events(mut self, events: Events<'a>) -> Self {
        self.events = Some(events);
        self
    }

    fn store(&self) -> Store<'a, K> {
        Store::new(self.kv)
    }
}
