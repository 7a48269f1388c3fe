//! The Worker's own CPU per request type (memory-KV Worker) and where it goes, as Markdown
//! tables: printed by `popbill-bench --worker-cpu` and part of `docs/BENCHMARKS.md`.

use std::fmt::Write as _;

use crate::load::Run;
use crate::where_cpu::Profiled;
use crate::worker_cpu::{CronInvocation, Spread, WorkerCpu};

fn p50(run: &Run) -> String {
    super::ms(run.percentile(0.5))
}

/// The CPU table: each request type's own CPU against its target, with the floor it sits on.
pub fn table(w: &mut String, cpu: &WorkerCpu) {
    let noop = Spread::of(&cpu.noop_ms);
    let _ = writeln!(
        w,
        "| request | KV operations per request | Worker's own CPU, median (range of {} rounds) | target | isolate thread in all | whole workerd process | latency p50, 1 client |",
        cpu.rounds
    );
    let _ = writeln!(w, "|---|---|---:|---|---:|---:|---:|");
    let _ = writeln!(
        w,
        "| `GET /__bench/noop` (answered before the Worker: the floor) | none | 0 (floor: {}) | | {:.2} ms | {:.2} ms | |",
        noop.text(),
        noop.median,
        cpu.noop_process_ms
    );
    for r in &cpu.requests {
        let own = r.own();
        let target = r.target_ms.map_or(String::new(), |t| {
            let mark = if own.median <= t { "met" } else { "**missed**" };
            format!("≤ {t} ms: {mark}")
        });
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {:.2} ms | {:.2} ms | {} |",
            r.what,
            r.kv.describe(),
            own.text(),
            target,
            Spread::of(&r.thread_ms).median,
            r.process_ms,
            p50(&r.run)
        );
    }
    let rounds = cpu
        .cron_cold
        .iter()
        .map(|r| (true, r))
        .chain(cpu.cron.iter().map(|r| (false, r)));
    for (i, (cold, round)) in rounds.enumerate() {
        let each: Vec<f64> = round.invocations.iter().map(|inv| inv.own_ms).collect();
        let spread = Spread::of(&each);
        let heaviest = round
            .invocations
            .iter()
            .max_by(|a, b| a.kv.put.total_cmp(&b.kv.put))
            .map_or("—".into(), |inv| inv.kv.describe());
        let verdict = if cold {
            "the isolate's first cron runs (compiling): see below".to_owned()
        } else if spread.max <= 10.0 {
            "each ≤ 10 ms (Free plan): met".to_owned()
        } else {
            "each ≤ 10 ms (Free plan): **missed**".to_owned()
        };
        let _ = writeln!(
            w,
            "| cron over {} open receipts, round {}{}: {} invocations until every result is recorded, then one with nothing due | heaviest invocation: {} | per invocation {:.2} ms median, {:.2}–{:.2} ms; {} | {} | | | |",
            round.receipts,
            i,
            if cold { " (a fresh isolate)" } else { "" },
            round.invocations.len(),
            heaviest,
            spread.median,
            spread.min,
            spread.max,
            each.iter()
                .map(|v| format!("{v:.1}"))
                .collect::<Vec<_>>()
                .join(" + "),
            verdict,
        );
    }
    let _ = writeln!(w);
}

