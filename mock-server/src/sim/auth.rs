//! Linkhub token issuance (`POST /{ServiceID}/Token`) and the bearer check of POPBiLL calls.
//!
//! The signature covers the raw body bytes (docs/PROTOCOL.md §1.3); `x-lh-date` must be within
//! the configured skew of the simulated clock; tokens expire on the simulated clock.

use std::collections::HashMap;

use popbill::codes;
use popbill::wire::{TokenRequest, TokenResponse};

use super::Sim;
use super::error::{ApiError, mock_codes};
use super::request::{ApiRequest, ApiResponse};
use crate::clock::{SimTime, parse_lh_date};

#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub expires_at: SimTime,
}

/// Issued session tokens. Tokens long expired are pruned once there are many.
#[derive(Debug, Default)]
pub struct Tokens {
    map: HashMap<Box<str>, TokenInfo>,
}

const PRUNE_ABOVE: usize = 10_000;
const KEEP_EXPIRED_MS: i64 = 86_400_000;

impl Tokens {
    fn insert(&mut self, token: &str, info: TokenInfo, now: SimTime) {
        if self.map.len() >= PRUNE_ABOVE {
            self.map
                .retain(|_, t| t.expires_at.plus_ms(KEEP_EXPIRED_MS) > now);
        }
        self.map.insert(token.into(), info);
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// The scope every Cashbill token needs.
const REQUIRED_SCOPES: [&str; 2] = ["member", "140"];

impl Sim {
    pub(crate) fn issue_token(
        &mut self,
        req: &ApiRequest,
        service_id: &'static str,
        now: SimTime,
    ) -> Result<ApiResponse, ApiError> {
        let auth = req
            .header("authorization")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::of(codes::LH_AUTH_MISSING))?;
        let parts: Vec<&str> = auth.split_whitespace().collect();
        let [scheme, link_id, signature] = parts.as_slice() else {
            return Err(ApiError::of(codes::LH_AUTH_FORMAT));
        };
        if *scheme != "LINKHUB" {
            return Err(ApiError::of(codes::LH_AUTH_FORMAT));
        }
        if req.header("x-lh-version").map(str::trim) != Some("2.0") {
            return Err(ApiError::with_message(
                codes::LH_AUTH_FORMAT,
                "권한 정보의 형식이 유효하지 않습니다. (x-lh-version 2.0 only)",
            ));
        }
        let date = req
            .header("x-lh-date")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::of(codes::LH_DATE_MISSING))?;
        let when = parse_lh_date(date).ok_or(ApiError::of(codes::LH_DATE_INVALID))?;
        let skew = i64::try_from(self.settings.date_skew_ms).unwrap_or(i64::MAX);
        if (when.0 - now.0).abs() > skew {
            return Err(ApiError::of(codes::LH_DATE_SKEW));
        }
        if *link_id != self.member.link_id {
            return Err(ApiError::of(codes::LH_UNKNOWN_LINK_ID));
        }
        let path = format!("/{service_id}/Token");
        let forwarded = req.header("x-lh-forwarded");
        let verify = |fwd: Option<&str>| {
            popbill::linkhub::verify(
                &self.member.secret_key,
                &req.body,
                date,
                fwd,
                &path,
                signature,
            )
            .unwrap_or(false)
        };
        // Java omits an empty x-lh-forwarded from the signed string; Python includes it.
        let signed = verify(forwarded) || (forwarded == Some("") && verify(None));
        if !signed {
            return Err(ApiError::of(codes::LH_BAD_SIGNATURE));
        }
        let body: TokenRequest = serde_json::from_slice(&req.body)
            .map_err(|_| ApiError::of(mock_codes::LH_BAD_REQUEST))?;
        if body.access_id != self.member.corp_num.as_str() {
            return Err(ApiError::of(codes::LH_NOT_A_MEMBER));
        }
        if !REQUIRED_SCOPES
            .iter()
            .all(|s| body.scope.iter().any(|g| g == s))
        {
            return Err(ApiError::of(codes::NO_API_PERMISSION));
        }

        let token = self.ids.session_token();
        let ttl = i64::try_from(self.settings.token_ttl_ms).unwrap_or(i64::MAX);
        let expires_at = now.plus_ms(ttl);
        self.tokens.insert(&token, TokenInfo { expires_at }, now);
        let ip = match forwarded {
            Some(f) if !f.is_empty() && f != "*" => f.to_owned(),
            _ => req
                .peer
                .map_or_else(|| "127.0.0.1".to_owned(), |p| p.to_string()),
        };
        let resp = TokenResponse {
            session_token: token,
            service_id: Some(service_id.to_owned()),
            link_id: Some(self.member.link_id.clone()),
            usercode: Some("MOCKUSER".to_owned()),
            ipaddress: Some(ip),
            expiration: expires_at.linkhub_millis(),
            scope: body.scope,
            user_id: Some(body.access_id),
        };
        Ok(ApiResponse::json(200, &resp, None))
    }

    /// `Authorization: Bearer <token>` on every POPBiLL call.
    pub(crate) fn check_bearer(&self, req: &ApiRequest, now: SimTime) -> Result<(), ApiError> {
        let Some(raw) = req.headers.get("authorization") else {
            return Err(ApiError::of(codes::TOKEN_MISSING));
        };
        let value = raw
            .to_str()
            .map_err(|_| ApiError::of(codes::TOKEN_UNREADABLE))?;
        let value = value.trim();
        // HTTP trims trailing spaces, so `Bearer ` arrives as `Bearer`.
        if value.is_empty() || value.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::of(codes::TOKEN_MISSING));
        }
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or(ApiError::of(codes::TOKEN_UNREADABLE))?;
        if token.is_empty() {
            return Err(ApiError::of(codes::TOKEN_MISSING));
        }
        let info = self
            .tokens
            .map
            .get(token)
            .ok_or(ApiError::of(codes::TOKEN_UNREADABLE))?;
        if now >= info.expires_at {
            return Err(ApiError::of(codes::SESSION_EXPIRED));
        }
        Ok(())
    }

    /// `POST /_mock/tokens/expire`: every token issued so far is expired from `now` on.
    pub fn expire_tokens(&mut self, now: SimTime) -> usize {
        for t in self.tokens.map.values_mut() {
            t.expires_at = t.expires_at.min(now);
        }
        self.tokens.map.len()
    }
}
