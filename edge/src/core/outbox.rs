//! The outbox port: where events go once their fact is stored (a Cloudflare Queue in the
//! Worker), and an in-memory outbox for native tests that records what was sent and can fail.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;

use super::notify::QueueMessage;

/// Cloudflare Queues take at most 100 messages and 256 KB per `sendBatch`; the core splits
/// below both (with room for the JSON framing around each message).
pub const MAX_BATCH_MESSAGES: usize = 100;
pub const MAX_BATCH_BYTES: usize = 200 * 1024;

/// The queue refused or did not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("queue send failed: {0}")]
pub struct OutboxError(pub String);

/// A send in progress (boxed so that `dyn Outbox` works: the service holds one optionally, and
/// single-threaded Workers want no `Send` bound).
pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<(), OutboxError>> + 'a>>;

/// What the core needs from a queue producer.
pub trait Outbox {
    /// Send one batch (within [`MAX_BATCH_MESSAGES`] and [`MAX_BATCH_BYTES`]) atomically as far
    /// as the caller can tell: an error means "assume none was sent".
    fn send_batch<'a>(&'a self, messages: &'a [QueueMessage]) -> Sending<'a>;
}

/// Split messages into batches a single `sendBatch` accepts, in order.
pub fn batches(messages: &[QueueMessage]) -> Vec<&[QueueMessage]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, m) in messages.iter().enumerate() {
        let size = m.body.len() + m.id.len() + m.submit_id.len() + 128;
        if i > start && (i - start == MAX_BATCH_MESSAGES || bytes + size > MAX_BATCH_BYTES) {
            out.push(&messages[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < messages.len() {
        out.push(&messages[start..]);
    }
    out
}

/// In-memory outbox for native tests.
#[derive(Debug, Default)]
pub struct MemoryOutbox {
    sent: RefCell<Vec<QueueMessage>>,
    calls: Cell<u32>,
    fail_next: Cell<u32>,
}

impl MemoryOutbox {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every message sent so far, in order.
    pub fn sent(&self) -> Vec<QueueMessage> {
        self.sent.borrow().clone()
    }

    /// How many `send_batch` calls were made (failed ones included).
    pub fn calls(&self) -> u32 {
        self.calls.get()
    }

    /// Refuse the next `n` sends.
    pub fn fail_next(&self, n: u32) {
        self.fail_next.set(n);
    }

    pub fn clear(&self) {
        self.sent.borrow_mut().clear();
    }
}

impl Outbox for MemoryOutbox {
    fn send_batch<'a>(&'a self, messages: &'a [QueueMessage]) -> Sending<'a> {
        Box::pin(async move {
            self.calls.set(self.calls.get() + 1);
            if messages.len() > MAX_BATCH_MESSAGES {
                let n = messages.len();
                return Err(OutboxError(format!("{n} messages in one batch")));
            }
            let n = self.fail_next.get();
            if n > 0 {
                self.fail_next.set(n - 1);
                return Err(OutboxError("injected failure".into()));
            }
            self.sent.borrow_mut().extend_from_slice(messages);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::notify::EventType;

    fn message(i: usize, body_bytes: usize) -> QueueMessage {
        QueueMessage {
            v: 1,
            id: format!("msg_{i}"),
            kind: EventType::CashbillIssued,
            body: "x".repeat(body_bytes),
            submit_id: "S".into(),
            mgt_key: None,
        }
    }

    #[test]
    fn batches_respect_the_count_and_size_limits_and_keep_order() {
        let many: Vec<_> = (0..250).map(|i| message(i, 10)).collect();
        let b = batches(&many);
        assert_eq!(
            b.iter().map(|b| b.len()).collect::<Vec<_>>(),
            [100, 100, 50]
        );
        let big: Vec<_> = (0..10).map(|i| message(i, 60 * 1024)).collect();
        let b = batches(&big);
        assert!(
            b.iter().all(|b| b.len() == 3 || b.len() == 1),
            "{:?}",
            b.iter().map(|b| b.len()).collect::<Vec<_>>()
        );
        let flat = b.iter().flat_map(|b| b.iter()).map(|m| &m.id);
        assert!(
            flat.eq(big.iter().map(|m| &m.id)),
            "every message once, in order"
        );
        assert!(batches(&[]).is_empty());
        let huge = [message(0, 300 * 1024)];
        assert_eq!(
            batches(&huge).len(),
            1,
            "one oversized message still goes alone"
        );
    }
}
