//! What the core sees of an HTTP request and what it answers, with no IO types involved.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http::{HeaderMap, Method};
use serde::Serialize;

/// One request, fully read. The body is at most the configured cap.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub peer: Option<IpAddr>,
}

impl ApiRequest {
    pub fn new(method: Method, path: &str) -> Self {
        ApiRequest {
            method,
            path: path.to_owned(),
            query: None,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            peer: None,
        }
    }

    /// A header as text; a value that is not visible ASCII reads as absent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The query's parameters, percent-decoded (`+` is a space); a parameter given without
    /// `=` (`?Detail`) has an empty value.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .as_deref()
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// One query parameter (the first with that name).
    pub fn param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// `X-HTTP-Method-Override`, upper-cased for matching.
    pub fn method_override(&self) -> Option<String> {
        self.header("x-http-method-override")
            .map(|v| v.trim().to_ascii_uppercase())
            .filter(|v| !v.is_empty())
    }
}

/// A response body computed once and shared (a completed GetBulkResult), gzipped lazily.
#[derive(Debug, Default)]
pub struct CachedBody {
    pub plain: Bytes,
    pub gzip: OnceLock<Bytes>,
}

#[derive(Debug, Clone)]
pub enum Body {
    Bytes(Bytes),
    Cached(Arc<CachedBody>),
}

pub const JSON: &str = "application/json; charset=utf-8";
pub const TEXT: &str = "text/plain; charset=utf-8";
pub const HTML: &str = "text/html; charset=utf-8";

/// The core's answer. `code` is POPBiLL's code (for the journal), when there is one.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Body,
    pub code: Option<i64>,
}

impl ApiResponse {
    pub fn json<T: Serialize>(status: u16, value: &T, code: Option<i64>) -> Self {
        let bytes = serde_json::to_vec(value).expect("wire types always serialize");
        ApiResponse {
            status,
            content_type: JSON,
            body: Body::Bytes(Bytes::from(bytes)),
            code,
        }
    }

    pub fn text(status: u16, text: String) -> Self {
        ApiResponse {
            status,
            content_type: TEXT,
            body: Body::Bytes(Bytes::from(text)),
            code: None,
        }
    }

    pub fn html(status: u16, html: String) -> Self {
        ApiResponse {
            status,
            content_type: HTML,
            body: Body::Bytes(Bytes::from(html)),
            code: None,
        }
    }

    pub fn cached(body: Arc<CachedBody>, code: i64) -> Self {
        ApiResponse {
            status: 200,
            content_type: JSON,
            body: Body::Cached(body),
            code: Some(code),
        }
    }

    /// The plain (uncompressed) bytes.
    pub fn bytes(&self) -> Bytes {
        match &self.body {
            Body::Bytes(b) => b.clone(),
            Body::Cached(c) => c.plain.clone(),
        }
    }

    /// The body as JSON (tests).
    pub fn json_value(&self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes()).unwrap_or(serde_json::Value::Null)
    }
}
