//! Pure logic of the Worker: no `worker` crate, no clock, no IO beyond the ports in `kv` and
//! `upstream`. Everything here builds and tests natively.

pub mod api;
pub mod body;
pub mod cashbills;
pub mod config;
pub mod facts;
#[cfg(test)]
mod fixtures;
pub mod health;
pub mod intake;
pub mod keys;
pub mod kv;
pub mod meta;
pub mod notify;
pub mod outbox;
pub mod reconcile;
pub mod refund;
pub mod router;
pub mod secret;
pub mod service;
pub mod status;
pub mod store;
pub mod submission;
pub mod upstream;
pub mod webhook;
