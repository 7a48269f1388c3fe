//! The end-to-end figures against the floor this machine allows: what workerd costs per request
//! with no Worker code (the noop request: the Worker's thread and wrangler's proxy process, which
//! run at once) plus the Worker's own CPU (part 8), and the fixed delays a figure includes (the
//! mock's processing, 30 ms a POPBiLL call) — all measured in this run. On the local-KV stack
//! the rest is wrangler's KV simulation. Each figure gets a target reset from its floor (× 1.5
//! for times, ÷ 1.5 for rates: the load generator and the mock share the 2 cores) and its
//! distance from it.

use std::time::Duration;

use super::{Results, kv_prices, secs, thousands};
use crate::bulk_single::ResultPath;
use crate::worker_cpu::Spread;

/// Headroom from floor to target on a 2-core machine shared with the load generator and mock.
pub const HEADROOM: f64 = 1.5;

/// The mock's fixed processing of a bulk submission (txState 0 for 1 s, 1 for 2 s: its defaults).
const MOCK_PROCESSING_S: f64 = 3.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub figure: String,
    pub measured: String,
    pub floor: String,
    pub target: String,
    /// Measured over floor (times) or floor over measured (rates): 1.0 is the floor.
    pub distance: f64,
    pub bound: String,
}

/// Per-request CPU (ms) of the two stages every request crosses: the Worker's thread and
/// wrangler's proxy process.
#[derive(Debug, Clone, Copy)]
pub struct Stages {
    pub worker_ms: f64,
    pub proxy_ms: f64,
}

impl Stages {
    /// The slower stage's time for `n` requests: both stages run at once on the 2 cores.
    pub fn floor_s(&self, n: usize) -> f64 {
        n as f64 * self.worker_ms.max(self.proxy_ms) / 1000.0
    }

    pub fn floor_rate(&self) -> f64 {
        1000.0 / self.worker_ms.max(self.proxy_ms).max(1e-9)
    }

    pub fn slower(&self) -> &'static str {
        if self.worker_ms >= self.proxy_ms {
            "the Worker's thread"
        } else {
            "wrangler's proxy"
        }
    }
}

fn time_row(figure: String, measured: Duration, floor_s: f64, bound: String) -> Row {
    let m = measured.as_secs_f64();
    Row {
        figure,
        measured: secs(measured),
        floor: secs(Duration::from_secs_f64(floor_s)),
        target: format!("≤ {}", secs(Duration::from_secs_f64(floor_s * HEADROOM))),
        distance: m / floor_s.max(1e-9),
        bound,
    }
}

fn rate_row(figure: String, measured: f64, floor: f64, bound: String) -> Row {
    Row {
        figure,
        measured: format!("{measured:.0}/s"),
        floor: format!("{floor:.0}/s"),
        target: format!("≥ {:.0}/s", floor / HEADROOM),
        distance: floor / measured.max(1e-9),
        bound,
    }
}

