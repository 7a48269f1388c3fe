//! A faithful, stateful POPBiLL for local runs and tests.
//!
//! `sim` is the pure core: the simulation (a request and `now` in, a response out, plus the
//! webhook posts that fell due), its clock, configuration and fault rules. It does no IO and
//! reads no clock. Beside it, the shell: `server` is a thin hyper loop around the core that
//! never sleeps or does IO while holding the state lock; `shared` is the state the shell's
//! tasks share; `driver` runs due work on the simulated clock; `control` is the `/_mock/` API;
//! `webhook_client` makes the webhook posts.

mod control;
mod driver;
pub mod server;
mod shared;
pub mod sim;
pub mod webhook_client;

pub use server::run;
pub use sim::clock::ClockMode;
pub use sim::config::{self, Config, ConfigError};
