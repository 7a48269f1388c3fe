//! What to ask in one polling round, from the ledger and `now`. Pure.
//!
//! A batch is read while any of its receipts waits for issuance. A refund the Worker holds
//! (`scheduled`) waits for its original's filing: its batch is read only from the `dueAt` the
//! Worker gave (11:00 KST the day after the original's issuance). With `--wait filed`, an
//! issued receipt's filing result is asked for only from 11:00 KST the day after its issuance
//! (when POPBiLL posts it); before that, nothing is asked and the round only notes when it is
//! due.

use popbill::KstDateTime;

use crate::batch::Batch;
use crate::receipt::{Ledger, Status, Target};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    /// Batches (positions in the batch list) to read.
    pub read: Vec<usize>,
    /// Issued receipts whose filing result is due (when filing is not read per batch).
    pub filing: Vec<String>,
    /// The earliest filing result not yet due.
    pub next_due: Option<KstDateTime>,
    /// The earliest `dueAt` of the held refunds not yet due.
    pub next_release: Option<KstDateTime>,
    /// Some receipt still waits for its issuance result.
    pub issuance_pending: bool,
}

impl Round {
    pub fn is_idle(&self) -> bool {
        self.read.is_empty() && self.filing.is_empty()
    }
}

pub fn plan_round(
    ledger: &Ledger,
    batches: &[Batch],
    target: Target,
    now: KstDateTime,
    filing_per_batch: bool,
) -> Round {
    let mut round = Round::default();
    for (b, batch) in batches.iter().enumerate() {
        let mut read = false;
        for &m in &batch.members {
            let r = &ledger.receipts[m];
            match r.status() {
                Status::Scheduled if target > Target::Accepted => match r.release_due() {
                    Some(due) if due > now => {
                        round.next_release = Some(round.next_release.map_or(due, |d| d.min(due)));
                    }
                    _ => {
                        read = true;
                        round.issuance_pending = true;
                    }
                },
                Status::Submitted if target > Target::Accepted => {
                    read = true;
                    round.issuance_pending = true;
                }
                Status::Issued if target == Target::Filed => match r.filing_due() {
                    Some(due) if due > now => {
                        round.next_due = Some(round.next_due.map_or(due, |d| d.min(due)));
                    }
                    _ if filing_per_batch => read = true,
                    _ => round.filing.push(r.mgt_key.clone()),
                },
                _ => {}
            }
        }
        if read {
            round.read.push(b);
        }
    }
    round
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::Receipt;
    use popbill::SubmitId;

    fn setup(statuses: &[(Status, Option<&str>)]) -> (Ledger, Vec<Batch>) {
        let receipts = statuses
            .iter()
            .enumerate()
            .map(|(i, (s, issued))| Receipt {
                row: i + 2,
                mgt_key: format!("K{i}"),
                status: Some(*s),
                issue_dt: issued.map(str::to_owned),
                ..Default::default()
            })
            .collect();
        let batches = statuses
            .chunks(2)
            .enumerate()
            .map(|(i, c)| Batch {
                index: i,
                id: SubmitId::parse(&format!("S{i}")).unwrap(),
                members: (i * 2..i * 2 + c.len()).collect(),
            })
            .collect();
        (Ledger::new(receipts), batches)
    }

    fn at(s: &str) -> KstDateTime {
        KstDateTime::parse(s).unwrap()
    }

    #[test]
    fn batches_with_receipts_awaiting_issuance_are_read() {
        let (l, b) = setup(&[
            (Status::Issued, Some("20250711100003")),
            (Status::Submitted, None),
            (Status::Issued, Some("20250711100003")),
            (Status::IssueFailed, None),
        ]);
        let r = plan_round(&l, &b, Target::Issued, at("20250711100010"), true);
        assert_eq!(r.read, [0]);
        assert!(r.issuance_pending);
        assert!(plan_round(&l, &b, Target::Accepted, at("20250711100010"), true).is_idle());
    }

    #[test]
    fn filing_results_are_asked_for_only_from_eleven_the_next_day() {
        let (l, b) = setup(&[
            (Status::Issued, Some("20250711100003")),
            (Status::Filed, Some("20250711100003")),
            (Status::Issued, Some("20250711235959")),
        ]);
        let before = plan_round(&l, &b, Target::Filed, at("20250712105959"), false);
        assert!(before.is_idle(), "{before:?}");
        assert_eq!(before.next_due, Some(at("20250712110000")));
        let after = plan_round(&l, &b, Target::Filed, at("20250712110000"), false);
        assert_eq!(after.filing, ["K0", "K2"]);
        assert!(
            after.read.is_empty(),
            "filing comes from GetInfos, not from the batch"
        );
        let per_batch = plan_round(&l, &b, Target::Filed, at("20250712110000"), true);
        assert_eq!(per_batch.read, [0, 1]);
        assert!(per_batch.filing.is_empty());
    }

    #[test]
    fn held_refunds_are_asked_about_only_from_their_due_time() {
        let (mut l, b) = setup(&[
            (Status::Scheduled, None),
            (Status::Scheduled, None),
            (Status::Issued, Some("20250712110005")),
        ]);
        l.receipts[0].due_at = Some("20250712110000".into());
        l.receipts[1].due_at = Some("20250713110000".into());
        let before = plan_round(&l, &b, Target::Issued, at("20250712105959"), true);
        assert!(before.is_idle(), "{before:?}");
        assert_eq!(before.next_release, Some(at("20250712110000")));
        let at_eleven = plan_round(&l, &b, Target::Issued, at("20250712110000"), true);
        assert_eq!(at_eleven.read, [0]);
        assert_eq!(at_eleven.next_release, Some(at("20250713110000")));
        assert!(
            plan_round(&l, &b, Target::Accepted, at("20250712110000"), true).is_idle(),
            "accepted is enough without --wait"
        );
        l.receipts[0].due_at = None;
        let unknown = plan_round(&l, &b, Target::Issued, at("20250711100000"), true);
        assert_eq!(
            unknown.read,
            [0],
            "a hold without a due time is asked about"
        );
    }

    #[test]
    fn an_issued_receipt_without_an_issue_time_is_asked_about_at_once() {
        let (l, b) = setup(&[(Status::Issued, None)]);
        let r = plan_round(&l, &b, Target::Filed, at("20250711100000"), false);
        assert_eq!(r.filing, ["K0"]);
    }
}
