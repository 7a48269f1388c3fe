//! Points: the member's balance that issuance spends, and the calls that report it —
//! GetBalance / GetPartnerBalance (Linkhub `GET /{ServiceID}/Point`, `/PartnerPoint`),
//! GetUnitCost (`GET /Cashbill?cfg=UNITCOST`) and GetChargeInfo (`GET /Cashbill/ChargeInfo`).
//!
//! Each issued receipt costs the unit cost, charged when it is issued (bulk receipts at
//! processing time). A receipt the balance cannot pay for fails on its own with -99005005
//! ([INF] per receipt, like every other per-receipt rule; a bulk submission is still accepted).

use popbill::codes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Sim;
use super::error::ApiError;
use super::request::ApiResponse;

/// The balances, and what issuance spent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Points {
    pub balance: u64,
    /// Reported by GetPartnerBalance; never spent (the mock charges the member).
    pub partner_balance: u64,
    pub spent: u64,
}

impl Points {
    pub fn new(balance: u64, partner_balance: u64) -> Self {
        Points {
            balance,
            partner_balance,
            spent: 0,
        }
    }

    /// Can one receipt at `unit_cost` be paid for?
    pub fn can_pay(&self, unit_cost: u64) -> Result<(), i64> {
        if self.balance < unit_cost {
            Err(codes::POINTS_INSUFFICIENT)
        } else {
            Ok(())
        }
    }

    pub fn pay(&mut self, unit_cost: u64) {
        self.balance = self.balance.saturating_sub(unit_cost);
        self.spent = self.spent.saturating_add(unit_cost);
    }
}

/// `POST /_mock/points`: any of the three, the rest unchanged.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PointsPatch {
    balance: Option<u64>,
    partner_balance: Option<u64>,
    unit_cost: Option<u64>,
}

impl Sim {
    /// `GET /{ServiceID}/Point`: `{"remainPoint": n}`.
    pub(crate) fn get_balance(&self) -> Result<ApiResponse, ApiError> {
        let v = json!({ "remainPoint": self.points.balance });
        Ok(ApiResponse::json(200, &v, None))
    }

    /// `GET /{ServiceID}/PartnerPoint`: `{"remainPoint": n}`.
    pub(crate) fn get_partner_balance(&self) -> Result<ApiResponse, ApiError> {
        let v = json!({ "remainPoint": self.points.partner_balance });
        Ok(ApiResponse::json(200, &v, None))
    }

    /// `GET /Cashbill?cfg=UNITCOST`: `{"unitCost": n}` (the SDKs read a number).
    pub(crate) fn get_unit_cost(&self) -> Result<ApiResponse, ApiError> {
        let v = json!({ "unitCost": self.settings.unit_cost });
        Ok(ApiResponse::json(200, &v, None))
    }

    /// `GET /Cashbill/ChargeInfo`: the SDKs' `ChargeInfo` (three strings). [INF] the member
    /// pays per receipt: `연동` (charged through the partner's linked service), `종량제` (per use).
    pub(crate) fn get_charge_info(&self) -> Result<ApiResponse, ApiError> {
        let v = json!({
            "unitCost": self.settings.unit_cost.to_string(),
            "chargeMethod": "연동",
            "rateSystem": "종량제",
        });
        Ok(ApiResponse::json(200, &v, None))
    }

    /// `GET /_mock/points` and the `points` of the state dump.
    pub fn points_json(&self) -> Value {
        json!({
            "balance": self.points.balance,
            "partner_balance": self.points.partner_balance,
            "unit_cost": self.settings.unit_cost,
            "spent": self.points.spent,
        })
    }

    /// `POST /_mock/points`: set the balances or the unit cost (a partial update).
    pub fn set_points(&mut self, body: &[u8]) -> Result<Value, String> {
        let p: PointsPatch = serde_json::from_slice(body).map_err(|e| {
            format!("body must be {{\"balance\"?,\"partner_balance\"?,\"unit_cost\"?}} (whole points ≥ 0): {e}")
        })?;
        if let Some(b) = p.balance {
            self.points.balance = b;
        }
        if let Some(b) = p.partner_balance {
            self.points.partner_balance = b;
        }
        if let Some(c) = p.unit_cost {
            self.settings.unit_cost = c;
        }
        Ok(self.points_json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_is_paid_only_while_the_balance_covers_the_unit_cost() {
        let mut p = Points::new(25, 0);
        assert_eq!(p.can_pay(10), Ok(()));
        p.pay(10);
        p.pay(10);
        assert_eq!((p.balance, p.spent), (5, 20));
        assert_eq!(p.can_pay(10), Err(codes::POINTS_INSUFFICIENT));
        assert_eq!(p.can_pay(0), Ok(()), "a zero unit cost is always paid");
    }
}
