//! A submission's events from its record and facts: the same function serves the fact just
//! recorded (webhook, poll), the cron's backstops and a replay by submission, so every path makes
//! the same events with the same ids.

use std::collections::BTreeMap;

use popbill::MgtKey;
use serde_json::Value;

use super::event::{self, Event, EventType, Subject, SubmissionEnd};
use crate::core::keys::FactKind;
use crate::core::status::{ReceiptFacts, derive_status, receipt_view, submission_view};
use crate::core::submission::{Phase, Submission};

/// Which receipt events to make.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    /// One per fact on record (and per receipt of a refused submission).
    All,
    /// Only for these facts (just recorded).
    Only(&'a [(MgtKey, FactKind)]),
}

/// The receipt as `GET /v1/cashbills/{mgtKey}` shows it, with its corpNum.
fn receipt_data(sub: &Submission, key: &MgtKey, facts: &ReceiptFacts) -> Option<Value> {
    let (_, cashbill) = sub.cashbills.get(key.as_str())?;
    let mut data = serde_json::to_value(receipt_view(sub, key, cashbill, facts))
        .expect("a receipt view always serializes");
    data["corpNum"] = Value::String(sub.corp_num.as_str().to_owned());
    Some(data)
}

/// Receipt events of `sub` for `which` facts, in receipt order.
pub fn receipt_events(
    sub: &Submission,
    facts: &BTreeMap<MgtKey, ReceiptFacts>,
    which: Which<'_>,
    now_ms: i64,
) -> Vec<Event> {
    let empty = ReceiptFacts::default();
    let refused = sub.phase == Phase::Rejected;
    let mut out = Vec::new();
    for key in sub.mgt_keys() {
        let f = facts.get(key).unwrap_or(&empty);
        let made: Vec<(FactKind, EventType)> = event::receipt_events(f, refused)
            .into_iter()
            .filter(|(kind, _)| match which {
                Which::All => true,
                Which::Only(only) => only.iter().any(|(k, c)| k == key && c == kind),
            })
            .collect();
        if made.is_empty() {
            continue;
        }
        let Some(data) = receipt_data(sub, key, f) else {
            continue;
        };
        for (fact, kind) in made {
            let subject = Subject::Receipt {
                corp_num: sub.corp_num.as_str(),
                submit_id: sub.submit_id.as_str(),
                mgt_key: key.as_str(),
                fact,
            };
            out.push(Event::new(&subject, kind, now_ms, &data));
        }
    }
    out
}

/// The submission's end, if it has one: refused whole, or every receipt final. A group of
/// refunds is the Worker's own submission, not the merchant's: its refunds report themselves
/// (`cashbill.*`), the group does not.
pub fn end(sub: &Submission, facts: &BTreeMap<MgtKey, ReceiptFacts>) -> Option<SubmissionEnd> {
    let empty = ReceiptFacts::default();
    if sub.refund.is_some() {
        return None;
    }
    match sub.phase {
        Phase::Rejected => Some(SubmissionEnd::Rejected),
        Phase::Sending | Phase::Held => None,
        Phase::Accepted => sub
            .mgt_keys()
            .all(|k| derive_status(facts.get(k).unwrap_or(&empty), sub.phase).is_final())
            .then_some(SubmissionEnd::Completed),
    }
}

/// `submission.completed` or `submission.rejected`, when the submission has ended. Its data is
/// the submission as `GET /v1/submissions/{submitID}` shows it, without the receipts.
pub fn submission_event(
    sub: &Submission,
    facts: &BTreeMap<MgtKey, ReceiptFacts>,
    now_ms: i64,
) -> Option<Event> {
    let end = end(sub, facts)?;
    let kind = match end {
        SubmissionEnd::Completed => EventType::SubmissionCompleted,
        SubmissionEnd::Rejected => EventType::SubmissionRejected,
    };
    let mut data = serde_json::to_value(submission_view(sub, facts))
        .expect("a submission view always serializes");
    if let Some(obj) = data.as_object_mut() {
        obj.remove("cashbills");
    }
    let subject = Subject::Submission {
        corp_num: sub.corp_num.as_str(),
        submit_id: sub.submit_id.as_str(),
        end,
    };
    Some(Event::new(&subject, kind, now_ms, &data))
}

