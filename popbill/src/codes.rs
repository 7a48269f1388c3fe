//! POPBiLL and Linkhub error codes this project uses (POPBILL-PROTOCOL.md §2.5).
//! Messages are POPBiLL's Korean texts.

/// Success, on every simple action and per issued receipt.
pub const OK: i64 = 1;

// Bulk submission (whole request).
pub const BULK_EMPTY_BODY: i64 = -14010010;
pub const SUBMIT_ID_MISSING: i64 = -14010011;
pub const SUBMIT_ID_TOO_LONG: i64 = -14010012;
pub const DIGEST_MISSING: i64 = -14010013;
pub const DIGEST_MISMATCH: i64 = -14010014;
pub const BAD_JSON: i64 = -14010015;
pub const CASHBILLS_MISSING: i64 = -14010016;
pub const TOO_MANY_CASHBILLS: i64 = -14010017;
pub const DUPLICATE_MGT_KEY_IN_BATCH: i64 = -14010018;
pub const SUBMIT_ID_IN_USE: i64 = -14010021;
pub const SUBMIT_ID_NOT_FOUND: i64 = -14010022;
pub const BULK_MGT_KEY_MISSING: i64 = -14010023;
pub const BULK_TRADE_DT_FORMAT: i64 = -14010024;
pub const NULL_CASHBILL: i64 = -14010040;
pub const GETINFOS_KEYS_MISSING: i64 = -14010044;

// Receipts.
pub const NOT_FOUND: i64 = -14000003;
pub const MGT_KEY_IN_USE: i64 = -14000004;
pub const FRANCHISE_CORP_NUM_MISSING: i64 = -14001001;
pub const FRANCHISE_CORP_NUM_INVALID: i64 = -14001002;
pub const IDENTITY_NUM_MISSING: i64 = -14001004;
pub const SUPPLY_COST_NEGATIVE: i64 = -14001009;
pub const TAX_NEGATIVE: i64 = -14001011;
pub const SERVICE_FEE_NEGATIVE: i64 = -14001013;
pub const TOTAL_AMOUNT_NEGATIVE: i64 = -14001015;
pub const TRADE_TYPE_MISSING: i64 = -14001017;
pub const TRADE_USAGE_MISSING: i64 = -14001018;
pub const FRANCHISE_NOT_MEMBER: i64 = -14001025;
pub const MGT_KEY_INVALID: i64 = -14001026;
pub const AMOUNT_SUM_MISMATCH: i64 = -14001031;
pub const TAXATION_TYPE_MISSING: i64 = -14001034;
pub const AMOUNT_TOO_LARGE: i64 = -14001043;
pub const IDENTITY_NUM_NOT_DIGITS: i64 = -14001044;
pub const TAX_EXEMPT_WITH_TAX: i64 = -14001045;
pub const IDENTITY_NUM_TOO_LONG: i64 = -14001046;
pub const CORP_NAME_TOO_LONG: i64 = -14001047;
pub const CEO_NAME_TOO_LONG: i64 = -14001048;
pub const ADDR_TOO_LONG: i64 = -14001049;
pub const CUSTOMER_NAME_TOO_LONG: i64 = -14001050;
pub const ITEM_NAME_TOO_LONG: i64 = -14001051;
pub const ORDER_NUMBER_TOO_LONG: i64 = -14001052;
pub const EMAIL_TOO_LONG: i64 = -14001053;
pub const VOLUNTARY_NOT_DEDUCTION: i64 = -14001054;
pub const TAX_REG_ID_INVALID: i64 = -14001071;
pub const TEL_TOO_LONG: i64 = -14001076;
pub const TAX_OVER_SUPPLY_COST: i64 = -14001090;
pub const TRADE_DT_FUTURE: i64 = -14002021;
pub const TRADE_DT_NOT_TODAY_OR_YESTERDAY: i64 = -14002022;
pub const CORP_NUM_FORMAT: i64 = -10001046;

// Authentication.
pub const TOKEN_MISSING: i64 = -10000034;
pub const TOKEN_UNREADABLE: i64 = -10000033;
pub const SESSION_EXPIRED: i64 = -99000026;
pub const LH_DATE_MISSING: i64 = -99010002;
pub const LH_DATE_INVALID: i64 = -99010003;
pub const LH_DATE_SKEW: i64 = -99010004;
pub const LH_AUTH_MISSING: i64 = -99010005;
pub const LH_AUTH_FORMAT: i64 = -99010006;
pub const LH_BAD_SIGNATURE: i64 = -99010007;
pub const LH_UNKNOWN_LINK_ID: i64 = -99003004;
pub const LH_NOT_A_MEMBER: i64 = -99003008;
pub const NO_API_PERMISSION: i64 = -99910002;
pub const API_CONCURRENCY_LIMIT: i64 = -10010032;

