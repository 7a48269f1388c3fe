//! What a file asks for: cash receipts to issue (`submit`) or refunds of issued ones (`refund`).
//! Everything downstream of the input — batching, sending once, polling, the results file —
//! is shared; the operation decides the file's columns, the batch ids' prefix, the Worker's
//! route and the status a receipt has once the Worker took it.

use crate::receipt::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Cash receipts (승인거래): `POST /v1/submissions`, batches named by SubmitID.
    Submit,
    /// Refunds (cancellation receipts, 취소거래): `POST /v1/refunds`, batches named by refundID.
    Refund,
}

impl Op {
    /// The command's name, for messages and the summary.
    pub fn command(self) -> &'static str {
        match self {
            Op::Submit => "submit",
            Op::Refund => "refund",
        }
    }

    /// What one row is called in messages.
    pub fn item(self) -> &'static str {
        match self {
            Op::Submit => "receipt",
            Op::Refund => "refund",
        }
    }

    /// What the rows are called in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Op::Submit => "receipts",
            Op::Refund => "refunds",
        }
    }

    /// The batch id's prefix: `pbb-` SubmitIDs, `pbr-` refundIDs.
    pub fn id_prefix(self) -> &'static str {
        match self {
            Op::Submit => "pbb",
            Op::Refund => "pbr",
        }
    }

    /// What a batch's id is called by the Worker (and in the results file).
    pub fn id_name(self) -> &'static str {
        match self {
            Op::Submit => "submitID",
            Op::Refund => "refundID",
        }
    }

    /// A receipt's status once the Worker (or POPBiLL) took its batch: a submission's receipts
    /// are `submitted`; a refund is `scheduled` until the Worker says it was sent.
    pub fn accepted(self) -> Status {
        match self {
            Op::Submit => Status::Submitted,
            Op::Refund => Status::Scheduled,
        }
    }
}
