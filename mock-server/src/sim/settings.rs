//! What the control API may change while the mock runs ([`Settings`], `POST /_mock/config`).

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::config::{AuthClock, Config, is_base_url};

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
    pub auth_clock: AuthClock,
    pub latency_ms: u64,
    pub webhook_timeout_ms: u64,
    /// The base of view URLs; the server sets it to its own address when none is configured.
    pub public_url: String,
    pub unit_cost: u64,
}

/// Where view URLs point until the server knows its address.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:9080";

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
            auth_clock: c.auth_clock,
            latency_ms: ms(c.latency),
            webhook_timeout_ms: ms(c.webhook_timeout),
            public_url: c
                .public_url
                .clone()
                .unwrap_or_else(|| DEFAULT_PUBLIC_URL.to_owned()),
            unit_cost: c.unit_cost,
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
            "auth_clock": self.auth_clock.as_str(),
            "latency_ms": self.latency_ms,
            "webhook_timeout_ms": self.webhook_timeout_ms,
            "public_url": self.public_url,
            "unit_cost": self.unit_cost,
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
        if let Some(v) = p.auth_clock {
            next.auth_clock = AuthClock::parse(&v)
                .ok_or_else(|| "auth_clock must be \"real\" or \"simulated\"".to_owned())?;
        }
        if let Some(v) = p.public_url {
            if !is_base_url(&v) {
                return Err("public_url must be an http:// or https:// URL".into());
            }
            next.public_url = v.trim_end_matches('/').to_owned();
        }
        if let Some(v) = p.unit_cost {
            next.unit_cost = v;
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
    auth_clock: Option<String>,
    public_url: Option<String>,
    unit_cost: Option<u64>,
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
            br#"{"auth_clock":"sundial"}"#,
            br#"{"public_url":"ftp://x"}"#,
            br#"{"unit_cost":-1}"#,
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
