//! The report's parts about what carries over to Cloudflare (issue #15): the Worker's own CPU
//! before and after and where it goes (8), the KV work a submission does before its answer (9),
//! the cost model and the Free plan's allowance (10), and the end-to-end figures against the
//! floor this machine allows.

use std::fmt::Write as _;

use super::cpu;
use super::floors;
use super::{Results, ms, thousands};
use crate::cost::{self, Measured, Usage};
use crate::worker_cpu::Spread;

pub fn worker_cpu(w: &mut String, r: &Results) {
    let Some(mem) = &r.memory else { return };
    let c = &mem.cpu;
    let noop = Spread::of(&c.noop_ms);
    let _ = writeln!(w, "## 8. The Worker's own CPU in workerd\n");
    let _ = writeln!(
        w,
        "The built Worker (the same `edge/build/index_bg.wasm` that `wrangler deploy` uploads) run \
         from `bench/worker/entry.mjs`, which replaces its KV binding with an in-memory store in \
         the isolate (`bench/worker/memory-kv.mjs`), so nothing of wrangler's local KV simulation \
         is counted; POPBiLL calls go to the mock (no added delay). Each request type is sent one \
         at a time in {} rounds; before each round, a round of `GET /__bench/noop`, which the \
         entry module answers without entering the Worker. **The Worker's own CPU is the CPU \
         time of the isolate's thread** (`/proc/<pid>/task/<pid>/schedstat`, the time the \
         scheduler ran it, unaffected by waiting for a core) **per request, minus that of the \
         noop round before it**: what Cloudflare would bill and limit, on this machine's CPU. \
         The noop floor itself: {} on the Worker's thread, {:.2} ms for every workerd process \
         of `wrangler dev` (its proxy runs in the other). Hardware counters (`perf stat -e \
         instructions`) are not available in this VM, so CPU time is the measure; the range of \
         the rounds shows its spread under the machine's load.\n",
        c.rounds,
        noop.text(),
        c.noop_workerd_ms
    );
    let _ = writeln!(w, "Before: {}\n", r.before.provenance.trim_end_matches('.'));
    cpu::before_after(w, c, &r.before);
    if let Some(cold) = &c.cron_cold {
        let first: Vec<String> = cold
            .invocations
            .iter()
            .map(|i| format!("{:.1}", i.own_ms))
            .collect();
        let _ = writeln!(
            w,
            "The cron's first round in this isolate (its code compiled on first use) took {} ms \
             per invocation. Cloudflare gives each isolate \"some built-in flexibility to allow \
             for cases where your Worker infrequently runs over the configured limit\" (Workers \
             limits, CPU time); a run a minute in a warm isolate is the steady state.\n",
            first.join(" + ")
        );
    }
    let _ = writeln!(
        w,
        "Every round, and the whole process's CPU beside the isolate's thread:\n"
    );
    cpu::table(w, c);
    let _ = writeln!(w, "### Where it goes\n");
    let _ = writeln!(
        w,
        "V8's sampling profiler on the Worker's isolate through wrangler's DevTools inspector \
         (`bench/worker/profile.mjs`, every 100 µs), while the same request types run again with \
         new inputs. A sample belongs to the innermost frame on its stack that names a phase \
         (`bench/src/profile.rs`); LTO inlines much of the Worker's async code into the executor \
         that polls it, so some samples can only be named by the library they are in. Shares \
         are of the samples taken while the isolate was busy (counted, not weighted by V8's \
         time deltas, which give a whole idle pause to the next sample), and the milliseconds \
         scale them to the thread's CPU per request measured above, noop floor included. \
         `BENCH_KEEP_PROFILES=1 make bench` keeps the profiles (`target/bench/profile.N.cpuprofile`, \
         for Chrome DevTools; `popbill-bench --profile-summary FILE` prints the same summary).\n"
    );
    for key in ["submit_100", "webhook_new", "read_100", "cron"] {
        if let Some(line) = cpu::before_phases(&r.before, key) {
            let what = c.get(key).map_or("the cron", |q| q.what);
            let _ = writeln!(w, "- Before, {what}: {line}.");
        }
    }
    let _ = writeln!(w);
    cpu::breakdown(w, c, &mem.profiles);
}

