//! The `/healthz` report: whether the Worker can work (its settings parse, its KV answers, and
//! its merchant notifications, when set, can be delivered).

use serde::Serialize;

use super::config::ConfigError;
use super::notify::Notifications;

/// What `/healthz` answers.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Health {
    /// `ok`, or `degraded` when anything below is not.
    pub status: &'static str,
    /// `ok`, or `unavailable` when the KV binding did not answer a read.
    pub kv: &'static str,
    /// `ok`, or `invalid` when a setting is missing or unusable.
    pub config: &'static str,
    /// Which setting and why (never its value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// `off`, `on`, or `misconfigured` (then `degraded`; submissions, webhooks and polling go
    /// on, and nothing is queued).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifications: Option<&'static str>,
    /// Which notification settings and why (never their values).
    #[serde(rename = "notificationProblems", skip_serializing_if = "Vec::is_empty")]
    pub notification_problems: Vec<String>,
}

impl Health {
    /// The report given whether the KV binding answered a read and how the settings parsed.
    pub fn new(kv_answers: bool, config: Result<(), &ConfigError>) -> Self {
        let ok = kv_answers && config.is_ok();
        Health {
            status: if ok { "ok" } else { "degraded" },
            kv: if kv_answers { "ok" } else { "unavailable" },
            config: if config.is_ok() { "ok" } else { "invalid" },
            problem: config.err().map(ToString::to_string),
            notifications: None,
            notification_problems: Vec::new(),
        }
    }

    /// The same report with the notification settings' state.
    pub fn with_notifications(mut self, n: &Notifications) -> Self {
        self.notifications = Some(n.state());
        if let Notifications::Misconfigured(problems) = n {
            self.status = "degraded";
            self.notification_problems = problems.iter().map(ToString::to_string).collect();
        }
        self
    }

    pub fn http_status(&self) -> u16 {
        if self.status == "ok" { 200 } else { 503 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::notify::config::{SECRET_VAR, URL_VAR};

    #[test]
    fn misconfigured_notifications_degrade_health_by_name_and_off_does_not() {
        let off = Health::new(true, Ok(())).with_notifications(&Notifications::Off);
        assert_eq!((off.http_status(), off.notifications), (200, Some("off")));
        let half = Notifications::from_lookup(|name| {
            (name == URL_VAR).then(|| "https://merchant.example/hooks".to_owned())
        });
        let h = Health::new(true, Ok(())).with_notifications(&half);
        assert_eq!((h.http_status(), h.status), (503, "degraded"));
        assert_eq!((h.kv, h.config), ("ok", "ok"), "the rest still works");
        let body = serde_json::to_value(&h).unwrap();
        assert_eq!(body["notifications"], "misconfigured");
        let problem = body["notificationProblems"][0].as_str().unwrap();
        assert!(problem.starts_with(SECRET_VAR), "{problem}");
    }

    #[test]
    fn health_is_unavailable_when_kv_does_not_answer() {
        let h = Health::new(false, Ok(()));
        assert_eq!(h.http_status(), 503);
        assert_eq!(h.kv, "unavailable");
        assert_eq!(Health::new(true, Ok(())).http_status(), 200);
    }

    #[test]
    fn a_misconfiguration_is_reported_by_name() {
        let e = ConfigError::Missing("API_TOKEN");
        let h = Health::new(true, Err(&e));
        assert_eq!(
            (h.http_status(), h.status, h.config),
            (503, "degraded", "invalid")
        );
        let body = serde_json::to_value(&h).unwrap();
        assert_eq!(
            body["problem"],
            "the Worker is missing its API_TOKEN setting"
        );
        let fine = serde_json::to_value(Health::new(true, Ok(()))).unwrap();
        assert_eq!(
            fine,
            serde_json::json!({ "status": "ok", "kv": "ok", "config": "ok" })
        );
    }
}