/// Every event the submission's record and facts make: what the cron re-sends after a queue
/// failure and what a replay by submission sends.
pub fn all_events(
    sub: &Submission,
    facts: &BTreeMap<MgtKey, ReceiptFacts>,
    now_ms: i64,
) -> Vec<Event> {
    let mut out = receipt_events(sub, facts, Which::All, now_ms);
    out.extend(submission_event(sub, facts, now_ms));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures;
    use crate::core::notify::event::EventType::*;
    use crate::core::submission::Rejection;

    fn key(k: &str) -> MgtKey {
        MgtKey::parse(k).unwrap()
    }

    fn facts(pairs: &[(&str, ReceiptFacts)]) -> BTreeMap<MgtKey, ReceiptFacts> {
        pairs.iter().map(|(k, f)| (key(k), f.clone())).collect()
    }

    fn issued(code: i64) -> ReceiptFacts {
        ReceiptFacts {
            issue: Some(fixtures::issue(code, Some("20250711100005"))),
            filing: None,
            blocked: None,
        }
    }

    fn filed(state: i64) -> ReceiptFacts {
        ReceiptFacts {
            issue: Some(fixtures::issue(1, Some("20250711100005"))),
            filing: Some(fixtures::filing(state)),
            blocked: None,
        }
    }

    fn kinds(events: &[Event]) -> Vec<(Option<&str>, EventType)> {
        events
            .iter()
            .map(|e| (e.mgt_key.as_deref(), e.kind))
            .collect()
    }

    #[test]
    fn the_facts_just_recorded_make_their_events_with_the_receipt_as_data() {
        let sub = fixtures::submission(Phase::Accepted, &["K1", "K2", "K3"]);
        let f = facts(&[("K1", filed(304)), ("K2", issued(-14001031))]);
        let only = [(key("K1"), FactKind::Filing), (key("K2"), FactKind::Issue)];
        let events = receipt_events(&sub, &f, Which::Only(&only), 0);
        assert_eq!(
            kinds(&events),
            [
                (Some("K1"), CashbillFiled),
                (Some("K2"), CashbillIssueFailed)
            ]
        );
        let body: Value = serde_json::from_str(&events[0].body).unwrap();
        assert_eq!(body["type"], "cashbill.filed");
        assert_eq!(body["data"]["mgtKey"], "K1");
        assert_eq!(body["data"]["status"], "filed");
        assert_eq!(body["data"]["corpNum"], sub.corp_num.as_str());
        let shown = body["data"]["identityNum"].as_str().unwrap_or("");
        assert!(shown.starts_with('*'), "identityNum is masked: {shown}");
        assert_eq!(submission_event(&sub, &f, 0), None, "K3 is not final");
    }

    #[test]
    fn every_path_makes_the_same_ids() {
        let sub = fixtures::submission(Phase::Accepted, &["K1", "K2"]);
        let f = facts(&[("K1", filed(305)), ("K2", issued(-1))]);
        let one_by_one: Vec<String> = [
            (key("K1"), FactKind::Issue),
            (key("K1"), FactKind::Filing),
            (key("K2"), FactKind::Issue),
        ]
        .iter()
        .flat_map(|only| receipt_events(&sub, &f, Which::Only(std::slice::from_ref(only)), 1))
        .map(|e| e.id)
        .collect();
        let all = all_events(&sub, &f, 999);
        assert_eq!(
            kinds(&all),
            [
                (Some("K1"), CashbillIssued),
                (Some("K1"), CashbillFilingFailed),
                (Some("K2"), CashbillIssueFailed),
                (None, SubmissionCompleted)
            ]
        );
        let all_ids: Vec<String> = all.iter().take(3).map(|e| e.id.clone()).collect();
        assert_eq!(one_by_one, all_ids);
    }

    #[test]
    fn a_refused_submission_fails_every_receipt_and_ends_rejected() {
        let mut sub = fixtures::submission(Phase::Rejected, &["K1", "K2"]);
        sub.rejection = Some(Rejection {
            code: -99999999,
            message: "refused".into(),
        });
        let events = all_events(&sub, &BTreeMap::new(), 0);
        assert_eq!(
            kinds(&events),
            [
                (Some("K1"), CashbillIssueFailed),
                (Some("K2"), CashbillIssueFailed),
                (None, SubmissionRejected)
            ]
        );
        let body: Value = serde_json::from_str(&events[2].body).unwrap();
        assert_eq!(body["data"]["state"], "rejected");
        assert_eq!(body["data"]["rejection"]["code"], -99999999);
        assert!(
            body["data"].get("cashbills").is_none(),
            "counts, not receipts"
        );
        assert_eq!(body["data"]["counts"]["issue_failed"], 2);
    }

    #[test]
    fn a_submission_not_yet_answered_makes_nothing() {
        let sub = fixtures::submission(Phase::Sending, &["K1"]);
        assert!(all_events(&sub, &BTreeMap::new(), 0).is_empty());
    }

    #[test]
    fn a_completed_submission_says_so_with_its_counts() {
        let sub = fixtures::submission(Phase::Accepted, &["K1", "K2"]);
        let f = facts(&[("K1", filed(304)), ("K2", filed(305))]);
        let e = submission_event(&sub, &f, 0).expect("every receipt final");
        assert_eq!(e.kind, SubmissionCompleted);
        assert_eq!(e.mgt_key, None);
        let body: Value = serde_json::from_str(&e.body).unwrap();
        assert_eq!(body["data"]["state"], "completed");
        assert_eq!(body["data"]["counts"]["filed"], 1);
        assert_eq!(body["data"]["counts"]["filing_failed"], 1);
    }
}
