//! Dead letters: events the merchant's endpoint never accepted within the retries. The
//! dead-letter queue's consumer keeps each under `dead:{eventId}`; the merchant lists them
//! (`GET /v1/notifications/failed`) and sends them again (`POST /v1/notifications/replay`), with
//! the same id and body, for a fresh round of retries.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Notifier;
use crate::core::api::{BodyError, NotificationsError};
use crate::core::kv::{Kv, KvError};
use crate::core::notify::message::{
    DEAD_PREFIX, DeadLetter, FailedEvent, MessageError, dead_key, valid_event_id,
};
use crate::core::notify::{Notifications, QueueMessage};
use crate::core::outbox::{MAX_BATCH_MESSAGES, batches};

/// What the dead-letter consumer did with one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadOutcome {
    Recorded {
        id: String,
    },
    /// Not a notification message: nothing to keep (logged, acknowledged).
    Unreadable(MessageError),
}

/// One page of dead letters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedPage {
    pub failed: Vec<FailedEvent>,
    /// Present when more follow: pass it back as `?cursor=`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `{"ids": ["msg_…", …]}` (1 to 100 dead letters), `{"all": true}` (the next 100 dead
/// letters) or `{"submitID": "…"}` (every event the submission's facts make, sent again).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    #[serde(default)]
    pub ids: Option<Vec<String>>,
    #[serde(default)]
    pub all: bool,
    #[serde(default, rename = "submitID")]
    pub submit_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplayReport {
    /// Back on the queue, their dead letters removed.
    pub replayed: Vec<String>,
    /// Asked for but not dead-lettered (never, or already replayed).
    #[serde(rename = "notFound")]
    pub not_found: Vec<String>,
    /// `all`: more dead letters remain; call again.
    pub remaining: bool,
}

impl ReplayRequest {
    pub fn parse(body: &[u8]) -> Result<Self, NotificationsError> {
        let value: Value = serde_json::from_slice(body).map_err(|_| BodyError::MalformedJson)?;
        let req: ReplayRequest = serde_json::from_value(value).map_err(|e| {
            NotificationsError::InvalidRequest(format!(
                "expected {{\"ids\":[…]}}, {{\"all\":true}} or {{\"submitID\":\"…\"}}: {e}"
            ))
        })?;
        let asked = usize::from(req.ids.is_some())
            + usize::from(req.all)
            + usize::from(req.submit_id.is_some());
        if asked != 1 {
            return Err(NotificationsError::InvalidRequest(
                "give exactly one of \"ids\", \"all\": true or \"submitID\"".into(),
            ));
        }
        if let Some(ids) = &req.ids {
            if ids.is_empty() || ids.len() > MAX_BATCH_MESSAGES {
                return Err(NotificationsError::InvalidRequest(format!(
                    "\"ids\" must list 1 to {MAX_BATCH_MESSAGES} event ids"
                )));
            }
            if let Some(i) = ids.iter().position(|id| !valid_event_id(id)) {
                return Err(NotificationsError::InvalidRequest(format!(
                    "ids[{i}] is not an event id (msg_…)"
                )));
            }
        }
        Ok(req)
    }
}

