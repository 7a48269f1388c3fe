//! The Worker core's cost, natively: `cargo bench -p edge --bench core`.
//!
//! CPU time per call of the paths a receipt goes through (`Service::submit` with 100 receipts,
//! one BULKRESULT webhook, one GetBulkResult poll storing 100 results, one read of a
//! 100-receipt submission), over the in-memory KV and the fake POPBiLL of the tests, and the KV
//! operations a receipt costs over its whole life, by the webhook path and by the polling path.
//!
//! CPU time is the thread's own (`/proc/thread-self/schedstat`, nanoseconds), so time the
//! scheduler gives other processes on a busy machine is not counted; wall time is printed too.
//! The wasm build in workerd runs the same code, slower by the wasm/JS boundary and the real KV
//! (see docs/BENCHMARKS.md for the end-to-end figures).
//!
//! Not a test: it prints figures and exits. Lines starting with `BENCH ` are for popbill-bench
//! (`BENCH <name> <value> <unit>`). `BENCH_ITERS` (default 400) sets the submissions timed.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use edge::core::kv::{MemoryKv, OpCounts};
use edge::core::service::{PollOutcome, Service, WebhookOutcome};
use futures::executor::block_on;
use support::*;

/// The thread's CPU time so far, from the scheduler's accounting (Linux).
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// CPU (or, where the kernel does not say, wall) and wall time of `f`.
fn measure(f: impl FnOnce()) -> (Duration, Duration) {
    let (cpu0, wall0) = (thread_cpu(), Instant::now());
    f();
    let wall = wall0.elapsed();
    let cpu = match (cpu0, thread_cpu()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => wall,
    };
    (cpu, wall)
}

struct Timed {
    name: &'static str,
    what: &'static str,
    ops: usize,
    cpu: Duration,
    wall: Duration,
}

impl Timed {
    fn print(&self) {
        let per = |d: Duration| d.as_secs_f64() * 1000.0 / self.ops as f64;
        println!(
            "{:<44} {:>8.3} ms CPU   {:>8.3} ms wall   per call ({} calls)",
            self.what,
            per(self.cpu),
            per(self.wall),
            self.ops
        );
        println!("BENCH core.{}.cpu_ms {:.4} ms", self.name, per(self.cpu));
        println!("BENCH core.{}.wall_ms {:.4} ms", self.name, per(self.wall));
    }
}

const N: usize = 100;

fn submit_id(i: usize) -> String {
    format!("S-{i}")
}

fn prefix(i: usize) -> String {
    format!("K{i}")
}

/// Time `iters` submissions of 100 receipts, then the webhook, poll and read paths on them.
fn time_paths(iters: usize) -> Vec<Timed> {
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    let now = t("20250711100000");
    let bodies: Vec<Vec<u8>> = (0..iters)
        .map(|i| batch(&submit_id(i), &keys(&prefix(i), N)))
        .collect();
    // Warm up allocator and caches on submissions that are not timed.
    for w in 0..20 {
        let body = batch(&format!("W-{w}"), &keys(&format!("W{w}"), N));
        block_on(svc.submit(&body, now, 1)).expect("a valid warm-up batch");
    }

    let (cpu, wall) = measure(|| {
        for body in &bodies {
            let done = block_on(svc.submit(body, now, 1)).expect("a valid batch");
            assert_eq!(done.status, 202);
        }
    });
    let mut out = vec![Timed {
        name: "submit_100",
        what: "Service::submit, 100 receipts",
        ops: iters,
        cpu,
        wall,
    }];

    // Webhooks: one BULKRESULT per receipt of the first half of the submissions (new facts).
    let half = iters / 2;
    let events: Vec<(WebhookHeadersOwned, Vec<u8>)> = (0..half)
        .flat_map(|i| {
            (0..N).map(move |k| {
                let key = format!("{}-{k}", prefix(i));
                (
                    WebhookHeadersOwned(format!("B{i}-{k}")),
                    bulkresult_event(&submit_id(i), &key, 1),
                )
            })
        })
        .collect();
    let (cpu, wall) = measure(|| {
        for (h, body) in &events {
            let outcome = block_on(svc.webhook(&hook_headers(&h.0), body)).expect("accepted");
            assert_eq!(outcome, WebhookOutcome::Stored);
        }
    });
    out.push(Timed {
        name: "webhook",
        what: "Service::webhook, one BULKRESULT",
        ops: events.len(),
        cpu,
        wall,
    });

    // Polling: GetBulkResult at txState 2 for the other half, storing 100 results each.
    up.complete_all(t("20250711100005"));
    let (cpu, wall) = measure(|| {
        for i in half..iters {
            let outcome = block_on(svc.poll_submission(&sid(&submit_id(i)))).expect("kv works");
            assert_eq!(outcome, PollOutcome::Done);
        }
    });
    out.push(Timed {
        name: "poll_100",
        what: "Service::poll_submission, 100 results",
        ops: iters - half,
        cpu,
        wall,
    });

    let (cpu, wall) = measure(|| {
        for i in 0..iters {
            let view = block_on(svc.submission(&submit_id(i))).expect("stored");
            assert_eq!(view.total, N);
        }
    });
    out.push(Timed {
        name: "read_100",
        what: "Service::submission (read), 100 receipts",
        ops: iters,
        cpu,
        wall,
    });
    out
}

