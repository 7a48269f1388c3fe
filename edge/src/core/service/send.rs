//! Sending a stored submission to POPBiLL exactly once.
//!
//! A SubmitID can never be reused, and POPBiLL refuses a second BulkSubmit under one
//! (`-14010021`), so resending under the same SubmitID can never issue a receipt twice. Still,
//! after any failure where POPBiLL might have the submission (timeout, reset, 5xx) the Worker first
//! asks GetBulkResult, and sends again only on `-14010022` (POPBiLL provably does not have it).

use popbill::codes::{SUBMIT_ID_IN_USE, SUBMIT_ID_NOT_FOUND};

use super::Service;
use crate::core::kv::Kv;
use crate::core::store::{Recorded, StoreError};
use crate::core::submission::{Phase, Rejection, Submission};
use crate::core::upstream::{Upstream, UpstreamError, UpstreamErrorKind};

/// How a send attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Accepted,
    Rejected,
    /// Still unresolved (POPBiLL unreachable, or its answer ambiguous); reconcile retries.
    Pending(UpstreamError),
}

/// A send attempt's outcome, and whether it could be stored.
#[derive(Debug)]
pub(super) struct Sent {
    pub outcome: SendOutcome,
    /// POPBiLL answered but the answer was not stored: the submission still reads as `Sending`,
    /// and reconcile asks POPBiLL again (which is safe: it never resends blindly).
    pub unsaved: Option<StoreError>,
    /// A refusal was stored but its events could neither be queued nor marked for the cron.
    pub unnotified: Option<StoreError>,
}

enum Attempt {
    Accepted(Option<String>),
    Rejected(Rejection),
    /// POPBiLL may have it: ask before anything else.
    Unclear(UpstreamError),
    /// Nothing was sent, or POPBiLL refused for a reason that may pass (auth).
    Failed(UpstreamError),
}

impl<K: Kv, U: Upstream> Service<'_, K, U> {
    /// Drive a `Sending` submission to `Accepted` or `Rejected` if POPBiLL lets us, and store the
    /// new phase. `check_first`: the submission may already be at POPBiLL (a retry, reconcile);
    /// without it the submission is fresh from intake, which read its outcome key absent.
    pub(super) async fn drive_send(&self, sub: &mut Submission, check_first: bool) -> Sent {
        let sent = |outcome| Sent {
            outcome,
            unsaved: None,
            unnotified: None,
        };
        if sub.phase != Phase::Sending {
            return sent(self.outcome_of(sub));
        }
        let attempt = if check_first {
            self.resolve(sub).await
        } else {
            match self.send_once(sub).await {
                Attempt::Unclear(_)
                | Attempt::Failed(UpstreamError {
                    kind: UpstreamErrorKind::Retryable,
                    ..
                }) => self.resolve(sub).await,
                other => other,
            }
        };
        match attempt {
            Attempt::Accepted(receipt_id) => {
                sub.phase = Phase::Accepted;
                sub.receipt_id = receipt_id;
            }
            Attempt::Rejected(r) => {
                sub.phase = Phase::Rejected;
                sub.rejection = Some(r);
            }
            Attempt::Unclear(e) | Attempt::Failed(e) => return sent(SendOutcome::Pending(e)),
        }
        let saved = if check_first {
            self.store().save_outcome(sub).await
        } else {
            self.store().save_first_outcome(sub).await
        };
        let unnotified = match (&saved, sub.phase) {
            (Ok(Recorded::Written), Phase::Rejected) => self.notify_rejected(sub).await.err(),
            _ => None,
        };
        Sent {
            outcome: self.outcome_of(sub),
            unsaved: saved.err(),
            unnotified,
        }
    }

    fn outcome_of(&self, sub: &Submission) -> SendOutcome {
        match sub.phase {
            Phase::Accepted => SendOutcome::Accepted,
            Phase::Rejected => SendOutcome::Rejected,
            Phase::Held | Phase::Sending => SendOutcome::Pending(UpstreamError::new(
                UpstreamErrorKind::Retryable,
                None,
                "not sent yet",
            )),
        }
    }

    async fn send_once(&self, sub: &Submission) -> Attempt {
        let (corp, id) = (&sub.corp_num, &sub.submit_id);
        match self.upstream.bulk_submit(corp, id, &sub.cashbills).await {
            Ok(resp) => Attempt::Accepted(resp.receipt_id),
            // Already there (an earlier attempt landed): learn its receiptID.
            Err(e) if e.is_code(SUBMIT_ID_IN_USE) => {
                match self.upstream.get_bulk_result(corp, id).await {
                    Ok(r) => Attempt::Accepted(r.receipt_id),
                    Err(e) => Attempt::Unclear(e),
                }
            }
            Err(e) => match e.kind {
                UpstreamErrorKind::InvalidRequest => Attempt::Rejected(Rejection {
                    code: e.code.unwrap_or(-1),
                    message: e.message.clone(),
                }),
                UpstreamErrorKind::Auth => Attempt::Failed(e),
                UpstreamErrorKind::Retryable => Attempt::Failed(e),
                UpstreamErrorKind::Ambiguous => Attempt::Unclear(e),
            },
        }
    }

    /// Ask POPBiLL whether it has the submission; send only if it provably does not.
    async fn resolve(&self, sub: &Submission) -> Attempt {
        match self
            .upstream
            .get_bulk_result(&sub.corp_num, &sub.submit_id)
            .await
        {
            Ok(r) => Attempt::Accepted(r.receipt_id),
            Err(e) if e.is_code(SUBMIT_ID_NOT_FOUND) => match self.send_once(sub).await {
                // A second unclear answer is left to reconcile, which resolves again.
                Attempt::Failed(e) | Attempt::Unclear(e) => Attempt::Unclear(e),
                other => other,
            },
            Err(e) => Attempt::Unclear(e),
        }
    }
}
