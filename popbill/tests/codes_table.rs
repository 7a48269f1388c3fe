//! `popbill::codes` against POPBiLL's own table (`docs/popbill-error-codes.json`): every named
//! code is a row of the table whose message says what the name says, and the messages the
//! crate hands out are the table's, exactly.

use popbill::codes;

/// What each constant's table message must say (fragments of POPBiLL's Korean text). A code
/// attached to the wrong condition (a "negative supply cost" code that the table says is about
/// the service fee) fails here.
const MEANINGS: &[(&str, &[&str])] = &[
    ("BULK_EMPTY_BODY", &["대량발행", "입력되지 않았습니다"]),
    ("SUBMIT_ID_MISSING", &["제출아이디", "입력되지 않았습니다"]),
    ("SUBMIT_ID_TOO_LONG", &["SubmitID", "36자"]),
    ("DIGEST_MISSING", &["Message Digest", "입력되지 않았습니다"]),
    ("DIGEST_MISMATCH", &["유효하지 않은", "Message Digest"]),
    ("BAD_JSON", &["JSON"]),
    (
        "CASHBILLS_MISSING",
        &["현금영수증 목록", "입력되지 않았습니다"],
    ),
    ("TOO_MANY_CASHBILLS", &["100건"]),
    ("DUPLICATE_MGT_KEY_IN_BATCH", &["동일한 문서번호", "배열"]),
    ("SUBMIT_ID_IN_USE", &["사용중인 제출아이디"]),
    ("SUBMIT_ID_NOT_FOUND", &["제출아이디", "존재하지 않습니다"]),
    ("BULK_MGT_KEY_MISSING", &["문서번호", "입력되지 않았습니다"]),
    ("BULK_TRADE_DT_FORMAT", &["거래일시 형식"]),
    ("NULL_CASHBILL", &["null"]),
    (
        "GETINFOS_KEYS_MISSING",
        &["문서번호 목록", "입력되지 않았습니다"],
    ),
    ("BODY_MISSING", &["Request Body", "입력되지 않았습니다"]),
    ("NOT_FOUND", &["조회한 문서번호", "존재하지 않습니다"]),
    ("MGT_KEY_IN_USE", &["동일한 문서번호", "존재합니다"]),
    (
        "FRANCHISE_CORP_NUM_MISSING",
        &["가맹점 사업자번호", "입력되지 않았습니다"],
    ),
    (
        "FRANCHISE_CORP_NUM_INVALID",
        &["가맹점 사업자번호", "유효하지 않습니다"],
    ),
    ("IDENTITY_NUM_MISSING", &["식별번호", "입력되지 않았습니다"]),
    ("SERVICE_FEE_MISSING", &["봉사료", "입력되지 않았습니다"]),
    ("SERVICE_FEE_NEGATIVE", &["봉사료", "마이너스"]),
    ("SUPPLY_COST_MISSING", &["공급가액", "입력되지 않았습니다"]),
    ("SUPPLY_COST_NEGATIVE", &["공급가액", "마이너스"]),
    ("TAX_MISSING", &["부가세", "입력되지 않았습니다"]),
    ("TAX_NEGATIVE", &["부가세", "마이너스"]),
    ("TOTAL_AMOUNT_MISSING", &["거래금액", "입력되지 않았습니다"]),
    ("TOTAL_AMOUNT_NEGATIVE", &["거래금액", "마이너스"]),
    ("TRADE_TYPE_MISSING", &["문서형태", "승인거래"]),
    ("TRADE_USAGE_MISSING", &["거래구분", "소득공제용"]),
    (
        "FRANCHISE_NOT_MEMBER",
        &["회원과 가맹점", "일치하지 않습니다"],
    ),
    ("MGT_KEY_INVALID", &["문서번호가 유효하지 않습니다"]),
    ("AMOUNT_SUM_MISMATCH", &["합계", "일치하지 않습니다"]),
    (
        "TAXATION_TYPE_MISSING",
        &["과세형태", "입력되지 않았습니다"],
    ),
    ("AMOUNT_TOO_LARGE", &["999,999,999"]),
    ("IDENTITY_NUM_NOT_DIGITS", &["식별번호", "숫자만"]),
    ("TAX_EXEMPT_WITH_TAX", &["비과세", "'0'"]),
    ("IDENTITY_NUM_TOO_LONG", &["식별번호", "20자"]),
    ("CORP_NAME_TOO_LONG", &["가맹점 상호", "200자"]),
    ("CEO_NAME_TOO_LONG", &["대표자명", "100자"]),
    ("ADDR_TOO_LONG", &["가맹점 주소", "400자"]),
    ("CUSTOMER_NAME_TOO_LONG", &["구매자명", "70자"]),
    ("ITEM_NAME_TOO_LONG", &["주문상품명", "70자"]),
    ("ORDER_NUMBER_TOO_LONG", &["주문번호", "200자"]),
    ("EMAIL_TOO_LONG", &["이메일", "100자"]),
    ("VOLUNTARY_NOT_DEDUCTION", &["자진발급", "소득공제"]),
    ("SEARCH_RANGE_TOO_LONG", &["조회기간", "6개월"]),
    ("ORG_NOT_FOUND", &["당초 승인", "존재하지 않습니다"]),
    ("ORG_NOT_FILED", &["국세청 전송이 완료되지 않아"]),
    (
        "ORG_CORP_NUM_MISMATCH",
        &["가맹점 사업자번호가 일치하지 않습니다"],
    ),
    ("CANCEL_SUPPLY_COST_OVER", &["취소", "공급가액", "초과"]),
    (
        "CANCEL_IDENTITY_NUM_MISMATCH",
        &["취소", "식별번호", "일치하지"],
    ),
    ("CANCEL_TAX_OVER", &["취소", "부가세", "초과"]),
    ("CANCEL_SERVICE_FEE_OVER", &["취소", "봉사료", "초과"]),
    ("CANCEL_TOTAL_OVER", &["취소 현금영수증 거래금액", "초과"]),
    ("CANCEL_TRADE_USAGE_MISMATCH", &["거래구분", "일치하지"]),
    ("CANCEL_TAXATION_TYPE_MISMATCH", &["과세형태", "일치하지"]),
    ("CANCEL_OF_CANCELLATION", &["당초 승인 현금영수증만"]),
    (
        "ORG_TRADE_DATE_MISSING",
        &["당초 승인", "거래일자", "입력되지"],
    ),
    (
        "ORG_CONFIRM_NUM_MISSING",
        &["당초 승인", "승인번호", "입력되지"],
    ),
    ("CANCEL_TYPE_INVALID", &["취소사유"]),
    ("CANCEL_TOTALS_OVER", &["거래금액 합계"]),
    (
        "ORG_CONFIRM_NUM_INVALID",
        &["당초 승인", "승인번호가 유효하지"],
    ),
    ("ORG_FILING_FAILED", &["전송실패", "취소 현금영수증"]),
    ("CANCEL_TRADE_DT_BEFORE_ORG", &["취소", "거래일시", "과거"]),
    ("ORG_TRADE_DATE_FORMAT", &["당초 승인", "형식"]),
    ("TAX_REG_ID_INVALID", &["종사업장번호", "4자리"]),
    ("TEL_TOO_LONG", &["전화번호", "20자"]),
    ("TAX_OVER_SUPPLY_COST", &["부가세는 공급가액을 초과"]),
    ("DELETE_NOT_ALLOWED", &["전송실패", "삭제"]),
    ("TRADE_DT_FUTURE", &["거래일시", "미래"]),
    ("TRADE_DT_NOT_TODAY_OR_YESTERDAY", &["당일 또는 전일"]),
    ("EMAIL_RECEIVER_MISSING", &["이메일이 입력되지 않았습니다"]),
    ("SMS_SENDER_MISSING", &["발신번호", "입력되지 않았습니다"]),
    ("SMS_RECEIVER_MISSING", &["수신번호", "입력되지 않았습니다"]),
    (
        "SMS_CONTENTS_MISSING",
        &["메시지 내용", "입력되지 않았습니다"],
    ),
    (
        "EMAIL_TYPE_INVALID",
        &["메일 전송 유형", "유효하지 않습니다"],
    ),
    (
        "EMAIL_SEND_YN_MISSING",
        &["메일 전송여부", "입력되지 않았습니다"],
    ),
    ("PDF_NOT_ALLOWED", &["전송실패", "PDF"]),
    ("PRINT_KEYS_MISSING", &["인쇄할", "입력되지 않았습니다"]),
    ("PRINT_TOO_MANY_KEYS", &["인쇄할", "100개"]),
    (
        "PRINT_KEY_NOT_FOUND",
        &["문서번호의 현금영수증이 존재하지 않습니다"],
    ),
    (
        "EMAIL_TYPE_MISSING",
        &["메일 전송 유형", "입력되지 않았습니다"],
    ),
    ("CORP_NUM_FORMAT", &["사업자번호", "10자리"]),
    (
        "SEARCH_DTYPE_MISSING",
        &["검색일자 유형", "입력되지 않았습니다"],
    ),
    (
        "SEARCH_DTYPE_INVALID",
        &["검색일자 유형", "유효하지 않습니다"],
    ),
    ("SEARCH_SDATE_INVALID", &["시작일자", "유효하지 않습니다"]),
    ("SEARCH_EDATE_INVALID", &["종료일자", "유효하지 않습니다"]),
    ("SEARCH_SDATE_MISSING", &["시작일자", "입력되지 않았습니다"]),
    ("SEARCH_EDATE_MISSING", &["종료일자", "입력되지 않았습니다"]),
    ("NUMBER_INVALID", &["숫자형식", "%s"]),
    ("INPUT_MAPPING", &["입력값 매핑"]),
    ("AMOUNT_MAPPING", &["금액 타입 매핑"]),
    ("URL_TOGO_INVALID", &["TOGO"]),
    ("POINTS_INSUFFICIENT", &["잔여포인트가 부족"]),
    ("PARTNER_POINTS_INSUFFICIENT", &["파트너 잔여포인트"]),
    ("TOKEN_MISSING", &["인증정보", "입력되지 않았습니다"]),
    ("TOKEN_UNREADABLE", &["토큰 해석"]),
    ("SESSION_EXPIRED", &["세션이 만료"]),
    ("LH_BAD_REQUEST", &["요청형식"]),
    ("LH_DATE_MISSING", &["요청 일시", "입력되지 않았습니다"]),
    ("LH_DATE_INVALID", &["요청 일시", "유효하지 않습니다"]),
    ("LH_DATE_SKEW", &["요청시간"]),
    ("LH_AUTH_MISSING", &["권한 정보가 없습니다"]),
    ("LH_AUTH_FORMAT", &["권한 정보를 확인"]),
    ("LH_BAD_SIGNATURE", &["서명이 일치하지 않습니다"]),
    ("LH_UNKNOWN_LINK_ID", &["링크아이디가 존재하지 않습니다"]),
    ("LH_NOT_A_MEMBER", &["연동회원", "사업자 번호"]),
    ("NO_API_PERMISSION", &["이용 권한"]),
    ("API_CONCURRENCY_LIMIT", &["동시호출"]),
];

