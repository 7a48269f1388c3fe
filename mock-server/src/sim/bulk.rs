//! BulkSubmit (`POST /Cashbill` + `BULKISSUE`) and GetBulkResult
//! (`GET /Cashbill/BULK/{SubmitID}/State`), and the txState 0 → 1 → 2 processing between them.
//!
//! Whole-request checks, in this order: bearer token (checked for every call in `Sim::handle`); SubmitID present (-14010011), charset
//! (mock -14010019), length (-14010012); SubmitID never used before (-14010021) — from here on
//! the SubmitID is burned even if the request is refused —; digest header present (-14010013);
//! body not empty (-14010010); digest matches the raw bytes (-14010014); JSON well-formed with
//! the right types (-14010015); `cashbills` present and non-empty (-14010016); at most 100
//! (-14010017); no null element (-14010040); no mgtKey twice (-14010018). Per-receipt rules run
//! at processing time and are reported per receipt in `issueResult`.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use popbill::codes;
use popbill::wire::BulkResponse;
use popbill::{IdError, SubmitId};
use serde::Serialize;
use sha1::{Digest, Sha1};

use super::bulk_body::{self, RawBatch};

use super::clock::SimTime;
use super::error::{ApiError, mock_codes};
use super::request::{ApiRequest, ApiResponse, CachedBody};
use super::store::{ItemOutcome, Submission};
use super::{Sim, Timer};

/// The digest and body checks, computed outside the lock.
#[derive(Debug)]
pub struct PreparedBulk {
    /// The first digest/body problem in the documented order, or the checked raw body.
    pub outcome: Result<RawBatch, i64>,
}

/// `Base64(SHA1(raw body))`, what `x-pb-message-digest` must carry.
pub fn message_digest(body: &[u8]) -> String {
    B64.encode(Sha1::digest(body))
}

pub fn prepare(req: &ApiRequest) -> PreparedBulk {
    PreparedBulk {
        outcome: check_body(req),
    }
}

fn check_body(req: &ApiRequest) -> Result<RawBatch, i64> {
    let digest = req
        .header("x-pb-message-digest")
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let Some(digest) = digest else {
        return Err(codes::DIGEST_MISSING);
    };
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(codes::BULK_EMPTY_BODY);
    }
    if digest != message_digest(&req.body) {
        return Err(codes::DIGEST_MISMATCH);
    }
    bulk_body::check(&req.body)
}

/// GetBulkResult's body (the fields of `popbill::wire::BulkCashbillResult`, in that order).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkResultOut {
    pub code: i64,
    pub message: &'static str,
    #[serde(rename = "submitID")]
    pub submit_id: String,
    pub submit_count: u32,
    pub success_count: u32,
    pub fail_count: u32,
    pub tx_state: i64,
    pub tx_result_code: Option<i64>,
    #[serde(rename = "txStartDT")]
    pub tx_start_dt: Option<String>,
    #[serde(rename = "txEndDT")]
    pub tx_end_dt: Option<String>,
    #[serde(rename = "receiptDT")]
    pub receipt_dt: String,
    #[serde(rename = "receiptID")]
    pub receipt_id: String,
    pub issue_result: Vec<IssueResultOut>,
}

/// One `issueResult` item. Every field is always written (null when it does not apply), and
/// both `issueDT` and `tradeDT` are present for SDK compatibility.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueResultOut {
    pub mgt_key: Option<String>,
    pub code: i64,
    pub message: &'static str,
    pub confirm_num: Option<String>,
    pub trade_date: Option<String>,
    #[serde(rename = "issueDT")]
    pub issue_dt: Option<String>,
    #[serde(rename = "tradeDT")]
    pub trade_dt: Option<String>,
}

fn submit_id_error(e: IdError) -> i64 {
    match e {
        IdError::Empty { .. } => codes::SUBMIT_ID_MISSING,
        IdError::TooLong { .. } => codes::SUBMIT_ID_TOO_LONG,
        _ => mock_codes::SUBMIT_ID_INVALID,
    }
}

impl Sim {
    pub(crate) fn bulk_submit(
        &mut self,
        req: &ApiRequest,
        prepared: PreparedBulk,
        now: SimTime,
    ) -> Result<ApiResponse, ApiError> {
        let submit_id = match req.headers.get("x-pb-submit-id") {
            None => return Err(ApiError::of(codes::SUBMIT_ID_MISSING)),
            Some(v) => v
                .to_str()
                .map_err(|_| ApiError::of(mock_codes::SUBMIT_ID_INVALID))?
                .trim(),
        };
        let submit_id = SubmitId::parse(submit_id).map_err(|e| ApiError::of(submit_id_error(e)))?;
        if self.store.submit_id_used(submit_id.as_str()) {
            return Err(ApiError::of(codes::SUBMIT_ID_IN_USE));
        }
        let batch = match prepared.outcome {
            Ok(c) => c,
            Err(code) => {
                // POPBiLL: a SubmitID can never be reused, even after a failed submission.
                self.store.burned.insert(submit_id.as_str().into());
                return Err(ApiError::of(code));
            }
        };

        let receipt_id = self.ids.receipt_id(now);
        let index = u32::try_from(self.store.submissions.len()).unwrap_or(u32::MAX);
        self.store.submissions.push(Submission {
            submit_id: submit_id.as_str().into(),
            receipt_id: receipt_id.as_str().into(),
            corp_num: self.member.corp_num.as_str().into(),
            received_at: now,
            started_at: None,
            ended_at: None,
            count: batch.count as u32,
            pending: Some(batch),
            outcomes: Vec::new(),
            success: 0,
            fail: 0,
            result_body: None,
        });
        self.store
            .by_submit_id
            .insert(submit_id.as_str().into(), index);
        let to_processing = i64::try_from(self.settings.delay_to_processing_ms).unwrap_or(0);
        let to_completed = i64::try_from(self.settings.delay_to_completed_ms).unwrap_or(0);
        let start = now.plus_ms(to_processing);
        self.timers.push(start, Timer::Start(index));
        self.timers
            .push(start.plus_ms(to_completed), Timer::Complete(index));
        tracing::info!(submit_id = %submit_id, receipt_id, "bulk submission accepted");

        let resp = BulkResponse {
            code: Some(codes::OK),
            message: Some("접수 완료".to_owned()),
            receipt_id: Some(receipt_id),
        };
        Ok(ApiResponse::json(200, &resp, Some(codes::OK)))
    }

