//! Workers IO shell: routes, KV, fetch, cron. Translates only; decisions live in `core`.

use worker::{Context, Env, Request, Response, Result, Router, event};

use crate::core::health::Health;

const KV_BINDING: &str = "RECEIPTS";

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Router::new()
        .get_async("/healthz", |_req, ctx| async move {
            let answers = match ctx.env.kv(KV_BINDING) {
                Ok(kv) => kv.get("health:probe").text().await.is_ok(),
                Err(_) => false,
            };
            let health = Health::from_kv(answers);
            Ok(Response::from_json(&health)?.with_status(health.http_status()))
        })
        .run(req, env)
        .await
}
