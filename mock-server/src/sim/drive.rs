//! Driving the simulation to a target time: the one loop that decides what runs next.
//!
//! [`Sim::drive_step`] is a drive's single decision: the next due work up to the target, in
//! time order, or — once nothing else is due — the webhooks a `reorder` fault held back. The
//! server's driver (async, posts outside the lock) and [`Sim::drive`] (synchronous, for tests
//! and benchmarks) are both this step in a bounded loop.

use super::Sim;
use super::clock::SimTime;
use super::webhooks::{Attempt, Outgoing};

/// The most steps one drive takes before it gives up (a bug guard: every step consumes work).
pub const MAX_STEPS: usize = 1_000_000;

/// One step of a drive: the clock moves to `at`, then `posts` are made and their outcomes fed
/// back with [`Sim::record_delivery`].
#[derive(Debug)]
pub struct Step {
    pub at: SimTime,
    pub posts: Vec<Outgoing>,
}

/// A drive that did not become idle within [`MAX_STEPS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the simulation did not become idle within {MAX_STEPS} steps")]
pub struct NotIdle;

impl Sim {
    /// The next step of a drive from `now` to `target`, or `None` when nothing is left to do
    /// up to `target` (the clock then moves to `target`). Internal events due on the way are
    /// applied here; the webhook posts they produce are returned.
    pub fn drive_step(&mut self, now: SimTime, target: SimTime) -> Option<Step> {
        match self.next_due() {
            Some(t) if t <= target => {
                let at = t.max(now);
                Some(Step {
                    at,
                    posts: self.run_due(at),
                })
            }
            _ => {
                // Reordered webhooks go last, after everything else this drive delivered.
                let at = target.max(now);
                let held = self.release_held(at);
                (!held.is_empty()).then_some(Step { at, posts: held })
            }
        }
    }

    /// Drive from `now` to `target` synchronously, answering each webhook post with `answer`.
    /// Returns every post made, in order.
    pub fn drive(
        &mut self,
        now: SimTime,
        target: SimTime,
        answer: &mut dyn FnMut(&Outgoing) -> Attempt,
    ) -> Result<Vec<Outgoing>, NotIdle> {
        let mut now = now;
        let mut sent = Vec::new();
        for _ in 0..MAX_STEPS {
            let Some(step) = self.drive_step(now, target) else {
                return Ok(sent);
            };
            now = step.at;
            for out in step.posts {
                let a = answer(&out);
                self.record_delivery(&out, &a);
                sent.push(out);
            }
        }
        Err(NotIdle)
    }
}