    pub(crate) fn get_bulk_result(&mut self, submit_id: &str) -> Result<ApiResponse, ApiError> {
        let sub = self
            .store
            .by_submit_id
            .get(submit_id)
            .map(|&i| &self.store.submissions[i as usize])
            .filter(|s| &*s.corp_num == self.member.corp_num.as_str())
            .ok_or(ApiError::of(codes::SUBMIT_ID_NOT_FOUND))?;
        if let Some(body) = &sub.result_body {
            return Ok(ApiResponse::cached(body.clone(), codes::OK));
        }
        Ok(ApiResponse::json(
            200,
            &self.bulk_result(sub),
            Some(codes::OK),
        ))
    }

    /// The GetBulkResult body for a submission in any state.
    fn bulk_result(&self, sub: &Submission) -> BulkResultOut {
        let tx_state = sub.tx_state();
        let issue_result = if tx_state == 2 {
            sub.outcomes.iter().map(|o| self.issue_result(o)).collect()
        } else {
            Vec::new()
        };
        let message = match tx_state {
            0 => "접수",
            1 => "처리중",
            _ => "완료",
        };
        BulkResultOut {
            code: codes::OK,
            message,
            submit_id: sub.submit_id.to_string(),
            submit_count: sub.count,
            success_count: sub.success,
            fail_count: sub.fail,
            tx_state,
            tx_result_code: (tx_state == 2).then_some(codes::OK),
            tx_start_dt: sub.started_at.map(|t| t.kst().to_string()),
            tx_end_dt: sub.ended_at.map(|t| t.kst().to_string()),
            receipt_dt: sub.received_at.kst().to_string(),
            receipt_id: sub.receipt_id.to_string(),
            issue_result,
        }
    }

    fn issue_result(&self, o: &ItemOutcome) -> IssueResultOut {
        let receipt = o.receipt.map(|i| &self.store.receipts[i as usize]);
        IssueResultOut {
            mgt_key: o.mgt_key.as_deref().map(str::to_owned),
            code: o.code,
            message: super::issue::outcome_message(o.code),
            confirm_num: receipt.map(|r| self.ids.confirm_num(r.issue_no)),
            trade_date: receipt.map(|r| r.trade_dt.date().to_string()),
            issue_dt: receipt.map(|r| r.issued_at.kst().to_string()),
            trade_dt: receipt.map(|r| r.trade_dt.to_string()),
        }
    }

    pub(crate) fn start_processing(&mut self, index: u32, at: SimTime) {
        if let Some(sub) = self.store.submissions.get_mut(index as usize)
            && sub.started_at.is_none()
        {
            sub.started_at = Some(at);
            self.ran.processing += 1;
        }
    }

    /// Issue (or fail) every receipt of a submission at `at`, then announce the results.
    pub(crate) fn complete_processing(&mut self, index: u32, at: SimTime) {
        let Some(sub) = self.store.submissions.get_mut(index as usize) else {
            return;
        };
        if sub.ended_at.is_some() {
            return;
        }
        sub.started_at.get_or_insert(at);
        let count = sub.count as usize;
        let pending = sub
            .pending
            .take()
            .and_then(|raw| bulk_body::receipts(&raw))
            .unwrap_or_default();
        let mut outcomes = Vec::with_capacity(count);
        if pending.len() != count {
            // Cannot happen: the body was checked at submission with the same rules.
            tracing::error!(index, "a checked bulk body no longer parses");
            outcomes.resize_with(count, || ItemOutcome {
                mgt_key: None,
                code: codes::BAD_JSON,
                receipt: None,
            });
        }
        for c in &pending {
            let mgt_key = c.mgt_key.as_deref().map(Box::from);
            let (code, receipt) = match self.issue_one(c, at, Some(index)) {
                Ok(r) => (codes::OK, Some(r)),
                Err(code) => (code, None),
            };
            outcomes.push(ItemOutcome {
                mgt_key,
                code,
                receipt,
            });
        }
        let success = outcomes.iter().filter(|o| o.receipt.is_some()).count() as u32;
        let sub = &mut self.store.submissions[index as usize];
        sub.outcomes = outcomes;
        sub.success = success;
        sub.fail = sub.count - success;
        sub.ended_at = Some(at);
        self.ran.processing += 1;

        let sub = &self.store.submissions[index as usize];
        let body = serde_json::to_vec(&self.bulk_result(sub)).expect("wire types serialize");
        let cached = Arc::new(CachedBody {
            plain: Bytes::from(body),
            gzip: Default::default(),
        });
        self.store.submissions[index as usize].result_body = Some(cached);
        self.emit_bulk_results(index, at);
    }
}
