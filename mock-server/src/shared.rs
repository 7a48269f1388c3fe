//! What the shell's tasks share: the simulation and its clock behind one lock, the driver turn,
//! the webhook client.

use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use crate::sim::Sim;
use crate::sim::clock::{Now, SimClock, SimTime};
use crate::webhook_client::WebhookClient;

/// The simulation and its clock, behind one lock.
pub(crate) struct Core {
    pub sim: Sim,
    pub clock: SimClock,
}

impl Core {
    /// The simulated time now.
    pub fn now(&self) -> SimTime {
        self.clock.now(Instant::now())
    }

    /// Both clocks now: the simulated one and the wall clock (auth may follow the latter).
    pub fn clocks(&self) -> Now {
        Now {
            sim: self.now(),
            wall: wall_clock(),
        }
    }
}

/// The real wall clock (UTC), as a [`SimTime`]. The only place the mock reads it.
pub(crate) fn wall_clock() -> SimTime {
    SimTime(chrono::Utc::now().timestamp_millis())
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