impl<K: Kv> Notifier<'_, K> {
    /// Replays need somewhere to deliver to.
    pub fn ensure_on(&self) -> Result<(), NotificationsError> {
        match self.notifications {
            Notifications::On(_) => Ok(()),
            Notifications::Off => Err(NotificationsError::Off),
            Notifications::Misconfigured(_) => Err(NotificationsError::Misconfigured),
        }
    }

    /// The dead-letter queue's consumer: keep the event where the merchant can see it.
    pub async fn record_dead(&self, raw: Value, now_ms: i64) -> Result<DeadOutcome, KvError> {
        let message = match QueueMessage::parse(raw) {
            Ok(m) => m,
            Err(e) => return Ok(DeadOutcome::Unreadable(e)),
        };
        let dead = DeadLetter {
            message,
            dead_ms: now_ms,
        };
        let value = serde_json::to_string(&dead).expect("a dead letter always serializes");
        self.kv
            .put(&dead_key(&dead.message.id), &value, Some(&dead.metadata()))
            .await?;
        Ok(DeadOutcome::Recorded {
            id: dead.message.id,
        })
    }

    /// One page (up to 1000) of dead letters: one `list`, whatever the page holds.
    pub async fn failed(&self, cursor: Option<&str>) -> Result<FailedPage, KvError> {
        let page = self.kv.list(DEAD_PREFIX, cursor).await?;
        Ok(FailedPage {
            failed: page
                .keys
                .iter()
                .filter_map(|k| FailedEvent::from_listing(&k.name, k.metadata.as_ref()))
                .collect(),
            cursor: page.cursor,
        })
    }

    /// Put dead letters back on the queue, then remove them. A removal that fails leaves the
    /// record, and a second replay sends the event again: the merchant deduplicates by id.
    pub async fn replay(&self, req: &ReplayRequest) -> Result<ReplayReport, NotificationsError> {
        self.ensure_on()?;
        let (ids, remaining) = match &req.ids {
            Some(ids) => {
                let unique: BTreeSet<&String> = ids.iter().collect();
                (unique.into_iter().cloned().collect::<Vec<_>>(), false)
            }
            None => {
                let page = self.failed(None).await?;
                let more = page.failed.len() > MAX_BATCH_MESSAGES || page.cursor.is_some();
                let ids = page
                    .failed
                    .into_iter()
                    .take(MAX_BATCH_MESSAGES)
                    .map(|f| f.id);
                (ids.collect(), more)
            }
        };
        let keys: Vec<String> = ids.iter().map(|id| dead_key(id)).collect();
        let stored = self.kv.get_many(&keys).await?;
        let mut messages = Vec::new();
        let mut not_found = Vec::new();
        for (id, raw) in ids.iter().zip(stored) {
            match raw.and_then(|s| serde_json::from_str::<DeadLetter>(&s).ok()) {
                Some(dead) if dead.message.id == *id => messages.push(dead.message),
                _ => not_found.push(id.clone()),
            }
        }
        for batch in batches(&messages) {
            self.outbox
                .send_batch(batch)
                .await
                .map_err(NotificationsError::Queue)?;
        }
        for m in &messages {
            // Best effort: a record left behind is only replayed again.
            let _ = self.kv.delete(&dead_key(&m.id)).await;
        }
        Ok(ReplayReport {
            replayed: messages.into_iter().map(|m| m.id).collect(),
            not_found,
            remaining,
        })
    }
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;
    use serde_json::json;

    use super::*;
    use crate::core::keys::FactKind;
    use crate::core::kv::MemoryKv;
    use crate::core::notify::config;
    use crate::core::notify::event::{Event, EventType, Subject};
    use crate::core::outbox::MemoryOutbox;

    fn on() -> Notifications {
        Notifications::from_lookup(|name| match name {
            config::URL_VAR => Some("https://merchant.example/hooks".into()),
            config::SECRET_VAR => Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()),
            _ => None,
        })
    }

    fn message(key: &str) -> QueueMessage {
        let subject = Subject::Receipt {
            corp_num: "1234567890",
            submit_id: "S-1",
            mgt_key: key,
            fact: FactKind::Issue,
        };
        Event::new(
            &subject,
            EventType::CashbillIssued,
            0,
            &json!({ "mgtKey": key }),
        )
        .into()
    }

    fn kill(notifier: &Notifier<'_, MemoryKv>, keys: &[&str]) -> Vec<QueueMessage> {
        keys.iter()
            .map(|k| {
                let m = message(k);
                let raw = serde_json::to_value(&m).unwrap();
                let out = block_on(notifier.record_dead(raw, 1_000)).unwrap();
                assert_eq!(out, DeadOutcome::Recorded { id: m.id.clone() });
                m
            })
            .collect()
    }

    #[test]
    fn dead_letters_are_listed_and_replayed_with_the_same_id_and_body() {
        let (kv, outbox, n) = (MemoryKv::new(), MemoryOutbox::new(), on());
        let notifier = Notifier::new(&kv, &outbox, &n);
        let dead = kill(&notifier, &["K-1", "K-2", "K-3"]);
        let page = block_on(notifier.failed(None)).unwrap();
        assert_eq!(page.failed.len(), 3);
        assert!(
            page.failed
                .iter()
                .all(|f| f.kind == Some(EventType::CashbillIssued))
        );
        let req = ReplayRequest::parse(
            format!(
                r#"{{"ids":["{}","{}","msg_0000"]}}"#,
                dead[0].id, dead[0].id
            )
            .as_bytes(),
        )
        .unwrap();
        let report = block_on(notifier.replay(&req)).unwrap();
        assert_eq!(
            report.replayed,
            [dead[0].id.clone()],
            "asked twice, sent once"
        );
        assert_eq!(report.not_found, ["msg_0000"]);
        assert_eq!(
            outbox.sent(),
            [dead[0].clone()],
            "the same message, byte for byte"
        );
        let left = block_on(notifier.failed(None)).unwrap();
        assert_eq!(left.failed.len(), 2);
        let all = ReplayRequest::parse(br#"{"all":true}"#).unwrap();
        let report = block_on(notifier.replay(&all)).unwrap();
        assert_eq!(report.replayed.len(), 2);
        assert!(!report.remaining);
        assert!(block_on(notifier.failed(None)).unwrap().failed.is_empty());
    }

    #[test]
    fn replay_takes_at_most_a_hundred_and_says_when_more_remain() {
        let (kv, outbox, n) = (MemoryKv::new(), MemoryOutbox::new(), on());
        let notifier = Notifier::new(&kv, &outbox, &n);
        let keys: Vec<String> = (0..130).map(|i| format!("K-{i}")).collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        kill(&notifier, &refs);
        let all = ReplayRequest::parse(br#"{"all":true}"#).unwrap();
        let first = block_on(notifier.replay(&all)).unwrap();
        assert_eq!((first.replayed.len(), first.remaining), (100, true));
        let second = block_on(notifier.replay(&all)).unwrap();
        assert_eq!((second.replayed.len(), second.remaining), (30, false));
        assert_eq!(outbox.sent().len(), 130);
    }

    #[test]
    fn a_queue_failure_keeps_every_dead_letter() {
        let (kv, outbox, n) = (MemoryKv::new(), MemoryOutbox::new(), on());
        let notifier = Notifier::new(&kv, &outbox, &n);
        kill(&notifier, &["K-1"]);
        outbox.fail_next(1);
        let all = ReplayRequest::parse(br#"{"all":true}"#).unwrap();
        assert!(matches!(
            block_on(notifier.replay(&all)),
            Err(NotificationsError::Queue(_))
        ));
        assert_eq!(block_on(notifier.failed(None)).unwrap().failed.len(), 1);
    }

    #[test]
    fn replay_is_refused_while_notifications_are_off_and_for_bad_requests() {
        let (kv, outbox) = (MemoryKv::new(), MemoryOutbox::new());
        let off = Notifications::Off;
        let notifier = Notifier::new(&kv, &outbox, &off);
        let all = ReplayRequest::parse(br#"{"all":true}"#).unwrap();
        assert!(matches!(
            block_on(notifier.replay(&all)),
            Err(NotificationsError::Off)
        ));
        let hundred_one: Vec<String> = (0..101).map(|i| format!("\"msg_{i}\"")).collect();
        let too_many = format!("{{\"ids\":[{}]}}", hundred_one.join(","));
        let cases: [(&[u8], &str); 9] = [
            (b"not json", "malformed"),
            (b"{}", "neither ids nor all"),
            (br#"{"all":false}"#, "all false"),
            (br#"{"ids":[]}"#, "no ids"),
            (br#"{"ids":["msg_1"],"all":true}"#, "both"),
            (br#"{"submitID":"S-1","all":true}"#, "a submission and all"),
            (br#"{"ids":["dead:msg_1"]}"#, "not an id"),
            (br#"{"ids":["msg_1"],"since":1}"#, "unknown field"),
            (too_many.as_bytes(), "more than 100"),
        ];
        for (body, why) in cases {
            assert!(ReplayRequest::parse(body).is_err(), "{why}");
        }
        assert!(matches!(
            ReplayRequest::parse(b"["),
            Err(NotificationsError::Body(BodyError::MalformedJson))
        ));
        let by_submission = ReplayRequest::parse(br#"{"submitID":"S-1"}"#).unwrap();
        assert_eq!(by_submission.submit_id.as_deref(), Some("S-1"));
    }

    #[test]
    fn unreadable_dead_letters_are_not_kept() {
        let (kv, outbox, n) = (MemoryKv::new(), MemoryOutbox::new(), on());
        let notifier = Notifier::new(&kv, &outbox, &n);
        let out = block_on(notifier.record_dead(json!({ "hello": 1 }), 0)).unwrap();
        assert!(matches!(out, DeadOutcome::Unreadable(_)));
        assert_eq!(kv.counts().writes, 0);
    }
}
