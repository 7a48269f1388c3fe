//! What the shell's tasks share: the simulation and its clock behind one lock, the driver turn,
//! the webhook client.

use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use crate::sim::Sim;
use crate::sim::clock::{SimClock, SimTime};
use crate::webhook_client::WebhookClient;

/// The simulation and its clock, behind one lock.
pub(crate) struct Core {
    pub sim: Sim,
    pub clock: SimClock,
}

impl Core {
    pub fn now(&self) -> SimTime {
        self.clock.now(Instant::now())
    }
}

pub(crate) struct Shared {
    core: Mutex<Core>,
    /// One driver at a time runs due events (advance, the real-time ticker, post-request nudges).
    pub driver: tokio::sync::Mutex<()>,
    pub webhooks: WebhookClient,
    pub max_body: usize,
}

impl Shared {
    pub fn new(core: Core, max_body: usize) -> Self {
        Shared {
            core: Mutex::new(core),
            driver: tokio::sync::Mutex::new(()),
            webhooks: WebhookClient::new(),
            max_body,
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, Core> {
        // A panic while holding the lock would be a bug; the state is still the best we have.
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }
}
