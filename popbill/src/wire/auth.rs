use serde::{Deserialize, Serialize};

/// `POST /{ServiceID}/Token` body. Serialized compactly, as the Java and Node SDKs send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRequest {
    pub access_id: String,
    pub scope: Vec<String>,
}

/// Linkhub's token answer (the fields `linkhub.auth.java Token` reads, plus `userID`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TokenResponse {
    pub session_token: String,
    #[serde(rename = "serviceID", default)]
    pub service_id: Option<String>,
    #[serde(rename = "linkID", default)]
    pub link_id: Option<String>,
    #[serde(default)]
    pub usercode: Option<String>,
    #[serde(default)]
    pub ipaddress: Option<String>,
    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` (UTC).
    pub expiration: String,
    #[serde(default)]
    pub scope: Vec<String>,
    #[serde(rename = "userID", default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    // The session token is a bearer credential: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("session_token", &"<redacted>")
            .field("service_id", &self.service_id)
            .field("expiration", &self.expiration)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}