/// `-99999999`: the official SDKs' code for their own (client-side) failures; never sent by
/// POPBiLL. The whole `-99999xxx` range is treated as "not POPBiLL's application speaking".
pub const CLIENT_SIDE: i64 = -99999999;

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

/// POPBiLL's Korean message for a code this crate knows.
pub fn message_ko(code: i64) -> &'static str {
    match code {
        BULK_EMPTY_BODY => "대량발행 요청 전문의 내용이 입력되지 않았습니다.",
        SUBMIT_ID_MISSING => "제출아이디가 입력되지 않았습니다.",
        SUBMIT_ID_TOO_LONG => "제출아이디(SubmitID)는 36자를 초과할 수 없습니다.",
        DIGEST_MISSING => "메시지 변조방지 해시(Message Digest)가 입력되지 않았습니다.",
        DIGEST_MISMATCH => "유효하지 않은 메시지 변조방지 해시(Message Digest)입니다.",
        BAD_JSON => "유효하지 않은 메시지 포맷(JSON)입니다.",
        CASHBILLS_MISSING => "현금영수증 목록이 입력되지 않았습니다.",
        TOO_MANY_CASHBILLS => "1회 최대 100건을 초과하여 접수할 수 없습니다.",
        DUPLICATE_MGT_KEY_IN_BATCH => "동일한 문서번호(MgtKey)가 현금영수증 배열에 존재합니다.",
        SUBMIT_ID_IN_USE => "사용중인 제출아이디(SubmitID)입니다.",
        SUBMIT_ID_NOT_FOUND => "제출아이디(SubmitID)와 일치하는 정보가 존재하지 않습니다.",
        BULK_MGT_KEY_MISSING => "현금영수증 문서번호(MgtKey)가 입력되지 않았습니다.",
        BULK_TRADE_DT_FORMAT => "거래일시 형식이 유효하지 않습니다.",
        NULL_CASHBILL => "현금영수증 객체정보 목록에 유효하지 않는 값[null]이 포함되어 있습니다.",
        GETINFOS_KEYS_MISSING => "문서번호 목록이 입력되지 않았습니다.",
        NOT_FOUND => "조회한 문서번호(MgtKey)의 현금영수증이 존재하지 않습니다.",
        MGT_KEY_IN_USE => "동일한 문서번호(MgtKey)의 현금영수증이 존재합니다.",
        FRANCHISE_CORP_NUM_MISSING => "가맹점 사업자번호가 입력되지 않았습니다.",
        FRANCHISE_CORP_NUM_INVALID => "가맹점 사업자번호가 유효하지 않습니다.",
        IDENTITY_NUM_MISSING => "식별번호가 입력되지 않았습니다.",
        SUPPLY_COST_NEGATIVE => "공급가액은 마이너스 금액을 입력할 수 없습니다.",
        TAX_NEGATIVE => "부가세는 마이너스 금액을 입력할 수 없습니다.",
        SERVICE_FEE_NEGATIVE => "봉사료는 마이너스 금액을 입력할 수 없습니다.",
        TOTAL_AMOUNT_NEGATIVE => "거래금액은 마이너스 금액을 입력할 수 없습니다.",
        TRADE_TYPE_MISSING => "문서형태가 입력되지 않았습니다.",
        TRADE_USAGE_MISSING => "거래구분이 입력되지 않았습니다.",
        FRANCHISE_NOT_MEMBER => "회원과 가맹점의 사업자번호가 일치하지 않습니다.",
        MGT_KEY_INVALID => "문서번호가 유효하지 않습니다.",
        AMOUNT_SUM_MISMATCH => "공급가액, 부가세, 봉사료의 합계가 거래금액과 일치하지 않습니다.",
        TAXATION_TYPE_MISSING => "과세형태가 입력되지 않았습니다.",
        AMOUNT_TOO_LARGE => "거래금액은 999,999,999원을 초과할 수 없습니다.",
        IDENTITY_NUM_NOT_DIGITS => "식별번호는 숫자만 입력할 수 있습니다.",
        TAX_EXEMPT_WITH_TAX => "비과세 현금영수증 부가세는 '0'만 입력 가능합니다.",
        IDENTITY_NUM_TOO_LONG => "식별번호는 최대 20자리까지 입력할 수 있습니다.",
        CORP_NAME_TOO_LONG => "가맹점 상호는 최대 200자까지 입력할 수 있습니다.",
        CEO_NAME_TOO_LONG => "가맹점 대표자 성명은 최대 100자까지 입력할 수 있습니다.",
        ADDR_TOO_LONG => "가맹점 주소는 최대 400자까지 입력할 수 있습니다.",
        CUSTOMER_NAME_TOO_LONG => "구매자 성명은 최대 70자까지 입력할 수 있습니다.",
        ITEM_NAME_TOO_LONG => "주문상품명은 최대 70자까지 입력할 수 있습니다.",
        ORDER_NUMBER_TOO_LONG => "주문번호는 최대 200자까지 입력할 수 있습니다.",
        EMAIL_TOO_LONG => "이메일은 최대 100자까지 입력할 수 있습니다.",
        VOLUNTARY_NOT_DEDUCTION => "자진발급 현금영수증은 소득공제 용도로만 발행할 수 있습니다.",
        TAX_REG_ID_INVALID => "가맹점 종사업장번호는 4자리 숫자만 입력 가능합니다.",
        TEL_TOO_LONG => "가맹점 전화번호는 최대 20자까지 입력할 수 있습니다.",
        TAX_OVER_SUPPLY_COST => "부가세는 공급가액을 초과할 수 없습니다.",
        TRADE_DT_FUTURE => "거래일시는 미래일시를 입력할 수 없습니다.",
        TRADE_DT_NOT_TODAY_OR_YESTERDAY => "거래일시는 당일 또는 전일만 가능합니다.",
        CORP_NUM_FORMAT => "사업자번호는 10자리 숫자만 입력할 수 있습니다.",
        TOKEN_MISSING => "인증정보가 입력되지 않았습니다.",
        TOKEN_UNREADABLE => "토큰 해석에 실패 하였습니다.",
        SESSION_EXPIRED => "세션이 만료되었습니다.",
        LH_DATE_MISSING => "요청 일시가 입력되지 않았습니다.",
        LH_DATE_INVALID => "요청 일시가 유효하지 않습니다.",
        LH_DATE_SKEW => "요청시간이 유효하지 않습니다.",
        LH_AUTH_MISSING => "권한 정보가 입력되지 않았습니다.",
        LH_AUTH_FORMAT => "권한 정보의 형식이 유효하지 않습니다.",
        LH_BAD_SIGNATURE => "권한 정보의 서명이 일치하지 않습니다.",
        LH_UNKNOWN_LINK_ID => "링크아이디가 존재하지 않습니다.",
        LH_NOT_A_MEMBER => "연동회원으로 가입된 사업자 번호가 존재하지 않습니다.",
        NO_API_PERMISSION => "호출한 API 상품에 이용 권한이 부여되지 않아 사용이 제한됩니다.",
        API_CONCURRENCY_LIMIT => "API 동시호출 한도를 초과 하였습니다.",
        _ => cancellation_message_ko(code).unwrap_or("오류가 발생하였습니다."),
    }
}

