//! Error answers. Every code the Worker can answer is a [`Code`], with its one HTTP status; each
//! surface has its own error enum (`MerchantError`, `WebhookError`, `RouteError`) that maps each
//! variant to a code in one `match`. The answer is `{"error":{"code","message",…}}`; nothing
//! internal is ever put in it (a 500 says "internal error"; its cause goes to the log).
//!
//! A new code is a new `Code` variant and a row in `edge/README.md` (a test checks the table).

mod merchant;
mod notifications;
mod route;
mod webhook;

use serde::Serialize;
use serde_json::{Value, json};
use strum::IntoEnumIterator;

pub use merchant::MerchantError;
pub use notifications::NotificationsError;
pub use route::{BodyError, RouteError};
pub use webhook::WebhookError;

/// Every error code, stable and snake_case on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Code {
    MalformedJson,
    MalformedRequest,
    UnreadableBody,
    InvalidCorpNum,
    Unauthorized,
    NotFound,
    MethodNotAllowed,
    SubmitIdConflict,
    RefundIdConflict,
    MgtKeyInUse,
    OriginalPending,
    BodyTooLarge,
    InvalidCashbills,
    NoCashbills,
    TooManyCashbills,
    InvalidRefunds,
    NoRefunds,
    TooManyRefunds,
    InvalidRequest,
    Internal,
    PopbillRejected,
    PopbillAuthFailed,
    StorageUnavailable,
    TimeUnavailable,
    NotConfigured,
    NotificationsOff,
    QueueUnavailable,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn status(self) -> u16 {
        use Code::*;
        match self {
            MalformedJson | MalformedRequest | UnreadableBody | InvalidCorpNum => 400,
            Unauthorized => 401,
            NotFound => 404,
            MethodNotAllowed => 405,
            SubmitIdConflict | RefundIdConflict | MgtKeyInUse | OriginalPending
            | NotificationsOff => 409,
            BodyTooLarge => 413,
            InvalidCashbills | NoCashbills | TooManyCashbills | InvalidRefunds | NoRefunds
            | TooManyRefunds | InvalidRequest => 422,
            Internal => 500,
            PopbillRejected | PopbillAuthFailed => 502,
            StorageUnavailable | TimeUnavailable | NotConfigured | QueueUnavailable => 503,
        }
    }

    /// Every code, in declaration order.
    pub fn all() -> impl Iterator<Item = Code> {
        Code::iter()
    }
}

/// One problem in a submission or refund request, located by item index and POPBiLL field
/// name.
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

/// An error that is answered to a caller. The message is the error's `Display`; what lies under
/// it (`source()`) is for the log only.
pub trait ApiError: std::error::Error {
    fn code(&self) -> Code;

    fn status(&self) -> u16 {
        self.code().status()
    }

    /// Every problem by index and field (validation failures).
    fn details(&self) -> &[Detail] {
        &[]
    }

    /// POPBiLL's own code, when POPBiLL's rule or answer is the reason.
    fn popbill_code(&self) -> Option<i64> {
        None
    }

    /// The answer's body: `{"error":{"code","message","details"?,"popbillCode"?}}`.
    fn body(&self) -> Value {
        let code = self.code();
        let message = match code {
            Code::Internal => "internal error".to_owned(),
            _ => self.to_string(),
        };
        let mut error = json!({ "code": code.as_str(), "message": message });
        if !self.details().is_empty() {
            error["details"] = json!(self.details());
        }
        if let Some(c) = self.popbill_code() {
            error["popbillCode"] = json!(c);
        }
        json!({ "error": error })
    }

    /// For the log: the message and every cause under it, `a: b: c`.
    fn cause_chain(&self) -> String {
        let mut line = self.to_string();
        let mut next = self.source();
        while let Some(e) = next {
            line.push_str(": ");
            line.push_str(&e.to_string());
            next = e.source();
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::kv::KvError;
    use crate::core::store::StoreError;

    #[test]
    fn error_body_has_the_stable_shape() {
        let e = MerchantError::InvalidCashbills(vec![Detail {
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
            MerchantError::Unauthorized.body()["error"]
                .get("details")
                .is_none()
        );
    }

    #[test]
    fn a_500_says_nothing_of_its_cause_but_the_log_line_does() {
        let e = MerchantError::from(StoreError::Corrupt {
            key: "sub:S1".into(),
            cause: "expected value".into(),
        });
        assert_eq!((e.status(), e.code()), (500, Code::Internal));
        assert_eq!(e.body()["error"]["message"], "internal error");
        assert!(!e.body().to_string().contains("sub:S1"));
        assert!(e.cause_chain().contains("sub:S1"), "{}", e.cause_chain());
        let kv = MerchantError::from(StoreError::Kv(KvError {
            op: "get",
            reason: "timeout".into(),
        }));
        assert_eq!((kv.status(), kv.code()), (503, Code::StorageUnavailable));
        assert!(kv.cause_chain().ends_with("kv get failed: timeout"));
    }

    /// The rows of edge/README.md's error table: `| `code` | status | … |`.
    fn readme_codes() -> Vec<(String, u16)> {
        include_str!("../../../README.md")
            .lines()
            .filter_map(|line| {
                let mut cells = line.split('|').map(str::trim).skip(1);
                let code = cells.next()?.strip_prefix('`')?.strip_suffix('`')?;
                let status = cells.next()?.parse().ok()?;
                Some((code.to_owned(), status))
            })
            .collect()
    }

    #[test]
    fn the_readme_lists_every_code_with_its_status_and_no_other() {
        let listed = readme_codes();
        for code in Code::all() {
            assert!(
                listed.contains(&(code.as_str().to_owned(), code.status())),
                "edge/README.md lacks the row for `{}` ({})",
                code.as_str(),
                code.status()
            );
        }
        for (code, _) in &listed {
            assert!(
                Code::all().any(|c| c.as_str() == code),
                "edge/README.md lists `{code}`, which the Worker never answers"
            );
        }
        assert_eq!(listed.len(), Code::all().count(), "one row per code");
    }
}
