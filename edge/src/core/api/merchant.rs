//! The merchant API's errors (`/v1/submissions`, `/v1/refunds`, `/v1/cashbills`).

use popbill::SubmitId;
use popbill::validate::MAX_BATCH;

use super::{ApiError, BodyError, Code, Detail};
use crate::core::config::ConfigError;
use crate::core::refund::RefundId;
use crate::core::store::StoreError;
use crate::core::submission::Rejection;
use crate::core::upstream::UpstreamError;

#[derive(Debug, thiserror::Error)]
pub enum MerchantError {
    #[error(transparent)]
    Body(#[from] BodyError),
    #[error("missing or invalid credentials")]
    Unauthorized,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("corpNum must be 10 digits")]
    InvalidCorpNum,
    /// `cashbills` is absent, null or empty (the message says which).
    #[error("{0}")]
    NoCashbills(&'static str),
    #[error("{0} cashbills; at most {MAX_BATCH} per submission")]
    TooManyCashbills(usize),
    /// The request's shape is wrong in a way no receipt index locates.
    #[error("{0}")]
    InvalidRequest(&'static str),
    #[error("{} problem(s) in the submission", .0.len())]
    InvalidCashbills(Vec<Detail>),
    /// `refunds` is absent, null or empty (the message says which).
    #[error("{0}")]
    NoRefunds(&'static str),
    #[error("{0} refunds; at most {MAX_BATCH} per request")]
    TooManyRefunds(usize),
    #[error("{} problem(s) in the refund request", .0.len())]
    InvalidRefunds(Vec<Detail>),
    #[error("submitID {0} was already used for a different submission")]
    SubmitIdConflict(SubmitId),
    #[error("refundID {0} was already used for a different refund request")]
    RefundIdConflict(RefundId),
    /// Originals whose issuance result is not yet on record: the same request may pass soon.
    #[error(
        "the issuance of some originals is not yet on record; send the same request again shortly"
    )]
    OriginalPending(Vec<Detail>),
    #[error("some mgtKeys were already used")]
    MgtKeyInUse(Vec<Detail>),
    #[error(
        "POPBiLL refused submission {submit_id}: {}",
        rejection.as_ref().map(|r| r.message.as_str()).unwrap_or("")
    )]
    PopbillRejected {
        submit_id: SubmitId,
        rejection: Option<Rejection>,
    },
    #[error(
        "POPBiLL refused the Worker's credentials; submission {submit_id} is stored and will be retried"
    )]
    PopbillAuthFailed {
        submit_id: SubmitId,
        code: Option<i64>,
    },
    #[error("{}", storage_message(.0))]
    Storage(#[from] StoreError),
    #[error("the configured time source did not answer; retry later")]
    TimeUnavailable(#[source] UpstreamError),
    #[error(transparent)]
    NotConfigured(#[from] ConfigError),
}

/// What a caller is told about storage: retry, or (corrupt data) nothing.
pub(super) fn storage_message(e: &StoreError) -> &'static str {
    match e {
        StoreError::Kv(_) => "state storage is unavailable; retry later",
        StoreError::Corrupt { .. } => "internal error",
    }
}

pub(super) fn storage_code(e: &StoreError) -> Code {
    match e {
        StoreError::Kv(_) => Code::StorageUnavailable,
        StoreError::Corrupt { .. } => Code::Internal,
    }
}

impl ApiError for MerchantError {
    fn code(&self) -> Code {
        use MerchantError::*;
        match self {
            Body(e) => e.code(),
            Unauthorized => Code::Unauthorized,
            NotFound(_) => Code::NotFound,
            InvalidCorpNum => Code::InvalidCorpNum,
            NoCashbills(_) => Code::NoCashbills,
            TooManyCashbills(_) => Code::TooManyCashbills,
            InvalidRequest(_) => Code::InvalidRequest,
            InvalidCashbills(_) => Code::InvalidCashbills,
            NoRefunds(_) => Code::NoRefunds,
            TooManyRefunds(_) => Code::TooManyRefunds,
            InvalidRefunds(_) => Code::InvalidRefunds,
            SubmitIdConflict(_) => Code::SubmitIdConflict,
            RefundIdConflict(_) => Code::RefundIdConflict,
            OriginalPending(_) => Code::OriginalPending,
            MgtKeyInUse(_) => Code::MgtKeyInUse,
            PopbillRejected { .. } => Code::PopbillRejected,
            PopbillAuthFailed { .. } => Code::PopbillAuthFailed,
            Storage(e) => storage_code(e),
            TimeUnavailable(_) => Code::TimeUnavailable,
            NotConfigured(_) => Code::NotConfigured,
        }
    }

    fn details(&self) -> &[Detail] {
        match self {
            MerchantError::InvalidCashbills(d)
            | MerchantError::MgtKeyInUse(d)
            | MerchantError::InvalidRefunds(d)
            | MerchantError::OriginalPending(d) => d,
            _ => &[],
        }
    }

    fn popbill_code(&self) -> Option<i64> {
        match self {
            MerchantError::TooManyCashbills(_) => Some(popbill::codes::TOO_MANY_CASHBILLS),
            MerchantError::PopbillRejected { rejection, .. } => rejection.as_ref().map(|r| r.code),
            MerchantError::PopbillAuthFailed { code, .. } => *code,
            _ => None,
        }
    }
}