// [INF] codes: POPBiLL's table has no row for these cases; this project chose them (README).
/// An amount that is missing or not a plain string of digits.
pub const AMOUNT_INVALID: i64 = -14001030;
/// tradeOpt outside 일반 / 도서공연 / 대중교통.
pub const TRADE_OPT_INVALID: i64 = -14001080;
/// GetInfos with more than 1000 keys.
pub const GETINFOS_TOO_MANY_KEYS: i64 = -14010045;

// Cancellation receipts (취소거래): codes and messages exactly as in POPBiLL's error table
// (docs/popbill-error-codes.json once copied into the repository). Rules: `validate::cancel`.
/// 당초 승인 현금영수증이 존재하지 않습니다 (no original with that confirmNum and trade date).
pub const ORG_NOT_FOUND: i64 = -14001020;
/// The original is not yet filed with the NTS (stateCode 300).
pub const ORG_NOT_FILED: i64 = -14001021;
/// The cancellation's franchiseCorpNum is not the original's.
pub const ORG_CORP_NUM_MISMATCH: i64 = -14001022;
/// The cancellation's supplyCost exceeds what is left of the original's.
pub const CANCEL_SUPPLY_COST_OVER: i64 = -14001023;
/// The cancellation's identityNum is not the original's.
pub const CANCEL_IDENTITY_NUM_MISMATCH: i64 = -14001035;
/// The cancellation's tax exceeds what is left of the original's.
pub const CANCEL_TAX_OVER: i64 = -14001036;
/// The cancellation's serviceFee exceeds what is left of the original's.
pub const CANCEL_SERVICE_FEE_OVER: i64 = -14001037;
/// One cancellation's totalAmount exceeds the original's totalAmount.
pub const CANCEL_TOTAL_OVER: i64 = -14001038;
/// The cancellation's tradeUsage is not the original's.
pub const CANCEL_TRADE_USAGE_MISMATCH: i64 = -14001039;
/// The cancellation's taxationType is not the original's.
pub const CANCEL_TAXATION_TYPE_MISMATCH: i64 = -14001040;
/// The "original" is itself a cancellation.
pub const CANCEL_OF_CANCELLATION: i64 = -14001041;
/// orgTradeDate missing.
pub const ORG_TRADE_DATE_MISSING: i64 = -14001056;
/// orgConfirmNum missing.
pub const ORG_CONFIRM_NUM_MISSING: i64 = -14001057;
/// cancelType other than 1, 2, 3.
pub const CANCEL_TYPE_INVALID: i64 = -14001058;
/// The cancellations of one original, together, exceed its totalAmount.
pub const CANCEL_TOTALS_OVER: i64 = -14001065;
/// orgConfirmNum that cannot be an NTS confirm number.
pub const ORG_CONFIRM_NUM_INVALID: i64 = -14001068;
/// The original's filing failed (stateCode 305).
pub const ORG_FILING_FAILED: i64 = -14001069;
/// The cancellation's trade time is before the original's.
pub const CANCEL_TRADE_DT_BEFORE_ORG: i64 = -14001074;
/// orgTradeDate not `yyyyMMdd`.
pub const ORG_TRADE_DATE_FORMAT: i64 = -14001077;

