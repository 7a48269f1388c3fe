//! The merchant's side of Standard Webhooks, written here from the specification and not taken
//! from the Worker's code, so the e2e tests check the Worker against a second implementation
//! (and `tests/node/verify_events.js` against a third, the npm `standardwebhooks` package).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Receivers refuse attempts whose timestamp is further than this from their clock.
pub const TOLERANCE_SECS: i64 = 5 * 60;

/// Why a delivery does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    MissingHeader(&'static str),
    BadTimestamp,
    StaleTimestamp,
    NoMatchingSignature,
}

/// The key bytes of a `whsec_` secret.
pub fn key(secret: &str) -> Vec<u8> {
    let b64 = secret.strip_prefix("whsec_").unwrap_or(secret);
    STANDARD.decode(b64).expect("test secrets are valid base64")
}

/// Check one delivery's headers and body against any of `keys`, at `now_secs`.
pub fn verify(
    keys: &[Vec<u8>],
    id: Option<&str>,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now_secs: i64,
) -> Result<(), Rejected> {
    let id = id.ok_or(Rejected::MissingHeader("webhook-id"))?;
    let ts = timestamp.ok_or(Rejected::MissingHeader("webhook-timestamp"))?;
    let header = signature.ok_or(Rejected::MissingHeader("webhook-signature"))?;
    let ts_num: i64 = ts.parse().map_err(|_| Rejected::BadTimestamp)?;
    if (now_secs - ts_num).abs() > TOLERANCE_SECS {
        return Err(Rejected::StaleTimestamp);
    }
    let mut signed = format!("{id}.{ts}.").into_bytes();
    signed.extend_from_slice(body);
    let matches = header.split(' ').any(|part| {
        let Some(("v1", given)) = part.split_once(',') else {
            return false;
        };
        let Ok(given) = STANDARD.decode(given) else {
            return false;
        };
        keys.iter().any(|k| {
            let mut mac = Hmac::<Sha256>::new_from_slice(k).expect("HMAC takes any key");
            mac.update(&signed);
            mac.verify_slice(&given).is_ok()
        })
    });
    if matches {
        Ok(())
    } else {
        Err(Rejected::NoMatchingSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specifications_vector_verifies_and_a_tampered_one_does_not() {
        let keys = [key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")];
        let sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        let id = Some("msg_p5jXN8AQM9LWM0D4loKWxJek");
        let body = br#"{"test": 2432232314}"#;
        let at = 1614265330;
        assert_eq!(
            verify(&keys, id, Some("1614265330"), Some(sig), body, at),
            Ok(())
        );
        assert_eq!(
            verify(&keys, id, Some("1614265330"), Some(sig), b"{}", at),
            Err(Rejected::NoMatchingSignature)
        );
        assert_eq!(
            verify(&keys, id, Some("1614265330"), Some(sig), body, at + 301),
            Err(Rejected::StaleTimestamp)
        );
        assert_eq!(
            verify(&keys, None, Some("1614265330"), Some(sig), body, at),
            Err(Rejected::MissingHeader("webhook-id"))
        );
    }
}
