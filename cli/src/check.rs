//! Every row against POPBiLL's rules (`popbill::validate`, the same the Worker and the mock
//! apply), plus what only the whole file shows: a mgtKey twice, or rows for another member.
//! Pure: `now` (KST, for the tradeDT window) is an argument.

use std::collections::{BTreeSet, HashMap};

use popbill::validate::{check_cashbill, is_cancellation};
use popbill::{CorpNum, KstDateTime, codes};

use crate::input::{Problem, Record};

/// The outcome: every problem (sorted by row) and the rows that have at least one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checked {
    pub problems: Vec<Problem>,
    pub invalid_rows: BTreeSet<usize>,
    /// The member every row issues for: `--corp-num`, else the first valid franchiseCorpNum.
    pub member: Option<CorpNum>,
}

impl Checked {
    /// More problems (from checks that need more than the rows), kept sorted by row.
    pub fn add(&mut self, more: Vec<Problem>) {
        self.invalid_rows.extend(more.iter().map(|p| p.row));
        self.problems.extend(more);
        self.problems.sort_by_key(|p| p.row);
    }
}

/// Cancellation receipts (취소거래) in a file of receipts for the Worker, which refuses them in
/// a submission (`use_refund_api`): its refund API holds a refund until POPBiLL can take it
/// and keeps the original's running totals. (Straight to POPBiLL, `--direct`, they are
/// POPBiLL's to judge.)
pub fn cancellations(records: &[Record]) -> Vec<Problem> {
    records
        .iter()
        .filter(|r| r.cashbill().is_some_and(is_cancellation))
        .map(|r| {
            Problem::new(
                r.row,
                Some("tradeType"),
                "a 취소거래 (refund) goes in a refund file: popbill-bulk refund FILE, which the Worker holds until POPBiLL can take it",
            )
        })
        .collect()
}

/// The first row with a valid franchiseCorpNum, and that CorpNum.
fn first_franchise(records: &[Record]) -> Option<(usize, CorpNum)> {
    records.iter().find_map(|r| {
        let c = r.cashbill()?;
        let n = CorpNum::parse(c.franchise_corp_num.as_deref()?).ok()?;
        Some((r.row, n))
    })
}

/// The member a file issues for: `corp` when given, else the first valid franchiseCorpNum.
/// Needs no clock, so `status` finds the same member (and SubmitIDs) as `submit` did.
pub fn member(records: &[Record], corp: Option<&CorpNum>) -> Option<CorpNum> {
    corp.cloned()
        .or_else(|| first_franchise(records).map(|(_, n)| n))
}

