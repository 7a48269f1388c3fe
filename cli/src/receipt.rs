//! Where each receipt of the file stands, and what "done" means for the run. Pure.
//!
//! Statuses only move forward (scheduled → submitted → issued → filed / filing_failed, or →
//! issue_failed / original_filing_failed), whatever order the reads come back in, as the
//! Worker's own derivation does. `scheduled` and `original_filing_failed` are a refund's: held
//! by the Worker until its original is filed, or never sent because the original's filing
//! failed.

use std::collections::{BTreeMap, HashMap};

use popbill::KstDateTime;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Left out by `--skip-invalid`.
    Invalid,
    /// Not sent: its batch could not be delivered (or `status` found no such submission).
    NotSent,
    /// Its batch was refused (a Worker 4xx): nothing was issued.
    Refused,
    /// A refund the Worker holds until POPBiLL can take it (its original filed with the NTS).
    Scheduled,
    Submitted,
    Issued,
    IssueFailed,
    Filed,
    FilingFailed,
    /// A refund never sent: its original's NTS filing failed while the Worker held it.
    OriginalFilingFailed,
}

impl Status {
    pub const ALL: [Status; 10] = [
        Status::Invalid,
        Status::NotSent,
        Status::Refused,
        Status::Scheduled,
        Status::Submitted,
        Status::Issued,
        Status::IssueFailed,
        Status::Filed,
        Status::FilingFailed,
        Status::OriginalFilingFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Invalid => "invalid",
            Status::NotSent => "not_sent",
            Status::Refused => "refused",
            Status::Scheduled => "scheduled",
            Status::Submitted => "submitted",
            Status::Issued => "issued",
            Status::IssueFailed => "issue_failed",
            Status::Filed => "filed",
            Status::FilingFailed => "filing_failed",
            Status::OriginalFilingFailed => "original_filing_failed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// How far along the life it is; a read never moves a receipt to a lower stage.
    fn stage(self) -> u8 {
        match self {
            Status::Invalid | Status::NotSent | Status::Refused => 0,
            Status::Scheduled => 1,
            Status::Submitted => 2,
            Status::Issued => 3,
            Status::IssueFailed
            | Status::Filed
            | Status::FilingFailed
            | Status::OriginalFilingFailed => 4,
        }
    }
}

/// What the run waits for (`--wait`; without it, for every batch to be accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Target {
    #[value(skip)]
    Accepted,
    /// Issued (국세청 승인번호 assigned) or finally failed.
    Issued,
    /// Filed with the NTS (304) or finally failed; results come at 11:00 KST the next day.
    Filed,
}

/// A receipt measured against the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Reached,
    Pending,
    Failed,
}

pub fn progress(status: Status, target: Target) -> Progress {
    use Status::*;
    match (status, target) {
        (Invalid | NotSent | Refused | IssueFailed | OriginalFilingFailed, _) => Progress::Failed,
        (FilingFailed, Target::Filed) => Progress::Failed,
        (Scheduled | Submitted, Target::Accepted) => Progress::Reached,
        (Scheduled | Submitted, _) => Progress::Pending,
        (Issued, Target::Filed) => Progress::Pending,
        (Issued | Filed | FilingFailed, _) => Progress::Reached,
    }
}

/// One receipt as last seen; the columns of the results file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    pub row: usize,
    pub mgt_key: String,
    #[serde(rename = "submitID")]
    pub submit_id: String,
    /// A refund's request (its batch); empty for a submission's receipt.
    #[serde(rename = "refundID", skip_serializing_if = "String::is_empty")]
    pub refund_id: String,
    pub status: Option<Status>,
    /// While a refund is `scheduled`: the earliest the Worker sends it (`yyyyMMddHHmmss` KST).
    #[serde(rename = "dueAt")]
    pub due_at: Option<String>,
    pub confirm_num: Option<String>,
    pub issue_code: Option<i64>,
    pub issue_message: Option<String>,
    #[serde(rename = "issueDT")]
    pub issue_dt: Option<String>,
    pub state_code: Option<i64>,
    pub nts_result_code: Option<String>,
    pub nts_result_message: Option<String>,
    #[serde(rename = "ntsSendDT")]
    pub nts_send_dt: Option<String>,
    #[serde(rename = "ntsResultDT")]
    pub nts_result_dt: Option<String>,
}

