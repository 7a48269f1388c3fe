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

#[cfg(test)]
mod tests {
    use super::*;

    fn run_of(ms: &[u64]) -> Run {
        Run {
            latencies: ms.iter().map(|&m| Duration::from_millis(m)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let r = run_of(&[5, 1, 4, 2, 3, 6, 7, 8, 9, 10]);
        assert_eq!(r.percentile(0.5), Duration::from_millis(5));
        assert_eq!(r.percentile(0.99), Duration::from_millis(10));
        assert_eq!(r.percentile(0.0), Duration::from_millis(1));
        assert_eq!(run_of(&[]).percentile(0.5), Duration::ZERO);
    }

    #[tokio::test]
    async fn a_run_does_every_job_once_and_counts_failures() {
        let r = run(50, 4, Duration::from_secs(10), |i| async move {
            if i % 10 == 0 {
                Err(format!("job {i}"))
            } else {
                Ok(())
            }
        })
        .await;
        assert_eq!((r.ok, r.errors, r.skipped), (45, 5, 0));
        assert_eq!(r.latencies.len(), 50);
        assert!(r.first_error.is_some_and(|e| e.starts_with("job ")));
    }

    #[tokio::test]
    async fn no_job_starts_after_the_deadline() {
        let r = run(1_000, 2, Duration::from_millis(50), |_| async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(())
        })
        .await;
        assert!(r.ok < 1_000 && r.skipped > 0, "{} done", r.ok);
    }
}
