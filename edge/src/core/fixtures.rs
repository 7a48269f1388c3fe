//! Builders shared by the core's unit tests (integration tests have `tests/support`).

use popbill::wire::Cashbill;
use popbill::{CorpNum, KstDateTime, SubmitId};

use super::cashbills::{CheckedCashbill, CheckedCashbills};
use super::facts::{FilingFact, IssueFact, Source};
use super::submission::{Phase, Submission};

pub const CORP: &str = "1234567890";

pub fn t(s: &str) -> KstDateTime {
    KstDateTime::parse(s).expect("test times are valid")
}

pub fn corp() -> CorpNum {
    CorpNum::parse(CORP).expect("a valid test CorpNum")
}

/// A receipt that passes every check at 2025-07-11 10:00 KST.
pub fn cashbill(mgt_key: &str) -> Cashbill {
    Cashbill {
        mgt_key: Some(mgt_key.into()),
        trade_dt: Some("20250711100000".into()),
        trade_type: Some("승인거래".into()),
        trade_usage: Some("소득공제용".into()),
        taxation_type: Some("과세".into()),
        total_amount: Some("11000".into()),
        supply_cost: Some("10000".into()),
        tax: Some("1000".into()),
        service_fee: Some("0".into()),
        franchise_corp_num: Some(CORP.into()),
        identity_num: Some("01012345678".into()),
        item_name: Some("coffee".into()),
        ..Default::default()
    }
}

pub fn checked(keys: &[&str]) -> CheckedCashbills {
    let now = t("20250711100000");
    let items = keys
        .iter()
        .map(|k| CheckedCashbill::check(cashbill(k), &corp(), now).expect("a valid receipt"))
        .collect();
    CheckedCashbills::new(items).expect("distinct test mgtKeys")
}

/// Submission `S1`, created 2025-07-11 10:00 KST, in `phase`.
pub fn submission(phase: Phase, keys: &[&str]) -> Submission {
    Submission {
        submit_id: SubmitId::parse("S1").expect("a valid SubmitId"),
        corp_num: corp(),
        content_hash: String::new(),
        created_ms: t("20250711100000").unix_millis(),
        phase,
        receipt_id: None,
        rejection: None,
        refund: None,
        cashbills: checked(keys),
    }
}

pub fn issue(code: i64, issue_dt: Option<&str>) -> IssueFact {
    IssueFact {
        code,
        message: None,
        confirm_num: Some("TB0000001".into()),
        issue_dt: issue_dt.map(str::to_owned),
        source: Source::Webhook,
        mid: None,
    }
}

pub fn filing(state_code: i64) -> FilingFact {
    FilingFact {
        state_code,
        nts_result_code: None,
        nts_result_message: None,
        nts_send_dt: None,
        nts_result_dt: None,
        confirm_num: None,
        issue_dt: None,
        source: Source::Poll,
        mid: None,
    }
}

pub fn blocked(org_mgt_key: &str) -> crate::core::refund::BlockedFact {
    crate::core::refund::BlockedFact {
        reason: crate::core::refund::BlockReason::OriginalFilingFailed,
        org_mgt_key: popbill::MgtKey::parse(org_mgt_key).expect("a valid test mgtKey"),
        org_state_code: 305,
        org_nts_result_code: Some("TS1".into()),
    }
}
