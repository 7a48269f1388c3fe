//! The webhook's errors (`POST /v1/popbill/webhook`). Any error makes POPBiLL retry later.

use super::merchant::{storage_code, storage_message};
use super::{ApiError, BodyError, Code};
use crate::core::config::ConfigError;
use crate::core::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Body(#[from] BodyError),
    /// Neither webhook credential is set: nothing is accepted.
    #[error("the Worker is missing its WEBHOOK_API_KEY or WEBHOOK_BASIC_AUTH setting")]
    NoCredentials,
    #[error("missing or invalid credentials")]
    Unauthorized,
    #[error("{}", storage_message(.0))]
    Storage(#[from] StoreError),
    #[error(transparent)]
    NotConfigured(#[from] ConfigError),
}

impl ApiError for WebhookError {
    fn code(&self) -> Code {
        match self {
            WebhookError::Body(e) => e.code(),
            WebhookError::NoCredentials | WebhookError::NotConfigured(_) => Code::NotConfigured,
            WebhookError::Unauthorized => Code::Unauthorized,
            WebhookError::Storage(e) => storage_code(e),
        }
    }
}
