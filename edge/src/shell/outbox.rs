//! The core's outbox port over the Cloudflare Queue producer binding.

use worker::{Env, Queue};

use crate::core::notify::QueueMessage;
use crate::core::outbox::{Outbox, OutboxError, Sending};

/// The producer binding (`[[queues.producers]]` in wrangler.toml).
pub const BINDING: &str = "EVENTS";

/// The queue, when the binding exists; without it every send fails (and is recovered by the
/// cron once the binding is deployed).
pub struct WorkersOutbox(Option<Queue>);

impl WorkersOutbox {
    pub fn from_env(env: &Env) -> Self {
        WorkersOutbox(env.queue(BINDING).ok())
    }
}

impl Outbox for WorkersOutbox {
    fn send_batch<'a>(&'a self, messages: &'a [QueueMessage]) -> Sending<'a> {
        Box::pin(async move {
            let queue = self
                .0
                .as_ref()
                .ok_or_else(|| OutboxError(format!("no {BINDING} queue binding")))?;
            queue
                .send_batch(messages.to_vec())
                .await
                .map_err(|e| OutboxError(e.to_string()))
        })
    }
}
