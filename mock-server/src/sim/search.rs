//! Search (`GET /Cashbill/Search?DType&SDate&EDate&State&TradeType&TradeUsage&TradeOpt&
//! TaxationType&QString&FranchiseTaxRegID&Order&Page&PerPage`), in the SDKs' `CBSearchResult`
//! shape: `{code, total, perPage, pageNum, pageCount, message, list:[CashbillInfo]}`.
//!
//! The query is parsed into a [`Query`] first (every refusal with POPBiLL's code, nothing
//! touched), then matched against the live receipts. Rules (docs/PROTOCOL.md §7, §9):
//! `DType` R (registered) / T (trade date) / I (issued); dates `yyyyMMdd`, at most 6 months
//! apart (-14001066); `State` 3-character codes with `*` allowed in the 2nd and 3rd place;
//! lists are comma-separated (the SDKs join arrays with `,`); `PerPage` 1–1000 (default 500);
//! `QString` is an identity number (exact match).

use chrono::{Months, NaiveDate};
use popbill::KstDate;
use popbill::codes;
use serde::Serialize;

use super::Sim;
use super::error::ApiError;
use super::request::{ApiRequest, ApiResponse};
use super::store::Receipt;

pub const MAX_PER_PAGE: u32 = 1000;
pub const DEFAULT_PER_PAGE: u32 = 500;
/// The longest SDate–EDate span.
pub const MAX_MONTHS: u32 = 6;

/// Which date `SDate`/`EDate` bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DType {
    Registered,
    Trade,
    Issued,
}

/// A parsed, checked search.
#[derive(Debug)]
struct Query {
    dtype: DType,
    from: KstDate,
    to: KstDate,
    states: Vec<[Option<u8>; 3]>,
    trade_types: Vec<&'static str>,
    usages: Vec<&'static str>,
    opts: Vec<&'static str>,
    taxation: Vec<&'static str>,
    identity: Option<String>,
    tax_reg_ids: Vec<String>,
    ascending: bool,
    page: u32,
    per_page: u32,
}

/// The answer (`CBSearchResult`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SearchOut {
    code: i64,
    total: usize,
    per_page: u32,
    page_num: u32,
    page_count: usize,
    message: &'static str,
    list: Vec<popbill::wire::CashbillInfo>,
}

fn date(v: Option<String>, missing: i64, invalid: i64) -> Result<KstDate, ApiError> {
    let v = v.filter(|s| !s.is_empty()).ok_or(ApiError::of(missing))?;
    KstDate::parse(&v).map_err(|_| ApiError::of(invalid))
}

/// A comma-separated list of codes, each mapped through `table` (unknown → -99910010).
fn list(v: Option<String>, table: &[(&str, &'static str)]) -> Result<Vec<&'static str>, ApiError> {
    let Some(v) = v.filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    v.split(',')
        .map(|code| {
            table
                .iter()
                .find(|(k, _)| *k == code.trim())
                .map(|(_, name)| *name)
                .ok_or(ApiError::of(codes::INPUT_MAPPING))
        })
        .collect()
}

/// `3**`, `30*`, `304`: the first place a digit, the others a digit or `*`.
fn state_pattern(s: &str) -> Option<[Option<u8>; 3]> {
    let b = s.trim().as_bytes();
    if b.len() != 3 || !b[0].is_ascii_digit() {
        return None;
    }
    let mut out = [None; 3];
    for (i, c) in b.iter().enumerate() {
        out[i] = match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'*' if i > 0 => None,
            _ => return None,
        };
    }
    Some(out)
}

fn number(v: Option<String>, name: &str, default: u32, max: u32) -> Result<u32, ApiError> {
    match v.filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| ApiError::naming(codes::NUMBER_INVALID, name)),
    }
}

fn six_months_after(from: KstDate) -> Option<KstDate> {
    let d = NaiveDate::parse_from_str(&from.to_string(), "%Y%m%d").ok()?;
    let end = d.checked_add_months(Months::new(MAX_MONTHS))?;
    KstDate::parse(&end.format("%Y%m%d").to_string()).ok()
}

