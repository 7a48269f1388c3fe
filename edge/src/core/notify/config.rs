//! Notification settings, parsed once from the Worker's vars and secrets through a lookup
//! function (the shell passes `env`; tests pass a map).
//!
//! | setting | kind | meaning |
//! |---|---|---|
//! | `MERCHANT_WEBHOOK_URL` | var | where events go: `https://…` (`http://` only to loopback, for local runs) |
//! | `MERCHANT_WEBHOOK_SECRET` | secret | `whsec_<base64>`; two, space-separated, while rotating |
//! | `MERCHANT_WEBHOOK_EVENTS` | var | optional filter: types or `noun.*`, comma-separated; unset = every type |
//! | `MERCHANT_WEBHOOK_TIMEOUT_MS` | var | one attempt's limit, default 15000 |
//! | `MERCHANT_WEBHOOK_RETRY_BASE_SECS` / `_MAX_SECS` | var | the backoff's first and longest wait, default 10 / 21600 |
//!
//! Neither URL nor secret set: notifications are off and nothing is queued. One without the
//! other, or either unusable: misconfigured, which `/healthz` reports; nothing is queued, and
//! submissions, webhooks and polling go on as before.

use super::delivery::{MAX_DELAY_SECS, RetryPolicy};
use super::event::EventType;
use super::signing::Signer;

pub const URL_VAR: &str = "MERCHANT_WEBHOOK_URL";
pub const SECRET_VAR: &str = "MERCHANT_WEBHOOK_SECRET";
pub const EVENTS_VAR: &str = "MERCHANT_WEBHOOK_EVENTS";
pub const TIMEOUT_VAR: &str = "MERCHANT_WEBHOOK_TIMEOUT_MS";
pub const RETRY_BASE_VAR: &str = "MERCHANT_WEBHOOK_RETRY_BASE_SECS";
pub const RETRY_MAX_VAR: &str = "MERCHANT_WEBHOOK_RETRY_MAX_SECS";

/// The Standard Webhooks recommendation is 15–30 s.
pub const DEFAULT_TIMEOUT_MS: u64 = 15_000;
/// Well inside a queue consumer's 15-minute wall-clock limit, even for a batch in sequence.
pub const MAX_TIMEOUT_MS: u64 = 60_000;

/// One setting that cannot be used: its name and why, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {reason}")]
pub struct ConfigProblem {
    pub setting: &'static str,
    pub reason: String,
}

fn problem(setting: &'static str, reason: impl Into<String>) -> ConfigProblem {
    ConfigProblem {
        setting,
        reason: reason.into(),
    }
}

/// Which event types the merchant wants.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventFilter {
    /// `None`: every type.
    only: Option<Vec<EventType>>,
}

impl EventFilter {
    pub fn all() -> Self {
        EventFilter::default()
    }

    /// `cashbill.filed, submission.*`: exact types, or every type of a noun.
    pub fn parse(list: &str) -> Result<Self, ConfigProblem> {
        let mut only = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let matched: Vec<EventType> = match item.strip_suffix(".*") {
                Some(noun) => EventType::ALL
                    .into_iter()
                    .filter(|t| t.as_str().split_once('.').is_some_and(|(n, _)| n == noun))
                    .collect(),
                None => EventType::parse(item).into_iter().collect(),
            };
            if matched.is_empty() {
                let shown: String = item.chars().take(40).collect();
                return Err(problem(
                    EVENTS_VAR,
                    format!("`{shown}` is not an event type (see edge/README.md)"),
                ));
            }
            only.extend(matched);
        }
        only.sort();
        only.dedup();
        Ok(EventFilter {
            only: (!only.is_empty()).then_some(only),
        })
    }

    pub fn allows(&self, t: EventType) -> bool {
        self.only.as_ref().is_none_or(|only| only.contains(&t))
    }
}

/// Everything a delivery needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    pub url: String,
    pub signer: Signer,
    pub filter: EventFilter,
    pub retry: RetryPolicy,
    pub timeout_ms: u64,
}

/// Whether, and where, events go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notifications {
    Off,
    On(NotifyConfig),
    Misconfigured(Vec<ConfigProblem>),
}

