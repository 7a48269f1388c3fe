//! Part 1: the same receipts issued in bulk through the Worker (100 a submission) and one by one
//! with POPBiLL's RegistIssue (what a client without bulk does), the mock adding a round-trip
//! delay to every POPBiLL call.
//!
//! Bulk: the merchant sends the submissions to the Worker (`concurrency` at a time); the clock
//! stops when POPBiLL (the mock) has issued every receipt, and, separately, when the merchant can
//! see every receipt `issued` through the Worker. Results reach the Worker either by webhooks
//! only (`POLL_AFTER_SUBMIT_SECS=0`) or by its post-submit polling only (the mock sends no
//! webhooks): the two paths a deployment combines.
//!
//! Single: `popbill::Client::regist_issue` one receipt per request, sequentially (a naive
//! client: one request at a time), or with a fixed number in flight.

use std::sync::Arc;
use std::time::{Duration, Instant};

use popbill::{Client, CorpNum, NativeTransport, SubmitId, SystemClock};

use crate::load::{self, Run};
use crate::stack::{self, CORP, Result, Stack, Upstream};

/// How the Worker learns the results in a bulk run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultPath {
    Webhooks,
    Polling,
}

impl ResultPath {
    pub fn label(self) -> &'static str {
        match self {
            ResultPath::Webhooks => "webhooks",
            ResultPath::Polling => "post-submit polling",
        }
    }
}

#[derive(Debug, Clone)]
pub struct BulkRun {
    pub count: usize,
    pub path: ResultPath,
    pub concurrency: usize,
    /// First request to the last submission answered 202 `accepted`.
    pub accepted: Duration,
    /// First request to POPBiLL (the mock) having issued every receipt.
    pub issued: Option<Duration>,
    /// First request to the Worker showing every receipt `issued`.
    pub visible: Option<Duration>,
    pub upstream: Upstream,
    pub submits: Run,
    /// Submissions sent again after a 5xx.
    pub resends: usize,
}

#[derive(Debug, Clone)]
pub struct SingleRun {
    pub count: usize,
    pub concurrency: usize,
    pub elapsed: Duration,
    pub upstream: Upstream,
    pub run: Run,
}

type PopbillClient = Client<NativeTransport, SystemClock>;

fn popbill_client(stack: &Stack) -> PopbillClient {
    let config = popbill::Config::test(
        stack.mock.link_id.clone(),
        popbill::Secret::new(stack.mock.secret_key.clone()),
    )
    .with_base_urls(stack.mock.url.clone(), stack.mock.url.clone());
    Client::new(config, NativeTransport::new(), SystemClock)
}

fn corp() -> CorpNum {
    CorpNum::parse(CORP).expect("the mock's CorpNum is valid")
}

