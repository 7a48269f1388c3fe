use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::lenient::{self, QuotedI64};
use crate::privacy::mask_identity;

/// How a [`Cashbill`] field is typed in POPBiLL's JSON (`null` is always accepted: absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A JSON string (amounts too: `"11000"`).
    Text,
    /// A JSON boolean (the `…YN` flags).
    Flag,
    /// A JSON integer; also quoted (`"1"`) or a whole float, as some senders write numbers.
    Int,
}

/// How a field of each Rust type is read (`null` and absent are `None`): strings and booleans as
/// JSON has them, integers also quoted ([`QuotedI64`]). Anything else is an error that serde
/// reports at the field.
pub(crate) trait WireValue: Sized {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error>;
}

impl WireValue for String {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        Option::<String>::deserialize(d)
    }
}

impl WireValue for bool {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        Option::<bool>::deserialize(d)
    }
}

impl WireValue for i64 {
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        Ok(Option::<QuotedI64>::deserialize(d)?.map(|q| q.0))
    }
}

fn read_field<'de, D: Deserializer<'de>, T: WireValue>(d: D) -> Result<Option<T>, D::Error> {
    T::read(d)
}

/// One [`Cashbill`] field: its JSON name and type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
}

macro_rules! rust_type {
    (Text) => {
        String
    };
    (Flag) => {
        bool
    };
    (Int) => {
        i64
    };
}

/// The one list of Cashbill fields: it makes the struct (and so its serde form) and
/// [`Cashbill::FIELDS`], from which every other type check is derived.
macro_rules! cashbill_fields {
    ($( $(#[$doc:meta])* $field:ident: $ty:ident = $wire:literal, )*) => {
        /// A cash receipt as POPBiLL's JSON spells it (docs/PROTOCOL.md §3.3).
        ///
        /// Every field is optional on the wire; [`crate::validate`] says which are required and
        /// why. Amounts are strings (`"11000"`), as every SDK sends them. Unknown fields are
        /// ignored; a field of the wrong JSON type is refused.
        #[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
        pub struct Cashbill {
            $(
                $(#[$doc])*
                #[serde(
                    rename = $wire,
                    default,
                    deserialize_with = "read_field",
                    skip_serializing_if = "Option::is_none"
                )]
                pub $field: Option<rust_type!($ty)>,
            )*
        }

        impl Cashbill {
            /// Every field, in declaration (and serialization) order.
            pub const FIELDS: &'static [Field] = &[$(Field { name: $wire, ty: FieldType::$ty },)*];
            /// The JSON names alone, in the same order.
            pub const FIELD_NAMES: &'static [&'static str] = &[$($wire,)*];
        }
    };
}

cashbill_fields! {
    mgt_key: Text = "mgtKey",
    trade_dt: Text = "tradeDT",
    trade_date: Text = "tradeDate",
    trade_type: Text = "tradeType",
    trade_usage: Text = "tradeUsage",
    trade_opt: Text = "tradeOpt",
    taxation_type: Text = "taxationType",
    total_amount: Text = "totalAmount",
    supply_cost: Text = "supplyCost",
    tax: Text = "tax",
    service_fee: Text = "serviceFee",
    franchise_corp_num: Text = "franchiseCorpNum",
    franchise_tax_reg_id: Text = "franchiseTaxRegID",
    franchise_corp_name: Text = "franchiseCorpName",
    franchise_ceo_name: Text = "franchiseCEOName",
    franchise_addr: Text = "franchiseAddr",
    franchise_tel: Text = "franchiseTEL",
    identity_num: Text = "identityNum",
    customer_name: Text = "customerName",
    item_name: Text = "itemName",
    order_number: Text = "orderNumber",
    email: Text = "email",
    hp: Text = "hp",
    fax: Text = "fax",
    smssend_yn: Flag = "smssendYN",
    faxsend_yn: Flag = "faxsendYN",
    memo: Text = "memo",
    email_subject: Text = "emailSubject",
    confirm_num: Text = "confirmNum",
    org_confirm_num: Text = "orgConfirmNum",
    org_trade_date: Text = "orgTradeDate",
    /// An integer (docs/PROTOCOL.md §3.3), quoted or not; .NET always sends `0` here, even on
    /// 승인거래, meaning "not set". Anything that is not an integer is refused.
    cancel_type: Int = "cancelType",
}

