//! Typed access to the refund keys of `keys.rs`: the request record, the index of an original's
//! refunds (its running totals), blocked facts, and the bulk reads refund intake needs.

use popbill::{CorpNum, MgtKey, SubmitId};
use serde::{Deserialize, Serialize};

use super::amounts::Amounts;
use super::id::RefundId;
use super::record::RefundRecord;
use super::release::BlockedFact;
use crate::core::facts::{FilingFact, IssueFact};
use crate::core::keys;
use crate::core::kv::Kv;
use crate::core::status::ReceiptFacts;
use crate::core::store::{Recorded, Store, StoreError, decode, encode};
use crate::core::submission::{Outcome, Submission};

/// One refund of an original, as its `rfd:` key records it (in the key's metadata, so one
/// `list` reads them all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedRefund {
    #[serde(rename = "refundID")]
    pub refund_id: RefundId,
    /// The submission the cancellation receipt is (or will be) sent in.
    #[serde(rename = "submitID")]
    pub submit_id: SubmitId,
    #[serde(flatten)]
    pub amounts: Amounts,
    /// Taken while its original was not yet filed.
    pub held: bool,
    /// Filled in from the key.
    #[serde(skip)]
    pub mgt_key: Option<MgtKey>,
}

impl<K: Kv> Store<'_, K> {
    pub async fn refund(&self, id: &RefundId) -> Result<Option<RefundRecord>, StoreError> {
        let key = keys::refund(id);
        let record = decode::<RefundRecord>(&key, self.kv().get(&key).await?)?;
        match record {
            Some(r) if r.refund_id != *id => Err(StoreError::corrupt(
                &key,
                format!("holds refund {}", r.refund_id),
            )),
            other => Ok(other),
        }
    }

    /// The request record, written once at intake.
    pub async fn save_refund(&self, record: &RefundRecord) -> Result<(), StoreError> {
        let json = encode(record).to_string();
        Ok(self
            .kv()
            .put(&keys::refund(&record.refund_id), &json, None)
            .await?)
    }

    /// Add a refund to its original's running totals.
    pub async fn index_refund(
        &self,
        corp: &CorpNum,
        org_mgt_key: &MgtKey,
        mgt_key: &MgtKey,
        entry: &IndexedRefund,
    ) -> Result<(), StoreError> {
        let key = keys::refund_of_original(corp, org_mgt_key, mgt_key);
        Ok(self.kv().put(&key, "1", Some(&encode(entry))).await?)
    }

    /// Whether each (original, refund) is in its original's running totals (one bulk read).
    pub async fn refunds_indexed(
        &self,
        corp: &CorpNum,
        pairs: &[(&MgtKey, &MgtKey)],
    ) -> Result<Vec<bool>, StoreError> {
        let names: Vec<String> = pairs
            .iter()
            .map(|(org, key)| keys::refund_of_original(corp, org, key))
            .collect();
        Ok(self
            .kv()
            .get_many(&names)
            .await?
            .into_iter()
            .map(|v| v.is_some())
            .collect())
    }

    /// Every refund of an original on record: one `list` per 1000.
    pub async fn refunds_of(
        &self,
        corp: &CorpNum,
        org_mgt_key: &MgtKey,
    ) -> Result<Vec<IndexedRefund>, StoreError> {
        let prefix = keys::refunds_of_original(corp, org_mgt_key);
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.kv().list(&prefix, cursor.as_deref()).await?;
            for k in page.keys {
                let corrupt = |cause: &str| StoreError::corrupt(&k.name, cause);
                let mgt_key = k
                    .name
                    .strip_prefix(&prefix)
                    .and_then(|m| MgtKey::parse(m).ok())
                    .ok_or_else(|| corrupt("not a refund index key"))?;
                let meta = k.metadata.as_ref().ok_or_else(|| corrupt("no metadata"))?;
                let mut entry: IndexedRefund = serde_json::from_value(meta.clone())
                    .map_err(|_| corrupt("metadata is not the shape this Worker writes"))?;
                entry.mgt_key = Some(mgt_key);
                out.push(entry);
            }
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    pub async fn record_blocked(
        &self,
        submit_id: &SubmitId,
        mgt_key: &MgtKey,
        fact: &BlockedFact,
    ) -> Result<Recorded, StoreError> {
        self.write_once(&keys::blocked_fact(submit_id, mgt_key), fact)
            .await
    }

    /// Several submissions with POPBiLL's answers applied, in order: one bulk read (two keys
    /// each) however many.
    pub async fn submissions(
        &self,
        ids: &[SubmitId],
    ) -> Result<Vec<Option<Submission>>, StoreError> {
        let names: Vec<String> = ids
            .iter()
            .flat_map(|id| [keys::submission(id), keys::outcome(id)])
            .collect();
        let raw = self.kv().get_many(&names).await?;
        let mut out = Vec::with_capacity(ids.len());
        for ((id, pair), values) in ids.iter().zip(names.chunks(2)).zip(raw.chunks(2)) {
            let sub = decode::<Submission>(&pair[0], values[0].clone())?;
            let outcome = decode::<Outcome>(&pair[1], values[1].clone())?;
            out.push(match sub {
                Some(s) if s.submit_id != *id => {
                    return Err(StoreError::corrupt(
                        &pair[0],
                        format!("holds submission {}", s.submit_id),
                    ));
                }
                Some(mut s) => {
                    if let Some(o) = outcome {
                        s.apply(o);
                    }
                    Some(s)
                }
                None => None,
            });
        }
        Ok(out)
    }

    /// POPBiLL's answers to several BulkSubmits, in order (one bulk read).
    pub async fn outcomes(&self, ids: &[SubmitId]) -> Result<Vec<Option<Outcome>>, StoreError> {
        let names: Vec<String> = ids.iter().map(keys::outcome).collect();
        let raw = self.kv().get_many(&names).await?;
        names.iter().zip(raw).map(|(k, v)| decode(k, v)).collect()
    }

    /// The facts of several receipts, each named by its submission, in order (one bulk read,
    /// three keys each). Reads the values, not a listing: for receipts of many submissions.
    pub async fn facts_of(
        &self,
        receipts: &[(SubmitId, MgtKey)],
    ) -> Result<Vec<ReceiptFacts>, StoreError> {
        let names: Vec<String> = receipts
            .iter()
            .flat_map(|(s, k)| {
                [
                    keys::issue_fact(s, k),
                    keys::filing_fact(s, k),
                    keys::blocked_fact(s, k),
                ]
            })
            .collect();
        let raw = self.kv().get_many(&names).await?;
        names
            .chunks(3)
            .zip(raw.chunks(3))
            .map(|(n, v)| {
                Ok(ReceiptFacts {
                    issue: decode::<IssueFact>(&n[0], v[0].clone())?,
                    filing: decode::<FilingFact>(&n[1], v[1].clone())?,
                    blocked: decode::<BlockedFact>(&n[2], v[2].clone())?,
                })
            })
            .collect()
    }
}
