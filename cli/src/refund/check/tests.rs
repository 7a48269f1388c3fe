use std::collections::{BTreeMap, BTreeSet};

use edge::core::facts::{FilingFact, IssueFact, Source};
use edge::core::refund::{Lookup, Original, RefundId, parse_refunds, plan_refund};
use edge::core::status::ReceiptFacts;
use popbill::SubmitId;
use proptest::prelude::*;

use super::*;
use crate::input::{EncodingChoice, parse};
use crate::op::Op;

const CORP: &str = "1234567890";

fn now() -> KstDateTime {
    KstDateTime::parse("20250711100000").unwrap()
}

fn corp() -> CorpNum {
    CorpNum::parse(CORP).unwrap()
}

/// A refund file (CSV) of `rows` under `header`, checked.
fn run(header: &str, rows: &[&str]) -> Checked {
    let text = format!("{header}\n{}\n", rows.join("\n"));
    let parsed = parse(
        Op::Refund,
        text.as_bytes(),
        "r.csv",
        None,
        EncodingChoice::Auto,
    )
    .unwrap();
    check(&parsed.records, parsed.problems, Some(&corp()), now())
}

const HEADER: &str = "mgtKey,orgMgtKey,orgConfirmNum,orgTradeDate,cancelType,isPartCancel,supplyCost,tax,serviceFee,totalAmount,identityNum,tradeUsage,taxationType,itemName";

#[test]
fn whole_partial_and_external_refunds_pass() {
    let c = run(
        HEADER,
        &[
            "R-1,K-1,,,,,,,,,,,,",
            "R-2,K-2,,,2,Y,5000,500,0,5500,,,,",
            "R-3,,TB0000123,20250709,,,10000,1000,0,11000,01012345678,소득공제용,과세,커피",
            "R-4,K-2,,,,true,1000,100,0,1100,01012345678,,,",
        ],
    );
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(c.member, Some(corp()));
}

#[test]
fn every_local_problem_is_reported_with_row_field_and_code() {
    let cases: &[(&str, &str, Option<i64>, &str)] = &[
        (
            ",K-1,,,,,,,,,,,,",
            "mgtKey",
            Some(codes::BULK_MGT_KEY_MISSING),
            "no mgtKey",
        ),
        (
            "R 1,K-1,,,,,,,,,,,,",
            "mgtKey",
            Some(codes::MGT_KEY_INVALID),
            "a space in the mgtKey",
        ),
        ("R-1,,,,,,,,,,,,,", "orgMgtKey", None, "no original named"),
        (
            "R-1,K-1,TB0000123,,,,,,,,,,,",
            "orgMgtKey",
            None,
            "named both ways",
        ),
        ("R-1,K 1,,,,,,,,,,,,", "orgMgtKey", None, "a bad orgMgtKey"),
        (
            "R-1,K-1,,,4,,,,,,,,,",
            "cancelType",
            Some(codes::CANCEL_TYPE_INVALID),
            "cancelType 4",
        ),
        (
            "R-1,K-1,,,0,,,,,,,,,",
            "cancelType",
            Some(codes::CANCEL_TYPE_INVALID),
            "cancelType 0",
        ),
        (
            "R-1,K-1,,,,,5000,,,,,,,",
            "supplyCost",
            None,
            "amounts on a whole refund",
        ),
        (
            "R-1,K-1,,,,Y,5000,500,0,6000,,,,",
            "totalAmount",
            Some(codes::AMOUNT_SUM_MISMATCH),
            "amounts that do not add up",
        ),
        (
            "R-1,K-1,,,,Y,5000,500,,5500,,,,",
            "serviceFee",
            Some(codes::SERVICE_FEE_MISSING),
            "a partial refund without serviceFee",
        ),
        (
            "R-1,K-1,,,,Y,500,5000,0,5500,,,,",
            "tax",
            Some(codes::TAX_OVER_SUPPLY_COST),
            "tax over supply cost",
        ),
        (
            "R-1,K-1,,,,Y,0,0,0,0,,,,",
            "totalAmount",
            None,
            "a refund of 0 won",
        ),
        (
            "R-1,K-1,,,,Y,-5,0,0,-5,,,,",
            "supplyCost",
            Some(codes::SUPPLY_COST_NEGATIVE),
            "negative",
        ),
        (
            "R-1,,TB1,20250709,,,10000,1000,0,11000,01012345678,소득공제용,과세,",
            "orgConfirmNum",
            Some(codes::ORG_CONFIRM_NUM_INVALID),
            "a short confirm number",
        ),
        (
            "R-1,,,20250709,,,10000,1000,0,11000,01012345678,소득공제용,과세,",
            "orgConfirmNum",
            Some(codes::ORG_CONFIRM_NUM_MISSING),
            "a date without a confirm number",
        ),
        (
            "R-1,,TB0000123,2025-07-09,,,10000,1000,0,11000,01012345678,소득공제용,과세,",
            "orgTradeDate",
            Some(codes::ORG_TRADE_DATE_FORMAT),
            "a date with dashes",
        ),
        (
            "R-1,,TB0000123,20250712,,,10000,1000,0,11000,01012345678,소득공제용,과세,",
            "orgTradeDate",
            Some(codes::CANCEL_TRADE_DT_BEFORE_ORG),
            "an original dated tomorrow",
        ),
        (
            "R-1,,TB0000123,20250709,,,10000,1000,0,11000,,소득공제용,과세,",
            "identityNum",
            Some(codes::IDENTITY_NUM_MISSING),
            "an external original without identityNum",
        ),
        (
            "R-1,,TB0000123,20250709,,,,,,,01012345678,소득공제용,과세,",
            "totalAmount",
            Some(codes::TOTAL_AMOUNT_MISSING),
            "an external original without amounts",
        ),
        (
            "R-1,K-1,,,,,,,,,,현금,,",
            "tradeUsage",
            Some(codes::TRADE_USAGE_MISSING),
            "an impossible tradeUsage",
        ),
    ];
    for (row, field, code, why) in cases {
        let c = run(HEADER, &[row]);
        assert!(
            c.problems
                .iter()
                .any(|p| p.row == 2 && p.field.as_deref() == Some(*field) && p.code == *code),
            "{why}: {:?}",
            c.problems
        );
        assert_eq!(c.invalid_rows, BTreeSet::from([2]), "{why}");
    }
}

