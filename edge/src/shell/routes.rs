//! The translation of each route (chosen by `core::router`) into a core call. Errors come back in
//! the stable JSON shape; a 5xx is opaque to the caller and its cause chain is logged.

use std::time::Duration;

use popbill::KstDateTime;
use popbill::TimeSource;
use worker::{Context, Date, Delay, Env, Method, Request, Response, console_error, console_log};

use super::config::{from_env, notifications};
use super::http::{error, json};
use super::kv::{BINDING, WorkersKv};
use super::outbox::WorkersOutbox;
use super::upstream::{Popbill, client};
use crate::core::api::{
    ApiError, BodyError, MerchantError, NotificationsError, RouteError, WebhookError,
};
use crate::core::config::{ConfigError, WorkerConfig};
use crate::core::health::Health;
use crate::core::intake::MAX_BODY_BYTES;
use crate::core::notify::Notifications;
use crate::core::reconcile::POLL_INTERVAL_MS;
use crate::core::router::{Route, Routed, index, route};
use crate::core::secret::{bearer, secret_eq};
use crate::core::service::{Events, PollOutcome, Service, WebhookOutcome, minute_of};
use crate::core::webhook::{MAX_WEBHOOK_BYTES, WebhookHeaders};

/// Everything a route needs, built per request from the environment.
struct App {
    config: WorkerConfig,
    kv: WorkersKv,
    popbill: Popbill,
    notifications: Notifications,
    outbox: WorkersOutbox,
}

/// The largest replay request read (100 event ids are about 4 KB).
const MAX_REPLAY_BYTES: usize = 64 * 1024;

impl App {
    fn new(env: &Env) -> Result<Self, ConfigError> {
        let config = from_env(env)?;
        let kv =
            WorkersKv::from_env(env, BINDING).ok_or(ConfigError::Missing("RECEIPTS KV binding"))?;
        let popbill = client(config.popbill.clone());
        Ok(App {
            config,
            kv,
            popbill,
            notifications: notifications(env),
            outbox: WorkersOutbox::from_env(env),
        })
    }

    /// The service, queueing the merchant's events (timestamps from the Worker's own clock).
    fn service(&self) -> Service<'_, WorkersKv, Popbill> {
        Service::new(&self.kv, &self.popbill, &self.config.settings).with_events(Events {
            outbox: &self.outbox,
            notifications: &self.notifications,
            clock: &popbill::JsClock,
        })
    }

    /// Now, from the configured time source (the Worker's clock, or Linkhub's `GET /Time`).
    async fn now(&self) -> Result<KstDateTime, MerchantError> {
        match self.config.popbill.time_source {
            TimeSource::Local => Ok(KstDateTime::from_unix_millis(Date::now().as_millis() as i64)),
            TimeSource::Linkhub => self
                .popbill
                .now()
                .await
                .map_err(|e| MerchantError::TimeUnavailable(e.into())),
        }
    }

    fn authorized(&self, req: &Request) -> bool {
        let header = req.headers().get("authorization").ok().flatten();
        bearer(header.as_deref())
            .is_some_and(|token| secret_eq(token, self.config.api_token.expose()))
    }

    fn authorize_merchant(&self, req: &Request) -> Result<(), MerchantError> {
        self.authorized(req)
            .then_some(())
            .ok_or(MerchantError::Unauthorized)
    }
}

pub async fn handle(req: Request, env: Env, ctx: Context) -> Response {
    let path = req.path();
    let method = req.method();
    let (m, p) = (&method, path.as_str());
    match route(method.as_ref(), p) {
        Routed::To(Route::Index) => json(200, &index()),
        Routed::To(Route::Health) => healthz(&env).await,
        Routed::To(Route::Submit) => respond(m, p, submit(req, &env, ctx).await),
        Routed::To(Route::Submission(id)) => respond(m, p, read_submission(&req, &env, id).await),
        Routed::To(Route::Refund) => respond(m, p, refunds(req, &env, ctx).await),
        Routed::To(Route::RefundRequest(id)) => respond(m, p, read_refund(&req, &env, id).await),
        Routed::To(Route::Cashbill(key)) => respond(m, p, read_cashbill(&req, &env, key).await),
        Routed::To(Route::FailedEvents) => respond(m, p, failed_events(&req, &env).await),
        Routed::To(Route::Replay) => respond(m, p, replay(req, &env).await),
        Routed::To(Route::Webhook) => respond(m, p, webhook(req, &env).await),
        Routed::MethodNotAllowed => respond(m, p, Err(RouteError::MethodNotAllowed)),
        Routed::NotFound => respond(m, p, Err(RouteError::NotFound)),
    }
}

