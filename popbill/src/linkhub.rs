//! Linkhub token-request signing (`x-lh-version: 2.0`), exactly as the official SDKs do it.
//!
//! ```text
//! StringToSign = "POST\n" + Base64(SHA256(body)) + "\n" + x-lh-date + "\n"
//!              + [x-lh-forwarded + "\n"] + "2.0\n" + "/" + ServiceID + "/Token"
//! Signature    = Base64(HMAC-SHA256(Base64Decode(SecretKey), StringToSign))
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The only signing scheme this crate speaks.
pub const LINKHUB_API_VERSION: &str = "2.0";

/// The SecretKey is not valid Base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the Linkhub SecretKey is not valid Base64")]
pub struct BadSecretKey;

/// `Base64(SHA-256(body))`, the body digest slot of the string to sign.
pub fn body_digest(body: &[u8]) -> String {
    B64.encode(Sha256::digest(body))
}

/// The exact string the signature covers.
pub fn string_to_sign(body: &[u8], x_lh_date: &str, forwarded: Option<&str>, path: &str) -> String {
    let mut s = String::with_capacity(128);
    s.push_str("POST\n");
    s.push_str(&body_digest(body));
    s.push('\n');
    s.push_str(x_lh_date);
    s.push('\n');
    if let Some(ip) = forwarded {
        s.push_str(ip);
        s.push('\n');
    }
    s.push_str(LINKHUB_API_VERSION);
    s.push('\n');
    s.push_str(path);
    s
}

/// `Base64(HMAC-SHA256(Base64Decode(secret_key), string_to_sign))`.
pub fn sign(
    secret_key_b64: &str,
    body: &[u8],
    x_lh_date: &str,
    forwarded: Option<&str>,
    path: &str,
) -> Result<String, BadSecretKey> {
    let mut mac = mac(secret_key_b64)?;
    mac.update(string_to_sign(body, x_lh_date, forwarded, path).as_bytes());
    Ok(B64.encode(mac.finalize().into_bytes()))
}

/// Check a signature in constant time (what Linkhub does on its side; the mock uses it).
pub fn verify(
    secret_key_b64: &str,
    body: &[u8],
    x_lh_date: &str,
    forwarded: Option<&str>,
    path: &str,
    signature_b64: &str,
) -> Result<bool, BadSecretKey> {
    let mut mac = mac(secret_key_b64)?;
    mac.update(string_to_sign(body, x_lh_date, forwarded, path).as_bytes());
    let Ok(given) = B64.decode(signature_b64) else {
        return Ok(false);
    };
    Ok(mac.verify_slice(&given).is_ok())
}

fn mac(secret_key_b64: &str) -> Result<Hmac<Sha256>, BadSecretKey> {
    let key = B64
        .decode(secret_key_b64.trim())
        .map_err(|_| BadSecretKey)?;
    Ok(Hmac::<Sha256>::new_from_slice(&key).expect("HMAC accepts keys of any length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test vectors from docs/PROTOCOL.md §1.3.
    const SECRET: &str = "bW9jay1zZWNyZXQta2V5LTAxMjM0NTY3ODlhYmNkZWY=";
    const DATE: &str = "2025-01-01T00:00:00Z";
    const PATH: &str = "/POPBILL_TEST/Token";
    const PY_BODY: &str = r#"{"access_id": "1234567890", "scope": ["member", "140"]}"#;
    const JAVA_BODY: &str = r#"{"access_id":"1234567890","scope":["member","140"]}"#;

    #[test]
    fn python_form_body_matches_the_reference_vector() {
        assert_eq!(
            body_digest(PY_BODY.as_bytes()),
            "pXEJi5r0A1RZnYraBrmNInrTgf7tcp2BqPKI6JTn7xA="
        );
        let sig = sign(SECRET, PY_BODY.as_bytes(), DATE, None, PATH).unwrap();
        assert_eq!(sig, "Hc23HQFdxDe5aj3dHKgYxste9FJQjZYQImJXPvzdn/E=");
    }

    #[test]
    fn forwarded_header_enters_the_signature() {
        let sig = sign(SECRET, PY_BODY.as_bytes(), DATE, Some("*"), PATH).unwrap();
        assert_eq!(sig, "ctZSKp6z8xIP7o36RjT8wsDc3dP7uPJpMl4AnH0qhLE=");
    }

    #[test]
    fn java_and_node_form_body_matches_the_reference_vector() {
        assert_eq!(
            body_digest(JAVA_BODY.as_bytes()),
            "WILxrnLWcZwsGfOzrydUFJ3oQpKy8d6J2hx5+kSiWGM="
        );
        let sig = sign(SECRET, JAVA_BODY.as_bytes(), DATE, None, PATH).unwrap();
        assert_eq!(sig, "H4tpJs/XCCZGsAngtPUssgt2F/CXcoseycNmmAIIeSQ=");
    }

    #[test]
    fn verify_accepts_the_right_signature_and_refuses_others() {
        let ok = "H4tpJs/XCCZGsAngtPUssgt2F/CXcoseycNmmAIIeSQ=";
        assert!(verify(SECRET, JAVA_BODY.as_bytes(), DATE, None, PATH, ok).unwrap());
        assert!(!verify(SECRET, PY_BODY.as_bytes(), DATE, None, PATH, ok).unwrap());
        assert!(!verify(SECRET, JAVA_BODY.as_bytes(), DATE, Some("*"), PATH, ok).unwrap());
        assert!(
            !verify(
                SECRET,
                JAVA_BODY.as_bytes(),
                DATE,
                None,
                PATH,
                "not base64!"
            )
            .unwrap()
        );
    }

    #[test]
    fn a_secret_key_that_is_not_base64_is_an_error() {
        assert_eq!(sign("%%%", b"{}", DATE, None, PATH), Err(BadSecretKey));
    }
}