#[test]
fn the_embedded_table_is_popbills_with_its_source_note() {
    let raw: serde_json::Value = serde_json::from_str(codes::TABLE_JSON).unwrap();
    assert!(
        raw["about"]
            .as_str()
            .is_some_and(|a| a.contains("official")),
        "the table keeps its note on where it comes from"
    );
    let rows = raw["codes"].as_array().unwrap();
    assert_eq!(codes::table().len(), rows.len(), "no code appears twice");
    assert!(rows.len() > 300, "{} rows", rows.len());
    for r in rows {
        let code = r["code"].as_i64().unwrap();
        assert_eq!(codes::message_ko(code), r["message"].as_str().unwrap());
        assert!(["현금영수증", "공통"].contains(&r["category"].as_str().unwrap()));
    }
}

#[test]
fn every_named_code_is_a_table_row_that_means_what_its_name_says() {
    let exempt: Vec<i64> = codes::NOT_IN_TABLE.iter().map(|(c, _)| *c).collect();
    let mut failures = Vec::new();
    for (name, code) in codes::ALL {
        if exempt.contains(code) {
            assert!(
                codes::table_message(*code).is_none(),
                "{name} is in the table"
            );
            continue;
        }
        let Some(message) = codes::table_message(*code) else {
            failures.push(format!("{name} ({code}) is not in POPBiLL's table"));
            continue;
        };
        let Some((_, words)) = MEANINGS.iter().find(|(n, _)| n == name) else {
            failures.push(format!(
                "{name} ({code}) has no expected meaning in this test"
            ));
            continue;
        };
        for w in *words {
            if !message.contains(w) {
                failures.push(format!("{name} ({code}): {message:?} does not say {w:?}"));
            }
        }
        assert_eq!(codes::message_ko(*code), message, "{name}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for (name, _) in MEANINGS {
        assert!(
            codes::ALL.iter().any(|(n, _)| n == name),
            "{name} is listed here but is not a constant"
        );
    }
}

#[test]
fn codes_outside_the_table_get_the_generic_message_and_placeholders_are_filled() {
    assert_eq!(codes::message_ko(-14001030), codes::GENERIC_MESSAGE);
    assert_eq!(
        codes::message_with(codes::NUMBER_INVALID, "PerPage"),
        "숫자형식 입력값이 올바르지 않습니다.[PerPage]"
    );
    assert_eq!(
        codes::message_with(codes::NOT_FOUND, "x"),
        codes::message_ko(codes::NOT_FOUND)
    );
}
