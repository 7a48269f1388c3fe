//! The control API under `/_mock/`: clock, faults, tokens, config, points, journal, webhook
//! log, messages, state, reset. (`/_mock/view/…`, the receipt pages, is the core's.) Answers are JSON; errors are `{"code":-99999400,"message":…}` with status 400.

use std::time::Instant;

use http::Method;
use popbill::wire::ErrorBody;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::driver;
use crate::shared::Shared;
use crate::sim::clock::{ClockMode, SimTime, parse_control_time};
use crate::sim::error::mock_codes;
use crate::sim::request::{ApiRequest, ApiResponse};

fn ok(v: Value) -> ApiResponse {
    ApiResponse::json(200, &v, None)
}

fn bad(message: impl Into<String>) -> ApiResponse {
    ApiResponse::json(
        400,
        &ErrorBody::new(mock_codes::CONTROL_BAD_REQUEST, message.into()),
        Some(mock_codes::CONTROL_BAD_REQUEST),
    )
}

fn not_found(method: &Method, rest: &str) -> ApiResponse {
    ApiResponse::json(
        404,
        &ErrorBody::new(
            mock_codes::ROUTE_NOT_FOUND,
            format!("mock: no control endpoint {method} /_mock/{rest}"),
        ),
        Some(mock_codes::ROUTE_NOT_FOUND),
    )
}

fn clock_json(now: SimTime, mode: ClockMode) -> Value {
    json!({"now": now.rfc3339(), "kst": now.kst().to_string(), "mode": mode.as_str()})
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: Option<f64>,
    to: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Mode {
    mode: String,
}

pub(crate) async fn handle(shared: &Shared, req: &ApiRequest, rest: &str) -> ApiResponse {
    let rest = rest.trim_end_matches('/');
    match (&req.method, rest) {
        (&Method::GET, "clock") => {
            let core = shared.lock();
            ok(clock_json(core.now(), core.clock.mode()))
        }
        (&Method::POST, "clock/advance") => advance(shared, &req.body).await,
        (&Method::POST, "clock/mode") => {
            let Ok(m) = serde_json::from_slice::<Mode>(&req.body) else {
                return bad("body must be {\"mode\":\"frozen\"|\"real\"}");
            };
            let Some(mode) = ClockMode::parse(&m.mode) else {
                return bad("mode must be \"frozen\" or \"real\"");
            };
            let mut core = shared.lock();
            core.clock.set_mode(mode, Instant::now());
            ok(clock_json(core.now(), mode))
        }
        (&Method::GET, "faults" | "webhook-faults") => ok(shared.lock().sim.faults.to_json()),
        (&Method::POST, "faults") => match shared.lock().sim.faults.add_api(&req.body) {
            Ok(id) => ok(json!({"id": id})),
            Err(e) => bad(e),
        },
        (&Method::POST, "webhook-faults") => match shared.lock().sim.faults.add_hook(&req.body) {
            Ok(id) => ok(json!({"id": id})),
            Err(e) => bad(e),
        },
        (&Method::DELETE, "faults" | "webhook-faults") => {
            shared.lock().sim.faults.clear();
            ok(json!({"cleared": true}))
        }
        (&Method::POST, "tokens/expire") => {
            let mut core = shared.lock();
            let now = core.clocks();
            let n = core.sim.expire_tokens(now);
            ok(json!({"expired": n}))
        }
        (&Method::GET, "config") => ok(shared.lock().sim.settings.to_json()),
        (&Method::POST, "config") => {
            let mut core = shared.lock();
            match core.sim.settings.apply(&req.body) {
                Ok(()) => ok(core.sim.settings.to_json()),
                Err(e) => bad(e),
            }
        }
        (&Method::GET, "points") => ok(shared.lock().sim.points_json()),
        (&Method::POST, "points") => match shared.lock().sim.set_points(&req.body) {
            Ok(v) => ok(v),
            Err(e) => bad(e),
        },
        (&Method::GET, "messages") => ok(shared.lock().sim.messages_json()),
        (&Method::GET, "journal") => ok(shared.lock().sim.journal_json()),
        (&Method::GET, "webhooks") => ok(shared.lock().sim.webhooks_json()),
        (&Method::GET, "state") => {
            let core = shared.lock();
            ok(core.sim.state_json(core.now()))
        }
        (&Method::POST, "reset") => {
            // Wait for a running driver so no half-finished batch lands in the fresh state.
            let _turn = shared.driver.lock().await;
            let mut core = shared.lock();
            core.sim.reset();
            tracing::info!("state reset");
            ok(json!({"reset": true, "now": core.now().rfc3339()}))
        }
        _ => not_found(&req.method, rest),
    }
}

async fn advance(shared: &Shared, body: &[u8]) -> ApiResponse {
    let a: Advance = match serde_json::from_slice(body) {
        Ok(a) => a,
        Err(e) => {
            return bad(format!(
                "body must be {{\"seconds\":N}} or {{\"to\":…}}: {e}"
            ));
        }
    };
    let now = shared.lock().now();
    let target = match (a.seconds, a.to.as_deref()) {
        (Some(s), None) if s.is_finite() && (0.0..=1.0e10).contains(&s) => {
            now.plus_ms((s * 1000.0).round() as i64)
        }
        (Some(_), None) => return bad("seconds must be a number ≥ 0 (the clock never goes back)"),
        (None, Some(t)) => match parse_control_time(t) {
            Some(t) => t,
            None => return bad("to must be RFC 3339 or yyyyMMddHHmmss (KST)"),
        },
        _ => return bad("give exactly one of seconds or to"),
    };
    match driver::drive(shared, Some(target)).await {
        Ok(ran) => {
            let now = shared.lock().now();
            tracing::info!(now = %now.rfc3339(), ?ran, "clock advanced");
            ok(json!({"now": now.rfc3339(), "kst": now.kst().to_string(), "ran": ran}))
        }
        Err(e) => bad(e.to_string()),
    }
}
