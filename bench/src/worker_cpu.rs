//! The Worker's own CPU time per request type in workerd, apart from wrangler's local KV
//! simulation: the built Worker run from `bench/worker/entry.mjs`, whose KV binding is an
//! in-memory store inside the isolate (POPBiLL calls still go to the mock).
//!
//! Each request type is measured in rounds of requests sent one at a time; every round is
//! preceded by a round of `GET /__bench/noop` (answered by the entry module without entering
//! the Worker: what workerd and wrangler cost per request here). The Worker's own CPU per request
//! is the isolate thread's CPU per request of the round minus that of the noop round before it;
//! the rounds' spread is reported with the median. CPU time, not wall time: the machine is
//! shared, and a CPU counter does not count the time another process held the core.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::isolate::{CpuTime, Isolate};
use crate::latency::{Target, event_body};
use crate::load::{self, Run};
use crate::stack::{self, API_TOKEN, CORP, Result, Stack, WEBHOOK_KEY};

/// The entry module of the benchmark-only Worker (relative to the repository root).
pub const ENTRY: &str = "bench/worker/entry.mjs";

/// KV operations the memory store counted, per request.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct KvOps {
    pub get: f64,
    pub get_bulk: f64,
    /// Keys read by the bulk gets.
    pub bulk_keys: f64,
    pub put: f64,
    pub list: f64,
    pub delete: f64,
}

impl KvOps {
    fn from_json(v: &Value) -> KvOps {
        let n = |k: &str| v["ops"][k].as_f64().unwrap_or(0.0);
        KvOps {
            get: n("get"),
            get_bulk: n("getBulk"),
            bulk_keys: n("bulkKeys"),
            put: n("put"),
            list: n("list"),
            delete: n("delete"),
        }
    }

    fn per(self, before: KvOps, requests: usize) -> KvOps {
        let d = requests.max(1) as f64;
        KvOps {
            get: (self.get - before.get) / d,
            get_bulk: (self.get_bulk - before.get_bulk) / d,
            bulk_keys: (self.bulk_keys - before.bulk_keys) / d,
            put: (self.put - before.put) / d,
            list: (self.list - before.list) / d,
            delete: (self.delete - before.delete) / d,
        }
    }

    /// `1 get, 1 bulk get (100 keys), 103 puts`
    pub fn describe(&self) -> String {
        let count = |n: f64, one: &str, many: &str| -> Option<String> {
            (n >= 0.005).then(|| {
                let n_text = if (n - n.round()).abs() < 0.005 {
                    format!("{n:.0}")
                } else {
                    format!("{n:.2}")
                };
                format!("{n_text} {}", if n_text == "1" { one } else { many })
            })
        };
        let parts: Vec<String> = [
            count(self.get, "get", "gets"),
            count(self.get_bulk, "bulk get", "bulk gets")
                .map(|t| format!("{t} ({:.0} keys)", self.bulk_keys)),
            count(self.put, "put", "puts"),
            count(self.list, "list", "lists"),
            count(self.delete, "delete", "deletes"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    }
}

/// What one request type cost.
#[derive(Debug, Clone, Default)]
pub struct RequestCpu {
    pub key: &'static str,
    pub what: &'static str,
    /// The target for the Worker's own CPU (ms), if it sets one.
    pub target_ms: Option<f64>,
    /// Per round: the isolate thread's CPU per request minus the noop round's (ms).
    pub own_ms: Vec<f64>,
    /// Per round: the isolate thread's CPU per request (ms).
    pub thread_ms: Vec<f64>,
    /// The whole workerd process per request over every round (V8's compiler and GC threads too).
    pub process_ms: f64,
    pub kv: KvOps,
    /// Latency of every request, one client.
    pub run: Run,
}

impl RequestCpu {
    pub fn own(&self) -> Spread {
        Spread::of(&self.own_ms)
    }
}

/// Median and range of a few rounds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(values: &[f64]) -> Spread {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return Spread {
                median: f64::NAN,
                min: f64::NAN,
                max: f64::NAN,
            };
        }
        v.sort_by(f64::total_cmp);
        let mid = v.len() / 2;
        let median = if v.len() % 2 == 1 {
            v[mid]
        } else {
            (v[mid - 1] + v[mid]) / 2.0
        };
        Spread {
            median,
            min: v[0],
            max: v[v.len() - 1],
        }
    }

    /// `3.41 ms (3.30–3.62)`
    pub fn text(&self) -> String {
        format!("{:.2} ms ({:.2}–{:.2})", self.median, self.min, self.max)
    }
}

