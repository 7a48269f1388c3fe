//! Test doubles for the Worker's core: a scriptable fake POPBiLL and a ready-made service.
#![allow(dead_code)] // each test binary uses a different part

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use edge::core::cashbills::CheckedCashbills;
use edge::core::kv::{Kv, MemoryKv};
use edge::core::service::{Service, Settings, WebhookOutcome};
use edge::core::upstream::{Upstream, UpstreamError, UpstreamErrorKind};
use edge::core::webhook::{WebhookAuth, WebhookHeaders};
use futures::executor::block_on;
use popbill::codes;
use popbill::validate::is_cancellation;
use popbill::wire::{BulkCashbillResult, BulkIssueResult, BulkResponse, Cashbill, CashbillInfo};
use popbill::{CorpNum, KstDateTime, MgtKey, SubmitId};
use serde_json::{Value, json};

pub const CORP: &str = "1234567890";
pub const WEBHOOK_KEY: &str = "test-webhook-key";

pub fn t(s: &str) -> KstDateTime {
    KstDateTime::parse(s).expect("test times are valid")
}

pub fn settings() -> Settings {
    let corp = CorpNum::parse(CORP).expect("valid test CorpNum");
    Settings {
        default_corp: corp.clone(),
        allowed_corps: vec![corp],
        webhook_auth: WebhookAuth {
            api_key: Some(WEBHOOK_KEY.into()),
            basic: None,
        },
    }
}

pub fn cashbill(mgt_key: &str) -> Value {
    json!({
        "mgtKey": mgt_key, "tradeDT": "20250711100000", "tradeType": "승인거래", "tradeUsage": "소득공제용",
        "taxationType": "과세", "totalAmount": "11000", "supplyCost": "10000", "tax": "1000",
        "serviceFee": "0", "franchiseCorpNum": CORP, "identityNum": "01012345678", "itemName": "coffee"
    })
}

pub fn batch(submit_id: &str, keys: &[String]) -> Vec<u8> {
    let cashbills: Vec<Value> = keys.iter().map(|k| cashbill(k)).collect();
    serde_json::to_vec(&json!({ "submitID": submit_id, "cashbills": cashbills })).expect("json")
}

pub fn keys(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}")).collect()
}

pub fn hook_headers(mid: &str) -> WebhookHeaders {
    WebhookHeaders {
        x_api_key: Some(WEBHOOK_KEY.into()),
        mid: Some(mid.into()),
        ..Default::default()
    }
}

/// Which call a scripted fault hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    BulkSubmit,
    GetBulkResult,
    GetInfos,
}

#[derive(Debug, Clone)]
pub struct Fault {
    pub call: Call,
    /// Apply the request before failing (a timeout after POPBiLL committed it).
    pub after_commit: bool,
    pub error: UpstreamError,
}

