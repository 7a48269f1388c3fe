//! The HTTP client that posts webhooks (hyper-util, keep-alive pool, per-post timeout).
//!
//! Plain `http://` only: the mock delivers to local receivers.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use http::{Request, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::sim::webhooks::is_ack;
use crate::sim::{Attempt, Outgoing};

/// A receiver's answer larger than this is not read further (and is not an acknowledgement).
const MAX_ANSWER: usize = 64 * 1024;

#[derive(Clone)]
pub struct WebhookClient {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Default for WebhookClient {
    fn default() -> Self {
        Self::new()
    }
}

impl WebhookClient {
    pub fn new() -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        WebhookClient { client }
    }

    /// Post one webhook and judge the answer. Never panics; every failure is an `Attempt`.
    pub async fn post(&self, out: &Outgoing, timeout: Duration) -> Attempt {
        let failed = |error: String| Attempt {
            http_status: None,
            ok: false,
            error: Some(error),
        };
        let mut builder = Request::post(out.url.as_str())
            .header(header::CONTENT_TYPE, "application/json")
            .header("Pb-Webhook-Type", "CASHBILL.STATE")
            .header("Pb-Webhook-MID", out.mid.as_str())
            .header("Pb-Webhook-Corpnum", out.corp_num.as_str())
            .header("Pb-Webhook-EventType", out.event_type)
            .header(header::USER_AGENT, "popbill-mock");
        if let Some(key) = &out.api_key {
            builder = builder.header("X-Api-Key", key.as_str());
        }
        if let Some(basic) = &out.basic_auth {
            builder = builder.header(
                header::AUTHORIZATION,
                format!("Basic {}", B64.encode(basic.as_bytes())),
            );
        }
        let request = match builder.body(Full::new(out.body.clone())) {
            Ok(r) => r,
            Err(e) => return failed(format!("cannot build the request: {e}")),
        };
        let exchange = async {
            let resp = self
                .client
                .request(request)
                .await
                .map_err(|e| format!("{e}"))?;
            let status = resp.status().as_u16();
            let body = Limited::new(resp.into_body(), MAX_ANSWER)
                .collect()
                .await
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            Ok::<_, String>((status, body))
        };
        match tokio::time::timeout(timeout, exchange).await {
            Err(_) => failed(format!("no answer within {} ms", timeout.as_millis())),
            Ok(Err(e)) => failed(e),
            Ok(Ok((status, body))) => Attempt {
                http_status: Some(status),
                ok: is_ack(status, &body),
                error: None,
            },
        }
    }
}
