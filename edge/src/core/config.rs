//! The Worker's settings, parsed from its vars (wrangler.toml `[vars]`) and secrets
//! (`wrangler secret put`) through a lookup function, so every rule is tested natively. Nothing
//! is guessed: a value that cannot be used is a [`ConfigError`] naming the variable (never its
//! value: some are secrets). A variable set to an empty or blank string counts as unset.
//! The variables and what each means: edge/README.md, "Configuration".

use popbill::{Config as PopbillConfig, CorpNum, Environment, Secret, TimeSource};

use super::service::Settings;
use super::webhook::WebhookAuth;

/// A setting that is missing or cannot be used. Names the variable, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("the Worker is missing its {0} setting")]
    Missing(&'static str),
    #[error("the Worker's {var} setting is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

fn invalid(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        var,
        reason: reason.into(),
    }
}

/// Everything the Worker reads from its environment.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub settings: Settings,
    pub popbill: PopbillConfig,
    /// The merchant API's bearer token.
    pub api_token: Secret,
    /// How long the post-submit poll runs, in seconds (0: not at all).
    pub poll_after_submit_secs: u64,
}

/// The longest post-submit poll: Workers keep `waitUntil` work about 30 s after the answer.
pub const MAX_POLL_AFTER_SUBMIT_SECS: u64 = 28;
const DEFAULT_POLL_AFTER_SUBMIT_SECS: u64 = 24;

/// Parse the settings; `lookup` answers a variable's value (vars and secrets alike).
pub fn parse(lookup: impl Fn(&str) -> Option<String>) -> Result<WorkerConfig, ConfigError> {
    let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let required = |name: &'static str| get(name).ok_or(ConfigError::Missing(name));

    let corp = CorpNum::parse(required("POPBILL_CORP_NUM")?.trim())
        .map_err(|e| invalid("POPBILL_CORP_NUM", e.to_string()))?;
    let mut allowed = vec![corp.clone()];
    for (i, entry) in get("POPBILL_CORP_NUMS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .enumerate()
        .filter(|(_, e)| !e.is_empty())
    {
        let c = CorpNum::parse(entry)
            .map_err(|e| invalid("POPBILL_CORP_NUMS", format!("entry {}: {e}", i + 1)))?;
        if !allowed.contains(&c) {
            allowed.push(c);
        }
    }

    let environment = match get("POPBILL_SERVICE_ID").as_deref().map(str::trim) {
        None | Some("POPBILL_TEST") => Environment::Test,
        Some("POPBILL") => Environment::Production,
        Some(_) => {
            return Err(invalid(
                "POPBILL_SERVICE_ID",
                "must be POPBILL_TEST (test) or POPBILL (production)",
            ));
        }
    };
    let link_id = required("POPBILL_LINK_ID")?;
    let secret = Secret::new(required("POPBILL_SECRET_KEY")?);
    let mut popbill = match environment {
        Environment::Production => PopbillConfig::production(link_id, secret),
        Environment::Test => PopbillConfig::test(link_id, secret),
    };
    match (
        url(&get, "POPBILL_API_URL")?,
        url(&get, "POPBILL_AUTH_URL")?,
    ) {
        (Some(api), Some(auth)) => popbill = popbill.with_base_urls(api, auth),
        (None, None) => {}
        (Some(_), None) => {
            return Err(invalid(
                "POPBILL_AUTH_URL",
                "must be set with POPBILL_API_URL",
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "POPBILL_API_URL",
                "must be set with POPBILL_AUTH_URL",
            ));
        }
    }
    popbill.time_source = match get("TIME_SOURCE").as_deref().map(str::trim) {
        None | Some("local") => TimeSource::Local,
        Some("linkhub") => TimeSource::Linkhub,
        Some(_) => return Err(invalid("TIME_SOURCE", "must be local or linkhub")),
    };
    // Workers' egress IPs change from request to request: do not bind tokens to one.
    popbill.forwarded_ip = Some(get("POPBILL_FORWARDED_IP").unwrap_or_else(|| "*".into()));

    let basic = get("WEBHOOK_BASIC_AUTH");
    if basic.as_deref().is_some_and(|b| !b.contains(':')) {
        return Err(invalid("WEBHOOK_BASIC_AUTH", "must be user:password"));
    }
    let webhook_auth = WebhookAuth {
        api_key: get("WEBHOOK_API_KEY"),
        basic,
    };

    let poll_after_submit_secs = match get("POLL_AFTER_SUBMIT_SECS") {
        None => DEFAULT_POLL_AFTER_SUBMIT_SECS,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| *s <= MAX_POLL_AFTER_SUBMIT_SECS)
            .ok_or_else(|| {
                invalid(
                    "POLL_AFTER_SUBMIT_SECS",
                    format!(
                        "must be a whole number of seconds from 0 to {MAX_POLL_AFTER_SUBMIT_SECS}"
                    ),
                )
            })?,
    };

    Ok(WorkerConfig {
        settings: Settings {
            default_corp: corp,
            allowed_corps: allowed,
            webhook_auth,
        },
        popbill,
        api_token: Secret::new(required("API_TOKEN")?),
        poll_after_submit_secs,
    })
}

