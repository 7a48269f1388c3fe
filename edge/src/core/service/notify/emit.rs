//! Queueing the events of facts just stored. The queue is the outbox: a successful send writes
//! nothing to KV. When the queue refuses, the submission is marked `unsent:{submitID}` (one
//! write, on that failure only) and the cron re-derives and re-sends every event of the
//! submission from its facts; ids are per fact, so whatever did go out is deduplicated by the
//! merchant.

use serde_json::json;

use super::Notifier;
use crate::core::kv::{Kv, KvError};
use crate::core::notify::message::{UNSENT_PREFIX, unsent_key};
use crate::core::notify::{Event, QueueMessage};
use crate::core::outbox::{OutboxError, batches};

/// What became of a fact's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emitted {
    /// Notifications are off or misconfigured, or the filter wants none of these types.
    Nothing,
    /// On the queue.
    Queued(usize),
    /// The queue refused; the submission is marked for the cron.
    Deferred(OutboxError),
}

/// A submission whose events the queue once refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsent {
    pub submit_id: String,
    pub corp_num: Option<String>,
}

impl<K: Kv> Notifier<'_, K> {
    /// Queue `events` (all of one submission). `Err` only when the queue refused *and* the
    /// marker could not be written: then nothing remembers the events, and the caller must
    /// fail so that its own retry (POPBiLL's webhook retry) brings them back.
    pub async fn emit(
        &self,
        corp_num: &str,
        submit_id: &str,
        events: Vec<Event>,
    ) -> Result<Emitted, KvError> {
        let messages: Vec<QueueMessage> = events
            .into_iter()
            .filter(|e| self.notifications.wants(e.kind))
            .map(QueueMessage::from)
            .collect();
        if messages.is_empty() {
            return Ok(Emitted::Nothing);
        }
        for batch in batches(&messages) {
            if let Err(e) = self.outbox.send_batch(batch).await {
                let meta = json!({ "corpNum": corp_num });
                self.kv
                    .put(&unsent_key(submit_id), "1", Some(&meta))
                    .await?;
                return Ok(Emitted::Deferred(e));
            }
        }
        Ok(Emitted::Queued(messages.len()))
    }

    /// Submissions marked unsent (one `list`; at most 1000 per cron run).
    pub async fn unsent(&self) -> Result<Vec<Unsent>, KvError> {
        let page = self.kv.list(UNSENT_PREFIX, None).await?;
        Ok(page
            .keys
            .into_iter()
            .filter_map(|k| {
                let submit_id = k.name.strip_prefix(UNSENT_PREFIX)?.to_owned();
                let corp_num = k
                    .metadata
                    .as_ref()
                    .and_then(|m| m.get("corpNum"))
                    .and_then(|c| c.as_str())
                    .map(str::to_owned);
                Some(Unsent {
                    submit_id,
                    corp_num,
                })
            })
            .collect())
    }

    /// The cron re-sent the submission's events.
    pub async fn clear_unsent(&self, submit_id: &str) -> Result<(), KvError> {
        self.kv.delete(&unsent_key(submit_id)).await
    }
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;
    use serde_json::json;

    use super::*;
    use crate::core::keys::FactKind;
    use crate::core::kv::MemoryKv;
    use crate::core::notify::event::{EventType, Subject};
    use crate::core::notify::{Notifications, config};
    use crate::core::outbox::MemoryOutbox;

    fn on(events: Option<&str>) -> Notifications {
        Notifications::from_lookup(|name| match name {
            config::URL_VAR => Some("https://merchant.example/hooks".into()),
            config::SECRET_VAR => Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()),
            config::EVENTS_VAR => events.map(str::to_owned),
            _ => None,
        })
    }

    fn events(n: usize) -> Vec<Event> {
        (0..n)
            .map(|i| {
                let key = format!("K-{i}");
                let subject = Subject::Receipt {
                    corp_num: "1234567890",
                    submit_id: "S-1",
                    mgt_key: &key,
                    fact: FactKind::Issue,
                };
                Event::new(
                    &subject,
                    EventType::CashbillIssued,
                    0,
                    &json!({ "mgtKey": key }),
                )
            })
            .collect()
    }

    #[test]
    fn queued_events_cost_no_kv_writes() {
        let (kv, outbox, n) = (MemoryKv::new(), MemoryOutbox::new(), on(None));
        let notifier = Notifier::new(&kv, &outbox, &n);
        let out = block_on(notifier.emit("1234567890", "S-1", events(150))).unwrap();
        assert_eq!(out, Emitted::Queued(150));
        assert_eq!(outbox.calls(), 2, "split into batches of at most 100");
        assert_eq!(outbox.sent().len(), 150);
        assert_eq!(kv.counts().writes, 0);
        assert_eq!(kv.counts().reads, 0);
    }

    #[test]
    fn nothing_is_queued_when_off_misconfigured_or_filtered() {
        let kv = MemoryKv::new();
        let outbox = MemoryOutbox::new();
        let misconfigured = Notifications::from_lookup(|name| {
            (name == config::URL_VAR).then(|| "https://merchant.example/".to_owned())
        });
        for n in [Notifications::Off, misconfigured, on(Some("submission.*"))] {
            let notifier = Notifier::new(&kv, &outbox, &n);
            let out = block_on(notifier.emit("1234567890", "S-1", events(3))).unwrap();
            assert_eq!(out, Emitted::Nothing, "{}", n.state());
        }
        assert_eq!(outbox.calls(), 0);
        assert_eq!(kv.counts().writes, 0);
    }

    #[test]
    fn a_refused_send_marks_the_submission_for_the_cron_and_clearing_unmarks_it() {
        let (kv, outbox, n) = (MemoryKv::new(), MemoryOutbox::new(), on(None));
        let notifier = Notifier::new(&kv, &outbox, &n);
        outbox.fail_next(1);
        let out = block_on(notifier.emit("1234567890", "S-1", events(2))).unwrap();
        assert!(matches!(out, Emitted::Deferred(_)), "{out:?}");
        assert!(outbox.sent().is_empty());
        let unsent = block_on(notifier.unsent()).unwrap();
        assert_eq!(
            unsent,
            [Unsent {
                submit_id: "S-1".into(),
                corp_num: Some("1234567890".into())
            }]
        );
        block_on(notifier.clear_unsent("S-1")).unwrap();
        assert!(block_on(notifier.unsent()).unwrap().is_empty());
    }

    #[test]
    fn when_queue_and_kv_both_fail_the_caller_is_told() {
        let (kv, outbox, n) = (MemoryKv::new(), MemoryOutbox::new(), on(None));
        let notifier = Notifier::new(&kv, &outbox, &n);
        outbox.fail_next(1);
        kv.fail_next_writes(1);
        assert!(block_on(notifier.emit("1234567890", "S-1", events(1))).is_err());
    }
}
