use serde::{Deserialize, Serialize};

use super::lenient;

/// The body of every POPBiLL and Linkhub error: a negative code and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(deserialize_with = "lenient::opt_i64", default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
}

impl ErrorBody {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        ErrorBody {
            code: Some(code),
            message: Some(message.into()),
        }
    }
}
