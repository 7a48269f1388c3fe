//! The Worker's settings from its environment: vars (wrangler.toml `[vars]`) and secrets
//! (`wrangler secret put`) are both string bindings. The rules are in `core::config`.

use worker::Env;

use crate::core::config::{ConfigError, WorkerConfig, parse};
use crate::core::notify::Notifications;

fn lookup(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string())
}

pub fn from_env(env: &Env) -> Result<WorkerConfig, ConfigError> {
    parse(|name| lookup(env, name))
}

/// Merchant notification settings (`core::notify::config`), read per request or batch.
pub fn notifications(env: &Env) -> Notifications {
    Notifications::from_lookup(|name| lookup(env, name))
}
