//! `GET /v1/submissions/{submitID}` and `GET /v1/cashbills/{mgtKey}` (an original's with its
//! refunds). Reads tolerate stale KV: what they show is never ahead of the truth and catches up
//! within KV's propagation delay.

use popbill::validate::is_cancellation;
use popbill::{CorpNum, MgtKey, SubmitId};

use super::Service;
use crate::core::api::MerchantError;
use crate::core::kv::Kv;
use crate::core::refund::{Amounts, OriginalRefunds};
use crate::core::status::{ReceiptView, SubmissionView, receipt_view, submission_view};
use crate::core::upstream::Upstream;

impl<K: Kv, U: Upstream> Service<'_, K, U> {
    pub async fn submission(&self, submit_id: &str) -> Result<SubmissionView, MerchantError> {
        let id = SubmitId::parse(submit_id).map_err(|_| MerchantError::NotFound("submission"))?;
        let store = self.store();
        let sub = store
            .submission(&id)
            .await?
            .ok_or(MerchantError::NotFound("submission"))?;
        let facts = store.facts(&sub.submit_id).await?;
        Ok(submission_view(&sub, &facts))
    }

    /// One receipt; `corp_num` defaults to the Worker's member CorpNum.
    pub async fn cashbill(
        &self,
        corp_num: Option<&str>,
        mgt_key: &str,
    ) -> Result<ReceiptView, MerchantError> {
        let corp = match corp_num {
            Some(c) => CorpNum::parse(c).map_err(|_| MerchantError::InvalidCorpNum)?,
            None => self.settings.default_corp.clone(),
        };
        let key = MgtKey::parse(mgt_key).map_err(|_| MerchantError::NotFound("cashbill"))?;
        let store = self.store();
        let owner = store
            .receipt_owner(&corp, &key)
            .await?
            .ok_or(MerchantError::NotFound("cashbill"))?;
        let sub = store
            .submission(&owner)
            .await?
            .ok_or(MerchantError::NotFound("cashbill"))?;
        let (key, cashbill) = sub
            .cashbills
            .get(key.as_str())
            .ok_or(MerchantError::NotFound("cashbill"))?;
        let facts = store.receipt_facts(&sub.submit_id, key).await?;
        let mut view = receipt_view(&sub, key, cashbill, &facts);
        // An original: its refunds, what was refunded and what remains.
        if !is_cancellation(cashbill)
            && let Some(amounts) = Amounts::of(cashbill)
        {
            let refunds = self
                .refunds_with_status(&corp, std::slice::from_ref(key))
                .await?;
            let refunds = refunds.into_iter().next().unwrap_or_default();
            view.refunds = Some(OriginalRefunds::new(amounts, refunds));
        }
        Ok(view)
    }
}
