//! What the mock is started with ([`Config`]); what may change while it runs is
//! [`super::settings::Settings`].
//!
//! Pure: [`Config::member`] checks the start-up values once ([`ConfigError`] names the bad one);
//! the simulation is built from the checked [`Member`] and the [`Settings`].

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use popbill::{CorpNum, IdError};

pub use super::clock::ClockMode;

/// The development partner and member (also `scripts/dev.sh`). Never real credentials.
pub const DEV_LINK_ID: &str = "DEVLINK";
pub const DEV_SECRET_KEY: &str = "ZGV2LXNlY3JldC1rZXktZm9yLWxvY2FsLW1vY2stb25seQ==";
pub const DEV_CORP_NUM: &str = "1234567890";

/// Points the member (and the partner) start with: enough for ten million receipts.
pub const DEFAULT_POINTS: u64 = 100_000_000;
/// Points per issued receipt ([INF]: POPBiLL's price depends on the contract).
pub const DEFAULT_UNIT_COST: u64 = 10;

/// The clock Linkhub's date check and token lifetimes follow ([INF], README).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AuthClock {
    /// The real wall clock (as POPBiLL's does), so SDKs signing and refreshing by their own
    /// clock keep working across simulated-clock jumps. A request signed with the simulated
    /// clock (a client reading `GET /Time`) is accepted too, and its token also lives as long
    /// as the simulated clock says.
    #[default]
    Real,
    /// The simulated clock only: tokens expire when the simulated clock passes their
    /// expiration (token-expiry tests).
    Simulated,
}

impl AuthClock {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthClock::Real => "real",
            AuthClock::Simulated => "simulated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "real" => Some(AuthClock::Real),
            "simulated" => Some(AuthClock::Simulated),
            _ => None,
        }
    }
}

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
    /// Session token lifetime (on the clock `auth_clock` names).
    pub token_ttl: Duration,
    /// Allowed distance between `x-lh-date` and the clock it is judged by.
    pub date_skew: Duration,
    /// Which clock Linkhub's date check and token lifetimes follow.
    pub auth_clock: AuthClock,
    /// The base of the view URLs the mock hands out (`None`: the address it listens on).
    pub public_url: Option<String>,
    /// The member's points balance at start (and after a reset).
    pub points: u64,
    /// The partner's points balance (reported by GetPartnerBalance, never spent).
    pub partner_points: u64,
    /// Points one issued receipt costs.
    pub unit_cost: u64,
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
            auth_clock: AuthClock::Real,
            public_url: None,
            points: DEFAULT_POINTS,
            partner_points: DEFAULT_POINTS,
            unit_cost: DEFAULT_UNIT_COST,
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
    #[error("public_url {0:?} must be an http:// or https:// URL")]
    PublicUrl(String),
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
        if let Some(url) = &self.public_url
            && !is_base_url(url)
        {
            return Err(ConfigError::PublicUrl(url.clone()));
        }
        Ok(member)
    }
}

/// An `http(s)://host[:port][/path]` base for URLs (no query, no spaces or quotes).
pub(crate) fn is_base_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && r.bytes()
                .all(|b| b.is_ascii_graphic() && !b"\"'<>?#\\`".contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_up_values_are_checked_with_a_reason() {
        assert!(Config::default().validate().is_ok());
        let bad = [
            Config {
                corp_num: "123".into(),
                ..Config::default()
            },
            Config {
                secret_key: "%%%".into(),
                ..Config::default()
            },
            Config {
                webhook_url: Some("https://x/hook".into()),
                ..Config::default()
            },
            Config {
                webhook_basic_auth: Some("nocolon".into()),
                ..Config::default()
            },
            Config {
                public_url: Some("ftp://x".into()),
                ..Config::default()
            },
        ];
        for c in bad {
            assert!(c.validate().is_err(), "{c:?}");
        }
    }
}
