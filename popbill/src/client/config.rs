//! What a [`Client`](super::Client) needs to know: credentials, environment, hosts, time source.

use crate::Secret;

/// Linkhub's auth host; the same for test and production (docs/PROTOCOL.md §1.1).
pub const AUTH_BASE: &str = "https://auth.linkhub.co.kr";
/// POPBiLL's test API host.
pub const TEST_API_BASE: &str = "https://popbill-test.linkhub.co.kr";
/// POPBiLL's production API host.
pub const PRODUCTION_API_BASE: &str = "https://popbill.linkhub.co.kr";
/// How long before a token's expiry the client fetches a new one, by default.
pub const DEFAULT_TOKEN_REFRESH_MARGIN_SECS: i64 = 300;

/// Test or production: chooses the Linkhub ServiceID and the default API host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// ServiceID `POPBILL_TEST`, `https://popbill-test.linkhub.co.kr`.
    Test,
    /// ServiceID `POPBILL`, `https://popbill.linkhub.co.kr`.
    Production,
}

impl Environment {
    /// The Linkhub ServiceID in the token path (`/{ServiceID}/Token`).
    pub fn service_id(self) -> &'static str {
        match self {
            Environment::Test => "POPBILL_TEST",
            Environment::Production => "POPBILL",
        }
    }

    /// POPBiLL's default API host for this environment.
    pub fn default_api_base(self) -> &'static str {
        match self {
            Environment::Test => TEST_API_BASE,
            Environment::Production => PRODUCTION_API_BASE,
        }
    }
}

/// Where `x-lh-date` (and the client's idea of "now" for token expiry) comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimeSource {
    /// The [`Clock`](super::Clock) given to the client (the SDKs' default, `UseLocalTimeYN=true`).
    #[default]
    Local,
    /// Linkhub's `GET {auth_base}/Time` (the SDKs' `UseLocalTimeYN=false`): immune to a wrong
    /// local clock, which Linkhub would refuse with `-99010004`. Asked once per token request;
    /// the difference to the local clock is then applied to that token's expiry.
    Linkhub,
}

/// Everything the client needs besides a transport and a clock.
///
/// `Debug` shows the SecretKey as `<redacted>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The partner's LinkID.
    pub link_id: String,
    /// The partner's SecretKey (Base64, as Linkhub issues it).
    pub secret_key: Secret,
    pub environment: Environment,
    /// POPBiLL's API host, without a trailing slash (one is tolerated), e.g. the mock's URL.
    pub api_base: String,
    /// Linkhub's auth host, without a trailing slash (one is tolerated).
    pub auth_base: String,
    pub time_source: TimeSource,
    /// `x-lh-forwarded`: `None` binds the token to the caller's IP (the SDKs' default);
    /// `Some("*")` asks for no IP binding, which serverless callers need because their egress
    /// IPs change between requests.
    pub forwarded_ip: Option<String>,
    /// Fetch a new token this many seconds before the old one expires (default 300; the
    /// official SDKs wait until it has expired). Negative values count as 0.
    pub token_refresh_margin_secs: i64,
    /// `x-pb-userid`: the POPBiLL user the calls act as, when set.
    pub user_id: Option<String>,
}

impl Config {
    fn new(environment: Environment, link_id: String, secret_key: Secret) -> Self {
        Config {
            link_id,
            secret_key,
            environment,
            api_base: environment.default_api_base().to_owned(),
            auth_base: AUTH_BASE.to_owned(),
            time_source: TimeSource::Local,
            forwarded_ip: None,
            token_refresh_margin_secs: DEFAULT_TOKEN_REFRESH_MARGIN_SECS,
            user_id: None,
        }
    }

    /// POPBiLL's test environment (`POPBILL_TEST`) on its real hosts.
    pub fn test(link_id: impl Into<String>, secret_key: impl Into<Secret>) -> Self {
        Config::new(Environment::Test, link_id.into(), secret_key.into())
    }

    /// POPBiLL's production environment (`POPBILL`) on its real hosts.
    pub fn production(link_id: impl Into<String>, secret_key: impl Into<Secret>) -> Self {
        Config::new(Environment::Production, link_id.into(), secret_key.into())
    }

    /// Other hosts (the mock, a static-IP host); the environment (ServiceID) is kept.
    pub fn with_base_urls(mut self, api: impl Into<String>, auth: impl Into<String>) -> Self {
        self.api_base = api.into();
        self.auth_base = auth.into();
        self
    }

    pub(crate) fn api_url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base.trim_end_matches('/'))
    }

    pub(crate) fn auth_url(&self, path: &str) -> String {
        format!("{}{path}", self.auth_base.trim_end_matches('/'))
    }

    pub(crate) fn refresh_margin_millis(&self) -> i64 {
        self.token_refresh_margin_secs.max(0).saturating_mul(1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_choose_service_id_and_hosts() {
        let t = Config::test("LINK", "c2VjcmV0");
        assert_eq!(t.environment.service_id(), "POPBILL_TEST");
        assert_eq!(t.api_base, "https://popbill-test.linkhub.co.kr");
        assert_eq!(t.auth_base, "https://auth.linkhub.co.kr");
        assert_eq!(t.token_refresh_margin_secs, 300);
        let p = Config::production("LINK", "c2VjcmV0");
        assert_eq!(p.environment.service_id(), "POPBILL");
        assert_eq!(p.api_base, "https://popbill.linkhub.co.kr");
    }

    #[test]
    fn base_urls_join_paths_with_or_without_a_trailing_slash() {
        let c = Config::test("LINK", "c2VjcmV0")
            .with_base_urls("http://127.0.0.1:9080/", "http://127.0.0.1:9081");
        assert_eq!(c.api_url("/Cashbill"), "http://127.0.0.1:9080/Cashbill");
        assert_eq!(c.auth_url("/Time"), "http://127.0.0.1:9081/Time");
        assert_eq!(c.environment, Environment::Test, "the ServiceID is kept");
    }

    #[test]
    fn debug_redacts_the_secret_key() {
        let c = Config::test("LINK", "c3VwZXItc2VjcmV0LWtleQ==");
        let printed = format!("{c:?}");
        assert!(!printed.contains("c3VwZXItc2VjcmV0LWtleQ=="), "{printed}");
        assert!(printed.contains("<redacted>"));
    }
}