pub fn intake(w: &mut String, r: &Results) {
    let _ = writeln!(w, "## 9. A submission's KV work before its answer\n");
    let _ = writeln!(
        w,
        "What a new 100-receipt submission does before it answers, in order. Workers KV is \
         eventually consistent and has no transactions; Workers run at most 6 KV calls of an \
         invocation at once (\"simultaneous open connections\", Workers limits), so 100 puts \
         take 17 round trips one after another. Bulk reads are not subject to that limit.\n"
    );
    let _ = writeln!(
        w,
        "| step | before | now | must it precede the answer? |\n|---|---|---|---|\n\
         | read `sub:` + `sent:` (one bulk read) | round trip 1 | 1 | yes: a resend (same submitID and content) is answered as stored before the rules are asked again, and another content under a used submitID is refused (409 `submit_id_conflict`) |\n\
         | read `rcpt:` of the 100 mgtKeys (one bulk read) | 2 | 2 | yes: a mgtKey another submission holds is refused (409 `mgt_key_in_use`) before anything is stored or sent. It needs the checked mgtKeys, which exist only after the rules that step 1 precedes, so the two reads stay apart |\n\
         | put `sub:` | 3 | 3 | yes: nothing is sent that is not stored (no lost receipt), and every key written after it names a stored record |\n\
         | put `open:` | 4 | 4, with the index | yes: if the answer never arrives, the cron still finds the submission |\n\
         | put 100 × `rcpt:` (6 at a time) | 5–21 | 4–20 (101 puts) | yes, and before BulkSubmit: POPBiLL sends Issue events seconds later naming only corpNum and mgtKey (docs/PROTOCOL.md §6), so the index must exist for the Worker to attach them |\n\
         | BulkSubmit | — | — | the answer reports POPBiLL's acceptance |\n\
         | read `sent:` | 22 | gone: step 1 read it absent | no |\n\
         | put `sent:` | 23 | 21 | kept: in `waitUntil` a resend right after the 202 could still read `Sending`, ask POPBiLL and write the key a second time (no key is written twice; KV allows one write a second per key). Losing it would be safe (the cron resolves a `Sending` submission by asking GetBulkResult, never by sending again), the double write is not |\n"
    );
    let _ = writeln!(
        w,
        "So a new submission needs 21 KV round trips before its answer instead of 23, and 102 \
         reads instead of 103 (`edge/tests/submissions.rs` checks the counts). The writes \
         themselves stay: the index is what keeps a mgtKey to one submission and what attaches \
         Issue and NTS events. On Cloudflare the merchant waits about 2 read + 19 write round \
         trips + BulkSubmit + the Worker's CPU; at, say, 10 ms a read and 30 ms a write round \
         trip (not measurable here) that is 20 + 570 ms + POPBiLL, against 30 + 600 ms before. \
         The 17 rounds of index writes are the bulk of it; only matching Issue events some \
         other way (they carry no submitID) would let them move after BulkSubmit.\n"
    );
    let mem_p50 = r
        .memory
        .as_ref()
        .and_then(|m| m.cpu.get("submit_100"))
        .map(|c| ms(c.run.percentile(0.5)));
    let local_p50 = r
        .submission_latency
        .iter()
        .find(|l| l.concurrency == 1)
        .map(|l| ms(l.run.percentile(0.5)));
    let before = r.before.latency.get("submit_100_local_p50");
    let _ = writeln!(
        w,
        "Measured here (a merchant's latency, 1 client, mock without delay): {} with the \
         local-KV Worker (part 3) against {} before{}; {} with the memory-KV Worker, where KV \
         costs nothing and what remains is the Worker's CPU, BulkSubmit to the mock and \
         workerd.\n",
        local_p50.unwrap_or_else(|| "—".into()),
        before.map_or("—".into(), |(v, _)| format!("{v:.1} ms")),
        before.map_or(String::new(), |(_, src)| format!(" ({src})")),
        mem_p50.unwrap_or_else(|| "—".into()),
    );
}