/// One cron invocation over the open receipts of a round.
#[derive(Debug, Clone, Default)]
pub struct CronInvocation {
    /// The isolate thread's CPU for the invocation, minus one noop request (ms).
    pub own_ms: f64,
    pub kv: KvOps,
    /// The isolate's heap in use before and after it (bytes), when the inspector answered:
    /// a heap that shrank means V8 collected garbage during the invocation.
    pub heap: Option<(u64, u64)>,
}

impl CronInvocation {
    /// Bytes of heap freed during the invocation (0 when it grew or was not read).
    pub fn heap_freed(&self) -> u64 {
        self.heap
            .map_or(0, |(before, after)| before.saturating_sub(after))
    }

    /// Bytes the heap grew by during the invocation (0 when it shrank or was not read): what
    /// the invocation allocated and V8 has not collected yet.
    pub fn heap_grown(&self) -> u64 {
        self.heap
            .map_or(0, |(before, after)| after.saturating_sub(before))
    }
}

/// A cron round: `receipts` open receipts whose issuance results wait at POPBiLL, and the
/// invocations it took until one recorded nothing.
#[derive(Debug, Clone, Default)]
pub struct CronRound {
    pub receipts: usize,
    pub invocations: Vec<CronInvocation>,
}

#[derive(Debug, Clone, Default)]
pub struct WorkerCpu {
    /// Per noop round: the isolate thread's CPU per request (ms).
    pub noop_ms: Vec<f64>,
    /// The same for the whole process.
    pub noop_process_ms: f64,
    /// Every workerd process of `wrangler dev` per noop request (wrangler's proxy runs in
    /// the other one): what the local stack costs per request before any Worker code runs.
    pub noop_workerd_ms: f64,
    pub requests: Vec<RequestCpu>,
    /// Measured cron rounds (after [`cron_cold`](Self::cron_cold)).
    pub cron: Vec<CronRound>,
    /// The first cron round of the isolate: its first invocation compiles the cron's code.
    pub cron_cold: Option<CronRound>,
    pub rounds: usize,
}

impl WorkerCpu {
    pub fn get(&self, key: &str) -> Option<&RequestCpu> {
        self.requests.iter().find(|r| r.key == key)
    }
}

/// Counts per request type and round.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub rounds: usize,
    pub noop: usize,
    pub submissions: usize,
    pub events: usize,
    pub reads: usize,
    /// Open receipts in each cron round (a multiple of 100).
    pub cron_receipts: usize,
    pub cron_rounds: usize,
}

impl Plan {
    pub fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                rounds: 3,
                noop: 200,
                submissions: 20,
                events: 200,
                reads: 20,
                cron_receipts: 1_000,
                cron_rounds: 2,
            }
        } else {
            Plan {
                rounds: 5,
                noop: 300,
                submissions: 40,
                events: 500,
                reads: 50,
                cron_receipts: 1_000,
                cron_rounds: 3,
            }
        }
    }
}

