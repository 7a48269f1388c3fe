//! POPBiLL's webhooks: who may send them, and what an event says about which receipt.
//!
//! POPBiLL signs nothing; a callback proves itself with Basic auth or an `X-Api-Key` header
//! configured on both sides. It expects HTTP 200 with `{"result":"OK"}` and retries otherwise.

use base64::Engine as _;
use popbill::wire::WebhookEvent;
use popbill::{CorpNum, MgtKey, SubmitId};

use super::facts::{FilingFact, IssueFact, is_final_filing};
use super::secret::secret_eq;

/// The largest webhook body read. POPBiLL's events are well under 2 KB.
pub const MAX_WEBHOOK_BYTES: usize = 64 * 1024;

/// The credentials POPBiLL is configured to send.
#[derive(Clone, Default)]
pub struct WebhookAuth {
    pub api_key: Option<String>,
    /// `user:password` for Basic auth.
    pub basic: Option<String>,
}

impl std::fmt::Debug for WebhookAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookAuth")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("basic", &self.basic.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl WebhookAuth {
    pub fn is_configured(&self) -> bool {
        self.api_key.is_some() || self.basic.is_some()
    }

    /// True when either configured credential is presented. Nothing configured: nobody gets in.
    pub fn allows(&self, x_api_key: Option<&str>, authorization: Option<&str>) -> bool {
        let key_ok = match (&self.api_key, x_api_key) {
            (Some(expected), Some(given)) => secret_eq(given.trim(), expected),
            _ => false,
        };
        let basic_ok = match (&self.basic, authorization.and_then(basic_credentials)) {
            (Some(expected), Some(given)) => secret_eq(&given, expected),
            _ => false,
        };
        key_ok | basic_ok
    }
}

fn basic_credentials(header: &str) -> Option<String> {
    let (scheme, b64) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    String::from_utf8(raw).ok()
}

/// The webhook headers the Worker reads.
#[derive(Debug, Clone, Default)]
pub struct WebhookHeaders {
    pub x_api_key: Option<String>,
    pub authorization: Option<String>,
    /// `Pb-Webhook-MID`: the event's identity, stable across POPBiLL's retries.
    pub mid: Option<String>,
    pub corp_num: Option<String>,
    pub event_type: Option<String>,
}

/// Which receipt an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRef {
    pub corp: CorpNum,
    pub mgt_key: MgtKey,
    /// BULKRESULT names its submission; a hint only (the receipt index decides).
    pub submit_id: Option<SubmitId>,
}

/// What an event says about that receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    Issue(IssueFact),
    Filing(FilingFact),
}

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // one short-lived value per webhook; boxing buys nothing
pub enum Classified {
    Receipt {
        target: ReceiptRef,
        fact: Fact,
    },
    /// An unknown type, or a known one without the fields to attach it to a receipt.
    Other {
        event_type: String,
    },
}

