//! A refund request's id (`refundID`), and the SubmitIDs its cancellation receipts are sent under.

use std::fmt;

use popbill::{CorpNum, KstDateTime, SubmitId};
use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};

/// The longest refundID: a SubmitID's rules, so a merchant can use one scheme for both.
pub const MAX_REFUND_ID: usize = 36;

/// 1–36 of `A-Z a-z 0-9 - _`, chosen by the merchant (or generated), unique per Worker.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RefundId(String);

/// Why a string is not a refundID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefundIdError {
    #[error("refundID is empty")]
    Empty,
    #[error("refundID may only contain A-Z, a-z, 0-9, '-' and '_'")]
    BadChar,
    #[error("refundID is longer than {MAX_REFUND_ID} characters")]
    TooLong,
}

impl RefundId {
    pub fn parse(s: &str) -> Result<Self, RefundIdError> {
        if s.is_empty() {
            return Err(RefundIdError::Empty);
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(RefundIdError::BadChar);
        }
        if s.len() > MAX_REFUND_ID {
            return Err(RefundIdError::TooLong);
        }
        Ok(RefundId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RefundId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RefundId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RefundId({})", self.0)
    }
}

impl PartialEq<&str> for RefundId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl<'de> Deserialize<'de> for RefundId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RefundId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A fresh refundID: the KST intake time and 64 random bits (31 characters).
pub fn generate_refund_id(now: KstDateTime, random: u64) -> RefundId {
    RefundId::parse(&format!("{now}-{random:016x}"))
        .expect("14 digits, '-', 16 hex digits is a valid RefundId")
}

/// The SubmitID group `group` of refund `id` is sent under: `RF` and 32 hex digits of SHA-256
/// over the CorpNum, the refundID and the group. Derived, never random, so every attempt (the
/// request, a retry of it, any cron run) names the same BulkSubmit, and the exactly-once send
/// (`service/send.rs`) can never send a cancellation twice.
pub fn send_submit_id(corp: &CorpNum, id: &RefundId, group: usize) -> SubmitId {
    let digest = Sha256::digest(format!(
        "popbill-bulk-edge/refund/v1\n{corp}\n{id}\n{group}"
    ));
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    SubmitId::parse(&format!("RF{hex}")).expect("RF and 32 hex digits is a valid SubmitId")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{corp, t};

    #[test]
    fn a_refund_id_follows_the_submit_id_rules() {
        assert!(RefundId::parse("R-1_a").is_ok());
        assert_eq!(RefundId::parse(""), Err(RefundIdError::Empty));
        assert_eq!(RefundId::parse("R 1"), Err(RefundIdError::BadChar));
        assert_eq!(RefundId::parse("환불"), Err(RefundIdError::BadChar));
        assert_eq!(
            RefundId::parse(&"R".repeat(37)),
            Err(RefundIdError::TooLong)
        );
        assert!(RefundId::parse(&"R".repeat(36)).is_ok());
        assert_eq!(
            generate_refund_id(t("20250711100000"), 0xabc).as_str(),
            "20250711100000-0000000000000abc"
        );
    }

    #[test]
    fn send_submit_ids_are_stable_and_distinct_per_refund_and_group() {
        let a = RefundId::parse("R-1").unwrap();
        let b = RefundId::parse("R-2").unwrap();
        let id = send_submit_id(&corp(), &a, 0);
        assert_eq!(id, send_submit_id(&corp(), &a, 0), "derived, not random");
        assert_eq!(id.as_str().len(), 34);
        assert!(id.as_str().starts_with("RF"));
        assert_ne!(id, send_submit_id(&corp(), &a, 1));
        assert_ne!(id, send_submit_id(&corp(), &b, 0));
        let other = CorpNum::parse("1234567891").unwrap();
        assert_ne!(id, send_submit_id(&other, &a, 0));
    }
}
