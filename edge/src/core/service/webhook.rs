//! `POST /v1/popbill/webhook`: authenticate, store durably, then acknowledge.

use popbill::wire::WebhookEvent;
use popbill::{CorpNum, MgtKey, SubmitId};
use serde_json::json;

use super::Service;
use crate::core::api::{BodyError, WebhookError};
use crate::core::kv::Kv;
use crate::core::store::Recorded;
use crate::core::upstream::Upstream;
use crate::core::webhook::{Classified, Fact, MAX_WEBHOOK_BYTES, WebhookHeaders, classify};

/// What happened to an acknowledged event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// A new fact about a receipt was stored.
    Stored,
    /// Already on record (a retry, a duplicate, or the poller got there first).
    Duplicate,
    /// Stored as an event the Worker could not attach (unknown type or receipt); reconcile
    /// polling covers the receipt either way.
    Unattached,
}

impl<K: Kv, U: Upstream> Service<'_, K, U> {
    /// Ok means "answer 200 OK"; any error makes POPBiLL retry later.
    pub async fn webhook(
        &self,
        headers: &WebhookHeaders,
        body: &[u8],
    ) -> Result<WebhookOutcome, WebhookError> {
        let auth = &self.settings.webhook_auth;
        if !auth.is_configured() {
            return Err(WebhookError::NoCredentials);
        }
        if !auth.allows(
            headers.x_api_key.as_deref(),
            headers.authorization.as_deref(),
        ) {
            return Err(WebhookError::Unauthorized);
        }
        if body.len() > MAX_WEBHOOK_BYTES {
            return Err(BodyError::TooLarge(MAX_WEBHOOK_BYTES).into());
        }
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| BodyError::MalformedJson)?;
        if !value.is_object() {
            return Err(BodyError::Malformed("the event must be a JSON object").into());
        }
        let event: WebhookEvent =
            serde_json::from_value(value).map_err(|_| BodyError::MalformedJson)?;
        let store = self.store();

        let recorded = match classify(&event, headers) {
            Classified::Receipt { target, fact } => {
                let hint = target.submit_id.as_ref();
                match self.owner(&target.corp, &target.mgt_key, hint).await? {
                    Some(owner) => {
                        let recorded = match &fact {
                            Fact::Issue(f) => {
                                store.record_issue(&owner, &target.mgt_key, f).await?
                            }
                            Fact::Filing(f) => {
                                store.record_filing(&owner, &target.mgt_key, f).await?
                            }
                        };
                        // Queued before the 200: if it cannot be, POPBiLL's retry brings it back.
                        self.notify_webhook_fact(&owner, &target.mgt_key, &fact, recorded)
                            .await?;
                        Some(recorded)
                    }
                    None => None,
                }
            }
            Classified::Other { .. } => None,
        };
        match recorded {
            Some(Recorded::Written) => Ok(WebhookOutcome::Stored),
            Some(Recorded::AlreadyKnown) => Ok(WebhookOutcome::Duplicate),
            None => {
                let mid = headers.mid.clone().unwrap_or_else(|| fallback_mid(body));
                let meta = json!({
                    "eventType": event.event_type.or(headers.event_type.clone()),
                    "mgtKey": event.mgt_key,
                });
                let text = String::from_utf8_lossy(body);
                match store.record_event(&mid, &text, &meta).await? {
                    Recorded::Written => Ok(WebhookOutcome::Unattached),
                    Recorded::AlreadyKnown => Ok(WebhookOutcome::Duplicate),
                }
            }
        }
    }

    /// The submission a receipt belongs to: the index decides (the event's submitID is only a
    /// hint, so an event never writes facts under a submission that does not own the receipt).
    async fn owner(
        &self,
        corp: &CorpNum,
        mgt_key: &MgtKey,
        hinted: Option<&SubmitId>,
    ) -> Result<Option<SubmitId>, WebhookError> {
        let owner = self.store().receipt_owner(corp, mgt_key).await?;
        Ok(match (owner, hinted) {
            (Some(o), _) => Some(o),
            // The index write may not have propagated yet (KV is eventually consistent).
            (None, Some(h))
                if self
                    .store()
                    .submission(h)
                    .await?
                    .is_some_and(|s| s.mgt_keys().any(|k| k == mgt_key)) =>
            {
                Some(h.clone())
            }
            (None, _) => None,
        })
    }
}

/// A stable identity for an event without `Pb-Webhook-MID`: its content.
fn fallback_mid(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(body);
    d.iter().take(12).map(|b| format!("{b:02x}")).collect()
}
