//! Straight to POPBiLL (or the mock) with the `popbill` client: BulkSubmit, GetBulkResult,
//! GetInfos. For merchants who do not deploy the Worker.
//!
//! A SubmitID can never be used twice at POPBiLL, not even after a refusal, so a batch is only
//! sent after GetBulkResult said POPBiLL does not have it (`-14010022`). When a BulkSubmit's
//! answer is lost (timeout, reset), GetBulkResult decides again: found means accepted, not
//! found means it never arrived and is sent once more.

use popbill::codes;
use popbill::wire::{BulkCashbillResult, Cashbill, CashbillInfo, TxState};
use popbill::{Client, CorpNum, Error, ErrorKind, MgtKey, SubmitId, SystemClock};

use super::{BackendError, Http, Sent};
use crate::receipt::{Status, Update};

/// How often one batch is sent again after POPBiLL said it never got it.
const MAX_SENDS: usize = 3;

pub struct DirectApi {
    client: Client<Http, SystemClock>,
    corp: CorpNum,
}

impl std::fmt::Debug for DirectApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectApi")
            .field("client", &self.client)
            .field("corp", &self.corp)
            .finish()
    }
}

fn classify(e: Error) -> BackendError {
    match e.kind() {
        ErrorKind::Auth => BackendError::Auth(format!(
            "POPBiLL refused the credentials: {e} (check POPBILL_LINK_ID, POPBILL_SECRET_KEY, POPBILL_CORP_NUM and --test/--production)"
        )),
        _ => BackendError::Unavailable(format!("POPBiLL: {e}")),
    }
}

/// GetBulkResult as updates: everything known once txState is 2, nothing new before.
pub fn issuance_updates(result: &BulkCashbillResult) -> Vec<Update> {
    if result.state() != Some(TxState::Completed) {
        return Vec::new();
    }
    result
        .issue_result
        .iter()
        .filter_map(|r| {
            let key = r.mgt_key.clone()?;
            let issued = r.code == Some(codes::OK);
            Some(Update {
                mgt_key: key,
                status: Some(if issued {
                    Status::Issued
                } else {
                    Status::IssueFailed
                }),
                confirm_num: r.confirm_num.clone(),
                issue_code: r.code,
                issue_message: r.message.clone(),
                issue_dt: r.issued_at().map(str::to_owned),
                state_code: issued.then_some(300),
                ..Update::default()
            })
        })
        .collect()
}

/// GetInfos as updates: 304 filed, 305 filing failed, 300 still issued.
pub fn filing_update(info: &CashbillInfo) -> Option<Update> {
    let status = match info.state_code? {
        304 => Status::Filed,
        305 => Status::FilingFailed,
        _ => Status::Issued,
    };
    Some(Update {
        mgt_key: info.mgt_key.clone()?,
        status: Some(status),
        confirm_num: info.confirm_num.clone(),
        issue_dt: info.issue_dt.clone(),
        state_code: info.state_code,
        nts_result_code: info.ntsresult_code.clone(),
        nts_result_message: info.ntsresult_message.clone(),
        nts_send_dt: info.ntssend_dt.clone(),
        nts_result_dt: info.ntsresult_dt.clone(),
        ..Update::default()
    })
}

impl DirectApi {
    pub fn new(client: Client<Http, SystemClock>, corp: CorpNum) -> DirectApi {
        DirectApi { client, corp }
    }

    /// GetBulkResult; `None` when POPBiLL does not have the SubmitID.
    async fn probe(&self, id: &SubmitId) -> Result<Option<BulkCashbillResult>, BackendError> {
        match self.client.get_bulk_result(&self.corp, id).await {
            Ok(r) => Ok(Some(r)),
            Err(e) if e.code() == Some(codes::SUBMIT_ID_NOT_FOUND) => Ok(None),
            Err(e) => Err(classify(e)),
        }
    }

