//! Integration tests: the mock on port 0, driven over HTTP (one test binary, many modules).

mod auth;
mod bulk_errors;
mod cli;
mod common;
mod control;
mod faults;
mod lifecycle;
mod props;
mod refund_rules;
mod refunds;
mod webhooks;

use std::time::Duration;

/// Poll `check` every 20 ms until it holds; panic after 10 s.
pub async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