#[test]
fn a_mgt_key_twice_or_naming_another_rows_original_is_refused() {
    let c = run(
        HEADER,
        &[
            "R-1,K-1,,,,,,,,,,,,",
            "R-1,K-2,,,,,,,,,,,,",
            "K-1,K-3,,,,,,,,,,,,",
        ],
    );
    let got: Vec<(usize, Option<i64>)> = c.problems.iter().map(|p| (p.row, p.code)).collect();
    assert_eq!(
        got,
        [
            (3, Some(codes::DUPLICATE_MGT_KEY_IN_BATCH)),
            (4, Some(codes::MGT_KEY_IN_USE))
        ]
    );
    assert_eq!(
        c.problems[1].to_string(),
        format!(
            "row 4, mgtKey: K-1 is the original row 2 refunds: a refund's mgtKey must be new (POPBiLL {})",
            codes::MGT_KEY_IN_USE
        )
    );
}

// The same rows through the Worker's own intake (`edge::core::refund`): its shape checks, then
// its judgement against a filed 11,000 won original K-1. Reasons that need the Worker's records
// (more than remains, a field unlike the original's) are the Worker's alone.
const STATEFUL: [&str; 2] = ["exceeds_remaining", "mismatch"];

fn original() -> Original {
    let fact_dt = Some("20250710100000".to_owned());
    let cashbill = serde_json::from_value(serde_json::json!({
        "mgtKey": "K-1", "tradeDT": "20250710100000", "tradeType": "승인거래",
        "tradeUsage": "소득공제용", "taxationType": "과세", "totalAmount": "11000",
        "supplyCost": "10000", "tax": "1000", "serviceFee": "0", "franchiseCorpNum": CORP,
        "identityNum": "01012345678"
    }))
    .unwrap();
    Original {
        submit_id: SubmitId::parse("S-1").unwrap(),
        cashbill,
        created_ms: 0,
        rejected: false,
        facts: ReceiptFacts {
            issue: Some(IssueFact {
                code: 1,
                message: None,
                confirm_num: Some("TB0000009".into()),
                issue_dt: fact_dt.clone(),
                source: Source::Poll,
                mid: None,
            }),
            filing: Some(FilingFact {
                state_code: 304,
                nts_result_code: Some("0000".into()),
                nts_result_message: None,
                nts_send_dt: None,
                nts_result_dt: None,
                confirm_num: Some("TB0000009".into()),
                issue_dt: fact_dt,
                source: Source::Poll,
                mid: None,
            }),
            blocked: None,
        },
        earlier: vec![],
    }
}