pub fn rows(r: &Results) -> Vec<Row> {
    let mut out = Vec::new();
    let Some(mem) = &r.memory else { return out };
    let cpu = &mem.cpu;
    let noop = Spread::of(&cpu.noop_ms).median;
    let proxy = (cpu.noop_workerd_ms - cpu.noop_process_ms).max(0.0);
    let own = |key: &str| cpu.get(key).map_or(f64::NAN, |c| c.own().median);
    let (submit, event) = (own("submit_100"), own("webhook_new"));
    let stages = |x: f64| Stages {
        worker_ms: noop + x,
        proxy_ms: proxy,
    };
    let explain = |s: &Stages, local: bool| {
        let mut t = format!(
            "workerd's noop request + the Worker's own CPU: {:.2} ms on the Worker's thread, \
             {:.2} ms in wrangler's proxy; the slower is {}",
            s.worker_ms,
            s.proxy_ms,
            s.slower()
        );
        if local {
            t.push_str(&match kv_prices(r) {
                Some((_, get, put)) => format!(
                    "; the rest is wrangler's local KV simulation ({get:.2} ms of workerd CPU a \
                     get, {put:.2} ms a put, calibration)"
                ),
                None => "; the rest is wrangler's local KV simulation".into(),
            });
        }
        t
    };

    // Acceptance: submissions of 100, one request each.
    let accept = [
        (mem.accepted.as_ref(), "memory KV", false),
        (r.accepted.as_ref(), "local KV", true),
    ];
    for (a, what, local) in accept {
        let Some(a) = a else { continue };
        let s = stages(submit);
        out.push(time_row(
            format!(
                "{} receipts accepted end to end, {what}",
                thousands(a.receipts)
            ),
            a.run.elapsed,
            s.floor_s(a.run.ok + a.run.errors),
            explain(&s, local),
        ));
    }

    // Sustained webhooks: one request per event.
    let hooks = [
        (mem.sustained.as_ref(), "memory KV", false),
        (r.sustained.as_ref(), "local KV", true),
    ];
    for (h, what, local) in hooks {
        let Some(h) = h else { continue };
        let s = stages(event);
        out.push(rate_row(
            format!("Webhook events per second sustained, {what}"),
            h.run.per_sec(),
            s.floor_rate(),
            explain(&s, local),
        ));
    }

    // Bulk issuance at `latency_ms` per POPBiLL call: accepting (CPU, or the BulkSubmits'
    // round trips, 16 at a time), then the mock's fixed processing.
    let n = r.top();
    let lat = r.latency_ms as f64 / 1000.0;
    let bulks = [
        (mem.bulk.as_ref(), "memory KV", false),
        (r.bulk(n, ResultPath::Webhooks), "local KV", true),
    ];
    for (b, what, local) in bulks {
        let Some(b) = b else { continue };
        let Some(issued) = b.issued else { continue };
        let s = stages(submit);
        let subs = b.count.div_ceil(100);
        let waves = subs.div_ceil(b.concurrency.max(1)) as f64;
        out.push(time_row(
            format!(
                "Bulk, {} receipts, {} ms/call: issued at POPBiLL, {what}",
                thousands(b.count),
                r.latency_ms
            ),
            issued,
            s.floor_s(subs).max(waves * lat) + MOCK_PROCESSING_S,
            format!(
                "accepting ({}; or {waves:.0} rounds of {} ms BulkSubmits), then the mock's \
                 {MOCK_PROCESSING_S:.0} s of processing",
                explain(&s, local),
                r.latency_ms
            ),
        ));
        // The merchant sees every result once the last BULKRESULT is stored: none comes before
        // the first submission's processing ends, then one webhook request per receipt.
        if let Some(visible) = b.visible {
            let e = stages(event);
            let issued_floor = s.floor_s(subs).max(waves * lat) + MOCK_PROCESSING_S;
            let floor = issued_floor.max(lat + MOCK_PROCESSING_S + e.floor_s(b.count));
            out.push(time_row(
                format!(
                    "Bulk, {} receipts, {} ms/call: merchant sees all issued (webhooks), {what}",
                    thousands(b.count),
                    r.latency_ms
                ),
                visible,
                floor,
                format!(
                    "the first BulkSubmit ({} ms) and the mock's {MOCK_PROCESSING_S:.0} s of \
                     processing, then {} webhook requests, one per receipt, at the floor's rate \
                     ({})",
                    r.latency_ms,
                    thousands(b.count),
                    explain(&e, local)
                ),
            ));
        }
    }
    if let Some(single) = r.single(n) {
        out.push(time_row(
            format!(
                "Single, {} receipts, {} ms/call, sequential (the project's client)",
                thousands(n),
                r.latency_ms
            ),
            single.elapsed,
            n as f64 * lat,
            format!("{} ms per RegistIssue, one at a time", r.latency_ms),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slower_of_two_stages_sets_the_floor() {
        let s = Stages {
            worker_ms: 4.0,
            proxy_ms: 0.8,
        };
        assert_eq!(s.floor_s(100), 0.4);
        assert_eq!(s.floor_rate(), 250.0);
        assert_eq!(s.slower(), "the Worker's thread");
        let p = Stages {
            worker_ms: 0.5,
            proxy_ms: 0.8,
        };
        assert_eq!(p.floor_rate(), 1250.0);
        assert_eq!(p.slower(), "wrangler's proxy");
    }

    #[test]
    fn distances_read_as_times_the_floor_either_way() {
        let t = time_row("t".into(), Duration::from_secs(3), 2.0, String::new());
        assert_eq!((t.distance, t.target.as_str()), (1.5, "≤ 3.00 s"));
        let r = rate_row("r".into(), 500.0, 1000.0, String::new());
        assert_eq!((r.distance, r.target.as_str()), (2.0, "≥ 667/s"));
    }
}
