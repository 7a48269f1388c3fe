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

    /// `X-HTTP-Method-Override`, upper-cased for matching.
    pub fn method_override(&self) -> Option<String> {
        self.header("x-http-method-override")
            .map(|v| v.trim().to_ascii_uppercase())
            .filter(|v| !v.is_empty())
    }
}

/// The POPBiLL calls the mock simulates (fault rules target these names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Token,
    BulkSubmit,
    GetBulkResult,
    GetInfo,
    GetInfos,
    RegistIssue,
    RevokeRegistIssue,
}

impl Endpoint {
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Token => "token",
            Endpoint::BulkSubmit => "bulk_submit",
            Endpoint::GetBulkResult => "get_bulk_result",
            Endpoint::GetInfo => "get_info",
            Endpoint::GetInfos => "get_infos",
            Endpoint::RegistIssue => "regist_issue",
            Endpoint::RevokeRegistIssue => "revoke_regist_issue",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Endpoint::Token,
            Endpoint::BulkSubmit,
            Endpoint::GetBulkResult,
            Endpoint::GetInfo,
            Endpoint::GetInfos,
            Endpoint::RegistIssue,
            Endpoint::RevokeRegistIssue,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
    }
}

/// Where a request goes. Routing is a plain match on method and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /Time`.
    Time,
    /// `POST /{POPBILL_TEST|POPBILL}/Token`.
    Token {
        service_id: &'static str,
    },
    BulkSubmit,
    RegistIssue,
    /// `POST /Cashbill` + `REVOKEISSUE`: issue a cancellation receipt (취소거래).
    RevokeRegistIssue,
    GetBulkResult {
        submit_id: String,
    },
    GetInfo {
        mgt_key: String,
    },
    GetInfos,
    /// A real POPBiLL call this mock does not simulate (501).
    NotSimulated {
        what: String,
    },
    /// Anything under `/_mock/` (the control API; the rest of the path).
    Control {
        rest: String,
    },
    NotFound,
}

impl Route {
    pub fn endpoint(&self) -> Option<Endpoint> {
        match self {
            Route::Token { .. } => Some(Endpoint::Token),
            Route::BulkSubmit => Some(Endpoint::BulkSubmit),
            Route::RegistIssue => Some(Endpoint::RegistIssue),
            Route::RevokeRegistIssue => Some(Endpoint::RevokeRegistIssue),
            Route::GetBulkResult { .. } => Some(Endpoint::GetBulkResult),
            Route::GetInfo { .. } => Some(Endpoint::GetInfo),
            Route::GetInfos => Some(Endpoint::GetInfos),
            _ => None,
        }
    }
}

/// Route a request: `match (method, path)`.
pub fn route(req: &ApiRequest) -> Route {
    let path = req.path.as_str();
    if let Some(rest) = path.strip_prefix("/_mock/") {
        return Route::Control {
            rest: rest.to_owned(),
        };
    }
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let post = req.method == Method::POST;
    let get = req.method == Method::GET;
    match (get, post, segs.as_slice()) {
        (true, _, ["Time"]) => Route::Time,
        (_, true, ["POPBILL_TEST", "Token"]) => Route::Token {
            service_id: "POPBILL_TEST",
        },
        (_, true, ["POPBILL", "Token"]) => Route::Token {
            service_id: "POPBILL",
        },
        // .NET posts to `/Cashbill/` (trailing slash), the others to `/Cashbill`.
        (_, true, ["Cashbill"] | ["Cashbill", ""]) => match req.method_override().as_deref() {
            Some("BULKISSUE") => Route::BulkSubmit,
            Some("ISSUE") => Route::RegistIssue,
            Some("REVOKEISSUE") => Route::RevokeRegistIssue,
            other => Route::NotSimulated {
                what: format!(
                    "POST /Cashbill with X-HTTP-Method-Override {}",
                    other.unwrap_or("(none)")
                ),
            },
        },
        (_, true, ["Cashbill", "States"]) => Route::GetInfos,
        (true, _, ["Cashbill", "BULK", id, "State"]) => Route::GetBulkResult {
            submit_id: (*id).to_owned(),
        },
        (true, _, ["Cashbill", key]) if !key.is_empty() && req.query.is_none() => Route::GetInfo {
            mgt_key: (*key).to_owned(),
        },
        (_, _, ["Cashbill", ..]) => Route::NotSimulated {
            what: format!("{} {}", req.method, path),
        },
        _ => Route::NotFound,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, path: &str, ov: Option<&str>) -> ApiRequest {
        let mut r = ApiRequest::new(method, path);
        if let Some(v) = ov {
            r.headers
                .insert("x-http-method-override", v.parse().unwrap());
        }
        r
    }

    #[test]
    fn routes_match_the_sdk_paths() {
        let cases = [
            (req(Method::GET, "/Time", None), Route::Time),
            (
                req(Method::POST, "/POPBILL_TEST/Token", None),
                Route::Token {
                    service_id: "POPBILL_TEST",
                },
            ),
            (
                req(Method::POST, "/Cashbill", Some("BULKISSUE")),
                Route::BulkSubmit,
            ),
            (
                req(Method::POST, "/Cashbill/", Some("bulkissue")),
                Route::BulkSubmit,
            ),
            (
                req(Method::POST, "/Cashbill", Some("ISSUE")),
                Route::RegistIssue,
            ),
            (
                req(Method::POST, "/Cashbill/", Some("RevokeIssue")),
                Route::RevokeRegistIssue,
            ),
            (req(Method::POST, "/Cashbill/States", None), Route::GetInfos),
            (
                req(Method::GET, "/Cashbill/BULK/S-1/State", None),
                Route::GetBulkResult {
                    submit_id: "S-1".into(),
                },
            ),
            (
                req(Method::GET, "/Cashbill/K-1", None),
                Route::GetInfo {
                    mgt_key: "K-1".into(),
                },
            ),
            (
                req(Method::GET, "/_mock/clock", None),
                Route::Control {
                    rest: "clock".into(),
                },
            ),
            (req(Method::GET, "/nope", None), Route::NotFound),
        ];
        for (r, want) in cases {
            assert_eq!(route(&r), want, "{} {}", r.method, r.path);
        }
        assert!(matches!(
            route(&req(Method::POST, "/Cashbill", None)),
            Route::NotSimulated { .. }
        ));
        // REVOKE (a cancellation saved as a draft) is not simulated.
        assert!(matches!(
            route(&req(Method::POST, "/Cashbill", Some("REVOKE"))),
            Route::NotSimulated { .. }
        ));
    }
}