/// The model's inputs, from this run.
pub fn measured(r: &Results) -> Option<Measured> {
    let c = &r.memory.as_ref()?.cpu;
    let own = |k: &str| c.get(k).map(|q| q.own().median);
    let core = |k: &str| r.core.get(&format!("kv.webhooks.{k}"));
    Some(Measured {
        batch: 100.0,
        events_per_receipt: 2.0,
        submit_ms: own("submit_100")?,
        event_ms: own("webhook_new")?,
        read_ms: own("read_100")?,
        reads_per_receipt: core("reads_per_receipt")?,
        writes_per_receipt: core("writes_per_receipt")?,
        lists_per_receipt: core("lists_per_receipt").unwrap_or(0.0),
        reads_per_submission: core("reads_per_submission")?,
        writes_per_submission: core("writes_per_submission")?,
        lists_per_submission: core("lists_per_submission")?,
        queue_ops_per_receipt: 0.0,
    })
}

/// Days a submission stays open: until its filing results, 11:00 KST the next day, and the cron
/// after that (at most a sweep); a day and a half on average.
const OPEN_DAYS: f64 = 1.5;

pub fn cost(w: &mut String, r: &Results) {
    let Some(m) = measured(r) else { return };
    let c = &r.memory.as_ref().expect("measured() needs it").cpu;
    let run_ms = cpu::cron_idle(c).map_or(5.0, |s| s.median);
    let examine = edge::core::service::EXAMINE_BUDGET as f64;
    let receipt = cost::per_receipt(&m);
    let _ = writeln!(w, "## 10. What it costs on Cloudflare\n");
    let _ = writeln!(
        w,
        "List prices read {} from {}, {} and {}. A receipt's life as measured in this run: \
         submitted in a submission of {:.0} (own CPU {:.2} ms a submission), its results by \
         webhook (BULKRESULT and NTS: {:.0} events, {:.2} ms each), the submission read once by \
         the merchant ({:.2} ms); KV operations from the native lifecycle benchmark (results by \
         webhooks): {:.0} reads, {:.0} writes a receipt and {:.0} reads, {:.0} lists, {:.0} \
         writes (with the open marker's delete) a submission, plus the merchant's read. CPU is \
         this machine's; Cloudflare's servers may well be faster, so the CPU cost is an upper \
         estimate. No queue operations: merchant notifications (Cloudflare Queues) are not in \
         this build.\n",
        cost::PRICES_READ,
        cost::WORKERS_PRICING,
        cost::KV_PRICING,
        cost::QUEUES_PRICING,
        m.batch,
        m.submit_ms,
        m.events_per_receipt,
        m.event_ms,
        m.read_ms,
        m.reads_per_receipt,
        m.writes_per_receipt,
        m.reads_per_submission,
        m.lists_per_submission,
        m.writes_per_submission,
    );
    let million = receipt.scaled(1e6);
    let _ = writeln!(
        w,
        "| per million receipts | quantity | list price (Workers Paid, beyond the monthly inclusion) | dollars |\n|---|---:|---|---:|"
    );
    for (p, n) in million.lines() {
        let _ = writeln!(
            w,
            "| {} | {} | ${:.2} per million | ${:.2} |",
            p.what,
            thousands(n.round() as usize),
            p.usd_per_million,
            n * p.usd_per_million / 1e6
        );
    }
    let _ = writeln!(w, "| **total** | | | **${:.2}** |\n", million.usd());
    let cron_month = |v: f64| {
        let open = v / 30.0 / m.batch * OPEN_DAYS;
        cost::cron_per_day(1.0, open, examine, run_ms).scaled(30.0)
    };
    let _ = writeln!(
        w,
        "The cron (every minute) adds a fixed cost: each run lists the open submissions and \
         examines at most {examine:.0} of them (a list and a read each, {run_ms:.1} ms of CPU \
         a run as measured), whatever the volume: about ${:.2} a month once {examine:.0} \
         submissions are open. A month's bill on Workers Paid ($5 subscription, inclusions \
         applied):\n",
        cron_month(1e6).usd()
    );
    let _ = writeln!(
        w,
        "| receipts a month | receipts' usage | with the cron | bill |\n|---:|---:|---:|---:|"
    );
    for v in [1e5, 1e6, 1e7] {
        let month: Usage = receipt.scaled(v).plus(cron_month(v));
        let _ = writeln!(
            w,
            "| {} | ${:.2} | ${:.2} | **${:.2}** |",
            thousands(v as usize),
            receipt.scaled(v).usd(),
            month.usd(),
            month.monthly_bill()
        );
    }
    let _ = writeln!(w);
    let _ = writeln!(
        w,
        "**The Workers Free plan** (daily: 100,000 requests, 100,000 KV reads, 1,000 KV writes, \
         1,000 deletes, 1,000 lists; {} ms of CPU an invocation): every request type above fits \
         in 10 ms (part 8). Per day it allows, with submissions of {:.0} open {OPEN_DAYS} days:\n",
        cost::FREE_CPU_MS_PER_INVOCATION,
        m.batch
    );
    let _ = writeln!(
        w,
        "| cron schedule | receipts a day | the limit that binds |\n|---|---:|---|"
    );
    for (period, label) in [
        (1.0, "every minute (wrangler.toml's `* * * * *`)"),
        (5.0, "every 5 minutes"),
        (15.0, "every 15 minutes"),
        (60.0, "hourly"),
    ] {
        let (n, binding) =
            cost::free_plan_per_day(&receipt, m.batch, OPEN_DAYS, period, examine, run_ms);
        let _ = writeln!(w, "| {label} | {} | {binding} |", thousands(n as usize));
    }
    let _ = writeln!(
        w,
        "\nOn the Free plan the every-minute cron alone lists more than the 1,000 lists a day \
         allow (1,440 runs, each listing the open submissions), so a Free deployment needs a \
         sparser cron (`[triggers] crons` in wrangler.toml); then the 1,000 KV writes a day bind \
         at about 330 receipts (3 writes a receipt). Workers Paid has no daily limits.\n"
    );
}

