//! Every refund row against the rules that need no server state, before anything is sent: the
//! refund API's own shape rules (a new mgtKey, the original named one way, amounts only where
//! they belong, more than 0 won) and POPBiLL's receipt and cancellation rules
//! (`popbill::validate`, on the cancellation receipt the row describes), plus what only the
//! whole file shows: a mgtKey twice, or a refund's mgtKey that is another row's original.
//! Pure: `now` (KST) is an argument.
//!
//! Left to the Worker, which has the records: whether the original exists, is issued and is
//! this member's, what is left of it, and whether given party fields match it.

use std::collections::HashMap;

use popbill::validate::{CANCELLATION, CancelType, Violation, check_cashbill};
use popbill::wire::Cashbill;
use popbill::{CorpNum, KstDateTime, MgtKey, codes};

use super::RefundRow;
use crate::check::Checked;
use crate::input::{Problem, Record};

/// How a row names its original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    /// `orgMgtKey`: issued through the Worker, which fills in the rest.
    Known,
    /// `orgConfirmNum` + `orgTradeDate`: issued elsewhere; the row carries everything.
    External,
    /// Both ways at once.
    Ambiguous,
    /// Neither.
    Missing,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

fn named(r: &RefundRow) -> Named {
    match (
        present(&r.org_mgt_key),
        present(&r.org_confirm_num).or(present(&r.org_trade_date)),
    ) {
        (Some(_), Some(_)) => Named::Ambiguous,
        (Some(_), None) => Named::Known,
        (None, Some(_)) => Named::External,
        (None, None) => Named::Missing,
    }
}

const AMOUNTS: [&str; 4] = ["supplyCost", "tax", "serviceFee", "totalAmount"];

/// The cancellation receipt a row describes, as far as the row knows it, for POPBiLL's rules.
fn draft(r: &RefundRow, member: &CorpNum) -> Cashbill {
    Cashbill {
        mgt_key: r.mgt_key.clone(),
        trade_type: Some(CANCELLATION.into()),
        trade_usage: r.trade_usage.clone(),
        trade_opt: r.trade_opt.clone(),
        taxation_type: r.taxation_type.clone(),
        supply_cost: r.supply_cost.clone(),
        tax: r.tax.clone(),
        service_fee: r.service_fee.clone(),
        total_amount: r.total_amount.clone(),
        franchise_corp_num: Some(member.to_string()),
        franchise_tax_reg_id: r.franchise_tax_reg_id.clone(),
        franchise_corp_name: r.franchise_corp_name.clone(),
        franchise_ceo_name: r.franchise_ceo_name.clone(),
        franchise_addr: r.franchise_addr.clone(),
        franchise_tel: r.franchise_tel.clone(),
        identity_num: r.identity_num.clone(),
        customer_name: r.customer_name.clone(),
        item_name: r.item_name.clone(),
        order_number: r.order_number.clone(),
        email: r.email.clone(),
        hp: r.hp.clone(),
        memo: r.memo.clone(),
        email_subject: r.email_subject.clone(),
        smssend_yn: r.smssend_yn,
        org_confirm_num: r.org_confirm_num.clone(),
        org_trade_date: r.org_trade_date.clone(),
        ..Cashbill::default()
    }
}

/// Whether a POPBiLL rule broken by the draft is the row's to fix. An `orgMgtKey` row leaves
/// the original's confirm number, trade date and parties to the Worker, and its amounts too
/// unless it is partial; the franchise is the member's, filled in by the Worker.
fn applies(v: &Violation, how: Named, r: &RefundRow) -> bool {
    let external = how == Named::External;
    match v.field {
        "franchiseCorpNum" | "cancelType" => false,
        f if AMOUNTS.contains(&f) => external || r.is_partial(),
        "orgConfirmNum" | "orgTradeDate" | "tradeDT" => external,
        "identityNum" | "tradeUsage" | "taxationType" => {
            external || !matches!(v.reason, "missing" | "not_allowed")
        }
        _ => true,
    }
}

fn problem(row: usize, field: &str, code: Option<i64>, message: impl Into<String>) -> Problem {
    Problem {
        code,
        ..Problem::new(row, Some(field), message)
    }
}

