//! What the user sees while a run goes on, on standard error: progress bars on a terminal,
//! plain timestamped lines otherwise (CI, cron, a pipe), nothing but warnings with `--quiet`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::receipt::{Ledger, Status, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Bars,
    Lines,
    Quiet,
}

impl Mode {
    /// Bars when standard error is a terminal, else lines; `quiet` wins.
    pub fn detect(quiet: bool) -> Mode {
        use std::io::IsTerminal as _;
        if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bars
        } else {
            Mode::Lines
        }
    }
}

/// `1234567` → `1,234,567`.
pub fn n(v: usize) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `issued 998 · issue_failed 2` for the statuses present among `of`.
pub fn counts_text(ledger: &Ledger, of: &[Status]) -> String {
    let counts = ledger.counts();
    let parts: Vec<String> = of
        .iter()
        .filter(|s| counts[s.as_str()] > 0)
        .map(|s| format!("{} {}", s.as_str(), n(counts[s.as_str()])))
        .collect();
    parts.join(" · ")
}

fn timestamp() -> String {
    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    let kst = chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
    now.with_timezone(&kst)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

struct Bars {
    multi: MultiProgress,
    send: Option<ProgressBar>,
    issue: Option<ProgressBar>,
    file: Option<ProgressBar>,
}

pub struct Reporter {
    mode: Mode,
    bars: Mutex<Bars>,
    /// Lines mode: the last progress line of each kind and when one was printed, to print only
    /// changes, at most one sending line per second.
    last: Mutex<(
        std::collections::HashMap<&'static str, String>,
        Option<Instant>,
    )>,
}

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reporter")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

fn style(unit: &str) -> ProgressStyle {
    ProgressStyle::with_template(&format!(
        "{{prefix:<8}} [{{bar:40.cyan/blue}}] {{human_pos:>7}}/{{human_len:7}} {unit} {{msg}}"
    ))
    .expect("the template is valid")
    .progress_chars("#>-")
}

impl Reporter {
    pub fn new(mode: Mode) -> Reporter {
        let target = if mode == Mode::Bars {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Reporter {
            mode,
            bars: Mutex::new(Bars {
                multi: MultiProgress::with_draw_target(target),
                send: None,
                issue: None,
                file: None,
            }),
            last: Mutex::new((Default::default(), None)),
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    fn bars(&self) -> std::sync::MutexGuard<'_, Bars> {
        self.bars.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An informational line (not in quiet mode).
    pub fn info(&self, msg: &str) {
        match self.mode {
            Mode::Quiet => {}
            Mode::Lines => eprintln!("{} {msg}", timestamp()),
            Mode::Bars => {
                let _ = self.bars().multi.println(msg);
            }
        }
    }

    /// A warning or error: shown in every mode.
    pub fn warn(&self, msg: &str) {
        match self.mode {
            Mode::Lines | Mode::Quiet => eprintln!("{} {msg}", timestamp()),
            Mode::Bars => {
                let _ = self.bars().multi.println(msg);
            }
        }
    }

    /// Lines mode: print `msg` unless it repeats the last one (or, with `throttle`, unless a
    /// line was printed less than a second ago).
    fn progress_line(&self, kind: &'static str, msg: String, throttle: bool) {
        if self.mode != Mode::Lines {
            return;
        }
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let recent = last.1.is_some_and(|t| t.elapsed() < Duration::from_secs(1));
        if last.0.get(kind) == Some(&msg) || (throttle && recent) {
            return;
        }
        eprintln!("{} {msg}", timestamp());
        last.0.insert(kind, msg);
        last.1 = Some(Instant::now());
    }

    fn bar(&self, prefix: &'static str, len: usize, unit: &str) -> ProgressBar {
        let pb = ProgressBar::new(len as u64)
            .with_style(style(unit))
            .with_prefix(prefix);
        self.bars().multi.add(pb)
    }

    pub fn start_sending(&self, batches: usize) {
        if self.mode == Mode::Bars {
            let pb = self.bar("send", batches, "batches");
            self.bars().send = Some(pb);
        }
    }

    pub fn sent(&self, done: usize, total: usize, ledger: &Ledger, last: bool) {
        let msg = counts_text(
            ledger,
            &[
                Status::Scheduled,
                Status::Submitted,
                Status::Issued,
                Status::Refused,
                Status::IssueFailed,
                Status::NotSent,
            ],
        );
        if let Some(pb) = &self.bars().send {
            pb.set_message(msg.clone());
            pb.set_position(done as u64);
        }
        self.progress_line(
            "sent",
            format!("sent {}/{} batches: {msg}", n(done), n(total)),
            !last,
        );
    }

    pub fn finish_sending(&self) {
        if let Some(pb) = &self.bars().send {
            pb.finish();
        }
    }

    /// The issuance and filing bars (and lines) from the ledger; for refunds the Worker holds,
    /// a line saying so.
    pub fn waiting(&self, ledger: &Ledger, target: Target) {
        let sent = ledger.count_where(|r| r.status() >= Status::Scheduled);
        let issued_or_failed = ledger.count_where(|r| r.status() > Status::Submitted);
        let issue_msg = counts_text(
            ledger,
            &[
                Status::Scheduled,
                Status::Submitted,
                Status::Issued,
                Status::IssueFailed,
                Status::OriginalFilingFailed,
                Status::Filed,
                Status::FilingFailed,
            ],
        );
        let held = ledger.count_where(|r| r.status() == Status::Scheduled);
        if held > 0 {
            self.progress_line(
                "held",
                format!(
                    "held {}: each until its original is filed with the NTS (POPBiLL takes a refund only then)",
                    n(held)
                ),
                false,
            );
        }
        let fileable = ledger.count_where(|r| {
            matches!(
                r.status(),
                Status::Issued | Status::Filed | Status::FilingFailed
            )
        });
        let filed =
            ledger.count_where(|r| matches!(r.status(), Status::Filed | Status::FilingFailed));
        let file_msg = counts_text(ledger, &[Status::Filed, Status::FilingFailed]);
        if self.mode == Mode::Bars {
            let (has_issue, has_file) = {
                let b = self.bars();
                (b.issue.is_some(), b.file.is_some())
            };
            if !has_issue {
                let pb = self.bar("issued", sent, "receipts");
                self.bars().issue = Some(pb);
            }
            if target == Target::Filed && !has_file {
                let pb = self.bar("filed", fileable, "receipts");
                self.bars().file = Some(pb);
            }
            let b = self.bars();
            if let Some(pb) = &b.issue {
                pb.set_message(issue_msg.clone());
                pb.set_length(sent as u64);
                pb.set_position(issued_or_failed as u64);
            }
            if let Some(pb) = &b.file {
                pb.set_message(file_msg.clone());
                pb.set_length(fileable as u64);
                pb.set_position(filed as u64);
            }
        }
        self.progress_line(
            "issuance",
            format!("issuance {}/{}: {issue_msg}", n(issued_or_failed), n(sent)),
            false,
        );
        if target == Target::Filed && fileable > 0 {
            let msg = if file_msg.is_empty() {
                "waiting for the NTS results (11:00 KST the day after issuance)".to_owned()
            } else {
                file_msg
            };
            self.progress_line(
                "filing",
                format!("filing {}/{}: {msg}", n(filed), n(fileable)),
                false,
            );
        }
    }

    pub fn finish(&self) {
        let b = self.bars();
        for pb in [&b.send, &b.issue, &b.file].into_iter().flatten() {
            if !pb.is_finished() {
                pb.abandon();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(
            [n(0), n(999), n(1000), n(1234567)],
            ["0", "999", "1,000", "1,234,567"]
        );
    }
}