/// The Worker's own CPU per request type. `stack` must run the benchmark entry ([`ENTRY`]).
pub async fn measure(stack: &Stack, plan: Plan) -> Result<WorkerCpu> {
    let isolate = Isolate::find(stack.worker.pid())
        .ok_or("no workerd with an inspector under wrangler: is the Worker running?")?;
    stack.prepare_mock(0, false).await?;
    let mut out = WorkerCpu {
        rounds: plan.rounds,
        ..Default::default()
    };
    let trade_dt = stack::trade_dt();
    let mut noop_process = (0.0, 0);
    let mut noop_all = 0.0;

    // Inputs: new submissions for every round; the receipts of the first ones get the webhook
    // events; the submissions whose 100 receipts all got an event are read back.
    let subs_total = plan.submissions * plan.rounds;
    let submissions: Vec<Value> = (0..subs_total)
        .map(|s| stack::submission(&format!("CPU-S{s}"), &format!("CPU{s}"), 100, &trade_dt))
        .collect();
    let singles: Vec<Value> = (0..subs_total)
        .map(|s| stack::submission(&format!("CPU1-S{s}"), &format!("CPU1-{s}"), 1, &trade_dt))
        .collect();
    let events_total = plan.events * plan.rounds;
    let targets: Vec<Target> = (0..events_total)
        .map(|i| Target {
            submit_id: format!("CPU-S{}", i / 100),
            mgt_key: format!("CPU{}-{}", i / 100, i % 100),
        })
        .collect();
    if events_total.div_ceil(100) > subs_total {
        return Err("more webhook events planned than submitted receipts".into());
    }
    let now = stack::trade_dt();
    let events: Vec<(String, Vec<u8>)> = targets
        .iter()
        .map(|t| {
            (
                format!("CPU-BULKRESULT-{}", t.mgt_key),
                event_body("BULKRESULT", t, &now),
            )
        })
        .collect();
    let read_ids: Vec<String> = (0..(events_total / 100).max(1))
        .map(|s| format!("CPU-S{s}"))
        .collect();

    type Job = Arc<dyn Fn(usize) -> reqwest::RequestBuilder + Send + Sync>;
    struct Kind {
        key: &'static str,
        what: &'static str,
        target_ms: Option<f64>,
        per_round: usize,
        expect: u16,
        job: Job,
    }
    let (http, url) = (stack.http.clone(), stack.worker.url.clone());
    let submit = |bodies: Vec<Value>| -> Job {
        let (http, url) = (http.clone(), format!("{url}/v1/submissions"));
        let bodies = Arc::new(bodies);
        Arc::new(move |i| http.post(&url).bearer_auth(API_TOKEN).json(&bodies[i]))
    };
    let events = Arc::new(events);
    let event_job = |offset: usize| -> Job {
        let (http, url, events) = (
            http.clone(),
            format!("{url}/v1/popbill/webhook"),
            events.clone(),
        );
        Arc::new(move |i| {
            let (mid, body) = &events[(i + offset) % events.len()];
            http.post(&url)
                .header("x-api-key", WEBHOOK_KEY)
                .header("pb-webhook-mid", mid.as_str())
                .header("pb-webhook-corpnum", CORP)
                .header("pb-webhook-eventtype", "BULKRESULT")
                .header("content-type", "application/json")
                .body(body.clone())
        })
    };
    let kinds = vec![
        Kind {
            key: "floor",
            what: "request the Worker refuses at once (404, unknown route)",
            target_ms: None,
            per_round: plan.noop,
            expect: 404,
            job: {
                let (http, url) = (http.clone(), format!("{url}/v1/nothing-here"));
                Arc::new(move |_| http.get(&url))
            },
        },
        Kind {
            key: "submit_100",
            what: "100-receipt submission (new, accepted)",
            target_ms: Some(5.0),
            per_round: plan.submissions,
            expect: 202,
            job: submit(submissions.clone()),
        },
        Kind {
            key: "submit_1",
            what: "1-receipt submission (new, accepted)",
            target_ms: None,
            per_round: plan.submissions,
            expect: 202,
            job: submit(singles),
        },
        Kind {
            key: "resubmit_100",
            what: "100-receipt submission sent again (200, the stored one)",
            target_ms: None,
            per_round: plan.submissions,
            expect: 200,
            job: submit(submissions),
        },
        Kind {
            key: "webhook_new",
            what: "webhook event, a new fact (BULKRESULT)",
            target_ms: Some(0.5),
            per_round: plan.events,
            expect: 200,
            job: event_job(0),
        },
        Kind {
            key: "webhook_dup",
            what: "webhook event already on record (same MID)",
            target_ms: None,
            per_round: plan.events,
            expect: 200,
            job: event_job(0),
        },
        Kind {
            key: "read_100",
            what: "reading a 100-receipt submission (100 results on record)",
            target_ms: Some(3.0),
            per_round: plan.reads,
            expect: 200,
            job: {
                let (http, url, ids) = (
                    http.clone(),
                    format!("{url}/v1/submissions"),
                    Arc::new(read_ids),
                );
                Arc::new(move |i| {
                    http.get(format!("{url}/{}", ids[i % ids.len()]))
                        .bearer_auth(API_TOKEN)
                })
            },
        },
        Kind {
            key: "read_cashbill",
            what: "reading one receipt",
            target_ms: None,
            per_round: plan.reads,
            expect: 200,
            job: {
                let (http, url) = (http.clone(), format!("{url}/v1/cashbills"));
                Arc::new(move |i| {
                    http.get(format!("{url}/CPU{}-{}", i % 10, i % 100))
                        .bearer_auth(API_TOKEN)
                })
            },
        },
    ];

    // The cron first, while the isolate's heap holds little of the memory store: a major GC of
    // the store's garbage (cleared rounds) would land in whatever runs next.
    for round in 0..=plan.cron_rounds {
        let c = cron_round(stack, &isolate, plan.cron_receipts, round, &trade_dt).await?;
        println!(
            "  cron over {} open receipts{}: {} invocations, own CPU {} ms",
            c.receipts,
            if round == 0 {
                " (the isolate's first)"
            } else {
                ""
            },
            c.invocations.len(),
            c.invocations
                .iter()
                .map(|i| format!("{:.1}", i.own_ms))
                .collect::<Vec<_>>()
                .join(" + ")
        );
        if c.invocations.iter().all(|i| i.heap.is_some()) {
            println!(
                "    heap freed during each (MB): {}",
                c.invocations
                    .iter()
                    .map(|i| format!("{:.1}", i.heap_freed() as f64 / 1_048_576.0))
                    .collect::<Vec<_>>()
                    .join(" + ")
            );
        }
        if round == 0 {
            out.cron_cold = Some(c);
        } else {
            out.cron.push(c);
        }
    }
    for kind in kinds {
        let mut r = RequestCpu {
            key: kind.key,
            what: kind.what,
            target_ms: kind.target_ms,
            ..Default::default()
        };
        let kv_before = kv_ops(stack).await?;
        let mut process = (0.0, 0usize);
        for round in 0..plan.rounds {
            let all_before = workerd_seconds();
            let (noop_cpu, n0) = noop_round(stack, &isolate, plan.noop).await?;
            noop_all += workerd_seconds() - all_before;
            let noop_ms = ms(noop_cpu.thread_ns) / n0 as f64;
            out.noop_ms.push(noop_ms);
            noop_process.0 += ms(noop_cpu.process_ns);
            noop_process.1 += n0;

            let offset = round * kind.per_round;
            let job = kind.job.clone();
            let expect = kind.expect;
            let before = cpu(&isolate)?;
            let run = load::run(kind.per_round, 1, Duration::from_secs(120), move |i| {
                let req = job(offset + i);
                async move { expect_status(req, expect).await }
            })
            .await;
            let used = cpu(&isolate)?.since(before);
            let n = run.ok + run.errors;
            if run.errors > 0 {
                return Err(format!(
                    "{}: {} of {n} requests failed; first: {}",
                    kind.what,
                    run.errors,
                    run.first_error.unwrap_or_default()
                ));
            }
            r.thread_ms.push(ms(used.thread_ns) / n as f64);
            r.own_ms.push(ms(used.thread_ns) / n as f64 - noop_ms);
            process.0 += ms(used.process_ns);
            process.1 += n;
            merge_run(&mut r.run, run);
        }
        r.process_ms = process.0 / process.1.max(1) as f64;
        r.kv = kv_ops(stack).await?.per(kv_before, process.1);
        println!(
            "  {:<60} own {}  KV per request: {}",
            r.what,
            r.own().text(),
            r.kv.describe()
        );
        out.requests.push(r);
    }
    out.noop_process_ms = noop_process.0 / noop_process.1.max(1) as f64;
    out.noop_workerd_ms = noop_all * 1000.0 / noop_process.1.max(1) as f64;

    Ok(out)
}

