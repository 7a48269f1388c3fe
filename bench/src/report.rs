//! The results of one run, checked against the issue's targets, as a terminal summary and as
//! `docs/BENCHMARKS.md`. Every number printed here was measured in this run or read from the
//! native benchmarks' output of the same `make bench`.

mod carry;
mod checks;
mod cli;
mod cpu;
mod events;
mod floors;
mod markdown;
mod notes;
mod targets;

use std::path::Path;
use std::time::Duration;

use crate::accept::Accepted;
use crate::bulk_single::{BulkRun, ResultPath, SingleRun};
use crate::chart::{self, Series};
use crate::inputs::{CoreFigures, MockFigures};
use crate::latency::{Level, Sustained};
use crate::machine::{self, Machine};

pub use checks::{Status, checks};
pub use cpu::text as worker_cpu_text;
pub use markdown::markdown;

/// One measured part: how long it took and the machine's load around it.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub load_before: [f64; 3],
    pub load_after: [f64; 3],
    pub secs: f64,
    /// CPU seconds used during the part, by process name (this process holds the mock and the
    /// load generator; `workerd` is the Worker; `node` is wrangler).
    pub cpu: Vec<(String, f64)>,
}

impl Part {
    pub fn cpu_text(&self) -> String {
        self.cpu
            .iter()
            .map(|(k, v)| format!("{k} {v:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn cpu_of(&self, name: &str) -> f64 {
        self.cpu
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v)
            .sum()
    }
}

#[derive(Debug, Default)]
pub struct Results {
    pub machine: Machine,
    pub load_start: [f64; 3],
    pub load_end: [f64; 3],
    pub started: chrono::DateTime<chrono::Local>,
    pub total_secs: f64,
    pub quick: bool,
    pub latency_ms: u64,
    pub concurrency: usize,
    pub core: CoreFigures,
    pub mock: MockFigures,
    pub wasm: (u64, u64),
    pub upload: String,
    pub accepted: Option<Accepted>,
    pub submission_latency: Vec<Level>,
    pub webhook_latency: Vec<Level>,
    /// Receipts shown `issued` after the BULKRESULT latency levels (each event a new fact).
    pub webhook_issued_on_record: usize,
    pub sustained: Option<Sustained>,
    pub bulk: Vec<BulkRun>,
    pub single: Vec<SingleRun>,
    pub single_parallel: Option<SingleRun>,
    pub calibration: Vec<crate::calibrate::Probe>,
    /// The benchmark-only Worker with an in-memory KV: the Worker's own CPU, where it goes, and
    /// parts 1–3 again without wrangler's local KV simulation.
    pub memory: Option<crate::carryover::MemoryKvRuns>,
    /// The Worker's CPU before issue #15's cuts (committed baseline).
    pub before: crate::baseline::Baseline,
    /// Single issuance with the official Node SDK's `registIssue`, sequentially.
    pub sdk_single: Vec<SingleRun>,
    pub cold_start: Option<crate::calibrate::ColdStart>,
    /// Unexpected answers (`status body`) and how often each came.
    pub failures: Vec<(String, usize)>,
    /// Part 7: merchant events delivered, and the CPU they add.
    pub events: Option<crate::events::EventsRun>,
    /// 5xx answers the Worker itself logged (`METHOD /path -> 5xx code`), from wrangler's log.
    pub worker_5xx_logged: usize,
    pub parts: Vec<Part>,
    /// Part 6: `popbill-bulk` from a file, through the Worker and `--direct`.
    pub cli: Vec<crate::cli_file::CliRun>,
}

impl Results {
    pub fn bulk(&self, count: usize, path: ResultPath) -> Option<&BulkRun> {
        self.bulk
            .iter()
            .find(|b| b.count == count && b.path == path)
    }

    pub fn single(&self, count: usize) -> Option<&SingleRun> {
        self.single.iter().find(|s| s.count == count)
    }

    /// The largest receipt count measured in part 1 (10,000 unless `--quick`).
    pub fn top(&self) -> usize {
        self.single.iter().map(|s| s.count).max().unwrap_or(0)
    }

    pub fn counts(&self) -> Vec<usize> {
        let mut c: Vec<usize> = self.single.iter().map(|s| s.count).collect();
        c.sort_unstable();
        c
    }

    /// The highest 1-minute load seen at any part's start or end.
    pub fn max_load(&self) -> f64 {
        self.parts
            .iter()
            .flat_map(|p| [p.load_before[0], p.load_after[0]])
            .chain([self.load_start[0], self.load_end[0]])
            .fold(0.0, f64::max)
    }
}

/// Issuance requests: every POPBiLL API call but Linkhub's token and time requests.
pub fn issuance_requests(u: &crate::stack::Upstream) -> usize {
    u.total() - u.get("Token") - u.get("Time")
}

pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 100.0 {
        format!("{s:.0} s")
    } else if s >= 10.0 {
        format!("{s:.1} s")
    } else {
        format!("{s:.2} s")
    }
}