fn parse(req: &ApiRequest) -> Result<Query, ApiError> {
    let p = |name: &str| req.param(name);
    let dtype = match p("DType").as_deref() {
        None | Some("") => return Err(ApiError::of(codes::SEARCH_DTYPE_MISSING)),
        Some("R") => DType::Registered,
        Some("T") => DType::Trade,
        Some("I") => DType::Issued,
        Some(_) => return Err(ApiError::of(codes::SEARCH_DTYPE_INVALID)),
    };
    let from = date(
        p("SDate"),
        codes::SEARCH_SDATE_MISSING,
        codes::SEARCH_SDATE_INVALID,
    )?;
    let to = date(
        p("EDate"),
        codes::SEARCH_EDATE_MISSING,
        codes::SEARCH_EDATE_INVALID,
    )?;
    if to < from {
        return Err(ApiError::of(codes::SEARCH_EDATE_INVALID));
    }
    if six_months_after(from).is_none_or(|limit| to > limit) {
        return Err(ApiError::of(codes::SEARCH_RANGE_TOO_LONG));
    }
    let states = match p("State").filter(|s| !s.is_empty()) {
        None => Vec::new(),
        Some(v) => v
            .split(',')
            .map(|s| state_pattern(s).ok_or(ApiError::of(codes::INPUT_MAPPING)))
            .collect::<Result<_, _>>()?,
    };
    let ascending = match p("Order").as_deref() {
        None | Some("") | Some("D") => false,
        Some("A") => true,
        Some(_) => return Err(ApiError::of(codes::INPUT_MAPPING)),
    };
    Ok(Query {
        dtype,
        from,
        to,
        states,
        trade_types: list(p("TradeType"), &[("N", "승인거래"), ("C", "취소거래")])?,
        usages: list(p("TradeUsage"), &[("P", "소득공제용"), ("C", "지출증빙용")])?,
        opts: list(
            p("TradeOpt"),
            &[("N", "일반"), ("B", "도서공연"), ("T", "대중교통")],
        )?,
        taxation: list(p("TaxationType"), &[("T", "과세"), ("N", "비과세")])?,
        identity: p("QString")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        tax_reg_ids: p("FranchiseTaxRegID")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        ascending,
        page: number(p("Page"), "Page", 1, u32::MAX)?,
        per_page: number(p("PerPage"), "PerPage", DEFAULT_PER_PAGE, MAX_PER_PAGE)?,
    })
}

impl Query {
    fn day(&self, r: &Receipt) -> KstDate {
        match self.dtype {
            DType::Registered | DType::Issued => r.issued_at.kst().date(),
            DType::Trade => r.trade_dt.date(),
        }
    }

    fn matches(&self, r: &Receipt, tax_reg_id: Option<&str>) -> bool {
        let day = self.day(r);
        let state = r.state_code();
        let digits = [state / 100, state / 10 % 10, state % 10];
        let in_list = |list: &[&'static str], v: &str| list.is_empty() || list.contains(&v);
        (self.from..=self.to).contains(&day)
            && (self.states.is_empty()
                || self.states.iter().any(|p| {
                    p.iter()
                        .zip(digits)
                        .all(|(want, got)| want.is_none_or(|w| i64::from(w) == got))
                }))
            && in_list(&self.trade_types, r.trade_type)
            && in_list(&self.usages, r.trade_usage)
            && (self.opts.is_empty() || self.opts.contains(&r.trade_opt.unwrap_or("일반")))
            && in_list(&self.taxation, r.taxation_type)
            && self
                .identity
                .as_deref()
                .is_none_or(|id| *r.identity_num == *id)
            && (self.tax_reg_ids.is_empty()
                || tax_reg_id.is_some_and(|t| self.tax_reg_ids.iter().any(|w| w == t)))
    }
}

impl Sim {
    pub(crate) fn search(&self, req: &ApiRequest) -> Result<ApiResponse, ApiError> {
        let q = parse(req)?;
        let mut hits: Vec<&Receipt> = self
            .store
            .live()
            .filter(|r| q.matches(r, self.store.franchise(r).tax_reg_id.as_deref()))
            .collect();
        // By the searched date, then issue order; newest first unless `Order=A`.
        hits.sort_by_key(|r| (q.day(r), r.issued_at, r.issue_no));
        if !q.ascending {
            hits.reverse();
        }
        let total = hits.len();
        let per_page = q.per_page as usize;
        let skip = (q.page as usize - 1).saturating_mul(per_page);
        let list = hits
            .into_iter()
            .skip(skip)
            .take(per_page)
            .map(|r| self.cashbill_info(r))
            .collect();
        let out = SearchOut {
            code: codes::OK,
            total,
            per_page: q.per_page,
            page_num: q.page,
            page_count: total.div_ceil(per_page),
            message: "",
            list,
        };
        Ok(ApiResponse::json(200, &out, Some(codes::OK)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_patterns_allow_wildcards_only_after_the_first_digit() {
        assert_eq!(state_pattern("3**"), Some([Some(3), None, None]));
        assert_eq!(state_pattern("304"), Some([Some(3), Some(0), Some(4)]));
        for bad in ["*04", "3*", "3***", "abc", "", "3-4"] {
            assert_eq!(state_pattern(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn six_months_is_calendar_months_clamped_to_the_month_end() {
        let d = |s| KstDate::parse(s).unwrap();
        assert_eq!(six_months_after(d("20250101")), Some(d("20250701")));
        assert_eq!(six_months_after(d("20250831")), Some(d("20260228")));
    }
}