/// A fresh store with `receipts` open receipts whose issuance results wait at POPBiLL, then
/// cron invocations one after another until one records nothing.
async fn cron_round(
    stack: &Stack,
    isolate: &Isolate,
    receipts: usize,
    round: usize,
    trade_dt: &str,
) -> Result<CronRound> {
    cron_setup(stack, receipts, &format!("CRON{round}"), trade_dt).await?;
    // Without the inspector the rounds are measured all the same, without their heap.
    let mut heap = crate::heap::HeapProbe::start(&e2e::repo_root(), stack.worker.inspector_port)
        .map_err(|e| eprintln!("  (heap not read: {e})"))
        .ok();

    Ok(CronRound {
        receipts,
        invocations: cron_invocations(stack, isolate, 50, heap.as_mut()).await?,
    })
}

/// Forget every key, reset the mock, and submit `receipts` receipts (submissions of 100 tagged
/// `tag`); returns once POPBiLL (the mock) has issued them all, so that their results wait there.
pub async fn cron_setup(stack: &Stack, receipts: usize, tag: &str, trade_dt: &str) -> Result<()> {
    stack.prepare_mock(0, false).await?;
    let cleared = stack
        .http
        .post(format!("{}/__bench/kv/clear", stack.worker.url))
        .send()
        .await
        .map_err(|e| format!("clear the memory KV: {e}"))?;
    if !cleared.status().is_success() {
        return Err(format!("clear the memory KV: {}", cleared.status()));
    }
    let subs = receipts.div_ceil(100);
    let bodies = (0..subs)
        .map(|s| stack::submission(&format!("{tag}-S{s}"), &format!("{tag}-{s}"), 100, trade_dt))
        .collect();
    let run = stack
        .submit_each(bodies, 4, Duration::from_secs(120), |i, status, text| {
            format!("cron submission {i}: {status} {text}")
        })
        .await;
    if run.ok != subs {
        return Err(format!(
            "cron round: {} of {subs} submissions accepted: {:?}",
            run.ok, run.first_error
        ));
    }
    // The mock completes a submission a fixed time after receipt.
    let issued = load::until(
        Duration::from_secs(60),
        Duration::from_millis(100),
        || async { stack.mock_issued_count().await.is_ok_and(|n| n >= receipts) },
    )
    .await;
    issued
        .map(|_| ())
        .ok_or_else(|| "cron round: the mock did not issue the receipts within 60 s".into())
}

