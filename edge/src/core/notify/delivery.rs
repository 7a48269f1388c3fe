//! One delivery attempt to the merchant's endpoint: the signed request, and what its answer means
//! for the queue message (acknowledge it, or retry it after a delay).
//!
//! Success is a 2xx answer and nothing else (the Standard Webhooks rule): a redirect, any other
//! status, a timeout or a broken connection is retried. The delay grows with the time the event
//! has been failing: `clamp(age, base, max)`, so each wait is about as long as all the waiting
//! before it (an exponential backoff), with ±10 % jitter so that many failing events do not
//! come back in step, and never shorter than the endpoint's own `Retry-After`. The age comes from
//! the queue message's timestamp, which Cloudflare Queues keep across retries (workers-rs 0.8
//! does not expose the attempt count). After the consumer's `max_retries` the platform moves the
//! message to the dead-letter queue.

use popbill::{HttpRequest, HttpResponse, Method, TransportError};

use super::message::QueueMessage;
use super::signing::Signer;

/// Cloudflare Queues accept delays of up to 12 hours.
pub const MAX_DELAY_SECS: u32 = 43_200;

/// `User-Agent` of every delivery.
pub const USER_AGENT: &str = concat!("popbill-bulk-edge/", env!("CARGO_PKG_VERSION"));

/// How long to wait before trying an event again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first waits (seconds).
    pub base_secs: u32,
    /// The longest wait (seconds, at most [`MAX_DELAY_SECS`]).
    pub max_secs: u32,
}

impl Default for RetryPolicy {
    /// 10 s doubling to 6 h: with the 16 retries `wrangler.toml` allows, an event is tried for
    /// about 29 hours before it is dead-lettered.
    fn default() -> Self {
        RetryPolicy {
            base_secs: 10,
            max_secs: 6 * 3600,
        }
    }
}

impl RetryPolicy {
    /// The wait before the next try of an event first queued `age_secs` ago. `jitter` in
    /// `[0, 1)` (the shell draws it) spreads the wait by ±10 %.
    pub fn delay(&self, age_secs: u64, jitter: f64) -> u32 {
        let max = self.max_secs.min(MAX_DELAY_SECS);
        let base = self.base_secs.min(max);
        let grown = age_secs.clamp(u64::from(base), u64::from(max)) as f64;
        let spread = grown * (0.9 + 0.2 * jitter.clamp(0.0, 1.0));
        (spread.round() as u32).clamp(base, max)
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptResult {
    /// The endpoint answered.
    Answered {
        status: u16,
        /// `Retry-After` in seconds, when the endpoint sent one.
        retry_after_secs: Option<u32>,
    },
    /// No answer within the timeout.
    TimedOut,
    /// No connection, or it broke midway.
    Failed(String),
}

impl AttemptResult {
    pub fn from_transport(result: Result<HttpResponse, TransportError>) -> Self {
        match result {
            Ok(resp) => AttemptResult::Answered {
                status: resp.status,
                retry_after_secs: resp.header("retry-after").and_then(retry_after),
            },
            Err(TransportError::Timeout(_)) => AttemptResult::TimedOut,
            Err(e) => AttemptResult::Failed(e.to_string()),
        }
    }

    pub fn delivered(&self) -> bool {
        matches!(self, AttemptResult::Answered { status, .. } if (200..300).contains(status))
    }
}

impl std::fmt::Display for AttemptResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttemptResult::Answered { status, .. } => write!(f, "HTTP {status}"),
            AttemptResult::TimedOut => f.write_str("timed out"),
            AttemptResult::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

/// `Retry-After` as delay-seconds (the HTTP-date form is ignored: the backoff applies).
fn retry_after(value: &str) -> Option<u32> {
    value.trim().parse::<u32>().ok()
}

/// What to do with the queue message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Done with it: delivered, or nothing to deliver.
    Ack,
    /// Try again after this many seconds.
    Retry { delay_secs: u32 },
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Decision::Ack => f.write_str("ack"),
            Decision::Retry { delay_secs } => write!(f, "retry in {delay_secs} s"),
        }
    }
}

/// The decision for an attempt's result, for an event first queued `age_secs` ago.
pub fn decide(
    result: &AttemptResult,
    age_secs: u64,
    policy: &RetryPolicy,
    jitter: f64,
) -> Decision {
    if result.delivered() {
        return Decision::Ack;
    }
    let mut delay = policy.delay(age_secs, jitter);
    if let AttemptResult::Answered {
        retry_after_secs: Some(asked),
        ..
    } = result
    {
        delay = delay.max((*asked).min(policy.max_secs.min(MAX_DELAY_SECS)));
    }
    Decision::Retry { delay_secs: delay }
}

