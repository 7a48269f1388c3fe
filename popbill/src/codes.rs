//! POPBiLL and Linkhub error codes this project uses, and POPBiLL's messages for them.
//!
//! The messages come from POPBiLL's error table, embedded as it is in the repository
//! (`docs/popbill-error-codes.json`: cash-receipt and common codes with their exact Korean
//! messages, and a note on where the table comes from; docs/PROTOCOL.md §2.5 says which
//! situation each answers). Every constant here is a row of that table with the meaning its
//! name says, except the few listed in [`NOT_IN_TABLE`] (`tests/codes_table.rs` checks both).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// POPBiLL's error table as the repository holds it.
pub const TABLE_JSON: &str = include_str!("../../docs/popbill-error-codes.json");

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $value:expr;)*) => {
        $($(#[$doc])* pub const $name: i64 = $value;)*
        /// Every named code, by name (for the tests that hold them against the table).
        pub const ALL: &[(&str, i64)] = &[$((stringify!($name), $name)),*];
    };
}

codes! {
    /// Success, on every simple action and per issued receipt.
    OK = 1;

    // Bulk submission (whole request).
    BULK_EMPTY_BODY = -14010010;
    SUBMIT_ID_MISSING = -14010011;
    SUBMIT_ID_TOO_LONG = -14010012;
    DIGEST_MISSING = -14010013;
    DIGEST_MISMATCH = -14010014;
    BAD_JSON = -14010015;
    CASHBILLS_MISSING = -14010016;
    TOO_MANY_CASHBILLS = -14010017;
    DUPLICATE_MGT_KEY_IN_BATCH = -14010018;
    SUBMIT_ID_IN_USE = -14010021;
    SUBMIT_ID_NOT_FOUND = -14010022;
    BULK_MGT_KEY_MISSING = -14010023;
    BULK_TRADE_DT_FORMAT = -14010024;
    NULL_CASHBILL = -14010040;
    GETINFOS_KEYS_MISSING = -14010044;
    /// A request body that should be there is empty (e-mail, SMS).
    BODY_MISSING = -14010001;

    // Receipts.
    NOT_FOUND = -14000003;
    MGT_KEY_IN_USE = -14000004;
    FRANCHISE_CORP_NUM_MISSING = -14001001;
    FRANCHISE_CORP_NUM_INVALID = -14001002;
    IDENTITY_NUM_MISSING = -14001004;
    SERVICE_FEE_MISSING = -14001008;
    SERVICE_FEE_NEGATIVE = -14001009;
    SUPPLY_COST_MISSING = -14001010;
    SUPPLY_COST_NEGATIVE = -14001011;
    TAX_MISSING = -14001012;
    TAX_NEGATIVE = -14001013;
    TOTAL_AMOUNT_MISSING = -14001014;
    TOTAL_AMOUNT_NEGATIVE = -14001015;
    TRADE_TYPE_MISSING = -14001017;
    TRADE_USAGE_MISSING = -14001018;
    FRANCHISE_NOT_MEMBER = -14001025;
    MGT_KEY_INVALID = -14001026;
    AMOUNT_SUM_MISMATCH = -14001031;
    TAXATION_TYPE_MISSING = -14001034;
    AMOUNT_TOO_LARGE = -14001043;
    IDENTITY_NUM_NOT_DIGITS = -14001044;
    TAX_EXEMPT_WITH_TAX = -14001045;
    IDENTITY_NUM_TOO_LONG = -14001046;
    CORP_NAME_TOO_LONG = -14001047;
    CEO_NAME_TOO_LONG = -14001048;
    ADDR_TOO_LONG = -14001049;
    CUSTOMER_NAME_TOO_LONG = -14001050;
    ITEM_NAME_TOO_LONG = -14001051;
    ORDER_NUMBER_TOO_LONG = -14001052;
    EMAIL_TOO_LONG = -14001053;
    VOLUNTARY_NOT_DEDUCTION = -14001054;
    /// Search: SDate to EDate spans more than 6 months.
    SEARCH_RANGE_TOO_LONG = -14001066;
    TAX_REG_ID_INVALID = -14001071;
    TEL_TOO_LONG = -14001076;
    TAX_OVER_SUPPLY_COST = -14001090;
    /// Delete: only drafts and receipts whose filing failed (305) can be deleted.
    DELETE_NOT_ALLOWED = -14002004;
    TRADE_DT_FUTURE = -14002021;
    TRADE_DT_NOT_TODAY_OR_YESTERDAY = -14002022;
    EMAIL_RECEIVER_MISSING = -14005002;
    SMS_SENDER_MISSING = -14005003;
    SMS_RECEIVER_MISSING = -14005004;
    SMS_CONTENTS_MISSING = -14005005;
    EMAIL_TYPE_INVALID = -14010007;
    EMAIL_SEND_YN_MISSING = -14010008;
    /// A PDF of a draft or of a receipt whose filing failed.
    PDF_NOT_ALLOWED = -14010009;
    PRINT_KEYS_MISSING = -14010033;
    PRINT_TOO_MANY_KEYS = -14010034;
    PRINT_KEY_NOT_FOUND = -14010035;
    EMAIL_TYPE_MISSING = -14010043;
    CORP_NUM_FORMAT = -10001046;

    // Search parameters (common).
    SEARCH_DTYPE_MISSING = -10010011;
    SEARCH_DTYPE_INVALID = -10010012;
    SEARCH_SDATE_INVALID = -10010034;
    SEARCH_EDATE_INVALID = -10010035;
    SEARCH_SDATE_MISSING = -10010036;
    SEARCH_EDATE_MISSING = -10010037;
    /// A number-valued parameter that is not a valid number; the message names it (`[%s]`).
    NUMBER_INVALID = -99010018;
    /// A value that does not map to the field's type or enumeration (e.g. tradeOpt `기타`).
    INPUT_MAPPING = -99910010;
    /// An amount that is not a plain string of digits.
    AMOUNT_MAPPING = -99910011;
    /// A view-URL menu (`TG`) that does not exist.
    URL_TOGO_INVALID = -99002014;

    // Cancellation receipts (취소거래); rules in `validate::cancel` and the mock.
    /// 당초 승인 현금영수증이 존재하지 않습니다 (no original with that confirmNum and trade date).
    ORG_NOT_FOUND = -14001020;
    /// The original is not yet filed with the NTS (stateCode 300).
    ORG_NOT_FILED = -14001021;
    /// The cancellation's franchiseCorpNum is not the original's.
    ORG_CORP_NUM_MISMATCH = -14001022;
    /// The cancellation's supplyCost exceeds what is left of the original's.
    CANCEL_SUPPLY_COST_OVER = -14001023;
    /// The cancellation's identityNum is not the original's.
    CANCEL_IDENTITY_NUM_MISMATCH = -14001035;
    /// The cancellation's tax exceeds what is left of the original's.
    CANCEL_TAX_OVER = -14001036;
    /// The cancellation's serviceFee exceeds what is left of the original's.
    CANCEL_SERVICE_FEE_OVER = -14001037;
    /// One cancellation's totalAmount exceeds the original's totalAmount.
    CANCEL_TOTAL_OVER = -14001038;
    /// The cancellation's tradeUsage is not the original's.
    CANCEL_TRADE_USAGE_MISMATCH = -14001039;
    /// The cancellation's taxationType is not the original's.
    CANCEL_TAXATION_TYPE_MISMATCH = -14001040;
    /// The "original" is itself a cancellation.
    CANCEL_OF_CANCELLATION = -14001041;
    /// orgTradeDate missing.
    ORG_TRADE_DATE_MISSING = -14001056;
    /// orgConfirmNum missing.
    ORG_CONFIRM_NUM_MISSING = -14001057;
    /// cancelType other than 1, 2, 3.
    CANCEL_TYPE_INVALID = -14001058;
    /// The cancellations of one original, together, exceed its totalAmount.
    CANCEL_TOTALS_OVER = -14001065;
    /// orgConfirmNum that cannot be an NTS confirm number.
    ORG_CONFIRM_NUM_INVALID = -14001068;
    /// The original's filing failed (stateCode 305).
    ORG_FILING_FAILED = -14001069;
    /// The cancellation's trade time is before the original's.
    CANCEL_TRADE_DT_BEFORE_ORG = -14001074;
    /// orgTradeDate not `yyyyMMdd`.
    ORG_TRADE_DATE_FORMAT = -14001077;

    // Points.
    POINTS_INSUFFICIENT = -99005005;
    PARTNER_POINTS_INSUFFICIENT = -99005001;

    // Authentication.
    TOKEN_MISSING = -10000034;
    TOKEN_UNREADABLE = -10000033;
    SESSION_EXPIRED = -99000026;
    LH_BAD_REQUEST = -99010001;
    LH_DATE_MISSING = -99010002;
    LH_DATE_INVALID = -99010003;
    LH_DATE_SKEW = -99010004;
    LH_AUTH_MISSING = -99010005;
    LH_AUTH_FORMAT = -99010006;
    LH_BAD_SIGNATURE = -99010007;
    LH_UNKNOWN_LINK_ID = -99003004;
    LH_NOT_A_MEMBER = -99003008;
    NO_API_PERMISSION = -99910002;
    API_CONCURRENCY_LIMIT = -10010032;

    /// `-99999999`: the official SDKs' code for their own (client-side) failures; never sent by
    /// POPBiLL. The whole `-99999xxx` range is treated as "not POPBiLL's application speaking".
    CLIENT_SIDE = -99999999;
}

/// The named codes that are not rows of POPBiLL's table, and why.
pub const NOT_IN_TABLE: &[(i64, &str)] = &[
    (OK, "success, not an error"),
    (CLIENT_SIDE, "the SDKs' own client-side failures"),
];

/// The message for a code POPBiLL's table does not have.
pub const GENERIC_MESSAGE: &str = "오류가 발생하였습니다.";

/// One row of POPBiLL's table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Row {
    pub code: i64,
    /// `현금영수증` (cash receipt) or `공통` (common to every service).
    pub category: String,
    /// POPBiLL's exact Korean message (`%s` where it names a parameter).
    pub message: String,
}