/// POPBiLL's message for a cancellation code, verbatim from its error table.
pub fn cancellation_message_ko(code: i64) -> Option<&'static str> {
    Some(match code {
        ORG_NOT_FOUND => "당초 승인 현금영수증이 존재하지 않습니다.",
        ORG_NOT_FILED => {
            "원본 현금영수증 국세청 전송이 완료되지 않아 취소 현금영수증을 발행할 수 없습니다."
        }
        ORG_CORP_NUM_MISMATCH => {
            "당초 승인 현금영수증과 취소 현금영수증의 가맹점 사업자번호가 일치하지 않습니다."
        }
        CANCEL_SUPPLY_COST_OVER => {
            "취소 현금영수증 공급가액은 당초 승인 현금영수증 공급가액을 초과할 수 없습니다."
        }
        CANCEL_IDENTITY_NUM_MISMATCH => "취소 현금영수증 식별번호가 원본과 일치하지 않습니다.",
        CANCEL_TAX_OVER => {
            "취소 현금영수증 부가세는 당초 승인 현금영수증 부가세를 초과할 수 없습니다."
        }
        CANCEL_SERVICE_FEE_OVER => {
            "취소 현금영수증 봉사료는 당초 승인 현금영수증 봉사료를 초과할 수 없습니다."
        }
        CANCEL_TOTAL_OVER => {
            "취소 현금영수증 거래금액은 당초 승인 현금영수증 거래금액을 초과할 수 없습니다."
        }
        CANCEL_TRADE_USAGE_MISMATCH => {
            "취소 현금영수증과 당초 승인 현금영수증의 거래구분(TradeType)이 일치하지 않습니다."
        }
        CANCEL_TAXATION_TYPE_MISMATCH => {
            "취소 현금영수증과 당초 승인 현금영수증의 과세형태(TaxationType)가 일치하지 않습니다."
        }
        CANCEL_OF_CANCELLATION => "당초 승인 현금영수증만 취소 현금영수증을 발행할 수 있습니다.",
        ORG_TRADE_DATE_MISSING => "당초 승인 현금영수증 거래일자가 입력되지 않았습니다.",
        ORG_CONFIRM_NUM_MISSING => "당초 승인 현금영수증 국세청 승인번호가 입력되지 않았습니다.",
        CANCEL_TYPE_INVALID => "유효하지않은 취소사유(CancelType)입니다.",
        CANCEL_TOTALS_OVER => {
            "취소 현금영수증의 거래금액 합계는 당초 승인 현금영수증 거래금액을 초과할 수 없습니다."
        }
        ORG_CONFIRM_NUM_INVALID => "당초 승인 현금영수증 국세청 승인번호가 유효하지 않습니다.",
        ORG_FILING_FAILED => "전송실패 상태의 현금영수증은 취소 현금영수증을 발행할 수 없습니다.",
        CANCEL_TRADE_DT_BEFORE_ORG => {
            "취소 현금영수증 거래일시는 당초 승인 현금영수증 거래일시보다 과거로 발행할 수 없습니다."
        }
        ORG_TRADE_DATE_FORMAT => "당초 승인 현금영수증 거래일시 형식이 유효하지 않습니다.",
        _ => return None,
    })
}