impl fmt::Debug for Cashbill {
    // identityNum is personal data: only its masked form is ever printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cashbill")
            .field("mgt_key", &self.mgt_key)
            .field("trade_dt", &self.trade_dt)
            .field("trade_type", &self.trade_type)
            .field("trade_usage", &self.trade_usage)
            .field("taxation_type", &self.taxation_type)
            .field("total_amount", &self.total_amount)
            .field("supply_cost", &self.supply_cost)
            .field("tax", &self.tax)
            .field("service_fee", &self.service_fee)
            .field("franchise_corp_num", &self.franchise_corp_num)
            .field(
                "identity_num",
                &self.identity_num.as_deref().map(mask_identity),
            )
            .finish_non_exhaustive()
    }
}

/// RegistIssue's answer (`POST /Cashbill` with `ISSUE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct IssueResponse {
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_date: Option<String>,
    #[serde(rename = "tradeDT", default, skip_serializing_if = "Option::is_none")]
    pub trade_dt: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_java_sdk_sample_with_exact_names() {
        let json = r#"{"memo":"","mgtKey":"20250711-MVC-BULK-1","tradeUsage":"소득공제용","tradeOpt":"대중교통","tradeType":"승인거래","tradeDT":"20250711000000","taxationType":"과세","supplyCost":"10000","tax":"1000","serviceFee":"0","totalAmount":"11000","franchiseCorpNum":"1234567890","franchiseTaxRegID":"","franchiseCorpName":"가맹점 상호","franchiseCEOName":"가맹점 대표자","franchiseAddr":"가맹점 주소","franchiseTEL":"07043042991","identityNum":"0101112222","customerName":"고객명","itemName":"상품명","orderNumber":"주문번호","email":"","hp":"","faxsendYN":false,"smssendYN":false,"emailSubject":""}"#;
        let c: Cashbill = serde_json::from_str(json).unwrap();
        assert_eq!(c.mgt_key.as_deref(), Some("20250711-MVC-BULK-1"));
        assert_eq!(c.trade_dt.as_deref(), Some("20250711000000"));
        assert_eq!(c.franchise_tax_reg_id.as_deref(), Some(""));
        assert_eq!(c.franchise_ceo_name.as_deref(), Some("가맹점 대표자"));
        assert_eq!(c.franchise_tel.as_deref(), Some("07043042991"));
        assert_eq!(c.smssend_yn, Some(false));
        let back = serde_json::to_value(&c).unwrap();
        assert_eq!(back["franchiseTaxRegID"], "");
        assert_eq!(back["tradeDT"], "20250711000000");
        assert!(
            back.get("confirmNum").is_none(),
            "absent fields are not written"
        );
    }

    #[test]
    fn every_listed_field_takes_its_type_and_refuses_the_others() {
        use serde_json::{Value, json};
        for f in Cashbill::FIELDS {
            let (right, wrong) = match f.ty {
                FieldType::Text => (json!("1"), [json!(1), json!(true)]),
                FieldType::Flag => (json!(true), [json!("true"), json!(1)]),
                FieldType::Int => (json!(1), [json!("one"), json!(1.5)]),
            };
            let body = json!({ f.name: right });
            let read: Cashbill = serde_json::from_value(body.clone())
                .unwrap_or_else(|e| panic!("{} refuses its own type: {e}", f.name));
            assert_eq!(serde_json::to_value(&read).unwrap(), body, "{}", f.name);
            for w in wrong {
                assert!(
                    serde_json::from_value::<Cashbill>(json!({ f.name: w })).is_err(),
                    "{} takes {w}",
                    f.name
                );
            }
            let null: Cashbill = serde_json::from_value(json!({ f.name: Value::Null })).unwrap();
            assert_eq!(null, Cashbill::default(), "{}: null is absent", f.name);
        }
        assert_eq!(Cashbill::FIELD_NAMES.len(), Cashbill::FIELDS.len());
    }

    #[test]
    fn dotnet_nulls_and_cancel_type_zero_are_tolerated() {
        let c: Cashbill = serde_json::from_str(
            r#"{"cancelType":0,"confirmNum":null,"mgtKey":"A1","unknownField":1}"#,
        )
        .unwrap();
        assert_eq!(c.cancel_type, Some(0));
        assert_eq!(c.confirm_num, None);
    }

    #[test]
    fn debug_masks_identity_num() {
        let c = Cashbill {
            identity_num: Some("01012345678".into()),
            ..Default::default()
        };
        let printed = format!("{c:?}");
        assert!(!printed.contains("01012345678"), "{printed}");
        assert!(printed.contains("*******5678"));
    }
}
