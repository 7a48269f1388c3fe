//! POPBiLL cash-receipt (현금영수증) protocol and client.
//!
//! Owns the wire format (JSON names, identifiers, times, amounts), POPBiLL's per-receipt rules and
//! Linkhub request signing. Must not depend on a runtime: IO lives behind the transport seam.

pub mod amount;
pub mod codes;
pub mod ids;
pub mod linkhub;
pub mod privacy;
pub mod time;
pub mod validate;
pub mod wire;

pub use amount::Amount;
pub use ids::{ConfirmNum, CorpNum, IdError, MgtKey, ReceiptId, SubmitId};
pub use time::{KstDate, KstDateTime};
