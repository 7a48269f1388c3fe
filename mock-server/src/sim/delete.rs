//! Delete (`POST /Cashbill/{MgtKey}` + `DELETE`).
//!
//! POPBiLL deletes only drafts and receipts whose filing failed (305): anything else is
//! -14002004. The mock has no drafts, so only 305 receipts can go. Afterwards the mgtKey is
//! free again: GetInfo answers -14000003 (CheckMgtKeyInUse: false), GetInfos and Search leave
//! the receipt out, and a new receipt may take the key. The points spent are not refunded. A
//! deleted cancellation (취소거래) no longer counts in its original's running totals.

use popbill::codes;
use serde_json::json;

use super::Sim;
use super::clock::SimTime;
use super::error::ApiError;
use super::request::ApiResponse;

/// The one state besides drafts that POPBiLL lets a member delete: filing failed.
const DELETABLE: i64 = 305;

impl Sim {
    pub(crate) fn delete(&mut self, mgt_key: &str, now: SimTime) -> Result<ApiResponse, ApiError> {
        let index = self.live_index(mgt_key)?;
        let r = &mut self.store.receipts[index as usize];
        if r.state_code() != DELETABLE {
            return Err(ApiError::of(codes::DELETE_NOT_ALLOWED));
        }
        r.deleted_at = Some(now);
        let cancels = r.cancel;
        self.store.by_mgt_key.remove(mgt_key);
        if let Some(link) = cancels {
            // A refund whose filing failed and was deleted refunds nothing: it can be sent anew.
            self.forget_cancellation(index, link);
        }
        let v = json!({"code": codes::OK, "message": "삭제 완료"});
        Ok(ApiResponse::json(200, &v, Some(codes::OK)))
    }
}
