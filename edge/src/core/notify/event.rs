//! Which facts make which events, and the id each event keeps for ever.
//!
//! An event reports one fact on record: a receipt's issuance result, its filing result, a
//! submission POPBiLL refused whole, a submission whose every receipt is final. Its id is derived
//! from *which* fact it reports (corpNum, submitID, mgtKey, the fact's slot), never from how or
//! when the fact arrived, so a webhook, a poll and the cron recovering an unsent event all
//! produce the same `webhook-id`, and a merchant who deduplicates on it sees each fact once.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::core::facts::{FilingFact, IssueFact, STATE_FILED};
use crate::core::keys::FactKind;
use crate::core::status::{ReceiptFacts, ReceiptStatus};

/// Every event type, `noun.verb_in_past` as the Standard Webhooks specification recommends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "cashbill.issued")]
    CashbillIssued,
    #[serde(rename = "cashbill.issue_failed")]
    CashbillIssueFailed,
    #[serde(rename = "cashbill.filed")]
    CashbillFiled,
    #[serde(rename = "cashbill.filing_failed")]
    CashbillFilingFailed,
    /// A refund that will never be sent: its original's filing failed.
    #[serde(rename = "cashbill.original_filing_failed")]
    CashbillOriginalFilingFailed,
    #[serde(rename = "submission.completed")]
    SubmissionCompleted,
    #[serde(rename = "submission.rejected")]
    SubmissionRejected,
}

impl EventType {
    pub const ALL: [EventType; 7] = [
        EventType::CashbillIssued,
        EventType::CashbillIssueFailed,
        EventType::CashbillFiled,
        EventType::CashbillFilingFailed,
        EventType::CashbillOriginalFilingFailed,
        EventType::SubmissionCompleted,
        EventType::SubmissionRejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::CashbillIssued => "cashbill.issued",
            EventType::CashbillIssueFailed => "cashbill.issue_failed",
            EventType::CashbillFiled => "cashbill.filed",
            EventType::CashbillFilingFailed => "cashbill.filing_failed",
            EventType::CashbillOriginalFilingFailed => "cashbill.original_filing_failed",
            EventType::SubmissionCompleted => "submission.completed",
            EventType::SubmissionRejected => "submission.rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The event that announces a receipt reaching `status` (`submitted` is where every receipt
    /// starts and `scheduled` where every held refund starts: the intake's answer says so, no
    /// fact records it). New receipt statuses get their `cashbill.<status>` type here.
    pub fn for_status(status: ReceiptStatus) -> Option<Self> {
        match status {
            ReceiptStatus::Submitted | ReceiptStatus::Scheduled => None,
            ReceiptStatus::Issued => Some(EventType::CashbillIssued),
            ReceiptStatus::IssueFailed => Some(EventType::CashbillIssueFailed),
            ReceiptStatus::Filed => Some(EventType::CashbillFiled),
            ReceiptStatus::FilingFailed => Some(EventType::CashbillFilingFailed),
            ReceiptStatus::OriginalFilingFailed => Some(EventType::CashbillOriginalFilingFailed),
        }
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a submission ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionEnd {
    /// Every receipt reached a final status.
    Completed,
    /// POPBiLL refused the whole BulkSubmit.
    Rejected,
}

/// The fact an event reports, which alone decides the event's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// One write-once fact of one receipt.
    Receipt {
        corp_num: &'a str,
        submit_id: &'a str,
        mgt_key: &'a str,
        fact: FactKind,
    },
    Submission {
        corp_num: &'a str,
        submit_id: &'a str,
        end: SubmissionEnd,
    },
}

/// The name of a fact's slot in the id (the same words as its KV key, `keys.rs`).
fn slot(kind: FactKind) -> &'static str {
    match kind {
        FactKind::Issue => "issue",
        FactKind::Filing => "nts",
        FactKind::Blocked => "blocked",
    }
}

impl Subject<'_> {
    /// `msg_` and 32 hex digits of SHA-256 over the fact's identity. Stable across duplicates,
    /// sources and redeliveries; distinct per fact (submitIDs and mgtKeys cannot hold `\n`).
    pub fn event_id(&self) -> String {
        let identity = match *self {
            Subject::Receipt {
                corp_num,
                submit_id,
                mgt_key,
                fact,
            } => format!(
                "receipt\n{corp_num}\n{submit_id}\n{mgt_key}\n{}",
                slot(fact)
            ),
            Subject::Submission {
                corp_num,
                submit_id,
                end,
            } => {
                let end = match end {
                    SubmissionEnd::Completed => "completed",
                    SubmissionEnd::Rejected => "rejected",
                };
                format!("submission\n{corp_num}\n{submit_id}\n{end}")
            }
        };
        let digest = Sha256::digest(format!("popbill-bulk-edge/event/v1\n{identity}"));
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("msg_{hex}")
    }

    pub fn submit_id(&self) -> &str {
        match self {
            Subject::Receipt { submit_id, .. } | Subject::Submission { submit_id, .. } => submit_id,
        }
    }