impl Fault {
    pub fn before(call: Call, kind: UpstreamErrorKind) -> Self {
        Fault {
            call,
            after_commit: false,
            error: UpstreamError::new(kind, None, "injected"),
        }
    }
    pub fn after_commit(call: Call) -> Self {
        Fault {
            call,
            after_commit: true,
            error: UpstreamError::new(UpstreamErrorKind::Ambiguous, None, "timeout after commit"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct FakeSub {
    pub corp: String,
    pub receipt_id: String,
    pub mgt_keys: Vec<String>,
    pub completed: bool,
}

#[derive(Debug, Clone)]
pub struct FakeReceipt {
    pub code: i64,
    pub confirm_num: Option<String>,
    pub issue_dt: String,
    pub filing: Option<(i64, String)>,
}

#[derive(Debug, Default)]
pub struct FakeState {
    pub subs: BTreeMap<String, FakeSub>,
    pub receipts: BTreeMap<String, FakeReceipt>,
    pub faults: VecDeque<Fault>,
    pub calls: Vec<Call>,
    /// mgtKey → issuance error code.
    pub issue_fail: BTreeMap<String, i64>,
    /// mgtKeys whose filing fails (305).
    pub nts_fail: BTreeSet<String>,
    /// Keys ever issued, counted: a key issued twice is a bug.
    pub issue_counts: BTreeMap<String, u32>,
    /// Webhook bodies POPBiLL would send (MID, body), in the order they arose.
    pub outbox: Vec<(String, Vec<u8>)>,
    /// Every receipt ever sent, by mgtKey, as sent (the last one sent under that key).
    pub sent: BTreeMap<String, Cashbill>,
    /// How often each mgtKey was sent in a BulkSubmit that POPBiLL accepted.
    pub send_counts: BTreeMap<String, u32>,
    /// Random faults: probability that a call fails, and the RNG state (xorshift).
    pub fault_rate: f64,
    pub rng: u64,
    seq: u64,
}

/// A small stateful POPBiLL for core tests: accepts, completes on command, files on command.
#[derive(Debug, Default)]
pub struct FakePopbill {
    pub state: RefCell<FakeState>,
}

impl FakePopbill {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn inject(&self, fault: Fault) {
        self.state.borrow_mut().faults.push_back(fault);
    }

    /// POPBiLL cannot be reached for one send: the next BulkSubmit and the GetBulkResult that
    /// checks on it both fail before anything happens upstream.
    pub fn unreachable_for_one_send(&self) {
        self.inject(Fault::before(
            Call::BulkSubmit,
            UpstreamErrorKind::Retryable,
        ));
        self.inject(Fault::before(
            Call::GetBulkResult,
            UpstreamErrorKind::Retryable,
        ));
    }

    pub fn calls(&self, call: Call) -> usize {
        self.state
            .borrow()
            .calls
            .iter()
            .filter(|c| **c == call)
            .count()
    }

    /// Finish processing every accepted submission at `at` (txState 2).
    pub fn complete_all(&self, at: KstDateTime) {
        let mut s = self.state.borrow_mut();
        let subs: Vec<String> = s
            .subs
            .iter()
            .filter(|(_, v)| !v.completed)
            .map(|(k, _)| k.clone())
            .collect();
        for id in subs {
            let keys = s.subs[&id].mgt_keys.clone();
            for k in keys {
                if s.receipts.contains_key(&k) {
                    continue; // mgtKey reuse: POPBiLL fails the second one
                }
                let code = match s.sent.get(&k).filter(|c| is_cancellation(c)) {
                    // As POPBiLL judges a cancellation: against its original, at processing.
                    Some(c) => judge_cancellation(&s.receipts, c),
                    None => codes::OK,
                };
                let code = match code {
                    codes::OK => s.issue_fail.get(&k).copied().unwrap_or(codes::OK),
                    refused => refused,
                };
                s.seq += 1;
                let confirm = (code == codes::OK).then(|| format!("TB{:07}", s.seq));
                if code == codes::OK {
                    *s.issue_counts.entry(k.clone()).or_default() += 1;
                }
                s.receipts.insert(
                    k,
                    FakeReceipt {
                        code,
                        confirm_num: confirm,
                        issue_dt: at.to_string(),
                        filing: None,
                    },
                );
            }
            if let Some(sub) = s.subs.get_mut(&id) {
                sub.completed = true;
            }
        }
    }

    /// File every issued receipt (304, or 305 TS1 for `nts_fail`).
    pub fn file_all(&self) {
        let mut s = self.state.borrow_mut();
        let fail = s.nts_fail.clone();
        for (k, r) in s.receipts.iter_mut() {
            if r.code == codes::OK && r.filing.is_none() {
                r.filing = Some(if fail.contains(k) {
                    (305, "TS1".into())
                } else {
                    (304, "0000".into())
                });
            }
        }
    }

    fn take_fault(&self, call: Call) -> Option<Fault> {
        let mut s = self.state.borrow_mut();
        s.calls.push(call);
        if let Some(pos) = s.faults.iter().position(|f| f.call == call) {
            return s.faults.remove(pos);
        }
        if s.fault_rate > 0.0 && unit(&mut s.rng) < s.fault_rate {
            let kinds = [UpstreamErrorKind::Retryable, UpstreamErrorKind::Ambiguous];
            let kind = kinds[(next(&mut s.rng) % 2) as usize];
            let after_commit = call == Call::BulkSubmit && next(&mut s.rng).is_multiple_of(2);
            return Some(Fault {
                call,
                after_commit,
                error: UpstreamError::new(kind, None, "random fault"),
            });
        }
        None
    }

    fn commit(
        &self,
        corp: &CorpNum,
        id: &SubmitId,
        cashbills: &CheckedCashbills,
    ) -> Result<BulkResponse, UpstreamError> {
        let mut s = self.state.borrow_mut();
        if s.subs.contains_key(id.as_str()) {
            return Err(UpstreamError::new(
                UpstreamErrorKind::InvalidRequest,
                Some(codes::SUBMIT_ID_IN_USE),
                "in use",
            ));
        }
        s.seq += 1;
        let receipt_id = format!("R{:017}", s.seq);
        let mgt_keys = cashbills.mgt_keys().iter().map(|k| k.to_string()).collect();
        for (k, c) in cashbills.iter() {
            s.sent.insert(k.to_string(), c.clone());
            *s.send_counts.entry(k.to_string()).or_default() += 1;
        }
        s.subs.insert(
            id.to_string(),
            FakeSub {
                corp: corp.to_string(),
                receipt_id: receipt_id.clone(),
                mgt_keys,
                completed: false,
            },
        );
        Ok(BulkResponse {
            code: Some(1),
            message: Some("접수 완료".into()),
            receipt_id: Some(receipt_id),
        })
    }
}

/// The code POPBiLL gives a cancellation, judged against its original (found by confirmNum):
/// not found, not yet filed, filing failed, or issued (running totals are the mock's to judge).
fn judge_cancellation(receipts: &BTreeMap<String, FakeReceipt>, c: &Cashbill) -> i64 {
    let original = receipts
        .values()
        .find(|r| r.confirm_num.is_some() && r.confirm_num == c.org_confirm_num);
    match original.map(|o| o.filing.as_ref().map(|f| f.0)) {
        None => codes::ORG_NOT_FOUND,
        Some(None) => codes::ORG_NOT_FILED,
        Some(Some(304)) => codes::OK,
        Some(Some(_)) => codes::ORG_FILING_FAILED,
    }
}

impl Upstream for FakePopbill {
    async fn bulk_submit(
        &self,
        corp: &CorpNum,
        id: &SubmitId,
        cashbills: &CheckedCashbills,
    ) -> Result<BulkResponse, UpstreamError> {
        match self.take_fault(Call::BulkSubmit) {
            Some(f) if f.after_commit => {
                let _ = self.commit(corp, id, cashbills);
                Err(f.error)
            }
            Some(f) => Err(f.error),
            None => self.commit(corp, id, cashbills),
        }
    }

    async fn get_bulk_result(
        &self,
        _corp: &CorpNum,
        id: &SubmitId,
    ) -> Result<BulkCashbillResult, UpstreamError> {
        if let Some(f) = self.take_fault(Call::GetBulkResult) {
            return Err(f.error);
        }
        let s = self.state.borrow();
        let Some(sub) = s.subs.get(id.as_str()) else {
            return Err(UpstreamError::new(
                UpstreamErrorKind::InvalidRequest,
                Some(codes::SUBMIT_ID_NOT_FOUND),
                "not found",
            ));
        };
        let issue_result = if sub.completed {
            sub.mgt_keys
                .iter()
                .filter_map(|k| s.receipts.get(k).map(|r| (k, r)))
                .map(|(k, r)| BulkIssueResult {
                    mgt_key: Some(k.clone()),
                    code: Some(r.code),
                    message: Some(if r.code == 1 {
                        "발행 완료".into()
                    } else {
                        codes::message_ko(r.code).into()
                    }),
                    confirm_num: r.confirm_num.clone(),
                    trade_date: Some(r.issue_dt[..8].to_string()),
                    issue_dt: Some(r.issue_dt.clone()),
                    trade_dt: Some(r.issue_dt.clone()),
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(BulkCashbillResult {
            code: Some(1),
            submit_id: Some(id.to_string()),
            tx_state: Some(if sub.completed { 2 } else { 1 }),
            receipt_id: Some(sub.receipt_id.clone()),
            submit_count: Some(sub.mgt_keys.len() as i64),
            issue_result,
            ..Default::default()
        })
    }

    async fn get_infos(
        &self,
        _corp: &CorpNum,
        keys: &[MgtKey],
    ) -> Result<Vec<CashbillInfo>, UpstreamError> {
        if let Some(f) = self.take_fault(Call::GetInfos) {
            return Err(f.error);
        }
        let s = self.state.borrow();
        Ok(keys
            .iter()
            .filter_map(|k| s.receipts.get(k.as_str()).map(|r| (k, r)))
            .map(|(k, r)| CashbillInfo {
                mgt_key: Some(k.to_string()),
                state_code: Some(r.filing.as_ref().map(|f| f.0).unwrap_or(300)),
                confirm_num: r.confirm_num.clone(),
                issue_dt: Some(r.issue_dt.clone()),
                ntsresult_code: r.filing.as_ref().map(|f| f.1.clone()),
                ..Default::default()
            })
            .collect())
    }
}

/// Build the webhook body POPBiLL (the mock) sends for a BULKRESULT.
pub fn bulkresult_event(submit_id: &str, mgt_key: &str, code: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "eventDT": "20250711100010", "eventType": "BULKRESULT", "corpNum": CORP, "submitID": submit_id,
        "mgtKey": mgt_key, "code": code, "message": "발행 완료", "confirmNum": "TB0000001",
        "issueDT": "20250711100005", "stateCode": 300
    }))
    .expect("json")
}

pub fn nts_event(mgt_key: &str, state_code: i64, result: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "eventDT": "20250712110000", "eventType": "NTS", "corpNum": CORP, "mgtKey": mgt_key,
        "stateCode": state_code, "ntsresultCode": result, "ntssendDT": "20250712000000",
        "ntsresultDT": "20250712110000", "confirmNum": "TB0000001", "issueDT": "20250711100005"
    }))
    .expect("json")
}

/// A SubmitId for tests that name one.
pub fn sid(s: &str) -> SubmitId {
    SubmitId::parse(s).expect("a valid test SubmitId")
}

/// Deliver the webhooks POPBiLL sends for receipts `{prefix}-0..n` of `submit_id`: a BULKRESULT
/// (issued) and an NTS (filed, 304) each, every one stored as a new fact.
pub fn deliver_issued_and_filed<K: Kv, U: Upstream>(
    svc: &Service<'_, K, U>,
    submit_id: &str,
    prefix: &str,
    n: usize,
) {
    for i in 0..n {
        let k = format!("{prefix}-{i}");
        let stored = |mid: String, body: Vec<u8>| {
            let outcome = block_on(svc.webhook(&hook_headers(&mid), &body)).expect("stored");
            assert_eq!(outcome, WebhookOutcome::Stored, "{mid}");
        };
        stored(
            format!("B-{submit_id}-{i}"),
            bulkresult_event(submit_id, &k, 1),
        );
        stored(format!("N-{submit_id}-{i}"), nts_event(&k, 304, "0000"));
    }
}

pub fn new_kv() -> MemoryKv {
    MemoryKv::new()
}

/// xorshift64*: a tiny seeded generator for test faults.
pub fn next(state: &mut u64) -> u64 {
    let mut x = (*state).max(1);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// A uniform number in [0, 1).
pub fn unit(state: &mut u64) -> f64 {
    (next(state) >> 11) as f64 / (1u64 << 53) as f64
}

/// Deliver, as POPBiLL's webhooks, what the fake knows of `keys` of `submit_id`: each issuance
/// result (BULKRESULT) and, once filed, each filing result (NTS), with the fake's confirm
/// numbers and times. Returns how many were stored as new facts.
pub fn deliver_known<K: Kv>(
    svc: &Service<'_, K, FakePopbill>,
    up: &FakePopbill,
    submit_id: &str,
    keys: &[String],
) -> usize {
    let mut bodies = Vec::new();
    {
        let s = up.state.borrow();
        for k in keys {
            let Some(r) = s.receipts.get(k) else { continue };
            bodies.push((
                format!("B-{submit_id}-{k}"),
                serde_json::to_vec(&json!({
                    "eventDT": r.issue_dt, "eventType": "BULKRESULT", "corpNum": CORP,
                    "submitID": submit_id, "mgtKey": k, "code": r.code, "confirmNum": r.confirm_num,
                    "issueDT": r.issue_dt, "stateCode": 300
                }))
                .expect("json"),
            ));
            if let Some((state, result)) = &r.filing {
                bodies.push((
                    format!("N-{submit_id}-{k}"),
                    serde_json::to_vec(&json!({
                        "eventType": "NTS", "corpNum": CORP, "mgtKey": k, "stateCode": state,
                        "ntsresultCode": result, "confirmNum": r.confirm_num, "issueDT": r.issue_dt
                    }))
                    .expect("json"),
                ));
            }
        }
    }
    bodies
        .into_iter()
        .filter(|(mid, body)| {
            block_on(svc.webhook(&hook_headers(mid), body)).expect("stored")
                == WebhookOutcome::Stored
        })
        .count()
}

/// A refund request body.
pub fn refunds(refund_id: &str, items: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({ "refundID": refund_id, "refunds": items })).expect("json")
}

/// A whole refund of `org` under the new mgtKey `key`.
pub fn whole(key: &str, org: &str) -> Value {
    json!({ "mgtKey": key, "orgMgtKey": org })
}

/// A partial refund of `org`: `supply` plus 10 % tax.
pub fn part(key: &str, org: &str, supply: u64) -> Value {
    let tax = supply / 10;
    json!({
        "mgtKey": key, "orgMgtKey": org, "isPartCancel": true, "supplyCost": supply.to_string(),
        "tax": tax.to_string(), "serviceFee": "0", "totalAmount": (supply + tax).to_string()
    })
}