/// `parse_problems` are the reader's (types, unknown fields) and are kept.
pub fn check(
    records: &[Record],
    parse_problems: Vec<Problem>,
    corp: Option<&CorpNum>,
    now: KstDateTime,
) -> Checked {
    let mut problems = parse_problems;
    let first_own = first_franchise(records);
    let member = member(records, corp);
    // A stand-in when no row names a valid CorpNum: every row then reports its own.
    let placeholder = CorpNum::parse("0000000000").expect("ten digits are a CorpNum");
    let judge = member.as_ref().unwrap_or(&placeholder);

    let mut first_row_of: HashMap<&str, usize> = HashMap::new();
    for r in records {
        let Some(c) = r.cashbill() else { continue };
        for v in check_cashbill(c, judge, now) {
            if v.code == codes::FRANCHISE_NOT_MEMBER {
                let message = match (corp, &first_own) {
                    (None, Some((row, n))) => format!(
                        "differs from row {row}'s {n}: a file issues for one member (or set --corp-num)"
                    ),
                    (None, None) => continue,
                    (Some(m), _) => format!("must be the member's own CorpNum {m}"),
                };
                problems.push(Problem {
                    code: Some(v.code),
                    ..Problem::new(r.row, Some(v.field), message)
                });
                continue;
            }
            problems.push(Problem {
                code: Some(v.code),
                ..Problem::new(r.row, Some(v.field), v.message_en())
            });
        }
        if let Some(key) = r.mgt_key()
            && let Some(first) = first_row_of.insert(key, r.row)
        {
            first_row_of.insert(key, first);
            problems.push(Problem {
                code: Some(codes::DUPLICATE_MGT_KEY_IN_BATCH),
                ..Problem::new(
                    r.row,
                    Some("mgtKey"),
                    format!("{key} is already on row {first}: a mgtKey can be issued once"),
                )
            });
        }
    }
    problems.sort_by_key(|p| p.row);
    let invalid_rows = problems.iter().map(|p| p.row).collect();
    Checked {
        problems,
        invalid_rows,
        member,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{EncodingChoice, parse};
    use crate::op::Op;

    const HEADER: &str = "mgtKey,tradeDT,tradeType,tradeUsage,taxationType,totalAmount,supplyCost,tax,serviceFee,franchiseCorpNum,identityNum";

    fn now() -> KstDateTime {
        KstDateTime::parse("20250711100000").unwrap()
    }

    fn run(rows: &[&str], corp: Option<&str>) -> Checked {
        let text = format!("{HEADER}\n{}\n", rows.join("\n"));
        let parsed = parse(
            Op::Submit,
            text.as_bytes(),
            "x.csv",
            None,
            EncodingChoice::Auto,
        )
        .unwrap();
        let corp = corp.map(|c| CorpNum::parse(c).unwrap());
        check(&parsed.records, parsed.problems, corp.as_ref(), now())
    }

    const OK: &str =
        "K1,20250711090000,승인거래,소득공제용,과세,11000,10000,1000,0,1234567890,01012345678";

    #[test]
    fn a_valid_file_has_no_problems_and_names_its_member() {
        let c = run(&[OK, &OK.replace("K1", "K2")], None);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.member.unwrap().as_str(), "1234567890");
    }

    #[test]
    fn every_problem_is_reported_with_row_field_and_popbill_code() {
        let cases: &[(&str, &str, i64, &str)] = &[
            (
                "K2,20250711090000,승인거래,소득공제용,과세,12000,10000,1000,0,1234567890,01012345678",
                "totalAmount",
                codes::AMOUNT_SUM_MISMATCH,
                "amounts that do not add up",
            ),
            (
                "K2,20250709090000,승인거래,소득공제용,과세,11000,10000,1000,0,1234567890,01012345678",
                "tradeDT",
                codes::TRADE_DT_NOT_TODAY_OR_YESTERDAY,
                "two days ago",
            ),
            (
                "K2,20250711090000,승인거래,소득공제용,과세,11000,10000,1000,0,1234567890,",
                "identityNum",
                codes::IDENTITY_NUM_MISSING,
                "missing identityNum",
            ),
            (
                "K 2,20250711090000,승인거래,소득공제용,과세,11000,10000,1000,0,1234567890,01012345678",
                "mgtKey",
                codes::MGT_KEY_INVALID,
                "a space in the mgtKey",
            ),
            (
                "K2,20250711090000,승인거래,소득공제용,과세,11000,10000,1000,0,9999999999,01012345678",
                "franchiseCorpNum",
                codes::FRANCHISE_NOT_MEMBER,
                "another member",
            ),
            (
                "K1,20250711090000,승인거래,소득공제용,과세,11000,10000,1000,0,1234567890,01012345678",
                "mgtKey",
                codes::DUPLICATE_MGT_KEY_IN_BATCH,
                "a mgtKey twice",
            ),
        ];
        for (row, field, code, why) in cases {
            let c = run(&[OK, row], None);
            assert_eq!(c.problems.len(), 1, "{why}: {:?}", c.problems);
            let p = &c.problems[0];
            assert_eq!(
                (p.row, p.field.as_deref(), p.code),
                (3, Some(*field), Some(*code)),
                "{why}"
            );
            assert_eq!(c.invalid_rows, BTreeSet::from([3]), "{why}");
        }
    }

    #[test]
    fn rows_for_another_member_name_the_row_they_differ_from() {
        let c = run(
            &[
                OK,
                &OK.replace("K1", "K2")
                    .replace("1234567890,0101", "9999999999,0101"),
            ],
            None,
        );
        assert_eq!(
            c.problems[0].to_string(),
            format!(
                "row 3, franchiseCorpNum: differs from row 2's 1234567890: a file issues for one member (or set --corp-num) (POPBiLL {})",
                codes::FRANCHISE_NOT_MEMBER
            )
        );
        let c = run(&[OK], Some("9999999999"));
        assert!(
            c.problems[0]
                .message
                .contains("member's own CorpNum 9999999999"),
            "{:?}",
            c.problems
        );
    }

    #[test]
    fn a_cancellation_in_a_file_of_receipts_is_pointed_at_the_refund_command() {
        let cancel = format!(
            "{},TB0000001,20250710,1",
            OK.replace("K1", "K2").replace("승인거래", "취소거래")
        );
        let header = format!("{HEADER},orgConfirmNum,orgTradeDate,cancelType");
        let text = format!("{header}\n{OK},,,\n{cancel}\n");
        let parsed = parse(
            Op::Submit,
            text.as_bytes(),
            "x.csv",
            None,
            EncodingChoice::Auto,
        )
        .unwrap();
        let mut c = check(&parsed.records, parsed.problems, None, now());
        assert!(
            c.problems.is_empty(),
            "POPBiLL's own rules allow it: {:?}",
            c.problems
        );
        c.add(cancellations(&parsed.records));
        assert_eq!(c.invalid_rows, BTreeSet::from([3]));
        assert!(
            c.problems[0].to_string().starts_with("row 3, tradeType: a 취소거래 (refund) goes in a refund file: popbill-bulk refund FILE"),
            "{:?}",
            c.problems
        );
    }

    #[test]
    fn parse_problems_are_kept_and_sorted_with_the_rest() {
        let parsed_problem = Problem::new(5, Some("smssendYN"), "bad");
        let text = format!("{HEADER}\n{OK}\n{}\n", OK.replace("11000,10000", "1,10000"));
        let parsed = parse(
            Op::Submit,
            text.as_bytes(),
            "x.csv",
            None,
            EncodingChoice::Auto,
        )
        .unwrap();
        let c = check(&parsed.records, vec![parsed_problem], None, now());
        assert_eq!(
            c.problems.iter().map(|p| p.row).collect::<Vec<_>>(),
            [3, 3, 5]
        );
    }
}
