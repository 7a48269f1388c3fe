//! Typed access to the KV schema in `keys.rs`. Writes of facts are write-once: an existing fact
//! is never rewritten (that is also how duplicate webhooks are recognised).
//!
//! What was written reads back through the same checked types (`SubmitId`, `CorpNum`, `MgtKey`,
//! [`CheckedCashbills`](super::cashbills::CheckedCashbills)); a record that does not is
//! [`StoreError::Corrupt`], never skipped.

use std::collections::BTreeMap;

use popbill::{CorpNum, MgtKey, SubmitId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::facts::{FilingFact, IssueFact};
use super::keys::{self, FactKind};
use super::kv::{Kv, KvError};
use super::meta;
use super::status::ReceiptFacts;
use super::submission::{Outcome, Phase, Submission};

/// The open submissions, as the cron sees them.
#[derive(Debug, Default)]
pub struct OpenSubmissions {
    /// To examine now.
    pub due: Vec<Result<OpenEntry, StoreError>>,
    /// Held refunds whose due time has not come.
    pub not_due: usize,
}

/// What a fact write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Written,
    /// Already on record (a duplicate or a second source): nothing written.
    AlreadyKnown,
}

/// Why the store could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// KV did not answer or refused (network, limits): the same call may succeed later.
    #[error(transparent)]
    Kv(#[from] KvError),
    /// A stored record does not read back as what this Worker writes (a bug or a hand edit):
    /// retrying will not help.
    #[error("corrupt record under {key}: {cause}")]
    Corrupt { key: String, cause: String },
}

impl StoreError {
    pub(crate) fn corrupt(key: &str, cause: impl std::fmt::Display) -> Self {
        StoreError::Corrupt {
            key: key.to_owned(),
            cause: cause.to_string(),
        }
    }
}

/// An open submission as its marker lists it. Markers written before the receipt count was
/// kept have none: the cron reads their records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEntry {
    pub submit_id: SubmitId,
    pub receipts: Option<usize>,
    pub created_ms: Option<i64>,
}

pub struct Store<'a, K: Kv> {
    kv: &'a K,
}

/// A decode failure without the values serde quotes: records hold personal data (identityNum),
/// and this text goes to the log. The key and the position find the record.
fn shape_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let kind = match e.classify() {
        Category::Io => "unreadable",
        Category::Syntax => "not JSON",
        Category::Data => "not the shape this Worker writes",
        Category::Eof => "cut short",
    };
    format!("{kind} (line {}, column {})", e.line(), e.column())
}

pub(crate) fn decode<T: DeserializeOwned>(
    key: &str,
    raw: Option<String>,
) -> Result<Option<T>, StoreError> {
    raw.map(|s| serde_json::from_str(&s).map_err(|e| StoreError::corrupt(key, shape_error(&e))))
        .transpose()
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("the Worker's records always serialize")
}

pub(crate) fn parse_submit_id(key: &str, raw: &str) -> Result<SubmitId, StoreError> {
    SubmitId::parse(raw).map_err(|e| StoreError::corrupt(key, e))
}

impl<'a, K: Kv> Store<'a, K> {
    pub fn new(kv: &'a K) -> Self {
        Store { kv }
    }

