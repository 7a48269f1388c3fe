//! A bounded load generator: `count` jobs over `concurrency` client tasks, stopped at a deadline,
//! with each job's latency recorded.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// Latency of every job that finished, successful or not.
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
    pub ok: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    /// Jobs not started because the deadline passed.
    pub skipped: usize,
}

impl Run {
    /// The `p`-quantile latency (0.0–1.0), nearest rank.
    pub fn percentile(&self, p: f64) -> Duration {
        let mut v = self.latencies.clone();
        v.sort_unstable();
        if v.is_empty() {
            return Duration::ZERO;
        }
        let rank = (p * v.len() as f64).ceil() as usize;
        v[rank.clamp(1, v.len()) - 1]
    }

    pub fn per_sec(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Run `job(i)` for i in 0..count on `concurrency` tasks; no job starts after `deadline`.
pub async fn run<F, Fut>(count: usize, concurrency: usize, deadline: Duration, job: F) -> Run
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let job = Arc::new(job);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (job, next) = (job.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Run::default();
            loop {
                if started.elapsed() >= deadline {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let t = Instant::now();
                let result = job(i).await;
                mine.latencies.push(t.elapsed());
                match result {
                    Ok(()) => mine.ok += 1,
                    Err(e) => {
                        mine.errors += 1;
                        mine.first_error.get_or_insert(e);
                    }
                }
            }
            mine
        }));
    }
    let mut all = Run::default();
    for t in tasks {
        let mine = t.await.unwrap_or_default();
        all.latencies.extend(mine.latencies);
        all.ok += mine.ok;
        all.errors += mine.errors;
        if all.first_error.is_none() {
            all.first_error = mine.first_error;
        }
    }
    all.elapsed = started.elapsed();
    all.skipped = count.saturating_sub(all.ok + all.errors);
    all
}

/// Poll `check` every `every` until it returns true or `timeout` passes; returns when it held.
pub async fn until<F, Fut>(timeout: Duration, every: Duration, mut check: F) -> Option<Instant>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if check().await {
            return Some(Instant::now());
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(every).await;
    }
}