/// The problems of one refund row.
fn row_problems(row: usize, r: &RefundRow, member: &CorpNum, now: KstDateTime) -> Vec<Problem> {
    let mut out = Vec::new();
    let how = named(r);
    match how {
        Named::Ambiguous => out.push(problem(
            row,
            "orgMgtKey",
            None,
            "name the original either by orgMgtKey or by orgConfirmNum and orgTradeDate, not both",
        )),
        Named::Missing => out.push(problem(
            row,
            "orgMgtKey",
            None,
            "name the original: orgMgtKey (issued through the Worker) or orgConfirmNum and orgTradeDate (issued elsewhere)",
        )),
        Named::Known if MgtKey::parse(present(&r.org_mgt_key).unwrap_or("")).is_err() => {
            out.push(problem(
                row,
                "orgMgtKey",
                None,
                "orgMgtKey must be 1 to 24 letters, digits, '-' or '_'",
            ))
        }
        Named::Known | Named::External => {}
    }
    if let Some(v) = r.cancel_type
        && CancelType::from_code(v).is_none()
    {
        out.push(problem(
            row,
            "cancelType",
            Some(codes::CANCEL_TYPE_INVALID),
            "cancelType must be 1 (거래취소), 2 (오류발급취소) or 3 (기타취소)",
        ));
    }
    if how == Named::Known && !r.is_partial() {
        let given = [&r.supply_cost, &r.tax, &r.service_fee, &r.total_amount];
        for (field, value) in AMOUNTS.iter().zip(given) {
            if present(value).is_some() {
                out.push(problem(
                    row,
                    field,
                    None,
                    "amounts are given only with isPartCancel true; a whole refund takes the original's",
                ));
            }
        }
    }
    let violations: Vec<Violation> = check_cashbill(&draft(r, member), member, now)
        .into_iter()
        .filter(|v| applies(v, how, r))
        .collect();
    let amounts_ok = !violations.iter().any(|v| AMOUNTS.contains(&v.field));
    for v in violations {
        if (v.field, v.reason) == ("tradeDT", "before_original") {
            // The row has no tradeDT: POPBiLL stamps the issue time, so the original's date
            // is what lies in the future.
            out.push(problem(
                row,
                "orgTradeDate",
                Some(v.code),
                "orgTradeDate is in the future: a refund cannot come before its original",
            ));
        } else {
            out.push(problem(row, v.field, Some(v.code), v.message_en()));
        }
    }
    let expects_amounts = how == Named::External || r.is_partial();
    if expects_amounts
        && amounts_ok
        && present(&r.total_amount).is_some_and(|t| t.bytes().all(|b| b == b'0'))
    {
        out.push(problem(
            row,
            "totalAmount",
            None,
            "a refund must be of more than 0 won",
        ));
    }
    out
}

/// `parse_problems` are the reader's (types, unknown fields) and are kept. `corp` is the
/// member the refunds are for (`--corp-num`; else the Worker's default member).
pub fn check(
    records: &[Record],
    parse_problems: Vec<Problem>,
    corp: Option<&CorpNum>,
    now: KstDateTime,
) -> Checked {
    let mut problems = parse_problems;
    // POPBiLL's franchise rules are the Worker's to fill in: any valid CorpNum stands in.
    let placeholder = CorpNum::parse("0000000000").expect("ten digits are a CorpNum");
    let member = corp.unwrap_or(&placeholder);
    let originals: HashMap<&str, usize> = records
        .iter()
        .filter_map(|rec| Some((present(&rec.refund()?.org_mgt_key)?, rec.row)))
        .collect();
    let mut first_row_of: HashMap<&str, usize> = HashMap::new();
    for rec in records {
        let Some(r) = rec.refund() else { continue };
        problems.extend(row_problems(rec.row, r, member, now));
        let Some(key) = rec.mgt_key() else { continue };
        if let Some(first) = first_row_of.insert(key, rec.row) {
            first_row_of.insert(key, first);
            problems.push(problem(
                rec.row,
                "mgtKey",
                Some(codes::DUPLICATE_MGT_KEY_IN_BATCH),
                format!("{key} is already on row {first}: a refund's mgtKey must be new"),
            ));
        }
        if let Some(row) = originals.get(key) {
            problems.push(problem(
                rec.row,
                "mgtKey",
                Some(codes::MGT_KEY_IN_USE),
                format!("{key} is the original row {row} refunds: a refund's mgtKey must be new"),
            ));
        }
    }
    problems.sort_by_key(|p| p.row);
    let invalid_rows = problems.iter().map(|p| p.row).collect();
    Checked {
        problems,
        invalid_rows,
        member: corp.cloned(),
    }
}

#[cfg(test)]
mod tests;
