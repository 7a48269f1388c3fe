//! Workers IO shell (wasm32 only): routes, KV, fetch, cron. It translates requests and events
//! into `core` calls and their answers back; every decision lives in `core`.

mod config;
mod http;
mod kv;
mod routes;
mod upstream;

use worker::{Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    Ok(routes::handle(req, env, ctx).await)
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    routes::reconcile(env).await;
}
