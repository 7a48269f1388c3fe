//! Cancellation receipts (취소거래): the rules that need the original's state.
//!
//! Pure: [`judge`] takes the cancellation as sent and the original as it stands at that moment
//! (its state, its parties, its amounts and the running totals of its earlier cancellations) and
//! answers POPBiLL's code for the first rule broken. The order is the mock's choice where
//! POPBiLL's table does not give one (mock-server/README.md): what the original *is*, then
//! *when* it can be cancelled, then *whose* it is, then *when* the cancellation was traded,
//! then *how much*.
//!
//! The rules that need no state (orgConfirmNum, orgTradeDate, cancelType present and well
//! formed) are `popbill::validate::check_cancellation`'s and have run before.

use popbill::{KstDateTime, codes};

/// supplyCost, tax, serviceFee, totalAmount in won.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amounts {
    pub supply_cost: u64,
    pub tax: u64,
    pub service_fee: u64,
    pub total: u64,
}

impl Amounts {
    /// From a stored receipt's `[supplyCost, tax, serviceFee, totalAmount]`.
    pub fn of(a: [u32; 4]) -> Self {
        Amounts {
            supply_cost: u64::from(a[0]),
            tax: u64::from(a[1]),
            service_fee: u64::from(a[2]),
            total: u64::from(a[3]),
        }
    }

    pub fn plus(self, o: Amounts) -> Self {
        Amounts {
            supply_cost: self.supply_cost.saturating_add(o.supply_cost),
            tax: self.tax.saturating_add(o.tax),
            service_fee: self.service_fee.saturating_add(o.service_fee),
            total: self.total.saturating_add(o.total),
        }
    }

    pub fn minus(self, o: Amounts) -> Self {
        Amounts {
            supply_cost: self.supply_cost.saturating_sub(o.supply_cost),
            tax: self.tax.saturating_sub(o.tax),
            service_fee: self.service_fee.saturating_sub(o.service_fee),
            total: self.total.saturating_sub(o.total),
        }
    }
}

/// Running totals of one original's cancellations (every issued one, whatever its filing
/// result), and which receipts they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refunded {
    pub amounts: Amounts,
    /// Indices into the store's receipts, in issue order.
    pub cancellations: Vec<u32>,
}

/// What the rules need to know of the original.
#[derive(Debug, Clone, Copy)]
pub struct Original<'a> {
    pub franchise_corp_num: &'a str,
    /// The "original" is itself a 취소거래.
    pub is_cancellation: bool,
    /// 300 issued, 304 filed, 305 filing failed.
    pub state_code: i64,
    pub trade_dt: KstDateTime,
    pub identity_num: &'a str,
    pub trade_usage: &'a str,
    pub taxation_type: &'a str,
    pub amounts: Amounts,
    /// The sum of its cancellations issued so far.
    pub cancelled: Amounts,
}

/// The cancellation as sent (its format rules already passed).
#[derive(Debug, Clone, Copy)]
pub struct Cancellation<'a> {
    pub franchise_corp_num: &'a str,
    pub identity_num: &'a str,
    pub trade_usage: &'a str,
    pub taxation_type: &'a str,
    /// Its tradeDT, or the issue time when it gave none.
    pub trade_dt: KstDateTime,
    pub amounts: Amounts,
}