    pub async fn send(&self, id: &SubmitId, cashbills: &[&Cashbill]) -> Result<Sent, BackendError> {
        if let Some(found) = self.probe(id).await? {
            return Ok(Sent::Accepted {
                updates: issuance_updates(&found),
                fresh: false,
                note: None,
            });
        }
        let cashbills: Vec<Cashbill> = cashbills.iter().map(|c| (*c).clone()).collect();
        for _ in 0..MAX_SENDS {
            let err = match self.client.bulk_submit(&self.corp, id, &cashbills).await {
                Ok(_) => {
                    return Ok(Sent::Accepted {
                        updates: Vec::new(),
                        fresh: true,
                        note: None,
                    });
                }
                Err(e) => e,
            };
            match err.kind() {
                // The answer was lost, or POPBiLL says the SubmitID is taken: ask what it has.
                ErrorKind::Ambiguous => {}
                ErrorKind::InvalidRequest if err.code() == Some(codes::SUBMIT_ID_IN_USE) => {}
                ErrorKind::InvalidRequest => {
                    return Ok(Sent::Refused {
                        status: Status::IssueFailed,
                        code: err.code(),
                        reason: format!("POPBiLL refused the batch: {err}"),
                        details: Vec::new(),
                    });
                }
                _ => return Err(classify(err)),
            }
            match self.probe(id).await? {
                Some(found) => {
                    return Ok(Sent::Accepted {
                        updates: issuance_updates(&found),
                        fresh: true,
                        note: None,
                    });
                }
                None if err.code() == Some(codes::SUBMIT_ID_IN_USE) => {
                    // Taken but unknown: POPBiLL refused this SubmitID once and burned it.
                    return Ok(Sent::Refused {
                        status: Status::IssueFailed,
                        code: err.code(),
                        reason: format!(
                            "POPBiLL refused {id} on an earlier run and a SubmitID cannot be reused: fix the rows of this batch (which changes its SubmitID) and run again"
                        ),
                        details: Vec::new(),
                    });
                }
                None => continue, // it never arrived: send it again
            }
        }
        Err(BackendError::Unavailable(format!(
            "{id}: POPBiLL's answer was lost {MAX_SENDS} times"
        )))
    }

    /// mgtKeys POPBiLL already has from other submissions: found by GetInfos (1,000 keys a
    /// call) and not under their own batch's SubmitID (on a rerun, a batch's own receipts are
    /// found too, and GetBulkResult then knows its SubmitID).
    pub async fn used_elsewhere(
        &self,
        batches: &[(&SubmitId, Vec<String>)],
    ) -> Result<Vec<String>, BackendError> {
        let all: Vec<String> = batches.iter().flat_map(|(_, keys)| keys.clone()).collect();
        let found: std::collections::HashSet<String> = self
            .read_filing(&all)
            .await?
            .into_iter()
            .map(|u| u.mgt_key)
            .collect();
        let mut used = Vec::new();
        for (id, keys) in batches {
            let hits: Vec<&String> = keys.iter().filter(|k| found.contains(*k)).collect();
            if !hits.is_empty() && self.probe(id).await?.is_none() {
                used.extend(hits.into_iter().cloned());
            }
        }
        Ok(used)
    }

    pub async fn read(&self, id: &SubmitId) -> Result<Option<Vec<Update>>, BackendError> {
        Ok(self.probe(id).await?.map(|r| issuance_updates(&r)))
    }

    pub async fn read_filing(&self, mgt_keys: &[String]) -> Result<Vec<Update>, BackendError> {
        let keys: Vec<MgtKey> = mgt_keys
            .iter()
            .filter_map(|k| MgtKey::parse(k).ok())
            .collect();
        let infos = self
            .client
            .get_infos(&self.corp, &keys)
            .await
            .map_err(classify)?;
        Ok(infos.iter().filter_map(filing_update).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completed_bulk_result_becomes_issued_and_failed_receipts() {
        let r: BulkCashbillResult = serde_json::from_str(&format!(
            r#"{{"txState":2,"issueResult":[
                {{"mgtKey":"K1","code":1,"message":"발행 완료","confirmNum":"TB0000001","issueDT":"20250711100003"}},
                {{"mgtKey":"K2","code":{},"message":"합계 불일치"}}]}}"#,
            codes::AMOUNT_SUM_MISMATCH
        ))
        .unwrap();
        let u = issuance_updates(&r);
        assert_eq!(
            (u[0].status, u[0].state_code),
            (Some(Status::Issued), Some(300))
        );
        assert_eq!(u[0].issue_dt.as_deref(), Some("20250711100003"));
        assert_eq!(
            (u[1].status, u[1].issue_code),
            (Some(Status::IssueFailed), Some(codes::AMOUNT_SUM_MISMATCH))
        );
        let processing: BulkCashbillResult = serde_json::from_str(r#"{"txState":1}"#).unwrap();
        assert!(
            issuance_updates(&processing).is_empty(),
            "nothing is known before txState 2"
        );
    }

    #[test]
    fn filing_states_map_to_statuses() {
        let info = |code: i64| CashbillInfo {
            mgt_key: Some("K".into()),
            state_code: Some(code),
            ..Default::default()
        };
        assert_eq!(
            filing_update(&info(304)).unwrap().status,
            Some(Status::Filed)
        );
        assert_eq!(
            filing_update(&info(305)).unwrap().status,
            Some(Status::FilingFailed)
        );
        assert_eq!(
            filing_update(&info(300)).unwrap().status,
            Some(Status::Issued)
        );
        assert_eq!(filing_update(&CashbillInfo::default()), None);
    }
}
