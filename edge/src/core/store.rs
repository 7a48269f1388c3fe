//! Typed access to the KV schema in `keys.rs`. Writes of facts are write-once: an existing fact
//! is never rewritten (that is also how duplicate webhooks are recognised).

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::facts::{FilingFact, IssueFact};
use super::keys::{self, FactKind};
use super::kv::{Kv, KvError};
use super::meta;
use super::status::ReceiptFacts;
use super::submission::{Outcome, Submission};

/// What a fact write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Written,
    /// Already on record (a duplicate or a second source): nothing written.
    AlreadyKnown,
}

pub struct Store<'a, K: Kv> {
    kv: &'a K,
}

fn decode<T: DeserializeOwned>(
    op: &'static str,
    raw: Option<String>,
) -> Result<Option<T>, KvError> {
    raw.map(|s| {
        serde_json::from_str(&s).map_err(|e| KvError {
            op,
            reason: format!("corrupt record: {e}"),
        })
    })
    .transpose()
}

impl<'a, K: Kv> Store<'a, K> {
    pub fn new(kv: &'a K) -> Self {
        Store { kv }
    }

    pub fn kv(&self) -> &'a K {
        self.kv
    }

    /// The submission with POPBiLL's answer applied: the record (`sub:`) and its outcome
    /// (`sent:`), read together (one bulk read on Workers KV).
    pub async fn submission(&self, submit_id: &str) -> Result<Option<Submission>, KvError> {
        let both = self
            .kv
            .get_many(&[keys::submission(submit_id), keys::outcome(submit_id)])
            .await?;
        let mut both = both.into_iter();
        let (record, outcome) = (both.next().flatten(), both.next().flatten());
        let Some(mut sub) = decode::<Submission>("get", record)? else {
            return Ok(None);
        };
        if let Some(outcome) = decode::<Outcome>("get", outcome)? {
            sub.phase = outcome.phase;
            sub.receipt_id = outcome.receipt_id;
            sub.rejection = outcome.rejection;
        }
        Ok(Some(sub))
    }

    /// The record, written once at intake (KV allows one write per second per key, so what
    /// changes later lives under its own key).
    pub async fn save_submission(&self, sub: &Submission) -> Result<(), KvError> {
        let json = serde_json::to_string(sub).map_err(|e| KvError {
            op: "put",
            reason: e.to_string(),
        })?;
        self.kv
            .put(&keys::submission(&sub.submit_id), &json, None)
            .await
    }

    /// POPBiLL's answer to the BulkSubmit (accepted with a receiptID, or refused), written once.
    pub async fn save_outcome(&self, sub: &Submission) -> Result<Recorded, KvError> {
        let outcome = Outcome {
            phase: sub.phase,
            receipt_id: sub.receipt_id.clone(),
            rejection: sub.rejection.clone(),
        };
        self.write_once(&keys::outcome(&sub.submit_id), &outcome)
            .await
    }

    pub async fn open(&self, sub: &Submission) -> Result<(), KvError> {
        let meta = json!({ "corpNum": sub.corp_num, "createdMs": sub.created_ms });
        self.kv
            .put(&keys::open(&sub.submit_id), "1", Some(&meta))
            .await
    }

    pub async fn close(&self, submit_id: &str) -> Result<(), KvError> {
        self.kv.delete(&keys::open(submit_id)).await
    }

    /// The submission a receipt belongs to.
    pub async fn receipt_owner(
        &self,
        corp_num: &str,
        mgt_key: &str,
    ) -> Result<Option<String>, KvError> {
        self.kv.get(&keys::receipt(corp_num, mgt_key)).await
    }

    /// The submissions several receipts belong to, in order (one bulk read on Workers KV).
    pub async fn receipt_owners(
        &self,
        corp_num: &str,
        mgt_keys: &[&str],
    ) -> Result<Vec<Option<String>>, KvError> {
        let keys: Vec<String> = mgt_keys
            .iter()
            .map(|k| keys::receipt(corp_num, k))
            .collect();
        self.kv.get_many(&keys).await
    }

    pub async fn index_receipt(
        &self,
        corp_num: &str,
        mgt_key: &str,
        submit_id: &str,
    ) -> Result<(), KvError> {
        self.kv
            .put(&keys::receipt(corp_num, mgt_key), submit_id, None)
            .await
    }

    /// Every fact of a submission, by mgtKey: one `list` per 1000 facts.
    pub async fn facts(&self, submit_id: &str) -> Result<BTreeMap<String, ReceiptFacts>, KvError> {
        self.facts_with_prefix(&keys::facts_of_submission(submit_id))
            .await
    }

    /// The facts of one receipt.
    pub async fn receipt_facts(
        &self,
        submit_id: &str,
        mgt_key: &str,
    ) -> Result<ReceiptFacts, KvError> {
        let mut all = self
            .facts_with_prefix(&keys::facts_of_receipt(submit_id, mgt_key))
            .await?;
        Ok(all.remove(mgt_key).unwrap_or_default())
    }

    async fn facts_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<BTreeMap<String, ReceiptFacts>, KvError> {
        let mut out: BTreeMap<String, ReceiptFacts> = BTreeMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.kv.list(prefix, cursor.as_deref()).await?;
            for key in page.keys {
                let Some((mgt_key, kind)) = keys::parse_fact(&key.name) else {
                    continue;
                };
                // A key listed without metadata (should not happen) is read directly.
                let meta = match key.metadata {
                    Some(m) => Some(meta::decode(&m)),
                    None => self
                        .kv
                        .get(&key.name)
                        .await?
                        .and_then(|s| serde_json::from_str(&s).ok()),
                };
                let Some(meta) = meta else { continue };
                let entry = out.entry(mgt_key.to_owned()).or_default();
                match kind {
                    FactKind::Issue => entry.issue = serde_json::from_value(meta).ok(),
                    FactKind::Filing => entry.filing = serde_json::from_value(meta).ok(),
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
        submit_id: &str,
        mgt_key: &str,
        fact: &IssueFact,
    ) -> Result<Recorded, KvError> {
        self.write_once(&keys::issue_fact(submit_id, mgt_key), fact)
            .await
    }

    pub async fn record_filing(
        &self,
        submit_id: &str,
        mgt_key: &str,
        fact: &FilingFact,
    ) -> Result<Recorded, KvError> {
        self.write_once(&keys::filing_fact(submit_id, mgt_key), fact)
            .await
    }

    async fn write_once<T: Serialize>(&self, key: &str, fact: &T) -> Result<Recorded, KvError> {
        if self.kv.get(key).await?.is_some() {
            return Ok(Recorded::AlreadyKnown);
        }
        let meta: Value = serde_json::to_value(fact).map_err(|e| KvError {
            op: "put",
            reason: e.to_string(),
        })?;
        self.kv
            .put(key, &meta.to_string(), Some(&meta::encode(&meta)))
            .await?;
        Ok(Recorded::Written)
    }

    /// Keep an event the Worker could not attach to a receipt (unknown type, unknown receipt).
    pub async fn record_event(
        &self,
        mid: &str,
        body: &str,
        meta: &Value,
    ) -> Result<Recorded, KvError> {
        let key = keys::event(mid);
        if self.kv.get(&key).await?.is_some() {
            return Ok(Recorded::AlreadyKnown);
        }
        self.kv.put(&key, body, Some(meta)).await?;
        Ok(Recorded::Written)
    }
}
