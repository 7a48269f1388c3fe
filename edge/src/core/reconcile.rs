//! Reconcile planning: given what is on record and the time, what must be asked of POPBiLL so
//! that every receipt reaches a final state even if no webhook ever arrives. Pure.

use std::collections::BTreeMap;

use popbill::{KstDateTime, MgtKey};

use super::status::{ReceiptFacts, derive_status};
use super::submission::{Phase, Submission};

/// How long a submission may sit in `Sending` before reconcile treats its send as lost or
/// ambiguous and asks GetBulkResult (the request path itself finishes well within this).
pub const SEND_GRACE_MS: i64 = 30_000;

/// The documented polling cadence for GetBulkResult is 2–5 s; the post-submit poller waits this.
pub const POLL_INTERVAL_MS: u64 = 3_000;

/// What to do for one open submission.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Held refunds whose due time has come: release them if their originals allow
    /// (`refund::release`).
    pub release: bool,
    /// The send is unresolved: ask GetBulkResult, then send only if POPBiLL does not have it.
    pub resolve_send: bool,
    /// Some receipts have no issuance result: ask GetBulkResult.
    pub poll_bulk: bool,
    /// Issued receipts whose filing result is due and unknown: ask GetInfos.
    pub filing_due: Vec<MgtKey>,
    /// Every receipt is final: stop tracking the submission.
    pub close: bool,
}

/// 11:00 KST on the day after issuance: when POPBiLL publishes the NTS filing result.
pub fn filing_due_at(issued: KstDateTime) -> KstDateTime {
    issued.date().next_day().at(11, 0, 0)
}

pub fn plan(sub: &Submission, facts: &BTreeMap<MgtKey, ReceiptFacts>, now: KstDateTime) -> Plan {
    let created = KstDateTime::from_unix_millis(sub.created_ms);
    let empty = ReceiptFacts::default();
    let all_final = || {
        sub.mgt_keys()
            .all(|k| derive_status(facts.get(k).unwrap_or(&empty), sub.phase).is_final())
    };
    match sub.phase {
        Phase::Held if all_final() => Plan {
            close: true,
            ..Plan::default()
        },
        Phase::Held => Plan {
            release: sub
                .refund
                .as_ref()
                .and_then(|r| r.due())
                .is_none_or(|due| now >= due),
            ..Plan::default()
        },
        Phase::Rejected => Plan {
            close: true,
            ..Plan::default()
        },
        Phase::Sending => Plan {
            resolve_send: now.unix_millis() - sub.created_ms >= SEND_GRACE_MS,
            ..Plan::default()
        },
        Phase::Accepted => {
            let mut plan = Plan {
                close: true,
                ..Plan::default()
            };
            for key in sub.mgt_keys() {
                let f = facts.get(key).unwrap_or(&empty);
                if !derive_status(f, sub.phase).is_final() {
                    plan.close = false;
                }
                if f.issue.is_none() && f.filing.is_none() && f.blocked.is_none() {
                    plan.poll_bulk = true;
                }
                let issued_ok = f.issue.as_ref().is_some_and(|i| i.issued());
                if issued_ok && f.filing.is_none() {
                    let issued_at = f
                        .issue
                        .as_ref()
                        .and_then(|i| i.issue_dt.as_deref())
                        .and_then(|dt| KstDateTime::parse(dt).ok())
                        .unwrap_or(created);
                    if now >= filing_due_at(issued_at) {
                        plan.filing_due.push(key.clone());
                    }
                }
            }
            plan
        }
    }
}

/// What an accepted submission's results alone decide, without its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Every receipt is final: stop tracking the submission.
    Close,
    /// Nothing to ask POPBiLL yet (filing results not due).
    Wait,
}

