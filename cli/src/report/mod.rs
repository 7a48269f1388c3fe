//! What the user sees: progress while the run goes on, a summary at the end.

pub mod progress;
pub mod summary;
