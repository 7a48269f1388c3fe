//! Cancellation receipts (취소거래): the rules that need no server state, case by case.

use popbill::codes;
use popbill::validate::{CancelType, check_cashbill, check_revoke};
use popbill::wire::{Cashbill, RevokeRequest};
use popbill::{CorpNum, KstDateTime};

fn member() -> CorpNum {
    CorpNum::parse("1234567890").unwrap()
}

/// Noon, 2025-07-12 (KST): the original below was traded the day before.
fn now() -> KstDateTime {
    KstDateTime::parse("20250712120000").unwrap()
}

fn cancellation() -> Cashbill {
    Cashbill {
        mgt_key: Some("20250712-C01".into()),
        trade_dt: Some("20250712110500".into()),
        trade_type: Some("취소거래".into()),
        trade_usage: Some("소득공제용".into()),
        taxation_type: Some("과세".into()),
        total_amount: Some("3300".into()),
        supply_cost: Some("3000".into()),
        tax: Some("300".into()),
        service_fee: Some("0".into()),
        franchise_corp_num: Some("1234567890".into()),
        identity_num: Some("01012345678".into()),
        org_confirm_num: Some("TB0000009".into()),
        org_trade_date: Some("20250711".into()),
        cancel_type: Some(1),
        ..Default::default()
    }
}

fn revoke() -> RevokeRequest {
    RevokeRequest {
        mgt_key: Some("20250712-R01".into()),
        org_confirm_num: Some("TB0000009".into()),
        org_trade_date: Some("20250711".into()),
        smssend_yn: Some(false),
        is_part_cancel: Some(false),
        cancel_type: Some(1),
        ..Default::default()
    }
}

#[test]
fn a_complete_cancellation_breaks_no_rule() {
    assert_eq!(check_cashbill(&cancellation(), &member(), now()), vec![]);
}

#[test]
fn each_broken_cancellation_rule_is_reported_with_its_field_and_popbill_code() {
    type Edit = fn(&mut Cashbill);
    let cases: Vec<(&str, Edit, &str, i64)> = vec![
        (
            "no orgConfirmNum",
            |c| c.org_confirm_num = None,
            "orgConfirmNum",
            codes::ORG_CONFIRM_NUM_MISSING,
        ),
        (
            "empty orgConfirmNum",
            |c| c.org_confirm_num = Some(String::new()),
            "orgConfirmNum",
            codes::ORG_CONFIRM_NUM_MISSING,
        ),
        (
            "orgConfirmNum of 8",
            |c| c.org_confirm_num = Some("TB000000".into()),
            "orgConfirmNum",
            codes::ORG_CONFIRM_NUM_INVALID,
        ),
        (
            "orgConfirmNum with a hyphen",
            |c| c.org_confirm_num = Some("TB-000009".into()),
            "orgConfirmNum",
            codes::ORG_CONFIRM_NUM_INVALID,
        ),
        (
            "orgConfirmNum of 24 (old docs' length)",
            |c| c.org_confirm_num = Some("A".repeat(24)),
            "orgConfirmNum",
            codes::ORG_CONFIRM_NUM_INVALID,
        ),
        (
            "no orgTradeDate",
            |c| c.org_trade_date = None,
            "orgTradeDate",
            codes::ORG_TRADE_DATE_MISSING,
        ),
        (
            "orgTradeDate with hyphens",
            |c| c.org_trade_date = Some("2025-07-11".into()),
            "orgTradeDate",
            codes::ORG_TRADE_DATE_FORMAT,
        ),
        (
            "orgTradeDate Feb 30",
            |c| c.org_trade_date = Some("20250230".into()),
            "orgTradeDate",
            codes::ORG_TRADE_DATE_FORMAT,
        ),
        (
            "orgTradeDate with a time",
            |c| c.org_trade_date = Some("20250711100000".into()),
            "orgTradeDate",
            codes::ORG_TRADE_DATE_FORMAT,
        ),
        (
            "cancelType 4",
            |c| c.cancel_type = Some(4),
            "cancelType",
            codes::CANCEL_TYPE_INVALID,
        ),
        (
            "cancelType -1",
            |c| c.cancel_type = Some(-1),
            "cancelType",
            codes::CANCEL_TYPE_INVALID,
        ),
        (
            "tradeDT (yesterday) before orgTradeDate (today)",
            |c| {
                c.trade_dt = Some("20250711230000".into());
                c.org_trade_date = Some("20250712".into());
            },
            "tradeDT",
            codes::CANCEL_TRADE_DT_BEFORE_ORG,
        ),
        (
            "no tradeDT (so: now) and an orgTradeDate of tomorrow",
            |c| {
                c.trade_dt = None;
                c.org_trade_date = Some("20250713".into());
            },
            "tradeDT",
            codes::CANCEL_TRADE_DT_BEFORE_ORG,
        ),
    ];
    for (why, edit, field, code) in cases {
        let mut c = cancellation();
        edit(&mut c);
        let got = check_cashbill(&c, &member(), now());
        assert_eq!(
            got.iter().map(|v| (v.field, v.code)).collect::<Vec<_>>(),
            vec![(field, code)],
            "{why}"
        );
    }
}

