//! Amounts in Korean won, as POPBiLL sends them: strings of digits, at most 999,999,999.

use std::fmt;

/// The largest amount POPBiLL accepts (`-14001043`).
pub const MAX_AMOUNT: u64 = 999_999_999;

/// Why a string is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("amount is empty")]
    Empty,
    #[error("amount is negative")]
    Negative,
    #[error("amount may only contain digits")]
    NotDigits,
    #[error("amount exceeds 999,999,999")]
    TooLarge,
}

/// A non-negative amount of won, ≤ [`MAX_AMOUNT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(u64);

impl Amount {
    pub const ZERO: Amount = Amount(0);

    /// Parse POPBiLL's string form ("11000"): ASCII digits only, leading zeros allowed, value
    /// ≤ [`MAX_AMOUNT`]. Signs (even on zero), spaces, separators and decimals are refused.
    pub fn parse(s: &str) -> Result<Self, AmountError> {
        let digits = match s.strip_prefix('-') {
            Some(rest) if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) => {
                // "-0" is not negative, but it is not POPBiLL's digits-only form either.
                return Err(if rest.bytes().all(|b| b == b'0') {
                    AmountError::NotDigits
                } else {
                    AmountError::Negative
                });
            }
            _ => s,
        };
        if digits.is_empty() {
            return Err(AmountError::Empty);
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AmountError::NotDigits);
        }
        let significant = digits.trim_start_matches('0');
        if significant.len() > 9 {
            return Err(AmountError::TooLarge);
        }
        // ≤ 9 digits always fits in u64.
        let value = significant.parse::<u64>().unwrap_or(0);
        Self::new(value)
    }

    pub fn new(value: u64) -> Result<Self, AmountError> {
        if value > MAX_AMOUNT {
            Err(AmountError::TooLarge)
        } else {
            Ok(Amount(value))
        }
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_popbill_string_amounts() {
        assert_eq!(Amount::parse("11000").map(Amount::get), Ok(11000));
        assert_eq!(Amount::parse("0").map(Amount::get), Ok(0));
        assert_eq!(Amount::parse("999999999").map(Amount::get), Ok(999_999_999));
    }

    #[test]
    fn refuses_what_popbill_refuses() {
        let cases = [
            ("", AmountError::Empty, "empty"),
            ("-1", AmountError::Negative, "negative"),
            ("1000000000", AmountError::TooLarge, "over the maximum"),
            (
                "99999999999999999999999",
                AmountError::TooLarge,
                "overflows u64",
            ),
            ("1,000", AmountError::NotDigits, "thousands separator"),
            ("10.5", AmountError::NotDigits, "decimal"),
            (" 10", AmountError::NotDigits, "leading space"),
            ("+10", AmountError::NotDigits, "plus sign"),
            ("-0", AmountError::NotDigits, "signed zero"),
            ("-", AmountError::NotDigits, "a lone minus"),
            ("１０", AmountError::NotDigits, "full-width digits"),
        ];
        for (input, want, why) in cases {
            assert_eq!(Amount::parse(input), Err(want), "{why}: {input:?}");
        }
    }
}
