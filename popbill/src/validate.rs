//! Per-receipt and per-batch rules, with POPBiLL's error codes (`crate::codes`, from POPBiLL's
//! table). Shared by the Worker, the mock and any other client, so each gets the same codes.
//!
//! The Worker runs these before anything is sent (so a merchant learns every problem at once);
//! the mock runs the same rules and reports them per receipt in `issueResult`, as POPBiLL does.
//! Pure: `now` is an argument.

use crate::amount::{Amount, AmountError};
use crate::codes;
use crate::ids::{CorpNum, MgtKey};
use crate::time::KstDateTime;
use crate::wire::Cashbill;

mod cancel;
pub use cancel::{
    APPROVAL, CANCELLATION, CONFIRM_NUM_LEN, CancelType, check_cancellation, check_revoke,
    is_cancellation, is_confirm_num,
};

/// The most receipts one BulkSubmit may carry.
pub const MAX_BATCH: usize = 100;
/// The voluntary-issuance identity number (자진발급), written `010-000-1234` in the docs.
pub const VOLUNTARY_IDENTITY_NUM: &str = "0100001234";

/// 승인거래 (an ordinary receipt) and 취소거래 (a cancellation, with the fields
/// [`check_cancellation`] checks).
pub const TRADE_TYPES: [&str; 2] = [APPROVAL, CANCELLATION];
pub const TRADE_USAGES: [&str; 2] = ["소득공제용", "지출증빙용"];
pub const TRADE_OPTS: [&str; 3] = ["일반", "도서공연", "대중교통"];
pub const TAXATION_TYPES: [&str; 2] = ["과세", "비과세"];

/// One broken rule: which field, POPBiLL's code, and a stable reason for machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Violation {
    /// The POPBiLL JSON field name (`totalAmount`).
    pub field: &'static str,
    /// POPBiLL's error code.
    pub code: i64,
    /// `missing`, `invalid_format`, `invalid_value`, `too_long`, `negative`, `too_large`,
    /// `sum_mismatch`, `not_allowed`, `mismatch`, `out_of_range`, `before_original`.
    pub reason: &'static str,
}

impl Violation {
    const fn new(field: &'static str, code: i64, reason: &'static str) -> Self {
        Violation {
            field,
            code,
            reason,
        }
    }

    /// POPBiLL's Korean message.
    pub fn message_ko(&self) -> &'static str {
        codes::message_ko(self.code)
    }

    /// An English explanation for the merchant-facing API.
    pub fn message_en(&self) -> String {
        if let Some(m) = cancel::message_en(self.field, self.reason) {
            return m.into();
        }
        match (self.field, self.reason) {
            ("totalAmount", "sum_mismatch") => {
                "totalAmount must equal supplyCost + tax + serviceFee".into()
            }
            ("tax", "not_allowed") => "tax must be 0 when taxationType is 비과세".into(),
            ("tax", "out_of_range") => "tax cannot exceed supplyCost".into(),
            ("franchiseCorpNum", "mismatch") => {
                "franchiseCorpNum must be the member's own CorpNum".into()
            }
            ("identityNum", "not_allowed") => {
                "the voluntary identityNum 0100001234 is only for 소득공제용".into()
            }
            ("tradeDT", "out_of_range") => "tradeDT must be today or yesterday (KST)".into(),
            ("tradeDT", "future") => "tradeDT is in the future".into(),
            (field, "missing") => format!("{field} is required"),
            (field, "too_long") => format!("{field} is too long"),
            (field, "negative") => format!("{field} cannot be negative"),
            (field, "too_large") => format!("{field} cannot exceed 999,999,999"),
            (field, "invalid_format") => format!("{field} has an invalid format"),
            (field, reason) => format!("{field} is invalid ({reason})"),
        }
    }
}

/// Whole-batch problems: POPBiLL refuses the entire submission for these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("the batch has no cashbills")]
    Empty,
    #[error("the batch has {0} cashbills; at most 100 are allowed")]
    TooMany(usize),
    #[error("mgtKey {0} appears more than once in the batch")]
    DuplicateMgtKey(String),
}

impl BatchError {
    pub fn code(&self) -> i64 {
        match self {
            BatchError::Empty => codes::CASHBILLS_MISSING,
            BatchError::TooMany(_) => codes::TOO_MANY_CASHBILLS,
            BatchError::DuplicateMgtKey(_) => codes::DUPLICATE_MGT_KEY_IN_BATCH,
        }
    }
}