/// The Worker's reasons for refusing `row` (empty: it takes it).
fn workers_reasons(row: &RefundRow) -> Vec<String> {
    let body = serde_json::json!({ "refundID": "T-1", "refunds": [row] });
    let body = serde_json::to_vec(&body).unwrap();
    let req = match parse_refunds(&body, &corp(), &[corp()]) {
        Ok(req) => req,
        Err(e) => {
            use edge::core::api::ApiError as _;
            let reasons: Vec<String> = e.details().iter().map(|d| d.reason.clone()).collect();
            return if reasons.is_empty() {
                vec![e.code().as_str().to_owned()]
            } else {
                reasons
            };
        }
    };
    let originals = BTreeMap::from([(
        popbill::MgtKey::parse("K-1").unwrap(),
        Lookup::Found(Box::new(original())),
    )]);
    let id = RefundId::parse("T-1").unwrap();
    match plan_refund(&req, &id, &originals, req.content_hash(), now()) {
        Ok(_) => vec![],
        Err(refused) => refused.details.into_iter().map(|d| d.reason).collect(),
    }
}

fn opt<T: Clone + std::fmt::Debug + 'static>(values: &[T]) -> impl Strategy<Value = Option<T>> {
    prop_oneof![
        Just(None),
        proptest::sample::select(values.to_vec()).prop_map(Some)
    ]
}

fn text(values: &[&'static str]) -> impl Strategy<Value = Option<String>> {
    opt(values).prop_map(|v| v.map(str::to_owned))
}

fn rows() -> impl Strategy<Value = RefundRow> {
    let amounts = proptest::sample::select(vec![
        None,
        Some(["10000", "1000", "0", "11000"]),
        Some(["5000", "500", "0", "5500"]),
        Some(["0", "0", "0", "0"]),
        Some(["5000", "600", "0", "5500"]),
        Some(["500", "1000", "0", "1500"]),
        Some(["-1", "0", "0", "-1"]),
        Some(["abc", "0", "0", "0"]),
        Some(["5000", "500", "", "5500"]),
        Some(["20000", "2000", "0", "22000"]),
    ]);
    (
        (
            text(&["R-1", "R 1", "K-1"]),
            text(&["K-1", "K 1"]),
            text(&["TB0000123", "TB1"]),
            text(&["20250709", "2025-07-09", "20250712"]),
            opt(&[0i64, 1, 2, 3, 4]),
            opt(&[true, false]),
        ),
        (
            amounts,
            text(&["01012345678", "0101234567X"]),
            text(&["소득공제용", "지출증빙용", "현금"]),
            text(&["과세", "비과세"]),
            text(&["coffee", "아주 긴 이름 아주 긴 이름 아주 긴 이름 아주 긴 이름 아주 긴 이름 아주 긴 이름 아주 긴 이름 아주 긴 이름"]),
        ),
    )
        .prop_map(|((mgt, org, confirm, date, cancel, part), (amounts, id, usage, taxation, item))| {
            let [s, t, f, total] = amounts.map_or([None, None, None, None], |a| a.map(|v| Some(v.to_owned())));
            RefundRow {
                mgt_key: mgt,
                org_mgt_key: org,
                org_confirm_num: confirm,
                org_trade_date: date,
                cancel_type: cancel,
                is_part_cancel: part,
                supply_cost: s,
                tax: t,
                service_fee: f,
                total_amount: total,
                identity_num: id,
                trade_usage: usage,
                taxation_type: taxation,
                item_name: item,
                ..RefundRow::default()
            }
        })
}

fn ours(row: &RefundRow) -> Vec<Problem> {
    let record = Record {
        row: 2,
        item: Some(crate::input::Item::Refund(row.clone())),
        canonical: String::new(),
    };
    check(&[record], vec![], Some(&corp()), now()).problems
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_row_is_refused_here_exactly_when_the_worker_refuses_it_without_its_records(row in rows()) {
        let local = ours(&row);
        let worker = workers_reasons(&row);
        // Refused only for what the Worker's records show: this check cannot know, and either
        // verdict here ends in the Worker's refusal.
        let by_records = !worker.is_empty() && worker.iter().all(|r| STATEFUL.contains(&r.as_str()));
        if !by_records {
            prop_assert_eq!(
                local.is_empty(),
                worker.is_empty(),
                "local {:?} vs the Worker's {:?} for {:?}",
                local,
                worker,
                row
            );
        }
    }
}
