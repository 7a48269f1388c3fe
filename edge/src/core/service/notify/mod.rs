//! Notifications over the ports: queueing a stored fact's events (`emit`), delivering one queue
//! message to the merchant (`deliver`), and the dead letters the merchant can list and replay
//! (`dead`).

mod dead;
mod deliver;
mod emit;

use crate::core::kv::Kv;
use crate::core::notify::Notifications;
use crate::core::outbox::Outbox;

pub use dead::{DeadOutcome, FailedPage, ReplayReport, ReplayRequest};
pub use deliver::{Delivery, DeliveryNote, deliver};
pub use emit::{Emitted, Unsent};

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
}
