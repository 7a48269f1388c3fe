//! Sending every batch, several at a time, each retried with backoff while the far side cannot
//! be reached, and sent again after a pause while the Worker says "not yet" (refunds whose
//! originals' issuance is not on record yet), a bounded number of times. A refused batch is
//! reported by row and the rest go on; refused credentials stop the run.

use std::time::Duration;

use futures::StreamExt as _;

use super::{Job, Options};
use crate::backend::{Backend, BackendError, Items, Outgoing, Sent};
use crate::error::CliError;
use crate::input::Record;
use crate::op::Op;
use crate::receipt::{Status, Update};
use crate::report::progress::Reporter;

/// Backoff before retry `attempt` (1-based): 0.5 s doubling, at most 30 s.
pub fn retry_delay(attempt: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1 << attempt.saturating_sub(1).min(10)))
        .min(Duration::from_secs(30))
}

/// The pause before sending a batch again that the Worker answered "not yet" for the
/// `attempt`-th time (1-based): 2 s doubling, at most 30 s (POPBiLL's bulk issuance takes
/// seconds; polling no tighter than 2 s, as for any of its results).
pub fn not_yet_delay(attempt: u32) -> Duration {
    Duration::from_secs(2u64.saturating_mul(1 << attempt.saturating_sub(1).min(10)))
        .min(Duration::from_secs(30))
}

async fn send_one(
    backend: &Backend,
    out: Outgoing<'_>,
    retries: u32,
    reporter: &Reporter,
) -> Result<Sent, BackendError> {
    let (mut attempt, mut not_yet) = (0, 0);
    loop {
        match backend.send(&out).await {
            Err(BackendError::Unavailable(why)) if attempt < retries => {
                attempt += 1;
                let delay = retry_delay(attempt);
                reporter.warn(&format!(
                    "{}: {why}; retry {attempt}/{retries} in {:.1} s",
                    out.id,
                    delay.as_secs_f64()
                ));
                tokio::time::sleep(delay).await;
            }
            Ok(Sent::NotYet { reason, .. }) if not_yet < retries => {
                not_yet += 1;
                let delay = not_yet_delay(not_yet);
                reporter.warn(&format!(
                    "{}: {reason}; sending it again in {:.0} s ({not_yet}/{retries})",
                    out.id,
                    delay.as_secs_f64()
                ));
                tokio::time::sleep(delay).await;
            }
            Ok(Sent::NotYet { reason, details }) => return Ok(gave_up(reason, details, retries)),
            other => return other,
        }
    }
}

/// A batch still "not yet" after every try: refused for this run (the rows say why).
fn gave_up(reason: String, details: Vec<crate::backend::Detail>, retries: u32) -> Sent {
    Sent::Refused {
        status: Status::Refused,
        code: None,
        reason: format!(
            "{reason}; still so after {retries} more tries: run the same command again later"
        ),
        details,
    }
}

/// The rows a batch sends, as the operation sends them.
fn items<'a>(op: Op, records: &'a [Record], members: &[usize]) -> Items<'a> {
    let rows = members.iter().map(|&m| &records[m]);
    match op {
        Op::Submit => Items::Cashbills(rows.filter_map(Record::cashbill).collect()),
        Op::Refund => Items::Refunds(rows.filter_map(Record::refund).collect()),
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
    let (op, floor) = (job.op, job.op.accepted());
    let outgoing: Vec<(usize, Outgoing<'_>)> = job
        .batches
        .iter()
        .enumerate()
        .map(|(b, batch)| {
            let out = Outgoing {
                id: &batch.id,
                corp,
                items: items(op, records, &batch.members),
            };
            (b, out)
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
        let result = match result {
            Ok(Sent::NotYet { reason, details }) => Ok(gave_up(reason, details, opts.retries)),
            other => other,
        };
        match result {
            Ok(Sent::Accepted { updates, note, .. }) => {
                for &m in &batch.members {
                    let key = job.ledger.receipts[m].mgt_key.clone();
                    job.ledger.apply(Update::status(&key, floor));
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
                let rows = job.rows_text(batch);
                reporter.warn(&format!(
                    "batch {} ({}, rows {rows}): {reason}",
                    batch.index, batch.id
                ));
                for &m in &batch.members {
                    let key = job.ledger.receipts[m].mgt_key.clone();
                    job.ledger.apply(Update {
                        issue_code: code,
                        issue_message: Some(format!(
                            "{reason} (its batch, rows {rows}, was refused whole)"
                        )),
                        ..Update::status(&key, status)
                    });
                }
                // Every problem is printed; a row's results keep its first (the Worker lists
                // a row's problems in field order, the total first).
                let mut located = std::collections::BTreeSet::new();
                for d in details {
                    // The Worker counts rows in the order sent: the batch's members.
                    match d.index.and_then(|i| batch.members.get(i).copied()) {
                        Some(m) => {
                            reporter.warn(&format!("row {}: {}", records[m].row, d.text));
                            if located.insert(m) {
                                let key = job.ledger.receipts[m].mgt_key.clone();
                                job.ledger.apply(Update {
                                    issue_code: d.code,
                                    issue_message: Some(d.text),
                                    ..Update::status(&key, status)
                                });
                            }
                        }
                        None => reporter.warn(&format!("batch {}: {}", batch.index, d.text)),
                    }
                }
            }
            Err(BackendError::Auth(why)) => {
                reporter.finish();
                return Err(CliError::Auth(why));
            }
            Ok(Sent::NotYet { .. }) => {} // settled above
            Err(BackendError::Unavailable(why)) => {
                reporter.warn(&format!(
                    "batch {} ({}) was not sent: {why}",
                    batch.index, batch.id
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

    #[test]
    fn a_batch_not_yet_taken_is_sent_again_from_two_seconds_to_thirty() {
        let d: Vec<u64> = (1..=7).map(|a| not_yet_delay(a).as_secs()).collect();
        assert_eq!(d, [2, 4, 8, 16, 30, 30, 30]);
    }
}
