//! The Worker's refund routes (edge/README.md, Refunds): `POST /v1/refunds` and
//! `GET /v1/refunds/{refundID}`.
//!
//! Answers to a refund request, as this client reads them:
//! - `200`/`202`: the request with every refund (`scheduled`, held until its original is
//!   filed; or `submitted`, sent at once), also when it was stored before (`200`);
//! - `409 original_pending`: some originals' issuance results are not on record yet: the same
//!   request again shortly ([`Sent::NotYet`]);
//! - `409 refund_id_conflict`: this refundID was sent before with other rows (an earlier run
//!   with `--skip-invalid`): what was stored is read and shown;
//! - `422 invalid_refunds`, `409 mgt_key_in_use` and any other `4xx`: refused, each problem by
//!   the refund's index in the request;
//! - `401`, `5xx` and network failures: as for submissions.

use popbill::{CorpNum, HttpResponse, Method, SubmitId};
use serde::Deserialize;
use serde_json::json;

use super::{ReceiptView, WorkerApi, error_answer, refused, sent_before, unexpected};
use crate::backend::{BackendError, Sent};
use crate::receipt::Update;
use crate::refund::RefundRow;

#[derive(Debug, Deserialize)]
struct RefundView {
    #[serde(default)]
    refunds: Vec<ReceiptView>,
}

fn updates(resp: &HttpResponse) -> Result<Vec<Update>, BackendError> {
    let view: RefundView = serde_json::from_slice(&resp.body).map_err(|e| {
        BackendError::Unavailable(format!("the Worker's answer could not be read: {e}"))
    })?;
    Ok(view.refunds.into_iter().map(Update::from).collect())
}

impl WorkerApi {
    pub async fn send_refunds(
        &self,
        id: &SubmitId,
        corp: Option<&CorpNum>,
        refunds: &[&RefundRow],
    ) -> Result<Sent, BackendError> {
        let mut body = json!({ "refundID": id.as_str(), "refunds": refunds });
        if let Some(corp) = corp {
            body["corpNum"] = corp.as_str().into();
        }
        let bytes = serde_json::to_vec(&body).expect("refund rows always serialize");
        let resp = self.call(Method::Post, "/v1/refunds", bytes).await?;
        match resp.status {
            200..=299 => Ok(Sent::Accepted {
                updates: updates(&resp)?,
                fresh: resp.status == 202,
                note: None,
            }),
            409 => {
                let e = error_answer(&resp.body);
                match e.code.as_str() {
                    "original_pending" => Ok(Sent::NotYet {
                        reason: format!("the Worker answered 409 {}: {}", e.code, e.message),
                        details: e.details,
                    }),
                    "refund_id_conflict" => Ok(Sent::Accepted {
                        updates: self.read_refund(id).await?.unwrap_or_default(),
                        fresh: false,
                        note: Some(sent_before(id)),
                    }),
                    _ => Ok(refused(409, &resp.body)),
                }
            }
            status => Ok(refused(status, &resp.body)),
        }
    }

    pub async fn read_refund(&self, id: &SubmitId) -> Result<Option<Vec<Update>>, BackendError> {
        let path = format!("/v1/refunds/{}", id.as_str());
        let resp = self.call(Method::Get, &path, Vec::new()).await?;
        match resp.status {
            200 => Ok(Some(updates(&resp)?)),
            404 => Ok(None),
            s => Err(unexpected(s, &resp.body)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::Status;

    #[test]
    fn a_refund_view_becomes_updates_with_their_hold_and_block() {
        let body = r#"{"refundID":"pbr-1","state":"open","counts":{},"refunds":[
            {"mgtKey":"R-1","submitID":"RF01","status":"scheduled","refundID":"pbr-1","orgMgtKey":"K-1","dueAt":"20250712110000"},
            {"mgtKey":"R-2","submitID":"RF01","status":"original_filing_failed","refundID":"pbr-1",
             "blocked":{"reason":"original_filing_failed","orgMgtKey":"K-2","orgStateCode":305,"orgNtsResultCode":"TS4"}},
            {"mgtKey":"R-3","submitID":"RF00","status":"filed","confirmNum":"TB0000003","stateCode":304}]}"#;
        let resp = HttpResponse {
            status: 200,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        };
        let u = updates(&resp).unwrap();
        assert_eq!(
            (
                u[0].status,
                u[0].due_at.as_deref(),
                u[0].submit_id.as_deref()
            ),
            (
                Some(Status::Scheduled),
                Some("20250712110000"),
                Some("RF01")
            )
        );
        assert_eq!(u[1].status, Some(Status::OriginalFilingFailed));
        assert_eq!(
            u[1].issue_message.as_deref(),
            Some(
                "never sent: the NTS filing of the original K-2 failed (stateCode 305, ntsResultCode TS4)"
            )
        );
        assert_eq!(
            (u[2].status, u[2].state_code),
            (Some(Status::Filed), Some(304))
        );
    }
}
