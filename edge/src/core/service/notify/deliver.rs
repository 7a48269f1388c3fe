//! The queue consumer's work for one message: sign it, POST it, and decide from the answer.
//! Reads no KV and no clock: the message carries the event, the shell passes the times.

use popbill::Transport;
use serde_json::Value;

use crate::core::notify::delivery::{self, AttemptResult, Decision, RetryPolicy, decide};
use crate::core::notify::message::MessageError;
use crate::core::notify::{Notifications, QueueMessage};

/// What happened to one message, for the decision and the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub decision: Decision,
    /// The event id, when the message could be read.
    pub id: Option<String>,
    pub note: DeliveryNote,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryNote {
    /// The endpoint was called.
    Attempted(AttemptResult),
    /// Not a notification message: nothing could ever deliver it, so it is dropped (logged).
    Unreadable(MessageError),
    /// Notifications were turned off after the event was queued: dropped.
    Off,
    /// The settings are unusable now: kept (retried) until they are fixed or it dead-letters.
    Misconfigured,
    /// The type filter changed after the event was queued: dropped.
    Filtered,
}

impl std::fmt::Display for DeliveryNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeliveryNote::Attempted(r) => write!(f, "{r}"),
            DeliveryNote::Unreadable(e) => write!(f, "dropped, {e}"),
            DeliveryNote::Off => f.write_str("dropped, notifications are off"),
            DeliveryNote::Misconfigured => f.write_str("kept, notifications are misconfigured"),
            DeliveryNote::Filtered => f.write_str("dropped, type filtered out"),
        }
    }
}

