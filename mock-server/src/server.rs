//! The hyper loop: accept, read the body (capped), route, call the core, write the answer.
//!
//! The state lock (a std `Mutex`) is only held for synchronous core calls: latency, fault delays
//! and webhook posts all happen with the lock released.

use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use http::{HeaderValue, Response, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Body as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use popbill::wire::ErrorBody;
use tokio::net::TcpListener;

use crate::control;
use crate::driver;
use crate::shared::{Core, Shared, wall_clock};
use crate::sim::clock::{ClockMode, SimClock, SimTime};
use crate::sim::config::{Config, ConfigError};
use crate::sim::error::{ApiError, mock_codes};
use crate::sim::faults::ApiAction;
use crate::sim::request::{ApiRequest, ApiResponse, Body, JSON};
use crate::sim::route::{Route, route};
use crate::sim::{self, Sim};

/// The connection is closed without an answer (drop faults).
#[derive(Debug, thiserror::Error)]
#[error("connection dropped on purpose (fault injection)")]
struct Dropped;

/// The mock's own base URL, for the view URLs it hands out (a wildcard bind is reached on
/// loopback).
fn own_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => "[::1]".to_owned(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        ip => ip.to_string(),
    };
    format!("http://{ip}:{}", addr.port())
}

/// Where the simulated clock starts: `--start` as given; otherwise the wall clock `wall`,
/// exactly in `real` mode (POPBiLL runs on real time, and a client stamping `tradeDT` with the
/// current second must never be ahead of the mock), to the whole second when `frozen` (frozen
/// times read better without stray milliseconds).
fn start_time(config: &Config, wall: SimTime) -> SimTime {
    match (config.start, config.clock) {
        (Some(t), _) => SimTime::from_datetime(&t),
        (None, ClockMode::Real) => wall,
        (None, ClockMode::Frozen) => SimTime(wall.0.div_euclid(1000) * 1000),
    }
}

/// Serve until `shutdown` completes. Takes its listener so tests can bind port 0. A
/// configuration it cannot run with is returned before anything is served.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ConfigError> {
    config.validate()?;
    let mut sim = Sim::from_config(&config)?;
    if config.public_url.is_none()
        && let Ok(addr) = listener.local_addr()
    {
        sim.settings.public_url = own_url(addr);
    }
    let start = start_time(&config, wall_clock());
    let shared = Arc::new(Shared::new(
        Core {
            sim,
            clock: SimClock::new(start, config.clock, Instant::now()),
        },
        config.max_body_bytes,
    ));
    let ticker = tokio::spawn(driver::ticker(shared.clone()));
    tracing::info!(start = %start.rfc3339(), mode = config.clock.as_str(), "popbill-mock serving");
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| serve(shared.clone(), peer, req));
                    let _ = http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        }
    }
    ticker.abort();
    Ok(())
}

async fn serve(
    shared: Arc<Shared>,
    peer: SocketAddr,
    req: hyper::Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let gzip_ok = accepts_gzip(&parts.headers);
    let body = match read_body(body, shared.max_body).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => return Ok(render(too_large(shared.max_body), gzip_ok)),
        // The client went away mid-body: nothing to answer.
        Err(BodyError::Broken) => return Err(Dropped),
    };
    let req = ApiRequest {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
        peer: Some(peer.ip()),
    };
    let route = route(&req);
    let resp = match &route {
        Route::Control { rest } => control::handle(&shared, &req, rest).await,
        Route::Time | Route::NotFound | Route::NotSimulated { .. } => {
            let mut core = shared.lock();
            let now = core.clocks();
            core.sim.handle(&req, &route, sim::Prepared::None, now)
        }
        _ => api(&shared, &req, &route).await?,
    };
    Ok(render(resp, gzip_ok))
}

enum BodyError {
    TooLarge,
    Broken,
}

