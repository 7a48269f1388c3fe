//! The Worker's settings from its environment: vars (wrangler.toml `[vars]`) and secrets
//! (`wrangler secret put`) are both string bindings. The rules are in `core::config`.

use worker::Env;

use crate::core::config::{ConfigError, WorkerConfig, parse};

pub fn from_env(env: &Env) -> Result<WorkerConfig, ConfigError> {
    parse(|name| env.var(name).ok().map(|v| v.to_string()))
}
