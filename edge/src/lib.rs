//! The edge Worker.
//!
//! `core` is pure (no `worker`, no clock, no IO): it builds and tests natively.
//! `shell` is the thin wasm32-only layer that translates Workers IO into core calls.

pub mod core;

#[cfg(target_arch = "wasm32")]
mod shell;
