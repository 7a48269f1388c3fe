//! Identifiers that parse once and cannot hold bad values.
//!
//! | type         | rule                                   | source                          |
//! |--------------|----------------------------------------|---------------------------------|
//! | [`SubmitId`] | 1–36 of `A-Z a-z 0-9 - _`              | bulk guide, `-14010012`         |
//! | [`MgtKey`]   | 1–24 of `A-Z a-z 0-9 - _`              | bulk guide, RegistIssue body    |
//! | [`CorpNum`]  | exactly 10 ASCII digits, no hyphens    | `-10001046`                     |
//! | [`ConfirmNum`] | 1–24 ASCII letters or digits (NTS uses 9) | webhook table; old docs: 24 |
//! | [`ReceiptId`] | 1–36 ASCII letters or digits          | bulk guide                      |

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{kind} is empty")]
    Empty { kind: &'static str },
    #[error("{kind} is longer than {max} characters")]
    TooLong { kind: &'static str, max: usize },
    #[error("{kind} must be exactly {len} digits")]
    WrongLength { kind: &'static str, len: usize },
    #[error("{kind} may only contain {allowed}")]
    BadChar {
        kind: &'static str,
        allowed: &'static str,
    },
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn check(
    s: &str,
    kind: &'static str,
    max: usize,
    ok: fn(char) -> bool,
    allowed: &'static str,
) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty { kind });
    }
    // Checked before the length so a long multi-byte string reports the charset, not bytes.
    if !s.chars().all(ok) {
        return Err(IdError::BadChar { kind, allowed });
    }
    if s.len() > max {
        return Err(IdError::TooLong { kind, max });
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal, |$s:ident| $validate:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Parse, or say why not.
            pub fn parse($s: &str) -> Result<Self, IdError> {
                $validate?;
                Ok(Self($s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", $kind, self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// Maps keyed by the id can be read with a `&str`.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_id!(
    /// A bulk submission's ID, chosen by the caller; POPBiLL never lets it be reused.
    SubmitId, "SubmitId", |s| check(s, "submitID", 36, is_key_char, "letters, digits, '-' and '_'")
);
string_id!(
    /// The seller's document number (문서번호, a.k.a. invoicerMgtKey), unique per CorpNum.
    MgtKey, "MgtKey", |s| check(s, "mgtKey", 24, is_key_char, "letters, digits, '-' and '_'")
);
string_id!(
    /// POPBiLL's ID for an accepted bulk submission.
    ReceiptId, "ReceiptId", |s| check(s, "receiptID", 36, |c| c.is_ascii_alphanumeric(), "letters and digits")
);
string_id!(
    /// The NTS confirmation number (국세청승인번호), assigned at issuance.
    ConfirmNum, "ConfirmNum", |s| check(s, "confirmNum", 24, |c| c.is_ascii_alphanumeric(), "letters and digits")
);
string_id!(
    /// A business registration number (사업자번호): 10 digits, no hyphens.
    CorpNum, "CorpNum", |s| {
        if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(())
        } else {
            Err(IdError::WrongLength { kind: "corpNum", len: 10 })
        }
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submit_id_accepts_the_documented_charset_up_to_36() {
        assert!(SubmitId::parse("20250711-MVC_BULK").is_ok());
        assert!(SubmitId::parse(&"a".repeat(36)).is_ok());
        assert_eq!(
            SubmitId::parse(&"a".repeat(37)),
            Err(IdError::TooLong {
                kind: "submitID",
                max: 36
            })
        );
        assert!(matches!(
            SubmitId::parse("a b"),
            Err(IdError::BadChar { .. })
        ));
        assert!(matches!(
            SubmitId::parse("가나다"),
            Err(IdError::BadChar { .. })
        ));
        assert_eq!(
            SubmitId::parse(""),
            Err(IdError::Empty { kind: "submitID" })
        );
    }

    #[test]
    fn mgt_key_is_limited_to_24() {
        assert!(MgtKey::parse(&"K".repeat(24)).is_ok());
        assert!(MgtKey::parse(&"K".repeat(25)).is_err());
    }

    #[test]
    fn corp_num_is_ten_digits_without_hyphens() {
        assert!(CorpNum::parse("1234567890").is_ok());
        assert!(CorpNum::parse("123-45-67890").is_err());
        assert!(CorpNum::parse("123456789").is_err());
        assert!(
            CorpNum::parse("１２３４５６７８９０").is_err(),
            "full-width digits are not digits"
        );
    }

    #[test]
    fn ids_deserialize_through_validation() {
        let ok: Result<MgtKey, _> = serde_json::from_str(r#""A-1""#);
        assert!(ok.is_ok());
        let bad: Result<MgtKey, _> = serde_json::from_str(r#""A 1""#);
        assert!(bad.is_err());
    }
}
