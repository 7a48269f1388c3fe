//! Pure logic of the Worker.

pub mod health;
