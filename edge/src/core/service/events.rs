//! The merchant's events, from where the service records facts (docs/NOTIFICATIONS.md):
//!
//! - a webhook's fact, right after it is stored (and again when POPBiLL re-sends that very
//!   webhook, since the first try may have stopped between storing and queueing);
//! - the polls' facts, once a poll has stored them (one queue send per poll);
//! - POPBiLL refusing a submission, once its answer is stored;
//! - `submission.completed`, when the cron closes a submission whose receipts are all final;
//! - the cron re-sending what the queue once refused (`unsent:` markers), and a replay by
//!   submission.
//!
//! Nothing here writes KV while the queue takes the events.

use std::collections::BTreeMap;

use popbill::{MgtKey, SubmitId};

use super::Service;
use super::notify::{Emitted, FailedPage, Notifier, ReplayReport, ReplayRequest};
use crate::core::api::NotificationsError;
use crate::core::facts::Source;
use crate::core::keys::FactKind;
use crate::core::kv::{Kv, KvError};
use crate::core::notify::derive::{self, Which};
use crate::core::notify::event::{Event, EventType, filing_event, issue_event};
use crate::core::status::ReceiptFacts;
use crate::core::store::{Recorded, StoreError};
use crate::core::submission::Submission;
use crate::core::upstream::Upstream;
use crate::core::webhook::Fact;

/// What the cron's re-send of unsent events did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resent {
    /// Submissions whose events went out again (markers removed).
    pub submissions: usize,
    pub events: usize,
    /// Markers left for the next run (the queue refused again, or a read failed).
    pub left: Vec<(SubmitId, String)>,
}

impl<'a, K: Kv, U: Upstream> Service<'a, K, U> {
    /// A notifier and the Worker's time, when notifications are on.
    fn notifier(&self) -> Option<(Notifier<'a, K>, i64)> {
        let e = self.events?;
        e.notifications.config()?;
        let notifier = Notifier::new(self.kv, e.outbox, e.notifications);
        Some((notifier, e.clock.now_millis()))
    }

    /// Whether events of this type are queued now (so reads for one are worth making).
    fn wants(&self, t: EventType) -> bool {
        self.events.is_some_and(|e| e.notifications.wants(t))
    }

    /// Queue the events `make` derives at the Worker's current time. `Ok` also when the queue
    /// refused and the submission was marked for the cron; `Err` when nothing remembers them.
    async fn notify(
        &self,
        sub: &Submission,
        make: impl FnOnce(i64) -> Vec<Event>,
    ) -> Result<Emitted, KvError> {
        let Some((notifier, now_ms)) = self.notifier() else {
            return Ok(Emitted::Nothing);
        };
        let events = make(now_ms);
        notifier
            .emit(sub.corp_num.as_str(), sub.submit_id.as_str(), events)
            .await
    }

    /// After a webhook's fact was stored (`Written`) or found on record (`AlreadyKnown`).
    pub(super) async fn notify_webhook_fact(
        &self,
        owner: &SubmitId,
        key: &MgtKey,
        fact: &Fact,
        recorded: Recorded,
    ) -> Result<(), StoreError> {
        let (kind, t, mid) = match fact {
            Fact::Issue(f) => (FactKind::Issue, issue_event(f), f.mid.as_deref()),
            Fact::Filing(f) => (FactKind::Filing, filing_event(f), f.mid.as_deref()),
        };
        if !self.wants(t) {
            return Ok(());
        }
        // What `GET /v1/cashbills/{mgtKey}` reads: the submission (for the receipt's fields)
        // and this receipt's facts (one `list` of at most two keys).
        let store = self.store();
        let Some(sub) = store.submission(owner).await? else {
            return Ok(());
        };
        let mut facts = BTreeMap::new();
        let entry = facts
            .entry(key.clone())
            .or_insert(store.receipt_facts(owner, key).await?);
        match recorded {
            // The listing may not show the write yet (KV propagates): the fact is known here.
            Recorded::Written => match fact {
                Fact::Issue(f) => _ = entry.issue.get_or_insert_with(|| f.clone()),
                Fact::Filing(f) => _ = entry.filing.get_or_insert_with(|| f.clone()),
            },
            // Only POPBiLL re-sending this very event (same Pb-Webhook-MID) is emitted again:
            // a poll that got there first queued the event itself.
            Recorded::AlreadyKnown => {
                let stored = match kind {
                    FactKind::Issue => entry.issue.as_ref().map(|f| (f.source, f.mid.as_deref())),
                    FactKind::Filing => entry.filing.as_ref().map(|f| (f.source, f.mid.as_deref())),
                    // Not a webhook's fact.
                    FactKind::Blocked => None,
                };
                if mid.is_none() || stored != Some((Source::Webhook, mid)) {
                    return Ok(());
                }
            }
        }
        let only = [(key.clone(), kind)];
        self.notify(&sub, |now| {
            derive::receipt_events(&sub, &facts, Which::Only(&only), now)
        })
        .await?;
        Ok(())
    }

