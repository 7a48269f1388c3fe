//! Chaos runs with invariants (see `e2e::chaos`). CI runs a small configuration; the large one is
//!
//! ```sh
//! CHAOS_SEEDS=1-20 CHAOS_RECEIPTS=1000 cargo test -p e2e --release --test chaos -- --nocapture
//! ```

use e2e::chaos::{ChaosConfig, TABLE_HEADER, run};

fn seeds() -> Vec<u64> {
    let spec = std::env::var("CHAOS_SEEDS").unwrap_or_else(|_| "1,2,3".into());
    spec.split(',')
        .flat_map(|part| match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u64, u64) = (
                    a.trim().parse().expect("a seed"),
                    b.trim().parse().expect("a seed"),
                );
                (a..=b).collect::<Vec<_>>()
            }
            None => vec![part.trim().parse().expect("a seed")],
        })
        .collect()
}

#[tokio::test]
async fn seeded_chaos_runs_lose_nothing_issue_nothing_twice_leave_nothing_stuck_and_tell_the_merchant_every_final_status()
 {
    let receipts: usize = std::env::var("CHAOS_RECEIPTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150);
    let mut rows = Vec::new();
    let mut violations = Vec::new();
    for seed in seeds() {
        let report = run(ChaosConfig {
            seed,
            receipts,
            batch: 25,
        })
        .await;
        violations.extend(
            report
                .violations
                .iter()
                .map(|v| format!("seed {seed}: {v}")),
        );
        rows.push(report.to_string());
        // Print as we go: a long run shows progress.
        println!("{}", rows.last().expect("just pushed"));
    }
    println!("\n{TABLE_HEADER}\n{}", rows.join("\n"));
    assert!(
        violations.is_empty(),
        "{} violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
}
