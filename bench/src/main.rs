//! `popbill-bench`: the benchmark suite on the local stack (the mock POPBiLL in-process, the real
//! Worker in workerd via `wrangler dev`), and the report (`docs/BENCHMARKS.md` and its chart).
//!
//! `make bench` runs the native benchmarks first (`cargo bench -p edge --bench core`, `cargo bench
//! -p mock-server --bench throughput`, their output saved under `target/bench/`), then this,
//! which measures parts 1–3 live, reads those outputs for parts 4–5, and writes the report.
//!
//! Every request goes to 127.0.0.1; every loop is bounded in count and time. The Worker (and
//! its process group) is stopped when the run ends, fails, panics or is interrupted.

mod accept;
mod baseline;
mod bulk_single;
mod calibrate;
mod carryover;
mod chart;
mod cleanup;
mod cli_file;
mod cost;
mod events;
mod heap;
mod inputs;
mod inspector;
mod isolate;
mod latency;
mod load;
mod machine;
mod parts;
mod profile;
mod report;
mod sdk_single;
mod stack;
mod where_cpu;
mod worker_cpu;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;

use bulk_single::ResultPath;
use parts::{part, say};
use report::Results;
use stack::{Result, Stack};

/// Benchmarks: bulk vs single issuance, acceptance time, Worker latency and cost, mock
/// throughput, merchant events; writes docs/BENCHMARKS.md and its chart.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Smaller counts (100 and 1,000 receipts; fewer requests per level): about 2 minutes.
    #[arg(long)]
    quick: bool,
    /// Round-trip delay the mock adds to every POPBiLL call in the bulk-vs-single part.
    #[arg(long, default_value_t = 30)]
    latency_ms: u64,
    /// Submissions the merchant sends to the Worker at once (bulk runs, acceptance).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// The report to write (relative to the workspace root).
    #[arg(long, default_value = "docs/BENCHMARKS.md")]
    out: PathBuf,
    /// The chart to write (relative to the workspace root).
    #[arg(long, default_value = "docs/bench-bulk-vs-single.svg")]
    chart: PathBuf,
    /// Output of `cargo bench -p edge --bench core`.
    #[arg(long, default_value = "target/bench/core.txt")]
    core: PathBuf,
    /// Output of `cargo bench -p mock-server --bench throughput`.
    #[arg(long, default_value = "target/bench/mock.txt")]
    mock: PathBuf,
    /// Only the Worker's own CPU per request type (memory-KV Worker) and where it goes; print
    /// it, write nothing (about 3 minutes; with --quick about 1).
    #[arg(long)]
    worker_cpu: bool,
    /// Summarise a CPU profile kept by `BENCH_KEEP_PROFILES=1` (target/bench/profile.N.cpuprofile)
    /// by phase, with the stacks no phase claimed, and exit.
    #[arg(long, value_name = "FILE")]
    profile_summary: Option<PathBuf>,
}

/// Counts per mode.
struct Plan {
    counts: Vec<usize>,
    accept_receipts: usize,
    submission_levels: [usize; 3],
    /// Receipts each webhook latency level reports on (taken from the accepted ones).
    webhook_levels: [usize; 3],
    single_parallel: usize,
    /// Requests per calibration probe.
    calibration: usize,
    /// Receipts (one event each) in the merchant events part, with and without events.
    events_receipts: usize,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                counts: vec![100, 1_000],
                accept_receipts: 2_000,
                submission_levels: [10, 48, 128],
                webhook_levels: [200, 600, 1_200],
                single_parallel: 16,
                calibration: 500,
                events_receipts: 500,
            }
        } else {
            Plan {
                counts: vec![100, 1_000, 10_000],
                accept_receipts: 10_000,
                submission_levels: [30, 160, 320],
                webhook_levels: [500, 2_000, 7_500],
                single_parallel: 16,
                calibration: 2_000,
                events_receipts: 2_000,
            }
        }
    }
}