    /// After a poll stored `recorded` (now part of `facts`).
    pub(super) async fn notify_recorded(
        &self,
        sub: &Submission,
        facts: &BTreeMap<MgtKey, ReceiptFacts>,
        recorded: &[(MgtKey, FactKind)],
    ) -> Result<(), StoreError> {
        if !recorded.is_empty() {
            self.notify(sub, |now| {
                derive::receipt_events(sub, facts, Which::Only(recorded), now)
            })
            .await?;
        }
        Ok(())
    }

    /// After POPBiLL's refusal of `sub` was stored: every receipt failed, and the submission.
    pub(super) async fn notify_rejected(&self, sub: &Submission) -> Result<(), StoreError> {
        let none = BTreeMap::new();
        self.notify(sub, |now| derive::all_events(sub, &none, now))
            .await?;
        Ok(())
    }

    /// Before the cron closes `sub` (every receipt final): `submission.completed`.
    pub(super) async fn notify_completed(
        &self,
        sub: &Submission,
        facts: &BTreeMap<MgtKey, ReceiptFacts>,
    ) -> Result<(), StoreError> {
        if self.wants(EventType::SubmissionCompleted) {
            self.notify(sub, |now| {
                derive::submission_event(sub, facts, now)
                    .into_iter()
                    .collect()
            })
            .await?;
        }
        Ok(())
    }

    /// The cron: send again every event of each submission the queue once refused (at most
    /// `limit` submissions), and remove the markers of those that went out.
    pub(super) async fn resend_unsent(&self, limit: usize) -> Result<Resent, StoreError> {
        let mut out = Resent::default();
        let Some((notifier, _)) = self.notifier() else {
            return Ok(out);
        };
        for unsent in notifier.unsent().await?.into_iter().take(limit) {
            let Ok(id) = SubmitId::parse(&unsent.submit_id) else {
                // Not a marker this Worker wrote: nothing to send for it.
                notifier.clear_unsent(&unsent.submit_id).await?;
                continue;
            };
            let store = self.store();
            let sub = match store.submission(&id).await {
                Ok(Some(sub)) => sub,
                Ok(None) => {
                    out.left.push((id, "submission not readable yet".into()));
                    continue;
                }
                Err(e) => {
                    out.left.push((id, e.to_string()));
                    continue;
                }
            };
            let facts = store.facts(&id).await?;
            match self
                .notify(&sub, |now| derive::all_events(&sub, &facts, now))
                .await?
            {
                Emitted::Deferred(e) => out.left.push((id, e.to_string())),
                Emitted::Queued(n) => {
                    out.events += n;
                    out.submissions += 1;
                    notifier.clear_unsent(id.as_str()).await?;
                }
                Emitted::Nothing => {
                    out.submissions += 1;
                    notifier.clear_unsent(id.as_str()).await?;
                }
            }
        }
        Ok(out)
    }

    /// `GET /v1/notifications/failed`: one page of dead letters.
    pub async fn failed_events(
        &self,
        cursor: Option<&str>,
    ) -> Result<FailedPage, NotificationsError> {
        let e = self.events.ok_or(NotificationsError::Off)?;
        let notifier = Notifier::new(self.kv, e.outbox, e.notifications);
        Ok(notifier.failed(cursor).await?)
    }

    /// `POST /v1/notifications/replay`: dead letters by id or all of them, or every event of a
    /// submission derived again from its facts.
    pub async fn replay(&self, body: &[u8]) -> Result<ReplayReport, NotificationsError> {
        let req = ReplayRequest::parse(body)?;
        let e = self.events.ok_or(NotificationsError::Off)?;
        let notifier = Notifier::new(self.kv, e.outbox, e.notifications);
        notifier.ensure_on()?;
        let Some(raw) = &req.submit_id else {
            return notifier.replay(&req).await;
        };
        let id = SubmitId::parse(raw)
            .map_err(|_| NotificationsError::InvalidRequest("submitID is not a SubmitID".into()))?;
        let store = self.store();
        let sub = store
            .submission(&id)
            .await?
            .ok_or(NotificationsError::NotFound("submission"))?;
        let facts = store.facts(&id).await?;
        let events = derive::all_events(&sub, &facts, e.clock.now_millis());
        let ids: Vec<String> = events
            .iter()
            .filter(|ev| e.notifications.wants(ev.kind))
            .map(|ev| ev.id.clone())
            .collect();
        match notifier
            .emit(sub.corp_num.as_str(), sub.submit_id.as_str(), events)
            .await?
        {
            Emitted::Deferred(e) => Err(NotificationsError::Queue(e)),
            Emitted::Queued(_) | Emitted::Nothing => Ok(ReplayReport {
                replayed: ids,
                not_found: Vec::new(),
                remaining: false,
            }),
        }
    }
}
