//! Judging a refund request against the Worker's records, before anything is stored or sent:
//! which original each refund names and what it is, the cancellation receipt each becomes,
//! what remains of each original, and when each can be sent. Pure: the originals are looked up
//! by the caller and `now` is an argument.

use std::collections::BTreeMap;

use popbill::codes;
use popbill::validate::{CANCELLATION, is_cancellation};
use popbill::wire::Cashbill;
use popbill::{CorpNum, KstDateTime, MgtKey, SubmitId};

use super::amounts::Amounts;
use super::id::{RefundId, send_submit_id};
use super::record::{GroupRecord, OriginalLink, RefundEntry, RefundRecord};
use super::request::{OriginalRef, RefundItem, RefundRequest, RequestedRefund, detail};
use crate::core::api::Detail;
use crate::core::cashbills::{CheckedCashbill, CheckedCashbills};
use crate::core::facts::STATE_FILED;
use crate::core::reconcile::filing_due_at;
use crate::core::status::ReceiptFacts;

/// An earlier refund of an original, as its running totals count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierRefund {
    pub mgt_key: MgtKey,
    pub refund_id: RefundId,
    pub amounts: Amounts,
    /// False once it failed for good (issue_failed, original_filing_failed): what it asked is
    /// no longer taken from the original.
    pub counts: bool,
}

/// What the Worker knows of an original issued through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    pub submit_id: SubmitId,
    /// As submitted.
    pub cashbill: Cashbill,
    /// Its submission's intake time (the issue time when the issuance report lacks one).
    pub created_ms: i64,
    /// POPBiLL refused its whole submission.
    pub rejected: bool,
    pub facts: ReceiptFacts,
    pub earlier: Vec<EarlierRefund>,
}

/// An `orgMgtKey` looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Box<Original>),
    /// Not this CorpNum's, but another CorpNum's this Worker issues for.
    OtherCorp(CorpNum),
    NotFound,
}

/// Why the request cannot be taken as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub details: Vec<Detail>,
    /// Every problem is an original whose issuance result is not yet on record: the same
    /// request may succeed in a moment (409 `original_pending`).
    pub only_pending: bool,
}

const PENDING: &str = "original_pending";

/// A known original, ready to be refunded: what the cancellation copies and when it can go.
struct Issued<'a> {
    original: &'a Original,
    confirm_num: String,
    trade_date: String,
    /// Its filing result (304) is on record: the refund can be sent now.
    filed: bool,
    due: KstDateTime,
}

fn issued<'a>(i: usize, o: &'a Original) -> Result<Issued<'a>, Detail> {
    let at = Some("orgMgtKey");
    if is_cancellation(&o.cashbill) {
        return Err(detail(
            Some(i),
            at,
            "original_is_cancellation",
            Some(codes::CANCEL_OF_CANCELLATION),
            "the original is itself a cancellation receipt; refund its original instead",
        ));
    }
    let (issue, filing) = (o.facts.issue.as_ref(), o.facts.filing.as_ref());
    if let Some(f) = filing.filter(|f| f.state_code != STATE_FILED) {
        let why = f.nts_result_code.as_deref().unwrap_or("no result code");
        return Err(detail(
            Some(i),
            at,
            "original_filing_failed",
            Some(codes::ORG_FILING_FAILED),
            format!("the original's NTS filing failed ({why}); it cannot be refunded"),
        ));
    }
    match issue {
        Some(f) if !f.issued() => {
            return Err(detail(
                Some(i),
                at,
                "original_not_issued",
                None,
                format!("the original was not issued (POPBiLL code {})", f.code),
            ));
        }
        None if filing.is_none() && o.rejected => {
            return Err(detail(
                Some(i),
                at,
                "original_not_issued",
                None,
                "POPBiLL refused the original's submission",
            ));
        }
        _ => {}
    }
    let confirm_num = issue
        .and_then(|f| f.confirm_num.clone())
        .or_else(|| filing.and_then(|f| f.confirm_num.clone()));
    let issue_dt = issue
        .and_then(|f| f.issue_dt.clone())
        .or_else(|| filing.and_then(|f| f.issue_dt.clone()))
        .and_then(|dt| KstDateTime::parse(&dt).ok());
    let Some(confirm_num) = confirm_num else {
        return Err(detail(
            Some(i),
            at,
            PENDING,
            None,
            "the original's issuance result is not yet on record; send the refund again shortly",
        ));
    };
    let issued_at = issue_dt.unwrap_or_else(|| KstDateTime::from_unix_millis(o.created_ms));
    // POPBiLL finds the original by its trade date: its tradeDT's, or (none given) the issue day.
    let trade_date = o
        .cashbill
        .trade_dt
        .as_deref()
        .and_then(|dt| KstDateTime::parse(dt).ok())
        .unwrap_or(issued_at)
        .date()
        .to_string();
    Ok(Issued {
        original: o,
        confirm_num,
        trade_date,
        filed: filing.is_some(),
        due: filing_due_at(issued_at),
    })
}

