//! Whose clock says what time it is (`--clock`): this machine's, or Linkhub's `GET /Time`, the
//! clock POPBiLL judges tradeDT ("today or yesterday") and signed requests by. The engine
//! reads it once per polling round; everything else takes `now` as an argument.

use popbill::{HttpRequest, KstDateTime, Method, Transport};

use crate::backend::{BackendError, Http};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ClockChoice {
    /// This machine's clock (as POPBiLL's SDKs do by default).
    #[default]
    Local,
    /// Linkhub's `GET {--auth-url}/Time` (one request per reading).
    Linkhub,
}

#[derive(Debug, Clone)]
pub enum Clock {
    Local,
    Linkhub { time_url: String, http: Box<Http> },
}

impl Clock {
    pub async fn now(&self) -> Result<KstDateTime, BackendError> {
        match self {
            Clock::Local => {
                let ms = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
                Ok(KstDateTime::from_unix_millis(ms))
            }
            Clock::Linkhub { time_url, http } => {
                let req = HttpRequest {
                    method: Method::Get,
                    url: time_url.clone(),
                    headers: vec![],
                    body: vec![],
                };
                let unavailable = |why: String| {
                    BackendError::Unavailable(format!("Linkhub's clock ({time_url}): {why}"))
                };
                let resp = http
                    .send(req)
                    .await
                    .map_err(|e| unavailable(e.to_string()))?;
                if resp.status != 200 {
                    return Err(unavailable(format!("answered {}", resp.status)));
                }
                let text = String::from_utf8_lossy(&resp.body);
                let ms = popbill::time::parse_linkhub_utc(text.trim())
                    .map_err(|e| unavailable(e.to_string()))?;
                Ok(KstDateTime::from_unix_millis(ms))
            }
        }
    }
}
