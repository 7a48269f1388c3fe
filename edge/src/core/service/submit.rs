//! `POST /v1/submissions`: validate everything, store, then send.

use std::collections::BTreeMap;

use futures::future::join_all;
use popbill::{CorpNum, KstDateTime, MgtKey, SubmitId};

use super::Service;
use super::send::SendOutcome;
use crate::core::api::{Detail, MerchantError};
use crate::core::intake::{generate_submit_id, read_submit};
use crate::core::kv::Kv;
use crate::core::status::{ReceiptFacts, SubmissionView, submission_view};
use crate::core::submission::{Phase, Submission, content_hash};
use crate::core::upstream::{Upstream, UpstreamErrorKind};

/// The answer to a submission: HTTP status and the submission as it now stands.
#[derive(Debug)]
pub struct Submitted {
    /// 202 newly accepted (or pending), 200 the same submission sent again.
    pub status: u16,
    pub view: SubmissionView,
    /// True when the caller should start the short post-submit poll.
    pub poll: bool,
}

impl<K: Kv, U: Upstream> Service<'_, K, U> {
    /// `random` seeds a generated SubmitID when the body has none.
    pub async fn submit(
        &self,
        body: &[u8],
        now: KstDateTime,
        random: u64,
    ) -> Result<Submitted, MerchantError> {
        let s = self.settings;
        let draft = read_submit(body, &s.default_corp, &s.allowed_corps)?;
        let store = self.store();

        // The same submission again (same submitID, same content) is answered as stored before
        // the rules are asked again: its tradeDT may have left the "today or yesterday" window
        // since, and a client resending after a lost answer must still learn what happened.
        let stored = match draft.replay_key() {
            Some((id, hash)) => match store.submission(id).await? {
                Some(existing) if existing.content_hash == hash => {
                    return self.answer_again(existing).await;
                }
                other => other,
            },
            None => None,
        };
        let req = draft.check(now)?;
        let submit_id = req
            .submit_id
            .unwrap_or_else(|| generate_submit_id(now, random));
        if stored.is_some() {
            return Err(MerchantError::SubmitIdConflict(submit_id));
        }
        let hash = content_hash(&req.corp_num, req.cashbills.as_slice());

        self.refuse_used_mgt_keys(&req.corp_num, &submit_id, req.cashbills.mgt_keys())
            .await?;

        let mut sub = Submission {
            submit_id,
            corp_num: req.corp_num,
            content_hash: hash,
            created_ms: now.unix_millis(),
            phase: Phase::Sending,
            receipt_id: None,
            rejection: None,
            refund: None,
            cashbills: req.cashbills,
        };
        // The record first: from here on, a crash leaves something reconcile can finish, and no
        // open marker or index entry ever names a submission that is not stored. Then the open
        // marker and the index together (Workers run 6 KV calls at a time; the index must be
        // complete before BulkSubmit, since Issue events name only corpNum and mgtKey).
        store.save_submission(&sub).await?;
        let (opened, indexed) = futures::join!(
            store.open(&sub),
            join_all(
                sub.mgt_keys()
                    .map(|k| store.index_receipt(&sub.corp_num, k, &sub.submit_id)),
            )
        );
        opened?;
        indexed.into_iter().collect::<Result<Vec<_>, _>>()?;

        // An answer not stored is asked again by reconcile; the caller gets it now.
        let outcome = self.drive_send(&mut sub, false).await.outcome;
        self.answer(&sub, &BTreeMap::new(), 202, Some(outcome))
    }

    /// The same submission again: answer what is stored; finish a send left unresolved.
    async fn answer_again(&self, mut existing: Submission) -> Result<Submitted, MerchantError> {
        let outcome = if existing.phase == Phase::Sending {
            // An answer not stored is asked again by reconcile; the caller gets it now.
            Some(self.drive_send(&mut existing, true).await.outcome)
        } else {
            None
        };
        let facts = self.store().facts(&existing.submit_id).await?;
        self.answer(&existing, &facts, 200, outcome)
    }

    fn answer(
        &self,
        sub: &Submission,
        facts: &BTreeMap<MgtKey, ReceiptFacts>,
        status: u16,
        outcome: Option<SendOutcome>,
    ) -> Result<Submitted, MerchantError> {
        let view = submission_view(sub, facts);
        match outcome {
            Some(SendOutcome::Rejected) => Err(MerchantError::PopbillRejected {
                submit_id: sub.submit_id.clone(),
                rejection: sub.rejection.clone(),
            }),
            Some(SendOutcome::Pending(e)) if e.kind == UpstreamErrorKind::Auth => {
                Err(MerchantError::PopbillAuthFailed {
                    submit_id: sub.submit_id.clone(),
                    code: e.code,
                })
            }
            Some(SendOutcome::Accepted) => Ok(Submitted {
                status,
                view,
                poll: true,
            }),
            _ => Ok(Submitted {
                status,
                view,
                poll: false,
            }),
        }
    }

    /// A mgtKey is unique per CorpNum forever: refuse keys another submission already holds,
    /// rather than let POPBiLL fail them one by one (and so the receipt index stays true).
    async fn refuse_used_mgt_keys(
        &self,
        corp: &CorpNum,
        submit_id: &SubmitId,
        keys: &[MgtKey],
    ) -> Result<(), MerchantError> {
        let owners = self.store().receipt_owners(corp, keys).await?;
        let mut details = Vec::new();
        for (i, (key, owner)) in keys.iter().zip(owners).enumerate() {
            if let Some(other) = owner
                && other != *submit_id
            {
                details.push(Detail {
                    index: Some(i),
                    field: Some("mgtKey".into()),
                    reason: "in_use".into(),
                    popbill_code: Some(popbill::codes::MGT_KEY_IN_USE),
                    message: format!("mgtKey {key} belongs to submission {other}"),
                });
            }
        }
        if details.is_empty() {
            Ok(())
        } else {
            Err(MerchantError::MgtKeyInUse(details))
        }
    }
}