/// Owned MID for building headers inside the timed loop.
struct WebhookHeadersOwned(String);

/// KV operations for the whole life of one submission of `n` receipts: intake, issuance result,
/// filing result, closed by reconcile. `via_webhooks` chooses how results arrive.
fn life(n: usize, via_webhooks: bool) -> OpCounts {
    let (kv, up, s): (MemoryKv, _, _) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("L-1", &keys("L", n)), t("20250711100000"), 1)).expect("valid");
    up.complete_all(t("20250711100005"));
    up.file_all();
    if via_webhooks {
        deliver_issued_and_filed(&svc, "L-1", "L", n);
    } else {
        block_on(svc.poll_submission(&sid("L-1"))).expect("kv works");
    }
    block_on(svc.reconcile(t("20250712110000"))).expect("kv works");
    let view = block_on(svc.submission("L-1")).expect("stored");
    assert_eq!(view.state, "completed", "every receipt final");
    // The final read above is the merchant's, not the receipt's life: leave it out.
    let mut c = kv.counts();
    c.reads -= 1;
    c.lists -= 1;
    c
}

fn kv_costs() {
    // What one submission costs at intake (before any result): the live benchmark's unit of work.
    let (kv, up, s) = (new_kv(), FakePopbill::new(), settings());
    let svc = Service::new(&kv, &up, &s);
    block_on(svc.submit(&batch("I-1", &keys("I", N)), t("20250711100000"), 1)).expect("valid");
    let c = kv.counts();
    println!("KV at intake of one 100-receipt submission: {c:?}");
    println!("BENCH kv.submit_100.reads {} ops", c.reads);
    println!("BENCH kv.submit_100.writes {} ops", c.writes + c.deletes);
    println!("BENCH kv.submit_100.lists {} ops", c.lists);
    for (path, via_webhooks) in [("webhooks", true), ("polling", false)] {
        let (big, small) = (life(100, via_webhooks), life(50, via_webhooks));
        let per = |f: fn(&OpCounts) -> u64| (f(&big) - f(&small)) as f64 / 50.0;
        let fixed = |f: fn(&OpCounts) -> u64| f(&big) as f64 - 100.0 * per(f);
        let reads = |c: &OpCounts| c.reads;
        let lists = |c: &OpCounts| c.lists;
        let writes = |c: &OpCounts| c.writes + c.deletes;
        println!(
            "KV over a receipt's life ({path:<8}): per receipt {:.2} reads, {:.2} writes; per submission {:.0} reads, {:.0} lists, {:.0} writes  (100 receipts: {:?})",
            per(reads),
            per(writes),
            fixed(reads),
            fixed(lists),
            fixed(writes),
            big
        );
        println!("BENCH kv.{path}.reads_per_receipt {:.2} ops", per(reads));
        println!("BENCH kv.{path}.writes_per_receipt {:.2} ops", per(writes));
        println!("BENCH kv.{path}.lists_per_receipt {:.2} ops", per(lists));
        println!(
            "BENCH kv.{path}.reads_per_submission {:.0} ops",
            fixed(reads)
        );
        println!(
            "BENCH kv.{path}.lists_per_submission {:.0} ops",
            fixed(lists)
        );
        println!(
            "BENCH kv.{path}.writes_per_submission {:.0} ops",
            fixed(writes)
        );
        println!(
            "BENCH kv.{path}.total_100 {} ops",
            big.reads + big.lists + big.writes + big.deletes
        );
    }
}

fn main() {
    let iters = std::env::var("BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400usize)
        .max(2);
    let cpu = if thread_cpu().is_some() {
        "thread CPU time"
    } else {
        "wall time (no schedstat)"
    };
    println!("edge core: native, in-memory KV, fake POPBiLL; {cpu}");
    for timed in time_paths(iters) {
        timed.print();
    }
    kv_costs();
}