    /// The KV port, for the record types kept beside their own modules (`refund::store`).
    pub(crate) fn kv(&self) -> &'a K {
        self.kv
    }

    /// The submission with POPBiLL's answer applied: the record (`sub:`) and its outcome
    /// (`sent:`), read together (one bulk read on Workers KV).
    pub async fn submission(&self, submit_id: &SubmitId) -> Result<Option<Submission>, StoreError> {
        let (record_key, outcome_key) = (keys::submission(submit_id), keys::outcome(submit_id));
        let both = self
            .kv
            .get_many(&[record_key.clone(), outcome_key.clone()])
            .await?;
        let mut both = both.into_iter();
        let (record, outcome) = (both.next().flatten(), both.next().flatten());
        let Some(mut sub) = decode::<Submission>(&record_key, record)? else {
            return Ok(None);
        };
        if sub.submit_id != *submit_id {
            return Err(StoreError::corrupt(
                &record_key,
                format!("holds submission {}", sub.submit_id),
            ));
        }
        if let Some(outcome) = decode::<Outcome>(&outcome_key, outcome)? {
            sub.apply(outcome);
        }
        Ok(Some(sub))
    }

    /// The record, written once at intake (KV allows one write per second per key, so what
    /// changes later lives under its own key).
    pub async fn save_submission(&self, sub: &Submission) -> Result<(), StoreError> {
        let json = encode(sub).to_string();
        Ok(self
            .kv
            .put(&keys::submission(&sub.submit_id), &json, None)
            .await?)
    }

    /// POPBiLL's answer to the BulkSubmit (accepted with a receiptID, or refused), written once.
    pub async fn save_outcome(&self, sub: &Submission) -> Result<Recorded, StoreError> {
        self.write_once(&keys::outcome(&sub.submit_id), &sub.outcome())
            .await
    }

    /// The same for a submission whose outcome key was read absent moments ago (intake reads
    /// `sub:` and `sent:` together and found neither): written without reading it again.
    pub async fn save_first_outcome(&self, sub: &Submission) -> Result<Recorded, StoreError> {
        self.put_fact(&keys::outcome(&sub.submit_id), &sub.outcome())
            .await?;
        Ok(Recorded::Written)
    }

    /// POPBiLL's answer alone (the small half of [`submission`](Self::submission)).
    pub async fn outcome(&self, submit_id: &SubmitId) -> Result<Option<Outcome>, StoreError> {
        let key = keys::outcome(submit_id);
        let raw = self.kv.get(&key).await?;
        decode(&key, raw)
    }

    /// Mark a submission open for the cron. A held one's marker carries its due time, so the
    /// cron passes it over without reading it until then; every marker carries the receipt
    /// count, so the cron can judge a submission from its results alone
    /// (`reconcile::settled`) without reading the record.
    pub async fn open(&self, sub: &Submission) -> Result<(), StoreError> {
        let mut meta = json!({
            "corpNum": sub.corp_num,
            "createdMs": sub.created_ms,
            "receipts": sub.cashbills.as_slice().len(),
        });
        if sub.phase == Phase::Held
            && let Some(due) = sub.refund.as_ref().and_then(|r| r.due_ms)
        {
            meta["dueMs"] = json!(due);
        }
        Ok(self
            .kv
            .put(&keys::open(&sub.submit_id), "1", Some(&meta))
            .await?)
    }

    pub async fn close(&self, submit_id: &SubmitId) -> Result<(), StoreError> {
        Ok(self.kv.delete(&keys::open(submit_id)).await?)
    }

    /// The open submissions with something to do at `now`, listing pages until at least
    /// `limit` are known (or none remain); held refunds not yet due are only counted. An `open:`
    /// key that names no valid submitID comes back as its own error, in place.
    pub async fn open_submissions(
        &self,
        limit: usize,
        now_ms: i64,
    ) -> Result<OpenSubmissions, StoreError> {
        let mut open = OpenSubmissions::default();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.kv.list(keys::OPEN_PREFIX, cursor.as_deref()).await?;
            for k in page.keys {
                let due = k.metadata.as_ref().and_then(|m| m["dueMs"].as_i64());
                if due.is_some_and(|due| due > now_ms) {
                    open.not_due += 1;
                    continue;
                }
                let raw = keys::open_submit_id(&k.name)
                    .expect("a listing by the open: prefix holds only open: keys");
                let meta = k.metadata.as_ref();
                let number = |field: &str| meta.and_then(|m| m[field].as_i64());
                open.due
                    .push(parse_submit_id(&k.name, raw).map(|submit_id| OpenEntry {
                        submit_id,
                        receipts: number("receipts").and_then(|n| usize::try_from(n).ok()),
                        created_ms: number("createdMs"),
                    }));
            }
            match page.cursor {
                Some(c) if open.due.len() < limit => cursor = Some(c),
                _ => return Ok(open),
            }
        }
    }

    /// The submission a receipt belongs to.
    pub async fn receipt_owner(
        &self,
        corp_num: &CorpNum,
        mgt_key: &MgtKey,
    ) -> Result<Option<SubmitId>, StoreError> {
        let key = keys::receipt(corp_num, mgt_key);
        let owner = self.kv.get(&key).await?;
        owner.map(|o| parse_submit_id(&key, &o)).transpose()
    }

    /// The submissions several receipts belong to, in order (one bulk read on Workers KV).
    pub async fn receipt_owners(
        &self,
        corp_num: &CorpNum,
        mgt_keys: &[MgtKey],
    ) -> Result<Vec<Option<SubmitId>>, StoreError> {
        let keys: Vec<String> = mgt_keys
            .iter()
            .map(|k| keys::receipt(corp_num, k))
            .collect();
        let owners = self.kv.get_many(&keys).await?;
        keys.iter()
            .zip(owners)
            .map(|(key, owner)| owner.map(|o| parse_submit_id(key, &o)).transpose())
            .collect()
    }

    pub async fn index_receipt(
        &self,
        corp_num: &CorpNum,
        mgt_key: &MgtKey,
        submit_id: &SubmitId,
    ) -> Result<(), StoreError> {
        Ok(self
            .kv
            .put(&keys::receipt(corp_num, mgt_key), submit_id.as_str(), None)
            .await?)
    }

    /// Every fact of a submission, by mgtKey: one `list` per 1000 facts.
    pub async fn facts(
        &self,
        submit_id: &SubmitId,
    ) -> Result<BTreeMap<MgtKey, ReceiptFacts>, StoreError> {
        self.facts_with_prefix(&keys::facts_of_submission(submit_id))
            .await
    }

    /// The facts of one receipt (none on record: empty).
    pub async fn receipt_facts(
        &self,
        submit_id: &SubmitId,
        mgt_key: &MgtKey,
    ) -> Result<ReceiptFacts, StoreError> {
        let mut all = self
            .facts_with_prefix(&keys::facts_of_receipt(submit_id, mgt_key))
            .await?;
        Ok(all.remove(mgt_key).unwrap_or_default())
    }

    async fn facts_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<BTreeMap<MgtKey, ReceiptFacts>, StoreError> {
        let mut out: BTreeMap<MgtKey, ReceiptFacts> = BTreeMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.kv.list(prefix, cursor.as_deref()).await?;
            for key in page.keys {
                let (mgt_key, kind) = keys::parse_fact(&key.name)
                    .ok_or_else(|| StoreError::corrupt(&key.name, "not a fact key"))?;
                // A key listed without metadata (should not happen) is read directly; one that
                // is listed but not readable yet (KV's propagation) is left for the next read.
                let fact = match key.metadata {
                    Some(m) => meta::decode(&m),
                    None => match decode::<Value>(&key.name, self.kv.get(&key.name).await?)? {
                        Some(v) => v,
                        None => continue,
                    },
                };
                let entry = out.entry(mgt_key).or_default();
                let bad = |e: serde_json::Error| StoreError::corrupt(&key.name, shape_error(&e));
                match kind {
                    FactKind::Issue => {
                        entry.issue = Some(serde_json::from_value(fact).map_err(bad)?)
                    }
                    FactKind::Filing => {
                        entry.filing = Some(serde_json::from_value(fact).map_err(bad)?)
                    }
                    FactKind::Blocked => {
                        entry.blocked = Some(serde_json::from_value(fact).map_err(bad)?)
                    }
                }
            }
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    pub async fn record_issue(
        &self,
        submit_id: &SubmitId,
        mgt_key: &MgtKey,
        fact: &IssueFact,
    ) -> Result<Recorded, StoreError> {
        self.write_once(&keys::issue_fact(submit_id, mgt_key), fact)
            .await
    }

    pub async fn record_filing(
        &self,
        submit_id: &SubmitId,
        mgt_key: &MgtKey,
        fact: &FilingFact,
    ) -> Result<Recorded, StoreError> {
        self.write_once(&keys::filing_fact(submit_id, mgt_key), fact)
            .await
    }

    /// An issuance result the caller has just seen absent in this submission's listing
    /// ([`facts`](Self::facts)): written without reading its key first, and so always
    /// [`Recorded::Written`]. That read would only narrow, not close, the window in which a
    /// webhook writes the same fact elsewhere (KV is eventually consistent: a write in another
    /// location is not visible to it for up to 60 s), and it was half of a poll's KV operations
    /// and CPU.
    pub async fn record_listed_absent_issue(
        &self,
        submit_id: &SubmitId,
        mgt_key: &MgtKey,
        fact: &IssueFact,
    ) -> Result<Recorded, StoreError> {
        self.put_fact(&keys::issue_fact(submit_id, mgt_key), fact)
            .await?;
        Ok(Recorded::Written)
    }

    /// The same for a filing result (`GetInfos` asks only for receipts listed without one).
    pub async fn record_listed_absent_filing(
        &self,
        submit_id: &SubmitId,
        mgt_key: &MgtKey,
        fact: &FilingFact,
    ) -> Result<Recorded, StoreError> {
        self.put_fact(&keys::filing_fact(submit_id, mgt_key), fact)
            .await?;
        Ok(Recorded::Written)
    }

    pub(crate) async fn write_once<T: Serialize>(
        &self,
        key: &str,
        fact: &T,
    ) -> Result<Recorded, StoreError> {
        if self.kv.get(key).await?.is_some() {
            return Ok(Recorded::AlreadyKnown);
        }
        self.put_fact(key, fact).await?;
        Ok(Recorded::Written)
    }

    async fn put_fact<T: Serialize>(&self, key: &str, fact: &T) -> Result<(), StoreError> {
        let value = encode(fact);
        Ok(self
            .kv
            .put(key, &value.to_string(), Some(&meta::encode(&value)))
            .await?)
    }

    /// Keep an event the Worker could not attach to a receipt (unknown type, unknown receipt).
    pub async fn record_event(
        &self,
        mid: &str,
        body: &str,
        meta: &Value,
    ) -> Result<Recorded, StoreError> {
        let key = keys::event(mid);
        if self.kv.get(&key).await?.is_some() {
            return Ok(Recorded::AlreadyKnown);
        }
        self.kv.put(&key, body, Some(meta)).await?;
        Ok(Recorded::Written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixtures::{corp, issue, submission};
    use crate::core::kv::MemoryKv;
    use futures::executor::block_on;

    #[test]
    fn a_corrupt_record_is_an_error_that_names_its_key_not_a_missing_one() {
        let kv = MemoryKv::new();
        let store = Store::new(&kv);
        let sub = submission(Phase::Accepted, &["K1"]);
        let id = sub.submit_id.clone();
        let key = MgtKey::parse("K1").unwrap();
        block_on(async {
            kv.put("sub:S1", "{not json", None).await.unwrap();
            let err = store.submission(&id).await.unwrap_err();
            assert!(
                matches!(&err, StoreError::Corrupt { key, .. } if key == "sub:S1"),
                "{err:?}"
            );
            kv.put("rcpt:1234567890:K1", "not an id!", None)
                .await
                .unwrap();
            assert!(matches!(
                store.receipt_owner(&corp(), &key).await,
                Err(StoreError::Corrupt { .. })
            ));
            let bad_fact = serde_json::json!({ "code": "one" });
            kv.put("fact:S1:K1:issue", "{}", Some(&bad_fact))
                .await
                .unwrap();
            assert!(matches!(
                store.facts(&id).await,
                Err(StoreError::Corrupt { .. })
            ));
        });
    }

    #[test]
    fn a_corrupt_record_is_described_without_the_values_it_holds() {
        let kv = MemoryKv::new();
        let store = Store::new(&kv);
        let mut record = serde_json::to_value(submission(Phase::Accepted, &["K1"])).unwrap();
        record["cashbills"][0]["identityNum"] = serde_json::json!(1012345678);
        record["submitID"] = serde_json::json!("S1");
        block_on(async {
            kv.put("sub:S1", &record.to_string(), None).await.unwrap();
            let id = SubmitId::parse("S1").unwrap();
            let err = store.submission(&id).await.unwrap_err().to_string();
            assert!(
                err.starts_with("corrupt record under sub:S1: not the shape"),
                "{err}"
            );
            assert!(!err.contains("1012345678"), "{err}");
        });
    }

    #[test]
    fn facts_read_back_by_mgt_key_and_are_written_once() {
        let kv = MemoryKv::new();
        let store = Store::new(&kv);
        let id = SubmitId::parse("S1").unwrap();
        let key = MgtKey::parse("K1").unwrap();
        block_on(async {
            let first = issue(1, Some("20250711100005"));
            assert_eq!(
                store.record_issue(&id, &key, &first).await.unwrap(),
                Recorded::Written
            );
            assert_eq!(
                store
                    .record_issue(&id, &key, &issue(-1, None))
                    .await
                    .unwrap(),
                Recorded::AlreadyKnown
            );
            let facts = store.facts(&id).await.unwrap();
            assert_eq!(facts["K1"].issue.as_ref(), Some(&first));
            assert_eq!(
                store.receipt_facts(&id, &key).await.unwrap().issue,
                Some(first)
            );
        });
    }
}
