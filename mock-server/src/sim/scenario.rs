//! Deterministic scenarios, like test card numbers, keyed on a receipt's `orderNumber`.
//!
//! | orderNumber                        | effect                                              |
//! |------------------------------------|-----------------------------------------------------|
//! | `SCENARIO:ISSUE_FAIL:<code>`       | issuance fails with `<code>` (a negative integer)   |
//! | `SCENARIO:NTS_FAIL:<code>`         | issued, then filing fails (305) with NTS `<code>`   |
//!
//! Anything else (including a malformed scenario) is an ordinary order number.

/// What a receipt's orderNumber asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    None,
    IssueFail(i64),
    NtsFail(String),
}

pub fn parse(order_number: Option<&str>) -> Scenario {
    let Some(rest) = order_number.and_then(|s| s.strip_prefix("SCENARIO:")) else {
        return Scenario::None;
    };
    if let Some(code) = rest.strip_prefix("ISSUE_FAIL:") {
        return match code.parse::<i64>() {
            Ok(c) if c < 0 => Scenario::IssueFail(c),
            _ => Scenario::None,
        };
    }
    if let Some(code) = rest.strip_prefix("NTS_FAIL:") {
        let ok = (1..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric());
        if ok && code != "0000" {
            return Scenario::NtsFail(code.to_owned());
        }
    }
    Scenario::None
}

/// The NTS result message for a result code (docs/PROTOCOL.md §5.3; others are generic).
pub fn nts_message(code: &str) -> String {
    match code {
        "0000" => "정상 처리되었습니다.".into(),
        "TS1" => "식별번호 오류".into(),
        "TS2" => "현금영수증카드번호 오류".into(),
        "TS3" => "국세청 발급제한 사업자".into(),
        "TS4" => "금액 오류".into(),
        "TS7" => "미등록 사업자".into(),
        other => format!("국세청 전송 실패 ({other})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_scenarios_parse_and_anything_else_is_plain() {
        assert_eq!(
            parse(Some("SCENARIO:ISSUE_FAIL:-14001031")),
            Scenario::IssueFail(-14001031)
        );
        assert_eq!(
            parse(Some("SCENARIO:NTS_FAIL:TS1")),
            Scenario::NtsFail("TS1".into())
        );
        for plain in [
            None,
            Some("주문번호"),
            Some("SCENARIO:ISSUE_FAIL:14001031"),
            Some("SCENARIO:ISSUE_FAIL:x"),
            Some("SCENARIO:NTS_FAIL:"),
            Some("SCENARIO:NTS_FAIL:0000"),
            Some("SCENARIO:NTS_FAIL:TS 1"),
            Some("scenario:ISSUE_FAIL:-1"),
        ] {
            assert_eq!(parse(plain), Scenario::None, "{plain:?}");
        }
    }
}
