//! A faithful, stateful POPBiLL for local runs and tests.
//!
//! `sim` is the pure simulation: it takes a request and `now` and returns a response, and it
//! hands back the webhook posts that fell due. `server` is a thin hyper loop around it that
//! never sleeps or does IO while holding the state lock; `driver` runs due work on the simulated
//! clock; `control` is the `/_mock/` API; `faults` decides injected faults (seeded).

pub mod clock;
pub mod config;
mod control;
mod driver;
pub mod faults;
pub mod server;
pub mod sim;
pub mod webhook_client;

pub use clock::ClockMode;
pub use config::Config;
pub use server::run;
