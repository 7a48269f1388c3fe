//! The run's result on standard output: a short text, or JSON with `--json`; and its exit
//! status (see `crate::error`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Exit;
use crate::input::Problem;
use crate::op::Op;
use crate::receipt::{Ledger, Progress, Status, Target, progress};
use crate::report::progress::n;

/// Receipts listed in the text summary; `--out` and `--json` have all of them.
const LISTED: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Failed {
    pub row: usize,
    pub mgt_key: String,
    #[serde(rename = "submitID")]
    pub submit_id: String,
    #[serde(rename = "refundID", skip_serializing_if = "String::is_empty")]
    pub refund_id: String,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub command: &'static str,
    /// `receipts` (a file of receipts) or `refunds`.
    pub kind: &'static str,
    pub via: &'static str,
    /// `accepted`, `issued` or `filed`.
    pub target: &'static str,
    pub receipts: usize,
    pub batches: usize,
    pub counts: BTreeMap<&'static str, usize>,
    pub failed: Vec<Failed>,
    /// Receipts not yet at the target (only `status` without `--wait` leaves any).
    pub pending: usize,
    pub unreachable: Vec<String>,
    pub problems: Vec<Problem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<String>,
    /// Requests made, by kind (`POST /v1/submissions`, `BulkSubmit`, `GetBulkResult`, …).
    pub requests: BTreeMap<&'static str, usize>,
    pub exit: i32,
}

pub fn target_name(t: Target) -> &'static str {
    match t {
        Target::Accepted => "accepted",
        Target::Issued => "issued",
        Target::Filed => "filed",
    }
}

