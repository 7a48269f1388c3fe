//! POPBiLL's JSON, with its exact field names (docs/PROTOCOL.md §1.4, §3–§6).
//!
//! Reading is lenient where the SDKs and server disagree: unknown fields are ignored, nulls are
//! absent values, and numbers that some senders quote (`code`, `stateCode`) parse either way.
//! Writing omits absent fields, as the Java SDK does.

mod auth;
mod bulk;
mod cashbill;
mod error;
mod info;
mod lenient;
mod revoke;
mod webhook;

pub use auth::{TokenRequest, TokenResponse};
pub use bulk::{BulkCashbillResult, BulkIssueResult, BulkResponse, BulkSubmitRequest, TxState};
pub use cashbill::{Cashbill, IssueResponse};
pub use error::ErrorBody;
pub use info::CashbillInfo;
pub use revoke::RevokeRequest;
pub use webhook::WebhookEvent;