/// Deliver one queue message. `queued_ms`: the message's queue timestamp (kept across retries),
/// `now_ms`: the Worker's clock, `jitter` in `[0, 1)`.
pub async fn deliver<T: Transport>(
    notifications: &Notifications,
    transport: &T,
    raw: Value,
    queued_ms: i64,
    now_ms: i64,
    jitter: f64,
) -> Delivery {
    let age_secs = u64::try_from(now_ms.saturating_sub(queued_ms) / 1000).unwrap_or(0);
    let message = match QueueMessage::parse(raw) {
        Ok(m) => m,
        Err(e) => {
            return Delivery {
                decision: Decision::Ack,
                id: None,
                note: DeliveryNote::Unreadable(e),
            };
        }
    };
    let id = Some(message.id.clone());
    let config = match notifications {
        Notifications::On(c) => c,
        Notifications::Off => {
            return Delivery {
                decision: Decision::Ack,
                id,
                note: DeliveryNote::Off,
            };
        }
        Notifications::Misconfigured(_) => {
            let delay_secs = RetryPolicy::default().delay(age_secs, jitter);
            return Delivery {
                decision: Decision::Retry { delay_secs },
                id,
                note: DeliveryNote::Misconfigured,
            };
        }
    };
    if !config.filter.allows(message.kind) {
        return Delivery {
            decision: Decision::Ack,
            id,
            note: DeliveryNote::Filtered,
        };
    }
    let request = delivery::request(
        &config.url,
        &config.signer,
        &message,
        now_ms.div_euclid(1000),
    );
    let result = AttemptResult::from_transport(transport.send(request).await);
    Delivery {
        decision: decide(&result, age_secs, &config.retry, jitter),
        id,
        note: DeliveryNote::Attempted(result),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use futures::executor::block_on;
    use popbill::{HttpRequest, HttpResponse, TransportError};
    use serde_json::json;

    use super::*;
    use crate::core::keys::FactKind;
    use crate::core::notify::event::{Event, EventType, Subject};
    use crate::core::notify::{Signer, config};

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    /// Answers every request with the next scripted result and keeps the requests.
    struct Scripted {
        answers: RefCell<Vec<Result<HttpResponse, TransportError>>>,
        seen: RefCell<Vec<HttpRequest>>,
    }

    impl Scripted {
        fn new(answers: Vec<Result<HttpResponse, TransportError>>) -> Self {
            Scripted {
                answers: RefCell::new(answers),
                seen: RefCell::new(Vec::new()),
            }
        }
    }

    impl Transport for Scripted {
        async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
            self.seen.borrow_mut().push(req);
            self.answers.borrow_mut().remove(0)
        }
    }

    fn status(code: u16) -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse {
            status: code,
            headers: Vec::new(),
            body: Vec::new(),
        })
    }

    fn on(pairs: &[(&str, &str)]) -> Notifications {
        Notifications::from_lookup(|name| {
            let base = [
                (config::URL_VAR, "https://merchant.example/hooks"),
                (config::SECRET_VAR, SECRET),
                (config::RETRY_BASE_VAR, "5"),
                (config::RETRY_MAX_VAR, "600"),
            ];
            pairs
                .iter()
                .chain(base.iter())
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    fn message() -> Value {
        let subject = Subject::Receipt {
            corp_num: "1234567890",
            submit_id: "S-1",
            mgt_key: "K-1",
            fact: FactKind::Filing,
        };
        let e = Event::new(
            &subject,
            EventType::CashbillFiled,
            0,
            &json!({ "mgtKey": "K-1" }),
        );
        serde_json::to_value(QueueMessage::from(e)).unwrap()
    }

    #[test]
    fn a_2xx_acknowledges_and_the_request_is_signed_at_the_attempts_time() {
        let n = on(&[]);
        let t = Scripted::new(vec![status(204)]);
        let now_ms = 1_752_285_600_123;
        let d = block_on(deliver(&n, &t, message(), now_ms - 60_000, now_ms, 0.5));
        assert_eq!(d.decision, Decision::Ack);
        assert_eq!(format!("{} -> {}", d.note, d.decision), "HTTP 204 -> ack");
        let seen = t.seen.borrow();
        let req = &seen[0];
        assert_eq!(req.url, "https://merchant.example/hooks");
        assert_eq!(req.header("webhook-timestamp"), Some("1752285600"));
        let id = req.header("webhook-id").unwrap();
        assert_eq!(Some(id), d.id.as_deref());
        let signer = Signer::parse(SECRET).unwrap();
        assert!(signer.verify(
            id,
            1752285600,
            &req.body,
            req.header("webhook-signature").unwrap()
        ));
    }

    #[test]
    fn failures_are_retried_with_a_wait_that_grows_with_the_events_age() {
        let n = on(&[]);
        let cases = [
            (status(500), 0, 5),
            (status(503), 40_000, 40),
            (Err(TransportError::Timeout("15 s".into())), 100_000, 100),
            (
                Err(TransportError::Io("connection refused".into())),
                10_000_000,
                600,
            ),
        ];
        for (answer, age_ms, want) in cases {
            let t = Scripted::new(vec![answer]);
            let d = block_on(deliver(&n, &t, message(), 0, age_ms, 0.5));
            assert_eq!(
                d.decision,
                Decision::Retry { delay_secs: want },
                "{:?}",
                d.note
            );
        }
    }

    #[test]
    fn off_filtered_and_unreadable_messages_are_dropped_without_calling_anyone() {
        let t = Scripted::new(Vec::new());
        let cases = [
            (Notifications::Off, message(), DeliveryNote::Off),
            (
                on(&[(config::EVENTS_VAR, "submission.*")]),
                message(),
                DeliveryNote::Filtered,
            ),
        ];
        for (n, raw, note) in cases {
            let d = block_on(deliver(&n, &t, raw, 0, 0, 0.5));
            assert_eq!((d.decision, d.note), (Decision::Ack, note));
        }
        let d = block_on(deliver(&on(&[]), &t, json!({ "v": 1 }), 0, 0, 0.5));
        assert!(matches!(d.note, DeliveryNote::Unreadable(_)));
        assert_eq!(d.decision, Decision::Ack);
        assert!(t.seen.borrow().is_empty());
    }

    #[test]
    fn a_misconfigured_worker_keeps_the_event_for_later() {
        let n = Notifications::from_lookup(|name| {
            (name == config::URL_VAR).then(|| "https://merchant.example/".to_owned())
        });
        let t = Scripted::new(Vec::new());
        let d = block_on(deliver(&n, &t, message(), 0, 0, 0.5));
        assert_eq!(d.note, DeliveryNote::Misconfigured);
        assert!(matches!(d.decision, Decision::Retry { .. }));
        assert!(t.seen.borrow().is_empty());
    }
}
