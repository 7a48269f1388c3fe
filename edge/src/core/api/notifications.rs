//! The notification routes' errors (`GET /v1/notifications/failed`,
//! `POST /v1/notifications/replay`).

use super::merchant::{storage_code, storage_message};
use super::{ApiError, BodyError, Code};
use crate::core::config::ConfigError;
use crate::core::kv::KvError;
use crate::core::outbox::OutboxError;
use crate::core::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum NotificationsError {
    #[error(transparent)]
    Body(#[from] BodyError),
    #[error("missing or invalid credentials")]
    Unauthorized,
    /// The request's shape is wrong (the message says what was expected).
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("notifications are off: set MERCHANT_WEBHOOK_URL and MERCHANT_WEBHOOK_SECRET")]
    Off,
    #[error("notifications are misconfigured; /healthz names the setting")]
    Misconfigured,
    #[error("the event queue did not take the events; retry later")]
    Queue(#[source] OutboxError),
    #[error("{}", storage_message(.0))]
    Storage(#[from] StoreError),
    #[error(transparent)]
    NotConfigured(#[from] ConfigError),
}

impl From<KvError> for NotificationsError {
    fn from(e: KvError) -> Self {
        NotificationsError::Storage(e.into())
    }
}

impl ApiError for NotificationsError {
    fn code(&self) -> Code {
        use NotificationsError::*;
        match self {
            Body(e) => e.code(),
            Unauthorized => Code::Unauthorized,
            InvalidRequest(_) => Code::InvalidRequest,
            NotFound(_) => Code::NotFound,
            Off => Code::NotificationsOff,
            Misconfigured | NotConfigured(_) => Code::NotConfigured,
            Queue(_) => Code::QueueUnavailable,
            Storage(e) => storage_code(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_code_and_status() {
        let cases = [
            (NotificationsError::Off, "notifications_off", 409),
            (NotificationsError::Misconfigured, "not_configured", 503),
            (
                NotificationsError::Queue(OutboxError("down".into())),
                "queue_unavailable",
                503,
            ),
            (
                NotificationsError::InvalidRequest("x".into()),
                "invalid_request",
                422,
            ),
            (NotificationsError::Unauthorized, "unauthorized", 401),
        ];
        for (e, code, status) in cases {
            assert_eq!((e.code().as_str(), e.status()), (code, status), "{e}");
        }
        let q = NotificationsError::Queue(OutboxError("binding gone".into()));
        assert!(
            !q.body().to_string().contains("binding gone"),
            "causes stay in the log"
        );
        assert!(q.cause_chain().contains("binding gone"));
    }
}
