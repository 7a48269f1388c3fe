//! The Worker's merchant API (edge/README.md): `POST /v1/submissions` and
//! `GET /v1/submissions/{submitID}` here, the refund routes in [`refunds`];
//! `Authorization: Bearer <API_TOKEN>`.
//!
//! Answers to a submission, as this client reads them:
//! - `200`/`202`: the submission with every receipt (also when it was stored before);
//! - `502 popbill_rejected`: POPBiLL refused the batch whole: every receipt failed;
//! - `409 submit_id_conflict`: this SubmitID was sent before with other rows (an earlier run
//!   with `--skip-invalid` and other rows valid): what was stored is read and shown;
//! - `401`: the token is wrong (stops the run); any other `4xx`: the batch is refused;
//! - `5xx` (also `502 popbill_auth_failed`, the submission stays stored) and network failures:
//!   try again later.

mod refunds;

use popbill::wire::Cashbill;
use popbill::{CorpNum, HttpRequest, HttpResponse, Method, Secret, SubmitId, Transport};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{BackendError, Detail, Http, Sent};
use crate::receipt::{Status, Update};

pub struct WorkerApi {
    base: String,
    token: Secret,
    http: Http,
}

impl std::fmt::Debug for WorkerApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerApi")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
struct View {
    #[serde(default)]
    cashbills: Vec<ReceiptView>,
}

/// One receipt as the Worker shows it: a submission's, or a refund's (a cancellation receipt,
/// which adds `dueAt` while held and `blocked` when it will never be sent).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReceiptView {
    mgt_key: String,
    #[serde(rename = "submitID")]
    submit_id: Option<String>,
    status: String,
    due_at: Option<String>,
    blocked: Option<Blocked>,
    confirm_num: Option<String>,
    issue_code: Option<i64>,
    issue_message: Option<String>,
    #[serde(rename = "issueDT")]
    issue_dt: Option<String>,
    state_code: Option<i64>,
    nts_result_code: Option<String>,
    nts_result_message: Option<String>,
    #[serde(rename = "ntsSendDT")]
    nts_send_dt: Option<String>,
    #[serde(rename = "ntsResultDT")]
    nts_result_dt: Option<String>,
}

/// Why a held refund will never be sent: its original's filing failed.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Blocked {
    org_mgt_key: Option<String>,
    org_state_code: Option<i64>,
    org_nts_result_code: Option<String>,
}

impl Blocked {
    fn message(&self) -> String {
        format!(
            "never sent: the NTS filing of the original {} failed (stateCode {}, ntsResultCode {})",
            self.org_mgt_key.as_deref().unwrap_or("?"),
            self.org_state_code
                .map_or("?".to_owned(), |c| c.to_string()),
            self.org_nts_result_code.as_deref().unwrap_or("?")
        )
    }
}

impl From<ReceiptView> for Update {
    fn from(r: ReceiptView) -> Update {
        let blocked = r.blocked.as_ref().map(Blocked::message);
        Update {
            status: Status::parse(&r.status),
            mgt_key: r.mgt_key,
            submit_id: r.submit_id,
            due_at: r.due_at,
            confirm_num: r.confirm_num,
            issue_code: r.issue_code,
            issue_message: r.issue_message.or(blocked),
            issue_dt: r.issue_dt,
            state_code: r.state_code,
            nts_result_code: r.nts_result_code,
            nts_result_message: r.nts_result_message,
            nts_send_dt: r.nts_send_dt,
            nts_result_dt: r.nts_result_dt,
        }
    }
}

/// `{"error":{"code","message","details"?,"popbillCode"?}}`.
#[derive(Debug, Default)]
struct ErrorAnswer {
    code: String,
    message: String,
    popbill_code: Option<i64>,
    details: Vec<Detail>,
}

/// One entry of `details`: `{index?, field?, reason, popbillCode?, message}`.
fn detail(d: &Value) -> Detail {
    let field = d["field"]
        .as_str()
        .map(|f| format!("{f}: "))
        .unwrap_or_default();
    let code = d["popbillCode"].as_i64();
    let why = match (d["reason"].as_str(), code) {
        (Some(r), Some(c)) => format!(" ({r}; POPBiLL {c})"),
        (Some(r), None) => format!(" ({r})"),
        (None, Some(c)) => format!(" (POPBiLL {c})"),
        (None, None) => String::new(),
    };
    Detail {
        index: d["index"].as_u64().and_then(|i| usize::try_from(i).ok()),
        code,
        text: format!("{field}{}{why}", d["message"].as_str().unwrap_or("")),
    }
}

fn error_answer(body: &[u8]) -> ErrorAnswer {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let e = &v["error"];
    let details = e["details"]
        .as_array()
        .map(|a| a.iter().map(detail).collect())
        .unwrap_or_default();
    ErrorAnswer {
        code: e["code"].as_str().unwrap_or("").to_owned(),
        message: e["message"].as_str().unwrap_or("").to_owned(),
        popbill_code: e["popbillCode"].as_i64(),
        details,
    }
}

fn updates(resp: &HttpResponse) -> Result<Vec<Update>, BackendError> {
    let view: View = serde_json::from_slice(&resp.body).map_err(|e| {
        BackendError::Unavailable(format!("the Worker's answer could not be read: {e}"))
    })?;
    Ok(view.cashbills.into_iter().map(Update::from).collect())
}

/// A batch the Worker refused for good (any 4xx but the ones each route reads itself; or 502
/// `popbill_rejected`, POPBiLL's refusal of the whole batch: every receipt failed issuance).
fn refused(status: u16, body: &[u8]) -> Sent {
    let e = error_answer(body);
    let st = if e.code == "popbill_rejected" {
        Status::IssueFailed
    } else {
        Status::Refused
    };
    Sent::Refused {
        status: st,
        code: e.popbill_code,
        reason: format!("the Worker answered {status} {}: {}", e.code, e.message),
        details: e.details,
    }
}

