//! The POPBiLL calls the Worker makes, as a seam: the real `popbill::Client` in production, fakes
//! in native tests.

use popbill::wire::{BulkCashbillResult, BulkResponse, CashbillInfo};
use popbill::{CorpNum, MgtKey, SubmitId};

use super::cashbills::CheckedCashbills;

/// What a failed call means for the caller (mirrors `popbill::ErrorKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamErrorKind {
    /// POPBiLL refused the request as it is; resending it unchanged will not help.
    InvalidRequest,
    /// Credentials, token or clock problem.
    Auth,
    /// Nothing happened upstream (or a 5xx without effect); retrying is safe.
    Retryable,
    /// The request may have been received: check before resending.
    Ambiguous,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("POPBiLL call failed ({kind:?}, code {code:?}): {message}")]
pub struct UpstreamError {
    pub kind: UpstreamErrorKind,
    /// POPBiLL's error code, when it answered with one.
    pub code: Option<i64>,
    pub message: String,
}

impl UpstreamError {
    pub fn new(kind: UpstreamErrorKind, code: Option<i64>, message: impl Into<String>) -> Self {
        UpstreamError {
            kind,
            code,
            message: message.into(),
        }
    }

    pub fn is_code(&self, code: i64) -> bool {
        self.code == Some(code)
    }
}

/// The three POPBiLL calls the Worker needs.
#[allow(async_fn_in_trait)] // single-threaded Workers: no Send bound wanted
pub trait Upstream {
    /// Only checked receipts can be sent.
    async fn bulk_submit(
        &self,
        corp: &CorpNum,
        submit_id: &SubmitId,
        cashbills: &CheckedCashbills,
    ) -> Result<BulkResponse, UpstreamError>;

    async fn get_bulk_result(
        &self,
        corp: &CorpNum,
        submit_id: &SubmitId,
    ) -> Result<BulkCashbillResult, UpstreamError>;

    /// Any number of keys: implementations split into calls of at most 1000.
    async fn get_infos(
        &self,
        corp: &CorpNum,
        keys: &[MgtKey],
    ) -> Result<Vec<CashbillInfo>, UpstreamError>;
}

impl From<popbill::Error> for UpstreamError {
    fn from(e: popbill::Error) -> Self {
        let kind = match e.kind() {
            popbill::ErrorKind::InvalidRequest => UpstreamErrorKind::InvalidRequest,
            popbill::ErrorKind::Auth => UpstreamErrorKind::Auth,
            popbill::ErrorKind::Retryable => UpstreamErrorKind::Retryable,
            popbill::ErrorKind::Ambiguous => UpstreamErrorKind::Ambiguous,
        };
        UpstreamError::new(kind, e.code(), e.message())
    }
}

/// The real thing: the `popbill` client over any transport and clock.
impl<T: popbill::Transport, C: popbill::Clock> Upstream for popbill::Client<T, C> {
    async fn bulk_submit(
        &self,
        corp: &CorpNum,
        submit_id: &SubmitId,
        cashbills: &CheckedCashbills,
    ) -> Result<BulkResponse, UpstreamError> {
        Ok(popbill::Client::bulk_submit(self, corp, submit_id, cashbills.as_slice()).await?)
    }

    async fn get_bulk_result(
        &self,
        corp: &CorpNum,
        submit_id: &SubmitId,
    ) -> Result<BulkCashbillResult, UpstreamError> {
        Ok(popbill::Client::get_bulk_result(self, corp, submit_id).await?)
    }

    async fn get_infos(
        &self,
        corp: &CorpNum,
        keys: &[MgtKey],
    ) -> Result<Vec<CashbillInfo>, UpstreamError> {
        Ok(popbill::Client::get_infos(self, corp, keys).await?)
    }
}
