//! Receipts that passed intake's checks, as types: [`CheckedCashbill::check`] is the only way to
//! make one, and the POPBiLL port takes only [`CheckedCashbills`], so nothing unchecked can be
//! stored or sent.
//!
//! A stored batch was checked at intake. Reading it back re-checks what does not depend on the
//! time (every mgtKey parses, none repeats, 1 to 100 receipts), so a corrupt record fails to read
//! instead of being sent; the time-dependent rules (a `tradeDT` of today or yesterday) held when
//! the receipt was taken and are not asked again.

use popbill::validate::{BatchError, Violation, check_batch, check_cashbill};
use popbill::wire::Cashbill;
use popbill::{CorpNum, KstDateTime, MgtKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One receipt that passed every rule POPBiLL applies to a receipt (`popbill::validate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCashbill {
    mgt_key: MgtKey,
    cashbill: Cashbill,
}

impl CheckedCashbill {
    /// Check `cashbill` for `member` at `now`; every broken rule comes back, in field order.
    pub fn check(
        cashbill: Cashbill,
        member: &CorpNum,
        now: KstDateTime,
    ) -> Result<Self, Vec<Violation>> {
        let violations = check_cashbill(&cashbill, member, now);
        if !violations.is_empty() {
            return Err(violations);
        }
        let mgt_key = cashbill
            .mgt_key
            .as_deref()
            .and_then(|k| MgtKey::parse(k).ok())
            .expect("check_cashbill refuses a missing or malformed mgtKey");
        Ok(CheckedCashbill { mgt_key, cashbill })
    }

    pub fn mgt_key(&self) -> &MgtKey {
        &self.mgt_key
    }

    pub fn cashbill(&self) -> &Cashbill {
        &self.cashbill
    }
}

/// A batch of checked receipts: 1 to 100, with distinct mgtKeys. Stored and sent as POPBiLL's
/// `cashbills` array.
#[derive(Clone, PartialEq, Eq)]
pub struct CheckedCashbills {
    /// `keys[i]` is the parsed mgtKey of `cashbills[i]`.
    keys: Vec<MgtKey>,
    cashbills: Vec<Cashbill>,
}

impl CheckedCashbills {
    /// A batch of checked receipts, refused whole when empty, too long or with a repeated mgtKey.
    pub fn new(items: Vec<CheckedCashbill>) -> Result<Self, BatchError> {
        check_batch(items.iter().map(|c| Some(c.mgt_key.as_str())))?;
        let (keys, cashbills) = items.into_iter().map(|c| (c.mgt_key, c.cashbill)).unzip();
        Ok(CheckedCashbills { keys, cashbills })
    }

    /// Read back a stored batch (see the module comment for what is checked again).
    fn from_stored(cashbills: Vec<Cashbill>) -> Result<Self, String> {
        let keys = cashbills
            .iter()
            .enumerate()
            .map(|(i, c)| {
                // A missing mgtKey reads as "" and fails to parse: a corrupt record.
                let key = c.mgt_key.as_deref().unwrap_or_default();
                MgtKey::parse(key).map_err(|e| format!("cashbill {i}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        check_batch(keys.iter().map(|k| Some(k.as_str()))).map_err(|e| e.to_string())?;
        Ok(CheckedCashbills { keys, cashbills })
    }

    /// The receipts whose mgtKey `keep` accepts, in order; `None` when that leaves none. (A
    /// subset of checked receipts is still checked.)
    pub fn select(&self, keep: impl Fn(&MgtKey) -> bool) -> Option<CheckedCashbills> {
        let (keys, cashbills): (Vec<MgtKey>, Vec<Cashbill>) = self
            .iter()
            .filter(|(k, _)| keep(k))
            .map(|(k, c)| (k.clone(), c.clone()))
            .unzip();
        (!keys.is_empty()).then_some(CheckedCashbills { keys, cashbills })
    }

    /// The receipts as POPBiLL's wire type, in order.
    pub fn as_slice(&self) -> &[Cashbill] {
        &self.cashbills
    }

    /// The mgtKeys, in the receipts' order.
    pub fn mgt_keys(&self) -> &[MgtKey] {
        &self.keys
    }

    /// Each receipt with its mgtKey, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&MgtKey, &Cashbill)> {
        self.keys.iter().zip(&self.cashbills)
    }

    /// The receipt with this mgtKey.
    pub fn get(&self, key: &str) -> Option<(&MgtKey, &Cashbill)> {
        self.iter().find(|(k, _)| k.as_str() == key)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Never true (a batch holds at least one receipt); here because `len` is.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl std::fmt::Debug for CheckedCashbills {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `Cashbill`'s own Debug masks identityNum.
        f.debug_list().entries(&self.cashbills).finish()
    }
}

impl Serialize for CheckedCashbills {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.cashbills.serialize(s)
    }
}

impl<'de> Deserialize<'de> for CheckedCashbills {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let cashbills = Vec::<Cashbill>::deserialize(d)?;
        CheckedCashbills::from_stored(cashbills).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{CORP, cashbill, checked, corp, t};

    #[test]
    fn a_receipt_that_breaks_a_rule_is_not_checked_and_says_which() {
        let mut c = cashbill("K1");
        c.total_amount = Some("11001".into());
        let err = CheckedCashbill::check(c, &corp(), t("20250711100000")).unwrap_err();
        assert_eq!(err[0].field, "totalAmount");
        let ok = CheckedCashbill::check(cashbill("K1"), &corp(), t("20250711100000")).unwrap();
        assert_eq!(ok.mgt_key(), "K1");
    }

    #[test]
    fn a_batch_refuses_a_repeated_mgt_key() {
        let now = t("20250711100000");
        let one = || CheckedCashbill::check(cashbill("K1"), &corp(), now).unwrap();
        assert_eq!(
            CheckedCashbills::new(vec![one(), one()]).unwrap_err(),
            BatchError::DuplicateMgtKey("K1".into())
        );
        assert_eq!(
            CheckedCashbills::new(vec![]).unwrap_err(),
            BatchError::Empty
        );
    }

    #[test]
    fn a_selection_keeps_the_order_and_is_never_empty() {
        let batch = checked(&["K1", "K2", "K3"]);
        let odd = batch.select(|k| k != "K2").unwrap();
        assert_eq!(odd.mgt_keys(), ["K1", "K3"]);
        assert_eq!(odd.as_slice()[1].mgt_key.as_deref(), Some("K3"));
        assert!(batch.select(|_| false).is_none());
    }

    #[test]
    fn a_stored_batch_reads_back_only_when_its_mgt_keys_still_hold() {
        let now = t("20250711100000");
        let batch = CheckedCashbills::new(vec![
            CheckedCashbill::check(cashbill("K1"), &corp(), now).unwrap(),
            CheckedCashbill::check(cashbill("K2"), &corp(), now).unwrap(),
        ])
        .unwrap();
        let json = serde_json::to_string(&batch).unwrap();
        assert!(json.starts_with(r#"[{"mgtKey":"K1""#), "{json}");
        assert_eq!(
            serde_json::from_str::<CheckedCashbills>(&json).unwrap(),
            batch
        );
        for (corrupt, why) in [
            (json.replace("\"K2\"", "\"K1\""), "a repeated mgtKey"),
            (json.replace("\"K2\"", "\"K 2\""), "a malformed mgtKey"),
            (json.replace(r#""mgtKey":"K2","#, ""), "a missing mgtKey"),
            ("[]".to_owned(), "no receipts"),
        ] {
            assert!(
                serde_json::from_str::<CheckedCashbills>(&corrupt).is_err(),
                "{why} must not read back"
            );
        }
        assert_eq!(
            CORP,
            batch.as_slice()[0].franchise_corp_num.as_deref().unwrap()
        );
    }
}