#[derive(Deserialize)]
struct TableFile {
    #[serde(rename = "about")]
    _about: String,
    codes: Vec<Row>,
}

/// POPBiLL's table by code, parsed once from [`TABLE_JSON`].
pub fn table() -> &'static BTreeMap<i64, Row> {
    static TABLE: OnceLock<BTreeMap<i64, Row>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let file: TableFile =
            serde_json::from_str(TABLE_JSON).expect("the embedded error table is valid JSON");
        file.codes.into_iter().map(|r| (r.code, r)).collect()
    })
}

/// POPBiLL's message for `code`, if its table has one.
pub fn table_message(code: i64) -> Option<&'static str> {
    table().get(&code).map(|r| r.message.as_str())
}

/// POPBiLL's Korean message for a code; [`GENERIC_MESSAGE`] for codes its table lacks.
pub fn message_ko(code: i64) -> &'static str {
    table_message(code).unwrap_or(GENERIC_MESSAGE)
}

/// POPBiLL's message with its `%s` filled in (e.g. -99010018 `…[%s]` with a parameter name).
pub fn message_with(code: i64, detail: &str) -> String {
    message_ko(code).replacen("%s", detail, 1)
}

/// True for codes POPBiLL's application never sends (`-99999xxx`): proxies, gateways, faults.
pub fn is_not_from_popbill(code: i64) -> bool {
    (-99999999..=-99999000).contains(&code)
}

/// Codes that mean "your token is no good any more": refresh it once and retry.
pub fn is_session_error(code: i64) -> bool {
    matches!(
        code,
        SESSION_EXPIRED | TOKEN_UNREADABLE | -99000017 | -99000031 | -99910006
    )
}