pub fn floors(w: &mut String, r: &Results) {
    let rows = floors::rows(r);
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(w, "## End-to-end figures against this machine's floor\n");
    let _ = writeln!(
        w,
        "The floor is what this machine cannot avoid for a figure, measured in this run: \
         workerd's noop request (the Worker's thread and wrangler's proxy process, which run at \
         once on the 2 cores the load generator and the mock share too), the Worker's own CPU \
         (part 8) and the figure's fixed delays (the mock's processing, {} ms a POPBiLL call). \
         On the local-KV stack everything beyond it is wrangler's KV simulation. The targets \
         are reset to {:.1}× the floor for times (÷ {:.1} for rates); the issue's own targets \
         stay in the table at the top.\n",
        r.latency_ms,
        floors::HEADROOM,
        floors::HEADROOM
    );
    let _ = writeln!(
        w,
        "| figure | measured | floor | target from the floor | distance (× the floor) | what sets the floor |\n|---|---:|---:|---:|---:|---|"
    );
    for row in rows {
        let mark = if row.distance <= floors::HEADROOM {
            ""
        } else {
            " (beyond the target)"
        };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {:.2}×{mark} | {} |",
            row.figure, row.measured, row.floor, row.target, row.distance, row.bound
        );
    }
    let _ = writeln!(w);
}

