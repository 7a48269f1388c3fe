//! Facts about a receipt as POPBiLL reports them, from any source (webhook or poll).
//!
//! Facts are immutable: POPBiLL never changes an issuance result, and 304/305 are final. So each
//! is written once; a second report of the same fact (a duplicate webhook, a poll after a webhook)
//! is recognised and not written again.

use popbill::wire::{BulkIssueResult, CashbillInfo, WebhookEvent};
use serde::{Deserialize, Serialize};

/// Where a fact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Webhook,
    Poll,
}

/// The issuance result of one receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueFact {
    /// 1 = issued; negative = POPBiLL's error code.
    pub code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(
        rename = "confirmNum",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub confirm_num: Option<String>,
    #[serde(rename = "issueDT", default, skip_serializing_if = "Option::is_none")]
    pub issue_dt: Option<String>,
    pub source: Source,
    /// `Pb-Webhook-MID` of the event that carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
}

/// The NTS filing result of one receipt: 304 filed or 305 failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingFact {
    #[serde(rename = "stateCode")]
    pub state_code: i64,
    #[serde(
        rename = "ntsResultCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub nts_result_code: Option<String>,
    #[serde(
        rename = "ntsResultMessage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub nts_result_message: Option<String>,
    #[serde(rename = "ntsSendDT", default, skip_serializing_if = "Option::is_none")]
    pub nts_send_dt: Option<String>,
    #[serde(
        rename = "ntsResultDT",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub nts_result_dt: Option<String>,
    #[serde(
        rename = "confirmNum",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub confirm_num: Option<String>,
    #[serde(rename = "issueDT", default, skip_serializing_if = "Option::is_none")]
    pub issue_dt: Option<String>,
    pub source: Source,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mid: Option<String>,
}

pub const STATE_ISSUED: i64 = 300;
pub const STATE_FILED: i64 = 304;
pub const STATE_FILING_FAILED: i64 = 305;

/// KV metadata is limited to 1024 bytes, and its strings are percent-encoded (`meta.rs`: a Korean
/// character takes 9 bytes there); text is cut (at a char boundary) to stay well under it.
const MAX_TEXT_BYTES: usize = 120;
const MAX_FIELD_BYTES: usize = 40;

fn cut(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

fn short(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(|s| cut(s, MAX_TEXT_BYTES))
}

/// Codes, times and identifiers are ASCII; anything else in them is noise and is dropped.
fn clean(s: Option<&str>) -> Option<String> {
    let s: String = s?
        .chars()
        .filter(char::is_ascii_graphic)
        .take(MAX_FIELD_BYTES)
        .collect();
    (!s.is_empty()).then_some(s)
}

impl IssueFact {
    pub fn from_bulk_result(r: &BulkIssueResult) -> Option<Self> {
        Some(IssueFact {
            code: r.code?,
            message: short(r.message.as_deref()),
            confirm_num: clean(r.confirm_num.as_deref()),
            issue_dt: clean(r.issued_at()),
            source: Source::Poll,
            mid: None,
        })
    }

    /// From a BULKRESULT event (`code`) or an Issue event (`stateCode` 300).
    pub fn from_event(e: &WebhookEvent, mid: Option<&str>) -> Option<Self> {
        let code = match (e.code, e.state_code) {
            (Some(code), _) => code,
            (None, Some(STATE_ISSUED)) => popbill::codes::OK,
            _ => return None,
        };
        Some(IssueFact {
            code,
            message: short(e.message.as_deref()),
            confirm_num: clean(e.confirm_num.as_deref()),
            issue_dt: clean(e.issued_at()),
            source: Source::Webhook,
            mid: clean(mid),
        })
    }

    pub fn issued(&self) -> bool {
        self.code == popbill::codes::OK
    }
}

/// What a filing report says, under the names an NTS webhook and GetInfo share: one reading
/// ([`FilingFact::from_report`]) serves both sources.
#[derive(Debug, Clone, Copy)]
struct FilingReport<'a> {
    state_code: Option<i64>,
    nts_result_code: Option<&'a str>,
    nts_result_message: Option<&'a str>,
    nts_send_dt: Option<&'a str>,
    nts_result_dt: Option<&'a str>,
    confirm_num: Option<&'a str>,
    issue_dt: Option<&'a str>,
}

impl<'a> From<&'a WebhookEvent> for FilingReport<'a> {
    fn from(e: &'a WebhookEvent) -> Self {
        FilingReport {
            state_code: e.state_code,
            nts_result_code: e.ntsresult_code.as_deref(),
            nts_result_message: e.ntsresult_message.as_deref(),
            nts_send_dt: e.ntssend_dt.as_deref(),
            nts_result_dt: e.ntsresult_dt.as_deref(),
            confirm_num: e.confirm_num.as_deref(),
            issue_dt: e.issued_at(),
        }
    }
}

