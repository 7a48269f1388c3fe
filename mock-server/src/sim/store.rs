//! What the simulation remembers: issued receipts (compact), bulk submissions, used SubmitIDs.
//!
//! Receipts keep only what GetInfo returns, in compact form (amounts as integers, enumerations
//! as static strings, itemKey and confirmNum recomputed from the issuance number), so a stored
//! receipt costs well under 2 KB.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use popbill::KstDateTime;

use super::clock::SimTime;
use super::request::CachedBody;

/// How a receipt's filing will end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NtsPlan {
    Success,
    Fail(Box<str>),
}

impl NtsPlan {
    pub fn result_code(&self) -> &str {
        match self {
            NtsPlan::Success => "0000",
            NtsPlan::Fail(code) => code,
        }
    }
}

/// The franchise (가맹점) details a receipt was issued with. Shared: a merchant sends the same
/// ones on every receipt, so each distinct set is stored once ([`Store::intern`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Franchise {
    pub tax_reg_id: Option<Box<str>>,
    pub corp_name: Option<Box<str>>,
    pub ceo_name: Option<Box<str>>,
    pub addr: Option<Box<str>>,
    pub tel: Option<Box<str>>,
}

/// An issued receipt.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub mgt_key: Box<str>,
    /// Issuance number: the source of confirmNum and itemKey.
    pub issue_no: u32,
    /// Index into `Store::submissions` for bulk receipts; `None` for RegistIssue.
    pub submission: Option<u32>,
    pub issued_at: SimTime,
    pub trade_dt: KstDateTime,
    pub trade_type: &'static str,
    pub trade_usage: &'static str,
    pub trade_opt: Option<&'static str>,
    pub taxation_type: &'static str,
    /// supplyCost, tax, serviceFee, totalAmount.
    pub amounts: [u32; 4],
    pub identity_num: Box<str>,
    pub customer_name: Option<Box<str>>,
    pub item_name: Option<Box<str>>,
    pub order_number: Option<Box<str>>,
    pub email: Option<Box<str>>,
    pub hp: Option<Box<str>>,
    pub memo: Option<Box<str>>,
    /// Index into `Store::franchises`.
    pub franchise: u32,
    pub smssend_yn: bool,
    pub nts_plan: NtsPlan,
    pub nts_sent_at: Option<SimTime>,
    pub nts_result_at: Option<SimTime>,
    /// Deleted (only a receipt whose filing failed can be): its mgtKey is free again, and it
    /// is gone from every POPBiLL answer.
    pub deleted_at: Option<SimTime>,
    /// Set on a cancellation receipt (취소거래): which original it cancels, and why.
    pub cancel: Option<CancelOf>,
}

/// A cancellation's link to its original (orgConfirmNum and orgTradeDate are the original's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelOf {
    /// Index into `Store::receipts`.
    pub original: u32,
    /// 1 거래취소, 2 오류발급취소, 3 기타취소.
    pub cancel_type: u8,
}

impl Receipt {
    /// 300 issued, 304 filed, 305 filing failed.
    pub fn state_code(&self) -> i64 {
        match (&self.nts_result_at, &self.nts_plan) {
            (None, _) => 300,
            (Some(_), NtsPlan::Success) => 304,
            (Some(_), NtsPlan::Fail(_)) => 305,
        }
    }

    pub fn state_at(&self) -> SimTime {
        self.nts_result_at.unwrap_or(self.issued_at)
    }
}

/// One receipt's outcome inside a completed submission.
#[derive(Debug, Clone)]
pub struct ItemOutcome {
    pub mgt_key: Option<Box<str>>,
    /// 1 = issued; otherwise POPBiLL's error code.
    pub code: i64,
    /// Index into `Store::receipts` when issued.
    pub receipt: Option<u32>,
}

/// An accepted bulk submission.
#[derive(Debug)]
pub struct Submission {
    pub submit_id: Box<str>,
    pub receipt_id: Box<str>,
    pub corp_num: Box<str>,
    pub received_at: SimTime,
    pub started_at: Option<SimTime>,
    pub ended_at: Option<SimTime>,
    pub count: u32,
    /// The body as sent (checked), until processing completes.
    pub pending: Option<super::bulk_body::RawBatch>,
    pub outcomes: Vec<ItemOutcome>,
    pub success: u32,
    pub fail: u32,
    /// The GetBulkResult answer once txState is 2 (it never changes after that).
    pub result_body: Option<Arc<CachedBody>>,
}

impl Submission {
    pub fn tx_state(&self) -> i64 {
        match (self.started_at, self.ended_at) {
            (_, Some(_)) => 2,
            (Some(_), None) => 1,
            (None, None) => 0,
        }
    }
}

#[derive(Debug, Default)]
pub struct Store {
    /// Every receipt ever issued, deleted ones included (submissions refer to them by index).
    pub receipts: Vec<Receipt>,
    /// Receipts that are not deleted, by mgtKey.
    pub by_mgt_key: HashMap<Box<str>, u32>,
    pub franchises: Vec<Franchise>,
    franchise_ids: HashMap<Franchise, u32>,
    pub submissions: Vec<Submission>,
    pub by_submit_id: HashMap<Box<str>, u32>,
    /// SubmitIDs presented in a refused BulkSubmit: burned, never reusable.
    pub burned: HashSet<Box<str>>,
    /// Receipts issued per KST day that are not yet filed or not yet resulted.
    pub by_day: BTreeMap<popbill::KstDate, Vec<u32>>,
    /// Running totals of the cancellations of each original (by receipt index).
    pub refunded: HashMap<u32, super::cancel::Refunded>,
}

impl Store {
    pub fn submit_id_used(&self, id: &str) -> bool {
        self.by_submit_id.contains_key(id) || self.burned.contains(id)
    }

    /// The receipt with issuance number `n` (receipts are stored in issuance order).
    pub fn by_issue_no(&self, n: u32) -> Option<u32> {
        let i = self.receipts.partition_point(|r| r.issue_no < n);
        let found = self.receipts.get(i).is_some_and(|r| r.issue_no == n);
        found.then(|| u32::try_from(i).unwrap_or(u32::MAX))
    }

    /// The live (not deleted) receipt with this mgtKey.
    pub fn receipt(&self, mgt_key: &str) -> Option<&Receipt> {
        self.by_mgt_key
            .get(mgt_key)
            .map(|&i| &self.receipts[i as usize])
    }

    /// Every live receipt, in issue order.
    pub fn live(&self) -> impl Iterator<Item = &Receipt> {
        self.receipts.iter().filter(|r| r.deleted_at.is_none())
    }

    /// The index of `f` in `franchises`, adding it the first time it is seen.
    pub fn intern(&mut self, f: Franchise) -> u32 {
        if let Some(&i) = self.franchise_ids.get(&f) {
            return i;
        }
        let i = u32::try_from(self.franchises.len()).unwrap_or(u32::MAX);
        self.franchises.push(f.clone());
        self.franchise_ids.insert(f, i);
        i
    }

    pub fn franchise(&self, r: &Receipt) -> &Franchise {
        static NONE: Franchise = Franchise {
            tax_reg_id: None,
            corp_name: None,
            ceo_name: None,
            addr: None,
            tel: None,
        };
        self.franchises.get(r.franchise as usize).unwrap_or(&NONE)
    }
}