/// The signed POST of one event. `now_secs` is the attempt's time (`webhook-timestamp`): the
/// Worker's own clock, which receivers compare with theirs to refuse replays.
pub fn request(url: &str, signer: &Signer, message: &QueueMessage, now_secs: i64) -> HttpRequest {
    let body = message.body.as_bytes();
    HttpRequest {
        method: Method::Post,
        url: url.to_owned(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("user-agent".into(), USER_AGENT.into()),
            ("webhook-id".into(), message.id.clone()),
            ("webhook-timestamp".into(), now_secs.to_string()),
            (
                "webhook-signature".into(),
                signer.header(&message.id, now_secs, body),
            ),
        ],
        body: body.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::notify::event::EventType;

    const POLICY: RetryPolicy = RetryPolicy {
        base_secs: 10,
        max_secs: 3600,
    };

    fn answered(status: u16) -> AttemptResult {
        AttemptResult::Answered {
            status,
            retry_after_secs: None,
        }
    }

    #[test]
    fn only_a_2xx_answer_acknowledges_the_message() {
        for status in [200, 201, 202, 204, 299] {
            assert_eq!(
                decide(&answered(status), 0, &POLICY, 0.5),
                Decision::Ack,
                "{status}"
            );
        }
        let failures = [
            answered(301),
            answered(304),
            answered(400),
            answered(401),
            answered(404),
            answered(410),
            answered(429),
            answered(500),
            answered(502),
            answered(503),
            answered(504),
            answered(100),
            AttemptResult::TimedOut,
            AttemptResult::Failed("connection refused".into()),
        ];
        for f in failures {
            assert!(
                matches!(decide(&f, 0, &POLICY, 0.5), Decision::Retry { .. }),
                "{f} must be retried"
            );
        }
    }

    #[test]
    fn the_wait_grows_with_the_events_age_up_to_the_maximum() {
        // Without jitter (0.5 is the middle of the spread), the waits double.
        let mut age = 0u64;
        let mut waits = Vec::new();
        for _ in 0..12 {
            let d = POLICY.delay(age, 0.5);
            waits.push(d);
            age += u64::from(d);
        }
        assert_eq!(
            waits,
            [10, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        );
        // Jitter stays within ±10 % and inside the bounds.
        assert_eq!(POLICY.delay(100, 0.0), 90);
        assert_eq!(POLICY.delay(100, 0.999_999), 110);
        assert_eq!(POLICY.delay(0, 0.0), 10, "never below the base");
        assert_eq!(
            POLICY.delay(10_000, 0.999_999),
            3600,
            "never above the maximum"
        );
        assert_eq!(
            POLICY.delay(u64::MAX, 7.0),
            3600,
            "out-of-range jitter is clamped"
        );
    }

    #[test]
    fn the_default_policy_spans_more_than_a_day_within_the_configured_retries() {
        let policy = RetryPolicy::default();
        let mut age = 0u64;
        // wrangler.toml: max_retries = 16, so 17 attempts and 16 waits.
        for _ in 0..16 {
            age += u64::from(policy.delay(age, 0.5));
        }
        assert!((24 * 3600..36 * 3600).contains(&age), "{age} s");
    }

    #[test]
    fn no_wait_exceeds_what_queues_accept() {
        let huge = RetryPolicy {
            base_secs: u32::MAX,
            max_secs: u32::MAX,
        };
        assert_eq!(huge.delay(0, 0.5), MAX_DELAY_SECS);
        let asked = AttemptResult::Answered {
            status: 503,
            retry_after_secs: Some(u32::MAX),
        };
        assert_eq!(
            decide(&asked, 0, &huge, 0.5),
            Decision::Retry {
                delay_secs: MAX_DELAY_SECS
            }
        );
    }

    #[test]
    fn retry_after_lengthens_the_wait_but_never_past_the_maximum() {
        let asked = |secs| AttemptResult::Answered {
            status: 429,
            retry_after_secs: Some(secs),
        };
        assert_eq!(
            decide(&asked(120), 0, &POLICY, 0.5),
            Decision::Retry { delay_secs: 120 }
        );
        assert_eq!(
            decide(&asked(1), 0, &POLICY, 0.5),
            Decision::Retry { delay_secs: 10 }
        );
        assert_eq!(
            decide(&asked(86_400), 0, &POLICY, 0.5),
            Decision::Retry { delay_secs: 3600 }
        );
    }

    #[test]
    fn transport_answers_become_attempt_results() {
        let resp = |status, headers: Vec<(&str, &str)>| {
            Ok(HttpResponse {
                status,
                headers: headers
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
                body: Vec::new(),
            })
        };
        assert_eq!(
            AttemptResult::from_transport(resp(503, vec![("Retry-After", " 30 ")])),
            AttemptResult::Answered {
                status: 503,
                retry_after_secs: Some(30)
            }
        );
        assert_eq!(
            AttemptResult::from_transport(resp(
                503,
                vec![("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]
            )),
            answered(503)
        );
        assert_eq!(
            AttemptResult::from_transport(Err(TransportError::Timeout("15 s".into()))),
            AttemptResult::TimedOut
        );
        for e in [
            TransportError::Connect("refused".into()),
            TransportError::Io("reset".into()),
        ] {
            assert!(matches!(
                AttemptResult::from_transport(Err(e)),
                AttemptResult::Failed(_)
            ));
        }
    }

    #[test]
    fn the_request_carries_the_standard_headers_and_the_exact_body() {
        let signer = Signer::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let message = QueueMessage {
            v: 1,
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek".into(),
            kind: EventType::CashbillIssued,
            body: r#"{"test": 2432232314}"#.into(),
            submit_id: "S-1".into(),
            mgt_key: None,
        };
        let req = request(
            "https://merchant.example/hooks",
            &signer,
            &message,
            1614265330,
        );
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "https://merchant.example/hooks");
        assert_eq!(req.body, message.body.as_bytes());
        assert_eq!(
            req.header("webhook-id"),
            Some("msg_p5jXN8AQM9LWM0D4loKWxJek")
        );
        assert_eq!(req.header("webhook-timestamp"), Some("1614265330"));
        // The specification's own test vector, sent as a header.
        assert_eq!(
            req.header("webhook-signature"),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(req.header("content-type"), Some("application/json"));
    }
}
