//! Where batches go: the Worker's merchant API, or POPBiLL itself (`--direct`, submissions
//! only: refunds need the Worker, which holds them until POPBiLL can take them).
//!
//! Both promise the same thing: [`Backend::send`] never makes POPBiLL issue a batch twice
//! (the Worker answers a stored submission or refund request for the same id and content; the
//! direct path asks GetBulkResult before every BulkSubmit), so a run can always be repeated.

pub mod counting;
pub mod direct;
pub mod worker;

use popbill::wire::Cashbill;
use popbill::{CorpNum, SubmitId};

use crate::op::Op;
use crate::receipt::{Status, Update};
use crate::refund::RefundRow;

/// Why `refund --direct` is refused (the command line says so before anything is read).
pub const DIRECT_REFUNDS: &str = "refunds cannot be sent with --direct: POPBiLL takes a cancellation receipt (취소거래) only once its original is filed with the NTS (stateCode 304, from 11:00 KST the day after issuance; before that it answers -14001021), and never beyond what is left of the original. The Worker holds each refund until then and keeps the running totals (POST /v1/refunds): send refunds through the Worker (--worker URL --token TOKEN)";

/// The HTTP client every request goes through: hyper (the `popbill` crate's native transport),
/// counted.
pub type Http = counting::Counting<popbill::native::NativeTransport>;

/// One batch's rows.
#[derive(Debug, Clone)]
pub enum Items<'a> {
    Cashbills(Vec<&'a Cashbill>),
    Refunds(Vec<&'a RefundRow>),
}

/// One batch to send.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// Its SubmitID, or its refundID.
    pub id: &'a SubmitId,
    pub corp: Option<&'a CorpNum>,
    pub items: Items<'a>,
}

/// A problem with one row of a refused batch, as the far side located it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// The row's position in the batch as sent.
    pub index: Option<usize>,
    /// POPBiLL's code for it, when it has one.
    pub code: Option<i64>,
    /// `field: message (reason; POPBiLL code)`.
    pub text: String,
}

/// What became of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Taken (now, or on an earlier run: `fresh` is false); the receipts as last known.
    Accepted {
        updates: Vec<Update>,
        fresh: bool,
        note: Option<String>,
    },
    /// Refused whole, for good: every receipt of the batch gets `status`.
    Refused {
        status: Status,
        code: Option<i64>,
        reason: String,
        /// Problems with single rows.
        details: Vec<Detail>,
    },
    /// Not yet: the same batch may be taken shortly (the Worker's `409 original_pending`: some
    /// originals' issuance results are not on record yet). Sent again after a pause.
    NotYet {
        reason: String,
        details: Vec<Detail>,
    },
}

/// A failure that is not about the batch itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// Could not reach it, or it answered 5xx: try again later.
    #[error("{0}")]
    Unavailable(String),
    /// The credentials were refused: no retry helps.
    #[error("{0}")]
    Auth(String),
}

/// The Worker or POPBiLL.
#[derive(Debug)]
pub enum Backend {
    Worker(worker::WorkerApi),
    Direct(direct::DirectApi),
}

impl Backend {
    /// `Worker` or `POPBiLL` (for messages).
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Worker(_) => "the Worker",
            Backend::Direct(_) => "POPBiLL",
        }
    }

    pub async fn send(&self, out: &Outgoing<'_>) -> Result<Sent, BackendError> {
        match (self, &out.items) {
            (Backend::Worker(w), Items::Cashbills(c)) => {
                w.send_submission(out.id, out.corp, c).await
            }
            (Backend::Worker(w), Items::Refunds(r)) => w.send_refunds(out.id, out.corp, r).await,
            (Backend::Direct(d), Items::Cashbills(c)) => d.send(out.id, c).await,
            // Refused on the command line already (setup::check_flags); never sent.
            (Backend::Direct(_), Items::Refunds(_)) => Ok(Sent::Refused {
                status: Status::NotSent,
                code: None,
                reason: DIRECT_REFUNDS.to_owned(),
                details: Vec::new(),
            }),
        }
    }

    /// Where a batch's receipts (or refunds) stand; `None` when it was never received.
    pub async fn read(&self, op: Op, id: &SubmitId) -> Result<Option<Vec<Update>>, BackendError> {
        match (self, op) {
            (Backend::Worker(w), Op::Submit) => w.read_submission(id).await,
            (Backend::Worker(w), Op::Refund) => w.read_refund(id).await,
            (Backend::Direct(d), Op::Submit) => d.read(id).await,
            (Backend::Direct(_), Op::Refund) => Ok(None),
        }
    }

    /// True when [`read`](Self::read) also brings filing results (the Worker follows them
    /// itself); otherwise they come from [`read_filing`](Self::read_filing).
    pub fn reads_filing_per_batch(&self) -> bool {
        matches!(self, Backend::Worker(_))
    }

    /// Filing results for issued receipts (GetInfos, up to 1,000 a call).
    pub async fn read_filing(&self, mgt_keys: &[String]) -> Result<Vec<Update>, BackendError> {
        match self {
            Backend::Worker(_) => Ok(Vec::new()),
            Backend::Direct(d) => d.read_filing(mgt_keys).await,
        }
    }

    /// mgtKeys of these batches (SubmitID, keys) that POPBiLL already issued under other
    /// submissions, so the file can be refused before anything is sent. The Worker refuses
    /// them per batch at intake instead (`409 mgt_key_in_use`): it has no bulk lookup.
    pub async fn used_elsewhere(
        &self,
        batches: &[(&SubmitId, Vec<String>)],
    ) -> Result<Vec<String>, BackendError> {
        match self {
            Backend::Worker(_) => Ok(Vec::new()),
            Backend::Direct(d) => d.used_elsewhere(batches).await,
        }
    }

    /// The quickest polling interval worth using while batches are being processed (the bulk
    /// guide: every 2 to 5 seconds until txState is 2).
    pub fn issuance_poll_cap(&self) -> Option<std::time::Duration> {
        match self {
            Backend::Worker(_) => None,
            Backend::Direct(_) => Some(std::time::Duration::from_secs(5)),
        }
    }
}
