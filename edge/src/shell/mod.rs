//! Workers IO shell (wasm32 only): routes, KV, fetch, cron, queues. It translates requests and events
//! into `core` calls and their answers back; every decision lives in `core`.

mod config;
mod http;
mod kv;
mod outbox;
mod queue;
mod routes;
mod upstream;

use worker::{
    Context, Env, MessageBatch, Request, Response, Result, ScheduleContext, ScheduledEvent, event,
};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    Ok(routes::handle(req, env, ctx).await)
}

#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    routes::reconcile(env, event.schedule()).await;
}

/// Both queues: merchant deliveries and dead letters (`queue.rs`).
#[event(queue)]
async fn queue(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> Result<()> {
    queue::handle(batch, env).await;
    Ok(())
}
