//! The Cloudflare Workers transport (`worker::Fetch`) and clock (`Date.now()`). wasm32 only.
//!
//! Timeouts and what they mean ([`TransportError`]):
//! - a request that cannot be built (bad URL or header) is `Connect`: nothing was sent;
//! - the timeout covers the whole exchange (headers and body); when it fires the fetch is
//!   aborted (`AbortController`) and the error is `Timeout`;
//! - any error from `fetch` itself is `Io`: the Workers runtime does not say whether a failed
//!   fetch reached the origin, so it is treated as possibly received (for BulkSubmit that means
//!   `Ambiguous`, and the caller checks GetBulkResult, which is always safe).
//!
//! The runtime decompresses gzip itself and sets `Accept-Encoding` on its own, so this
//! transport adds neither. Redirects are not followed (`redirect: "manual"`).

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use worker::{AbortController, Delay, Fetch, Headers, RequestInit, RequestRedirect, js_sys};

use crate::client::{Clock, HttpRequest, HttpResponse, Method, Transport, TransportError};

/// Default limit for a whole exchange.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// `fetch()` with a timeout.
#[derive(Debug, Clone, Copy)]
pub struct FetchTransport {
    timeout: Duration,
}

impl Default for FetchTransport {
    fn default() -> Self {
        FetchTransport::new()
    }
}

impl FetchTransport {
    /// With [`DEFAULT_TIMEOUT`].
    pub fn new() -> Self {
        FetchTransport::with_timeout(DEFAULT_TIMEOUT)
    }

    pub fn with_timeout(timeout: Duration) -> Self {
        FetchTransport { timeout }
    }

    fn build(req: HttpRequest) -> Result<worker::Request, TransportError> {
        let bad = |e: worker::Error| TransportError::Connect(format!("bad request: {e}"));
        let headers = Headers::new();
        for (name, value) in &req.headers {
            headers.append(name, value).map_err(bad)?;
        }
        let mut init = RequestInit::new();
        init.with_method(match req.method {
            Method::Get => worker::Method::Get,
            Method::Post => worker::Method::Post,
        })
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
        if req.method == Method::Post {
            let body = js_sys::Uint8Array::from(req.body.as_slice());
            init.with_body(Some(body.into()));
        }
        worker::Request::new_with_init(&req.url, &init).map_err(bad)
    }
}

async fn exchange(
    request: worker::Request,
    signal: &worker::AbortSignal,
) -> Result<HttpResponse, TransportError> {
    let mut resp = Fetch::Request(request)
        .send_with_signal(signal)
        .await
        .map_err(|e| TransportError::Io(format!("fetch: {e}")))?;
    let status = resp.status_code();
    let headers = resp.headers().entries().collect();
    let body = resp
        .bytes()
        .await
        .map_err(|e| TransportError::Io(format!("reading the response body: {e}")))?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// Whichever finishes first: `work` (`Some`) or `timer` (`None`).
async fn race<T>(work: impl Future<Output = T>, timer: impl Future<Output = ()>) -> Option<T> {
    let mut work = pin!(work);
    let mut timer = pin!(timer);
    poll_fn(|cx| {
        if let Poll::Ready(out) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

impl Transport for FetchTransport {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let request = FetchTransport::build(req)?;
        let controller = AbortController::default();
        let signal = controller.signal();
        match race(exchange(request, &signal), Delay::from(self.timeout)).await {
            Some(result) => result,
            None => {
                controller.abort();
                Err(TransportError::Timeout(format!(
                    "no complete response within {:?}",
                    self.timeout
                )))
            }
        }
    }
}

/// The Workers clock: `Date.now()` (frozen during synchronous execution, as Workers do).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsClock;

impl Clock for JsClock {
    fn now_millis(&self) -> i64 {
        js_sys::Date::now() as i64
    }
}