/// Enough cron runs for 1,000 open receipts at `FACT_BUDGET` results a run, and then some.
const MAX_CRON_RUNS: usize = 20;

/// Cron invocations one after another until one writes nothing (at most 20), each measured
/// against the `noop` requests sent before it (none: the thread's whole time).
pub async fn cron_invocations(
    stack: &Stack,
    isolate: &Isolate,
    noop: usize,
    mut heap: Option<&mut crate::heap::HeapProbe>,
) -> Result<Vec<CronInvocation>> {
    let mut out = Vec::new();
    for _ in 0..MAX_CRON_RUNS {
        // Each run a minute after the last (its scheduled time), as the trigger fires on
        // Cloudflare: consecutive runs take consecutive slices of the open submissions.
        let url = stack.worker.cron_url();
        let noop_ms = if noop == 0 {
            0.0
        } else {
            let (cpu, n) = noop_round(stack, isolate, noop).await?;
            ms(cpu.thread_ns) / n as f64
        };
        let kv_before = kv_ops(stack).await?;
        // Read outside the CPU window: the inspector's answer runs on the isolate's thread.
        let heap_before = heap.as_deref_mut().map(|h| h.used()).transpose()?;
        let before = cpu(isolate)?;
        let resp = stack
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("cron trigger: {e}"))?;
        let status = resp.status();
        let _ = resp.bytes().await;
        let used = cpu(isolate)?.since(before);
        let heap_after = heap.as_deref_mut().map(|h| h.used()).transpose()?;
        if !status.is_success() {
            return Err(format!("cron trigger answered {status}"));
        }
        let kv = kv_ops(stack).await?.per(kv_before, 1);
        let done = kv.put < 0.5;
        out.push(CronInvocation {
            own_ms: ms(used.thread_ns) - noop_ms,
            kv,
            heap: heap_before.zip(heap_after),
        });
        if done {
            break;
        }
    }
    Ok(out)
}