impl Receipt {
    pub fn status(&self) -> Status {
        self.status.unwrap_or(Status::NotSent)
    }

    /// When a scheduled refund can be sent, as the Worker said (`dueAt`).
    pub fn release_due(&self) -> Option<KstDateTime> {
        KstDateTime::parse(self.due_at.as_deref()?).ok()
    }

    /// When the filing result is due: 11:00 KST the day after issuance (POPBiLL files a day's
    /// receipts at midnight and posts the results at 11:00). `None` without an issue time.
    pub fn filing_due(&self) -> Option<KstDateTime> {
        let issued = KstDateTime::parse(self.issue_dt.as_deref()?).ok()?;
        Some(issued.date().next_day().at(11, 0, 0))
    }
}

/// A read's news about one receipt (by mgtKey); absent fields leave what is known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Update {
    pub mgt_key: String,
    /// The BulkSubmit a refund goes in (the Worker's `submitID` of a refund's view).
    pub submit_id: Option<String>,
    pub status: Option<Status>,
    pub due_at: Option<String>,
    pub confirm_num: Option<String>,
    pub issue_code: Option<i64>,
    pub issue_message: Option<String>,
    pub issue_dt: Option<String>,
    pub state_code: Option<i64>,
    pub nts_result_code: Option<String>,
    pub nts_result_message: Option<String>,
    pub nts_send_dt: Option<String>,
    pub nts_result_dt: Option<String>,
}

impl Update {
    pub fn status(mgt_key: &str, status: Status) -> Update {
        Update {
            mgt_key: mgt_key.to_owned(),
            status: Some(status),
            ..Update::default()
        }
    }
}

/// Every receipt of the run, by position in the file.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub receipts: Vec<Receipt>,
    by_key: HashMap<String, usize>,
}

impl Ledger {
    pub fn new(receipts: Vec<Receipt>) -> Ledger {
        // Rows left out (invalid) are never read back; a repeated key belongs to its first row.
        let mut by_key = HashMap::new();
        for (i, r) in receipts.iter().enumerate() {
            if !r.mgt_key.is_empty() && r.status != Some(Status::Invalid) {
                by_key.entry(r.mgt_key.clone()).or_insert(i);
            }
        }
        Ledger { receipts, by_key }
    }

    pub fn position(&self, mgt_key: &str) -> Option<usize> {
        self.by_key.get(mgt_key).copied()
    }

    /// Apply an update; returns whether anything changed. Unknown mgtKeys are ignored; a status
    /// never moves back a stage.
    pub fn apply(&mut self, u: Update) -> bool {
        let Some(i) = self.position(&u.mgt_key) else {
            return false;
        };
        let r = &mut self.receipts[i];
        let before = r.clone();
        if let Some(s) = u.status {
            let current = r.status();
            if r.status.is_none() || s.stage() >= current.stage() {
                r.status = Some(s);
            }
        }
        fn keep<T>(slot: &mut Option<T>, new: Option<T>) {
            if new.is_some() {
                *slot = new;
            }
        }
        if let Some(id) = u.submit_id.filter(|id| !id.is_empty()) {
            r.submit_id = id;
        }
        keep(&mut r.due_at, u.due_at);
        if r.status() != Status::Scheduled {
            // Only a held refund has a due time; once sent (or blocked) it says nothing.
            r.due_at = None;
        }
        keep(&mut r.confirm_num, u.confirm_num);
        keep(&mut r.issue_code, u.issue_code);
        keep(&mut r.issue_message, u.issue_message);
        keep(&mut r.issue_dt, u.issue_dt);
        keep(&mut r.state_code, u.state_code);
        keep(&mut r.nts_result_code, u.nts_result_code);
        keep(&mut r.nts_result_message, u.nts_result_message);
        keep(&mut r.nts_send_dt, u.nts_send_dt);
        keep(&mut r.nts_result_dt, u.nts_result_dt);
        *r != before
    }

