//! The Worker's settings, from vars (wrangler.toml `[vars]`) and secrets (`wrangler secret put`).
//! Secrets are read here and nowhere else, and never logged.

use popbill::{Config as PopbillConfig, Environment, TimeSource};
use popbill::{CorpNum, Secret};
use worker::Env;

use crate::core::api::ApiError;
use crate::core::notify::Notifications;
use crate::core::service::Settings;
use crate::core::webhook::WebhookAuth;

pub struct WorkerConfig {
    pub settings: Settings,
    pub popbill: PopbillConfig,
    /// The merchant API's bearer token.
    pub api_token: String,
    /// How long the post-submit poll runs (Workers keep `waitUntil` work ~30 s).
    pub poll_after_submit_secs: u64,
}

fn text(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string())
        .filter(|s| !s.trim().is_empty())
}

fn required(env: &Env, name: &'static str) -> Result<String, ApiError> {
    text(env, name).ok_or_else(|| ApiError::not_configured(name))
}

impl WorkerConfig {
    pub fn from_env(env: &Env) -> Result<Self, ApiError> {
        let corp = CorpNum::parse(&required(env, "POPBILL_CORP_NUM")?)
            .map_err(|_| ApiError::not_configured("POPBILL_CORP_NUM (10 digits)"))?;
        let mut allowed = vec![corp.clone()];
        for extra in text(env, "POPBILL_CORP_NUMS")
            .unwrap_or_default()
            .split(',')
        {
            if let Ok(c) = CorpNum::parse(extra.trim()) {
                if !allowed.contains(&c) {
                    allowed.push(c);
                }
            }
        }
        let environment = match text(env, "POPBILL_SERVICE_ID").as_deref() {
            Some("POPBILL") => Environment::Production,
            _ => Environment::Test,
        };
        let link_id = required(env, "POPBILL_LINK_ID")?;
        let secret = Secret::new(required(env, "POPBILL_SECRET_KEY")?);
        let mut popbill = match environment {
            Environment::Production => PopbillConfig::production(link_id, secret),
            Environment::Test => PopbillConfig::test(link_id, secret),
        };
        if let (Some(api), Some(auth)) =
            (text(env, "POPBILL_API_URL"), text(env, "POPBILL_AUTH_URL"))
        {
            popbill = popbill.with_base_urls(api, auth);
        }
        popbill.time_source = match text(env, "TIME_SOURCE").as_deref() {
            Some("linkhub") => TimeSource::Linkhub,
            _ => TimeSource::Local,
        };
        // Workers' egress IPs change from request to request: do not bind tokens to one.
        popbill.forwarded_ip =
            Some(text(env, "POPBILL_FORWARDED_IP").unwrap_or_else(|| "*".into()));

        let webhook_auth = WebhookAuth {
            api_key: text(env, "WEBHOOK_API_KEY"),
            basic: text(env, "WEBHOOK_BASIC_AUTH"),
        };
        Ok(WorkerConfig {
            settings: Settings {
                default_corp: corp,
                allowed_corps: allowed,
                webhook_auth,
            },
            popbill,
            api_token: required(env, "API_TOKEN")?,
            poll_after_submit_secs: text(env, "POLL_AFTER_SUBMIT_SECS")
                .and_then(|s| s.parse().ok())
                .unwrap_or(24)
                .min(28),
        })
    }
}

/// Merchant notification settings (`core::notify::config`), read per request or batch.
pub fn notifications(env: &Env) -> Notifications {
    Notifications::from_lookup(|name| text(env, name))
}