#[test]
fn a_cancellation_traded_the_same_day_as_its_original_is_allowed() {
    let c = Cashbill {
        trade_dt: Some("20250711000000".into()),
        ..cancellation()
    };
    assert_eq!(check_cashbill(&c, &member(), now()), vec![]);
}

#[test]
fn cancel_type_absent_or_zero_means_the_default_on_a_cancellation() {
    for v in [None, Some(0), Some(1), Some(2), Some(3)] {
        let c = Cashbill {
            cancel_type: v,
            ..cancellation()
        };
        assert_eq!(check_cashbill(&c, &member(), now()), vec![], "{v:?}");
    }
    assert_eq!(CancelType::from_wire(None), Ok(CancelType::Transaction));
    assert_eq!(CancelType::from_wire(Some(0)), Ok(CancelType::DEFAULT));
    assert_eq!(
        CancelType::from_wire(Some(2)),
        Ok(CancelType::IssuedInError)
    );
    assert_eq!(CancelType::from_wire(Some(7)), Err(7));
}

#[test]
fn an_approval_ignores_the_cancellation_fields_whatever_they_hold() {
    // The .NET SDK sends cancelType 0 on every receipt; other values mean nothing there either.
    for v in [Some(0), Some(7), None] {
        let c = Cashbill {
            trade_type: Some("승인거래".into()),
            cancel_type: v,
            org_confirm_num: Some("x".into()),
            org_trade_date: Some("bad".into()),
            ..cancellation()
        };
        assert_eq!(check_cashbill(&c, &member(), now()), vec![], "{v:?}");
        assert_eq!(CancelType::of(&c), Ok(None));
    }
    assert_eq!(
        CancelType::of(&cancellation()),
        Ok(Some(CancelType::Transaction))
    );
}