/// Discard at most this many bytes of an oversized body, for this long, before answering 413,
/// so that a client still sending gets the answer instead of a reset connection.
const DRAIN_FACTOR: usize = 4;
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// Read the body, at most `max` bytes. Over the cap, the rest is read and thrown away (bounded in
/// bytes and time), never kept.
async fn read_body(mut body: Incoming, max: usize) -> Result<Bytes, BodyError> {
    let declared = body.size_hint().exact();
    let mut buf = bytes::BytesMut::with_capacity(
        declared.map_or(0, |n| usize::try_from(n).unwrap_or(max).min(max)),
    );
    let mut over = declared.is_some_and(|n| n > max as u64);
    let mut drained = 0usize;
    let deadline = tokio::time::Instant::now() + DRAIN_TIME;
    loop {
        let next = if over {
            match tokio::time::timeout_at(deadline, body.frame()).await {
                Ok(f) => f,
                Err(_) => return Err(BodyError::TooLarge),
            }
        } else {
            body.frame().await
        };
        let Some(frame) = next else { break };
        let Ok(frame) = frame else {
            return Err(if over {
                BodyError::TooLarge
            } else {
                BodyError::Broken
            });
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if over {
            drained += data.len();
            if drained > max.saturating_mul(DRAIN_FACTOR) {
                return Err(BodyError::TooLarge);
            }
        } else if buf.len() + data.len() > max {
            over = true;
            drained = buf.len() + data.len();
            buf = bytes::BytesMut::new();
        } else {
            buf.extend_from_slice(&data);
        }
    }
    if over {
        Err(BodyError::TooLarge)
    } else {
        Ok(buf.freeze())
    }
}

fn too_large(max: usize) -> ApiResponse {
    ApiError::mock(
        mock_codes::BODY_TOO_LARGE,
        format!("요청 본문이 너무 큽니다. (mock: at most {max} bytes)"),
    )
    .response()
}

/// A POPBiLL API call: added latency, faults, then the core.
async fn api(
    shared: &Arc<Shared>,
    req: &ApiRequest,
    route: &Route,
) -> Result<ApiResponse, Dropped> {
    let latency = shared.lock().sim.settings.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let prepared = sim::prepare(route, req);
    let fault = route
        .endpoint()
        .and_then(|e| shared.lock().sim.faults.pick_api(e));
    if let Some(f) = &fault {
        tracing::info!(path = %req.path, fault = f.kind(), "injecting an API fault");
    }
    match fault {
        None => Ok(handle(shared, req, route, prepared, None)),
        Some(ApiAction::Error {
            status,
            code,
            message,
        }) => {
            let mut core = shared.lock();
            let now = core.now();
            core.sim
                .journal(req, route, now, Some(status), Some(code), Some("error"));
            Ok(ApiResponse::json(
                status,
                &ErrorBody::new(code, message),
                Some(code),
            ))
        }
        Some(ApiAction::Drop) => {
            let mut core = shared.lock();
            let now = core.now();
            core.sim.journal(req, route, now, None, None, Some("drop"));
            Err(Dropped)
        }
        Some(ApiAction::Delay { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(handle(shared, req, route, prepared, Some("delay")))
        }
        Some(ApiAction::TimeoutAfterCommit { ms }) => {
            handle(shared, req, route, prepared, Some("timeout_after_commit"));
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Err(Dropped)
        }
    }
}

fn handle(
    shared: &Arc<Shared>,
    req: &ApiRequest,
    route: &Route,
    prepared: sim::Prepared,
    fault: Option<&'static str>,
) -> ApiResponse {
    let (resp, due) = {
        let mut core = shared.lock();
        let now = core.clocks();
        let resp = core.sim.handle(req, route, prepared, now);
        if fault.is_some() {
            core.sim.mark_last_fault(fault);
        }
        (resp, core.sim.has_due(now.sim))
    };
    tracing::debug!(method = %req.method, path = %req.path, status = resp.status, code = ?resp.code, "api");
    if due {
        // Work fell due at `now` (zero delays, a RegistIssue webhook): run it in the background.
        let shared = shared.clone();
        tokio::spawn(async move {
            let _ = driver::drive(&shared, None).await;
        });
    }
    resp
}

fn accepts_gzip(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("gzip"))
}

pub(crate) fn gzip(bytes: &[u8]) -> Bytes {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4 + 64),
        Compression::fast(),
    );
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    Bytes::from(enc.finish().expect("finishing into a Vec cannot fail"))
}

/// Every response has a Content-Type; JSON is gzipped when the client accepts it.
fn render(resp: ApiResponse, gzip_ok: bool) -> Response<Full<Bytes>> {
    let compress = gzip_ok && resp.content_type == JSON;
    let body = match (&resp.body, compress) {
        (Body::Cached(c), true) => c.gzip.get_or_init(|| gzip(&c.plain)).clone(),
        (Body::Bytes(b), true) => gzip(b),
        (_, false) => resp.bytes(),
    };
    let mut out = Response::new(Full::new(body));
    *out.status_mut() =
        http::StatusCode::from_u16(resp.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let h = out.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(resp.content_type),
    );
    if compress {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_is_exact_in_real_mode_and_whole_seconds_when_frozen_or_given() {
        let wall = SimTime(1_752_195_600_776);
        let real = Config {
            clock: ClockMode::Real,
            ..Config::default()
        };
        assert_eq!(start_time(&real, wall), wall);
        let frozen = Config::default();
        assert_eq!(start_time(&frozen, wall), SimTime(1_752_195_600_000));
        let given = Config {
            start: Some(chrono::DateTime::parse_from_rfc3339("2025-07-11T10:00:00+09:00").unwrap()),
            clock: ClockMode::Real,
            ..Config::default()
        };
        assert_eq!(
            start_time(&given, wall).rfc3339(),
            "2025-07-11T10:00:00+09:00"
        );
    }
}