/// Where the time goes: each profiled request type's phases, as shares of its busy samples and
/// as milliseconds of the isolate thread's CPU per request measured without the profiler.
pub fn breakdown(w: &mut String, cpu: &WorkerCpu, profiles: &[Profiled]) {
    for p in profiles {
        let (what, total) = match p.key {
            "cron" => (
                "cron invocations over 1,000 open receipts until every result is recorded"
                    .to_owned(),
                cpu.cron.first().map(|r| {
                    r.invocations.iter().map(|i| i.own_ms).sum::<f64>()
                        / r.invocations.len().max(1) as f64
                }),
            ),
            "cron_idle" => (
                "a cron invocation with nothing due (1,000 open receipts, every result on record)"
                    .to_owned(),
                cpu.cron
                    .first()
                    .and_then(|r| r.invocations.last())
                    .map(|i| i.own_ms),
            ),
            key => match cpu.get(key) {
                Some(r) => (r.what.to_owned(), Some(Spread::of(&r.thread_ms).median)),
                None => (key.to_owned(), None),
            },
        };
        let _ = writeln!(
            w,
            "**{what}** ({} requests profiled, {} busy samples{}):\n",
            p.requests,
            p.breakdown.busy,
            total.map_or(String::new(), |t| format!(
                "; ms are shares of the {t:.2} ms the isolate thread spent per {} without the profiler",
                if p.key.starts_with("cron") {
                    "invocation, on average"
                } else {
                    "request"
                }
            ))
        );
        let _ = writeln!(w, "| phase | share | ms |");
        let _ = writeln!(w, "|---|---:|---:|");
        for (phase, share) in p.breakdown.ranked() {
            let ms = total.map_or("—".into(), |t| format!("{:.2}", share * t));
            let _ = writeln!(w, "| {phase} | {:.1} % | {ms} |", share * 100.0);
        }
        let _ = writeln!(w);
    }
}

/// What `popbill-bench --worker-cpu` prints.
pub fn text(cpu: &WorkerCpu, profiles: &[Profiled]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nThe Worker's own CPU in workerd (isolate thread, memory KV; own = minus the noop floor)\n"
    );
    table(&mut s, cpu);
    let _ = writeln!(
        s,
        "Where it goes (V8 sampling profiler, samples by phase)\n"
    );
    breakdown(&mut s, cpu, profiles);
    s
}

/// Before and after issue #15's cuts, per request type, against the targets.
pub fn before_after(w: &mut String, cpu: &WorkerCpu, before: &crate::baseline::Baseline) {
    let _ = writeln!(
        w,
        "| request | KV operations before → now | Worker's own CPU before | now, median (range of {} rounds) | target | latency p50, 1 client, memory KV |",
        cpu.rounds
    );
    let _ = writeln!(w, "|---|---|---:|---:|---|---:|");
    for r in &cpu.requests {
        let own = r.own();
        let was = before
            .cpu(r.key)
            .map_or("—".into(), |s| format!("{:.2} ms", s.median));
        let kv_now = r.kv.describe();
        let kv = match before.kv.get(r.key) {
            Some(was) if *was != kv_now => format!("{was} → {kv_now}"),
            _ => kv_now,
        };
        let target = r.target_ms.map_or(String::new(), |t| {
            let mark = if own.median <= t { "met" } else { "**missed**" };
            format!("≤ {t} ms: {mark}")
        });
        let _ = writeln!(
            w,
            "| {} | {kv} | {was} | {} | {target} | {} |",
            r.what,
            own.text(),
            p50(&r.run)
        );
    }
    let heavy = cron_heaviest(cpu);
    let idle = cron_idle(cpu);
    let spread = |s: Option<crate::worker_cpu::Spread>| s.map_or("—".into(), |s| s.text());
    let _ = writeln!(
        w,
        "| cron invocation with results to record (1,000 open receipts) | {} → {} | {} | {} | ≤ 10 ms (Free plan): {} | |",
        before.kv.get("cron").map_or("—", String::as_str),
        cpu.cron
            .iter()
            .flat_map(|r| r.invocations.iter())
            .max_by(|a, b| a.kv.put.total_cmp(&b.kv.put))
            .map_or("—".into(), |i| format!(
                "{} (the heaviest)",
                i.kv.describe()
            )),
        before.cron("heavy").map_or("—".into(), |s| format!(
            "{:.2} ms (max {:.1})",
            s.median, s.max
        )),
        spread(heavy),
        if heavy.is_some_and(|s| s.max <= 10.0) {
            "met"
        } else {
            "**missed**"
        },
    );
    let _ = writeln!(
        w,
        "| cron invocation with nothing due (1,000 open receipts, every result on record) | | {} | {} | ≤ 10 ms (Free plan): {} | |",
        before
            .cron("idle")
            .map_or("—".into(), |s| format!("{:.2} ms", s.median)),
        spread(idle),
        if idle.is_some_and(|s| s.max <= 10.0) {
            "met"
        } else {
            "**missed**"
        },
    );
    let _ = writeln!(w);
}

