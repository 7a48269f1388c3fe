//! The hyper loop: accept, read the body, call `handle`, write the answer.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::clock::linkhub_time;

/// Serve until `shutdown` completes. Takes its listener so tests can bind port 0.
pub async fn run(listener: TcpListener, shutdown: impl Future<Output = ()>) {
    let state = Arc::new(());
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let state = state.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| serve(state.clone(), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        }
    }
}

async fn serve(
    _state: Arc<()>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let _body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let (status, content_type, body) = match (parts.method.as_str(), parts.uri.path()) {
        ("GET", "/Time") => (
            StatusCode::OK,
            "text/plain; charset=utf-8",
            linkhub_time(Utc::now()),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "application/json; charset=utf-8",
            r#"{"code":-99999999,"message":"Not found"}"#.to_string(),
        ),
    };
    let resp = Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .expect("static headers are valid");
    Ok(resp)
}