/// Read an event: BULKRESULT and Issue carry an issuance result; NTS (or any event with stateCode
/// 304/305) carries a filing result.
pub fn classify(event: &WebhookEvent, headers: &WebhookHeaders) -> Classified {
    let event_type = event
        .event_type
        .clone()
        .or_else(|| headers.event_type.clone())
        .unwrap_or_default();
    let mid = headers.mid.as_deref();
    let corp = event
        .corp_num
        .as_deref()
        .or(headers.corp_num.as_deref())
        .and_then(|c| CorpNum::parse(c).ok());
    let mgt_key = event.mgt_key.as_deref().and_then(|k| MgtKey::parse(k).ok());
    let submit_id = event
        .submit_id
        .as_deref()
        .and_then(|s| SubmitId::parse(s).ok());
    let (Some(corp), Some(mgt_key)) = (corp, mgt_key) else {
        return Classified::Other { event_type };
    };
    let filing_state = event.state_code.is_some_and(is_final_filing);
    let fact = match event_type.to_ascii_uppercase().as_str() {
        _ if filing_state => FilingFact::from_event(event, mid).map(Fact::Filing),
        "BULKRESULT" | "ISSUE" => IssueFact::from_event(event, mid).map(Fact::Issue),
        _ => None,
    };
    match fact {
        Some(fact) => Classified::Receipt {
            target: ReceiptRef {
                corp,
                mgt_key,
                submit_id,
            },
            fact,
        },
        None => Classified::Other { event_type },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> WebhookAuth {
        WebhookAuth {
            api_key: Some("k3y".into()),
            basic: Some("popbill:pa55".into()),
        }
    }

    #[test]
    fn accepts_either_configured_credential_and_nothing_else() {
        let a = auth();
        assert!(a.allows(Some("k3y"), None));
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("popbill:pa55")
        );
        assert!(a.allows(None, Some(&basic)));
        assert!(!a.allows(Some("k3x"), None));
        assert!(!a.allows(None, Some("Basic !!!")));
        assert!(!a.allows(None, Some("Bearer k3y")));
        assert!(!a.allows(None, None));
        assert!(
            !WebhookAuth::default().allows(Some(""), None),
            "unconfigured auth lets nobody in"
        );
    }

    #[test]
    fn debug_never_shows_the_secrets() {
        let printed = format!("{:?}", auth());
        assert!(
            !printed.contains("k3y") && !printed.contains("pa55"),
            "{printed}"
        );
    }

    fn event(json: &str) -> WebhookEvent {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn classifies_the_three_event_types() {
        let h = WebhookHeaders {
            mid: Some("M1".into()),
            ..Default::default()
        };
        let bulk = event(
            r#"{"eventType":"BULKRESULT","corpNum":"1234567890","submitID":"S1","mgtKey":"K1","code":-14001031,"message":"x"}"#,
        );
        assert!(
            matches!(classify(&bulk, &h), Classified::Receipt { fact: Fact::Issue(f), target } if f.code == -14001031 && target.submit_id.is_some())
        );
        let issue = event(
            r#"{"eventType":"Issue","corpNum":"1234567890","mgtKey":"K1","stateCode":300,"confirmNum":"TB0000001"}"#,
        );
        assert!(
            matches!(classify(&issue, &h), Classified::Receipt { fact: Fact::Issue(f), target } if f.issued() && target.submit_id.is_none())
        );
        let nts = event(
            r#"{"eventType":"NTS","corpNum":"1234567890","mgtKey":"K1","stateCode":305,"ntsresultCode":"TS1"}"#,
        );
        assert!(
            matches!(classify(&nts, &h), Classified::Receipt { fact: Fact::Filing(f), .. } if f.state_code == 305)
        );
    }

    #[test]
    fn events_that_cannot_be_attached_are_other() {
        let h = WebhookHeaders::default();
        for json in [
            r#"{"eventType":"Cancel","corpNum":"1234567890","mgtKey":"K1"}"#,
            r#"{"eventType":"NTS","corpNum":"1234567890","stateCode":304}"#,
            r#"{"eventType":"NTS","mgtKey":"K1","stateCode":304}"#,
            r#"{"eventType":"BULKRESULT","corpNum":"1234567890","mgtKey":"K 1","code":1}"#,
            r#"{"eventType":"NTS","corpNum":"1234567890","mgtKey":"K1","stateCode":300}"#,
            r#"{}"#,
        ] {
            assert!(
                matches!(classify(&event(json), &h), Classified::Other { .. }),
                "{json}"
            );
        }
    }

    #[test]
    fn header_corp_num_and_event_type_fill_gaps_in_the_body() {
        let h = WebhookHeaders {
            corp_num: Some("1234567890".into()),
            event_type: Some("Issue".into()),
            ..Default::default()
        };
        let e = event(r#"{"mgtKey":"K1","stateCode":300}"#);
        assert!(matches!(
            classify(&e, &h),
            Classified::Receipt {
                fact: Fact::Issue(_),
                ..
            }
        ));
    }
}
