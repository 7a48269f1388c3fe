//! The stored submission record and how its content is fingerprinted.

use base64::Engine as _;
use popbill::wire::Cashbill;
use popbill::{CorpNum, MgtKey, SubmitId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::cashbills::CheckedCashbills;
use super::refund::RefundGroup;

/// Where the BulkSubmit call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Refunds stored and held: not to be sent before their originals are filed (the cron
    /// releases them, `service/release.rs`).
    Held,
    /// Stored; BulkSubmit not yet answered (never sent, failed, or ambiguous).
    Sending,
    /// POPBiLL accepted it (it has a receiptID).
    Accepted,
    /// POPBiLL refused the whole submission; the SubmitID is spent.
    Rejected,
}

/// POPBiLL's refusal of a whole submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub code: i64,
    pub message: String,
}

/// `sub:{submitID}`: everything needed to (re)send and to answer about a submission. Its ids and
/// receipts deserialize through their checked types, so a corrupt record fails to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    #[serde(rename = "submitID")]
    pub submit_id: SubmitId,
    #[serde(rename = "corpNum")]
    pub corp_num: CorpNum,
    #[serde(rename = "contentHash")]
    pub content_hash: String,
    /// Intake time, Unix ms on the configured time source.
    #[serde(rename = "createdMs")]
    pub created_ms: i64,
    pub phase: Phase,
    #[serde(rename = "receiptID", default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<Rejection>,
    /// Cancellation receipts: the refund request they belong to (`core::refund`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund: Option<RefundGroup>,
    pub cashbills: CheckedCashbills,
}

/// `sent:{submitID}`: how POPBiLL answered the BulkSubmit. Kept apart from the record so that no
/// key is written twice within a second.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub phase: Phase,
    #[serde(rename = "receiptID", default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<Rejection>,
}

impl Submission {
    pub fn mgt_keys(&self) -> impl Iterator<Item = &MgtKey> {
        self.cashbills.mgt_keys().iter()
    }

    /// POPBiLL's answer as it is stored under `sent:`.
    pub fn outcome(&self) -> Outcome {
        Outcome {
            phase: self.phase,
            receipt_id: self.receipt_id.clone(),
            rejection: self.rejection.clone(),
        }
    }

    /// The record with POPBiLL's answer applied.
    pub fn apply(&mut self, outcome: Outcome) {
        self.phase = outcome.phase;
        self.receipt_id = outcome.receipt_id;
        self.rejection = outcome.rejection;
    }
}

/// A fingerprint of what was asked: same corpNum and same receipts (field by field) → same hash.
pub fn content_hash(corp_num: &CorpNum, cashbills: &[Cashbill]) -> String {
    let bytes = serde_json::to_vec(&(corp_num, cashbills))
        .expect("strings, numbers and booleans always serialize");
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hash_changes_with_any_field_and_not_with_nothing() {
        let a = vec![Cashbill {
            mgt_key: Some("K1".into()),
            total_amount: Some("100".into()),
            ..Default::default()
        }];
        let mut b = a.clone();
        let corp = |s: &str| CorpNum::parse(s).unwrap();
        assert_eq!(
            content_hash(&corp("1234567890"), &a),
            content_hash(&corp("1234567890"), &b)
        );
        b[0].total_amount = Some("101".into());
        assert_ne!(
            content_hash(&corp("1234567890"), &a),
            content_hash(&corp("1234567890"), &b)
        );
        assert_ne!(
            content_hash(&corp("1234567890"), &a),
            content_hash(&corp("1234567891"), &a)
        );
    }

    #[test]
    fn a_record_with_a_bad_submit_id_or_corp_num_does_not_read_back() {
        let sub = crate::core::fixtures::submission(Phase::Accepted, &["K1"]);
        let json = serde_json::to_string(&sub).unwrap();
        assert_eq!(serde_json::from_str::<Submission>(&json).unwrap(), sub);
        for corrupt in [
            json.replace(r#""submitID":"S1""#, r#""submitID":"S 1""#),
            json.replace(r#""corpNum":"1234567890""#, r#""corpNum":"123""#),
        ] {
            let err = serde_json::from_str::<Submission>(&corrupt).unwrap_err();
            assert!(
                err.to_string().contains("submitID") || err.to_string().contains("corpNum"),
                "{err}"
            );
        }
    }
}
