//! Each figure the issue sets a target for, measured, compared, and — when missed — explained
//! from this run's own numbers.

use std::time::Duration;

use super::{Results, issuance_requests, ms, secs, thousands};
use crate::bulk_single::ResultPath;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Met,
    Missed,
    /// Reported without a target.
    Info,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Missed => "MISSED",
            Status::Info => "—",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Check {
    pub part: &'static str,
    pub figure: String,
    pub measured: String,
    pub target: String,
    pub status: Status,
    /// For a miss: why, and what would fix it (from this run's figures).
    pub why: Option<String>,
}

fn status(met: bool) -> Status {
    if met { Status::Met } else { Status::Missed }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

pub fn checks(r: &Results) -> Vec<Check> {
    let mut out = Vec::new();
    part1(r, &mut out);
    part2(r, &mut out);
    part3(r, &mut out);
    part4(r, &mut out);
    out
}

fn part1(r: &Results, out: &mut Vec<Check>) {
    let n = r.top();
    let Some(single) = r.single(n) else { return };
    let lat = r.latency_ms;
    let hooks = r.bulk(n, ResultPath::Webhooks);
    let polls = r.bulk(n, ResultPath::Polling);
    let time_rows = [
        (
            "issued at POPBiLL",
            hooks.and_then(|b| b.issued),
            ResultPath::Webhooks,
        ),
        (
            "merchant sees all issued, results by post-submit polling",
            polls.and_then(|b| b.visible),
            ResultPath::Polling,
        ),
        (
            "merchant sees all issued, results by webhooks",
            hooks.and_then(|b| b.visible),
            ResultPath::Webhooks,
        ),
    ];
    for (what, bulk_time, path) in time_rows {
        let figure = format!(
            "Bulk vs single wall time, {} receipts, {lat} ms/call: {what}",
            thousands(n)
        );
        let Some(b) = bulk_time else {
            out.push(Check {
                part: "1",
                figure,
                measured: "not reached within the time limit".into(),
                target: "≥ 50× faster".into(),
                status: Status::Missed,
                why: Some("the bulk run did not finish in time; see the part 1 table".into()),
            });
            continue;
        };
        let x = ratio(single.elapsed, b);
        let why = (x < 50.0).then(|| why_slow(r, n, path, b, single.elapsed));
        out.push(Check {
            part: "1",
            figure,
            measured: format!("{} vs {} = {x:.0}×", secs(b), secs(single.elapsed)),
            target: "≥ 50× faster".into(),
            status: status(x >= 50.0),
            why,
        });
    }
    let single_calls = issuance_requests(&single.upstream);
    for b in [hooks, polls].into_iter().flatten() {
        let calls = issuance_requests(&b.upstream);
        let x = single_calls as f64 / calls.max(1) as f64;
        let why = (x < 100.0).then(|| {
            format!(
                "The Worker made {} (by call: {}) against single issuance's {} ({}). \
                 100 receipts per BulkSubmit cap the ratio at exactly 100× when nothing else is \
                 sent, so every extra call misses the target. {}",
                thousands(calls),
                b.upstream.describe(),
                thousands(single_calls),
                single.upstream.describe(),
                if b.path == ResultPath::Polling {
                    "The post-submit poll asks GetBulkResult every 3 s until txState 2, and the \
                     mock completes a submission 3 s after receipt, so most submissions are polled \
                     twice. Fix: with webhooks working, the poll could wait for them first (start \
                     at the 2.5× POPBiLL guidance, or only when no BULKRESULT arrived); the \
                     webhooks-only row shows what that costs in requests."
                } else {
                    "Fix: none needed in the Worker; the extra calls are listed above."
                }
            )
        });
        out.push(Check {
            part: "1",
            figure: format!(
                "Upstream requests, bulk ({}) vs single, {} receipts",
                b.path.label(),
                thousands(n)
            ),
            measured: format!(
                "{} vs {} = {x:.1}×",
                thousands(calls),
                thousands(single_calls)
            ),
            target: "≥ 100× fewer".into(),
            status: status(x >= 100.0),
            why,
        });
    }
}

fn why_slow(r: &Results, n: usize, path: ResultPath, bulk: Duration, single: Duration) -> String {
    let Some(b) = r.bulk(n, path) else {
        return String::new();
    };
    let issued = b.issued.unwrap_or(bulk);
    let after = bulk.saturating_sub(issued);
    let per = after.as_secs_f64() * 1000.0 / n as f64;
    match (path, b.visible == Some(bulk)) {
        (ResultPath::Webhooks, true) => format!(
            "POPBiLL (the mock) had issued all {} receipts {} after the first request \
             ({:.0}× faster than single issuance's {}); the merchant waited {} more for the \
             BULKRESULT webhooks, {per:.1} ms per event. The mock sends the webhooks that fall due \
             together one after another and waits for each answer (mock-server README, \
             Webhooks, [INF] 15), so their delivery is serial: the Worker's time per event under \
             `wrangler dev` plus one loopback round trip, times {}. Part 3 shows the Worker \
             takes {} events/s from 64 concurrent senders. Fix: deliver webhooks concurrently in \
             the mock (POPBiLL does not document its delivery concurrency), or rely on the \
             post-submit poll (on by default), which brings a submission's 100 results with one \
             GetBulkResult.",
            thousands(n),
            secs(issued),
            ratio(single, issued),
            secs(single),
            secs(after),
            thousands(n),
            r.sustained
                .as_ref()
                .map_or("—".into(), |s| format!("{:.0}", s.run.per_sec())),
        ),
        (ResultPath::Polling, _) => format!(
            "POPBiLL (the mock) issued everything {} after the first request; the results \
             reached the merchant {} later. The Worker polls GetBulkResult every 3 s after \
             acceptance and the mock completes a submission 3 s after receipt (1 s + 2 s, its \
             defaults), so a poll that comes a moment early waits 3 s more. Fix: a first poll at \
             3.5–4 s (or a delay derived from the submission size, per POPBiLL's 2.5× guidance).",
            secs(issued),
            secs(after),
        ),
        _ => format!(
            "Bulk issuance at POPBiLL took {} (accepted after {}): the mock's fixed processing \
             time (1 s in txState 0, 2 s in txState 1) dominates at this size, while single \
             issuance took {}.",
            secs(issued),
            secs(b.accepted),
            secs(single)
        ),
    }
}

fn part2(r: &Results, out: &mut Vec<Check>) {
    let Some(a) = &r.accepted else { return };
    let t = a.run.elapsed;
    let met = t <= Duration::from_secs(2);
    let why = (!met).then(|| {
        format!(
            "{} submissions of 100, {} at a time: each took {} at the median and {} at p99 in the \
             Worker, and {:.1} submissions/s went through. A submission reads the receipt index \
             for its 100 mgtKeys, writes the record, the open marker and 100 index entries, sends \
             BulkSubmit and writes the record again (the native core does this in {} of CPU, \
             part 4), so under `wrangler dev` the time is the local KV simulation's (SQLite and \
             files, one operation at a time through workerd's loopback) on 2 shared cores. On \
             Cloudflare, KV operations run concurrently at the edge. Fix: measure on the real \
             platform, or batch the 100 index checks into one read (a per-submission index key \
             cannot replace them: each mgtKey must stay unique across submissions).",
            a.run.ok,
            a.concurrency,
            ms(a.run.percentile(0.5)),
            ms(a.run.percentile(0.99)),
            a.run.per_sec(),
            r.core
                .get("core.submit_100.cpu_ms")
                .map_or("—".into(), |v| format!("{v:.2} ms")),
        )
    });
    out.push(Check {
        part: "2",
        figure: format!(
            "{} receipts accepted end to end (merchant → Worker → mock, no delay)",
            thousands(a.receipts)
        ),
        measured: format!("{} (POPBiLL documents ~10.8 s)", secs(t)),
        target: "≤ 2 s".into(),
        status: status(met),
        why,
    });
}

fn part3(r: &Results, out: &mut Vec<Check>) {
    for (name, levels) in [
        ("100-receipt submission", &r.submission_latency),
        ("webhook event", &r.webhook_latency),
    ] {
        for l in levels.iter() {
            out.push(Check {
                part: "3",
                figure: format!("Worker latency p50 / p99, {name}, {} clients", l.concurrency),
                measured: format!(
                    "{} / {} ({:.0}/s)",
                    ms(l.run.percentile(0.5)),
                    ms(l.run.percentile(0.99)),
                    l.run.per_sec()
                ),
                target: "—".into(),
                status: Status::Info,
                why: None,
            });
        }
    }
    if let Some(s) = &r.sustained {
        let lost = s.acknowledged.saturating_sub(s.on_record) + s.run.errors;
        let rate = s.run.per_sec();
        let met = rate >= 1000.0 && lost == 0 && s.run.skipped == 0;
        let why = (!met).then(|| {
            format!(
                "{} events from {} clients in {}: {} acknowledged, {} on record, {} errors. \
                 Each event costs the Worker a read of the receipt index, a read of the fact and \
                 one write (natively {} of CPU, part 4), so the rate is bounded by `wrangler \
                 dev`'s single workerd process and its local KV on 2 cores shared with the load \
                 generator and the mock. Fix: measure on Cloudflare, where isolates and KV scale \
                 out; locally, nothing in the Worker's own code is the limit.",
                thousands(s.run.ok + s.run.errors),
                s.concurrency,
                secs(s.run.elapsed),
                thousands(s.acknowledged),
                thousands(s.on_record),
                s.run.errors,
                r.core
                    .get("core.webhook.cpu_ms")
                    .map_or("—".into(), |v| format!("{:.0} µs", v * 1000.0)),
            )
        });
        out.push(Check {
            part: "3",
            figure: format!(
                "Webhook events per second sustained, zero loss ({} NTS events, {} clients)",
                thousands(s.run.ok + s.run.errors),
                s.concurrency
            ),
            measured: format!(
                "{rate:.0}/s, {} acknowledged, {} on record, {lost} lost",
                thousands(s.acknowledged),
                thousands(s.on_record)
            ),
            target: "≥ 1,000/s, 0 lost".into(),
            status: status(met),
            why,
        });
    }
}

fn part4(r: &Results, out: &mut Vec<Check>) {
    if let Some(cpu) = r.core.get("core.submit_100.cpu_ms") {
        out.push(Check {
            part: "4",
            figure: "Core CPU time per 100-receipt submission (native, Service::submit)".into(),
            measured: format!("{cpu:.2} ms"),
            target: "≤ 5 ms".into(),
            status: status(cpu <= 5.0),
            why: (cpu > 5.0).then(|| {
                "see `cargo bench -p edge --bench core`: the submission path's CPU time".into()
            }),
        });
    }
    for path in ["webhooks", "polling"] {
        let get = |k: &str| r.core.get(&format!("kv.{path}.{k}"));
        if let (Some(reads), Some(writes)) = (get("reads_per_receipt"), get("writes_per_receipt")) {
            let lists = get("lists_per_submission").unwrap_or(0.0);
            let sub_reads = get("reads_per_submission").unwrap_or(0.0);
            let sub_writes = get("writes_per_submission").unwrap_or(0.0);
            out.push(Check {
                part: "4",
                figure: format!("KV operations per receipt over its life ({path})"),
                measured: format!(
                    "{reads:.0} reads, {writes:.0} writes per receipt + {sub_reads:.0} reads, \
                     {lists:.0} lists, {sub_writes:.0} writes per submission"
                ),
                target: "≤ 3 writes per receipt (edge/README.md)".into(),
                status: status(writes <= 3.0),
                why: None,
            });
        }
    }
    let (raw, gz) = r.wasm;
    out.push(Check {
        part: "4",
        figure: "Worker wasm size, raw / gzip -9 (edge/build/index_bg.wasm)".into(),
        measured: format!(
            "{:.0} KiB / {:.0} KiB; wrangler: {}",
            raw as f64 / 1024.0,
            gz as f64 / 1024.0,
            r.upload.trim_start_matches("Total Upload: ")
        ),
        target: "≤ 3 MiB gzip (Workers Free plan limit)".into(),
        status: status(gz <= 3 * 1024 * 1024),
        why: None,
    });
}