    pub fn mgt_key(&self) -> Option<&str> {
        match self {
            Subject::Receipt { mgt_key, .. } => Some(mgt_key),
            Subject::Submission { .. } => None,
        }
    }
}

pub fn issue_event(fact: &IssueFact) -> EventType {
    if fact.issued() {
        EventType::CashbillIssued
    } else {
        EventType::CashbillIssueFailed
    }
}

pub fn filing_event(fact: &FilingFact) -> EventType {
    if fact.state_code == STATE_FILED {
        EventType::CashbillFiled
    } else {
        EventType::CashbillFilingFailed
    }
}

/// Every event a receipt's facts make, one per fact on record. A receipt of a submission
/// POPBiLL refused whole has no issuance fact: its `cashbill.issue_failed` stands in that slot.
/// A held refund blocked for good makes `cashbill.original_filing_failed`.
pub fn receipt_events(facts: &ReceiptFacts, refused: bool) -> Vec<(FactKind, EventType)> {
    let mut out = Vec::with_capacity(2);
    match &facts.issue {
        Some(f) => out.push((FactKind::Issue, issue_event(f))),
        None if refused => out.push((FactKind::Issue, EventType::CashbillIssueFailed)),
        None => {}
    }
    if let Some(f) = &facts.filing {
        out.push((FactKind::Filing, filing_event(f)));
    }
    if facts.blocked.is_some() {
        out.push((FactKind::Blocked, EventType::CashbillOriginalFilingFailed));
    }
    out
}

/// One event, ready to queue: its id, type and the exact body that will be signed and sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub kind: EventType,
    /// `{"type","timestamp","data"}`, serialized once: every attempt sends these bytes.
    pub body: String,
    pub submit_id: String,
    pub mgt_key: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: EventType,
    timestamp: String,
    data: &'a Value,
}

