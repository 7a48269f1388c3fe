//! Where each receipt of the file stands, and what "done" means for the run. Pure.
//!
//! Statuses only move forward (submitted → issued → filed / filing_failed, or → issue_failed),
//! whatever order the reads come back in, as the Worker's own derivation does.

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
    Submitted,
    Issued,
    IssueFailed,
    Filed,
    FilingFailed,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Invalid,
        Status::NotSent,
        Status::Refused,
        Status::Submitted,
        Status::Issued,
        Status::IssueFailed,
        Status::Filed,
        Status::FilingFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Invalid => "invalid",
            Status::NotSent => "not_sent",
            Status::Refused => "refused",
            Status::Submitted => "submitted",
            Status::Issued => "issued",
            Status::IssueFailed => "issue_failed",
            Status::Filed => "filed",
            Status::FilingFailed => "filing_failed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// How far along the life it is; a read never moves a receipt to a lower stage.
    fn stage(self) -> u8 {
        match self {
            Status::Invalid | Status::NotSent | Status::Refused => 0,
            Status::Submitted => 1,
            Status::Issued => 2,
            Status::IssueFailed | Status::Filed | Status::FilingFailed => 3,
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
        (Invalid | NotSent | Refused | IssueFailed, _) => Progress::Failed,
        (FilingFailed, Target::Filed) => Progress::Failed,
        (Submitted, Target::Accepted) => Progress::Reached,
        (Submitted, _) => Progress::Pending,
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
    pub status: Option<Status>,
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
    pub status: Option<Status>,
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
            (Submitted, [Reached, Pending, Pending]),
            (Issued, [Reached, Reached, Pending]),
            (Filed, [Reached, Reached, Reached]),
            (FilingFailed, [Reached, Reached, Failed]),
            (IssueFailed, [Failed, Failed, Failed]),
            (Refused, [Failed, Failed, Failed]),
            (NotSent, [Failed, Failed, Failed]),
            (Invalid, [Failed, Failed, Failed]),
        ];
        for (status, want) in table {
            let got =
                [Target::Accepted, Target::Issued, Target::Filed].map(|t| progress(status, t));
            assert_eq!(got, want, "{status:?}");
        }
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