/// For an accepted submission of `receipts` receipts created at `created_ms`: what [`plan`]
/// would say, judged from its results on record alone, when every receipt has one and no filing
/// result is due; `None` when a result is missing or GetInfos is due (then the record is read).
/// The cron uses it to pass over the many submissions that wait a day for their filing results
/// without reading and checking their records.
pub fn settled(
    receipts: usize,
    created_ms: i64,
    facts: &BTreeMap<MgtKey, ReceiptFacts>,
    now: KstDateTime,
) -> Option<Settled> {
    let created = KstDateTime::from_unix_millis(created_ms);
    let every_result = facts.len() == receipts
        && facts
            .values()
            .all(|f| f.issue.is_some() || f.filing.is_some() || f.blocked.is_some());
    if !every_result {
        return None;
    }
    let mut close = true;
    for f in facts.values() {
        if !derive_status(f, Phase::Accepted).is_final() {
            close = false;
        }
        if let Some(i) = f.issue.as_ref().filter(|i| i.issued())
            && f.filing.is_none()
        {
            let issued_at = i
                .issue_dt
                .as_deref()
                .and_then(|dt| KstDateTime::parse(dt).ok())
                .unwrap_or(created);
            if now >= filing_due_at(issued_at) {
                return None;
            }
        }
    }
    Some(if close { Settled::Close } else { Settled::Wait })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{filing, issue, submission as sub, t};

    fn issued(code: i64, dt: &str) -> ReceiptFacts {
        ReceiptFacts {
            issue: Some(issue(code, Some(dt))),
            ..ReceiptFacts::default()
        }
    }

    fn filed(mut f: ReceiptFacts, state: i64) -> ReceiptFacts {
        f.filing = Some(filing(state));
        f
    }

    fn key(k: &str) -> MgtKey {
        MgtKey::parse(k).unwrap()
    }

    #[test]
    fn results_alone_decide_what_the_plan_decides_when_they_cover_every_receipt() {
        let s = sub(Phase::Accepted, &["K1", "K2"]);
        let facts = |a: Option<ReceiptFacts>, b: Option<ReceiptFacts>| {
            let mut m = BTreeMap::new();
            if let Some(a) = a {
                m.insert(key("K1"), a);
            }
            if let Some(b) = b {
                m.insert(key("K2"), b);
            }
            m
        };
        let ok = || issued(1, "20250711100005");
        let failed = || issued(-14001031, "20250711100005");
        let cases = [
            ("a result missing", facts(Some(ok()), None), None),
            (
                "issued, filing not due",
                facts(Some(ok()), Some(failed())),
                Some(Settled::Wait),
            ),
            (
                "every receipt final",
                facts(Some(filed(ok(), 304)), Some(failed())),
                Some(Settled::Close),
            ),
        ];
        for (what, f, want) in cases {
            let now = t("20250712105959");
            assert_eq!(settled(2, s.created_ms, &f, now), want, "{what}");
            let p = plan(&s, &f, now);
            if let Some(decided) = want {
                assert!(
                    !p.poll_bulk && p.filing_due.is_empty() && !p.resolve_send,
                    "{what}"
                );
                assert_eq!(p.close, decided == Settled::Close, "{what}");
            }
        }
        let waiting = facts(Some(ok()), Some(failed()));
        assert_eq!(
            settled(2, s.created_ms, &waiting, t("20250712110000")),
            None,
            "a filing result due needs the record (GetInfos)"
        );
        assert!(
            !plan(&s, &waiting, t("20250712110000"))
                .filing_due
                .is_empty()
        );
        assert_eq!(
            settled(3, s.created_ms, &waiting, t("20250712105959")),
            None,
            "a receipt without any result"
        );
    }

    #[test]
    fn filing_results_are_due_at_eleven_the_next_day() {
        assert_eq!(filing_due_at(t("20250711235959")), t("20250712110000"));
        assert_eq!(filing_due_at(t("20250731000000")), t("20250801110000"));
    }

    #[test]
    fn an_unresolved_send_is_checked_only_after_the_grace_period() {
        let s = sub(Phase::Sending, &["K1"]);
        assert!(!plan(&s, &BTreeMap::new(), t("20250711100010")).resolve_send);
        assert!(plan(&s, &BTreeMap::new(), t("20250711100030")).resolve_send);
    }

    #[test]
    fn missing_issuance_results_are_polled_and_filings_asked_when_due() {
        let s = sub(Phase::Accepted, &["K1", "K2", "K3"]);
        let mut facts = BTreeMap::new();
        facts.insert(key("K1"), issued(1, "20250711100005"));
        facts.insert(key("K2"), issued(-14001031, "20250711100005"));
        let before = plan(&s, &facts, t("20250712105959"));
        assert!(before.poll_bulk, "K3 has no issuance result");
        assert!(before.filing_due.is_empty(), "not 11:00 yet");
        assert!(!before.close);
        let after = plan(&s, &facts, t("20250712110000"));
        assert_eq!(after.filing_due, vec![key("K1")]);
    }

    #[test]
    fn held_refunds_are_released_from_their_due_time_and_closed_when_all_are_blocked() {
        let mut s = sub(Phase::Held, &["K1", "K2"]);
        s.refund = Some(crate::core::refund::RefundGroup {
            refund_id: crate::core::refund::RefundId::parse("R-1").unwrap(),
            due_ms: Some(t("20250712110000").unix_millis()),
            originals: vec![],
        });
        let none = BTreeMap::new();
        let early = plan(&s, &none, t("20250712105959"));
        assert_eq!(early, Plan::default(), "held: never sent, nothing to poll");
        let due = plan(&s, &none, t("20250712110000"));
        assert!(due.release && !due.resolve_send && !due.close, "{due:?}");
        let mut facts = BTreeMap::new();
        for k in ["K1", "K2"] {
            facts.insert(
                key(k),
                ReceiptFacts {
                    blocked: Some(crate::core::fixtures::blocked("O-1")),
                    ..ReceiptFacts::default()
                },
            );
        }
        let blocked = plan(&s, &facts, t("20250712110000"));
        assert!(blocked.close && !blocked.release, "{blocked:?}");
        // Accepted with one refund blocked: the blocked one is never polled for.
        s.phase = Phase::Accepted;
        facts.remove(&key("K2"));
        let sent = plan(&s, &facts, t("20250712110100"));
        assert!(sent.poll_bulk && !sent.close, "K2 was sent: {sent:?}");
        facts.insert(key("K2"), issued(1, "20250712110005"));
        assert!(!plan(&s, &facts, t("20250712110100")).poll_bulk);
    }

    #[test]
    fn a_submission_closes_when_every_receipt_is_final() {
        let s = sub(Phase::Accepted, &["K1", "K2"]);
        let mut facts = BTreeMap::new();
        facts.insert(key("K1"), filed(issued(1, "20250711100005"), 304));
        facts.insert(key("K2"), issued(-1, "20250711100005"));
        let p = plan(&s, &facts, t("20250720000000"));
        assert_eq!(
            p,
            Plan {
                close: true,
                ..Plan::default()
            }
        );
        assert!(
            plan(
                &sub(Phase::Rejected, &["K1"]),
                &BTreeMap::new(),
                t("20250711100000")
            )
            .close
        );
    }
}
