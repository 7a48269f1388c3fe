//! Sending every batch, several at a time, each retried with backoff while the far side cannot
//! be reached. A refused batch is reported and the rest go on; refused credentials stop the run.

use std::time::Duration;

use futures::StreamExt as _;

use super::{Job, Options};
use crate::backend::{Backend, BackendError, Outgoing, Sent};
use crate::error::CliError;
use crate::receipt::{Status, Update};
use crate::report::progress::Reporter;

/// Backoff before retry `attempt` (1-based): 0.5 s doubling, at most 30 s.
pub fn retry_delay(attempt: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1 << attempt.saturating_sub(1).min(10)))
        .min(Duration::from_secs(30))
}

async fn send_one(
    backend: &Backend,
    out: Outgoing<'_>,
    retries: u32,
    reporter: &Reporter,
) -> Result<Sent, BackendError> {
    let mut attempt = 0;
    loop {
        match backend.send(&out).await {
            Err(BackendError::Unavailable(why)) if attempt < retries => {
                attempt += 1;
                let delay = retry_delay(attempt);
                reporter.warn(&format!(
                    "{}: {why}; retry {attempt}/{retries} in {:.1} s",
                    out.submit_id,
                    delay.as_secs_f64()
                ));
                tokio::time::sleep(delay).await;
            }
            other => return other,
        }
    }
}

/// Send every batch of `job`; afterwards each receipt is submitted (or further), refused,
/// or still not sent. Returns the reasons batches could not be delivered.
pub async fn send_all(
    backend: &Backend,
    job: &mut Job<'_>,
    opts: &Options,
    reporter: &Reporter,
) -> Result<Vec<String>, CliError> {
    let total = job.batches.len();
    reporter.start_sending(total);
    let records = job.records;
    let corp = job.send_corp.as_ref();
    let outgoing: Vec<(usize, Outgoing<'_>)> = job
        .batches
        .iter()
        .enumerate()
        .map(|(b, batch)| {
            let cashbills = batch
                .members
                .iter()
                .filter_map(|&m| records[m].cashbill.as_ref())
                .collect();
            (
                b,
                Outgoing {
                    submit_id: &batch.submit_id,
                    corp,
                    cashbills,
                },
            )
        })
        .collect();
    let mut results = futures::stream::iter(outgoing)
        .map(|(b, out)| async move { (b, send_one(backend, out, opts.retries, reporter).await) })
        .buffer_unordered(opts.concurrency.max(1));
    let mut done = 0;
    let mut unreachable = Vec::new();
    while let Some((b, result)) = results.next().await {
        done += 1;
        let batch = &job.batches[b];
        match result {
            Ok(Sent::Accepted { updates, note, .. }) => {
                for &m in &batch.members {
                    let key = job.ledger.receipts[m].mgt_key.clone();
                    job.ledger.apply(Update::status(&key, Status::Submitted));
                }
                for u in updates {
                    job.ledger.apply(u);
                }
                if let Some(note) = note {
                    reporter.warn(&note);
                }
            }
            Ok(Sent::Refused {
                status,
                code,
                reason,
                details,
            }) => {
                reporter.warn(&format!(
                    "batch {} ({}, rows {}): {reason}",
                    batch.index,
                    batch.submit_id,
                    job.rows_text(batch)
                ));
                for &m in &batch.members {
                    let key = job.ledger.receipts[m].mgt_key.clone();
                    job.ledger.apply(Update {
                        issue_code: code,
                        issue_message: Some(reason.clone()),
                        ..Update::status(&key, status)
                    });
                }
                for (index, message) in details {
                    // The Worker counts receipts in the order sent: the batch's members.
                    match index.and_then(|i| batch.members.get(i).copied()) {
                        Some(m) => {
                            reporter.warn(&format!("row {}: {message}", records[m].row));
                            let key = job.ledger.receipts[m].mgt_key.clone();
                            job.ledger.apply(Update {
                                issue_message: Some(message),
                                ..Update::status(&key, status)
                            });
                        }
                        None => reporter.warn(&format!("batch {}: {message}", batch.index)),
                    }
                }
            }
            Err(BackendError::Auth(why)) => {
                reporter.finish();
                return Err(CliError::Auth(why));
            }
            Err(BackendError::Unavailable(why)) => {
                reporter.warn(&format!(
                    "batch {} ({}) was not sent: {why}",
                    batch.index, batch.submit_id
                ));
                unreachable.push(why);
            }
        }
        reporter.sent(done, total, &job.ledger, done == total);
    }
    reporter.finish_sending();
    Ok(unreachable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_half_a_second_to_thirty() {
        let d: Vec<u64> = (1..=8).map(|a| retry_delay(a).as_millis() as u64).collect();
        assert_eq!(d, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    }
}
