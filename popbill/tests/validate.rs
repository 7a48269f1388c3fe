//! POPBiLL's per-receipt and per-batch rules, case by case.

use popbill::codes;
use popbill::validate::{BatchError, check_batch, check_cashbill};
use popbill::wire::Cashbill;
use popbill::{CorpNum, KstDateTime};

fn member() -> CorpNum {
    CorpNum::parse("1234567890").unwrap()
}

fn now() -> KstDateTime {
    KstDateTime::parse("20250711120000").unwrap()
}

fn valid() -> Cashbill {
    Cashbill {
        mgt_key: Some("20250711-001".into()),
        trade_dt: Some("20250711100000".into()),
        trade_type: Some("승인거래".into()),
        trade_usage: Some("소득공제용".into()),
        taxation_type: Some("과세".into()),
        total_amount: Some("11000".into()),
        supply_cost: Some("10000".into()),
        tax: Some("1000".into()),
        service_fee: Some("0".into()),
        franchise_corp_num: Some("1234567890".into()),
        identity_num: Some("01012345678".into()),
        ..Default::default()
    }
}

#[test]
fn a_complete_receipt_breaks_no_rule() {
    assert_eq!(check_cashbill(&valid(), &member(), now()), vec![]);
}

#[test]
fn each_broken_rule_is_reported_with_its_field_and_popbill_code() {
    type Edit = fn(&mut Cashbill);
    let cases: Vec<(&str, Edit, &str, i64)> = vec![
        (
            "no mgtKey",
            |c| c.mgt_key = None,
            "mgtKey",
            codes::BULK_MGT_KEY_MISSING,
        ),
        (
            "mgtKey with a space",
            |c| c.mgt_key = Some("A 1".into()),
            "mgtKey",
            codes::MGT_KEY_INVALID,
        ),
        (
            "mgtKey of 25",
            |c| c.mgt_key = Some("K".repeat(25)),
            "mgtKey",
            codes::MGT_KEY_INVALID,
        ),
        (
            "tradeDT not 14 digits",
            |c| c.trade_dt = Some("2025-07-11".into()),
            "tradeDT",
            codes::BULK_TRADE_DT_FORMAT,
        ),
        (
            "tradeDT Feb 30",
            |c| c.trade_dt = Some("20250230100000".into()),
            "tradeDT",
            codes::BULK_TRADE_DT_FORMAT,
        ),
        (
            "tradeDT tomorrow",
            |c| c.trade_dt = Some("20250712000000".into()),
            "tradeDT",
            codes::TRADE_DT_FUTURE,
        ),
        (
            "tradeDT two days ago",
            |c| c.trade_dt = Some("20250709235959".into()),
            "tradeDT",
            codes::TRADE_DT_NOT_TODAY_OR_YESTERDAY,
        ),
        (
            "no tradeType",
            |c| c.trade_type = None,
            "tradeType",
            codes::TRADE_TYPE_MISSING,
        ),
        (
            "a tradeType that is neither 승인거래 nor 취소거래",
            |c| c.trade_type = Some("반품거래".into()),
            "tradeType",
            codes::TRADE_TYPE_MISSING,
        ),
        (
            "no tradeUsage",
            |c| c.trade_usage = Some(String::new()),
            "tradeUsage",
            codes::TRADE_USAGE_MISSING,
        ),
        (
            "unknown tradeUsage",
            |c| c.trade_usage = Some("기타".into()),
            "tradeUsage",
            codes::TRADE_USAGE_MISSING,
        ),
        (
            "unknown tradeOpt",
            |c| c.trade_opt = Some("택시".into()),
            "tradeOpt",
            codes::INPUT_MAPPING,
        ),
        (
            "no taxationType",
            |c| c.taxation_type = None,
            "taxationType",
            codes::TAXATION_TYPE_MISSING,
        ),
        (
            "negative supplyCost",
            |c| c.supply_cost = Some("-10000".into()),
            "supplyCost",
            codes::SUPPLY_COST_NEGATIVE,
        ),
        (
            "negative tax",
            |c| c.tax = Some("-1".into()),
            "tax",
            codes::TAX_NEGATIVE,
        ),
        (
            "negative serviceFee",
            |c| c.service_fee = Some("-1".into()),
            "serviceFee",
            codes::SERVICE_FEE_NEGATIVE,
        ),
        (
            "negative total",
            |c| c.total_amount = Some("-11000".into()),
            "totalAmount",
            codes::TOTAL_AMOUNT_NEGATIVE,
        ),
        (
            "no supplyCost",
            |c| c.supply_cost = None,
            "supplyCost",
            codes::SUPPLY_COST_MISSING,
        ),
        (
            "empty tax",
            |c| c.tax = Some(String::new()),
            "tax",
            codes::TAX_MISSING,
        ),
        (
            "no serviceFee",
            |c| c.service_fee = None,
            "serviceFee",
            codes::SERVICE_FEE_MISSING,
        ),
        (
            "no totalAmount",
            |c| c.total_amount = None,
            "totalAmount",
            codes::TOTAL_AMOUNT_MISSING,
        ),
        (
            "total over the maximum",
            |c| c.total_amount = Some("1000000000".into()),
            "totalAmount",
            codes::AMOUNT_TOO_LARGE,
        ),
        (
            "amount with a comma",
            |c| c.supply_cost = Some("10,000".into()),
            "supplyCost",
            codes::AMOUNT_MAPPING,
        ),
        (
            "sum mismatch",
            |c| c.total_amount = Some("11001".into()),
            "totalAmount",
            codes::AMOUNT_SUM_MISMATCH,
        ),
        (
            "tax over supply",
            |c| {
                c.supply_cost = Some("100".into());
                c.tax = Some("200".into());
                c.total_amount = Some("300".into());
            },
            "tax",
            codes::TAX_OVER_SUPPLY_COST,
        ),
        (
            "비과세 with tax",
            |c| c.taxation_type = Some("비과세".into()),
            "tax",
            codes::TAX_EXEMPT_WITH_TAX,
        ),
        (
            "no franchiseCorpNum",
            |c| c.franchise_corp_num = None,
            "franchiseCorpNum",
            codes::FRANCHISE_CORP_NUM_MISSING,
        ),
        (
            "hyphenated franchiseCorpNum",
            |c| c.franchise_corp_num = Some("123-45-67890".into()),
            "franchiseCorpNum",
            codes::FRANCHISE_CORP_NUM_INVALID,
        ),
        (
            "another company's CorpNum",
            |c| c.franchise_corp_num = Some("9999999999".into()),
            "franchiseCorpNum",
            codes::FRANCHISE_NOT_MEMBER,
        ),
        (
            "taxRegID of 3",
            |c| c.franchise_tax_reg_id = Some("123".into()),
            "franchiseTaxRegID",
            codes::TAX_REG_ID_INVALID,
        ),
        (
            "no identityNum",
            |c| c.identity_num = None,
            "identityNum",
            codes::IDENTITY_NUM_MISSING,
        ),
        (
            "identityNum with hyphens",
            |c| c.identity_num = Some("010-1234-5678".into()),
            "identityNum",
            codes::IDENTITY_NUM_NOT_DIGITS,
        ),
        (
            "identityNum of 21",
            |c| c.identity_num = Some("1".repeat(21)),
            "identityNum",
            codes::IDENTITY_NUM_TOO_LONG,
        ),
        (
            "voluntary for expenses",
            |c| {
                c.identity_num = Some("0100001234".into());
                c.trade_usage = Some("지출증빙용".into());
            },
            "identityNum",
            codes::VOLUNTARY_NOT_DEDUCTION,
        ),
        (
            "customerName of 71",
            |c| c.customer_name = Some("가".repeat(71)),
            "customerName",
            codes::CUSTOMER_NAME_TOO_LONG,
        ),
        (
            "itemName of 71",
            |c| c.item_name = Some("x".repeat(71)),
            "itemName",
            codes::ITEM_NAME_TOO_LONG,
        ),
        (
            "email of 101",
            |c| c.email = Some("e".repeat(101)),
            "email",
            codes::EMAIL_TOO_LONG,
        ),
        (
            "TEL of 21",
            |c| c.franchise_tel = Some("0".repeat(21)),
            "franchiseTEL",
            codes::TEL_TOO_LONG,
        ),
        (
            "orderNumber of 201",
            |c| c.order_number = Some("o".repeat(201)),
            "orderNumber",
            codes::ORDER_NUMBER_TOO_LONG,
        ),
        (
            "corp name of 201",
            |c| c.franchise_corp_name = Some("n".repeat(201)),
            "franchiseCorpName",
            codes::CORP_NAME_TOO_LONG,
        ),
        (
            "CEO name of 101",
            |c| c.franchise_ceo_name = Some("n".repeat(101)),
            "franchiseCEOName",
            codes::CEO_NAME_TOO_LONG,
        ),
        (
            "address of 401",
            |c| c.franchise_addr = Some("a".repeat(401)),
            "franchiseAddr",
            codes::ADDR_TOO_LONG,
        ),
    ];
    for (why, edit, field, code) in cases {
        let mut c = valid();
        edit(&mut c);
        let got = check_cashbill(&c, &member(), now());
        assert!(
            got.iter().any(|v| v.field == field && v.code == code),
            "{why}: expected {field}/{code}, got {got:?}"
        );
        assert_eq!(
            got.len(),
            1,
            "{why}: exactly one rule should break, got {got:?}"
        );
    }
}

