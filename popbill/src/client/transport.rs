//! The two seams the client's IO goes through: one HTTP exchange, and the current time.
//!
//! Implementations live in shells: `popbill::native` (hyper on tokio) and `popbill::workers`
//! (Cloudflare's fetch). Tests may implement them too. No `Send` bound anywhere: wasm futures
//! are `!Send`.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The HTTP methods POPBiLL's API uses (mutations are `POST` + `X-HTTP-Method-Override`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One request, fully built: the transport sends exactly these bytes and headers.
///
/// `Debug` hides the `Authorization` value and the body (it carries personal data).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// One response, with the body decoded (no `Content-Encoding` left to undo).
///
/// `Debug` shows the body's length only.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

fn find<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

impl HttpRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

impl HttpResponse {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

struct RedactedHeaders<'a>(&'a [(String, String)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, v)| {
                let shown = if k.eq_ignore_ascii_case("authorization") {
                    "<redacted>"
                } else {
                    v.as_str()
                };
                (k.as_str(), shown)
            }))
            .finish()
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Why an exchange produced no response, by what the server may have seen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// Provably nothing was sent: no connection (refused, DNS, TLS handshake, connect timeout),
    /// or the request could not even be built.
    #[error("could not connect, nothing was sent: {0}")]
    Connect(String),
    /// No complete response in time; the server may have received and processed the request.
    #[error("timed out, the request may have been received: {0}")]
    Timeout(String),
    /// The connection broke mid-exchange (reset, truncated or undecodable response): ambiguous.
    #[error("the exchange failed midway, the request may have been received: {0}")]
    Io(String),
}

impl TransportError {
    /// True when the server cannot have seen the request.
    pub fn nothing_sent(&self) -> bool {
        matches!(self, TransportError::Connect(_))
    }
}

/// Sends one HTTP request and returns the whole response.
///
/// Contract: follow no redirects; return any status as `Ok`; decode a `Content-Encoding` the
/// transport asked for (and send `Accept-Encoding` only for encodings it can decode); map
/// failures to the [`TransportError`] variant that says truthfully whether anything was sent.
pub trait Transport {
    fn send(&self, req: HttpRequest) -> impl Future<Output = Result<HttpResponse, TransportError>>;
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send(&self, req: HttpRequest) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        (**self).send(req)
    }
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(&self, req: HttpRequest) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        (**self).send(req)
    }
}

/// The current time as Unix milliseconds. The one place the client reads a clock.
pub trait Clock {
    fn now_millis(&self) -> i64;
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now_millis(&self) -> i64 {
        (**self).now_millis()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now_millis(&self) -> i64 {
        (**self).now_millis()
    }
}

/// The operating system's clock (`SystemTime`). Not on wasm32, where `SystemTime::now()`
/// panics: use `popbill::workers::JsClock` (feature `workers`) there.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[cfg(not(target_arch = "wasm32"))]
impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A clock that moves only when told to: for tests and simulations.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(unix_millis: i64) -> Self {
        ManualClock(AtomicI64::new(unix_millis))
    }

    pub fn set(&self, unix_millis: i64) {
        self.0.store(unix_millis, Ordering::SeqCst);
    }

    pub fn advance_secs(&self, secs: i64) {
        self.0
            .fetch_add(secs.saturating_mul(1000), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_debug_hides_the_bearer_token_and_the_body() {
        let req = HttpRequest {
            method: Method::Post,
            url: "https://popbill-test.linkhub.co.kr/Cashbill".into(),
            headers: vec![
                ("Authorization".into(), "Bearer tok-123".into()),
                ("x-pb-submit-id".into(), "S-1".into()),
            ],
            body: b"{\"identityNum\":\"01012345678\"}".to_vec(),
        };
        let printed = format!("{req:?}");
        assert!(!printed.contains("tok-123"), "{printed}");
        assert!(!printed.contains("01012345678"), "{printed}");
        assert!(printed.contains("S-1"));
        assert_eq!(req.header("AUTHORIZATION"), Some("Bearer tok-123"));
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(1_000);
        assert_eq!(c.now_millis(), 1_000);
        c.advance_secs(2);
        assert_eq!(c.now_millis(), 3_000);
        c.set(5);
        let by_ref: &dyn Clock = &&c;
        assert_eq!(by_ref.now_millis(), 5);
    }

    #[test]
    fn only_connect_errors_prove_nothing_was_sent() {
        assert!(TransportError::Connect("refused".into()).nothing_sent());
        assert!(!TransportError::Timeout("5s".into()).nothing_sent());
        assert!(!TransportError::Io("reset".into()).nothing_sent());
    }
}
