//! A receipt's four amounts and the running totals of an original's refunds: what was refunded,
//! what remains, and which field a refund would overdraw (with POPBiLL's code for each).

use popbill::codes;
use popbill::wire::Cashbill;
use serde::{Deserialize, Serialize};

/// supplyCost, tax, serviceFee and totalAmount, in won.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amounts {
    #[serde(rename = "supplyCost")]
    pub supply_cost: u64,
    pub tax: u64,
    #[serde(rename = "serviceFee")]
    pub service_fee: u64,
    #[serde(rename = "totalAmount")]
    pub total: u64,
}

/// One field a refund takes more of than remains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overdrawn {
    /// The POPBiLL JSON field name.
    pub field: &'static str,
    /// POPBiLL's code for it (the code POPBiLL would answer, had the refund been sent).
    pub code: i64,
    pub asked: u64,
    pub remaining: u64,
}

impl Amounts {
    /// The amounts of a receipt that passed `check_cashbill` (every amount a digit string);
    /// `None` for one that did not.
    pub fn of(c: &Cashbill) -> Option<Self> {
        let read = |v: &Option<String>| {
            v.as_deref()
                .and_then(|s| popbill::Amount::parse(s).ok())
                .map(popbill::Amount::get)
        };
        Some(Amounts {
            supply_cost: read(&c.supply_cost)?,
            tax: read(&c.tax)?,
            service_fee: read(&c.service_fee)?,
            total: read(&c.total_amount)?,
        })
    }

    pub fn plus(self, o: Amounts) -> Amounts {
        Amounts {
            supply_cost: self.supply_cost + o.supply_cost,
            tax: self.tax + o.tax,
            service_fee: self.service_fee + o.service_fee,
            total: self.total + o.total,
        }
    }

    /// What is left of `self` after `taken` (never below zero: a record that took more than
    /// there was, which the Worker never lets happen, leaves nothing).
    pub fn minus(self, taken: Amounts) -> Amounts {
        Amounts {
            supply_cost: self.supply_cost.saturating_sub(taken.supply_cost),
            tax: self.tax.saturating_sub(taken.tax),
            service_fee: self.service_fee.saturating_sub(taken.service_fee),
            total: self.total.saturating_sub(taken.total),
        }
    }

    /// Every field of `asked` above what `remaining` holds, in POPBiLL's check order: the total
    /// first, then its parts (mock-server/README.md, cancellation rules 12–13).
    pub fn overdrawn(asked: Amounts, remaining: Amounts) -> Vec<Overdrawn> {
        [
            (
                "totalAmount",
                codes::CANCEL_TOTALS_OVER,
                asked.total,
                remaining.total,
            ),
            (
                "supplyCost",
                codes::CANCEL_SUPPLY_COST_OVER,
                asked.supply_cost,
                remaining.supply_cost,
            ),
            ("tax", codes::CANCEL_TAX_OVER, asked.tax, remaining.tax),
            (
                "serviceFee",
                codes::CANCEL_SERVICE_FEE_OVER,
                asked.service_fee,
                remaining.service_fee,
            ),
        ]
        .into_iter()
        .filter(|(_, _, asked, remaining)| asked > remaining)
        .map(|(field, code, asked, remaining)| Overdrawn {
            field,
            code,
            asked,
            remaining,
        })
        .collect()
    }

    /// Put these amounts on a receipt (as POPBiLL's digit strings).
    pub fn write_to(self, c: &mut Cashbill) {
        c.supply_cost = Some(self.supply_cost.to_string());
        c.tax = Some(self.tax.to_string());
        c.service_fee = Some(self.service_fee.to_string());
        c.total_amount = Some(self.total.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(supply_cost: u64, tax: u64, service_fee: u64) -> Amounts {
        Amounts {
            supply_cost,
            tax,
            service_fee,
            total: supply_cost + tax + service_fee,
        }
    }

    #[test]
    fn the_last_won_fits_and_one_more_does_not() {
        let original = a(10000, 1000, 0);
        let left = original.minus(a(6000, 600, 0));
        assert_eq!(left, a(4000, 400, 0));
        assert!(Amounts::overdrawn(a(4000, 400, 0), left).is_empty());
        let over = Amounts::overdrawn(a(4001, 400, 0), left);
        let fields: Vec<_> = over.iter().map(|o| (o.field, o.code)).collect();
        assert_eq!(
            fields,
            [
                ("totalAmount", codes::CANCEL_TOTALS_OVER),
                ("supplyCost", codes::CANCEL_SUPPLY_COST_OVER)
            ],
            "the total first, then the part"
        );
        assert_eq!((over[0].asked, over[0].remaining), (4401, 4400));
    }

    #[test]
    fn amounts_read_from_a_receipt_and_write_back() {
        let mut c = Cashbill::default();
        a(10000, 1000, 500).write_to(&mut c);
        assert_eq!(c.total_amount.as_deref(), Some("11500"));
        assert_eq!(Amounts::of(&c), Some(a(10000, 1000, 500)));
        c.tax = Some("-1".into());
        assert_eq!(Amounts::of(&c), None);
    }
}