impl Notifications {
    /// From the Worker's settings; `lookup` answers `None` for unset (or blank) names.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let (url, secret) = (get(URL_VAR), get(SECRET_VAR));
        let mut problems = Vec::new();
        let (url, secret) = match (url, secret) {
            (None, None) => return Notifications::Off,
            (Some(_), None) => {
                problems.push(problem(
                    SECRET_VAR,
                    format!("missing, but {URL_VAR} is set"),
                ));
                (None, None)
            }
            (None, Some(_)) => {
                problems.push(problem(
                    URL_VAR,
                    format!("missing, but {SECRET_VAR} is set"),
                ));
                (None, None)
            }
            (Some(u), Some(s)) => (Some(u), Some(s)),
        };
        let url = url.and_then(|u| check_url(&u).map_err(|p| problems.push(p)).ok());
        let signer = secret.and_then(|s| {
            Signer::parse(&s)
                .map_err(|e| problems.push(problem(SECRET_VAR, e.to_string())))
                .ok()
        });
        let filter = get(EVENTS_VAR)
            .map(|list| EventFilter::parse(&list))
            .transpose()
            .map_err(|p| problems.push(p))
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut number = |var: &'static str, default: u64, range: std::ops::RangeInclusive<u64>| {
            let Some(raw) = get(var) else { return default };
            match raw.trim().parse::<u64>() {
                Ok(n) if range.contains(&n) => n,
                _ => {
                    let (lo, hi) = (range.start(), range.end());
                    problems.push(problem(
                        var,
                        format!("must be a whole number from {lo} to {hi}"),
                    ));
                    default
                }
            }
        };
        let defaults = RetryPolicy::default();
        let max_delay = u64::from(MAX_DELAY_SECS);
        let timeout_ms = number(TIMEOUT_VAR, DEFAULT_TIMEOUT_MS, 100..=MAX_TIMEOUT_MS);
        let base = number(RETRY_BASE_VAR, defaults.base_secs.into(), 0..=max_delay);
        let max = number(RETRY_MAX_VAR, defaults.max_secs.into(), 1..=max_delay);
        if base > max {
            problems.push(problem(
                RETRY_BASE_VAR,
                format!("must not exceed {RETRY_MAX_VAR}"),
            ));
        }
        match (url, signer) {
            (Some(url), Some(signer)) if problems.is_empty() => Notifications::On(NotifyConfig {
                url,
                signer,
                filter,
                retry: RetryPolicy {
                    base_secs: base as u32,
                    max_secs: max as u32,
                },
                timeout_ms,
            }),
            _ => Notifications::Misconfigured(problems),
        }
    }

    pub fn config(&self) -> Option<&NotifyConfig> {
        match self {
            Notifications::On(c) => Some(c),
            _ => None,
        }
    }

    /// `off`, `on` or `misconfigured`, as `/healthz` says it.
    pub fn state(&self) -> &'static str {
        match self {
            Notifications::Off => "off",
            Notifications::On(_) => "on",
            Notifications::Misconfigured(_) => "misconfigured",
        }
    }

    /// Whether an event of this type is to be queued now.
    pub fn wants(&self, t: EventType) -> bool {
        self.config().is_some_and(|c| c.filter.allows(t))
    }
}

