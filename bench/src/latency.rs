//! Part 3: the Worker's latency under 1, 16 and 64 concurrent clients, for a 100-receipt
//! submission and for a webhook event, and the webhook events per second it sustains with
//! nothing lost (every acknowledged event is on record when read back).
//!
//! Webhook events are new facts about receipts the Worker holds (from part 2): BULKRESULT
//! events (issued) for the latency levels, NTS events (filed) for the sustained run, each with
//! its own `Pb-Webhook-MID`, as the mock would send them.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::load::{self, Run};
use crate::stack::{self, CORP, Result, Stack, WEBHOOK_KEY};

pub const LEVELS: [usize; 3] = [1, 16, 64];

#[derive(Debug, Clone)]
pub struct Level {
    pub concurrency: usize,
    pub run: Run,
}

#[derive(Debug, Clone)]
pub struct Sustained {
    pub concurrency: usize,
    pub run: Run,
    /// Events the Worker acknowledged / receipts it shows with the reported fact.
    pub acknowledged: usize,
    pub on_record: usize,
}

/// 100-receipt submissions at each level; `counts[i]` submissions at `LEVELS[i]`.
pub async fn submissions(
    stack: &Stack,
    tag: &str,
    counts: [usize; 3],
    timeout: Duration,
) -> Result<Vec<Level>> {
    stack.prepare_mock(0, false).await?;
    let trade_dt = stack::trade_dt();
    let mut out = Vec::new();
    for (level, count) in LEVELS.into_iter().zip(counts) {
        let bodies = (0..count)
            .map(|s| {
                stack::submission(
                    &format!("{tag}-C{level}-S{s}"),
                    &format!("{tag}{level}-{s}"),
                    100,
                    &trade_dt,
                )
            })
            .collect();
        let run = stack
            .submit_each(bodies, level, timeout, |i, status, text| {
                stack::note_failure(status, text);
                format!("submission {i}: {status}")
            })
            .await;
        out.push(Level {
            concurrency: level,
            run,
        });
    }
    Ok(out)
}

/// One receipt a webhook event is about.
#[derive(Debug, Clone)]
pub struct Target {
    pub submit_id: String,
    pub mgt_key: String,
}

pub fn targets(submissions: &[(String, String)]) -> Vec<Target> {
    submissions
        .iter()
        .flat_map(|(id, prefix)| {
            (0..100).map(move |k| Target {
                submit_id: id.clone(),
                mgt_key: format!("{prefix}-{k}"),
            })
        })
        .collect()
}

pub fn event_body(kind: &str, t: &Target, now: &str) -> Vec<u8> {
    let date = &now[..8];
    let body = match kind {
        "BULKRESULT" => json!({
            "eventDT": now, "eventType": "BULKRESULT", "corpNum": CORP, "franchiseCorpNum": CORP,
            "itemKey": "025071110123456789", "mgtKey": t.mgt_key, "submitID": t.submit_id,
            "receiptID": "250711100012345678", "code": 1, "message": "발행 완료",
            "tradeDate": date, "confirmNum": "TB1234567", "stateCode": 300,
            "issueDT": now, "tradeDT": now
        }),
        _ => json!({
            "eventDT": now, "eventType": "NTS", "corpNum": CORP, "franchiseCorpNum": CORP,
            "itemKey": "025071110123456789", "mgtKey": t.mgt_key, "tradeDate": date,
            "tradeDT": now, "confirmNum": "TB1234567", "stateCode": 304, "stateDT": now,
            "issueDT": now, "ntssendDT": now, "ntsresultDT": now, "ntsresultCode": "0000",
            "ntsresultMessage": "정상 처리되었습니다."
        }),
    };
    serde_json::to_vec(&body).expect("a JSON value serializes")
}

/// Post one event per target (`kind` BULKRESULT or NTS), `concurrency` at a time.
async fn post_events(
    stack: &Stack,
    kind: &'static str,
    targets: &[Target],
    concurrency: usize,
    timeout: Duration,
) -> Run {
    let now = stack::trade_dt();
    let events: Arc<Vec<(String, Vec<u8>)>> = Arc::new(
        targets
            .iter()
            .map(|t| (format!("{kind}-{}", t.mgt_key), event_body(kind, t, &now)))
            .collect(),
    );
    let (http, url) = (
        stack.http.clone(),
        format!("{}/v1/popbill/webhook", stack.worker.url),
    );
    load::run(events.len(), concurrency, timeout, move |i| {
        let (mid, body) = &events[i];
        let req = http
            .post(&url)
            .header("x-api-key", WEBHOOK_KEY)
            .header("pb-webhook-type", "CASHBILL.STATE")
            .header("pb-webhook-mid", mid.as_str())
            .header("pb-webhook-corpnum", CORP)
            .header("pb-webhook-eventtype", kind)
            .header("content-type", "application/json")
            .body(body.clone());
        async move {
            let resp = req.send().await.map_err(|e| e.to_string())?;
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            if status == 200 && text.contains("OK") {
                return Ok(());
            }
            stack::note_failure(status, &text);
            Err(format!("event {i}: {status} {text}"))
        }
    })
    .await
}

/// BULKRESULT events at each level; `slices[i]` are the receipts level `LEVELS[i]` reports on.
pub async fn webhooks(
    stack: &Stack,
    slices: [&[Target]; 3],
    timeout: Duration,
) -> Result<Vec<Level>> {
    let mut out = Vec::new();
    for (level, targets) in LEVELS.into_iter().zip(slices) {
        let run = post_events(stack, "BULKRESULT", targets, level, timeout).await;
        out.push(Level {
            concurrency: level,
            run,
        });
    }
    Ok(out)
}

/// NTS events for every target at `concurrency`, then read back: each receipt must be `filed`.
pub async fn sustained(
    stack: &Stack,
    targets: &[Target],
    concurrency: usize,
    timeout: Duration,
) -> Result<Sustained> {
    let run = post_events(stack, "NTS", targets, concurrency, timeout).await;
    let mut ids: Vec<&str> = targets.iter().map(|t| t.submit_id.as_str()).collect();
    ids.dedup();
    let mut on_record = 0;
    for id in ids {
        on_record += stack.count_with_status(id, "filed").await? as usize;
    }
    Ok(Sustained {
        concurrency,
        acknowledged: run.ok,
        on_record,
        run,
    })
}
