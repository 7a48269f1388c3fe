//! What the mock is started with ([`Config`]) and what can change while it runs ([`Settings`]).
//!
//! Pure: [`Config::member`] checks the start-up values once ([`ConfigError`] names the bad one);
//! the simulation is built from the checked [`Member`] and the [`Settings`].

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use popbill::{CorpNum, IdError};
use serde::Deserialize;
use serde_json::{Value, json};

pub use super::clock::ClockMode;

/// The development partner and member (also `scripts/dev.sh`). Never real credentials.
pub const DEV_LINK_ID: &str = "DEVLINK";
pub const DEV_SECRET_KEY: &str = "ZGV2LXNlY3JldC1rZXktZm9yLWxvY2FsLW1vY2stb25seQ==";
pub const DEV_CORP_NUM: &str = "1234567890";

/// How the mock starts. `Default` is the development setup on a frozen clock starting now.
#[derive(Clone, Debug)]
pub struct Config {
    /// The partner's LinkID that token requests must carry.
    pub link_id: String,
    /// The partner's SecretKey (Base64) that signs token requests.
    pub secret_key: String,
    /// The one POPBiLL member (10-digit CorpNum) this mock knows.
    pub corp_num: String,
    /// Where webhooks go; none are generated while this is `None`.
    pub webhook_url: Option<String>,
    /// Sent as `X-Api-Key` with every webhook.
    pub webhook_api_key: Option<String>,
    /// `user:pass`, sent as `Authorization: Basic …` with every webhook.
    pub webhook_basic_auth: Option<String>,
    /// Simulated start time; `None` = the real time now.
    pub start: Option<DateTime<FixedOffset>>,
    pub clock: ClockMode,
    /// Seeds receiptIDs, confirmNums, itemKeys, MIDs, tokens and fault rates.
    pub seed: u64,
    /// Time a bulk submission stays in txState 0 (submitted) before processing starts.
    pub delay_to_processing: Duration,
    /// Time a bulk submission stays in txState 1 (processing) before it completes.
    pub delay_to_completed: Duration,
    /// Session token lifetime on the simulated clock.
    pub token_ttl: Duration,
    /// Allowed distance between `x-lh-date` and the simulated clock.
    pub date_skew: Duration,
    /// Added (real) delay before every POPBiLL API call is answered.
    pub latency: Duration,
    /// Real-time limit for one webhook POST.
    pub webhook_timeout: Duration,
    /// Request bodies larger than this are refused with 413.
    pub max_body_bytes: usize,
    /// The request journal and the webhook log keep at most this many entries (oldest dropped).
    pub log_capacity: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            link_id: DEV_LINK_ID.into(),
            secret_key: DEV_SECRET_KEY.into(),
            corp_num: DEV_CORP_NUM.into(),
            webhook_url: None,
            webhook_api_key: None,
            webhook_basic_auth: None,
            start: None,
            clock: ClockMode::Frozen,
            seed: 0,
            delay_to_processing: Duration::from_secs(1),
            delay_to_completed: Duration::from_secs(2),
            token_ttl: Duration::from_secs(3600),
            date_skew: Duration::from_secs(300),
            latency: Duration::ZERO,
            webhook_timeout: Duration::from_secs(5),
            max_body_bytes: 2 * 1024 * 1024,
            log_capacity: 100_000,
        }
    }
}

/// The partner and member the mock knows (fixed for its lifetime).
#[derive(Debug, Clone)]
pub struct Member {
    pub link_id: String,
    pub secret_key: String,
    pub corp_num: CorpNum,
}

/// A start-up value the mock cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("corp_num {value:?}: {source}")]
    CorpNum { value: String, source: IdError },
    #[error("secret_key: {0}")]
    SecretKey(#[from] popbill::linkhub::BadSecretKey),
    #[error("webhook_url {0:?} must be an http:// URL")]
    WebhookUrl(String),
    #[error("webhook_basic_auth must be \"user:pass\"")]
    BasicAuth,
}

impl Config {
    /// The checked partner and member: a CorpNum of 10 digits, a SecretKey that is Base64.
    pub fn member(&self) -> Result<Member, ConfigError> {
        let corp_num = CorpNum::parse(&self.corp_num).map_err(|source| ConfigError::CorpNum {
            value: self.corp_num.clone(),
            source,
        })?;
        popbill::linkhub::sign(&self.secret_key, b"", "", None, "/")?;
        Ok(Member {
            link_id: self.link_id.clone(),
            secret_key: self.secret_key.clone(),
            corp_num,
        })
    }

    /// Everything `run` would refuse: [`Config::member`]'s checks, a webhook URL that is not
    /// `http://`, Basic auth without `user:pass`.
    pub fn validate(&self) -> Result<Member, ConfigError> {
        let member = self.member()?;
        if let Some(url) = &self.webhook_url
            && !url.starts_with("http://")
        {
            return Err(ConfigError::WebhookUrl(url.clone()));
        }
        if self
            .webhook_basic_auth
            .as_deref()
            .is_some_and(|s| !s.contains(':'))
        {
            return Err(ConfigError::BasicAuth);
        }
        Ok(member)
    }
}