/// A field a refund of a known original may repeat but not change, with POPBiLL's code for a
/// difference.
struct PartyField<'a> {
    name: &'static str,
    code: Option<i64>,
    given: Option<&'a str>,
    theirs: Option<&'a str>,
}

fn party_fields<'a>(r: &'a RequestedRefund, o: &'a Cashbill) -> [PartyField<'a>; 4] {
    let field = |name, code, given: &'a Option<String>, theirs: &'a Option<String>| PartyField {
        name,
        code,
        given: given.as_deref().filter(|g| !g.is_empty()),
        theirs: theirs.as_deref(),
    };
    [
        field(
            "identityNum",
            Some(codes::CANCEL_IDENTITY_NUM_MISMATCH),
            &r.identity_num,
            &o.identity_num,
        ),
        field(
            "tradeUsage",
            Some(codes::CANCEL_TRADE_USAGE_MISMATCH),
            &r.trade_usage,
            &o.trade_usage,
        ),
        field(
            "taxationType",
            Some(codes::CANCEL_TAXATION_TYPE_MISMATCH),
            &r.taxation_type,
            &o.taxation_type,
        ),
        field("tradeOpt", None, &r.trade_opt, &o.trade_opt),
    ]
}

fn or(given: &Option<String>, original: &Option<String>) -> Option<String> {
    given
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| original.clone())
}

/// The cancellation receipt of a known original: the original's parties and descriptions (the
/// merchant's where given), the whole amounts or the ones asked for.
fn cancellation_of(
    item: &RefundItem,
    is: &Issued<'_>,
    i: usize,
    problems: &mut Vec<Detail>,
) -> Cashbill {
    let (r, o) = (&item.fields, &is.original.cashbill);
    for f in party_fields(r, o) {
        if f.given.is_some_and(|g| Some(g) != f.theirs) {
            let name = f.name;
            problems.push(detail(
                Some(i),
                Some(name),
                "mismatch",
                f.code,
                format!("{name} must be the original's (or left out)"),
            ));
        }
    }
    let mut c = Cashbill {
        mgt_key: Some(item.mgt_key.to_string()),
        trade_type: Some(CANCELLATION.into()),
        trade_usage: o.trade_usage.clone(),
        trade_opt: o.trade_opt.clone(),
        taxation_type: o.taxation_type.clone(),
        franchise_corp_num: o.franchise_corp_num.clone(),
        franchise_tax_reg_id: or(&r.franchise_tax_reg_id, &o.franchise_tax_reg_id),
        franchise_corp_name: or(&r.franchise_corp_name, &o.franchise_corp_name),
        franchise_ceo_name: or(&r.franchise_ceo_name, &o.franchise_ceo_name),
        franchise_addr: or(&r.franchise_addr, &o.franchise_addr),
        franchise_tel: or(&r.franchise_tel, &o.franchise_tel),
        identity_num: o.identity_num.clone(),
        customer_name: or(&r.customer_name, &o.customer_name),
        item_name: or(&r.item_name, &o.item_name),
        order_number: or(&r.order_number, &o.order_number),
        email: or(&r.email, &o.email),
        hp: or(&r.hp, &o.hp),
        org_confirm_num: Some(is.confirm_num.clone()),
        org_trade_date: Some(is.trade_date.clone()),
        cancel_type: Some(item.cancel_type.code()),
        ..extras(r)
    };
    if item.partial {
        amounts_as_given(r, &mut c);
    } else {
        for (field, given) in amount_fields(r) {
            if given.is_some() {
                problems.push(detail(Some(i), Some(field), "amounts_not_allowed", None, "amounts are given only with isPartCancel: true; a whole refund takes the original's"));
            }
        }
        c.supply_cost = o.supply_cost.clone();
        c.tax = o.tax.clone();
        c.service_fee = o.service_fee.clone();
        c.total_amount = o.total_amount.clone();
    }
    c
}

