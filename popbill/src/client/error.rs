//! The client's one error type, classified by what the caller should do next.
//!
//! Classification (one `match` each, unit-tested below):
//!
//! | what happened                                   | read call   | mutating call |
//! |-------------------------------------------------|-------------|---------------|
//! | transport `Connect` (nothing sent)              | Retryable   | Retryable     |
//! | transport `Timeout` / `Io`                      | Retryable   | **Ambiguous** |
//! | 2xx whose body cannot be read                   | Retryable   | **Ambiguous** |
//! | 429, or code `-10010032` (concurrency limit)    | Retryable   | Retryable     |
//! | a POPBiLL/Linkhub auth code (`-99000xxx`, …)    | Auth        | Auth          |
//! | any other POPBiLL code, whatever the status     | InvalidRequest | InvalidRequest |
//! | code `-99999xxx` (not POPBiLL's): as if no code |             |               |
//! | no code: 5xx (504 on a mutating call: Ambiguous)| Retryable   | Retryable     |
//! | no code: 408                                    | Retryable   | Retryable     |
//! | no code: 401 / 403                              | Auth        | Auth          |
//! | no code: any other status                       | InvalidRequest | InvalidRequest |
//!
//! Read calls (GetBulkResult, GetInfo, GetInfos, the token and `/Time`) report a timeout as
//! **Retryable**: asking again cannot change anything, so "ambiguous" would only make callers
//! do a needless extra check. `Ambiguous` is reserved for calls with a side effect (BulkSubmit,
//! RegistIssue), where the request may have been accepted.

use std::fmt;

use crate::codes;
use crate::wire::ErrorBody;

use super::transport::TransportError;

/// What the caller should do about an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// POPBiLL refused the request (or the client refused it before sending, with POPBiLL's
    /// code): do not retry it as is.
    InvalidRequest,
    /// Credentials, token, signature, permission or clock skew: retrying will not help until
    /// configuration changes.
    Auth,
    /// Nothing happened that matters: a 5xx without a POPBiLL code, 429 or the concurrency
    /// limit, nothing sent (connection refused), or a read call that timed out. Retry later;
    /// a BulkSubmit may be retried with the same SubmitID (if POPBiLL did get it after all, it
    /// answers `-14010021`, and the caller then asks GetBulkResult).
    Retryable,
    /// A mutating call timed out or broke after the request may have been received. Ask
    /// GetBulkResult (BulkSubmit) or GetInfo (RegistIssue) before resubmitting: a SubmitID can
    /// never be reused.
    Ambiguous,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::InvalidRequest => "request refused",
            ErrorKind::Auth => "authentication failed",
            ErrorKind::Retryable => "temporary failure",
            ErrorKind::Ambiguous => "outcome unknown",
        })
    }
}

/// Whether a call changes anything at POPBiLL; decides how timeouts are classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Read,
    Write,
}

/// A failed call: its [`ErrorKind`], POPBiLL's `code` and `message` when POPBiLL answered, the
/// HTTP status when there was a response. Never contains the SecretKey or a session token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}{}: {message}", CodeSuffix(self.code))]
pub struct Error {
    kind: ErrorKind,
    code: Option<i64>,
    message: String,
    status: Option<u16>,
    #[source]
    transport: Option<TransportError>,
}

struct CodeSuffix(Option<i64>);