#[test]
fn yesterday_and_the_start_of_today_are_allowed() {
    for dt in ["20250710000000", "20250711000000", "20250711120000"] {
        let c = Cashbill {
            trade_dt: Some(dt.into()),
            ..valid()
        };
        assert_eq!(check_cashbill(&c, &member(), now()), vec![], "{dt}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let c = Cashbill {
        mgt_key: None,
        identity_num: None,
        tax: Some("-1".into()),
        ..valid()
    };
    let fields: Vec<_> = check_cashbill(&c, &member(), now())
        .iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(fields, ["mgtKey", "tax", "identityNum"]);
}

#[test]
fn batches_are_limited_to_100_distinct_mgt_keys() {
    let keys: Vec<String> = (0..101).map(|i| format!("K{i}")).collect();
    let refs = |n: usize| {
        keys[..n]
            .iter()
            .map(|k| Some(k.as_str()))
            .collect::<Vec<_>>()
    };
    assert_eq!(check_batch(refs(100).into_iter()), Ok(()));
    assert_eq!(
        check_batch(refs(101).into_iter()),
        Err(BatchError::TooMany(101))
    );
    assert_eq!(
        check_batch(Vec::<Option<&str>>::new().into_iter()),
        Err(BatchError::Empty)
    );
    let dup = vec![Some("A"), None, Some("A")];
    assert_eq!(
        check_batch(dup.into_iter()),
        Err(BatchError::DuplicateMgtKey("A".into()))
    );
    assert_eq!(BatchError::TooMany(101).code(), codes::TOO_MANY_CASHBILLS);
}

#[test]
fn amount_codes_are_popbills_numbers_for_each_field() {
    // The table: -14001008/09 serviceFee, -14001010/11 supplyCost, -14001012/13 tax,
    // -14001014/15 totalAmount (missing / negative).
    let code = |f: fn(&mut Cashbill)| {
        let mut c = valid();
        f(&mut c);
        check_cashbill(&c, &member(), now())
            .first()
            .map(|v| v.code)
            .unwrap()
    };
    assert_eq!(code(|c| c.service_fee = None), -14001008);
    assert_eq!(code(|c| c.service_fee = Some("-1".into())), -14001009);
    assert_eq!(code(|c| c.supply_cost = None), -14001010);
    assert_eq!(code(|c| c.supply_cost = Some("-1".into())), -14001011);
    assert_eq!(code(|c| c.tax = None), -14001012);
    assert_eq!(code(|c| c.tax = Some("-1".into())), -14001013);
    assert_eq!(code(|c| c.total_amount = None), -14001014);
    assert_eq!(code(|c| c.total_amount = Some("-1".into())), -14001015);
}
