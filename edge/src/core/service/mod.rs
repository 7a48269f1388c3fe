//! The Worker's behaviour over its ports (KV, POPBiLL), with the time passed in. The `worker`
//! shell calls these; native tests call them with an in-memory KV and a fake POPBiLL.

pub mod notify;
mod read;
mod reconcile;
mod send;
mod submit;
mod webhook;

use popbill::CorpNum;

use super::api::ApiError;
use super::kv::{Kv, KvError};
use super::upstream::Upstream;
use super::webhook::WebhookAuth;

pub use reconcile::{PollOutcome, ReconcileReport};
pub use submit::Submitted;
pub use webhook::WebhookOutcome;

/// Settings the service needs (from Worker vars and secrets).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Issued for when a submission names no corpNum.
    pub default_corp: CorpNum,
    /// Every CorpNum this Worker may issue for (includes `default_corp`).
    pub allowed_corps: Vec<CorpNum>,
    pub webhook_auth: WebhookAuth,
}

pub struct Service<'a, K: Kv, U: Upstream> {
    kv: &'a K,
    upstream: &'a U,
    settings: &'a Settings,
}

impl<'a, K: Kv, U: Upstream> Service<'a, K, U> {
    pub fn new(kv: &'a K, upstream: &'a U, settings: &'a Settings) -> Self {
        Service {
            kv,
            upstream,
            settings,
        }
    }

    fn store(&self) -> super::store::Store<'a, K> {
        super::store::Store::new(self.kv)
    }
}

impl From<KvError> for ApiError {
    fn from(e: KvError) -> Self {
        ApiError::storage_unavailable().with_cause(e.to_string())
    }
}
