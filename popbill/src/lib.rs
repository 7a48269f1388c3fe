//! POPBiLL cash-receipt (현금영수증) protocol and client.
//!
//! Owns the wire format: JSON names, identifiers, Linkhub request signing.
//! Must not depend on a runtime: IO lives behind the transport seam.

pub mod linkhub;
