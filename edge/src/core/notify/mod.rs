//! Merchant notifications: every status change the Worker records becomes a Standard Webhooks
//! event, produced to a Cloudflare Queue once its fact is stored and POSTed, signed, to the
//! merchant's endpoint by the same Worker's queue consumer (`docs/NOTIFICATIONS.md`).
//!
//! Pure, like the rest of the core: which facts make which events and under which id
//! ([`event`]), the signature ([`signing`]), the settings ([`config`]), the queue message and the
//! dead-letter record ([`message`]), and what one delivery attempt's answer means ([`delivery`]).
//! Nothing here sends, reads a clock or touches KV; `service::notify` does that over ports.

pub mod config;
pub mod delivery;
pub mod derive;
pub mod event;
pub mod message;
pub mod signing;

pub use config::{ConfigProblem, EventFilter, Notifications, NotifyConfig};
pub use delivery::{AttemptResult, Decision, RetryPolicy};
pub use event::{Event, EventType, Subject};
pub use message::{DeadLetter, QueueMessage};
pub use signing::{Signer, SigningKey};