async fn measure(args: &Args, plan: &Plan, r: &mut Results) -> Result<()> {
    let mut parts = Vec::new();
    // The memory-KV Worker first: its figures are the ones that carry over to Cloudflare.
    r.memory = Some(
        carryover::measure(
            &mut parts,
            carryover::Counts {
                quick: args.quick,
                accept: plan.accept_receipts,
                bulk: *plan.counts.last().unwrap_or(&100),
                latency_ms: args.latency_ms,
                concurrency: args.concurrency,
            },
        )
        .await?,
    );
    say("starting the mock and the Worker (wrangler dev, local KV)");
    let mut stack = Stack::start(0).await;
    let result = measure_on(&mut stack, args, plan, r, &mut parts).await;
    r.parts = parts;
    // Kept for reading after the run (wrangler's and the Worker's output, every start).
    let log = stack.worker.log();
    let saved = e2e::repo_root().join("target/bench/worker.log");
    let _ = std::fs::write(&saved, &log);
    r.worker_5xx_logged = log.lines().filter(|l| l.contains(" -> 5")).count();
    if result.is_err() {
        // What the Worker said last is usually why.
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        eprintln!(
            "--- last lines of the Worker's log ({}) ---",
            saved.display()
        );
        for line in tail.into_iter().rev() {
            eprintln!("{line}");
        }
    }
    say("stopping the Worker");
    drop(stack);
    result
}

async fn measure_on(
    stack: &mut Stack,
    args: &Args,
    plan: &Plan,
    r: &mut Results,
    parts: &mut Vec<report::Part>,
) -> Result<()> {
    let long = Duration::from_secs(240);

    // Part 2 first: its receipts are what the webhook load of part 3 reports on.
    let accepted = part(parts, "2. acceptance", async {
        accept::accept(stack, "A", plan.accept_receipts, args.concurrency, long).await
    })
    .await?;
    let targets = latency::targets(&accepted.submissions);
    r.accepted = Some(accepted);

    r.submission_latency = part(parts, "3. submission latency", async {
        latency::submissions(stack, "L", plan.submission_levels, Duration::from_secs(60)).await
    })
    .await?;
    let [a, b, _] = plan.webhook_levels;
    let slices = [
        &targets[..a],
        &targets[a..a + b],
        &targets[a + b..targets.len()],
    ];
    r.webhook_latency = part(parts, "3. webhook latency", async {
        latency::webhooks(stack, slices, long).await
    })
    .await?;
    let mut issued = 0;
    if let Some(acc) = &r.accepted {
        for (id, _) in &acc.submissions {
            issued += stack.count_with_status(id, "issued").await? as usize;
        }
    }
    r.webhook_issued_on_record = issued;
    r.sustained = Some(
        part(parts, "3. sustained webhooks", async {
            latency::sustained(stack, &targets, 64, long).await
        })
        .await?,
    );

    r.calibration = part(parts, "3. workerd calibration", async {
        calibrate::calibrate(stack, &targets, plan.calibration).await
    })
    .await?;

    let lat = args.latency_ms;
    for (i, &n) in plan.counts.iter().enumerate() {
        let run = part(parts, &format!("1. bulk {n} (webhooks)"), async {
            bulk_single::bulk(
                stack,
                &format!("BW{i}"),
                n,
                lat,
                args.concurrency,
                ResultPath::Webhooks,
                long,
            )
            .await
        })
        .await?;
        r.bulk.push(run);
    }
    for (i, &n) in plan.counts.iter().enumerate() {
        let timeout = Duration::from_millis(n as u64 * (lat + 20) * 3) + Duration::from_secs(60);
        let run = part(parts, &format!("1. single {n} (sequential)"), async {
            bulk_single::single(stack, &format!("G{i}"), n, lat, 1, timeout).await
        })
        .await?;
        r.single.push(run);
    }
    // The official Node SDK the same way, up to 1,000 receipts (it scales linearly, as the
    // project's client shows up to 10,000).
    for (i, &n) in plan.counts.iter().enumerate().filter(|(_, n)| **n <= 1_000) {
        let timeout = Duration::from_millis(n as u64 * (lat + 20) * 3) + Duration::from_secs(60);
        let run = part(
            parts,
            &format!("1. single {n} (Node SDK, sequential)"),
            async { sdk_single::single(stack, &format!("NS{i}"), n, lat, timeout).await },
        )
        .await?;
        r.sdk_single.push(run);
    }
    let n = *plan.counts.last().unwrap_or(&100);
    let conc = plan.single_parallel;
    r.single_parallel = Some(
        part(parts, &format!("1. single {n} ({conc} at once)"), async {
            bulk_single::single(stack, "GP", n, lat, conc, long).await
        })
        .await?,
    );
    say("restarting the Worker with POLL_AFTER_SUBMIT_SECS=24 (its default)");
    stack.set_poll_after_submit(24).await;
    for (i, &n) in plan.counts.iter().enumerate() {
        let run = part(parts, &format!("1. bulk {n} (polling)"), async {
            bulk_single::bulk(
                stack,
                &format!("BP{i}"),
                n,
                lat,
                args.concurrency,
                ResultPath::Polling,
                long,
            )
            .await
        })
        .await?;
        r.bulk.push(run);
    }
    let rows = *plan.counts.last().unwrap_or(&100);
    for (tag, via) in [("CW", cli_file::Via::Worker), ("CD", cli_file::Via::Direct)] {
        let run = part(
            parts,
            &format!("6. popbill-bulk {rows} rows {}", via.name()),
            async { cli_file::run(stack, via, tag, rows, args.concurrency, long).await },
        )
        .await?;
        r.cli.push(run);
    }
    r.cold_start = Some(
        part(parts, "cold start", async {
            calibrate::cold_start(stack, args.concurrency).await
        })
        .await?,
    );
    r.events = Some(
        part(parts, "7. merchant events", async {
            events::measure(stack, plan.events_receipts, args.concurrency, long).await
        })
        .await?,
    );
    Ok(())
}

