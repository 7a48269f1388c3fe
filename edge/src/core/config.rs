//! The Worker's settings, parsed from its vars and secrets.

/// A setting that is missing or cannot be used. Names the variable, never its value (secrets).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("the Worker is missing its {0} setting")]
    Missing(&'static str),
    #[error("the Worker's {var} setting is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}
