//! `POST /v1/refunds`: read the request, judge it against the originals on record, store it,
//! then send at once the refunds whose originals are filed; the others are held (`scheduled`)
//! for the cron. Nothing is stored or sent for a request with any problem.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;
use popbill::{KstDateTime, MgtKey, SubmitId};

use super::Service;
use super::send::SendOutcome;
use crate::core::api::{Detail, MerchantError};
use crate::core::kv::Kv;
use crate::core::refund::{
    Amounts, EarlierRefund, IndexedRefund, Lookup, Original, OriginalRef, RefundRecord,
    RefundRequest, RefundView, generate_refund_id, parse_refunds, plan_refund, refund_view,
};
use crate::core::store::StoreError;
use crate::core::submission::{Phase, Submission};
use crate::core::upstream::Upstream;

/// The answer to a refund request.
#[derive(Debug)]
pub struct Refunded {
    /// 202 newly taken, 200 the same request sent again.
    pub status: u16,
    pub view: RefundView,
    /// Groups POPBiLL just accepted: the caller may start the short post-submit poll for each.
    pub poll: Vec<SubmitId>,
}

impl<K: Kv, U: Upstream> Service<'_, K, U> {
    /// `random` seeds a generated refundID when the body has none.
    pub async fn refunds(
        &self,
        body: &[u8],
        now: KstDateTime,
        random: u64,
    ) -> Result<Refunded, MerchantError> {
        let s = self.settings;
        let req = parse_refunds(body, &s.default_corp, &s.allowed_corps)?;
        let id = req
            .refund_id
            .clone()
            .unwrap_or_else(|| generate_refund_id(now, random));
        let hash = req.content_hash();
        let store = self.store();

        if let Some(record) = store.refund(&id).await? {
            if record.content_hash != hash {
                return Err(MerchantError::RefundIdConflict(id));
            }
            // The same request again: finish whatever an earlier attempt left undone.
            let (groups, poll) = self.finish(&record, false).await?;
            let mut facts = BTreeMap::new();
            for g in &groups {
                facts.extend(store.facts(&g.submit_id).await?);
            }
            return Ok(Refunded {
                status: 200,
                view: refund_view(&record, &groups, &facts),
                poll,
            });
        }

        let originals = self.look_up_originals(&req, &id).await?;
        let record = plan_refund(&req, &id, &originals, hash, now).map_err(|r| {
            if r.only_pending {
                MerchantError::OriginalPending(r.details)
            } else {
                MerchantError::InvalidRefunds(r.details)
            }
        })?;
        self.refuse_used_refund_keys(&record).await?;
        // The record first: from here on, sending the same request again finishes the rest.
        store.save_refund(&record).await?;
        let (groups, poll) = self.finish(&record, true).await?;
        Ok(Refunded {
            status: 202,
            view: refund_view(&record, &groups, &BTreeMap::new()),
            poll,
        })
    }

    /// Write the indices and every group's `sub:` record (with its `open:` marker), then send
    /// the group due now. `fresh`: nothing was written yet but the record; otherwise write only
    /// what is missing. Returns each group as it now stands, and the ones just accepted.
    async fn finish(
        &self,
        record: &RefundRecord,
        fresh: bool,
    ) -> Result<(Vec<Submission>, Vec<SubmitId>), StoreError> {
        let store = self.store();
        let corp = &record.corp_num;
        let ids: Vec<SubmitId> = record.groups.iter().map(|g| g.submit_id.clone()).collect();

        let keys: Vec<MgtKey> = record.refunds.iter().map(|e| e.mgt_key.clone()).collect();
        let indexed = match fresh {
            true => vec![None; keys.len()],
            false => store.receipt_owners(corp, &keys).await?,
        };
        let receipts = record
            .refunds
            .iter()
            .zip(indexed)
            .filter(|(_, owner)| owner.is_none())
            .map(|(e, _)| store.index_receipt(corp, &e.mgt_key, &ids[e.group]));
        join_all(receipts)
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        let store = &store;
        let with_original: Vec<_> = record
            .refunds
            .iter()
            .filter_map(|e| Some((e, e.original.as_ref()?)))
            .collect();
        let indexed = match fresh {
            true => vec![false; with_original.len()],
            false => {
                let pairs: Vec<_> = with_original
                    .iter()
                    .map(|(e, o)| (&o.org_mgt_key, &e.mgt_key))
                    .collect();
                store.refunds_indexed(corp, &pairs).await?
            }
        };
        let totals = with_original
            .into_iter()
            .zip(indexed)
            .filter(|(_, done)| !done)
            .filter_map(|((e, original), _)| {
                let (_, cashbill) = record.cashbills.get(e.mgt_key.as_str())?;
                let entry = IndexedRefund {
                    refund_id: record.refund_id.clone(),
                    submit_id: ids[e.group].clone(),
                    amounts: Amounts::of(cashbill)?,
                    held: record.groups[e.group].due_ms.is_some(),
                    mgt_key: None,
                };
                Some(async move {
                    store
                        .index_refund(corp, &original.org_mgt_key, &e.mgt_key, &entry)
                        .await
                })
            });
        join_all(totals)
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;

        let stored = match fresh {
            true => vec![None; ids.len()],
            false => store.submissions(&ids).await?,
        };
        let mut groups = Vec::with_capacity(ids.len());
        for (g, existing) in stored.into_iter().enumerate() {
            let sub = match existing {
                Some(sub) => sub,
                None => {
                    let sub = record.group_submission(g);
                    store.save_submission(&sub).await?;
                    store.open(&sub).await?;
                    sub
                }
            };
            groups.push(sub);
        }

        let mut poll = Vec::new();
        for sub in groups.iter_mut().filter(|s| s.phase == Phase::Sending) {
            // A retry may find the send landed: ask before sending again.
            let sent = self.drive_send(sub, !fresh).await;
            if sent.outcome == SendOutcome::Accepted {
                poll.push(sub.submit_id.clone());
            }
        }
        Ok((groups, poll))
    }

    /// What the Worker knows of every original named by orgMgtKey.
    async fn look_up_originals(
        &self,
        req: &RefundRequest,
        id: &crate::core::refund::RefundId,
    ) -> Result<BTreeMap<MgtKey, Lookup>, StoreError> {
        let store = self.store();
        let corp = &req.corp_num;
        let named: BTreeSet<MgtKey> = req
            .items
            .iter()
            .filter_map(|i| match &i.original {
                OriginalRef::Known(k) => Some(k.clone()),
                OriginalRef::External { .. } => None,
            })
            .collect();
        let named: Vec<MgtKey> = named.into_iter().collect();
        let mut out = BTreeMap::new();
        if named.is_empty() {
            return Ok(out);
        }
        let owners = store.receipt_owners(corp, &named).await?;
        let missing: Vec<MgtKey> = named
            .iter()
            .zip(&owners)
            .filter(|(_, o)| o.is_none())
            .map(|(k, _)| k.clone())
            .collect();
        for other in self.settings.allowed_corps.iter().filter(|c| *c != corp) {
            if missing.iter().all(|k| out.contains_key(k)) {
                break;
            }
            let theirs = store.receipt_owners(other, &missing).await?;
            for (k, owner) in missing.iter().zip(theirs) {
                if owner.is_some() && !out.contains_key(k) {
                    out.insert(k.clone(), Lookup::OtherCorp(other.clone()));
                }
            }
        }

        let found: Vec<(MgtKey, SubmitId)> = named
            .iter()
            .zip(owners)
            .filter_map(|(k, o)| Some((k.clone(), o?)))
            .collect();
        let sub_ids: Vec<SubmitId> = found
            .iter()
            .map(|(_, s)| s.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let subs: BTreeMap<SubmitId, Submission> = sub_ids
            .iter()
            .cloned()
            .zip(store.submissions(&sub_ids).await?)
            .filter_map(|(id, s)| Some((id, s?)))
            .collect();
        let pairs: Vec<(SubmitId, MgtKey)> =
            found.iter().map(|(k, s)| (s.clone(), k.clone())).collect();
        let facts = store.facts_of(&pairs).await?;
        let found_keys: Vec<MgtKey> = found.iter().map(|(k, _)| k.clone()).collect();
        let earlier = self.refunds_with_status(corp, &found_keys).await?;

        for (((org, owner), facts), earlier) in found.into_iter().zip(facts).zip(earlier) {
            let Some(sub) = subs.get(&owner) else {
                // Indexed, but its record is not visible here yet (KV propagation).
                out.insert(org, Lookup::NotFound);
                continue;
            };
            let Some((_, cashbill)) = sub.cashbills.get(org.as_str()) else {
                out.insert(org, Lookup::NotFound);
                continue;
            };
            let earlier = earlier
                .into_iter()
                // An earlier attempt of this same request left these (its record not visible).
                .filter(|(r, _)| r.refund_id != *id)
                .filter_map(|(r, status)| {
                    Some(EarlierRefund {
                        mgt_key: r.mgt_key?,
                        refund_id: r.refund_id,
                        amounts: r.amounts,
                        counts: !status.is_failed(),
                    })
                })
                .collect();
            let original = Original {
                submit_id: owner,
                cashbill: cashbill.clone(),
                created_ms: sub.created_ms,
                rejected: sub.phase == Phase::Rejected,
                facts,
                earlier,
            };
            out.insert(org, Lookup::Found(Box::new(original)));
        }
        for k in named {
            out.entry(k).or_insert(Lookup::NotFound);
        }
        Ok(out)
    }

    /// A new refund's mgtKey must be new: no receipt, original or refund, may hold it already.
    async fn refuse_used_refund_keys(&self, record: &RefundRecord) -> Result<(), MerchantError> {
        let keys: Vec<MgtKey> = record.refunds.iter().map(|e| e.mgt_key.clone()).collect();
        let owners = self.store().receipt_owners(&record.corp_num, &keys).await?;
        let ours: BTreeSet<&SubmitId> = record.groups.iter().map(|g| &g.submit_id).collect();
        let details: Vec<Detail> = keys
            .iter()
            .zip(owners)
            .enumerate()
            .filter_map(|(i, (key, owner))| {
                let other = owner.filter(|o| !ours.contains(o))?;
                Some(Detail {
                    index: Some(i),
                    field: Some("mgtKey".into()),
                    reason: "in_use".into(),
                    popbill_code: Some(popbill::codes::MGT_KEY_IN_USE),
                    message: format!("mgtKey {key} belongs to submission {other}"),
                })
            })
            .collect();
        if details.is_empty() {
            Ok(())
        } else {
            Err(MerchantError::MgtKeyInUse(details))
        }
    }
}
