//! A faithful, stateful POPBiLL for local runs and tests.
//!
//! The simulation (`sim`) is pure: it takes a request and `now` and returns a response plus the
//! work that fell due. `server` is a thin hyper loop around it; it never sleeps holding the lock.

pub mod clock;
pub mod server;