#[test]
fn cancel_type_reads_numbers_and_numeric_strings_and_writes_a_number() {
    for (json, want) in [
        ("1", CancelType::Transaction),
        ("\"2\"", CancelType::IssuedInError),
        ("\" 3 \"", CancelType::Other),
    ] {
        assert_eq!(serde_json::from_str::<CancelType>(json).unwrap(), want);
    }
    for bad in ["0", "4", "\"x\"", "1.5", "null", "true"] {
        assert!(
            serde_json::from_str::<CancelType>(bad).is_err(),
            "{bad} is not a cancel type"
        );
    }
    assert_eq!(serde_json::to_string(&CancelType::Other).unwrap(), "3");
    assert_eq!(CancelType::IssuedInError.label_ko(), "오류발급취소");
    // The wire Cashbill takes the string form too (intake accepts strings).
    let c: Cashbill = serde_json::from_str(r#"{"tradeType":"취소거래","cancelType":"3"}"#).unwrap();
    assert_eq!(CancelType::of(&c), Ok(Some(CancelType::Other)));
}

#[test]
fn a_cancellation_also_gets_every_ordinary_rule() {
    let c = Cashbill {
        total_amount: Some("3301".into()),
        org_confirm_num: None,
        ..cancellation()
    };
    let got: Vec<_> = check_cashbill(&c, &member(), now())
        .iter()
        .map(|v| (v.field, v.code))
        .collect();
    assert_eq!(
        got,
        [
            ("totalAmount", codes::AMOUNT_SUM_MISMATCH),
            ("orgConfirmNum", codes::ORG_CONFIRM_NUM_MISSING)
        ],
        "ordinary rules in field order, the cancellation's fields last"
    );
}

#[test]
fn a_full_revoke_needs_only_its_identifiers() {
    assert_eq!(check_revoke(&revoke(), &member(), now()), vec![]);
    // Amounts given with isPartCancel false are not the request's business: POPBiLL copies.
    let r = RevokeRequest {
        total_amount: Some("garbage".into()),
        ..revoke()
    };
    assert_eq!(check_revoke(&r, &member(), now()), vec![]);
}

#[test]
fn each_broken_revoke_rule_is_reported_with_its_field_and_popbill_code() {
    type Edit = fn(&mut RevokeRequest);
    let cases: Vec<(&str, Edit, &str, i64)> = vec![
        (
            "no mgtKey",
            |r| r.mgt_key = None,
            "mgtKey",
            codes::BULK_MGT_KEY_MISSING,
        ),
        (
            "mgtKey with a slash",
            |r| r.mgt_key = Some("a/b".into()),
            "mgtKey",
            codes::MGT_KEY_INVALID,
        ),
        (
            "no orgConfirmNum",
            |r| r.org_confirm_num = None,
            "orgConfirmNum",
            codes::ORG_CONFIRM_NUM_MISSING,
        ),
        (
            "no orgTradeDate",
            |r| r.org_trade_date = None,
            "orgTradeDate",
            codes::ORG_TRADE_DATE_MISSING,
        ),
        (
            "orgTradeDate of 7 digits",
            |r| r.org_trade_date = Some("2025071".into()),
            "orgTradeDate",
            codes::ORG_TRADE_DATE_FORMAT,
        ),
        (
            "cancelType 9",
            |r| r.cancel_type = Some(9),
            "cancelType",
            codes::CANCEL_TYPE_INVALID,
        ),
        (
            "tradeDT two days ago",
            |r| {
                r.trade_dt = Some("20250710235959".into());
                r.org_trade_date = Some("20250709".into());
            },
            "tradeDT",
            codes::TRADE_DT_NOT_TODAY_OR_YESTERDAY,
        ),
        (
            "tradeDT not a time",
            |r| r.trade_dt = Some("2025071212".into()),
            "tradeDT",
            codes::BULK_TRADE_DT_FORMAT,
        ),
        (
            "tradeDT before orgTradeDate",
            |r| {
                r.trade_dt = Some("20250711230000".into());
                r.org_trade_date = Some("20250712".into());
            },
            "tradeDT",
            codes::CANCEL_TRADE_DT_BEFORE_ORG,
        ),
    ];
    for (why, edit, field, code) in cases {
        let mut r = revoke();
        edit(&mut r);
        let got = check_revoke(&r, &member(), now());
        assert_eq!(
            got.iter().map(|v| (v.field, v.code)).collect::<Vec<_>>(),
            vec![(field, code)],
            "{why}"
        );
    }
}

#[test]
fn a_partial_revoke_has_its_amounts_checked_like_a_receipts() {
    let partial = RevokeRequest {
        is_part_cancel: Some(true),
        supply_cost: Some("3000".into()),
        tax: Some("300".into()),
        service_fee: Some("0".into()),
        total_amount: Some("3300".into()),
        ..revoke()
    };
    assert_eq!(check_revoke(&partial, &member(), now()), vec![]);
    let bad_sum = RevokeRequest {
        total_amount: Some("3400".into()),
        ..partial.clone()
    };
    let got = check_revoke(&bad_sum, &member(), now());
    assert_eq!(
        got.iter().map(|v| (v.field, v.code)).collect::<Vec<_>>(),
        [("totalAmount", codes::AMOUNT_SUM_MISMATCH)]
    );
    let missing = RevokeRequest {
        supply_cost: None,
        ..partial
    };
    let got = check_revoke(&missing, &member(), now());
    assert_eq!(
        got.iter().map(|v| v.field).collect::<Vec<_>>(),
        ["supplyCost"],
        "a partial cancellation must say its amounts: {got:?}"
    );
}

#[test]
fn cancellation_violations_explain_themselves_in_english() {
    let c = Cashbill {
        org_confirm_num: None,
        cancel_type: Some(5),
        org_trade_date: Some("20250713".into()),
        ..cancellation()
    };
    let msgs: Vec<String> = check_cashbill(&c, &member(), now())
        .iter()
        .map(|v| v.message_en())
        .collect();
    assert_eq!(
        msgs,
        [
            "orgConfirmNum (the original's NTS confirm number) is required for a 취소거래",
            "cancelType must be 1 (거래취소), 2 (오류발급취소) or 3 (기타취소)",
            "a cancellation's tradeDT cannot be before the original's trade date",
        ]
    );
}

#[test]
fn cancellation_codes_carry_popbills_messages_verbatim() {
    // From POPBiLL's error table (the cash-receipt rows -14001020 … -14001077).
    let table = [
        (-14001020, "당초 승인 현금영수증이 존재하지 않습니다."),
        (
            -14001021,
            "원본 현금영수증 국세청 전송이 완료되지 않아 취소 현금영수증을 발행할 수 없습니다.",
        ),
        (
            -14001022,
            "당초 승인 현금영수증과 취소 현금영수증의 가맹점 사업자번호가 일치하지 않습니다.",
        ),
        (
            -14001023,
            "취소 현금영수증 공급가액은 당초 승인 현금영수증 공급가액을 초과할 수 없습니다.",
        ),
        (
            -14001035,
            "취소 현금영수증 식별번호가 원본과 일치하지 않습니다.",
        ),
        (
            -14001036,
            "취소 현금영수증 부가세는 당초 승인 현금영수증 부가세를 초과할 수 없습니다.",
        ),
        (
            -14001037,
            "취소 현금영수증 봉사료는 당초 승인 현금영수증 봉사료를 초과할 수 없습니다.",
        ),
        (
            -14001038,
            "취소 현금영수증 거래금액은 당초 승인 현금영수증 거래금액을 초과할 수 없습니다.",
        ),
        (
            -14001039,
            "취소 현금영수증과 당초 승인 현금영수증의 거래구분(TradeType)이 일치하지 않습니다.",
        ),
        (
            -14001040,
            "취소 현금영수증과 당초 승인 현금영수증의 과세형태(TaxationType)가 일치하지 않습니다.",
        ),
        (
            -14001041,
            "당초 승인 현금영수증만 취소 현금영수증을 발행할 수 있습니다.",
        ),
        (
            -14001056,
            "당초 승인 현금영수증 거래일자가 입력되지 않았습니다.",
        ),
        (
            -14001057,
            "당초 승인 현금영수증 국세청 승인번호가 입력되지 않았습니다.",
        ),
        (-14001058, "유효하지않은 취소사유(CancelType)입니다."),
        (
            -14001065,
            "취소 현금영수증의 거래금액 합계는 당초 승인 현금영수증 거래금액을 초과할 수 없습니다.",
        ),
        (
            -14001068,
            "당초 승인 현금영수증 국세청 승인번호가 유효하지 않습니다.",
        ),
        (
            -14001069,
            "전송실패 상태의 현금영수증은 취소 현금영수증을 발행할 수 없습니다.",
        ),
        (
            -14001074,
            "취소 현금영수증 거래일시는 당초 승인 현금영수증 거래일시보다 과거로 발행할 수 없습니다.",
        ),
        (
            -14001077,
            "당초 승인 현금영수증 거래일시 형식이 유효하지 않습니다.",
        ),
    ];
    for (code, message) in table {
        assert_eq!(codes::message_ko(code), message, "{code}");
    }
}
