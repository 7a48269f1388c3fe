//! Runs what falls due, in time order: the clock steps to each event's time, internal events
//! apply under the lock, webhook posts happen outside it and their outcomes are fed back.
//! Webhooks held back by a `reorder` fault are delivered at the end of the run.
//!
//! Drivers are serialized by `Shared::driver`. `POST /_mock/clock/advance` drives to a target;
//! in real-clock mode a ticker drives to "now" every 50 ms; API calls that leave work due at
//! `now` spawn a drive to "now".

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};

use crate::shared::Shared;
use crate::sim::Ran;
use crate::sim::clock::{Backwards, ClockMode, SimTime};

/// Webhook posts due together that may be in flight at once ([INF]: POPBiLL does not document
/// its delivery concurrency; one at a time made 10,000 BULKRESULTs take a minute).
pub const WEBHOOK_CONCURRENCY: usize = 16;

/// How often the real-clock ticker looks for due work.
const TICK: Duration = Duration::from_millis(50);

/// Run everything due up to `target` (or up to the current simulated time when `None`), then
/// leave the clock at `target`. Answers only after every due webhook was attempted. The
/// decisions are the core's ([`crate::sim::Sim::drive_step`]); this loop only moves the clock
/// and makes the posts outside the lock.
pub(crate) async fn drive(shared: &Shared, target: Option<SimTime>) -> Result<Ran, Backwards> {
    let _turn = shared.driver.lock().await;
    {
        let mut core = shared.lock();
        let now = core.now();
        if let Some(t) = target
            && t < now
        {
            return Err(Backwards { now, asked: t });
        }
        // What ran before this drive (e.g. caught up by API calls) is not this drive's work.
        core.sim.take_ran();
    }
    loop {
        let (posts, timeout) = {
            let mut core = shared.lock();
            let real = Instant::now();
            let now = core.clock.now(real);
            let target = target.unwrap_or(now);
            let Some(step) = core.sim.drive_step(now, target) else {
                if target > now {
                    core.clock.set(target, real).expect("target is after now");
                }
                return Ok(core.sim.take_ran());
            };
            if step.at > now {
                core.clock
                    .set(step.at, real)
                    .expect("a step is never before now");
            }
            let timeout = Duration::from_millis(core.sim.settings.webhook_timeout_ms);
            (step.posts, timeout)
        };
        // Up to WEBHOOK_CONCURRENCY posts in flight; outcomes are recorded in dispatch order,
        // so the delivery log (and every retry it schedules) stays deterministic.
        let results: Vec<_> = stream::iter(posts)
            .map(|out| async move {
                let result = shared.webhooks.post(&out, timeout).await;
                (out, result)
            })
            .buffered(WEBHOOK_CONCURRENCY)
            .collect()
            .await;
        let mut core = shared.lock();
        for (out, result) in results {
            tracing::debug!(mid = %out.mid, attempt = out.attempt, status = ?result.http_status, ok = result.ok, "webhook");
            core.sim.record_delivery(&out, &result);
        }
    }
}

/// In real-clock mode, run due work as real time passes.
pub(crate) async fn ticker(shared: Arc<Shared>) {
    let mut every = tokio::time::interval(TICK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        every.tick().await;
        let due = {
            let core = shared.lock();
            core.clock.mode() == ClockMode::Real && core.sim.has_due(core.now())
        };
        if due {
            let _ = drive(&shared, None).await;
        }
    }
}