    /// Receipts per status, every status present (zero included).
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts: BTreeMap<&'static str, usize> =
            Status::ALL.iter().map(|s| (s.as_str(), 0)).collect();
        for r in &self.receipts {
            *counts.entry(r.status().as_str()).or_default() += 1;
        }
        counts
    }

    pub fn count_where(&self, f: impl Fn(&Receipt) -> bool) -> usize {
        self.receipts.iter().filter(|r| f(r)).count()
    }

    pub fn all_settled(&self, target: Target) -> bool {
        self.receipts
            .iter()
            .all(|r| progress(r.status(), target) != Progress::Pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger() -> Ledger {
        Ledger::new(vec![
            Receipt {
                row: 2,
                mgt_key: "A".into(),
                status: Some(Status::Submitted),
                ..Default::default()
            },
            Receipt {
                row: 3,
                mgt_key: "B".into(),
                status: Some(Status::Submitted),
                ..Default::default()
            },
        ])
    }

    #[test]
    fn statuses_only_move_forward() {
        let mut l = ledger();
        assert!(l.apply(Update {
            confirm_num: Some("TB1".into()),
            ..Update::status("A", Status::Filed)
        }));
        assert!(
            !l.apply(Update::status("A", Status::Issued)),
            "an older read changes nothing"
        );
        assert_eq!(l.receipts[0].status(), Status::Filed);
        assert_eq!(l.receipts[0].confirm_num.as_deref(), Some("TB1"));
        assert!(
            !l.apply(Update::status("ZZ", Status::Issued)),
            "unknown keys are ignored"
        );
    }

    #[test]
    fn progress_against_each_target() {
        use Progress::*;
        use Status::*;
        let table = [
            (Scheduled, [Reached, Pending, Pending]),
            (Submitted, [Reached, Pending, Pending]),
            (Issued, [Reached, Reached, Pending]),
            (Filed, [Reached, Reached, Reached]),
            (FilingFailed, [Reached, Reached, Failed]),
            (IssueFailed, [Failed, Failed, Failed]),
            (Refused, [Failed, Failed, Failed]),
            (NotSent, [Failed, Failed, Failed]),
            (Invalid, [Failed, Failed, Failed]),
            (OriginalFilingFailed, [Failed, Failed, Failed]),
        ];
        assert_eq!(table.len(), Status::ALL.len(), "every status has a row");
        for (status, want) in table {
            let got =
                [Target::Accepted, Target::Issued, Target::Filed].map(|t| progress(status, t));
            assert_eq!(got, want, "{status:?}");
        }
    }

    #[test]
    fn a_refund_moves_from_scheduled_to_its_batch_and_never_back() {
        let mut l = Ledger::new(vec![Receipt {
            row: 2,
            mgt_key: "R".into(),
            refund_id: "pbr-00000-x".into(),
            status: Some(Status::Scheduled),
            ..Default::default()
        }]);
        assert!(l.apply(Update {
            due_at: Some("20250712110000".into()),
            ..Update::status("R", Status::Scheduled)
        }));
        assert_eq!(
            l.receipts[0]
                .release_due()
                .map(|t| t.to_string())
                .as_deref(),
            Some("20250712110000")
        );
        assert!(l.apply(Update {
            submit_id: Some("RF0123".into()),
            ..Update::status("R", Status::Submitted)
        }));
        assert!(!l.apply(Update {
            due_at: Some("20250712110000".into()),
            ..Update::status("R", Status::Scheduled)
        }));
        let r = &l.receipts[0];
        assert_eq!(
            (r.status(), r.submit_id.as_str(), r.refund_id.as_str()),
            (Status::Submitted, "RF0123", "pbr-00000-x")
        );
        assert_eq!(r.due_at, None, "a refund sent has no due time left");
        l.apply(Update::status("R", Status::OriginalFilingFailed));
        assert!(
            !l.apply(Update::status("R", Status::Issued)),
            "a final status stays"
        );
    }

    #[test]
    fn the_filing_result_is_due_at_eleven_the_day_after_issuance() {
        let r = Receipt {
            issue_dt: Some("20250711235959".into()),
            ..Default::default()
        };
        assert_eq!(
            r.filing_due().map(|t| t.to_string()).as_deref(),
            Some("20250712110000")
        );
        assert_eq!(Receipt::default().filing_due(), None);
    }

    #[test]
    fn counts_name_every_status() {
        let mut l = ledger();
        l.apply(Update::status("B", Status::IssueFailed));
        let c = l.counts();
        assert_eq!((c["submitted"], c["issue_failed"], c["filed"]), (1, 1, 0));
        assert!(!l.all_settled(Target::Issued));
        l.apply(Update::status("A", Status::Issued));
        assert!(l.all_settled(Target::Issued));
        assert!(!l.all_settled(Target::Filed));
    }
}