/// An `http://` or `https://` URL, if set.
fn url(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<String>, ConfigError> {
    match get(var) {
        None => Ok(None),
        Some(v) if v.starts_with("http://") || v.starts_with("https://") => Ok(Some(v)),
        Some(_) => Err(invalid(var, "must be an http:// or https:// URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const SECRET: &str = "c2VjcmV0LWtleQ==";

    fn minimal() -> BTreeMap<&'static str, String> {
        [
            ("POPBILL_CORP_NUM", "1234567890"),
            ("POPBILL_LINK_ID", "LINK"),
            ("POPBILL_SECRET_KEY", SECRET),
            ("API_TOKEN", "api-token"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect()
    }

    fn parse_with(vars: &BTreeMap<&'static str, String>) -> Result<WorkerConfig, ConfigError> {
        parse(|name| vars.get(name).cloned())
    }

    fn with(changes: &[(&'static str, &str)]) -> Result<WorkerConfig, ConfigError> {
        let mut vars = minimal();
        for (k, v) in changes {
            vars.insert(k, (*v).to_owned());
        }
        parse_with(&vars)
    }

    #[test]
    fn the_minimal_settings_give_the_documented_defaults() {
        let c = with(&[]).unwrap();
        assert_eq!(c.popbill.environment, Environment::Test);
        assert_eq!(c.popbill.api_base, popbill::client::TEST_API_BASE);
        assert_eq!(c.popbill.time_source, TimeSource::Local);
        assert_eq!(c.popbill.forwarded_ip.as_deref(), Some("*"));
        assert_eq!(c.poll_after_submit_secs, 24);
        assert_eq!(
            c.settings.allowed_corps,
            vec![c.settings.default_corp.clone()]
        );
        assert!(!c.settings.webhook_auth.is_configured());
        assert_eq!(c.api_token.expose(), "api-token");
    }

    #[test]
    fn every_setting_is_read_when_given() {
        let c = with(&[
            ("POPBILL_CORP_NUMS", " 2345678901, 1234567890 ,3456789012,"),
            ("POPBILL_SERVICE_ID", "POPBILL"),
            ("POPBILL_API_URL", "http://127.0.0.1:8080"),
            ("POPBILL_AUTH_URL", "http://127.0.0.1:8081"),
            ("POPBILL_FORWARDED_IP", "203.0.113.9"),
            ("TIME_SOURCE", "linkhub"),
            ("WEBHOOK_API_KEY", "k3y"),
            ("WEBHOOK_BASIC_AUTH", "popbill:pa55"),
            ("POLL_AFTER_SUBMIT_SECS", "0"),
        ])
        .unwrap();
        let corps: Vec<&str> = c
            .settings
            .allowed_corps
            .iter()
            .map(|c| c.as_str())
            .collect();
        assert_eq!(corps, ["1234567890", "2345678901", "3456789012"]);
        assert_eq!(c.popbill.environment, Environment::Production);
        assert_eq!(c.popbill.api_base, "http://127.0.0.1:8080");
        assert_eq!(c.popbill.auth_base, "http://127.0.0.1:8081");
        assert_eq!(c.popbill.time_source, TimeSource::Linkhub);
        assert_eq!(c.popbill.forwarded_ip.as_deref(), Some("203.0.113.9"));
        assert!(c.settings.webhook_auth.allows(Some("k3y"), None));
        assert_eq!(c.poll_after_submit_secs, 0);
    }

    #[test]
    fn nothing_is_guessed_each_bad_setting_is_named() {
        type Case<'a> = (&'a str, &'a [(&'static str, &'a str)], &'a str);
        let cases: &[Case] = &[
            (
                "unknown service id",
                &[("POPBILL_SERVICE_ID", "POPBIL")],
                "POPBILL_SERVICE_ID",
            ),
            (
                "unknown time source",
                &[("TIME_SOURCE", "utc")],
                "TIME_SOURCE",
            ),
            (
                "bad extra corpNum",
                &[("POPBILL_CORP_NUMS", "2345678901,123-45-67890")],
                "POPBILL_CORP_NUMS",
            ),
            (
                "bad corpNum",
                &[("POPBILL_CORP_NUM", "123456789")],
                "POPBILL_CORP_NUM",
            ),
            (
                "API URL alone",
                &[("POPBILL_API_URL", "http://127.0.0.1:1")],
                "POPBILL_AUTH_URL",
            ),
            (
                "auth URL alone",
                &[("POPBILL_AUTH_URL", "http://127.0.0.1:1")],
                "POPBILL_API_URL",
            ),
            (
                "not a URL",
                &[
                    ("POPBILL_API_URL", "127.0.0.1:1"),
                    ("POPBILL_AUTH_URL", "http://x"),
                ],
                "POPBILL_API_URL",
            ),
            (
                "basic auth without a colon",
                &[("WEBHOOK_BASIC_AUTH", "popbill")],
                "WEBHOOK_BASIC_AUTH",
            ),
            (
                "poll too long",
                &[("POLL_AFTER_SUBMIT_SECS", "29")],
                "POLL_AFTER_SUBMIT_SECS",
            ),
            (
                "poll not a number",
                &[("POLL_AFTER_SUBMIT_SECS", "24s")],
                "POLL_AFTER_SUBMIT_SECS",
            ),
        ];
        for (why, changes, var) in cases {
            match with(changes) {
                Err(ConfigError::Invalid { var: named, .. }) => assert_eq!(named, *var, "{why}"),
                other => panic!("{why}: {other:?}"),
            }
        }
        for var in [
            "POPBILL_CORP_NUM",
            "POPBILL_LINK_ID",
            "POPBILL_SECRET_KEY",
            "API_TOKEN",
        ] {
            let mut vars = minimal();
            vars.insert(var, "  ".into());
            assert_eq!(
                parse_with(&vars).unwrap_err(),
                ConfigError::Missing(var),
                "blank {var}"
            );
            vars.remove(var);
            assert_eq!(
                parse_with(&vars).unwrap_err(),
                ConfigError::Missing(var),
                "no {var}"
            );
        }
    }

    #[test]
    fn an_error_never_repeats_a_value() {
        let err = with(&[("WEBHOOK_BASIC_AUTH", "s3cret-no-colon")]).unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        let err = with(&[("POPBILL_CORP_NUMS", "98765-4321")]).unwrap_err();
        assert!(!err.to_string().contains("98765"), "{err}");
        assert!(!format!("{:?}", with(&[]).unwrap()).contains(SECRET));
    }
}
