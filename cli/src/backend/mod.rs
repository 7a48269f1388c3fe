//! Where batches go: the Worker's merchant API, or POPBiLL itself (`--direct`).
//!
//! Both promise the same thing: [`Backend::send`] never makes POPBiLL issue a batch twice
//! (the Worker answers a stored submission for the same SubmitID and content; the direct path
//! asks GetBulkResult before every BulkSubmit), so a run can always be repeated.

pub mod counting;
pub mod direct;
pub mod worker;

use popbill::wire::Cashbill;
use popbill::{CorpNum, SubmitId};

use crate::receipt::{Status, Update};

/// The HTTP client every request goes through: hyper (the `popbill` crate's native transport),
/// counted.
pub type Http = counting::Counting<popbill::native::NativeTransport>;

/// One batch to send.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    pub submit_id: &'a SubmitId,
    pub corp: Option<&'a CorpNum>,
    pub cashbills: Vec<&'a Cashbill>,
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
        /// Problems with single receipts: (position in the batch, message).
        details: Vec<(Option<usize>, String)>,
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
        match self {
            Backend::Worker(w) => w.send(out).await,
            Backend::Direct(d) => d.send(out).await,
        }
    }

    /// Where a submission's receipts stand; `None` when it was never received.
    pub async fn read(&self, submit_id: &SubmitId) -> Result<Option<Vec<Update>>, BackendError> {
        match self {
            Backend::Worker(w) => w.read(submit_id).await,
            Backend::Direct(d) => d.read(submit_id).await,
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