/// Part 1 beside the official Node SDK, and the bulk run again on the memory-KV Worker.
pub fn part1(w: &mut String, r: &Results) {
    if !r.sdk_single.is_empty() {
        let _ = writeln!(
            w,
            "**The official Node SDK** (npm `popbill` 1.64.2, `bench/node/sdk_single.js`), \
             `registIssue` one receipt at a time on its default settings against the same mock \
             ({} ms a call), is what a merchant without bulk issuance would use:\n",
            r.latency_ms
        );
        let _ = writeln!(
            w,
            "| receipts | Node SDK, sequential | per receipt | the project's client, sequential | upstream requests |\n|---:|---:|---:|---:|---|"
        );
        for s in &r.sdk_single {
            let _ = writeln!(
                w,
                "| {} | {} | {:.1} ms | {} | {} |",
                thousands(s.count),
                super::secs(s.elapsed),
                s.elapsed.as_secs_f64() * 1000.0 / s.count as f64,
                r.single(s.count)
                    .map_or("—".into(), |c| super::secs(c.elapsed)),
                s.upstream.describe()
            );
        }
        let _ = writeln!(w);
    }
    let (Some(mem), n) = (&r.memory, r.top()) else {
        return;
    };
    let Some(b) = &mem.bulk else { return };
    let single = r.single(b.count).map(|s| s.elapsed.as_secs_f64());
    // The Node SDK ran up to 1,000 receipts: it scales linearly, as the project's client shows.
    let sdk = r.sdk_single.iter().max_by_key(|s| s.count).map(|s| {
        (
            s.elapsed.as_secs_f64() * b.count as f64 / s.count as f64,
            s.count != b.count,
        )
    });
    let ratio = |d: Option<std::time::Duration>, base: Option<f64>| match (d, base) {
        (Some(d), Some(base)) => format!("{:.0}×", base / d.as_secs_f64()),
        _ => "—".into(),
    };
    let _ = writeln!(
        w,
        "**Without wrangler's local KV simulation** (the memory-KV Worker of part 8, the same \
         wasm; what carries over to Cloudflare, where KV calls cost the isolate little CPU): \
         {} receipts in bulk by webhooks, {} at a time, {} ms a call: accepted in {}, issued \
         at POPBiLL after {} ({} faster than the project's client one at a time, {} than the \
         Node SDK{}), every receipt `issued` for the merchant after {} ({} and {}). Upstream: \
         {}.\n",
        thousands(b.count),
        b.concurrency,
        r.latency_ms,
        super::secs(b.accepted),
        b.issued.map_or("—".into(), super::secs),
        ratio(b.issued, single),
        ratio(b.issued, sdk.map(|s| s.0)),
        if sdk.is_some_and(|s| s.1) {
            format!(" at its measured per-receipt time × {}", thousands(b.count))
        } else {
            String::new()
        },
        b.visible.map_or("—".into(), super::secs),
        ratio(b.visible, single),
        ratio(b.visible, sdk.map(|s| s.0)),
        b.upstream.describe(),
    );
    let _ = n;
}

pub fn part2(w: &mut String, r: &Results) {
    let Some(a) = r.memory.as_ref().and_then(|m| m.accepted.as_ref()) else {
        return;
    };
    let _ = writeln!(
        w,
        "The same with the memory-KV Worker (part 8): **{}** ({:.0} receipts/s; p50 {}, p99 {} a \
         submission; upstream: {}). The difference is wrangler's local KV simulation.\n",
        super::secs(a.run.elapsed),
        a.receipts as f64 / a.run.elapsed.as_secs_f64(),
        ms(a.run.percentile(0.5)),
        ms(a.run.percentile(0.99)),
        a.upstream.describe()
    );
}

pub fn part3(w: &mut String, r: &Results) {
    let Some(s) = r.memory.as_ref().and_then(|m| m.sustained.as_ref()) else {
        return;
    };
    let _ = writeln!(
        w,
        "With the memory-KV Worker (part 8): {} NTS events from {} clients in {}: **{:.0} \
         events/s**, p50 {}, p99 {}; {} acknowledged, {} receipts `filed` when read back, {} \
         errors.\n",
        thousands(s.run.ok + s.run.errors),
        s.concurrency,
        super::secs(s.run.elapsed),
        s.run.per_sec(),
        ms(s.run.percentile(0.5)),
        ms(s.run.percentile(0.99)),
        thousands(s.acknowledged),
        thousands(s.on_record),
        s.run.errors
    );
}