/// `count` receipts (a multiple of 100) in bulk through the Worker.
pub async fn bulk(
    stack: &Stack,
    tag: &str,
    count: usize,
    latency_ms: u64,
    concurrency: usize,
    path: ResultPath,
    timeout: Duration,
) -> Result<BulkRun> {
    stack
        .prepare_mock(latency_ms, path == ResultPath::Webhooks)
        .await?;
    let trade_dt = stack::trade_dt();
    let subs = count.div_ceil(100);
    let ids: Arc<Vec<String>> = Arc::new((0..subs).map(|s| format!("{tag}-S{s}")).collect());
    let bodies: Arc<Vec<serde_json::Value>> = Arc::new(
        (0..subs)
            .map(|s| {
                let n = (count - s * 100).min(100);
                stack::submission(&ids[s], &format!("{tag}-{s}"), n, &trade_dt)
            })
            .collect(),
    );
    // The probe asks POPBiLL (the mock) directly; its requests are left out of the count.
    let probe = popbill_client(stack);
    let probe_calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let answered_last = Arc::new(std::sync::Mutex::new(None::<String>));

    let started = Instant::now();
    let resends = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let submits = {
        let (http, url, bodies, ids, last, counter) = (
            stack.http.clone(),
            stack.worker.url.clone(),
            bodies.clone(),
            ids.clone(),
            answered_last.clone(),
            resends.clone(),
        );
        load::run(subs, concurrency, timeout, move |i| {
            let (http, url, bodies, counter) =
                (http.clone(), url.clone(), bodies.clone(), counter.clone());
            let (id, last) = (ids[i].clone(), last.clone());
            async move {
                let n = stack::submit_accepted(&http, &url, &bodies[i]).await?;
                counter.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                *last.lock().expect("not poisoned") = Some(id);
                Ok(())
            }
        })
        .await
    };
    let accepted = started.elapsed();
    if submits.ok != subs {
        return Err(format!(
            "bulk {count}: {} of {subs} submissions accepted; first error: {:?}",
            submits.ok, submits.first_error
        ));
    }
    let last = answered_last
        .lock()
        .expect("not poisoned")
        .clone()
        .ok_or("no submission answered")?;

    // POPBiLL's side: every submission completes a fixed time after its receipt, so the one
    // accepted last completes last; then check the whole run once.
    let issued = {
        let id = SubmitId::parse(&last).map_err(|e| e.to_string())?;
        let (probe, calls) = (&probe, probe_calls.clone());
        load::until(timeout, Duration::from_millis(20), || {
            let id = id.clone();
            let calls = calls.clone();
            async move {
                calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                probe
                    .get_bulk_result(&corp(), &id)
                    .await
                    .is_ok_and(|r| r.tx_state == Some(2))
            }
        })
        .await
        .map(|at| at - started)
    };

    // The merchant's side: the last submission first (its results come last), then all.
    let visible = {
        let mut pending: Vec<String> = ids.iter().cloned().collect();
        pending.retain(|i| *i != last);
        pending.push(last.clone());
        let deadline = started + timeout;
        let mut done_at = None;
        while Instant::now() < deadline {
            let Some(id) = pending.last().cloned() else {
                break;
            };
            let want = bodies[ids.iter().position(|i| *i == id).unwrap_or(0)]["cashbills"]
                .as_array()
                .map_or(0, |a| a.len() as u64);
            if stack.count_with_status(&id, "issued").await? >= want {
                pending.pop();
                done_at = Some(Instant::now());
                continue;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        pending
            .is_empty()
            .then(|| done_at.map(|t| t - started))
            .flatten()
    };

    let mut upstream = stack.upstream_requests().await?;
    let probed = probe_calls.load(std::sync::atomic::Ordering::Relaxed);
    subtract(&mut upstream, "GetBulkResult", probed);
    subtract(&mut upstream, "Token", 1);
    let issued_now = stack.mock_issued_count().await?;
    if issued.is_some() && issued_now != count {
        return Err(format!(
            "bulk {count}: the mock holds {issued_now} issued receipts"
        ));
    }
    Ok(BulkRun {
        count,
        path,
        concurrency,
        accepted,
        issued,
        visible,
        upstream,
        submits,
        resends: resends.load(std::sync::atomic::Ordering::Relaxed),
    })
}

fn subtract(u: &mut Upstream, call: &'static str, n: usize) {
    if let Some(v) = u.by_call.get_mut(call) {
        *v = v.saturating_sub(n);
        if *v == 0 {
            u.by_call.remove(call);
        }
    }
}

/// `count` receipts with RegistIssue, `concurrency` requests in flight (1 = sequential).
pub async fn single(
    stack: &Stack,
    tag: &str,
    count: usize,
    latency_ms: u64,
    concurrency: usize,
    timeout: Duration,
) -> Result<SingleRun> {
    stack.prepare_mock(latency_ms, false).await?;
    let trade_dt = stack::trade_dt();
    let cashbills: Arc<Vec<popbill::wire::Cashbill>> = Arc::new(
        (0..count)
            .map(|i| serde_json::from_value(stack::cashbill(&format!("{tag}-{i}"), &trade_dt)))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| e.to_string())?,
    );
    let client = Arc::new(popbill_client(stack));
    let started = Instant::now();
    let run = load::run(count, concurrency, timeout, move |i| {
        let (client, cashbills) = (client.clone(), cashbills.clone());
        async move {
            client
                .regist_issue(&corp(), &cashbills[i])
                .await
                .map(|_| ())
                .map_err(|e| format!("RegistIssue {i}: {e}"))
        }
    })
    .await;
    let elapsed = started.elapsed();
    if run.ok != count {
        return Err(format!(
            "single {count}: {} issued, {} errors, {} not sent in time; first error: {:?}",
            run.ok, run.errors, run.skipped, run.first_error
        ));
    }
    let upstream = stack.upstream_requests().await?;
    Ok(SingleRun {
        count,
        concurrency,
        elapsed,
        upstream,
        run,
    })
}
