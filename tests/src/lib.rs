//! Harness for the end-to-end tests: the mock POPBiLL in-process on a random port and the real
//! Worker in workerd (`wrangler dev`) on another, with local KV in a temporary folder.
//!
//! Every process started here is killed on drop, also when a test panics.

pub mod app;
pub mod chaos;
pub mod chaos_events;
mod chaos_refunds;
pub mod merchant;
pub mod mock;
pub mod npm_verify;
pub mod receiver;
pub mod refund;
pub mod signature;
pub mod worker;

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

pub use mock::MockPopbill;
pub use worker::{WorkerConfig, WorkerProcess};

/// The workspace root (where wrangler.toml and node_modules live).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits inside the workspace root")
        .to_path_buf()
}

/// A port nobody listens on right now. Bound and released, so another program may take it before
/// its user binds it: `WorkerProcess` checks that the answer is the Worker's and starts again on
/// new ports when wrangler reports the port taken.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("the loopback interface can bind port 0")
}

/// Poll `check` until it returns `Some`, or panic with `what` after `timeout`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub use app::{TestApp, spawn_app};