/// An endpoint the Worker may call: https, or http to this machine (local runs); no credentials
/// in the URL (they would end up in logs); no fragment.
fn check_url(raw: &str) -> Result<String, ConfigProblem> {
    let bad = |why: &str| problem(URL_VAR, why.to_owned());
    let url = url::Url::parse(raw.trim()).map_err(|_| bad("not an absolute URL"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(bad("has no host")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(bad("must be https (http only to 127.0.0.1 or localhost)")),
        _ => return Err(bad("must be an https URL")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry a user name or password"));
    }
    if url.fragment().is_some() {
        return Err(bad("must not have a #fragment"));
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn parse(pairs: &[(&str, &str)]) -> Notifications {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Notifications::from_lookup(|name| map.get(name).cloned())
    }

    fn problems(n: Notifications) -> Vec<ConfigProblem> {
        match n {
            Notifications::Misconfigured(p) => p,
            other => panic!("expected misconfigured, got {}", other.state()),
        }
    }

    #[test]
    fn nothing_set_means_off_and_nothing_wanted() {
        let n = parse(&[]);
        assert_eq!(n, Notifications::Off);
        assert!(!n.wants(EventType::CashbillIssued));
        assert_eq!(
            parse(&[(URL_VAR, " "), (SECRET_VAR, "")]),
            Notifications::Off
        );
    }

    #[test]
    fn url_and_secret_turn_notifications_on_with_the_defaults() {
        let n = parse(&[
            (URL_VAR, "https://merchant.example/hooks?k=1"),
            (SECRET_VAR, SECRET),
        ]);
        let c = n.config().expect("on");
        assert_eq!(c.url, "https://merchant.example/hooks?k=1");
        assert_eq!(c.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert_eq!(c.retry, RetryPolicy::default());
        assert!(EventType::ALL.into_iter().all(|t| n.wants(t)));
        let local = parse(&[(URL_VAR, "http://127.0.0.1:9999/in"), (SECRET_VAR, SECRET)]);
        assert_eq!(
            local.state(),
            "on",
            "http to loopback is allowed for local runs"
        );
        let both = format!("{SECRET} whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        let rotating = parse(&[(URL_VAR, "https://m.example/"), (SECRET_VAR, both.as_str())]);
        assert_eq!(rotating.config().unwrap().signer.key_count(), 2);
    }

    #[test]
    fn half_or_bad_settings_are_misconfigured_and_named_without_their_values() {
        type Settings<'a> = &'a [(&'a str, &'a str)];
        let cases: [(Settings, &str, &str); 10] = [
            (
                &[(URL_VAR, "https://m.example/")],
                SECRET_VAR,
                "URL without secret",
            ),
            (&[(SECRET_VAR, SECRET)], URL_VAR, "secret without URL"),
            (
                &[
                    (URL_VAR, "https://m.example/"),
                    (SECRET_VAR, "hunter2-hunter2"),
                ],
                SECRET_VAR,
                "not whsec_",
            ),
            (
                &[(URL_VAR, "merchant.example/hooks"), (SECRET_VAR, SECRET)],
                URL_VAR,
                "relative URL",
            ),
            (
                &[(URL_VAR, "http://merchant.example/"), (SECRET_VAR, SECRET)],
                URL_VAR,
                "plain http to the internet",
            ),
            (
                &[(URL_VAR, "ftp://merchant.example/"), (SECRET_VAR, SECRET)],
                URL_VAR,
                "not http",
            ),
            (
                &[
                    (URL_VAR, "https://user:pw@merchant.example/"),
                    (SECRET_VAR, SECRET),
                ],
                URL_VAR,
                "credentials in the URL",
            ),
            (
                &[
                    (URL_VAR, "https://m.example/"),
                    (SECRET_VAR, SECRET),
                    (EVENTS_VAR, "cashbill.issued,cashbill.explode"),
                ],
                EVENTS_VAR,
                "unknown type",
            ),
            (
                &[
                    (URL_VAR, "https://m.example/"),
                    (SECRET_VAR, SECRET),
                    (TIMEOUT_VAR, "soon"),
                ],
                TIMEOUT_VAR,
                "timeout not a number",
            ),
            (
                &[
                    (URL_VAR, "https://m.example/"),
                    (SECRET_VAR, SECRET),
                    (RETRY_BASE_VAR, "600"),
                    (RETRY_MAX_VAR, "60"),
                ],
                RETRY_BASE_VAR,
                "base above max",
            ),
        ];
        for (pairs, setting, why) in cases {
            let n = parse(pairs);
            assert!(
                !n.wants(EventType::CashbillIssued),
                "{why}: nothing is queued"
            );
            let p = problems(n);
            assert!(p.iter().any(|p| p.setting == setting), "{why}: {p:?}");
            let shown: String = p.iter().map(|p| p.to_string()).collect();
            assert!(
                !shown.contains("hunter2") && !shown.contains("MfKQ"),
                "{why}: {shown}"
            );
            assert!(!shown.contains("user:pw"), "{why}: {shown}");
        }
    }

    #[test]
    fn the_filter_takes_types_and_nouns() {
        let f = EventFilter::parse(" cashbill.filed , submission.* ,").unwrap();
        assert!(f.allows(EventType::CashbillFiled));
        assert!(f.allows(EventType::SubmissionCompleted));
        assert!(f.allows(EventType::SubmissionRejected));
        assert!(!f.allows(EventType::CashbillIssued));
        let all = EventFilter::parse("").unwrap();
        assert!(EventType::ALL.into_iter().all(|t| all.allows(t)));
        assert!(EventFilter::parse("refund.*").is_err(), "no such noun yet");
        assert!(EventFilter::parse("*").is_err());
        let n = parse(&[
            (URL_VAR, "https://m.example/"),
            (SECRET_VAR, SECRET),
            (EVENTS_VAR, "cashbill.*"),
        ]);
        assert!(n.wants(EventType::CashbillIssueFailed));
        assert!(!n.wants(EventType::SubmissionCompleted));
    }

    #[test]
    fn retry_and_timeout_settings_are_read_within_their_bounds() {
        let n = parse(&[
            (URL_VAR, "https://m.example/"),
            (SECRET_VAR, SECRET),
            (TIMEOUT_VAR, "1500"),
            (RETRY_BASE_VAR, "0"),
            (RETRY_MAX_VAR, "2"),
        ]);
        let c = n.config().unwrap();
        assert_eq!(c.timeout_ms, 1500);
        assert_eq!(
            c.retry,
            RetryPolicy {
                base_secs: 0,
                max_secs: 2
            }
        );
        for (var, value) in [
            (TIMEOUT_VAR, "10"),
            (TIMEOUT_VAR, "600000"),
            (RETRY_MAX_VAR, "50000"),
            (RETRY_MAX_VAR, "0"),
        ] {
            let n = parse(&[
                (URL_VAR, "https://m.example/"),
                (SECRET_VAR, SECRET),
                (var, value),
            ]);
            assert!(
                problems(n).iter().any(|p| p.setting == var),
                "{var}={value}"
            );
        }
    }
}
