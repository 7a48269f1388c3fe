//! Error answers: POPBiLL's `{"code","message"}` on a non-200 status, mapped in one `match`.
//!
//! Codes and messages are POPBiLL's, from its table (`popbill::codes`, embedded from
//! `docs/popbill-error-codes.json`); [`mock_codes`] are the few the mock had to choose itself.
//! The real server's statuses are unknown (docs/PROTOCOL.md §2.4: every SDK only checks
//! `!= 200`); the mock's choice is documented in its README.

use std::borrow::Cow;

use popbill::codes;
use popbill::wire::ErrorBody;

use super::request::ApiResponse;

/// Codes the mock had to choose because POPBiLL's table has none for the case ([INF], README).
/// None of them is a row of the table (a test checks).
pub mod mock_codes {
    /// SubmitID with characters outside `A-Z a-z 0-9 - _`.
    pub const SUBMIT_ID_INVALID: i64 = -14010019;
    /// GetInfos with more than 1000 keys.
    pub const GETINFOS_TOO_MANY_KEYS: i64 = -14010045;
    /// A path that is neither POPBiLL's nor the control API's.
    pub const ROUTE_NOT_FOUND: i64 = -99999404;
    /// A request body over the cap.
    pub const BODY_TOO_LARGE: i64 = -99999413;
    /// A real POPBiLL call that the mock does not simulate.
    pub const NOT_SIMULATED: i64 = -99999501;
    /// A control-API request the mock cannot act on.
    pub const CONTROL_BAD_REQUEST: i64 = -99999400;
    /// The default code of an injected `error` fault.
    pub const INJECTED_FAULT: i64 = -99999999;

    /// Every code above, by name.
    pub const ALL: &[(&str, i64)] = &[
        ("SUBMIT_ID_INVALID", SUBMIT_ID_INVALID),
        ("GETINFOS_TOO_MANY_KEYS", GETINFOS_TOO_MANY_KEYS),
        ("ROUTE_NOT_FOUND", ROUTE_NOT_FOUND),
        ("BODY_TOO_LARGE", BODY_TOO_LARGE),
        ("NOT_SIMULATED", NOT_SIMULATED),
        ("CONTROL_BAD_REQUEST", CONTROL_BAD_REQUEST),
        ("INJECTED_FAULT", INJECTED_FAULT),
    ];
}

/// One refused call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: i64,
    pub message: Cow<'static, str>,
}

/// The HTTP status for a code ([INF]: clients must rely on `code`, not the status).
pub fn status_for(code: i64) -> u16 {
    match code {
        codes::TOKEN_MISSING
        | codes::TOKEN_UNREADABLE
        | codes::SESSION_EXPIRED
        | codes::LH_DATE_MISSING
        | codes::LH_DATE_INVALID
        | codes::LH_DATE_SKEW
        | codes::LH_AUTH_MISSING
        | codes::LH_AUTH_FORMAT
        | codes::LH_BAD_SIGNATURE
        | codes::LH_UNKNOWN_LINK_ID => 401,
        codes::LH_NOT_A_MEMBER | codes::NO_API_PERMISSION => 403,
        codes::NOT_FOUND
        | codes::SUBMIT_ID_NOT_FOUND
        | codes::PRINT_KEY_NOT_FOUND
        | mock_codes::ROUTE_NOT_FOUND => 404,
        codes::SUBMIT_ID_IN_USE | codes::MGT_KEY_IN_USE | codes::DELETE_NOT_ALLOWED => 409,
        mock_codes::BODY_TOO_LARGE => 413,
        mock_codes::NOT_SIMULATED => 501,
        _ => 400,
    }
}

/// The message for a code: POPBiLL's Korean text from its table, or the mock's own for the
/// codes it chose.
pub fn message_for(code: i64) -> &'static str {
    match code {
        mock_codes::SUBMIT_ID_INVALID => {
            "제출아이디(SubmitID)는 영문, 숫자, '-', '_'만 입력할 수 있습니다."
        }
        mock_codes::GETINFOS_TOO_MANY_KEYS => {
            "문서번호 목록은 최대 1,000건까지 입력할 수 있습니다."
        }
        mock_codes::ROUTE_NOT_FOUND => "요청한 경로가 존재하지 않습니다. (mock: unknown path)",
        mock_codes::BODY_TOO_LARGE => "요청 본문이 너무 큽니다. (mock: body over the size cap)",
        mock_codes::NOT_SIMULATED => "mock: this POPBiLL call is not simulated",
        mock_codes::CONTROL_BAD_REQUEST => "mock: invalid control request",
        mock_codes::INJECTED_FAULT => "mock: injected fault",
        _ => codes::message_ko(code),
    }
}

impl ApiError {
    /// A code with its message ([`message_for`]).
    pub fn of(code: i64) -> Self {
        ApiError {
            status: status_for(code),
            code,
            message: Cow::Borrowed(message_for(code)),
        }
    }

    /// A code whose table message has a `%s` (e.g. -99010018 naming the parameter).
    pub fn naming(code: i64, detail: &str) -> Self {
        ApiError {
            status: status_for(code),
            code,
            message: Cow::Owned(codes::message_with(code, detail)),
        }
    }

    /// One of the mock's own codes with a message that says more (which call, which limit).
    pub fn mock(code: i64, message: impl Into<Cow<'static, str>>) -> Self {
        debug_assert!(
            mock_codes::ALL.iter().any(|(_, c)| *c == code),
            "{code} is POPBiLL's: its message is the table's"
        );
        ApiError {
            status: status_for(code),
            code,
            message: message.into(),
        }
    }

    pub fn response(&self) -> ApiResponse {
        ApiResponse::json(
            self.status,
            &ErrorBody::new(self.code, self.message.clone()),
            Some(self.code),
        )
    }
}

impl From<ApiError> for ApiResponse {
    fn from(e: ApiError) -> Self {
        e.response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_documented_classes() {
        assert_eq!(status_for(codes::TOKEN_MISSING), 401);
        assert_eq!(status_for(codes::SESSION_EXPIRED), 401);
        assert_eq!(status_for(codes::LH_NOT_A_MEMBER), 403);
        assert_eq!(status_for(codes::NOT_FOUND), 404);
        assert_eq!(status_for(codes::SUBMIT_ID_IN_USE), 409);
        assert_eq!(status_for(codes::TOO_MANY_CASHBILLS), 400);
        assert_eq!(status_for(mock_codes::BODY_TOO_LARGE), 413);
    }

    #[test]
    fn error_bodies_carry_code_and_korean_message() {
        let r = ApiError::of(codes::DIGEST_MISMATCH).response();
        assert_eq!(r.status, 400);
        let v = r.json_value();
        assert_eq!(v["code"], codes::DIGEST_MISMATCH);
        assert_eq!(
            v["message"],
            "유효하지 않은 메시지 변조방지 해시(Message Digest)입니다."
        );
    }

    #[test]
    fn the_mocks_own_codes_are_not_popbills() {
        for (name, code) in mock_codes::ALL {
            assert!(
                codes::table_message(*code).is_none(),
                "{name} ({code}) is in POPBiLL's table: use the table's meaning"
            );
            assert_ne!(message_for(*code), codes::GENERIC_MESSAGE, "{name}");
        }
    }
}
