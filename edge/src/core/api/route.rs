//! Errors before a route's own logic: no such route or method, and a body that cannot be read.

use super::{ApiError, Code};

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("route not found")]
    NotFound,
    #[error("method not allowed on this path")]
    MethodNotAllowed,
}

impl ApiError for RouteError {
    fn code(&self) -> Code {
        match self {
            RouteError::NotFound => Code::NotFound,
            RouteError::MethodNotAllowed => Code::MethodNotAllowed,
        }
    }
}

/// A request body that cannot be taken as JSON, on any route that reads one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the request body exceeds {0} bytes")]
    TooLarge(usize),
    #[error("the request body could not be read")]
    Unreadable,
    #[error("the request body is not valid JSON")]
    MalformedJson,
    /// Valid JSON of the wrong shape (the message says what was expected).
    #[error("{0}")]
    Malformed(&'static str),
}

impl BodyError {
    pub fn code(&self) -> Code {
        match self {
            BodyError::TooLarge(_) => Code::BodyTooLarge,
            BodyError::Unreadable => Code::UnreadableBody,
            BodyError::MalformedJson => Code::MalformedJson,
            BodyError::Malformed(_) => Code::MalformedRequest,
        }
    }
}
