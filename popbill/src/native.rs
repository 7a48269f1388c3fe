//! The native transport: hyper 1 with hyper-util's pooled client on tokio, http and https
//! (rustls with the ring provider and Mozilla's roots compiled in), gzip responses.
//!
//! Timeouts and what they mean ([`TransportError`]):
//! - the connect timeout covers DNS and TCP connect; it, a refused connection or a failed TLS
//!   handshake is `Connect` (nothing was sent);
//! - the request timeout covers the whole exchange, from connect to the last body byte; when it
//!   fires it is `Timeout` (the request may have been written and received: hyper does not say
//!   how far it got, so this errs on the ambiguous side, including a TLS handshake that stalls);
//! - any other failure after connecting (reset, truncated or undecodable body) is `Io`.

use std::io::Read as _;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::client::{HttpRequest, HttpResponse, Method, Transport, TransportError};

/// Default limit for DNS + TCP connect.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default limit for a whole exchange.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest response body accepted, after decompression (GetInfos of 1,000 is ~1 MiB).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// hyper's pooled HTTP/1.1 client over http or https. Cheap to clone (the pool is shared).
/// Must be used inside a tokio runtime.
#[derive(Clone)]
pub struct NativeTransport {
    client: HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    connect_timeout: Duration,
    request_timeout: Duration,
}

impl std::fmt::Debug for NativeTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeTransport")
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

impl Default for NativeTransport {
    fn default() -> Self {
        NativeTransport::new()
    }
}

impl NativeTransport {
    /// With [`DEFAULT_CONNECT_TIMEOUT`] and [`DEFAULT_REQUEST_TIMEOUT`].
    pub fn new() -> Self {
        NativeTransport::with_timeouts(DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT)
    }

    pub fn with_timeouts(connect_timeout: Duration, request_timeout: Duration) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(connect_timeout));
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = HyperClient::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https);
        NativeTransport {
            client,
            connect_timeout,
            request_timeout,
        }
    }

    fn build(req: HttpRequest) -> Result<http::Request<Full<Bytes>>, TransportError> {
        let method = match req.method {
            Method::Get => http::Method::GET,
            Method::Post => http::Method::POST,
        };
        let mut builder = http::Request::builder().method(method).uri(&req.url);
        let asks_encoding = req
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("accept-encoding"));
        for (name, value) in &req.headers {
            builder = builder.header(name, value);
        }
        if !asks_encoding {
            // This transport decodes gzip, so it may ask for it (as the Java SDK does).
            builder = builder.header("Accept-Encoding", "gzip");
        }
        let request = builder
            .body(Full::new(Bytes::from(req.body)))
            .map_err(|e| TransportError::Connect(format!("bad request: {e}")))?;
        if request.uri().scheme().is_none() || request.uri().host().is_none() {
            return Err(TransportError::Connect(format!(
                "not an absolute URL: {}",
                request.uri()
            )));
        }
        Ok(request)
    }

    async fn exchange(
        &self,
        request: http::Request<Full<Bytes>>,
    ) -> Result<HttpResponse, TransportError> {
        let resp = self.client.request(request).await.map_err(|e| {
            if e.is_connect() {
                TransportError::Connect(chain(&e))
            } else {
                TransportError::Io(chain(&e))
            }
        })?;
        let (parts, body) = resp.into_parts();
        let body = Limited::new(body, MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| TransportError::Io(format!("reading the response body: {e}")))?
            .to_bytes();
        let mut headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let gzipped = headers
            .iter()
            .any(|(k, v)| k == "content-encoding" && v.trim().eq_ignore_ascii_case("gzip"));
        let body = if gzipped {
            headers.retain(|(k, _)| k != "content-encoding" && k != "content-length");
            gunzip(&body)?
        } else {
            body.to_vec()
        };
        Ok(HttpResponse {
            status: parts.status.as_u16(),
            headers,
            body,
        })
    }
}

impl Transport for NativeTransport {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let request = NativeTransport::build(req)?;
        match tokio::time::timeout(self.request_timeout, self.exchange(request)).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::Timeout(format!(
                "no complete response within {:?}",
                self.request_timeout
            ))),
        }
    }
}

fn gunzip(body: &[u8]) -> Result<Vec<u8>, TransportError> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(body)
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| TransportError::Io(format!("gzip body: {e}")))?;
    if out.len() > MAX_BODY_BYTES {
        return Err(TransportError::Io(format!(
            "the decompressed body exceeds {MAX_BODY_BYTES} bytes"
        )));
    }
    Ok(out)
}

/// An error and its causes on one line ("client error (Connect): tcp connect error: …").
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gunzip_undoes_gzip_and_refuses_garbage() {
        use std::io::Write as _;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"{\"code\":1}").unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(gunzip(&gz).unwrap(), b"{\"code\":1}");
        assert!(matches!(gunzip(b"not gzip"), Err(TransportError::Io(_))));
    }

    #[test]
    fn a_url_that_is_not_absolute_is_refused_before_sending() {
        for url in [
            "not a url",
            "/Cashbill",
            "popbill-test.linkhub.co.kr/Cashbill",
        ] {
            let req = HttpRequest {
                method: Method::Get,
                url: url.into(),
                headers: vec![],
                body: vec![],
            };
            assert!(
                matches!(NativeTransport::build(req), Err(TransportError::Connect(_))),
                "{url}"
            );
        }
    }

    #[test]
    fn gzip_is_asked_for_unless_the_caller_chose_an_encoding() {
        let mut req = HttpRequest {
            method: Method::Get,
            url: "http://127.0.0.1:1/Time".into(),
            headers: vec![],
            body: vec![],
        };
        let built = NativeTransport::build(req.clone()).unwrap();
        assert_eq!(built.headers()["accept-encoding"], "gzip");
        req.headers
            .push(("Accept-Encoding".into(), "identity".into()));
        let built = NativeTransport::build(req).unwrap();
        assert_eq!(built.headers()["accept-encoding"], "identity");
    }
}
