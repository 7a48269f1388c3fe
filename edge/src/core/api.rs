//! Merchant-facing errors: a stable snake_case code, a human message, an HTTP status, and for
//! validation failures every problem by index and field. Nothing internal is ever put in them.

use serde::Serialize;
use serde_json::{Value, json};

/// One problem in a submission, located by receipt index and POPBiLL field name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub reason: String,
    #[serde(rename = "popbillCode", skip_serializing_if = "Option::is_none")]
    pub popbill_code: Option<i64>,
    pub message: String,
}

/// An error answer: `{"error":{"code","message",…}}` with `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub details: Vec<Detail>,
    pub popbill_code: Option<i64>,
    /// For the log only (never in the answer): what went wrong underneath.
    pub cause: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
            popbill_code: None,
            cause: None,
        }
    }

    pub fn with_details(mut self, details: Vec<Detail>) -> Self {
        self.details = details;
        self
    }

    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    pub fn with_popbill_code(mut self, code: Option<i64>) -> Self {
        self.popbill_code = code;
        self
    }

    pub fn malformed_json() -> Self {
        Self::new(400, "malformed_json", "the request body is not valid JSON")
    }

    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            413,
            "body_too_large",
            format!("the request body exceeds {limit} bytes"),
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "unauthorized", "missing or invalid credentials")
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(404, "not_found", format!("{what} not found"))
    }

    pub fn method_not_allowed() -> Self {
        Self::new(405, "method_not_allowed", "method not allowed on this path")
    }

    /// Storage is unreachable: the caller may retry the same request (it is idempotent).
    pub fn storage_unavailable() -> Self {
        Self::new(
            503,
            "storage_unavailable",
            "state storage is unavailable; retry later",
        )
    }

    /// Opaque to the caller; the cause goes to the log.
    pub fn internal() -> Self {
        Self::new(500, "internal", "internal error")
    }

    pub fn not_configured(what: &str) -> Self {
        Self::new(
            503,
            "not_configured",
            format!("the Worker is missing its {what} setting"),
        )
    }

    pub fn body(&self) -> Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if !self.details.is_empty() {
            error["details"] = json!(self.details);
        }
        if let Some(code) = self.popbill_code {
            error["popbillCode"] = json!(code);
        }
        json!({ "error": error })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_the_stable_shape() {
        let e = ApiError::new(422, "invalid_cashbills", "2 problems").with_details(vec![Detail {
            index: Some(3),
            field: Some("tax".into()),
            reason: "negative".into(),
            popbill_code: Some(-14001011),
            message: "tax cannot be negative".into(),
        }]);
        let b = e.body();
        assert_eq!(b["error"]["code"], "invalid_cashbills");
        assert_eq!(b["error"]["details"][0]["index"], 3);
        assert_eq!(b["error"]["details"][0]["popbillCode"], -14001011);
        assert!(
            ApiError::unauthorized().body()["error"]
                .get("details")
                .is_none()
        );
    }
}
