//! Notifications over the ports: queueing a stored fact's events (`emit`), delivering one queue
//! message to the merchant (`deliver`), and the dead letters the merchant can list and replay
//! (`dead`).

mod dead;
mod deliver;
mod emit;

use crate::core::kv::{Kv, KvError};
use crate::core::notify::Notifications;
use crate::core::outbox::{Outbox, OutboxError};

pub use dead::{DeadOutcome, FailedPage, ReplayReport, ReplayRequest};
pub use deliver::{Delivery, DeliveryNote, deliver};
pub use emit::{Emitted, Unsent};

/// Why a notification request could not be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    #[error("the request body is not valid JSON")]
    MalformedJson,
    #[error("{0}")]
    InvalidRequest(String),
    #[error("notifications are off: set MERCHANT_WEBHOOK_URL and MERCHANT_WEBHOOK_SECRET")]
    Off,
    #[error("notifications are misconfigured; /healthz says which setting")]
    Misconfigured,
    #[error("the event queue is unavailable; retry later")]
    Queue(#[source] OutboxError),
    #[error("state storage is unavailable; retry later")]
    Storage(#[from] KvError),
}

/// Queues events and keeps dead letters, for one request or one queue batch.
pub struct Notifier<'a, K: Kv> {
    kv: &'a K,
    outbox: &'a dyn Outbox,
    notifications: &'a Notifications,
}

impl<'a, K: Kv> Notifier<'a, K> {
    pub fn new(kv: &'a K, outbox: &'a dyn Outbox, notifications: &'a Notifications) -> Self {
        Notifier {
            kv,
            outbox,
            notifications,
        }
    }

    pub fn notifications(&self) -> &'a Notifications {
        self.notifications
    }
}