pub async fn noop_round(stack: &Stack, isolate: &Isolate, n: usize) -> Result<(CpuTime, usize)> {
    let url = format!("{}/__bench/noop", stack.worker.url);
    let http = stack.http.clone();
    let before = cpu(isolate)?;
    let run = load::run(n, 1, Duration::from_secs(60), move |_| {
        let req = http.get(&url);
        async move { expect_status(req, 200).await }
    })
    .await;
    let used = cpu(isolate)?.since(before);
    if run.errors > 0 || run.ok == 0 {
        return Err(format!("noop requests failed: {:?}", run.first_error));
    }
    Ok((used, run.ok))
}

pub async fn expect_status(
    req: reqwest::RequestBuilder,
    want: u16,
) -> std::result::Result<(), String> {
    let resp = req.send().await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    if status == want {
        Ok(())
    } else {
        Err(format!(
            "{status} {}",
            text.chars().take(160).collect::<String>()
        ))
    }
}

async fn kv_ops(stack: &Stack) -> Result<KvOps> {
    let v: Value = stack
        .http
        .get(format!("{}/__bench/kv", stack.worker.url))
        .send()
        .await
        .map_err(|e| format!("memory KV counts: {e}"))?
        .json()
        .await
        .map_err(|e| format!("memory KV counts: {e} (is the benchmark entry running?)"))?;
    Ok(KvOps::from_json(&v))
}

pub fn cpu(isolate: &Isolate) -> Result<CpuTime> {
    isolate
        .cpu()
        .ok_or_else(|| format!("workerd (pid {}) is gone", isolate.pid))
}

/// CPU seconds of every workerd process under this benchmark.
fn workerd_seconds() -> f64 {
    crate::machine::tree_cpu()
        .get("workerd")
        .copied()
        .unwrap_or(0.0)
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

fn merge_run(all: &mut Run, run: Run) {
    all.latencies.extend(run.latencies);
    all.elapsed += run.elapsed;
    all.ok += run.ok;
    all.errors += run.errors;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spread_is_the_median_and_range_of_its_rounds() {
        let s = Spread::of(&[3.0, 1.0, 2.0]);
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(Spread::of(&[1.0, 2.0, 4.0, 3.0]).median, 2.5);
        assert!(Spread::of(&[]).median.is_nan());
        assert_eq!(s.text(), "2.00 ms (1.00–3.00)");
    }

    #[test]
    fn kv_operations_are_counted_per_request_and_described() {
        let before = KvOps::from_json(&serde_json::json!({"ops": {"get": 1, "put": 2}}));
        let after = KvOps::from_json(&serde_json::json!({
            "ops": {"get": 3, "getBulk": 2, "bulkKeys": 200, "put": 208, "list": 0, "delete": 0}
        }));
        let per = after.per(before, 2);
        assert_eq!(per.put, 103.0);
        assert_eq!(
            per.describe(),
            "1 get, 1 bulk get (100 keys), 103 puts",
            "whole numbers without decimals, singular for one"
        );
        assert_eq!(KvOps::default().describe(), "none");
        let half = KvOps {
            list: 0.5,
            ..Default::default()
        };
        assert_eq!(half.describe(), "0.50 lists");
    }
}