/// Warm cron invocations that recorded results, over every measured round.
pub fn cron_heaviest(cpu: &WorkerCpu) -> Option<Spread> {
    let v: Vec<f64> = cpu
        .cron
        .iter()
        .flat_map(|r| r.invocations.iter())
        .filter(|i| i.kv.put >= 0.5)
        .map(|i| i.own_ms)
        .collect();
    (!v.is_empty()).then(|| Spread::of(&v))
}

/// The warm rounds' invocations over the Free plan's 10 ms, set against the isolate's heap:
/// `None` when none went over.
pub fn cron_over_limit(cpu: &WorkerCpu) -> Option<String> {
    const LIMIT_MS: f64 = 10.0;
    let all: Vec<&CronInvocation> = cpu.cron.iter().flat_map(|r| r.invocations.iter()).collect();
    let (over, under): (Vec<&CronInvocation>, Vec<&CronInvocation>) =
        all.iter().partition(|i| i.own_ms > LIMIT_MS);
    if over.is_empty() {
        return None;
    }
    let mb = |b: u64| b as f64 / 1_048_576.0;
    let under_max = under.iter().map(|i| i.own_ms).fold(0.0, f64::max);
    let mut text = format!(
        "{} of the warm rounds' {} invocations went over 10 ms ({} ms); the other {} stayed \
         within {under_max:.1} ms",
        over.len(),
        all.len(),
        over.iter()
            .map(|i| format!("{:.1}", i.own_ms))
            .collect::<Vec<_>>()
            .join(", "),
        under.len(),
    );
    if over.iter().all(|i| i.heap.is_some()) {
        let mut freed_under: Vec<f64> = under.iter().map(|i| mb(i.heap_freed())).collect();
        freed_under.sort_by(f64::total_cmp);
        let under_freeing = freed_under.iter().filter(|f| **f > 0.0).count();
        let grown: Vec<f64> = under
            .iter()
            .filter(|i| i.heap_freed() == 0)
            .map(|i| mb(i.heap_grown()))
            .collect();
        let _ = write!(
            text,
            ". During {} the isolate's heap shrank by {} MB: V8 collected garbage, in one pause \
             that lands in whichever request is running. {} of the other {} freed heap, at most \
             {:.1} MB; one that freed none grew the heap by a median {:.2} MB. A full collection's \
             pause follows the live heap V8 has to mark, and here that heap holds the benchmark's \
             memory store (every key and value of the round, and the setup's garbage) which on \
             Cloudflare is not in the Worker's isolate; the pause cannot be taken out of the \
             measurement either (workerd's inspector does not answer \
             `HeapProfiler.collectGarbage`)",
            if over.len() == 1 {
                "it"
            } else {
                "each of them"
            },
            over.iter()
                .map(|i| format!("{:.1}", mb(i.heap_freed())))
                .collect::<Vec<_>>()
                .join(", "),
            under_freeing,
            under.len(),
            freed_under.last().copied().unwrap_or(0.0),
            Spread::of(&grown).median,
        );
    }
    text.push_str(
        ". A run's own work is bounded by its budgets (5 submissions, 100 results: edge README, \
         the cron); the profile puts the cron's garbage collection in \"Where it goes\" below",
    );
    Some(text)
}

/// The last invocation of each measured round: nothing left to record.
pub fn cron_idle(cpu: &WorkerCpu) -> Option<Spread> {
    let v: Vec<f64> = cpu
        .cron
        .iter()
        .filter_map(|r| r.invocations.last())
        .filter(|i| i.kv.put < 0.5)
        .map(|i| i.own_ms)
        .collect();
    (!v.is_empty()).then(|| Spread::of(&v))
}

/// Before the cuts, the profile's largest phases for `key`, as one line.
pub fn before_phases(before: &crate::baseline::Baseline, key: &str) -> Option<String> {
    let phases = before.profile.get(key)?;
    Some(
        phases
            .iter()
            .take(5)
            .map(|(p, share)| format!("{p} {share:.0} %"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}
