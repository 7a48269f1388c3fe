//! Standard Webhooks signatures (symmetric, `v1`): `webhook-signature` is
//! `v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`, keyed with the bytes of
//! a `whsec_<base64>` secret. Two secrets sign at once during a rotation, and the header then
//! carries both signatures, space-separated; a receiver accepts either.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The prefix that marks a Standard Webhooks symmetric secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// Key length bounds from the specification (192 to 512 bits).
pub const MIN_KEY_BYTES: usize = 24;
pub const MAX_KEY_BYTES: usize = 64;
/// How many secrets may sign at once (the current one and the one being retired).
pub const MAX_SECRETS: usize = 2;

/// Why a secret cannot be used. Never carries the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a secret must start with `whsec_`")]
    MissingPrefix,
    #[error("the part after `whsec_` is not base64")]
    NotBase64,
    #[error("the key is {0} bytes; Standard Webhooks keys are 24 to 64 bytes")]
    BadLength(usize),
    #[error("no secret given")]
    Empty,
    #[error("at most two secrets (the current and the previous one) may be given")]
    TooMany,
}

/// Padding is optional on the way in (some generators strip it).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// One signing key. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(<{} bytes redacted>)", self.0.len())
    }
}

impl SigningKey {
    /// `whsec_<base64 of 24 to 64 bytes>`.
    pub fn parse(secret: &str) -> Result<Self, SecretError> {
        let b64 = secret
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::MissingPrefix)?;
        let key = LENIENT.decode(b64).map_err(|_| SecretError::NotBase64)?;
        if !(MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&key.len()) {
            return Err(SecretError::BadLength(key.len()));
        }
        Ok(SigningKey(key))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// `v1,<base64 signature>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }

    /// True when `signature` (base64, no `v1,`) is this key's, compared in constant time.
    fn verifies(&self, id: &str, timestamp: i64, body: &[u8], signature: &str) -> bool {
        let Ok(tag) = LENIENT.decode(signature) else {
            return false;
        };
        self.mac(id, timestamp, body).verify_slice(&tag).is_ok()
    }
}

/// The secrets that sign every delivery: the current one first, then the one being retired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    keys: Vec<SigningKey>,
}

impl Signer {
    /// One or two `whsec_` secrets separated by spaces or commas (`MERCHANT_WEBHOOK_SECRET`).
    pub fn parse(secrets: &str) -> Result<Self, SecretError> {
        let keys = secrets
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(SigningKey::parse)
            .collect::<Result<Vec<_>, _>>()?;
        match keys.len() {
            0 => Err(SecretError::Empty),
            n if n > MAX_SECRETS => Err(SecretError::TooMany),
            _ => Ok(Signer { keys }),
        }
    }

    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// The `webhook-signature` header: one `v1,` signature per secret, space-separated.
    pub fn header(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        self.keys
            .iter()
            .map(|k| k.sign(id, timestamp, body))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A receiver's check: some `v1` signature in `header` is some key's. (The Worker only
    /// signs; this is here so tests and examples check what it sends.)
    pub fn verify(&self, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
        header.split(' ').any(|part| match part.split_once(',') {
            Some(("v1", sig)) => self
                .keys
                .iter()
                .any(|k| k.verifies(id, timestamp, body, sig)),
            _ => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector every Standard Webhooks reference library checks (its `sign` tests).
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1614265330;
    const SPEC_BODY: &str = r#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    /// A second secret (32 bytes) for rotation tests.
    const OTHER_SECRET: &str = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn signs_the_specifications_test_vector() {
        let key = SigningKey::parse(SPEC_SECRET).unwrap();
        assert_eq!(
            key.sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY.as_bytes()),
            SPEC_SIGNATURE
        );
        let signer = Signer::parse(SPEC_SECRET).unwrap();
        assert_eq!(
            signer.header(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY.as_bytes()),
            SPEC_SIGNATURE
        );
    }

    #[test]
    fn a_changed_id_timestamp_or_body_breaks_the_signature() {
        let signer = Signer::parse(SPEC_SECRET).unwrap();
        let body = SPEC_BODY.as_bytes();
        assert!(signer.verify(SPEC_ID, SPEC_TIMESTAMP, body, SPEC_SIGNATURE));
        assert!(!signer.verify("msg_other", SPEC_TIMESTAMP, body, SPEC_SIGNATURE));
        assert!(!signer.verify(SPEC_ID, SPEC_TIMESTAMP + 1, body, SPEC_SIGNATURE));
        assert!(!signer.verify(
            SPEC_ID,
            SPEC_TIMESTAMP,
            br#"{"test":2432232314}"#,
            SPEC_SIGNATURE
        ));
        assert!(!signer.verify(
            SPEC_ID,
            SPEC_TIMESTAMP,
            body,
            "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        ));
        assert!(!signer.verify(SPEC_ID, SPEC_TIMESTAMP, body, "v1,not base64!"));
        assert!(!signer.verify(SPEC_ID, SPEC_TIMESTAMP, body, ""));
    }

    #[test]
    fn two_secrets_sign_at_once_and_either_verifies() {
        let both = Signer::parse(&format!("{OTHER_SECRET} {SPEC_SECRET}")).unwrap();
        assert_eq!(both.key_count(), 2);
        let header = both.header(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY.as_bytes());
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            parts[1], SPEC_SIGNATURE,
            "the retiring secret's signature is the spec's"
        );
        // A receiver that knows only the new secret, or only the old one, accepts the delivery.
        for only in [OTHER_SECRET, SPEC_SECRET] {
            let receiver = Signer::parse(only).unwrap();
            assert!(receiver.verify(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY.as_bytes(), &header));
        }
        let stranger = Signer::parse("whsec_ZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm").unwrap();
        assert!(!stranger.verify(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY.as_bytes(), &header));
        assert_eq!(
            Signer::parse(&format!("{OTHER_SECRET},{SPEC_SECRET}")).unwrap(),
            both,
            "commas separate as well as spaces"
        );
    }

    #[test]
    fn secrets_not_in_the_specifications_form_are_refused_without_echoing_them() {
        let cases = [
            (
                "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                SecretError::MissingPrefix,
                "no prefix",
            ),
            (
                "whsec_!!!notbase64!!!",
                SecretError::NotBase64,
                "not base64",
            ),
            ("whsec_c2hvcnQ=", SecretError::BadLength(5), "too short"),
            (
                "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                SecretError::BadLength(66),
                "too long",
            ),
            ("", SecretError::Empty, "empty"),
            (" , ", SecretError::Empty, "only separators"),
        ];
        for (given, want, why) in cases {
            let err = Signer::parse(given).unwrap_err();
            assert_eq!(err, want, "{why}");
            let shown = err.to_string();
            if given.len() > 8 {
                assert!(!shown.contains(&given[6..]), "{why}: {shown}");
            }
        }
        let three = format!("{SPEC_SECRET} {OTHER_SECRET} {SPEC_SECRET}");
        assert_eq!(Signer::parse(&three).unwrap_err(), SecretError::TooMany);
        let unpadded = SigningKey::parse("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
        assert_eq!(unpadded.unwrap(), SigningKey::parse(OTHER_SECRET).unwrap());
        assert!(!format!("{:?}", Signer::parse(SPEC_SECRET).unwrap()).contains("MfKQ"));
    }
}
