//! When a held group of refunds may go: at its due time, once every original it refunds has its
//! filing result on record. A refund whose original was filed (304) is sent; one whose original
//! failed filing (305) never is, and ends `original_filing_failed` (a [`BlockedFact`]). Pure.

use std::collections::BTreeMap;

use popbill::{KstDateTime, MgtKey};
use serde::{Deserialize, Serialize};

use super::record::RefundGroup;
use crate::core::facts::{FilingFact, STATE_FILED};

/// Why a held refund will never be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockReason {
    /// Its original's NTS filing failed (305): POPBiLL would refuse it (-14001069).
    OriginalFilingFailed,
}

/// `fact:{submitID}:{mgtKey}:blocked`: a held refund that will never be sent, and why. Written
/// once, like the other facts, and read with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedFact {
    pub reason: BlockReason,
    #[serde(rename = "orgMgtKey")]
    pub org_mgt_key: MgtKey,
    #[serde(rename = "orgStateCode")]
    pub org_state_code: i64,
    #[serde(
        rename = "orgNtsResultCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub org_nts_result_code: Option<String>,
}

/// What to do with a held group now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Release {
    /// Not before its due time.
    NotDue,
    /// Due, but these originals' filing results are not on record yet (their own submissions'
    /// polling brings them).
    Waiting(Vec<MgtKey>),
    /// Send every refund but these, which are blocked for good.
    Go(Vec<(MgtKey, BlockedFact)>),
}

/// Decide for `group` at `now`, given the filing facts on record for its originals, keyed by
/// the refund's (cancellation's) mgtKey.
pub fn release(
    group: &RefundGroup,
    filings: &BTreeMap<MgtKey, FilingFact>,
    now: KstDateTime,
) -> Release {
    if group.due().is_some_and(|due| now < due) {
        return Release::NotDue;
    }
    let mut waiting = Vec::new();
    let mut blocked = Vec::new();
    for o in &group.originals {
        match filings.get(&o.mgt_key) {
            None => waiting.push(o.org_mgt_key.clone()),
            Some(f) if f.state_code == STATE_FILED => {}
            Some(f) => blocked.push((
                o.mgt_key.clone(),
                BlockedFact {
                    reason: BlockReason::OriginalFilingFailed,
                    org_mgt_key: o.org_mgt_key.clone(),
                    org_state_code: f.state_code,
                    org_nts_result_code: f.nts_result_code.clone(),
                },
            )),
        }
    }
    if waiting.is_empty() {
        Release::Go(blocked)
    } else {
        Release::Waiting(waiting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{filing, t};
    use crate::core::refund::record::OriginalLink;
    use popbill::SubmitId;

    fn key(k: &str) -> MgtKey {
        MgtKey::parse(k).unwrap()
    }

    fn group(pairs: &[(&str, &str)]) -> RefundGroup {
        RefundGroup {
            refund_id: crate::core::refund::RefundId::parse("R-1").unwrap(),
            due_ms: Some(t("20250712110000").unix_millis()),
            originals: pairs
                .iter()
                .map(|(r, o)| OriginalLink {
                    mgt_key: key(r),
                    org_mgt_key: key(o),
                    org_submit_id: SubmitId::parse("S1").unwrap(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_group_waits_for_its_due_time_and_every_original_filing() {
        let g = group(&[("R-1", "K-1"), ("R-2", "K-2")]);
        let mut filings = BTreeMap::new();
        filings.insert(key("R-1"), filing(304));
        filings.insert(key("R-2"), filing(304));
        assert_eq!(release(&g, &filings, t("20250712105959")), Release::NotDue);
        assert_eq!(
            release(&g, &filings, t("20250712110000")),
            Release::Go(vec![])
        );
        filings.remove(&key("R-2"));
        assert_eq!(
            release(&g, &filings, t("20250712110000")),
            Release::Waiting(vec![key("K-2")])
        );
    }

    #[test]
    fn a_refund_of_an_original_that_failed_filing_is_blocked_and_the_others_go() {
        let g = group(&[("R-1", "K-1"), ("R-2", "K-2")]);
        let mut failed = filing(305);
        failed.nts_result_code = Some("TS1".into());
        let filings = BTreeMap::from([(key("R-1"), failed), (key("R-2"), filing(304))]);
        let Release::Go(blocked) = release(&g, &filings, t("20250712110000")) else {
            panic!("due and every filing known");
        };
        assert_eq!(blocked.len(), 1);
        assert_eq!(blocked[0].0, key("R-1"));
        assert_eq!(blocked[0].1.org_mgt_key, key("K-1"));
        assert_eq!(blocked[0].1.org_nts_result_code.as_deref(), Some("TS1"));
    }

    #[test]
    fn refunds_of_originals_issued_elsewhere_go_at_their_due_time_unchecked() {
        let mut g = group(&[]);
        g.due_ms = Some(t("20250713110000").unix_millis());
        assert_eq!(
            release(&g, &BTreeMap::new(), t("20250713105959")),
            Release::NotDue
        );
        assert_eq!(
            release(&g, &BTreeMap::new(), t("20250713110000")),
            Release::Go(vec![])
        );
    }
}
