//! The stored submission record and how its content is fingerprinted.

use base64::Engine as _;
use popbill::wire::Cashbill;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where the BulkSubmit call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
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

/// `sub:{submitID}`: everything needed to (re)send and to answer about a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    #[serde(rename = "submitID")]
    pub submit_id: String,
    #[serde(rename = "corpNum")]
    pub corp_num: String,
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
    pub cashbills: Vec<Cashbill>,
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
    pub fn mgt_keys(&self) -> impl Iterator<Item = &str> {
        self.cashbills.iter().filter_map(|c| c.mgt_key.as_deref())
    }
}

/// A fingerprint of what was asked: same corpNum and same receipts (field by field) → same hash.
pub fn content_hash(corp_num: &str, cashbills: &[Cashbill]) -> String {
    let bytes = serde_json::to_vec(&(corp_num, cashbills)).unwrap_or_default();
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
        assert_eq!(
            content_hash("1234567890", &a),
            content_hash("1234567890", &b)
        );
        b[0].total_amount = Some("101".into());
        assert_ne!(
            content_hash("1234567890", &a),
            content_hash("1234567890", &b)
        );
        assert_ne!(
            content_hash("1234567890", &a),
            content_hash("1234567891", &a)
        );
    }
}
