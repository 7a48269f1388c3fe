//! Every request the run makes, counted by kind (for the summary's `requests` and the
//! benchmark): a [`Transport`] wrapper shared by the backend and the clock.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use popbill::{HttpRequest, HttpResponse, Transport, TransportError};

/// Counts per request kind (`BulkSubmit`, `GET /v1/submissions/{id}`, `POST /v1/refunds`, …).
#[derive(Debug, Default)]
pub struct RequestLog(Mutex<BTreeMap<&'static str, usize>>);

impl RequestLog {
    pub fn record(&self, kind: &'static str) {
        *self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(kind)
            .or_default() += 1;
    }

    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// What a request is, from its method, path and POPBiLL's method override.
pub fn kind(req: &HttpRequest) -> &'static str {
    let path = req
        .url
        .split_once("://")
        .map_or(req.url.as_str(), |(_, rest)| {
            rest.find('/').map_or("/", |i| &rest[i..])
        });
    let path = path.split('?').next().unwrap_or(path);
    let method = req.method.as_str();
    match (method, path, req.header("X-HTTP-Method-Override")) {
        ("POST", "/v1/submissions", _) => "POST /v1/submissions",
        ("GET", p, _) if p.starts_with("/v1/submissions/") => "GET /v1/submissions/{id}",
        ("POST", "/v1/refunds", _) => "POST /v1/refunds",
        ("GET", p, _) if p.starts_with("/v1/refunds/") => "GET /v1/refunds/{id}",
        ("POST", "/Cashbill", Some("BULKISSUE")) => "BulkSubmit",
        ("GET", p, _) if p.starts_with("/Cashbill/BULK/") => "GetBulkResult",
        ("POST", "/Cashbill/States", _) => "GetInfos",
        ("POST", p, _) if p.ends_with("/Token") => "Token",
        ("GET", "/Time", _) => "Time",
        _ => "other",
    }
}

/// `T`, counting each request it sends.
#[derive(Debug, Clone)]
pub struct Counting<T> {
    pub inner: T,
    pub log: Arc<RequestLog>,
}

impl<T: Transport> Transport for Counting<T> {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.log.record(kind(&req));
        self.inner.send(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use popbill::Method;

    fn req(method: Method, url: &str, over: Option<&str>) -> HttpRequest {
        HttpRequest {
            method,
            url: url.into(),
            headers: over
                .map(|o| vec![("X-HTTP-Method-Override".to_owned(), o.to_owned())])
                .unwrap_or_default(),
            body: vec![],
        }
    }

    #[test]
    fn requests_are_named_by_what_they_do() {
        let cases = [
            (
                req(Method::Post, "http://127.0.0.1:1/v1/submissions", None),
                "POST /v1/submissions",
            ),
            (
                req(
                    Method::Get,
                    "https://w.dev/v1/submissions/pbb-00001-x",
                    None,
                ),
                "GET /v1/submissions/{id}",
            ),
            (
                req(Method::Post, "https://w.dev/v1/refunds", None),
                "POST /v1/refunds",
            ),
            (
                req(Method::Get, "https://w.dev/v1/refunds/pbr-00000-x", None),
                "GET /v1/refunds/{id}",
            ),
            (
                req(Method::Post, "http://m/Cashbill", Some("BULKISSUE")),
                "BulkSubmit",
            ),
            (
                req(Method::Get, "http://m/Cashbill/BULK/S/State", None),
                "GetBulkResult",
            ),
            (
                req(Method::Post, "http://m/Cashbill/States", None),
                "GetInfos",
            ),
            (
                req(Method::Post, "http://m/POPBILL_TEST/Token", None),
                "Token",
            ),
            (req(Method::Get, "http://m/Time", None), "Time"),
            (
                req(Method::Post, "http://m/Cashbill", Some("ISSUE")),
                "other",
            ),
        ];
        for (r, want) in cases {
            assert_eq!(kind(&r), want, "{}", r.url);
        }
    }
}