/// The cancellation receipt of an original issued elsewhere: everything from the request.
fn external_cancellation(
    item: &RefundItem,
    corp: &CorpNum,
    confirm_num: &str,
    trade_date: &str,
) -> Cashbill {
    let r = &item.fields;
    let mut c = Cashbill {
        mgt_key: Some(item.mgt_key.to_string()),
        trade_type: Some(CANCELLATION.into()),
        trade_usage: r.trade_usage.clone(),
        trade_opt: r.trade_opt.clone(),
        taxation_type: r.taxation_type.clone(),
        franchise_corp_num: Some(corp.to_string()),
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
        org_confirm_num: Some(confirm_num.to_owned()),
        org_trade_date: Some(trade_date.to_owned()),
        cancel_type: Some(item.cancel_type.code()),
        ..extras(r)
    };
    amounts_as_given(r, &mut c);
    c
}

/// What only the cancellation receipt itself carries. No tradeDT: POPBiLL stamps the issue
/// time, which for a refund held until its original is filed is always after the original
/// (docs/PROTOCOL.md §3.3: tradeDT is optional, "the issue time when absent").
fn extras(r: &RequestedRefund) -> Cashbill {
    Cashbill {
        memo: r.memo.clone(),
        email_subject: r.email_subject.clone(),
        smssend_yn: r.smssend_yn,
        ..Cashbill::default()
    }
}