pub fn ms(d: Duration) -> String {
    let m = d.as_secs_f64() * 1000.0;
    if m >= 100.0 {
        format!("{m:.0} ms")
    } else {
        format!("{m:.1} ms")
    }
}

/// `12345` → `12,345`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn chart_title(r: &Results) -> String {
    format!(
        "Bulk (Worker, 100 per submission) vs single RegistIssue (sequential), {} ms per POPBiLL call",
        r.latency_ms
    )
}

pub fn chart_series(r: &Results) -> Vec<Series> {
    let counts = r.counts();
    let pts = |f: &dyn Fn(usize) -> Option<Duration>| -> Vec<(f64, f64)> {
        counts
            .iter()
            .filter_map(|&n| f(n).map(|d| (n as f64, d.as_secs_f64())))
            .collect()
    };
    vec![
        Series {
            label: "single: RegistIssue, one request at a time".into(),
            points: pts(&|n| r.single(n).map(|s| s.elapsed)),
            color: chart::SINGLE,
        },
        Series {
            label: "bulk: issued at POPBiLL (the mock)".into(),
            points: pts(&|n| r.bulk(n, ResultPath::Webhooks).and_then(|b| b.issued)),
            color: chart::ISSUED,
        },
        Series {
            label: "bulk: merchant sees all issued, results by post-submit polling".into(),
            points: pts(&|n| r.bulk(n, ResultPath::Polling).and_then(|b| b.visible)),
            color: chart::VIA_POLLING,
        },
        Series {
            label: "bulk: merchant sees all issued, results by webhooks".into(),
            points: pts(&|n| r.bulk(n, ResultPath::Webhooks).and_then(|b| b.visible)),
            color: chart::VIA_WEBHOOKS,
        },
    ]
}

/// The chart's path as the report links it (relative to the report's folder).
pub fn relative(chart: &Path, report: &Path) -> String {
    match (chart.parent(), report.parent()) {
        (Some(c), Some(r)) if c == r => chart
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        _ => chart.display().to_string(),
    }
}

/// The terminal summary: one line per check.
pub fn summary_text(r: &Results) -> String {
    let mut out = format!(
        "popbill-bench summary ({} cores, load at start {}, highest during the run {:.2}; {:.0} s)\n",
        r.machine.cores,
        machine::load_text(r.load_start),
        r.max_load(),
        r.total_secs
    );
    for c in &r.cli {
        out.push_str(&format!(
            "  popbill-bulk {} rows {:<19} {:.1} s, {} requests by the tool; POPBiLL: {}\n",
            thousands(c.rows),
            c.via.name(),
            c.secs,
            thousands(c.total_requests() as usize),
            c.upstream.describe()
        ));
    }
    for c in checks(r) {
        out.push_str(&format!(
            "  {:<7} {:<58} {:<44} target {}\n",
            c.status.word(),
            c.figure,
            c.measured,
            c.target
        ));
    }
    if let Some(e) = &r.events {
        out.push_str(&format!("  {}\n", events::summary(e)));
    }
    out
}

/// workerd's CPU milliseconds per request during a part, when it made `requests` requests.
pub fn workerd_ms(r: &Results, part: &str, requests: usize) -> Option<f64> {
    let p = r.parts.iter().find(|p| p.name == part)?;
    (requests > 0).then(|| p.cpu_of("workerd") * 1000.0 / requests as f64)
}

/// What the calibration says, derived: (request without KV, one KV get, one KV put), in workerd
/// CPU milliseconds.
pub fn kv_prices(r: &Results) -> Option<(f64, f64, f64)> {
    let by = |kv: &str| {
        r.calibration
            .iter()
            .find(|p| p.kv_ops == kv)
            .map(|p| p.cpu_ms)
    };
    let (base, one_get, two_gets) = (by("none")?, by("1 get")?, by("2 gets")?);
    let new_fact = r
        .sustained
        .as_ref()
        .and_then(|s| workerd_ms(r, "3. sustained webhooks", s.run.ok + s.run.errors))?;
    Some((base, one_get - base, new_fact - two_gets))
}

/// workerd CPU ms per 100-receipt submission, from part 3's submission levels.
pub fn submission_workerd_ms(r: &Results) -> Option<f64> {
    let n: usize = r
        .submission_latency
        .iter()
        .map(|l| l.run.ok + l.run.errors)
        .sum();
    workerd_ms(r, "3. submission latency", n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(10_001), "10,001");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn the_chart_is_linked_relative_to_the_report() {
        let (chart, report) = (
            Path::new("docs/bench-bulk-vs-single.svg"),
            Path::new("docs/BENCHMARKS.md"),
        );
        assert_eq!(relative(chart, report), "bench-bulk-vs-single.svg");
        assert_eq!(
            relative(Path::new("out/c.svg"), report),
            "out/c.svg",
            "other folders keep the path as given"
        );
    }
}
