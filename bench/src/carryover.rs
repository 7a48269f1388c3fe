//! The figures that carry over to Cloudflare: the same built Worker run from the benchmark's
//! entry module, whose KV binding is an in-memory store in the isolate (`worker_cpu::ENTRY`),
//! so that nothing of wrangler's local KV simulation is in them. On this stack: the Worker's own
//! CPU per request type and where it goes (part 8), then the end-to-end runs of parts 1–3 again
//! (acceptance, sustained webhooks, bulk issuance of the largest count by webhooks).

use std::time::Duration;

use crate::accept::{self, Accepted};
use crate::bulk_single::{self, BulkRun, ResultPath};
use crate::latency::{self, Sustained};
use crate::parts::{part, say};
use crate::report::Part;
use crate::stack::{Result, Stack};
use crate::where_cpu::{self, Profiled};
use crate::worker_cpu::{self, WorkerCpu};

/// What the memory-KV Worker did.
#[derive(Debug, Default)]
pub struct MemoryKvRuns {
    pub cpu: WorkerCpu,
    pub profiles: Vec<Profiled>,
    pub accepted: Option<Accepted>,
    pub sustained: Option<Sustained>,
    pub bulk: Option<BulkRun>,
}

/// The counts of one run.
#[derive(Debug, Clone, Copy)]
pub struct Counts {
    pub quick: bool,
    /// Receipts for acceptance (and so for the sustained webhooks).
    pub accept: usize,
    /// Receipts for the bulk run (part 1's largest count).
    pub bulk: usize,
    pub latency_ms: u64,
    pub concurrency: usize,
}

/// Everything on the memory-KV stack.
pub async fn measure(parts: &mut Vec<Part>, counts: Counts) -> Result<MemoryKvRuns> {
    say("starting the mock and the benchmark's memory-KV Worker (wrangler dev)");
    let stack = Stack::start_with(0, Some(worker_cpu::ENTRY)).await;
    let result = measure_on(&stack, parts, counts).await;
    say("stopping the memory-KV Worker");
    drop(stack);
    result
}

async fn measure_on(stack: &Stack, parts: &mut Vec<Part>, c: Counts) -> Result<MemoryKvRuns> {
    let (quick, latency_ms, concurrency) = (c.quick, c.latency_ms, c.concurrency);
    let long = Duration::from_secs(240);
    let cpu = part(parts, "8. Worker CPU (memory KV)", async {
        worker_cpu::measure(stack, worker_cpu::Plan::new(quick)).await
    })
    .await?;
    let profiles = part(parts, "8. where it goes (profiles)", async {
        where_cpu::profile(stack, if quick { 20 } else { 60 }).await
    })
    .await?;
    let accepted = part(parts, "2. acceptance (memory KV)", async {
        accept::accept(stack, "MA", c.accept, concurrency, long).await
    })
    .await?;
    let targets = latency::targets(&accepted.submissions);
    let sustained = part(parts, "3. sustained webhooks (memory KV)", async {
        latency::sustained(stack, &targets, 64, long).await
    })
    .await?;
    let bulk = part(
        parts,
        &format!("1. bulk {} (webhooks, memory KV)", c.bulk),
        async {
            bulk_single::bulk(
                stack,
                "MBW",
                c.bulk,
                latency_ms,
                concurrency,
                ResultPath::Webhooks,
                long,
            )
            .await
        },
    )
    .await?;
    Ok(MemoryKvRuns {
        cpu,
        profiles,
        accepted: Some(accepted),
        sustained: Some(sustained),
        bulk: Some(bulk),
    })
}