/// A read that found neither the batch (404) nor a reason to retry: the far side's fault.
fn unexpected(status: u16, body: &[u8]) -> BackendError {
    let e = error_answer(body);
    BackendError::Unavailable(format!(
        "the Worker answered {status} {}: {}",
        e.code, e.message
    ))
}

impl WorkerApi {
    pub fn new(base: &str, token: Secret, http: Http) -> WorkerApi {
        WorkerApi {
            base: base.trim_end_matches('/').to_owned(),
            token,
            http,
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<HttpResponse, BackendError> {
        let mut headers = vec![
            (
                "Authorization".to_owned(),
                format!("Bearer {}", self.token.expose()),
            ),
            ("Accept".to_owned(), "application/json".to_owned()),
            (
                "User-Agent".to_owned(),
                concat!("popbill-bulk/", env!("CARGO_PKG_VERSION")).to_owned(),
            ),
        ];
        if method == Method::Post {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        let req = HttpRequest {
            method,
            url: format!("{}{path}", self.base),
            headers,
            body,
        };
        let resp =
            self.http.send(req).await.map_err(|e| {
                BackendError::Unavailable(format!("{} {path}: {e}", method.as_str()))
            })?;
        match resp.status {
            401 => Err(BackendError::Auth(
                "the Worker refused the token (401): check --token / POPBILL_BULK_TOKEN".into(),
            )),
            s if s >= 500 && error_answer(&resp.body).code != "popbill_rejected" => {
                let e = error_answer(&resp.body);
                let what = if e.code.is_empty() {
                    String::new()
                } else {
                    format!(" {}: {}", e.code, e.message)
                };
                Err(BackendError::Unavailable(format!(
                    "the Worker answered {s}{what}"
                )))
            }
            _ => Ok(resp),
        }
    }

    pub async fn send_submission(
        &self,
        id: &SubmitId,
        corp: Option<&CorpNum>,
        cashbills: &[&Cashbill],
    ) -> Result<Sent, BackendError> {
        let mut body = json!({ "submitID": id.as_str(), "cashbills": cashbills });
        if let Some(corp) = corp {
            body["corpNum"] = corp.as_str().into();
        }
        let bytes = serde_json::to_vec(&body).expect("cashbills always serialize");
        let resp = self.call(Method::Post, "/v1/submissions", bytes).await?;
        match resp.status {
            200..=299 => Ok(Sent::Accepted {
                updates: updates(&resp)?,
                fresh: resp.status == 202,
                note: None,
            }),
            409 if error_answer(&resp.body).code == "submit_id_conflict" => {
                let stored = self.read_submission(id).await?.unwrap_or_default();
                Ok(Sent::Accepted {
                    updates: stored,
                    fresh: false,
                    note: Some(sent_before(id)),
                })
            }
            status => Ok(refused(status, &resp.body)),
        }
    }

    pub async fn read_submission(
        &self,
        submit_id: &SubmitId,
    ) -> Result<Option<Vec<Update>>, BackendError> {
        let path = format!("/v1/submissions/{}", submit_id.as_str());
        let resp = self.call(Method::Get, &path, Vec::new()).await?;
        match resp.status {
            200 => Ok(Some(updates(&resp)?)),
            404 => Ok(None),
            s => Err(unexpected(s, &resp.body)),
        }
    }
}

/// The note for a batch id the Worker holds with other rows.
fn sent_before(id: &SubmitId) -> String {
    format!(
        "{id} was sent on an earlier run with other rows (--skip-invalid with other rows valid then); showing what was sent"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_details_keep_the_receipt_index_and_popbill_code() {
        let in_use = popbill::codes::MGT_KEY_IN_USE;
        let body = format!(
            r#"{{"error":{{"code":"mgt_key_in_use","message":"some mgtKeys were already used",
            "details":[{{"index":3,"field":"mgtKey","reason":"in_use","popbillCode":{in_use},"message":"mgtKey K4 belongs to submission S"}}]}}}}"#
        );
        let e = error_answer(body.as_bytes());
        assert_eq!(e.code, "mgt_key_in_use");
        assert_eq!(
            e.details,
            [Detail {
                index: Some(3),
                code: Some(in_use),
                text: format!(
                    "mgtKey: mgtKey K4 belongs to submission S (in_use; POPBiLL {in_use})"
                )
            }]
        );
        assert_eq!(
            error_answer(b"<html>").code,
            "",
            "a body that is not the Worker's reads as empty"
        );
    }

    #[test]
    fn a_submission_view_becomes_updates() {
        let failed = popbill::codes::AMOUNT_SUM_MISMATCH;
        let body = format!(
            r#"{{"submitID":"S","state":"accepted","cashbills":[
            {{"mgtKey":"K1","submitID":"S","status":"filed","confirmNum":"TB1","issueCode":1,"issueDT":"20250711100003","stateCode":304,"ntsResultCode":"0000"}},
            {{"mgtKey":"K2","submitID":"S","status":"issue_failed","issueCode":{failed},"issueMessage":"m"}}]}}"#
        );
        let resp = HttpResponse {
            status: 200,
            headers: vec![],
            body: body.into_bytes(),
        };
        let u = updates(&resp).unwrap();
        assert_eq!(u[0].status, Some(Status::Filed));
        assert_eq!(
            (u[0].state_code, u[0].nts_result_code.as_deref()),
            (Some(304), Some("0000"))
        );
        assert_eq!(
            (u[1].status, u[1].issue_code),
            (Some(Status::IssueFailed), Some(failed))
        );
    }
}
