//! Fault rules on demand: which POPBiLL call or webhook misbehaves, how, and how often.
//!
//! Pure: decisions use the seeded [`Rng`], so a run with the same seed and inputs injects the
//! same faults. The server applies API faults (it owns connections); the simulation applies
//! webhook faults when an event is created.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::error::mock_codes;
use super::ids::Rng;
use super::route::Endpoint;

/// What an API fault does to one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiAction {
    /// Answer `status` + `{code, message}` without touching state.
    Error {
        status: u16,
        code: i64,
        message: String,
    },
    /// Wait (outside the state lock), then handle normally.
    Delay { ms: u64 },
    /// Close the connection without an answer; state untouched.
    Drop,
    /// Apply the request, wait, then close the connection without an answer.
    TimeoutAfterCommit { ms: u64 },
}

impl ApiAction {
    pub fn kind(&self) -> &'static str {
        match self {
            ApiAction::Error { .. } => "error",
            ApiAction::Delay { .. } => "delay",
            ApiAction::Drop => "drop",
            ApiAction::TimeoutAfterCommit { .. } => "timeout_after_commit",
        }
    }
}

/// What a webhook fault does to one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookAction {
    /// Never delivered.
    Drop,
    /// Delivered twice with the same MID.
    Duplicate,
    /// Held back to the end of the current run of due events (one clock advance, one real-time
    /// tick), then delivered after everything else that fell due in that run, together with the
    /// other held events in a seeded shuffled order.
    Reorder,
    /// Delivered `secs` later on the simulated clock.
    Delay { secs: u64 },
}

impl HookAction {
    pub fn kind(&self) -> &'static str {
        match self {
            HookAction::Drop => "drop",
            HookAction::Duplicate => "duplicate",
            HookAction::Reorder => "reorder",
            HookAction::Delay { .. } => "delay",
        }
    }
}

#[derive(Debug, Clone)]
struct Limit {
    /// `None` = unlimited (a rate rule without a count).
    remaining: Option<u32>,
    rate: Option<f64>,
}

impl Limit {
    fn new(count: Option<u32>, rate: Option<f64>) -> Result<Self, String> {
        if let Some(r) = rate
            && !(r.is_finite() && (0.0..=1.0).contains(&r))
        {
            return Err("rate must be between 0.0 and 1.0".into());
        }
        if count == Some(0) {
            return Err("count must be at least 1".into());
        }
        let remaining = match (count, rate) {
            (None, None) => Some(1),
            (c, _) => c,
        };
        Ok(Limit { remaining, rate })
    }

    /// Does the rule fire for this event? Consumes one use when it does.
    fn fire(&mut self, rng: &mut Rng) -> bool {
        if self.remaining == Some(0) {
            return false;
        }
        if let Some(rate) = self.rate
            && rng.unit() >= rate
        {
            return false;
        }
        if let Some(n) = &mut self.remaining {
            *n -= 1;
        }
        true
    }

    fn spent(&self) -> bool {
        self.remaining == Some(0)
    }
}

#[derive(Debug, Clone)]
struct ApiRule {
    id: u64,
    endpoint: Option<Endpoint>,
    action: ApiAction,
    limit: Limit,
}

