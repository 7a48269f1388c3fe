//! Response helpers: JSON bodies with the right status, errors in the stable shape.

use serde::Serialize;
use worker::Response;

use crate::core::api::ApiError;

pub fn json<T: Serialize>(status: u16, body: &T) -> Response {
    match Response::from_json(body) {
        Ok(r) => r.with_status(status),
        Err(_) => opaque_500(),
    }
}

pub fn error(e: &dyn ApiError) -> Response {
    json(e.status(), &e.body())
}

/// A 500 says nothing about its cause; the cause goes to the log.
pub fn opaque_500() -> Response {
    let body = serde_json::json!({ "error": { "code": "internal", "message": "internal error" } });
    Response::from_json(&body)
        .map(|r| r.with_status(500))
        .expect("a static JSON body always serializes")
}
