//! The KV schema. Every key has one writer pattern that suits KV's limits:
//!
//! | key                               | value                         | written                          |
//! |-----------------------------------|-------------------------------|----------------------------------|
//! | `sub:{submitID}`                  | [`Submission`] JSON           | once, at intake                  |
//! | `sent:{submitID}`                 | [`Outcome`]: accepted (receiptID) or refused | once, when POPBiLL answers |
//! | `open:{submitID}`                 | `1`, metadata `{corpNum, createdMs}` | at intake; deleted when every receipt is final |
//! | `rcpt:{corpNum}:{mgtKey}`         | `{submitID}`                  | once, at intake                  |
//! | `fact:{submitID}:{mgtKey}:issue`  | [`IssueFact`] (also metadata) | once: the issuance result        |
//! | `fact:{submitID}:{mgtKey}:nts`    | [`FilingFact`] (also metadata)| once: the filing result (304/305)|
//! | `evt:{mid}`                       | raw webhook body              | once per unmatched / unknown event |
//! | `refund:{refundID}`               | [`RefundRecord`] JSON         | once, at intake                  |
//! | `rfd:{corpNum}:{orgMgtKey}:{mgtKey}` | `1`, metadata: the refund's amounts, refundID, submitID | once, at intake |
//! | `fact:{submitID}:{mgtKey}:blocked`| [`BlockedFact`] (also metadata) | once: a held refund never sent  |
//!
//! A refund's cancellation receipt is an ordinary receipt of its send submission (`sub:`,
//! `rcpt:`, `fact:`); held ones sit in a `sub:` record in phase `held`, whose `open:` marker
//! carries the due time (`dueMs`) so the cron passes them over without a read until then. The
//! running totals of an original are one `list` of `rfd:{corpNum}:{orgMgtKey}:`.
//!
//! Facts that arrive separately (issuance, filing) live under separate write-once keys, so
//! concurrent webhooks and polls never read-modify-write a shared key; a submission's whole state
//! is one `get` plus one `list` of `fact:{submitID}:` (metadata carries each fact).
//!
//! [`Submission`]: crate::core::submission::Submission
//! [`Outcome`]: crate::core::submission::Outcome
//! [`IssueFact`]: crate::core::facts::IssueFact
//! [`FilingFact`]: crate::core::facts::FilingFact
//! [`RefundRecord`]: crate::core::refund::RefundRecord
//! [`BlockedFact`]: crate::core::refund::BlockedFact

use popbill::{CorpNum, MgtKey, SubmitId};

use super::refund::RefundId;

pub fn submission(submit_id: &SubmitId) -> String {
    format!("sub:{submit_id}")
}

pub fn outcome(submit_id: &SubmitId) -> String {
    format!("sent:{submit_id}")
}

pub const OPEN_PREFIX: &str = "open:";

pub fn open(submit_id: &SubmitId) -> String {
    format!("{OPEN_PREFIX}{submit_id}")
}

/// The submitID of an `open:` key (unchecked: the caller parses it).
pub fn open_submit_id(key: &str) -> Option<&str> {
    key.strip_prefix(OPEN_PREFIX)
}

pub fn receipt(corp_num: &CorpNum, mgt_key: &MgtKey) -> String {
    format!("rcpt:{corp_num}:{mgt_key}")
}

/// Prefix listing every fact of a submission.
pub fn facts_of_submission(submit_id: &SubmitId) -> String {
    format!("fact:{submit_id}:")
}

/// Prefix listing every fact of one receipt. `:` is outside the mgtKey charset, so `A:` never
/// matches `AB:`.
pub fn facts_of_receipt(submit_id: &SubmitId, mgt_key: &MgtKey) -> String {
    format!("fact:{submit_id}:{mgt_key}:")
}

pub fn issue_fact(submit_id: &SubmitId, mgt_key: &MgtKey) -> String {
    format!("fact:{submit_id}:{mgt_key}:issue")
}

pub fn filing_fact(submit_id: &SubmitId, mgt_key: &MgtKey) -> String {
    format!("fact:{submit_id}:{mgt_key}:nts")
}

pub fn blocked_fact(submit_id: &SubmitId, mgt_key: &MgtKey) -> String {
    format!("fact:{submit_id}:{mgt_key}:blocked")
}

pub fn refund(refund_id: &RefundId) -> String {
    format!("refund:{refund_id}")
}

/// Prefix listing every refund of an original (`:` is outside the mgtKey charset).
pub fn refunds_of_original(corp_num: &CorpNum, org_mgt_key: &MgtKey) -> String {
    format!("rfd:{corp_num}:{org_mgt_key}:")
}

pub fn refund_of_original(corp_num: &CorpNum, org_mgt_key: &MgtKey, mgt_key: &MgtKey) -> String {
    format!("rfd:{corp_num}:{org_mgt_key}:{mgt_key}")
}

/// Which receipt and which kind a fact key names; `None` for a key this schema never writes.
pub fn parse_fact(key: &str) -> Option<(MgtKey, FactKind)> {
    let rest = key.strip_prefix("fact:")?;
    let (_submit, rest) = rest.split_once(':')?;
    let (mgt_key, kind) = rest.rsplit_once(':')?;
    let kind = match kind {
        "issue" => FactKind::Issue,
        "nts" => FactKind::Filing,
        "blocked" => FactKind::Blocked,
        _ => return None,
    };
    Some((MgtKey::parse(mgt_key).ok()?, kind))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactKind {
    Issue,
    Filing,
    /// A held refund that will never be sent (`core::refund::BlockedFact`).
    Blocked,
}

pub fn event(mid: &str) -> String {
    format!("evt:{mid}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fact_keys_parse_back_to_their_receipt() {
        let id = SubmitId::parse("S-1").unwrap();
        let key = |k: &str| MgtKey::parse(k).unwrap();
        assert_eq!(
            parse_fact(&issue_fact(&id, &key("K_1"))),
            Some((key("K_1"), FactKind::Issue))
        );
        assert_eq!(
            parse_fact(&filing_fact(&id, &key("K-2"))),
            Some((key("K-2"), FactKind::Filing))
        );
        assert_eq!(
            parse_fact(&blocked_fact(&id, &key("R-1"))),
            Some((key("R-1"), FactKind::Blocked))
        );
        assert_eq!(parse_fact("fact:S:K:other"), None);
        assert_eq!(parse_fact("fact:S:K 1:nts"), None, "not a mgtKey");
        assert_eq!(parse_fact("sub:S"), None);
    }
}