/// The response, or the error in the stable shape; a 5xx is logged with its cause chain.
fn respond<E: ApiError>(method: &Method, path: &str, result: Result<Response, E>) -> Response {
    match result {
        Ok(resp) => resp,
        Err(e) => {
            if e.status() >= 500 {
                console_error!(
                    "{} {} -> {} {} ({})",
                    method.to_string(),
                    path,
                    e.status(),
                    e.code().as_str(),
                    e.cause_chain()
                );
            }
            error(&e)
        }
    }
}

async fn healthz(env: &Env) -> Response {
    let config = from_env(env);
    let answers = match env.kv(BINDING) {
        Ok(kv) => kv.get("health:probe").text().await.is_ok(),
        Err(_) => false,
    };
    let health =
        Health::new(answers, config.as_ref().map(|_| ())).with_notifications(&notifications(env));
    json(health.http_status(), &health)
}

/// Read at most `limit` bytes of body; a declared or actual larger body is refused unread.
async fn body(req: &mut Request, limit: usize) -> Result<Vec<u8>, BodyError> {
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge(limit));
    }
    let bytes = req.bytes().await.map_err(|_| BodyError::Unreadable)?;
    if bytes.len() > limit {
        return Err(BodyError::TooLarge(limit));
    }
    Ok(bytes)
}

async fn submit(mut req: Request, env: &Env, ctx: Context) -> Result<Response, MerchantError> {
    let app = App::new(env)?;
    app.authorize_merchant(&req)?;
    let bytes = body(&mut req, MAX_BODY_BYTES).await?;
    let now = app.now().await?;
    let random = (worker::js_sys::Math::random() * (u64::MAX as f64)) as u64;
    let submitted = app.service().submit(&bytes, now, random).await?;
    if submitted.poll && app.config.poll_after_submit_secs > 0 {
        let submit_id = submitted.view.submit_id.clone();
        let env = env.clone();
        let secs = app.config.poll_after_submit_secs;
        ctx.wait_until(async move { poll_after_submit(env, submit_id, secs).await });
    }
    Ok(json(submitted.status, &submitted.view))
}

async fn refunds(mut req: Request, env: &Env, ctx: Context) -> Result<Response, MerchantError> {
    let app = App::new(env)?;
    app.authorize_merchant(&req)?;
    let bytes = body(&mut req, MAX_BODY_BYTES).await?;
    let now = app.now().await?;
    let random = (worker::js_sys::Math::random() * (u64::MAX as f64)) as u64;
    let refunded = app.service().refunds(&bytes, now, random).await?;
    let secs = app.config.poll_after_submit_secs;
    if secs > 0 {
        for submit_id in refunded.poll {
            let env = env.clone();
            ctx.wait_until(async move { poll_after_submit(env, submit_id, secs).await });
        }
    }
    Ok(json(refunded.status, &refunded.view))
}

async fn read_refund(req: &Request, env: &Env, id: &str) -> Result<Response, MerchantError> {
    let app = App::new(env)?;
    app.authorize_merchant(req)?;
    Ok(json(200, &app.service().refund(id).await?))
}

/// The short poll after acceptance, at the documented 2–5 s cadence, within `waitUntil`'s time.
async fn poll_after_submit(env: Env, submit_id: popbill::SubmitId, secs: u64) {
    let app = match App::new(&env) {
        Ok(app) => app,
        Err(e) => {
            console_error!("post-submit poll of {submit_id}: {e}");
            return;
        }
    };
    let rounds = secs * 1000 / POLL_INTERVAL_MS;
    for _ in 0..rounds {
        Delay::from(Duration::from_millis(POLL_INTERVAL_MS)).await;
        match app.service().poll_submission(&submit_id).await {
            Ok(PollOutcome::Done) => return,
            Ok(PollOutcome::Pending) => {}
            Err(e) => {
                console_error!("post-submit poll of {submit_id}: {e}");
                return;
            }
        }
    }
}