#[derive(Debug, Clone)]
struct HookRule {
    id: u64,
    event_type: Option<String>,
    action: HookAction,
    limit: Limit,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiSpec {
    endpoint: String,
    action: String,
    count: Option<u32>,
    rate: Option<f64>,
    status: Option<u16>,
    code: Option<i64>,
    message: Option<String>,
    delay_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HookSpec {
    action: String,
    count: Option<u32>,
    rate: Option<f64>,
    delay_secs: Option<u64>,
    event_type: Option<String>,
}

pub const DEFAULT_HOOK_DELAY_SECS: u64 = 60;
pub const DEFAULT_API_DELAY_MS: u64 = 1_000;

/// Every active rule, and counts of what was injected.
#[derive(Debug)]
pub struct FaultBook {
    api: Vec<ApiRule>,
    hooks: Vec<HookRule>,
    next_id: u64,
    rng: Rng,
    injected_api: BTreeMap<&'static str, u64>,
    injected_hooks: BTreeMap<&'static str, u64>,
}

impl FaultBook {
    pub fn new(seed: u64) -> Self {
        FaultBook {
            api: Vec::new(),
            hooks: Vec::new(),
            next_id: 1,
            rng: Rng::new(seed ^ 0xFA_u64),
            injected_api: BTreeMap::new(),
            injected_hooks: BTreeMap::new(),
        }
    }

    /// `POST /_mock/faults`. Returns the new rule's id.
    pub fn add_api(&mut self, body: &[u8]) -> Result<u64, String> {
        let s: ApiSpec = serde_json::from_slice(body).map_err(|e| format!("invalid fault: {e}"))?;
        let endpoint = match s.endpoint.as_str() {
            "*" => None,
            name => Some(Endpoint::parse(name).ok_or_else(|| {
                let names: Vec<&str> = Endpoint::ALL.iter().map(|e| e.as_str()).collect();
                format!("unknown endpoint {name:?} ({} or *)", names.join(", "))
            })?),
        };
        let delay = s.delay_ms.unwrap_or(DEFAULT_API_DELAY_MS);
        let action = match s.action.as_str() {
            "error" => {
                let status = s.status.unwrap_or(500);
                if !(200..=599).contains(&status) {
                    return Err("status must be an HTTP status (200–599)".into());
                }
                ApiAction::Error {
                    status,
                    code: s.code.unwrap_or(mock_codes::INJECTED_FAULT),
                    message: s
                        .message
                        .unwrap_or_else(|| "mock: injected fault".to_owned()),
                }
            }
            "delay" => ApiAction::Delay { ms: delay },
            "drop" => ApiAction::Drop,
            "timeout_after_commit" => ApiAction::TimeoutAfterCommit { ms: delay },
            other => {
                return Err(format!(
                    "unknown action {other:?} (error, delay, drop or timeout_after_commit)"
                ));
            }
        };
        let limit = Limit::new(s.count, s.rate)?;
        let id = self.take_id();
        self.api.push(ApiRule {
            id,
            endpoint,
            action,
            limit,
        });
        Ok(id)
    }

    /// `POST /_mock/webhook-faults`. Returns the new rule's id.
    pub fn add_hook(&mut self, body: &[u8]) -> Result<u64, String> {
        let s: HookSpec =
            serde_json::from_slice(body).map_err(|e| format!("invalid webhook fault: {e}"))?;
        let action = match s.action.as_str() {
            "drop" => HookAction::Drop,
            "duplicate" => HookAction::Duplicate,
            "reorder" => HookAction::Reorder,
            "delay" => HookAction::Delay {
                secs: s.delay_secs.unwrap_or(DEFAULT_HOOK_DELAY_SECS),
            },
            other => {
                return Err(format!(
                    "unknown action {other:?} (drop, duplicate, reorder or delay)"
                ));
            }
        };
        if let Some(t) = &s.event_type
            && !["BULKRESULT", "Issue", "NTS"].contains(&t.as_str())
        {
            return Err("event_type must be BULKRESULT, Issue or NTS".into());
        }
        let limit = Limit::new(s.count, s.rate)?;
        let id = self.take_id();
        self.hooks.push(HookRule {
            id,
            event_type: s.event_type,
            action,
            limit,
        });
        Ok(id)
    }

    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The fault for one call to `endpoint`, if a rule fires (the first that does, in order).
    pub fn pick_api(&mut self, endpoint: Endpoint) -> Option<ApiAction> {
        let rng = &mut self.rng;
        let hit = self
            .api
            .iter_mut()
            .filter(|r| r.endpoint.is_none_or(|e| e == endpoint))
            .find_map(|r| r.limit.fire(rng).then(|| r.action.clone()));
        self.api.retain(|r| !r.limit.spent());
        if let Some(a) = &hit {
            *self.injected_api.entry(a.kind()).or_default() += 1;
        }
        hit
    }

    /// Every webhook fault that fires for one new event (several may combine).
    pub fn pick_hooks(&mut self, event_type: &str) -> Vec<HookAction> {
        let rng = &mut self.rng;
        let hits: Vec<HookAction> = self
            .hooks
            .iter_mut()
            .filter(|r| r.event_type.as_deref().is_none_or(|t| t == event_type))
            .filter_map(|r| r.limit.fire(rng).then_some(r.action))
            .collect();
        self.hooks.retain(|r| !r.limit.spent());
        for a in &hits {
            *self.injected_hooks.entry(a.kind()).or_default() += 1;
        }
        hits
    }

    /// A seeded shuffle (reordered webhooks).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        self.rng.shuffle(items);
    }

    pub fn clear(&mut self) {
        self.api.clear();
        self.hooks.clear();
    }

    /// `GET /_mock/faults`.
    pub fn to_json(&self) -> Value {
        let api: Vec<Value> = self
            .api
            .iter()
            .map(|r| {
                let mut v = json!({
                    "id": r.id,
                    "endpoint": r.endpoint.map_or("*", Endpoint::as_str),
                    "action": r.action.kind(),
                    "remaining": r.limit.remaining,
                    "rate": r.limit.rate,
                });
                match &r.action {
                    ApiAction::Error {
                        status,
                        code,
                        message,
                    } => {
                        v["status"] = json!(status);
                        v["code"] = json!(code);
                        v["message"] = json!(message);
                    }
                    ApiAction::Delay { ms } | ApiAction::TimeoutAfterCommit { ms } => {
                        v["delay_ms"] = json!(ms);
                    }
                    ApiAction::Drop => {}
                }
                v
            })
            .collect();
        let hooks: Vec<Value> = self
            .hooks
            .iter()
            .map(|r| {
                let secs = match r.action {
                    HookAction::Delay { secs } => Some(secs),
                    _ => None,
                };
                json!({
                    "id": r.id,
                    "action": r.action.kind(),
                    "event_type": r.event_type,
                    "remaining": r.limit.remaining,
                    "rate": r.limit.rate,
                    "delay_secs": secs,
                })
            })
            .collect();
        json!({
            "api": api,
            "webhooks": hooks,
            "injected": {"api": self.injected_api, "webhooks": self.injected_hooks},
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_rule_fires_exactly_count_times_for_its_endpoint_only() {
        let mut f = FaultBook::new(1);
        f.add_api(br#"{"endpoint":"bulk_submit","action":"error","count":2,"status":503}"#)
            .unwrap();
        assert_eq!(f.pick_api(Endpoint::GetInfo), None);
        for _ in 0..2 {
            assert!(matches!(
                f.pick_api(Endpoint::BulkSubmit),
                Some(ApiAction::Error { status: 503, .. })
            ));
        }
        assert_eq!(f.pick_api(Endpoint::BulkSubmit), None);
        assert_eq!(f.to_json()["injected"]["api"]["error"], 2);
        assert_eq!(f.to_json()["api"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn a_rate_rule_fires_about_that_often_and_is_reproducible() {
        let run = || {
            let mut f = FaultBook::new(9);
            f.add_api(br#"{"endpoint":"*","action":"drop","rate":0.25}"#)
                .unwrap();
            (0..4000)
                .map(|_| f.pick_api(Endpoint::Token).is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        let hits = a.iter().filter(|x| **x).count();
        assert!((800..1200).contains(&hits), "{hits}");
        assert_eq!(a, run());
    }

    #[test]
    fn bad_specs_are_refused_with_a_reason() {
        let mut f = FaultBook::new(0);
        for bad in [
            &br#"{"endpoint":"nope","action":"error"}"#[..],
            br#"{"endpoint":"*","action":"explode"}"#,
            br#"{"endpoint":"*","action":"error","rate":2}"#,
            br#"{"endpoint":"*","action":"error","count":0}"#,
            br#"{"endpoint":"*","action":"error","bogus":1}"#,
            br#"{"endpoint":"*","action":"error","status":99}"#,
            b"[]",
        ] {
            assert!(f.add_api(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        for bad in [
            &br#"{"action":"explode"}"#[..],
            br#"{"action":"drop","event_type":"Cancel"}"#,
        ] {
            assert!(f.add_hook(bad).is_err());
        }
    }

    #[test]
    fn webhook_rules_filter_by_event_type_and_combine() {
        let mut f = FaultBook::new(0);
        f.add_hook(br#"{"action":"delay","delay_secs":30,"event_type":"NTS"}"#)
            .unwrap();
        f.add_hook(br#"{"action":"duplicate"}"#).unwrap();
        assert_eq!(f.pick_hooks("BULKRESULT"), vec![HookAction::Duplicate]);
        assert_eq!(f.pick_hooks("NTS"), vec![HookAction::Delay { secs: 30 }]);
        assert!(f.pick_hooks("NTS").is_empty());
    }
}