impl fmt::Display for CodeSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(code) => write!(f, " ({code})"),
            None => Ok(()),
        }
    }
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// POPBiLL's (or Linkhub's) error code, e.g. `-14010021`; `None` when there was none.
    pub fn code(&self) -> Option<i64> {
        self.code
    }

    /// POPBiLL's message when it sent one (Korean by default), else the client's explanation.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The transport failure behind this error, if that is what it was.
    pub fn transport(&self) -> Option<&TransportError> {
        self.transport.as_ref()
    }

    /// POPBiLL said the session token is no good (expired, unreadable, other IP).
    pub fn is_session_error(&self) -> bool {
        self.code.is_some_and(codes::is_session_error)
    }

    /// An error built by hand, e.g. by a fake client in a caller's tests.
    pub fn new(kind: ErrorKind, code: Option<i64>, message: impl Into<String>) -> Self {
        Error {
            kind,
            code,
            message: message.into(),
            status: None,
            transport: None,
        }
    }

    /// Refused before anything was sent, with the code POPBiLL would have answered.
    pub(crate) fn refused_locally(code: i64, message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidRequest, Some(code), message)
    }

    /// A configuration problem found before sending (e.g. a SecretKey that is not Base64).
    pub(crate) fn auth_config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Auth, None, message)
    }

    pub(crate) fn from_transport(err: TransportError, effect: Effect) -> Self {
        let kind = match (&err, effect) {
            (TransportError::Connect(_), _) => ErrorKind::Retryable,
            (TransportError::Timeout(_) | TransportError::Io(_), Effect::Read) => {
                ErrorKind::Retryable
            }
            (TransportError::Timeout(_) | TransportError::Io(_), Effect::Write) => {
                ErrorKind::Ambiguous
            }
        };
        let mut message = err.to_string();
        if kind == ErrorKind::Ambiguous {
            message.push_str(
                "; check whether POPBiLL has it (GetBulkResult / GetInfo) before resubmitting",
            );
        }
        Error {
            transport: Some(err),
            ..Error::new(kind, None, message)
        }
    }

    /// A response whose status is not 2xx.
    pub(crate) fn from_status(status: u16, body: &[u8], effect: Effect) -> Self {
        let parsed = serde_json::from_slice::<ErrorBody>(body).ok();
        let code = parsed.as_ref().and_then(|b| b.code);
        let message = parsed
            .and_then(|b| b.message)
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| format!("HTTP {status}{}", snippet(body)));
        Error {
            status: Some(status),
            ..Error::new(classify(status, code, effect), code, message)
        }
    }

    /// A 2xx response whose body is not what the call expects.
    pub(crate) fn unreadable(status: u16, what: &str, effect: Effect) -> Self {
        let kind = match effect {
            Effect::Read => ErrorKind::Retryable,
            Effect::Write => ErrorKind::Ambiguous,
        };
        Error {
            status: Some(status),
            ..Error::new(
                kind,
                None,
                format!("HTTP {status} but the body is not {what}"),
            )
        }
    }
}

fn classify(status: u16, code: Option<i64>, effect: Effect) -> ErrorKind {
    // `-99999xxx` is never POPBiLL's application speaking (the SDKs use -99999999 for their own
    // failures): a proxy, a gateway or a fault. Such an answer proves nothing about the request,
    // so it is judged by its status alone, like an answer without a code.
    let code = code.filter(|c| !codes::is_not_from_popbill(*c));
    match (code, status) {
        (_, 429) => ErrorKind::Retryable,
        (Some(codes::API_CONCURRENCY_LIMIT), _) => ErrorKind::Retryable,
        (Some(c), _) if is_auth_code(c) => ErrorKind::Auth,
        (Some(_), _) => ErrorKind::InvalidRequest,
        // A gateway timeout is a timeout after the request reached POPBiLL's side.
        (None, 504) if effect == Effect::Write => ErrorKind::Ambiguous,
        (None, 500..=599 | 408) => ErrorKind::Retryable,
        (None, 401 | 403) => ErrorKind::Auth,
        (None, _) => ErrorKind::InvalidRequest,
    }
}

/// Linkhub and POPBiLL codes about who is calling rather than what was asked.
fn is_auth_code(code: i64) -> bool {
    codes::is_session_error(code)
        || matches!(code,
            codes::TOKEN_MISSING | codes::TOKEN_UNREADABLE
            // sessions and tokens
            | -99_000_999..=-99_000_000
            // LinkID and membership
            | -99_004_999..=-99_003_000
            // Linkhub request authentication: date, skew, signature, IP
            | -99_010_999..=-99_010_000
            // API permissions and token IP binding
            | -99_910_999..=-99_910_000)
}