/// The first rule `c` breaks against `o`, in this order:
///
/// 1. the original is itself a cancellation (-14001041);
/// 2. the original is not yet filed, stateCode 300 (-14001021), or its filing failed, 305
///    (-14001069);
/// 3. franchiseCorpNum (-14001022), identityNum (-14001035), tradeUsage (-14001039),
///    taxationType (-14001040) differ from the original's;
/// 4. the cancellation's trade time is before the original's (-14001074);
/// 5. totalAmount above the original's (-14001038), above what is left of it after every
///    earlier cancellation (-14001065); then supplyCost (-14001023), tax (-14001036),
///    serviceFee (-14001037) above what is left of each.
///
/// Totals come before their parts: a cancellation whose parts all fit always has a total that
/// fits (each total is the sum of its parts), so the other order would never report them.
pub fn judge(c: &Cancellation<'_>, o: &Original<'_>) -> Result<(), i64> {
    if o.is_cancellation {
        return Err(codes::CANCEL_OF_CANCELLATION);
    }
    match o.state_code {
        304 => {}
        305 => return Err(codes::ORG_FILING_FAILED),
        _ => return Err(codes::ORG_NOT_FILED),
    }
    let same = [
        (
            c.franchise_corp_num == o.franchise_corp_num,
            codes::ORG_CORP_NUM_MISMATCH,
        ),
        (
            c.identity_num == o.identity_num,
            codes::CANCEL_IDENTITY_NUM_MISMATCH,
        ),
        (
            c.trade_usage == o.trade_usage,
            codes::CANCEL_TRADE_USAGE_MISMATCH,
        ),
        (
            c.taxation_type == o.taxation_type,
            codes::CANCEL_TAXATION_TYPE_MISMATCH,
        ),
    ];
    if let Some(&(_, code)) = same.iter().find(|(ok, _)| !ok) {
        return Err(code);
    }
    if c.trade_dt < o.trade_dt {
        return Err(codes::CANCEL_TRADE_DT_BEFORE_ORG);
    }
    let left = o.amounts.minus(o.cancelled);
    let a = c.amounts;
    let over = [
        (a.total > o.amounts.total, codes::CANCEL_TOTAL_OVER),
        (a.total > left.total, codes::CANCEL_TOTALS_OVER),
        (
            a.supply_cost > left.supply_cost,
            codes::CANCEL_SUPPLY_COST_OVER,
        ),
        (a.tax > left.tax, codes::CANCEL_TAX_OVER),
        (
            a.service_fee > left.service_fee,
            codes::CANCEL_SERVICE_FEE_OVER,
        ),
    ];
    match over.iter().find(|(broken, _)| *broken) {
        Some(&(_, code)) => Err(code),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> KstDateTime {
        KstDateTime::parse(s).unwrap()
    }

    fn amounts(supply_cost: u64, tax: u64, service_fee: u64) -> Amounts {
        Amounts {
            supply_cost,
            tax,
            service_fee,
            total: supply_cost + tax + service_fee,
        }
    }

    /// Filed, 10000 + 1000 + 500 = 11500, traded 2025-07-11 10:00, nothing cancelled yet.
    fn original() -> Original<'static> {
        Original {
            franchise_corp_num: "1234567890",
            is_cancellation: false,
            state_code: 304,
            trade_dt: dt("20250711100000"),
            identity_num: "01012345678",
            trade_usage: "소득공제용",
            taxation_type: "과세",
            amounts: amounts(10000, 1000, 500),
            cancelled: Amounts::default(),
        }
    }

    fn full() -> Cancellation<'static> {
        Cancellation {
            franchise_corp_num: "1234567890",
            identity_num: "01012345678",
            trade_usage: "소득공제용",
            taxation_type: "과세",
            trade_dt: dt("20250712113000"),
            amounts: amounts(10000, 1000, 500),
        }
    }

    #[test]
    fn a_full_cancellation_of_a_filed_original_passes() {
        assert_eq!(judge(&full(), &original()), Ok(()));
    }

    #[test]
    fn each_rule_answers_its_popbill_code() {
        type Edit = fn(&mut Cancellation<'static>, &mut Original<'static>);
        let cases: Vec<(&str, Edit, i64)> = vec![
            (
                "a cancellation of a cancellation",
                |_, o| o.is_cancellation = true,
                codes::CANCEL_OF_CANCELLATION,
            ),
            (
                "an original not yet filed",
                |_, o| o.state_code = 300,
                codes::ORG_NOT_FILED,
            ),
            (
                "an original whose filing failed",
                |_, o| o.state_code = 305,
                codes::ORG_FILING_FAILED,
            ),
            (
                "another franchise",
                |c, _| c.franchise_corp_num = "9999999999",
                codes::ORG_CORP_NUM_MISMATCH,
            ),
            (
                "another buyer",
                |c, _| c.identity_num = "01099998888",
                codes::CANCEL_IDENTITY_NUM_MISMATCH,
            ),
            (
                "another trade usage",
                |c, _| c.trade_usage = "지출증빙용",
                codes::CANCEL_TRADE_USAGE_MISMATCH,
            ),
            (
                "another taxation type",
                |c, _| c.taxation_type = "비과세",
                codes::CANCEL_TAXATION_TYPE_MISMATCH,
            ),
            (
                "traded a second before the original",
                |c, _| c.trade_dt = dt("20250711095959"),
                codes::CANCEL_TRADE_DT_BEFORE_ORG,
            ),
            (
                "a total above the original's",
                |c, _| c.amounts = amounts(10001, 1000, 500),
                codes::CANCEL_TOTAL_OVER,
            ),
            (
                "a total above what is left",
                |c, o| {
                    o.cancelled = amounts(1000, 100, 0);
                    c.amounts = amounts(9001, 900, 500);
                },
                codes::CANCEL_TOTALS_OVER,
            ),
            (
                "a supply cost above what is left",
                |c, o| {
                    o.cancelled = amounts(1000, 0, 0);
                    c.amounts = amounts(9001, 0, 0);
                },
                codes::CANCEL_SUPPLY_COST_OVER,
            ),
            (
                "a tax above what is left",
                |c, o| {
                    o.cancelled = amounts(0, 1000, 0);
                    c.amounts = amounts(0, 1, 0);
                },
                codes::CANCEL_TAX_OVER,
            ),
            (
                "a service fee above what is left",
                |c, _| c.amounts = amounts(0, 0, 501),
                codes::CANCEL_SERVICE_FEE_OVER,
            ),
        ];
        for (why, edit, code) in cases {
            let (mut c, mut o) = (full(), original());
            edit(&mut c, &mut o);
            assert_eq!(judge(&c, &o), Err(code), "{why}");
        }
    }

    #[test]
    fn the_original_is_judged_before_the_cancellation_and_totals_before_parts() {
        // Not filed and everything else wrong too: the state decides.
        let (mut c, mut o) = (full(), original());
        o.state_code = 300;
        c.identity_num = "x";
        c.trade_dt = dt("20250701000000");
        c.amounts = amounts(99999, 0, 0);
        assert_eq!(judge(&c, &o), Err(codes::ORG_NOT_FILED));
        // A cancellation of a cancellation, even an unfiled one, is that first.
        o.is_cancellation = true;
        assert_eq!(judge(&c, &o), Err(codes::CANCEL_OF_CANCELLATION));
        // Supply cost and total both over: the total is reported.
        let mut c = full();
        c.amounts = amounts(20000, 1000, 500);
        assert_eq!(judge(&c, &original()), Err(codes::CANCEL_TOTAL_OVER));
    }

    #[test]
    fn partial_cancellations_add_up_to_the_original_and_not_a_won_more() {
        let o = original();
        let mut refunded = Refunded::default();
        for part in [
            amounts(4000, 400, 0),
            amounts(4000, 400, 500),
            amounts(2000, 200, 0),
        ] {
            let c = Cancellation {
                amounts: part,
                ..full()
            };
            let now = Original {
                cancelled: refunded.amounts,
                ..o
            };
            assert_eq!(judge(&c, &now), Ok(()), "{part:?}");
            refunded.amounts = refunded.amounts.plus(part);
        }
        assert_eq!(refunded.amounts, o.amounts);
        let one_more = Cancellation {
            amounts: amounts(1, 0, 0),
            ..full()
        };
        let now = Original {
            cancelled: refunded.amounts,
            ..o
        };
        assert_eq!(judge(&one_more, &now), Err(codes::CANCEL_TOTALS_OVER));
        // Nothing left: a zero cancellation has nothing to exceed (the amount rules of an
        // ordinary receipt decide whether zero is allowed).
        let zero = Cancellation {
            amounts: Amounts::default(),
            ..full()
        };
        assert_eq!(judge(&zero, &now), Ok(()));
    }

    #[test]
    fn a_cancellation_traded_at_the_originals_very_second_is_allowed() {
        let c = Cancellation {
            trade_dt: dt("20250711100000"),
            ..full()
        };
        assert_eq!(judge(&c, &original()), Ok(()));
    }
}