/// The part of the configuration the control API may change at run time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub webhook_url: Option<String>,
    pub webhook_api_key: Option<String>,
    pub webhook_basic_auth: Option<String>,
    pub delay_to_processing_ms: u64,
    pub delay_to_completed_ms: u64,
    pub token_ttl_ms: u64,
    pub date_skew_ms: u64,
    pub latency_ms: u64,
    pub webhook_timeout_ms: u64,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Settings {
    pub fn from_config(c: &Config) -> Self {
        Settings {
            webhook_url: c.webhook_url.clone(),
            webhook_api_key: c.webhook_api_key.clone(),
            webhook_basic_auth: c.webhook_basic_auth.clone(),
            delay_to_processing_ms: ms(c.delay_to_processing),
            delay_to_completed_ms: ms(c.delay_to_completed),
            token_ttl_ms: ms(c.token_ttl),
            date_skew_ms: ms(c.date_skew),
            latency_ms: ms(c.latency),
            webhook_timeout_ms: ms(c.webhook_timeout),
        }
    }

    /// `GET /_mock/config`. Secrets are never echoed: only whether they are set.
    pub fn to_json(&self) -> Value {
        let secret = |s: &Option<String>| s.as_ref().map(|_| "set");
        json!({
            "webhook_url": self.webhook_url,
            "webhook_api_key": secret(&self.webhook_api_key),
            "webhook_basic_auth": secret(&self.webhook_basic_auth),
            "delay_to_processing_secs": self.delay_to_processing_ms as f64 / 1000.0,
            "delay_to_completed_secs": self.delay_to_completed_ms as f64 / 1000.0,
            "token_ttl_secs": self.token_ttl_ms as f64 / 1000.0,
            "date_skew_secs": self.date_skew_ms as f64 / 1000.0,
            "latency_ms": self.latency_ms,
            "webhook_timeout_ms": self.webhook_timeout_ms,
        })
    }

    /// Apply a partial update (`POST /_mock/config`). `null` clears an optional value.
    pub fn apply(&mut self, patch: &[u8]) -> Result<(), String> {
        let p: SettingsPatch =
            serde_json::from_slice(patch).map_err(|e| format!("invalid config body: {e}"))?;
        let mut next = self.clone();
        if let Some(v) = p.webhook_url {
            if let Some(url) = &v
                && !url.starts_with("http://")
            {
                return Err("webhook_url must be an http:// URL".into());
            }
            next.webhook_url = v;
        }
        if let Some(v) = p.webhook_api_key {
            next.webhook_api_key = v;
        }
        if let Some(v) = p.webhook_basic_auth {
            if v.as_deref().is_some_and(|s| !s.contains(':')) {
                return Err("webhook_basic_auth must be \"user:pass\"".into());
            }
            next.webhook_basic_auth = v;
        }
        let secs = |v: f64, name: &str| -> Result<u64, String> {
            if v.is_finite() && (0.0..=1.0e9).contains(&v) {
                Ok((v * 1000.0).round() as u64)
            } else {
                Err(format!("{name} must be a number of seconds ≥ 0"))
            }
        };
        if let Some(v) = p.delay_to_processing_secs {
            next.delay_to_processing_ms = secs(v, "delay_to_processing_secs")?;
        }
        if let Some(v) = p.delay_to_completed_secs {
            next.delay_to_completed_ms = secs(v, "delay_to_completed_secs")?;
        }
        if let Some(v) = p.token_ttl_secs {
            next.token_ttl_ms = secs(v, "token_ttl_secs")?;
        }
        if let Some(v) = p.date_skew_secs {
            next.date_skew_ms = secs(v, "date_skew_secs")?;
        }
        if let Some(v) = p.latency_ms {
            next.latency_ms = v;
        }
        if let Some(v) = p.webhook_timeout_ms {
            next.webhook_timeout_ms = v.max(1);
        }
        *self = next;
        Ok(())
    }
}

/// `Some(None)` = set to null (clear); `None` = leave as is.
fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::<String>::deserialize(d)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsPatch {
    #[serde(default, deserialize_with = "nullable")]
    webhook_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    webhook_api_key: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    webhook_basic_auth: Option<Option<String>>,
    delay_to_processing_secs: Option<f64>,
    delay_to_completed_secs: Option<f64>,
    token_ttl_secs: Option<f64>,
    date_skew_secs: Option<f64>,
    latency_ms: Option<u64>,
    webhook_timeout_ms: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_update_changes_only_what_it_names_and_null_clears() {
        let mut s = Settings::from_config(&Config {
            webhook_api_key: Some("k".into()),
            ..Config::default()
        });
        s.apply(br#"{"webhook_url":"http://127.0.0.1:1/hook","latency_ms":5}"#)
            .unwrap();
        assert_eq!(s.webhook_url.as_deref(), Some("http://127.0.0.1:1/hook"));
        assert_eq!(s.latency_ms, 5);
        assert_eq!(s.webhook_api_key.as_deref(), Some("k"));
        s.apply(br#"{"webhook_api_key":null,"delay_to_completed_secs":0.5}"#)
            .unwrap();
        assert_eq!(s.webhook_api_key, None);
        assert_eq!(s.delay_to_completed_ms, 500);
    }

    #[test]
    fn bad_updates_are_refused_whole() {
        let mut s = Settings::from_config(&Config::default());
        let before = s.clone();
        for bad in [
            &br#"{"latency_ms":-1}"#[..],
            br#"{"unknown":1}"#,
            br#"{"webhook_url":"ftp://x"}"#,
            br#"{"token_ttl_secs":-5}"#,
            br#"{"webhook_basic_auth":"nocolon"}"#,
            b"not json",
        ] {
            assert!(s.apply(bad).is_err(), "{}", String::from_utf8_lossy(bad));
            assert_eq!(s, before);
        }
    }

    #[test]
    fn secrets_are_never_echoed() {
        let s = Settings::from_config(&Config {
            webhook_api_key: Some("topsecret".into()),
            webhook_basic_auth: Some("u:p".into()),
            ..Config::default()
        });
        let shown = s.to_json().to_string();
        assert!(
            !shown.contains("topsecret") && !shown.contains("u:p"),
            "{shown}"
        );
        assert_eq!(s.to_json()["webhook_api_key"], "set");
    }
}
