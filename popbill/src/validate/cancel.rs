//! Cancellation receipts (취소거래): the rules that need no server state.
//!
//! A cancellation names its original by NTS confirm number (`orgConfirmNum`) and trade date
//! (`orgTradeDate`) and gives a reason (`cancelType`). What only POPBiLL can judge (does the
//! original exist, is it filed, is enough of it left) is not here; the mock judges it in its
//! simulation core. [`check_cashbill`](super::check_cashbill) runs [`check_cancellation`] for
//! every 취소거래, so callers get both sets of rules from one call; [`check_revoke`] is the
//! same for a RevokeRegistIssue request.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Violation, check_cashbill, present};
use crate::codes;
use crate::ids::CorpNum;
use crate::time::{KstDate, KstDateTime};
use crate::wire::{Cashbill, RevokeRequest};

/// tradeType of an ordinary receipt.
pub const APPROVAL: &str = "승인거래";
/// tradeType of a cancellation receipt.
pub const CANCELLATION: &str = "취소거래";
/// Length of an NTS confirm number (POPBiLL: "국세청승인번호는 9자만 입력할 수 있습니다").
pub const CONFIRM_NUM_LEN: usize = 9;

/// True when the receipt is a cancellation (tradeType 취소거래).
pub fn is_cancellation(c: &Cashbill) -> bool {
    c.trade_type.as_deref() == Some(CANCELLATION)
}

/// Why a receipt is cancelled (취소사유, `cancelType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CancelType {
    /// 1 거래취소: the purchase was cancelled (the default).
    Transaction,
    /// 2 오류발급취소: the receipt was issued in error.
    IssuedInError,
    /// 3 기타취소: any other reason.
    Other,
}

impl CancelType {
    /// What POPBiLL assumes when a cancellation gives no reason.
    pub const DEFAULT: CancelType = CancelType::Transaction;

    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            1 => Some(CancelType::Transaction),
            2 => Some(CancelType::IssuedInError),
            3 => Some(CancelType::Other),
            _ => None,
        }
    }

    pub fn code(self) -> i64 {
        match self {
            CancelType::Transaction => 1,
            CancelType::IssuedInError => 2,
            CancelType::Other => 3,
        }
    }

    /// POPBiLL's Korean name.
    pub fn label_ko(self) -> &'static str {
        match self {
            CancelType::Transaction => "거래취소",
            CancelType::IssuedInError => "오류발급취소",
            CancelType::Other => "기타취소",
        }
    }

    /// The wire value as a cancellation reads it: absent or `0` (the .NET SDK's "not set") is
    /// the default, 1–3 are themselves, anything else is `Err` with the value.
    pub fn from_wire(value: Option<i64>) -> Result<Self, i64> {
        match value {
            None | Some(0) => Ok(CancelType::DEFAULT),
            Some(v) => CancelType::from_code(v).ok_or(v),
        }
    }

    /// A receipt's cancel type: `None` for a 승인거래 (whose cancelType, often the .NET SDK's
    /// `0`, means nothing); for a 취소거래 as [`from_wire`](Self::from_wire) reads it.
    pub fn of(c: &Cashbill) -> Result<Option<Self>, i64> {
        if is_cancellation(c) {
            CancelType::from_wire(c.cancel_type).map(Some)
        } else {
            Ok(None)
        }
    }
}

impl Serialize for CancelType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.code())
    }
}

/// Reads `1`, `2`, `3` or the same as strings (`"1"`), as intake accepts strings.
impl<'de> Deserialize<'de> for CancelType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum NumOrStr {
            Num(i64),
            Str(String),
        }
        let code = match NumOrStr::deserialize(d)? {
            NumOrStr::Num(n) => Some(n),
            NumOrStr::Str(s) => s.trim().parse().ok(),
        };
        code.and_then(CancelType::from_code)
            .ok_or_else(|| serde::de::Error::custom("cancelType must be 1, 2 or 3"))
    }
}