/// Count and uniqueness of a batch's mgtKeys (absent keys are the per-receipt rules' business).
pub fn check_batch<'a>(
    mgt_keys: impl ExactSizeIterator<Item = Option<&'a str>>,
) -> Result<(), BatchError> {
    let n = mgt_keys.len();
    if n == 0 {
        return Err(BatchError::Empty);
    }
    if n > MAX_BATCH {
        return Err(BatchError::TooMany(n));
    }
    let mut seen = std::collections::HashSet::with_capacity(n);
    for key in mgt_keys.flatten() {
        if !seen.insert(key) {
            return Err(BatchError::DuplicateMgtKey(key.to_owned()));
        }
    }
    Ok(())
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

fn one_of(
    v: &Option<String>,
    field: &'static str,
    code: i64,
    allowed: &[&str],
    out: &mut Vec<Violation>,
) {
    match present(v) {
        None => out.push(Violation::new(field, code, "missing")),
        Some(s) if !allowed.contains(&s) => out.push(Violation::new(field, code, "invalid_value")),
        Some(_) => {}
    }
}

/// POPBiLL's codes for one amount field: missing, negative.
struct AmountCodes {
    missing: i64,
    negative: i64,
}

fn amount(
    v: &Option<String>,
    field: &'static str,
    codes: AmountCodes,
    out: &mut Vec<Violation>,
) -> Option<Amount> {
    let Some(s) = present(v) else {
        out.push(Violation::new(field, codes.missing, "missing"));
        return None;
    };
    match Amount::parse(s) {
        Ok(a) => Some(a),
        Err(AmountError::Negative) => {
            out.push(Violation::new(field, codes.negative, "negative"));
            None
        }
        Err(AmountError::TooLarge) => {
            out.push(Violation::new(
                field,
                crate::codes::AMOUNT_TOO_LARGE,
                "too_large",
            ));
            None
        }
        Err(AmountError::Empty | AmountError::NotDigits) => {
            out.push(Violation::new(
                field,
                crate::codes::AMOUNT_MAPPING,
                "invalid_format",
            ));
            None
        }
    }
}

fn max_len(
    v: &Option<String>,
    field: &'static str,
    max: usize,
    code: i64,
    out: &mut Vec<Violation>,
) {
    if v.as_deref().is_some_and(|s| s.chars().count() > max) {
        out.push(Violation::new(field, code, "too_long"));
    }
}

/// Every rule one receipt breaks, in field order (a 취소거래's cancellation fields last).
/// Empty means POPBiLL would accept it, as far as it can be judged without POPBiLL's state.
pub fn check_cashbill(c: &Cashbill, member: &CorpNum, now: KstDateTime) -> Vec<Violation> {
    let mut out = Vec::new();

    match present(&c.mgt_key) {
        None => out.push(Violation::new(
            "mgtKey",
            codes::BULK_MGT_KEY_MISSING,
            "missing",
        )),
        Some(k) if MgtKey::parse(k).is_err() => out.push(Violation::new(
            "mgtKey",
            codes::MGT_KEY_INVALID,
            "invalid_format",
        )),
        Some(_) => {}
    }

    if let Some(dt) = present(&c.trade_dt) {
        match KstDateTime::parse(dt) {
            Err(_) => out.push(Violation::new(
                "tradeDT",
                codes::BULK_TRADE_DT_FORMAT,
                "invalid_format",
            )),
            Ok(t) if t > now => {
                out.push(Violation::new("tradeDT", codes::TRADE_DT_FUTURE, "future"))
            }
            Ok(t) if t.date() < now.date().previous_day() => out.push(Violation::new(
                "tradeDT",
                codes::TRADE_DT_NOT_TODAY_OR_YESTERDAY,
                "out_of_range",
            )),
            Ok(_) => {}
        }
    }

    one_of(
        &c.trade_type,
        "tradeType",
        codes::TRADE_TYPE_MISSING,
        &TRADE_TYPES,
        &mut out,
    );
    one_of(
        &c.trade_usage,
        "tradeUsage",
        codes::TRADE_USAGE_MISSING,
        &TRADE_USAGES,
        &mut out,
    );
    if let Some(opt) = present(&c.trade_opt)
        && !TRADE_OPTS.contains(&opt)
    {
        // POPBiLL's table has no tradeOpt code: an unknown value fails to map onto the field's
        // enumeration (-99910010), as any mistyped input does (docs/PROTOCOL.md §2.5).
        out.push(Violation::new(
            "tradeOpt",
            codes::INPUT_MAPPING,
            "invalid_value",
        ));
    }
    one_of(
        &c.taxation_type,
        "taxationType",
        codes::TAXATION_TYPE_MISSING,
        &TAXATION_TYPES,
        &mut out,
    );

    let supply = amount(
        &c.supply_cost,
        "supplyCost",
        AmountCodes {
            missing: codes::SUPPLY_COST_MISSING,
            negative: codes::SUPPLY_COST_NEGATIVE,
        },
        &mut out,
    );
    let tax = amount(
        &c.tax,
        "tax",
        AmountCodes {
            missing: codes::TAX_MISSING,
            negative: codes::TAX_NEGATIVE,
        },
        &mut out,
    );
    let fee = amount(
        &c.service_fee,
        "serviceFee",
        AmountCodes {
            missing: codes::SERVICE_FEE_MISSING,
            negative: codes::SERVICE_FEE_NEGATIVE,
        },
        &mut out,
    );
    let total = amount(
        &c.total_amount,
        "totalAmount",
        AmountCodes {
            missing: codes::TOTAL_AMOUNT_MISSING,
            negative: codes::TOTAL_AMOUNT_NEGATIVE,
        },
        &mut out,
    );
    if let (Some(s), Some(t)) = (supply, tax)
        && t > s
    {
        out.push(Violation::new(
            "tax",
            codes::TAX_OVER_SUPPLY_COST,
            "out_of_range",
        ));
    }
    if let Some(t) = tax
        && present(&c.taxation_type) == Some("비과세")
        && t.get() != 0
    {
        out.push(Violation::new(
            "tax",
            codes::TAX_EXEMPT_WITH_TAX,
            "not_allowed",
        ));
    }
    if let (Some(s), Some(t), Some(f), Some(tot)) = (supply, tax, fee, total)
        && s.get() + t.get() + f.get() != tot.get()
    {
        out.push(Violation::new(
            "totalAmount",
            codes::AMOUNT_SUM_MISMATCH,
            "sum_mismatch",
        ));
    }

    match present(&c.franchise_corp_num) {
        None => out.push(Violation::new(
            "franchiseCorpNum",
            codes::FRANCHISE_CORP_NUM_MISSING,
            "missing",
        )),
        Some(n) => match CorpNum::parse(n) {
            Err(_) => out.push(Violation::new(
                "franchiseCorpNum",
                codes::FRANCHISE_CORP_NUM_INVALID,
                "invalid_format",
            )),
            Ok(n) if &n != member => out.push(Violation::new(
                "franchiseCorpNum",
                codes::FRANCHISE_NOT_MEMBER,
                "mismatch",
            )),
            Ok(_) => {}
        },
    }
    if let Some(id) = present(&c.franchise_tax_reg_id)
        && (id.len() != 4 || !id.bytes().all(|b| b.is_ascii_digit()))
    {
        out.push(Violation::new(
            "franchiseTaxRegID",
            codes::TAX_REG_ID_INVALID,
            "invalid_format",
        ));
    }

    match present(&c.identity_num) {
        None => out.push(Violation::new(
            "identityNum",
            codes::IDENTITY_NUM_MISSING,
            "missing",
        )),
        Some(id) if !id.bytes().all(|b| b.is_ascii_digit()) => out.push(Violation::new(
            "identityNum",
            codes::IDENTITY_NUM_NOT_DIGITS,
            "invalid_format",
        )),
        Some(id) if id.len() > 20 => out.push(Violation::new(
            "identityNum",
            codes::IDENTITY_NUM_TOO_LONG,
            "too_long",
        )),
        Some(id)
            if id == VOLUNTARY_IDENTITY_NUM && present(&c.trade_usage) != Some("소득공제용") =>
        {
            out.push(Violation::new(
                "identityNum",
                codes::VOLUNTARY_NOT_DEDUCTION,
                "not_allowed",
            ))
        }
        Some(_) => {}
    }

    max_len(
        &c.franchise_corp_name,
        "franchiseCorpName",
        200,
        codes::CORP_NAME_TOO_LONG,
        &mut out,
    );
    max_len(
        &c.franchise_ceo_name,
        "franchiseCEOName",
        100,
        codes::CEO_NAME_TOO_LONG,
        &mut out,
    );
    max_len(
        &c.franchise_addr,
        "franchiseAddr",
        400,
        codes::ADDR_TOO_LONG,
        &mut out,
    );
    max_len(
        &c.franchise_tel,
        "franchiseTEL",
        20,
        codes::TEL_TOO_LONG,
        &mut out,
    );
    max_len(
        &c.customer_name,
        "customerName",
        70,
        codes::CUSTOMER_NAME_TOO_LONG,
        &mut out,
    );
    max_len(
        &c.item_name,
        "itemName",
        70,
        codes::ITEM_NAME_TOO_LONG,
        &mut out,
    );
    max_len(
        &c.order_number,
        "orderNumber",
        200,
        codes::ORDER_NUMBER_TOO_LONG,
        &mut out,
    );
    max_len(&c.email, "email", 100, codes::EMAIL_TOO_LONG, &mut out);
    check_cancellation(c, now, &mut out);
    out
}