impl Summary {
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        command: &'static str,
        op: Op,
        via: &'static str,
        target: Target,
        ledger: &Ledger,
        batches: usize,
        unreachable: Vec<String>,
        problems: Vec<Problem>,
        results: Option<String>,
    ) -> Summary {
        let mut failed = Vec::new();
        let mut pending = 0;
        for r in &ledger.receipts {
            match progress(r.status(), target) {
                Progress::Failed => failed.push(Failed {
                    row: r.row,
                    mgt_key: r.mgt_key.clone(),
                    submit_id: r.submit_id.clone(),
                    refund_id: r.refund_id.clone(),
                    status: r.status().as_str(),
                    code: r
                        .nts_result_code
                        .clone()
                        .filter(|c| c != "0000")
                        .or_else(|| r.issue_code.filter(|c| *c != 1).map(|c| c.to_string())),
                    message: r
                        .nts_result_message
                        .clone()
                        .filter(|_| r.nts_result_code.as_deref().is_some_and(|c| c != "0000"))
                        .or_else(|| r.issue_message.clone()),
                }),
                Progress::Pending => pending += 1,
                Progress::Reached => {}
            }
        }
        let exit = if !unreachable.is_empty() {
            Exit::Unreachable
        } else if !failed.is_empty() {
            Exit::Failed
        } else {
            Exit::Ok
        };
        Summary {
            command,
            kind: op.noun(),
            via,
            target: target_name(target),
            receipts: ledger.receipts.len(),
            batches,
            counts: ledger
                .counts()
                .into_iter()
                .filter(|(_, c)| *c > 0)
                .collect(),
            failed,
            pending,
            unreachable,
            problems,
            results,
            requests: BTreeMap::new(),
            exit: exit.code(),
        }
    }

    pub fn with_requests(mut self, requests: BTreeMap<&'static str, usize>) -> Summary {
        self.requests = requests;
        self
    }

    /// `--dry-run`: nothing was meant to be sent, so only rows left out count as failed.
    pub fn with_dry_run(mut self) -> Summary {
        self.failed.retain(|f| f.status == "invalid");
        self.exit = if self.failed.is_empty() {
            Exit::Ok
        } else {
            Exit::Failed
        }
        .code();
        self
    }

    pub fn text(&self) -> String {
        // In the order of a receipt's life, not alphabetical.
        let counts: Vec<String> = Status::ALL
            .iter()
            .filter_map(|s| {
                let c = self.counts.get(s.as_str())?;
                Some(format!("{} {}", s.as_str(), n(*c)))
            })
            .collect();
        let mut out = format!(
            "{} {} in {} batches ({} via {}): {}\n",
            n(self.receipts),
            self.kind,
            n(self.batches),
            self.target,
            self.via,
            counts.join(" · ")
        );
        if !self.failed.is_empty() {
            out.push_str(&format!("failed ({}):\n", n(self.failed.len())));
            for f in self.failed.iter().take(LISTED) {
                let code = f
                    .code
                    .as_deref()
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default();
                let message = f
                    .message
                    .as_deref()
                    .map(|m| format!(" {m}"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  row {} {} {}{code}{message}\n",
                    f.row, f.mgt_key, f.status
                ));
            }
            if self.failed.len() > LISTED {
                out.push_str(&format!(
                    "  … and {} more (see --out or --json)\n",
                    n(self.failed.len() - LISTED)
                ));
            }
        }
        if self.pending > 0 {
            out.push_str(&format!(
                "not yet {}: {} (use --wait {})\n",
                self.target,
                n(self.pending),
                self.target
            ));
        }
        for u in &self.unreachable {
            out.push_str(&format!("not delivered: {u}\n"));
        }
        if !self.requests.is_empty() {
            let parts: Vec<String> = self
                .requests
                .iter()
                .map(|(k, c)| format!("{k} {}", n(*c)))
                .collect();
            out.push_str(&format!("requests: {}\n", parts.join(" · ")));
        }
        if let Some(r) = &self.results {
            out.push_str(&format!("results: {r}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::Receipt;

    fn ledger(statuses: &[Status]) -> Ledger {
        Ledger::new(
            statuses
                .iter()
                .enumerate()
                .map(|(i, s)| Receipt {
                    row: i + 2,
                    mgt_key: format!("K{i}"),
                    status: Some(*s),
                    ..Default::default()
                })
                .collect(),
        )
    }

    #[test]
    fn the_exit_status_says_whether_every_receipt_got_there() {
        let cases = [
            (
                vec![Status::Filed, Status::Filed],
                Target::Filed,
                vec![],
                0,
                "all filed",
            ),
            (
                vec![Status::Filed, Status::FilingFailed],
                Target::Filed,
                vec![],
                1,
                "one filing failed",
            ),
            (
                vec![Status::Issued, Status::FilingFailed],
                Target::Issued,
                vec![],
                0,
                "issued is enough",
            ),
            (
                vec![Status::Submitted, Status::Invalid],
                Target::Accepted,
                vec![],
                1,
                "a row left out",
            ),
            (
                vec![Status::Submitted, Status::NotSent],
                Target::Accepted,
                vec!["down".to_owned()],
                3,
                "a batch not delivered",
            ),
        ];
        for (statuses, target, unreachable, exit, why) in cases {
            let s = Summary::build(
                "submit",
                Op::Submit,
                "worker",
                target,
                &ledger(&statuses),
                1,
                unreachable,
                vec![],
                None,
            );
            assert_eq!(s.exit, exit, "{why}");
        }
    }

    #[test]
    fn failed_receipts_are_listed_with_their_codes() {
        let mut l = ledger(&[Status::Filed, Status::Issued]);
        l.receipts[1].status = Some(Status::FilingFailed);
        l.receipts[1].nts_result_code = Some("TS4".into());
        l.receipts[1].nts_result_message = Some("금액 오류".into());
        l.receipts[1].issue_code = Some(1);
        let s = Summary::build(
            "submit",
            Op::Submit,
            "worker",
            Target::Filed,
            &l,
            1,
            vec![],
            vec![],
            Some("r.csv".into()),
        );
        let text = s.text();
        assert!(
            text.starts_with(
                "2 receipts in 1 batches (filed via worker): filed 1 · filing_failed 1\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("  row 3 K1 filing_failed TS4 금액 오류\n"),
            "{text}"
        );
        assert!(text.ends_with("results: r.csv\n"), "{text}");
    }

    #[test]
    fn refunds_held_or_blocked_are_named_as_refunds() {
        let mut l = ledger(&[Status::Scheduled, Status::OriginalFilingFailed]);
        l.receipts[1].refund_id = "pbr-00000-x".into();
        l.receipts[1].issue_message = Some("never sent".into());
        let accepted = Summary::build(
            "refund",
            Op::Refund,
            "worker",
            Target::Accepted,
            &l,
            1,
            vec![],
            vec![],
            None,
        );
        assert_eq!(accepted.exit, 1, "a refund that will never be sent failed");
        let text = accepted.text();
        assert!(
            text.starts_with(
                "2 refunds in 1 batches (accepted via worker): scheduled 1 · original_filing_failed 1\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("  row 3 K1 original_filing_failed never sent\n"),
            "{text}"
        );
        assert_eq!(accepted.failed[0].refund_id, "pbr-00000-x");
        let filed = Summary::build(
            "refund",
            Op::Refund,
            "worker",
            Target::Filed,
            &ledger(&[Status::Scheduled]),
            1,
            vec![],
            vec![],
            None,
        );
        assert_eq!(
            (filed.exit, filed.pending),
            (0, 1),
            "held is not failed: the summary says what is not there yet"
        );
    }
}