/// True for what POPBiLL could have issued as a confirm number: 9 ASCII letters or digits.
pub fn is_confirm_num(s: &str) -> bool {
    s.len() == CONFIRM_NUM_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The cancellation fields of a 취소거래, in field order; nothing for other receipts.
///
/// orgConfirmNum missing (-14001057) or not 9 letters/digits (-14001068); orgTradeDate missing
/// (-14001056) or not a `yyyyMMdd` date (-14001077); cancelType other than absent, 0, 1, 2, 3
/// (-14001058); the cancellation's trade date (tradeDT, or `now` when absent) before
/// orgTradeDate (-14001074; the original's time of day is only known to POPBiLL).
pub fn check_cancellation(c: &Cashbill, now: KstDateTime, out: &mut Vec<Violation>) {
    if !is_cancellation(c) {
        return;
    }
    match present(&c.org_confirm_num) {
        None => out.push(Violation::new(
            "orgConfirmNum",
            codes::ORG_CONFIRM_NUM_MISSING,
            "missing",
        )),
        Some(n) if !is_confirm_num(n) => out.push(Violation::new(
            "orgConfirmNum",
            codes::ORG_CONFIRM_NUM_INVALID,
            "invalid_format",
        )),
        Some(_) => {}
    }
    let org_date = match present(&c.org_trade_date) {
        None => {
            out.push(Violation::new(
                "orgTradeDate",
                codes::ORG_TRADE_DATE_MISSING,
                "missing",
            ));
            None
        }
        Some(d) => match KstDate::parse(d) {
            Ok(d) => Some(d),
            Err(_) => {
                out.push(Violation::new(
                    "orgTradeDate",
                    codes::ORG_TRADE_DATE_FORMAT,
                    "invalid_format",
                ));
                None
            }
        },
    };
    if CancelType::from_wire(c.cancel_type).is_err() {
        out.push(Violation::new(
            "cancelType",
            codes::CANCEL_TYPE_INVALID,
            "invalid_value",
        ));
    }
    let trade = match present(&c.trade_dt) {
        None => Some(now),
        // A malformed tradeDT is check_cashbill's to report.
        Some(dt) => KstDateTime::parse(dt).ok(),
    };
    if let (Some(trade), Some(org)) = (trade, org_date)
        && trade.date() < org
    {
        out.push(Violation::new(
            "tradeDT",
            codes::CANCEL_TRADE_DT_BEFORE_ORG,
            "before_original",
        ));
    }
}

/// Every rule a RevokeRegistIssue request breaks that POPBiLL would refuse without looking at
/// the original: mgtKey, tradeDT, the cancellation fields and, for a partial cancellation, the
/// amounts (as [`check_cashbill`] judges them). Empty means it is worth sending.
pub fn check_revoke(r: &RevokeRequest, member: &CorpNum, now: KstDateTime) -> Vec<Violation> {
    let partial = !r.is_full();
    let mut out = check_cashbill(&r.to_cancellation(), member, now);
    out.retain(|v| match v.field {
        "mgtKey" | "tradeDT" | "orgConfirmNum" | "orgTradeDate" | "cancelType" => true,
        // tax on a 비과세 original is for POPBiLL to judge: the request has no taxationType.
        "supplyCost" | "tax" | "serviceFee" | "totalAmount" => partial,
        // Franchise, buyer, tradeUsage, taxationType: POPBiLL copies them from the original.
        _ => false,
    });
    out
}

/// English explanations of the cancellation rules (for [`Violation::message_en`]).
pub(super) fn message_en(field: &str, reason: &str) -> Option<&'static str> {
    Some(match (field, reason) {
        ("orgConfirmNum", "missing") => {
            "orgConfirmNum (the original's NTS confirm number) is required for a 취소거래"
        }
        ("orgConfirmNum", "invalid_format") => "orgConfirmNum must be 9 letters or digits",
        ("orgTradeDate", "missing") => {
            "orgTradeDate (the original's trade date) is required for a 취소거래"
        }
        ("orgTradeDate", "invalid_format") => "orgTradeDate must be a date as yyyyMMdd",
        ("cancelType", "invalid_value") => {
            "cancelType must be 1 (거래취소), 2 (오류발급취소) or 3 (기타취소)"
        }
        ("tradeDT", "before_original") => {
            "a cancellation's tradeDT cannot be before the original's trade date"
        }
        _ => return None,
    })
}
