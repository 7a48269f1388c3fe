//! Error answers: POPBiLL's `{"code","message"}` on a non-200 status, mapped in one `match`.
//!
//! The real server's statuses are unknown (docs/PROTOCOL.md §2.4, every SDK only checks
//! `!= 200`); the mock's choice is documented in its README.

use std::borrow::Cow;

use popbill::codes;
use popbill::wire::ErrorBody;

use super::request::ApiResponse;

/// Codes the mock had to choose because POPBiLL documents none for the case ([INF], README).
pub mod mock_codes {
    /// SubmitID with characters outside `A-Z a-z 0-9 - _`.
    pub const SUBMIT_ID_INVALID: i64 = -14010019;
    /// Token request body that is not `{"access_id":…,"scope":[…]}`.
    pub const LH_BAD_REQUEST: i64 = -99010001;
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
}

/// One refused call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: i64,
    pub message: Cow<'static, str>,
}

/// The HTTP status for a POPBiLL code ([INF]: clients must rely on `code`, not the status).
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
        codes::NOT_FOUND | codes::SUBMIT_ID_NOT_FOUND | mock_codes::ROUTE_NOT_FOUND => 404,
        codes::SUBMIT_ID_IN_USE | codes::MGT_KEY_IN_USE => 409,
        mock_codes::BODY_TOO_LARGE => 413,
        mock_codes::NOT_SIMULATED => 501,
        _ => 400,
    }
}

/// The message for a code: POPBiLL's Korean text, or the mock's own for its [INF] codes.
pub fn message_for(code: i64) -> &'static str {
    match code {
        mock_codes::SUBMIT_ID_INVALID => {
            "제출아이디(SubmitID)는 영문, 숫자, '-', '_'만 입력할 수 있습니다."
        }
        mock_codes::LH_BAD_REQUEST => "토큰 요청 정보가 유효하지 않습니다.",
        mock_codes::ROUTE_NOT_FOUND => "요청한 경로가 존재하지 않습니다. (mock: unknown path)",
        mock_codes::BODY_TOO_LARGE => "요청 본문이 너무 큽니다. (mock: body over the size cap)",
        mock_codes::NOT_SIMULATED => "mock: this POPBiLL call is not simulated",
        _ => codes::message_ko(code),
    }
}

impl ApiError {
    pub fn of(code: i64) -> Self {
        ApiError {
            status: status_for(code),
            code,
            message: Cow::Borrowed(message_for(code)),
        }
    }

    pub fn with_message(code: i64, message: impl Into<Cow<'static, str>>) -> Self {
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
}