fn amount_fields(r: &RequestedRefund) -> [(&'static str, &Option<String>); 4] {
    [
        ("supplyCost", &r.supply_cost),
        ("tax", &r.tax),
        ("serviceFee", &r.service_fee),
        ("totalAmount", &r.total_amount),
    ]
}

fn amounts_as_given(r: &RequestedRefund, c: &mut Cashbill) {
    c.supply_cost = r.supply_cost.clone();
    c.tax = r.tax.clone();
    c.service_fee = r.service_fee.clone();
    c.total_amount = r.total_amount.clone();
}

/// 11:00 KST two days after an external original's trade date: the latest its filing result
/// can be out (issued on its trade date or the day after, filed the next midnight, results at
/// 11:00), since the Worker cannot see it.
pub fn external_due(trade_date: popbill::KstDate) -> KstDateTime {
    trade_date.next_day().next_day().at(11, 0, 0)
}

/// Judge `req` (whose id is `id`) with the originals looked up, at `now`: the record to store,
/// or every problem by index and field.
pub fn plan_refund(
    req: &RefundRequest,
    id: &RefundId,
    originals: &BTreeMap<MgtKey, Lookup>,
    content_hash: String,
    now: KstDateTime,
) -> Result<RefundRecord, Refused> {
    let mut problems = Vec::new();
    let mut checked = Vec::with_capacity(req.items.len());
    // What each refund of this request takes from its original, for the ones after it.
    let mut taken: BTreeMap<MgtKey, Amounts> = BTreeMap::new();
    // (due, or None: now) and the original, per refund.
    let mut plans: Vec<(Option<i64>, Option<OriginalLink>)> = Vec::new();

    for (i, item) in req.items.iter().enumerate() {
        let mut item_problems = Vec::new();
        let (cashbill, due, link, original) = match &item.original {
            OriginalRef::Known(org) => {
                let o = match originals.get(org) {
                    Some(Lookup::Found(o)) => o,
                    Some(Lookup::OtherCorp(other)) => {
                        problems.push(detail(
                            Some(i),
                            Some("orgMgtKey"),
                            "original_other_corp",
                            Some(codes::ORG_CORP_NUM_MISMATCH),
                            format!(
                                "the original belongs to CorpNum {other}, not {}",
                                req.corp_num
                            ),
                        ));
                        continue;
                    }
                    Some(Lookup::NotFound) | None => {
                        problems.push(detail(
                            Some(i),
                            Some("orgMgtKey"),
                            "original_not_found",
                            Some(codes::ORG_NOT_FOUND),
                            format!(
                                "no receipt {org} of CorpNum {} is known to this Worker",
                                req.corp_num
                            ),
                        ));
                        continue;
                    }
                };
                let is = match issued(i, o) {
                    Ok(is) => is,
                    Err(d) => {
                        problems.push(d);
                        continue;
                    }
                };
                let c = cancellation_of(item, &is, i, &mut item_problems);
                let due = (!is.filed).then_some(is.due.unix_millis());
                let link = OriginalLink {
                    mgt_key: item.mgt_key.clone(),
                    org_mgt_key: org.clone(),
                    org_submit_id: o.submit_id.clone(),
                };
                (c, due, Some(link), Some((org, o)))
            }
            OriginalRef::External {
                confirm_num,
                trade_date,
            } => {
                let c = external_cancellation(
                    item,
                    &req.corp_num,
                    confirm_num,
                    &trade_date.to_string(),
                );
                let due = external_due(*trade_date);
                (c, (due > now).then_some(due.unix_millis()), None, None)
            }
        };
        let checked_one = match CheckedCashbill::check(cashbill, &req.corp_num, now) {
            Ok(c) => Some(c),
            Err(violations) => {
                item_problems.extend(violations.into_iter().map(|v| {
                    detail(
                        Some(i),
                        Some(v.field),
                        v.reason,
                        Some(v.code),
                        v.message_en(),
                    )
                }));
                None
            }
        };
        let asked = checked_one.as_ref().and_then(|c| Amounts::of(c.cashbill()));
        if asked.is_some_and(|a| a.total == 0) {
            item_problems.push(detail(
                Some(i),
                Some("totalAmount"),
                "zero_amount",
                None,
                "a refund must be of more than 0 won",
            ));
        }
        if let (Some(asked), Some((org, o))) = (asked, original) {
            over_remaining(i, org, o, asked, &taken, &mut item_problems);
            if item_problems.is_empty() {
                let before = taken.get(org).copied().unwrap_or_default();
                taken.insert(org.clone(), before.plus(asked));
            }
        }
        match checked_one {
            Some(c) if item_problems.is_empty() => {
                checked.push(c);
                plans.push((due, link));
            }
            _ => problems.extend(item_problems),
        }
    }

    if !problems.is_empty() {
        problems.sort_by_key(|d| d.index);
        let only_pending = problems.iter().all(|d| d.reason == PENDING);
        return Err(Refused {
            details: problems,
            only_pending,
        });
    }

    // One group per due time, in order of first appearance; the ones due now first of all.
    let mut groups: Vec<GroupRecord> = Vec::new();
    let mut refunds = Vec::with_capacity(checked.len());
    for (c, (due, link)) in checked.iter().zip(plans) {
        let g = match groups.iter().position(|g| g.due_ms == due) {
            Some(g) => g,
            None => {
                groups.push(GroupRecord {
                    submit_id: send_submit_id(&req.corp_num, id, groups.len()),
                    due_ms: due,
                });
                groups.len() - 1
            }
        };
        refunds.push(RefundEntry {
            mgt_key: c.mgt_key().clone(),
            group: g,
            original: link,
        });
    }
    Ok(RefundRecord {
        refund_id: id.clone(),
        corp_num: req.corp_num.clone(),
        content_hash,
        created_ms: now.unix_millis(),
        groups,
        refunds,
        cashbills: CheckedCashbills::new(checked)
            .expect("1 to 100 refunds with distinct mgtKeys (checked by parse_refunds)"),
    })
}

/// Every field of `asked` beyond what remains of original `org`: its amounts, less every earlier
/// refund that still counts, less the refunds before this one in the same request.
fn over_remaining(
    i: usize,
    org: &MgtKey,
    o: &Original,
    asked: Amounts,
    taken: &BTreeMap<MgtKey, Amounts>,
    problems: &mut Vec<Detail>,
) {
    let Some(whole) = Amounts::of(&o.cashbill) else {
        return;
    };
    let earlier = o
        .earlier
        .iter()
        .filter(|e| e.counts)
        .fold(Amounts::default(), |sum, e| sum.plus(e.amounts));
    let ours = taken.get(org).copied().unwrap_or_default();
    let remaining = whole.minus(earlier.plus(ours));
    for over in Amounts::overdrawn(asked, remaining) {
        // One refund larger than the whole original is POPBiLL's -14001038; more than is left
        // after others, -14001065.
        let code = match over.field {
            "totalAmount" if asked.total > whole.total => codes::CANCEL_TOTAL_OVER,
            _ => over.code,
        };
        problems.push(detail(
            Some(i),
            Some(over.field),
            "exceeds_remaining",
            Some(code),
            format!(
                "{} {} exceeds the {} that remain of {org} ({} of {} refunded before)",
                over.field,
                over.asked,
                over.remaining,
                whole.total - remaining.total,
                whole.total
            ),
        ));
    }
}