impl Event {
    /// `now_ms`: when the Worker recorded the fact (Unix ms), the body's ISO 8601 `timestamp`.
    /// `data`: the receipt as `GET /v1/cashbills/{mgtKey}` shows it, or the submission's counts.
    pub fn new(subject: &Subject<'_>, kind: EventType, now_ms: i64, data: &Value) -> Self {
        let body = Body {
            kind,
            timestamp: popbill::time::format_linkhub_utc(now_ms),
            data,
        };
        Event {
            id: subject.event_id(),
            kind,
            body: serde_json::to_string(&body).expect("an event body always serializes"),
            submit_id: subject.submit_id().to_owned(),
            mgt_key: subject.mgt_key().map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::facts::Source;
    use serde_json::json;

    fn issue(code: i64, source: Source, mid: Option<&str>) -> IssueFact {
        IssueFact {
            code,
            message: None,
            confirm_num: Some("TB0000001".into()),
            issue_dt: Some("20250711100005".into()),
            source,
            mid: mid.map(str::to_owned),
        }
    }

    fn filing(state_code: i64) -> FilingFact {
        FilingFact {
            state_code,
            nts_result_code: None,
            nts_result_message: None,
            nts_send_dt: None,
            nts_result_dt: None,
            confirm_num: None,
            issue_dt: None,
            source: Source::Poll,
            mid: None,
        }
    }

    fn blocked() -> crate::core::refund::BlockedFact {
        serde_json::from_value(json!({
            "reason": "original_filing_failed", "orgMgtKey": "K-0", "orgStateCode": 305
        }))
        .expect("a blocked fact")
    }

    fn receipt(submit_id: &'static str, mgt_key: &'static str, fact: FactKind) -> Subject<'static> {
        Subject::Receipt {
            corp_num: "1234567890",
            submit_id,
            mgt_key,
            fact,
        }
    }

    #[test]
    fn each_fact_makes_the_event_of_the_status_it_proves() {
        use EventType::*;
        type Made<'a> = &'a [(FactKind, EventType)];
        let cases: [(ReceiptFacts, bool, Made, &str); 9] = [
            (
                ReceiptFacts::default(),
                false,
                &[],
                "nothing known: no event",
            ),
            (
                ReceiptFacts::default(),
                true,
                &[(FactKind::Issue, CashbillIssueFailed)],
                "a refused submission fails its receipts",
            ),
            (
                ReceiptFacts {
                    issue: Some(issue(1, Source::Webhook, None)),
                    filing: None,
                    ..Default::default()
                },
                false,
                &[(FactKind::Issue, CashbillIssued)],
                "issued",
            ),
            (
                ReceiptFacts {
                    issue: Some(issue(-14001031, Source::Poll, None)),
                    filing: None,
                    ..Default::default()
                },
                false,
                &[(FactKind::Issue, CashbillIssueFailed)],
                "POPBiLL's error code fails issuance",
            ),
            (
                ReceiptFacts {
                    issue: Some(issue(1, Source::Webhook, None)),
                    filing: Some(filing(304)),
                    ..Default::default()
                },
                false,
                &[
                    (FactKind::Issue, CashbillIssued),
                    (FactKind::Filing, CashbillFiled),
                ],
                "issued then filed",
            ),
            (
                ReceiptFacts {
                    issue: Some(issue(1, Source::Webhook, None)),
                    filing: Some(filing(305)),
                    ..Default::default()
                },
                false,
                &[
                    (FactKind::Issue, CashbillIssued),
                    (FactKind::Filing, CashbillFilingFailed),
                ],
                "issued then filing failed",
            ),
            (
                ReceiptFacts {
                    issue: None,
                    filing: Some(filing(304)),
                    ..Default::default()
                },
                false,
                &[(FactKind::Filing, CashbillFiled)],
                "NTS before BULKRESULT: the filing alone",
            ),
            (
                ReceiptFacts {
                    issue: Some(issue(1, Source::Poll, None)),
                    filing: None,
                    ..Default::default()
                },
                true,
                &[(FactKind::Issue, CashbillIssued)],
                "a fact on record wins over the refusal's stand-in",
            ),
            (
                ReceiptFacts {
                    blocked: Some(blocked()),
                    ..Default::default()
                },
                false,
                &[(FactKind::Blocked, CashbillOriginalFilingFailed)],
                "a held refund whose original failed filing",
            ),
        ];
        for (facts, refused, want, why) in cases {
            assert_eq!(receipt_events(&facts, refused), want.to_vec(), "{why}");
        }
    }

    #[test]
    fn an_event_id_depends_on_the_fact_and_not_on_how_it_arrived() {
        let subject = receipt("S-1", "K-1", FactKind::Issue);
        let data = json!({ "mgtKey": "K-1" });
        let by_webhook = Event::new(&subject, EventType::CashbillIssued, 1_000, &data);
        let by_poll_later = Event::new(
            &subject,
            EventType::CashbillIssued,
            9_999_000,
            &json!({ "mgtKey": "K-1", "status": "filed" }),
        );
        assert_eq!(by_webhook.id, by_poll_later.id);
        assert_ne!(by_webhook.body, by_poll_later.body, "the body may differ");
        // The same receipt's other fact, another receipt, another submission, another corp.
        let others = [
            receipt("S-1", "K-1", FactKind::Filing).event_id(),
            receipt("S-1", "K-1", FactKind::Blocked).event_id(),
            receipt("S-1", "K-2", FactKind::Issue).event_id(),
            receipt("S-2", "K-1", FactKind::Issue).event_id(),
            Subject::Receipt {
                corp_num: "1234567891",
                submit_id: "S-1",
                mgt_key: "K-1",
                fact: FactKind::Issue,
            }
            .event_id(),
            Subject::Submission {
                corp_num: "1234567890",
                submit_id: "S-1",
                end: SubmissionEnd::Completed,
            }
            .event_id(),
            Subject::Submission {
                corp_num: "1234567890",
                submit_id: "S-1",
                end: SubmissionEnd::Rejected,
            }
            .event_id(),
        ];
        let mut all = others.to_vec();
        all.push(by_webhook.id.clone());
        let distinct: std::collections::BTreeSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), all.len(), "{all:?}");
        assert!(by_webhook.id.starts_with("msg_") && by_webhook.id.len() == 36);
        assert!(by_webhook.id[4..].bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn ids_are_pinned_so_a_release_never_changes_them() {
        // Merchants deduplicate across Worker versions: this value must never change. (It is
        // SHA-256 of "popbill-bulk-edge/event/v1\nreceipt\n1234567890\nS-1\nK-1\nissue".)
        assert_eq!(
            receipt("S-1", "K-1", FactKind::Issue).event_id(),
            "msg_94c35bd75ef84dbf066c5b49be92880d"
        );
    }

    #[test]
    fn the_body_is_type_timestamp_and_data() {
        let subject = receipt("S-1", "K-1", FactKind::Filing);
        let data = json!({ "mgtKey": "K-1", "status": "filed" });
        // 2025-07-12 11:00:00 KST
        let e = Event::new(&subject, EventType::CashbillFiled, 1_752_285_600_000, &data);
        assert_eq!(
            e.body,
            r#"{"type":"cashbill.filed","timestamp":"2025-07-12T02:00:00Z","data":{"mgtKey":"K-1","status":"filed"}}"#
        );
        assert_eq!(e.submit_id, "S-1");
        assert_eq!(e.mgt_key.as_deref(), Some("K-1"));
    }

    #[test]
    fn every_type_parses_back_and_every_receipt_change_has_one() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
        }
        assert_eq!(EventType::parse("cashbill.*"), None);
        for s in ReceiptStatus::ALL {
            let t = EventType::for_status(s);
            let start = matches!(s, ReceiptStatus::Submitted | ReceiptStatus::Scheduled);
            assert_eq!(
                t.is_none(),
                start,
                "{s:?}: only where receipts start has no event"
            );
            if let Some(t) = t {
                assert_eq!(t.as_str(), format!("cashbill.{}", s.as_str()));
            }
        }
    }
}