/// The Worker's own CPU in workerd (memory KV) and its profile, on a stack of their own.
async fn worker_cpu(quick: bool) -> Result<(worker_cpu::WorkerCpu, Vec<where_cpu::Profiled>)> {
    say("starting the mock and the benchmark's memory-KV Worker (wrangler dev)");
    let stack = Stack::start_with(0, Some(worker_cpu::ENTRY)).await;
    let measured = worker_cpu::measure(&stack, worker_cpu::Plan::new(quick)).await;
    let profiled = match &measured {
        Ok(_) => where_cpu::profile(&stack, if quick { 20 } else { 40 }).await,
        Err(e) => Err(e.clone()),
    };
    say("stopping the Worker");
    drop(stack);
    Ok((measured?, profiled?))
}

async fn main_async(args: Args) -> Result<()> {
    let root = e2e::repo_root();
    if let Some(file) = &args.profile_summary {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let profile =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        println!("{}", profile::summary_text(&profile));
        return Ok(());
    }
    if args.worker_cpu {
        let (cpu, profiles) = tokio::select! {
            done = worker_cpu(args.quick) => done?,
            _ = tokio::signal::ctrl_c() => return Err("interrupted".into()),
        };
        println!("{}", report::worker_cpu_text(&cpu, &profiles));
        return Ok(());
    }
    let plan = Plan::new(args.quick);
    let mut r = Results {
        machine: machine::Machine::read(),
        load_start: machine::load(),
        started: chrono::Local::now(),
        quick: args.quick,
        latency_ms: args.latency_ms,
        concurrency: args.concurrency,
        ..Default::default()
    };
    // Read what the native benchmarks left first: fail before the long part if they are missing.
    r.core = inputs::CoreFigures::read(&root.join(&args.core))?;
    r.mock = inputs::MockFigures::read(&root.join(&args.mock))?;
    r.before = baseline::Baseline::read(&root.join(baseline::PATH))?;
    r.wasm = inputs::wasm_size(&root.join("edge/build/index_bg.wasm"))?;
    r.upload = inputs::dry_run(&root)?;
    say(&format!(
        "machine: {} cores, {}, load {}",
        r.machine.cores,
        r.machine.cpu,
        machine::load_text(r.load_start)
    ));

    let started = Instant::now();
    tokio::select! {
        done = measure(&args, &plan, &mut r) => done?,
        _ = tokio::signal::ctrl_c() => return Err("interrupted".into()),
    }
    r.failures = stack::failures();
    r.load_end = machine::load();
    r.total_secs = started.elapsed().as_secs_f64();

    let chart_path = root.join(&args.chart);
    chart::draw(
        &chart_path,
        &report::chart_title(&r),
        &report::chart_series(&r),
    )?;
    let chart_rel = report::relative(&args.chart, &args.out);
    std::fs::write(root.join(&args.out), report::markdown(&r, &chart_rel))
        .map_err(|e| format!("write {}: {e}", args.out.display()))?;
    println!();
    println!("{}", report::summary_text(&r));
    say(&format!(
        "wrote {} and {}",
        args.out.display(),
        args.chart.display()
    ));
    Ok(())
}

fn main() {
    let args = Args::parse();
    cleanup::install_panic_hook();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let result = rt.block_on(main_async(args));
    // The Worker was dropped (and killed) on every path out of `measure`; this is the backstop.
    cleanup::kill_children();
    if let Err(e) = result {
        eprintln!("popbill-bench: {e}");
        std::process::exit(1);
    }
}