/// A short, printable piece of an error body that is not POPBiLL JSON (an HTML error page).
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(120)
        .collect();
    let clean = clean.trim();
    if clean.is_empty() {
        String::new()
    } else {
        format!(": {clean}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, body: &str, effect: Effect) -> Error {
        Error::from_status(status, body.as_bytes(), effect)
    }

    #[test]
    fn codes_popbill_never_sends_are_judged_by_the_status_alone() {
        let faulted = status(
            503,
            r#"{"code":-99999999,"message":"mock: injected fault"}"#,
            Effect::Write,
        );
        assert_eq!(
            faulted.kind(),
            ErrorKind::Retryable,
            "a 503 from a proxy or fault is transient"
        );
        assert_eq!(
            faulted.code(),
            Some(-99999999),
            "the code is still reported"
        );
        let gateway = status(504, r#"{"code":-99999999,"message":"x"}"#, Effect::Write);
        assert_eq!(gateway.kind(), ErrorKind::Ambiguous);
        let not_found = status(404, r#"{"code":-99999404,"message":"x"}"#, Effect::Read);
        assert_eq!(not_found.kind(), ErrorKind::InvalidRequest);
    }

    #[test]
    fn popbill_codes_decide_over_the_status() {
        let e = status(
            400,
            r#"{"code":-14010014,"message":"유효하지 않은 메시지 변조방지 해시(Message Digest)입니다."}"#,
            Effect::Write,
        );
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        assert_eq!(e.code(), Some(-14010014));
        assert!(e.message().contains("Message Digest"));
        assert_eq!(e.status(), Some(400));
        let with_500 = status(500, r#"{"code":-14001031,"message":"x"}"#, Effect::Write);
        assert_eq!(with_500.kind(), ErrorKind::InvalidRequest);
        let quoted = status(400, r#"{"code":"-99000026","message":"x"}"#, Effect::Read);
        assert_eq!(quoted.kind(), ErrorKind::Auth);
        assert!(quoted.is_session_error());
    }

    #[test]
    fn auth_codes_are_auth_errors() {
        for code in [
            codes::SESSION_EXPIRED,
            codes::TOKEN_MISSING,
            codes::TOKEN_UNREADABLE,
            codes::LH_DATE_SKEW,
            codes::LH_BAD_SIGNATURE,
            codes::LH_UNKNOWN_LINK_ID,
            codes::LH_NOT_A_MEMBER,
            -99004021,
            codes::NO_API_PERMISSION,
            -99910006,
        ] {
            let body = format!(r#"{{"code":{code},"message":"m"}}"#);
            assert_eq!(
                status(403, &body, Effect::Read).kind(),
                ErrorKind::Auth,
                "{code}"
            );
        }
        for code in [
            codes::SUBMIT_ID_IN_USE,
            codes::TOO_MANY_CASHBILLS,
            -99005005,
            -10010020,
        ] {
            let body = format!(r#"{{"code":{code},"message":"m"}}"#);
            assert_eq!(
                status(400, &body, Effect::Write).kind(),
                ErrorKind::InvalidRequest,
                "{code}"
            );
        }
    }

    #[test]
    fn rate_limits_are_retryable() {
        assert_eq!(status(429, "", Effect::Write).kind(), ErrorKind::Retryable);
        let limit = format!(
            r#"{{"code":{},"message":"m"}}"#,
            codes::API_CONCURRENCY_LIMIT
        );
        assert_eq!(
            status(400, &limit, Effect::Write).kind(),
            ErrorKind::Retryable
        );
    }

    #[test]
    fn statuses_without_a_code_are_still_classified() {
        let cases = [
            (500, Effect::Write, ErrorKind::Retryable),
            (502, Effect::Write, ErrorKind::Retryable),
            (503, Effect::Read, ErrorKind::Retryable),
            (504, Effect::Read, ErrorKind::Retryable),
            (504, Effect::Write, ErrorKind::Ambiguous),
            (408, Effect::Write, ErrorKind::Retryable),
            (401, Effect::Read, ErrorKind::Auth),
            (403, Effect::Write, ErrorKind::Auth),
            (404, Effect::Read, ErrorKind::InvalidRequest),
            (302, Effect::Read, ErrorKind::InvalidRequest),
        ];
        for (code, effect, want) in cases {
            let e = status(code, "<html>Bad Gateway</html>", effect);
            assert_eq!(e.kind(), want, "{code} {effect:?}");
            assert_eq!(e.code(), None);
            assert!(e.message().contains("Bad Gateway"), "{}", e.message());
        }
    }

    #[test]
    fn transport_failures_depend_on_whether_the_call_mutates() {
        let t = |e: TransportError, effect| Error::from_transport(e, effect).kind();
        assert_eq!(
            t(TransportError::Connect("refused".into()), Effect::Write),
            ErrorKind::Retryable
        );
        assert_eq!(
            t(TransportError::Timeout("1s".into()), Effect::Write),
            ErrorKind::Ambiguous
        );
        assert_eq!(
            t(TransportError::Io("reset".into()), Effect::Write),
            ErrorKind::Ambiguous
        );
        assert_eq!(
            t(TransportError::Timeout("1s".into()), Effect::Read),
            ErrorKind::Retryable
        );
        assert_eq!(
            t(TransportError::Io("reset".into()), Effect::Read),
            ErrorKind::Retryable
        );
    }

    #[test]
    fn an_unreadable_success_is_ambiguous_only_for_mutations() {
        assert_eq!(
            Error::unreadable(200, "JSON", Effect::Write).kind(),
            ErrorKind::Ambiguous
        );
        assert_eq!(
            Error::unreadable(200, "JSON", Effect::Read).kind(),
            ErrorKind::Retryable
        );
    }

    #[test]
    fn display_names_the_kind_code_and_message() {
        let e = status(
            400,
            r#"{"code":-14010017,"message":"1회 최대 100건"}"#,
            Effect::Write,
        );
        assert_eq!(e.to_string(), "request refused (-14010017): 1회 최대 100건");
        let e = status(502, "", Effect::Read);
        assert_eq!(e.to_string(), "temporary failure: HTTP 502");
    }
}
