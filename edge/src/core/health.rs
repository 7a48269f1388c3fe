//! The `/healthz` report.

use serde::Serialize;

/// What `/healthz` answers.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Health {
    pub status: &'static str,
    pub kv: &'static str,
}

impl Health {
    /// The report given whether the KV binding answered a read.
    pub fn from_kv(kv_answers: bool) -> Self {
        if kv_answers {
            Health {
                status: "ok",
                kv: "ok",
            }
        } else {
            Health {
                status: "degraded",
                kv: "unavailable",
            }
        }
    }

    pub fn http_status(&self) -> u16 {
        if self.kv == "ok" { 200 } else { 503 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_is_unavailable_when_kv_does_not_answer() {
        let h = Health::from_kv(false);
        assert_eq!(h.http_status(), 503);
        assert_eq!(h.kv, "unavailable");
        assert_eq!(Health::from_kv(true).http_status(), 200);
    }
}
