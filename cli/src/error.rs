//! The run's errors and exit statuses, in one mapping.
//!
//! | status | meaning |
//! |---|---|
//! | 0 | every receipt reached the requested point |
//! | 1 | some receipts failed (listed), or were left out by `--skip-invalid` |
//! | 2 | usage or input error (nothing was sent), or credentials refused |
//! | 3 | could not reach the Worker (or POPBiLL, with `--direct`) |
//! | 130 | interrupted (Ctrl-C): run the same command again to resume |

use crate::input::{InputError, Problem};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Failed = 1,
    Usage = 2,
    Unreachable = 3,
    Interrupted = 130,
}

impl Exit {
    pub fn code(self) -> i32 {
        self as i32
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{} problem(s) in the file; nothing was sent (--skip-invalid sends the valid rows)", .0.len())]
    Invalid(Vec<Problem>),
    #[error("{0}")]
    Auth(String),
    #[error("{0}")]
    Unreachable(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("interrupted: run the same command again to resume (nothing is sent twice)")]
    Interrupted,
}

impl CliError {
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Usage(_)
            | CliError::Read { .. }
            | CliError::Input(_)
            | CliError::Invalid(_)
            | CliError::Auth(_) => Exit::Usage,
            CliError::Unreachable(_) => Exit::Unreachable,
            CliError::Write { .. } => Exit::Failed,
            CliError::Interrupted => Exit::Interrupted,
        }
    }
}
