//! Linkhub: the signed token request (docs/PROTOCOL.md §1.2–1.4) and `GET /Time`.

use crate::linkhub::{self, LINKHUB_API_VERSION};
use crate::time::{format_linkhub_utc, parse_linkhub_utc};
use crate::wire::{TokenRequest, TokenResponse};
use crate::{CorpNum, Secret};

use super::config::{Config, TimeSource};
use super::error::{Effect, Error};
use super::token::Token;
use super::transport::{Clock, HttpRequest, Method, Transport};

/// The Cashbill service's scope; every token request also asks for `member`.
pub const CASHBILL_SCOPE: &str = "140";
/// `Content-Type` of every JSON POST, as the Java SDK sends it.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json; charset=utf8";
pub(crate) const USER_AGENT: &str = concat!("popbill-rs/", env!("CARGO_PKG_VERSION"));

/// The exact token request body: compact, as the Java and Node SDKs send it.
pub(crate) fn token_request_body(corp: &CorpNum) -> Vec<u8> {
    let request = TokenRequest {
        access_id: corp.as_str().to_owned(),
        scope: vec!["member".to_owned(), CASHBILL_SCOPE.to_owned()],
    };
    serde_json::to_vec(&request).expect("a struct of strings always serializes")
}

/// Linkhub's current time, in Unix milliseconds.
pub(crate) async fn linkhub_time<T: Transport>(
    config: &Config,
    transport: &T,
) -> Result<i64, Error> {
    let req = HttpRequest {
        method: Method::Get,
        url: config.auth_url("/Time"),
        headers: vec![("User-Agent".to_owned(), USER_AGENT.to_owned())],
        body: Vec::new(),
    };
    let resp = transport
        .send(req)
        .await
        .map_err(|e| Error::from_transport(e, Effect::Read))?;
    if !(200..300).contains(&resp.status) {
        return Err(Error::from_status(resp.status, &resp.body, Effect::Read));
    }
    // A plain-text body; tolerate a JSON-quoted string and surrounding whitespace.
    std::str::from_utf8(&resp.body)
        .ok()
        .map(|s| s.trim().trim_matches('"'))
        .and_then(|s| parse_linkhub_utc(s).ok())
        .ok_or_else(|| {
            Error::unreadable(
                resp.status,
                "a yyyy-MM-ddTHH:mm:ss[.SSS]Z time",
                Effect::Read,
            )
        })
}

/// Ask Linkhub for a session token for `corp`.
pub(crate) async fn fetch_token<T: Transport, C: Clock>(
    config: &Config,
    transport: &T,
    clock: &C,
    corp: &CorpNum,
) -> Result<Token, Error> {
    // skew = Linkhub's clock minus ours; the token's expiry is kept in our clock's frame.
    let (signed_at, skew) = match config.time_source {
        TimeSource::Local => (clock.now_millis(), 0),
        TimeSource::Linkhub => {
            let server = linkhub_time(config, transport).await?;
            (server, server.saturating_sub(clock.now_millis()))
        }
    };
    let date = format_linkhub_utc(signed_at);
    let body = token_request_body(corp);
    let path = format!("/{}/Token", config.environment.service_id());
    let forwarded = config.forwarded_ip.as_deref();
    let signature = linkhub::sign(config.secret_key.expose(), &body, &date, forwarded, &path)
        .map_err(|e| Error::auth_config(e.to_string()))?;

    let mut headers = vec![
        ("x-lh-date".to_owned(), date),
        ("x-lh-version".to_owned(), LINKHUB_API_VERSION.to_owned()),
    ];
    if let Some(ip) = forwarded {
        headers.push(("x-lh-forwarded".to_owned(), ip.to_owned()));
    }
    headers.extend([
        (
            "Authorization".to_owned(),
            format!("LINKHUB {} {signature}", config.link_id),
        ),
        ("Content-Type".to_owned(), JSON_CONTENT_TYPE.to_owned()),
        ("User-Agent".to_owned(), USER_AGENT.to_owned()),
    ]);
    let req = HttpRequest {
        method: Method::Post,
        url: config.auth_url(&path),
        headers,
        body,
    };
    // Asking for a token changes nothing that matters: its failures are never ambiguous.
    let resp = transport
        .send(req)
        .await
        .map_err(|e| Error::from_transport(e, Effect::Read))?;
    if !(200..300).contains(&resp.status) {
        return Err(Error::from_status(resp.status, &resp.body, Effect::Read));
    }
    let parsed: TokenResponse = serde_json::from_slice(&resp.body)
        .ok()
        .filter(|t: &TokenResponse| !t.session_token.is_empty())
        .ok_or_else(|| Error::unreadable(resp.status, "a Linkhub token", Effect::Read))?;
    let TokenResponse {
        session_token,
        expiration,
        ..
    } = parsed;
    let expires_at = parse_linkhub_utc(expiration.trim())
        .ok()
        .map(|exp| exp.saturating_sub(skew));
    Ok(Token {
        session: Secret::new(session_token),
        expires_at,
        refresh_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_body_is_the_compact_java_form() {
        let corp = CorpNum::parse("1234567890").unwrap();
        assert_eq!(
            token_request_body(&corp),
            br#"{"access_id":"1234567890","scope":["member","140"]}"#
        );
    }
}