impl<'a> From<&'a CashbillInfo> for FilingReport<'a> {
    fn from(i: &'a CashbillInfo) -> Self {
        FilingReport {
            state_code: i.state_code,
            nts_result_code: i.ntsresult_code.as_deref(),
            nts_result_message: i.ntsresult_message.as_deref(),
            nts_send_dt: i.ntssend_dt.as_deref(),
            nts_result_dt: i.ntsresult_dt.as_deref(),
            confirm_num: i.confirm_num.as_deref(),
            issue_dt: i.issue_dt.as_deref(),
        }
    }
}

impl FilingFact {
    /// From an NTS event; `None` unless it carries a final state (304/305).
    pub fn from_event(e: &WebhookEvent, mid: Option<&str>) -> Option<Self> {
        Self::from_report(e.into(), Source::Webhook, mid)
    }

    /// From GetInfo/GetInfos; `None` unless the receipt has a final filing state.
    pub fn from_info(i: &CashbillInfo) -> Option<Self> {
        Self::from_report(i.into(), Source::Poll, None)
    }

    fn from_report(r: FilingReport<'_>, source: Source, mid: Option<&str>) -> Option<Self> {
        let state_code = r.state_code.filter(|c| is_final_filing(*c))?;
        Some(FilingFact {
            state_code,
            nts_result_code: clean(r.nts_result_code),
            nts_result_message: short(r.nts_result_message),
            nts_send_dt: clean(r.nts_send_dt),
            nts_result_dt: clean(r.nts_result_dt),
            confirm_num: clean(r.confirm_num),
            issue_dt: clean(r.issue_dt),
            source,
            mid: clean(mid),
        })
    }
}

pub fn is_final_filing(state_code: i64) -> bool {
    matches!(state_code, STATE_FILED | STATE_FILING_FAILED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issue_event_without_code_means_issued() {
        let e = WebhookEvent {
            state_code: Some(300),
            confirm_num: Some("TB0000009".into()),
            ..Default::default()
        };
        let f = IssueFact::from_event(&e, Some("mid-1")).unwrap();
        assert!(f.issued());
        assert_eq!(f.mid.as_deref(), Some("mid-1"));
    }

    #[test]
    fn only_final_filing_states_are_facts() {
        let e = WebhookEvent {
            state_code: Some(300),
            ..Default::default()
        };
        assert_eq!(FilingFact::from_event(&e, None), None);
        let e = WebhookEvent {
            state_code: Some(305),
            ntsresult_code: Some("TS1".into()),
            ..Default::default()
        };
        assert_eq!(
            FilingFact::from_event(&e, None)
                .unwrap()
                .nts_result_code
                .as_deref(),
            Some("TS1")
        );
    }

    #[test]
    fn a_webhook_and_a_poll_report_the_same_filing_as_the_same_fact() {
        let event = WebhookEvent {
            state_code: Some(305),
            ntsresult_code: Some("TS1".into()),
            ntsresult_message: Some("실패".into()),
            ntssend_dt: Some("20250712000000".into()),
            ntsresult_dt: Some("20250712110000".into()),
            confirm_num: Some("TB0000001".into()),
            issue_dt: Some("20250711100005".into()),
            ..Default::default()
        };
        let info = CashbillInfo {
            state_code: Some(305),
            ntsresult_code: Some("TS1".into()),
            ntsresult_message: Some("실패".into()),
            ntssend_dt: Some("20250712000000".into()),
            ntsresult_dt: Some("20250712110000".into()),
            confirm_num: Some("TB0000001".into()),
            issue_dt: Some("20250711100005".into()),
            ..Default::default()
        };
        let from_hook = FilingFact::from_event(&event, None).unwrap();
        let from_poll = FilingFact::from_info(&info).unwrap();
        assert_eq!(
            (from_hook.source, from_poll.source),
            (Source::Webhook, Source::Poll)
        );
        assert_eq!(
            FilingFact {
                source: Source::Poll,
                ..from_hook
            },
            from_poll
        );
        let not_final = CashbillInfo {
            state_code: Some(300),
            ..info
        };
        assert_eq!(FilingFact::from_info(&not_final), None);
    }

    #[test]
    fn a_fact_stays_under_the_kv_metadata_limit() {
        let long = "가".repeat(5000);
        let e = WebhookEvent {
            code: Some(-14001031),
            message: Some(long.clone()),
            confirm_num: Some(long.clone()),
            issue_dt: Some(long.clone()),
            ..Default::default()
        };
        let f = IssueFact::from_event(&e, Some(&long)).unwrap();
        let encoded = crate::core::meta::encode(&serde_json::to_value(&f).unwrap());
        assert!(
            encoded.to_string().len() < 1024,
            "{}",
            encoded.to_string().len()
        );
        let e = WebhookEvent {
            state_code: Some(305),
            ntsresult_message: Some(long.clone()),
            ntsresult_code: Some(long.clone()),
            ntssend_dt: Some(long.clone()),
            ntsresult_dt: Some(long.clone()),
            confirm_num: Some(long.clone()),
            issue_dt: Some(long.clone()),
            ..Default::default()
        };
        let f = FilingFact::from_event(&e, Some(&long)).unwrap();
        let encoded = crate::core::meta::encode(&serde_json::to_value(&f).unwrap());
        assert!(
            encoded.to_string().len() < 1024,
            "{}",
            encoded.to_string().len()
        );
    }
}