async fn read_submission(req: &Request, env: &Env, id: &str) -> Result<Response, MerchantError> {
    let app = App::new(env)?;
    app.authorize_merchant(req)?;
    Ok(json(200, &app.service().submission(id).await?))
}

async fn read_cashbill(req: &Request, env: &Env, key: &str) -> Result<Response, MerchantError> {
    let app = App::new(env)?;
    app.authorize_merchant(req)?;
    let corp = req.url().ok().and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k == "corpNum")
            .map(|(_, v)| v.into_owned())
    });
    Ok(json(
        200,
        &app.service().cashbill(corp.as_deref(), key).await?,
    ))
}

async fn failed_events(req: &Request, env: &Env) -> Result<Response, NotificationsError> {
    let app = App::new(env)?;
    if !app.authorized(req) {
        return Err(NotificationsError::Unauthorized);
    }
    let cursor = req.url().ok().and_then(|u| {
        u.query_pairs()
            .find(|(k, _)| k == "cursor")
            .map(|(_, v)| v.into_owned())
    });
    Ok(json(
        200,
        &app.service().failed_events(cursor.as_deref()).await?,
    ))
}

async fn replay(mut req: Request, env: &Env) -> Result<Response, NotificationsError> {
    let app = App::new(env)?;
    if !app.authorized(&req) {
        return Err(NotificationsError::Unauthorized);
    }
    let bytes = body(&mut req, MAX_REPLAY_BYTES).await?;
    Ok(json(200, &app.service().replay(&bytes).await?))
}

async fn webhook(mut req: Request, env: &Env) -> Result<Response, WebhookError> {
    let app = App::new(env)?;
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let headers = WebhookHeaders {
        x_api_key: header("x-api-key"),
        authorization: header("authorization"),
        mid: header("pb-webhook-mid"),
        corp_num: header("pb-webhook-corpnum"),
        event_type: header("pb-webhook-eventtype"),
    };
    // Authenticate before reading the body, so strangers cannot make the Worker buffer anything.
    if !app.config.settings.webhook_auth.allows(
        headers.x_api_key.as_deref(),
        headers.authorization.as_deref(),
    ) {
        return Err(if app.config.settings.webhook_auth.is_configured() {
            WebhookError::Unauthorized
        } else {
            WebhookError::NoCredentials
        });
    }
    let bytes = body(&mut req, MAX_WEBHOOK_BYTES).await?;
    let outcome = app.service().webhook(&headers, &bytes).await?;
    // Only what needs a look is logged: a log line per stored event was ~40 % of a webhook's CPU
    // (docs/BENCHMARKS.md), and every event is in KV anyway.
    if outcome == WebhookOutcome::Unattached {
        console_log!(
            "webhook kept unattached: mid={}",
            headers.mid.as_deref().unwrap_or("-")
        );
    }
    Ok(json(200, &serde_json::json!({ "result": "OK" })))
}

/// The cron: reconcile the open submissions, the slice for the trigger's scheduled time
/// (`scheduled_ms`, ms since the Unix epoch).
pub async fn reconcile(env: Env, scheduled_ms: f64) {
    let app = match App::new(&env) {
        Ok(app) => app,
        Err(e) => {
            console_error!("reconcile: {e}");
            return;
        }
    };
    let now = match app.now().await {
        Ok(now) => now,
        Err(e) => {
            console_error!("reconcile: {}", e.cause_chain());
            return;
        }
    };
    let minute = minute_of(scheduled_ms as i64);
    match app.service().reconcile_slot(now, minute).await {
        Ok(report) if report.failures() > 0 => console_error!("reconcile {now}: {report}"),
        Ok(report) => console_log!("reconcile {now}: {report}"),
        Err(e) => console_error!("reconcile {now}: cannot list open submissions: {e}"),
    }
}
