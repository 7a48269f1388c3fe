//! Linkhub token issuance (`POST /{ServiceID}/Token`) and the bearer check of POPBiLL calls.
//!
//! The signature covers the raw body bytes (docs/PROTOCOL.md §1.3). Which clock judges
//! `x-lh-date` and token lifetimes is [`AuthClock`]:
//!
//! - `real` (default): an SDK on default settings signs with its own clock and refreshes its
//!   token by its own clock (docs/PROTOCOL.md §1.5), so both follow the wall clock and survive
//!   any simulated-clock jump. A client that reads `GET /Time` (the simulated clock) signs
//!   with that instead: `x-lh-date` may be near either clock, and the token is then written
//!   with an `expiration` on the clock the request was signed with, and lives until the
//!   later of its wall-clock and its simulated-clock end — never shorter than the client
//!   holding it believes.
//! - `simulated`: both on the simulated clock only (tests of token expiry).

use std::collections::HashMap;

use popbill::codes;
use popbill::wire::{TokenRequest, TokenResponse};

use super::Sim;
use super::clock::{Now, SimTime, parse_lh_date};
use super::config::AuthClock;
use super::error::ApiError;
use super::request::{ApiRequest, ApiResponse};

/// The clock a token request was signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    Wall,
    Sim,
}

#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub frame: Frame,
    /// End of life on the wall clock (issue wall time + TTL).
    pub wall_expiry: SimTime,
    /// End of life on the simulated clock (issue simulated time + TTL).
    pub sim_expiry: SimTime,
}

impl TokenInfo {
    /// Still usable at `now` when auth follows `clock`.
    fn alive(&self, now: Now, clock: AuthClock) -> bool {
        match clock {
            AuthClock::Simulated => now.sim < self.sim_expiry,
            AuthClock::Real => {
                now.wall < self.wall_expiry
                    || (self.frame == Frame::Sim && now.sim < self.sim_expiry)
            }
        }
    }
}

/// Issued session tokens. Tokens long expired are pruned once there are many.
#[derive(Debug, Default)]
pub struct Tokens {
    map: HashMap<Box<str>, TokenInfo>,
}

const PRUNE_ABOVE: usize = 10_000;
const KEEP_EXPIRED_MS: i64 = 86_400_000;

impl Tokens {
    fn insert(&mut self, token: &str, info: TokenInfo, now: Now) {
        if self.map.len() >= PRUNE_ABOVE {
            self.map.retain(|_, t| {
                t.wall_expiry.plus_ms(KEEP_EXPIRED_MS) > now.wall
                    || t.sim_expiry.plus_ms(KEEP_EXPIRED_MS) > now.sim
            });
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
        now: Now,
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
        // Only the current scheme (x-lh-version 2.0, HMAC-SHA256) is accepted.
        if req.header("x-lh-version").map(str::trim) != Some("2.0") {
            return Err(ApiError::of(codes::LH_AUTH_FORMAT));
        }
        let date = req
            .header("x-lh-date")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(ApiError::of(codes::LH_DATE_MISSING))?;
        let when = parse_lh_date(date).ok_or(ApiError::of(codes::LH_DATE_INVALID))?;
        let frame = self
            .signing_frame(when, now)
            .ok_or(ApiError::of(codes::LH_DATE_SKEW))?;
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
        let body: TokenRequest =
            serde_json::from_slice(&req.body).map_err(|_| ApiError::of(codes::LH_BAD_REQUEST))?;
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
        let info = TokenInfo {
            frame,
            wall_expiry: now.wall.plus_ms(ttl),
            sim_expiry: now.sim.plus_ms(ttl),
        };
        // The expiration the client compares with the clock it signed with.
        let expires_at = match frame {
            Frame::Wall => info.wall_expiry,
            Frame::Sim => info.sim_expiry,
        };
        self.tokens.insert(&token, info, now);
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

    /// Which clock `x-lh-date` was taken from: within the skew of the wall clock (preferred
    /// when both are near) or of the simulated one; only the simulated one when auth follows it.
    fn signing_frame(&self, when: SimTime, now: Now) -> Option<Frame> {
        let skew = i64::try_from(self.settings.date_skew_ms).unwrap_or(i64::MAX);
        let near = |clock: SimTime| (when.0 - clock.0).abs() <= skew;
        match self.settings.auth_clock {
            AuthClock::Real if near(now.wall) => Some(Frame::Wall),
            _ if near(now.sim) => Some(Frame::Sim),
            _ => None,
        }
    }

    /// `Authorization: Bearer <token>` on every POPBiLL call.
    pub(crate) fn check_bearer(&self, req: &ApiRequest, now: Now) -> Result<(), ApiError> {
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
        if !info.alive(now, self.settings.auth_clock) {
            return Err(ApiError::of(codes::SESSION_EXPIRED));
        }
        Ok(())
    }

    /// `POST /_mock/tokens/expire`: every token issued so far is expired from `now` on, on
    /// both clocks.
    pub fn expire_tokens(&mut self, now: impl Into<Now>) -> usize {
        let now = now.into();
        for t in self.tokens.map.values_mut() {
            t.wall_expiry = t.wall_expiry.min(now.wall);
            t.sim_expiry = t.sim_expiry.min(now.sim);
        }
        self.tokens.map.len()
    }
}
