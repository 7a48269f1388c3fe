//! What travels through the queue, and what is kept when an event cannot be delivered.
//!
//! | KV key                | value                                   | written                         |
//! |-----------------------|-----------------------------------------|---------------------------------|
//! | `dead:{eventId}`      | [`DeadLetter`] (metadata: type, submitID, mgtKey, deadMs) | once per dead-lettered event; deleted by a replay |
//! | `unsent:{submitID}`   | `1` (metadata: corpNum)                 | only when the queue refused a send; deleted once the cron re-sent |
//!
//! Neither is written while deliveries succeed: the queue itself is the outbox.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::event::{Event, EventType};

/// The message format's version; a consumer refuses any other.
pub const VERSION: u8 = 1;

pub const DEAD_PREFIX: &str = "dead:";
pub const UNSENT_PREFIX: &str = "unsent:";

pub fn dead_key(event_id: &str) -> String {
    format!("{DEAD_PREFIX}{event_id}")
}

pub fn unsent_key(submit_id: &str) -> String {
    format!("{UNSENT_PREFIX}{submit_id}")
}

/// One event in the queue: everything the consumer needs, so delivery reads nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMessage {
    pub v: u8,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: EventType,
    /// The exact bytes every attempt signs and sends.
    pub body: String,
    #[serde(rename = "submitID")]
    pub submit_id: String,
    #[serde(rename = "mgtKey", default, skip_serializing_if = "Option::is_none")]
    pub mgt_key: Option<String>,
}

/// Why a queue message cannot be delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("not a notification message: {0}")]
    Malformed(String),
    #[error("message format version {0} is not {VERSION}")]
    Version(u8),
    #[error("event id is not of the form msg_<letters, digits, _>")]
    BadId,
}

/// Event ids name KV keys (`dead:{id}`) and go in a header: a short, plain charset only.
pub fn valid_event_id(id: &str) -> bool {
    id.len() <= 64
        && id.starts_with("msg_")
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl From<Event> for QueueMessage {
    fn from(e: Event) -> Self {
        QueueMessage {
            v: VERSION,
            id: e.id,
            kind: e.kind,
            body: e.body,
            submit_id: e.submit_id,
            mgt_key: e.mgt_key,
        }
    }
}

impl QueueMessage {
    /// A message as the queue hands it over (JSON content).
    pub fn parse(value: Value) -> Result<Self, MessageError> {
        let m: QueueMessage =
            serde_json::from_value(value).map_err(|e| MessageError::Malformed(e.to_string()))?;
        if m.v != VERSION {
            return Err(MessageError::Version(m.v));
        }
        if !valid_event_id(&m.id) {
            return Err(MessageError::BadId);
        }
        Ok(m)
    }
}

/// An event the merchant's endpoint never accepted, kept under `dead:{eventId}` until replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub message: QueueMessage,
    /// When the dead-letter consumer recorded it (Unix ms).
    #[serde(rename = "deadMs")]
    pub dead_ms: i64,
}

impl DeadLetter {
    /// Listed with every key, so `GET /v1/notifications/failed` is one `list` per 1000.
    pub fn metadata(&self) -> Value {
        json!({
            "type": self.message.kind,
            "submitID": self.message.submit_id,
            "mgtKey": self.message.mgt_key,
            "deadMs": self.dead_ms,
        })
    }
}

/// One dead-lettered event as `GET /v1/notifications/failed` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Option<EventType>,
    #[serde(rename = "submitID", skip_serializing_if = "Option::is_none")]
    pub submit_id: Option<String>,
    #[serde(rename = "mgtKey", skip_serializing_if = "Option::is_none")]
    pub mgt_key: Option<String>,
    /// ISO 8601, UTC.
    #[serde(rename = "deadAt", skip_serializing_if = "Option::is_none")]
    pub dead_at: Option<String>,
}

impl FailedEvent {
    /// From a listed `dead:` key and its metadata (`None` for keys that are not dead letters).
    pub fn from_listing(key: &str, metadata: Option<&Value>) -> Option<Self> {
        let id = key.strip_prefix(DEAD_PREFIX)?;
        let text = |name: &str| {
            metadata
                .and_then(|m| m.get(name))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Some(FailedEvent {
            id: id.to_owned(),
            kind: text("type").as_deref().and_then(EventType::parse),
            submit_id: text("submitID"),
            mgt_key: text("mgtKey"),
            dead_at: metadata
                .and_then(|m| m.get("deadMs"))
                .and_then(Value::as_i64)
                .map(popbill::time::format_linkhub_utc),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::keys::FactKind;
    use crate::core::notify::event::Subject;

    fn event() -> Event {
        let subject = Subject::Receipt {
            corp_num: "1234567890",
            submit_id: "S-1",
            mgt_key: "K-1",
            fact: FactKind::Issue,
        };
        Event::new(
            &subject,
            EventType::CashbillIssued,
            0,
            &json!({ "mgtKey": "K-1" }),
        )
    }

    #[test]
    fn a_message_round_trips_through_the_queues_json() {
        let m = QueueMessage::from(event());
        let wire = serde_json::to_value(&m).unwrap();
        assert_eq!(wire["v"], 1);
        assert_eq!(wire["type"], "cashbill.issued");
        assert_eq!(wire["submitID"], "S-1");
        assert_eq!(QueueMessage::parse(wire).unwrap(), m);
    }

    #[test]
    fn messages_of_another_shape_version_or_id_are_refused() {
        let good = serde_json::to_value(QueueMessage::from(event())).unwrap();
        let with = |k: &str, v: Value| {
            let mut m = good.clone();
            m[k] = v;
            m
        };
        let cases = [
            (json!("text"), "not an object"),
            (with("v", json!(2)), "a future version"),
            (with("type", json!("cashbill.exploded")), "an unknown type"),
            (
                with("id", json!("msg_../../etc")),
                "an id that is not plain",
            ),
            (with("id", json!("evt_1")), "an id without msg_"),
            (
                with("id", json!(format!("msg_{}", "a".repeat(80)))),
                "a long id",
            ),
            (with("body", json!(7)), "a body that is not text"),
        ];
        for (value, why) in cases {
            assert!(QueueMessage::parse(value).is_err(), "{why}");
        }
    }

    #[test]
    fn a_dead_letter_lists_with_its_metadata() {
        let dead = DeadLetter {
            message: QueueMessage::from(event()),
            dead_ms: 1_752_285_600_000,
        };
        let key = dead_key(&dead.message.id);
        let shown = FailedEvent::from_listing(&key, Some(&dead.metadata())).unwrap();
        assert_eq!(shown.id, dead.message.id);
        assert_eq!(shown.kind, Some(EventType::CashbillIssued));
        assert_eq!(shown.submit_id.as_deref(), Some("S-1"));
        assert_eq!(shown.mgt_key.as_deref(), Some("K-1"));
        assert_eq!(shown.dead_at.as_deref(), Some("2025-07-12T02:00:00Z"));
        assert!(
            dead.metadata().to_string().is_ascii(),
            "KV metadata stays ASCII"
        );
        assert_eq!(FailedEvent::from_listing("unsent:S-1", None), None);
        let bare = FailedEvent::from_listing(&key, None).unwrap();
        assert_eq!((bare.kind, bare.dead_at), (None, None));
    }
}
